"""Daily mark to market (SETTLE-02), vectorised over accounts x contracts.

Rule SETTLE-02: with S today's settlement price, S_prev yesterday's, L_prev / Sh_prev
yesterday's long / short lots,

    P&L = [Σ sells (p − S)·q + Σ buys (S − p)·q + (S − S_prev)·(L_prev − Sh_prev)] x multiplier

per account and contract, and

    Reserve_today = Reserve_yesterday + Margin_yesterday − Margin_today + P&L
                    + deposits − withdrawals − fees.

The P&L is computed in exact integer ticks (UNIT-01) and only then turned into CNY
(x tick value = tick size x multiplier), so Σ over all accounts is exactly 0 in every contract
(SETTLE-03): every fill has a buyer and a seller, and yesterday's total long equals total short.

Nothing is counted twice: the engines already credited the realised P&L of closing trades to
the reserve during the day (MARGIN-03), so the settlement credits only ``P&L − realised``
(:func:`mtm_credit`). The whole-day P&L above equals realised + unrealised exactly, whichever
lots (yesterday's first, today's at their average cost) the engine closed.
"""

from __future__ import annotations

import numpy as np

from riskcore._jit import require_indices
from riskcore.risk.settlement_nb import add_signed

__all__ = [
    "add_trade_pnl",
    "carried_pnl",
    "mark_to_market",
    "mtm_credit",
    "pnl_money",
    "reserve_update",
]


def mark_to_market(
    long_prev: np.ndarray,
    short_prev: np.ndarray,
    prev_settle: np.ndarray,
    settle: np.ndarray,
    buy_account: np.ndarray,
    sell_account: np.ndarray,
    contract: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
) -> np.ndarray:
    """Daily P&L of every position, in ticks·lots (SETTLE-02).

    Parameters
    ----------
    long_prev, short_prev : ndarray of int64, shape (n_accounts, n_contracts)
        Yesterday's long and short lots (as carried into today).
    prev_settle, settle : ndarray of int64, shape (n_contracts,)
        Yesterday's and today's settlement price, ticks (today's: the final settlement price
        on a contract's last trading day, SETTLE-04).
    buy_account, sell_account, contract : ndarray of int, shape (n_fills,)
        The day's fills: buyer, seller and contract indices.
    price : ndarray of int64, shape (n_fills,)
        Fill prices, ticks.
    qty : ndarray of int, shape (n_fills,)
        Fill quantities, lots.

    Returns
    -------
    ndarray of int64, shape (n_accounts, n_contracts)
        P&L in ticks·lots; multiply by the tick value (:func:`pnl_money`) for CNY.

    Examples
    --------
    Rule SETTLE-02: one IF lot long from yesterday (settled 3,400.0 = 17,000 ticks), today's
    settlement 3,380.0 (16,900 ticks), no trades: −100 ticks, x 60 CNY = −6,000 CNY.

    >>> import numpy as np
    >>> none = np.zeros(0, dtype=np.int64)
    >>> mark_to_market(np.array([[1]]), np.array([[0]]), np.array([17_000]),
    ...                np.array([16_900]), none, none, none, none, none)
    array([[-100]])
    """
    pnl = carried_pnl(long_prev, short_prev, prev_settle, settle)
    add_trade_pnl(pnl, settle, buy_account, sell_account, contract, price, qty)
    return pnl


