"""``nitrox-sim bench``: what this machine generates, against its peers, in one run.

The shared pieces every measurement uses live here: one bare receiver as the
common target (:mod:`.bare_server`), free ports, CPU pins and process stop
(:mod:`.processes`), Locust as a subprocess read through its ``--json``
(:mod:`.locust_runs`), wrk (:mod:`.wrk`), the load generators both servers get
(:mod:`.loads`), the run itself (:mod:`.suite`) and its table (:mod:`.report`).
Each area's figure has a module here that drives that area through its public
API: the sender (:mod:`.sender`), the collector (:mod:`.collector`) and the
exported locustfile (:mod:`.exporter`); the desktop log's is
``gui/sending/bench.py``, run as a subprocess.

The benchmarks sit on top: they import the sender, the collector and the
exporter, and nothing but the CLI imports them (an import-linter contract).
This package never imports locust, gevent or Qt: those run in subprocesses.
"""
