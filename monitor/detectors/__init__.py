"""Detectors: one file each, reading the store and returning alerts (libraries they use are in
`monitor.analysis`)."""
