"""The embedded collector: a local Nitrox receiver that checks every request against the contract."""
