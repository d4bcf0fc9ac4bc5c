"""One direction of dependency (issue 12): the worker imports the domain and never the reverse, the
project's modules import one another without a cycle, and no import hides inside a function to
break one.

The modules are parsed, not imported, so a cycle is reported even where Python would tolerate it
(and before it becomes the ImportError of whoever imports the modules in another order).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sara", "worker")

#: The only function-local imports of project modules allowed, as (module, imported module):
#: each is there for a reason other than breaking a cycle.
LOCAL_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {
    ("sara.core.cli", "sara.demo.seed"):
        "the demo data (3,000 lines, about 60 ms to import) is for the seed-demo command alone; "
        "the web app and the worker, which import the CLI with the app, never need it",
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    local: bool  # inside a function body, so run only when the function is called


def project_modules() -> dict[str, Path]:
    modules = {"config": ROOT / "config.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of a project module in `module`: `from a.b import c` names the module a.b.c
    when there is one, else a.b. Imports under `if TYPE_CHECKING:` never run, so they are left
    out."""
    found: list[Import] = []
    is_package = path.name == "__init__.py"

    def resolve(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for orelse in child.orelse:
                    visit_one(orelse, local)
                continue
            visit_one(child, local)

    def visit_one(child: ast.AST, local: bool) -> None:
        if isinstance(child, ast.Import):
            for alias in child.names:
                if alias.name.split(".")[0] in modules or alias.name in modules:
                    found.append(Import(module, alias.name, child.lineno, local))
        elif isinstance(child, ast.ImportFrom):
            source = resolve(child)
            for alias in child.names:
                target = f"{source}.{alias.name}"
                name = target if target in modules else source
                if name in modules:
                    found.append(Import(module, name, child.lineno, local))
        else:
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), False)
    return found


def all_imports() -> list[Import]:
    modules = project_modules()
    return [found for module, path in modules.items()
            for found in imports_of(module, path, modules)]


def import_graph(imports: list[Import], *, with_local: bool = False) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in project_modules()}
    for found in imports:
        if (with_local or not found.local) and found.imported != found.importer:
            graph[found.importer].add(found.imported)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as the modules along it (the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def test_the_domain_never_imports_the_worker():
    wrong = [f"{i.importer} (line {i.line}) imports {i.imported}" for i in all_imports()
             if i.importer.split(".")[0] == "sara" and i.imported.split(".")[0] == "worker"]
    assert wrong == [], "the worker imports the domain, never the reverse:\n" + "\n".join(wrong)


def test_the_project_modules_import_one_another_without_a_cycle():
    cycle = find_cycle(import_graph(all_imports()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_function_local_import_closes_a_cycle_either():
    # The allowed local imports are there for other reasons: none may be holding a cycle apart.
    cycle = find_cycle(import_graph(all_imports(), with_local=True))
    assert cycle is None, "import cycle through a function-local import: " + " -> ".join(
        cycle or [])


def test_no_function_hides_an_import_of_a_project_module():
    hidden = sorted(
        f"{i.importer} (line {i.line}) imports {i.imported}" for i in all_imports()
        if i.local and (i.importer, i.imported) not in LOCAL_IMPORTS_ALLOWED)
    assert hidden == [], (
        "move these imports to the top of their modules (or, for a reason other than a cycle, "
        "add them to LOCAL_IMPORTS_ALLOWED with it):\n" + "\n".join(hidden))


def test_every_allowed_local_import_is_still_there():
    # An allow-list entry outliving its import would silently allow the next one.
    local = {(i.importer, i.imported) for i in all_imports() if i.local}
    assert set(LOCAL_IMPORTS_ALLOWED) - local == set()


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_parser_sees_local_and_top_level_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from sara import policy\n"
        "from sara.cases.models import ProblemCase\n"
        "if TYPE_CHECKING:\n"
        "    from sara.auth.models import User\n"
        "def f():\n"
        "    from worker import tasks\n")
    found = imports_of("sara.m", source, project_modules())
    assert [(i.imported, i.local) for i in found] == [
        ("sara.policy", False), ("sara.cases.models", False), ("worker.tasks", True)]
