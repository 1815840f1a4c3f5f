"""The scenario file format, described once: codecs that give the schema, the reader and the writer.

Each field of the scenario model (:mod:`simulator_app.core.model`) carries its
codec in the dataclass field's metadata (see :func:`option` and
:func:`required`). From that one description come

- the JSON Schema (``codec.schema()``): types, bounds, enums, patterns and
  descriptions, which the validator checks first and ``nitrox-sim schema``
  publishes;
- the rules a JSON Schema cannot say about one node (``codec.problems``): a
  range whose low is above its high, a field that does not apply to this step
  type, more than two decimals in money;
- reading (``codec.load``: plain data that passed the checks → model objects,
  defaults filled in) and writing (``codec.dump``: model → plain data, fields
  at their default left out), which read back equal by construction.

Every number has a maximum: nothing a file says can make a run unbounded.
Rules that need the whole scenario (a checkout needs an updatecart before it)
live in :mod:`simulator_app.core.rules`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

PathPart = str | int
Path = tuple[PathPart, ...]
Found = Iterator[tuple[Path, str]]

MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer every JSON reader keeps exact
MAX_SEED = 2**63 - 1


class Codec(Protocol):
    """How one node of a scenario file is checked, read and written."""

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the node."""

    def load(self, data: Any) -> Any:
        """The model value of plain data that passed the schema and :meth:`problems`."""

    def dump(self, value: Any) -> Any:
        """Plain data for a model value; ``load(dump(v)) == v``."""

    def problems(self, data: Any, path: Path) -> Found:
        """What the schema cannot say about plain data that passed it at this node."""


def _plain_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Integer:
    """A whole number between ``minimum`` and ``maximum``."""

    minimum: int
    maximum: int

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}

    def load(self, data: Any) -> int:
        return int(data)

    def dump(self, value: Any) -> Any:
        return int(value)

    def problems(self, data: Any, path: Path) -> Found:
        return iter(())


@dataclass(frozen=True, slots=True)
class Number:
    """A number between ``minimum`` and ``maximum`` (``minimum`` itself excluded when asked)."""

    minimum: float
    maximum: float
    exclusive_minimum: bool = False

    def schema(self) -> dict[str, Any]:
        low = "exclusiveMinimum" if self.exclusive_minimum else "minimum"
        return {"type": "number", low: self.minimum, "maximum": self.maximum}

    def load(self, data: Any) -> float:
        return float(data)

    def dump(self, value: Any) -> Any:
        return int(value) if float(value).is_integer() else float(value)

    def problems(self, data: Any, path: Path) -> Found:
        return iter(())


@dataclass(frozen=True, slots=True)
class Money:
    """An amount with at most two decimals, kept as integer cents in the model."""

    maximum: float

    def schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": 0, "maximum": self.maximum}

    def load(self, data: Any) -> int:
        return round(float(data) * 100)

    def dump(self, value: Any) -> Any:
        cents = int(value)
        return cents // 100 if cents % 100 == 0 else round(cents / 100, 2)

    def problems(self, data: Any, path: Path) -> Found:
        # repr is the shortest text that reads back as the same float: what the file said.
        if isinstance(data, float) and not float(data).is_integer():
            decimals = repr(data).partition(".")[2]
            if "e" in decimals or len(decimals) > 2:
                yield path, f"must have at most two decimals (cents), got {data!r}"


@dataclass(frozen=True, slots=True)
class Text:
    """A string, bounded in length, optionally matching ``pattern`` (``form`` says it in words)."""

    max_length: int
    min_length: int = 0
    pattern: str | None = None
    form: str | None = None

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            out["minLength"] = self.min_length
        if self.pattern is not None:
            out["pattern"] = self.pattern
        if self.form is not None:
            out["description"] = self.form
        return out

    def load(self, data: Any) -> str:
        return str(data)

    def dump(self, value: Any) -> Any:
        return str(value)

    def problems(self, data: Any, path: Path) -> Found:
        return iter(())


@dataclass(frozen=True, slots=True)
class Flag:
    """true or false."""

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}

    def load(self, data: Any) -> bool:
        return bool(data)

    def dump(self, value: Any) -> Any:
        return bool(value)

    def problems(self, data: Any, path: Path) -> Found:
        return iter(())


@dataclass(frozen=True, slots=True)
class Choice:
    """One of ``values``; ``spellings`` lists other accepted forms, read as ``normal(value)``."""

    values: tuple[str, ...]
    spellings: tuple[str, ...] = ()
    upper: bool = False  # read "get" as "GET"

    def schema(self) -> dict[str, Any]:
        return {"enum": [*self.values, *self.spellings]}

    def load(self, data: Any) -> str:
        text = str(data)
        return text.upper() if self.upper else text

    def dump(self, value: Any) -> Any:
        return str(value)

    def problems(self, data: Any, path: Path) -> Found:
        return iter(())


