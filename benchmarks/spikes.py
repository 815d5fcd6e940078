"""Benchmarks of the negative spike detector.

    python benchmarks/spikes.py --nab /path/to/shared/nab   # NAB realTweets, beside published
    python benchmarks/spikes.py --synthetic                 # precision, recall, delay

The detector runs exactly as it runs live: one bucket at a time, shipped defaults, and an
alert (score 1) only at the rows where it would alert.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.nab_scoring import PROFILES, normalised, score_file  # noqa: E402
from monitor.detectors.spike import SpikeParams, detect_series, read_series_csv  # noqa: E402

PUBLISHED_SHOWN = (
    "ARTime",
    "contextOSE",
    "earthgeckoSkyline",
    "knncad",
    "numenta",
    "twitterADVec",
    "windowedGaussian",
    "relativeEntropy",
    "skyline",
    "null",
)


@dataclass(frozen=True)
class NabFile:
    name: str
    rows: list
    windows: list[tuple[int, int]]


def load_nab(nab_dir: Path) -> list[NabFile]:
    """The realTweets files present in the folder, with their windows as row indices."""
    windows = json.loads((nab_dir / "labels" / "combined_windows.json").read_text())
    files = []
    for key, spans in sorted(windows.items()):
        path = nab_dir / "data" / Path(key).name
        if not key.startswith("realTweets/") or not path.exists():
            continue
        rows = read_series_csv(path)
        index = {ts: i for i, (ts, _) in enumerate(rows)}
        as_rows = [(index[_nab_time(a)], index[_nab_time(b)]) for a, b in spans]
        files.append(NabFile(path.name, rows, as_rows))
    return files


def _nab_time(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def detections(file: NabFile, params: SpikeParams) -> list[int]:
    """Row indices at which the detector alerts, replaying the file as live."""
    index = {ts: i for i, (ts, _) in enumerate(file.rows)}
    return [index[spike.ts] for spike in detect_series(file.rows, params)]


def score_detector(
    files: Sequence[NabFile], detect: Callable[[NabFile], list[int]]
) -> dict[str, tuple[float, int, int]]:
    """Normalised score, windows hit and FP rows per profile over all the files."""
    found = {file.name: detect(file) for file in files}
    n_windows = sum(len(file.windows) for file in files)
    scores = {}
    for profile in PROFILES:
        per_file = [
            score_file(len(f.rows), f.windows, found[f.name], profile) for f in files
        ]
        scores[profile.name] = (
            normalised(sum(s.raw for s in per_file), n_windows, profile),
            sum(s.windows_hit for s in per_file),
            sum(s.fp_rows for s in per_file),
        )
    return scores


def published_scores(nab_dir: Path, files: Sequence[NabFile]) -> dict[str, dict[str, float]]:
    """Published raw per-file scores, summed over our files and normalised the same way."""
    wanted = {file.name for file in files}
    n_windows = sum(len(file.windows) for file in files)
    raw: dict[tuple[str, str], float] = defaultdict(float)
    with (nab_dir / "results" / "published_per_file_scores.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["file"] in wanted:
                value = row["raw_score_published"] or row["raw_score_recomputed"]
                raw[(row["detector"], row["profile"])] += float(value)
    by_name = {profile.name: profile for profile in PROFILES}
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for (detector, profile), total in raw.items():
        table[detector][profile] = normalised(total, n_windows, by_name[profile])
    return table


def check_scorer(nab_dir: Path, files: Sequence[NabFile]) -> float:
    """Largest gap between our scorer and the reference raw scores of NAB's random detector.

    NAB's random detector draws uniform(0, 1) per row after seeding with 42 for each file, so
    it can be regenerated exactly; the results folder holds its per-file raw scores and
    thresholds for all three profiles.
    """
    reference = {}
    with (nab_dir / "results" / "published_per_file_scores.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["detector"] == "random":
                reference[(row["file"], row["profile"])] = row
    worst = 0.0
    for file in files:
        rng = random.Random(42)
        anomaly = [rng.uniform(0, 1) for _ in file.rows]
        for profile in PROFILES:
            row = reference[(file.name, profile.name)]
            threshold = float(row["threshold"])
            found = [i for i, score in enumerate(anomaly) if score >= threshold]
            ours = score_file(len(file.rows), file.windows, found, profile).raw
            worst = max(worst, abs(ours - float(row["raw_score_recomputed"])))
    return worst


def run_nab(nab_dir: Path, params: SpikeParams) -> None:
    files = load_nab(nab_dir)
    if not files:
        sys.exit(f"no realTweets files with windows under {nab_dir}")
    n_windows = sum(len(file.windows) for file in files)
    print(f"NAB realTweets: {len(files)} files, {n_windows} windows ({params})")
    print(f"scorer check: NAB's random detector re-scored, max |diff| = "
          f"{check_scorer(nab_dir, files):.2e}")
    ours = score_detector(files, lambda file: detections(file, params))
    published = published_scores(nab_dir, files)
    names = [p.name for p in PROFILES]
    print(f"{'detector':<20}" + "".join(f"{n:>20}" for n in names))
    cells = [f"{ours[n][0]:6.2f} ({ours[n][1]}/{n_windows}, {ours[n][2]} FP)" for n in names]
    print(f"{'kulak spike':<20}" + "".join(f"{c:>20}" for c in cells))
    for detector in PUBLISHED_SHOWN:
        if detector in published:
            scores = published[detector]
            print(f"{detector:<20}" + "".join(f"{scores[n]:>20.2f}" for n in names))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab", type=Path, help="folder with data/, labels/ and results/")
    parser.add_argument("--synthetic", action="store_true", help="run the synthetic series")
    args = parser.parse_args(argv)
    if not args.nab and not args.synthetic:
        parser.error("give --nab PATH, --synthetic, or both")
    params = SpikeParams()
    if args.nab:
        run_nab(args.nab, params)


if __name__ == "__main__":
    main()
