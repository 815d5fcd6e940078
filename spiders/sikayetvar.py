"""Şikayetvar brand pages: complaints and the brand's answers to them (HTML + JSON-LD).

A brand's list page links its newest complaints; each complaint page holds the full
text (JSON-LD), the view count, the solved badge and the brand's answers. Answers are
posts of their own whose parent is the complaint, written by the brand, so the digest
can tell whether and how fast a brand answers.

Incremental: the cursor keeps, per brand, the ids of the complaints already stored
(newest first), the complaints listed but not stored yet (`retry`) and the complaints
still waiting for an answer. A poll reads list pages until one holds no unseen complaint
and fetches the unseen complaint pages; a complaint page that failed is fetched again by
every later poll until it is stored (or gone), wherever the list shows it by then. A
list page after the first that failed (`pending`) is asked for again by the next poll,
which reads on from there while pages still hold unseen complaints. A
complaint stored without an answer is fetched again, at most once every
`revisit_hours`, until it is answered or older than `revisit_days` (the digest's
response window): that is how a late answer is still found. Both are judged by the
site's clock (its Date header), the time relative dates on its pages count from.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field
from scrapy.http import Request, Response
from scrapy.selector import Selector

from spiders.base import KulakSpider, SourceOptions, read_each
from spiders.items import PageDone, Post, Skipped
from spiders.parsing import ISTANBUL, html_to_text, istanbul_to_utc, response_time

#: ids of stored complaints kept per brand: far more than `max_pages` list pages show
SEEN_KEPT = 300


class SikayetvarOptions(SourceOptions):
    base_url: str = "https://www.sikayetvar.com"
    brands: list[str] = Field(
        description="Brand page slugs, as in sikayetvar.com/<slug>; the slug's words "
        "(kahve-duragi) name the target the complaints are about",
        min_length=1,
    )
    revisit_days: int = Field(
        7,
        ge=0,
        le=60,
        description="Unanswered complaints younger than this are fetched again for a late "
        "answer (0: never)",
    )
    revisit_hours: float = Field(
        6,
        ge=0,
        description="Hours between two visits of the same unanswered complaint (0: every poll)",
    )


class SikayetvarSpider(KulakSpider):
    name = "sikayetvar"
    display_name = "Şikayetvar"
    Options = SikayetvarOptions
    options: SikayetvarOptions
    obeys_robots = True

    def first_requests(self) -> Iterable[Request]:
        for brand in self.options.brands:
            yield self.list_request(brand, 1)
            pending = self.brand_state(brand)["pending"]
            if pending:
                # A walk cut short by a list page that failed goes on where it stopped.
                yield self.list_request(brand, min(pending), resumed=True)

    def revisits(self, brand: str, now: datetime) -> Iterator[Request]:
        """Unanswered complaints due for another look, by the site's clock (`now`)."""
        waiting = self.brand_state(brand)["waiting"]
        for complaint_id, (published, visited) in list(waiting.items()):
            if now - datetime.fromtimestamp(published, UTC) > self.revisit_window():
                del waiting[complaint_id]
            elif now - datetime.fromtimestamp(visited, UTC) >= timedelta(
                hours=self.options.revisit_hours
            ):
                revisit = self.complaint_request(brand, complaint_id)
                revisit.meta["gone"] = self.complaint_gone
                yield revisit

    def revisit_window(self) -> timedelta:
        return timedelta(days=self.options.revisit_days)

    def brand_state(self, brand: str) -> dict[str, Any]:
        state = self.cursor.setdefault(brand, {})
        state.setdefault("seen", [])
        state.setdefault("retry", [])
        state.setdefault("pending", [])
        state.setdefault("waiting", {})
        return state

    def list_request(self, brand: str, page: int, resumed: bool = False) -> Request:
        url = f"{self.options.base_url.rstrip('/')}/{brand}"
        if page > 1:
            url += f"?page={page}"
            state = self.brand_state(brand)
            state["pending"] = sorted({*state["pending"], page})
        meta = {"brand": brand, "page": page, "resumed": resumed}
        return self.request(url, self.parse_list, meta=meta)

    def complaint_request(self, brand: str, complaint_id: str) -> Request:
        url = f"{self.options.base_url.rstrip('/')}/{complaint_id}"
        return self.request(
            url, self.parse_complaint_page, meta={"brand": brand, "complaint": complaint_id}
        )

    def complaint_gone(self, response: Response) -> Iterator[PageDone]:
        """A complaint removed from the site gets no answer any more: stop waiting (and
        stop trying to read it)."""
        brand, complaint = response.meta["brand"], response.meta["complaint"]
        state = self.brand_state(brand)
        state["waiting"].pop(complaint, None)
        state["retry"] = [c for c in state["retry"] if c != complaint]
        yield self.page_done(brand)

    def parse_list(self, response: Response) -> Iterator[Request | PageDone]:
        brand, page = response.meta["brand"], response.meta["page"]
        listing = parse_brand_list(response.text)
        listed = self.readable(listing.complaint_ids, response)
        state = self.brand_state(brand)
        seen, retry = set(state["seen"]), state["retry"]
        unseen = [c for c in listed if c not in seen]
        for complaint_id in unseen:
            yield self.complaint_request(brand, complaint_id)
        if page == 1:
            # Complaints whose page failed before, wherever the list shows them now.
            for complaint_id in retry:
                if complaint_id not in unseen:
                    retried = self.complaint_request(brand, complaint_id)
                    retried.meta["gone"] = self.complaint_gone
                    yield retried
            yield from self.revisits(brand, response_time(response))
        # Listed, not stored yet: until each complaint's page is, it is tried again.
        state["retry"] = [*unseen, *(c for c in retry if c not in unseen)][:SEEN_KEPT]
        state["pending"] = [p for p in state["pending"] if p != page]
        # A resumed walk reads on past pages that newer complaints pushed half-seen.
        older_unseen = len(unseen) == len(listed) or response.meta.get("resumed")
        if unseen and older_unseen and listing.has_next and page < self.options.max_pages:
            yield self.list_request(brand, page + 1, resumed=bool(response.meta.get("resumed")))
        yield self.page_done(brand)

    def parse_complaint_page(self, response: Response) -> Iterator[Any]:
        brand = response.meta["brand"]
        now = response_time(response)
        posts = self.readable(parse_complaint(response.text, brand, now), response)
        yield from posts
        # Kept under the id the list linked, which the next list page is compared with.
        listed, complaint = response.meta["complaint"], posts[0]
        state = self.brand_state(brand)
        state["seen"] = [listed, *(c for c in state["seen"] if c != listed)][:SEEN_KEPT]
        state["retry"] = [c for c in state["retry"] if c != listed]
        answered = len(posts) > 1
        if answered or now - complaint.created_at > self.revisit_window():
            state["waiting"].pop(listed, None)
        else:
            state["waiting"][listed] = [
                int(complaint.created_at.timestamp()),
                int(now.timestamp()),
            ]
        yield self.page_done(brand)

    def page_done(self, brand: str) -> PageDone:
        """The brand's cursor as it stands now (a copy: later pages keep changing it)."""
        return PageDone(cursor={brand: copy.deepcopy(self.brand_state(brand))})


