"""``riskcore sweep`` on the command line (in-process; runs in this process: ``--workers 0``)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from riskcore import cli
from riskcore.sweep.command import SweepProgress

REPO = Path(__file__).resolve().parents[2]
SCENARIO = str(REPO / "scenarios" / "member-default.toml")


def test_sweep_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["sweep", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for option in ("--grid", "--seeds", "--set", "--workers", "--scheduler", "--out", "--quiet"):
        assert option in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--grid", "rules.x"], "expected KEY=V1,V2"),
        (["--grid", "rules.x=[1,2"], "unclosed bracket"),
        (["--grid", "scenario.seed=1,2"], "use --seeds"),
        (["--seeds", "many"], "expected N or a list"),
        (["--grid", "scenario.days=1,2", "--set", "scenario.days=3"], "also given with --set"),
        (["--workers", "1", "--scheduler", "tcp://x:1"], "cannot be used together"),
        (["--workers", "-1"], "must be 0"),
    ],
)
def test_bad_command_lines_exit_2(tmp_path, capsys, argv, message):
    out = tmp_path / "o"
    assert cli.main(["sweep", SCENARIO, "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_grid_value_exits_2_with_one_line_before_any_run(tmp_path, capsys):
    out = tmp_path / "o"
    rc = cli.main(["sweep", SCENARIO, "--out", str(out), "--grid", "scenario.days=1,zero"])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("--grid scenario.days:") and "(grid scenario.days=zero)" in err
    assert err.count("\n") == 1 and not out.exists()
    rc = cli.main(["sweep", SCENARIO, "--out", str(out), "--grid", "rules.no_such_rule=1"])
    assert rc == 2 and "unknown rule parameter" in capsys.readouterr().err


def test_real_sweep_in_process_then_resume(tmp_path, capsys):
    out = tmp_path / "o"
    argv = ["sweep", SCENARIO, "--out", str(out), "--workers", "0"]
    argv += ["--grid", "members.0.capital=100000,500000", "--seeds", "2"]
    assert cli.main(argv) == 0
    stdout = capsys.readouterr().out
    assert "sweep member-default: 4 runs (4 run, 0 skipped as finished, 0 failed)" in stdout
    df = pl.read_parquet(out / "metrics.parquet")
    assert df.columns[:3] == ["members.0.capital", "seed", "run_id"]
    assert df["members.0.capital"].to_list() == [100000, 100000, 500000, 500000]
    # more own capital, less taken from the funds
    used = dict(zip(df["members.0.capital"], df["fund_used"], strict=False))
    assert used[100000] > used[500000] > 0
    assert (df["layer_member_capital"] == df["members.0.capital"].cast(pl.Float64)).all()
    assert len(list((out / "runs").glob("*.parquet"))) == 4
    info = json.loads((out / "sweep.json").read_text())
    assert info["grid"] == [{"key": "members.0.capital", "values": ["100000", "500000"]}]

    assert cli.main([*argv, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "4 of 4 runs already finished" in captured.err
    assert "(0 run, 4 skipped as finished, 0 failed)" in captured.out


def test_failed_runs_exit_1(tmp_path, capsys, monkeypatch):
    from riskcore import sim

    def broken(scenario, **kw):
        raise MemoryError("out of memory")

    monkeypatch.setattr(sim, "run", broken)
    out = tmp_path / "o"
    rc = cli.main(["sweep", SCENARIO, "--out", str(out), "--workers", "0", "--seeds", "2"])
    assert rc == 1
    captured = capsys.readouterr()
    assert "2 failed" in captured.out
    assert "FAILED run" in captured.err and "MemoryError: out of memory" in captured.err
    df = pl.read_parquet(out / "metrics.parquet")
    assert df["status"].to_list() == ["failed", "failed"]


class FakeTTY:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_progress_bar_shows_runs_elapsed_and_eta(monkeypatch):
    stream = FakeTTY()
    clock = iter([100.0, 100.0, 110.0, 120.0])
    monkeypatch.setattr("riskcore.sweep.command.time.monotonic", lambda: next(clock))
    bar = SweepProgress(stream)
    bar(2, 10, 0)  # 2 found finished: no pace yet
    assert "2/10 runs" in stream.text and "ETA --:--" in stream.text
    bar(4, 10, 1)  # 2 runs in 10 s -> 6 more take 30 s
    assert "4/10 runs  elapsed 0:10  ETA 0:30  (1 failed)" in stream.text
    bar.close()
    assert stream.text.endswith("\r\x1b[K")