def carried_pnl(
    long_prev: np.ndarray,
    short_prev: np.ndarray,
    prev_settle: np.ndarray,
    settle: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The SETTLE-02 term of yesterday's positions: (S − S_prev)·(L_prev − Sh_prev), ticks·lots.

    Parameters as :func:`mark_to_market`; ``out`` (int64, shape (n_accounts, n_contracts)),
    if given, receives the result.
    """
    ds = np.asarray(settle, dtype=np.int64) - np.asarray(prev_settle, dtype=np.int64)
    if out is None:
        out = np.asarray(long_prev, dtype=np.int64) - np.asarray(short_prev, dtype=np.int64)
    else:
        np.subtract(long_prev, short_prev, out=out)
    out *= ds
    return out


def add_trade_pnl(
    pnl: np.ndarray,
    settle: np.ndarray,
    buy_account: np.ndarray,
    sell_account: np.ndarray,
    contract: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
) -> np.ndarray:
    """Add the SETTLE-02 terms of the day's fills to ``pnl`` in place: Σ buys (S − p)·q and
    Σ sells (p − S)·q per account and contract, ticks·lots. Parameters as
    :func:`mark_to_market`; returns ``pnl``."""
    c = np.asarray(contract, dtype=np.int64)
    if not len(c):
        return pnl
    n_c = pnl.shape[1]
    require_indices(c, n_c, "fill contracts")
    s = np.asarray(settle, dtype=np.int64)
    gain = (s[c] - np.asarray(price, dtype=np.int64)) * np.asarray(qty, dtype=np.int64)
    flat = pnl.reshape(-1)
    buys, sells = (_cells(a, c, n_c, len(flat)) for a in (buy_account, sell_account))
    # both checked before either is added; each added in place (no joined copy of the keys)
    add_signed(flat, buys, gain, 1)  # S - p
    add_signed(flat, sells, gain, -1)  # p - S
    return pnl


def _cells(account: np.ndarray, contract: np.ndarray, n_c: int, size: int) -> np.ndarray:
    """Flat (account, contract) cells of fills, checked to lie in a P&L array of ``size``
    cells (the kernel that adds to them does not check bounds)."""
    cells = np.asarray(account, dtype=np.int64) * n_c + contract
    require_indices(cells, size, "fills' (account, contract) cells of the P&L array")
    return cells


def pnl_money(
    pnl_ticks: np.ndarray, tick_value: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """P&L in CNY: ticks·lots x tick value (CNY per tick per lot), per contract column.

    Parameters
    ----------
    pnl_ticks : ndarray of int64, shape (n_accounts, n_contracts)
    tick_value : ndarray of float64, shape (n_contracts,)
    out : ndarray of float64, shape (n_accounts, n_contracts), optional

    Returns
    -------
    ndarray of float64, shape (n_accounts, n_contracts)
    """
    if out is None:
        out = np.asarray(pnl_ticks).astype(np.float64)
    else:
        out[...] = pnl_ticks
    out *= np.asarray(tick_value, dtype=np.float64)
    return out


def mtm_credit(pnl_account: np.ndarray, realised: np.ndarray) -> np.ndarray:
    """What the settlement adds to the reserve: the day's P&L less the realised P&L the
    engine already credited intraday (MARGIN-03), CNY (SETTLE-02, nothing counted twice).

    Parameters
    ----------
    pnl_account : ndarray of float64, shape (n_accounts,)
        The day's P&L per account, CNY.
    realised : ndarray of float64, shape (n_accounts,)
        Realised P&L of the day's closing trades, already in the reserve, CNY.
    """
    return np.asarray(pnl_account, dtype=np.float64) - np.asarray(realised, dtype=np.float64)


def reserve_update(
    reserve_prev: np.ndarray,
    margin_prev: np.ndarray,
    margin: np.ndarray,
    pnl: np.ndarray,
    deposits: np.ndarray,
    withdrawals: np.ndarray,
    fees: np.ndarray,
) -> np.ndarray:
    """SETTLE-02 as written: Reserve_today = Reserve_yesterday + Margin_yesterday −
    Margin_today + P&L + deposits − withdrawals − fees, CNY per account.

    The day loop gets the same number from the engine's state at the close
    (:func:`riskcore.risk.settlement.settle`); this textbook form is what the conservation
    check (SETTLE-03) and the tests compare it with.

    Examples
    --------
    The worked example: margin 153,000 → 152,100 CNY, P&L −6,000 CNY: the reserve changes by
    +900 − 6,000 = −5,100 CNY.

    >>> float(reserve_update(100_000.0, 153_000.0, 152_100.0, -6_000.0, 0.0, 0.0, 0.0))
    94900.0
    """
    return (
        np.asarray(reserve_prev, dtype=np.float64)
        + margin_prev
        - margin
        + pnl
        + deposits
        - withdrawals
        - fees
    )
