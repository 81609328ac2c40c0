"""Price bands of a trading day (LIMIT-01/02) and the one place intraday band changes plug in.

:func:`limit_bands` gives every contract's limit band for the day: previous settlement
x (1 +/- ``price_limit``) rounded toward the previous settlement (LIMIT-01, via
:func:`riskcore.market.limit_band`); on a contract's last trading day the rulebook's
``last_day_limit`` or, with none, no limit: a wide technical range (``no_limit_range``, a
simulator parameter, default +/-50 %) so the dense ladder stays finite (LIMIT-02). The
ladder is the day's widest band.

:class:`BandController` is where the circuit breaker (BRK-01..07) will plug in: the day
loop calls it at the open, at every session start and end and at every time it asks for;
it may drive the engine's breaker state machine (``open_session``/``close_session``) or
change the band with ``Engine.set_band`` inside the ladder. The default
:class:`LimitBandController` keeps the limit band all day (the Market's breaker prices are
0: breaker off).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from riskcore.market import limit_band


@dataclass(frozen=True)
class DayBands:
    """One day's bands, ticks, per contract (shape ``(n_contracts,)`` each).

    Attributes
    ----------
    band_lo, band_hi : ndarray of int64
        The band in force at the open (LIMIT-03).
    ladder_lo, ladder_hi : ndarray of int64
        The range the engine's ladder holds (the day's widest band).
    limit_lo, limit_hi : ndarray of int64
        The day's limit prices (LIMIT-01; LIMIT-02 ``last_day_limit`` on a last day).
    has_limit : ndarray of bool
        False on a last trading day without a limit (then limit_* = the technical range
        and the ``prices`` table shows no limit prices).
    """

    band_lo: np.ndarray
    band_hi: np.ndarray
    ladder_lo: np.ndarray
    ladder_hi: np.ndarray
    limit_lo: np.ndarray
    limit_hi: np.ndarray
    has_limit: np.ndarray


def limit_bands(
    prev_settle: np.ndarray,
    price_limit: float,
    *,
    last_day: np.ndarray,
    last_day_limit: float | None,
    no_limit_range: float,
) -> DayBands:
    """Limit bands of every contract for one day (LIMIT-01, LIMIT-02).

    Parameters
    ----------
    prev_settle : ndarray of int64
        Previous settlement per contract, ticks.
    price_limit : float
        LIMIT-01 fraction (e.g. 0.10).
    last_day : ndarray of bool
        Whether the day is the contract's last trading day.
    last_day_limit : float or None
        LIMIT-02 fraction on a last day; ``None`` = no limit.
    no_limit_range : float
        Fraction the technical range spans when there is no limit (e.g. 0.5).

    Returns
    -------
    DayBands
        With the example of LIMIT-01, prev settlement 3480.2 at tick 0.2 (17,401 ticks)
        and a 10 % limit: lower 15,661 ticks = 3132.2, upper 19,141 ticks = 3828.2.
    """
    prev = np.asarray(prev_settle, dtype=np.int64)
    last = np.asarray(last_day, dtype=bool)
    n = len(prev)
    lo = np.zeros(n, dtype=np.int64)
    hi = np.zeros(n, dtype=np.int64)
    has = np.ones(n, dtype=bool)
    for c in range(n):
        if last[c] and last_day_limit is None:
            frac = no_limit_range
            has[c] = False
        else:
            frac = last_day_limit if last[c] else price_limit
        lo[c], hi[c] = limit_band(int(prev[c]), float(frac))
    lo = np.maximum(lo, 1)
    return DayBands(
        band_lo=lo, band_hi=hi, ladder_lo=lo, ladder_hi=hi, limit_lo=lo, limit_hi=hi, has_limit=has
    )


class BandController(Protocol):
    """Intraday band changes: the circuit breaker (BRK-01..07) plugs in here.

    The day loop calls :meth:`open` once after building the engine, :meth:`session_start`
    and :meth:`session_end` at every session boundary (after the call auction's uncross at
    the first session's start, BRK-04), :meth:`at` at every time :meth:`times` returned,
    and :meth:`close` after the last session — always between message chunks, never per
    order. A call may return the engine's :class:`~riskcore.records.Batch` (its fills and
    any market-state records are kept) or ``None``.
    """

    def open(self, engine, bands: DayBands, sessions_ns: np.ndarray) -> None:
        """The day starts: the engine holds the opening band."""

    def times(self) -> np.ndarray:
        """Extra int64 ns times at which :meth:`at` must run (sorted)."""

    def session_start(self, engine, t: int):
        """A continuous session starts at ``t`` ns (e.g. ``engine.open_session(t)``)."""

    def session_end(self, engine, t: int):
        """A continuous session ends at ``t`` ns (e.g. ``engine.close_session(t)``)."""

    def at(self, engine, t: int):
        """Called with the book as it is at ``t`` ns."""

    def close(self, engine, t: int):
        """The day's trading is over."""


class LimitBandController:
    """The limit band all day (LIMIT-01/02): no intraday changes, no breaker yet."""

    def open(self, engine, bands: DayBands, sessions_ns: np.ndarray) -> None:
        return None

    def times(self) -> np.ndarray:
        return np.zeros(0, dtype=np.int64)

    def session_start(self, engine, t: int) -> None:
        return None

    def session_end(self, engine, t: int) -> None:
        return None

    def at(self, engine, t: int) -> None:
        return None

    def close(self, engine, t: int) -> None:
        return None
