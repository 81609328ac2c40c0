"""Noise traders: Poisson arrivals of small limit orders around the reference price.

At each step each agent sends an order with probability ``1 - exp(-rate x step)``; its side
is buy or sell with equal chance, its size uniform in ``1..max_qty`` lots, its price
``ref - k`` (buy) or ``ref + k`` (sell) ticks with ``k`` uniform in ``-cross..max_offset``
(negative ``k`` crosses the reference, so some orders trade). A sell closes long lots (a
buy short lots) when enough are free, else it opens; an opening order that would take the
net position beyond ``max_position`` lots is not sent. Each step the group cancels its
resting orders sent more than ``cancel_after`` seconds ago.

Parameters (``[[agents]]`` keys, :data:`riskcore.agents.params.PARAMS`): ``rate`` (1/s,
default 0.02), ``max_qty`` (lots, 1), ``max_offset`` (ticks, 10), ``cross`` (ticks, 2),
``cancel_after`` (s, 60), ``max_position`` (lots, 20).
"""

from __future__ import annotations

import numpy as np

from riskcore.agents.base import Group, Orders, View, arrivals, offsets, within_position
from riskcore.records import BUY, SELL


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """The group's cancels and new orders at this step (module docstring)."""
    p, c, acc = g.params, g.contract, g.accounts
    live = view.live
    mine = g.owns(live["account"]) & (live["order_no"] < view.stale_no)
    cancel = live["order_no"][mine]
    n = len(acc)
    go = arrivals(rng, n, p["rate"], view.step_s)
    buy = rng.random(n) < 0.5
    k = rng.integers(-p["cross"], p["max_offset"] + 1, size=n)
    qty = rng.integers(1, p["max_qty"] + 1, size=n)
    if not go.any():
        return Orders.of([], [], [], [], [], cancel)
    a = acc[go]
    side = np.where(buy[go], BUY, SELL).astype(np.int8)
    q = qty[go]
    ref = int(view.ref[c])
    price = np.where(side == BUY, ref - k[go], ref + k[go])
    off = offsets(side, q, view.free_long[a, c], view.free_short[a, c])
    net = view.long[a, c] - view.short[a, c]
    ok = within_position(side, q, off, net, p["max_position"])
    return Orders.of(a[ok], side[ok], off[ok], price[ok], q[ok], cancel)


__all__ = ["act"]
