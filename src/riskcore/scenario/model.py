"""Typed, immutable description of a loaded scenario (see SCENARIO.md).

Everything here is plain data made by :func:`riskcore.scenario.load_scenario`: frozen
dataclasses, tuples instead of lists, and one polars DataFrame for the order flow. Prices
are index points as written in the file (the simulation converts them to integer ticks,
UNIT-01), quantities lots, money CNY, times naive exchange-local.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from riskcore.scenario.locate import Locator
from riskcore.scenario.rulebook import Rulebook

EXPECT_TABLES = (
    "orders",
    "trades",
    "market_states",
    "prices",
    "settlements",
    "accounts_daily",
    "margin_calls",
    "liquidations",
    "reductions",
    "large_trader_reports",
    "notices",
    "guarantee_fund",
    "defaults",
    "warnings",
    "limit_breaches",
    "overdue_reports",
)
"""Run-folder tables an ``[[expect]]`` block may check (SCENARIO.md, "Run folder"), then the
added ones (``limit_breaches``, ``overdue_reports``: POS-04 and LTR-02, see
:data:`riskcore.output.tables.SCHEMAS`)."""

ACCOUNT_KEYS = (
    "id",
    "member",
    "investor",
    "name",
    "proprietary",
    "cash",
    "hedge_quota",
    "files_reports",
    "positions",
)
"""Keys of an ``[[accounts]]`` block, and the columns of an ``[accounts_file]`` table."""


ACTION_ENUM = pl.Enum(["new", "cancel"])
SIDE_ENUM = pl.Enum(["buy", "sell"])
OFFSET_ENUM = pl.Enum(["open", "close"])
TYPE_ENUM = pl.Enum(["limit", "market", "fak", "fok"])

ORDERS_SCHEMA = pl.Schema(
    {
        "at": pl.Int64,
        "action": ACTION_ENUM,
        "account": pl.Categorical(),
        "symbol": pl.Categorical(),
        "side": SIDE_ENUM,
        "offset": OFFSET_ENUM,
        "type": TYPE_ENUM,
        "price": pl.Float64,
        "qty": pl.Int64,
        "client_id": pl.String,
        "origin": pl.Categorical(),
        "origin_row": pl.Int64,
    }
)
"""Columns and dtypes of :attr:`Scenario.orders`.

