"""Momentum traders: trade in the direction of the recent return.

The return is ``ref / ref[lookback steps ago] - 1`` of the contract's reference price (the
history starts each day at the previous settlement, so nothing is carried across days).
Each step each agent acts with probability ``1 - exp(-rate x step)``; when the return is
above ``threshold`` it buys, below ``-threshold`` it sells, ``qty`` lots at the opposite
best quote ``+/- slippage`` ticks (the reference when that side is empty), so it usually
trades at once. Opening orders beyond ``max_position`` lots net are not sent.

Parameters: ``rate`` (1/s, default 0.05), ``lookback`` (steps, 60), ``threshold``
(fraction, 0.002), ``qty`` (lots, 1), ``max_position`` (lots, 10), ``slippage`` (ticks, 5).
"""

from __future__ import annotations

import numpy as np

from riskcore.agents.base import Group, Orders, View, arrivals, offsets, within_position
from riskcore.records import BUY, SELL


def signal(history: np.ndarray, c: int, lookback: int) -> float:
    """Return of column ``c`` of ``history`` over the last ``lookback`` rows (fraction)."""
    now = float(history[-1, c])
    then = float(history[max(len(history) - 1 - lookback, 0), c])
    return now / then - 1.0 if then > 0 else 0.0


def aggressive_price(view: View, c: int, side: np.ndarray, slippage: int) -> np.ndarray:
    """Opposite best quote +/- ``slippage`` ticks (the reference when that side is empty)."""
    ask = view.ask[c] if view.ask[c] >= 0 else view.ref[c]
    bid = view.bid[c] if view.bid[c] >= 0 else view.ref[c]
    return np.where(side == BUY, ask + slippage, bid - slippage).astype(np.int64)


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """Orders of the agents that act this step (module docstring)."""
    p, c, acc = g.params, g.contract, g.accounts
    go = arrivals(rng, len(acc), p["rate"], view.step_s)
    ret = signal(view.history, c, int(p["lookback"]))
    if not go.any() or abs(ret) <= p["threshold"]:
        return Orders()
    a = acc[go]
    side = np.full(len(a), BUY if ret > 0 else SELL, np.int8)
    q = np.full(len(a), int(p["qty"]), np.int64)
    off = offsets(side, q, view.free_long[a, c], view.free_short[a, c])
    ok = within_position(side, q, off, view.long[a, c] - view.short[a, c], p["max_position"])
    price = aggressive_price(view, c, side, int(p["slippage"]))
    return Orders.of(a[ok], side[ok], off[ok], price[ok], q[ok])


__all__ = ["act", "aggressive_price", "signal"]
