"""The day loop: a scenario's trading days, one engine per day, Python only between chunks.

Per trading day (DESIGN.md, ``sim/``):

1. build the day's :class:`~riskcore.market.Market` from the carried state
   (:func:`riskcore.sim.build.day_market`) and an :class:`~riskcore.engine.Engine`
   (``record_events=False``: a replay keeps per-order states and fills only);
2. pre-open events (``deposit``, ``withdraw``, ...; :mod:`riskcore.sim.admin`);
3. the opening call auction (MATCH-06): orders of the auction window submitted with
   ``PHASE_AUCTION``, ``run_auction`` at the window's end;
4. continuous sessions with ``PHASE_CONTINUOUS`` in time-ordered chunks, split only at
   session boundaries, event times, the band controller's times (the circuit breaker plugs
   in there, :mod:`riskcore.sim.bands`) and every ``chunk_messages`` messages (progress);
5. the close: LIMIT-04 limit-locked check on the book, ``expire``; messages outside the
   trading windows (before the auction, lunch break, after the close, non-trading days,
   before the start or after the last day) are submitted with ``PHASE_CLOSED`` so they are
   rejected ``MARKET_CLOSED`` (MATCH-07) and the run goes on; events after the close;
6. end of day: the settlement price (SETTLE-01, :mod:`riskcore.risk.settlement_price`),
   scheduled margin changes (MARGIN-04), then the **end-of-day hooks** — callables
   ``hook(day, state)`` receiving the :class:`DayState` — in order, then the carry to the
   next day (:meth:`DayState.carry_forward`).

Between the pre-open events and the auction, the margin calls of the previous settlement
meet their deadline (MARGIN-06, :func:`riskcore.sim.settle.open_margin_calls`): an unpaid
call makes the account ``RESTRICTED`` for the day and is handed to forced liquidation
(``DayState.liquidation_due``, ``margin_calls.liquidation_due``).

Forced liquidation (LIQ-01 ①, LIQ-02, :mod:`riskcore.sim.liquidate`): at the start of the
first continuous session the accounts due are planned and their member-phase close orders go
through the engine (source ``liquidation``, numbered after the scenario's messages); at the end
of session ``liquidation_member_sessions`` the remainder is cancelled and resubmitted at the
next session's start as exchange phase; ``liquidations`` rows after the close. Forced position
reduction (RED-01..05, :mod:`riskcore.sim.reduce`): before ``expire`` the close orders resting
at the limit on a locked side are captured (``DayState.requested``); the reduction hook, after
the margin-rate hook and before the settlement hook, books the trades and the positions.
Average open prices (``DayState.avg_long``/``avg_short``, ticks) are carried from the
scenario's positions and the day's opening trades (RED-03, LIQ-03 ``largest-loss``).

At the end of session ``limit_cure_sessions`` (default the first), between chunks, the
position-limit breaches of the previous settlement meet their cure deadline (POS-04,
:func:`riskcore.sim.positions.cure_window`): what is still over the limit is handed to forced
liquidation (LIQ-01 ②; ``DayState.limit_handoffs``, ``limit_breaches`` rows), whose orders go in
as exchange phase at the next session's start. ``penalty_liquidation`` events (LIQ-01 ③) are
liquidated as member phase from the next session start after them; what ③-⑤ orders leave
unfilled at the close carries to the next day's first session (LIQ-04). The loop has one
Python step per session end, none per order. ``position_limit`` events set the engine's POS-01
limit from their time on (:mod:`riskcore.sim.admin`) and write ``notices`` rows.

The default hooks (:func:`default_hooks`, :mod:`riskcore.sim.settle`,
:mod:`riskcore.sim.positions`) are the margin-rate changes (MARGIN-04/05, ``notices``), the
daily settlement (SETTLE-02/04, MARGIN-01/06, ``settlements``, ``accounts_daily``,
``margin_calls``), the position-limit breaches (POS-04, carried to the next day's cure window)
and the large-trader reports (LTR-01/02, ``large_trader_reports``, ``overdue_reports``). The
settlement hook books mark to market of
``state.fills`` against ``state.settlement`` and ``state.prev_settle``, booked as
``state.credit`` (CNY per account, added to the reserve by the carry: the day's P&L less the
realised P&L the engine already credited), final settlement on a contract's last day
(``next_long``/``next_short`` set to 0, trades of kind ``final`` added with
:meth:`DayState.add_fills`), and the margin calls for the next open. Hooks that move money
(reductions, penalties) must run before the settlement hook; hooks after it move no money
(the position-limit and large-trader hooks only set carried state and emit rows).
Passing ``hooks=`` replaces the defaults (``[*default_hooks(), mine]`` keeps them).

Agents (``[[agents]]``, :mod:`riskcore.agents.runner`): ``top_up`` agents deposit their
margin calls with the pre-open events; at every ``agent_step`` inside the continuous sessions
(after the scenario's messages before that time and its events at that time) every group
observes and acts and their orders go in as one engine call, numbered by the liquidation
:class:`~riskcore.sim.liquidate.Desk`'s counter (source ``agent``).

Money is conserved across days (SETTLE-03): the carried reserve is the engine's reserve at the
close + its margin − the margin at the settlement price + ``credit``, so each account's
equity changes by exactly its P&L + deposits − withdrawals − fees;
``SimOptions(check_invariants=True)`` asserts it after every day
(:func:`riskcore.risk.conservation.check_conservation`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import polars as pl

from riskcore._jit import require_indices
from riskcore.agents.runner import AgentPlan, DayAgents
from riskcore.engine import Engine
from riskcore.market import Market
from riskcore.output.stream import TableStream
from riskcore.output.tables import SCHEMAS, empty, notices_table, trades_table
from riskcore.records import (
    BUY,
    FILL_DTYPE,
    K_AUCTION,
    K_CONTINUOUS,
    K_LIQUIDATION,
    PHASE_CLOSED,
    SELL,
    SIDE_NAMES,
)
from riskcore.reference import ReferenceEngine
from riskcore.risk.conservation import check_conservation
from riskcore.risk.position_limits import BREACH_DTYPE, HANDOFF_DTYPE
from riskcore.risk.settlement import Settlement
from riskcore.risk.settlement_price import SETTLE_METHOD_NAMES, settlement_prices
from riskcore.scenario import Event, MarginChange, Scenario
from riskcore.sim import admin, liquidate
from riskcore.sim import funds as fund_hooks
from riskcore.sim import positions as position_hooks
from riskcore.sim import reduce as reduce_hooks
from riskcore.sim import settle as settle_hooks
from riskcore.sim import state as saved
from riskcore.sim import warn as warn_hooks
from riskcore.sim.bands import DayBands
from riskcore.sim.build import (
    Carry,
    Index,
    day_market,
    initial_carry,
    position_limits,
    position_margin,
)
from riskcore.sim.clock import NS, DayClock, classify, contract_states, day_clocks
from riskcore.sim.liquidate import DayLiquidation, Desk
from riskcore.sim.messages import BlockReader, FlowMessages
from riskcore.sim.order_rows import OrderRows, orders_stream, row_records
from riskcore.sim.summary_nb import book_summary

ENGINES = {"numba": Engine, "reference": ReferenceEngine}
"""The engines a run may use (``SimOptions.engine``)."""

BOOK_KINDS = (K_CONTINUOUS, K_AUCTION, K_LIQUIDATION)
"""Fill kinds traded on the book: they make the day's OHLC, volume and settlement price."""

LOCK_NONE, LOCK_UP, LOCK_DOWN = 0, 1, 2

LIQUIDATE_LIMIT_HANDOFFS = True
"""LIQ-01 ②: plan the POS-04 hand-offs as exchange-phase liquidation orders, submitted at the
start of the session after the cure window (``scenarios/position-limits.toml`` tells it)."""

