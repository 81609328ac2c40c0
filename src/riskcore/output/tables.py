"""Run-folder tables as polars DataFrames, with exactly the columns and dtypes of SCENARIO.md.

Every builder is vectorised (polars expressions and numpy gathers; no Python loop per row).
Conventions (SCENARIO.md, "Run folder"): times ``Datetime("ns")`` (naive exchange-local),
days ``Date``, prices and money ``Float64`` (index points; CNY), lots ``Int64``, names and
enums ``String``. Columns beyond the spec's are added at the end of a table, never renamed.

:data:`SCHEMAS` is the contract the tests check; :func:`conform` casts and orders a frame
to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from riskcore.records import (
    CANCEL,
    KIND_NAMES,
    OFFSET_NAMES,
    REASON_NAMES,
    SIDE_NAMES,
    SOURCE_NAMES,
    STATE_NAMES,
    STATE_REASON_NAMES,
    STATUS_NAMES,
)

DT = pl.Datetime("ns")
PRICE_DECIMALS = 9
"""Float prices are ``round(ticks x tick, 9)`` so 17,501 x 0.2 prints as 3500.2."""

SCHEMAS: dict[str, pl.Schema] = {
    "orders": pl.Schema(
        {
            "order_no": pl.Int64,
            "client_id": pl.String,
            "at": DT,
            "day": pl.Date,
            "account": pl.String,
            "member": pl.String,
            "investor": pl.String,
            "symbol": pl.String,
            "action": pl.String,
            "side": pl.String,
            "offset": pl.String,
            "type": pl.String,
            "price": pl.Float64,
            "qty": pl.Int64,
            "filled": pl.Int64,
            "status": pl.String,
            "reason": pl.String,
            "source": pl.String,
            # added columns
            "target_order_no": pl.Int64,
            "origin": pl.String,
        }
    ),
    "trades": pl.Schema(
        {
            "trade_no": pl.Int64,
            "at": DT,
            "day": pl.Date,
            "symbol": pl.String,
            "price": pl.Float64,
            "qty": pl.Int64,
            "buy_account": pl.String,
            "sell_account": pl.String,
            "buy_offset": pl.String,
            "sell_offset": pl.String,
            "buy_order_no": pl.Int64,
            "sell_order_no": pl.Int64,
            "aggressor": pl.String,
            "kind": pl.String,
        }
    ),
    "market_states": pl.Schema(
        {
            "at": DT,
            "day": pl.Date,
            "symbol": pl.String,
            "state": pl.String,
            "band_low": pl.Float64,
            "band_high": pl.Float64,
            "reason": pl.String,
        }
    ),
    "prices": pl.Schema(
        {
            "day": pl.Date,
            "symbol": pl.String,
            "open": pl.Float64,
            "high": pl.Float64,
            "low": pl.Float64,
            "close": pl.Float64,
            "volume": pl.Int64,
            "open_interest": pl.Int64,
            "settlement_price": pl.Float64,
            "prev_settlement": pl.Float64,
            "limit_up": pl.Float64,
            "limit_down": pl.Float64,
            "locked": pl.String,
            # added columns
            "trades": pl.Int64,
            "settlement_method": pl.String,
        }
    ),
    "events": pl.Schema(
        {
            "day": pl.Date,
            "at": DT,
            "kind": pl.String,
            "account": pl.String,
            "symbol": pl.String,
            "party": pl.String,
            "amount": pl.Float64,
            "rate": pl.Float64,
            "value": pl.Int64,
            "qty": pl.Int64,
            "reason": pl.String,
            "status": pl.String,
            "detail": pl.String,
            "origin": pl.String,
        }
    ),
}
"""Columns and dtypes of the tables this package fills (SCENARIO.md plus added columns).

