"""Prints alerts in the terminal: the channel used when none is configured."""

from __future__ import annotations

import sys
from typing import Literal

from pydantic import Field
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from alerts.base import Channel, ChannelOptions, SendResult
from alerts.wording import fact_lines, next_steps, post_meta
from monitor.alert import Alert
from monitor.printable import printable

COLOURS = {"info": "cyan", "warning": "yellow", "critical": "red"}


class ConsoleOptions(ChannelOptions):
    stream: Literal["stdout", "stderr"] = Field("stdout", description="stdout or stderr")
    max_posts: int = Field(5, description="posts shown per alert")


class ConsoleChannel(Channel):
    type = "console"
    Options = ConsoleOptions
    options: ConsoleOptions

    def _send(self, alert: Alert) -> SendResult:
        stream = sys.stdout if self.options.stream == "stdout" else sys.stderr
        # Text objects, never markup strings: a post containing "[red]" stays literal.
        console = Console(file=stream, highlight=False, emoji=False)
        console.print(render(alert, self.options.max_posts, self.timezone))
        return SendResult.sent()


def render(alert: Alert, max_posts: int = 5, tz: str = "UTC") -> Panel:
    parts: list[Text] = [_text(alert.summary)]
    facts = fact_lines(alert)
    if facts:
        parts.append(_text("Why: " + "; ".join(facts), style="dim"))
    for post in alert.posts[:max_posts]:
        parts.append(Text(""))
        parts.append(_text(post_meta(post, tz), style="bold"))
        parts.append(_text(post.text))
        parts.append(_text(post.url, style="underline"))
    if len(alert.posts) > max_posts:
        parts.append(Text(f"… and {len(alert.posts) - max_posts} more posts", style="dim"))
    parts.append(Text(""))
    parts.append(_text("Next: " + next_steps(alert), style="italic"))
    title = _text(f"{alert.kind.upper()} · {alert.title}")
    return Panel(Group(*parts), title=title, border_style=COLOURS.get(alert.severity, "white"))


def _text(value: str, style: str = "") -> Text:
    """Posts are untrusted: their terminal controls are shown, never obeyed."""
    return Text(printable(value), style=style)
