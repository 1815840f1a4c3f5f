"""The run's counts, one model every view reads: no Qt.

The Run panel, the status bar, the dashboard, the request log's status line
and the Locust tab's collector column all show these figures, so they can
never disagree. They are counted once, from the same flushed batches as the
log and the stats (:meth:`RunTally.add`), and each request falls in exactly
one outcome:

- ``transport``: no answer, or an answer the contract counts as failed (an
  error status, a ``Payload Error`` body); ``throttled`` are those answered
  429 (a part of ``transport``);
- otherwise it ``succeeded``, and the receiver judged it ``good`` (with or
  without warnings), ``bad``, or gave no verdict (``not_judged``).

So ``sent == succeeded + transport`` and ``succeeded == good + bad + not_judged``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from simulator_app.core.record import RequestRecord
from simulator_app.core.words import plural

THROTTLED_STATUS = 429


@dataclass(slots=True)
class RunTally:
    """Every request of the run so far, counted by its outcome (see the module)."""

    sent: int = 0
    succeeded: int = 0
    transport: int = 0
    throttled: int = 0
    good: int = 0
    bad: int = 0
    not_judged: int = 0

    def add(self, records: Iterable[RequestRecord]) -> None:
        for r in records:
            self.sent += 1
            if r.error is not None:
                self.transport += 1
                self.throttled += r.status == THROTTLED_STATUS
            else:
                self.succeeded += 1
                verdict = r.verdict
                if verdict is None:
                    self.not_judged += 1
                elif verdict == "bad":
                    self.bad += 1
                else:
                    self.good += 1

    def line(self) -> str:
        """One line for the Run panel, the status bar and the dashboard (same words everywhere)."""
        if not self.sent:
            return "No requests sent yet."
        throttled = f", {self.throttled:,} throttled" if self.throttled else ""
        return (
            f"{plural(self.sent, 'request')} sent: {self.succeeded:,} succeeded,"
            f" {self.transport:,} failed (transport{throttled}) · judged {self.good:,} good,"
            f" {self.bad:,} bad, {self.not_judged:,} not judged"
        )

    def short(self) -> str:
        """The status bar's compact form of :meth:`line`."""
        if not self.sent:
            return "Run: nothing sent"
        return (
            f"Run: {self.sent:,} sent · {self.transport:,} failed · {self.good:,} good"
            f" · {self.bad:,} bad · {self.not_judged:,} not judged"
        )
