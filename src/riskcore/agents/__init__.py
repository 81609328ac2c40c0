"""Agent-generated order flow: ``[[agents]]`` groups that trade from the scenario's seed.

One module per kind — :mod:`~riskcore.agents.noise`, :mod:`~riskcore.agents.market_maker`,
:mod:`~riskcore.agents.momentum`, :mod:`~riskcore.agents.fundamental`,
:mod:`~riskcore.agents.speculator` — documents its rules and has ``act``, a pure function from
what the agents observe at a step to the orders they send; the rules themselves are compiled
in :mod:`~riskcore.agents.step_nb`, which the day loop calls once per step for all groups, on
random numbers drawn for the whole day (:mod:`~riskcore.agents.draws`).
:mod:`~riskcore.agents.underlying` is the exogenous index path; :mod:`~riskcore.agents.runner`
plugs the agents into the day loop (one kernel call and one engine call per step).
Parameters: :mod:`~riskcore.agents.params` and ``docs/agents.md``.

Only the light modules are imported here (the scenario loader needs the parameter table).
"""

from riskcore.agents.params import COMMON, KINDS, ON_MARGIN_CALL, PARAMS, Param
from riskcore.agents.underlying import UnderlyingPath, underlying_path

__all__ = [
    "COMMON",
    "KINDS",
    "ON_MARGIN_CALL",
    "PARAMS",
    "Param",
    "UnderlyingPath",
    "underlying_path",
]
