"""Per-run metrics of a sweep: pure functions of a run's tables (SCENARIO.md columns).

:func:`run_metrics` gives one row (a dict, :data:`RUN_SCHEMA`) per run, and
:func:`member_metrics` one row per member (:data:`MEMBER_SCHEMA`). A table a run did not
write counts as empty. Definitions:

- ``trades``, ``volume``: fills and lots traded (``trades``);
- ``liquidation_orders``, ``liquidated_lots``: rows of ``liquidations`` and their ``filled``
  lots;
- ``margin_calls``, ``margin_call_amount``: calls and their total amount;
  ``margin_call_unpaid``: ``amount - paid`` of the calls with outcome ``unpaid`` (pending
  calls, due after the run, are not counted);
- ``reduction_lots``: lots closed by forced position reduction, counted on the requesting
  side (``reductions`` rows with role ``requester`` or ``self_offset``);
- ``defaults``: member defaults (distinct day and member in ``defaults``); ``default_loss``:
  the loss they charged (every layer, ``member_capital`` and ``uncovered`` included);
  ``fund_used``: what the guarantee funds and the exchange paid (every layer except
  ``member_capital`` and ``uncovered``); ``layer_<name>``: the amount of each FUND-02 layer;
- ``warnings``: rows of ``warnings``;
- ``days_locked``: contract-days that closed limit-locked (``prices.locked`` set);
- ``max_member_drawdown``: the largest :func:`max_drawdown` of any member's equity (the sum of
  its accounts' ``accounts_daily.equity`` per day, starting from its accounts' initial
  cash when given), and ``max_drawdown_member``, that member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

LAYERS = (
    "member_capital",
    "defaulter_guarantee_fund",
    "member_guarantee_funds",
    "exchange_risk_reserve",
    "exchange_capital",
    "uncovered",
)
"""FUND-02 layer names of the ``defaults`` table."""

FUND_LAYERS = tuple(name for name in LAYERS if name not in ("member_capital", "uncovered"))
"""The layers whose amounts count as ``fund_used``."""

RUN_SCHEMA: dict[str, pl.DataType] = {
    "trades": pl.Int64(),
    "volume": pl.Int64(),
    "liquidation_orders": pl.Int64(),
    "liquidated_lots": pl.Int64(),
    "margin_calls": pl.Int64(),
    "margin_call_amount": pl.Float64(),
    "margin_call_unpaid": pl.Float64(),
    "reduction_lots": pl.Int64(),
    "defaults": pl.Int64(),
    "default_loss": pl.Float64(),
    "fund_used": pl.Float64(),
    **{f"layer_{name}": pl.Float64() for name in LAYERS},
    "warnings": pl.Int64(),
    "days_locked": pl.Int64(),
    "max_member_drawdown": pl.Float64(),
    "max_drawdown_member": pl.String(),
}
"""Columns of :func:`run_metrics`, in order."""

MEMBER_SCHEMA: dict[str, pl.DataType] = {
    "member": pl.String(),
    "max_drawdown": pl.Float64(),
    "ending_equity": pl.Float64(),
    "margin_calls": pl.Int64(),
    "margin_call_amount": pl.Float64(),
}
"""Columns of :func:`member_metrics`, in order."""


def _table(tables: Mapping[str, pl.DataFrame], name: str, *columns: str) -> pl.DataFrame | None:
    """``tables[name]`` if it has rows and every column, else ``None``."""
    df = tables.get(name)
    if df is None or df.height == 0 or any(c not in df.columns for c in columns):
        return None
    return df


_REDUCING = pl.col("role").is_in(["requester", "self_offset"])


def _sum(df: pl.DataFrame | None, expr: pl.Expr, float_: bool = False) -> Any:
    zero = 0.0 if float_ else 0
    if df is None:
        return zero
    value = df.select(expr.sum()).item()
    if value is None:
        return zero
    return float(value) if float_ else int(value)


def max_drawdown(equity: Sequence[float] | np.ndarray, start: float | None = None) -> float:
    """The largest fall of ``equity`` from an earlier peak (CNY, 0.0 if it never falls).

    Parameters
    ----------
    equity : sequence of float
        Equity at the end of each day, in day order.
    start : float, optional
        Equity before the first day (the first peak).

    Examples
    --------
    >>> max_drawdown([100.0, 80.0, 120.0, 90.0])
    30.0
    >>> max_drawdown([90.0, 95.0], start=100.0)
    10.0
    """
    values = np.asarray(equity, dtype=np.float64)
    if start is not None:
        values = np.concatenate([[float(start)], values])
    if values.size == 0:
        return 0.0
    peak = np.maximum.accumulate(values)
    return float(np.max(peak - values))


def member_equity(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``day, member, equity``: each member's accounts' equity summed per day, sorted."""
    df = _table(tables, "accounts_daily", "day", "member", "equity")
    if df is None:
        schema = {"day": pl.Date(), "member": pl.String(), "equity": pl.Float64()}
        return pl.DataFrame(schema=schema)
    return (
        df.group_by("day", "member")
        .agg(pl.col("equity").cast(pl.Float64).sum())
        .sort("member", "day")
    )