``events`` is an added table: one row per ``[[events]]`` entry with what the run did with
it (``applied`` / ``refused`` / ``not_simulated``).
"""

LOCKED_NAMES = (None, "up", "down")
"""LIMIT-04 code -> ``prices.locked`` value (0 = not locked, 1 = up, 2 = down)."""


def _nulls(n: int, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(None, n, dtype=dtype, eager=True)


def names(codes: np.ndarray, table: Sequence[str | None]) -> pl.Series:
    """Codes -> strings by gathering from ``table``; codes outside it (e.g. -1) -> null."""
    codes = np.asarray(codes, dtype=np.int64)
    ok = (codes >= 0) & (codes < len(table))
    vals = pl.Series(list(table), dtype=pl.String)
    out = vals.gather(np.where(ok, codes, 0))
    if ok.all():
        return out
    return out.zip_with(pl.Series(ok), _nulls(len(codes), pl.String))


def masked(values: np.ndarray, valid: np.ndarray, dtype: pl.DataType) -> pl.Series:
    """``values`` as a Series of ``dtype``, null where ``valid`` is false."""
    s = pl.Series(np.asarray(values)).cast(dtype)
    if np.all(valid):
        return s
    return s.zip_with(pl.Series(np.asarray(valid, dtype=bool)), _nulls(len(s), dtype))


def float_prices(ticks: np.ndarray, tick: np.ndarray) -> np.ndarray:
    """Ticks -> index points (``round(ticks x tick, 9)``), float64."""
    return np.round(np.asarray(ticks, dtype=np.float64) * tick, PRICE_DECIMALS)


def conform(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """``df`` with exactly the columns of ``SCHEMAS[table]`` first, in order and cast;
    any further columns of ``df`` kept after them."""
    schema = SCHEMAS[table]
    extra = [c for c in df.columns if c not in schema]
    cols = [
        (pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t)).alias(c)
        for c, t in schema.items()
    ]
    return df.select(*cols, *extra)


def empty(table: str) -> pl.DataFrame:
    """An empty frame of ``table``'s schema."""
    return pl.DataFrame(schema=SCHEMAS[table])


def orders_table(
    orders: pl.DataFrame,
    msgs: np.ndarray,
    status: np.ndarray,
    filled: np.ndarray,
    reason: np.ndarray,
    member_of: Mapping[str, str],
    investor_of: Mapping[str, str],
) -> pl.DataFrame:
    """The ``orders`` table: one row per message (order or cancel request).

    Parameters
    ----------
    orders : polars.DataFrame
        The scenario's order flow (``ORDERS_SCHEMA``), row i = order number i.
    msgs : ndarray of MSG_DTYPE
        The messages built from it (for cancel targets and sources).
    status, filled, reason : ndarray
        Final per-order state from the engines (``ST_*``, lots, ``R_*``).
    member_of, investor_of : mapping of str to str
        Account id -> member id / investor id.

    Notes
    -----
    ``status`` is the engine's final state: a live order partly filled
    (``ST_PARTIAL``) can only exist before the close; expired at the close it is
    ``cancelled`` with reason ``EXPIRED`` and its fill in ``filled``. A cancel request is
    ``accepted`` or ``rejected``; its ``client_id`` is its target, ``symbol`` its target's
    (null if the target is unknown), ``qty``/``filled`` null.
    """
    n = orders.height
    if n == 0:
        return empty("orders")
    target = msgs["target"]
    is_cancel = msgs["action"] == CANCEL
    sym = orders["symbol"]
    sym_t = sym.gather(np.maximum(target, 0))
    symbol = sym_t.zip_with(pl.Series(is_cancel & (target >= 0)), sym)
    filled_s = masked(filled.astype(np.int64), ~is_cancel, pl.Int64)
    df = orders.select(
        pl.int_range(n, dtype=pl.Int64).alias("order_no"),
        pl.when(pl.col("action") == "cancel")
        .then(pl.col("target"))
        .otherwise(pl.col("client_id"))
        .alias("client_id"),
        pl.col("at").cast(DT).alias("at"),
        pl.col("at").cast(DT).dt.date().alias("day"),
        "account",
        pl.col("account")
        .replace_strict(dict(member_of), default=None, return_dtype=pl.String)
        .alias("member"),
        pl.col("account")
        .replace_strict(dict(investor_of), default=None, return_dtype=pl.String)
        .alias("investor"),
        pl.lit(symbol).alias("symbol"),
        "action",
        "side",
        "offset",
        "type",
        "price",
        "qty",
        pl.lit(filled_s).alias("filled"),
        pl.lit(names(status, STATUS_NAMES)).alias("status"),
        pl.lit(names(reason, REASON_NAMES)).alias("reason"),
        pl.lit(names(msgs["source"], SOURCE_NAMES)).alias("source"),
        pl.lit(masked(target, target >= 0, pl.Int64)).alias("target_order_no"),
        "origin",
    )
    return conform(df, "orders")


