"""What agents see at a step (:class:`View`), what they send (:class:`Orders`), helpers.

Every kind's ``act(view, group, rng)`` is a pure function of these: it draws one step's
random numbers the way the day's bulk draw does (:mod:`riskcore.agents.draws`) and applies
the group's decision rules, the same compiled functions the day loop runs for all groups at
once (:mod:`riskcore.agents.step_nb`, through :func:`decide`). Prices are int64 ticks,
quantities lots, times ns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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


def decide(view: View, g: Group, d, errors: np.ndarray | None = None) -> Orders:
    """The orders of group ``g`` at ``view`` for one step's draws ``d``
    (:class:`riskcore.agents.draws.GroupDraws` of one step), by the kernel's rules;
    ``errors`` are a fundamental group's fair-value errors, by agent. Prices unclipped."""
    from riskcore.agents import step_nb
    from riskcore.agents.draws import KIND_CODE, param_row

    i64 = np.int64
    kind, c, n = KIND_CODE[g.kind], int(g.contract), len(g.accounts)
    lo = int(g.accounts[0]) if n else 0
    live = view.live
    n_live = len(live["order_no"])
    table = np.zeros((8, n_live), i64)  # rows as in step_nb.step
    for row, f in ((0, "order_no"), (2, "account"), (5, "offset"), (7, "leaves")):
        table[row] = live[f]
    rows = np.zeros(n_live, i64)
    nc = step_nb.group_cancels(
        i64(kind), i64(lo), i64(n), i64(view.stale_no), table[0], table[2], i64(n_live), rows,
        i64(0),
    )  # fmt: skip
    cancel = table[0, rows[:nc]].copy()
    held = np.stack([view.long, view.short, view.free_long, view.free_short]).astype(i64)
    ret = 0.0
    if g.kind == "momentum":
        from riskcore.agents.momentum import signal

        ret = signal(view.history, c, int(g.params["lookback"]))
    dd = np.stack([d.agent, d.buy, d.k, d.qty]).astype(i64)
    err = np.zeros(1) if errors is None else np.ascontiguousarray(errors, np.float64)
    o = np.zeros((5, 2 * n + 1), i64)
    no = step_nb.group_news(
        i64(kind), param_row(g.kind, g.params), i64(lo), i64(n), i64(c), dd, i64(d.ptr[0]),
        i64(d.ptr[1]), err, i64(0), i64(view.ref[c]), i64(view.bid[c]), i64(view.ask[c]),
        float(ret), float(view.underlying), float(view.tick[c]), held, table, i64(n_live),
        np.zeros(n + 1, i64), o,
    )  # fmt: skip
    o = o[:, :no]
    return Orders(o[0].copy(), o[1].astype(np.int8), o[2].astype(np.int8), o[3].copy(),
                  o[4].copy(), cancel)  # fmt: skip


__all__ = ["Group", "Orders", "View", "decide"]