``at`` is nanoseconds since 1970-01-01 of naive exchange-local time; ``price`` index points
(null for market orders and cancels); ``qty`` lots (null for cancels); ``symbol``, ``side``,
``offset`` and ``type`` are null for cancels; ``client_id`` is a new order's ``id`` (null if
it has none) and a cancel's ``target`` (the client id it names), as in the ``orders`` table:
one id column, not two mostly null ones. A flow file whose ``id`` and ``target`` columns
are integers keeps them as integers (``Int32`` where every value fits, else ``Int64``; text
is made when the tables are written, the same decimal digits), so a 20-million-row flow
holds 4 bytes of id a row instead of two 16-byte text columns. ``origin`` is ``"FILE:LINE"``
for inline orders and the flow file's name for flow rows, whose ``origin_row`` is the row
in that file (1 = the first data row; null for inline orders). Names are ``Categorical``
and the fixed vocabularies ``Enum`` (bytes, not strings, per row and column).
"""


@dataclass(frozen=True)
class Calendar:
    """The run's trading calendar (UNIT-03, MATCH-06).

    Attributes
    ----------
    sessions : tuple of (time, time)
        Continuous-trading sessions, in order.
    auction : (time, time) or None
        Opening call-auction order window; ``None`` = no auction.
    holidays : tuple of date
        Weekdays without trading.
    trading_days : tuple of date
        The run's days: ``days`` weekdays from ``start``, holidays skipped.
    last_day_close : time or None
        Earlier close on a contract's last trading day, if the rulebook has one.
    """

    sessions: tuple[tuple[dt.time, dt.time], ...]
    auction: tuple[dt.time, dt.time] | None
    holidays: tuple[dt.date, ...]
    trading_days: tuple[dt.date, ...]
    last_day_close: dt.time | None = None

    def is_trading_day(self, day: dt.date) -> bool:
        """A weekday that is not a holiday (the run's days or any other)."""
        return day.weekday() < 5 and day not in self.holidays

    @classmethod
    def build(cls, rb: Rulebook, start: dt.date, days: int) -> Calendar:
        """``days`` trading days from ``start`` (weekends and ``rb.holidays`` skipped) under
        ``rb``'s sessions, auction and last-day close. The caller checks ``start`` itself."""
        holidays = frozenset(rb.holidays)
        trading: list[dt.date] = []
        d = start
        while len(trading) < days:
            if d.weekday() < 5 and d not in holidays:
                trading.append(d)
            d += dt.timedelta(days=1)
        return cls(
            sessions=rb.sessions,
            auction=rb.auction,
            holidays=rb.holidays,
            trading_days=tuple(trading),
            last_day_close=rb.last_day_close,
        )


@dataclass(frozen=True)
class Contract:
    """One futures contract.

    Attributes
    ----------
    symbol : str
    multiplier : float
        CNY per index point per lot (IF: 300).
    tick : float
        Price step, index points (IF: 0.2).
    margin_rate : float
        Trading-margin rate at the start, fraction of notional (MARGIN-01).
    prev_settlement : float
        Settlement price of the day before the start, index points (a whole number of ticks).
    last_trading_day : date or None
    final_settlement : float or None
        Final settlement price, index points (SETTLE-04); set when ``last_trading_day`` falls
        inside the run.
    margin_rate_given : bool
        True when the scenario file gives ``margin_rate``; False when it is the rulebook's
        default, which then follows a changed rulebook (``riskcore.run(..., rules=...)``),
        as it does when ``riskcore replay --set`` re-reads the file.
    """

    symbol: str
    multiplier: float
    tick: float
    margin_rate: float
    prev_settlement: float
    last_trading_day: dt.date | None = None
    final_settlement: float | None = None
    margin_rate_given: bool = False

    @property
    def tick_value(self) -> float:
        """CNY per tick per lot (``tick * multiplier``)."""
        return self.tick * self.multiplier

    @property
    def prev_settlement_ticks(self) -> int:
        """``prev_settlement`` in ticks (exact: the loader checks it is a whole number)."""
        return round(self.prev_settlement / self.tick)


@dataclass(frozen=True)
class Member:
    """A clearing member (FUND-01/02).

    Attributes
    ----------
    id, name : str
    guarantee_fund : float
        Basic settlement guarantee fund, CNY.
    capital : float
        The member's own funds that can cover its clients' losses, CNY.
    """

    id: str
    name: str
    guarantee_fund: float = 0.0
    capital: float = 0.0


@dataclass(frozen=True)
class Exchange:
    """The exchange's own default resources (FUND-02), CNY."""

    risk_reserve: float
    capital: float


@dataclass(frozen=True)
class Position:
    """An initial position: lots long and short and the average open price (index points)."""

    symbol: str
    long: int
    short: int
    price: float


@dataclass(frozen=True)
class Account:
    """A trading account (trading code) at a member.

    Attributes
    ----------
    id : str
        Trading code, unique.
    member : str
        Member id.
    investor : str
        Investor id (POS-01 sums positions over an investor's accounts); defaults to ``id``.
    name : str
        Investor's name for reports (LTR-01); defaults to ``id``.
    proprietary : bool
        The member's own account (LIQ-03).
    cash : float
        Funds (equity) at the start, CNY.
    hedge_quota : int
        Lots per side exempt from position limits (POS-03).
    files_reports : bool
        ``False``: never files large-trader reports (LTR-02).
    positions : tuple of Position
    """

    id: str
    member: str
    investor: str
    name: str
    proprietary: bool = False
    cash: float = 0.0
    hedge_quota: int = 0
    files_reports: bool = True
    positions: tuple[Position, ...] = ()


@dataclass(frozen=True)
class Event:
    """An administrative event applied at ``at`` (deposits, margin changes, halts, ...).

    Only the keys its ``kind`` uses are set; the others stay ``None``.

    Attributes
    ----------
    at : datetime
        Naive exchange-local time (microsecond precision); ``at_ns`` is exact.
    at_ns : int
        Nanoseconds since 1970-01-01 of the same naive clock.
    kind : str
        deposit | withdraw | margin_rate | position_limit | halt | resume |
        penalty_liquidation | emergency_liquidation | other_liquidation (LIQ-01 (3)-(5)) |
        complaint | investigation | other (WARN-01 (6)-(8)).
    account, symbol, party, reason : str or None
    amount : float or None
        CNY (deposit, withdraw).
    rate : float or None
        New margin rate, fraction (margin_rate, MARGIN-04).
    value : int or None
        New position limit, lots (position_limit, POS-04).
    qty : int or None
        Lots to liquidate (the ``*_liquidation`` kinds, LIQ-01 (3)-(5)); ``None`` = the whole
        position.
    origin : str
        ``"FILE:LINE"`` of its ``[[events]]`` table.
    """

    at: dt.datetime
    at_ns: int
    kind: str
    account: str | None = None
    symbol: str | None = None
    amount: float | None = None
    rate: float | None = None
    value: int | None = None
    qty: int | None = None
    party: str | None = None
    reason: str | None = None
    origin: str = ""


@dataclass(frozen=True)
class AgentGroup:
    """One ``[[agents]]`` block: ``count`` accounts that generate order flow the same way.

    See ``docs/agents.md`` and :mod:`riskcore.agents` for every kind and parameter.

    Attributes
    ----------
    kind : str
        noise | market_maker | momentum | fundamental | speculator.
    count : int
        Number of agents (accounts) in the group.
    member : str
        Member id of every account of the group.
    prefix : str
        Account ids are ``prefix-001``, ``prefix-002``, ... (default the kind, ``_`` as ``-``).
    cash : float
        Funds (equity) of each account at the start, CNY.
    symbol : str
        The contract the group trades.
    positions : tuple of Position
        Initial positions of *each* account (they count in the per-contract balance).
    on_margin_call : str
        ``top_up`` (deposit the called amount before the open) or ``ignore`` (restricted,
        then liquidated, MARGIN-06 / LIQ-01 (1)).
    params : dict
        The kind's parameters, defaults filled in (:data:`riskcore.agents.params.PARAMS`).
    accounts : tuple of str
        The group's account ids, in order.
    origin : str
        ``"FILE:LINE"`` of the block.
    """

    kind: str
    count: int
    member: str
    prefix: str
    cash: float
    symbol: str
    positions: tuple[Position, ...]
    on_margin_call: str
    params: dict[str, Any]
    accounts: tuple[str, ...]
    origin: str = ""


@dataclass(frozen=True)
class Underlying:
    """The exogenous underlying index path the agents may follow (``[underlying]``).

    Either ``points`` (daily values, interpolated intraday) or a random walk (``start``,
    ``daily_vol``, ``jumps``); see :mod:`riskcore.agents.underlying`.

    Attributes
    ----------
    points : tuple of (date, float)
        Daily values, index points, sorted by date; empty for a random walk.
    start : float or None
        Random walk: the level at the close before the first trading day, index points.
    daily_vol : float
        Random walk: standard deviation of the daily log return.
    jumps : tuple of (date, float)
        Random walk: relative jumps at the open of the given days (-0.09 = a 9 % gap down).
    source : str
        Where the numbers come from (free text; name the source of real data).
    origin : str
        ``"FILE:LINE"`` of the table.
    """

    points: tuple[tuple[dt.date, float], ...] = ()
    start: float | None = None
    daily_vol: float = 0.0
    jumps: tuple[tuple[dt.date, float], ...] = ()
    source: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Expect:
    """A check ``riskcore replay --check`` runs on a result table.

    Attributes
    ----------
    table : str
        One of :data:`EXPECT_TABLES`.
    where : dict
        Column -> value filter (values as written: dates may be strings).
    equals : dict or None
        Column -> expected value for every selected row.
    count : int or None
        Expected number of selected rows.
    origin : str
    """

    table: str
    where: dict[str, Any] = field(default_factory=dict)
    equals: dict[str, Any] | None = None
    count: int | None = None
    origin: str = ""


@dataclass(frozen=True, eq=False)
class Scenario:
    """A loaded, validated scenario.

    Attributes
    ----------
    schema : int
        Format version (1).
    name, title, description : str
    start : date
        First trading day.
    days : int
        Trading days to run.
    seed : int
        Drives every random choice (UNIT-04).
    rulebook : Rulebook
        The named rulebook with ``[rules]`` and ``[calendar]`` applied.
    calendar : Calendar
    contracts, members, accounts : tuple
    exchange : Exchange
    orders : polars.DataFrame
        Inline ``[[orders]]`` and the ``[flow]`` file, sorted stably by ``at`` (same instant:
        inline orders first, then flow rows, each in file order); see :data:`ORDERS_SCHEMA`.
    events : tuple of Event
        Sorted stably by time.
    agents : tuple of AgentGroup
        ``[[agents]]`` blocks, validated, defaults filled in; their accounts are in
        ``accounts`` after the ``[[accounts]]`` ones.
    expect : tuple of Expect
    source : Path
        The scenario file.
    flow_path : Path or None
        The ``[flow]`` file, resolved against the scenario's folder.
    underlying : Underlying or None
        The ``[underlying]`` index path, if any.
    agent_step : float or None
        ``[scenario].agent_step``: seconds between two agent steps (``None`` = 1 s).
    """

    schema: int
    name: str
    title: str
    description: str
    start: dt.date
    days: int
    seed: int
    rulebook: Rulebook
    calendar: Calendar
    contracts: tuple[Contract, ...]
    members: tuple[Member, ...]
    exchange: Exchange
    accounts: tuple[Account, ...]
    orders: pl.DataFrame
    events: tuple[Event, ...]
    agents: tuple[AgentGroup, ...]
    expect: tuple[Expect, ...]
    source: Path
    flow_path: Path | None = None
    underlying: Underlying | None = None
    agent_step: float | None = None
    _locator: Locator | None = field(default=None, repr=False)

    @property
    def trading_days(self) -> tuple[dt.date, ...]:
        """Shortcut for ``calendar.trading_days``."""
        return self.calendar.trading_days

    def contract(self, symbol: str) -> Contract:
        """The contract named ``symbol`` (``KeyError`` if none)."""
        for c in self.contracts:
            if c.symbol == symbol:
                return c
        raise KeyError(symbol)

    def account(self, account_id: str) -> Account:
        """The account with trading code ``account_id`` (``KeyError`` if none)."""
        for a in self.accounts:
            if a.id == account_id:
                return a
        raise KeyError(account_id)

    def where(self, *path: str | int) -> str:
        """``"FILE:LINE"`` of a key path of the scenario file, e.g. ``where("agents", 0, "rate")``.

        For later validation (agents) that wants to report a line like the loader does.
        """
        if self._locator is None:
            return str(self.source)
        return self._locator.where(tuple(path))

    def error_at(self, path: tuple, problem: str) -> str:
        """A loader-style one-line message ``FILE:LINE: key 'a[0].b': problem``."""
        if self._locator is None:
            return f"{self.source}: {problem}"
        return self._locator.message(tuple(path), problem)
