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

from riskcore.agents.base import Group, Orders, View, decide
from riskcore.agents.draws import draw


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """Opening orders of the speculators still building their position."""
    return decide(view, g, draw(g.kind, g.params, len(g.accounts), rng, 1, view.step_s))


__all__ = ["act"]