@dataclass(frozen=True)
class BrandList:
    complaint_ids: list[str | Skipped]  # a card without a link is a Skipped in its place
    has_next: bool


#: complaint cards as the site has marked them up over time
CARDS = "article.card-v2, article.complaint-card, article.story-card, div.complaint-layer[data-url]"
#: where a card links its complaint, in the order tried
CARD_LINKS = (
    "a.complaint-layer::attr(href)",
    ".complaint-layer::attr(data-url)",
    "h2.complaint-title a::attr(href)",
    "a.complaint-description::attr(href)",
)


def parse_brand_list(html: str) -> BrandList:
    """Complaint ids (their paths) on one list page, and whether an older page follows."""
    page = Selector(text=html)
    cards = page.css(CARDS)
    # A card wrapped in another (a data-url layer around an article) links the same id.
    linked = list(read_each(cards, card_link))
    ids = [c for i, c in enumerate(linked) if isinstance(c, Skipped) or c not in linked[:i]]
    if not cards and not page.css("div.complaint-list, .brand-header"):
        raise ValueError("neither complaint cards nor an empty brand list on the page")
    current = page.css("ul.pagination li.active ::text").re_first(r"\d+")
    numbers = [int(n) for n in page.css("ul.pagination a::attr(href)").re(r"[?&]page=(\d+)")]
    has_next = current is not None and any(n > int(current) for n in numbers)
    return BrandList(ids, has_next)


def card_link(card: Selector) -> str:
    """The complaint a card links: its own data-url or its first link, else the data-url
    of a layer wrapped around it."""
    href = (
        card.attrib.get("data-url")
        or next((found for css in CARD_LINKS if (found := card.css(css).get())), None)
        or card.xpath("ancestor::*[@data-url][1]/@data-url").get()
    )
    if href is None:
        raise ValueError("a complaint card without its link (a.complaint-layer)")
    return complaint_id(href)


def complaint_id(href: str) -> str:
    """A complaint's id is its path, <brand>/<title-slug>: stable and unique on the site."""
    return urlsplit(href).path.strip("/")


def parse_complaint(html: str, brand: str, now: datetime) -> list[Post | Skipped]:
    """The complaint, then the brand's answers, each dated; `now` is when the page was
    served, the reference of relative dates such as "2 saat önce". A page without its
    complaint cannot be read at all; an answer that cannot be read is skipped."""
    page = Selector(text=html)
    data = _complaint_json_ld(page)
    entity = data["mainEntity"]
    url = data["url"]
    external_id = complaint_id(url)
    author = entity.get("author")
    author_name = author.get("name") if isinstance(author, dict) else None
    views = page.css("span.js-view-count::text").get()
    about = brand.replace("-", " ")
    complaint = Post(
        source="sikayetvar",
        external_id=external_id,
        url=url,
        text="\n".join(p for p in (data["headline"].strip(), entity["articleBody"].strip()) if p),
        created_at=_iso_in_istanbul(entity["datePublished"]),
        author_name=author_name or page.css(".username::text").get(default="").strip() or None,
        conversation_id=external_id,
        views=_count(views) if views else None,
        about=about,
        extra={"brand": brand, "solved": bool(page.css(".solved-badge"))},
    )
    answers = enumerate(page.css("div.complaint-answer-container"), start=1)
    return [complaint, *read_each(answers, lambda found: _answer(*found, complaint, brand, now))]


