"""Keep only posts that name a target; remember where each target is named."""

from __future__ import annotations

from dataclasses import replace

from scrapy.exceptions import DropItem

from monitor.matching import Match
from monitor.pipelines.base import RecordPipeline
from monitor.records import Mention, Record
from spiders.items import Post


class MatchPipeline(RecordPipeline):
    handles = Post

    def process(self, post: Post) -> Record:
        owners = self.runtime.accounts.owners(self.crawler.spider.context.source, post)
        matches = self.runtime.matcher.match(post.text, owners=owners)
        if owners:
            matches += self.runtime.matcher.own_posts(owners, matches)
        if post.about:
            page = self.runtime.matcher.match(post.about)
            matches = _with_page_targets(matches, page, post.extra.get("by_brand") is True)
        if not matches:
            # Searches are fuzzy: a hit in a URL or an excluded phrase is not a mention.
            raise DropItem(f"{post.source}/{post.external_id} names no target", log_level="DEBUG")
        return Record(post=post, mentions=[_mention(m) for m in matches])


def _with_page_targets(matches: list[Match], page: list[Match], by_brand: bool) -> list[Match]:
    """The targets the post's page is about count as mentioned (with no span in the text,
    so sentiment reads the whole post); a brand's own answer on its page is by it."""
    found = {m.target: m for m in matches}
    for about in page:
        named = found.get(about.target)
        spans, matched = (named.spans, named.matched) if named else ([], [])
        by_target = by_brand or (named is not None and named.by_target)
        found[about.target] = replace(about, spans=spans, matched=matched, by_target=by_target)
    return list(found.values())


def _mention(match: Match) -> Mention:
    return Mention(
        target=match.target,
        target_kind=match.target_kind,
        spans=match.spans,
        matched=match.matched,
        by_target=match.by_target,
    )
