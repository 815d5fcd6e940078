"""The Numenta Anomaly Benchmark scorer, written from the prose in the NAB folder's SCORING.md.

NAB rewards a detection by how early it falls in a labelled window and charges every detection
outside the windows, less so just after a window. Scores are normalised so that saying nothing
scores 0 and one detection at the start of every window scores 100.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PROBATION_SHARE = 0.15
PROBATION_CAP_ROWS = 750  # 15% of NAB's 5000-row reference length


@dataclass(frozen=True)
class Profile:
    name: str
    a_tp: float
    a_fp: float
    a_fn: float


PROFILES = (
    Profile("standard", 1.0, 0.11, 1.0),
    Profile("reward_low_FP_rate", 1.0, 0.22, 1.0),
    Profile("reward_low_FN_rate", 1.0, 0.11, 2.0),
)


@dataclass(frozen=True)
class FileScore:
    raw: float
    windows_hit: int
    windows: int
    fp_rows: int


def scaled_sigmoid(x: float) -> float:
    """NAB's weight curve: +1 far before a point, 0 at it, -1 from three widths after."""
    if x > 3:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probation_rows(n_rows: int) -> int:
    return min(math.floor(PROBATION_SHARE * n_rows), PROBATION_CAP_ROWS)


def score_file(
    n_rows: int,
    windows: Sequence[tuple[int, int]],
    detections: Iterable[int],
    profile: Profile,
) -> FileScore:
    """Raw NAB score of one file: windows are inclusive row-index pairs in time order."""
    start = probation_rows(n_rows)
    best: dict[int, float] = {}
    fp_total = 0.0
    fp_rows = 0
    for row in sorted(set(detections)):
        if row < start:
            continue
        inside = _window_of(row, windows)
        if inside is not None:
            left, right = windows[inside]
            width = right - left + 1
            value = profile.a_tp * scaled_sigmoid(-(right - row + 1) / width) / scaled_sigmoid(-1)
            best[inside] = max(best.get(inside, -math.inf), value)
            continue
        fp_rows += 1
        previous = [w for w in windows if w[1] < row]
        if not previous:
            fp_total -= profile.a_fp
        else:
            left, right = previous[-1]
            fp_total += profile.a_fp * scaled_sigmoid((row - right) / (right - left))
    missed = len(windows) - len(best)
    raw = sum(best.values()) - profile.a_fn * missed + fp_total
    return FileScore(raw=raw, windows_hit=len(best), windows=len(windows), fp_rows=fp_rows)


def normalised(raw_total: float, n_windows: int, profile: Profile) -> float:
    """100 * (S - S_null) / (S_perfect - S_null) over the windows of the files scored."""
    null = -profile.a_fn * n_windows
    perfect = profile.a_tp * n_windows
    return 100.0 * (raw_total - null) / (perfect - null)


def _window_of(row: int, windows: Sequence[tuple[int, int]]) -> int | None:
    for index, (left, right) in enumerate(windows):
        if left <= row <= right:
            return index
    return None
