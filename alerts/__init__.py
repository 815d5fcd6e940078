"""Alert channels, one per module: a module defining a `Channel` subclass is a channel type.

Adding a channel is adding a file (or a package announcing it under the `kulak.channels`
entry points); nothing here lists them by hand.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from alerts.base import Channel, ChannelOptions, SendResult
from monitor.plugins import discover, subclass_named

__all__ = ["Channel", "ChannelOptions", "SendResult", "channel_options", "create", "registry"]


@cache
def registry() -> dict[str, type[Channel]]:
    """{type name: channel class}; a channel's `type` equals its file's stem."""
    return discover("alerts", subclass_named(Channel, "type"))


def channel_options() -> dict[str, type[ChannelOptions]]:
    """{type name: options model}, what settings validation needs."""
    return {name: cls.Options for name, cls in registry().items()}


def create(
    type_name: str,
    options: ChannelOptions | dict[str, Any],
    name: str | None = None,
    timezone: str = "UTC",
    language: str = "en",
):
    """A channel instance from validated options (or a raw dict, validated here), showing
    times in `timezone` (kulak.timezone) and writing in `language` (kulak.language)."""
    cls = registry()[type_name]
    if not isinstance(options, cls.Options):
        options = cls.Options.model_validate(options)
    return cls(options, name=name, timezone=timezone, language=language)
