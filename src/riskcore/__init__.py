"""riskcore: a futures-exchange risk-control simulator with a numba matching core."""

from riskcore.market import Market, make_market, make_messages
from riskcore.scenario import Rulebook, Scenario, ScenarioError, load_scenario
from riskcore.sim import Result, run

__version__ = "0.1.0"

__all__ = [
    "Market",
    "Result",
    "Rulebook",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "make_market",
    "make_messages",
    "run",
    "sweep",
]


def __getattr__(name: str):
    """``riskcore.sweep``, imported on first use (a package that is also callable)."""
    if name == "sweep":
        import importlib

        return importlib.import_module("riskcore.sweep")
    raise AttributeError(f"module 'riskcore' has no attribute {name!r}")
