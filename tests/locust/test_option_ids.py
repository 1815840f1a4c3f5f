"""IDs in the Locust options are matched whole, by the core's rule.

``--org-id`` is never stripped: a trailing newline, space or any control
character is a one-line error before any request, never a request that
carries ``%0A`` or another UUID than the one given.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from simulator_app.core import contract
from simulator_app.exporter.locustfile import ExportSettings, export_locustfile
from simulator_app.locust import options
from simulator_app.locust.options import OptionError, read_options
from tests.exporter.locust_helpers import load_seeded, locust
from tests.locust.raw_server import RawServer

ROOT = Path(__file__).resolve().parents[2]
UUID = "34a3f9a2-5057-431b-bd3f-aa9fdf9ff733"


@pytest.mark.parametrize(
    "value",
    [
        UUID + "\n",
        UUID + "\r\n",
        " " + UUID,
        UUID + " ",
        UUID + "\t",
        UUID + "\x00",
        UUID + "\u2028",
        UUID + "\u00a0",
        "\n" + UUID,
        UUID.upper().replace("A", "\uff21"),  # a fullwidth lookalike
        UUID[:-1] + "g",
    ],
)
def test_an_org_id_is_matched_whole(value: str) -> None:
    with pytest.raises(OptionError) as error:
        read_options(argparse.Namespace(org_id=value))
    assert str(error.value).startswith("--org-id ") and "\n" not in str(error.value)


def test_a_good_org_id_is_taken_as_given() -> None:
    assert read_options(argparse.Namespace(org_id=UUID)).org_id == UUID


def test_the_options_use_the_cores_id_rule() -> None:
    assert options.id_problem is contract.id_problem
    assert not hasattr(options, "re"), "the options keep no regex of their own"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_locust_refuses_an_org_id_with_a_newline_before_any_request(tmp_path: Path) -> None:
    file = tmp_path / "buyer_ids.py"
    scenario = load_seeded(ROOT / "scenarios" / "buyer.yaml")
    file.write_text(export_locustfile(scenario, ExportSettings(think_scale=0.0)), "utf-8")
    with RawServer() as server:
        done = locust(
            [
                *("-f", str(file), "--headless", "-u", "1", "-r", "1", "-t", "8s"),
                *("--host", server.url, "--org-id", UUID + "\n", "--visitors", "3"),
            ],
            tmp_path,
        )
        sent = list(server.requests)
    assert sent == []
    assert done.returncode != 0
    assert f"nitrox: --org-id '{UUID}\\n': contains a newline" in done.stderr, done.stderr[-2000:]
