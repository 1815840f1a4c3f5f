"""What happened to one request: the unit every log, table, export and statistic reads.

Runners (the CLI sender, the desktop app) turn each sent :class:`RequestSpec`
into one :class:`RequestRecord`; the JSONL log, the HAR export, the GUI's
request log and the per-endpoint statistics all read these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CANCELLED = "cancelled"


@dataclass(slots=True)
class RequestRecord:
    """One request and its outcome.

    ``status`` is None when no response came (connection error, timeout,
    cancelled); ``error`` then says why, as it does for a response that the
    contract judges a failure (see ``contract.judge_response``).
    """

    time: float  # epoch seconds when the request was sent
    visitor: int
    journey: str
    step: str
    name: str  # stats name: identify, event/view, ...
    method: str
    url: str
    status: int | None
    latency_ms: float
    request_headers: tuple[tuple[str, str], ...]
    request_body: str | None
    response_body: str
    error: str | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    # The receiver's verdict, when it gives one (the embedded collector's X-Nitrox-Verdict):
    # "good", "bad", "warn" (good with warnings), or None when the target does not judge.
    verdict: str | None = None
    verdict_messages: tuple[dict[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def contract_failed(self) -> bool:
        """True when the request went through but the receiver judged it bad."""
        return self.error is None and self.verdict == "bad"

    def to_json(self) -> dict[str, Any]:
        """The JSONL log's line for this record."""
        return {
            "time": round(self.time, 6),
            "visitor": self.visitor,
            "journey": self.journey,
            "step": self.step,
            "name": self.name,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "latency_ms": round(self.latency_ms, 3),
            "request_headers": dict(self.request_headers),
            "request_body": self.request_body,
            "response_headers": dict(self.response_headers),
            "response_body": self.response_body,
            "error": self.error,
            "verdict": self.verdict,
            "verdict_messages": list(self.verdict_messages),
        }

    def to_jsonl(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RequestRecord:
        """Read back a JSONL log line."""
        return cls(
            time=float(data["time"]),
            visitor=int(data["visitor"]),
            journey=str(data.get("journey", "")),
            step=str(data["step"]),
            name=str(data["name"]),
            method=str(data["method"]),
            url=str(data["url"]),
            status=None if data.get("status") is None else int(data["status"]),
            latency_ms=float(data["latency_ms"]),
            request_headers=tuple(
                (str(k), str(v)) for k, v in data.get("request_headers", {}).items()
            ),
            request_body=data.get("request_body"),
            response_body=str(data.get("response_body", "")),
            error=data.get("error"),
            response_headers=tuple(
                (str(k), str(v)) for k, v in data.get("response_headers", {}).items()
            ),
            verdict=data.get("verdict"),
            verdict_messages=tuple(
                {str(k): str(v) for k, v in m.items()}
                for m in data.get("verdict_messages", ())
                if isinstance(m, dict)
            ),
        )
