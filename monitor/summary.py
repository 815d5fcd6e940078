"""Per-target counts and the most negative posts: what a person wants to see first."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TargetSummary:
    name: str
    kind: str
    mentions: int = 0
    negative: int = 0
    scored: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_lang: Counter[str] = field(default_factory=Counter)

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.scored if self.scored else None


@dataclass
class Summary:
    posts: int
    targets: list[TargetSummary]
    most_negative: list[tuple[float, str, dict[str, Any]]]


def summarise(posts: Iterable[dict[str, Any]], top: int = 5) -> Summary:
    targets: dict[str, TargetSummary] = {}
    negatives: list[tuple[float, str, dict[str, Any]]] = []
    count = 0
    per_post_worst: dict[int, float] = defaultdict(float)
    for post in posts:
        count += 1
        for mention in post["mentions"]:
            summary = targets.setdefault(
                mention["target"], TargetSummary(mention["target"], mention["target_kind"])
            )
            summary.mentions += 1
            summary.by_source[post["source"]] += 1
            summary.by_lang[mention["lang"]] += 1
            if mention["label"] != "unscored":
                summary.scored += 1
            if mention["label"] == "neg":
                summary.negative += 1
                if mention["compound"] < per_post_worst[post["id"]]:
                    per_post_worst[post["id"]] = mention["compound"]
                    negatives = [n for n in negatives if n[2]["id"] != post["id"]]
                    negatives.append((mention["compound"], mention["target"], post))
    negatives.sort(key=lambda n: n[0])
    ordered = sorted(targets.values(), key=lambda t: (t.kind != "brand", -t.mentions))
    return Summary(count, ordered, negatives[:top])
