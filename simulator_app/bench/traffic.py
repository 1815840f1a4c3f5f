"""The one fixed request every minimal load generator sends: a ``view`` event.

The IDs are the contract's examples, so the collector files the event as good.
"""

from __future__ import annotations

import json

ORG = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"
ROAMING = "biscuit_4c6e224d-96f6-430c-bfc4-d41ec31e38a4"
NITRO = "de8daa44-ac2e-4ba2-8e1c-987a06817353"
VIEW_PATH = f"/jsv1/{ORG}/{ROAMING}/{NITRO}/null/event/view"
VIEW_BODY = json.dumps({"page": "https://shop.example.com/"}, separators=(",", ":"))
BARE_HEADERS = {"Content-Type": "application/json"}
