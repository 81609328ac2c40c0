"""Price bands of a trading day (LIMIT-01/02, BRK-01).

:func:`limit_bands` gives every contract's limit band for the day: previous settlement
x (1 +/- ``price_limit``) rounded toward the previous settlement (LIMIT-01, via
:func:`riskcore.market.limit_band`); on a contract's last trading day the rulebook's
``last_day_limit`` or, with none, no limit: a wide technical range (``no_limit_range``, a
simulator parameter, default +/-50 %) so the dense ladder stays finite (LIMIT-02). A rulebook
without a daily limit at all (``price_limit = false``) has that range every day. With a
circuit breaker (BRK-01) the day opens with the breaker band, rounded the same way; the
engine's state machine widens it to the limit band (BRK-03..06). No breaker runs on a
contract's last day nor on a day without a limit. The ladder is the day's widest band.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        False on a day without a price limit: a last trading day without a last-day limit,
        or every day with ``price_limit`` off (then limit_* = the technical range, the
        ``prices`` table shows no limit prices and no day is limit-locked, LIMIT-04).
    breaker_lo, breaker_hi : ndarray of int64
        The breaker prices (BRK-01), 0 where there is no breaker (off, a last day, or no
        price limit).
    """

    band_lo: np.ndarray
    band_hi: np.ndarray
    ladder_lo: np.ndarray
    ladder_hi: np.ndarray
    limit_lo: np.ndarray
    limit_hi: np.ndarray
    has_limit: np.ndarray
    breaker_lo: np.ndarray
    breaker_hi: np.ndarray


def limit_bands(
    prev_settle: np.ndarray,
    price_limit: float | None,
    *,
    last_day: np.ndarray,
    last_day_limit: float | None,
    no_limit_range: float,
    circuit_breaker: float = 0.0,
) -> DayBands:
    """Limit bands of every contract for one day (LIMIT-01, LIMIT-02).

    Parameters
    ----------
    prev_settle : ndarray of int64
        Previous settlement per contract, ticks.
    price_limit : float or None
        LIMIT-01 fraction (e.g. 0.10); ``None`` = no daily price limit (the technical range
        every day, no breaker).
    last_day : ndarray of bool
        Whether the day is the contract's last trading day.
    last_day_limit : float or None
        LIMIT-02 fraction on a last day; ``None`` = no limit.
    no_limit_range : float
        Fraction the technical range spans when there is no limit (e.g. 0.5).
    circuit_breaker : float
        BRK-01 fraction (e.g. 0.06); 0 = no breaker. Never on a last trading day (LIMIT-02)
        nor without a price limit.

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
        frac = last_day_limit if last[c] else price_limit
        if frac is None:
            frac = no_limit_range
            has[c] = False
        lo[c], hi[c] = limit_band(int(prev[c]), float(frac))
    lo = np.maximum(lo, 1)
    brk_lo = np.zeros(n, dtype=np.int64)
    brk_hi = np.zeros(n, dtype=np.int64)
    if circuit_breaker > 0:
        for c in np.flatnonzero(~last & has):
            brk_lo[c], brk_hi[c] = limit_band(int(prev[c]), float(circuit_breaker))
    armed = brk_hi > 0
    return DayBands(
        band_lo=np.where(armed, brk_lo, lo),
        band_hi=np.where(armed, brk_hi, hi),
        ladder_lo=lo,
        ladder_hi=hi,
        limit_lo=lo,
        limit_hi=hi,
        has_limit=has,
        breaker_lo=brk_lo,
        breaker_hi=brk_hi,
    )
