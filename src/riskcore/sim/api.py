"""``riskcore.sim.run``: load (or take) a scenario, apply overrides, run it, build tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from time import perf_counter
from typing import Any

from riskcore.scenario import Scenario, load_scenario
from riskcore.sim.loop import EndOfDayHook, Progress, SimOptions, run_scenario
from riskcore.sim.overrides import apply_overrides
from riskcore.sim.result import Result, save_records
from riskcore.sim.state import SavedState, load_state


def run(
    scenario: str | Path | Scenario,
    *,
    progress: Progress | None = None,
    hooks: Sequence[EndOfDayHook] | None = None,
    options: SimOptions | None = None,
    save_state: str | Path | None = None,
    start_from: str | Path | SavedState | None = None,
    save_to: str | Path | None = None,
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
    save_state : str or Path, optional
        Save the end-of-day state of every day to ``save_state/state/YYYY-MM-DD/``
        (:mod:`riskcore.sim.state`); save the result to the same folder
        (``result.save(save_state)``) so it can be continued from.
    start_from : str, Path or SavedState, optional
        A state folder ``RUN_DIR/state/YYYY-MM-DD`` (or a loaded state): continue the run
        after that day, under this call's rules; the tables hold ``RUN_DIR``'s rows up to
        that day and the new run's after it.
    save_to : str or Path, optional
        Write the run folder while building the tables, one table at a time
        (:func:`riskcore.sim.result.save_records`: the largest tables are never in memory
        together); the result's ``tables`` are then read back from the folder on first use.
        Without it the tables are built in memory (save them with ``Result.save``).
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
    StateError
        A state folder that is missing, corrupt, of another scenario or not continuable.

    Examples
    --------
    >>> res = run("margin-call.toml", seed=3, rules={"position_limit": 300})  # doctest: +SKIP
    >>> res["orders"].group_by("status").len()                                # doctest: +SKIP
    """
    t = perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    sc = apply_overrides(sc, overrides)
    load = perf_counter() - t
    state = start_from
    if state is not None and not isinstance(state, SavedState):
        state = load_state(state)
    # a new run saved to a folder writes its trades while it runs and its orders during
    # its last end of day (on the other core)
    stream = save_to is not None and state is None
    rec = run_scenario(
        sc,
        hooks=hooks,
        progress=progress,
        options=options,
        save_state=save_state,
        start_from=state,
        trades_to=Path(save_to) / "trades.parquet" if stream else None,
        orders_to=Path(save_to) / "orders.parquet" if stream else None,
    )
    if save_to is not None:
        try:
            return save_records(rec, save_to, load_time=load)
        except BaseException:
            for out in (rec.trades_written, rec.orders_written):
                if out is not None:
                    out.abort()
            raise
    return Result.from_records(rec, load_time=load)
