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

import contextlib
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
from riskcore.sim.loop import RunRecords, trades_stream
from riskcore.sim.order_rows import account_names, orders_stream
from riskcore.sim.warn import CLOSES_KEY, TRIGGERS_KEY, warnings_table

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


def _orders(rec: RunRecords) -> pl.DataFrame:
    """The ``orders`` table of a run's records."""
    names = account_names(rec.index)
    return orders_table(rec.orders, rec.msgs, rec.status, rec.filled, rec.reason, names)


WARNING_ORDER_COLUMNS = ("day", "investor", "action", "filled", "source")
"""The ``orders`` columns the ``warnings`` table reads (read back from the written file)."""


def _trades(rec: RunRecords) -> pl.DataFrame:
    """The ``trades`` table of a run's records."""
    index = rec.index
    return trades_table(rec.fills, index.accounts, index.contracts, index.tick)


def _other_tables(rec: RunRecords) -> dict[str, pl.DataFrame]:
    """Every table of a run but ``orders``, ``trades`` and ``warnings``."""
    index = rec.index
    tables = {
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
    return tables


def _in_order(tables: dict[str, Any]) -> dict[str, Any]:
    """``tables`` in :data:`TABLE_ORDER` (others after them, by name)."""
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    return dict(sorted(tables.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def build_tables(rec: RunRecords) -> dict[str, pl.DataFrame]:
    """The run's tables from its raw records (see the module docstring)."""
    tables = {"orders": _orders(rec), "trades": _trades(rec), **_other_tables(rec)}
    if rec.continued is not None:  # the source run's rows up to the saved day first
        tables = rec.continued.merge(tables)
    warnings = warnings_table(rec, tables)  # WARN-01/02, from the tables and the hook
    if warnings is not None:
        tables["warnings"] = warnings
    return _in_order(tables)


class FolderTables(Mapping[str, pl.DataFrame]):
    """A saved run's tables, each read from ``folder/<name>.parquet`` on first use.

    Parameters
    ----------
    folder : Path
        The run folder.
    heights : mapping of str to int
        Table name -> rows, in the folder's table order (``summary.json["tables"]``).
    """

    def __init__(self, folder: Path, heights: Mapping[str, int]) -> None:
        self.folder = Path(folder)
        self.heights = dict(heights)
        self._read: dict[str, pl.DataFrame] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self.heights:
            raise KeyError(name)
        if name not in self._read:
            self._read[name] = pl.read_parquet(self.folder / f"{name}.parquet")
        return self._read[name]

    def __iter__(self):
        return iter(self.heights)

    def __len__(self) -> int:
        return len(self.heights)


def save_records(rec: RunRecords, folder: str | Path, load_time: float = 0.0) -> Result:
    """Build and write a run's tables one at a time, then ``folder/summary.json``.

    The run folder of :meth:`Result.save` (same files, same bytes) in far less memory:
    ``trades`` and ``orders`` are built and written one row group at a time, so neither
    table is ever whole in memory, each by a :class:`~riskcore.output.stream.TableStream`:
    the run's own when it wrote the table as it went
    (``run_scenario(trades_to=folder / "trades.parquet", orders_to=folder /
    "orders.parquet")``), else one started here. The fills and the per-message
    records are released once written. ``warnings`` reads the five ``orders`` columns it
    needs back from the written file. Building the two tables (and waiting for
    ``trades``) counts as ``write`` in ``time_s``. Used by ``riskcore.run(...,
    save_to=...)`` and ``riskcore replay``; a continued run (``start_from``) is built
    whole and saved as :meth:`Result.save` does.

    Returns
    -------
    Result
        Its ``tables`` are a :class:`FolderTables`: read back from ``folder`` on first use.
        ``records`` keep no per-message arrays (``orders``, ``msgs``, ``status``,
        ``filled``, ``reason`` and ``fills`` are emptied once written).
    """
    if rec.continued is not None:
        res = Result.from_records(rec, load_time)
        res.save(folder)
        return res
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):  # an old summary must not vouch for new tables
        (out / "summary.json").unlink()
    n_msgs, n_fills = len(rec.msgs), len(rec.fills)
    spent = {"tables": 0.0, "write": 0.0}
    t = perf_counter()
    tables = _other_tables(rec)
    spent["tables"] += perf_counter() - t
    heights: dict[str, int] = {}

    # trades and orders side by side, each built and written a slice (one row group) at a
    # time, so neither is ever whole in memory (their build time is counted as writing):
    # trades by its stream's thread (usually started while the run went on), orders here
    t = perf_counter()
    n = rec.orders.height
    heights["trades"], heights["orders"] = len(rec.fills), n
    trades = rec.trades_written
    if trades is None or trades.path != out / "trades.parquet":
        if trades is not None:
            trades.close()  # the run wrote its trades elsewhere
        trades = trades_stream(out / "trades.parquet", rec.index)
        trades.add(rec.fills)
    trades.end()  # its last row group is encoded beside the orders, not after them
    path = out / "orders.parquet"
    orders = rec.orders_written
    try:
        if orders is not None and orders.path != path:
            orders.close()  # the run wrote its orders elsewhere
            orders = None
        if orders is None:  # not being written since the last day's close: from now
            orders, _ = orders_stream(
                path, rec.index, rec.orders, rec.msgs, rec.status, rec.filled, rec.reason
            )
        orders.close()
    except BaseException:
        trades.abort()
        if orders is not None:
            orders.abort()
        raise
    trades.close()  # a failure propagates (no summary is written)
    rec.fills = rec.fills[:0].copy()  # written: let the fills go
    spent["write"] += perf_counter() - t
    t = perf_counter()
    seen = tables
    if rec.records.get(TRIGGERS_KEY) and rec.records.get(CLOSES_KEY):  # the hook ran
        seen = {**tables, "orders": pl.read_parquet(path, columns=list(WARNING_ORDER_COLUMNS))}
    warnings = warnings_table(rec, seen)  # WARN-01/02
    del seen
    spent["tables"] += perf_counter() - t
    rec.orders = rec.orders.clear()
    for name in ("msgs", "status", "filled", "reason"):
        setattr(rec, name, getattr(rec, name)[:0].copy())
    if warnings is not None:
        tables["warnings"] = warnings
    heights.update((name, df.height) for name, df in tables.items())
    heights = {name: heights[name] for name in _in_order(heights)}
    timings = {"load": load_time, **rec.timings, "tables": spent["tables"], "write": None}
    summary = make_summary(rec.scenario, rec, heights, timings)
    summary["messages"], summary["fills"] = n_msgs, n_fills
    summary["events_not_simulated"] = _not_simulated(tables.get("events"))
    finish_summary(summary)
    res = Result(rec.scenario, FolderTables(out, heights), summary, rec)
    t = perf_counter()

    def final_summary() -> dict[str, Any]:
        summary["time_s"]["write"] = spent["write"] + perf_counter() - t
        return finish_summary(summary)

    stale = tuple(name for name in TABLE_ORDER if name not in heights)
    write_run(out, tables, final_summary, stale=stale)
    return res


def finish_summary(s: dict[str, Any]) -> dict[str, Any]:
    """Round ``s["time_s"]`` and set ``wall_time_s`` (their sum) and the rates from it
    (in place); returns ``s``."""
    s["time_s"] = {k: (None if v is None else round(float(v), 6)) for k, v in s["time_s"].items()}
    wall = sum(v for v in s["time_s"].values() if v is not None)
    s["wall_time_s"] = round(wall, 6)
    n = s.get("messages", 0)
    s["messages_per_s"] = s["events_per_s"] = round(n / wall, 1) if wall > 0 else None
    kernel = float(s["time_s"].get("kernel") or 0.0)
    s["kernel_messages_per_s"] = round(n / kernel, 1) if kernel > 0 else None
    return s


def _not_simulated(events: pl.DataFrame | None) -> int:
    """Events whose status is neither ``applied`` nor ``refused``."""
    if events is None or not events.height:
        return 0
    return int((~events["status"].is_in(["applied", "refused"])).sum())


def rules_not_simulated(sc: Scenario) -> list[str]:
    """Rule parameters of the scenario's rulebook that change outcomes but are not simulated
    by this version (so a reader of ``summary.json`` is not misled)."""
    return []


def make_summary(
    sc: Scenario, rec: RunRecords, tables: Mapping[str, pl.DataFrame | int], timings: Mapping
) -> dict[str, Any]:
    """The ``summary.json`` content (wall times may differ between identical runs);
    ``tables`` maps names to frames or to their row counts.

    ``time_s`` splits the run's wall time, seconds: ``load`` (reading and checking the
    scenario, its accounts and flow files; from the command's start under ``riskcore
    replay``), ``prepare`` (the flow as engine messages, their phases and days, each day's
    market and engine), ``kernel`` (every engine call: message batches with their boundary
    checks, auction, sessions, close; the first call also loads the cached compiled
    kernels), ``end_of_day`` (close checks, per-order final states, settlement prices, the
    end-of-day hooks, ``prices`` rows), ``tables`` (the polars tables, ``warnings``
    included) and ``write`` (the Parquet files, atomically; a run saved to a folder writes
    ``trades`` on another thread while it trades, so ``write`` is then the rest of that work
    and the other phases share the machine with it). ``wall_time_s`` is their sum: the
    process's start, imports and exit are outside it.
    """
    n = len(rec.msgs)
    wall = float(sum(v for v in timings.values() if v is not None))
    kernel = float(timings.get("kernel") or 0.0)
    events = tables.get("events")
    return {
        "scenario": sc.name,
        "title": sc.title,
        "seed": sc.seed,
        "rulebook": sc.rulebook.name,
        "rulebook_source": sc.rulebook.source,
        "start": sc.start.isoformat(),
        "days": len(sc.calendar.trading_days),
        "trading_days": [d.isoformat() for d in sc.calendar.trading_days],
        "tables": {
            name: int(df if isinstance(df, int) else df.height) for name, df in tables.items()
        },
        "tables_not_filled": [t for t in EXPECT_TABLES if t not in tables],
        "messages": n,
        "fills": len(rec.fills),
        "events_not_simulated": _not_simulated(
            events if isinstance(events, pl.DataFrame) else None
        ),
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
        rows = self.summary.get("tables") or {}  # no table read back just to count it
        counts = ", ".join(
            f"{k}={rows[k] if k in rows else self.tables[k].height}" for k in self.tables
        )
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
