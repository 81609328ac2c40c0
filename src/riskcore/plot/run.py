"""Write every plot of a run that has data as PNG files (:func:`plot_run`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from riskcore.plot.charts import (
    equity_margin,
    margin_calls_liquidations,
    price_path,
    reduction_allocations,
)
from riskcore.plot.data import NoData, Run, book_trades, nonempty, run_tables

PLOTS: dict[str, Callable[..., Figure]] = {
    "price_path": price_path,
    "equity_margin": equity_margin,
    "margin_calls_liquidations": margin_calls_liquidations,
    "reduction_allocations": reduction_allocations,
}
"""The plots :func:`plot_run` writes, by file-name stem."""

DPI = 130


class PlotFiles(list):
    """The PNG files written (a list of :class:`~pathlib.Path`), and ``skipped``: plot name
    -> why it was not drawn (no data)."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: dict[str, str] = {}


def plot_run(run: Run, out_dir: str | Path, verbose: bool = False) -> PlotFiles:
    """Write every plot that has data to ``out_dir`` as PNG files.

    ``price_path`` is drawn once per contract that has book trades or state changes
    (``price_path_<SYMBOL>.png``); the other plots once each (``<plot>.png``). A plot with
    nothing to draw is skipped, never written empty.

    Parameters
    ----------
    run : path, riskcore.Result or dict of polars.DataFrame
        The run.
    out_dir : path
        The folder for the PNG files (created if missing).
    verbose : bool
        Also print each skipped plot and its reason.

    Returns
    -------
    PlotFiles
        The paths written, in order; ``.skipped`` maps each skipped plot to its reason.
    """
    tables = run_tables(run)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = PlotFiles()

    symbols = _price_symbols(tables)
    if not symbols:
        written.skipped["price_path"] = "no book trades and no market states"
    for symbol in symbols:
        _save(
            written,
            out / f"price_path_{symbol}.png",
            f"price_path_{symbol}",
            lambda s=symbol: price_path(tables, symbol=s),
        )
    for name in ("equity_margin", "margin_calls_liquidations", "reduction_allocations"):
        _save(written, out / f"{name}.png", name, lambda f=PLOTS[name]: f(tables))
    if verbose:
        for name, reason in written.skipped.items():
            print(f"skipped {name}: {reason}")
    return written


def _price_symbols(tables) -> list[str]:
    symbols: set[str] = set()
    trades = book_trades(tables.get("trades"))
    if trades.height:
        symbols |= set(trades["symbol"].to_list())
    states = tables.get("market_states")
    if nonempty(states, "symbol"):
        symbols |= set(states["symbol"].to_list())
    return sorted(symbols)


def _save(written: PlotFiles, path: Path, name: str, draw: Callable[[], Figure]) -> None:
    try:
        fig = draw()
    except NoData as e:
        written.skipped[name] = str(e)
        return
    fig.savefig(path, dpi=DPI)
    written.append(path)
