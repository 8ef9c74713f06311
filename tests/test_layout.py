"""The tree's shape, checked: the core imports no platform, no import cycle, modules of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers")
PLATFORM_LIBRARIES = ("telegram", "aiohttp", "httpx")
MAX_MODULE_LINES = 500
MAX_MODULES_PER_PACKAGE = 12  # modules directly in bot/ or handlers/ (sub-packages not counted)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every module this file imports, by absolute name (relative imports resolved)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def project_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {target for target in imports_of(path) if target in known and target != name}
            for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert cycles(project_graph()) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_imports_no_platform_library() -> None:
    offending = {name: sorted(target for target in imports_of(path)
                              if target.split(".")[0] in PLATFORM_LIBRARIES)
                 for name, path in modules().items() if name.startswith("bot")}
    assert {name: found for name, found in offending.items() if found} == {}


def test_no_module_is_too_long() -> None:
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES} == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_each_top_package_has_sub_packages_and_few_modules(package: str) -> None:
    folder = REPO / package
    direct = [path for path in folder.glob("*.py") if path.name != "__init__.py"]
    sub_packages = [path for path in folder.iterdir() if (path / "__init__.py").exists()]
    assert len(direct) <= MAX_MODULES_PER_PACKAGE, sorted(path.name for path in direct)
    assert len(sub_packages) >= 2
