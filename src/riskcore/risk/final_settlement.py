"""Final settlement on a contract's last trading day (SETTLE-04).

Rule SETTLE-04: on the last trading day every open position is closed at the final settlement
price (scenario-given, e.g. the underlying index's mean over the last two hours). The day's
mark to market uses that price as today's settlement price S (SETTLE-02), so the closing trades
themselves add nothing to the P&L ((p − S)·q = 0), and their margin is released (nothing is
carried).

The closing trades are booked as fills of kind ``final`` (``K_FINAL``): every long lot is sold
(offset close) and every short lot bought (offset close), longs paired with shorts in account
order. Choices where the rule is silent:

- Pairing: the accounts' long lots, laid end to end in account order, are matched against the
  short lots laid end to end in account order; each overlap is one trade. An account holding
  both sides (a locked position) may meet itself.
- A final settlement price that is not a whole number of ticks is rounded to the nearest tick,
  half up (prices are integer ticks, UNIT-01); the scenario's value is used as it is when on
  the tick.
- The trades have no orders (order numbers -1) and no aggressor; their time is the contract's
  close that day.
"""

from __future__ import annotations

import numpy as np

from riskcore.records import CLOSE, FILL_DTYPE, K_FINAL

__all__ = ["final_price_ticks", "final_trades"]


def final_price_ticks(price: float, tick: float) -> int:
    """A final settlement price (index points) in ticks, half up (see the module notes).

    >>> final_price_ticks(3201.4, 0.2), final_price_ticks(3201.43, 0.2)
    (16007, 16007)
    """
    return int(np.floor(float(price) / float(tick) + 0.5 + 1e-9))


def final_trades(
    long: np.ndarray, short: np.ndarray, contract: int, price: int, ts: int
) -> np.ndarray:
    """The closing trades of one contract's final settlement (SETTLE-04), vectorised.

    Parameters
    ----------
    long, short : ndarray of int64, shape (n_accounts,)
        Lots held at the close (Σ long = Σ short, SETTLE-03).
    contract : int
        Contract index.
    price : int
        Final settlement price, ticks.
    ts : int
        Time of the trades, ns since the epoch (the contract's close).

    Returns
    -------
    ndarray of FILL_DTYPE
        One fill per pair of a long and a short account, in the order of the long lots:
        ``buy_account`` the short holder (buying to close), ``sell_account`` the long holder
        (selling to close), both offsets ``CLOSE``, kind ``K_FINAL``, ``aggressor`` 0, order
        numbers -1; ``trade_no`` 0, 1, ... (the caller renumbers).

    Examples
    --------
    Account 0 long 3, account 1 short 1, account 2 short 2: two trades, 1 lot 0→1 and
    2 lots 0→2.

    >>> import numpy as np
    >>> f = final_trades(np.array([3, 0, 0]), np.array([0, 1, 2]), 0, 16_007, 0)
    >>> f["sell_account"].tolist(), f["buy_account"].tolist(), f["qty"].tolist()
    ([0, 0], [1, 2], [1, 2])
    """
    long = np.asarray(long, dtype=np.int64)
    short = np.asarray(short, dtype=np.int64)
    cl, cs = np.cumsum(long), np.cumsum(short)
    total = int(cl[-1]) if len(cl) else 0
    if total != (int(cs[-1]) if len(cs) else 0):
        raise ValueError(f"total long {total} != total short {int(cs[-1])} (SETTLE-03)")
    if total == 0:
        return np.zeros(0, dtype=FILL_DTYPE)
    ends = np.union1d(cl[long > 0], cs[short > 0])  # every place a holder changes
    starts = np.concatenate(([0], ends[:-1]))
    out = np.zeros(len(ends), dtype=FILL_DTYPE)
    out["ts"] = ts
    out["trade_no"] = np.arange(len(ends))
    out["buy_order_no"] = -1
    out["sell_order_no"] = -1
    out["price"] = price
    out["sell_account"] = np.searchsorted(cl, starts, side="right")
    out["buy_account"] = np.searchsorted(cs, starts, side="right")
    out["contract"] = contract
    out["qty"] = ends - starts
    out["buy_offset"] = CLOSE
    out["sell_offset"] = CLOSE
    out["aggressor"] = 0
    out["kind"] = K_FINAL
    return out