@dataclass(frozen=True, slots=True)
class Either:
    """One of several forms, tried in order (a product id, or a selector word)."""

    options: tuple[Codec, ...]
    form: str

    def schema(self) -> dict[str, Any]:
        forms: list[dict[str, Any]] = []
        for option in self.options:
            node = option.schema()
            # a range is itself "a number or [low, high]": one level of alternatives, not two
            forms.extend(node["oneOf"] if set(node) <= {"oneOf", "description"} else [node])
        # anyOf, not oneOf: 'off' is also a valid header name, the first form read wins
        return {"description": self.form, "anyOf": forms}

    def _option(self, data: Any) -> Codec:
        for option in self.options:
            if _matches(option.schema(), data):
                return option
        return self.options[-1]

    def load(self, data: Any) -> Any:
        return self._option(data).load(data)

    def dump(self, value: Any) -> Any:
        for option in self.options:
            if _holds(option, value):
                return option.dump(value)
        raise ValueError(f"{value!r} fits none of: {self.form}")

    def problems(self, data: Any, path: Path) -> Found:
        return self._option(data).problems(data, path)


def _matches(schema: dict[str, Any], data: Any) -> bool:
    """Whether plain ``data`` has the form ``schema`` asks for (bounds are the schema's job)."""
    if "const" in schema:
        return bool(data == schema["const"])
    if "enum" in schema:
        return data in schema["enum"]
    for either in ("oneOf", "anyOf"):
        if either in schema:
            return any(_matches(s, data) for s in schema[either])
    kind = schema.get("type")
    if kind == "integer":
        return isinstance(data, int) and not isinstance(data, bool)
    if kind == "number":
        return _plain_number(data)
    if kind == "string":
        return isinstance(data, str)
    if kind == "array":
        return isinstance(data, list)
    if kind == "object":
        return isinstance(data, dict)
    return True


def _holds(codec: Codec, value: Any) -> bool:
    """Whether a model value is of the kind ``codec`` reads (for :class:`Either`'s writer)."""
    if isinstance(codec, Const):
        return bool(value == codec.value)
    if isinstance(codec, Choice):
        return value in codec.values
    if isinstance(codec, Integer):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(codec, Text):
        return isinstance(value, str)
    if isinstance(codec, RangeOf):
        return isinstance(value, Range)
    return False


@dataclass(frozen=True, slots=True)
class Const:
    """One fixed word, read as ``value`` (``all`` for a whole cart line is None in the model)."""

    word: str
    value: Any = None

    def schema(self) -> dict[str, Any]:
        return {"const": self.word}

    def load(self, data: Any) -> Any:
        return self.value

    def dump(self, value: Any) -> Any:
        return self.word

    def problems(self, data: Any, path: Path) -> Found:
        return iter(())


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list of ``item`` nodes, read as a tuple."""

    item: Codec
    max_items: int
    min_items: int = 0

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            out["minItems"] = self.min_items
        out["maxItems"] = self.max_items
        return out

    def load(self, data: Any) -> tuple[Any, ...]:
        return tuple(self.item.load(x) for x in data)

    def dump(self, value: Any) -> Any:
        return [self.item.dump(x) for x in value]

    def problems(self, data: Any, path: Path) -> Found:
        for index, item in enumerate(data):
            yield from self.item.problems(item, (*path, index))


@dataclass(frozen=True, slots=True)
class OneOrMany:
    """One ``item`` or a list of them; read as a tuple, written as a list."""

    item: Codec
    max_items: int
    form: str

    def schema(self) -> dict[str, Any]:
        many = ListOf(self.item, self.max_items, 1).schema()
        return {"description": self.form, "oneOf": [self.item.schema(), many]}

    def load(self, data: Any) -> tuple[Any, ...]:
        items = data if isinstance(data, list) else [data]
        return tuple(self.item.load(x) for x in items)

    def dump(self, value: Any) -> Any:
        return [self.item.dump(x) for x in value]

    def problems(self, data: Any, path: Path) -> Found:
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from self.item.problems(item, (*path, index))
        else:
            yield from self.item.problems(data, path)


@dataclass(frozen=True, slots=True)
class MapOf:
    """A mapping of keys of one form to values, read as a tuple of (key, value) pairs in order."""

    key: Text
    value: Codec
    max_items: int

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "propertyNames": self.key.schema(),
            "additionalProperties": self.value.schema(),
            "maxProperties": self.max_items,
        }

    def load(self, data: Any) -> tuple[tuple[str, Any], ...]:
        return tuple((str(k), self.value.load(v)) for k, v in data.items())

    def dump(self, value: Any) -> Any:
        return {k: self.value.dump(v) for k, v in value}

    def problems(self, data: Any, path: Path) -> Found:
        for key, item in data.items():
            yield from self.value.problems(item, (*path, key))


@dataclass(frozen=True, slots=True)
class Range:
    """A number drawn uniformly between ``low`` and ``high`` (equal for a fixed value)."""

    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True, slots=True)
class RangeOf:
    """A fixed value or ``[low, high]``, read as a :class:`Range`."""

    item: Integer | Number
    what: str

    def schema(self) -> dict[str, Any]:
        kind = "integer" if isinstance(self.item, Integer) else "number"
        pair = {"type": "array", "items": self.item.schema(), "minItems": 2, "maxItems": 2}
        return {
            "description": f"{self.what}: a {kind}, or [low, high] to draw uniformly between them",
            "oneOf": [self.item.schema(), pair],
        }

    def load(self, data: Any) -> Range:
        if isinstance(data, list):
            return Range(float(data[0]), float(data[1]))
        return Range(float(data), float(data))

    def dump(self, value: Any) -> Any:
        number = self.item.dump
        return (
            number(value.low)
            if value.low == value.high
            else [number(value.low), number(value.high)]
        )

    def problems(self, data: Any, path: Path) -> Found:
        if isinstance(data, list) and data[0] > data[1]:
            yield path, f"range [{data[0]}, {data[1]}] has low above high"


# -- objects: a dataclass whose fields carry their codecs ------------------------


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What a model field is in the file: its codec, key, words, and where it applies."""

    codec: Codec
    description: str
    key: str | None = None  # the file's key when it is not the attribute's name
    required: bool = False
    applies: frozenset[str] | None = None  # step types this field belongs to (None: all)


