"""What every runner needs to reach a real target: trust, proxies, and failures in plain words.

Standard library only (and ``truststore`` when installed), so the sender, the
app and the Locust runtime (a bundled file included) share one reading of
``--ca-bundle``, ``--insecure HOST``, ``--proxy`` and the proxy variables, and
one sentence per kind of network failure.
"""
