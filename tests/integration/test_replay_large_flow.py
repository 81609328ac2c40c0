"""A million-order Parquet flow replays within the memory budget (SCENARIO.md ``[flow]``).

The flow is generated vectorised in the test (seeded), written as Parquet next to a
scenario with 200 accounts at 5 members, and replayed in a subprocess whose peak resident
memory is read with ``resource.getrusage(RUSAGE_CHILDREN)``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap

import numpy as np
import polars as pl
import pytest

N = 1_000_000
N_ACCOUNTS = 200
H = 3_600 * 10**9
PEAK_LIMIT_MB = 1_500


def flow(n: int, seed: int = 1) -> pl.DataFrame:
    """``n`` orders over two trading days (24-25 Aug 2015): 30 % cancels of a recent order
    of the same account, the rest limit opens around 3500.0; 1 % at 12:00 (lunch: closed)."""
    rng = np.random.default_rng(seed)
    day0 = int(np.datetime64("2015-08-24", "ns").astype(np.int64))
    tt = np.sort(rng.integers(0, int(9 * H), n))  # trading time over two days of 4.5 h
    day, t = tt // int(4.5 * H), tt % int(4.5 * H)
    tod = np.where(t < 2.25 * H, int(9.25 * H) + t, 13 * H + t - int(2.25 * H))
    tod = np.where(rng.random(n) < 0.01, 12 * H, tod)
    at = day0 + day * 24 * H + tod
    idx = np.arange(n)
    is_cancel = rng.random(n) < 0.30
    target = np.maximum(idx - rng.integers(1, 50, n), 0)
    acc = rng.integers(0, N_ACCOUNTS, n)
    acc = np.where(is_cancel, acc[target], acc)
    buy = rng.random(n) < 0.5
    away = np.where(rng.random(n) < 0.1, -5, np.abs(rng.normal(0, 8, n)).round())
    price = np.round(np.where(buy, 17_500 - away, 17_500 + away) * 0.2, 1)
    ids = pl.Series(idx).cast(pl.String)
    df = pl.DataFrame(
        {
            "at": pl.Series(at).cast(pl.Datetime("ns")),
            "c": is_cancel,
            "account": pl.Series(acc).cast(pl.String),
            "buy": buy,
            "price0": price,
            "qty0": rng.integers(1, 10, n),
            "ids": ids,
            "tgt": ids.gather(target),
        }
    )
    new = ~pl.col("c")
    return df.select(
        "at",
        pl.when(new).then(pl.lit("new")).otherwise(pl.lit("cancel")).alias("action"),
        pl.concat_str(pl.lit("A"), pl.col("account")).alias("account"),
        pl.when(new).then(pl.lit("IF1509")).alias("symbol"),
        pl.when(new)
        .then(pl.when(pl.col("buy")).then(pl.lit("buy")).otherwise(pl.lit("sell")))
        .alias("side"),
        pl.when(new).then(pl.lit("open")).alias("offset"),
        pl.when(new).then(pl.lit("limit")).alias("type"),
        pl.when(new).then(pl.col("price0")).alias("price"),
        pl.when(new).then(pl.col("qty0")).alias("qty"),
        pl.when(new).then(pl.concat_str(pl.lit("o"), pl.col("ids"))).alias("id"),
        pl.when(~new).then(pl.concat_str(pl.lit("o"), pl.col("tgt"))).alias("target"),
    )


def scenario_text() -> str:
    members = "\n".join(f'[[members]]\nid = "M{i}"\n' for i in range(5))
    accounts = "\n".join(
        f'[[accounts]]\nid = "A{i}"\nmember = "M{i % 5}"\ncash = 1e12\n' for i in range(N_ACCOUNTS)
    )
    head = textwrap.dedent(
        """\
        schema = 1
        [scenario]
        name = "million"
        start = "2015-08-24"
        days = 2
        [rules]
        position_limit = false
        [[contracts]]
        symbol = "IF1509"
        multiplier = 300
        tick = 0.2
        prev_settlement = 3500.0
        [flow]
        path = "flow.parquet"
        """
    )
    return head + members + accounts


RUNNER = """
import json, sys, time
import riskcore.sim as sim
t = time.perf_counter()
res = sim.run(sys.argv[1])
res.save(sys.argv[2])
print(json.dumps({"wall": time.perf_counter() - t, "time_s": res.summary["time_s"],
                  "orders": res["orders"].height, "trades": res["trades"].height}))
"""


@pytest.mark.slow
def test_million_order_parquet_flow_replays_under_1_5_gb(tmp_path):
    """A 1,000,000-order Parquet flow: every order gets a row, peak RSS < 1.5 GB."""
    flow(N).write_parquet(tmp_path / "flow.parquet")
    (tmp_path / "s.toml").write_text(scenario_text(), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(tmp_path / "s.toml"), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n1M-order replay: {report}, peak RSS {peak_mb:.0f} MB (before: {before / 1024:.0f})")
    assert report["orders"] == N
    assert peak_mb < PEAK_LIMIT_MB
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["messages"] == N
    orders = pl.read_parquet(tmp_path / "out" / "orders.parquet", columns=["status", "reason"])
    closed = orders.filter(pl.col("reason") == "MARKET_CLOSED").height
    assert 0.005 * N < closed < 0.02 * N  # the lunch-break orders
