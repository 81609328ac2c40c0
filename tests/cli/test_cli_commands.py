"""``riskcore validate``, ``list``, ``show`` and ``--version`` in-process."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from cli_helpers import SCENARIO, line_of

import riskcore
from riskcore import cli

REPO = Path(__file__).resolve().parents[2]


# --- validate -------------------------------------------------------------------------------
def test_validate_ok(scenario_file, capsys):
    assert cli.main(["validate", str(scenario_file)]) == 0
    assert capsys.readouterr().out == "ok: 2 orders, 2 accounts, 2 days\n"


def test_validate_prints_every_error_with_file_line_and_key(tmp_path, capsys):
    text = SCENARIO.replace('side = "buy"', 'side = "long"').replace(
        "qty = 1\nid", 'qty = "one"\nid'
    )
    text = text.replace("cash = 2_000_000\n\n[[accounts]]", "cash = -5\n\n[[accounts]]")
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert cli.main(["validate", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    cash = line_of(bad, "cash = -5")
    side = line_of(bad, 'side = "long"')
    qty = line_of(bad, 'qty = "one"')
    assert any(x.startswith(f"{bad}:{cash}: key 'accounts[0].cash': ") for x in lines), err
    assert any(x.startswith(f"{bad}:{side}: key 'orders[0].side': ") for x in lines), err
    assert any(x.startswith(f"{bad}:{qty}: key 'orders[0].qty': ") for x in lines), err
    assert lines[-1] == f"{bad}: 3 problems"


def test_validate_unknown_key_names_key_and_line(tmp_path, capsys):
    bad = tmp_path / "typo.toml"
    bad.write_text(SCENARIO.replace("seed = 3", "sed = 3"))
    assert cli.main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:{line_of(bad, 'sed = 3')}: key 'scenario.sed': unknown key" in err
    assert "did you mean 'seed'?" in err


def test_validate_with_set(scenario_file, capsys):
    assert cli.main(["validate", str(scenario_file), "--set", "scenario.days=4"]) == 0
    assert capsys.readouterr().out == "ok: 2 orders, 2 accounts, 4 days\n"
    assert cli.main(["validate", str(scenario_file), "--set", "scenario.days=0"]) == 2
    assert capsys.readouterr().err.startswith("--set scenario.days: 0 is out of range")


def test_validate_syntax_error(tmp_path, capsys):
    bad = tmp_path / "syntax.toml"
    bad.write_text("schema = 1\n[scenario\n")
    assert cli.main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"{bad}:2: TOML syntax error")


# --- list -----------------------------------------------------------------------------------
def test_list_shows_shipped_scenarios_and_rulebooks(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "Scenarios (shipped):" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "Quickstart: an opening auction" in rows["quickstart"]
    assert "Breaker day" in rows["breaker-day"]
    assert "Rulebooks:" in out
    assert "cffex-2010" in out and "The seed text as written" in out


def test_scenario_dirs_finds_the_repository_folder():
    assert REPO / "scenarios" in cli.scenario_dirs()


def test_list_dir(tmp_path, scenario_file, capsys):
    (tmp_path / "broken.toml").write_text("[scenario\n")
    assert cli.main(["list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Scenarios:" in out and "  tiny    A tiny scenario\n" in out
    assert "  broken  (cannot read:" in out
    assert "quickstart" not in out


def test_list_empty_and_missing_dir(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["list", "--dir", str(empty)]) == 0
    assert "(none in" in capsys.readouterr().out
    assert cli.main(["list", "--dir", str(tmp_path / "nope")]) == 2
    assert "riskcore: error: no such folder" in capsys.readouterr().err


# --- show -----------------------------------------------------------------------------------
@pytest.fixture
def run_dir(tmp_path) -> Path:
    d = tmp_path / "run"
    d.mkdir()
    pl.DataFrame(
        {"trade_no": list(range(30)), "price": [3500.0 + i for i in range(30)]}
    ).write_parquet(d / "trades.parquet")
    pl.DataFrame({"order_no": [0]}).write_parquet(d / "orders.parquet")
    summary = {
        "scenario": "tiny",
        "seed": 3,
        "counts": {"trades": 30, "orders": 1},
        "wall_time": 0.25,
        "failed_expectation": None,
    }
    (d / "summary.json").write_text(json.dumps(summary))
    return d


def test_show_summary(run_dir, capsys):
    assert cli.main(["show", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert f"run folder {run_dir}" in out
    assert "scenario:           tiny" in out
    assert "counts:\n  trades: 30\n  orders: 1" in out
    assert "failed_expectation: null" in out
    assert "tables: orders, trades" in out


def test_show_table_head(run_dir, capsys):
    assert cli.main(["show", str(run_dir), "--table", "trades", "--head", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("trades: 30 rows, 2 columns\nshape: (3, 2)")
    assert "3502.0" in out and "3503.0" not in out


def test_show_errors(run_dir, tmp_path, capsys):
    assert cli.main(["show", str(run_dir), "--table", "trade"]) == 2
    err = capsys.readouterr().err
    assert "no table 'trade'" in err and "did you mean 'trades'" in err
    assert cli.main(["show", str(tmp_path / "nope")]) == 2
    assert "no run folder" in capsys.readouterr().err
    (run_dir / "summary.json").unlink()
    assert cli.main(["show", str(run_dir)]) == 2
    assert "has no summary.json" in capsys.readouterr().err


# --- version, help ----------------------------------------------------------------------------
def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"riskcore {riskcore.__version__} (python ")
    assert "numba" in out and "polars" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "replay" in capsys.readouterr().err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["replay"])
    assert e.value.code == 2
