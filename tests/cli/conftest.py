"""Fixtures of the CLI tests (helpers live in ``cli_helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import FAILING_EXPECT, SCENARIO, FakeSim

from riskcore import cli


@pytest.fixture
def fake_sim(monkeypatch) -> FakeSim:
    sim = FakeSim()
    monkeypatch.setattr(cli, "simulate", sim)
    return sim


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    """A valid scenario file (its flow is inline) in ``tmp_path``."""
    path = tmp_path / "tiny.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def failing_file(tmp_path: Path) -> Path:
    """The same scenario with one more, failing, expectation."""
    path = tmp_path / "failing.toml"
    path.write_text(SCENARIO + FAILING_EXPECT, encoding="utf-8")
    return path
