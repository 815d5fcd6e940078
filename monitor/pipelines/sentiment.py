"""Score sentiment and intent per target, on the words around that target's mentions.

Every mention is scored offline at once. With a model configured (`sentiment.model`), the
mentions in the languages it covers are also kept until their page ends (`PageDone`), or a
batch is full, and then sent to the model in one batch, in a worker thread so the crawl's
event loop (downloads, the scheduler, deliveries) keeps running; its verdicts replace the
offline scores where it gave one. Items still leave in the order they came, so that is
before the store pipeline saves the page, which it does on the same `PageDone`. A page
cut short is stored with its offline scores.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from monitor.pipelines.base import RecordPipeline
from monitor.records import Mention, Record
from monitor.sentiment import Sentiment, about_target, judged, label_for, score_with_cues
from monitor.sentiment.backend import CUT_SHORT
from spiders.items import PageDone


@dataclass(frozen=True)
class _Asking:
    mention: Mention
    about: str
    cues: str
    lang: str


class SentimentPipeline(RecordPipeline):
    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self.judge = runtime.judge if runtime is not None else None
        self.waiting: list[_Asking] = []
        self.turn: asyncio.Future[None] | None = None  # done when the last item has left

    def process_item(self, item: Any) -> Any:
        if self.judge is None:
            return super().process_item(item)
        return self._in_turn(item)

    async def _in_turn(self, item: Any) -> Any:
        """Each item waits for the one before it to leave, so the store pipeline gets
        them in the spider's order while a model answer is awaited."""
        before = self.turn
        self.turn = mine = asyncio.get_running_loop().create_future()
        try:
            if before is not None:
                await before
            item = super().process_item(item)
            if isinstance(item, PageDone) or len(self.waiting) >= self.judge.batch:
                await self.ask_model()
            return item
        finally:
            mine.set_result(None)

    def process(self, record: Record) -> Record:
        lang = record.lang or "und"
        for mention in record.mentions:
            others = [m.spans for m in record.mentions if m is not mention]
            about, cues = about_target(record.post.text, mention.spans, others)
            _set(mention, self.adjusted(about, score_with_cues(about, lang, cues)))
            if self.judge is not None and self.judge.covers(lang):
                self.waiting.append(_Asking(mention, about, cues, lang))
        return record

    def adjusted(self, about: str, result: Sentiment) -> Sentiment:
        """The installation's correction from its team's labels, once it proved itself."""
        adjustment = self.runtime.adjustment if self.runtime is not None else None
        if adjustment is None or not adjustment.trusted or result.compound is None:
            return result
        corrected = adjustment.apply(about, result.compound)
        return replace(result, compound=corrected, label=label_for(corrected))

    async def ask_model(self) -> None:
        if not self.waiting:
            return
        asking, self.waiting = self.waiting, []
        texts = [(a.about, a.lang) for a in asking]
        verdicts = await maybe_deferred_to_future(deferToThread(self.judge.judge, texts))
        for a, verdict in zip(asking, verdicts, strict=True):
            if verdict is not None:
                _set(a.mention, judged(verdict, a.lang, a.cues))

    def close_spider(self) -> None:
        if self.judge is None:
            return
        self.judge.fell_back(CUT_SHORT, len(self.waiting))
        self.waiting = []
        tally = self.judge.take_tally()
        self.runtime.store.record_model_use(
            self.judge.description,
            tally.by_model,
            tally.fallback,
            tally.last_problem,
            tally.last_problem_at,
        )


def _set(mention: Mention, result: Sentiment) -> None:
    mention.compound = result.compound
    mention.label = result.label
    mention.intents = result.intents
