"""The numba matching engine (dense price ladder, price-time priority, pre-trade risk)."""

from riskcore.engine.engine import Engine

__all__ = ["Engine"]
