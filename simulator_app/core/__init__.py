"""The core: scenario model, identities, catalog, journey engine and cart. Plain Python, no Qt, no locust, no sockets."""
