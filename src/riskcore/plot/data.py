"""Tables of a run for plotting, and the trading-time axis.

A *run* is a run folder (``summary.json`` and ``<table>.parquet`` files, as written by
``riskcore replay``), a :class:`riskcore.Result`, or a mapping of table name -> polars
DataFrame. Nothing here imports matplotlib.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

Run = str | Path | Mapping[str, pl.DataFrame] | Any
"""A run folder path, a :class:`riskcore.Result`, or a dict of tables."""

BOOK_KINDS = ("continuous", "auction", "liquidation")
"""Trade kinds that happen in the order book (``trades.kind``); ``reduction``, ``offset``
and ``final`` trades are allocations at a fixed price after the close, not book prices."""

NS_PER_HOUR = 3_600_000_000_000


class NoData(ValueError):
    """A plot has nothing to draw for this run (the message says why)."""


class NotARunFolder(ValueError):
    """A path that is not a run folder (missing, or without ``summary.json``)."""


@dataclass
class RunTables:
    """The tables of a run, read on demand, and its scenario name (or ``None``)."""

    source: Run
    name: str | None
    _tables: dict[str, pl.DataFrame]
    _folder: Path | None = None

    def get(self, table: str) -> pl.DataFrame:
        """The table ``table`` (an empty DataFrame when the run does not have it)."""
        if table not in self._tables and self._folder is not None:
            path = self._folder / f"{table}.parquet"
            self._tables[table] = pl.read_parquet(path) if path.is_file() else pl.DataFrame()
        return self._tables.get(table, pl.DataFrame())


def check_run_folder(path: str | Path) -> Path:
    """``path`` as a :class:`Path` if it is a run folder.

    Raises
    ------
    NotARunFolder
        No folder at ``path``, or a folder without ``summary.json``.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise NotARunFolder(f"no run folder at {folder}")
    if not (folder / "summary.json").is_file():
        raise NotARunFolder(f"{folder} has no summary.json (not a run folder?)")
    return folder


def run_tables(run: Run) -> RunTables:
    """Wrap a run folder, a :class:`riskcore.Result` or a dict of tables.

    Raises
    ------
    NotARunFolder
        ``run`` is a path that is not a run folder.
    TypeError
        ``run`` is none of the accepted kinds.
    """
    if isinstance(run, RunTables):
        return run
    if isinstance(run, str | Path):
        folder = check_run_folder(run)
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except ValueError:
            summary = {}
        name = summary.get("scenario") if isinstance(summary, dict) else None
        return RunTables(run, name if isinstance(name, str) else folder.name, {}, folder)
    tables = getattr(run, "tables", None)
    if isinstance(tables, Mapping):
        summary = getattr(run, "summary", None) or {}
        return RunTables(run, summary.get("scenario"), dict(tables))
    if isinstance(run, Mapping):
        return RunTables(run, None, dict(run))
    raise TypeError(
        f"expected a run folder path, a riskcore.Result or a dict of tables, not "
        f"{type(run).__name__}"
    )


def nonempty(df: pl.DataFrame, *columns: str) -> bool:
    """Whether ``df`` has rows and all of ``columns``."""
    return df.height > 0 and all(c in df.columns for c in columns)


def choose_symbol(tables: RunTables, symbol: str | None) -> str:
    """``symbol``, or the contract with the most book trades (then the most state changes).

    Raises
    ------
    NoData
        The run has neither book trades nor market states (for ``symbol``).
    """
    trades = book_trades(tables.get("trades"))
    states = tables.get("market_states")
    if symbol is not None:
        known = set(trades["symbol"].to_list()) if trades.height else set()
        if nonempty(states, "symbol"):
            known |= set(states["symbol"].to_list())
        if symbol not in known:
            raise NoData(f"no trades or market states for symbol {symbol!r}")
        return symbol
    counts: dict[str, tuple[int, int]] = {}
    if trades.height:
        for sym, n in trades.group_by("symbol").len().iter_rows():
            counts[sym] = (n, 0)
    if nonempty(states, "symbol", "state"):
        shaded = states.filter(pl.col("state") != "normal")
        for sym, n in shaded.group_by("symbol").len().iter_rows():
            counts[sym] = (counts.get(sym, (0, 0))[0], n)
        for sym in states["symbol"].unique().to_list():
            counts.setdefault(sym, (0, 0))
    if not counts:
        raise NoData("no book trades and no market states")
    return max(sorted(counts), key=lambda s: counts[s])


def book_trades(trades: pl.DataFrame, symbol: str | None = None) -> pl.DataFrame:
    """The trades made in the book (:data:`BOOK_KINDS`), in time order."""
    if not nonempty(trades, "at", "price", "symbol"):
        return pl.DataFrame(schema={"at": pl.Datetime("ns"), "price": pl.Float64})
    out = trades
    if "kind" in out.columns:
        out = out.filter(pl.col("kind").is_in(BOOK_KINDS))
    if symbol is not None:
        out = out.filter(pl.col("symbol") == symbol)
    order = ["at", "trade_no"] if "trade_no" in out.columns else ["at"]
    return out.sort(order, maintain_order=True)


