"""The service recipes in deploy/ name commands and options kulak really has."""

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"


def unit_commands() -> list[list[str]]:
    text = (DEPLOY / "kulak.service").read_text(encoding="utf-8")
    lines = re.findall(r"^Exec\w*=(\S+)(.*)$", text, flags=re.M)
    return [shlex.split(args) for program, args in lines if program.endswith("/kulak")]


def container_commands() -> list[list[str]]:
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    keys = ("ENTRYPOINT", "CMD", "HEALTHCHECK")
    found = {k: re.search(rf"^{k} (?:--\S+ )*(?:CMD )?(\[.*\])$", text, flags=re.M) for k in keys}
    entry, cmd, health = (json.loads(found[k].group(1)) for k in keys)
    assert entry == ["kulak"] and health[0] == "kulak"
    return [cmd, health[1:]]


@pytest.mark.parametrize("args", [*unit_commands(), *container_commands()], ids=" ".join)
def test_each_command_parses(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0, result.output


def test_the_unit_runs_the_service_and_stops_it_with_sigterm():
    text = (DEPLOY / "kulak.service").read_text(encoding="utf-8")
    assert ["run", "--log-format", "json"] in unit_commands()
    assert "KillSignal=SIGTERM" in text and "RestartPreventExitStatus=2" in text


def test_the_container_copies_every_package_kulak_installs():
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \1$", text, flags=re.M))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert copied == {name.rstrip("*") for name in packages}
