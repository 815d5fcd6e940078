"""Libraries the detectors build on: the streaming spike model, rolling statistics, and
negative posts with their answers. Pure of scheduling; only `monitor/detectors/` holds detectors."""
