"""Fundamental traders: buy below and sell above the underlying's fair value.

Agent ``i``'s fair value is ``underlying(t) x basis x (1 + e_i)`` index points, with
``e_i ~ N(0, dispersion)`` drawn once per day (the first draws of the day's stream). Each
step each agent acts with probability ``1 - exp(-rate x step)``; with the mispricing
``m = ref / fair - 1`` it buys when ``m < -threshold`` and sells when ``m > threshold``,
``min(max_qty, ceil(qty_per_pct x 100 x |m|))`` lots, with a limit at its fair value (so it
takes every quote on the wrong side of it and rests there: the price is pulled toward the
underlying). Prices beyond the band are clipped to it by the runner, so in a crash the
sellers queue at the lower limit. Opening orders beyond ``max_position`` lots net are not
sent. Needs ``[underlying]``.

Parameters: ``rate`` (1/s, default 0.05), ``basis`` (ratio, 1.0), ``threshold`` (fraction,
0.002), ``qty_per_pct`` (lots per 1 % mispricing, 2), ``max_qty`` (lots, 10),
``max_position`` (lots, 50), ``dispersion`` (fraction, 0.001).
"""

from __future__ import annotations

import numpy as np

from riskcore.agents.base import Group, Orders, View, arrivals, offsets, within_position
from riskcore.records import BUY, SELL


def day_errors(g: Group, rng: np.random.Generator) -> np.ndarray:
    """Each agent's relative fair-value error for the day (``N(0, dispersion)``)."""
    return rng.normal(0.0, float(g.params["dispersion"]), size=len(g.accounts))


def act(view: View, g: Group, rng: np.random.Generator, errors: np.ndarray) -> Orders:
    """Orders of the agents that act this step (module docstring)."""
    p, c, acc = g.params, g.contract, g.accounts
    go = arrivals(rng, len(acc), p["rate"], view.step_s)
    if not go.any() or not np.isfinite(view.underlying):
        return Orders()
    fair = view.underlying * p["basis"] * (1.0 + errors[go]) / view.tick[c]  # ticks
    m = view.ref[c] / fair - 1.0
    act_ = np.abs(m) > p["threshold"]
    a = acc[go][act_]
    m = m[act_]
    side = np.where(m < 0, BUY, SELL).astype(np.int8)
    q = np.minimum(np.ceil(p["qty_per_pct"] * 100.0 * np.abs(m)), p["max_qty"]).astype(np.int64)
    q = np.maximum(q, 1)
    price = np.rint(fair[act_]).astype(np.int64)
    off = offsets(side, q, view.free_long[a, c], view.free_short[a, c])
    ok = within_position(side, q, off, view.long[a, c] - view.short[a, c], p["max_position"])
    return Orders.of(a[ok], side[ok], off[ok], price[ok], q[ok])


__all__ = ["act", "day_errors"]
