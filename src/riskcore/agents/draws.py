"""A group's random numbers for a whole day, drawn in bulk at the start of the day.

Each group has one generator per trading day,
``default_rng(SeedSequence(seed, spawn_key=(1, group number, date ordinal)))``, read in this
order:

1. fundamental traders: each agent's fair-value error, ``normal(0, dispersion, count)``;
2. every kind but market makers: the arrivals, ``random((n_steps, count)) < p`` with
   ``p = 1 - exp(-rate x agent_step)`` (row ``k`` = step ``k``; drawn in blocks of rows,
   which reads the same numbers);
3. noise traders, for the ``m`` arrivals in step-then-agent order: the side
   ``random(m) < 0.5`` (buy), the offset ``integers(-cross, max_offset + 1, m)`` (ticks)
   and the size ``integers(1, max_qty + 1, m)`` (lots).

So the per-step work is arithmetic on slices of these arrays (:mod:`riskcore.agents.step_nb`),
and the same seed gives the same numbers whatever the step at which a run was continued.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KIND_CODE = {"noise": 0, "market_maker": 1, "momentum": 2, "fundamental": 3, "speculator": 4}
"""Kind codes of :mod:`riskcore.agents.step_nb`."""
PARAM_ORDER = {
    "noise": ("rate", "max_qty", "max_offset", "cross", "cancel_after", "max_position"),
    "market_maker": ("spread", "size", "max_inventory", "skew"),
    "momentum": ("rate", "lookback", "threshold", "qty", "max_position", "slippage"),
    "fundamental": (
        "rate",
        "basis",
        "threshold",
        "qty_per_pct",
        "max_qty",
        "max_position",
        "dispersion",
    ),
    "speculator": ("direction", "target", "rate", "qty", "slippage"),
}
"""Column of each parameter in a group's parameter row (``direction``: 1 long, 0 short)."""
N_PARAMS = max(len(v) for v in PARAM_ORDER.values())
_BLOCK = 1 << 20  # uniforms per block of arrival rows (8 MiB)


def param_row(kind: str, params: dict) -> np.ndarray:
    """The parameter row (float64, :data:`N_PARAMS`) of a group of ``kind``."""
    row = np.zeros(N_PARAMS, np.float64)
    for i, name in enumerate(PARAM_ORDER[kind]):
        v = params[name]
        row[i] = (1.0 if v == "long" else 0.0) if name == "direction" else float(v)
    return row


@dataclass(eq=False)
class GroupDraws:
    """One group's random numbers for ``n_steps`` steps.

    Attributes
    ----------
    ptr : ndarray of int64, shape (n_steps + 1,)
        Arrivals of step ``k``: entries ``ptr[k]:ptr[k + 1]`` of the arrays below.
    agent : ndarray of int64
        Arriving agent, 0-based in the group, increasing within a step.
    buy, k, qty : ndarray of int64
        Noise traders only (zeros otherwise): 1 = buy, offset (ticks), size (lots).
    """

    ptr: np.ndarray
    agent: np.ndarray
    buy: np.ndarray
    k: np.ndarray
    qty: np.ndarray


def day_errors(kind: str, params: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    """Fair-value errors of a fundamental group (``N(0, dispersion)``), else empty; the
    first draws of the day's stream."""
    if kind != "fundamental":
        return np.zeros(0, np.float64)
    return rng.normal(0.0, float(params["dispersion"]), size=n)


def draw(
    kind: str, params: dict, n: int, rng: np.random.Generator, n_steps: int, step_s: float
) -> GroupDraws:
    """The arrivals (and noise traders' order draws) of ``n`` agents over ``n_steps`` steps
    of ``step_s`` seconds, read from ``rng`` (after :func:`day_errors`)."""
    if kind == "market_maker" or n == 0 or n_steps == 0:
        z = np.zeros(0, np.int64)
        return GroupDraws(np.zeros(n_steps + 1, np.int64), z, z, z, z)
    p = 1.0 - np.exp(-float(params["rate"]) * step_s)
    rows = max(_BLOCK // n, 1)
    steps, agents = [], []
    for s0 in range(0, n_steps, rows):
        s, a = np.nonzero(rng.random((min(rows, n_steps - s0), n)) < p)
        steps.append(s + s0)
        agents.append(a)
    step = np.concatenate(steps).astype(np.int64)
    agent = np.concatenate(agents).astype(np.int64)
    ptr = np.zeros(n_steps + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(step, minlength=n_steps))
    m = len(agent)
    if kind == "noise":
        buy = (rng.random(m) < 0.5).astype(np.int64)
        k = rng.integers(-int(params["cross"]), int(params["max_offset"]) + 1, size=m)
        qty = rng.integers(1, int(params["max_qty"]) + 1, size=m)
        return GroupDraws(ptr, agent, buy, k.astype(np.int64), qty.astype(np.int64))
    z = np.zeros(m, np.int64)
    return GroupDraws(ptr, agent, z, z, z)


__all__ = ["KIND_CODE", "N_PARAMS", "PARAM_ORDER", "GroupDraws", "day_errors", "draw", "param_row"]
