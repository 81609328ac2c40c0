"""``riskcore.sim.run``: load (or take) a scenario, apply overrides, run it, build tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from time import perf_counter
from typing import Any

from riskcore.scenario import Scenario, load_scenario
from riskcore.sim.loop import EndOfDayHook, Progress, SimOptions, run_scenario
from riskcore.sim.overrides import apply_overrides
from riskcore.sim.result import Result


def run(
    scenario: str | Path | Scenario,
    *,
    progress: Progress | None = None,
    hooks: Sequence[EndOfDayHook] | None = None,
    options: SimOptions | None = None,
    **overrides: Any,
) -> Result:
    """Run a scenario and return its :class:`Result` (tables and summary).

    Parameters
    ----------
    scenario : str, Path or Scenario
        A scenario TOML file, or a scenario already loaded with
        :func:`riskcore.load_scenario`.
    progress : callable, optional
        ``progress(done_messages, total_messages, day)`` after every message chunk (the
        CLI draws its bar with it).
    hooks : sequence of callables, optional
        End-of-day hooks ``hook(day, state)`` (default: the package's own,
        :func:`riskcore.sim.loop.default_hooks`).
    options : SimOptions, optional
        Simulator parameters that are not rules (e.g. the LIMIT-02 no-limit range).
    **overrides
        ``seed=``, ``days=``, ``rulebook=``, ``rules={...}`` and ``"rules.<parameter>"``
        keys (e.g. ``**{"rules.position_limit": 300}``); see
        :mod:`riskcore.sim.overrides`.

    Returns
    -------
    Result

    Raises
    ------
    ScenarioError
        A bad scenario file, an unknown override, or a bad override value.

    Examples
    --------
    >>> res = run("margin-call.toml", seed=3, rules={"position_limit": 300})  # doctest: +SKIP
    >>> res["orders"].group_by("status").len()                                # doctest: +SKIP
    """
    t = perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    sc = apply_overrides(sc, overrides)
    load = perf_counter() - t
    rec = run_scenario(sc, hooks=hooks, progress=progress, options=options)
    return Result.from_records(rec, load_time=load)
