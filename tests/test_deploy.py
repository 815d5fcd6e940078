"""The service recipes in deploy/ name commands and options kulak really has."""

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


def constraints() -> dict[str, Requirement]:
    text = (DEPLOY / "constraints.txt").read_text(encoding="utf-8")
    pins = [Requirement(line) for line in text.splitlines() if line and not line.startswith("#")]
    return {canonicalize_name(pin.name): pin for pin in pins}


def test_the_container_installs_the_pinned_versions():
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    assert "COPY deploy/constraints.txt ./" in text
    assert "pip install --no-cache-dir -c constraints.txt ." in text


def test_the_constraints_pin_every_dependency_within_pyproject_ranges():
    pins = constraints()
    for pin in pins.values():
        (spec,) = pin.specifier  # one exact version each
        assert spec.operator == "==" and not pin.marker and not pin.extras, pin
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for line in project["project"]["dependencies"]:
        needed = Requirement(line)
        pin = pins.get(canonicalize_name(needed.name))
        assert pin is not None, f"{needed.name} is not pinned in deploy/constraints.txt"
        (spec,) = pin.specifier
        assert needed.specifier.contains(spec.version), f"{pin} is outside {needed}"
        for extra in needed.extras:  # psycopg[binary] needs psycopg-binary
            assert canonicalize_name(f"{needed.name}-{extra}") in pins


def test_private_apis_are_bounded_above():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    bounded = {
        canonicalize_name(r.name)
        for r in map(Requirement, project["project"]["dependencies"])
        if any(spec.operator in ("<", "<=", "~=", "==") for spec in r.specifier)
    }
    assert {"scrapy", "slack-sdk", "vadersentiment"} <= bounded


def test_the_unit_makes_files_for_kulak_and_its_group_only():
    text = (DEPLOY / "kulak.service").read_text(encoding="utf-8")
    assert re.search(r"^UMask=0027$", text, flags=re.M)
