"""Agent time per simulated day: ``scenarios/crash-cascade.toml`` (180 agents, five kinds).

Runs the scenario's first day at each ``--steps`` agent step (seconds) ``--repeat`` times
after a warm-up run (numba cache) and prints the agents' seconds per day
(``result.summary["time_s"]["agents"]``: observation, decisions, building the messages;
the engine's own time is ``kernel``), min and median, with the wall time of the run.

Examples
--------
``python benchmarks/agents_step.py --steps 1 10 --repeat 3``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import riskcore
from riskcore.sim.loop import SimOptions

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "crash-cascade.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=float, nargs="+", default=[1.0, 10.0], help="seconds")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--days", type=int, default=1)
    a = ap.parse_args()
    riskcore.run(SCENARIO, days=1, options=SimOptions(agent_step=30.0))  # warm the cache
    for step in a.steps:
        agents, wall = [], []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            r = riskcore.run(SCENARIO, days=a.days, options=SimOptions(agent_step=step))
            wall.append(time.perf_counter() - t0)
            agents.append(r.summary["time_s"]["agents"] / a.days)
        print(
            f"agent_step {step:g} s: agents {min(agents):.3f} / {statistics.median(agents):.3f} s "
            f"per day (min / median), wall {min(wall):.2f} / {statistics.median(wall):.2f} s, "
            f"{r.tables['orders'].height:,} orders"
        )


if __name__ == "__main__":
    main()
