"""The floor the throughput benchmark compares kulak with: a minimal honest pipeline.

One regex for all targets, a language guessed by script alone, raw vaderSentiment on the
whole text, and a page of 50 posts stored with the driver's executemany into kulak's own
tables and indexes (SQLite in WAL with synchronous=NORMAL; on PostgreSQL one upsert per
post returning its id and one executemany of the mentions). It does less than kulak
(no folding, no exclusions, no clauses per target, no intents, no Turkish or Greek
scorer), which is why it is a floor.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.config import Target

POSTS = "source, external_id, url, text, created_at, collected_at, updated_at, lang, query, extra"
MENTIONS = (
    "post_id, target, target_kind, created_at, lang, compound, label, intents, matched, by_target"
)
GREEK = re.compile("[\u0370-\u03ff]")
TURKISH = re.compile("[ığşİĞŞ]")


class Minimal:
    """Call with a text; every `page` posts are written in one transaction."""

    def __init__(self, targets: list[Target], connection: Any, postgresql: bool, page: int) -> None:
        groups = [
            f"(?P<t{n}>{'|'.join(re.escape(k) for k in t.keywords)})" for n, t in enumerate(targets)
        ]
        self.pattern = re.compile("|".join(groups), re.IGNORECASE)
        self.targets = targets
        self.vader = SentimentIntensityAnalyzer()
        self.db = connection
        self.postgresql = postgresql
        self.mark = "%s" if postgresql else "?"
        self.page = page
        self.rows: list[tuple] = []
        self.count = 0
        self.now = datetime.now(UTC)

    def __call__(self, text: str) -> None:
        self.count += 1
        named = {int(m.lastgroup[1:]) for m in self.pattern.finditer(text)}
        if not named:
            return
        lang = "el" if GREEK.search(text) else "tr" if TURKISH.search(text) else "en"
        compound = self.vader.polarity_scores(text)["compound"]
        label = "neg" if compound <= -0.05 else "pos" if compound >= 0.05 else "neu"
        self.rows.append((str(self.count), text, lang, compound, label, sorted(named)))
        if len(self.rows) == self.page:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        stamp = self.now if self.postgresql else self.now.strftime("%Y-%m-%d %H:%M:%S.%f")
        posts = [
            ("minimal", key, f"https://x.test/{key}", text, stamp, stamp, stamp, lang, None, "{}")
            for key, text, lang, *_ in self.rows
        ]
        marks = ", ".join([self.mark] * 10)
        cursor = self.db.cursor()
        if self.postgresql:
            cursor.executemany(
                f"INSERT INTO posts ({POSTS}) VALUES ({marks}) ON CONFLICT (source, external_id)"
                " DO UPDATE SET text = excluded.text RETURNING id",
                posts,
                returning=True,
            )
            ids = [cursor.fetchone()[0]]
            while cursor.nextset():
                ids.append(cursor.fetchone()[0])
        else:
            cursor.executemany(f"INSERT OR IGNORE INTO posts ({POSTS}) VALUES ({marks})", posts)
            keys = [row[0] for row in self.rows]
            found = dict(
                cursor.execute(
                    "SELECT external_id, id FROM posts WHERE source = 'minimal' AND external_id"
                    f" IN ({', '.join('?' * len(keys))})",
                    keys,
                ).fetchall()
            )
            ids = [found[key] for key in keys]
        mentions = [
            (post_id, target.name, target.kind, stamp, lang, compound, label, "[]",
             json.dumps([target.name]), False)
            for post_id, (_, _, lang, compound, label, named) in zip(ids, self.rows, strict=True)
            for target in (self.targets[n] for n in named)
        ]  # fmt: skip
        cursor.executemany(
            f"INSERT INTO mentions ({MENTIONS}) VALUES ({', '.join([self.mark] * 10)})"
            " ON CONFLICT (post_id, target) DO UPDATE SET compound = excluded.compound",
            mentions,
        )
        self.db.commit()
        self.rows = []
