"""The seam for a model of the user's: what kulak asks of one, and the fallback around it.

A backend (a local ONNX folder, a model server) only turns texts into verdicts. `Judge`
wraps it with what every backend needs: batches, a cache by text hash, and the offline
scorer whenever the backend is down, slow or answers nonsense; a backend that failed is
left alone for `retry_after`, so a dead server costs one time-out, not one per post. What
went to the model and what fell back, and why, is tallied for `kulak status`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

log = logging.getLogger(__name__)

Reason = Literal["down", "slow", "nonsense"]
#: a language's posts the backend was not asked about, because the page was cut short
CUT_SHORT = "cut short"


@dataclass(frozen=True)
class Verdict:
    label: str  # "pos" | "neg" | "neu"
    compound: float  # -1..1
    intents: tuple[str, ...] | None = None  # None: the model reads none; kulak's cues do


class ModelFailed(Exception):
    """A whole call failed; `reason` is down, slow or nonsense, `detail` says what."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ModelUnusable(Exception):
    """The model cannot be used as configured; the message says why and what to do."""


class Backend(Protocol):
    def judge(self, items: Sequence[tuple[str, str]]) -> list[Verdict | None]:
        """One verdict per (text, lang) pair, None where the answer made no sense;
        raises ModelFailed when the call as a whole failed."""


@dataclass
class Tally:
    """Texts the model scored and texts that fell back to the offline scorer, by reason."""

    by_model: int = 0
    fallback: Counter[str] = field(default_factory=Counter)
    last_problem: str | None = None
    last_problem_at: datetime | None = None

    def fell_back(self, reason: str, count: int, problem: str | None = None) -> None:
        if count:
            self.fallback[reason] += count
        if problem:
            self.last_problem = f"{reason}: {problem}"
            self.last_problem_at = datetime.now(UTC)


class Judge:
    """A backend for the languages it covers, with batches, a cache and a fallback."""

    def __init__(
        self,
        backend: Backend,
        description: str,
        languages: Sequence[str],
        *,
        batch: int = 16,
        cache: int = 20000,
        retry_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.description = description
        self.languages = frozenset(languages)
        self.batch = batch
        self.cache_size = cache
        self.retry_after = retry_after
        self.clock = clock
        self.cache: OrderedDict[bytes, Verdict] = OrderedDict()
        self.tally = Tally()
        self.resting: tuple[float, Reason] | None = None  # until when, and why
        self.lock = threading.Lock()

    def covers(self, lang: str) -> bool:
        return lang in self.languages

    def judge(self, items: Sequence[tuple[str, str]]) -> list[Verdict | None]:
        """A verdict per (text, lang), None where the offline scorer must answer. Crawls
        call it from worker threads: the books are kept under a lock, not the calls."""
        keys = [_key(text, lang) for text, lang in items]
        with self.lock:
            found: list[Verdict | None] = [self._cached(key) for key in keys]
        missing = [i for i, verdict in enumerate(found) if verdict is None]
        for start in range(0, len(missing), self.batch):
            chunk = missing[start : start + self.batch]
            verdicts = self._ask([items[i] for i in chunk])
            with self.lock:
                for i, verdict in zip(chunk, verdicts, strict=True):
                    found[i] = verdict
                    if verdict is not None:
                        self._remember(keys[i], verdict)
        with self.lock:
            self.tally.by_model += sum(verdict is not None for verdict in found)
        return found

    def fell_back(self, reason: str, count: int) -> None:
        """Texts the offline scorer answered alone for a reason of the caller's."""
        with self.lock:
            self.tally.fell_back(reason, count)

    def take_tally(self) -> Tally:
        """What happened since the last call (to add to the store's running count)."""
        with self.lock:
            tally, self.tally = self.tally, Tally()
        return tally

    def _ask(self, items: list[tuple[str, str]]) -> list[Verdict | None]:
        with self.lock:
            resting = self.resting is not None and self.clock() < self.resting[0]
            if resting:
                self.tally.fell_back(self.resting[1], len(items))
                return [None] * len(items)
        try:
            verdicts = self.backend.judge(items)
        except ModelFailed as failed:
            return self._failed(failed, len(items))
        except Exception as exc:  # a backend's bug must not cost a crawl its posts
            log.exception("the sentiment model failed unexpectedly")
            return self._failed(ModelFailed("down", f"{type(exc).__name__}: {exc}"), len(items))
        nonsense = sum(verdict is None for verdict in verdicts)
        if nonsense:
            with self.lock:
                problem = f"no usable answer for {nonsense} texts"
                self.tally.fell_back("nonsense", nonsense, problem)
        return verdicts

    def _failed(self, failed: ModelFailed, count: int) -> list[Verdict | None]:
        with self.lock:
            if failed.reason != "nonsense":
                self.resting = (self.clock() + self.retry_after, failed.reason)
            self.tally.fell_back(failed.reason, count, failed.detail)
        return [None] * count

    def _cached(self, key: bytes) -> Verdict | None:
        verdict = self.cache.get(key)
        if verdict is not None:
            self.cache.move_to_end(key)
        return verdict

    def _remember(self, key: bytes, verdict: Verdict) -> None:
        if not self.cache_size:
            return
        self.cache[key] = verdict
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)


def _key(text: str, lang: str) -> bytes:
    return hashlib.blake2b(f"{lang}\0{text}".encode(errors="replace"), digest_size=16).digest()
