"""Scenario files: YAML in, a validated :class:`Scenario` out, or every problem with its line.

Files are read with ruamel.yaml's round-trip loader, which remembers each
key's line (for ``file:line: field: message``) and the user's comments and key
order (so the desktop app can save an edited file without losing them). The
loader is bounded: a file, its nesting and what its aliases expand to have a
size limit, numbers a length limit, and dates stay text, so no file can make
validation slow, deep or crash. Checks then run in three passes: every number
must be finite (YAML has ``.nan``; JSON Schema calls it a number, and NaN
passes any bound), the JSON Schema and the one-node rules that come with it
(both from :mod:`simulator_app.core.model`), and the rules across fields
(:mod:`simulator_app.core.rules`).
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError, MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter

from simulator_app.core.format import non_finite
from simulator_app.core.inputs import InputError, read_bounded
from simulator_app.core.model import SCENARIO, Scenario, scenario_from_dict
from simulator_app.core.rules import reference_problems, scenario_problems
from simulator_app.core.schema import SCHEMA

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NODES = 200_000  # values in a file once its aliases are expanded
MAX_DEPTH = 40  # nesting of mappings and lists (a scenario needs 8)
MAX_DIGITS = 30  # of one integer in the file

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


def _hidden(text: str) -> bool:
    """True when ``text`` holds a character that may break a line or not show.

    U+0085, U+2028 or a lone CR is a line break to some reader; a control, a
    bidi override or a zero-width space is invisible in an editor.
    """
    return not text.isprintable()


class _Representer(RoundTripRepresenter):
    """Writes text that holds a hidden or line-breaking character double-quoted.

    ruamel.yaml emits U+0085 (NEL) or U+2028 raw inside single quotes, where a
    reader may take it for a line break; in double quotes :class:`_Emitter`
    writes it as an escape, so a value stays one value on one line.
    """

    def represent_str(self, data: str) -> Any:
        if _hidden(data):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


class _Emitter(Emitter):
    """Escapes every hidden character of a double-quoted value (``\\u202E``, not the raw one)."""

    def write_double_quoted(self, text: Any, split: Any = True) -> None:
        if not _hidden(text):
            return super().write_double_quoted(text, split)
        unicode = self.allow_unicode
        self.allow_unicode = False  # this one value: every character past ASCII escaped
        try:
            return super().write_double_quoted(text, split)
        finally:
            self.allow_unicode = unicode


_Representer.add_representer(str, _Representer.represent_str)


class _BoundedComposer(Composer):
    """Counts what each node expands to, aliases included, and refuses past :data:`MAX_NODES`.

    An alias is the node it names, so nine aliases of nine aliases of... (a
    "billion laughs") stay a few objects in memory, but every walk over the
    data (the schema, the rules, the engine) would visit the whole expansion.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        node = super().compose_node(parent, index)
        sizes: dict[int, int] = self.__dict__.setdefault("_nitrox_sizes", {})
        key = id(node)
        if key in sizes:  # an alias: the node it names was counted when it was made
            return node
        size = 1
        if isinstance(node, MappingNode):
            size += sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            size += sum(sizes.get(id(item), 1) for item in node.value)
        sizes[key] = size
        if size > MAX_NODES:
            raise ComposerError(
                None,
                None,
                f"this value expands to more than {MAX_NODES:,} values "
                "(aliases that repeat aliases); write it out, or use fewer aliases",
                node.start_mark,
            )
        return node


class _Constructor(RoundTripConstructor):
    """Integers of bounded length, and dates kept as the text they are."""

    def construct_bounded_int(self, node: Any) -> Any:
        text = str(node.value).replace("_", "").lstrip("+-")
        if len(text) > MAX_DIGITS:
            raise ConstructorError(
                None,
                None,
                f"a number of {len(text):,} digits is out of range",
                node.start_mark,
            )
        return self.construct_yaml_int(node)

    def construct_text(self, node: Any) -> Any:
        return str(node.value)

    def check_mapping_key(
        self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any
    ) -> bool:
        # JSON and the schema have text keys only, and a list as a key cannot even be hashed
        if not isinstance(key, str):
            shown = _shown(key) if isinstance(key, int | float) else _KINDS.get(type(key), "a list")
            raise ConstructorError(
                None, None, f"keys must be text, not {shown}", key_node.start_mark
            )
        return bool(super().check_mapping_key(node, key_node, mapping, key, value))


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_bounded_int)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_text)
_Constructor.add_constructor("tag:yaml.org,2002:binary", _Constructor.construct_text)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = _BoundedComposer
    yaml.Constructor = _Constructor
    yaml.Representer = _Representer
    yaml.Emitter = _Emitter
    yaml.max_depth = MAX_DEPTH
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def parse_document(text: str, file: str = "<scenario>") -> Any:
    """The round-trip YAML document of ``text``; :class:`ScenarioError` on a syntax error."""
    try:
        with warnings.catch_warnings():
            # a reused anchor is legal YAML (the later one counts); ruamel warns on stderr
            warnings.simplefilter("ignore")
            return _yaml().load(text)
    except MaxDepthExceededError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        message = f"nested more than {MAX_DEPTH} levels deep (a scenario needs a few)"
        raise ScenarioError([Problem(file, line, "yaml", message)]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise ScenarioError([Problem(file, line, "yaml", message)]) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(file, None, "yaml", " ".join(str(exc).split()))]) from None
    except RecursionError:  # a guard above should have said it first
        raise ScenarioError(
            [Problem(file, None, "yaml", f"nested more than {MAX_DEPTH} levels deep")]
        ) from None


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
    # A value with a tag of its own (!foo x) is what its text says.
    return json.loads(json.dumps(node, default=str))