Progress = Callable[[int, int, dt.date], None]
"""``progress(done_messages, total_messages, day)``, called after every chunk."""


@dataclass(frozen=True)
class SimOptions:
    """Simulator parameters that are not exchange rules.

    Attributes
    ----------
    no_limit_range : float
        LIMIT-02: on a last trading day without a limit, the band and ladder span
        previous settlement x (1 +/- this) (default 0.5). Orders outside it are rejected
        ``PRICE_OUT_OF_BAND``: it is a technical bound of the dense ladder, not a rule.
    chunk_messages : int
        Largest batch handed to the kernel at once (progress granularity).
    check_invariants : bool
        After every day, assert SETTLE-03 (:func:`~riskcore.risk.conservation.check_conservation`:
        Σ P&L = 0 per contract, each account's equity moves by P&L + deposits - withdrawals -
        fees, total long = total short) and the engine's own invariants (``engine.check()``).
        For tests; off by default.
    agent_step : float or None
        Seconds between two agent steps (:mod:`riskcore.agents.runner`); ``None`` = the
        scenario's ``agent_step`` (default 1 s). Coarser steps run faster.
    engine : str
        ``"numba"`` (default) or ``"reference"``: the pure-Python
        :class:`~riskcore.reference.ReferenceEngine`, about 100 times slower, with the same
        semantics; a whole run through each must give identical tables (the tests compare
        them).
    """

    no_limit_range: float = 0.5
    chunk_messages: int = 1 << 18
    check_invariants: bool = False
    agent_step: float | None = None
    engine: str = "numba"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"SimOptions.engine: {self.engine!r} is not one of {sorted(ENGINES)}")


@dataclass(eq=False)
class DayState:
    """Everything the end-of-day hooks see, and what they may change for the next day.

    Read (the day as it happened): ``day``, ``clock``, ``index``, ``scenario``, ``market``,
    ``bands``, ``engine`` (after the close), ``fills`` (the day's fills, global trade
    numbers), ``positions`` (``POSITION_DTYPE`` (n_accounts, n_contracts) at the close),
    ``accounts`` (``ACCOUNT_STATE_DTYPE`` at the close, after-close events applied),
    ``prev_settle`` and ``settlement`` (ticks, SETTLE-01), ``settlement_method``,
    ``locked`` (LIMIT-04: 0 none, 1 up, 2 down), ``deposits``/``withdrawals`` (CNY today).

    Also read: ``carry`` (the day's starting state: yesterday's lots ``long_yd``/``short_yd``,
    the reserve, the MARGIN-04/05 rate parts), ``rate_changes`` (MARGIN-04 base-rate changes
    the loop applied today: scheduled and ``margin_rate`` events, in order, as
    :class:`~riskcore.sim.settle.RateChange`), ``liquidation_due`` (1 per account whose
    margin call was unpaid at today's open: the LIQ-01 ① hand-off), ``limit_handoffs``
    (``HANDOFF_DTYPE``: lots per account to close because a position-limit breach of the
    previous settlement was not cured by the end of today's cure window, the LIQ-01 ②
    hand-off; :mod:`riskcore.sim.positions`).

    Write (carried to the next day by :meth:`carry_forward`): ``next_long``,
    ``next_short`` (lots, default today's + yesterday's), ``next_base_rate`` (MARGIN-04 base
    rate, scheduled changes and ``margin_rate`` events already in), ``next_margin_rate``
    (rate in force from today's settlement: base + MARGIN-05 raises; default the base),
    ``next_locked_raise``/``next_holiday_raise``/``next_lock_streak`` (MARGIN-05 state),
    ``next_restricted`` (per account, non-zero = close only; default as at the close),
    ``credit`` (CNY per account added to the reserve at settlement: mark-to-market P&L less
    realised, and the like; default 0), ``next_margin_call`` (CNY per account due before the
    next open, MARGIN-06), ``settled`` (the :class:`~riskcore.risk.settlement.Settlement`, for
    checks and later hooks), ``next_pos_limit`` (POS-01 lots per contract in force for the
    next day, ``NO_LIMIT`` = none; ``position_limit`` events applied), ``next_breaches``
    (POS-04 breaches to cure in the next day's window, ``BREACH_DTYPE``), ``next_reports``
    (LTR-02 unfiled large-trader reports not yet due), ``overdue_reports`` (LTR-02 reports
    found overdue at today's close, for the warnings module, WARN-01 ⑤).
    Also read: ``avg_long``/``avg_short`` (average open price of the lots held at the close,
    ticks; carried for the lots still held) and ``requested`` (RED-01: lots per account x
    contract of close orders resting at the limit on the locked side at the close).
    :meth:`add_fills` books trades made at the end of the day (kind ``final``, SETTLE-04).
    """

    day: dt.date
    clock: DayClock
    index: Index
    scenario: Scenario
    market: Market
    bands: DayBands
    engine: Engine
    fills: np.ndarray
    positions: np.ndarray
    accounts: np.ndarray
    prev_settle: np.ndarray
    settlement: np.ndarray
    settlement_method: np.ndarray
    locked: np.ndarray
    deposits: np.ndarray
    withdrawals: np.ndarray
    next_long: np.ndarray
    next_short: np.ndarray
    next_margin_rate: np.ndarray
    next_restricted: np.ndarray
    credit: np.ndarray
    records: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    carry: Carry | None = None
    next_base_rate: np.ndarray | None = None
    rate_changes: list = field(default_factory=list)
    next_locked_raise: np.ndarray | None = None
    next_holiday_raise: np.ndarray | None = None
    next_lock_streak: np.ndarray | None = None
    next_margin_call: np.ndarray | None = None
    liquidation_due: np.ndarray | None = None
    settled: Settlement | None = None
    n_trades: int = 0
    extra_fills: list[np.ndarray] = field(default_factory=list)
    next_pos_limit: np.ndarray | None = None
    next_breaches: np.ndarray | None = None
    limit_handoffs: np.ndarray | None = None
    next_reports: pl.DataFrame | None = None
    overdue_reports: pl.DataFrame | None = None
    avg_long: np.ndarray | None = None
    avg_short: np.ndarray | None = None
    requested: np.ndarray | None = None
    next_funds: Any = None
    default_cover: np.ndarray | None = None
    fund_paid: float = 0.0
    defaulted: np.ndarray | None = None

    def __post_init__(self) -> None:
        n_a, n_c = self.index.n_accounts, self.index.n_contracts
        if self.next_base_rate is None:
            self.next_base_rate = self.next_margin_rate.copy()
        if self.next_locked_raise is None:
            self.next_locked_raise = np.zeros(n_c)
        if self.next_holiday_raise is None:
            self.next_holiday_raise = np.zeros(n_c)
        if self.next_lock_streak is None:
            self.next_lock_streak = np.zeros(n_c, dtype=np.int64)
        if self.next_margin_call is None:
            self.next_margin_call = np.zeros(n_a)
        if self.liquidation_due is None:
            self.liquidation_due = np.zeros(n_a, dtype=np.int8)
        if self.next_pos_limit is None:
            self.next_pos_limit = (
                position_limits(self.scenario.rulebook, n_c)
                if self.carry is None or self.carry.pos_limit is None
                else self.carry.pos_limit.copy()
            )
        if self.next_breaches is None:
            self.next_breaches = np.zeros(0, dtype=BREACH_DTYPE)
        if self.limit_handoffs is None:
            self.limit_handoffs = np.zeros(0, dtype=HANDOFF_DTYPE)
        if self.avg_long is None:
            self.avg_long = np.zeros((n_a, n_c))
        if self.avg_short is None:
            self.avg_short = np.zeros((n_a, n_c))

    def emit(self, table: str, frame: pl.DataFrame) -> None:
        """Add rows to an output table (e.g. ``settlements``); frames are concatenated."""
        self.records.setdefault(table, []).append(frame)

    def add_fills(self, fills: np.ndarray) -> np.ndarray:
        """Book end-of-day trades (``FILL_DTYPE``, e.g. kind ``final``, SETTLE-04) after the
        day's fills: they get the next global trade numbers and go to the ``trades`` table.
        Positions are not touched (the hook sets ``next_long``/``next_short``). Returns the
        renumbered fills."""
        fills = np.array(fills, dtype=FILL_DTYPE, copy=True)
        fills["trade_no"] = self.n_trades + np.arange(len(fills))
        self.n_trades += len(fills)
        self.extra_fills.append(fills)
        return fills

    def day_fills(self) -> np.ndarray:
        """The day's fills: the engine's, then those added with :meth:`add_fills`."""
        if not self.extra_fills:
            return self.fills
        return np.concatenate([self.fills, *self.extra_fills])

    def settlement_margin(self) -> np.ndarray:
        """Trading margin per account of the carried positions at the settlement price and
        the next margin rate (MARGIN-01/04), CNY."""
        return position_margin(
            self.next_long,
            self.next_short,
            self.settlement,
            self.index.tick_value,
            self.next_margin_rate,
            self.market.margin_method,
        )

    def settled_reserve(self) -> np.ndarray:
        """Free reserve after settlement, CNY (SETTLE-02 with the engine's realised P&L and
        fees already in the reserve): reserve + margin at the close - settlement margin +
        credit."""
        return (
            self.accounts["reserve"]
            + self.accounts["margin"]
            - self.settlement_margin()
            + self.credit
        )

    def carry_forward(self) -> Carry:
        """The next trading day's starting state."""
        calls = self.next_margin_call.copy()
        return Carry(
            prev_settle=self.settlement.copy(),
            margin_rate=self.next_margin_rate.copy(),
            long_yd=self.next_long.copy(),
            short_yd=self.next_short.copy(),
            reserve=self.settled_reserve(),
            restricted=self.next_restricted.copy(),
            base_rate=self.next_base_rate.copy(),
            locked_raise=self.next_locked_raise.copy(),
            holiday_raise=self.next_holiday_raise.copy(),
            lock_streak=self.next_lock_streak.copy(),
            margin_call=calls,
            call_day=self.day if bool(np.any(calls > 0)) else None,
            pos_limit=self.next_pos_limit.copy(),
            breaches=self.next_breaches.copy(),
            breach_day=self.day,
            reports=self.next_reports,
            avg_long=np.where(self.next_long > 0, self.avg_long, 0.0),
            avg_short=np.where(self.next_short > 0, self.avg_short, 0.0),
            funds=self.next_funds if self.next_funds is not None else self.carry.funds,
        )


