"""Run-folder tables as polars DataFrames, with exactly the columns and dtypes of SCENARIO.md.

Every builder is vectorised (polars expressions and numpy gathers; no Python loop per row).
Conventions (SCENARIO.md, "Run folder"): times ``Datetime("ns")`` (naive exchange-local),
days ``Date``, prices and money ``Float64`` (index points; CNY), lots ``Int64``, names and
enums ``String``, except in the two tables of a row per message and per fill (``orders``,
``trades``), where names are ``Categorical`` and vocabularies ``Enum``: a 20-million-row
table holds a small code per value, not a string, and writes far faster. They compare
with strings as text columns do (``pl.col("kind") == "auction"``); cast to ``pl.String``
to join with a text column. Columns beyond the spec's are added at the end of a table,
never renamed.

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
from riskcore.risk.guarantee_fund import GUARANTEE_FUND_SCHEMA
from riskcore.risk.large_traders import REPORT_SCHEMA
from riskcore.risk.warnings import WARNING_SCHEMA
from riskcore.risk.waterfall import DEFAULTS_SCHEMA
from riskcore.scenario.model import ACTION_ENUM, OFFSET_ENUM, SIDE_ENUM, TYPE_ENUM

DT = pl.Datetime("ns")
STATUS_ENUM = pl.Enum(list(STATUS_NAMES))
REASON_ENUM = pl.Enum([r for r in REASON_NAMES if r is not None])
SOURCE_ENUM = pl.Enum(list(SOURCE_NAMES))
KIND_ENUM = pl.Enum(list(KIND_NAMES))
PRICE_DECIMALS = 9
"""Float prices are ``round(ticks x tick, 9)`` so 17,501 x 0.2 prints as 3500.2."""

SCHEMAS: dict[str, pl.Schema] = {
    "orders": pl.Schema(
        {
            "order_no": pl.Int64,
            "client_id": pl.String,
            "at": DT,
            "day": pl.Date,
            "account": pl.Categorical(),
            "member": pl.Categorical(),
            "investor": pl.Categorical(),
            "symbol": pl.Categorical(),
            "action": ACTION_ENUM,
            "side": SIDE_ENUM,
            "offset": OFFSET_ENUM,
            "type": TYPE_ENUM,
            "price": pl.Float64,
            "qty": pl.Int64,
            "filled": pl.Int64,
            "status": STATUS_ENUM,
            "reason": REASON_ENUM,
            "source": SOURCE_ENUM,
            # added columns
            "target_order_no": pl.Int64,
            "origin": pl.Categorical(),
            "origin_row": pl.Int64,
        }
    ),
    "trades": pl.Schema(
        {
            "trade_no": pl.Int64,
            "at": DT,
            "day": pl.Date,
            "symbol": pl.Categorical(),
            "price": pl.Float64,
            "qty": pl.Int64,
            "buy_account": pl.Categorical(),
            "sell_account": pl.Categorical(),
            "buy_offset": OFFSET_ENUM,
            "sell_offset": OFFSET_ENUM,
            "buy_order_no": pl.Int64,
            "sell_order_no": pl.Int64,
            "aggressor": SIDE_ENUM,
            "kind": KIND_ENUM,
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
    "settlements": pl.Schema(
        {
            "day": pl.Date,
            "account": pl.String,
            "symbol": pl.String,
            "long": pl.Int64,
            "short": pl.Int64,
            "settlement_price": pl.Float64,
            "pnl": pl.Float64,
            "margin": pl.Float64,
            "margin_rate": pl.Float64,
            # added columns
            "member": pl.String,
            "prev_long": pl.Int64,
            "prev_short": pl.Int64,
            "prev_settlement": pl.Float64,
            "final": pl.Boolean,
        }
    ),
    "accounts_daily": pl.Schema(
        {
            "day": pl.Date,
            "account": pl.String,
            "member": pl.String,
            "reserve": pl.Float64,
            "margin": pl.Float64,
            "equity": pl.Float64,
            "available": pl.Float64,
            "fees": pl.Float64,
            "deposits": pl.Float64,
            "withdrawals": pl.Float64,
            "margin_call": pl.Float64,
            "restricted": pl.Boolean,
            # added columns
            "pnl": pl.Float64,
            "realised": pl.Float64,
            "covered": pl.Float64,
        }
    ),
    "margin_calls": pl.Schema(
        {
            "day": pl.Date,
            "account": pl.String,
            "member": pl.String,
            "amount": pl.Float64,
            "due": DT,
            "paid": pl.Float64,
            "outcome": pl.String,
            # added columns
            "liquidation_due": pl.Boolean,
        }
    ),
    "notices": pl.Schema(
        {
            "day": pl.Date,
            "symbol": pl.String,
            "kind": pl.String,
            "old_value": pl.Float64,
            "new_value": pl.Float64,
            "reason": pl.String,
            # added columns
            "cause": pl.String,
            "rule": pl.String,
        }
    ),
    "large_trader_reports": pl.Schema(REPORT_SCHEMA),
    "liquidations": pl.Schema(
        {
            "day": pl.Date,
            "at": DT,
            "account": pl.String,
            "member": pl.String,
            "symbol": pl.String,
            "trigger": pl.String,
            "phase": pl.String,
            "side": pl.String,
            "qty": pl.Int64,
            "filled": pl.Int64,
            "order_no": pl.Int64,
            # added columns
            "price": pl.Float64,
            "status": pl.String,
            "rule": pl.String,
        }
    ),
    "reductions": pl.Schema(
        {
            "day": pl.Date,
            "symbol": pl.String,
            "account": pl.String,
            "role": pl.String,
            "qty": pl.Int64,
            "price": pl.Float64,
            "tier": pl.Int64,
            # added columns
            "member": pl.String,
            "side": pl.String,
            "rule": pl.String,
        }
    ),
    "limit_breaches": pl.Schema(
        {
            "day": pl.Date,
            "party": pl.String,
            "party_kind": pl.String,
            "symbol": pl.String,
            "side": pl.String,
            "held": pl.Int64,
            "limit": pl.Int64,
            "excess": pl.Int64,
            "due": DT,
            "remaining": pl.Int64,
            "status": pl.String,
            "account": pl.String,
            "qty": pl.Int64,
            "close_side": pl.String,
            "rule": pl.String,
        }
    ),
    "overdue_reports": pl.Schema(
        {
            "day": pl.Date,
            "at": DT,
            "report_day": pl.Date,
            "due": DT,
            "member": pl.String,
            "investor": pl.String,
            "account": pl.String,
            "symbol": pl.String,
            "long": pl.Int64,
            "short": pl.Int64,
            "trigger": pl.String,
            "rule": pl.String,
        }
    ),
    "guarantee_fund": GUARANTEE_FUND_SCHEMA,
    "defaults": DEFAULTS_SCHEMA,
    "warnings": WARNING_SCHEMA,
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

Position limits and large-trader reports (POS-01..04, LTR-01/02; :mod:`riskcore.sim.positions`):

- ``large_trader_reports`` (report, LTR-01): SCENARIO.md's columns plus ``documents`` (the
  required documents: ``funding_source``, ``actual_controller`` for legal persons, i.e.
  proprietary accounts, ``account_opening_papers``, ``daily_statement``). ``day`` the
  settlement, ``due`` the next trading day's close, ``long``/``short`` lots of the account,
  ``margin`` CNY of that position at the settlement, ``available`` CNY of the account after
  settlement, ``filed`` the account's ``files_reports`` (LTR-02).
- ``limit_breaches`` (added; POS-04, one row per breach, or per forced-liquidation hand-off
  of a breach): ``day`` the settlement that found it, ``party`` investor or member id,
  ``party_kind`` investor / member, ``side`` long / short (position side), ``held`` lots,
  ``limit`` lots (``position_limit`` + hedge quota, or the POS-02 member cap), ``excess`` =
  held - limit, ``due`` the end of the cure window (the next day's first
  ``limit_cure_sessions`` sessions), ``remaining`` lots still over at ``due`` (null:
  ``pending``), ``status`` cured / handed_to_liquidation / pending (the run ended first),
  ``account``/``qty``/``close_side`` the hand-off (LIQ-01 ②: close ``qty`` lots of
  ``account`` with a ``close_side`` order; null / 0 / null otherwise), ``rule`` POS-01 /
  POS-02.
- ``overdue_reports`` (added; LTR-02, the WARN-01 ⑤ trigger for the warnings module): one
  row per unfiled report at the close it was due, ``day``/``at`` that close,
  ``report_day`` the settlement that made it, ``trigger`` ``overdue_report``.

Guarantee funds and defaults (FUND-01/02/03; :mod:`riskcore.sim.funds`):

- ``guarantee_fund`` (member-day): ``basic`` (the scenario's ``guarantee_fund``),
  ``variable`` (the member's share of ``variable_fund_pool``, re-shared every
  ``variable_fund_interval`` trading days) and ``total``, CNY: the requirement.
- ``defaults`` (waterfall layer used by a defaulting member at a settlement): ``layer`` a
  FUND-02 name (``member_capital``, ``defaulter_guarantee_fund``, ``member_guarantee_funds``,
  ``exchange_risk_reserve``, ``exchange_capital``) or ``uncovered`` (FUND-03), ``amount`` CNY
  paid by it, ``remaining_loss`` CNY still open after it.

Units and meanings of the settlement tables (SETTLE-02/04, MARGIN-01/04/05/06):

- ``settlements`` (account-contract-day, for every position held yesterday or today or
  traded today): ``long``/``short`` lots carried forward (0 after a final settlement),
  ``settlement_price`` index points used to mark (the final settlement price on a contract's
  last day, ``final`` = true), ``pnl`` CNY (SETTLE-02), ``margin`` CNY at the settlement price
  and ``margin_rate`` (fraction) in force from this settlement; ``prev_long``/``prev_short``
  yesterday's lots, ``prev_settlement`` yesterday's settlement price.
- ``accounts_daily`` (account-day, after settlement): ``reserve`` (settlement reserve, CNY;
  negative = shortfall), ``margin``, ``equity`` = reserve + margin, ``available`` = reserve
  - frozen (nothing is frozen after the close), the day's ``fees``, ``deposits``,
  ``withdrawals``, ``margin_call`` (CNY called, 0 = none), ``restricted`` (close only during
  that day), ``pnl`` (the day's P&L, CNY), ``realised`` (its part credited intraday,
  MARGIN-03).
- ``margin_calls`` (call): ``day`` of the settlement that made it, ``amount`` CNY, ``due``
  the next open, ``paid`` CNY covered by then, ``outcome`` paid / unpaid / pending (the run
  ended first), ``liquidation_due`` (unpaid: handed to forced liquidation, LIQ-01 ①).
- ``notices`` (regulator notice): ``kind`` ``margin_rate``; ``old_value``/``new_value``
  rates (fractions) in force before / from that day's settlement; ``cause`` scheduled /
  event / limit_locked / limit_locked_end / holiday / holiday_end; ``rule`` the rule ID.
"""