def _answer(
    index: int, answer: Selector, complaint: Post, brand: str, now: datetime
) -> Post | None:
    """One of the brand's answers to `complaint`; None for an empty one."""
    answer_id = answer.attrib.get("data-id") or f"answer-{index}"
    text = html_to_text(answer.css(".complaint-answer").get())
    if not text:
        return None
    return Post(
        source="sikayetvar",
        external_id=f"{complaint.external_id}#{answer_id}",
        url=f"{complaint.url}#{answer_id}",
        text=text,
        created_at=answer_time(answer, answer_id, now),
        author_handle=brand,
        author_name=answer.css(".company-name::text").get(default="").strip() or None,
        parent_id=complaint.external_id,
        conversation_id=complaint.external_id,
        about=complaint.about,
        extra={"brand": brand, "by_brand": True},
    )


def answer_time(answer: Selector, answer_id: str, now: datetime) -> datetime:
    """When an answer was written: a <time datetime> (ISO), else the .time's title or
    text in Turkish ("20 Kasım 2026 14:05", "2 saat önce")."""
    stamp = answer.css("time::attr(datetime)").get()
    if stamp:
        return _iso_in_istanbul(stamp)
    when = answer.css(".time::attr(title)").get() or answer.css(".time::text").get()
    if when is None:
        raise ValueError(f"brand answer {answer_id} without its time")
    return turkish_date(when, now)


def _complaint_json_ld(page: Selector) -> dict[str, Any]:
    """The page's JSON-LD block that holds the complaint (others describe breadcrumbs)."""
    for raw in page.css('script[type="application/ld+json"]::text').getall():
        data = json.loads(raw)
        entity = data.get("mainEntity") if isinstance(data, dict) else None
        if isinstance(entity, dict) and "articleBody" in entity:
            return data
    raise ValueError("no JSON-LD block with mainEntity.articleBody on the complaint page")


def _iso_in_istanbul(text: str) -> datetime:
    """An ISO time in UTC; one without an offset is Istanbul's wall time."""
    when = datetime.fromisoformat(text)
    return (when if when.tzinfo else when.replace(tzinfo=ISTANBUL)).astimezone(UTC)


def _count(text: str) -> int:
    """A Turkish count: "1.234" is a thousand two hundred thirty-four."""
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise ValueError(f"not a count: {text!r}")
    return int(digits)


MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "ocak",
            "şubat",
            "mart",
            "nisan",
            "mayıs",
            "haziran",
            "temmuz",
            "ağustos",
            "eylül",
            "ekim",
            "kasım",
            "aralık",
        ),
        start=1,
    )
}
UNITS = {
    "saniye": timedelta(seconds=1),
    "dakika": timedelta(minutes=1),
    "dk": timedelta(minutes=1),
    "saat": timedelta(hours=1),
    "gün": timedelta(days=1),
    "hafta": timedelta(weeks=1),
    "ay": timedelta(days=30),
    "yıl": timedelta(days=365),
}
_RELATIVE = re.compile(r"(\d+)\s*(saniye|dakika|dk|saat|gün|hafta|ay|yıl)\s+önce")
_DAY_AT = re.compile(r"(bugün|dün)\s*,?\s*(\d{1,2})[:.](\d{2})")
_ABSOLUTE = re.compile(r"(\d{1,2})\s+(\w+)\s*(\d{4})?\s*,?\s*(?:(\d{1,2})[:.](\d{2}))?")


def turkish_date(text: str, now: datetime) -> datetime:
    """A date as Şikayetvar writes it, in UTC: "2 saat önce", "dün 14:05", "az önce",
    "12 Kasım 2026 14:05" or "12 Kasım 14:05" (this year); wall times are Istanbul's."""
    folded = text.replace("İ", "i").replace("I", "ı").lower().strip()
    if folded in ("az önce", "şimdi", "şu an"):
        return now
    if found := _RELATIVE.search(folded):
        return now - int(found.group(1)) * UNITS[found.group(2)]
    local_now = now.astimezone(ISTANBUL)
    if found := _DAY_AT.search(folded):
        day = local_now.date() - timedelta(days=1 if found.group(1) == "dün" else 0)
        hour, minute = int(found.group(2)), int(found.group(3))
        return istanbul_to_utc(day.year, day.month, day.day, hour, minute)
    if (found := _ABSOLUTE.search(folded)) and found.group(2) in MONTHS:
        day, month, year, hour, minute = found.groups()
        wall = (MONTHS[month], int(day), int(hour or 0), int(minute or 0))
        when = istanbul_to_utc(int(year or local_now.year), *wall)
        if year is None and when > now + timedelta(days=1):
            when = istanbul_to_utc(local_now.year - 1, *wall)  # "28 Aralık" read in January
        return when
    raise ValueError(f"not a Şikayetvar date: {text!r}")
