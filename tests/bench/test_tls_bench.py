"""The TLS bench measures what it says (figures, not goals: a test never times anything)."""

from __future__ import annotations

import pytest

from simulator_app.bench.tls import measure_tls, report_lines


@pytest.mark.slow
def test_the_tls_bench_measures_every_figure_and_counts_the_handshakes() -> None:
    figures = measure_tls(seconds=1.0, users=2)
    for key in ("sender_rps_c10_http", "sender_rps_c10_tls", "fasthttpuser_rps_tls"):
        assert figures[key] > 0, figures
    assert figures["exported_tls_failures"] == 0
    assert figures["tls_handshake_requests"] == 10_000
    assert figures["tls_handshakes"] == 10  # one per worker, kept alive
    lines = report_lines(figures)
    assert lines[3].startswith("TLS handshakes: 10 for 10,000 requests at concurrency 10")
