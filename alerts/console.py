"""Prints alerts in the terminal: the channel used when none is configured."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from alerts.base import Channel, ChannelOptions, SendResult
from alerts.wording import ENGLISH, fact_lines, kind_word, next_steps, post_meta, summary
from alerts.wording import title as alert_title
from monitor.alert import Alert
from monitor.i18n import Language
from monitor.printable import printable

if TYPE_CHECKING:  # rich is loaded when an alert is printed, not by finding channels
    from rich.panel import Panel
    from rich.text import Text

COLOURS = {"info": "cyan", "warning": "yellow", "critical": "red"}


class ConsoleOptions(ChannelOptions):
    stream: Literal["stdout", "stderr"] = Field("stdout", description="stdout or stderr")
    max_posts: int = Field(5, description="posts shown per alert")


class ConsoleChannel(Channel):
    type = "console"
    Options = ConsoleOptions
    options: ConsoleOptions

    def _send(self, alert: Alert) -> SendResult:
        from rich.console import Console

        stream = sys.stdout if self.options.stream == "stdout" else sys.stderr
        # Text objects, never markup strings: a post containing "[red]" stays literal.
        console = Console(file=stream, highlight=False, emoji=False)
        console.print(render(alert, self.options.max_posts, self.timezone, self.lang))
        return SendResult.sent()


def render(alert: Alert, max_posts: int = 5, tz: str = "UTC", lang: Language = ENGLISH) -> Panel:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    _ = lang.gettext
    parts: list[Text] = [_text(summary(alert, lang))]
    facts = fact_lines(alert, lang)
    if facts:
        parts.append(_text(_("Why:") + " " + "; ".join(facts), style="dim"))
    for post in alert.posts[:max_posts]:
        parts.append(Text(""))
        parts.append(_text(post_meta(post, tz, lang), style="bold"))
        parts.append(_text(post.text))
        parts.append(_text(post.url, style="underline"))
    if len(alert.posts) > max_posts:
        more = _("… and {count} more posts").format(count=len(alert.posts) - max_posts)
        parts.append(Text(more, style="dim"))
    parts.append(Text(""))
    parts.append(_text(_("Next:") + " " + next_steps(alert, lang), style="italic"))
    title = _text(f"{lang.upper(kind_word(alert, lang))} · {alert_title(alert, lang)}")
    return Panel(Group(*parts), title=title, border_style=COLOURS.get(alert.severity, "white"))


def _text(value: str, style: str = "") -> Text:
    """Posts are untrusted: their terminal controls are shown, never obeyed."""
    from rich.text import Text

    return Text(printable(value), style=style)
