"""Scenario files: YAML in, a validated :class:`Scenario` out, or every problem with its line.

Files are read with ruamel.yaml's round-trip loader, which remembers each
key's line (for ``file:line: field: message``) and the user's comments and key
order (so the desktop app can save an edited file without losing them).
Checks run in two passes: the JSON Schema (types, ranges, unknown fields),
then the rules a schema cannot say (a checkout needs a cart before it, a
product a step names must be in the catalog, ...). Before both, every number
must be finite: YAML has ``.nan`` and ``.inf``, and JSON Schema calls them
numbers (NaN passes any bound, since every comparison with it is false).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.representer import RoundTripRepresenter

from simulator_app.core.catalog import resolve_catalog
from simulator_app.core.identities import DEPRECATED_LOCALES, LOCALES
from simulator_app.core.model import (
    ALL,
    FROM_CATEGORY,
    IN_CART,
    LAST_ADDED,
    RANDOM,
    VIEWED,
    Scenario,
    scenario_from_dict,
)
from simulator_app.core.schema import SCHEMA

PathPart = str | int


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario file, and where."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ScenarioError(Exception):
    """A scenario file could not be used; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(str(problems[0]) if problems else "invalid scenario")
        self.problems = list(problems)


def field_name(path: Iterable[PathPart]) -> str:
    """``journeys[1].steps[0].type`` from a path of keys and indexes."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Representer(RoundTripRepresenter):
    """Writes text that holds U+0085 double-quoted, so it loads back unchanged.

    ruamel.yaml emits U+0085 (NEL) raw inside single quotes, where its reader
    takes it for a line break and folds it into a space.
    """

    def represent_str(self, data: str) -> Any:
        if "\x85" in data:
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


_Representer.add_representer(str, _Representer.represent_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def parse_document(text: str, file: str = "<scenario>") -> Any:
    """The round-trip YAML document of ``text``; :class:`ScenarioError` on a syntax error."""
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise ScenarioError([Problem(file, line, "yaml", message)]) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(file, None, "yaml", " ".join(str(exc).split()))]) from None


def dump_document(document: Any) -> str:
    """YAML text of a round-trip document, comments and key order kept."""
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def line_of(document: Any, path: Sequence[PathPart]) -> int | None:
    """The 1-based line of the deepest node of ``path`` found in ``document``."""
    node, line = document, None
    for part in path:
        try:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0] + 1
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                line = node.lc.item(part)[0] + 1
            else:
                break
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line is None and isinstance(node, CommentedMap | CommentedSeq) and node.lc.line is not None:
        line = node.lc.line + 1
    return line


def _plain(node: Any) -> Any:
    """Plain dicts, lists and scalars from a round-trip document (for JSON Schema)."""
    return json.loads(json.dumps(node, default=str))


def _schema_message(error: jsonschema.ValidationError) -> tuple[list[PathPart], str]:
    path: list[PathPart] = list(error.absolute_path)
    value: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return [*path, missing], "required field is missing"
    if error.validator == "additionalProperties":
        extra = sorted(set(value) - set(schema.get("properties", {})))
        return [*path, extra[0]] if extra else path, "unknown field"
    if error.validator == "enum":
        options: Any = error.validator_value
        allowed = ", ".join(str(x) for x in options)
        if path and path[-1] == "type":
            return path, f"unknown step type {value!r} (one of: {allowed})"
        return path, f"{value!r} is not one of: {allowed}"
    if error.validator in ("minimum", "exclusiveMinimum"):
        return path, f"must be at least {error.validator_value}, got {value!r}"
    if error.validator in ("maximum", "exclusiveMaximum"):
        return path, f"must be at most {error.validator_value}, got {value!r}"
    if error.validator in ("oneOf", "anyOf"):
        # A value of the right type that breaks a bound says so, not "no branch matched".
        for sub in error.context or ():
            if sub.validator in ("minimum", "maximum", "exclusiveMinimum", "minItems", "maxItems"):
                return _schema_message(sub)[0] or path, _schema_message(sub)[1]
        return (
            path,
            f"invalid value {value!r}: expected {schema.get('description', 'another form')}",
        )
    if error.validator == "type":
        return path, f"must be of type {error.validator_value}, got {value!r}"
    if error.validator == "pattern":
        described = schema.get("description")
        hint = f" ({described})" if described else ""
        return path, f"{value!r} is not in the expected form{hint}"
    if error.validator == "minItems":
        return path, "must not be empty" if error.validator_value == 1 else str(error.message)
    return path, str(error.message)


def _non_finite(node: Any, path: list[PathPart]) -> Iterable[tuple[list[PathPart], float]]:
    """Every NaN or infinity in plain data, with its path."""
    if isinstance(node, float) and not math.isfinite(node):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _non_finite(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _non_finite(value, [*path, index])


def _in_file_order(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.field))


_STEP_FIELDS = {
    "view": {"page"},
    "categoryview": {"category"},
    "productview": {"product"},
    "updatecart": {"product", "quantity"},
    "removefromcart": {"product", "quantity"},
    "checkout": set(),
    "identify": {"source"},
    "buy": set(),
}
_COMMON_STEP_FIELDS = {"type", "repeat", "continue", "think"}


def _rule_problems(data: dict[str, Any]) -> list[tuple[list[PathPart], str]]:
    """Rules beyond the schema, on data that already passed it."""
    out: list[tuple[list[PathPart], str]] = []
    store = data["store"]
    catalog_d = store.get("catalog")
    has_products = any(c.get("products") for c in (catalog_d or {}).get("categories", []))
    if catalog_d is not None and "generate" not in store and not has_products:
        out.append((["store", "catalog"], "the catalog has no products"))
    gen = store.get("generate", {})
    if gen.get("price_min", 0) > gen.get("price_max", float("inf")):
        out.append((["store", "generate", "price_min"], "price_min is above price_max"))
    seen_ids: set[int] = set()
    for ci, cat in enumerate((catalog_d or {}).get("categories", [])):
        for pi, prod in enumerate(cat.get("products", [])):
            if prod["id"] in seen_ids:
                where: list[PathPart] = ["store", "catalog", "categories", ci, "products", pi, "id"]
                out.append((where, f"product id {prod['id']} appears twice"))
            seen_ids.add(prod["id"])
    locales = data.get("identities", {}).get("locales", [])
    for li, loc in enumerate([locales] if isinstance(locales, str) else locales):
        path: list[PathPart] = ["identities", "locales"]
        where = path if isinstance(locales, str) else [*path, li]
        if loc in DEPRECATED_LOCALES:
            out.append((where, f"Faker deprecates {loc!r}: use {DEPRECATED_LOCALES[loc]!r}"))
        elif loc not in LOCALES:
            out.append((where, f"unknown Faker locale {loc!r}"))
    if sum(float(j.get("weight", 1)) for j in data["journeys"]) <= 0:
        out.append((["journeys"], "the journeys' weights add up to 0"))
    names: set[str] = set()
    for ji, journey in enumerate(data["journeys"]):
        if journey["name"] in names:
            out.append(
                (["journeys", ji, "name"], f"journey name {journey['name']!r} appears twice")
            )
        names.add(journey["name"])
        out += _journey_problems(ji, journey["steps"])
    return out


def _journey_problems(ji: int, steps: list[dict[str, Any]]) -> list[tuple[list[PathPart], str]]:
    out: list[tuple[list[PathPart], str]] = []
    has_cart = has_checkout = False
    for si, step in enumerate(steps):
        here: list[PathPart] = ["journeys", ji, "steps", si]
        kind = step["type"]
        for key in step:
            if key not in _COMMON_STEP_FIELDS and key not in _STEP_FIELDS[kind]:
                out.append(([*here, key], f"does not apply to a {kind} step"))
        for key in ("repeat", "think", "quantity"):
            value = step.get(key)
            if isinstance(value, list) and value[0] > value[1]:
                out.append(([*here, key], f"range [{value[0]}, {value[1]}] has low above high"))
        product = step.get("product")
        if kind == "removefromcart" and product in (RANDOM, FROM_CATEGORY, VIEWED):
            out.append(
                (
                    [*here, "product"],
                    f"removefromcart takes a product id, '{IN_CART}' or '{LAST_ADDED}'",
                )
            )
        if kind in ("productview", "updatecart") and product in (IN_CART, LAST_ADDED):
            out.append(([*here, "product"], f"'{product}' only applies to removefromcart"))
        if kind == "updatecart" and step.get("quantity") == ALL:
            out.append(([*here, "quantity"], f"'{ALL}' only applies to removefromcart"))
        if kind == "updatecart":
            has_cart = True
        elif kind == "checkout":
            if not has_cart:
                out.append(([*here, "type"], "checkout needs an updatecart step before it"))
            has_checkout = True
        elif kind == "buy" and not has_checkout:
            out.append(([*here, "type"], "buy needs a checkout step before it"))
    return out


def _reference_problems(
    data: dict[str, Any], scenario: Scenario
) -> list[tuple[list[PathPart], str]]:
    """Products and categories a step names must exist in the (listed or generated) catalog."""
    catalog = resolve_catalog(scenario.store)
    product_ids = {p.id for p in catalog.products}
    categories = set(catalog.categories)
    out: list[tuple[list[PathPart], str]] = []
    for ji, journey in enumerate(data["journeys"]):
        for si, step in enumerate(journey["steps"]):
            here: list[PathPart] = ["journeys", ji, "steps", si]
            product = step.get("product")
            if isinstance(product, int) and product not in product_ids:
                out.append(([*here, "product"], f"no product with id {product} in the catalog"))
            category = step.get("category")
            if category not in (None, RANDOM) and category not in categories:
                out.append(([*here, "category"], f"no category {category!r} in the catalog"))
    return out


_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def check_document(
    document: Any, file: str = "<scenario>"
) -> tuple[Scenario | None, list[Problem]]:
    """Validate a parsed document: the scenario when it is valid, and every problem."""

    def problem(path: Sequence[PathPart], message: str) -> Problem:
        return Problem(file, line_of(document, path), field_name(path) or "(top)", message)

    if not isinstance(document, dict):
        return None, [Problem(file, 1, "(top)", "a scenario file must be a YAML mapping")]
    data = _plain(document)
    non_finite = list(_non_finite(data, []))
    problems = [problem(p, f"must be a finite number, got {v!r}") for p, v in non_finite]

    def about_non_finite(path: list[PathPart]) -> bool:
        # "must be at most 1, got inf" or "invalid value [1, inf]" would say it twice
        return bool(path) and any(bad[: len(path)] == path for bad, _ in non_finite)

    schema_problems = (_schema_message(e) for e in _VALIDATOR.iter_errors(data))
    problems += [problem(p, m) for p, m in schema_problems if not about_non_finite(p)]
    # Where the schema failed, a rule may not be checkable; the schema's problems say why.
    # Rules compare numbers, which says false things of a NaN: they wait for finite ones.
    if not non_finite:
        with contextlib.suppress(KeyError, TypeError, AttributeError, IndexError, ValueError):
            problems += [problem(p, m) for p, m in _rule_problems(data)]
    if problems:
        return None, _in_file_order(problems)
    scenario = scenario_from_dict(data)
    problems = [problem(p, m) for p, m in _reference_problems(data, scenario)]
    return (None, problems) if problems else (scenario, [])


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """A valid scenario from YAML text, or :class:`ScenarioError` with every problem."""
    scenario, problems = check_document(parse_document(text, file), file)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario


def read_text(path: str | Path) -> str:
    """A scenario file's text; :class:`ScenarioError` when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, "", "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError(
            [Problem(str(path), None, "", "is a directory, not a scenario file")]
        ) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(str(path), None, "", f"not UTF-8 text ({exc.reason})")]
        ) from None
    except OSError as exc:
        raise ScenarioError(
            [Problem(str(path), None, "", f"cannot read: {exc.strerror}")]
        ) from None


def load_scenario(path: str | Path) -> Scenario:
    """A valid scenario from a file, or :class:`ScenarioError` with every problem."""
    return parse_scenario(read_text(path), str(path))
