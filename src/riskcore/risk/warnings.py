"""Risk-warning triggers and measures (WARN-01, WARN-02), vectorised per day.

Rules:

- WARN-01 Triggers: ① abnormal price (breaker, limit-locked days); ② abnormal trading
  (self-trade attempts, cancel ratio, order-to-trade ratio over parameters); ③ abnormal
  position (at or near limits); ④ abnormal member funds (margin calls, negative equity);
  ⑤ suspected violation or default (overdue report, unpaid call); ⑥ complaint; ⑦ judicial
  investigation; ⑧ other (⑥–⑧ as scenario events).
- WARN-02 Measures, mildest first: request a report, a warning talk, a written warning, a
  public censure, a market risk announcement. Repeated triggers for the same party
  escalate one step (parameter: how many repeats per step). Every measure is a row: day,
  time, party, trigger, measure.

Functions (each detector returns trigger rows, :data:`TRIGGER_SCHEMA`: ``day, at, party,
party_kind, trigger, detail``):

- ① :func:`price_triggers` (``breaker``, ``limit_locked``; party a contract)
- ② :func:`trading_triggers` (``self_trade``, ``cancel_ratio``, ``order_trade_ratio``;
  party an investor)
- ③ :func:`position_triggers` (``position_near_limit``; investor or member)
- ④ :func:`funds_triggers` (``margin_call``, ``negative_equity``; party a member)
- ⑤ :func:`violation_triggers` (``overdue_report`` investor, ``unpaid_margin_call``
  account, ``member_default`` member)
- ⑥–⑧ :func:`event_triggers` (``complaint``, ``investigation``, ``other``) from scenario
  events (:func:`events_frame` turns ``Scenario.events`` into the input frame)
- WARN-02 :func:`escalate`: trigger rows -> ``warnings`` rows (:data:`WARNING_SCHEMA`).

Choices where the rules are silent:

- ``party_kind`` is one of :data:`PARTY_KINDS`: ``contract`` (price triggers: the market
  in that contract), ``investor``, ``member``, ``account``.
- ``at`` is when the trigger is known: the first breaker of the day for ``breaker``, the
  report's deadline / the call's due time for ``overdue_report`` / ``unpaid_margin_call``
  (when the frame carries it), the event's time for events, else the day's close
  (``close_ns``) — the detectors run after settlement.
- ② The day's self-trade attempts of an investor *reach* ``self_trade_limit`` (``>=``;
  the engine counts prevented self-trades per investor, :meth:`Engine.self_trades`, and the
  caller passes the day's increase). The ratios are judged only for an investor with at
  least ``warning_min_orders`` new orders that day and must be *over* their limit (``>``):
  cancel ratio = cancel requests / new orders; order-to-trade ratio = new orders / new
  orders with ``filled > 0`` (no order traded: infinite). Orders with ``source``
  ``liquidation`` or ``reduction`` are the exchange's and are not counted.
- ③ ``held / limit >= share`` per party x contract x side, where a limit exists (not
  ``NO_LIMIT``, > 0). Investors' limits include their hedge quota if the caller adds it.
- ④ One row per member and trigger: how many of its accounts were called (or have negative
  equity) and the CNY sum.
- WARN-02 repeats are counted per party (``party_kind``, ``party``), over every trigger
  kind, the ``history`` (earlier ``warnings`` rows) first, then the day's triggers in
  output order. The k-th trigger of a party (k = 0, 1, ...) gets measure
  ``MEASURES[min(k // repeats_per_step, 4)]``: with 2 repeats a step, the 1st and 2nd get
  a report request, the 3rd and 4th a warning talk, ..., the 9th on a market risk
  announcement. Each trigger row gives one measure row; nothing is de-duplicated.
- Output order (deterministic): ``day, at, party_kind, party, trigger, detail``.

Units: money float64 CNY, lots int64, times ``Datetime("ns")`` naive exchange-local (ns
since 1970-01-01 as int64 on input).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from riskcore.records import NO_LIMIT

__all__ = [
    "EVENT_TRIGGERS",
    "MEASURES",
    "PARTY_KINDS",
    "TRIGGERS",
    "TRIGGER_CATEGORY",
    "TRIGGER_SCHEMA",
    "WARNING_SCHEMA",
    "escalate",
    "event_triggers",
    "events_frame",
    "funds_triggers",
    "position_triggers",
    "price_triggers",
    "trading_triggers",
    "violation_triggers",
]

MEASURES = (
    "request_report",
    "warning_talk",
    "written_warning",
    "public_censure",
    "risk_announcement",
)
"""WARN-02 measures, mildest first."""

TRIGGER_CATEGORY = {
    "breaker": 1,
    "limit_locked": 1,
    "self_trade": 2,
    "cancel_ratio": 2,
    "order_trade_ratio": 2,
    "position_near_limit": 3,
    "margin_call": 4,
    "negative_equity": 4,
    "overdue_report": 5,
    "unpaid_margin_call": 5,
    "member_default": 5,
    "complaint": 6,
    "investigation": 7,
    "other": 8,
}
"""WARN-01 trigger name -> its category ① .. ⑧."""

TRIGGERS = tuple(TRIGGER_CATEGORY)
"""Every WARN-01 trigger name."""

EVENT_TRIGGERS = ("complaint", "investigation", "other")
"""Scenario event kinds that are WARN-01 ⑥–⑧ triggers."""

PARTY_KINDS = ("contract", "investor", "member", "account")
"""Values of ``party_kind``."""

TRIGGER_SCHEMA = pl.Schema(
    {
        "day": pl.Date,
        "at": pl.Datetime("ns"),
        "party": pl.String,
        "party_kind": pl.String,
        "trigger": pl.String,
        "detail": pl.String,
    }
)
"""One WARN-01 trigger."""

WARNING_SCHEMA = pl.Schema(
    {
        "day": pl.Date,
        "at": pl.Datetime("ns"),
        "party": pl.String,
        "party_kind": pl.String,
        "trigger": pl.String,
        "measure": pl.String,
        "detail": pl.String,
    }
)
"""Columns of the ``warnings`` table (SCENARIO.md): one WARN-02 measure per row."""

_ORDER = ["day", "at", "party_kind", "party", "trigger", "detail"]
_EXCHANGE_SOURCES = ("liquidation", "reduction")


def _ts(ns: int) -> pl.Expr:
    return pl.lit(int(ns), dtype=pl.Int64).cast(pl.Datetime("ns"))


def _rows(
    day: dt.date,
    at_ns,
    party: Sequence[str],
    party_kind: str,
    trigger: str | Sequence[str],
    detail: Sequence[str],
) -> pl.DataFrame:
    """Trigger rows from plain columns (``at_ns`` an int or one int per row)."""
    n = len(party)
    at = np.broadcast_to(np.asarray(at_ns, dtype=np.int64), (n,))
    trig = [trigger] * n if isinstance(trigger, str) else list(trigger)
    return pl.DataFrame(
        {
            "day": [day] * n,
            "at": pl.Series(at, dtype=pl.Int64).cast(pl.Datetime("ns")),
            "party": list(party),
            "party_kind": [party_kind] * n,
            "trigger": trig,
            "detail": list(detail),
        },
        schema=TRIGGER_SCHEMA,
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=TRIGGER_SCHEMA)


def _sorted(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    if not frames:
        return _empty()
    return pl.concat(frames).cast(TRIGGER_SCHEMA).sort(_ORDER, nulls_last=True)


# --- ① abnormal price ---------------------------------------------------------------------
def price_triggers(
    day: dt.date, close_ns: int, market_states: pl.DataFrame, prices: pl.DataFrame
) -> pl.DataFrame:
    """WARN-01 ① abnormal price: breaker and limit-locked days of each contract.

    Parameters
    ----------
    day : datetime.date
    close_ns : int
        The day's close, ns since 1970-01-01 (``at`` of ``limit_locked``).
    market_states : polars.DataFrame
        ``market_states`` rows (``at, day, symbol, state, band_low, band_high``); rows of
        other days are ignored.
    prices : polars.DataFrame
        ``prices`` rows (``day, symbol, settlement_price, locked``); ``locked`` up / down /
        null.

    Returns
    -------
    polars.DataFrame
        :data:`TRIGGER_SCHEMA`; party = symbol, ``party_kind`` ``contract``. ``breaker``:
        one row per contract with a breaker that day, ``at`` the first; ``limit_locked``:
        one row per locked contract, ``at`` the close.
    """
    brk = (
        market_states.filter((pl.col("day") == day) & (pl.col("state") == "breaker"))
        .group_by("symbol")
        .agg(
            pl.col("at").min().alias("at"),
            pl.len().alias("n"),
            pl.col("band_low").first(),
            pl.col("band_high").first(),
        )
        .select(
            pl.lit(day, dtype=pl.Date).alias("day"),
            pl.col("at").cast(pl.Datetime("ns")),
            pl.col("symbol").alias("party"),
            pl.lit("contract").alias("party_kind"),
            pl.lit("breaker").alias("trigger"),
            pl.format("{} circuit breaker(s); band {}-{}", "n", "band_low", "band_high").alias(
                "detail"
            ),
        )
    )
    locked = prices.filter((pl.col("day") == day) & pl.col("locked").is_not_null()).select(
        pl.lit(day, dtype=pl.Date).alias("day"),
        _ts(close_ns).alias("at"),
        pl.col("symbol").alias("party"),
        pl.lit("contract").alias("party_kind"),
        pl.lit("limit_locked").alias("trigger"),
        pl.format("locked {} at settlement {}", "locked", "settlement_price").alias("detail"),
    )
    return _sorted([brk, locked])


# --- ② abnormal trading -------------------------------------------------------------------
def trading_triggers(
    day: dt.date,
    close_ns: int,
    self_trades,
    investors: Sequence[str],
    orders: pl.DataFrame,
    *,
    self_trade_limit: int,
    cancel_ratio_limit: float,
    order_trade_ratio_limit: float,
    min_orders: int,
) -> pl.DataFrame:
    """WARN-01 ② abnormal trading: self-trade attempts, cancel and order-to-trade ratios.

    Parameters
    ----------
    day : datetime.date
    close_ns : int
        The day's close, ns since 1970-01-01 (``at`` of every row).
    self_trades : array_like of int, shape (n_investors,)
        The day's prevented self-trades per investor (MATCH-05).
    investors : sequence of str, length n_investors
        Investor ids.
    orders : polars.DataFrame
        ``orders`` rows (``day, investor, action, filled, source``); other days ignored.
    self_trade_limit : int
        Rulebook ``self_trade_limit``: attempts a day that trigger (``>=``).
    cancel_ratio_limit : float
        Rulebook ``cancel_ratio_limit``: cancels / new orders over it trigger.
    order_trade_ratio_limit : float
        Rulebook ``order_trade_ratio_limit``: new orders / traded orders over it trigger.
    min_orders : int
        Rulebook ``warning_min_orders``: new orders a day before the ratios are judged.

    Returns
    -------
    polars.DataFrame
        :data:`TRIGGER_SCHEMA`; party an investor.
    """
    st = np.asarray(self_trades, dtype=np.int64)
    hit = np.flatnonzero(st >= self_trade_limit)
    selft = _rows(
        day,
        close_ns,
        [investors[i] for i in hit],
        "investor",
        "self_trade",
        [f"{st[i]} self-trade attempts (limit {self_trade_limit})" for i in hit],
    )
    counts = (
        orders.lazy()  # only the five columns go through the filter
        .filter(
            (pl.col("day") == day)
            & ~pl.col("source").is_in(_EXCHANGE_SOURCES)
            & pl.col("investor").is_not_null()
        )
        .group_by("investor")
        .agg(
            (pl.col("action") == "new").sum().alias("n_orders"),
            (pl.col("action") == "cancel").sum().alias("n_cancels"),
            ((pl.col("action") == "new") & (pl.col("filled") > 0)).sum().alias("n_traded"),
        )
        .filter(pl.col("n_orders") >= min_orders)
        .sort("investor")
        .collect()
    )
    party: list[str] = []
    trig: list[str] = []
    detail: list[str] = []
    for inv, n_o, n_c, n_t in counts.iter_rows():
        if n_c / n_o > cancel_ratio_limit:
            party.append(inv)
            trig.append("cancel_ratio")
            detail.append(f"{n_c} cancels / {n_o} orders = {n_c / n_o:.3f} > {cancel_ratio_limit}")
        otr = n_o / n_t if n_t else math.inf
        if otr > order_trade_ratio_limit:
            party.append(inv)
            trig.append("order_trade_ratio")
            detail.append(f"{n_o} orders / {n_t} traded = {otr:.3f} > {order_trade_ratio_limit}")
    ratios = _rows(day, close_ns, party, "investor", trig, detail)
    return _sorted([selft, ratios])


# --- ③ abnormal position ------------------------------------------------------------------
def position_triggers(
    day: dt.date,
    close_ns: int,
    long,
    short,
    limit,
    share: float,
    parties: Sequence[str],
    contracts: Sequence[str],
    party_kind: str = "investor",
) -> pl.DataFrame:
    """WARN-01 ③ abnormal position: a position at or near its limit.

    Parameters
    ----------
    day : datetime.date
    close_ns : int
        The day's close, ns since 1970-01-01.
    long, short : array_like of int, shape (n_parties, n_contracts)
        Lots per side after settlement (investor or member totals, POS-01/02).
    limit : int or array_like of int, broadcastable to (n_parties, n_contracts)
        The limit in lots (POS-01 limit + hedge quota, or the POS-02 member cap);
        ``NO_LIMIT`` or 0 = none.
    share : float
        Rulebook ``position_warning_share``: ``held / limit >= share`` triggers.
    parties : sequence of str, length n_parties
    contracts : sequence of str, length n_contracts
    party_kind : str
        ``investor`` or ``member``.

    Returns
    -------
    polars.DataFrame
        :data:`TRIGGER_SCHEMA`, ``position_near_limit``, one row per party x contract x
        side.
    """
    held = np.stack([np.asarray(long, dtype=np.int64), np.asarray(short, dtype=np.int64)], -1)
    if held.ndim != 3:
        raise ValueError("long and short must be 2-D (n_parties, n_contracts)")
    lim = np.broadcast_to(np.asarray(limit, dtype=np.int64), held.shape[:2])[..., None]
    lim = np.broadcast_to(lim, held.shape)
    active = (lim != NO_LIMIT) & (lim > 0)
    ratio = np.divide(held, lim, out=np.zeros(held.shape), where=active)
    p, c, s = np.nonzero(active & (ratio >= share - 1e-12))
    detail = [
        f"{contracts[ci]} {('long', 'short')[si]} {held[pi, ci, si]}/{lim[pi, ci, si]} lots "
        f"({100 * ratio[pi, ci, si]:.1f} % >= {100 * share:.1f} %)"
        for pi, ci, si in zip(p, c, s, strict=True)
    ]
    return _sorted(
        [
            _rows(
                day,
                close_ns,
                [parties[i] for i in p],
                party_kind,
                "position_near_limit",
                detail,
            )
        ]
    )


# --- ④ abnormal member funds --------------------------------------------------------------
def funds_triggers(
    day: dt.date,
    close_ns: int,
    margin_call,
    equity,
    account_member,
    members: Sequence[str],
) -> pl.DataFrame:
    """WARN-01 ④ abnormal member funds: margin calls and negative equity of its accounts.

    Parameters
    ----------
    day : datetime.date
    close_ns : int
        The day's close, ns since 1970-01-01.
    margin_call : array_like of float, shape (n_accounts,)
        CNY called at this settlement (0 = none; MARGIN-06).
    equity : array_like of float, shape (n_accounts,)
        Equity after settlement, CNY.
    account_member : array_like of int, shape (n_accounts,)
        Member index of each account.
    members : sequence of str, length n_members

    Returns
    -------
    polars.DataFrame
        :data:`TRIGGER_SCHEMA`; party a member; ``margin_call`` / ``negative_equity``, one
        row per member with at least one such account.
    """
    mem = np.asarray(account_member, dtype=np.intp)
    n = len(members)
    frames = []
    for trig, amount, what in (
        ("margin_call", np.asarray(margin_call, dtype=np.float64), "called"),
        ("negative_equity", -np.asarray(equity, dtype=np.float64), "below zero"),
    ):
        flag = amount > 0
        count = np.bincount(mem[flag], minlength=n)
        total = np.bincount(mem[flag], weights=amount[flag], minlength=n)
        hit = np.flatnonzero(count)
        frames.append(
            _rows(
                day,
                close_ns,
                [members[i] for i in hit],
                "member",
                trig,
                [f"{count[i]} account(s) {what}, {total[i]:.2f} CNY" for i in hit],
            )
        )
    return _sorted(frames)


# --- ⑤ suspected violation or default -----------------------------------------------------
def violation_triggers(
    day: dt.date,
    close_ns: int,
    overdue_reports: pl.DataFrame | None = None,
    margin_calls: pl.DataFrame | None = None,
    defaulted=None,
    members: Sequence[str] = (),
) -> pl.DataFrame:
    """WARN-01 ⑤ suspected violation or default.

    Parameters
    ----------
    day : datetime.date
    close_ns : int
        The day's close, ns since 1970-01-01.
    overdue_reports : polars.DataFrame, optional
        Reports that became overdue today (the ``overdue_reports`` table rows of the day,
        or :func:`riskcore.risk.large_traders.overdue_reports`): ``investor, account,
        symbol, due`` and optionally ``at``.
    margin_calls : polars.DataFrame, optional
        Calls resolved today (``margin_calls`` rows: ``account, amount, due, paid,
        outcome``); those with ``outcome`` ``unpaid`` trigger.
    defaulted : array_like of bool, shape (n_members,), optional
        Members that defaulted today (FUND-02, :func:`riskcore.risk.waterfall.defaults`).
    members : sequence of str
        Member ids (needed with ``defaulted``).

    Returns
    -------
    polars.DataFrame
        :data:`TRIGGER_SCHEMA`: ``overdue_report`` (party the investor, ``at`` the report's
        ``at`` or deadline), ``unpaid_margin_call`` (party the account, ``at`` the due
        time), ``member_default`` (party the member, ``at`` the close).
    """
    frames = []
    if overdue_reports is not None and overdue_reports.height:
        at = "at" if "at" in overdue_reports.columns else "due"
        frames.append(
            overdue_reports.select(
                pl.lit(day, dtype=pl.Date).alias("day"),
                pl.col(at).cast(pl.Datetime("ns")).alias("at"),
                pl.col("investor").alias("party"),
                pl.lit("investor").alias("party_kind"),
                pl.lit("overdue_report").alias("trigger"),
                pl.format(
                    "large-trader report for {} ({}) not filed by {}", "symbol", "account", "due"
                ).alias("detail"),
            )
        )
    if margin_calls is not None and margin_calls.height:
        frames.append(
            margin_calls.filter(pl.col("outcome") == "unpaid").select(
                pl.lit(day, dtype=pl.Date).alias("day"),
                pl.col("due").cast(pl.Datetime("ns")).alias("at"),
                pl.col("account").alias("party"),
                pl.lit("account").alias("party_kind"),
                pl.lit("unpaid_margin_call").alias("trigger"),
                pl.format("margin call of {} CNY, {} paid by {}", "amount", "paid", "due").alias(
                    "detail"
                ),
            )
        )
    if defaulted is not None:
        hit = np.flatnonzero(np.asarray(defaulted, dtype=bool))
        frames.append(
            _rows(
                day,
                close_ns,
                [members[i] for i in hit],
                "member",
                "member_default",
                ["default: loss exceeds the member's capital (FUND-02)"] * len(hit),
            )
        )
    return _sorted(frames)


# --- ⑥–⑧ scenario events ------------------------------------------------------------------
def events_frame(events: Sequence) -> pl.DataFrame:
    """``Scenario.events`` as the frame :func:`event_triggers` reads.

    Parameters
    ----------
    events : sequence of riskcore.scenario.model.Event

    Returns
    -------
    polars.DataFrame
        ``at`` (Datetime ns), ``kind``, ``party``, ``account``, ``reason`` (String).
    """
    return pl.DataFrame(
        {
            "at": pl.Series([e.at_ns for e in events], dtype=pl.Int64).cast(pl.Datetime("ns")),
            "kind": [e.kind for e in events],
            "party": [e.party for e in events],
            "account": [e.account for e in events],
            "reason": [e.reason for e in events],
        },
        schema={
            "at": pl.Datetime("ns"),
            "kind": pl.String,
            "party": pl.String,
            "account": pl.String,
            "reason": pl.String,
        },
    )


def event_triggers(
    day: dt.date,
    events: pl.DataFrame,
    *,
    members: Sequence[str] = (),
    investors: Sequence[str] = (),
    accounts: Sequence[str] = (),
) -> pl.DataFrame:
    """WARN-01 ⑥ complaint, ⑦ investigation, ⑧ other: scenario events of the day.

    Parameters
    ----------
    day : datetime.date
    events : polars.DataFrame
        ``at`` (Datetime), ``kind``, ``party``, optionally ``account`` and ``reason``
        (:func:`events_frame`, or the ``events`` run table); other days and kinds ignored.
    members, investors, accounts : sequence of str
        Ids, to tell the party's kind: a member id is a ``member``, else an investor id an
        ``investor``, else ``account`` (the loader checks the party is one of them).

    Returns
    -------
    polars.DataFrame
        :data:`TRIGGER_SCHEMA`; ``trigger`` the event kind, ``detail`` its reason.
    """
    cols = events.columns
    party = pl.col("party")
    if "account" in cols:
        party = pl.coalesce(pl.col("party"), pl.col("account"))
    reason = pl.col("reason") if "reason" in cols else pl.lit(None, dtype=pl.String)
    ev = events.filter(
        (pl.col("at").dt.date() == day) & pl.col("kind").is_in(EVENT_TRIGGERS)
    ).select(
        pl.lit(day, dtype=pl.Date).alias("day"),
        pl.col("at").cast(pl.Datetime("ns")),
        party.alias("party"),
        pl.col("kind").alias("trigger"),
        pl.coalesce(reason, pl.col("kind")).alias("detail"),
    )
    member_set = list(members)
    investor_set = list(investors)
    ev = ev.with_columns(
        pl.when(pl.col("party").is_in(member_set))
        .then(pl.lit("member"))
        .when(pl.col("party").is_in(investor_set))
        .then(pl.lit("investor"))
        .otherwise(pl.lit("account"))
        .alias("party_kind")
    )
    del accounts  # every other party is an account
    return _sorted([ev.select(list(TRIGGER_SCHEMA))])


# --- WARN-02 escalation -------------------------------------------------------------------
def escalate(
    triggers: pl.DataFrame, history: pl.DataFrame | None, repeats_per_step: int
) -> pl.DataFrame:
    """WARN-02: one measure per trigger, escalating with a party's repeated triggers.

    Parameters
    ----------
    triggers : polars.DataFrame
        The day's trigger rows (:data:`TRIGGER_SCHEMA`; any number of detectors'
        outputs concatenated).
    history : polars.DataFrame or None
        Earlier ``warnings`` rows (at least ``party, party_kind``); ``None`` = none.
    repeats_per_step : int
        Rulebook ``warning_repeats`` (>= 1): triggers of one party per escalation step.

    Returns
    -------
    polars.DataFrame
        :data:`WARNING_SCHEMA` (``day, at, party, party_kind, trigger, measure, detail``),
        sorted by ``day, at, party_kind, party, trigger, detail``. The party's k-th trigger
        (0-based, counting ``history``) gets ``MEASURES[min(k // repeats_per_step, 4)]``.

    Examples
    --------
    >>> t = pl.DataFrame({"day": [dt.date(2015, 8, 24)] * 3, "at": [0, 1, 2],
    ...                   "party": ["I1"] * 3, "party_kind": ["investor"] * 3,
    ...                   "trigger": ["self_trade"] * 3, "detail": ["x"] * 3})
    >>> escalate(t.cast(TRIGGER_SCHEMA), None, 2)["measure"].to_list()
    ['request_report', 'request_report', 'warning_talk']
    """
    if repeats_per_step < 1:
        raise ValueError(f"repeats_per_step must be >= 1, got {repeats_per_step}")
    key = ["party_kind", "party"]
    t = triggers.cast(TRIGGER_SCHEMA).sort(_ORDER, nulls_last=True)
    t = t.with_columns(
        pl.int_range(pl.len()).over(key).alias("_k"), pl.int_range(pl.len()).alias("_i")
    )
    if history is not None and history.height:
        prev = history.group_by(key).agg(pl.len().alias("_prev"))
        t = t.join(prev, on=key, how="left", nulls_equal=True).sort("_i")
        k = pl.col("_k") + pl.col("_prev").fill_null(0)
    else:
        k = pl.col("_k")
    step = pl.min_horizontal(k // repeats_per_step, pl.lit(len(MEASURES) - 1))
    measure = step.replace_strict(dict(enumerate(MEASURES)), return_dtype=pl.String)
    return (
        t.with_columns(measure.alias("measure")).select(list(WARNING_SCHEMA)).cast(WARNING_SCHEMA)
    )
