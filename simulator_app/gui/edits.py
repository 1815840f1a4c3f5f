"""Reversible edits of a round-trip YAML document (no Qt).

The desktop app never regenerates a scenario file: it edits the ruamel.yaml
document that :func:`simulator_app.core.scenario_file.parse_document` returned,
so the user's comments and key order survive a save. Every edit is a small
value object; :meth:`Edit.apply` changes the document and returns the edit
that undoes it, which is all an undo stack needs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

Path = tuple[str | int, ...]


class _Missing:
    """The marker :func:`get` returns for a path that is not in the document."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def get(document: Any, path: Sequence[str | int], default: Any = MISSING) -> Any:
    """The value at ``path``, or ``default`` when any part of it is absent."""
    node = document
    for part in path:
        in_map = isinstance(node, Mapping) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_map or in_list):
            return default
        node = node[part]
    return node


def to_yaml(value: Any, like: Any = None) -> Any:
    """``value`` as round-trip nodes; mappings and lists take ``like``'s flow style.

    A step added to a file whose steps are written ``{type: view, ...}`` is
    written the same way, and a ``[low, high]`` range always stays on one line.
    """
    if isinstance(value, Mapping):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = to_yaml(item, None)
        flow = isinstance(like, CommentedMap) and like.fa.flow_style()
        if flow:
            out.fa.set_flow_style()
        return out
    if isinstance(value, list | tuple):
        seq = CommentedSeq(to_yaml(item, None) for item in value)
        if like is None or (isinstance(like, CommentedSeq) and like.fa.flow_style()):
            seq.fa.set_flow_style()
        return seq
    return value


class Edit:
    """One change to a document; ``apply`` makes it and returns its inverse."""

    path: Path

    def apply(self, document: Any) -> Edit:
        raise NotImplementedError


def _parent(document: Any, path: Path) -> Any:
    parent = get(document, path[:-1])
    if parent is MISSING:
        raise KeyError(f"no {'.'.join(map(str, path[:-1]))} in the document")
    return parent


@dataclass(frozen=True)
class SetValue(Edit):
    """Set the value at ``path``, adding the key at the end of its mapping when absent."""

    path: Path
    value: Any

    def apply(self, document: Any) -> Edit:
        parent = _parent(document, self.path)
        key = self.path[-1]
        if isinstance(parent, MutableMapping) and key not in parent:
            parent[key] = self.value
            return DeleteValue(self.path)
        old = parent[key]
        parent[key] = self.value
        return SetValue(self.path, old)


@dataclass(frozen=True)
class DeleteValue(Edit):
    """Remove the key or list item at ``path``."""

    path: Path

    def apply(self, document: Any) -> Edit:
        parent = _parent(document, self.path)
        key = self.path[-1]
        if isinstance(parent, MutableMapping):
            position = list(parent).index(key)
            old = parent.pop(key)
            return InsertKey(self.path, position, old)
        assert isinstance(key, int)
        old = parent.pop(key)
        return InsertItem(self.path[:-1], key, old)


@dataclass(frozen=True)
class InsertKey(Edit):
    """Put ``path``'s key back at ``position`` of its mapping (the inverse of a delete)."""

    path: Path
    position: int
    value: Any

    def apply(self, document: Any) -> Edit:
        parent = _parent(document, self.path)
        parent.insert(self.position, self.path[-1], self.value)
        return DeleteValue(self.path)


@dataclass(frozen=True)
class InsertItem(Edit):
    """Insert ``value`` into the list at ``path`` before ``index``."""

    path: Path
    index: int
    value: Any

    def apply(self, document: Any) -> Edit:
        seq = get(document, self.path)
        seq.insert(self.index, self.value)
        return DeleteValue((*self.path, self.index))


@dataclass(frozen=True)
class MoveItem(Edit):
    """Move the item of the list at ``path`` from ``source`` so it ends up at ``destination``."""

    path: Path
    source: int
    destination: int

    def apply(self, document: Any) -> Edit:
        seq = get(document, self.path)
        item = seq.pop(self.source)
        seq.insert(self.destination, item)
        return MoveItem(self.path, self.destination, self.source)


@dataclass(frozen=True)
class Compound(Edit):
    """Several edits made (and undone) as one."""

    edits: tuple[Edit, ...]
    path: Path = ()

    def apply(self, document: Any) -> Edit:
        inverses = [edit.apply(document) for edit in self.edits]
        return Compound(tuple(reversed(inverses)), self.path)


def duplicate(value: Any) -> Any:
    """A deep copy of a document node (comments and style included)."""
    return copy.deepcopy(value)
