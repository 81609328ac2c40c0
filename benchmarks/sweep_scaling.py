"""Sweep scaling: the same sweep with ``--workers 1`` and ``--workers 2``, wall time each.

Writes (seeded, in a temporary folder) a one-day scenario with a ``[flow]`` Parquet file of
``--messages`` limit orders around 3,500.0 from ``--accounts`` accounts, then times
``riskcore sweep`` as a whole process over a grid of ``--runs`` runs (a margin-rate axis
times seeds) into a fresh folder each time (nothing resumed), ``--repeat`` times per worker
count, alternating. A tiny sweep first warms numba's on-disk cache. Prints each sweep's wall
time with the median time of one run inside it and the load average before it (runs that
slow down with more workers mean the cores are busy with other work), then min and median
wall time per worker count and the speed-up ``t(1) / t(n)`` of the medians and of the
minima. Each worker pays its own start (imports and numba's cache, about 2 s), so the
speed-up approaches the worker count only when the runs are long next to that.

Examples
--------
``python benchmarks/sweep_scaling.py`` (12 runs, 3 repeats, workers 1 and 2)
``python benchmarks/sweep_scaling.py --runs 16 --messages 400000 --workers 1 2 4``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

SCENARIO = """\
schema = 1

[scenario]
name = "sweep-bench"
title = "Sweep scaling benchmark (generated)"
start = "2015-09-07"
days = 1
seed = 1

[[contracts]]
symbol = "IF1509"
multiplier = 300
tick = 0.2
margin_rate = 0.12
prev_settlement = 3500.0

[[members]]
id = "M01"

[[members]]
id = "M02"

{accounts}

[flow]
path = "flow.parquet"
"""


def make_flow(n: int, n_accounts: int, seed: int = 7) -> pl.DataFrame:
    """``n`` limit open orders (seeded): prices within 1 % of 3,500.0 on the 0.2 tick."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2015-09-07T09:30:00", "ns")
    span = np.int64(2 * 3600 * 10**9 - 10**9)  # 09:30 to 11:29:59
    offsets = np.sort(rng.integers(0, span, n))
    side = rng.integers(0, 2, n)
    ticks = 17500 + rng.integers(-150, 151, n) - np.where(side == 0, 20, -20)
    return pl.DataFrame(
        {
            "at": start + offsets.astype("timedelta64[ns]"),
            "account": np.char.add("C", rng.integers(0, n_accounts, n).astype(str)),
            "symbol": "IF1509",
            "side": np.where(side == 0, "buy", "sell"),
            "offset": "open",
            "type": "limit",
            "price": np.round(ticks * 0.2, 1),
            "qty": rng.integers(1, 4, n),
        }
    )


def prepare(folder: Path, messages: int, n_accounts: int) -> Path:
    """Write the scenario and its flow into ``folder``; return the scenario path."""
    accounts = "\n".join(
        f'[[accounts]]\nid = "C{i}"\nmember = "M0{1 + i % 2}"\ncash = 1_000_000_000\n'
        for i in range(n_accounts)
    )
    make_flow(messages, n_accounts).write_parquet(folder / "flow.parquet")
    path = folder / "sweep-bench.toml"
    path.write_text(SCENARIO.format(accounts=accounts), encoding="utf-8")
    return path


def sweep(scenario: Path, out: Path, runs: int, workers: int) -> tuple[float, float]:
    """Wall time of one ``riskcore sweep`` process of ``runs`` runs on ``workers``, and the
    median wall time of one run inside it (from ``metrics.parquet``)."""
    rates = ",".join(f"{0.10 + 0.01 * i:.2f}" for i in range(2))
    seeds = max(1, runs // 2)
    entry = "import sys; from riskcore.cli import main; sys.exit(main())"
    cmd = [sys.executable, "-c", entry, "sweep", str(scenario), "--quiet"]
    cmd += ["--grid", f"contracts.0.margin_rate={rates}", "--seeds", str(seeds)]
    cmd += ["--workers", str(workers), "--out", str(out)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t
    per_run = pl.read_parquet(out / "metrics.parquet")["wall_s"].median()
    return wall, float(per_run)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=12, help="runs per sweep (even; 12)")
    ap.add_argument("--messages", type=int, default=200_000, help="orders per run (200,000)")
    ap.add_argument("--accounts", type=int, default=200, help="accounts (200)")
    ap.add_argument("--repeat", type=int, default=3, help="sweeps per worker count (3)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="riskcore-sweep-bench-") as tmp:
        folder = Path(tmp)
        scenario = prepare(folder, args.messages, args.accounts)
        warm, _ = sweep(scenario, folder / "warm", 1, 1)
        print(f"{args.runs} runs of {args.messages:,} orders; warm-up sweep {warm:.2f} s")
        times: dict[int, list[float]] = {w: [] for w in args.workers}
        for r in range(args.repeat):
            for w in args.workers:
                load = os.getloadavg()[0]
                wall, per_run = sweep(scenario, folder / f"w{w}-r{r}", args.runs, w)
                times[w].append(wall)
                print(
                    f"  workers {w} repeat {r + 1}: {wall:.2f} s (median run {per_run:.2f} s, "
                    f"load average before {load:.1f} on {os.cpu_count()} CPUs)",
                    flush=True,
                )
    base = args.workers[0]
    print(f"{'workers':>7}  {'min s':>7}  {'median s':>8}  speed-up (median, min)")
    for w in args.workers:
        mn, med = min(times[w]), statistics.median(times[w])
        up_med = statistics.median(times[base]) / med
        up_min = min(times[base]) / mn
        print(f"{w:>7}  {mn:>7.2f}  {med:>8.2f}  {up_med:.2f}x, {up_min:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
