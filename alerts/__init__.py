"""Alert channels, one per module: a module defining a `Channel` subclass is a channel type.

Adding a channel is adding a file; nothing here lists them by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from alerts.base import Channel, ChannelOptions, SendResult

__all__ = ["Channel", "ChannelOptions", "SendResult", "channel_options", "create", "registry"]


@cache
def registry() -> dict[str, type[Channel]]:
    """{type name: channel class} for every channel module in this package."""
    found: dict[str, type[Channel]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_") or module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Channel)
                and value.__module__ == module.__name__
                and "type" in vars(value)
            ):
                if value.type in found:
                    raise RuntimeError(f"two channels are called {value.type!r}")
                found[value.type] = value
    return found


def channel_options() -> dict[str, type[ChannelOptions]]:
    """{type name: options model}, what settings validation needs."""
    return {name: cls.Options for name, cls in registry().items()}


def create(type_name: str, options: ChannelOptions | dict[str, Any], name: str | None = None):
    """A channel instance from validated options (or a raw dict, validated here)."""
    cls = registry()[type_name]
    if not isinstance(options, cls.Options):
        options = cls.Options.model_validate(options)
    return cls(options, name=name)
