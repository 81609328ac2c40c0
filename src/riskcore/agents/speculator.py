"""Leveraged speculators: open a large position on thin cash and hold it.

Each step each speculator whose position in its ``direction`` is below ``target`` lots acts
with probability ``1 - exp(-rate x step)``: it opens ``min(qty, target - held)`` lots at the
opposite best quote ``+/- slippage`` ticks (the reference when that side is empty). It
never closes by itself: with little ``cash`` a fall in the price brings a margin call at the
settlement, and with ``on_margin_call = "ignore"`` the exchange restricts the account and
liquidates it (MARGIN-06, LIQ-01 ①) — these are the accounts the risk modules catch.
Initial positions (``positions``) count toward ``target``.

Parameters: ``direction`` (long | short, default long), ``target`` (lots, 20), ``rate``
(1/s, 0.01), ``qty`` (lots per order, 1), ``slippage`` (ticks, 5).
"""

from __future__ import annotations

import numpy as np

from riskcore.agents.base import Group, Orders, View, arrivals
from riskcore.agents.momentum import aggressive_price
from riskcore.records import BUY, OPEN, SELL


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """Opening orders of the speculators still building their position."""
    p, c, acc = g.params, g.contract, g.accounts
    go = arrivals(rng, len(acc), p["rate"], view.step_s)
    long = p["direction"] == "long"
    held = view.long[acc, c] if long else view.short[acc, c]
    live = view.live
    pending = np.zeros(len(acc), np.int64)
    mine = g.owns(live["account"]) & (live["offset"] == OPEN)
    if mine.any():  # lots already on the way (resting opening orders)
        pos = np.searchsorted(acc, live["account"][mine])
        np.add.at(pending, pos, live["leaves"][mine])
    want = np.maximum(int(p["target"]) - held - pending, 0)
    go &= want > 0
    if not go.any():
        return Orders()
    a = acc[go]
    side = np.full(len(a), BUY if long else SELL, np.int8)
    q = np.minimum(want[go], int(p["qty"]))
    price = aggressive_price(view, c, side, int(p["slippage"]))
    return Orders.of(a, side, np.full(len(a), OPEN, np.int8), price, q)


__all__ = ["act"]
