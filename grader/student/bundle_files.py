"""The text files of a student bundle: the ``[bundle]`` table, the README and the GitHub Actions workflow.

The workflow installs the grader (``GRADER_PACKAGE``: a repository variable of the course, ``grader`` from
the package index by default) and a CPU build of torch, runs ``grader check --format github`` (annotations
within GitHub's limits, a Markdown job summary in ``$GITHUB_STEP_SUMMARY``, a JUnit file) and uploads the
JUnit file. Its ``run:`` steps are plain shell, so a test can run them as written.
"""
from __future__ import annotations

from grader import __version__

JUNIT = "grader-junit.xml"


def bundle_table(name: str) -> str:
    return (f"\n\n# Written by `grader release`: this folder is the student bundle of `{name}`.\n"
            f"[bundle]\nassignment = \"{name}\"\ngrader = \"{__version__}\"\n")


def readme(a, version: str) -> str:
    return f"""# {a.title}

Your work goes in `{a.name}.ipynb` (you may rename it: the notebook's metadata says which assignment it is).
Implement {", ".join(f"`{s}`" for s in a.symbols)}; only these, and what they use, are graded. Top-level
code (prints, experiments) is never run by the grader.

## Check your work

```
python -m pip install torch --index-url https://download.pytorch.org/whl/cpu   # a CPU build is enough
python -m pip install grader                                                 # or what your course says
grader check {a.name}.ipynb            # the public tests; add --verbose for the sandbox's details
```

`grader check` runs the public tests in `tests/` on your notebook, in a sandbox, on the CPU, without root.
Some public tests compare with the reference solution: its answers to exactly those tests are recorded in
`reference_answers.json` (data, no code). This is a self-check: hidden tests decide the grade.

## On GitHub

Push this folder to a repository: `.github/workflows/grader.yml` runs the same check on every push,
marks failing tests on the notebook, writes a summary on the run's page and keeps a JUnit report.

Bundle {version}.
"""


def workflow(a) -> str:
    return f"""# Self-check of {a.name} on every push (written by `grader release`; the grade comes from hidden tests).
name: grader check
on:
  push:
  pull_request:
  workflow_dispatch:
jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    env:
      GRADER_PACKAGE: ${{{{ vars.GRADER_PACKAGE || 'grader' }}}}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the grader
        run: |
          python -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu
          python -m pip install --quiet "$GRADER_PACKAGE"
      - name: Check the notebook
        run: grader check . --format github --junit {JUNIT}
      - name: Upload the JUnit report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grader-junit
          path: {JUNIT}
          if-no-files-found: ignore
"""
