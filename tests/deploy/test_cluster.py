"""deploy/: the compose file and the Kubernetes manifests run the commands the README shows.

The files are parsed here (Docker is not needed); the last test runs their
three commands on this machine, host names mapped to 127.0.0.1, with two
workers, and checks that every request Locust counted reached the collector.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

import simulator_app
from simulator_app.bench.processes import start_and_read_url, stop_process
from tests.exporter.locust_helpers import LOCUST, master_port, stats_of

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IMAGE = f"nitrox-sim-locust:{simulator_app.__version__}"
ROLES = ("collector", "master", "worker")


def _documents(path: Path) -> list[Any]:
    return [d for d in YAML(typ="safe").load_all(path.read_text(encoding="utf-8")) if d]


def compose() -> dict[str, Any]:
    (document,) = _documents(DEPLOY / "compose.yaml")
    return dict(document["services"])


def kubernetes() -> list[dict[str, Any]]:
    return [d for p in sorted((DEPLOY / "kubernetes").glob("*.yaml")) for d in _documents(p)]


def deployments() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in kubernetes() if d["kind"] == "Deployment"}


def compose_commands() -> dict[str, list[str]]:
    """Each service's whole command: its entry point (the image's: locust) and arguments."""
    return {
        name: [*service.get("entrypoint", ["locust"]), *service["command"]]
        for name, service in compose().items()
    }


def kubernetes_commands() -> dict[str, list[str]]:
    out = {}
    for name, deployment in deployments().items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        out[name] = [*container.get("command", ["locust"]), *container["args"]]
    return out


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_compose_and_kubernetes_run_the_same_three_commands() -> None:
    assert compose_commands() == kubernetes_commands()
    assert sorted(compose_commands()) == sorted(ROLES)
    master = deployments()["master"]["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e["value"] for e in master["env"]} == compose()["master"]["environment"]


def test_the_docs_show_those_commands() -> None:
    page = (ROOT / "docs" / "locust.md").read_text(encoding="utf-8")
    for role, command in compose_commands().items():
        assert shlex.join(command) in page, f"docs/locust.md lacks the {role}'s command"
    assert "docker build -f deploy/Dockerfile -t " + IMAGE + " ." in page


def test_workers_and_expected_workers_agree() -> None:
    commands = compose_commands()
    expected = int(_option(commands["master"], "--expect-workers"))
    assert compose()["worker"]["deploy"]["replicas"] == expected
    assert deployments()["worker"]["spec"]["replicas"] == expected
    assert _option(commands["worker"], "-f") == "-"  # the master hands out its file


def test_nothing_in_deploy_targets_anything_but_the_collector() -> None:
    commands = compose_commands()
    master = commands["master"]
    assert _option(master, "--host") == "http://collector:8787"
    assert _option(master, "--allow-host") == "collector"
    assert "--allow-remote" not in [a for c in commands.values() for a in c]
    assert _option(commands["worker"], "--master-host") == "master"
    collector = commands["collector"]
    assert collector[:2] == ["nitrox-sim", "collector"]
    assert _option(collector, "--host") == "0.0.0.0" and _option(collector, "--port") == "8787"
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "makehook" not in text, path
            for url in re.findall(r"https?://[^\s\"'`]+", text):
                assert url.startswith(("http://collector:8787", "http://127.0.0.1:")), (path, url)


def test_the_services_reach_what_the_commands_name() -> None:
    services = {d["metadata"]["name"]: d for d in kubernetes() if d["kind"] == "Service"}
    assert sorted(services) == ["collector", "master"]  # the host names in the commands
    ports = {name: {p["port"] for p in s["spec"]["ports"]} for name, s in services.items()}
    assert ports == {"collector": {8787}, "master": {5557, 8089}}
    for name, service in services.items():
        labels = deployments()[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
    assert {"8089" in p for p in compose()["master"]["ports"]} == {True}
    for port in compose()["master"]["ports"] + compose()["collector"]["ports"]:
        assert port.startswith("127.0.0.1:"), "published on this machine's loopback only"


def test_one_image_from_the_official_locust_image_plus_this_project() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    base = re.search(r"^FROM (\S+)$", dockerfile, re.MULTILINE)
    assert base is not None and re.fullmatch(r"locustio/locust:\d+\.\d+\.\d+", base[1])
    assert re.search(r"^RUN pip3 install --no-cache-dir /home/locust/\S+$", dockerfile, re.M)
    images = {s["image"] for s in compose().values()}
    for deployment in deployments().values():
        images |= {c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]}
    assert images == {IMAGE}
    for service in compose().values():
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    # compose mounts loadtests/ where the image has its copy: the master's file is there
    volume = compose()["master"]["volumes"][0]
    assert volume == "../loadtests:/mnt/locust:ro"
    locustfile = _option(compose_commands()["master"], "-f")
    assert (ROOT / "loadtests" / Path(locustfile).relative_to("/mnt/locust")).exists()


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_the_cluster_commands_run_here_and_lose_nothing(tmp_path: Path) -> None:
    """The three commands on this machine: host names to 127.0.0.1, ports free, two workers.

    What a person does in the web UI (start a test) is said on the command line
    (``--headless``, a short run, think times × 0.02, ``--json`` to read the result).
    """
    commands = compose_commands()
    environment = {**compose()["master"]["environment"]}
    collector_cmd = commands["collector"]
    collector_cmd = [
        *(sys.executable, "-m", "simulator_app", *collector_cmd[1:]),
    ]
    collector_cmd[collector_cmd.index("--host") + 1] = "127.0.0.1"
    collector_cmd[collector_cmd.index("--port") + 1] = "0"
    collector, url = start_and_read_url(collector_cmd, timeout=30)
    port = master_port()  # see master_port: workers dial it before the master listens
    mapped = {
        "http://collector:8787": url,
        "master": "127.0.0.1",
        "/mnt/locust/demo_mix.py": str(ROOT / "loadtests" / "demo_mix.py"),
    }

    def local(command: list[str]) -> list[str]:
        assert command[0] == "locust"
        return [LOCUST, *(mapped.get(arg, arg) for arg in command[1:])]

    ports = {"LOCUST_MASTER_BIND_PORT": str(port), "LOCUST_MASTER_NODE_PORT": str(port)}
    # each process gets its own service's environment, as in the cluster; the run is short
    master_env = {
        **os.environ,
        **environment,
        **ports,
        "LOCUST_USERS": "6",
        "LOCUST_SPAWN_RATE": "6",
        "LOCUST_RUN_TIME": "6s",
    }
    worker_env = {**os.environ, **compose()["worker"].get("environment", {}), **ports}
    workers = [
        subprocess.Popen(
            local(commands["worker"]),
            cwd=tmp_path,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(int(_option(commands["master"], "--expect-workers")))
    ]
    try:
        done = subprocess.run(
            [
                *local(commands["master"]),
                *("--headless", "--think-scale", "0.02", "--master-bind-host", "127.0.0.1"),
                *("--json", "--only-summary", "--loglevel", "WARNING"),
            ],
            cwd=tmp_path,
            env=master_env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        for worker in workers:
            worker.wait(timeout=120)
        summary = httpx.get(f"{url}/_collector/all", timeout=10).json()
    finally:
        for worker in workers:
            stop_process(worker)
        stop_process(collector)
    assert done.returncode == 0, done.stderr
    stats = stats_of(done)
    assert stats["requests"] > 50, json.dumps(stats)
    assert stats == {"requests": summary["total"], "failures": 0}
    assert summary["bad"] == 0
