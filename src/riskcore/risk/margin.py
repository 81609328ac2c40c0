"""Trading margin of positions (MARGIN-01), vectorised over accounts x contracts.

Rule MARGIN-01: an account's money is the settlement reserve (free) plus the trading margin
(tied to positions); trading margin = Σ positions x price x multiplier x margin rate. Both sides
of a locked position (long and short in one contract) are margined with method ``both``; only
the larger side's value with ``larger_side``.

The arithmetic is exactly the engines' (``docs/engine-semantics.md``, "Position margin"), so a
margin computed here at the settlement price equals, bit for bit, the margin the next day's
engine computes for the same lots at its previous settlement price:

- per position ``float(value_ticks) x tick_value x margin_rate`` (two multiplications, in that
  order), ``value_ticks`` = lots x price in int64 ticks·lots;
- per account, the positions summed contract by contract (0, 1, ...).

Units: lots int64, prices int64 ticks, tick value CNY per tick per lot, rates fractions,
margin float64 CNY (UNIT-01).
"""

from __future__ import annotations

import numpy as np

from riskcore.records import MARGIN_BOTH, MARGIN_LARGER_SIDE

__all__ = [
    "BLOCK_ROWS",
    "MARGIN_BOTH",
    "MARGIN_LARGER_SIDE",
    "account_totals",
    "position_margins",
    "trading_margin",
]


def position_margins(
    long: np.ndarray,
    short: np.ndarray,
    price: np.ndarray,
    tick_value: np.ndarray,
    margin_rate: np.ndarray,
    method: int = MARGIN_BOTH,
) -> np.ndarray:
    """Trading margin of every position valued at ``price`` (MARGIN-01), CNY.

    Parameters
    ----------
    long, short : ndarray of int64, shape (n_accounts, n_contracts)
        Lots held.
    price : ndarray of int64, shape (n_contracts,)
        Valuation price, ticks (the settlement price at settlement, MARGIN-04).
    tick_value : ndarray of float64, shape (n_contracts,)
        CNY per tick per lot (tick size x multiplier; IF: 0.2 x 300 = 60).
    margin_rate : ndarray of float64, shape (n_contracts,)
        Trading-margin rate, fraction of notional (e.g. 0.15).
    method : int
        ``MARGIN_BOTH`` (long + short value) or ``MARGIN_LARGER_SIDE`` (the larger value).

    Returns
    -------
    ndarray of float64, shape (n_accounts, n_contracts)
        CNY per position.

    Examples
    --------
    One IF lot at 3,380.0 points (16,900 ticks of 0.2), 15 %: 3,380 x 300 x 0.15 = 152,100 CNY.

    >>> import numpy as np
    >>> position_margins(np.array([[1]]), np.array([[0]]), np.array([16_900]),
    ...                  np.array([60.0]), np.array([0.15]))
    array([[152100.]])
    """
    px = np.asarray(price, dtype=np.int64)
    val = np.asarray(long, dtype=np.int64) * px
    short_val = np.asarray(short, dtype=np.int64) * px
    if method == MARGIN_BOTH:
        val += short_val
    elif method == MARGIN_LARGER_SIDE:
        np.maximum(val, short_val, out=val)
    else:
        raise ValueError(f"unknown margin method {method!r} (MARGIN_BOTH or MARGIN_LARGER_SIDE)")
    del short_val
    per = val.astype(np.float64)
    del val
    per *= np.asarray(tick_value, dtype=np.float64)
    per *= np.asarray(margin_rate, dtype=np.float64)
    return per


BLOCK_ROWS = 8192
"""Accounts per block in row-blocked loops: a block of 16 contracts (1 MiB of float64) stays
in cache while its columns are added, which is 4-5x faster than whole-array column passes."""


def account_totals(per_position: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Σ over contracts per account, added contract by contract (0, 1, ...) as the engines add.

    Parameters
    ----------
    per_position : ndarray of float64, shape (n_accounts, n_contracts)
        CNY per position (margin, P&L).
    out : ndarray of float64, shape (n_accounts,), optional
        Where to write the result.

    Returns
    -------
    ndarray of float64, shape (n_accounts,)
    """
    per_position = np.asarray(per_position, dtype=np.float64)
    n_a, n_c = per_position.shape
    if out is None:
        out = np.zeros(n_a, dtype=np.float64)
    else:
        out[:] = 0.0
    for lo in range(0, n_a, BLOCK_ROWS):  # row blocks, so each block's columns are in cache
        blk, o = per_position[lo : lo + BLOCK_ROWS], out[lo : lo + BLOCK_ROWS]
        for c in range(n_c):
            o += blk[:, c]
    return out


def trading_margin(
    long: np.ndarray,
    short: np.ndarray,
    price: np.ndarray,
    tick_value: np.ndarray,
    margin_rate: np.ndarray,
    method: int = MARGIN_BOTH,
) -> np.ndarray:
    """Trading margin per account (MARGIN-01), CNY: :func:`position_margins` summed over
    contracts with :func:`account_totals`. Parameters as :func:`position_margins`.

    Returns
    -------
    ndarray of float64, shape (n_accounts,)
    """
    return account_totals(position_margins(long, short, price, tick_value, margin_rate, method))
