"""The plots of ``riskcore.plot`` on real runs of the shipped scenarios.

Each scenario runs once per module; the tests read back what the figures draw (trade points,
shaded state spans, bars) and compare it with the run's tables.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure

import riskcore
from riskcore.plot import (
    NoData,
    equity_margin,
    margin_calls_liquidations,
    price_path,
    reduction_allocations,
)
from riskcore.plot.charts import ROLE_STYLE, interesting_accounts
from riskcore.plot.data import BOOK_KINDS, NotARunFolder, TradingAxis, run_tables

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = REPO / "scenarios"
SHADED = ("watch", "breaker", "limit", "no_limit", "closed")


@pytest.fixture(scope="module")
def breaker() -> riskcore.Result:
    return riskcore.run(SCENARIOS / "breaker-day.toml")


@pytest.fixture(scope="module")
def reduction() -> riskcore.Result:
    return riskcore.run(SCENARIOS / "limit-lock-reduction.toml")


@pytest.fixture(scope="module")
def liquidation() -> riskcore.Result:
    return riskcore.run(SCENARIOS / "margin-call-liquidation.toml")


def by_gid(fig: Figure, prefix: str) -> list:
    """Every artist of ``fig`` whose gid starts with ``prefix``."""
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


def state_intervals(states: pl.DataFrame, symbol: str) -> dict[str, int]:
    """Intervals per state of ``symbol`` that last (a row lasts until the contract's next row;
    the last row until the end of the run, which has no length after the close)."""
    rows = (
        states.filter(pl.col("symbol") == symbol)
        .sort("at", maintain_order=True)
        .with_columns(until=pl.col("at").shift(-1))
        .filter(pl.col("until").is_not_null() & (pl.col("until") > pl.col("at")))
        # a break between sessions (session_end .. open) takes no trading time
        .filter(pl.col("reason") != "session_end")
    )
    return dict(rows.group_by("state").len().iter_rows())


# --- imports --------------------------------------------------------------------------------
def test_import_riskcore_and_cli_parser_do_not_import_matplotlib():
    code = (
        "import sys, riskcore, riskcore.plot, riskcore.cli\n"
        "riskcore.cli.build_parser()\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


# --- trading-time axis ----------------------------------------------------------------------
def test_trading_axis_removes_nights_and_lunch(breaker):
    axis = TradingAxis.build(breaker["market_states"], breaker["trades"])
    assert axis.days == [dt.date(2015, 9, 7)] * 2 + [dt.date(2015, 9, 8)] * 2
    assert axis.end == pytest.approx(9.0)  # 2 days x (09:15-11:30 + 13:00-15:15)
    at = [
        dt.datetime(2015, 9, 7, 11, 30),
        dt.datetime(2015, 9, 7, 12, 0),  # lunch: clamped to the morning's end
        dt.datetime(2015, 9, 7, 13, 0),
        dt.datetime(2015, 9, 7, 15, 15),
        dt.datetime(2015, 9, 8, 9, 15),
        dt.datetime(2015, 9, 8, 10, 15),
    ]
    assert axis.x(pl.Series(at)).tolist() == pytest.approx([2.25, 2.25, 2.25, 4.5, 4.5, 5.5])
    xs, labels = axis.ticks()
    assert xs == pytest.approx([0.0, 2.25, 4.5, 6.75])
    assert labels == ["Mon 07 Sep\n09:15", "13:00", "Tue 08 Sep\n09:15", "13:00"]


# --- price path -----------------------------------------------------------------------------
def test_price_path_shades_every_state_interval(breaker):
    fig = price_path(breaker, symbol="IF1509")
    want = state_intervals(breaker["market_states"], "IF1509")
    got = {s: len(by_gid(fig, f"state:{s}")) for s in SHADED}
    assert got == {s: want.get(s, 0) for s in SHADED}
    # BRK-06: one breaker a day on each of the two days; the 10% band after each of them
    assert got["breaker"] == 2
    assert got["limit"] == 3  # 10:11-11:30 and 13:00-15:15 on day 1, 13:00-15:15 on day 2
    assert got["watch"] == 3


def test_price_path_breaker_span_is_ten_minutes(breaker):
    fig = price_path(breaker, symbol="IF1509")
    (first, _) = by_gid(fig, "state:breaker")
    # the span's corners in data coordinates (a Rectangle or a Polygon by matplotlib version)
    corners = first.get_patch_transform().transform(first.get_path().vertices)
    assert np.ptp(corners[:, 0]) == pytest.approx(10 / 60)  # BRK-03: 600 s


def test_price_path_line_has_a_point_per_book_trade(liquidation):
    trades = liquidation["trades"].filter(
        (pl.col("symbol") == "IF1509") & pl.col("kind").is_in(BOOK_KINDS)
    )
    fig = price_path(liquidation)
    (line,) = by_gid(fig, "trade_price")
    assert len(line.get_xdata()) == trades.height == 4
    assert line.get_ydata().tolist() == trades.sort("at")["price"].to_list()
    (liq,) = by_gid(fig, "liquidation_fills")
    assert isinstance(liq, PathCollection)
    assert len(liq.get_offsets()) == (trades["kind"] == "liquidation").sum() == 2


def test_price_path_leaves_out_reduction_trades(reduction):
    fig = price_path(reduction)
    (line,) = by_gid(fig, "trade_price")
    assert reduction["trades"].height == 5
    assert len(line.get_xdata()) == 1  # the continuous trade; not the 4 after-close allocations


def test_price_path_marks_each_settlement_and_draws_the_band(breaker):
    fig = price_path(breaker, symbol="IF1509")
    (settle,) = by_gid(fig, "settlement")
    prices = breaker["prices"].filter(pl.col("symbol") == "IF1509").sort("day")
    assert settle.get_offsets()[:, 1].tolist() == prices["settlement_price"].to_list()
    assert settle.get_offsets()[:, 0].tolist() == pytest.approx([4.5, 9.0])  # each day's close
    (band,) = by_gid(fig, "band")
    assert isinstance(band, PolyCollection)
    ys = band.get_paths()[0].vertices[:, 1]
    states = breaker["market_states"].filter(pl.col("symbol") == "IF1509")
    assert ys.max() == states["band_high"].max() and ys.min() == states["band_low"].min()
    ax = fig.axes[0]
    assert ax.get_ylabel() == "price (index points)"
    assert "IF1509" in ax.get_title() and "breaker-day" in ax.get_title()


def test_price_path_of_a_contract_without_trades_still_shows_its_states(breaker):
    fig = price_path(breaker, symbol="IF1512")
    assert by_gid(fig, "trade_price") == []
    assert len(by_gid(fig, "state:limit")) == 2  # the quiet period (BRK-05) of each day


def test_price_path_unknown_symbol_is_no_data(breaker):
    with pytest.raises(NoData, match="IF9999"):
        price_path(breaker, symbol="IF9999")


def test_price_path_draws_into_a_given_axes(liquidation):
    fig = Figure()
    ax = fig.add_subplot()
    assert price_path(liquidation, ax=ax) is fig
    assert len(by_gid(fig, "trade_price")) == 1


# --- equity and margin ----------------------------------------------------------------------
def test_equity_margin_defaults_to_accounts_with_margin_calls(liquidation):
    assert interesting_accounts(liquidation) == ["C101", "C201"]
    fig = equity_margin(liquidation)
    daily = liquidation["accounts_daily"]
    for account in ("C101", "C201"):
        rows = daily.filter(pl.col("account") == account).sort("day")
        (equity,) = by_gid(fig, f"{account}:equity")
        (margin,) = by_gid(fig, f"{account}:margin")
        assert equity.get_ydata().tolist() == rows["equity"].to_list()
        assert margin.get_ydata().tolist() == rows["margin"].to_list()
    assert fig.axes[0].get_ylabel() == "CNY"


def test_equity_margin_without_events_picks_the_largest_pnl(reduction):
    assert interesting_accounts(reduction, limit=2) == ["H", "R"]  # table order of reductions
    no_red = {k: v for k, v in reduction.tables.items() if k != "reductions"}
    assert interesting_accounts(no_red, limit=2) == ["S1", "L"]  # |pnl| 2.7M and 2.61M


def test_equity_margin_chosen_account_and_unknown_account(liquidation):
    fig = equity_margin(liquidation, account="C102")
    assert len(by_gid(fig, "C102:")) == 2 and by_gid(fig, "C101:") == []
    with pytest.raises(NoData, match="NOPE"):
        equity_margin(liquidation, account="NOPE")


# --- margin calls and liquidations ----------------------------------------------------------
def bar_heights(fig: Figure, prefix: str) -> float:
    return float(sum(bar.get_height() for bar in by_gid(fig, prefix)))


def test_margin_call_bars_add_up_to_the_calls(liquidation):
    calls = liquidation["margin_calls"]
    fig = margin_calls_liquidations(liquidation)
    assert bar_heights(fig, "call:") == pytest.approx(calls["amount"].sum())
    assert bar_heights(fig, "call:unpaid") == pytest.approx(
        calls.filter(pl.col("outcome") == "unpaid")["amount"].sum()
    )
    assert bar_heights(fig, "call:pending") == pytest.approx(35_860.0)
    assert by_gid(fig, "call:paid") == []  # nothing was paid: no empty bars


def test_liquidation_bars_split_filled_by_phase(liquidation):
    liqs = liquidation["liquidations"]
    fig = margin_calls_liquidations(liquidation)
    assert bar_heights(fig, "liquidation:filled, member") == 2
    assert bar_heights(fig, "liquidation:filled, exchange") == 1
    assert bar_heights(fig, "liquidation:unfilled") == 1
    assert bar_heights(fig, "liquidation:") == liqs["qty"].sum()
    top, bottom = fig.axes
    assert top.get_ylabel() == "margin call amount (CNY)"
    assert bottom.get_ylabel() == "liquidation orders (lots)"


def test_margin_calls_of_one_account(liquidation):
    fig = margin_calls_liquidations(liquidation, account="C101")
    assert bar_heights(fig, "call:") == pytest.approx(92_000.0)
    assert bar_heights(fig, "liquidation:") == 2


def test_no_margin_calls_is_no_data(breaker):
    with pytest.raises(NoData, match="no margin calls and no liquidations"):
        margin_calls_liquidations(breaker)


# --- reduction allocations ------------------------------------------------------------------
def test_reduction_bars_equal_the_allocated_lots(reduction):
    red = reduction["reductions"]
    fig = reduction_allocations(reduction)
    bars = by_gid(fig, "reduction:")
    assert len(bars) == red.height == 5
    got = sorted((b.get_gid(), b.get_width()) for b in bars)
    want = sorted(
        (f"reduction:{a}:{r}", q) for a, r, q in red.select("account", "role", "qty").iter_rows()
    )
    assert got == want
    requested = sum(b.get_width() for b in bars if b.get_gid().endswith(":requester"))
    countered = sum(b.get_width() for b in bars if b.get_gid().endswith(":counterparty"))
    assert requested == countered == 16  # RED-01: every requested lot finds a counterparty
    for bar in bars:
        role = bar.get_gid().rsplit(":", 1)[1]
        assert np.allclose(bar.get_facecolor()[:3], _rgb(ROLE_STYLE[role][0]))
    assert fig.axes[0].get_xlabel() == "lots reduced"


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def test_reduction_filters_and_no_data(reduction, breaker):
    assert len(by_gid(reduction_allocations(reduction, day="2015-09-07"), "reduction:")) == 5
    with pytest.raises(NoData):
        reduction_allocations(reduction, day="2015-09-08")
    with pytest.raises(NoData, match="no forced reductions"):
        reduction_allocations(breaker)


# --- inputs ---------------------------------------------------------------------------------
def test_a_run_folder_and_a_dict_of_tables_plot_alike(liquidation, tmp_path):
    folder = liquidation.save(tmp_path / "run")
    for run in (folder, str(folder), dict(liquidation.tables)):
        (line,) = by_gid(price_path(run), "trade_price")
        assert len(line.get_xdata()) == 4
    assert run_tables(folder).name == "margin-call-liquidation"


def test_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(NotARunFolder, match="no run folder at"):
        price_path(tmp_path / "missing")
    with pytest.raises(NotARunFolder, match=r"has no summary\.json"):
        price_path(tmp_path)
    with pytest.raises(TypeError, match="run folder path"):
        price_path(42)
