"""Detectors: read the store, write alerts. `spike` is a pure streaming library."""
