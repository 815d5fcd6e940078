"""Find the sources in `spiders/` (and channels in `alerts/`) by their files.

Adding a source is adding one file: nothing here lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import spiders
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
