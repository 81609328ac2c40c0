"""Parameter sweeps: a scenario run over a grid of overrides and seeds, one metrics row a run.

``riskcore sweep FILE --grid rules.margin_rate=0.10,0.12 --seeds 20`` on the command line
(:mod:`riskcore.sweep.command`), or in Python::

    import riskcore
    df = riskcore.sweep("scenarios/margin-call-liquidation.toml",
                        {"rules.margin_rate": [0.10, 0.12]}, seeds=4, workers=2)

Local workers are started with ``forkserver`` (or ``spawn``), so a script that calls
``riskcore.sweep`` needs the usual ``if __name__ == "__main__":`` guard.

``riskcore.sweep`` is this package and is also callable: ``riskcore.sweep(...)`` is
:func:`riskcore.sweep.core.sweep`. Modules: ``grid`` (axes, seeds, run ids), ``metrics``
(per-run metrics from a run's tables), ``runner`` (the per-run function, local processes,
Dask), ``core`` (the sweep folder: resume, combine, ``sweep.json``), ``command`` (the CLI).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from riskcore.sweep.core import SweepOutcome, run_sweep, sweep
from riskcore.sweep.grid import GridAxis, parse_grid, parse_seeds, split_values
from riskcore.sweep.metrics import max_drawdown, member_metrics, run_metrics

__all__ = [
    "GridAxis",
    "SweepOutcome",
    "max_drawdown",
    "member_metrics",
    "parse_grid",
    "parse_seeds",
    "run_metrics",
    "run_sweep",
    "split_values",
    "sweep",
]


class _CallableModule(types.ModuleType):
    """This package's module type: calling it calls :func:`sweep`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
