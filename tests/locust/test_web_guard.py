"""The loopback guard where traffic is made, and the door of Locust's web UI.

Real Locust processes on 127.0.0.1, driven by real HTTP posts to their web
UI. "Remote" hosts here are addresses the guard must treat as another
machine (``0.0.0.0``, ``127.1``, ``[::ffff:127.0.0.1]``: not a literal
loopback address, not ``localhost``) but which Linux connects to on this
machine: a local listener (:class:`RawServer`) counts what would have gone
out, so a broken guard shows up here and nothing ever leaves the machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simulator_app.exporter.locustfile import ExportSettings, export_locustfile
from simulator_app.locust.guard import web_request_problem
from tests.exporter.locust_helpers import LOCUST, load_seeded, master_port
from tests.locust.raw_server import RawServer

ROOT = Path(__file__).resolve().parents[2]
OWN = "127.0.0.1:8089"


def remote_urls(port: int) -> list[str]:
    """URLs the guard must call remote, which on Linux reach this machine's listener."""
    return [f"http://0.0.0.0:{port}", f"http://127.1:{port}", f"http://[::ffff:127.0.0.1]:{port}"]


# -- the door's rules, plain Python ---------------------------------------------------


def test_a_foreign_origin_is_refused_for_any_method() -> None:
    for origin in (
        "http://evil.example",
        "null",
        "http://127.0.0.1:9999",
        "https://127.0.0.1:8089",
    ):
        for method in ("POST", "GET", "OPTIONS"):
            headers = {"host": OWN, "origin": origin}
            assert "another origin" in str(web_request_problem(method, headers, [], "127.0.0.1"))
    same = {"host": OWN, "origin": f"http://{OWN}"}
    assert web_request_problem("POST", same, ["user_count"], "127.0.0.1") is None


def test_a_post_from_another_page_is_refused_by_referer_or_fetch_site() -> None:
    referer = {"host": OWN, "referer": "http://evil.example/page.html"}
    assert "another page" in str(web_request_problem("POST", referer, [], "127.0.0.1"))
    assert web_request_problem("GET", referer, [], "127.0.0.1") is None  # a link, not a change
    site = {"host": OWN, "sec-fetch-site": "cross-site"}
    assert "another site" in str(web_request_problem("POST", site, [], "127.0.0.1"))
    own = {"host": OWN, "referer": f"http://{OWN}/", "sec-fetch-site": "same-origin"}
    assert web_request_problem("POST", own, [], "127.0.0.1") is None
    assert web_request_problem("POST", {"host": OWN}, [], "127.0.0.1") is None  # curl


def test_a_rebound_name_is_refused_while_the_ui_listens_on_loopback() -> None:
    rebound = {"host": "evil.example:8089", "origin": "http://evil.example:8089"}
    assert "not this machine" in str(web_request_problem("POST", rebound, [], "127.0.0.1"))
    assert "not this machine" in str(web_request_problem("GET", rebound, [], "localhost"))
    assert web_request_problem("POST", rebound, [], "0.0.0.0") is None  # told to listen widely
    assert web_request_problem("GET", {"host": "localhost:8089"}, [], "127.0.0.1") is None


@pytest.mark.parametrize("field", ["allow_remote", "allow_host", "allow_lost_workers"])
def test_a_form_never_carries_a_permission(field: str) -> None:
    problem = web_request_problem("POST", {"host": OWN}, ["user_count", field], "127.0.0.1")
    assert "only on the command line" in str(problem)


def test_the_user_form_may_not_set_other_class_attributes() -> None:
    for key in ("insecure", "scenario", "default_headers", "think_scale"):
        problem = web_request_problem(
            "POST", {"host": OWN}, [], "127.0.0.1", path="/user", user_settings=["weight", key]
        )
        assert key in str(problem)


# -- a real Locust with its web UI ----------------------------------------------------


def _file(tmp_path: Path) -> Path:
    scenario = load_seeded(ROOT / "scenarios" / "buyer.yaml")
    path = tmp_path / "buyer_test.py"
    path.write_text(export_locustfile(scenario, ExportSettings(think_scale=0.05)), "utf-8")
    return path


class WebLocust:
    """``locust`` with its web UI on a free port; stopped (terminated) by ``close``."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.port = master_port()
        self.log = cwd / f"locust-{self.port}.log"
        self._out = self.log.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [LOCUST, *args, "--web-port", str(self.port), "--loglevel", "INFO"],
            cwd=cwd,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 40
        while True:
            assert self.proc.poll() is None, self.text()
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.text()
            time.sleep(0.2)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def post(self, path: str, form: dict[str, str], **headers: str) -> httpx.Response:
        return httpx.post(self.url + path, data=form, headers=headers, timeout=10)

    def state(self) -> str:
        return str(httpx.get(self.url + "/stats/requests", timeout=10).json()["state"])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._out.close()


@pytest.fixture
def servers() -> Iterator[tuple[RawServer, RawServer]]:
    """Two local listeners: the test's own target, and one that stands for a remote host."""
    with RawServer() as target, RawServer() as remote:
        yield target, remote


def _start(form_host: str) -> dict[str, str]:
    return {"user_count": "2", "spawn_rate": "2", "host": form_host}


