"""The pure-Python reference matching engine.

It implements ``docs/engine-semantics.md`` literally, one readable step at a time, and is the
oracle the numba engine (``riskcore.engine``) is tested against: same events in the same order,
same fills, and money bit-for-bit equal. Rules: MATCH-01..07, MARGIN-01..03, POS-01..04,
LIMIT-01..03, BRK-01..07, UNIT-01/02 (``RULES.md``).
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from riskcore.market import Market
from riskcore.records import (
    ACCOUNT_STATE_DTYPE,
    BUY,
    CANCEL,
    CLOSE,
    EV_ACCEPTED,
    EV_CANCELLED,
    EV_FILLED,
    EV_PARTIAL,
    EV_REJECTED,
    EVENT_DTYPE,
    FILL_DTYPE,
    FLAG_OFF_TICK,
    FOK,
    K_AUCTION,
    K_CONTINUOUS,
    K_LIQUIDATION,
    K_REDUCTION,
    LIMIT,
    LIVE_ORDER_DTYPE,
    MARKET,
    MARKET_STATE_DTYPE,
    MR_BREAKER_END,
    MR_LAST_DAY,
    MR_OPEN,
    MR_QUIET,
    MR_SESSION_END,
    MR_TOUCH_HELD,
    MR_TOUCH_LIFTED,
    MS_BREAKER,
    MS_CLOSED,
    MS_LIMIT,
    MS_NO_LIMIT,
    MS_NORMAL,
    MS_WATCH,
    MSG_DTYPE,
    NEW,
    NO_LIMIT,
    OPEN,
    PHASE_AUCTION,
    PHASE_CLOSED,
    PHASE_CONTINUOUS,
    POSITION_DTYPE,
    R_AUCTION_LIMIT_ONLY,
    R_BAD_QTY,
    R_EXPIRED,
    R_FOK_UNFILLED,
    R_INSUFFICIENT_FUNDS,
    R_IOC_REMAINDER,
    R_MARKET_CLOSED,
    R_MEMBER_LIMIT,
    R_NO_POSITION,
    R_NONE,
    R_OFF_TICK,
    R_POSITION_LIMIT,
    R_PRICE_OUT_OF_BAND,
    R_RESTRICTED,
    R_SELF_TRADE,
    R_UNKNOWN_ACCOUNT,
    R_UNKNOWN_ORDER,
    R_UNKNOWN_SYMBOL,
    R_USER_CANCEL,
    SELL,
    SRC_LIQUIDATION,
    SRC_REDUCTION,
    ST_ACCEPTED,
    ST_CANCELLED,
    ST_FILLED,
    ST_NONE,
    ST_PARTIAL,
    ST_REJECTED,
    STP_CANCEL_INCOMING,
    Batch,
    Depth,
)
from riskcore.reference.book import BookSide, Order
from riskcore.reference.breaker import (
    BREAKER_STATES,
    MarketState,
    initial_state,
    next_timer,
    state_band,
    touch_reason,
)
from riskcore.reference.state import (
    Account,
    ContractSpec,
    Exposure,
    Position,
    close_fee,
    freeze_per_lot,
    money_close,
    open_fee,
    position_margin,
)

PHASES = (PHASE_CLOSED, PHASE_AUCTION, PHASE_CONTINUOUS)


class Message(NamedTuple):
    """One row of a ``MSG_DTYPE`` array as Python ints (same field order)."""

    ts: int
    order_no: int
    target: int
    price: int
    account: int
    contract: int
    qty: int
    side: int
    offset: int
    type: int
    action: int
    flags: int
    source: int


def coerce_messages(msgs) -> np.ndarray:
    """Return ``msgs`` as a 1-D ``MSG_DTYPE`` array or raise ``ValueError``.

    Structured arrays with the same field names in another layout are converted field by field;
    lists of tuples go through ``np.asarray(msgs, dtype=MSG_DTYPE)``.
    """
    if isinstance(msgs, np.ndarray) and msgs.dtype != MSG_DTYPE:
        names = msgs.dtype.names
        if names is None:
            raise ValueError(
                f"messages must be a MSG_DTYPE structured array, got dtype {msgs.dtype}"
            )
        if set(names) != set(MSG_DTYPE.names):
            missing = sorted(set(MSG_DTYPE.names) - set(names))
            extra = sorted(set(names) - set(MSG_DTYPE.names))
            raise ValueError(
                f"message fields do not match MSG_DTYPE: missing {missing}, unexpected {extra}"
            )
        out = np.zeros(msgs.shape, dtype=MSG_DTYPE)
        for name in MSG_DTYPE.names:
            out[name] = msgs[name]
        msgs = out
    try:
        arr = np.asarray(msgs, dtype=MSG_DTYPE)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"messages cannot be converted to MSG_DTYPE: {exc}") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"messages must be a 1-D array, got shape {arr.shape}")
    return arr


def _bad_rows(mask: np.ndarray, arr: np.ndarray, what: str) -> None:
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise ValueError(
            f"malformed message at index {i} (order_no {int(arr['order_no'][i])}): {what}"
        )


class ReferenceEngine:
    """Readable pure-Python matching engine with pre-trade risk checks.

    Parameters
    ----------
    market : Market
        Contracts, accounts, investors, members, yesterday's positions and policies. It is
        copied; the engine never writes into it.

    Notes
    -----
    Book: per contract and side a ``SortedDict`` price (ticks) -> ``deque`` of live orders
    (``bids[c]``, ``asks[c]``, MATCH-01), plus ``live``: order_no -> resting order.
    State: ``accounts[a]``, ``pos[a][c]``, ``investor_exp[i][c]``, ``member_exp[m][c]``.
    Money is float64 CNY, prices int ticks, quantities int lots (UNIT-01).
    Price limits and the breaker (LIMIT, BRK): ``mstate[c]`` (a ``MarketState``) and the band
    in force ``band_lo[c]``, ``band_hi[c]``; transitions are appended to every Batch's
    ``states`` in the order they happen.
    """

    def __init__(
        self, market: Market, *, record_events: bool = True, pool_capacity: int = 1024
    ) -> None:
        # record_events and pool_capacity are the numba engine's storage options, accepted so
        # that the day loop can run on either engine; this engine keeps every event in lists
        # that grow as needed.
        market.validate()
        self.stp_policy = int(market.stp_policy)
        self.margin_method = int(market.margin_method)
        self.n_contracts = market.n_contracts
        self.n_accounts = market.n_accounts
        self.n_investors = market.n_investors
        self.n_members = int(market.n_members)
        self.specs = [ContractSpec.from_row(row) for row in market.contracts]
        self.band_lo = [int(x) for x in market.contracts["band_lo"]]
        self.band_hi = [int(x) for x in market.contracts["band_hi"]]
        # LIMIT/BRK state machine. The day starts with the Market's band (make_market's
        # ``band`` may override the band of the initial state; see MarketState.band_by_hand).
        self.breaker_trigger = int(market.breaker_trigger)
        self.breaker_duration = int(market.breaker_duration)
        self.quiet_from = int(market.quiet_from)
        self.mstate = []
        for c, spec in enumerate(self.specs):
            state = initial_state(spec)
            by_hand = (self.band_lo[c], self.band_hi[c]) != state_band(state, spec)
            self.mstate.append(MarketState(state=state, band_by_hand=by_hand))
        self.hedge_quota = [int(x) for x in market.hedge_quota]
        self.accounts = [
            Account(
                investor=int(row["investor"]),
                member=int(row["member"]),
                restricted=bool(row["restricted"]),
                reserve=float(row["reserve"]),
            )
            for row in market.accounts
        ]
        nc = self.n_contracts
        self.pos = [[Position() for _ in range(nc)] for _ in range(self.n_accounts)]
        self.investor_exp = [[Exposure() for _ in range(nc)] for _ in range(self.n_investors)]
        self.member_exp = [[Exposure() for _ in range(nc)] for _ in range(self.n_members)]
        for a, acct in enumerate(self.accounts):
            for c in range(nc):
                pos = self.pos[a][c]
                pos.long_yd = int(market.long_yd[a, c])
                pos.short_yd = int(market.short_yd[a, c])
                for exp in (self.investor_exp[acct.investor][c], self.member_exp[acct.member][c]):
                    exp.long += pos.long_yd
                    exp.short += pos.short_yd
                # MARGIN-01: the reserve given is already net of this margin.
                pos.margin = position_margin(pos, self.specs[c], self.margin_method)
                acct.margin += pos.margin

        self.bids = [BookSide(BUY) for _ in range(nc)]
        self.asks = [BookSide(SELL) for _ in range(nc)]
        self.live: dict[int, Order] = {}  # resting orders
        self.orders: dict[int, Order] = {}  # every accepted NEW order, live or done
        self.outcomes: dict[int, tuple[int, int, int]] = {}  # rejected messages, cancel requests
        self.prevented = [0] * self.n_investors  # MATCH-05 self-trade counters
        self.next_trade_no = 0
        self.auction_collecting = False  # a crossed book is legal only while this is True
        self._events: list[tuple] = []
        self._fills: list[tuple] = []
        self._states: list[tuple] = []

    # ------------------------------------------------------------------ public interface
    def submit(self, msgs, phase: int = PHASE_CONTINUOUS) -> Batch:
        """Process a time-ordered batch of messages in ``phase``.

        Parameters
        ----------
        msgs : array_like of MSG_DTYPE
            NEW and CANCEL messages; every ``order_no`` unique over the engine's life.
        phase : int
            ``PHASE_CLOSED`` (all rejected, MATCH-07), ``PHASE_AUCTION`` (limit orders
            collected, MATCH-06) or ``PHASE_CONTINUOUS`` (matched, MATCH-01).

        Returns
        -------
        Batch
            Events (``EVENT_DTYPE``), fills (``FILL_DTYPE``) and market-state transitions
            (``MARKET_STATE_DTYPE``), each in emission order.

        Notes
        -----
        In ``PHASE_CONTINUOUS`` the breaker timers due at or before a message's time fire
        before it, and the touch of the contract it concerned is evaluated after it (BRK-02).

        Raises
        ------
        ValueError
            If the batch is malformed (see :meth:`_validate`); nothing is processed then.
        """
        arr = self._validate(msgs, phase)
        if phase == PHASE_AUCTION:
            self.auction_collecting = True
        continuous = phase == PHASE_CONTINUOUS
        for row in arr.tolist():
            msg = Message._make(row)
            if continuous:
                self._fire_timers(msg.ts)
            if msg.action == NEW:
                self._on_new(msg, phase)
                concerned = msg.contract if 0 <= msg.contract < self.n_contracts else None
            else:
                concerned = self._on_cancel(msg, phase)
            if continuous and concerned is not None:
                self._touch(concerned, msg.ts)
        return self._take_batch()

    def open_session(self, ts: int) -> Batch:
        """A continuous session starts at ``ts`` (BRK-04, BRK-07).

        Fires the timers due at or before ``ts``, records the state in force of every
        contract (reason ``last_day`` on the contract's last trading day, LIMIT-02, else
        ``open``), then evaluates every contract's touch (BRK-02).
        """
        ts = int(ts)
        self._fire_timers(ts)
        for c, ms in enumerate(self.mstate):
            reason = MR_LAST_DAY if self.specs[c].last_day else MR_OPEN
            self._write_record(ts, c, ms.state, reason)  # not a transition: band unchanged
        for c in range(self.n_contracts):
            self._touch(c, ts)
        return self._take_batch()

    def close_session(self, ts: int) -> Batch:
        """A continuous session ends at ``ts`` (BRK-04).

        Fires the timers due at or before ``ts``; then a running breaker ends (the limit band
        takes effect) and a ``watch`` falls back to ``normal`` (the one-minute clock does not
        carry over a break); one ``closed`` record per contract with the band now in force.
        """
        ts = int(ts)
        self._fire_timers(ts)
        for c, ms in enumerate(self.mstate):
            if ms.state == MS_BREAKER:
                ms.breaker_until = None
                self._set_state(c, MS_LIMIT)
            elif ms.state == MS_WATCH:
                ms.watch_since = None
                ms.state = MS_NORMAL  # keeps the (breaker) band in force
            self._write_record(ts, c, MS_CLOSED, MR_SESSION_END)
        return self._take_batch()

    def adjust_reserve(self, account: int, amount: float) -> None:
        """Move ``amount`` CNY into (negative: out of) an account's free reserve (a deposit
        or a withdrawal between batches, SETTLE-02)."""
        self.accounts[account].reserve += float(amount)

    def set_restricted(self, flags) -> None:
        """Set every account's close-only flag (MARGIN-06: RESTRICTED accounts may only
        close)."""
        flags = list(flags)
        if len(flags) != len(self.accounts):
            raise ValueError(f"need one flag per account ({len(self.accounts)}), got {len(flags)}")
        for acct, flag in zip(self.accounts, flags, strict=True):
            acct.restricted = bool(flag)

    def set_position_limit(self, contract: int, lots: int) -> None:
        """POS-01 limit of ``contract`` from the next message on, lots per side per investor
        (``NO_LIMIT`` = none)."""
        self.specs[contract] = dataclasses.replace(self.specs[contract], pos_limit=int(lots))

    def reserve_orders(self, n_orders: int) -> None:
        """Nothing to do: per-order states live in a dict (the numba engine preallocates)."""

    def reserve_fills(self, n_fills: int) -> None:
        """Nothing to do: each batch's fills are an array of their own."""

    def n_live(self) -> int:
        """Number of resting orders."""
        return len(self.live)

    def live_orders(self) -> np.ndarray:
        """Every resting order (``LIVE_ORDER_DTYPE``), in :meth:`book` order."""
        rows = []
        for _c, _side, _price, no, _leaves in self.book():
            o = self.live[no]
            rows.append((o.order_no, o.price, o.account, o.contract, o.leaves, o.side,
                         o.offset, o.source))  # fmt: skip
        return np.array(rows, dtype=LIVE_ORDER_DTYPE)

    def market_state(self, contract: int) -> tuple[int, int, int]:
        """``(state, band_lo, band_hi)`` of ``contract``: its ``MS_*`` state (never
        ``MS_CLOSED``, which is a record only) and the band in force, ticks."""
        contract = int(contract)
        if not 0 <= contract < self.n_contracts:
            raise ValueError(f"unknown contract {contract}")
        return self.mstate[contract].state, self.band_lo[contract], self.band_hi[contract]

    def run_auction(self, ts: int) -> Batch:
        """Uncross every contract's book at one price per contract (MATCH-06)."""
        ts = int(ts)
        for c in range(self.n_contracts):
            self._uncross(c, ts)
        self.auction_collecting = False
        return self._take_batch()

    def expire(self, ts: int) -> Batch:
        """Cancel every resting order with ``R_EXPIRED`` (good-for-day orders at the close).

        Contract by contract: bids best price first (FIFO within a level), then asks.
        """
        ts = int(ts)
        for c in range(self.n_contracts):
            for side in (self.bids[c], self.asks[c]):
                for order in list(side.orders()):
                    self._cancel(order, R_EXPIRED, ts)
        return self._take_batch()

    def set_band(self, contract: int, lo: int, hi: int) -> None:
        """Set the acceptable price band ``[lo, hi]`` (ticks) of ``contract`` (LIMIT-03).

        New orders are checked against the new band and market orders trade only up to its
        edge. A band that would leave a resting order outside it is refused (``ValueError``):
        within a day the band only widens (breaker band to limit band, BRK-03), so a resting
        order can never end up outside the band and no trade happens outside it.
        """
        contract, lo, hi = int(contract), int(lo), int(hi)
        if not 0 <= contract < self.n_contracts:
            raise ValueError(f"unknown contract {contract}")
        spec = self.specs[contract]
        if not spec.ladder_lo <= lo <= hi <= spec.ladder_hi:
            raise ValueError(
                f"band [{lo}, {hi}] must be non-empty and inside the ladder "
                f"[{spec.ladder_lo}, {spec.ladder_hi}] of contract {contract}"
            )
        outside = [p for c, _side, p, _no, _q in self.book() if c == contract and not lo <= p <= hi]
        if outside:
            raise ValueError(
                f"band [{lo}, {hi}] would leave resting orders of contract {contract} outside it"
            )
        self.band_lo[contract] = lo
        self.band_hi[contract] = hi
        ms = self.mstate[contract]
        ms.band_by_hand = (lo, hi) != state_band(ms.state, spec)

    def book(self) -> list[tuple[int, int, int, int, int]]:
        """Resting orders as ``(contract, side, price, order_no, leaves)`` in priority order.

        Per contract: bids best first, then asks best first (FIFO within a level).
        """
        out = []
        for c in range(self.n_contracts):
            for side in (self.bids[c], self.asks[c]):
                for order in side.orders():
                    out.append((c, side.side, order.price, order.order_no, order.leaves))
        return out

    def depth(self, contract: int, levels: int = 5) -> Depth:
        """Best ``levels`` price levels of ``contract`` (ticks, lots), padded with zeros."""
        contract = int(contract)
        if not 0 <= contract < self.n_contracts:
            raise ValueError(f"unknown contract {contract}")
        arrays = []
        for side in (self.bids[contract], self.asks[contract]):
            price = np.zeros(levels, dtype=np.int64)
            qty = np.zeros(levels, dtype=np.int64)
            for i, (p, q) in enumerate(side.level_items()):
                if i >= levels:
                    break
                price[i], qty[i] = p, q
            arrays += [price, qty]
        return Depth(*arrays)

    def best_quote(self, contract: int) -> tuple[int, int]:
        """``(best bid, best ask)`` of ``contract``, ticks; -1 for an empty side."""
        bid, ask = self.bids[int(contract)].best_price(), self.asks[int(contract)].best_price()
        return (-1 if bid is None else bid), (-1 if ask is None else ask)

    def positions(self) -> np.ndarray:
        """Positions, ``POSITION_DTYPE`` array of shape (n_accounts, n_contracts)."""
        out = np.zeros((self.n_accounts, self.n_contracts), dtype=POSITION_DTYPE)
        for a in range(self.n_accounts):
            for c in range(self.n_contracts):
                p = self.pos[a][c]
                out[a, c] = (
                    p.long_yd, p.long_td, p.short_yd, p.short_td,
                    p.long_td_cost, p.short_td_cost,
                    p.pend_close_long, p.pend_close_short, p.margin,
                )  # fmt: skip
        return out

    def account_state(self) -> np.ndarray:
        """Money per account, ``ACCOUNT_STATE_DTYPE`` array of shape (n_accounts,)."""
        out = np.zeros(self.n_accounts, dtype=ACCOUNT_STATE_DTYPE)
        for a, acct in enumerate(self.accounts):
            out[a] = (
                acct.reserve, acct.frozen, acct.margin, acct.realised, acct.fees,
                acct.investor, acct.member, int(acct.restricted),
            )  # fmt: skip
        return out

    def order_status(self, order_nos) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(status, filled, reason)`` per order number; ``ST_NONE``/0/0 for unknown ones."""
        nos = np.atleast_1d(np.asarray(order_nos, dtype=np.int64))
        status = np.zeros(nos.shape, dtype=np.int64)
        filled = np.zeros(nos.shape, dtype=np.int64)
        reason = np.zeros(nos.shape, dtype=np.int64)
        for i, no in enumerate(nos.tolist()):
            order = self.orders.get(no)
            if order is not None:
                status[i], filled[i], reason[i] = order.status, order.filled, order.reason
            else:
                status[i], filled[i], reason[i] = self.outcomes.get(no, (ST_NONE, 0, R_NONE))
        return status, filled, reason

    def order_status_range(self, first: int, stop: int) -> tuple[np.ndarray, ...]:
        """:meth:`order_status` of the order numbers ``first .. stop - 1``."""
        return self.order_status(np.arange(first, stop))

    def self_trades(self) -> np.ndarray:
        """Prevented self-trades per investor (MATCH-05, for WARN-01)."""
        return np.array(self.prevented, dtype=np.int64)

    # ------------------------------------------------------------------ boundary
    def _validate(self, msgs, phase) -> np.ndarray:
        """Coerce ``msgs`` to ``MSG_DTYPE`` and reject malformed batches with ``ValueError``.

        Malformed: phase not a ``PHASE_*`` constant; action not NEW/CANCEL; side not BUY/SELL
        on a NEW; offset not OPEN/CLOSE; type not LIMIT..FOK; negative ``order_no``; an
        ``order_no`` repeated within the batch or used by an earlier message. Unknown
        accounts/contracts are not malformed: they are rejected per message (MATCH-07).
        """
        if (
            isinstance(phase, bool)
            or not isinstance(phase, int | np.integer)
            or phase not in PHASES
        ):
            raise ValueError(f"phase must be one of PHASE_CLOSED/AUCTION/CONTINUOUS, got {phase!r}")
        arr = coerce_messages(msgs)
        _bad_rows((arr["action"] != NEW) & (arr["action"] != CANCEL), arr, "action not in {0, 1}")
        is_new = arr["action"] == NEW
        _bad_rows(is_new & (arr["side"] != BUY) & (arr["side"] != SELL), arr, "side not in {1, 2}")
        _bad_rows((arr["offset"] != OPEN) & (arr["offset"] != CLOSE), arr, "offset not in {0, 1}")
        _bad_rows((arr["type"] < LIMIT) | (arr["type"] > FOK), arr, "type not in {0, 1, 2, 3}")
        _bad_rows(arr["order_no"] < 0, arr, "negative order_no")
        seen: set[int] = set()
        for i, no in enumerate(arr["order_no"].tolist()):
            if no in seen or no in self.orders or no in self.outcomes:
                raise ValueError(
                    f"malformed message at index {i}: duplicate order_no {no} "
                    "(order numbers must be unique over the engine's life)"
                )
            seen.add(no)
        return arr

    def _take_batch(self) -> Batch:
        events = np.array(self._events, dtype=EVENT_DTYPE)
        fills = np.array(self._fills, dtype=FILL_DTYPE)
        states = np.array(self._states, dtype=MARKET_STATE_DTYPE)
        self._events, self._fills, self._states = [], [], []
        return Batch(events, fills, states)

    # ------------------------------------------------------------------ market state
    def _write_record(self, ts: int, c: int, state: int, reason: int) -> None:
        """One ``MARKET_STATE_DTYPE`` record with the band now in force (BRK-07)."""
        self._states.append((ts, self.band_lo[c], self.band_hi[c], c, state, reason))

    def _set_state(self, c: int, state: int) -> None:
        """Contract ``c`` enters ``state`` and the band that state implies: the breaker band
        in normal/watch/breaker, the limit band in limit (BRK-01, -03, -04, -05)."""
        ms = self.mstate[c]
        ms.state = state
        self.band_lo[c], self.band_hi[c] = state_band(state, self.specs[c])
        ms.band_by_hand = False

    def _transition(self, ts: int, c: int, state: int, reason: int) -> None:
        """Contract ``c`` enters ``state`` at ``ts``; record it with the new band (BRK-07)."""
        self._set_state(c, state)
        self._write_record(ts, c, state, reason)

    def _fire_timers(self, ts: int) -> None:
        """Fire every breaker timer due at or before ``ts``, earliest first (ties: lower
        contract first), each recorded at its own due time. A transition may arm the next
        timer of the same contract (a breaker that starts and ends before ``ts``)."""
        while True:
            earliest = None  # (due, contract, reason)
            for c, ms in enumerate(self.mstate):
                timer = next_timer(ms, self.quiet_from, self.breaker_trigger)
                if timer is not None and timer[0] <= ts:
                    if earliest is None or timer[0] < earliest[0]:
                        earliest = (timer[0], c, timer[1])
            if earliest is None:
                return
            due, c, reason = earliest
            ms = self.mstate[c]
            if reason == MR_TOUCH_HELD:  # BRK-02: the touch held for breaker_trigger
                ms.watch_since = None
                ms.breaker_until = due + self.breaker_duration
                self._transition(due, c, MS_BREAKER, MR_TOUCH_HELD)
            elif reason == MR_BREAKER_END:  # BRK-03: the limit band from now on
                ms.breaker_until = None
                self._transition(due, c, MS_LIMIT, MR_BREAKER_END)
            else:  # MR_QUIET, BRK-05: no breaker starts from now on, the limit band holds
                ms.watch_since = None
                self._transition(due, c, MS_LIMIT, MR_QUIET)

    def _touch(self, c: int, ts: int) -> None:
        """Evaluate the touch of contract ``c`` at ``ts`` (BRK-02): ``normal`` -> ``watch``
        when the best bid is at the upper breaker price or the best ask at the lower one;
        ``watch`` -> ``normal`` when neither holds any more."""
        ms = self.mstate[c]
        if ms.state not in (MS_NORMAL, MS_WATCH):
            return
        reason = touch_reason(self.specs[c], self.bids[c].best_price(), self.asks[c].best_price())
        # normal <-> watch keeps the band in force (both are breaker-band states)
        if ms.state == MS_NORMAL and reason is not None:
            ms.watch_since = ts
            ms.state = MS_WATCH
            self._write_record(ts, c, MS_WATCH, reason)
        elif ms.state == MS_WATCH and reason is None:
            ms.watch_since = None
            ms.state = MS_NORMAL
            self._write_record(ts, c, MS_NORMAL, MR_TOUCH_LIFTED)

    # ------------------------------------------------------------------ events
    def _emit(self, ts, order_no, account, contract, qty, leaves, kind, reason, side) -> None:
        self._events.append((ts, order_no, account, contract, qty, leaves, kind, reason, side))

    def _order_event(self, order: Order, ts: int, kind: int, qty: int, reason: int = 0) -> None:
        self._emit(
            ts, order.order_no, order.account, order.contract, qty, order.leaves, kind, reason,
            order.side,
        )  # fmt: skip

    def _reject(self, msg: Message, reason: int) -> None:
        """MATCH-07: status REJECTED, one ``EV_REJECTED`` event, nothing else changes.

        The event carries the message's own fields; ``qty`` is the order qty of a NEW and 0
        for a CANCEL (a cancel request has no quantity).
        """
        qty = msg.qty if msg.action == NEW else 0
        self._emit(
            msg.ts, msg.order_no, msg.account, msg.contract, qty, 0, EV_REJECTED, reason,
            msg.side,
        )  # fmt: skip
        self.outcomes[msg.order_no] = (ST_REJECTED, 0, reason)

    # ------------------------------------------------------------------ NEW
    def _market_price(self, side: int, contract: int) -> int:
        """Worst price a market order may trade at: the band edge on its side (LIMIT-03)."""
        return self.band_hi[contract] if side == BUY else self.band_lo[contract]

    def _per_lot(self, msg: Message) -> float:
        """MARGIN-02 freeze per lot: at the limit price, or the band high for a market order."""
        px = self.band_hi[msg.contract] if msg.type == MARKET else msg.price
        return freeze_per_lot(px, self.specs[msg.contract])

    def _reject_reason(self, msg: Message, phase: int) -> int:
        """The first failing pre-trade check of a NEW message, or ``R_NONE`` (MATCH-07).

        The order of the checks is part of the contract (engine-semantics, "A message (NEW)").
        """
        if phase == PHASE_CLOSED:
            return R_MARKET_CLOSED
        if not 0 <= msg.account < self.n_accounts:
            return R_UNKNOWN_ACCOUNT
        if not 0 <= msg.contract < self.n_contracts:
            return R_UNKNOWN_SYMBOL
        c = msg.contract
        spec = self.specs[c]
        if msg.qty <= 0 or msg.qty > spec.max_order_qty:
            return R_BAD_QTY
        if phase == PHASE_AUCTION and msg.type != LIMIT:
            return R_AUCTION_LIMIT_ONLY  # MATCH-06
        if msg.type != MARKET and msg.flags & FLAG_OFF_TICK:
            return R_OFF_TICK  # UNIT-02
        if msg.type != MARKET and not self.band_lo[c] <= msg.price <= self.band_hi[c]:
            return R_PRICE_OUT_OF_BAND  # LIMIT-03, band edges inclusive
        acct = self.accounts[msg.account]
        is_open = msg.offset == OPEN
        if is_open and acct.restricted:
            return R_RESTRICTED
        pos = self.pos[msg.account][c]
        if not is_open:
            if msg.side == SELL:
                closable = pos.long_yd + pos.long_td - pos.pend_close_long
            else:
                closable = pos.short_yd + pos.short_td - pos.pend_close_short
            if msg.qty > closable:
                return R_NO_POSITION  # MATCH-03
        if is_open:
            inv = self.investor_exp[acct.investor][c]
            mem = self.member_exp[acct.member][c]
            # lots held plus lots in live opening orders, on the order's side (POS-01: 单边)
            if msg.side == BUY:
                inv_held, mem_held = inv.long + inv.pend_buy, mem.long + mem.pend_buy
            else:
                inv_held, mem_held = inv.short + inv.pend_sell, mem.short + mem.pend_sell
            if (
                spec.pos_limit != NO_LIMIT
                and inv_held + msg.qty > spec.pos_limit + self.hedge_quota[acct.investor]
            ):
                return R_POSITION_LIMIT  # POS-01, POS-03 (hedge quota exempt)
            if spec.member_limit != NO_LIMIT and mem_held + msg.qty > spec.member_limit:
                return R_MEMBER_LIMIT  # POS-02
            if float(msg.qty) * self._per_lot(msg) > acct.available:
                return R_INSUFFICIENT_FUNDS  # MARGIN-02
        if msg.type == FOK and not self._fok_fillable(msg, acct.investor):
            return R_FOK_UNFILLED
        return R_NONE

    def _fok_fillable(self, msg: Message, investor: int) -> bool:
        """Can a FOK fill completely right now (MATCH-02), honouring MATCH-05?

        Resting orders of the same investor stop the walk (cancel-incoming: the order would be
        cancelled on reaching them) or are skipped (cancel-resting: they would be cancelled).
        """
        opposite = self.asks[msg.contract] if msg.side == BUY else self.bids[msg.contract]
        available = 0
        for price, queue in opposite.levels.items():
            if not self._acceptable(msg.side, msg.price, price):
                break
            for resting in queue:
                if resting.investor == investor:
                    if self.stp_policy == STP_CANCEL_INCOMING:
                        return available >= msg.qty
                    continue
                available += resting.leaves
                if available >= msg.qty:
                    return True
        return available >= msg.qty

    @staticmethod
    def _acceptable(side: int, limit: int, price: int) -> bool:
        """May an order on ``side`` with worst price ``limit`` trade at ``price``?"""
        return price <= limit if side == BUY else price >= limit

    def _on_new(self, msg: Message, phase: int) -> None:
        reason = self._reject_reason(msg, phase)
        if reason != R_NONE:
            self._reject(msg, reason)
            return
        acct = self.accounts[msg.account]
        c = msg.contract
        is_open = msg.offset == OPEN
        order = Order(
            order_no=msg.order_no,
            ts=msg.ts,
            account=msg.account,
            investor=acct.investor,
            member=acct.member,
            contract=c,
            side=msg.side,
            offset=msg.offset,
            type=msg.type,
            source=msg.source,
            price=self._market_price(msg.side, c) if msg.type == MARKET else msg.price,
            qty=msg.qty,
            per_lot=self._per_lot(msg) if is_open else 0.0,
            leaves=msg.qty,
            status=ST_ACCEPTED,
        )
        self.orders[order.order_no] = order
        self._order_event(order, msg.ts, EV_ACCEPTED, order.qty)
        if is_open:
            for exp in self._exposures(order):
                if order.side == BUY:
                    exp.pend_buy += order.qty
                else:
                    exp.pend_sell += order.qty
            acct.frozen += float(order.qty) * order.per_lot  # MARGIN-02
        else:
            pos = self.pos[order.account][c]
            if order.side == SELL:
                pos.pend_close_long += order.qty
            else:
                pos.pend_close_short += order.qty

        if phase == PHASE_AUCTION:
            self._rest(order)  # MATCH-06: collected, matched at run_auction
            return
        self._match(order, msg.ts)
        if order.leaves > 0:
            if order.type == LIMIT:
                self._rest(order)
            else:  # MARKET, FAK (and a FOK, which cannot get here with leaves)
                self._cancel(order, R_IOC_REMAINDER, msg.ts)

    def _exposures(self, order: Order) -> tuple[Exposure, Exposure]:
        """The investor and member aggregates the order counts in (POS-01, POS-02)."""
        return (
            self.investor_exp[order.investor][order.contract],
            self.member_exp[order.member][order.contract],
        )

    def _side_book(self, order: Order) -> BookSide:
        return self.bids[order.contract] if order.side == BUY else self.asks[order.contract]

    def _opposite_book(self, order: Order) -> BookSide:
        return self.asks[order.contract] if order.side == BUY else self.bids[order.contract]

    def _rest(self, order: Order) -> None:
        """Put ``order`` at the tail of its price level (MATCH-01 time priority)."""
        self._side_book(order).append(order)
        self.live[order.order_no] = order

    # ------------------------------------------------------------------ matching
    def _match(self, order: Order, ts: int) -> None:
        """Match an incoming order against the opposite side (MATCH-01, -02, -04, -05)."""
        opposite = self._opposite_book(order)
        while order.leaves > 0:
            best = opposite.best_price()
            if best is None or not self._acceptable(order.side, order.price, best):
                break
            resting = opposite.head(best)
            if resting.investor == order.investor:  # MATCH-05
                self.prevented[order.investor] += 1
                if self.stp_policy == STP_CANCEL_INCOMING:
                    self._cancel(order, R_SELF_TRADE, ts)
                    break
                self._cancel(resting, R_SELF_TRADE, ts)
                continue
            qty = min(order.leaves, resting.leaves)
            buy, sell = (order, resting) if order.side == BUY else (resting, order)
            kind = self._fill_kind(buy, sell, K_CONTINUOUS)
            self._trade(buy, sell, best, qty, ts, aggressor=order.side, kind=kind)  # MATCH-04
            self._fill_event(resting, qty, ts)
            self._fill_event(order, qty, ts)

    @staticmethod
    def _fill_kind(buy: Order, sell: Order, default: int) -> int:
        sources = (buy.source, sell.source)
        if SRC_LIQUIDATION in sources:
            return K_LIQUIDATION
        if SRC_REDUCTION in sources:
            return K_REDUCTION
        return default

    def _fill_event(self, order: Order, qty: int, ts: int) -> None:
        self._order_event(order, ts, EV_FILLED if order.leaves == 0 else EV_PARTIAL, qty)

    def _trade(
        self, buy: Order, sell: Order, price: int, qty: int, ts: int, aggressor: int, kind: int
    ) -> None:
        """Record one fill and apply it to the buyer, then the seller."""
        self._fills.append(
            (
                ts, self.next_trade_no, buy.order_no, sell.order_no, price,
                buy.account, sell.account, buy.contract, qty, buy.offset, sell.offset,
                aggressor, kind,
            )
        )  # fmt: skip
        self.next_trade_no += 1
        self._apply_fill(buy, price, qty)
        self._apply_fill(sell, price, qty)

    def _apply_fill(self, order: Order, price: int, qty: int) -> None:
        """Apply ``qty`` lots traded at ``price`` to one side's order, position and money.

        Opening lots convert their freeze into position margin (MARGIN-02); closing lots take
        yesterday's lots first and realise P&L against the previous settlement for those and
        against the open price for today's (MARGIN-03); then the fee is paid and the position
        margin recomputed (MARGIN-01).
        """
        acct = self.accounts[order.account]
        spec = self.specs[order.contract]
        pos = self.pos[order.account][order.contract]
        inv, mem = self._exposures(order)
        if order.is_open:
            acct.frozen -= float(qty) * order.per_lot
            if order.side == BUY:
                pos.long_td += qty
                pos.long_td_cost += price * qty
                for exp in (inv, mem):
                    exp.long += qty
                    exp.pend_buy -= qty
            else:
                pos.short_td += qty
                pos.short_td_cost += price * qty
                for exp in (inv, mem):
                    exp.short += qty
                    exp.pend_sell -= qty
            fee = open_fee(qty, price, spec)
        else:
            if order.side == SELL:  # a sell-close closes longs
                pos.pend_close_long -= qty
                qty_yd = min(qty, pos.long_yd)
                qty_td = qty - qty_yd
                removed = pos.long_td_cost * qty_td // pos.long_td if qty_td else 0
                ticks = (price - spec.prev_settle) * qty_yd + (price * qty_td - removed)
                pos.long_td_cost -= removed
                pos.long_yd -= qty_yd
                pos.long_td -= qty_td
                for exp in (inv, mem):
                    exp.long -= qty
            else:  # a buy-close closes shorts
                pos.pend_close_short -= qty
                qty_yd = min(qty, pos.short_yd)
                qty_td = qty - qty_yd
                removed = pos.short_td_cost * qty_td // pos.short_td if qty_td else 0
                ticks = (spec.prev_settle - price) * qty_yd + (removed - price * qty_td)
                pos.short_td_cost -= removed
                pos.short_yd -= qty_yd
                pos.short_td -= qty_td
                for exp in (inv, mem):
                    exp.short -= qty
            realised = float(ticks) * spec.tick_value
            acct.reserve += realised
            acct.realised += realised
            fee = close_fee(qty_yd, qty_td, price, spec)
        acct.reserve -= fee
        acct.fees += fee
        new_margin = position_margin(pos, spec, self.margin_method)
        delta = new_margin - pos.margin
        pos.margin = new_margin
        acct.margin += delta
        acct.reserve -= delta

        order.filled += qty
        order.leaves -= qty
        order.status = ST_FILLED if order.leaves == 0 else ST_PARTIAL
        if order.order_no in self.live:
            self._side_book(order).reduce(order, qty)
            if order.leaves == 0:
                del self.live[order.order_no]

    # ------------------------------------------------------------------ cancelling
    def _cancel(self, order: Order, reason: int, ts: int) -> None:
        """Cancel the leaves of ``order`` (any cause): release what it held."""
        if order.order_no in self.live:
            self._side_book(order).remove(order)
            del self.live[order.order_no]
        leaves = order.leaves
        order.leaves = 0
        order.status = ST_CANCELLED
        order.reason = reason
        self._order_event(order, ts, EV_CANCELLED, leaves, reason)
        if order.is_open:
            self.accounts[order.account].frozen -= float(leaves) * order.per_lot
            for exp in self._exposures(order):
                if order.side == BUY:
                    exp.pend_buy -= leaves
                else:
                    exp.pend_sell -= leaves
        else:
            pos = self.pos[order.account][order.contract]
            if order.side == SELL:
                pos.pend_close_long -= leaves
            else:
                pos.pend_close_short -= leaves

    def _on_cancel(self, msg: Message, phase: int) -> int | None:
        """A CANCEL message (MATCH-02): remove the target's remaining quantity.

        Returns the target's contract if the request was accepted, else None.
        """
        if phase == PHASE_CLOSED:
            self._reject(msg, R_MARKET_CLOSED)
            return None
        target = self.live.get(msg.target)
        if target is None or target.account != msg.account:
            self._reject(msg, R_UNKNOWN_ORDER)
            return None
        # The request's event names the target's contract and side (the message's own
        # contract/side fields are not used by a cancel).
        self._emit(
            msg.ts, msg.order_no, msg.account, target.contract, 0, 0, EV_ACCEPTED, R_NONE,
            target.side,
        )  # fmt: skip
        self.outcomes[msg.order_no] = (ST_ACCEPTED, 0, R_NONE)
        self._cancel(target, R_USER_CANCEL, msg.ts)
        return target.contract

    # ------------------------------------------------------------------ call auction
    def _auction_price(self, c: int) -> int | None:
        """Uncrossing price of contract ``c`` (MATCH-06), or None if the book is not crossed.

        Maximise matched volume ``min(B, S)``, then minimise the imbalance ``|B - S|``, then the
        distance to the previous settlement, then take the lowest price.
        """
        bids, asks = self.bids[c], self.asks[c]
        if not bids or not asks or bids.best_price() < asks.best_price():
            return None
        lowest_ask, highest_bid = asks.best_price(), bids.best_price()
        bid_levels = sorted(bids.level_items())  # ascending price
        ask_levels = list(asks.level_items())  # ascending price
        prev_settle = self.specs[c].prev_settle
        bid_total = sum(q for _, q in bid_levels)
        bid_below = 0  # bid lots at prices < p
        ask_upto = 0  # ask lots at prices <= p
        i = j = 0
        best_key, best_price = None, None
        for p in range(lowest_ask, highest_bid + 1):
            while i < len(bid_levels) and bid_levels[i][0] < p:
                bid_below += bid_levels[i][1]
                i += 1
            while j < len(ask_levels) and ask_levels[j][0] <= p:
                ask_upto += ask_levels[j][1]
                j += 1
            buy_qty, sell_qty = bid_total - bid_below, ask_upto
            key = (-min(buy_qty, sell_qty), abs(buy_qty - sell_qty), abs(p - prev_settle), p)
            if best_key is None or key < best_key:
                best_key, best_price = key, p
        return best_price

    def _auction_pairs(self, c: int, price: int) -> list[tuple[Order, Order, int]]:
        """The (bid, ask, lots) pairs of the uncrossing walk at ``price`` (MATCH-06)."""
        pairs = []
        bid_iter = (o for o in self.bids[c].orders() if o.price >= price)
        ask_iter = (o for o in self.asks[c].orders() if o.price <= price)
        bid, ask = next(bid_iter, None), next(ask_iter, None)
        bid_left = bid.leaves if bid else 0
        ask_left = ask.leaves if ask else 0
        while bid is not None and ask is not None:
            qty = min(bid_left, ask_left)
            pairs.append((bid, ask, qty))
            bid_left -= qty
            ask_left -= qty
            if bid_left == 0:
                bid = next(bid_iter, None)
                bid_left = bid.leaves if bid else 0
            if ask_left == 0:
                ask = next(ask_iter, None)
                ask_left = ask.leaves if ask else 0
        return pairs

    def _uncross(self, c: int, ts: int) -> None:
        """Run the opening call auction of contract ``c`` (MATCH-06, MATCH-05)."""
        while True:
            price = self._auction_price(c)
            if price is None:
                return
            pairs = self._auction_pairs(c, price)
            self_pair = next(((b, a) for b, a, _ in pairs if b.investor == a.investor), None)
            if self_pair is None:
                break
            bid, ask = self_pair
            later, earlier = (bid, ask) if bid.order_no > ask.order_no else (ask, bid)
            self.prevented[bid.investor] += 1
            victim = later if self.stp_policy == STP_CANCEL_INCOMING else earlier
            self._cancel(victim, R_SELF_TRADE, ts)
        for bid, ask, qty in pairs:
            kind = self._fill_kind(bid, ask, K_AUCTION)
            self._trade(bid, ask, price, qty, ts, aggressor=0, kind=kind)
            self._fill_event(bid, qty, ts)
            self._fill_event(ask, qty, ts)

    # ------------------------------------------------------------------ invariants
    def check(self) -> None:
        """Raise ``AssertionError`` if any invariant of the engine state is broken.

        Book: not crossed (except while auction orders are being collected), level totals equal
        the sum of their orders, every live order reachable exactly once at its own price and
        side. Positions: per contract Σ long = Σ short (POS), investor and member aggregates
        equal the account sums, pending opens and closes equal the live orders. Money (within
        1e-6 CNY relative): frozen = Σ leaves × per_lot of live opening orders (MARGIN-02),
        position margins equal the MARGIN-01 formula, account margin = Σ position margins.
        Market states (LIMIT, BRK): the band lies inside the ladder and is the one the state
        implies (unless set by hand), the timers are set exactly in the states that own them.
        """
        self._check_book()
        self._check_positions()
        self._check_money()
        self._check_market_states()

    def _check_book(self) -> None:
        reached: set[int] = set()
        for c in range(self.n_contracts):
            for book in (self.bids[c], self.asks[c]):
                _require(
                    set(book.levels) == set(book.totals),
                    f"contract {c} side {book.side}: level keys and totals differ",
                )
                for price, queue in book.levels.items():
                    _require(queue, f"contract {c} side {book.side}: empty level at {price}")
                    total = 0
                    for order in queue:
                        where = f"order {order.order_no} at contract {c} side {book.side} {price}"
                        _require(order.order_no not in reached, f"{where} is in the book twice")
                        reached.add(order.order_no)
                        _require(self.live.get(order.order_no) is order, f"{where} not live")
                        _require(
                            order.contract == c and order.side == book.side
                            and order.price == price,
                            f"{where} rests at the wrong contract, side or price",
                        )  # fmt: skip
                        _require(order.leaves > 0, f"{where} has leaves {order.leaves}")
                        _require(
                            order.status in (ST_ACCEPTED, ST_PARTIAL),
                            f"{where} status {order.status}",
                        )
                        total += order.leaves
                    _require(
                        book.totals[price] == total,
                        f"contract {c} side {book.side} level {price}: total "
                        f"{book.totals[price]} != Σ leaves {total}",
                    )
                if book:
                    extreme = max(book.totals) if book.side == BUY else min(book.totals)
                    _require(book.best_price() == extreme, f"contract {c}: wrong best price")
            bid, ask = self.bids[c].best_price(), self.asks[c].best_price()
            if bid is not None and ask is not None and not self.auction_collecting:
                _require(bid < ask, f"contract {c}: crossed book, bid {bid} >= ask {ask}")
        _require(
            reached == set(self.live),
            f"live orders not in the book: {sorted(set(self.live) - reached)}",
        )

    def _check_positions(self) -> None:
        nc = self.n_contracts
        inv_sum = [[Exposure() for _ in range(nc)] for _ in range(self.n_investors)]
        mem_sum = [[Exposure() for _ in range(nc)] for _ in range(self.n_members)]
        pend_close = {}
        for order in self.live.values():
            acct = self.accounts[order.account]
            if order.is_open:
                for exp in (
                    inv_sum[acct.investor][order.contract],
                    mem_sum[acct.member][order.contract],
                ):
                    if order.side == BUY:
                        exp.pend_buy += order.leaves
                    else:
                        exp.pend_sell += order.leaves
            else:
                key = (order.account, order.contract, order.side)
                pend_close[key] = pend_close.get(key, 0) + order.leaves
        for c in range(nc):
            total_long = total_short = 0
            for a, acct in enumerate(self.accounts):
                pos = self.pos[a][c]
                where = f"account {a} contract {c}"
                _require(
                    min(pos.long_yd, pos.long_td, pos.short_yd, pos.short_td) >= 0,
                    f"{where}: negative position {pos}",
                )
                _require(
                    (pos.long_td > 0 or pos.long_td_cost == 0)
                    and (pos.short_td > 0 or pos.short_td_cost == 0),
                    f"{where}: today's cost without today's lots {pos}",
                )
                _require(
                    pos.pend_close_long == pend_close.get((a, c, SELL), 0)
                    and pos.pend_close_short == pend_close.get((a, c, BUY), 0),
                    f"{where}: pending closes differ from the live close orders",
                )
                _require(
                    pos.pend_close_long <= pos.long and pos.pend_close_short <= pos.short,
                    f"{where}: pending closes exceed the position",
                )
                total_long += pos.long
                total_short += pos.short
                for exp in (inv_sum[acct.investor][c], mem_sum[acct.member][c]):
                    exp.long += pos.long
                    exp.short += pos.short
            _require(
                total_long == total_short,
                f"contract {c}: Σ long {total_long} != Σ short {total_short}",
            )
            for name, have, want in (
                ("investor", self.investor_exp, inv_sum),
                ("member", self.member_exp, mem_sum),
            ):
                for k in range(len(have)):
                    _require(
                        have[k][c] == want[k][c],
                        f"{name} {k} contract {c}: {have[k][c]} != Σ accounts {want[k][c]}",
                    )

    def _check_money(self) -> None:
        frozen = [0.0] * self.n_accounts
        for order in self.live.values():
            if order.is_open:
                frozen[order.account] += float(order.leaves) * order.per_lot
        for a, acct in enumerate(self.accounts):
            _require(
                money_close(acct.frozen, frozen[a]),
                f"account {a}: frozen {acct.frozen!r} != Σ live leaves × per_lot {frozen[a]!r}",
            )
            margin_sum = 0.0
            for c in range(self.n_contracts):
                pos = self.pos[a][c]
                want = position_margin(pos, self.specs[c], self.margin_method)
                _require(
                    money_close(pos.margin, want),
                    f"account {a} contract {c}: position margin {pos.margin!r} != {want!r}",
                )
                margin_sum += pos.margin
            _require(
                money_close(acct.margin, margin_sum),
                f"account {a}: margin {acct.margin!r} != Σ position margins {margin_sum!r}",
            )

    def _check_market_states(self) -> None:
        for c, (spec, ms) in enumerate(zip(self.specs, self.mstate, strict=True)):
            where = f"contract {c} state {ms.state}"
            lo, hi = self.band_lo[c], self.band_hi[c]
            _require(
                spec.ladder_lo <= lo <= hi <= spec.ladder_hi,
                f"{where}: band [{lo}, {hi}] outside the ladder",
            )
            _require(
                ms.state in (MS_NORMAL, MS_WATCH, MS_BREAKER, MS_LIMIT, MS_NO_LIMIT),
                f"{where}: not a state a contract can be in",
            )
            _require(
                (ms.state == MS_NO_LIMIT) == spec.no_limit,
                f"{where}: no_limit exactly on a day without a price limit (LIMIT-02)",
            )
            if ms.state in BREAKER_STATES:
                _require(spec.has_breaker, f"{where}: breaker state without breaker prices")
            _require(
                (ms.watch_since is not None) == (ms.state == MS_WATCH),
                f"{where}: watch_since {ms.watch_since} set outside watch or unset in it",
            )
            _require(
                (ms.breaker_until is not None) == (ms.state == MS_BREAKER),
                f"{where}: breaker_until {ms.breaker_until} set outside breaker or unset in it",
            )
            if not ms.band_by_hand:
                want = state_band(ms.state, spec)
                _require(
                    (lo, hi) == want,
                    f"{where}: band [{lo}, {hi}] is not the state's band {list(want)}",
                )


def _require(condition, message: str) -> None:
    """``assert`` that survives ``python -O``."""
    if not condition:
        raise AssertionError(message)
