"""Posts with their per-target sentiment, as JSON lines or CSV, for analysts' own tools."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

COLUMNS = ("source", "external_id", "url", "created_at", "author", "lang", "text")
#: a cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_rows(posts: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for post in posts:
        yield {
            "source": post["source"],
            "external_id": post["external_id"],
            "url": post["url"],
            "created_at": _iso(post["created_at"]),
            # Sources without handles (reviews, news, feeds, complaints) name the author.
            "author": post["author_handle"] or post["author_name"],
            "lang": post["lang"],
            "text": post["text"],
            "targets": [
                {
                    "target": m["target"],
                    "kind": m["target_kind"],
                    "compound": m["compound"],
                    "label": m["label"],
                    "intents": m["intents"],
                }
                for m in post["mentions"]
            ],
        }


def write_jsonl(posts: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for row in export_rows(posts):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(posts: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One row per (post, target): spreadsheets want flat rows."""
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "target", "target_kind", "compound", "label", "intents"])
    count = 0
    for row in export_rows(posts):
        for target in row["targets"] or [None]:
            extra = (
                [
                    target["target"],
                    target["kind"],
                    target["compound"],
                    target["label"],
                    " ".join(target["intents"]),
                ]
                if target
                else ["", "", "", "", ""]
            )
            writer.writerow([inert(cell) for cell in [row[c] for c in COLUMNS] + extra])
        count += 1
    return count


LABEL_COLUMNS = (
    "source",
    "external_id",
    "target",
    "label",
    "compound",
    "lang",
    "who",
    "at",
    "text",
)


def write_labels(labels: Iterable[Any], out: TextIO, fmt: str) -> int:
    """The team's sentiment labels (`kulak export --labels`): to keep, share or train on."""
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(LABEL_COLUMNS)
    count = 0
    for label in labels:
        row = {c: getattr(label, c) for c in LABEL_COLUMNS}
        row["at"] = _iso(row["at"])
        if writer is not None:
            writer.writerow([inert(row[c]) for c in LABEL_COLUMNS])
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def inert(cell: Any) -> Any:
    """A text cell a spreadsheet shows as text: posts are untrusted, and one starting with
    `=HYPERLINK(...)` or `=cmd|...` would run when the file is opened. A quote in front
    (OWASP's rule) makes it text; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
