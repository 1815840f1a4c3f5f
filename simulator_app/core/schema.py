"""The JSON Schema of scenario files, made from the model's own field descriptions.

The validator checks files against it, ``nitrox-sim schema`` prints it, and
``scenarios/scenario.schema.json`` is this schema written out, so editors
with a YAML language server complete and check scenario files. Nothing here
is written by hand: every type, bound and word comes from
:mod:`simulator_app.core.model`.
"""

from __future__ import annotations

import json
from typing import Any

from simulator_app.core.model import SCENARIO


def _schema() -> dict[str, Any]:
    body = SCENARIO.schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://nitrox-traffic-simulator.invalid/scenario.schema.json",
        "title": body.pop("description"),
        **body,
    }


SCHEMA: dict[str, Any] = _schema()


def schema_json() -> str:
    """The schema as the JSON text written to ``scenarios/scenario.schema.json``."""
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"
