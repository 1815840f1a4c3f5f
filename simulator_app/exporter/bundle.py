"""The self-contained form of an exported file: the runtime's sources travel inside it.

``nitrox-sim export-locust --bundle`` writes it for Locust workers that have
only locust and Faker installed (Locust's ``-f -`` distribution sends the
master's file to each worker). It is the thin file of
:mod:`simulator_app.exporter.locustfile`, unchanged, preceded by the source
text of every ``simulator_app`` module the runtime imports, as string data,
and a small import hook that imports those modules from that data. Nothing
is rewritten, so the runtime and the core need no rules to be bundled; the
only limit is real: a module the runtime imports at load time may use only
the standard library, Faker, locust and gevent, which such a worker has.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import simulator_app
from simulator_app.core.model import Scenario
from simulator_app.exporter.locustfile import (
    ExportError,
    ExportSettings,
    locustfile_body,
)

PACKAGE = "simulator_app"
ROOT_MODULE = "simulator_app.locust.users"  # what the thin file imports
WORKER_PACKAGES = frozenset({"faker", "locust", "gevent", "geventhttpclient"})
_PACKAGE_DIR = Path(simulator_app.__file__).resolve().parent

HEADER = '''\
"""A Locust test of a Nitrox Traffic Simulator scenario, bundled: it needs only locust and Faker.

Written by `nitrox-sim export-locust --bundle` for Locust workers that fetch it from the master
(`locust -f - --worker`). The simulator_app modules it runs on travel in _SOURCES below and are
imported from there; after them comes the same file `nitrox-sim export-locust` writes without
--bundle (edit that one: this is a build product). Its options: --org-id, --seed, --visitors,
--think-scale, --max-fail-ratio, --max-p95-ms, --allow-remote, --allow-host.
"""
'''

HOOK = '''

class _BundledModules(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Imports the modules of _SOURCES from their text; every other import goes on as usual."""

    def find_spec(self, name, path=None, target=None):
        if name not in _SOURCES:
            return None
        return importlib.util.spec_from_loader(name, self, is_package=self.is_package(name))

    def is_package(self, name):
        return name in _PACKAGES

    def get_source(self, name):
        return _SOURCES[name]

    def get_code(self, name):
        return compile(_SOURCES[name], f"bundled:{name.replace('.', '/')}.py", "exec")


sys.meta_path.insert(0, _BundledModules())
'''


def _module_path(name: str) -> Path | None:
    """The source file of package module ``name``, or None when there is none."""
    relative = Path(*name.split(".")[1:])
    for candidate in (_PACKAGE_DIR / relative / "__init__.py", _PACKAGE_DIR / f"{relative}.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_package(name: str) -> bool:
    path = _module_path(name)
    return path is not None and path.name == "__init__.py"


def _imported(name: str, tree: ast.Module) -> tuple[set[str], set[tuple[str, int]]]:
    """Package modules ``name`` imports anywhere; other modules it imports at load time."""
    package = name if _is_package(name) else name.rpartition(".")[0]
    ours: set[str] = set()
    others: set[tuple[str, int]] = set()
    lazy: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lazy.update(id(n) for n in ast.walk(node) if n is not node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lazy.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
            candidates = modules
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            modules = [base]
            # `from package import name`: the name may be a submodule
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        ours.update(
            m for m in candidates if m.partition(".")[0] == PACKAGE and _module_path(m) is not None
        )
        if id(node) not in lazy:
            others.update(
                (top, node.lineno)
                for top in (m.partition(".")[0] for m in modules)
                if top not in (PACKAGE, "__future__")
            )
    return ours, others


def bundled_sources() -> dict[str, str]:
    """Name -> source text of every package module the runtime needs, parents included."""
    wanted = [ROOT_MODULE]
    sources: dict[str, str] = {}
    while wanted:
        name = wanted.pop()
        if name in sources:
            continue
        path = _module_path(name)
        if path is None:
            raise ExportError(f"--bundle: {name} has no source file to bundle")
        text = path.read_text(encoding="utf-8")
        sources[name] = text
        ours, others = _imported(name, ast.parse(text, filename=str(path)))
        for top, line in sorted(others):
            if top not in sys.stdlib_module_names and top not in WORKER_PACKAGES:
                raise ExportError(
                    f"--bundle: {path.relative_to(_PACKAGE_DIR.parent)}:{line} imports {top},"
                    " which a worker with only locust and Faker does not have"
                )
        parents = [".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 1)]
        wanted.extend(m for m in [*ours, *parents] if m not in sources)
    return dict(sorted(sources.items()))


def bundle_locustfile(scenario: Scenario, settings: ExportSettings | None = None) -> str:
    """The self-contained locustfile for ``scenario``, as text. Raises :class:`ExportError`."""
    settings = settings or ExportSettings()
    body = locustfile_body(scenario, settings)
    sources = bundled_sources()
    packages = sorted(n for n in sources if _is_package(n))
    lines = ["_SOURCES = {"]
    lines += [f"    {name!r}: {text!r}," for name, text in sources.items()]
    lines.append("}")
    text = (
        HEADER
        + "\nfrom __future__ import annotations\n\n"
        + "import importlib.abc\nimport importlib.util\nimport sys\n\n"
        + "\n".join(lines)
        + f"\n_PACKAGES = frozenset({packages!r})\n"
        + HOOK
        + "\n"
        + body
    )
    compile(text, "<bundled locustfile>", "exec")
    return text + _population_part(scenario)


def _population_part(scenario: Scenario) -> str:
    """The scenario's population tables as data, so the worker needs none of the data sets."""
    import json

    from simulator_app.core.sources import SourceError, default_countries, population

    identities = scenario.identities
    countries = identities.countries or default_countries(identities.locales)
    try:
        tables = population(countries, identities.locales, identities.mobile_share)
    except SourceError as exc:
        raise ExportError(f"--bundle: {exc}") from None
    data = json.dumps(tables.to_json(), ensure_ascii=False, separators=(",", ":"))
    return (
        "\n\n# The visitors' countries, devices and names, from the data sets the package reads\n"
        "# (a worker with only locust and Faker has none of them).\n"
        "import json as _json  # noqa: E402\n\n"
        f"ScenarioUser.population = _json.loads({data!r})\n"
    )
