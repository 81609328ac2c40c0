"""Market makers: two-sided quotes around the mid, requoted every step, inventory-capped.

Each step every market maker cancels its resting quotes and posts a bid at
``centre - spread`` and an ask at ``centre + spread`` ticks, ``size`` lots each, where
``centre`` is the reference price (mid, else last, else previous settlement) shifted by
``-skew x net / max_inventory`` ticks (a long market maker quotes lower to sell). A side is
not quoted when a full fill of it would take the net position ``long - short`` beyond
``max_inventory`` lots (bid: ``net + size > max_inventory``; ask: ``net - size <
-max_inventory``). As at most one quote of ``size`` lots per side rests between two steps,
the net position never leaves ``[-max_inventory, max_inventory]`` through its own quotes
(forced liquidation and reduction may still move it). A quote closes opposite lots when
enough are free, else it opens.

Parameters: ``spread`` (ticks, default 2), ``size`` (lots, 5), ``max_inventory`` (lots, 50),
``skew`` (ticks, 0).
"""

from __future__ import annotations

import numpy as np

from riskcore.agents.base import Group, Orders, View, offsets
from riskcore.records import BUY, SELL


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """Cancel every resting quote, post new ones (module docstring)."""
    p, c, acc = g.params, g.contract, g.accounts
    live = view.live
    cancel = live["order_no"][g.owns(live["account"])]
    size, cap, spread = int(p["size"]), int(p["max_inventory"]), int(p["spread"])
    net = view.long[acc, c] - view.short[acc, c]
    skew = -float(p["skew"]) * net / cap if cap > 0 else np.zeros(len(acc))
    centre = view.ref[c] + np.rint(skew).astype(np.int64)
    bid_ok = net + size <= cap
    ask_ok = net - size >= -cap
    a = np.concatenate([acc[bid_ok], acc[ask_ok]])
    side = np.concatenate(
        [np.full(int(bid_ok.sum()), BUY, np.int8), np.full(int(ask_ok.sum()), SELL, np.int8)]
    )
    price = np.concatenate([centre[bid_ok] - spread, centre[ask_ok] + spread])
    qty = np.full(len(a), size, np.int64)
    off = offsets(side, qty, view.free_long[a, c], view.free_short[a, c])
    return Orders.of(a, side, off, price, qty, cancel)


__all__ = ["act"]
