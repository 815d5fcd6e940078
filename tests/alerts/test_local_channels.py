"""The console channel (the default) and the JSON-lines file channel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import alerts
from alerts.console import ConsoleChannel
from alerts.jsonl import JsonlChannel, JsonlOptions
from monitor.alert import Alert
from tests.alerts.conftest import HOSTILE_POST, RISK, SPIKE


def test_console_prints_what_a_person_needs(capsys: pytest.CaptureFixture[str]) -> None:
    assert ConsoleChannel().send(SPIKE).ok
    out = capsys.readouterr().out
    assert "SPIKE · Negative spike for Kahve Durağı" in out
    assert "now 37 vs usual 4.2 (×8.8)" in out
    assert "Ayşe K. (@ayse_k) · 12.8k followers · 230 likes · 41 reposts" in out
    assert "https://news.ycombinator.com/item?id=41000001" in out
    assert "Next:" in out


def test_console_prints_markup_in_posts_literally(capsys: pytest.CaptureFixture[str]) -> None:
    post = HOSTILE_POST.__class__(**{**HOSTILE_POST.__dict__, "text": "[bold red]boo[/] :smile:"})
    alert = Alert(**{**SPIKE.__dict__, "posts": (post,)})
    ConsoleChannel().send(alert)
    assert "[bold red]boo[/] :smile:" in capsys.readouterr().out


def test_jsonl_appends_one_alert_per_line(tmp_path: Path) -> None:
    path = tmp_path / "out" / "alerts.jsonl"
    channel = JsonlChannel(JsonlOptions(path=path))
    assert channel.send(SPIKE).ok and channel.send(RISK).ok

    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == [SPIKE.key, RISK.key]
    assert Alert.from_json(lines[0]) == SPIKE


def test_jsonl_into_a_directory_is_a_permanent_failure(tmp_path: Path) -> None:
    result = JsonlChannel(JsonlOptions(path=tmp_path)).send(SPIKE)
    assert result.status == "failed" and str(tmp_path) in result.reason


def test_registry_finds_every_channel_with_its_options() -> None:
    found = alerts.registry()
    assert {"console", "jsonl", "slack", "email"} <= set(found)
    for name, cls in found.items():
        assert cls.type == name
        assert cls.Options.model_config.get("extra") == "forbid"
    assert alerts.channel_options()["jsonl"] is JsonlOptions
