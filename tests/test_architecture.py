"""The house: every module belongs to one layer, imports only from its own layer and the layers below it, and no
module imports itself through others. Imports under ``if TYPE_CHECKING:`` count: an annotation that needs a module
above is a type that belongs lower down."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("ingest", "service", "eval")

# The layers, top to bottom, and what each may import. Entry: the commands and the app's assembly.
LAYERS = {
    "eval": {"eval", "entry", "api", "live", "report", "answer", "store", "floor", "ingest"},
    "entry": {"entry", "api", "live", "report", "answer", "store", "floor", "ingest"},
    "api": {"api", "live", "report", "answer", "store", "floor", "ingest"},
    "live": {"live", "answer", "store", "floor", "ingest"},
    "report": {"report", "answer", "store", "floor", "ingest"},
    "answer": {"answer", "store", "floor", "ingest"},
    "store": {"store", "floor", "ingest"},
    "floor": {"floor", "ingest"},
    "ingest": {"ingest"},
}
ENTRY = {"service.__main__", "service.app", "service.tenants", "service.reload", "service.pack", "ingest.__main__"}
FLOOR = {"service", "service.settings", "service.errors"}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if module in ENTRY:  # python -m ingest measures the new generation's baseline as the service will read it
        return "entry"
    if parts[0] in ("eval", "ingest"):
        return parts[0]
    if module in FLOOR:
        return "floor"
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    raise AssertionError(f"{module} belongs to no layer: put it in a sub-package of service/")


def imports_of(path: Path) -> set[str]:
    """The modules of ours a file imports, at run time or for annotations."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            found.update(n for n in names if n.split(".")[0] in PACKAGES)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in PACKAGES)
    return found


def module_files() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }


def module_graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: {m for m in imports_of(path) if m in files and m != name} for name, path in files.items()}


def test_a_type_checking_import_counts_as_an_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from service.app import create_app\n")
    assert "service.app" in imports_of(source)


def test_every_service_module_sits_in_a_layer():
    for module in module_graph():
        layer_of(module)  # raises, naming the module


def test_each_layer_imports_only_itself_and_the_layers_below():
    graph = module_graph()
    against = sorted(
        f"{module} ({layer_of(module)}) imports {dependency} ({layer_of(dependency)})"
        for module, dependencies in graph.items()
        for dependency in dependencies
        if layer_of(dependency) not in LAYERS[layer_of(module)]
    )
    assert against == []


def test_the_table_puts_storage_below_the_answer_path_and_the_answer_path_below_http():
    assert "api" not in LAYERS["answer"] and "answer" not in LAYERS["store"] and "live" not in LAYERS["report"]
    assert layer_of("service.answer.pipeline") == "answer" and layer_of("service.store.database") == "store"


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


ROUTERS = {  # the modules that answer HTTP: each is a seam of its own, none reaches into another
    name for name, path in module_files().items() if "APIRouter(" in path.read_text("utf-8")
}
# Where a question's Context is built: the one door of the service, and the eval's harness (which asks its sets
# as fresh conversations, in process).
CONTEXT_BUILDERS = {"service.api.door", "eval.answers"}


def test_no_router_imports_another_router():
    graph = module_graph()
    assert {"service.api.residents", "service.api.line.webhook", "service.api.staff"} <= ROUTERS
    assert sorted(f"{r} imports {d}" for r in ROUTERS for d in graph[r] if d in ROUTERS) == []


def contexts_built(path: Path) -> int:
    """How many times a file calls ``Context(…)``."""
    calls = [node for node in ast.walk(ast.parse(path.read_text("utf-8"))) if isinstance(node, ast.Call)]
    return sum(isinstance(call.func, ast.Name) and call.func.id == "Context" for call in calls)


def test_a_question_context_is_built_only_at_the_door_and_in_the_eval_harness():
    built = {name for name, path in module_files().items() if contexts_built(path)}
    assert built == CONTEXT_BUILDERS