def member_metrics(
    tables: Mapping[str, pl.DataFrame], initial_equity: Mapping[str, float] | None = None
) -> pl.DataFrame:
    """One row per member: ``member, max_drawdown, ending_equity, margin_calls,
    margin_call_amount`` (:data:`MEMBER_SCHEMA`), sorted by member.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        A run's tables (``Result.tables``).
    initial_equity : mapping of str to float, optional
        Member -> equity before the first day (its accounts' cash); the first peak of the
        drawdown. Members listed here appear even without rows in the tables.
    """
    initial = dict(initial_equity or {})
    eq = member_equity(tables)
    calls = _table(tables, "margin_calls", "member", "amount")
    members = set(initial) | set(eq["member"].to_list())
    if calls is not None:
        members |= set(calls["member"].to_list())
    call_count: dict[str, int] = {}
    call_amount: dict[str, float] = {}
    if calls is not None:
        agg = calls.group_by("member").agg(pl.len().alias("n"), pl.col("amount").sum())
        for m, n, amount in agg.iter_rows():
            call_count[m] = int(n)
            call_amount[m] = float(amount or 0.0)
    series = {m: g["equity"].to_numpy() for (m,), g in eq.group_by("member", maintain_order=True)}
    rows = []
    for m in sorted(x for x in members if x is not None):
        values = series.get(m, np.zeros(0))
        start = initial.get(m)
        ending = float(values[-1]) if values.size else (float(start) if start is not None else None)
        rows.append(
            {
                "member": m,
                "max_drawdown": max_drawdown(values, start),
                "ending_equity": ending,
                "margin_calls": call_count.get(m, 0),
                "margin_call_amount": call_amount.get(m, 0.0),
            }
        )
    return pl.DataFrame(rows, schema=MEMBER_SCHEMA, orient="row")


def run_metrics(
    tables: Mapping[str, pl.DataFrame],
    initial_equity: Mapping[str, float] | None = None,
    members: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The sweep metrics of one run (:data:`RUN_SCHEMA`; see the module docstring).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        A run's tables (``Result.tables``).
    initial_equity : mapping of str to float, optional
        As :func:`member_metrics`.
    members : DataFrame, optional
        :func:`member_metrics` of the same run, if already computed.

    Returns
    -------
    dict
        Column -> value, in :data:`RUN_SCHEMA` order.
    """
    trades = _table(tables, "trades", "qty")
    liq = _table(tables, "liquidations", "filled")
    calls = _table(tables, "margin_calls", "amount")
    red = _table(tables, "reductions", "role", "qty")
    dflt = _table(tables, "defaults", "day", "member", "layer", "amount")
    prices = _table(tables, "prices", "locked")
    warn = _table(tables, "warnings")

    unpaid = 0.0
    if calls is not None and "outcome" in calls.columns:
        paid = pl.col("paid").fill_null(0.0) if "paid" in calls.columns else pl.lit(0.0)
        unpaid = _sum(
            calls.filter(pl.col("outcome") == "unpaid"),
            (pl.col("amount") - paid).clip(lower_bound=0.0),
            float_=True,
        )
    layers = dict.fromkeys(LAYERS, 0.0)
    defaults = 0
    if dflt is not None:
        defaults = dflt.select(pl.struct("day", "member").n_unique()).item()
        for layer, amount in dflt.group_by("layer").agg(pl.col("amount").sum()).iter_rows():
            layers[layer] = layers.get(layer, 0.0) + float(amount or 0.0)
    if members is None:
        members = member_metrics(tables, initial_equity)
    worst_member, worst = None, 0.0
    if members.height:
        top = members.sort(["max_drawdown", "member"], descending=[True, False]).row(0, named=True)
        worst_member, worst = top["member"], float(top["max_drawdown"])
    out: dict[str, Any] = {
        "trades": trades.height if trades is not None else 0,
        "volume": _sum(trades, pl.col("qty")),
        "liquidation_orders": liq.height if liq is not None else 0,
        "liquidated_lots": _sum(liq, pl.col("filled")),
        "margin_calls": calls.height if calls is not None else 0,
        "margin_call_amount": _sum(calls, pl.col("amount"), float_=True),
        "margin_call_unpaid": unpaid,
        "reduction_lots": _sum(red, pl.col("qty").filter(_REDUCING)),
        "defaults": int(defaults),
        "default_loss": float(sum(layers.values())),
        "fund_used": float(sum(layers[name] for name in FUND_LAYERS)),
        **{f"layer_{name}": layers[name] for name in LAYERS},
        "warnings": warn.height if warn is not None else 0,
        "days_locked": int(prices["locked"].is_not_null().sum()) if prices is not None else 0,
        "max_member_drawdown": worst,
        "max_drawdown_member": worst_member,
    }
    return {k: out[k] for k in RUN_SCHEMA}


def initial_member_equity(scenario: Any) -> dict[str, float]:
    """Member -> the sum of its accounts' starting cash (from a loaded ``Scenario``)."""
    out: dict[str, float] = {}
    for m in getattr(scenario, "members", ()):
        out.setdefault(m.id, 0.0)
    for acc in getattr(scenario, "accounts", ()):
        out[acc.member] = out.get(acc.member, 0.0) + float(acc.cash)
    return out
