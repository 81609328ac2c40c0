"""``riskcore replay`` / ``show`` in-process with the real simulation on the quickstart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from riskcore import cli

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "scenarios" / "quickstart.toml"


@pytest.fixture
def quickstart_copy(tmp_path: Path) -> Path:
    """The quickstart and its flow file, copied into ``tmp_path``."""
    for name in ("quickstart.toml", "quickstart-flow.csv"):
        shutil.copy(REPO / "scenarios" / name, tmp_path / name)
    return tmp_path / "quickstart.toml"


def test_real_replay_check_then_show(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["replay", str(QUICKSTART), "--out", str(out), "--check"]) == 0
    stdout = capsys.readouterr().out
    assert "quickstart: 2 day(s), seed 1, rulebook seed" in stdout
    assert "check: 22 of 22 expectation(s) hold" in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed_expectation"] is None and summary["expectations_checked"] == 22
    trades = pl.read_parquet(out / "trades.parquet")
    assert trades.height == 18

    assert cli.main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "scenario:" in shown and "quickstart" in shown and "failed_expectation" in shown
    assert cli.main(["show", str(out), "--table", "trades", "--head", "2"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("trades: 18 rows") and "shape: (2, " in shown


def test_real_check_failure_exit_1(quickstart_copy, tmp_path, capsys):
    with quickstart_copy.open("a") as f:
        f.write(
            '\n[[expect]]\ntable = "prices"\nwhere = { day = "2015-09-07" }\n'
            "equals = { settlement_price = 3510.0 }\n"
        )
    out = tmp_path / "run"
    assert cli.main(["replay", str(quickstart_copy), "--out", str(out), "--check", "-q"]) == 1
    stdout = capsys.readouterr().out
    headers = [
        i
        for i, text in enumerate(quickstart_copy.read_text().splitlines(), 1)
        if text == "[[expect]]"
    ]
    assert len(headers) == 23
    line = headers[-1]
    assert (
        f'FAIL {quickstart_copy}:{line}: prices where {{ day = "2015-09-07" }}: '
        "expected settlement_price = 3510.0, got settlement_price = 3509.6"
    ) in stdout
    failed = json.loads((out / "summary.json").read_text())["failed_expectation"]
    assert failed["origin"] == f"{quickstart_copy}:{line}"
    assert failed["actual"] == "settlement_price = 3509.6"


def test_real_set_overrides_days(tmp_path):
    out = tmp_path / "run"
    args = ["replay", str(QUICKSTART), "--out", str(out), "-q", "--set", "scenario.days=1"]
    assert cli.main(args) == 0
    prices = pl.read_parquet(out / "prices.parquet")
    assert prices.height == 1
    assert json.loads((out / "summary.json").read_text())["days"] == 1
