"""A damaged SQLite file: every command says what is wrong in one line and exits 1; no
traceback, whether the damage shows on opening or only deep in a command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.store import Store
from tests.helpers import BASE_SETTINGS, kulak, record

START = datetime(2026, 12, 1, tzinfo=UTC)


def stored(folder) -> tuple:
    """A settings file and its SQLite store holding 3,000 posts (most of the file)."""
    path = folder / "kulak.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    store.save(
        record(n, START + timedelta(minutes=n), "Demlik", text=f"Demlik Cafe {n} " + "ç" * 300)
        for n in range(1, 3001)
    )
    store.close()
    settings = folder / "settings.yaml"
    settings.write_text(
        BASE_SETTINGS.replace("kulak:\n", "kulak:\n  database: sqlite:///kulak.sqlite3\n")
        + "sources:\n  hackernews: {}\n",
        encoding="utf-8",
    )
    return settings, path


def assert_said_plainly(result, says: str) -> None:
    assert result.returncode == 1, result.stderr
    assert says in result.stderr and "kulak.database in the settings" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", [("status",), ("run",), ("export",)])
def test_a_truncated_file_is_named_by_every_command(tmp_path, command):
    settings, path = stored(tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    result = kulak(*command, "--config", str(settings), cwd=tmp_path)
    assert_said_plainly(result, "database disk image is malformed")


def test_damage_met_deep_in_a_command_is_said_plainly(tmp_path):
    settings, path = stored(tmp_path)
    size = path.stat().st_size
    with path.open("r+b") as handle:  # zeroes over pages of posts, past the schema
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(bytes(size // 5))
    for command in ("status", "export"):
        result = kulak(command, "--config", str(settings), cwd=tmp_path)
        assert_said_plainly(result, "the database failed: database disk image is malformed")