_SPEC = "nitrox-format"


def option(
    codec: Codec,
    default: Any,
    description: str,
    *,
    key: str | None = None,
    applies: Sequence[str] | None = None,
) -> Any:
    """A model field that a file may leave out (then ``default``)."""
    spec = FieldSpec(
        codec, description, key, False, None if applies is None else frozenset(applies)
    )
    if isinstance(default, list | dict | set):
        raise TypeError("defaults must be immutable")
    return dataclasses.field(default=default, metadata={_SPEC: spec})


def required(codec: Codec, description: str, *, key: str | None = None) -> Any:
    """A model field that every file must give."""
    return dataclasses.field(metadata={_SPEC: FieldSpec(codec, description, key, True)})


@dataclass(frozen=True, slots=True)
class _Field:
    attr: str
    key: str
    spec: FieldSpec
    default: Any  # dataclasses.MISSING for required fields


def fields_of(cls: type) -> tuple[_Field, ...]:
    """The file fields of a model class, in declaration order (fields without a codec skipped)."""
    out = []
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(_SPEC)
        if spec is None:
            continue
        default = f.default if f.default is not dataclasses.MISSING else dataclasses.MISSING
        out.append(_Field(f.name, spec.key or f.name, spec, default))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Object:
    """A mapping read into the dataclass ``cls``; its fields say their own codecs."""

    cls: type
    description: str = ""
    kind_key: str | None = None  # the key whose value decides which fields apply (a step's type)

    def schema(self) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required_keys = []
        for f in fields_of(self.cls):
            node = dict(f.spec.codec.schema())
            # "description" says the form a value takes (messages quote it), "title" what it is
            if f.spec.description:
                node["title" if "description" in node else "description"] = f.spec.description
            if f.default is not dataclasses.MISSING and f.default is not None:
                node["default"] = f.spec.codec.dump(f.default)
            properties[f.key] = node
            if f.spec.required:
                required_keys.append(f.key)
        out: dict[str, Any] = {"type": "object", "additionalProperties": False}
        if self.description:
            out["description"] = self.description
        if required_keys:
            out["required"] = required_keys
        out["properties"] = properties
        return out

    def load(self, data: Any) -> Any:
        values = {}
        for f in fields_of(self.cls):
            if f.key in data and data[f.key] is not None:
                values[f.attr] = f.spec.codec.load(data[f.key])
            elif f.spec.required:  # data that skipped validation (a hand-edited locustfile)
                raise ValueError(f"missing required field {f.key!r}")
        return self.cls(**values)

    def dump(self, value: Any) -> Any:
        out: dict[str, Any] = {}
        for f in fields_of(self.cls):
            current = getattr(value, f.attr)
            if not f.spec.required and (current is None or current == f.default):
                continue
            out[f.key] = f.spec.codec.dump(current)
        return out

    def problems(self, data: Any, path: Path) -> Found:
        kind = data.get(self.kind_key) if self.kind_key else None
        for f in fields_of(self.cls):
            if f.key not in data:
                continue
            here = (*path, f.key)
            if f.spec.applies is not None and kind is not None and kind not in f.spec.applies:
                yield here, f"does not apply to a {kind} step"
                continue
            yield from f.spec.codec.problems(data[f.key], here)


# -- plain data from a YAML document --------------------------------------------


def non_finite(node: Any, path: Path = ()) -> Found:
    """Every NaN or infinity in plain data, with its path (YAML has .nan and .inf)."""
    stack: list[tuple[Any, Path]] = [(node, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield where, f"must be a finite number, got {value!r}"
        elif isinstance(value, dict):
            stack.extend((v, (*where, k)) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(value))))