_KINDS = {type(None): "null", bool: "a boolean"}


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _bound(value: Any) -> str:
    """A schema bound in words: 1,000,000 rather than 1000000.0."""
    number = float(value)
    return f"{int(number):,}" if number.is_integer() and abs(number) >= 1000 else f"{value:g}"


def _shown(value: Any) -> str:
    """A value as a message quotes it: its repr, cut short."""
    return _cut(repr(value))


# Errors inside one form of several that say more than "no form matched".
_SAYS_WHY = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minItems",
    "maxItems",
    "maxLength",
    "pattern",
)


def _schema_message(error: jsonschema.ValidationError) -> tuple[list[PathPart], str]:
    path: list[PathPart] = list(error.absolute_path)
    value: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return [*path, missing], "required field is missing"
    if error.validator == "additionalProperties":
        extra = sorted(set(value) - set(schema.get("properties", {})))
        if path == ["identities"] and extra[:1] == ["seed"]:
            return [*path, "seed"], "moved: write the run's seed at the top level, 'seed: N'"
        return [*path, extra[0]] if extra else path, "unknown field"
    if error.validator == "enum":
        options: Any = error.validator_value
        allowed = ", ".join(str(x) for x in options)
        if path and path[-1] == "type":
            return path, f"unknown step type {_shown(value)} (one of: {allowed})"
        return path, f"{_shown(value)} is not one of: {allowed}"
    if error.validator == "minimum":
        return path, f"must be at least {_bound(error.validator_value)}, got {_shown(value)}"
    if error.validator == "exclusiveMinimum":
        return path, f"must be above {_bound(error.validator_value)}, got {_shown(value)}"
    if error.validator in ("maximum", "exclusiveMaximum"):
        return path, f"must be at most {_bound(error.validator_value)}, got {_shown(value)}"
    if error.validator == "maxLength":
        return path, f"is {len(value):,} characters long; at most {error.validator_value:,}"
    if error.validator == "maxItems":
        return path, f"has {len(value):,} items; at most {error.validator_value:,}"
    if error.validator in ("oneOf", "anyOf"):
        # A value of the right type that breaks a bound or a form says so, not "no branch matched".
        for sub in error.context or ():
            if sub.validator in _SAYS_WHY:
                sub_path, sub_message = _schema_message(sub)
                if sub.validator == "pattern" and schema.get("description"):
                    sub_message = (
                        f"{_shown(value)} is not in the expected form ({schema['description']})"
                    )
                return sub_path or path, sub_message
        return (
            path,
            f"invalid value {_shown(value)}: expected {schema.get('description', 'another form')}",
        )
    if error.validator == "type":
        return path, f"must be of type {error.validator_value}, got {_shown(value)}"
    if error.validator == "pattern":
        described = schema.get("description")
        hint = f" ({described})" if described else ""
        return path, f"{_shown(value)} is not in the expected form{hint}"
    if error.validator == "minItems":
        return path, "must not be empty" if error.validator_value == 1 else str(error.message)
    return path, _cut(str(error.message), 200)


def _in_file_order(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.field))


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
    bad_numbers = list(non_finite(data))
    problems = [problem(p, m) for p, m in bad_numbers]

    def about_non_finite(path: list[PathPart]) -> bool:
        # "must be at most 1, got inf" or "invalid value [1, inf]" would say it twice
        return bool(path) and any(list(bad[: len(path)]) == path for bad, _ in bad_numbers)

    schema_problems = (_schema_message(e) for e in _VALIDATOR.iter_errors(data))
    problems += [problem(p, m) for p, m in schema_problems if not about_non_finite(p)]
    # Rules compare numbers, which says false things of a NaN: they wait for finite ones.
    if not bad_numbers:
        checks = (SCENARIO.problems(data, ()), scenario_problems(data))
        if problems:
            # Where the schema failed, a rule may not be checkable; the schema's problems say why.
            for found in checks:
                with contextlib.suppress(
                    KeyError, TypeError, AttributeError, IndexError, ValueError
                ):
                    for p, m in found:
                        problems.append(problem(p, m))
        else:
            problems += [problem(p, m) for found in checks for p, m in found]
    if problems:
        return None, _in_file_order(problems)
    scenario = scenario_from_dict(data)
    problems = [problem(p, m) for p, m in reference_problems(scenario)]
    return (None, problems) if problems else (scenario, [])


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """A valid scenario from YAML text, or :class:`ScenarioError` with every problem."""
    scenario, problems = check_document(parse_document(text, file), file)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario


def read_text(path: str | Path) -> str:
    """A scenario file's text, read with its cap; :class:`ScenarioError` when it cannot be read."""

    def refused(why: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), None, "", why)])

    try:
        data = read_bounded(path, MAX_FILE_BYTES, "scenario file")
    except InputError as exc:
        raise refused(str(exc)) from None
    except FileNotFoundError:
        raise refused("no such file") from None
    except OSError as exc:
        raise refused(f"cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refused(f"not UTF-8 text ({exc.reason})") from None


def load_scenario(path: str | Path) -> Scenario:
    """A valid scenario from a file, or :class:`ScenarioError` with every problem."""
    return parse_scenario(read_text(path), str(path))
