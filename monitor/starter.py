"""The starter settings `kulak init` writes (the repository's settings.yaml is this file)."""

from pathlib import Path

STARTER = Path(__file__).with_name("starter.yaml")
