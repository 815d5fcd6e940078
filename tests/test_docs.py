"""Everything a user can name is documented: commands, sources, channels."""

from datetime import timedelta
from pathlib import Path

import pytest

from alerts import registry as channel_registry
from monitor.cli import main
from monitor.config import InboxSettings, SentimentModel, human_duration
from monitor.registry import detector_options, spider_classes

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_readme(command):
    assert f"kulak {command}" in README


@pytest.mark.parametrize("source", sorted(spider_classes()))
def test_every_source_is_in_the_readme(source):
    assert f"| `{source}` |" in README


@pytest.mark.parametrize("channel", sorted(channel_registry()))
def test_every_channel_is_in_the_readme(channel):
    assert f"| `{channel}` |" in README


@pytest.mark.parametrize("source", sorted(spider_classes()))
def test_every_source_option_is_described(source):
    options = spider_classes()[source].Options
    from spiders.base import SourceOptions

    for name, field in options.model_fields.items():
        inherited = SourceOptions.model_fields.get(name)
        assert field.description or (inherited and inherited.description), f"{source}.{name}"


@pytest.mark.parametrize("channel", sorted(channel_registry()))
def test_every_channel_option_is_described(channel):
    for name, field in channel_registry()[channel].Options.model_fields.items():
        assert field.description, f"{channel}.{name}"


def readme_default(value: object) -> str | None:
    """How the README's options table writes a default; None where it words it."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, timedelta):
        return f"`{human_duration(value)}`"
    if isinstance(value, int | float):
        return f"`{value:g}`"
    return None


@pytest.mark.parametrize("detector", sorted(detector_options()))
def test_every_detector_option_is_described_in_the_readme_with_its_default(detector):
    for name, field in detector_options()[detector].model_fields.items():
        assert field.description, f"{detector}.{name}"
        default = readme_default(field.get_default(call_default_factory=True))
        row = f"| `{detector}.{name}` | {default or ''}"
        assert row in README, row


#: settings sections documented as a table of `section.key` rows
SECTIONS = {"sentiment.model": SentimentModel, "inbox": InboxSettings}


@pytest.mark.parametrize(
    ("section", "key"),
    [(section, key) for section, model in SECTIONS.items() for key in sorted(model.model_fields)],
)
def test_every_section_setting_is_in_the_readme_with_its_default(section, key):
    field = SECTIONS[section].model_fields[key]
    assert field.description, key
    default = readme_default(field.get_default(call_default_factory=True))
    row = f"| `{section}.{key}` | {default or ''}"
    assert row in README, row
