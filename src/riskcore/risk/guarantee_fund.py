"""Settlement guarantee funds (FUND-01), vectorised over members.

Rule:

- FUND-01 Each clearing member holds a basic guarantee fund (a fixed minimum: the
  scenario's ``guarantee_fund``) and a variable one: a market-wide pool (rulebook
  ``variable_fund_pool``, CNY; 0 in ``seed``) shared out every ``variable_fund_interval``
  trading days in proportion to each member's share of business volume (trades and
  positions).

Functions:

- :func:`is_resize_day`: whether the variable part is re-shared on a day.
- :func:`volume_shares`: each member's share of business volume.
- :func:`guarantee_funds`: basic, variable and total fund per member on a day.
- :func:`guarantee_fund_table`: the ``guarantee_fund`` rows (SCENARIO.md) of a day.

Choices where the rule is silent:

- Days are counted by ``day_index``, the 0-based index of the trading day in the run. The
  variable part is re-shared on days ``0, interval, 2 x interval, ...`` and is in force
  from that day (it is the fund the FUND-02 waterfall can draw on that day). Between
  resize days it stays what it was (``previous_variable``).
- Business volume over the interval that ends before a resize day (days
  ``d - interval .. d - 1``) is measured by two numbers per member, both summed over the
  member's accounts (proprietary and client):

  * ``traded_lots``: lots traded, each fill counted once for each side's account (a fill of
    5 lots between two accounts of the same member counts 10 for that member);
  * ``positions``: open position, long + short lots, summed over the interval's
    settlements (lot-days; equivalently the average position times the interval).

  A member's share is ``0.5 x traded share + 0.5 x position share``. A measure whose market
  total is 0 is dropped and the other gets the whole weight; if both are 0 (e.g. day 0 of
  a run without initial positions) the pool is shared equally. On day 0 the caller passes
  the initial positions and no trades, so the pool is shared by open positions.
- The pool is shared in full (the shares sum to 1); amounts are not rounded (CNY floats).
- The basic part is a fixed minimum and never changes here. A drawdown by the FUND-02
  waterfall (:mod:`riskcore.risk.waterfall`) reduces the *balance*; replenishing it is the
  day loop's business, and the ``guarantee_fund`` table reports the requirement.

Units: money float64 CNY, lots int64 (or float lot-days), members in
:class:`~riskcore.sim.build.Index` order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import polars as pl

__all__ = [
    "GUARANTEE_FUND_SCHEMA",
    "TRADE_WEIGHT",
    "GuaranteeFunds",
    "guarantee_fund_table",
    "guarantee_funds",
    "is_resize_day",
    "volume_shares",
]

GUARANTEE_FUND_SCHEMA = pl.Schema(
    {
        "day": pl.Date,
        "member": pl.String,
        "basic": pl.Float64,
        "variable": pl.Float64,
        "total": pl.Float64,
    }
)
"""Columns of the ``guarantee_fund`` table (SCENARIO.md): one row per member-day, CNY."""

TRADE_WEIGHT = 0.5
"""FUND-01 weight of the traded-lots share in the business-volume share (positions: 1 - it)."""


class GuaranteeFunds(NamedTuple):
    """One day's guarantee funds per member (FUND-01).

    Attributes
    ----------
    basic, variable, total : ndarray of float64, shape (n_members,)
        CNY; ``total = basic + variable``.
    resized : bool
        ``True`` if the variable part was re-shared on this day.
    """

    basic: np.ndarray
    variable: np.ndarray
    total: np.ndarray
    resized: bool


def is_resize_day(day_index: int, interval: int) -> bool:
    """Whether the FUND-01 variable fund is re-shared on trading day ``day_index``.

    Parameters
    ----------
    day_index : int
        0-based index of the trading day in the run.
    interval : int
        ``variable_fund_interval``, trading days (>= 1).

    Examples
    --------
    >>> [is_resize_day(d, 3) for d in range(7)]
    [True, False, False, True, False, False, True]
    """
    if interval < 1:
        raise ValueError(f"variable_fund_interval must be >= 1 trading day, got {interval}")
    if day_index < 0:
        raise ValueError(f"day_index must be >= 0, got {day_index}")
    return day_index % interval == 0


def _share(x: np.ndarray) -> np.ndarray | None:
    total = x.sum()
    return x / total if total > 0 else None


def volume_shares(traded_lots, positions, trade_weight: float = TRADE_WEIGHT) -> np.ndarray:
    """Each member's share of business volume (FUND-01), fractions summing to 1.

    Parameters
    ----------
    traded_lots : array_like of float, shape (n_members,)
        Lots traded by the member's accounts over the interval (each side counted).
    positions : array_like of float, shape (n_members,)
        Open long + short lots of the member's accounts, summed over the interval's
        settlements (lot-days).
    trade_weight : float
        Weight of the traded share (default :data:`TRADE_WEIGHT` = 0.5).

    Returns
    -------
    ndarray of float64, shape (n_members,)
        ``w x traded share + (1 - w) x position share``; a measure with a zero total is
        dropped (the other gets weight 1); equal shares if both totals are 0.

    Examples
    --------
    >>> volume_shares([30, 10], [100, 300]).tolist()
    [0.5, 0.5]
    >>> volume_shares([0, 0], [100, 300]).tolist()
    [0.25, 0.75]
    """
    traded = np.asarray(traded_lots, dtype=np.float64)
    pos = np.asarray(positions, dtype=np.float64)
    if traded.shape != pos.shape or traded.ndim != 1:
        raise ValueError("traded_lots and positions must be 1-D arrays of the same length")
    if (traded < 0).any() or (pos < 0).any():
        raise ValueError("traded_lots and positions must be >= 0")
    n = len(traded)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    t, p = _share(traded), _share(pos)
    if t is not None and p is not None:
        return trade_weight * t + (1.0 - trade_weight) * p
    if t is not None:
        return t
    if p is not None:
        return p
    return np.full(n, 1.0 / n)


def guarantee_funds(
    day_index: int,
    basic,
    pool: float,
    interval: int,
    traded_lots,
    positions,
    previous_variable=None,
) -> GuaranteeFunds:
    """Basic, variable and total guarantee fund of every member on a day (FUND-01).

    Parameters
    ----------
    day_index : int
        0-based index of the trading day in the run.
    basic : array_like of float, shape (n_members,)
        Basic guarantee fund, CNY (the scenario's ``members[].guarantee_fund``).
    pool : float
        ``variable_fund_pool``, CNY, shared out on a resize day.
    interval : int
        ``variable_fund_interval``, trading days.
    traded_lots, positions : array_like of float, shape (n_members,)
        Business volume over the interval just ended (see :func:`volume_shares`); only
        read on a resize day.
    previous_variable : array_like of float, shape (n_members,), optional
        The variable part in force before this day, CNY; kept on other days. Default
        zeros.

    Returns
    -------
    GuaranteeFunds
        ``basic``, ``variable``, ``total`` (CNY, shape (n_members,)) and ``resized``.

    Examples
    --------
    >>> g = guarantee_funds(0, [5e6, 5e6], 1e6, 20, [0, 0], [100, 300])
    >>> g.variable.tolist(), g.total.tolist(), g.resized
    ([250000.0, 750000.0], [5250000.0, 5750000.0], True)
    >>> guarantee_funds(1, [5e6, 5e6], 1e6, 20, [9, 9], [9, 9], g.variable).variable.tolist()
    [250000.0, 750000.0]
    """
    basic_ = np.asarray(basic, dtype=np.float64).copy()
    if basic_.ndim != 1:
        raise ValueError("basic must be a 1-D array (one value per member)")
    if (basic_ < 0).any() or pool < 0:
        raise ValueError("guarantee funds and the pool must be >= 0 CNY")
    n = len(basic_)
    resized = is_resize_day(day_index, interval)
    if resized:
        variable = pool * volume_shares(traded_lots, positions)
    elif previous_variable is None:
        variable = np.zeros(n, dtype=np.float64)
    else:
        variable = np.asarray(previous_variable, dtype=np.float64).copy()
    if variable.shape != (n,):
        raise ValueError("basic, volumes and previous_variable must have one value per member")
    return GuaranteeFunds(basic_, variable, basic_ + variable, resized)


def guarantee_fund_table(
    day: dt.date, members: Sequence[str], funds: GuaranteeFunds
) -> pl.DataFrame:
    """The day's ``guarantee_fund`` rows (SCENARIO.md; FUND-01).

    Parameters
    ----------
    day : datetime.date
    members : sequence of str, length n_members
        Member ids.
    funds : GuaranteeFunds
        From :func:`guarantee_funds`.

    Returns
    -------
    polars.DataFrame
        :data:`GUARANTEE_FUND_SCHEMA`: ``day, member, basic, variable, total``, one row per
        member in member order.
    """
    n = len(members)
    return pl.DataFrame(
        {
            "day": [day] * n,
            "member": list(members),
            "basic": funds.basic,
            "variable": funds.variable,
            "total": funds.total,
        },
        schema=GUARANTEE_FUND_SCHEMA,
    )
