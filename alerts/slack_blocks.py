"""An alert as a Slack Block Kit message, within Slack's limits, with post text defused.

Untrusted text (posts, author names, even titles that quote them) goes only into mrkdwn
after `escape`: `&`, `<` and `>` become entities, so nothing can become a `<!channel>`
ping, a `<@user>` mention or a `<url|label>` link; a bare `@channel`/`@here`/`@everyone`
gets a zero-width space after the `@` so it cannot notify even with `link_names`. Links
are only ever button URLs, and only http(s) ones.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from alerts.wording import (
    ENGLISH,
    author,
    emoji,
    fact_lines,
    intents,
    kind_word,
    next_steps,
    reach,
    safe_url,
    summary,
    target_kind,
    title,
    when,
)
from monitor.alert import Alert, AlertPost
from monitor.i18n import N_, Language

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
BUTTON_TEXT_LIMIT = 75
BLOCK_LIMIT = 50
POST_TEXT_LIMIT = 1200
POST_LINE_LIMIT = 12
# header, summary, why, divider, next steps, "more posts", thread, triage state, buttons, footer
FIXED_BLOCKS = 10
BLOCKS_PER_POST = 3
MAX_POSTS = (BLOCK_LIMIT - FIXED_BLOCKS) // BLOCKS_PER_POST

BROADCAST = re.compile(r"(?<!\w)@(?=(?:channel|here|everyone)(?![\w-]|\.\w))", re.IGNORECASE)
PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def defuse(text: str) -> str:
    """For plain_text objects, which Slack does not parse for links or mentions."""
    return BROADCAST.sub("@\u200b", text)


def escape(text: str) -> str:
    """For mrkdwn objects."""
    return defuse(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, never ending inside an entity escape made it."""
    if len(text) <= limit:
        return text
    return PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"


def bold(text: str) -> str:
    """A heading of kulak's own words (never a post's) in mrkdwn."""
    return f"*{text}*"


def mrkdwn(text: str, limit: int = SECTION_LIMIT) -> dict[str, str]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def quote(text: str) -> str:
    """The post as a quote, blank-line runs folded so one post cannot flood the message."""
    lines = [line.strip() for line in text.strip().splitlines()]
    lines = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    if len(lines) > POST_LINE_LIMIT:
        lines = [*lines[:POST_LINE_LIMIT], "…"]
    body = escape(clip("\n".join(lines), POST_TEXT_LIMIT))
    return "\n".join(f">{line}" for line in body.splitlines()) or ">(no text)"


def post_blocks(
    post: AlertPost, index: int, tz: str = "UTC", lang: Language = ENGLISH
) -> list[dict[str, Any]]:
    meta = [f"*{escape(author(post, lang))}*"]
    if reach(post, lang):
        meta.append(escape(reach(post, lang)))
    meta.append(escape(post.source_shown))
    if post.created_at is not None:
        meta.append(
            # Slack shows each reader's own time; the fallback is kulak's timezone's.
            f"<!date^{int(post.created_at.timestamp())}^{{date_short_pretty}} {{time}}|"
            f"{when(post.created_at, tz, lang)}>"
        )
    if post.intents:
        meta.append(escape(intents(post, lang)))
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [mrkdwn(" · ".join(meta), FIELD_LIMIT)]},
        {"type": "section", "text": mrkdwn(quote(post.text))},
    ]
    url = safe_url(post.url)
    if url:
        label = lang.gettext("Open on {source} to reply").format(source=post.source_shown)
        label = clip(label, BUTTON_TEXT_LIMIT)
        button = {"type": "plain_text", "text": label}
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": button, "url": url, "action_id": f"open-{index}"}
                ],
            }
        )
    return blocks


def with_thread_note(
    payload: dict[str, Any], more: int, latest: datetime, tz: str, lang: Language = ENGLISH
) -> None:
    """A burst's first message, updated: how many alerts like it are in its thread."""
    note = lang.ngettext(
        "{n} more alert like this one in the thread, the latest {time}",
        "{n} more alerts like this one in the thread, the latest {time}",
        more,
    ).format(n=more, time=when(latest, tz, lang))
    payload["blocks"].insert(-1, {"type": "context", "elements": [mrkdwn(":thread: " + note)]})
    in_thread = lang.gettext("+{n} in the thread").format(n=more)
    payload["text"] = clip(f"{payload['text']} ({in_thread})", SECTION_LIMIT)