EndOfDayHook = Callable[[dt.date, DayState], None]


def default_hooks() -> list[EndOfDayHook]:
    """The end-of-day hooks every run gets, in order: margin-rate changes (MARGIN-04/05,
    :func:`riskcore.sim.settle.margin_rate_hook`), forced position reduction (RED-01..05,
    :func:`riskcore.sim.reduce.reduction_hook`), the daily settlement (SETTLE-02/04,
    MARGIN-01/06, :func:`riskcore.sim.settle.settlement_hook`), guarantee funds and member
    defaults (FUND-01/02/03, :func:`riskcore.sim.funds.fund_hook`), position-limit breaches
    (POS-04, :func:`riskcore.sim.positions.limit_breach_hook`), large-trader reports
    (LTR-01/02, :func:`riskcore.sim.positions.large_trader_hook`) and the risk-warning
    triggers (WARN-01, :func:`riskcore.sim.warn.warning_hook`)."""
    return [
        settle_hooks.margin_rate_hook,
        reduce_hooks.reduction_hook,
        settle_hooks.settlement_hook,
        fund_hooks.fund_hook,
        position_hooks.limit_breach_hook,
        position_hooks.large_trader_hook,
        warn_hooks.warning_hook,
    ]


@dataclass(eq=False)
class RunRecords:
    """Raw output of :func:`run_scenario` (record arrays; the tables are built from it)."""

    scenario: Scenario
    index: Index
    orders: pl.DataFrame
    msgs: np.ndarray
    """Every message's ``target``, ``action`` and ``source`` (:data:`TABLE_MSG_DTYPE`)."""
    status: np.ndarray
    filled: np.ndarray
    reason: np.ndarray
    fills: np.ndarray
    prices: dict[str, list]
    events: list[dict[str, Any]]
    records: dict[str, list[pl.DataFrame]]
    timings: dict[str, float]
    final: Carry | None = None
    states: list[np.ndarray] = field(default_factory=list)
    """Market-state records (BRK-07) of every day, in the order they happened."""
    continued: saved.Continuation | None = None
    """A run continued from a saved state: how its tables are completed from the source."""
    state_run_id: str | None = None
    """Id of a run that saved its states (``summary.json["state"]["run_id"]``)."""
    trades_written: TableStream | None = None
    """The ``trades`` table being written while the run went on (``trades_to``): closed
    by :func:`riskcore.sim.result.save_records`."""
    orders_written: TableStream | None = None
    """The ``orders`` table being written since the last day's close (``orders_to``):
    closed by :func:`riskcore.sim.result.save_records`."""


def _schedule_rate(sc: Scenario, before: dt.date, upto: dt.date) -> MarginChange | None:
    """The last MARGIN-04 scheduled change dated in ``(before, upto]``, or ``None``."""
    change = None
    for ch in sc.rulebook.margin_schedule:
        if before < ch.date <= upto:
            change = ch
    return change


SMALL = 64 << 20
"""Bytes up to which a day's fill buffer is copied down to its rows (:meth:`_Day.take_fills`):
the C allocator may serve a buffer this small from memory already in use, so all of it
would stay resident while the run keeps the day's fills."""


def _day_fills(parts: Sequence[np.ndarray]) -> np.ndarray:
    """A day's fill batches as one array: a view when they follow each other in one buffer
    (:func:`_adjacent`) that is large or mostly written, else a copy of their rows."""
    f = _adjacent(parts)
    if f is None:  # batches of several buffers: a new array
        return np.concatenate(parts) if parts else np.zeros(0, FILL_DTYPE)
    if f.base is not None and 3 * f.base.nbytes > 4 * f.nbytes and f.base.nbytes <= SMALL:
        # a small buffer may come from reused heap memory, all of it resident: keep only
        # the rows (a large one is fresh memory, resident only where written)
        return f.copy()
    return f


