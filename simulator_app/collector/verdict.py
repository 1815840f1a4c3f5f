"""The verdict in the answer's headers, so a sender can record it next to each request.

``X-Nitrox-Verdict`` is ``good``, ``warn`` (good, with warnings) or ``bad``;
``X-Nitrox-Messages`` lists what made it bad (or, for ``warn``, the warnings)
as the inspection API shows them: a JSON list of ``{"fieldPath",
"description", "code"}``. The JSON is ASCII-escaped (``\\u00e9``), so the value
is always a valid header, and at most :data:`MAX_MESSAGES_BYTES` long: the
messages that do not fit are replaced by one whose code is ``TRUNCATED``.
The tracker's own status and body stay as CONTRACT.md says.
"""

from __future__ import annotations

import json

from simulator_app.collector.asgi import Headers
from simulator_app.collector.fields import Message

VERDICT = b"x-nitrox-verdict"
MESSAGES = b"x-nitrox-messages"
MAX_MESSAGES_BYTES = 2048
MAX_DESCRIPTION = 200  # characters of one description in the header (the API keeps all)
TRUNCATED = "TRUNCATED"
GOOD: Headers = [(VERDICT, b"good")]


def _encode(msg: Message) -> str:
    description = msg["description"]
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 3] + "..."
    item = {"fieldPath": msg["fieldPath"][:MAX_DESCRIPTION], "description": description}
    item["code"] = msg["code"]
    # DEL is the one ASCII control character json leaves as is; a header may not carry it.
    return json.dumps(item, separators=(",", ":")).replace("\x7f", "\\u007f")


def _marker(left: int) -> str:
    return json.dumps(
        {
            "fieldPath": "",
            "description": f"{left} more not shown here (see /_collector/bad)",
            "code": TRUNCATED,
        },
        separators=(",", ":"),
    )


def messages_header(messages: list[Message]) -> bytes:
    """The ``X-Nitrox-Messages`` value for ``messages``: ASCII JSON, bounded."""
    parts = [_encode(m) for m in messages]
    whole = "[" + ",".join(parts) + "]"
    if len(whole) <= MAX_MESSAGES_BYTES:
        return whole.encode("ascii")
    kept: list[str] = []
    used = 2  # the brackets
    for i, part in enumerate(parts):
        marker = _marker(len(parts) - i)
        if used + len(part) + 1 + len(marker) + 1 > MAX_MESSAGES_BYTES:
            kept.append(marker)
            break
        kept.append(part)
        used += len(part) + 1
    return ("[" + ",".join(kept) + "]").encode("ascii")


def verdict_headers(messages: list[Message], warnings: list[Message]) -> Headers:
    """The verdict headers of an answer to a request judged with these messages."""
    if messages:
        return [(VERDICT, b"bad"), (MESSAGES, messages_header(messages))]
    if warnings:
        return [(VERDICT, b"warn"), (MESSAGES, messages_header(warnings))]
    return GOOD
