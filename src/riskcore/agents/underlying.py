"""The exogenous underlying index path (``[underlying]``) that agents may follow.

Two forms (SCENARIO syntax in ``docs/agents.md``):

- ``points = [["2015-08-17", 3993.67], ...]``: daily values (e.g. the index's closes); a
  trading day's **close** is the value on its date (linear in calendar days between points,
  flat beyond the first and last), its **open** the close of the day before it (the value of
  the last point dated before the first trading day, for the first day);
- ``random_walk = { start, daily_vol, jumps }``: close before the first trading day
  ``start``; each day ``open = previous close x (1 + jump)`` (a scheduled gap at the open,
  0 on days without a jump) and ``close = open x exp(daily_vol x z - daily_vol² / 2)`` with
  ``z`` standard normal from ``SeedSequence(seed, spawn_key=(0, date ordinal))`` — one draw
  per calendar date, so a day's level depends only on the seed and the days before it.

Intraday the level moves geometrically from the open to the close in proportion to the
trading time elapsed (0 at the first session's start, 1 at the last session's end; flat in
the breaks). Units: index points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

UNDERLYING_STREAM = 0
"""First ``spawn_key`` element of the random walk's draws (agent groups use 1)."""


@dataclass(frozen=True)
class UnderlyingPath:
    """Open and close level of every trading day of a run, index points.

    Attributes
    ----------
    days : tuple of date
    open, close : ndarray of float64, shape (n_days,)
    """

    days: tuple[dt.date, ...]
    open: np.ndarray
    close: np.ndarray

    def day_index(self, day: dt.date) -> int:
        """Position of ``day`` in :attr:`days` (``ValueError`` if it is not one)."""
        return self.days.index(day)

    def level(self, day: dt.date, t: int, sessions: np.ndarray) -> float:
        """Level at ``t`` (ns) on ``day`` whose sessions are ``sessions`` ((k, 2) ns)."""
        d = self.day_index(day)
        return float(self.open[d] * (self.close[d] / self.open[d]) ** trading_fraction(t, sessions))

    def levels(self, day: dt.date, times: np.ndarray, sessions: np.ndarray) -> np.ndarray:
        """:meth:`level` at each of ``times`` (ns) at once, index points (float64)."""
        d = self.day_index(day)
        s = np.asarray(sessions, dtype=np.int64)
        t = np.asarray(times, dtype=np.int64)[:, None]
        length = s[:, 1] - s[:, 0]
        total = float(length.astype(np.float64).sum())
        if total <= 0:
            frac = np.ones(len(t))
        else:
            done = np.clip(t - s[:, 0], 0, length).astype(np.float64)
            frac = done.sum(axis=1) / total
        return self.open[d] * (self.close[d] / self.open[d]) ** frac


def trading_fraction(t: int, sessions: np.ndarray) -> float:
    """Share of the day's trading time (``sessions``: (k, 2) ns) elapsed at ``t``, in [0, 1]."""
    s = np.asarray(sessions, dtype=np.int64)
    length = (s[:, 1] - s[:, 0]).astype(np.float64)
    done = np.clip(t - s[:, 0], 0, s[:, 1] - s[:, 0]).astype(np.float64)
    total = float(length.sum())
    return float(done.sum() / total) if total > 0 else 1.0


def underlying_path(u, days: Sequence[dt.date], seed: int) -> UnderlyingPath:
    """The path of :class:`riskcore.scenario.Underlying` ``u`` over trading ``days``.

    Parameters
    ----------
    u : riskcore.scenario.Underlying
    days : sequence of date
        The run's trading days, in order.
    seed : int
        The scenario's seed (random walk only).
    """
    days = tuple(days)
    n = len(days)
    if u.points:
        x = np.array([d.toordinal() for d, _ in u.points], dtype=np.float64)
        y = np.array([v for _, v in u.points], dtype=np.float64)
        close = np.interp([d.toordinal() for d in days], x, y)
        before = [v for d, v in u.points if n and d < days[0]]
        first = before[-1] if before else (close[0] if n else 0.0)
        opn = np.concatenate([[first], close[:-1]])[:n]
        return UnderlyingPath(days, opn, close)
    jumps: dict[dt.date, float] = {}
    for d, j in u.jumps:
        jumps[d] = (1.0 + jumps.get(d, 0.0)) * (1.0 + j) - 1.0
    vol = float(u.daily_vol)
    opn = np.zeros(n)
    close = np.zeros(n)
    prev = float(u.start)
    for k, d in enumerate(days):
        z = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(UNDERLYING_STREAM, d.toordinal()))
        ).standard_normal()
        opn[k] = prev * (1.0 + jumps.get(d, 0.0))
        close[k] = opn[k] * np.exp(vol * z - 0.5 * vol * vol)
        prev = close[k]
    return UnderlyingPath(days, opn, close)


__all__ = ["UNDERLYING_STREAM", "UnderlyingPath", "trading_fraction", "underlying_path"]
