"""No import cycle inside `index/`: every import counts, lazy and TYPE_CHECKING ones too."""

from __future__ import annotations

import ast
from pathlib import Path

import index

PACKAGE = Path(index.__file__).parent


def _module_name(path: Path) -> str:
    return "index" if path.name == "__init__.py" else f"index.{path.stem}"


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The `index` modules ``path`` imports anywhere in its body."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                # ``from index import cursor`` imports the submodule, not the package.
                sub = f"{node.module}.{alias.name}"
                if sub in modules:
                    found.add(sub)
                elif node.module in modules:
                    found.add(node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.glob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) - {_module_name(p)} for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path of module names (first == last), or []."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str]:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return []
        for target in sorted(graph[module]):
            cycle = visit(target, [*path, module])
            if cycle:
                return cycle
        done.add(module)
        return []

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return []


def test_the_checker_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_index_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "index.factory" in graph and "index.es_backend" in graph["index.factory"]
    assert find_cycle(graph) == []


def test_the_protocol_module_imports_no_backend() -> None:
    assert (
        not {"index.factory", "index.es_backend", "index.sqlite_backend"}
        & import_graph()["index.backend"]
    )
