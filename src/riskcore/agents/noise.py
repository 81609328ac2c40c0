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

from riskcore.agents.base import Group, Orders, View, decide
from riskcore.agents.draws import draw


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """The group's cancels and new orders at this step (module docstring)."""
    return decide(view, g, draw(g.kind, g.params, len(g.accounts), rng, 1, view.step_s))


__all__ = ["act"]