LOCKED_NAMES = (None, "up", "down")
"""LIMIT-04 code -> ``prices.locked`` value (0 = not locked, 1 = up, 2 = down)."""


def _nulls(n: int, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(None, n, dtype=dtype, eager=True)


def names(
    codes: np.ndarray, table: Sequence[str | None], dtype: pl.DataType = pl.String
) -> pl.Series:
    """Codes -> names by gathering from ``table``; codes outside it (e.g. -1) -> null.

    ``dtype`` ``pl.Categorical`` gathers physical codes (no string per row)."""
    vals = pl.Series([*table, None], dtype=pl.String)  # the last: null, for codes outside
    if dtype != pl.String:
        vals = vals.cast(dtype)
    rows = _lookup_rows(codes, np.arange(len(table), dtype=np.uint32), len(table))
    return vals.gather(pl.Series(rows))


def _lookup_rows(codes: np.ndarray, lut: np.ndarray, missing: int) -> np.ndarray:
    """``lut[code]`` per code (uint32), ``missing`` for codes outside ``lut`` (e.g. -1).

    One-byte codes (states, sides, reasons) go through a 256-entry table on their bytes:
    one gather, no masks."""
    codes = np.asarray(codes)
    lut = np.asarray(lut, dtype=np.uint32)
    signed = codes.dtype.kind == "i"
    if codes.dtype.itemsize == 1 and len(lut) <= (128 if signed else 256):
        table = np.full(256, missing, dtype=np.uint32)
        table[: len(lut)] = lut  # a negative int8 reads as a byte >= 128: missing
        return table[codes.view(np.uint8)]
    codes = codes.astype(np.int64, copy=False)
    if len(lut) == 0:
        return np.full(len(codes), missing, dtype=np.uint32)
    ok = (codes >= 0) & (codes < len(lut))
    return np.where(ok, lut[np.where(ok, codes, 0)], np.uint32(missing))


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


def enum_codes(codes: np.ndarray, table: Sequence[str | None], enum: pl.Enum) -> pl.Series:
    """Codes into ``table`` as an ``enum`` Series (names not in ``enum`` or codes outside
    ``table``, e.g. -1 or a ``None`` entry, -> null); vectorised on the codes."""
    cats = list(enum.categories)
    values = pl.Series([*cats, None], dtype=enum)  # the last: null
    missing = len(cats)
    lut = [cats.index(t) if t in cats else missing for t in table]
    return values.gather(pl.Series(_lookup_rows(codes, np.array(lut, dtype=np.uint32), missing)))


class NameLookup:
    """``mapping[name]`` per row of a Categorical column, for several mappings at once.

    Built once per run from the mappings' keys (the accounts): polars' categories are
    process-wide, so a name has the same physical code in every ``Categorical`` column,
    and a column of 20 million rows is mapped by one gather per mapping on those codes, not
    per row or per distinct name. Names that are not keys, and nulls, map to null.

    Parameters
    ----------
    *mappings : mapping of str to str
        With the same keys (e.g. account -> member, account -> investor).
    """

    def __init__(self, *mappings: Mapping[str, str]) -> None:
        keys = list(mappings[0]) if mappings else []
        codes = pl.Series(keys, dtype=pl.String).cast(pl.Categorical).to_physical().to_numpy()
        self._size = int(codes.max()) + 1 if len(codes) else 0
        self._row = np.full(self._size + 1, len(keys), dtype=np.int64)  # last: not a key
        self._row[codes.astype(np.int64)] = np.arange(len(keys))
        null = pl.Series([None], dtype=pl.Categorical)
        self._values = [
            pl.Series([m.get(k) for k in keys], dtype=pl.String).cast(pl.Categorical).append(null)
            for m in mappings
        ]

    def __call__(self, s: pl.Series) -> list[pl.Series]:
        """One Categorical Series per mapping, the values of ``s``'s names."""
        codes = s.cast(pl.Categorical).to_physical().fill_null(self._size).to_numpy()
        rows = self._row[np.minimum(codes, self._size)]
        return [values.gather(rows) for values in self._values]


def orders_table(
    orders: pl.DataFrame,
    msgs: np.ndarray,
    status: np.ndarray,
    filled: np.ndarray,
    reason: np.ndarray,
    account_names: NameLookup,
    *,
    start: int = 0,
    stop: int | None = None,
) -> pl.DataFrame:
    """The ``orders`` table: one row per message (order or cancel request).

    Parameters
    ----------
    orders : polars.DataFrame
        The scenario's order flow (``ORDERS_SCHEMA``), row i = order number i.
    msgs : ndarray with fields ``target``, ``action``, ``source``
        The messages built from it (``MSG_DTYPE`` or the run's ``TABLE_MSG_DTYPE``): cancel
        targets, actions and sources.
    status, filled, reason : ndarray
        Final per-order state from the engines (``ST_*``, lots, ``R_*``).
    account_names : NameLookup
        Account id -> (member id, investor id), built once per run.
    start, stop : int, optional
        Only the rows of order numbers ``start .. stop - 1`` (a slice of the table, built
        from the slices of the inputs; cancels still name targets anywhere before them).

    Notes
    -----
    ``status`` is the engine's final state: a live order partly filled
    (``ST_PARTIAL``) can only exist before the close; expired at the close it is
    ``cancelled`` with reason ``EXPIRED`` and its fill in ``filled``. A cancel request is
    ``accepted`` or ``rejected``; its ``client_id`` is its target, ``symbol`` its target's
    (null if the target is unknown), ``qty``/``filled`` null.

    Names are ``Categorical`` and vocabularies ``Enum`` (compact for flows of millions of
    rows); every column is built from arrays or distinct values, none per row in Python.
    """
    stop = orders.height if stop is None else min(stop, orders.height)
    n = stop - start
    if n <= 0:
        return empty("orders")
    every = orders
    orders = orders.slice(start, n) if n < every.height else orders
    msgs, status, filled, reason = (a[start:stop] for a in (msgs, status, filled, reason))
    target = msgs["target"]
    is_cancel = msgs["action"] == CANCEL
    sym = orders["symbol"].cast(pl.Categorical)
    if bool(is_cancel.any()):
        targets = every["symbol"].cast(pl.Categorical).gather(np.maximum(target, 0))
        sym = targets.zip_with(pl.Series(is_cancel & (target >= 0)), sym)
    filled_s = masked(filled.astype(np.int64), ~is_cancel, pl.Int64)
    account = orders["account"].cast(pl.Categorical)
    client = orders["client_id"].cast(pl.String)  # a cancel's is its target already
    at = orders["at"].cast(DT)
    member, investor = account_names(account)
    df = pl.DataFrame(
        {
            "order_no": np.arange(start, stop, dtype=np.int64),
            "client_id": client,
            "at": at,
            "day": at.dt.date(),
            "account": account,
            "member": member,
            "investor": investor,
            "symbol": sym,
            "action": orders["action"],
            "side": orders["side"],
            "offset": orders["offset"],
            "type": orders["type"],
            "price": orders["price"],
            "qty": orders["qty"],
            "filled": filled_s,
            "status": enum_codes(status, STATUS_NAMES, STATUS_ENUM),
            "reason": enum_codes(reason, REASON_NAMES, REASON_ENUM),
            "source": enum_codes(msgs["source"], SOURCE_NAMES, SOURCE_ENUM),
            "target_order_no": masked(target, target >= 0, pl.Int64),
            "origin": orders["origin"],
            "origin_row": orders["origin_row"],
        }
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
    (MATCH-06: no aggressor) and final settlement; ``kind`` from ``KIND_NAMES``. Trades
    without orders (kind ``final``, SETTLE-04: order numbers -1) have null order numbers.
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
            "symbol": names(c, contracts, pl.Categorical),
            "price": float_prices(fills["price"], np.asarray(tick)[c]),
            "qty": fills["qty"].astype(np.int64),
            "buy_account": names(fills["buy_account"], accounts, pl.Categorical),
            "sell_account": names(fills["sell_account"], accounts, pl.Categorical),
            "buy_offset": enum_codes(fills["buy_offset"], OFFSET_NAMES, OFFSET_ENUM),
            "sell_offset": enum_codes(fills["sell_offset"], OFFSET_NAMES, OFFSET_ENUM),
            "buy_order_no": masked(fills["buy_order_no"], fills["buy_order_no"] >= 0, pl.Int64),
            "sell_order_no": masked(fills["sell_order_no"], fills["sell_order_no"] >= 0, pl.Int64),
            "aggressor": enum_codes(fills["aggressor"], SIDE_NAMES, SIDE_ENUM),
            "kind": enum_codes(fills["kind"], KIND_NAMES, KIND_ENUM),
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


MONEY_DECIMALS = 2
"""Money is reported rounded to the fen, 0.01 CNY (UNIT-01); computed unrounded."""
RATE_DECIMALS = 12
"""Margin rates are reported rounded to 12 decimals (0.1 + 0.02 prints as 0.12)."""


def money(values: np.ndarray) -> np.ndarray:
    """CNY rounded to 0.01 for a table (UNIT-01), float64; -0.0 becomes 0.0."""
    return np.round(np.asarray(values, dtype=np.float64), MONEY_DECIMALS) + 0.0


def rates(values) -> np.ndarray:
    """Rates (fractions) rounded to :data:`RATE_DECIMALS` for a table, float64."""
    return np.round(np.asarray(values, dtype=np.float64), RATE_DECIMALS)


def _days(day, n: int) -> pl.Series:
    return pl.repeat(day, n, dtype=pl.Date, eager=True)


def settlements_table(
    day,
    account: np.ndarray,
    contract: np.ndarray,
    *,
    accounts: Sequence[str],
    members: Sequence[str],
    contracts: Sequence[str],
    tick: np.ndarray,
    long: np.ndarray,
    short: np.ndarray,
    settle: np.ndarray,
    pnl: np.ndarray,
    margin: np.ndarray,
    margin_rate: np.ndarray,
    prev_long: np.ndarray,
    prev_short: np.ndarray,
    prev_settle: np.ndarray,
    final: np.ndarray,
) -> pl.DataFrame:
    """The ``settlements`` rows of one day (SETTLE-02/04, MARGIN-01).

    Parameters
    ----------
    day : date
    account, contract : ndarray of int, shape (n_rows,)
        Row indices.
    accounts, members, contracts : sequence of str
        Account ids, the member id of each account, contract symbols (index order).
    tick : ndarray of float64, shape (n_contracts,)
        Tick size, index points.
    long, short, prev_long, prev_short : ndarray of int, shape (n_rows,)
        Lots.
    settle, prev_settle : ndarray of int64, shape (n_contracts,)
        Settlement prices, ticks.
    pnl, margin : ndarray of float64, shape (n_rows,)
        CNY.
    margin_rate : ndarray of float64, shape (n_contracts,)
    final : ndarray of bool, shape (n_contracts,)
        Contracts settled finally today (SETTLE-04).
    """
    n = len(account)
    if n == 0:
        return empty("settlements")
    c = np.asarray(contract, dtype=np.int64)
    tick = np.asarray(tick)
    df = pl.DataFrame(
        {
            "day": _days(day, n),
            "account": names(account, accounts),
            "symbol": names(c, contracts),
            "long": np.asarray(long, dtype=np.int64),
            "short": np.asarray(short, dtype=np.int64),
            "settlement_price": float_prices(np.asarray(settle)[c], tick[c]),
            "pnl": money(pnl),
            "margin": money(margin),
            "margin_rate": rates(np.asarray(margin_rate, dtype=np.float64)[c]),
            "member": names(account, members),
            "prev_long": np.asarray(prev_long, dtype=np.int64),
            "prev_short": np.asarray(prev_short, dtype=np.int64),
            "prev_settlement": float_prices(np.asarray(prev_settle)[c], tick[c]),
            "final": np.asarray(final, dtype=bool)[c],
        }
    )
    return conform(df, "settlements")


def accounts_daily_table(
    day,
    *,
    accounts: Sequence[str],
    members: Sequence[str],
    reserve: np.ndarray,
    margin: np.ndarray,
    frozen: np.ndarray,
    fees: np.ndarray,
    deposits: np.ndarray,
    withdrawals: np.ndarray,
    margin_call: np.ndarray,
    restricted: np.ndarray,
    pnl: np.ndarray,
    realised: np.ndarray,
    covered: np.ndarray | None = None,
) -> pl.DataFrame:
    """The ``accounts_daily`` rows of one day, one per account (SETTLE-02, MARGIN-06); every
    money column float64 CNY rounded to the fen; ``equity`` = reserve + margin (of the
    rounded values), ``available`` = reserve - frozen; ``covered`` the negative equity the
    FUND-02 waterfall paid into the account at this settlement (already in ``reserve``)."""
    n = len(accounts)
    if n == 0:
        return empty("accounts_daily")
    reserve = money(reserve)
    margin = money(margin)
    df = pl.DataFrame(
        {
            "day": _days(day, n),
            "account": pl.Series(list(accounts), dtype=pl.String),
            "member": pl.Series(list(members), dtype=pl.String),
            "reserve": reserve,
            "margin": margin,
            "equity": money(reserve + margin),
            "available": money(reserve - money(frozen)),
            "fees": money(fees),
            "deposits": money(deposits),
            "withdrawals": money(withdrawals),
            "margin_call": money(margin_call),
            "restricted": np.asarray(restricted) != 0,
            "pnl": money(pnl),
            "realised": money(realised),
            "covered": money(np.zeros(n) if covered is None else covered),
        }
    )
    return conform(df, "accounts_daily")


def margin_calls_table(
    day,
    account: np.ndarray,
    *,
    accounts: Sequence[str],
    members: Sequence[str],
    amount: np.ndarray,
    due: int,
    paid: np.ndarray,
    outcome: np.ndarray,
    outcome_names: Sequence[str],
    liquidation_due: np.ndarray,
) -> pl.DataFrame:
    """``margin_calls`` rows (MARGIN-06) of the calls made at ``day``'s settlement.

    Parameters
    ----------
    day : date
        The settlement that made the calls.
    account : ndarray of int, shape (n_rows,)
    accounts, members : sequence of str
        Account ids and each account's member id (index order).
    amount, paid : ndarray of float64, shape (n_rows,)
        CNY called and covered by the deadline.
    due : int
        The deadline (the next open), ns since the epoch.
    outcome : ndarray of int, shape (n_rows,)
        Codes into ``outcome_names``.
    liquidation_due : ndarray of bool, shape (n_rows,)
    """
    n = len(account)
    if n == 0:
        return empty("margin_calls")
    df = pl.DataFrame(
        {
            "day": _days(day, n),
            "account": names(account, accounts),
            "member": names(account, members),
            "amount": money(amount),
            "due": pl.Series(np.full(n, int(due), dtype=np.int64)).cast(DT),
            "paid": money(paid),
            "outcome": names(outcome, outcome_names),
            "liquidation_due": np.asarray(liquidation_due, dtype=bool),
        }
    )
    return conform(df, "margin_calls")


def notices_table(rows: Sequence[Mapping]) -> pl.DataFrame:
    """``notices`` rows (MARGIN-04) from dicts with the keys of ``SCHEMAS["notices"]``
    (``old_value``/``new_value`` rounded with :func:`rates`)."""
    if not rows:
        return empty("notices")
    df = pl.DataFrame(list(rows), schema=SCHEMAS["notices"], orient="row")
    return df.with_columns(pl.col("old_value", "new_value").round(RATE_DECIMALS))


def limit_breaches_table(
    day,
    *,
    party: pl.Series | Sequence[str],
    party_kind: pl.Series | Sequence[str],
    contract: np.ndarray,
    contracts: Sequence[str],
    side: pl.Series | Sequence[str],
    held: np.ndarray,
    limit: np.ndarray,
    excess: np.ndarray,
    due: np.ndarray,
    remaining: np.ndarray,
    checked: np.ndarray,
    status: pl.Series | Sequence[str],
    account: np.ndarray,
    accounts: Sequence[str],
    qty: np.ndarray,
    close_side: pl.Series | Sequence[str | None],
    rule: pl.Series | Sequence[str],
) -> pl.DataFrame:
    """``limit_breaches`` rows (POS-04) of the breaches found at ``day``'s settlement.

    Parameters
    ----------
    day : date
        The settlement that found the breaches.
    party, party_kind, side, status, rule : Series or sequence of str, length n_rows
    contract : ndarray of int, shape (n_rows,)
        Contract index into ``contracts``.
    held, limit, excess, qty : ndarray of int, shape (n_rows,)
        Lots.
    due : ndarray of int64, shape (n_rows,)
        End of the cure window, ns since the epoch.
    remaining : ndarray of int, shape (n_rows,)
        Lots over the limit at ``due``; null where not ``checked``.
    checked : ndarray of bool, shape (n_rows,)
    account : ndarray of int, shape (n_rows,)
        Hand-off account index into ``accounts``, -1 = none (null).
    close_side : Series or sequence of str or None
    """
    n = len(contract)
    if n == 0:
        return empty("limit_breaches")
    df = pl.DataFrame(
        {
            "day": _days(day, n),
            "party": pl.Series(values=party, dtype=pl.String),
            "party_kind": pl.Series(values=party_kind, dtype=pl.String),
            "symbol": names(contract, contracts),
            "side": pl.Series(values=side, dtype=pl.String),
            "held": np.asarray(held, dtype=np.int64),
            "limit": np.asarray(limit, dtype=np.int64),
            "excess": np.asarray(excess, dtype=np.int64),
            "due": pl.Series(np.asarray(due, dtype=np.int64)).cast(DT),
            "remaining": masked(np.asarray(remaining, dtype=np.int64), checked, pl.Int64),
            "status": pl.Series(values=status, dtype=pl.String),
            "account": names(account, accounts),
            "qty": np.asarray(qty, dtype=np.int64),
            "close_side": pl.Series(values=close_side, dtype=pl.String),
            "rule": pl.Series(values=rule, dtype=pl.String),
        }
    )
    return conform(df, "limit_breaches")


def overdue_reports_table(reports: pl.DataFrame, day, at_ns: int) -> pl.DataFrame:
    """``overdue_reports`` rows (LTR-02, WARN-01 ⑤): ``large_trader_reports`` rows found
    unfiled at ``day``'s close ``at_ns`` (ns since the epoch)."""
    if reports.height == 0:
        return empty("overdue_reports")
    n = reports.height
    df = reports.select(
        _days(day, n).alias("day"),
        pl.Series("at", np.full(n, int(at_ns), dtype=np.int64)).cast(DT),
        pl.col("day").alias("report_day"),
        "due",
        "member",
        "investor",
        "account",
        "symbol",
        "long",
        "short",
        pl.lit("overdue_report").alias("trigger"),
        pl.lit("LTR-02, WARN-01 (5)").alias("rule"),
    )
    return conform(df, "overdue_reports")


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
    "NameLookup",
    "accounts_daily_table",
    "conform",
    "empty",
    "events_table",
    "limit_breaches_table",
    "margin_calls_table",
    "market_states_table",
    "money",
    "names",
    "notices_table",
    "orders_table",
    "overdue_reports_table",
    "prices_table",
    "rates",
    "settlements_table",
    "trades_table",
]
