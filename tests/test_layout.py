"""The layout is the architecture: imports point inward only (domain <- ledger <- store
<- app <- cli / tui), with no circle between modules. Read from the source with ``ast``,
every import counts: module level, inside functions and under ``TYPE_CHECKING``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"workflow": ROOT / "src" / "workflow", "workflow.tui": ROOT / "tui"}

# A module of the first layer may not import any module of these layers.
FORBIDDEN = {
    "workflow.domain": ("workflow.ledger", "workflow.store", "workflow.app", "workflow.cli", "workflow.tui"),
    "workflow.ledger": ("workflow.app", "workflow.cli", "workflow.tui"),
    "workflow.store": ("workflow.app", "workflow.cli", "workflow.tui", "workflow.ledger"),
    "workflow.app": ("workflow.cli", "workflow.tui"),
    "workflow.tui": ("workflow.cli", "workflow.store"),
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for prefix, base in SOURCES.items():
        for path in base.rglob("*.py"):
            if "tui" in path.relative_to(base).parts[:1] and prefix == "workflow":
                continue  # src/workflow/tui is a link to tui/
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([prefix, *parts])] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.add(sub if sub in known else mod)
    return {m for m in out if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {name: _imports(name, path, known) for name, path in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    result.append(sorted(comp))
    return result


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_between_modules() -> None:
    assert _cycles(_graph()) == []


def test_imports_point_inward() -> None:
    graph = _graph()
    wrong = [
        f"{mod} imports {dep}"
        for mod, deps in graph.items()
        for layer, banned in FORBIDDEN.items()
        if mod == layer or mod.startswith(layer + ".")
        for dep in deps
        if any(dep == b or dep.startswith(b + ".") for b in banned)
    ]
    assert wrong == []


def test_every_layer_is_there() -> None:
    mods = set(_graph())
    for layer in ("workflow.domain", "workflow.ledger", "workflow.store", "workflow.app", "workflow.cli"):
        assert any(m.startswith(layer + ".") for m in mods), layer


@pytest.mark.parametrize(
    "module",
    [
        "workflow.domain.gates",
        "workflow.domain.definition",
        "workflow.domain.engine",
        "workflow.domain.timeline",
        "workflow.domain.report",
    ],
)
def test_the_domain_loads_no_database_and_no_terminal(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'textual', 'psycopg') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
