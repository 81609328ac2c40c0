"""``riskcore replay --save-state`` and ``--from`` in-process with the real simulation.

A run continued from a saved day writes the same Parquet bytes as the uninterrupted run; a
state that cannot be continued is one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskcore import cli

REPO = Path(__file__).resolve().parents[2]
LIMITS = REPO / "scenarios" / "position-limits.toml"
SETTLEMENT = REPO / "scenarios" / "settlement-day.toml"


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """``position-limits`` replayed with ``--save-state`` into ``tmp_path/src``."""
    out = tmp_path / "src"
    assert cli.main(["replay", str(LIMITS), "--out", str(out), "--save-state", "-q"]) == 0
    return out


def test_real_save_state_then_continue_is_byte_identical(saved, tmp_path, monkeypatch):
    assert sorted(p.name for p in (saved / "state").iterdir()) == [
        "2015-09-07", "2015-09-08", "2015-09-09"
    ]  # fmt: skip
    summary = json.loads((saved / "summary.json").read_text())
    assert summary["state"]["folder"] == "state" and len(summary["state"]["run_id"]) == 32
    monkeypatch.chdir(tmp_path)  # default --out of a continued run: runs/<name>-from-<day>
    assert cli.main(["replay", str(LIMITS), "--from", str(saved / "state" / "2015-09-07")]) == 0
    out = tmp_path / "runs" / "position-limits-from-2015-09-07"
    tables = sorted(p.name for p in saved.glob("*.parquet"))
    assert tables == sorted(p.name for p in out.glob("*.parquet"))
    for name in tables:
        assert (saved / name).read_bytes() == (out / name).read_bytes(), name
    cont = json.loads((out / "summary.json").read_text())["continued_from"]
    assert cont["day"] == "2015-09-07" and cont["rules_changed"] == []


def test_real_what_if_with_set(saved, tmp_path):
    out = tmp_path / "what-if"
    state = saved / "state" / "2015-09-08"
    argv = ["replay", str(LIMITS), "--from", str(state), "--out", str(out), "-q"]
    assert cli.main([*argv, "--set", "rules.position_limit=1"]) == 0
    cont = json.loads((out / "summary.json").read_text())["continued_from"]
    assert cont["rules_changed"] == ["position_limit"]
    assert (saved / "orders.parquet").read_bytes() != (out / "orders.parquet").read_bytes()


@pytest.mark.parametrize(
    ("scenario", "state", "extra", "message"),
    [
        (LIMITS, "2015-09-30", [], "no state folder"),
        (LIMITS, "2015-09-09", [], "last trading day: nothing to continue"),
        (SETTLEMENT, "2015-09-08", [], "is a state of scenario 'position-limits'"),
        (LIMITS, "2015-09-08", ["--set", 'rules.holidays=["2015-09-08"]'], "not one of the"),
        (LIMITS, "2015-09-08", ["--set", "scenario.days=2"], "last trading day"),
    ],
)
def test_real_state_errors_are_one_line_exit_2(
    saved, tmp_path, capsys, scenario, state, extra, message
):
    argv = ["replay", str(scenario), "--from", str(saved / "state" / state), "-q"]
    assert cli.main([*argv, "--out", str(tmp_path / "x"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_real_corrupt_state_and_own_folder(saved, tmp_path, capsys):
    state = saved / "state" / "2015-09-08"
    argv = ["replay", str(LIMITS), "--from", str(state), "-q"]
    assert cli.main([*argv, "--out", str(saved)]) == 2
    assert "is the run folder continued from" in capsys.readouterr().err
    (state / "state.json").write_text("{", encoding="utf-8")
    assert cli.main([*argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("riskcore: error: corrupt state folder") and err.count("\n") == 1
