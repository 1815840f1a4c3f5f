"""``python -m simulator_app`` is ``nitrox-sim``."""

from __future__ import annotations

import sys

from simulator_app.cli import main

sys.exit(main())
