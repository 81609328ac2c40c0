"""The simulation: the day loop that sequences engine, risk and output (DESIGN.md ``sim/``).

Public API: :func:`run` (``run(path_or_scenario, **overrides) -> Result``), :class:`Result`
(``tables``, ``summary``, ``save(dir)``, ``result["trades"]``), :func:`run_scenario` (the raw
loop), :class:`DayState` and :class:`SimOptions`.

Modules, one job each: ``build`` (indices, the day's Market, carried state), ``bands``
(LIMIT-01/02 bands; where the breaker plugs in), ``clock`` (trading windows, message
phases), ``messages`` (orders frame -> engine messages), ``admin`` (administrative events),
``loop`` (the day loop and end-of-day hooks), ``overrides``, ``result``, ``api``.
"""

from riskcore.sim.api import run
from riskcore.sim.loop import DayState, EndOfDayHook, SimOptions, default_hooks, run_scenario
from riskcore.sim.result import Result

__all__ = [
    "DayState",
    "EndOfDayHook",
    "Result",
    "SimOptions",
    "default_hooks",
    "run",
    "run_scenario",
]
