"""Real sweeps on a shipped scenario: local workers, resume, failures, a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import riskcore
from riskcore.cli import load_with_sets
from riskcore.sweep import core, runner
from riskcore.sweep.metrics import (
    RUN_SCHEMA,
    initial_member_equity,
    member_metrics,
    run_metrics,
)

REPO = Path(__file__).resolve().parents[3]
SCENARIO = REPO / "scenarios" / "margin-call-liquidation.toml"
GRID = ["contracts.0.margin_rate=0.10,0.15"]
SEEDS = "0,3"
KEY = "contracts.0.margin_rate"


def comparable(df: pl.DataFrame) -> pl.DataFrame:
    """The table without wall times (the only column that differs between equal runs)."""
    return df.drop("wall_s", strict=False)


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory) -> tuple[Path, core.SweepOutcome]:
    """One sweep of 4 runs on 2 local worker processes."""
    out = tmp_path_factory.mktemp("sweep") / "out"
    res = core.run_sweep(SCENARIO, GRID, seeds=SEEDS, out=out, workers=2)
    return out, res


def test_local_sweep_equals_direct_runs(local_sweep):
    out, res = local_sweep
    df = pl.read_parquet(out / "metrics.parquet")
    assert df.equals(res.metrics)
    assert df[KEY].to_list() == [0.10, 0.10, 0.15, 0.15]
    assert df["seed"].to_list() == [0, 3, 0, 3]
    assert df["status"].to_list() == ["ok"] * 4
    assert res.total == 4 and res.ran == 4 and res.skipped == 0
    members = pl.read_parquet(out / "member_metrics.parquet")
    for row in df.iter_rows(named=True):
        sc = load_with_sets(SCENARIO, [f"{KEY}={row[KEY]}"], row["seed"])
        result = riskcore.run(sc)
        initial = initial_member_equity(sc)
        want = run_metrics(result.tables, initial)
        assert {k: row[k] for k in RUN_SCHEMA} == want
        got_members = members.filter(pl.col("run_id") == row["run_id"]).select(
            "member", "max_drawdown", "ending_equity", "margin_calls", "margin_call_amount"
        )
        assert got_members.equals(member_metrics(result.tables, initial))
    # the margin rate matters in this scenario: 10 % avoids the calls, 15 % makes more
    by_rate = dict(zip(df[KEY], df["margin_calls"], strict=False))
    assert by_rate[0.10] == 0 and by_rate[0.15] == 4
    info = json.loads((out / "sweep.json").read_text())
    assert info["scenario"] == "margin-call-liquidation"
    assert info["grid"] == [{"key": KEY, "values": ["0.10", "0.15"]}]
    assert info["seeds"] == [0, 3] and info["runs"] == 4 and info["failed"] == 0
    assert info["backend"] == {"kind": "local", "workers": 2}
    assert set(info["versions"]) >= {"riskcore", "numba", "polars"}


def test_resume_skips_finished_runs(local_sweep, tmp_path):
    out, first = local_sweep
    work = tmp_path / "out"
    work.mkdir()
    for p in (out / "runs").glob("*.parquet"):
        (work / "runs").mkdir(exist_ok=True)
        (work / "runs" / p.name).write_bytes(p.read_bytes())
    again = core.run_sweep(SCENARIO, GRID, seeds=SEEDS, out=work, workers=1)
    assert again.skipped == 4 and again.ran == 0
    assert comparable(again.metrics).equals(comparable(first.metrics))
    gone = first.metrics["run_id"][2]
    (work / "runs" / f"{gone}.parquet").unlink()
    logged: list[str] = []
    third = core.run_sweep(SCENARIO, GRID, seeds=SEEDS, out=work, workers=0, log=logged.append)
    assert third.skipped == 3 and third.ran == 1
    assert logged == [f"3 of 4 runs already finished in {work}: skipped"]
    assert comparable(third.metrics).equals(comparable(first.metrics))
    # a different grid in the same folder merges: shared runs are reused
    wider = core.run_sweep(
        SCENARIO, ["contracts.0.margin_rate=0.15,0.10"], seeds=[0], out=work, workers=0
    )
    assert wider.skipped == 2 and wider.ran == 0
    assert wider.metrics[KEY].to_list() == [0.15, 0.10]


def test_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    from riskcore import sim

    real_run = sim.run

    def flaky(scenario, **kw):
        if scenario.seed == 1:
            raise RuntimeError("boom\nsecond line")
        return real_run(scenario, **kw)

    monkeypatch.setattr(sim, "run", flaky)
    res = core.run_sweep(SCENARIO, None, seeds=3, out=tmp_path / "out", workers=0)
    assert res.metrics["status"].to_list() == ["ok", "failed", "ok"]
    failed = res.metrics.row(1, named=True)
    assert failed["error"] == "RuntimeError: boom second line"
    assert failed["trades"] is None and res.failed == 1
    assert json.loads((tmp_path / "out" / "sweep.json").read_text())["failed"] == 1
    # failed runs are retried on the next sweep; finished ones are not
    monkeypatch.setattr(sim, "run", real_run)
    again = core.run_sweep(SCENARIO, None, seeds=3, out=tmp_path / "out", workers=0)
    assert again.skipped == 2 and again.ran == 1
    assert again.metrics["status"].to_list() == ["ok"] * 3


def test_bad_variant_is_one_error_before_any_run(tmp_path):
    from riskcore.scenario import ScenarioError

    with pytest.raises(ScenarioError) as err:
        core.run_sweep(
            SCENARIO, [f"{KEY}=0.12,2.5", "scenario.days=1,2"], out=tmp_path / "o", workers=0
        )
    assert str(err.value).startswith(f"--grid {KEY}: 2.5 is out of range")
    assert f"(grid {KEY}=2.5, scenario.days=1)" in str(err.value)
    assert len(err.value.errors) == 1
    assert not (tmp_path / "o").exists()


def test_other_scenario_in_the_folder_is_an_error(local_sweep):
    out, _ = local_sweep
    with pytest.raises(riskcore.cli.UsageError, match="holds a sweep of scenario"):
        core.run_sweep(REPO / "scenarios" / "settlement-day.toml", out=out, workers=0)


def test_python_api_is_callable_package(tmp_path):
    df = riskcore.sweep(SCENARIO, {KEY: [0.15]}, out=tmp_path / "o", workers=0)
    assert df.height == 1 and df["seed"].to_list() == [1]  # the scenario's own seed
    assert df["status"][0] == "ok" and df["margin_calls"][0] == 4
    assert riskcore.sweep.sweep is core.sweep


def test_dask_cluster_gives_the_local_results(local_sweep, tmp_path):
    distributed = pytest.importorskip("distributed")
    _, local = local_sweep
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        argv = ["sweep", str(SCENARIO), "--grid", GRID[0], "--seeds", SEEDS, "--quiet"]
        argv += ["--out", str(tmp_path / "o"), "--scheduler", cluster.scheduler_address]
        assert riskcore.cli.main(argv) == 0
    info = json.loads((tmp_path / "o" / "sweep.json").read_text())
    assert info["backend"]["kind"] == "dask" and info["backend"]["threads"] == 2
    assert info["ran"] == 4
    metrics = pl.read_parquet(tmp_path / "o" / "metrics.parquet")
    members = pl.read_parquet(tmp_path / "o" / "member_metrics.parquet")
    assert comparable(metrics).equals(comparable(local.metrics))
    assert members.equals(local.members)


def test_missing_distributed_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(riskcore.cli.UsageError, match=r"riskcore\[distributed\]"):
        runner.connect("tcp://127.0.0.1:1")


def test_interrupt_keeps_finished_runs_and_stops_the_workers(tmp_path):
    import multiprocessing

    def progress(done, total, failed):
        if done == 1:
            raise KeyboardInterrupt

    out = tmp_path / "o"
    with pytest.raises(KeyboardInterrupt):
        core.run_sweep(SCENARIO, None, seeds=6, out=out, workers=2, progress=progress)
    assert len(list((out / "runs").glob("*.parquet"))) == 1
    assert not (out / "metrics.parquet").exists()
    assert multiprocessing.active_children() == []
    again = core.run_sweep(SCENARIO, None, seeds=6, out=out, workers=0)
    assert again.skipped == 1 and again.ran == 5


def test_a_grid_key_that_changes_nothing_is_named(tmp_path):
    """MARGIN-01: every contract of the scenario sets its own margin_rate, so a grid over the
    rulebook default changes no run; the sweep says so (it still runs)."""
    logged: list[str] = []
    core.run_sweep(
        SCENARIO, ["rules.margin_rate=0.12,0.15"], out=tmp_path / "s", workers=0,
        sets=["scenario.days=1"], log=logged.append,
    )  # fmt: skip
    assert any("--grid rules.margin_rate changes no contract here" in m for m in logged), logged
    logged.clear()
    core.run_sweep(
        SCENARIO, ["contracts.0.margin_rate=0.12,0.15"], out=tmp_path / "c", workers=0,
        sets=["scenario.days=1"], log=logged.append,
    )  # fmt: skip
    assert not any("changes no contract" in m for m in logged), logged
