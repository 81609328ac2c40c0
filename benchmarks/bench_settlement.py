"""Daily settlement of many accounts: ``riskcore.risk.settle`` timed on synthetic state.

    python benchmarks/bench_settlement.py                    # 1,000,000 accounts x 16 contracts
    python benchmarks/bench_settlement.py --accounts 100000 --fills 200000 --repeat 5

One call settles every account (SETTLE-02 mark to market of yesterday's positions and the
day's fills, MARGIN-01/04 trading margin at the settlement price and a new margin rate, the
reserve, MARGIN-06 margin calls). Target: 1,000,000 accounts x 16 contracts in <= 1 s.

Inputs (seeded): yesterday's positions with about a third of the positions non-zero (1-9
lots a side; the short side a permutation of the long side, so every contract balances), the
day's fills (``--fills``, default 2 per account) between random accounts at prices around the
previous settlement, settlement prices moved by up to 2 %, engine state at the close (reserve,
margin, realised P&L). Times are the best of ``--repeat`` runs; the first run (page faults,
caches) is not counted. ``--check`` asserts SETTLE-03 on the result before timing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from riskcore.records import FILL_DTYPE, MARGIN_BOTH
from riskcore.risk import check_conservation, settle


def settlement_inputs(
    n_accounts: int, n_contracts: int = 16, n_fills: int | None = None, seed: int = 1
) -> dict:
    """Keyword arguments of :func:`riskcore.risk.settle` for a synthetic day (see the module
    docstring)."""
    rng = np.random.default_rng(seed)
    n_fills = 2 * n_accounts if n_fills is None else n_fills
    shape = (n_accounts, n_contracts)
    held = rng.random(shape) < 0.33
    long_prev = np.where(held, rng.integers(1, 10, shape), 0).astype(np.int64)
    short_prev = long_prev[rng.permutation(n_accounts)]  # same totals per contract
    prev = rng.integers(15_000, 25_000, n_contracts).astype(np.int64)
    now = prev + np.round(prev * rng.uniform(-0.02, 0.02, n_contracts)).astype(np.int64)
    fills = np.zeros(n_fills, dtype=FILL_DTYPE)
    fills["buy_account"] = rng.integers(0, n_accounts, n_fills)
    fills["sell_account"] = rng.integers(0, n_accounts, n_fills)
    fills["contract"] = rng.integers(0, n_contracts, n_fills)
    fills["price"] = prev[fills["contract"]] + rng.integers(-300, 300, n_fills)
    fills["qty"] = rng.integers(1, 10, n_fills)
    # positions after the day: yesterday's moved by the fills' net lots, kept >= 0
    net = np.zeros(shape, dtype=np.int64)
    np.add.at(net, (fills["buy_account"], fills["contract"]), fills["qty"].astype(np.int64))
    np.add.at(net, (fills["sell_account"], fills["contract"]), -fills["qty"].astype(np.int64))
    long = long_prev + np.maximum(net, 0)
    short = short_prev + np.maximum(-net, 0)
    tick_value = np.full(n_contracts, 60.0)
    return {
        "long_prev": long_prev,
        "short_prev": short_prev,
        "long": long,
        "short": short,
        "prev_settle": prev,
        "settle": now,
        "tick_value": tick_value,
        "margin_rate": np.full(n_contracts, 0.12),
        "fills": fills,
        "reserve_close": rng.uniform(1e5, 1e7, n_accounts),
        "margin_close": rng.uniform(0.0, 2e6, n_accounts),
        "realised": rng.normal(0.0, 1e4, n_accounts),
        "method": MARGIN_BOTH,
    }


def best_time(inputs: dict, repeat: int) -> float:
    """Best wall time (s) of ``repeat`` calls of ``settle(**inputs)`` after one warm-up."""
    settle(**inputs)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        settle(**inputs)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--accounts", type=int, default=1_000_000)
    p.add_argument("--contracts", type=int, default=16)
    p.add_argument("--fills", type=int, default=None, help="default: 2 per account")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", action="store_true", help="assert SETTLE-03 first")
    args = p.parse_args(argv)
    inputs = settlement_inputs(args.accounts, args.contracts, args.fills, args.seed)
    if args.check:
        res = settle(**inputs)
        check_conservation(long=inputs["long_prev"], short=inputs["short_prev"],
                           pnl_ticks=res.pnl_ticks)  # fmt: skip
        print("check: Σ P&L = 0 in every contract (SETTLE-03)")
    secs = best_time(inputs, args.repeat)
    n = args.accounts * args.contracts
    print(
        f"settlement: {args.accounts:,} accounts x {args.contracts} contracts, "
        f"{len(inputs['fills']):,} fills: {secs:.3f} s ({n / secs / 1e6:.1f} M positions/s)"
    )


if __name__ == "__main__":
    main()
