"""What kulak writes about people is never world-readable, whatever the umask allows:
the database 0600, exports, previews and alert files 0640."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import pytest

from tests.helpers import kulak, write_settings


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common default (022), which makes new files world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_exports_previews_and_alert_files_are_not_world_readable(
    tmp_path, permissive_umask
):
    settings = write_settings(tmp_path, "")
    config = ("--config", str(settings))
    assert kulak("status", *config, cwd=tmp_path).returncode == 0
    database = tmp_path / "kulak.sqlite3"
    assert mode(database) == 0o600
    assert mode(tmp_path / "kulak.sqlite3.run-lock") == 0o600

    exported = kulak("export", "--format", "csv", "-o", "posts.csv", *config, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert mode(tmp_path / "posts.csv") == 0o640
    assert (tmp_path / "posts.csv").read_text(encoding="utf-8").startswith("source,")
    previewed = kulak("digest", "--preview", "digest.html", *config, cwd=tmp_path)
    assert previewed.returncode == 0, previewed.stderr
    assert mode(tmp_path / "digest.html") == 0o640


def test_the_jsonl_channel_makes_its_file_for_owner_and_group(tmp_path, permissive_umask):
    from alerts.jsonl import JsonlChannel, JsonlOptions
    from tests.alerts.conftest import RISK

    path = tmp_path / "alerts.jsonl"
    assert JsonlChannel(JsonlOptions(path=path)).send(RISK).ok
    assert mode(path) == 0o640


def test_export_to_standard_output_still_works(tmp_path):
    settings = write_settings(tmp_path, "")
    exported = kulak("export", "--format", "csv", "--config", str(settings), cwd=tmp_path)
    assert exported.stdout.startswith("source,external_id")
