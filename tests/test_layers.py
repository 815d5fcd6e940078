"""Data flows one way: a stage never imports a later one (docs/architecture.md)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def project_imports(path: Path) -> set[str]:
    return {n for n in imports_of(path) if n.split(".")[0] in ("spiders", "monitor", "alerts")}


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", files("spiders"), ids=lambda p: p.name)
def test_spiders_import_only_spiders(path):
    assert {n for n in project_imports(path) if not n.startswith("spiders")} == set()


@pytest.mark.parametrize(
    "path", files("monitor/detectors") + files("monitor/analysis"), ids=lambda p: p.name
)
def test_detectors_never_import_channels(path):
    assert not any(n.startswith("alerts") for n in project_imports(path))


@pytest.mark.parametrize("path", files("alerts"), ids=lambda p: p.name)
def test_channels_never_query_the_store(path):
    assert not any(n.startswith("monitor.store") for n in project_imports(path))


def test_config_imports_no_later_stage():
    # Data types and text helpers that import nothing of the project themselves.
    leaves = {"monitor.alert", "monitor.folding", "monitor.query", "monitor.redact", "monitor.urls"}
    leaves |= {"monitor.i18n", "monitor.utf8"}
    assert project_imports(ROOT / "monitor" / "config.py") <= leaves
    for leaf in leaves:
        assert project_imports(ROOT / (leaf.replace(".", "/") + ".py")) == set()
