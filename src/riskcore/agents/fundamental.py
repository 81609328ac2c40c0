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

from riskcore.agents import draws
from riskcore.agents.base import Group, Orders, View, decide


def day_errors(g: Group, rng: np.random.Generator) -> np.ndarray:
    """Each agent's relative fair-value error for the day (``N(0, dispersion)``)."""
    return draws.day_errors(g.kind, g.params, len(g.accounts), rng)


def act(view: View, g: Group, rng: np.random.Generator, errors: np.ndarray) -> Orders:
    """Orders of the agents that act this step (module docstring)."""
    d = draws.draw(g.kind, g.params, len(g.accounts), rng, 1, view.step_s)
    return decide(view, g, d, errors)


__all__ = ["act", "day_errors"]
