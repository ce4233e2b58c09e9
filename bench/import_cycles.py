"""Import cycles of a package, type-only imports included, and its largest functions.

    python -m bench.import_cycles                  # moderation: cycles counting every import
    python -m bench.import_cycles --runtime        # only the imports that run (not under `if TYPE_CHECKING:`)
    python -m bench.import_cycles --largest 10     # also the ten longest functions, by lines

Why type-only imports count: `if TYPE_CHECKING: from moderation.core import Core` does not run, but a reader
(and mypy) still needs the whole cycle to understand either end, and it is how a module reaches back into
the object that calls it. The graph has one node per module (a package is its `__init__.py`); an edge is any
`import` or `from ... import` of a module of the package, at the top, inside a function or under
`TYPE_CHECKING` (`from pkg import name` points at `pkg.name` when that is a module, else at `pkg`). Cycles are
the strongly connected components with more than one module (Tarjan's algorithm).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules(package: str) -> dict[str, Path]:
    """Every module of `package` by dotted name."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _typing_only(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines.update(n.lineno for stmt in node.body for n in ast.walk(stmt) if hasattr(n, "lineno"))
    return lines


def _targets(name: str, path: Path, node: ast.AST) -> Iterator[str]:
    """Dotted names an import statement may refer to (modules or not)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        yield base
        yield from (f"{base}.{alias.name}" for alias in node.names)


def graph(package: str, *, runtime_only: bool = False) -> dict[str, set[str]]:
    """module -> the modules of `package` it imports."""
    known = modules(package)
    edges: dict[str, set[str]] = {m: set() for m in known}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _typing_only(tree) if runtime_only else set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in skip:
                continue
            for target in _targets(name, path, node):
                while target and target not in known:  # `a.b.Class` -> `a.b`
                    target = target.rpartition(".")[0]
                if target and target != name and (isinstance(node, ast.Import) or target != package):
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, largest first (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges[succ]))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found, key=lambda c: (-len(c), c))


def largest_functions(package: str, count: int) -> list[tuple[int, str]]:
    """(lines, module:function) of the longest functions and methods, decorators and docstrings included."""
    sizes: list[tuple[int, str]] = []
    for name, path in modules(package).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                sizes.append((node.end_lineno - node.lineno + 1, f"{name}:{node.name}"))
    return sorted(sizes, key=lambda s: (-s[0], s[1]))[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", nargs="?", default="moderation")
    parser.add_argument("--runtime", action="store_true", help="leave out imports under `if TYPE_CHECKING:`")
    parser.add_argument("--largest", type=int, default=0, metavar="N", help="also list the N longest functions")
    args = parser.parse_args(argv)
    edges = graph(args.package, runtime_only=args.runtime)
    found = cycles(edges)
    kind = "runtime imports only" if args.runtime else "type-only imports included"
    in_cycles = sum(len(c) for c in found)
    print(f"{args.package}: {len(edges)} modules, {sum(map(len, edges.values()))} import edges ({kind})")
    print(f"{len(found)} cycle(s) (strongly connected components), {in_cycles} module(s) in them")
    for component in found:
        print(f"  {len(component)}: {', '.join(component)}")
    if args.largest:
        print("largest functions (lines):")
        for lines, where in largest_functions(args.package, args.largest):
            print(f"  {lines:4d}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
