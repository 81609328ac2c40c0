"""What agents see at a step (:class:`View`), what they send (:class:`Orders`), helpers.

Every kind's ``act(view, group, rng)`` is a pure function of these: numpy over the group's
agents, no Python loop per agent. Prices are int64 ticks, quantities lots, times ns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskcore.records import BUY, CLOSE, OPEN, SELL


@dataclass(eq=False)
class Orders:
    """New orders (limit, good for day) and cancels one group sends at a step.

    Attributes
    ----------
    account : ndarray of int64
        Account index of each new order.
    side, offset : ndarray of int8
        ``BUY``/``SELL``, ``OPEN``/``CLOSE``.
    price : ndarray of int64
        Limit price, ticks (the runner clips it to the band in force).
    qty : ndarray of int64
        Lots (> 0).
    cancel : ndarray of int64
        Order numbers of the group's resting orders to cancel (sent before the new ones).
    """

    account: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    side: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    offset: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    price: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    qty: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cancel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def of(cls, account, side, offset, price, qty, cancel=None) -> Orders:
        keep = np.asarray(qty) > 0
        return cls(
            np.asarray(account, np.int64)[keep],
            np.asarray(side, np.int8)[keep],
            np.asarray(offset, np.int8)[keep],
            np.asarray(price, np.int64)[keep],
            np.asarray(qty, np.int64)[keep],
            np.zeros(0, np.int64) if cancel is None else np.asarray(cancel, np.int64),
        )


@dataclass(eq=False)
class View:
    """The market and the agents' accounts at one step (one contract column per array).

    Attributes
    ----------
    t : int
        Step time, ns.
    step_s : float
        Step length, seconds.
    bid, ask : ndarray of int64, shape (n_contracts,)
        Best bid / ask, ticks; -1 = none.
    last : ndarray of int64
        Last trade price today, ticks; -1 = none yet.
    ref : ndarray of int64
        Reference price: the mid (rounded down) when both sides quote, else the last trade
        price, else the previous settlement; clipped to the band.
    band_lo, band_hi : ndarray of int64
        Band in force (LIMIT-03, BRK), ticks.
    prev_settle : ndarray of int64
    tick : ndarray of float64
        Tick size, index points.
    long, short : ndarray of int64, shape (n_accounts, n_contracts)
        Lots held (yesterday's + today's).
    free_long, free_short : ndarray of int64
        Lots not yet in live close orders (what a new close order may close).
    restricted : ndarray of bool, shape (n_accounts,)
        Close only (MARGIN-06, LIQ): the runner drops such agents' opening orders.
    reserve : ndarray of float64, shape (n_accounts,)
        Free reserve, CNY.
    live : dict of str to ndarray
        The agents' resting orders, one array per field (``order_no``, ``price``,
        ``account``, ``contract``, ``side``, ``offset``, ``qty``, ``leaves``), int64.
    stale_no : int
        Agent orders numbered below this were sent more than the caller's
        ``cancel_after`` ago (set per group by the runner).
    underlying : float
        The underlying index level now, index points (NaN without ``[underlying]``).
    history : ndarray of int64, shape (n_steps_today + 1, n_contracts)
        Reference prices: row 0 the previous settlement, then one row per step so far.
    """

    t: int
    step_s: float
    bid: np.ndarray
    ask: np.ndarray
    last: np.ndarray
    ref: np.ndarray
    band_lo: np.ndarray
    band_hi: np.ndarray
    prev_settle: np.ndarray
    tick: np.ndarray
    long: np.ndarray
    short: np.ndarray
    free_long: np.ndarray
    free_short: np.ndarray
    restricted: np.ndarray
    reserve: np.ndarray
    live: dict
    underlying: float
    history: np.ndarray
    stale_no: int = 0


@dataclass(eq=False)
class Group:
    """One ``[[agents]]`` block as the runner holds it.

    Attributes
    ----------
    number : int
        Position of the block in the file (its random stream, ``spawn_key=(1, number, day)``).
    kind : str
    accounts : ndarray of int64
        Account indices of the group's agents.
    contract : int
        Index of the contract it trades.
    params : dict
        The kind's parameters (:data:`riskcore.agents.params.PARAMS`).
    top_up : bool
        ``on_margin_call = "top_up"``.

    The accounts of a group are consecutive indices (the loader adds them in order), so
    "is one of the group's" is ``lo <= account < hi``.
    """

    number: int
    kind: str
    accounts: np.ndarray
    contract: int
    params: dict
    top_up: bool

    def owns(self, account: np.ndarray) -> np.ndarray:
        """Which of ``account`` (indices) belong to the group."""
        lo = int(self.accounts[0]) if len(self.accounts) else 0
        return (account >= lo) & (account < lo + len(self.accounts))


def arrivals(rng: np.random.Generator, n: int, rate: float, step_s: float) -> np.ndarray:
    """Which of ``n`` agents send an order this step: Poisson arrivals at ``rate`` per second,
    at most one per step (probability ``1 - exp(-rate x step)``)."""
    p = 1.0 - np.exp(-rate * step_s)
    return rng.random(n) < p


def offsets(side, qty, free_long, free_short) -> np.ndarray:
    """``CLOSE`` where the order can close that many lots of the opposite position (a sell
    against free long lots, a buy against free short lots), else ``OPEN``."""
    side = np.asarray(side)
    free = np.where(side == SELL, free_long, free_short)
    return np.where(free >= qty, CLOSE, OPEN).astype(np.int8)


def within_position(side, qty, offset, net, max_position: int) -> np.ndarray:
    """False for opening orders that would take ``|net|`` beyond ``max_position`` lots."""
    after = net + np.where(np.asarray(side) == BUY, qty, -np.asarray(qty))
    return (np.asarray(offset) == CLOSE) | (np.abs(after) <= max_position)


__all__ = ["Group", "Orders", "View", "arrivals", "offsets", "within_position"]
