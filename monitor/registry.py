"""Find the sources in `spiders/` (and channels in `alerts/`) by their files.

Adding a source is adding one file: nothing here lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

import spiders
from monitor.config import Settings, load_settings
from spiders.base import KulakSpider


@cache
def spider_classes() -> dict[str, type[KulakSpider]]:
    """Source type -> spider class; a spider's `name` equals its file's stem."""
    found: dict[str, type[KulakSpider]] = {}
    for module_info in pkgutil.iter_modules(spiders.__path__):
        if module_info.name in ("base", "items"):
            continue
        module = importlib.import_module(f"spiders.{module_info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, KulakSpider)
                and value is not KulakSpider
                and value.__module__ == module.__name__
                and getattr(value, "name", None) == module_info.name
            ):
                found[module_info.name] = value
    return found


def source_options() -> dict[str, type]:
    return {name: cls.Options for name, cls in spider_classes().items()}


def channel_options() -> dict[str, type]:
    from alerts import channel_options as options

    return options()


def detector_options() -> dict[str, type]:
    from monitor.detect import detector_options as options

    return options()


def load(
    path: str | Path, env: Mapping[str, str] | None = None, *, channel_secrets: bool = True
) -> Settings:
    """Settings from a file, validated against every source's, channel's and detector's
    options; `channel_secrets=False` for a command that sends nothing."""
    return load_settings(
        path,
        source_options=source_options(),
        channel_options=channel_options(),
        detector_options=detector_options(),
        env=env,
        channel_secrets=channel_secrets,
    )


def database_url(settings: Settings) -> str:
    """The store's URL; a relative SQLite path is taken from the settings file's folder."""
    url = make_url(settings.general.database)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute() and settings.path is not None:
            url = url.set(database=str(settings.path.resolve().parent / path))
    return url.render_as_string(hide_password=False)


def channels(settings: Settings) -> dict[str, Any]:
    """Channel instances by name; the console when none is configured."""
    from alerts import create

    configured = {c.name: create(c.type, c.options, name=c.name) for c in settings.enabled_channels}
    return configured or {"console": create("console", {})}
