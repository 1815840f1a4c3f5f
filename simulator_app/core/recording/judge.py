"""A recording judged by a receiver's checker, request by request, in the order they were sent.

The checker is passed in (the collector's :class:`~simulator_app.collector.checks.Checker`
in the app and the CLI): the core knows its two methods, never the collector.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from simulator_app.core.recording.har_reader import Recording

Message = dict[str, str]  # {"fieldPath", "description", "code"}


class Checker(Protocol):
    """What a receiver's checker offers (see the collector's ``Checker``)."""

    def check_identify(
        self, org_id: str, roaming_id: str, nitro_id: str, payload_segment: str
    ) -> tuple[list[Message], list[Message], dict[str, Any] | None]: ...

    def check_event(
        self,
        ids: tuple[str, str, str, str],
        event_type: str,
        body: dict[str, Any],
        prefix: str = "body.",
    ) -> list[Message]: ...


@dataclass(frozen=True, slots=True)
class Judged:
    """One recorded request's verdict: ``bad`` with messages, ``warn`` with warnings, or ``good``."""

    entry: int
    name: str  # identify, event/<type>
    verdict: str
    messages: tuple[Message, ...]

    def lines(self) -> Iterator[str]:
        for m in self.messages:
            where = m.get("fieldPath", "")
            yield (
                f"entry {self.entry}: {self.name}: {self.verdict}: "
                f"{where + ': ' if where else ''}{m.get('description', '')} ({m.get('code', '')})"
            )


# A quoted value in a message (the checker quotes with repr, cut short with "..."):
# identify's are a person's.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*(?:'|\.\.\.)|\"(?:[^\"\\]|\\.)*(?:\"|\.\.\.)")


def _unquoted(messages: list[Message]) -> list[Message]:
    """Identify's messages without the values they quote (a recorded e-mail is never shown)."""
    return [{**m, "description": _QUOTED.sub("(value not shown)", m.get("description", ""))}
            for m in messages]  # fmt: skip


def judge(recording: Recording, checker: Checker) -> list[Judged]:
    """Every recorded request's verdict, as the receiver would have judged it live.

    An event's body is the scrubbed one; identify's payload is judged as
    recorded, and its messages never quote a value of it.
    """
    out: list[Judged] = []
    for request in recording.requests:
        if request.kind == "identify":
            errors, warnings, _ = checker.check_identify(
                request.org_id, request.roaming_id, request.nitro_id, request.payload_segment
            )
            errors, warnings = _unquoted(errors), _unquoted(warnings)
            name = "identify"
        else:
            prefix = "query." if request.method == "GET" else "body."
            errors = checker.check_event(request.ids, request.kind, request.body or {}, prefix)
            warnings = []
            name = "event/" + request.kind
        verdict = "bad" if errors else "warn" if warnings else "good"
        out.append(Judged(request.entry, name, verdict, tuple(errors or warnings)))
    return out
