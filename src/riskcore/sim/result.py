"""The result of a run: its tables (polars DataFrames) and its summary; saving a run folder.

Tables filled so far: ``orders``, ``trades``, ``market_states``, ``prices`` (SCENARIO.md)
and the added ``events`` table; plus whatever end-of-day hooks and the loop emit
(:meth:`DayState.emit`): with the default hooks ``settlements``, ``accounts_daily``,
``margin_calls`` and ``notices`` (:mod:`riskcore.sim.settle`), ``large_trader_reports`` and
the added ``limit_breaches`` and ``overdue_reports`` (:mod:`riskcore.sim.positions`),
``liquidations`` (:mod:`riskcore.sim.liquidate`) and ``reductions``
(:mod:`riskcore.sim.reduce`), ``guarantee_fund`` and ``defaults``
(:mod:`riskcore.sim.funds`) and ``warnings`` (:mod:`riskcore.sim.warn`, built after the
run from the tables and the warning hook's triggers). ``summary["tables_not_filled"]``
lists the SCENARIO.md tables a run did not write (e.g. with other hooks).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from time import perf_counter
from typing import Any

import numba
import numpy as np
import polars as pl

from riskcore.output.tables import (
    events_table,
    market_states_table,
    orders_table,
    prices_table,
    trades_table,
)
from riskcore.output.write import write_run
from riskcore.records import MARKET_STATE_DTYPE
from riskcore.scenario import EXPECT_TABLES, Scenario
from riskcore.sim.loop import RunRecords
from riskcore.sim.warn import warnings_table

TABLE_ORDER = (*EXPECT_TABLES, "events")
"""Every table name a run folder may hold, in the order they are written."""


def _version() -> str:
    try:
        return metadata.version("riskcore")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed
        from riskcore import __version__

        return __version__


def versions() -> dict[str, str]:
    """Versions of riskcore, numpy, numba, polars and Python."""
    return {
        "riskcore": _version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "polars": pl.__version__,
        "python": platform.python_version(),
    }


def build_tables(rec: RunRecords) -> dict[str, pl.DataFrame]:
    """The run's tables from its raw records (see the module docstring)."""
    index = rec.index
    member_of = dict(zip(index.accounts, index.member_of_account, strict=True))
    investor_of = dict(zip(index.accounts, index.investor_of_account, strict=True))
    tables = {
        "orders": orders_table(
            rec.orders, rec.msgs, rec.status, rec.filled, rec.reason, member_of, investor_of
        ),
        "trades": trades_table(rec.fills, index.accounts, index.contracts, index.tick),
        "market_states": market_states_table(
            np.concatenate(rec.states) if rec.states else np.zeros(0, MARKET_STATE_DTYPE),
            index.contracts,
            index.tick,
        ),
        "prices": prices_table(rec.prices),
        "events": events_table(rec.events),
    }
    for name, frames in rec.records.items():
        if name.startswith("_"):  # working records of the hooks, not tables
            continue
        frames = [f for f in frames if f is not None]
        tables[name] = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
    if rec.continued is not None:  # the source run's rows up to the saved day first
        tables = rec.continued.merge(tables)
    warnings = warnings_table(rec, tables)  # WARN-01/02, from the tables and the hook
    if warnings is not None:
        tables["warnings"] = warnings
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    return dict(sorted(tables.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def rules_not_simulated(sc: Scenario) -> list[str]:
    """Rule parameters of the scenario's rulebook that change outcomes but are not simulated
    by this version (so a reader of ``summary.json`` is not misled)."""
    return []


def make_summary(
    sc: Scenario, rec: RunRecords, tables: Mapping[str, pl.DataFrame], timings: Mapping
) -> dict[str, Any]:
    """The ``summary.json`` content (wall times may differ between identical runs).

    ``time_s`` splits the run's wall time, seconds: ``load`` (reading and checking the
    scenario, its accounts and flow files; from the command's start under ``riskcore
    replay``), ``prepare`` (the flow as engine messages, their phases and days, each day's
    market and engine), ``kernel`` (every engine call: message batches with their boundary
    checks, auction, sessions, close; the first call also loads the cached compiled
    kernels), ``end_of_day`` (close checks, per-order final states, settlement prices, the
    end-of-day hooks, ``prices`` rows), ``tables`` (the polars tables, ``warnings``
    included) and ``write`` (the Parquet files, atomically). ``wall_time_s`` is their sum:
    the process's start, imports and exit are outside it.
    """
    n = len(rec.msgs)
    wall = float(sum(v for v in timings.values() if v is not None))
    kernel = float(timings.get("kernel") or 0.0)
    events = tables.get("events")
    not_sim = 0
    if events is not None and events.height:
        not_sim = int((~events["status"].is_in(["applied", "refused"])).sum())
    return {
        "scenario": sc.name,
        "title": sc.title,
        "seed": sc.seed,
        "rulebook": sc.rulebook.name,
        "rulebook_source": sc.rulebook.source,
        "start": sc.start.isoformat(),
        "days": len(sc.calendar.trading_days),
        "trading_days": [d.isoformat() for d in sc.calendar.trading_days],
        "tables": {name: int(df.height) for name, df in tables.items()},
        "tables_not_filled": [t for t in EXPECT_TABLES if t not in tables],
        "messages": n,
        "fills": len(rec.fills),
        "events_not_simulated": not_sim,
        "rules_not_simulated": rules_not_simulated(sc),
        "failed_expectation": None,
        "wall_time_s": round(wall, 6),
        "messages_per_s": round(n / wall, 1) if wall > 0 else None,
        "events_per_s": round(n / wall, 1) if wall > 0 else None,
        "kernel_messages_per_s": round(n / kernel, 1) if kernel > 0 else None,
        "time_s": {k: (None if v is None else round(float(v), 6)) for k, v in timings.items()},
        "versions": versions(),
        **_state_summary(rec),
    }


def _state_summary(rec: RunRecords) -> dict[str, Any]:
    """``continued_from`` (a continued run: the state folder and its day) and ``state`` (a
    run that saved its states: ``run_id``, ``folder``), :mod:`riskcore.sim.state`."""
    out: dict[str, Any] = {}
    cont = rec.continued
    if cont is not None:
        st = cont.state
        out["continued_from"] = {
            "path": str(st.path),
            "day": st.day.isoformat(),
            "rules_changed": cont.changed_rules,
        }
    if rec.state_run_id is not None:
        out["state"] = {"run_id": rec.state_run_id, "folder": "state"}
    return out


class Result:
    """A finished run: ``tables`` (name -> polars DataFrame) and ``summary`` (dict).

    >>> res = riskcore.sim.run("scenarios/margin-call.toml")            # doctest: +SKIP
    >>> res["trades"].head()                                            # doctest: +SKIP
    >>> res.save("runs/margin-call")                                    # doctest: +SKIP
    """

    def __init__(
        self,
        scenario: Scenario,
        tables: dict[str, pl.DataFrame],
        summary: dict[str, Any],
        records: RunRecords | None = None,
    ) -> None:
        self.scenario = scenario
        self.tables = tables
        self.summary = summary
        self.records = records

    @classmethod
    def from_records(cls, rec: RunRecords, load_time: float = 0.0) -> Result:
        """Build the tables and the summary of a run."""
        t = perf_counter()
        tables = build_tables(rec)
        timings = {"load": load_time, **rec.timings, "tables": perf_counter() - t, "write": None}
        return cls(rec.scenario, tables, make_summary(rec.scenario, rec, tables, timings), rec)

    def __getitem__(self, name: str) -> pl.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            known = ", ".join(self.tables)
            hint = " (not filled yet by this version)" if name in EXPECT_TABLES else ""
            raise KeyError(f"no table {name!r}{hint}; tables: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v.height}" for k, v in self.tables.items())
        days = self.summary.get("days")
        return f"<Result {self.scenario.name!r} seed={self.scenario.seed} days={days}: {counts}>"

    def save(self, folder: str | Path) -> Path:
        """Write ``folder/<table>.parquet`` for every table, then ``folder/summary.json``.

        Each file is written atomically (temporary name, fsync, rename): an interrupted save
        leaves no partial table. Tables of earlier runs that this run does not produce are
        removed from the folder. Same scenario and seed give byte-identical Parquet files
        (UNIT-04); the summary's times differ.

        Returns
        -------
        Path
            The folder.
        """
        t = perf_counter()
        stale = tuple(name for name in TABLE_ORDER if name not in self.tables)

        def final_summary() -> dict[str, Any]:
            write_s = perf_counter() - t
            s = self.summary
            s["time_s"] = {**s.get("time_s", {}), "write": round(write_s, 6)}
            wall = sum(v for v in s["time_s"].values() if v is not None)
            s["wall_time_s"] = round(wall, 6)
            n = s.get("messages", 0)
            s["messages_per_s"] = s["events_per_s"] = round(n / wall, 1) if wall > 0 else None
            return s

        return write_run(folder, self.tables, final_summary, stale=stale)
