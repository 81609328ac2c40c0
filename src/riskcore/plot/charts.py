"""The plots of a run, each returning a matplotlib :class:`~matplotlib.figure.Figure`.

Figures are made with :class:`matplotlib.figure.Figure` directly (not ``pyplot``): nothing is
registered globally, so a loop of plots never accumulates open figures, and a notebook shows
a returned figure inline. Pass ``ax=`` to draw into an axes of your own (single-panel plots).

Units: prices in index points, money in CNY, quantities in lots, time in trading hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from riskcore.plot.data import (
    NoData,
    Run,
    TradingAxis,
    book_trades,
    choose_symbol,
    nonempty,
    run_tables,
)

STATE_STYLE: dict[str, tuple[str, float, str]] = {
    "watch": ("#f2c14e", 0.35, "watch (BRK-02: at the 6% breaker price)"),
    "breaker": ("#e4572e", 0.35, "circuit breaker (BRK-03)"),
    "limit": ("#8f2d56", 0.14, "10% band only (BRK-05 quiet period, BRK-06)"),
    "no_limit": ("#66a182", 0.20, "no price limit (LIMIT-02)"),
    "closed": ("#9e9e9e", 0.35, "closed"),
}
"""Shading of ``market_states.state`` (colour, alpha, legend text); ``normal`` is unshaded."""

ROLE_STYLE: dict[str, tuple[str, str]] = {
    "self_offset": ("#9c6ade", "self-offset (RED-02)"),
    "requester": ("#e4572e", "requester: unfilled close order (RED-01)"),
    "counterparty": ("#4c78a8", "counterparty: net profitable position (RED-01/03)"),
}
"""Colour and legend text of ``reductions.role``."""

ACCOUNT_COLOURS = ("#4c78a8", "#e4572e", "#54a24b", "#b279a2", "#f58518", "#72b7b2")
DEFAULT_MAX_ACCOUNTS = 4

_cny = FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _title(name: str | None, what: str) -> str:
    return f"{name}: {what}" if name else what


def _day_label(day: dt.date) -> str:
    return f"{day:%a %d %b %Y}"


# --- 1. price path -------------------------------------------------------------------------
def price_path(run: Run, symbol: str | None = None, ax: Axes | None = None) -> Figure:
    """Intraday trade prices of one contract across the run, with its band and states.

    The x axis is *trading time*: the sessions (from ``market_states``: ``open`` to
    ``session_end``) laid end to end, so nights and the lunch break take no room; day
    boundaries are solid vertical lines, lunch breaks dotted, and each session start is
    labelled with its clock time (the date at a day's first session).

    Drawn: the book trades' prices (``trades`` of kind continuous/auction/liquidation) as a
    step line with a dot per trade (liquidation fills crossed, LIQ-02); the price band
    (``market_states.band_low``..``band_high``, LIMIT-01/BRK-01) as a step band; the
    watch/breaker/limit/no-limit/closed intervals shaded (BRK-02..07); and each day's
    settlement price (``prices.settlement_price``) as a diamond at the day's close.

    Parameters
    ----------
    run : path, riskcore.Result or dict of polars.DataFrame
        The run.
    symbol : str, optional
        The contract (default: the one with the most book trades).
    ax : matplotlib.axes.Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    NoData
        No book trades and no market states (for ``symbol``).
    """
    tables = run_tables(run)
    symbol = choose_symbol(tables, symbol)
    states = tables.get("market_states")
    if nonempty(states, "symbol"):
        states = states.filter(pl.col("symbol") == symbol).sort("at", maintain_order=True)
    all_book = book_trades(tables.get("trades"))
    trades = book_trades(all_book, symbol) if all_book.height else all_book
    axis = TradingAxis.build(tables.get("market_states"), all_book)
    fig, ax = _figure(ax, (12, 5.2))

    _draw_states(ax, axis, states)
    _draw_band(ax, axis, states)
    for x, new_day in axis.breaks():
        ax.axvline(x, color="#555555", lw=0.9 if new_day else 0.6, ls="-" if new_day else ":")

    if trades.height:
        x = axis.x(trades["at"])
        price = trades["price"].to_numpy()
        ax.plot(
            x,
            price,
            drawstyle="steps-post",
            marker="o",
            ms=3.5,
            lw=1.4,
            color="#1f1f1f",
            label=f"trade price ({trades.height:,} trade{'s' if trades.height != 1 else ''})",
            gid="trade_price",
            zorder=4,
        )
        if "kind" in trades.columns:
            liq = (trades["kind"] == "liquidation").to_numpy()
            if liq.any():
                ax.scatter(
                    x[liq],
                    price[liq],
                    marker="X",
                    s=60,
                    color="#e4572e",
                    edgecolor="white",
                    lw=0.6,
                    zorder=7,
                    label="liquidation fill (LIQ-02)",
                    gid="liquidation_fills",
                )
    else:
        ax.text(
            0.5,
            0.5,
            f"no book trades in {symbol}",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#777777",
        )
    _draw_settlements(ax, axis, tables.get("prices"), symbol)
    ax.margins(y=0.05)

    xs, labels = axis.ticks()
    ax.set_xticks(xs, labels, fontsize=8)
    ax.set_xlim(0, axis.end)
    ax.set_xlabel("trading time (nights and lunch breaks removed)")
    ax.set_ylabel("price (index points)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.1f}"))
    ax.grid(axis="y", color="#e6e6e6", lw=0.6)
    ax.set_title(_title(tables.name, f"{symbol} trade prices, price band and market states"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def _draw_states(ax: Axes, axis: TradingAxis, states: pl.DataFrame) -> None:
    """Shade each state interval (a row until the contract's next row) of positive width."""
    if not nonempty(states, "at", "state"):
        return
    x = axis.x(states["at"])
    ends = np.append(x[1:], axis.end)
    labelled: set[str] = set()
    for state, lo, hi in zip(states["state"].to_list(), x, ends, strict=True):
        style = STATE_STYLE.get(state)
        if style is None or hi <= lo:
            continue
        colour, alpha, text = style
        ax.axvspan(
            lo,
            hi,
            color=colour,
            alpha=alpha,
            lw=0,
            gid=f"state:{state}",
            label=None if state in labelled else text,
            zorder=1,
        )
        labelled.add(state)


def _draw_band(ax: Axes, axis: TradingAxis, states: pl.DataFrame) -> None:
    """The band ``band_low``..``band_high`` as a step band over trading time."""
    if not nonempty(states, "at", "band_low", "band_high"):
        return
    x = np.append(axis.x(states["at"]), axis.end)
    low = states["band_low"].cast(pl.Float64).to_numpy()
    high = states["band_high"].cast(pl.Float64).to_numpy()
    low, high = np.append(low, low[-1]), np.append(high, high[-1])
    ax.fill_between(
        x,
        low,
        high,
        step="post",
        color="#4c78a8",
        alpha=0.07,
        lw=0,
        label="price band (LIMIT-01, BRK-01)",
        gid="band",
        zorder=0,
    )
    for edge in (low, high):
        ax.step(x, edge, where="post", color="#4c78a8", lw=0.9, alpha=0.8, zorder=2)


def _draw_settlements(ax: Axes, axis: TradingAxis, prices: pl.DataFrame, symbol: str) -> None:
    if not nonempty(prices, "day", "symbol", "settlement_price"):
        return
    rows = prices.filter((pl.col("symbol") == symbol) & pl.col("settlement_price").is_not_null())
    if "locked" not in rows.columns:
        rows = rows.with_columns(locked=pl.lit(None, pl.String))
    xs, ys, notes = [], [], []
    for day, price, locked in rows.select("day", "settlement_price", "locked").iter_rows():
        x = axis.day_end(day)
        if x is not None:
            xs.append(x)
            ys.append(price)
            notes.append(
                f"{price:,.1f}" + (f"\nlimit-locked {locked} (LIMIT-04)" if locked else "")
            )
    if not xs:
        return
    ax.scatter(
        xs,
        ys,
        marker="D",
        s=42,
        color="#54a24b",
        edgecolor="#1f1f1f",
        lw=0.7,
        zorder=6,
        label="settlement price",
        gid="settlement",
        clip_on=False,
    )
    for x, y, note in zip(xs, ys, notes, strict=True):
        ax.annotate(
            note,
            (x, y),
            xytext=(-6, 7),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color="#2d6a2d",
        )


# --- 2. equity and margin ------------------------------------------------------------------
def interesting_accounts(run: Run, limit: int = DEFAULT_MAX_ACCOUNTS) -> list[str]:
    """Accounts worth a look: those with margin calls, liquidations, reductions or a
    restriction (in that order of first appearance), else the largest by total |pnl|.

    Parameters
    ----------
    run : path, riskcore.Result or dict of polars.DataFrame
    limit : int
        At most this many accounts.
    """
    tables = run_tables(run)
    picked: list[str] = []
    for name in ("margin_calls", "liquidations", "reductions"):
        df = tables.get(name)
        if nonempty(df, "account"):
            picked += df["account"].to_list()
    daily = tables.get("accounts_daily")
    if nonempty(daily, "account", "restricted"):
        picked += daily.filter(pl.col("restricted"))["account"].to_list()
    picked = list(dict.fromkeys(picked))
    if picked or not nonempty(daily, "account"):
        return picked[:limit]
    if "pnl" in daily.columns:
        score = daily.group_by("account").agg(pl.col("pnl").abs().sum().alias("score"))
    else:
        score = daily.group_by("account").agg(
            (pl.col("equity").max() - pl.col("equity").min()).alias("score")
        )
    score = score.sort(["score", "account"], descending=[True, False])
    return score["account"].head(limit).to_list()


def equity_margin(
    run: Run,
    account: str | Sequence[str] | None = None,
    ax: Axes | None = None,
    max_accounts: int = DEFAULT_MAX_ACCOUNTS,
) -> Figure:
    """Equity and trading margin per day of chosen accounts (``accounts_daily``, MARGIN-01).

    Equity is a solid line, margin a dashed line of the same colour; a day that ends with a
    margin call (``accounts_daily.margin_call`` > 0, MARGIN-06) is marked with a red triangle
    on the equity line.

    Parameters
    ----------
    run : path, riskcore.Result or dict of polars.DataFrame
    account : str or sequence of str, optional
        Accounts to draw (default: :func:`interesting_accounts`).
    ax : matplotlib.axes.Axes, optional
    max_accounts : int
        At most this many accounts by default.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    NoData
        No ``accounts_daily`` rows (for the accounts).
    """
    tables = run_tables(run)
    daily = tables.get("accounts_daily")
    if not nonempty(daily, "day", "account", "equity", "margin"):
        raise NoData("no accounts_daily rows")
    if account is None:
        accounts = interesting_accounts(tables, max_accounts)
    else:
        accounts = [account] if isinstance(account, str) else list(account)
    rows = daily.filter(pl.col("account").is_in(accounts))
    if not rows.height:
        raise NoData(f"no accounts_daily rows for {', '.join(accounts) or 'any account'}")
    days = sorted(rows["day"].unique().to_list())
    where = {d: i for i, d in enumerate(days)}
    fig, ax = _figure(ax, (10, 5))
    called_label = "margin call issued (MARGIN-06)"
    for n, acct in enumerate(a for a in accounts if a in set(rows["account"].to_list())):
        colour = ACCOUNT_COLOURS[n % len(ACCOUNT_COLOURS)]
        one = rows.filter(pl.col("account") == acct).sort("day")
        x = np.array([where[d] for d in one["day"].to_list()])
        equity = one["equity"].to_numpy()
        ax.plot(
            x,
            equity,
            "-o",
            color=colour,
            lw=1.8,
            ms=5,
            label=f"{acct} equity",
            gid=f"{acct}:equity",
        )
        ax.plot(
            x,
            one["margin"].to_numpy(),
            "--s",
            color=colour,
            lw=1.3,
            ms=4,
            alpha=0.85,
            label=f"{acct} margin",
            gid=f"{acct}:margin",
        )
        if "margin_call" in one.columns:
            called = (one["margin_call"].fill_null(0.0) > 0).to_numpy()
            if called.any():
                ax.scatter(
                    x[called],
                    equity[called],
                    marker="v",
                    s=90,
                    color="#d62728",
                    zorder=5,
                    label=called_label,
                )
                called_label = None
    ax.set_xticks(range(len(days)), [_day_label(d) for d in days], fontsize=8)
    if len(days) == 1:
        ax.set_xlim(-0.5, 0.5)
    ax.set_xlabel("trading day (values after the day's settlement)")
    ax.set_ylabel("CNY")
    ax.yaxis.set_major_formatter(_cny)
    ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
    ax.grid(axis="y", color="#e6e6e6", lw=0.6)
    ax.set_title(_title(tables.name, "equity (solid) and trading margin (dashed) per day"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


# --- 3. margin calls and liquidations ------------------------------------------------------
def margin_calls_liquidations(run: Run, account: str | Sequence[str] | None = None) -> Figure:
    """Margin calls (CNY; paid, unpaid, pending) and liquidated lots per day.

    Top panel: each day's margin calls (``margin_calls``, MARGIN-06) as stacked bars: the
    amount paid, then what was left unpaid (LIQ-01 ①) or is still pending at the run's end.
    Bottom panel: liquidation lots (``liquidations``, LIQ-02) filled by the member and by the
    exchange, and lots left unfilled, stacked per day.

    Parameters
    ----------
    run : path, riskcore.Result or dict of polars.DataFrame
    account : str or sequence of str, optional
        Only these accounts (default: all).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    NoData
        Neither margin calls nor liquidations (for the accounts).
    """
    tables = run_tables(run)
    calls = tables.get("margin_calls")
    liqs = tables.get("liquidations")
    if account is not None:
        chosen = [account] if isinstance(account, str) else list(account)
        calls = calls.filter(pl.col("account").is_in(chosen)) if calls.height else calls
        liqs = liqs.filter(pl.col("account").is_in(chosen)) if liqs.height else liqs
    has_calls = nonempty(calls, "day", "amount")
    has_liqs = nonempty(liqs, "day", "qty")
    if not (has_calls or has_liqs):
        raise NoData("no margin calls and no liquidations")
    days = sorted(
        set(calls["day"].to_list() if has_calls else [])
        | set(liqs["day"].to_list() if has_liqs else [])
    )
    where = {d: i for i, d in enumerate(days)}
    fig = Figure(figsize=(10, 6.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    width = 0.6

    if has_calls:
        paid = calls["paid"].fill_null(0.0) if "paid" in calls.columns else pl.lit(0.0)
        outcome = calls["outcome"] if "outcome" in calls.columns else None
        frame = calls.select(
            "day",
            pl.Series("paid", paid) if isinstance(paid, pl.Series) else paid.alias("paid"),
            "amount",
            (outcome if outcome is not None else pl.lit("unpaid")).alias("outcome"),
        ).with_columns(rest=(pl.col("amount") - pl.col("paid")).clip(lower_bound=0.0))
        parts = [
            ("paid", frame.group_by("day").agg(pl.col("paid").sum().alias("v")), "#54a24b"),
            (
                "unpaid (LIQ-01 ①)",
                frame.filter(pl.col("outcome") != "pending")
                .group_by("day")
                .agg(pl.col("rest").sum().alias("v")),
                "#d62728",
            ),
            (
                "pending at the run's end",
                frame.filter(pl.col("outcome") == "pending")
                .group_by("day")
                .agg(pl.col("rest").sum().alias("v")),
                "#f2c14e",
            ),
        ]
        _stack(top, parts, where, width, "call")
        counts = frame.group_by("day").agg(pl.len().alias("n"), pl.col("amount").sum().alias("a"))
        for day, n, amount in counts.iter_rows():
            top.annotate(
                f"{n} call{'s' if n != 1 else ''}\n{amount:,.0f}",
                (where[day], amount),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        top.margins(y=0.25)
    else:
        _empty_note(top, "no margin calls")
    top.set_ylabel("margin call amount (CNY)")
    top.yaxis.set_major_formatter(_cny)
    top.set_title(_title(tables.name, "margin calls (MARGIN-06) and forced liquidation (LIQ-02)"))

    if has_liqs:
        filled = pl.col("filled").fill_null(0) if "filled" in liqs.columns else pl.lit(0)
        frame = liqs.with_columns(
            done=filled,
            phase=pl.col("phase") if "phase" in liqs.columns else pl.lit("member"),
        ).with_columns(left=(pl.col("qty") - pl.col("done")).clip(lower_bound=0))
        parts = [
            (
                "filled, member phase",
                frame.filter(pl.col("phase") == "member")
                .group_by("day")
                .agg(pl.col("done").sum().alias("v")),
                "#4c78a8",
            ),
            (
                "filled, exchange phase",
                frame.filter(pl.col("phase") != "member")
                .group_by("day")
                .agg(pl.col("done").sum().alias("v")),
                "#b279a2",
            ),
            (
                "unfilled (cancelled or carried, LIQ-04)",
                frame.group_by("day").agg(pl.col("left").sum().alias("v")),
                "#ffffff",
            ),
        ]
        _stack(bottom, parts, where, width, "liquidation", hatch_last=True)
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
        bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        bottom.margins(y=0.15)
    else:
        _empty_note(bottom, "no liquidations")
    bottom.set_ylabel("liquidation orders (lots)")
    bottom.set_xticks(range(len(days)), [_day_label(d) for d in days], fontsize=8)
    bottom.set_xlim(-0.75, len(days) - 0.25)
    bottom.set_xlabel("trading day")
    for a in (top, bottom):
        a.grid(axis="y", color="#e6e6e6", lw=0.6)
        a.set_axisbelow(True)
    return fig


def _stack(
    ax: Axes,
    parts: list[tuple[str, pl.DataFrame, str]],
    where: dict[dt.date, int],
    width: float,
    gid: str,
    hatch_last: bool = False,
) -> None:
    """Stacked bars per day; zero parts are left out (no empty rectangles)."""
    base = np.zeros(len(where))
    for n, (label, frame, colour) in enumerate(parts):
        values = np.zeros(len(where))
        for day, v in frame.iter_rows():
            values[where[day]] += float(v or 0)
        if not values.any():
            continue
        hatched = hatch_last and n == len(parts) - 1
        bars = ax.bar(
            np.arange(len(where))[values > 0],
            values[values > 0],
            width,
            bottom=base[values > 0],
            color=colour,
            edgecolor="#555555" if hatched else colour,
            hatch="//" if hatched else None,
            lw=0.8,
            label=label,
        )
        for bar in bars:
            bar.set_gid(f"{gid}:{label}")
        base += values


def _empty_note(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#777777")
    ax.set_yticks([])


# --- 4. reduction allocations --------------------------------------------------------------
ROLE_ORDER = {"self_offset": 0, "requester": 1, "counterparty": 2}


def reduction_allocations(
    run: Run,
    symbol: str | None = None,
    day: dt.date | str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Forced position reduction: the lots allocated to each account (``reductions``).

    One horizontal bar per allocation, coloured by role: ``self_offset`` (an account's own
    opposite position, RED-02), ``requester`` (its unfilled close order at the limit,
    RED-01), ``counterparty`` (a net profitable position reduced pro rata by profit tier,
    RED-01/03/04). Bars are grouped by day, contract and tier and labelled with the lots.

    Parameters
    ----------
    run : path, riskcore.Result or dict of polars.DataFrame
    symbol : str, optional
        Only this contract (default: all).
    day : datetime.date or ``"YYYY-MM-DD"``, optional
        Only this day (default: all).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    NoData
        No reductions (for ``symbol`` / ``day``).
    """
    tables = run_tables(run)
    red = tables.get("reductions")
    if not nonempty(red, "day", "symbol", "account", "role", "qty"):
        raise NoData("no forced reductions")
    if symbol is not None:
        red = red.filter(pl.col("symbol") == symbol)
    if day is not None:
        wanted = dt.date.fromisoformat(day) if isinstance(day, str) else day
        red = red.filter(pl.col("day") == wanted)
    if not red.height:
        raise NoData(f"no forced reductions for {symbol or 'any contract'} on {day or 'any day'}")
    if "tier" not in red.columns:
        red = red.with_columns(tier=pl.lit(None, pl.Int64))
    red = (
        red.with_columns(
            _role_order=pl.col("role").replace_strict(ROLE_ORDER, default=9, return_dtype=pl.Int64)
        )
        .sort(["day", "symbol", "_role_order", "tier", "account"], maintain_order=True)
        .drop("_role_order")
    )
    several = red.select("day", "symbol").unique().height > 1
    labels = []
    for row in red.iter_rows(named=True):
        tier = "" if row["tier"] is None else f", tier {row['tier']}"
        where = f"{row['day']:%d %b} {row['symbol']} · " if several else ""
        labels.append(f"{where}{row['account']} ({row['role'].replace('_', '-')}{tier})")
    height = max(2.6, 0.42 * red.height + 1.6)
    fig, ax = _figure(ax, (10, height))
    y = np.arange(red.height)[::-1]
    qty = red["qty"].to_numpy()
    roles = red["role"].to_list()
    colours = [ROLE_STYLE.get(r, ("#9e9e9e", r))[0] for r in roles]
    bars = ax.barh(y, qty, color=colours, height=0.62)
    for bar, acct, role in zip(bars, red["account"].to_list(), roles, strict=True):
        bar.set_gid(f"reduction:{acct}:{role}")
    for yy, q in zip(y, qty, strict=True):
        ax.annotate(
            f"{q:,} lots",
            (q, yy),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, labels, fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, float(qty.max()) * 1.18 if qty.size else 1.0)
    ax.set_xlabel("lots reduced")
    ax.grid(axis="x", color="#e6e6e6", lw=0.6)
    ax.set_axisbelow(True)
    handles = [
        Patch(color=ROLE_STYLE[r][0], label=ROLE_STYLE[r][1]) for r in ROLE_ORDER if r in set(roles)
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    what = "forced position reduction allocations"
    if not several:
        first = red.row(0, named=True)
        price = f" at {first['price']:,.1f}" if first.get("price") is not None else ""
        what += f", {first['symbol']} on {_day_label(first['day'])}{price}"
    ax.set_title(_title(tables.name, what))
    return fig
