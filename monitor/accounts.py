"""Which targets wrote a post: its author against each target's own accounts.

A target names its accounts once for every source (a plain list, compared as `@name`
without case) or per source type, where each source's rules apply: an X name without case,
a Mastodon account with its server (a local account's server is where it wrote), a Bluesky
handle or DID, a YouTube channel id or @handle. A target's own posts are its answers, never
complaints about it, risks or opportunities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.config import Source, Target
from spiders.base import KulakSpider, plain_account
from spiders.items import Post


class OwnAccounts:
    def __init__(
        self,
        targets: Sequence[Target],
        sources: Sequence[Source],
        spiders: Mapping[str, type[KulakSpider]],
    ) -> None:
        self.types = {source.name: source.type for source in sources}
        self.spiders = spiders
        self.everywhere = [
            (t.name, frozenset(plain_account(h) for h in t.handles_everywhere)) for t in targets
        ]
        self.on = {
            kind: [
                (t.name, frozenset(spiders[kind].Options.account(h) for h in t.handles_on(kind)))
                for t in targets
            ]
            for kind in set(self.types.values())
            if kind in spiders
        }

    def owners(self, source: str, post: Post) -> set[str]:
        """Names of the targets whose own account wrote `post`, collected by `source`."""
        handle = (post.author_handle or "").strip()
        owners = set()
        if handle:
            plain = plain_account(handle)
            owners = {name for name, own in self.everywhere if plain in own}
        kind = self.types.get(source)
        if kind in self.on:
            accounts = self.spiders[kind].author_accounts(post)
            owners |= {name for name, own in self.on[kind] if accounts & own}
        return owners


def unanswerable(
    targets: Sequence[Target], sources: Sequence[Source], spiders: Mapping[str, type[KulakSpider]]
) -> list[str]:
    """Why the response gap would read "not answered" where a target does answer: an
    enabled source where answers are known by their author, and no account of it there."""
    notes = []
    for source in sources:
        if not source.enabled or not spiders[source.type].answers_by_account:
            continue
        for target in targets:
            if not (target.handles_everywhere or target.handles_on(source.type)):
                notes.append(
                    f"{target.name} has no account on {source.name} ({source.type}) in its "
                    f"handles: its answers there will not count, and its own posts there "
                    f"may be taken for customers'"
                )
    return notes
