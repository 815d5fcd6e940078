"""How far a source was read, kept in its cursor between runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Mark:
    """How far a time-ordered source was read: the newest time stored and the ids seen at
    that exact time, so an item sharing that second with the last one is neither skipped
    nor stored twice. An item edited later has a newer time and is read again."""

    newest: datetime | None = None
    ids: tuple[str, ...] = ()

    def seen(self, when: datetime, key: str) -> bool:
        if self.newest is None:
            return False
        return when < self.newest or (when == self.newest and key in self.ids)

    def advanced(self, when: datetime, key: str) -> Mark:
        if self.newest is None or when > self.newest:
            return Mark(when, (key,))
        if when == self.newest and key not in self.ids:
            return Mark(when, tuple(sorted((*self.ids, key))))
        return self

    def dump(self) -> dict[str, Any]:
        return {"newest": self.newest.isoformat() if self.newest else None, "ids": list(self.ids)}

    @staticmethod
    def fields(data: dict[str, Any] | None) -> dict[str, Any]:
        """The constructor arguments of a dumped mark (also for subclasses' `load`)."""
        newest = (data or {}).get("newest")
        return {
            "newest": datetime.fromisoformat(newest) if newest else None,
            "ids": tuple((data or {}).get("ids") or ()),
        }
