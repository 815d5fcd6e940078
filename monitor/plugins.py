"""One way to find every unit: sources, channels, detectors and demo sources.

A unit is a class (or, for demo sources, a module) in its own file of a package, named by
that file's stem, or one that an installed distribution announces under an entry-point
group, so a third party can ship a source or a channel as a package of its own (as
Apprise's plugins and Huginn's agent types are found). Nothing lists units by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

#: entry-point groups a distribution can add units under
GROUPS = {
    "spiders": "kulak.sources",
    "alerts": "kulak.channels",
    "monitor.detectors": "kulak.detectors",
    "monitor.demo.sources": "kulak.demo_sources",
}


def discover(package: str, accept: Callable[[str, Any], bool]) -> dict[str, Any]:
    """{unit name: unit} for each module of `package` holding a unit `accept`s (the module
    itself or something it defines), then each entry point of the package's group."""
    found: dict[str, Any] = {}
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        unit = next((u for u in _candidates(module) if accept(info.name, u)), None)
        if unit is not None:
            found[info.name] = unit
    for point in entry_points(group=GROUPS[package]):
        unit = point.load()
        if not accept(point.name, unit):
            raise TypeError(
                f"entry point {point.name!r} of {point.group} ({point.value}) is not a unit "
                f"of {package}, or its name differs from the entry point's"
            )
        if point.name in found:
            raise RuntimeError(f"two units of {package} are called {point.name!r}")
        found[point.name] = unit
    return found


def _candidates(module: ModuleType) -> list[Any]:
    """The module and what it defines itself (not what it imports)."""
    own = [
        value
        for value in vars(module).values()
        if getattr(value, "__module__", None) == module.__name__ and isinstance(value, type)
    ]
    return [module, *own]


def subclass_named(base: type, attribute: str = "name") -> Callable[[str, Any], bool]:
    """Accepts a subclass of `base` that declares `attribute` equal to the unit's name."""

    def accept(name: str, value: Any) -> bool:
        return (
            isinstance(value, type)
            and issubclass(value, base)
            and value is not base
            and vars(value).get(attribute) == name
        )

    return accept
