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

from riskcore.agents.base import Group, Orders, View, decide
from riskcore.agents.draws import draw


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """Cancel every resting quote, post new ones (module docstring)."""
    return decide(view, g, draw(g.kind, g.params, len(g.accounts), rng, 1, view.step_s))


__all__ = ["act"]
