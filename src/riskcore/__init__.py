"""riskcore: a futures-exchange risk-control simulator with a numba matching core."""

from riskcore.market import Market, make_market, make_messages

__version__ = "0.1.0"

__all__ = ["Market", "__version__", "make_market", "make_messages"]
