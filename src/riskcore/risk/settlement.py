"""One day's settlement of every account (SETTLE-02, MARGIN-01/04, MARGIN-06) in one call.

:func:`settle` chains the pure pieces: mark to market in ticks
(:func:`~riskcore.risk.mark_to_market.mark_to_market`), P&L in CNY, trading margin of the
carried positions at the settlement price and the new margin rate
(:func:`~riskcore.risk.margin.position_margins`), the reserve after settlement and the margin
calls (:func:`~riskcore.risk.margin_calls.margin_calls`). Everything is vectorised numpy over
accounts x contracts (loops only over contracts), so a million accounts settle in well under a
second (``benchmarks/bench_settlement.py``).

The reserve is computed from the engine's state at the close, where realised P&L (MARGIN-03),
fees, deposits and withdrawals are already booked and the margin of the day's positions is tied
up at yesterday's settlement (old lots) or the trade price (new lots)::

    reserve = reserve_close + margin_close − margin_settlement + (P&L − realised) + credit

which is SETTLE-02's ``Reserve_yesterday + Margin_yesterday − Margin_today + P&L + deposits −
withdrawals − fees`` term for term (the tests and the SETTLE-03 check compare the two).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskcore.records import MARGIN_BOTH
from riskcore.risk.margin import BLOCK_ROWS, account_totals, position_margins
from riskcore.risk.margin_calls import margin_calls
from riskcore.risk.mark_to_market import add_trade_pnl, carried_pnl, mtm_credit, pnl_money

__all__ = ["Settlement", "settle"]


@dataclass(frozen=True, eq=False)
class Settlement:
    """The result of :func:`settle` (arrays; n_a accounts, n_c contracts).

    Attributes
    ----------
    settle : ndarray of int64, shape (n_c,)
        Settlement price used, ticks (SETTLE-01, or SETTLE-04's final settlement price).
    pnl_ticks : ndarray of int64, shape (n_a, n_c)
        Daily P&L per position, ticks·lots (SETTLE-02).
    pnl : ndarray of float64, shape (n_a, n_c)
        Daily P&L per position, CNY.
    pnl_account : ndarray of float64, shape (n_a,)
        Daily P&L per account, CNY.
    position_margin : ndarray of float64, shape (n_a, n_c)
        Trading margin of the carried positions at the settlement price, CNY (MARGIN-01/04).
    margin : ndarray of float64, shape (n_a,)
        Trading margin per account, CNY.
    credit : ndarray of float64, shape (n_a,)
        Money the settlement adds to the reserve: P&L − realised (+ any other credit), CNY.
    reserve : ndarray of float64, shape (n_a,)
        Settlement reserve after settlement, CNY (negative: a margin call).
    margin_call : ndarray of float64, shape (n_a,)
        Margin called, CNY, 0 where none (MARGIN-06).
    """

    settle: np.ndarray
    pnl_ticks: np.ndarray
    pnl: np.ndarray
    pnl_account: np.ndarray
    position_margin: np.ndarray
    margin: np.ndarray
    credit: np.ndarray
    reserve: np.ndarray
    margin_call: np.ndarray

    @property
    def equity(self) -> np.ndarray:
        """Reserve + trading margin per account, CNY."""
        return self.reserve + self.margin


def settle(
    *,
    long_prev: np.ndarray,
    short_prev: np.ndarray,
    long: np.ndarray,
    short: np.ndarray,
    prev_settle: np.ndarray,
    settle: np.ndarray,
    tick_value: np.ndarray,
    margin_rate: np.ndarray,
    fills: np.ndarray,
    reserve_close: np.ndarray,
    margin_close: np.ndarray,
    realised: np.ndarray,
    credit: np.ndarray | None = None,
    method: int = MARGIN_BOTH,
) -> Settlement:
    """Settle one trading day (SETTLE-02, MARGIN-01, MARGIN-04, MARGIN-06).

    Parameters
    ----------
    long_prev, short_prev : ndarray of int64, shape (n_a, n_c)
        Yesterday's lots (carried into today).
    long, short : ndarray of int64, shape (n_a, n_c)
        Lots carried forward after today (0 in a contract settled finally today, SETTLE-04).
    prev_settle, settle : ndarray of int64, shape (n_c,)
        Yesterday's and today's settlement price, ticks.
    tick_value : ndarray of float64, shape (n_c,)
        CNY per tick per lot.
    margin_rate : ndarray of float64, shape (n_c,)
        Rate from today's settlement on (MARGIN-04: a change applies to all positions at the
        settlement of the day it takes effect).
    fills : ndarray of FILL_DTYPE
        The day's fills (``buy_account``, ``sell_account``, ``contract``, ``price`` ticks,
        ``qty`` lots).
    reserve_close, margin_close, realised : ndarray of float64, shape (n_a,)
        Engine state at the close (``ACCOUNT_STATE_DTYPE`` fields), CNY.
    credit : ndarray of float64, shape (n_a,), optional
        Other money booked at settlement before this (CNY); default 0.
    method : int
        ``MARGIN_BOTH`` or ``MARGIN_LARGER_SIDE`` (MARGIN-01).

    Returns
    -------
    Settlement
    """
    settle = np.asarray(settle, dtype=np.int64)
    long_prev, short_prev = np.asarray(long_prev), np.asarray(short_prev)
    long, short = np.asarray(long), np.asarray(short)
    n_a, n_c = long.shape
    pnl_ticks = np.empty((n_a, n_c), dtype=np.int64)
    pnl = np.empty((n_a, n_c), dtype=np.float64)
    pos_margin = np.empty((n_a, n_c), dtype=np.float64)
    pnl_account = np.empty(n_a, dtype=np.float64)
    margin = np.empty(n_a, dtype=np.float64)
    # row blocks keep each block in cache; fills touch random positions, so they go between
    for lo in range(0, n_a, BLOCK_ROWS):
        rows = slice(lo, lo + BLOCK_ROWS)
        carried_pnl(long_prev[rows], short_prev[rows], prev_settle, settle, out=pnl_ticks[rows])
    add_trade_pnl(
        pnl_ticks, settle, fills["buy_account"], fills["sell_account"], fills["contract"],
        fills["price"], fills["qty"],
    )  # fmt: skip
    for lo in range(0, n_a, BLOCK_ROWS):
        rows = slice(lo, lo + BLOCK_ROWS)
        account_totals(pnl_money(pnl_ticks[rows], tick_value, out=pnl[rows]), out=pnl_account[rows])
        pos_margin[rows] = position_margins(
            long[rows], short[rows], settle, tick_value, margin_rate, method
        )
        account_totals(pos_margin[rows], out=margin[rows])
    add = mtm_credit(pnl_account, realised)
    if credit is not None:
        add = np.asarray(credit, dtype=np.float64) + add
    reserve = reserve_close + margin_close - margin + add
    return Settlement(
        settle=settle,
        pnl_ticks=pnl_ticks,
        pnl=pnl,
        pnl_account=pnl_account,
        position_margin=pos_margin,
        margin=margin,
        credit=add,
        reserve=reserve,
        margin_call=margin_calls(reserve),
    )
