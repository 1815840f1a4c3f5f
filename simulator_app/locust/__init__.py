"""The Locust runtime: what an exported locustfile imports to run a scenario's journeys.

An exported file is a short, ordinary locustfile: the scenario as data, a
base class with the settings, and one class per journey, all subclasses of
:class:`simulator_app.locust.users.NitroxUser`. This package is the only one
that imports locust, gevent and geventhttpclient (an import-linter contract
says so); nothing else in ``simulator_app`` imports it, since locust
monkey-patches the standard library at import. The app and the CLI run
Locust as a subprocess.

Importing this package itself imports nothing of locust: the modules that
need none (:mod:`.pool`, :mod:`.options`, :mod:`.thresholds`) are plain
Python and tested as such. :mod:`.users` imports locust and registers the
runtime's event listeners (:mod:`.hooks`).
"""
