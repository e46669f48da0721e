"""The house: the sandbox's inside imports nothing trusted, modules stay small and documented, no import cycles."""
import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "grader"
INSIDE_MAY_IMPORT = ("grader.sandbox.inside", "grader.sandbox.wire", "grader.sandbox.spec")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _grader_imports(path: Path) -> set[str]:
    """Every ``grader...`` module a file imports, at any depth (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "grader"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "grader":
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names
                      if (PACKAGE.parent / f"{node.module}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                      or (PACKAGE.parent / f"{node.module}.{a.name}".replace(".", "/")).is_dir()}
    return found


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def test_the_inside_of_the_sandbox_imports_nothing_trusted():
    inside = {name: path for name, path in MODULES.items() if name.startswith("grader.sandbox.inside")}
    assert inside, "grader/sandbox/inside/ is missing"
    allowed = set(INSIDE_MAY_IMPORT) | {"grader", "grader.sandbox"}  # package __init__s, which import nothing
    for name, path in inside.items():
        bad = {m for m in _grader_imports(path) if m not in allowed and not m.startswith(INSIDE_MAY_IMPORT)}
        assert not bad, f"{name} (runs inside the sandbox) imports trusted code: {sorted(bad)}"
    for package in ("grader", "grader.sandbox"):  # what importing grader.sandbox.inside loads first
        assert _grader_imports(MODULES[package]) == set(), f"{package}/__init__.py must import nothing"


def test_modules_are_small_and_say_what_they_own():
    for name, path in MODULES.items():
        lines = path.read_text().count("\n")
        assert lines <= 300, f"{name} has {lines} lines"
        if lines > 5:
            assert ast.get_docstring(ast.parse(path.read_text())), f"{name} has no docstring on top"


def test_no_import_cycles():
    graph = {name: {m for m in _grader_imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}
    # a package's __init__ importing its own submodules is how packages re-export; not a cycle between modules
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1 and not node.startswith(nxt + ".") and not nxt.startswith(node + "."):
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_testing_is_the_public_face_and_the_engine_never_imports_it():
    for name, path in MODULES.items():
        if not name.startswith("grader.testing"):
            assert not any(m.startswith("grader.testing") for m in _grader_imports(path)), \
                f"{name} imports grader.testing: the engine must not depend on the test authors' helpers"
