"""The layout docs/architecture.md describes, checked on the source: imports go one way
(`bot -> handlers -> store`, `bot -> store`), `store/` knows nothing of Slack, handlers never
reach the index, ingestion or search internals, and no two modules import each other."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("bot", "handlers", "store")
SLACK_LIBRARIES = ("slack_sdk", "slack_bolt")
# What handlers may import from the store: the search API, its records and errors, and the
# state contract (store.state.base: the protocols, records, lock names and `holding`).
HANDLERS_MAY_IMPORT = ("store.api", "store.types", "store.errors", "store.state.base")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for package in PACKAGES for p in (REPO / package).rglob("*.py")}


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The modules an import statement names (a submodule rather than its package when
    `from package import submodule`)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        name = ".".join([*base, *([node.module] if node.module else [])])
    else:
        name = node.module or ""
    submodules = [
        f"{name}.{alias.name}" for alias in node.names if f"{name}.{alias.name}" in MODULES
    ]
    yield from submodules or [name]


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(module: str, top_level_only: bool = False) -> set[str]:
    """Every module `module` imports; with `top_level_only`, those run on import (not inside
    functions, not under TYPE_CHECKING)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    if top_level_only:
        statements: list[ast.stmt] = []
        pending = list(tree.body)
        while pending:
            statement = pending.pop()
            if _is_type_checking(statement):
                continue
            statements.append(statement)
            if isinstance(statement, ast.If | ast.Try):
                for block in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(statement, block, []):
                        pending.extend(
                            child.body if isinstance(child, ast.ExceptHandler) else [child]
                        )
        nodes = [s for s in statements if isinstance(s, ast.Import | ast.ImportFrom)]
    else:
        nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    return {name for node in nodes for name in _imported(module, node)}


def _root(name: str) -> str:
    return name.split(".")[0]


def test_the_store_imports_neither_slack_nor_the_packages_above_it() -> None:
    wrong = {
        (module, name)
        for module in MODULES
        if _root(module) == "store"
        for name in imports(module)
        if _root(name) in ("bot", "handlers", *SLACK_LIBRARIES)
    }
    assert wrong == set()


def test_handlers_never_import_bot_or_the_stores_internals() -> None:
    wrong = {
        (module, name)
        for module in MODULES
        if _root(module) == "handlers"
        for name in imports(module)
        if _root(name) == "bot"
        or (
            _root(name) == "store"
            and not any(name == a or name.startswith(f"{a}.") for a in HANDLERS_MAY_IMPORT)
        )
    }
    assert wrong == set()


def test_no_modules_import_each_other() -> None:
    graph = {m: {n for n in imports(m, top_level_only=True) if n in MODULES} for m in MODULES}
    circles = []
    for start in graph:
        # Every module reachable from `start`; a circle when `start` is among them.
        seen, frontier = set(), list(graph[start])
        while frontier:
            module = frontier.pop()
            if module not in seen:
                seen.add(module)
                frontier.extend(graph[module])
        if start in seen:
            circles.append(start)
    assert circles == []


def test_the_checks_see_the_imports_the_layout_relies_on() -> None:
    """Not blind: relative, package and from-imports are all found."""
    assert "store.api" in imports("handlers.deps", top_level_only=True)
    assert {"handlers.deps", "handlers.mentions"} <= imports("handlers", top_level_only=True)
    assert "handlers" in {_root(name) for name in imports("bot.app")}
