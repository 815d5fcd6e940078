"""Everything a user can name is documented: commands, sources, channels."""

from pathlib import Path

import pytest

from alerts import registry as channel_registry
from monitor.cli import main
from monitor.detect import detector_options
from monitor.registry import spider_classes

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


@pytest.mark.parametrize("detector", sorted(detector_options()))
def test_every_detector_option_is_described_in_the_readme(detector):
    for name, field in detector_options()[detector].model_fields.items():
        assert field.description, f"{detector}.{name}"
        assert f"| `{detector}.{name}` |" in README
