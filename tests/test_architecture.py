"""The house: dependencies point one way (service -> ingest, eval -> service), and the modules import each
other without a loop. Imports under ``if TYPE_CHECKING:`` are annotations only and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("ingest", "service", "eval")


def runtime_imports(path: Path) -> set[str]:
    """The modules of ours a file imports when it runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            found.update(n for n in names if n.split(".")[0] in PACKAGES)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in PACKAGES)
    return found


def module_graph() -> dict[str, set[str]]:
    files = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    return {name: {m for m in runtime_imports(path) if m in files and m != name} for name, path in files.items()}


def test_ingest_never_imports_service_or_eval():
    graph = module_graph()
    upward = {(m, d) for m, deps in graph.items() if m.startswith("ingest") for d in deps if not d.startswith("ingest")}
    assert upward == set()


def test_service_never_imports_eval():
    graph = module_graph()
    assert {
        (m, d) for m, deps in graph.items() if m.startswith("service") for d in deps if d.startswith("eval")
    } == set()


def test_no_module_imports_itself_through_others():
    graph = module_graph()
    loops = []

    def visit(module: str, path: list[str], seen: set[str]) -> None:
        for dependency in sorted(graph[module]):
            if dependency == path[0]:
                loops.append(" -> ".join([*path, dependency]))
            elif dependency not in seen:
                seen.add(dependency)
                visit(dependency, [*path, dependency], seen)

    for module in sorted(graph):
        visit(module, [module], {module})
    assert loops == []
