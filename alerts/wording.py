"""Plain words shared by every channel: why an alert fired, who posted, what to do next.

Everything returned here is unescaped text; each channel escapes it for its own markup.
"""

from __future__ import annotations

from datetime import datetime

from monitor.alert import Alert, AlertPost
from monitor.i18n import N_, Language, Nn_, language
from monitor.registry import detector_classes

ENGLISH = language("en")

FACT_LABELS = {
    "baseline": N_("usual"),
    "now": N_("now"),
    "factor": N_("times usual"),
    "window": N_("window"),
    "negative_share": N_("negative share"),
    "baseline_share": N_("usual negative share"),
    "reach": N_("reach"),
    "interactions_an_hour": N_("interactions an hour"),
}

TARGET_KINDS = {"brand": N_("brand"), "competitor": N_("competitor")}

#: intents as posts are tagged with them (monitor.sentiment), in words for the reader
INTENTS = {
    "complaint": N_("complaint"),
    "question": N_("question"),
    "switching": N_("switching"),
    "praise": N_("praise"),
}


def fact_lines(alert: Alert, lang: Language = ENGLISH) -> list[str]:
    """Why it fired: `now` against `baseline` first, then the other facts by name."""
    _ = lang.gettext
    facts = dict(alert.facts)
    lines = []
    if "now" in facts and "baseline" in facts:
        now, usual = lang.number(facts.pop("now")), lang.number(facts.pop("baseline"))
        line = _("now {now} vs usual {usual}").format(now=now, usual=usual)
        if "factor" in facts:
            line += f" (×{lang.number(facts.pop('factor'))})"
        lines.append(line)
    for key, value in facts.items():
        label = _(FACT_LABELS[key]) if key in FACT_LABELS else key.replace("_", " ")
        is_share = key.endswith("share") and isinstance(value, float)
        lines.append(f"{label}: {lang.percent(value) if is_share else lang.number(value)}")
    return lines


def reach(post: AlertPost, lang: Language = ENGLISH) -> str:
    parts = []
    for value, forms in (
        (post.author_followers, Nn_("{n} follower", "{n} followers")),
        (post.likes, Nn_("{n} like", "{n} likes")),
        (post.reposts, Nn_("{n} repost", "{n} reposts")),
        (post.replies, Nn_("{n} reply", "{n} replies")),
    ):
        if value:
            # English always said "1 likes": the plural form whatever the count
            n = value if not lang.english else 2
            parts.append(lang.ngettext(*forms, n).format(n=lang.number(value)))
    return " · ".join(parts)


def intents(post: AlertPost, lang: Language = ENGLISH) -> str:
    return ", ".join(lang.gettext(INTENTS[i]) if i in INTENTS else i for i in post.intents)


def sentiment_words(who: str, label: str, lang: Language = ENGLISH) -> str:
    """What a sentiment correction says back: "Ayşe says it is negative: kulak learns from
    it"; `label` is the English word (positive, neutral, negative)."""
    said = lang.gettext("{who} says it is {label}: kulak learns from it")
    return said.format(who=who, label=lang.gettext(label))


def author(post: AlertPost, lang: Language = ENGLISH) -> str:
    return post.author_shown or lang.gettext("unknown author")


def when(moment: datetime, tz: str, lang: Language = ENGLISH) -> str:
    """A time as people there read it, with its zone: '05 Dec 22:08 +03'."""
    return lang.moment(moment, tz, "moment")


def post_meta(post: AlertPost, tz: str = "UTC", lang: Language = ENGLISH) -> str:
    parts = [author(post, lang)]
    if reach(post, lang):
        parts.append(reach(post, lang))
    parts.append(post.source_shown)
    if post.created_at is not None:
        parts.append(when(post.created_at, tz, lang))
    if post.compound is not None:
        parts.append(lang.gettext("sentiment {score}").format(score=f"{post.compound:+.2f}"))
    if post.intents:
        parts.append(intents(post, lang))
    return " · ".join(parts)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links from posts; anything else (javascript:, data:) is dropped."""
    if url and url.startswith(("https://", "http://")) and len(url) <= 3000:
        return url
    return None


def next_steps(alert: Alert, lang: Language = ENGLISH) -> str:
    """The detector's advice, for an answered post when it was answered; an alert of a
    detector no longer installed still reads."""
    detector = detector_classes().get(alert.kind)
    if detector is None:
        return lang.gettext("Open the posts and decide what they need.")
    return answered_steps(alert, lang) or lang.gettext(detector.next_steps)


def answered_steps(alert: Alert, lang: Language = ENGLISH) -> str:
    """The advice for an alert whose posts were all answered already; "" otherwise (or
    when its detector has no other advice for that case)."""
    detector = detector_classes().get(alert.kind)
    answered = bool(alert.posts) and all(post.answered for post in alert.posts)
    return lang.gettext(detector.answered_next_steps) if detector and answered else ""


def title(alert: Alert, lang: Language = ENGLISH) -> str:
    """The alert's title in `lang`: its stored English unless it carries the phrase."""
    stored = alert.phrases.get("title")
    return alert.title if lang.english or not stored else lang.say(stored)


def summary(alert: Alert, lang: Language = ENGLISH) -> str:
    """The summary in `lang`: its stored phrases said one after the other."""
    stored = alert.phrases.get("summary")
    if lang.english or not stored:
        return alert.summary
    return " ".join(lang.say(part) for part in stored)


def target_kind(kind: str, lang: Language = ENGLISH) -> str:
    """ "brand" or "competitor" in the reader's language; a kind kulak does not know as is."""
    return lang.gettext(TARGET_KINDS[kind]) if kind in TARGET_KINDS else kind


def kind_word(alert: Alert, lang: Language = ENGLISH) -> str:
    """The alert's kind as a word ("risk", "risk" in Turkish...); the kind itself if its
    detector is gone."""
    detector = detector_classes().get(alert.kind)
    return lang.gettext(detector.noun) if detector and not lang.english else alert.kind


def emoji(alert: Alert) -> str:
    detector = detector_classes().get(alert.kind)
    return detector.emoji if detector else ":bell:"
