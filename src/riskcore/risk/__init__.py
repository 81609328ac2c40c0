"""End-of-day risk computations: pure, vectorised numpy functions of state arrays.

So far: the daily settlement price (SETTLE-01, :mod:`riskcore.risk.settlement_price`).
Mark-to-market, margin calls, large-trader reports, liquidation and reduction planning,
guarantee funds and warnings plug in here as later issues land.
"""

from riskcore.risk.settlement_price import (
    SETTLE_METHOD_NAMES,
    settlement_price,
    settlement_prices,
    trading_clock,
)

__all__ = ["SETTLE_METHOD_NAMES", "settlement_price", "settlement_prices", "trading_clock"]
