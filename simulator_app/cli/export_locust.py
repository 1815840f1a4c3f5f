"""``nitrox-sim export-locust``: write a locustfile (and locust.conf) for a scenario."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

COMMAND = "export-locust"
HELP = "write a Locust file for a scenario: one User class per journey"
DESCRIPTION = """\
Write a locustfile that runs the scenario's journeys with Locust, on the same
journey engine as `nitrox-sim run`: the scenario as data, one User class per
journey with the scenario's weights, the users from simulator_app.locust (this
package, installed where Locust runs). --bundle writes a self-contained file
instead, for workers that have only locust and Faker. A locust.conf with the
run settings is written beside it (pass --no-conf to skip it)."""
EPILOG = """\
examples:
  nitrox-sim export-locust scenarios/demo_mix.yaml -o loadtests/demo_mix.py
  locust -f loadtests/demo_mix.py --config loadtests/locust.conf   # headless, its settings
  locust -f loadtests/demo_mix.py --think-scale 0 -u 50 -r 50 -t 30s --max-fail-ratio 0.01
  locust -f loadtests/demo_mix.py --master --expect-workers 2 ...   and on each worker:
  locust -f - --worker --master-host 127.0.0.1
  nitrox-sim export-locust scenarios/demo_mix.yaml -o demo_mix_bundle.py --bundle --no-conf
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE.py", help="locustfile to write"
    )
    parser.add_argument(
        "--bundle",
        action="store_true",
        help="write a self-contained file (the runtime inside) for workers with only locust and"
        " Faker",
    )
    parser.add_argument(
        "--think-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="default multiplier of think times; 0 for maximum throughput (default: %(default)s)",
    )
    parser.add_argument(
        "--host",
        default=None,
        metavar="URL",
        help="default target, a loopback URL (default: the embedded collector, http://127.0.0.1:8787)",
    )
    parser.add_argument(
        "-u", "--users", type=int, default=10, help="locust.conf users (default: %(default)s)"
    )
    parser.add_argument(
        "-r",
        "--spawn-rate",
        type=float,
        default=5.0,
        help="locust.conf spawn-rate (default: %(default)s)",
    )
    parser.add_argument(
        "-t",
        "--run-time",
        default="1m",
        help="locust.conf run-time, e.g. 30s, 5m, 1h (default: %(default)s)",
    )
    parser.add_argument("--no-conf", action="store_true", help="do not write locust.conf")


def _tool(name: str) -> str:
    """How to type ``name``: bare when the shell finds this install's, else its path."""
    here = Path(sys.executable).parent / name
    found = shutil.which(name)
    if found is not None and Path(found).resolve() == here.resolve():
        return name
    if not here.exists():
        return name
    relative = os.path.relpath(here)
    return relative if not relative.startswith("..") else str(here)


def run(args: argparse.Namespace) -> int:
    from simulator_app.cli._common import CliError
    from simulator_app.core.safety import is_loopback
    from simulator_app.core.scenario_file import ScenarioError, load_scenario
    from simulator_app.exporter.files import ConfSettings, write_export
    from simulator_app.exporter.locustfile import (
        DEFAULT_HOST,
        ExportError,
        ExportSettings,
        host_problem,
        run_time_problem,
    )

    output = Path(args.output)
    if output.suffix != ".py":
        raise CliError(f"{args.output}: the output must be a .py file (locust loads it as Python)")
    host = args.host or DEFAULT_HOST
    problem = host_problem(host, conf=not args.no_conf)
    if problem:
        raise CliError(f"--{problem}")
    if not is_loopback(host):
        raise CliError(
            f"--host {host}: the default target must be this machine; pass another host on the"
            " locust command line (--host URL --allow-remote) when you own that server"
        )
    if args.users < 1:
        raise CliError(f"--users {args.users}: must be 1 or more")
    if not args.spawn_rate > 0:
        raise CliError(f"--spawn-rate {args.spawn_rate}: must be more than 0")
    if run_time_problem(args.run_time):
        raise CliError(f"--run-time {args.run_time!r}: use a duration such as 30s, 5m, 1h30m")
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        first = exc.problems[0] if exc.problems else exc
        more = f" (and {len(exc.problems) - 1} more problems)" if len(exc.problems) > 1 else ""
        raise CliError(f"{first}{more}") from None
    settings = ExportSettings(think_scale=args.think_scale, host=host)
    conf = None if args.no_conf else ConfSettings(args.users, args.spawn_rate, args.run_time)
    try:
        written = write_export(scenario, output, settings, conf, bundle=args.bundle)
    except ExportError as exc:
        raise CliError(f"{args.scenario}: {exc}") from None
    journeys = len(scenario.journeys)
    form = ", bundled" if args.bundle else ""
    print(f"wrote {written[0]} ({journeys} journey class{'es' if journeys != 1 else ''}{form})")
    for extra in written[1:]:
        print(f"wrote {extra}")
    # Locust sends to `host` as soon as it starts: say what must listen there first.
    port = urlsplit(host).port or (443 if host.startswith("https") else 80)
    print(
        f"start the collector first (or your own server on {host}), in another terminal:"
        f" {_tool('nitrox-sim')} collector --port {port}"
    )
    if conf is not None:
        # Locust reads ./locust.conf only from the working directory: name the one written here.
        print(f"then run it: {_tool('locust')} -f {output} --config {written[-1]}")
    else:
        print(f"then run it: {_tool('locust')} -f {output} --headless --host {host} -t 1m")
    return 0
