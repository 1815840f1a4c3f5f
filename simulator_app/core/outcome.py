"""What a finished load run measured: the one shape every runner, summary and report reads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from simulator_app.core.funnel import MeasuredFunnel
from simulator_app.core.stats import StatsTable


@dataclass
class RunResult:
    """What a finished (or stopped) run measured."""

    stats: StatsTable
    funnel: MeasuredFunnel
    visitors_done: int
    journeys_completed: int
    requests: int
    failures: int
    cancelled: int
    elapsed: float
    stopped: bool  # True when stopped early (stop(), Ctrl-C or the time limit)
    completed_by_journey: dict[str, int] = dataclasses.field(default_factory=dict)
    time_limit_hit: bool = False
    # The failures by kind (cancelled ones are ``cancelled``): the target answered
    # with an error; the request was sent and got no answer, so the target may
    # have received it; the request never reached the target (could not connect).
    answered_failures: int = 0
    unanswered: int = 0
    unreached: int = 0
    seed: int = 0  # replays this run exactly: --seed, or seed: in the file
    contract_failures: int = 0  # answered 2xx, judged bad by the receiver (its verdict)
    throttled: int = 0  # failures answered 429 (or 503 with Retry-After): "slow down"
    connections_opened: int = 0  # by the sender (on an https:// target, TLS handshakes)
    throttle_waited: float = 0.0  # seconds the run waited because the target asked it to
    rate_lowered_to: float | None = None  # the lowest rate throttling brought the run to
    network_notes: tuple[str, ...] = ()  # e.g. the --insecure warning, the proxy used
