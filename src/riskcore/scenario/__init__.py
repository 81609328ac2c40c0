"""Scenario loading and validation: TOML scenario files, rulebooks, order flows.

>>> from riskcore.scenario import load_scenario
>>> sc = load_scenario("scenarios/margin-call.toml")      # doctest: +SKIP
>>> sc.rulebook.price_limit, sc.calendar.trading_days, sc.orders.columns   # doctest: +SKIP

Public API: :func:`load_scenario`, :class:`Scenario`, :class:`Rulebook`, :class:`ScenarioError`.
"""

from riskcore.scenario.errors import ScenarioError
from riskcore.scenario.loader import load_scenario
from riskcore.scenario.model import (
    EXPECT_TABLES,
    ORDERS_SCHEMA,
    Account,
    AgentGroup,
    Calendar,
    Contract,
    Event,
    Exchange,
    Expect,
    Member,
    Position,
    Scenario,
    Underlying,
)
from riskcore.scenario.rulebook import FeeChange, MarginChange, Rulebook

__all__ = [
    "EXPECT_TABLES",
    "ORDERS_SCHEMA",
    "Account",
    "AgentGroup",
    "Calendar",
    "Contract",
    "Event",
    "Exchange",
    "Expect",
    "FeeChange",
    "MarginChange",
    "Member",
    "Position",
    "Rulebook",
    "Scenario",
    "ScenarioError",
    "Underlying",
    "load_scenario",
]
