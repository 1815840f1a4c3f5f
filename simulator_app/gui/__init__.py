"""The desktop app (PySide6): a thin Qt layer over the core, the sender and the collector."""
