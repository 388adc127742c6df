"""Print the structure counts the architecture is held to: who writes user rows, who imports duckdb, which
layer imports which, modules over 400 lines, S608 exemptions. `python scripts/structure.py [--json]`."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("engine", "connectors", "hub", "pages", "sample_data")
WRITE_SQL = re.compile(r"\b(INSERT INTO|UPDATE|DELETE FROM)\s+\{(target|w\.target|self\.target|qualified)")
SQL = re.compile(r"\b(SELECT .* FROM|INSERT INTO|UPDATE \S+ SET|DELETE FROM|CREATE TABLE)\b")


def modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


def imports(path: Path) -> set[str]:
    """Top-level packages a module imports (at any depth of its body)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
    return out


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_edges(path: Path, known: set[str]) -> set[str]:
    """Our modules that a module imports, at the top or inside a function (a late import still ties them);
    imports for type checking only are left out, as they never run."""
    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
    return {m for m in out if m in known}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def import_circles() -> list[str]:
    """Groups of our modules that import each other, directly or round a loop (Tarjan's algorithm)."""
    paths = [p for layer in LAYERS for p in modules(layer)]
    known = {module_name(p) for p in paths}
    graph = {module_name(p): import_edges(p, known) - {module_name(p)} for p in paths}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[str] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                circles.append(" ↔ ".join(sorted(group)))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def counts() -> dict[str, object]:
    engine = modules("engine")
    s608 = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]["per-file-ignores"]
    return {
        "modules_writing_user_rows": [rel(p) for p in engine if WRITE_SQL.search(p.read_text())],
        "engine_modules_importing_duckdb": [rel(p) for p in engine if "duckdb" in imports(p)],
        "engine_importing_connectors_or_sample_data": [
            rel(p) for p in engine if imports(p) & {"connectors", "sample_data"}
        ],
        "engine_importing_hub": [rel(p) for p in engine if "hub" in imports(p)],
        "connectors_with_sql": [rel(p) for p in modules("connectors") if SQL.search(p.read_text())],
        "engine_modules_over_400_lines": [
            f"{rel(p)} ({n})" for p in engine if (n := len(p.read_text().splitlines())) > 400
        ],
        "import_circles": import_circles(),
        "s608_exemptions": sorted(k for k, v in s608.items() if "S608" in v and not k.startswith("tests")),
    }


if __name__ == "__main__":
    found = counts()
    if "--json" in sys.argv:
        print(json.dumps(found, ensure_ascii=False, indent=1))
    else:
        for key, value in found.items():
            print(f"{key}: {len(value)}")  # type: ignore[arg-type]
            for item in value:  # type: ignore[attr-defined]
                print(f"  {item}")
