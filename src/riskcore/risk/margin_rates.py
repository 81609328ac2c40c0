"""Margin-rate changes (MARGIN-04, MARGIN-05 ① and ②), vectorised over contracts.

Rule MARGIN-04: a change of a contract's trading-margin rate (scheduled in the rulebook or the
scenario, or automatic per MARGIN-05) applies to all its positions at the settlement of the
day it takes effect, and is reported to the regulator (a ``notices`` row).
Rule MARGIN-05: the exchange raises margin ① when a contract closes limit-locked (LIMIT-04)
in the same direction on consecutive days (``locked_margin_days`` days, by
``locked_margin_raise``), ② before a long holiday (the next trading day at least
``holiday_margin_days`` calendar days away, by ``holiday_margin_raise``).

Model: a contract's rate in force = *base rate* (the contract's own, replaced by scheduled
changes and ``margin_rate`` events, MARGIN-04) + the MARGIN-05 raises in force, capped at 100 %.
Choices where the rules are silent:

- ① The raise is added once, at the settlement of the ``locked_margin_days``-th consecutive
  same-direction locked day, stays while the streak goes on (it does not compound), and is
  lifted at the settlement of the first day that does not close locked in that direction
  (CFFEX and the commodity exchanges restore the normal rate then).
- ② The raise is added at the settlement of the last trading day before the closure and
  lifted at the settlement of the first trading day after it.
- A raise is added to whatever base rate is in force, so a scheduled change during a raise
  keeps the raise on top.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LOCK_DOWN",
    "LOCK_NONE",
    "LOCK_UP",
    "RATE_EPSILON",
    "changed",
    "effective_rate",
    "holiday_raise",
    "lock_streaks",
    "locked_raise",
]

LOCK_NONE, LOCK_UP, LOCK_DOWN = 0, 1, 2
"""LIMIT-04 codes per contract (as ``prices.locked``: null / up / down)."""

RATE_EPSILON = 1e-12
"""Rates closer than this are the same rate (no notice)."""


def lock_streaks(prev_streak: np.ndarray, locked: np.ndarray) -> np.ndarray:
    """Consecutive same-direction limit-locked days up to today (MARGIN-05 ①).

    Parameters
    ----------
    prev_streak : ndarray of int64, shape (n_contracts,)
        Yesterday's streak: +n = locked up n days running, -n = locked down, 0 = not locked.
    locked : ndarray of int, shape (n_contracts,)
        Today's LIMIT-04 code: ``LOCK_NONE``, ``LOCK_UP`` or ``LOCK_DOWN``.

    Returns
    -------
    ndarray of int64, shape (n_contracts,)

    Examples
    --------
    >>> import numpy as np
    >>> lock_streaks(np.array([1, 1, -2, 3]), np.array([1, 2, 2, 0])).tolist()
    [2, -1, -3, 0]
    """
    prev = np.asarray(prev_streak, dtype=np.int64)
    locked = np.asarray(locked)
    up = np.where(prev > 0, prev + 1, 1)
    down = np.where(prev < 0, prev - 1, -1)
    return np.where(locked == LOCK_UP, up, np.where(locked == LOCK_DOWN, down, 0)).astype(np.int64)


def locked_raise(streak: np.ndarray, days: int, amount: float) -> np.ndarray:
    """MARGIN-05 ① raise in force from today's settlement, rate points per contract.

    Parameters
    ----------
    streak : ndarray of int64, shape (n_contracts,)
        Signed consecutive locked days (:func:`lock_streaks`).
    days : int
        ``locked_margin_days``: the streak length that triggers the raise.
    amount : float
        ``locked_margin_raise``: rate added, fraction (0 = off).
    """
    streak = np.asarray(streak, dtype=np.int64)
    return np.where(np.abs(streak) >= days, float(amount), 0.0)


def holiday_raise(gap_days: np.ndarray, days: int, amount: float) -> np.ndarray:
    """MARGIN-05 ② raise in force from today's settlement, rate points per contract.

    Parameters
    ----------
    gap_days : ndarray of int, shape (n_contracts,)
        Calendar days from today to the contract's next trading day (0 = none: the contract
        expires today or the calendar has no further trading day).
    days : int
        ``holiday_margin_days``: a gap of at least this many calendar days is a long holiday.
    amount : float
        ``holiday_margin_raise``: rate added, fraction (0 = off).

    Examples
    --------
    Friday to Monday is 3 days; 30 Sep to 8 Oct 2015 is 8 (National Day).

    >>> import numpy as np
    >>> holiday_raise(np.array([3, 8, 0]), 5, 0.02).tolist()
    [0.0, 0.02, 0.0]
    """
    gap = np.asarray(gap_days, dtype=np.int64)
    return np.where(gap >= days, float(amount), 0.0)


def effective_rate(base: np.ndarray, *raises: np.ndarray) -> np.ndarray:
    """Rate in force: base + raises, at most 1.0 (100 % of notional), fraction."""
    out = np.asarray(base, dtype=np.float64).copy()
    for r in raises:
        out = out + r
    return np.minimum(out, 1.0)


def changed(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Contracts whose rate changes (by more than :data:`RATE_EPSILON`)."""
    return np.abs(np.asarray(new, dtype=np.float64) - old) > RATE_EPSILON
