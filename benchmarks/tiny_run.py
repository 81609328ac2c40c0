"""A tiny whole-process run: import riskcore, match a few orders, exit.

With a warm numba cache this is what a user waits for at the start of every replay:
``/usr/bin/time -v python benchmarks/tiny_run.py`` (target: <= 2 s). With
``RISKCORE_NO_CACHE=1`` it measures a cold compile of every kernel (target: <= 30 s).
"""

from __future__ import annotations

from riskcore.engine import Engine
from riskcore.flows import standard_flow
from riskcore.records import PHASE_AUCTION


def main() -> None:
    market, msgs = standard_flow(2_000, seed=3)
    engine = Engine(market)
    engine.submit(msgs[:100], PHASE_AUCTION)
    engine.run_auction(int(msgs["ts"][100]))
    engine.open_session(int(msgs["ts"][100]))
    engine.submit(msgs[100:])
    engine.close_session(int(msgs["ts"][-1]) + 1)
    engine.expire(int(msgs["ts"][-1]) + 1)


if __name__ == "__main__":
    main()
