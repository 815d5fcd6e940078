"""Every unit by its name: sources in `spiders/`, channels in `alerts/`, detectors in
`monitor/detectors/`, found by `monitor.plugins.discover` (their files, or a third party's
entry points). Adding one is adding a file: nothing here lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator
from sqlalchemy.engine import make_url

from monitor.config import Settings, load_settings
from monitor.plugins import discover, subclass_named
from spiders.base import KulakSpider

if TYPE_CHECKING:
    from monitor.detectors.base import Detector


@cache
def spider_classes() -> dict[str, type[KulakSpider]]:
    """Source type -> spider class; a spider's `name` equals its file's stem."""
    return discover("spiders", subclass_named(KulakSpider))


@cache
def detector_classes() -> dict[str, type[Detector]]:
    """Detector name (its alerts' kind) -> class, most prominent first."""
    from monitor.detectors.base import Detector

    found = discover("monitor.detectors", subclass_named(Detector))
    return dict(sorted(found.items(), key=lambda item: (item[1].prominence, item[0])))


def source_options() -> dict[str, type]:
    return {name: cls.Options for name, cls in spider_classes().items()}


def channel_options() -> dict[str, type]:
    from alerts import channel_options as options

    return options()


def known_kind(kind: str) -> str:
    """An alert kind as channel options take it: the name of an installed detector."""
    if kind not in detector_classes():
        raise ValueError(f"unknown alert kind {kind!r} (known: {', '.join(detector_classes())})")
    return kind


#: an option naming an alert kind (Slack routes, kinds mailed at once...)
KnownKind = Annotated[str, AfterValidator(known_kind)]


def detector_options() -> dict[str, type]:
    """Each detector's options model, by the name its `detectors:` entry takes."""
    return {name: cls.Options for name, cls in detector_classes().items()}


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

    tz, lang = settings.general.timezone, settings.general.language
    configured = {
        c.name: create(c.type, c.options, name=c.name, timezone=tz, language=lang)
        for c in settings.enabled_channels
    }
    return configured or {"console": create("console", {}, timezone=tz, language=lang)}
