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

from riskcore.agents.base import Group, Orders, View, decide
from riskcore.agents.draws import draw


def signal(history: np.ndarray, c: int, lookback: int) -> float:
    """Return of column ``c`` of ``history`` over the last ``lookback`` rows (fraction)."""
    now = float(history[-1, c])
    then = float(history[max(len(history) - 1 - lookback, 0), c])
    return now / then - 1.0 if then > 0 else 0.0


def act(view: View, g: Group, rng: np.random.Generator) -> Orders:
    """Orders of the agents that act this step (module docstring)."""
    return decide(view, g, draw(g.kind, g.params, len(g.accounts), rng, 1, view.step_s))


__all__ = ["act", "signal"]