def to_ns(values: Sequence[Any] | pl.Series | np.ndarray) -> np.ndarray:
    """Datetimes (polars, numpy or Python) as int64 nanoseconds."""
    if isinstance(values, pl.Series):
        return values.cast(pl.Datetime("ns")).dt.epoch("ns").to_numpy().astype(np.int64)
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]").astype(np.int64)
    return pl.Series(list(arr), dtype=pl.Datetime("ns")).dt.epoch("ns").to_numpy()


@dataclass
class TradingAxis:
    """Trading time: the run's sessions laid end to end, nights and lunch breaks removed.

    ``x`` is in trading hours since the first session's start. Sessions come from
    ``market_states`` (``reason`` ``open`` to ``session_end``, any contract); a day without
    them falls back to the span of its trades.

    Attributes
    ----------
    starts, ends : numpy.ndarray
        Session start and end times (int64 ns), sorted, non-overlapping.
    days : list of datetime.date
        The trading day of each session.
    offsets : numpy.ndarray
        Trading hours before each session starts.
    """

    starts: np.ndarray
    ends: np.ndarray
    days: list[dt.date]
    offsets: np.ndarray

    @classmethod
    def build(cls, states: pl.DataFrame, trades: pl.DataFrame) -> TradingAxis:
        """The sessions of a run from its ``market_states`` and (fallback) book trades."""
        spans: list[tuple[int, int, dt.date]] = []
        covered: set[dt.date] = set()
        if nonempty(states, "at", "day", "symbol", "reason"):
            ordered = states.sort("at", maintain_order=True)
            for _, rows in ordered.group_by(["symbol"], maintain_order=True):
                at = to_ns(rows["at"])
                opened: int | None = None
                for t, day, reason in zip(
                    at, rows["day"].to_list(), rows["reason"].to_list(), strict=True
                ):
                    if reason == "open" and opened is None:
                        opened = int(t)
                    elif reason == "session_end" and opened is not None:
                        if t > opened:
                            spans.append((opened, int(t), day))
                            covered.add(day)
                        opened = None
        if nonempty(trades, "at", "day"):
            for (day,), rows in trades.group_by(["day"]):
                if day in covered:
                    continue
                at = to_ns(rows["at"])
                lo, hi = int(at.min()), int(at.max())
                spans.append((lo, max(hi, lo + NS_PER_HOUR // 60), day))
        spans.sort()
        merged: list[list[Any]] = []
        for lo, hi, day in spans:  # union of the contracts' sessions
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi, day])
        if not merged:
            raise NoData("no trading sessions (no market states and no trades)")
        starts = np.array([m[0] for m in merged], dtype=np.int64)
        ends = np.array([m[1] for m in merged], dtype=np.int64)
        hours = (ends - starts) / NS_PER_HOUR
        offsets = np.concatenate([[0.0], np.cumsum(hours)[:-1]])
        return cls(starts, ends, [m[2] for m in merged], offsets)

    @property
    def end(self) -> float:
        """Trading hours of the whole run (the x of the last session's end)."""
        return float(self.offsets[-1] + (self.ends[-1] - self.starts[-1]) / NS_PER_HOUR)

    def x(self, times: Any) -> np.ndarray:
        """Trading hours of ``times`` (int64 ns or datetimes); times outside every session
        are clamped to the nearest session edge (e.g. a night maps to one point)."""
        ns = times if isinstance(times, np.ndarray) and times.dtype == np.int64 else to_ns(times)
        idx = np.searchsorted(self.starts, ns, side="right") - 1
        before_first = idx < 0
        idx = np.clip(idx, 0, len(self.starts) - 1)
        into = np.clip(ns - self.starts[idx], 0, self.ends[idx] - self.starts[idx])
        out = self.offsets[idx] + into / NS_PER_HOUR
        return np.where(before_first, 0.0, out)

    def day_end(self, day: dt.date) -> float | None:
        """Trading hours at the end of the last session of ``day`` (``None``: no session)."""
        last = [i for i, d in enumerate(self.days) if d == day]
        if not last:
            return None
        i = last[-1]
        return float(self.offsets[i] + (self.ends[i] - self.starts[i]) / NS_PER_HOUR)

    def ticks(self) -> tuple[list[float], list[str]]:
        """Tick positions and labels: the date and time at a day's first session start,
        the time alone at later sessions (e.g. after lunch)."""
        xs: list[float] = []
        labels: list[str] = []
        seen: set[dt.date] = set()
        for start, day, off in zip(self.starts, self.days, self.offsets, strict=True):
            clock = pl.Series([int(start)]).cast(pl.Datetime("ns")).item().strftime("%H:%M")
            xs.append(float(off))
            if day in seen:
                labels.append(clock)
            else:
                labels.append(f"{day:%a %d %b}\n{clock}")
                seen.add(day)
        return xs, labels

    def breaks(self) -> list[tuple[float, bool]]:
        """``(x, new_day)`` of each session start after the first."""
        return [
            (float(self.offsets[i]), self.days[i] != self.days[i - 1])
            for i in range(1, len(self.starts))
        ]
