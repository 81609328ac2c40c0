"""Plots of a finished run: price path, equity and margin, margin calls, reductions.

Every function takes a run folder path, a :class:`riskcore.Result` or a dict of tables
(name -> polars DataFrame) and returns a matplotlib :class:`~matplotlib.figure.Figure`::

    import riskcore
    from riskcore.plot import price_path, plot_run

    result = riskcore.run("scenarios/breaker-day.toml")
    price_path(result, symbol="IF1509")         # shows inline in a notebook
    plot_run(result, "runs/breaker-day/plots")  # every plot with data, as PNG files

The figures are built without :mod:`matplotlib.pyplot` (no global figure registry, no backend
switch); ``riskcore plot RUN_DIR`` is the command-line form of :func:`plot_run`. matplotlib is
imported on first use of a plot function, never by ``import riskcore``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "PLOTS",
    "NoData",
    "PlotFiles",
    "equity_margin",
    "margin_calls_liquidations",
    "plot_run",
    "price_path",
    "reduction_allocations",
]

_WHERE = {
    "PLOTS": "riskcore.plot.run",
    "PlotFiles": "riskcore.plot.run",
    "plot_run": "riskcore.plot.run",
    "NoData": "riskcore.plot.data",
    "price_path": "riskcore.plot.charts",
    "equity_margin": "riskcore.plot.charts",
    "margin_calls_liquidations": "riskcore.plot.charts",
    "reduction_allocations": "riskcore.plot.charts",
}

if TYPE_CHECKING:  # pragma: no cover
    from riskcore.plot.charts import (
        equity_margin,
        margin_calls_liquidations,
        price_path,
        reduction_allocations,
    )
    from riskcore.plot.data import NoData
    from riskcore.plot.run import PLOTS, PlotFiles, plot_run


def __getattr__(name: str) -> Any:
    """Import the plotting modules (and matplotlib) only when a plot name is first used."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'riskcore.plot' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