#: what the triage buttons send back (Socket Mode); a button's value is the alert's key
CLAIM, REPLIED, NOT_RELEVANT, RELABEL = (
    "kulak:claim",
    "kulak:replied",
    "kulak:not_relevant",
    ("kulak:relabel"),
)
RELABELS = {"pos": N_("positive"), "neu": N_("neutral"), "neg": N_("negative")}
RELABEL_WORDS = {
    "pos": N_("It is positive"),
    "neu": N_("It is neutral"),
    "neg": N_("It is negative"),
}


def with_triage(
    payload: dict[str, Any], alert: Alert, state: str | None = None, lang: Language = ENGLISH
) -> None:
    """Buttons to take the alert, mark it replied or not relevant, and say its sentiment is
    wrong; above them, who did what (`state`, plain words from kulak, not from a post)."""
    _ = lang.gettext
    buttons = [
        _button(_("I'll take it"), CLAIM, alert.key, "primary"),
        _button(_("Replied"), REPLIED, alert.key),
        _button(_("Not relevant"), NOT_RELEVANT, alert.key),
        {
            "type": "static_select",
            "action_id": RELABEL,
            "placeholder": {"type": "plain_text", "text": _("Sentiment is wrong")},
            "options": [
                {
                    "text": {"type": "plain_text", "text": _(RELABEL_WORDS[label])},
                    "value": f"{label}|{short_key(alert.key)}",
                }
                for label in RELABELS
            ],
        },
    ]
    blocks = payload["blocks"]
    if state:
        note = {"type": "context", "elements": [mrkdwn(escape(state), FIELD_LIMIT)]}
        blocks.insert(-1, note)
    blocks.insert(-1, {"type": "actions", "block_id": "kulak-triage", "elements": buttons})


def short_key(key: str) -> str:
    """An alert key that fits a select option's value (150 characters): the key, or for a
    long one `#` and its digest, which the listener looks up among recent alerts."""
    return key if len(key) <= 140 else "#" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _button(label: str, action: str, key: str, style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action,
        "value": short_key(key),
    }
    if style:
        button["style"] = style
    return button


SEVERITIES = {"info": N_("info"), "warning": N_("warning"), "critical": N_("critical")}


def render(
    alert: Alert, max_posts: int = 5, tz: str = "UTC", lang: Language = ENGLISH
) -> dict[str, Any]:
    """`text` (the notification fallback) and `blocks` for chat.postMessage or a webhook."""
    _ = lang.gettext
    headline_text, summary_text = title(alert, lang), summary(alert, lang)
    headline = clip(defuse(f"{emoji(alert)} {headline_text}"), HEADER_LIMIT)
    kind, severity = kind_word(alert, lang), alert.severity
    if severity in SEVERITIES:
        severity = _(SEVERITIES[severity])
    fields = [bold(_("Kind")) + f"\n{kind}", bold(_("Severity")) + f"\n{severity}"]
    if alert.target:
        kind_of = f" ({target_kind(alert.target_kind, lang)})" if alert.target_kind else ""
        fields.insert(0, bold(_("Target")) + f"\n{escape(alert.target)}{kind_of}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline}},
        {
            "type": "section",
            "text": mrkdwn(escape(summary_text)),
            "fields": [mrkdwn(field, FIELD_LIMIT) for field in fields],
        },
    ]
    facts = fact_lines(alert, lang)
    if facts:
        why = bold(_("Why it fired")) + "\n" + "\n".join(f"• {escape(line)}" for line in facts)
        blocks.append({"type": "section", "text": mrkdwn(why)})
    blocks.append({"type": "divider"})
    shown = alert.posts[: min(max_posts, MAX_POSTS)]
    for index, post in enumerate(shown):
        blocks.extend(post_blocks(post, index, tz, lang))
    if len(alert.posts) > len(shown):
        count = len(alert.posts) - len(shown)
        more = _("… and {count} more posts in the digest").format(count=count)
        blocks.append({"type": "context", "elements": [mrkdwn(more)]})
    steps = bold(_("Next steps")) + "\n" + escape(next_steps(alert, lang))
    blocks.append({"type": "section", "text": mrkdwn(steps)})
    footer = f"kulak · {kind} · " + _("key") + f" `{escape(alert.key)}`"
    blocks.append({"type": "context", "elements": [mrkdwn(footer, FIELD_LIMIT)]})
    text = escape(f"{kind}: {headline_text} — {summary_text}")
    return {"text": clip(text, SECTION_LIMIT), "blocks": blocks}