def _adjacent(parts: Sequence[np.ndarray]) -> np.ndarray | None:
    """The batches ``parts`` as one view, when they follow each other in one buffer (the
    engine's fill buffer, :meth:`riskcore.engine.Engine.reserve_fills`); else ``None``.

    The buffer's unwritten rest is never touched, so the view holds no more memory than
    its rows, and joining a day's 9 million fills costs no copy (0.75 s and 600 MB before).
    """
    if not parts:
        return None
    if len(parts) == 1 and not isinstance(parts[0].base, np.ndarray):
        return parts[0]  # an array of its own
    base = parts[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or base.dtype != parts[0].dtype:
        return None
    size = base.itemsize
    start = parts[0].ctypes.data
    end = start
    for p in parts:
        if p.base is not base or p.ctypes.data != end or not p.flags.c_contiguous:
            return None
        end += len(p) * size
    first = (start - base.ctypes.data) // size
    return base[first : first + (end - start) // size]


def _book_trades(fills: np.ndarray) -> np.ndarray:
    """The fills of :data:`BOOK_KINDS` (``fills`` itself, not a copy, when all are)."""
    keep = np.isin(fills["kind"], BOOK_KINDS)
    return fills if bool(keep.all()) else fills[keep]


@dataclass(frozen=True)
class _BookSummary:
    """Per contract, the day's book trades (:data:`BOOK_KINDS`) in one pass (no loop over
    contracts): first, last, highest and lowest price (ticks; meaningless where ``trades``
    is 0), ``volume`` (lots) and ``trades`` (count)."""

    first: np.ndarray
    last: np.ndarray
    high: np.ndarray
    low: np.ndarray
    volume: np.ndarray
    trades: np.ndarray

    @classmethod
    def of(cls, book: np.ndarray, n_contracts: int) -> _BookSummary:
        c = book["contract"]
        require_indices(c, n_contracts, "fill contract indices")
        out = [np.empty(n_contracts, dtype=np.int64) for _ in range(6)]
        book_summary(c, book["price"], book["qty"], *out)
        return cls(*out)


def _last_book_price(parts: Sequence[np.ndarray], n_contracts: int) -> np.ndarray:
    """Last book-trade price per contract (ticks, -1 = none) from the day's fill batches
    (time order), read from the latest batches back: no concatenation of the day."""
    out = np.full(n_contracts, -1, dtype=np.int64)
    missing = np.ones(n_contracts, dtype=bool)
    for part in reversed(parts):
        book = _book_trades(part)
        if len(book) == 0:
            continue
        s = _BookSummary.of(book, n_contracts)
        new = missing & (s.trades > 0)
        out[new] = s.last[new]
        missing &= ~new
        if not missing.any():
            break
    return out


def _locked(engine: Engine, last_price: np.ndarray, bands: DayBands) -> np.ndarray:
    """LIMIT-04 per contract, on the book just before the close.

    Locked up: the last price (``last_price``, ticks per contract, -1 = no book trade
    today, :func:`_last_book_price`) is the upper limit and bids rest unfilled at it
    (buyers could not trade); locked down: the last price is the lower limit and asks rest
    at it. Never on a day without a limit (LIMIT-02).
    """
    n_c = len(bands.band_lo)
    out = np.zeros(n_c, dtype=np.int8)
    for c in range(n_c):
        if not bands.has_limit[c] or last_price[c] < 0:
            continue
        last = int(last_price[c])
        d = engine.depth(c, levels=1)
        if last == bands.limit_hi[c] and d.bid_qty[0] > 0 and d.bid_price[0] == last:
            out[c] = LOCK_UP
        elif last == bands.limit_lo[c] and d.ask_qty[0] > 0 and d.ask_price[0] == last:
            out[c] = LOCK_DOWN
    return out


PRICE_COLUMNS = (
    "day",
    "symbol",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "open_interest",
    "settlement_price",
    "prev_settlement",
    "limit_up",
    "limit_down",
    "locked",
    "trades",
    "settlement_method",
)


@dataclass(eq=False)
class _Run:
    """What every day of a run shares: the messages, where they go, what was recorded."""

    sc: Scenario
    index: Index
    orders: pl.DataFrame
    msgs: FlowMessages | np.ndarray  # the flow's messages, then their table fields
    phase: np.ndarray
    live_idx: np.ndarray  # message numbers in a trading window, by time
    live_b: np.ndarray  # live_idx[live_b[d]:live_b[d + 1]] = day d's
    closed_idx: np.ndarray  # the others (rejected MARKET_CLOSED), by time
    closed_b: np.ndarray
    events: list[list[Event]]  # per trading day
    options: SimOptions
    hooks: list[EndOfDayHook]
    progress: Progress | None
    timings: dict[str, float]
    msgs_done_after: int | None = None
    """Day index after whose close the engine reads no more messages: ``msgs`` is then cut
    to the fields the tables read (:data:`TABLE_MSG_DTYPE`); ``None`` = kept whole (a run
    that saves its states digests them)."""
    reader: BlockReader = field(init=False)
    """Builds the blocks of flow messages the engine reads (the next while it reads one)."""
    status: np.ndarray = field(init=False)
    filled: np.ndarray = field(init=False)
    reason: np.ndarray = field(init=False)
    fills: list[np.ndarray] = field(default_factory=list)
    states: list[np.ndarray] = field(default_factory=list)
    event_rows: list[dict[str, Any]] = field(default_factory=list)
    prices: dict[str, list] = field(default_factory=lambda: {k: [] for k in PRICE_COLUMNS})
    records: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    n_trades: int = 0
    done: int = 0
    account_no: dict[str, int] = field(init=False)
    contract_no: dict[str, int] = field(init=False)
    desk: Desk = field(init=False)
    agents: AgentPlan | None = field(init=False)  # [[agents]] (riskcore.agents.runner)
    liq_events: list = field(default_factory=list)  # LIQ-01 ③-⑤ queued past a day's close
    liq_carried: np.ndarray | None = None  # LIQ-04: carried to the next day's first session
    trades_out: TableStream | None = None  # the trades table, written as fills are final
    orders_to: Path | None = None  # where to write the orders table once its rows are final
    orders_out: TableStream | None = None
    order_rows: OrderRows | None = None

    def start_orders(self) -> None:
        """Write the flow's ``orders`` rows on the other core from now on (they are final:
        the last day has closed); the liquidation desk's rows follow after the run."""
        self.orders_out, self.order_rows = orders_stream(
            self.orders_to, self.index, self.orders, self.msgs, self.status, self.filled,
            self.reason,
        )  # fmt: skip

    def drop_message_indexes(self) -> None:
        """Free what the day loop reads messages by (their phases, the day's message
        numbers, the block reader) once no message is left: 5 bytes a message."""
        self.reader.close()
        self.phase = self.phase[:0].copy()
        self.live_idx, self.closed_idx = self.live_idx[:0].copy(), self.closed_idx[:0].copy()

    def abort_streams(self) -> None:
        """A failed run: stop writing its tables, leave no temporary file."""
        for out in (self.trades_out, self.orders_out):
            if out is not None:
                out.abort()

    def add_fills(self, fills: np.ndarray) -> None:
        """Record end-of-day fills (trade numbers given), after the day's own."""
        self.fills.append(fills)
        if self.trades_out is not None:
            self.trades_out.add(fills)

    def __post_init__(self) -> None:
        n = len(self.msgs)
        self.desk = Desk(first_no=n)  # LIQ: liquidation orders are numbered after these
        self.status = np.zeros(n, dtype=np.int8)
        self.filled = np.zeros(n, dtype=np.int32)  # lots: a message's qty is int32
        self.reason = np.zeros(n, dtype=np.int8)
        # its buffers are zeroed once: blocks fill every field, so padding bytes stay zero
        self.reader = BlockReader(self.msgs, min(n, self.options.chunk_messages))
        self.account_no = {a: i for i, a in enumerate(self.index.accounts)}
        self.contract_no = {c: i for i, c in enumerate(self.index.contracts)}
        self.agents = AgentPlan.of(
            self.sc, self.account_no, self.contract_no, self.options.agent_step
        )


class _Day:
    """One trading day's engine and the bookkeeping around its calls."""

    def __init__(self, run: _Run, clk: DayClock, market: Market, carry: Carry) -> None:
        self.run = run
        self.clk = clk
        self.market = market
        self.engine = ENGINES[run.options.engine](market, record_events=False, pool_capacity=4096)
        self.fills: list[np.ndarray] = []
        n_a = run.index.n_accounts
        self.deposits = np.zeros(n_a)
        self.withdrawals = np.zeros(n_a)
        self.carry = carry
        self.next_rate = carry.base_rate.copy()  # MARGIN-04 base rate from today's settlement
        self.rate_changes: list[settle_hooks.RateChange] = []
        self.liquidation_due = np.zeros(n_a, dtype=np.int8)
        # POS-01 limits in force now and for the next day (position_limit events)
        self.pos_limit = np.array(market.contracts["pos_limit"], dtype=np.int64)
        self.limit_handoffs = np.zeros(0, dtype=HANDOFF_DTYPE)  # LIQ-01 ② hand-offs today
        n_ses = len(clk.sessions)
        cure = run.sc.rulebook.limit_cure_sessions
        self.cure_session = min(max(int(cure), 1), n_ses) - 1  # POS-04 window's last session
        self.liq = DayLiquidation(
            desk=run.desk, day=clk.day, engine=self.engine, market=market, carry=carry,
            index=run.index, rulebook=run.sc.rulebook, avg_long=carry.avg_long,
            avg_short=carry.avg_short, n_sessions=n_ses, events=run.liq_events,
        )  # fmt: skip
        if run.liq_carried is not None and len(run.liq_carried):  # LIQ-04
            self.liq.pending = run.liq_carried
            run.liq_carried = None
        self.agents = None  # [[agents]]: one DayAgents per day (riskcore.agents.runner)
        if run.agents is not None:
            self.agents = DayAgents(
                run.agents, run.desk, self.engine, clk.day, clk.sessions, carry.prev_settle,
                run.index.tick, self.fills, run.timings,
            )  # fmt: skip

    # --- [[agents]] (riskcore.agents.runner) ---------------------------------------------------
    def agent_top_ups(self) -> None:
        """Before the open: ``top_up`` agents pay their margin calls (deposit events)."""
        if self.agents is not None:
            at = self.clk.open - NS
            for ev in self.agents.top_ups(self.carry.margin_call, at, self.run.index):
                self.apply(ev)

    def agent_breakpoints(self) -> list[tuple[int, int, int, str, Any]]:
        """The day's agent steps as breakpoints (after the events at the same instant)."""
        if self.agents is None:
            return []
        return [(int(t), 5, k, "agents", None) for k, t in enumerate(self.agents.times())]

    def agent_step(self, t: int) -> None:
        """One agent step at ``t``: every group acts, one engine call."""
        self.keep(self.agents.step(t))

    def agents_finish(self) -> None:
        """After ``expire``: the day's agent messages and their states to the desk."""
        if self.agents is not None:
            self.run.done += self.agents.finish()

    def submit(self, idx: np.ndarray, phase: int) -> None:
        """Submit messages ``idx`` in ``phase``, in chunks of ``chunk_messages``."""
        run = self.run
        step = run.options.chunk_messages
        parts = [idx[k : k + step] for k in range(0, len(idx), step)]
        blocks = run.reader.read(parts)
        for part in parts:
            t = perf_counter()
            batch_msgs = next(blocks)  # the next one is built meanwhile
            run.timings["prepare"] += perf_counter() - t
            t = perf_counter()
            batch = self.engine.submit(batch_msgs, phase=phase)
            run.timings["kernel"] += perf_counter() - t
            self.keep(batch)
            run.done += len(part)
            if run.progress is not None:
                run.progress(run.done, len(run.msgs), self.clk.day)

    def submit_live(self, idx: np.ndarray) -> None:
        """Submit live messages in runs of equal phase (auction, continuous)."""
        if len(idx) == 0:
            return
        ph = self.run.phase[idx]
        for part in np.split(idx, np.flatnonzero(np.diff(ph)) + 1):
            self.submit(part, int(self.run.phase[part[0]]))

    def call(self, fn: Callable, *args) -> None:
        """An engine call; keep the fills and market states it returns."""
        t = perf_counter()
        batch = fn(*args)
        self.run.timings["kernel"] += perf_counter() - t
        self.keep(batch)

    def keep(self, batch) -> None:
        if batch is None:
            return
        if len(batch.fills):
            run = self.run
            batch.fills["trade_no"] += run.n_trades  # global numbers: final from now on
            batch.fills.flags.writeable = False  # final: a hook cannot change written rows
            self.fills.append(batch.fills)
            if run.trades_out is not None:  # written on the other core while trading goes on
                run.trades_out.add(batch.fills)
        states = getattr(batch, "states", None)  # market-state records (BRK-07), if any
        if states is not None and len(states):
            self.run.states.append(states)

    def take_fills(self) -> np.ndarray:
        """The day's fills so far (trade numbers global since :meth:`keep`), as one array
        that holds no more memory than its rows; the batches are let go (the list is
        emptied), so the end of day does not hold them twice."""
        f = _day_fills(self.fills)
        self.fills.clear()
        f.flags.writeable = False  # DayState.fills: read-only, however many batches
        return f

    def apply(self, ev: Event) -> None:
        """Apply an administrative event now (between chunks)."""
        run = self.run
        before = self.next_rate.copy()
        limit_before = self.pos_limit.copy()
        row = admin.apply_event(
            ev, self.engine, run.account_no, run.contract_no, self.deposits,
            self.withdrawals, self.next_rate, self.pos_limit,
        )  # fmt: skip
        run.event_rows.append(row)
        if ev.kind in liquidate.EVENT_TRIGGERS and row["status"] == admin.APPLIED:
            a = run.account_no[ev.account]
            c = -1 if ev.symbol is None else run.contract_no[ev.symbol]
            q = -1 if ev.qty is None else int(ev.qty)
            self.liq.add_event(a, c, q, liquidate.EVENT_TRIGGERS[ev.kind])
        elif ev.kind == "margin_rate" and row["status"] == admin.APPLIED:
            c = run.contract_no[ev.symbol]
            change = settle_hooks.RateChange.event(c, before[c], self.next_rate[c], ev)
            self.rate_changes.append(change)
        elif ev.kind == "position_limit" and row["status"] == admin.APPLIED:
            rows = position_hooks.position_limit_notices(
                self.clk.day, ev, limit_before, self.pos_limit, run.index
            )
            run.records.setdefault("notices", []).append(notices_table(rows))

    def session_start(self, k: int, t: int) -> None:
        """At the start of session ``k`` (after ``open_session``): forced-liquidation orders
        (LIQ-02: the member phase of ① in the first session, the exchange phase after it;
        :mod:`riskcore.sim.liquidate`)."""
        t0 = perf_counter()
        for batch in self.liq.session_start(k, t, self.liquidation_due):
            self.keep(batch)
        self.run.timings["kernel"] += perf_counter() - t0

    def session_end(self, k: int, t: int) -> None:
        """After session ``k`` (0-based) closed at ``t``: at the end of the POS-04 cure
        window, the previous settlement's position-limit breaches are cured or handed to
        forced liquidation (LIQ-01 ②, :func:`riskcore.sim.positions.cure_window`); at the end
        of the member's sessions, the unfilled member-phase liquidation goes to the exchange
        (LIQ-02)."""
        run = self.run
        handoffs = None
        if k == self.cure_session:
            handoffs, frame = position_hooks.cure_window(
                self.carry, self.engine, run.index, self.pos_limit, t
            )
            self.limit_handoffs = handoffs
            if frame is not None:
                run.records.setdefault("limit_breaches", []).append(frame)
        for batch in self.liq.session_end(k, t, handoffs if LIQUIDATE_LIMIT_HANDOFFS else None):
            self.keep(batch)

    def schedule(self, rate: float, date: dt.date) -> None:
        """MARGIN-04: the rulebook's scheduled rate ``rate`` (dated ``date``) becomes every
        contract's base rate from this day's settlement."""
        name = self.run.sc.rulebook.name
        for c in range(len(self.next_rate)):
            old = float(self.next_rate[c])
            self.next_rate[c] = rate
            self.rate_changes.append(settle_hooks.RateChange.scheduled(c, old, rate, name, date))

    def pre_open(self) -> None:
        """MARGIN-06: the previous settlement's margin calls meet their deadline (after the
        pre-open events): unpaid → restricted today and forced liquidation due."""
        run = self.run
        self.liquidation_due = settle_hooks.open_margin_calls(
            self.carry, self.engine, run.index, self.clk.open, run.records
        )


def _prepare(
    sc: Scenario,
    options: SimOptions,
    hooks: list[EndOfDayHook],
    progress: Progress | None,
    timings: dict[str, float],
) -> tuple[_Run, list[DayClock], list[Event]]:
    """Messages, their phases and days, the day clocks, the events per day."""
    index = Index.of(sc)
    orders = sc.orders
    at = orders["at"].to_numpy()
    if len(at) > 1 and not bool(np.all(at[1:] >= at[:-1])):
        orders = orders[np.argsort(at, kind="stable")]
    msgs = FlowMessages(
        orders,
        index.accounts,
        index.contracts,
        index.tick,
        max_market_order_qty=sc.rulebook.max_market_order_qty,
    )
    cal = sc.calendar
    clocks = day_clocks(
        cal.trading_days, cal.sessions, cal.auction, cal.last_day_close, index.last_day
    )
    cls = classify(msgs.ts, msgs.contracts(), clocks, index.last_day)
    phase = cls.phase
    # message numbers as int32 when they fit (20 million messages: 80 MB less)
    idx_type = np.int32 if len(msgs) < np.iinfo(np.int32).max else np.int64
    closed = phase == PHASE_CLOSED
    if closed.any():
        live_idx = np.flatnonzero(~closed).astype(idx_type)
        closed_idx = np.flatnonzero(closed).astype(idx_type)
    else:  # the usual flow: every message in trading hours
        live_idx, closed_idx = np.arange(len(phase), dtype=idx_type), np.zeros(0, idx_type)
    del closed
    days = np.arange(len(clocks) + 1)
    per_day, outside = _events_by_day(sc.events, clocks)
    run = _Run(
        sc=sc,
        index=index,
        orders=orders,
        msgs=msgs,
        phase=phase,
        live_idx=live_idx,
        live_b=np.searchsorted(cls.engine_day[live_idx], days),
        closed_idx=closed_idx,
        closed_b=np.searchsorted(cls.engine_day[closed_idx], days),
        events=per_day,
        options=options,
        hooks=hooks,
        progress=progress,
        timings=timings,
    )
    return run, clocks, outside


def _events_by_day(events: Sequence[Event], clocks: list[DayClock]) -> tuple[list, list]:
    """Events per trading-day index, and those outside the run's days."""
    pos = {c.day: c.index for c in clocks}
    per: list[list[Event]] = [[] for _ in clocks]
    outside = []
    for ev in events:
        d = pos.get(ev.at.date())
        if d is None:
            outside.append(ev)
        else:
            per[d].append(ev)
    return per, outside


def _trade(run: _Run, day: _Day, d: int) -> np.ndarray:
    """Pre-open events, the call auction and the continuous sessions of day ``d``; returns
    the message numbers submitted (in the auction and the sessions)."""
    clk, engine = day.clk, day.engine
    evs = run.events[d]
    for ev in evs:
        if ev.at_ns < clk.open:
            day.apply(ev)
    day.agent_top_ups()
    day.pre_open()
    # breakpoints (time, priority, seq, kind, payload); at one instant: the auction's
    # uncross, a session's end, a session's start, events
    bps: list[tuple[int, int, int, str, Any]] = []
    if clk.auction is not None:
        bps.append((clk.auction[1], 0, 0, "auction", None))
    for k, (s0, s1) in enumerate(clk.sessions):
        bps.append((int(s1), 1, k, "session_end", k))
        bps.append((int(s0), 2, k, "session_start", k))
    for k, ev in enumerate(evs):
        if clk.open <= ev.at_ns < clk.close:
            bps.append((ev.at_ns, 4, k, "event", ev))
    bps += day.agent_breakpoints()
    bps.sort(key=lambda b: b[:3])
    idx = run.live_idx[run.live_b[d] : run.live_b[d + 1]]
    ts = run.msgs.ts  # nondecreasing in the message number (the flow is sorted by time)
    pos = 0
    for t, _, _, kind, payload in bps:
        # messages before t go first: the first message number at t or later, then its
        # place among the day's (no copy of the day's times)
        j = int(np.searchsorted(idx, bisect.bisect_left(ts, t), side="left"))
        if j > pos:
            day.submit_live(idx[pos:j])
            pos = j
        if kind == "auction":
            day.call(engine.run_auction, t)
        elif kind == "session_start":  # BRK-02..04: the breaker's clocks run while trading
            day.call(engine.open_session, t)
            day.session_start(payload, t)
        elif kind == "session_end":
            day.call(engine.close_session, t)
            day.session_end(payload, t)
        elif kind == "agents":
            day.agent_step(t)
        else:
            day.apply(payload)
    day.submit_live(idx[pos:])
    return idx


def _span(*parts: np.ndarray) -> tuple[int, int]:
    """``(lowest, highest + 1)`` of increasing message numbers in ``parts`` ((0, 0) if
    none)."""
    held = [p for p in parts if len(p)]
    if not held:
        return 0, 0
    return min(int(p[0]) for p in held), max(int(p[-1]) for p in held) + 1


def _run_day(run: _Run, d: int, clk: DayClock, carry: Carry, prev_day: dt.date) -> Carry:
    """One trading day from its starting state to the next day's (module docstring)."""
    sc, index, timings = run.sc, run.index, run.timings
    t0 = perf_counter()
    market, bands = day_market(
        sc, index, carry, clk.day, no_limit_range=run.options.no_limit_range, close_ns=clk.close
    )
    day = _Day(run, clk, market, carry)
    engine = day.engine
    # the day's order numbers are known: per-order states allocated once, not by doubling
    last = [
        int(ix[b[d + 1] - 1])
        for ix, b in ((run.live_idx, run.live_b), (run.closed_idx, run.closed_b))
        if b[d + 1] > b[d]
    ]
    engine.reserve_orders(max(last, default=-1) + 1)
    # room for a fill per message: the day's fill batches stay adjacent (take_fills)
    n_day = sum(int(b[d + 1] - b[d]) for b in (run.live_b, run.closed_b))
    engine.reserve_fills(n_day + 1024)
    sched = _schedule_rate(sc, prev_day, clk.day)
    if sched is not None:  # MARGIN-04: in force from this day's settlement
        day.schedule(sched.rate, sched.date)
    timings["prepare"] += perf_counter() - t0

    n_states = len(run.states)
    idx = _trade(run, day, d)
    # BRK-07, UNIT-03: no records of expired contracts, a last day's own close time
    run.states[n_states:] = contract_states(run.states[n_states:], clk, index.last_day)

    t0 = perf_counter()
    n_c = index.n_contracts  # LIMIT-04, on the book at the close
    locked = _locked(engine, _last_book_price(day.fills, n_c), bands)
    # RED-01: close orders resting at the limit on the locked side, before they expire
    requested = reduce_hooks.requested_lots(engine, locked, bands.limit_lo, bands.limit_hi)
    carried = day.liq.carried()  # LIQ-04: ③-⑤ remainders to the next day
    timings["end_of_day"] += perf_counter() - t0
    day.call(engine.expire, clk.close)
    liq_rows = day.liq.finish()
    day.agents_finish()
    run.records.setdefault("liquidations", []).append(
        empty("liquidations") if liq_rows is None else liq_rows
    )
    cidx = run.closed_idx[run.closed_b[d] : run.closed_b[d + 1]]
    day.submit(cidx, PHASE_CLOSED)
    for ev in run.events[d]:
        if ev.at_ns >= clk.close:
            day.apply(ev)
    if d == run.msgs_done_after:  # 56 -> 10 bytes a message before the end of day
        run.msgs = _table_fields(run.msgs)

    t0 = perf_counter()
    first, stop = _span(idx, cidx)
    if stop - first == len(idx) + len(cidx):  # the day's messages are consecutive
        states = engine.order_status_range(first, stop)
        run.status[first:stop], run.filled[first:stop], run.reason[first:stop] = states
    else:
        for part in (idx, cidx):
            run.status[part], run.filled[part], run.reason[part] = engine.order_status(part)
        del part
    if d == run.msgs_done_after:  # no message is left: the day loop's indexes go
        del idx, cidx
        run.drop_message_indexes()
        if run.orders_to is not None:
            run.start_orders()  # encoded beside this end of day
    fills = day.take_fills()
    run.n_trades += len(fills)
    run.fills.append(fills)  # streamed batch by batch already (_Day.keep)
    positions = engine.positions()
    avg_long, avg_short = _average_prices(carry, positions)
    book = _book_trades(fills)
    settle, method = settlement_prices(
        book["ts"],
        book["contract"],
        book["price"],
        book["qty"],
        sessions=clk.contract_sessions,
        window=int(sc.rulebook.settlement_window) * NS,
        prev_settle=carry.prev_settle,
        band_lo=bands.limit_lo,
        band_hi=bands.limit_hi,
        tick=index.tick,
        benchmark=run.contract_no.get(sc.rulebook.settlement_benchmark or "", -1),
    )
    accounts = engine.account_state()
    state = DayState(
        day=clk.day,
        clock=clk,
        index=index,
        scenario=sc,
        market=market,
        bands=bands,
        engine=engine,
        fills=fills,
        positions=positions,
        accounts=accounts,
        prev_settle=carry.prev_settle.copy(),
        settlement=settle,
        settlement_method=method,
        locked=locked,
        deposits=day.deposits,
        withdrawals=day.withdrawals,
        next_long=positions["long_yd"] + positions["long_td"],
        next_short=positions["short_yd"] + positions["short_td"],
        next_margin_rate=day.next_rate.copy(),
        next_restricted=accounts["restricted"].copy(),  # as at the close (MARGIN-06)
        credit=np.zeros(index.n_accounts),
        records=run.records,
        carry=carry,
        next_base_rate=day.next_rate,
        rate_changes=day.rate_changes,
        liquidation_due=day.liquidation_due,
        n_trades=run.n_trades,
        next_pos_limit=day.pos_limit.copy(),
        limit_handoffs=day.limit_handoffs,
        next_reports=carry.reports,
        avg_long=avg_long,
        avg_short=avg_short,
        requested=requested,
    )
    for hook in run.hooks:
        hook(clk.day, state)
    for extra in state.extra_fills:
        run.add_fills(extra)
    run.n_trades = state.n_trades
    run.liq_carried = _carry_after_reduction(carried, state)
    _price_rows(run.prices, state, _BookSummary.of(book, n_c))
    nxt = state.carry_forward()
    if run.options.check_invariants:
        _check_day(state, carry, nxt)
    timings["end_of_day"] += perf_counter() - t0
    return nxt


def _carry_after_reduction(carried: np.ndarray, state: DayState) -> np.ndarray:
    """LIQ-04 carry less the lots a forced reduction (RED-01) closed that evening for the
    account as a requester on that contract and side (its resting close orders, the
    liquidation's among them, were what it requested), capped at the position left."""
    if len(carried) == 0:
        return carried
    out = carried.copy()
    frames = state.records.get("reductions") or []
    red = frames[-1] if frames else None
    if red is not None and len(red):
        req = red.filter(
            (pl.col("day") == state.day) & pl.col("role").is_in(["requester", "self_offset"])
        )
        acc_no = {a: i for i, a in enumerate(state.index.accounts)}
        con_no = {c: i for i, c in enumerate(state.index.contracts)}
        for r in req.iter_rows(named=True):
            a, c = acc_no[r["account"]], con_no[r["symbol"]]
            side = BUY if r["side"] == SIDE_NAMES[BUY] else SELL
            left = int(r["qty"])
            for i in np.flatnonzero(
                (out["account"] == a) & (out["contract"] == c) & (out["side"] == side)
            ):
                take = min(left, int(out["qty"][i]))
                out["qty"][i] -= take
                left -= take
    held = np.stack([state.next_long, state.next_short], axis=-1)
    sx = np.where(out["side"] == SELL, 0, 1)
    out["qty"] = np.minimum(out["qty"], held[out["account"], out["contract"], sx])
    return out[out["qty"] > 0]


def _average_prices(carry: Carry, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average open price of the lots held at the close, ticks (0 where none), vectorised:
    yesterday's lots keep their average, today's lots add their cost (the engine's
    ``long_td_cost``/``short_td_cost``). For RED-03 and LIQ-03 ``largest-loss``."""
    out = []
    for yd, td, cost, avg in (
        ("long_yd", "long_td", "long_td_cost", carry.avg_long),
        ("short_yd", "short_td", "short_td_cost", carry.avg_short),
    ):
        lots = (positions[yd] + positions[td]).astype(np.float64)
        total = avg * positions[yd] + positions[cost].astype(np.float64)
        out.append(np.divide(total, lots, out=np.zeros_like(lots), where=lots > 0))
    return out[0], out[1]


def _check_day(state: DayState, carry: Carry, nxt: Carry) -> None:
    """SETTLE-03 after a day (``SimOptions.check_invariants``) and the engine's invariants."""
    index, method = state.index, state.market.margin_method
    tv = index.tick_value
    before = carry.reserve + position_margin(
        carry.long_yd, carry.short_yd, carry.prev_settle, tv, carry.margin_rate, method
    )
    after = nxt.reserve + position_margin(
        nxt.long_yd, nxt.short_yd, nxt.prev_settle, tv, nxt.margin_rate, method
    )
    settled = state.settled
    check_conservation(
        long=nxt.long_yd,
        short=nxt.short_yd,
        pnl_ticks=None if settled is None else settled.pnl_ticks,
        equity_before=None if settled is None else before,
        equity_after=after,
        deposits=state.deposits,
        withdrawals=state.withdrawals,
        fees=state.accounts["fees"],
        pnl=None if settled is None else settled.pnl_account,
        cover=state.default_cover,
        layers_paid=None if state.default_cover is None else state.fund_paid,
        where=state.day.isoformat(),
    )
    state.engine.check()


def trades_stream(path: Path, index: Index) -> TableStream:
    """The ``trades`` table of a run on ``index``, written to ``path`` from its fills
    (``FILL_DTYPE``) as they are added."""
    build = partial(
        trades_table, accounts=index.accounts, contracts=index.contracts, tick=index.tick
    )
    return TableStream(path, FILL_DTYPE, build, SCHEMAS["trades"])


def run_scenario(
    sc: Scenario,
    *,
    hooks: Sequence[EndOfDayHook] | None = None,
    progress: Progress | None = None,
    options: SimOptions | None = None,
    save_state: str | Path | None = None,
    start_from: saved.SavedState | None = None,
    trades_to: str | Path | None = None,
    orders_to: str | Path | None = None,
) -> RunRecords:
    """Run every trading day of ``sc`` and return the raw records.

    Parameters
    ----------
    sc : Scenario
        A loaded scenario.
    hooks : sequence of callables, optional
        End-of-day hooks ``hook(day, state)`` run after the settlement price, in order;
        default :func:`default_hooks`.
    progress : callable, optional
        ``progress(done_messages, total_messages, day)`` after every chunk.
    options : SimOptions, optional
    save_state : str or Path, optional
        A run folder: after every day, its end-of-day state is saved to
        ``save_state/state/YYYY-MM-DD/`` (:mod:`riskcore.sim.state`; earlier runs' state
        folders there are removed). Save the result's tables to the same folder.
    start_from : riskcore.sim.state.SavedState, optional
        Continue after the state's day (:func:`riskcore.sim.state.load_state` of
        ``RUN_DIR/state/YYYY-MM-DD``): the days up to it are skipped, the counters (order,
        trade and liquidation numbers) go on from it, and the tables are completed with
        ``RUN_DIR``'s rows up to that day (:meth:`riskcore.sim.state.Continuation.merge`).
    trades_to : str or Path, optional
        Write the ``trades`` table to this file while the run goes on, each row group as
        soon as its fills are final (:class:`riskcore.output.stream.TableStream`; its
        folder is created); :attr:`RunRecords.trades_written` is to be closed by the
        caller. Not with ``start_from`` (a continued run's tables start with the source
        run's rows).
    orders_to : str or Path, optional
        Write the ``orders`` table to this file from the last day's close on, while the
        end of day runs (:mod:`riskcore.sim.order_rows`); :attr:`RunRecords.orders_written`
        is to be closed by the caller. Not with ``start_from``; with ``save_state`` the
        table is left to the caller.

    Returns
    -------
    RunRecords

    Raises
    ------
    riskcore.sim.state.StateError
        ``start_from`` of another scenario, day or order flow, or nothing left to run.
    """
    timings = {"prepare": 0.0, "kernel": 0.0, "end_of_day": 0.0}
    t0 = perf_counter()
    hooks = default_hooks() if hooks is None else list(hooks)
    run, clocks, outside = _prepare(sc, options or SimOptions(), hooks, progress, timings)
    carry = initial_carry(sc, run.index)
    prev_day = (clocks[0].day if clocks else sc.start) - dt.timedelta(days=1)
    first, run_id, cont = 0, None, None
    if start_from is not None:  # skip the saved days (riskcore.sim.state)
        carry, prev_day, first = saved.resume(run, clocks, start_from)
        cont = saved.continuation(run, start_from, saved.check_source(start_from))
    if save_state is None and clocks:
        run.msgs_done_after = len(clocks) - 1
    if save_state is not None:
        run_id = saved.new_run_id()
        saved.clear_states(save_state)
    if trades_to is not None:
        if start_from is not None:
            raise ValueError("trades_to cannot be used with start_from")
        Path(trades_to).parent.mkdir(parents=True, exist_ok=True)
        run.trades_out = trades_stream(Path(trades_to), run.index)
    if orders_to is not None:
        if start_from is not None:
            raise ValueError("orders_to cannot be used with start_from")
        Path(orders_to).parent.mkdir(parents=True, exist_ok=True)
        run.orders_to = Path(orders_to)
    timings["prepare"] += perf_counter() - t0
    try:
        for d, clk in enumerate(clocks):
            if d < first:
                continue
            carry = _run_day(run, d, clk, carry, prev_day)
            prev_day = clk.day
            if save_state is not None:
                saved.save_day(save_state, run, carry, clocks, d, run_id, start_from)
        return _finish(run, carry, outside, cont, run_id)
    except BaseException:  # no half-written trades or orders table is left behind
        run.abort_streams()
        raise
    finally:
        run.reader.close()


def _finish(
    run: _Run,
    carry: Carry,
    outside: list[Event],
    cont: saved.Continuation | None,
    run_id: str | None,
) -> RunRecords:
    """After the last day: what falls due after the run, events outside it, the
    liquidation desk's orders after the scenario's; the run's records."""
    sc, timings = run.sc, run.timings
    # MARGIN-06: calls of the last settlement fall due after the run
    settle_hooks.pending_margin_calls(carry, run.index, sc.calendar, run.records)
    # POS-04: breaches of the last settlement have their cure window after the run
    pending = position_hooks.pending_breaches(
        carry, run.index, sc.calendar, sc.rulebook.limit_cure_sessions
    )
    if pending is not None:
        run.records.setdefault("limit_breaches", []).append(pending)
    # events on no day of the run (a `days` override can cut the run short)
    for ev in outside:
        run.event_rows.append(admin.event_row(ev, "outside_run", "not on one of the run's days"))
    run.event_rows.sort(key=lambda r: r["at"])  # stable: one instant keeps file order
    orders, msgs = run.orders, run.msgs
    status, filled, reason = run.status, run.filled, run.reason
    if run.desk.n:  # LIQ: the liquidation messages, numbered after the scenario's
        orders = orders.with_columns(pl.col("client_id").cast(pl.String))  # liq-N beside
        client_ids = orders["client_id"]  # text now; gathered by target, not listed
        orders = pl.concat([orders, run.desk.order_rows(run.index, client_ids, orders)])
        msgs = np.concatenate([_table_fields(msgs), _table_fields(run.desk.all_msgs())])
        st, fl, rs = run.desk.arrays()
        status = np.concatenate([status, st.astype(status.dtype)])
        filled = np.concatenate([filled, fl.astype(filled.dtype)])
        reason = np.concatenate([reason, rs.astype(reason.dtype)])
    msgs = _table_fields(msgs)  # the engine's 56-byte messages are done with
    if run.orders_out is not None:  # the desk's rows join the flow's being written
        run.order_rows.update(orders, msgs, status, filled, reason)
        run.orders_out.add(row_records(orders.height - run.orders.height))
    return RunRecords(
        scenario=sc,
        index=run.index,
        orders=orders,
        msgs=msgs,
        status=status,
        filled=filled,
        reason=reason,
        fills=_joined(run.fills),
        prices=run.prices,
        events=run.event_rows,
        records=run.records,
        timings=timings,
        final=carry,
        states=run.states,
        continued=cont,
        state_run_id=run_id,
        trades_written=run.trades_out,
        orders_written=run.orders_out,
    )


TABLE_MSG_DTYPE = np.dtype([("target", np.int64), ("action", np.int8), ("source", np.int8)])
"""The message fields the tables read (:attr:`RunRecords.msgs`): 10 bytes a message."""


def _table_fields(msgs: FlowMessages | np.ndarray) -> np.ndarray:
    """``msgs`` (:class:`FlowMessages` or ``MSG_DTYPE``) cut to :data:`TABLE_MSG_DTYPE`
    (``msgs`` itself when it is cut already)."""
    if isinstance(msgs, FlowMessages):
        out = np.empty(len(msgs), dtype=TABLE_MSG_DTYPE)
        out["target"] = msgs.target
        out["action"] = msgs.actions()
        out["source"] = msgs.source
        return out
    if msgs.dtype == TABLE_MSG_DTYPE:
        return msgs
    out = np.empty(len(msgs), dtype=TABLE_MSG_DTYPE)
    for name in TABLE_MSG_DTYPE.names:
        out[name] = msgs[name]
    return out


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The run's fills as one array; a one-day run's own array (no copy of the day)."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, FILL_DTYPE)


def _price_rows(out: dict[str, list], state: DayState, book: _BookSummary) -> None:
    """Append the day's ``prices`` rows (contracts not yet expired), index points."""
    index = state.index
    day_no = (state.day - dt.date(1970, 1, 1)).days
    oi = state.next_long.sum(axis=0)
    for c in range(index.n_contracts):
        if day_no > index.last_day[c]:
            continue
        tick = float(index.tick[c])

        def px(ticks, tick=tick):
            return round(float(ticks) * tick, 9)

        has = bool(book.trades[c] > 0)
        has_limit = bool(state.bands.has_limit[c])
        out["day"].append(state.day)
        out["symbol"].append(index.contracts[c])
        out["open"].append(px(book.first[c]) if has else None)
        out["high"].append(px(book.high[c]) if has else None)
        out["low"].append(px(book.low[c]) if has else None)
        out["close"].append(px(book.last[c]) if has else None)
        out["volume"].append(int(book.volume[c]))
        out["open_interest"].append(int(oi[c]))
        out["settlement_price"].append(px(state.settlement[c]))
        out["prev_settlement"].append(px(state.prev_settle[c]))
        out["limit_up"].append(px(state.bands.limit_hi[c]) if has_limit else None)
        out["limit_down"].append(px(state.bands.limit_lo[c]) if has_limit else None)
        out["locked"].append(int(state.locked[c]))
        out["trades"].append(int(book.trades[c]))
        out["settlement_method"].append(SETTLE_METHOD_NAMES[int(state.settlement_method[c])])


__all__ = [
    "BOOK_KINDS",
    "DayState",
    "EndOfDayHook",
    "Progress",
    "RunRecords",
    "SimOptions",
    "default_hooks",
    "run_scenario",
]
