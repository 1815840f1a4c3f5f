"""The memory figures of the README come from a command that runs (a smoke test; the
bounds themselves are held by test_memory)."""

from __future__ import annotations

import pytest

from simulator_app.collector.membench import main, sqlite_memory


def test_membench_prints_bytes_per_request_and_visitor(capsys: pytest.CaptureFixture[str]) -> None:
    if sqlite_memory() is None:
        pytest.skip("libsqlite3 not found")
    assert main(["--rows", "100"]) == 0
    out = capsys.readouterr().out
    assert "body 64,512 B:" in out and "B a request" in out and "cart of 10 lines" in out