def _wait_for(condition: object, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_the_web_ui_refuses_other_origins_forms_with_permissions_and_remote_hosts(
    tmp_path: Path, servers: tuple[RawServer, RawServer]
) -> None:
    target, remote = servers
    ui = WebLocust(["-f", str(_file(tmp_path)), "--host", target.url], tmp_path)
    try:
        # It listens on 127.0.0.1 unless told otherwise.
        assert re.search(rf"Starting web interface at http://127\.0\.0\.1:{ui.port}", ui.text())
        own = f"http://127.0.0.1:{ui.port}"
        attacks = [
            (_start(target.url), {"Origin": "http://evil.example"}),
            (_start(target.url), {"Origin": "null"}),
            (_start(target.url), {"Referer": "http://evil.example/start.html"}),
            (_start(target.url), {"Sec-Fetch-Site": "cross-site"}),
            (_start(target.url), {"Host": "evil.example", "Origin": "http://evil.example"}),
        ]
        for url in remote_urls(remote.server_address[1]):
            attacks += [
                ({**_start(url), "allow_remote": "true"}, {"Origin": own}),
                ({**_start(url), "allow_host": "0.0.0.0,127.1"}, {"Origin": own}),
                (_start(url), {"Origin": own}),
            ]
        for form, headers in attacks:
            answer = ui.post("/swarm", form, **headers)
            assert answer.status_code == 403, (form, headers, answer.text)
            assert answer.json()["success"] is False
        time.sleep(1.5)
        assert ui.state() in ("ready", "stopped")
        assert target.requests == [] and remote.requests == []
        # the same start from the UI's own page runs, on this machine
        assert ui.post("/swarm", _start(target.url), Origin=own).json()["success"] is True
        assert _wait_for(lambda: len(target.requests) > 0), ui.text()
        # and a second start while it runs cannot move it elsewhere
        for url in remote_urls(remote.server_address[1]):
            answer = ui.post("/swarm", {**_start(url), "allow_remote": "true"}, Origin=own)
            assert answer.status_code == 403
            assert ui.post("/swarm", _start(url), Origin=own).status_code == 403
        time.sleep(1.5)
        assert remote.requests == []
    finally:
        ui.close()
    assert remote.requests == []


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_a_host_changed_past_the_door_is_refused_by_the_users_themselves(
    tmp_path: Path, servers: tuple[RawServer, RawServer]
) -> None:
    """The class picker's /user form sets a class's host while a test runs, and more users
    are started: no test starts again, so only the users' own check stands in the way."""
    target, remote = servers
    ui = WebLocust(["-f", str(_file(tmp_path)), "--class-picker"], tmp_path)
    own = {"Origin": ui.url}

    def set_host(host: str) -> None:
        answer = httpx.post(
            ui.url + "/user",
            json={"user_class_name": "BuyerUser", "host": host},
            headers=own,
            timeout=10,
        )
        assert answer.status_code == 201, answer.text

    try:
        set_host(target.url)
        form = {"user_count": "1", "spawn_rate": "5", "user_classes": "BuyerUser"}
        assert ui.post("/swarm", form, **own).json()["success"] is True
        assert _wait_for(lambda: len(target.requests) > 0), ui.text()
        bad = remote_urls(remote.server_address[1])[1]
        set_host(bad)
        assert ui.post("/swarm", {**form, "user_count": "4"}, **own).json()["success"] is True
        assert _wait_for(lambda: f"--host {bad}: not this machine" in ui.text()), ui.text()
        assert _wait_for(lambda: ui.state() == "stopped"), ui.state()  # the test stops
        time.sleep(1)
        assert remote.requests == []
    finally:
        ui.close()
    assert remote.requests == []


# -- workers check for themselves ----------------------------------------------------


def _master_and_worker(
    tmp_path: Path, master_args: list[str], worker_env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], str]:
    port = master_port()
    file = _file(tmp_path)
    worker_log = tmp_path / "worker.log"
    with worker_log.open("w", encoding="utf-8") as out:
        worker = subprocess.Popen(
            [
                *(LOCUST, "-f", "-", "--worker", "--master-host", "127.0.0.1"),
                *("--master-port", str(port), "--loglevel", "INFO"),
            ],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(worker_env or {})},
        )
        try:
            master = subprocess.run(
                [
                    *(LOCUST, "-f", str(file), "--master", "--headless", "--expect-workers", "1"),
                    *("--master-bind-host", "127.0.0.1", "--master-bind-port", str(port)),
                    # -t counts from Locust's start-up, which takes seconds on a busy machine
                    *("-u", "2", "-r", "2", "-t", "12s", "--stop-timeout", "1", "--visitors", "40"),
                    *master_args,
                ],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
        finally:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
    return master, worker_log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
@pytest.mark.timeout(150)
@pytest.mark.parametrize("index", [0, 2])  # 127.1 is the control's below
def test_a_worker_refuses_a_remote_host_whatever_the_master_allows(
    tmp_path: Path, servers: tuple[RawServer, RawServer], index: int
) -> None:
    _target, remote = servers
    bad = remote_urls(remote.server_address[1])[index]
    master, worker = _master_and_worker(
        tmp_path, ["--host", bad, "--allow-remote", "--allow-host", "0.0.0.0"]
    )
    assert remote.requests == [], master.stderr[-2000:]
    assert f"--host {bad}: not this machine" in worker
    assert "on this worker's own command line" in worker


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_a_worker_allowed_by_its_own_environment_sends(
    tmp_path: Path, servers: tuple[RawServer, RawServer]
) -> None:
    """The control: the permission from the worker's own environment is honoured."""
    _target, remote = servers
    bad = remote_urls(remote.server_address[1])[1]
    master, worker = _master_and_worker(
        tmp_path, ["--host", bad, "--allow-remote"], {"LOCUST_ALLOW_REMOTE": "true"}
    )
    assert len(remote.requests) > 0, (master.stderr[-2000:], worker[-2000:])