def trades_table(
    fills: np.ndarray,
    accounts: Sequence[str],
    contracts: Sequence[str],
    tick: np.ndarray,
) -> pl.DataFrame:
    """The ``trades`` table: one row per fill (``FILL_DTYPE``), prices in index points.

    ``aggressor`` is ``buy``/``sell`` for continuous trading and null for the call auction
    (MATCH-06: no aggressor); ``kind`` from ``KIND_NAMES``.
    """
    if len(fills) == 0:
        return empty("trades")
    c = fills["contract"].astype(np.int64)
    ts = pl.Series("at", fills["ts"].astype(np.int64)).cast(DT)
    df = pl.DataFrame(
        {
            "trade_no": fills["trade_no"].astype(np.int64),
            "at": ts,
            "day": ts.dt.date(),
            "symbol": names(c, contracts),
            "price": float_prices(fills["price"], np.asarray(tick)[c]),
            "qty": fills["qty"].astype(np.int64),
            "buy_account": names(fills["buy_account"], accounts),
            "sell_account": names(fills["sell_account"], accounts),
            "buy_offset": names(fills["buy_offset"], OFFSET_NAMES),
            "sell_offset": names(fills["sell_offset"], OFFSET_NAMES),
            "buy_order_no": fills["buy_order_no"].astype(np.int64),
            "sell_order_no": fills["sell_order_no"].astype(np.int64),
            "aggressor": names(fills["aggressor"], (None, *SIDE_NAMES[1:])),
            "kind": names(fills["kind"], KIND_NAMES),
        }
    )
    return conform(df, "trades")


def market_states_table(
    states: np.ndarray, contracts: Sequence[str], tick: np.ndarray
) -> pl.DataFrame:
    """The ``market_states`` table: one row per state change (``MARKET_STATE_DTYPE``,
    BRK-07), with the band in force after it, in index points. ``state`` from
    ``STATE_NAMES`` (normal/watch/breaker/limit/no_limit/closed), ``reason`` from
    ``STATE_REASON_NAMES``."""
    if len(states) == 0:
        return empty("market_states")
    c = states["contract"].astype(np.int64)
    ts = pl.Series("at", states["ts"].astype(np.int64)).cast(DT)
    px_tick = np.asarray(tick)[c]
    df = pl.DataFrame(
        {
            "at": ts,
            "day": ts.dt.date(),
            "symbol": names(c, contracts),
            "state": names(states["state"], STATE_NAMES),
            "band_low": float_prices(states["band_lo"], px_tick),
            "band_high": float_prices(states["band_hi"], px_tick),
            "reason": names(states["reason"], STATE_REASON_NAMES),
        }
    )
    return conform(df, "market_states")


def prices_table(rows: Mapping[str, Sequence]) -> pl.DataFrame:
    """The ``prices`` table from per-contract-day columns (already in index points).

    ``rows`` maps column names of :data:`SCHEMAS` ``["prices"]`` to equal-length sequences;
    ``day`` holds dates, ``locked`` LIMIT-04 codes (see :data:`LOCKED_NAMES`).
    """
    if not rows or len(rows["day"]) == 0:
        return empty("prices")
    data = dict(rows)
    data["locked"] = names(np.asarray(data["locked"]), LOCKED_NAMES)
    return conform(pl.DataFrame(data, strict=False), "prices")


def events_table(rows: Sequence[Mapping]) -> pl.DataFrame:
    """The added ``events`` table from :func:`riskcore.sim.admin.event_row` rows."""
    if not rows:
        return empty("events")
    schema = {k: v for k, v in SCHEMAS["events"].items() if k != "day"}
    schema["at"] = pl.Int64
    df = pl.DataFrame(list(rows), schema=schema, orient="row")
    df = df.with_columns(pl.col("at").cast(DT)).with_columns(pl.col("at").dt.date().alias("day"))
    return conform(df, "events")


__all__ = [
    "LOCKED_NAMES",
    "SCHEMAS",
    "conform",
    "empty",
    "events_table",
    "market_states_table",
    "names",
    "orders_table",
    "prices_table",
    "trades_table",
]
