"""Keep only posts that name a target; remember where each target is named."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from monitor.matching import Match
from monitor.pipelines.base import RecordPipeline
from monitor.records import Mention, Record
from spiders.items import Post


class MatchPipeline(RecordPipeline):
    handles = Post

    def process(self, post: Post) -> Record:
        matches = self.runtime.matcher.match(post.text, post.author_handle)
        if not matches:
            # Searches are fuzzy: a hit in a URL or an excluded phrase is not a mention.
            raise DropItem(f"{post.source}/{post.external_id} names no target", log_level="DEBUG")
        return Record(post=post, mentions=[_mention(m) for m in matches])


def _mention(match: Match) -> Mention:
    return Mention(
        target=match.target,
        target_kind=match.target_kind,
        spans=match.spans,
        matched=match.matched,
        by_target=match.by_target,
    )
