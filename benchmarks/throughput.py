"""Matching throughput of the numba engine and the reference engine, side by side.

    python benchmarks/throughput.py                  # both flows, default sizes
    python benchmarks/throughput.py --check          # first prove both engines agree
    python benchmarks/throughput.py --flow risk --messages 5000000

Flows (seeded, ``riskcore.flows``):

- **standard**: 1 contract, 1,000 accounts; 30% cancels of a uniformly random earlier order,
  70% new limit orders of 1-19 lots priced |N(0, 8 ticks)| from the mid on their passive
  side, 10% of them crossing the mid by 5 ticks.
- **risk**: the same mix over 16 contracts and 100,000 accounts with every pre-trade check
  binding somewhere (position and member limits, thin reserves, restricted accounts, closes).

Each engine gets the whole flow in one ``submit`` (one kernel call for the numba engine).
The reference engine is timed on a prefix (it is ~100x slower); the ratio compares both
engines on that same prefix. Times are the best of ``--repeat`` runs, excluding the first
(compile / cache load) run.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from riskcore.engine import Engine
from riskcore.engine.layout import ORDER_DTYPE
from riskcore.flows import risk_flow, standard_flow
from riskcore.reference import ReferenceEngine

FLOWS = {"standard": standard_flow, "risk": risk_flow}


def best_time(make_engine, msgs, repeat: int) -> float:
    """Best wall time (s) of ``repeat`` fresh-engine runs of ``submit(msgs)``."""
    best = float("inf")
    for _ in range(repeat):
        engine = make_engine()
        t0 = time.perf_counter()
        engine.submit(msgs)
        best = min(best, time.perf_counter() - t0)
    return best


def agree(market, msgs) -> str:
    """Run both engines on ``msgs``; raise if fills, order states, books or positions differ."""
    nb, ref = Engine(market), ReferenceEngine(market)
    a, b = nb.submit(msgs), ref.submit(msgs)
    for name in ("events", "fills"):
        x, y = getattr(a, name), getattr(b, name)
        if len(x) != len(y) or any(not np.array_equal(x[f], y[f]) for f in x.dtype.names):
            raise SystemExit(f"engines disagree: {name}")
    nos = msgs["order_no"]
    for u, v in zip(nb.order_status(nos), ref.order_status(nos), strict=True):
        if not np.array_equal(u, v):
            raise SystemExit("engines disagree: order states")
    if nb.book() != ref.book():
        raise SystemExit("engines disagree: books")
    pa, pb = nb.positions(), ref.positions()
    if any(not np.array_equal(pa[f], pb[f]) for f in pa.dtype.names):
        raise SystemExit("engines disagree: positions")
    nb.check()
    ref.check()
    return f"{len(a.fills):,} fills, {len(nb.book()):,} resting orders"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--flow", choices=[*FLOWS, "all"], default="all")
    p.add_argument("--messages", type=int, default=4_000_000, help="numba engine flow length")
    p.add_argument("--reference-messages", type=int, default=200_000, help="reference prefix")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", action="store_true", help="prove both engines agree first")
    p.add_argument("--no-events", action="store_true", help="numba engine without event log")
    args = p.parse_args(argv)

    print(f"order slot: {ORDER_DTYPE.itemsize} bytes; repeat {args.repeat}; seed {args.seed}")
    header = f"{'flow':9} {'engine':12} {'messages':>10} {'seconds':>8} {'msgs/s':>12}"
    print(header + f" {'ratio':>7}")
    print("-" * (len(header) + 8))
    for name in FLOWS if args.flow == "all" else [args.flow]:
        market, msgs = FLOWS[name](max(args.messages, args.reference_messages), args.seed)
        prefix = msgs[: args.reference_messages]
        if args.check:
            print(f"{name:9} check: engines agree on {len(prefix):,} messages "
                  f"({agree(market, prefix)})")  # fmt: skip
        events = not args.no_events

        def numba_engine(market=market, events=events):
            return Engine(market, record_events=events)

        numba_engine().submit(msgs[:1000])  # compile or load the cache outside the timing
        t_full = best_time(numba_engine, msgs[: args.messages], args.repeat)
        t_pre = best_time(numba_engine, prefix, args.repeat)
        t_ref = best_time(lambda market=market: ReferenceEngine(market), prefix, 1)
        n, m = args.messages, len(prefix)
        print(f"{name:9} {'numba':12} {n:>10,} {t_full:>8.3f} {n / t_full:>12,.0f}")
        print(f"{name:9} {'numba':12} {m:>10,} {t_pre:>8.3f} {m / t_pre:>12,.0f}")
        ratio = t_ref / t_pre
        print(
            f"{name:9} {'reference':12} {m:>10,} {t_ref:>8.3f} {m / t_ref:>12,.0f} {ratio:>6.0f}x"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
