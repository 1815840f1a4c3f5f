"""``nitrox-sim bench``: what this machine generates, against its peers, in one run.

The shared pieces every measurement uses live here: one bare receiver as the
common target (:mod:`.bare_server`), free ports, CPU pins and process stop
(:mod:`.processes`), Locust as a subprocess read through its ``--json``
(:mod:`.locust_runs`), wrk (:mod:`.wrk`), the load generators both servers get
(:mod:`.loads`), the run itself (:mod:`.suite`) and its table (:mod:`.report`).
Each area's own figure stays beside its code (``sender/bench.py``,
``collector/bench.py``, ``exporter/bench.py``, ``gui/sending/bench.py``).

This package never imports locust, gevent or Qt: those run in subprocesses.
"""
