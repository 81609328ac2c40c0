"""End-of-day risk computations: pure, vectorised numpy functions of state arrays.

- :mod:`~riskcore.risk.settlement_price`: the daily settlement price (SETTLE-01).
- :mod:`~riskcore.risk.margin`: trading margin of positions (MARGIN-01).
- :mod:`~riskcore.risk.mark_to_market`: daily P&L and the reserve update (SETTLE-02).
- :mod:`~riskcore.risk.margin_rates`: margin-rate changes (MARGIN-04, MARGIN-05 ① ②).
- :mod:`~riskcore.risk.margin_calls`: margin calls and their deadline (MARGIN-06).
- :mod:`~riskcore.risk.final_settlement`: closing trades on a last trading day (SETTLE-04).
- :mod:`~riskcore.risk.settlement`: one day's settlement of every account in one call.
- :mod:`~riskcore.risk.conservation`: the SETTLE-03 invariant checker.

Large-trader reports, liquidation and reduction planning, guarantee funds and warnings plug
in here as later issues land. ``riskcore.sim`` sequences these functions.
"""

from riskcore.risk.conservation import check_conservation
from riskcore.risk.final_settlement import final_price_ticks, final_trades
from riskcore.risk.margin import account_totals, position_margins, trading_margin
from riskcore.risk.margin_calls import margin_calls, resolve_calls
from riskcore.risk.margin_rates import (
    effective_rate,
    holiday_raise,
    lock_streaks,
    locked_raise,
)
from riskcore.risk.mark_to_market import mark_to_market, mtm_credit, pnl_money, reserve_update
from riskcore.risk.settlement import Settlement, settle
from riskcore.risk.settlement_price import (
    SETTLE_METHOD_NAMES,
    settlement_price,
    settlement_prices,
    trading_clock,
)

__all__ = [
    "SETTLE_METHOD_NAMES",
    "Settlement",
    "account_totals",
    "check_conservation",
    "effective_rate",
    "final_price_ticks",
    "final_trades",
    "holiday_raise",
    "lock_streaks",
    "locked_raise",
    "margin_calls",
    "mark_to_market",
    "mtm_credit",
    "pnl_money",
    "position_margins",
    "reserve_update",
    "resolve_calls",
    "settle",
    "settlement_price",
    "settlement_prices",
    "trading_clock",
    "trading_margin",
]
