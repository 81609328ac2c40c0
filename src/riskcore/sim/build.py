"""From a :class:`~riskcore.scenario.Scenario` to what the engine needs, day by day.

- :class:`Index`: the integer index of every account, investor, member and contract (file
  order; investors in order of first appearance) and the per-index static arrays.
- :class:`Carry`: what one trading day hands to the next (positions as yesterday's lots,
  reserve, restricted flags, previous settlement, margin rates, position limits, open
  position-limit breaches and unfiled large-trader reports) and :func:`initial_carry` for
  the first day.
- :func:`day_market`: the day's :class:`~riskcore.market.Market` (band, ladder, limits,
  margin and fee rates) from a carry.
- :func:`position_margin`: trading margin of positions at a price (MARGIN-01), summed in
  the same order as the engines.

Units: prices int64 ticks, lots int64, money float64 CNY (UNIT-01).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from riskcore.market import Market
from riskcore.records import (
    ACCOUNT_SPEC_DTYPE,
    CONTRACT_SPEC_DTYPE,
    MARGIN_BOTH,
    MARGIN_LARGER_SIDE,
    NO_LIMIT,
    STP_CANCEL_INCOMING,
    STP_CANCEL_RESTING,
)
from riskcore.risk.margin import trading_margin
from riskcore.risk.position_limits import BREACH_DTYPE, member_limit_lots
from riskcore.scenario import Rulebook, Scenario
from riskcore.sim.bands import DayBands, limit_bands

MAX_ORDER_QTY = np.iinfo(np.int32).max
NS_PER_SECOND = 1_000_000_000
"""Largest order the message layout can carry, lots (``qty`` is int32): "no size limit"."""

_STP = {"cancel-incoming": STP_CANCEL_INCOMING, "cancel-resting": STP_CANCEL_RESTING}
_MARGIN = {"both": MARGIN_BOTH, "larger_side": MARGIN_LARGER_SIDE}
RESTRICT_MARGIN_CALL = 1
"""``Carry.restricted`` bit: close only because a margin call was unpaid at the open (MARGIN-06).
Later causes (LIQ, POS-04) take further bits; the engine restricts on any non-zero value."""


@dataclass(frozen=True, eq=False)
class Index:
    """Names to integer indices, and the static per-index arrays of a scenario.

    Attributes
    ----------
    accounts, investors, members, contracts : tuple of str
        Ids in index order: accounts, members and contracts in file order, investors in
        order of first appearance among the accounts.
    account_investor, account_member : ndarray of int32, shape (n_accounts,)
    hedge_quota : ndarray of int64, shape (n_investors,)
        Lots per side exempt from position limits (POS-03).
    tick : ndarray of float64, shape (n_contracts,)
        Tick size, index points.
    tick_value : ndarray of float64, shape (n_contracts,)
        CNY per tick per lot (tick x multiplier).
    last_day : ndarray of int64, shape (n_contracts,)
        Last trading day as days since 1970-01-01; int64 max when none.
    investor_of_account, member_of_account : tuple of str
        Per account (index order), its investor id and member id (for the tables).
    account_name : tuple of str
        Per account, the investor's name as given on it (LTR-01 reports).
    member_name : tuple of str
        Per member, its name (LTR-01 reports).
    proprietary : ndarray of bool, shape (n_accounts,)
        The member's own accounts (LIQ-03; a legal person for LTR-01's documents).
    files_reports : ndarray of bool, shape (n_accounts,)
        ``False``: the account never files large-trader reports (LTR-02).
    """

    accounts: tuple[str, ...]
    investors: tuple[str, ...]
    members: tuple[str, ...]
    contracts: tuple[str, ...]
    account_investor: np.ndarray
    account_member: np.ndarray
    hedge_quota: np.ndarray
    tick: np.ndarray
    tick_value: np.ndarray
    last_day: np.ndarray
    investor_of_account: tuple[str, ...] = field(default=())
    member_of_account: tuple[str, ...] = field(default=())
    account_name: tuple[str, ...] = field(default=())
    member_name: tuple[str, ...] = field(default=())
    proprietary: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    files_reports: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n_accounts(self) -> int:
        return len(self.accounts)

    @property
    def n_contracts(self) -> int:
        return len(self.contracts)

    @classmethod
    def of(cls, sc: Scenario) -> Index:
        """Build the index of ``sc``."""
        accounts = tuple(a.id for a in sc.accounts)
        members = tuple(m.id for m in sc.members)
        investors = tuple(dict.fromkeys(a.investor for a in sc.accounts))
        inv_no = {v: i for i, v in enumerate(investors)}
        mem_no = {v: i for i, v in enumerate(members)}
        quota = np.zeros(len(investors), dtype=np.int64)
        for a in sc.accounts:  # one quota per investor (the loader checks they agree)
            i = inv_no[a.investor]
            quota[i] = max(quota[i], a.hedge_quota)
        epoch = dt.date(1970, 1, 1)
        never = np.iinfo(np.int64).max
        return cls(
            accounts=accounts,
            investors=investors,
            members=members,
            contracts=tuple(c.symbol for c in sc.contracts),
            account_investor=np.array([inv_no[a.investor] for a in sc.accounts], dtype=np.int32),
            account_member=np.array([mem_no[a.member] for a in sc.accounts], dtype=np.int32),
            hedge_quota=quota,
            tick=np.array([c.tick for c in sc.contracts], dtype=np.float64),
            tick_value=np.array([c.tick_value for c in sc.contracts], dtype=np.float64),
            last_day=np.array(
                [
                    never if c.last_trading_day is None else (c.last_trading_day - epoch).days
                    for c in sc.contracts
                ],
                dtype=np.int64,
            ),
            investor_of_account=tuple(a.investor for a in sc.accounts),
            member_of_account=tuple(a.member for a in sc.accounts),
            account_name=tuple(a.name for a in sc.accounts),
            member_name=tuple(m.name for m in sc.members),
            proprietary=np.array([a.proprietary for a in sc.accounts], dtype=bool),
            files_reports=np.array([a.files_reports for a in sc.accounts], dtype=bool),
        )


@dataclass
class Carry:
    """The state one trading day starts from (and the previous day's settlement hands on).

    Attributes
    ----------
    prev_settle : ndarray of int64, shape (n_contracts,)
        Previous settlement price, ticks.
    margin_rate : ndarray of float64, shape (n_contracts,)
        Trading-margin rate in force for the day (MARGIN-01/04).
    long_yd, short_yd : ndarray of int64, shape (n_accounts, n_contracts)
        Positions carried as yesterday's lots.
    reserve : ndarray of float64, shape (n_accounts,)
        Free settlement reserve at the start of the day, CNY (MARGIN-01: equity minus the
        margin of the carried positions at ``prev_settle``).
    restricted : ndarray of int8, shape (n_accounts,)
        Non-zero = close only (MATCH-07 ``RESTRICTED``); bit flags by cause,
        :data:`RESTRICT_MARGIN_CALL` = an unpaid margin call (MARGIN-06).
    base_rate : ndarray of float64, shape (n_contracts,)
        MARGIN-04 rate before the automatic MARGIN-05 raises (``margin_rate`` = base +
        raises); default ``margin_rate``.
    locked_raise, holiday_raise : ndarray of float64, shape (n_contracts,)
        MARGIN-05 ① / ② raises in force, rate points; default 0.
    lock_streak : ndarray of int64, shape (n_contracts,)
        Consecutive same-direction limit-locked days up to the previous day (+ up, - down).
    margin_call : ndarray of float64, shape (n_accounts,)
        Margin called at the previous settlement, due before this day's open, CNY (MARGIN-06).
    call_day : date or None
        The day those calls were made.
    pos_limit : ndarray of int64, shape (n_contracts,) or None
        POS-01 lots per side per investor in force at the start of the day (``NO_LIMIT`` =
        none; ``position_limit`` events change it); ``None`` = the rulebook's
        (:func:`position_limits`).
    breaches : ndarray of BREACH_DTYPE
        POS-04 breaches found at the previous settlement
        (:func:`riskcore.risk.position_limits.limit_breaches`), to be cured by the end of the
        day's first ``limit_cure_sessions`` sessions; default none.
    breach_day : date or None
        The settlement that found them.
    reports : polars.DataFrame or None
        LTR-02: unfiled large-trader reports (``large_trader_reports`` rows) whose deadline
        has not passed yet; checked at the day's close (:mod:`riskcore.sim.positions`).
    avg_long, avg_short : ndarray of float64, shape (n_accounts, n_contracts)
        Average open price of the carried long and short lots, ticks (0 where none); for
        RED-03 and LIQ-03 ``largest-loss``. Default 0.
    funds : riskcore.sim.funds.FundState or None
        FUND-01/02 balances (member capital, guarantee-fund drawdowns, the exchange's risk
        reserve and capital, business volume since the last re-share); ``None`` = the
        scenario's at the start of the run.
    """

    prev_settle: np.ndarray
    margin_rate: np.ndarray
    long_yd: np.ndarray
    short_yd: np.ndarray
    reserve: np.ndarray
    restricted: np.ndarray
    base_rate: np.ndarray | None = None
    locked_raise: np.ndarray | None = None
    holiday_raise: np.ndarray | None = None
    lock_streak: np.ndarray | None = None
    margin_call: np.ndarray | None = None
    call_day: dt.date | None = None
    pos_limit: np.ndarray | None = None
    breaches: np.ndarray | None = None
    breach_day: dt.date | None = None
    reports: pl.DataFrame | None = None
    avg_long: np.ndarray | None = None
    avg_short: np.ndarray | None = None
    funds: Any = None

    def __post_init__(self) -> None:
        n_c, n_a = len(self.prev_settle), len(self.reserve)
        if self.base_rate is None:
            self.base_rate = np.asarray(self.margin_rate, dtype=np.float64).copy()
        if self.locked_raise is None:
            self.locked_raise = np.zeros(n_c)
        if self.holiday_raise is None:
            self.holiday_raise = np.zeros(n_c)
        if self.lock_streak is None:
            self.lock_streak = np.zeros(n_c, dtype=np.int64)
        if self.margin_call is None:
            self.margin_call = np.zeros(n_a)
        if self.breaches is None:
            self.breaches = np.zeros(0, dtype=BREACH_DTYPE)
        shape = np.shape(self.long_yd)
        if self.avg_long is None:
            self.avg_long = np.zeros(shape)
        if self.avg_short is None:
            self.avg_short = np.zeros(shape)


def position_margin(
    long: np.ndarray,
    short: np.ndarray,
    price: np.ndarray,
    tick_value: np.ndarray,
    margin_rate: np.ndarray,
    method: int,
) -> np.ndarray:
    """Trading margin per account of positions valued at ``price`` (MARGIN-01), CNY.

    The same arithmetic as the engines' opening margin (``docs/engine-semantics.md``):
    per position ``float(lots x price) x tick_value x rate`` (``both``: long + short lots;
    ``larger_side``: the larger side's value), summed over contracts 0, 1, ... in order.
    See :func:`riskcore.risk.margin.trading_margin`, which this is.

    Parameters
    ----------
    long, short : ndarray of int64, shape (n_accounts, n_contracts)
        Lots.
    price : ndarray of int64, shape (n_contracts,)
        Ticks.
    tick_value, margin_rate : ndarray of float64, shape (n_contracts,)
        CNY per tick per lot; fraction of notional.
    method : int
        ``MARGIN_BOTH`` or ``MARGIN_LARGER_SIDE``.

    Returns
    -------
    ndarray of float64, shape (n_accounts,)
    """
    return trading_margin(long, short, price, tick_value, margin_rate, method)


def stp_policy(rb: Rulebook) -> int:
    """The rulebook's MATCH-05 policy as an engine code."""
    return _STP[rb.stp_policy]


def margin_method(rb: Rulebook) -> int:
    """The rulebook's MARGIN-01 method as an engine code."""
    return _MARGIN[rb.margin_method]


def initial_carry(sc: Scenario, index: Index) -> Carry:
    """The first day's starting state (MARGIN-01, MARGIN-04).

    Initial positions are yesterday's lots; each account's reserve is its ``cash`` minus the
    margin of those positions at the previous settlement and the margin rate in force: the
    contract's rate, or the rulebook's scheduled rate (``margin_schedule``) when one is
    dated before the first trading day (a scheduled rate is the exchange's rule for every
    contract from that date's settlement on).
    """
    n_a, n_c = index.n_accounts, index.n_contracts
    col = {s: i for i, s in enumerate(index.contracts)}
    long = np.zeros((n_a, n_c), dtype=np.int64)
    short = np.zeros((n_a, n_c), dtype=np.int64)
    cost_long = np.zeros((n_a, n_c))  # ticks x lots
    cost_short = np.zeros((n_a, n_c))
    for a, acc in enumerate(sc.accounts):
        for p in acc.positions:
            c = col[p.symbol]
            ticks = float(p.price) / float(index.tick[c])
            long[a, c] += p.long
            short[a, c] += p.short
            cost_long[a, c] += p.long * ticks
            cost_short[a, c] += p.short * ticks
    prev = np.array([c.prev_settlement_ticks for c in sc.contracts], dtype=np.int64)
    rate = np.array([c.margin_rate for c in sc.contracts], dtype=np.float64)
    first = sc.calendar.trading_days[0] if sc.calendar.trading_days else sc.start
    scheduled = sc.rulebook.scheduled_margin(first - dt.timedelta(days=1))
    if scheduled is not None:
        rate[:] = scheduled
    cash = np.array([a.cash for a in sc.accounts], dtype=np.float64)
    margin = position_margin(long, short, prev, index.tick_value, rate, margin_method(sc.rulebook))
    return Carry(
        prev_settle=prev,
        margin_rate=rate,
        long_yd=long,
        short_yd=short,
        reserve=cash - margin,
        restricted=np.zeros(n_a, dtype=np.int8),
        pos_limit=position_limits(sc.rulebook, n_c),
        avg_long=np.divide(cost_long, long, out=np.zeros((n_a, n_c)), where=long > 0),
        avg_short=np.divide(cost_short, short, out=np.zeros((n_a, n_c)), where=short > 0),
    )


def position_limits(rb: Rulebook, n_contracts: int) -> np.ndarray:
    """POS-01 per contract from the rulebook: ``position_limit`` lots per side per
    investor, or ``NO_LIMIT`` (-1) when it is ``None`` (no limit).

    Returns
    -------
    ndarray of int64, shape (n_contracts,)
    """
    lim = NO_LIMIT if rb.position_limit is None else int(rb.position_limit)
    return np.full(n_contracts, lim, dtype=np.int64)


def member_limits(rb: Rulebook, long_yd: np.ndarray) -> np.ndarray:
    """POS-02 per contract: lots per side a member may hold, or ``NO_LIMIT``.

    Active when the contract's single-side open interest at the previous settlement
    (Σ long over all accounts of the carried positions, i.e. the positions after that
    settlement) exceeds ``member_oi_threshold``; the limit is then
    ``floor(member_oi_share x open interest)`` lots
    (:func:`riskcore.risk.position_limits.member_limit_lots`). Called for every day with
    that day's carry, so the cap follows each settlement's open interest.
    """
    return member_limit_lots(
        np.asarray(long_yd).sum(axis=0), rb.member_oi_threshold, rb.member_oi_share
    )


def day_market(
    sc: Scenario,
    index: Index,
    carry: Carry,
    day: dt.date,
    *,
    no_limit_range: float,
    close_ns: int = 0,
) -> tuple[Market, DayBands]:
    """The :class:`Market` one trading day opens with, and its bands.

    Parameters
    ----------
    sc : Scenario
    index : Index
    carry : Carry
        The day's starting state.
    day : date
        The trading day.
    no_limit_range : float
        Fraction around the previous settlement the ladder spans on a last trading day
        without a limit (LIMIT-02), e.g. 0.5.
    close_ns : int
        The day's close, ns; the breaker's quiet period starts ``breaker_quiet`` before it
        (BRK-05). 0 = no quiet period.

    Returns
    -------
    (Market, DayBands)
        Band = the breaker band (BRK-01) or the LIMIT-01 band (LIMIT-02 on a contract's
        last day; the wide no-limit range without a price limit, flagged ``no_limit``),
        ladder = the day's widest band; the breaker's trigger, duration and
        quiet period (BRK-02/03/05); pos_limit = ``carry.pos_limit`` (POS-01: the
        rulebook's ``position_limit`` as changed by ``position_limit`` events);
        member_limit per POS-02 from the carried open interest; max_order_qty; margin
        rate from ``carry``; fees from ``Rulebook.fees_on(day)``.
    """
    rb = sc.rulebook
    n_c = index.n_contracts
    day_no = (day - dt.date(1970, 1, 1)).days
    bands = limit_bands(
        carry.prev_settle,
        rb.price_limit,
        last_day=index.last_day == day_no,
        last_day_limit=rb.last_day_limit,
        no_limit_range=no_limit_range,
        circuit_breaker=rb.circuit_breaker or 0.0,
    )
    fee_open, fee_close, fee_close_today = rb.fees_on(day)
    spec = np.zeros(n_c, dtype=CONTRACT_SPEC_DTYPE)
    spec["tick_value"] = index.tick_value
    spec["margin_rate"] = carry.margin_rate
    spec["fee_open"] = fee_open
    spec["fee_close"] = fee_close
    spec["fee_close_today"] = fee_close_today
    spec["prev_settle"] = carry.prev_settle
    spec["band_lo"] = bands.band_lo
    spec["band_hi"] = bands.band_hi
    spec["ladder_lo"] = bands.ladder_lo
    spec["ladder_hi"] = bands.ladder_hi
    spec["pos_limit"] = position_limits(rb, n_c) if carry.pos_limit is None else carry.pos_limit
    spec["member_limit"] = member_limits(rb, carry.long_yd)
    spec["max_order_qty"] = MAX_ORDER_QTY if rb.max_order_qty is None else rb.max_order_qty
    spec["limit_lo"] = bands.limit_lo
    spec["limit_hi"] = bands.limit_hi
    spec["breaker_lo"] = bands.breaker_lo
    spec["breaker_hi"] = bands.breaker_hi
    spec["last_day"] = (index.last_day == day_no).astype(np.int8)
    spec["no_limit"] = (~bands.has_limit).astype(np.int8)  # LIMIT-02: state no_limit
    accounts = np.zeros(index.n_accounts, dtype=ACCOUNT_SPEC_DTYPE)
    accounts["investor"] = index.account_investor
    accounts["member"] = index.account_member
    accounts["reserve"] = carry.reserve
    accounts["restricted"] = carry.restricted
    market = Market(
        contracts=spec,
        accounts=accounts,
        hedge_quota=index.hedge_quota,
        long_yd=carry.long_yd,
        short_yd=carry.short_yd,
        n_members=max(len(index.members), 1),
        stp_policy=stp_policy(rb),
        margin_method=margin_method(rb),
        breaker_trigger=int(rb.breaker_trigger) * NS_PER_SECOND,
        breaker_duration=int(rb.breaker_duration) * NS_PER_SECOND,
        quiet_from=max(close_ns - int(rb.breaker_quiet) * NS_PER_SECOND, 0) if close_ns else 0,
        meta={"day": day},
    )
    return market, bands
