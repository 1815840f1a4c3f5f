"""Inline the core modules a locustfile needs, as readable source, in dependency order.

The generated locustfile must run where only ``locust`` and ``faker`` are
installed (a worker fetching it with ``locust -f -``), yet it must not carry a
second copy of the journey logic. So the exporter copies the core modules'
own source into the file, unchanged but for two kinds of lines it drops:
``from __future__`` imports (the file has one at its top) and imports from
``simulator_app`` (the names they bring in are defined earlier in the same
file). Every module then shares one namespace, which is only safe when no two
of them bind the same top-level name differently; :func:`inline_modules`
checks that and fails loudly rather than let one definition shadow another.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "simulator_app"
ALLOWED_THIRD_PARTY = frozenset({"faker"})


class InlineError(Exception):
    """A core module cannot be inlined safely (a name clash, a forbidden import)."""


@dataclass(frozen=True, slots=True)
class InlinedModule:
    """One module's source, ready to paste, and what it binds at top level."""

    name: str  # dotted module name
    relpath: str  # e.g. simulator_app/core/journey.py
    source: str
    depends: tuple[str, ...]
    bindings: dict[str, tuple[str, ...]]  # top-level name -> where its value comes from


def _module_file(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        raise InlineError(f"{name}: no Python source to inline")
    return Path(spec.origin)


def _stored_names(node: ast.AST) -> list[str]:
    """Names a top-level statement binds (not those bound inside defs or classes)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    names: list[str] = []
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Store):
            names.append(current.id)
        skip = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        comps = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, skip + comps):
                stack.append(child)
    return names


def _check_import(module: str, where: str) -> None:
    top = module.partition(".")[0]
    if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or top == PACKAGE:
        return
    raise InlineError(
        f"{where}: imports {module!r}; inlined modules may use only the standard library and faker"
    )


def read_module(name: str) -> InlinedModule:
    """Parse module ``name`` and drop its ``__future__`` and intra-package imports."""
    path = _module_file(name)
    text = path.read_text(encoding="utf-8")
    relpath = name.replace(".", "/") + ".py"
    tree = ast.parse(text, filename=relpath)
    drop: set[int] = set()
    depends: list[str] = []
    bindings: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and node not in tree.body:
            mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if (mod or "").startswith(PACKAGE):
                raise InlineError(
                    f"{relpath}:{node.lineno}: a nested import of {mod} cannot be inlined"
                )
    for node in tree.body:
        lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                raise InlineError(f"{relpath}:{node.lineno}: relative imports cannot be inlined")
            if module == "__future__":
                drop.update(lines)
                continue
            _check_import(module, f"{relpath}:{node.lineno}")
            if module.startswith(PACKAGE + "."):
                for alias in node.names:
                    if alias.asname not in (None, alias.name) or alias.name == "*":
                        raise InlineError(
                            f"{relpath}:{node.lineno}: 'from {module} import {alias.name}"
                            f" as {alias.asname}' cannot be inlined; import the name as is"
                        )
                drop.update(lines)
                depends.append(module)
                continue
            for alias in node.names:
                bindings[alias.asname or alias.name] = ("import", module, alias.name)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                _check_import(alias.name, f"{relpath}:{node.lineno}")
                if alias.name.startswith(PACKAGE):
                    raise InlineError(
                        f"{relpath}:{node.lineno}: 'import {alias.name}' cannot be inlined"
                    )
                bound = alias.asname or alias.name.partition(".")[0]
                bindings[bound] = ("import", alias.name if alias.asname else bound)
            continue
        for bound in _stored_names(node):
            bindings[bound] = ("defined", relpath)
    kept = [line for n, line in enumerate(text.splitlines(), start=1) if n not in drop]
    return InlinedModule(
        name, relpath, "\n".join(kept).strip("\n") + "\n", tuple(depends), bindings
    )


def dependency_order(roots: tuple[str, ...]) -> list[InlinedModule]:
    """``roots`` and every package module they import, each after its dependencies."""
    done: dict[str, InlinedModule] = {}
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise InlineError(f"{name}: circular import; cannot inline")
        visiting.add(name)
        module = read_module(name)
        for dep in module.depends:
            visit(dep)
        visiting.discard(name)
        done[name] = module

    for root in roots:
        visit(root)
    return list(done.values())


def check_clashes(parts: list[tuple[str, dict[str, tuple[str, ...]]]]) -> None:
    """Fail when two parts of one namespace bind the same name to different things.

    ``parts`` is a list of (label, bindings); the same import in two modules
    (``import random`` twice) is no clash.
    """
    seen: dict[str, tuple[str, tuple[str, ...]]] = {}
    for label, bindings in parts:
        for name, origin in bindings.items():
            if name not in seen:
                seen[name] = (label, origin)
                continue
            first_label, first_origin = seen[name]
            if first_origin != origin or origin[0] == "defined":
                raise InlineError(
                    f"{label} and {first_label} both define {name!r} at top level;"
                    " rename one so they can share the locustfile's namespace"
                )


def inline_modules(roots: tuple[str, ...]) -> list[InlinedModule]:
    """The modules to paste, in order, after checking they can share one namespace."""
    return list(_inline_modules(roots))


@functools.lru_cache(maxsize=4)  # the sources do not change while the process runs
def _inline_modules(roots: tuple[str, ...]) -> tuple[InlinedModule, ...]:
    modules = dependency_order(roots)
    for module in modules:
        for dep in module.depends:
            imported = read_imported_names(module.name, dep)
            dep_module = next(m for m in modules if m.name == dep)
            missing = [n for n in imported if n not in dep_module.bindings]
            if missing:
                raise InlineError(
                    f"{module.relpath}: imports {', '.join(missing)} from {dep},"
                    " which does not define them at top level"
                )
    check_clashes([(m.relpath, m.bindings) for m in modules])
    return tuple(modules)


def read_imported_names(name: str, dep: str) -> list[str]:
    """The names module ``name`` imports from package module ``dep``."""
    tree = ast.parse(_module_file(name).read_text(encoding="utf-8"))
    return [
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == dep
        for alias in node.names
    ]


def top_level_bindings(source: str, label: str) -> dict[str, tuple[str, ...]]:
    """The top-level bindings of a piece of generated source (for the clash check)."""
    bindings: dict[str, tuple[str, ...]] = {}
    for node in ast.parse(source, filename=label).body:
        if isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                continue
            for alias in node.names:
                bindings[alias.asname or alias.name] = ("import", node.module or "", alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                bindings[bound] = ("import", alias.name if alias.asname else bound)
        else:
            for bound in _stored_names(node):
                bindings[bound] = ("defined", label)
    return bindings
