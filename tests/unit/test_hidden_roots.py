"""What cells mask comes from the paths the instructor named, never from where a student's link points."""
import os

from grader.harness.runner import hidden_roots


def test_hidden_roots_come_from_the_instructors_names_never_a_link_target(tmp_path):
    (tmp_path / "cohort").mkdir()
    os.symlink("/dev/null", tmp_path / "cohort" / "null.ipynb")
    os.symlink("/etc", tmp_path / "cohort" / "etc")
    (tmp_path / "cohort" / ".git").mkdir()
    roots = hidden_roots([tmp_path / "cohort" / "null.ipynb", tmp_path / "cohort" / "etc"], tmp_path / "out")
    real = os.path.realpath(tmp_path)
    assert set(roots) == {f"{real}/cohort", f"{real}/cohort/.git", f"{real}/out"}


def test_a_worktree_hides_the_main_repositorys_history(tmp_path):
    main, tree = tmp_path / "main", tmp_path / "tree"
    (main / ".git" / "worktrees" / "tree").mkdir(parents=True)
    (tree / "cohort").mkdir(parents=True)
    (tree / ".git").write_text(f"gitdir: {main}/.git/worktrees/tree\n")
    assert f"{os.path.realpath(main)}/.git" in hidden_roots([tree / "cohort"])
    (tree / ".git").write_text("gitdir: /dev\n")  # only folders named .git are ever hidden
    assert hidden_roots([tree / "cohort"]) == (f"{os.path.realpath(tree)}/cohort",)
