"""The numba matching engine: a thin Python shell around the kernels of ``match_nb``.

Python runs once per call (a batch of messages, an auction, the close), never per order.
It validates and coerces the input at the boundary, owns the state arrays, grows the order
pool and the output buffers when a kernel asks, and hands results back as record arrays.
"""

from __future__ import annotations

import numpy as np

from riskcore.engine import breaker_nb, match_nb
from riskcore.engine.check import check_engine
from riskcore.engine.layout import (
    C_DURATION,
    C_FREE_HEAD,
    C_MARGIN_METHOD,
    C_N_EVENTS,
    C_N_FILLS,
    C_N_LIVE,
    C_N_STATES,
    C_NEXT_TIMER,
    C_POOL_TOP,
    C_QUIET_FROM,
    C_RECORD_EVENTS,
    C_STOP,
    C_STP_POLICY,
    C_TRIGGER,
    CONTRACT_STATE_DTYPE,
    F_LONG,
    F_SHORT,
    LEVEL_DTYPE,
    N_COUNTERS,
    NEVER,
    ORDER_STATE_DTYPE,
    STOP_DONE,
    STOP_POOL,
    grow_pool,
    new_pool,
)
from riskcore.engine.prefault import Prefaulter
from riskcore.engine.validate_nb import BAD_REUSED, BAD_WHAT, first_reused, scan_batch
from riskcore.market import Market
from riskcore.records import (
    ACCOUNT_STATE_DTYPE,
    BUY,
    CONTRACT_SPEC_DTYPE,
    EVENT_DTYPE,
    FILL_DTYPE,
    LIVE_ORDER_DTYPE,
    MARGIN_BOTH,
    MARKET_STATE_DTYPE,
    MS_LIMIT,
    MS_NO_LIMIT,
    MS_NORMAL,
    MSG_DTYPE,
    PHASE_AUCTION,
    PHASE_CONTINUOUS,
    PHASE_NAMES,
    POSITION_DTYPE,
    SELL,
    Batch,
    Depth,
)


def coerce_messages(msgs: np.ndarray) -> np.ndarray:
    """``msgs`` as a contiguous 1-d ``MSG_DTYPE`` array (fields matched by name)."""
    if not (isinstance(msgs, np.ndarray) and msgs.dtype.names):
        try:  # e.g. a list of tuples in MSG_DTYPE field order
            msgs = np.array(msgs, dtype=MSG_DTYPE)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"messages must be convertible to MSG_DTYPE: {exc}") from None
    if msgs.dtype != MSG_DTYPE:
        if msgs.dtype.names is None or set(msgs.dtype.names) - set(MSG_DTYPE.names):
            raise ValueError(
                f"messages must be a structured array with fields of MSG_DTYPE, got {msgs.dtype}"
            )
        out = np.zeros(msgs.shape, dtype=MSG_DTYPE)
        for name in msgs.dtype.names:
            out[name] = msgs[name]
        msgs = out
    if msgs.ndim != 1:
        raise ValueError("messages must be a 1-d array")
    return np.ascontiguousarray(msgs)


PREFAULT_MIN = 1 << 16
"""Batches of at least this many messages have their output buffers faulted in on a helper
thread while the kernel writes them (:mod:`riskcore.engine.prefault`)."""

FILL_BUFFER_MAX = 1 << 25
"""Most rows of one fill buffer made ahead of need (2 GB of address space): a day with more
fills continues in a new buffer."""


class Engine:
    """Dense-ladder price-time matching engine with in-kernel pre-trade risk checks.

    Parameters
    ----------
    market : Market
        Contracts, accounts, investors, members and yesterday's positions.
    record_events : bool
        Write the order-event log (default). Off, ``Batch.events`` is empty and only the
        per-order states (:meth:`order_status`) and the fills are kept: what a replay needs.
    pool_capacity : int
        Initial order-pool slots. Before a batch the pool grows (at least doubling) until
        every order of the batch could rest; slots never used are not touched, so they cost
        address space, not memory.

    Notes
    -----
    Semantics: ``docs/engine-semantics.md``. Rules: MATCH-01..07, LIMIT-03, MARGIN-01..03,
    POS-01..04, UNIT-01/02. Memory: 40 bytes per pool slot (resting orders only) plus
    12 bytes per order number for the per-order status arrays.

    A large batch uses a second core: a batch of at least
    :data:`~riskcore.engine.validate_nb.SPLIT_MIN` messages is checked in two halves at
    once, and while the kernel runs on a batch of at least :data:`PREFAULT_MIN` messages a
    helper thread faults in its output buffers just ahead of the kernel's writes
    (:mod:`riskcore.engine.prefault`). Neither changes a result.
    """

    def __init__(
        self, market: Market, *, record_events: bool = True, pool_capacity: int = 1024
    ) -> None:
        self.market = market
        n_c, n_a = market.n_contracts, market.n_accounts
        spec = market.contracts
        cs = np.zeros(n_c, dtype=CONTRACT_STATE_DTYPE)
        for name in CONTRACT_SPEC_DTYPE.names:
            cs[name] = spec[name]
        cs["n_levels"] = spec["ladder_hi"] - spec["ladder_lo"] + 1
        cs["base"] = np.concatenate(([0], np.cumsum(cs["n_levels"])[:-1])) if n_c else []
        cs["best_bid"] = -1
        cs["best_ask"] = -1
        cs["last_price"] = -1
        cs["mstate"] = np.where(  # LIMIT-02, BRK-01: no breaker on a last day
            spec["no_limit"] == 1,
            MS_NO_LIMIT,
            np.where((spec["breaker_hi"] > 0) & (spec["last_day"] == 0), MS_NORMAL, MS_LIMIT),
        )
        self.cs = cs
        total = int(cs["n_levels"].sum())
        self.bid_lv = np.zeros(total, dtype=LEVEL_DTYPE)
        self.ask_lv = np.zeros(total, dtype=LEVEL_DTYPE)
        for lv in (self.bid_lv, self.ask_lv):
            lv["head"] = -1
            lv["tail"] = -1
        self.pool = new_pool(max(int(pool_capacity), 1))
        self.ctr = np.zeros(N_COUNTERS, dtype=np.int64)
        self.ctr[C_FREE_HEAD] = -1  # no freed slot yet; every slot is fresh
        self.ctr[C_STP_POLICY] = market.stp_policy
        self.ctr[C_MARGIN_METHOD] = market.margin_method
        self.ctr[C_RECORD_EVENTS] = int(bool(record_events))
        self.ctr[C_TRIGGER] = market.breaker_trigger
        self.ctr[C_DURATION] = market.breaker_duration
        self.ctr[C_QUIET_FROM] = market.quiet_from
        armed = np.any(cs["mstate"] == MS_NORMAL)
        self.ctr[C_NEXT_TIMER] = market.quiet_from if armed and market.quiet_from > 0 else NEVER

        pos = np.zeros((n_a, n_c), dtype=POSITION_DTYPE)
        acct = np.zeros(n_a, dtype=ACCOUNT_STATE_DTYPE)
        for name in ("investor", "member", "reserve", "restricted"):
            acct[name] = market.accounts[name]
        self.inv = np.zeros((market.n_investors, n_c, 4), dtype=np.int64)
        self.mem = np.zeros((market.n_members, n_c, 4), dtype=np.int64)
        if market.long_yd.any() or market.short_yd.any():  # else every field stays 0
            pos["long_yd"] = market.long_yd
            pos["short_yd"] = market.short_yd
            long_val = market.long_yd * spec["prev_settle"]
            short_val = market.short_yd * spec["prev_settle"]
            val = (
                long_val + short_val
                if market.margin_method == MARGIN_BOTH
                else np.maximum(long_val, short_val)
            )
            margin = val.astype(np.float64) * spec["tick_value"] * spec["margin_rate"]
            pos["margin"] = margin
            for c in range(n_c):  # contract by contract, as the reference engine sums
                acct["margin"] += margin[:, c]
            for sums, owner in ((self.inv, acct["investor"]), (self.mem, acct["member"])):
                np.add.at(sums[:, :, F_LONG], owner, market.long_yd)
                np.add.at(sums[:, :, F_SHORT], owner, market.short_yd)
        self.pos = pos.reshape(-1)
        self.acct = acct
        self.hedge = market.hedge_quota.copy()
        self.stp = np.zeros(market.n_investors, dtype=np.int64)
        self.ords = np.zeros(0, dtype=ORDER_STATE_DTYPE)
        self._fresh_order_no = 0  # no order number from here on has been used
        self._fills = np.empty(0, dtype=FILL_DTYPE)  # batches' fills are views of it
        self._fills_used = 0
        self.in_auction = False

    # ------------------------------------------------------------------ buffers
    def _ensure_orders(self, max_order_no: int) -> None:
        n = len(self.ords)
        if max_order_no < n:
            return
        self.reserve_orders(max(max_order_no + 1, 2 * n, 1024))

    def reserve_orders(self, n_orders: int) -> None:
        """Make room for the per-order states of order numbers ``0 .. n_orders - 1`` now.

        The arrays otherwise double when an order number beyond them arrives; a caller that
        knows the day's message count allocates once (12 bytes per order number).
        """
        n = len(self.ords)
        if n_orders <= n:
            return
        ords = np.zeros(int(n_orders), dtype=ORDER_STATE_DTYPE)  # zeros: never seen
        ords[:n] = self.ords
        self.ords = ords

    def reserve_fills(self, n_fills: int) -> None:
        """Make room for ``n_fills`` fills now, in one buffer the batches are views of.

        A caller that expects that many (a day's) keeps its batches adjacent in memory, so
        they join without a copy (the day loop's ``take_fills``). Room not written costs
        address space only. At most :data:`FILL_BUFFER_MAX` rows are reserved at once.
        """
        self._fill_room(min(int(n_fills), FILL_BUFFER_MAX))

    def _fill_room(self, n: int) -> np.ndarray:
        """The unused rest of the fill buffer, at least ``n`` rows (a new buffer if needed)."""
        if len(self._fills) - self._fills_used < n:
            grown = min(2 * len(self._fills), FILL_BUFFER_MAX)
            self._fills = np.empty(max(int(n), grown), dtype=FILL_DTYPE)
            self._fills_used = 0
        return self._fills[self._fills_used :]

    def _event_room(self, n: int) -> int:
        return n if self.ctr[C_RECORD_EVENTS] else 0

    def _state_room(self) -> int:
        return 4 * len(self.cs) + 64

    def _take(self, events: np.ndarray, fills: np.ndarray, states: np.ndarray, out: list) -> None:
        """Move what the kernel wrote into ``out`` (views of the buffers: no copy); the fill
        buffer's next batch starts after these fills."""
        ctr = self.ctr
        out.append((events[: ctr[C_N_EVENTS]], fills[: ctr[C_N_FILLS]], states[: ctr[C_N_STATES]]))
        self._fills_used += int(ctr[C_N_FILLS])
        ctr[C_N_EVENTS] = 0
        ctr[C_N_FILLS] = 0
        ctr[C_N_STATES] = 0

    @staticmethod
    def _join(parts: list) -> Batch:
        if len(parts) == 1:
            return Batch(*parts[0])
        return Batch(*(np.concatenate([p[i] for p in parts]) for i in range(3)))

    def _prefaulter(self, n: int, events: np.ndarray, fills: np.ndarray):
        """The output buffers of a batch of ``n`` messages, faulted in on a helper thread
        while the kernel writes them (nothing for a small batch)."""
        targets = [(events, C_N_EVENTS), (fills, C_N_FILLS), (self.pool, C_POOL_TOP)]
        return Prefaulter(self.ctr, targets if n >= PREFAULT_MIN else [])

    def _state(self) -> tuple:
        return (
            self.pool,
            self.bid_lv,
            self.ask_lv,
            self.cs,
            self.acct,
            self.pos,
            self.inv,
            self.mem,
        )

    def _validate(self, msgs: np.ndarray) -> None:
        """Raise ValueError naming the first malformed message of the batch (MATCH-07).

        One pass checks the fields and the range of the order numbers; the per-order states
        are read only when an order number could have been used before (one below the
        highest seen so far, or a batch not in increasing order).
        """
        row, code, increasing, lowest, highest = scan_batch(msgs)
        self._ensure_orders(highest)
        if row >= 0:
            reused = first_reused(msgs[:row], self.ords)
            if reused >= 0:
                row, code = reused, BAD_REUSED
            raise ValueError(f"message {row}: {BAD_WHAT[code]}")
        if not increasing or lowest < self._fresh_order_no:
            reused = first_reused(msgs, self.ords)
            if reused >= 0:
                raise ValueError(f"message {reused}: {BAD_WHAT[BAD_REUSED]}")
        if not increasing and len(np.unique(msgs["order_no"])) != len(msgs):
            raise ValueError("order_no values must be unique within a batch")
        self._fresh_order_no = max(self._fresh_order_no, highest + 1)

    # ------------------------------------------------------------------ trading
    def submit(self, msgs: np.ndarray, phase: int = PHASE_CONTINUOUS) -> Batch:
        """Process a time-ordered batch of messages in ``phase`` (PHASE_*).

        Returns the order events, fills and market-state transitions, in the order they
        happened.
        """
        if phase not in (0, 1, 2):
            raise ValueError(f"phase must be one of {PHASE_NAMES}, got {phase!r}")
        msgs = coerce_messages(msgs)
        if len(msgs) == 0:
            return Batch(np.zeros(0, EVENT_DTYPE), np.zeros(0, FILL_DTYPE))
        self._validate(msgs)
        if phase == PHASE_AUCTION:
            self.in_auction = True
        n = len(msgs)
        if len(self.pool) < self.ctr[C_N_LIVE] + n:
            # room for every order of the batch to rest: the kernel then runs without a
            # stop, and the untouched fresh slots cost address space only, not memory
            self.pool = grow_pool(self.pool, self.ctr, int(self.ctr[C_N_LIVE]) + n)
        events = np.empty(self._event_room(2 * n + 64), dtype=EVENT_DTYPE)
        fills = self._fill_room(n // 2 + 64)
        states = np.empty(self._state_room(), dtype=MARKET_STATE_DTYPE)
        parts: list = []
        start = 0
        while True:
            with self._prefaulter(n, events, fills):
                start = match_nb.process_messages(
                    msgs,
                    start,
                    phase,
                    *self._state(),
                    self.hedge,
                    self.stp,
                    self.ords,
                    self.ctr,
                    events,
                    fills,
                    states,
                )
            stop = self.ctr[C_STOP]
            if stop == STOP_DONE:
                break
            if stop == STOP_POOL:
                self.pool = grow_pool(self.pool, self.ctr)
            else:
                self._take(events, fills, states, parts)
                need = 3 * int(self.ctr[C_N_LIVE]) + 64
                events = np.empty(self._event_room(max(need, len(events))), dtype=EVENT_DTYPE)
                fills = self._fill_room(need)
                states = np.empty(self._state_room(), dtype=MARKET_STATE_DTYPE)
        self._take(events, fills, states, parts)
        return self._join(parts)

    def run_auction(self, ts: int) -> Batch:
        """Uncross the orders collected in the call auction, every contract (MATCH-06)."""
        live = int(self.ctr[C_N_LIVE])
        events = np.empty(self._event_room(3 * live + 16), dtype=EVENT_DTYPE)
        fills = self._fill_room(live + 16)
        match_nb.run_auction(
            np.int64(ts),
            *self._state(),
            self.stp,
            self.ords,
            self.ctr,
            events,
            fills,
            np.empty(int(self.cs["n_levels"].max(initial=1)), dtype=np.int64),
        )
        self.in_auction = False
        parts: list = []
        self._take(events, fills, np.empty(0, dtype=MARKET_STATE_DTYPE), parts)
        return self._join(parts)

    def expire(self, ts: int) -> Batch:
        """Cancel every resting order (good for day) at the close, cause EXPIRED."""
        live = int(self.ctr[C_N_LIVE])
        events = np.empty(self._event_room(live + 16), dtype=EVENT_DTYPE)
        fills = np.empty(0, dtype=FILL_DTYPE)
        match_nb.expire_orders(
            np.int64(ts),
            *self._state(),
            self.ords,
            self.ctr,
            events,
        )
        self.in_auction = False
        parts: list = []
        self._take(events, fills, np.empty(0, dtype=MARKET_STATE_DTYPE), parts)
        return self._join(parts)

    def _session(self, kernel, ts: int) -> Batch:
        states = np.empty(self._state_room(), dtype=MARKET_STATE_DTYPE)
        kernel(np.int64(ts), self.cs, states, self.ctr)
        parts: list = []
        self._take(np.empty(0, EVENT_DTYPE), np.empty(0, FILL_DTYPE), states, parts)
        return self._join(parts)

    def open_session(self, ts: int) -> Batch:
        """Continuous trading (re)starts at ``ts``: due state timers fire, every contract's
        state is recorded, breaker-price touches start their clocks (BRK-02, BRK-04)."""
        return self._session(breaker_nb.open_session, ts)

    def close_session(self, ts: int) -> Batch:
        """Trading stops at ``ts``: due timers fire, a running breaker ends, a touch clock
        resets, and a ``closed`` record is written per contract (BRK-04)."""
        return self._session(breaker_nb.close_session, ts)

    def adjust_reserve(self, account: int, amount: float) -> None:
        """Move ``amount`` CNY into (negative: out of) ``account``'s free reserve: a deposit
        or withdrawal between message batches (SETTLE-02). Refusing a withdrawal larger than
        what is free is the caller's rule, not the engine's."""
        self.acct["reserve"][account] += float(amount)

    def set_restricted(self, flags) -> None:
        """Set every account's close-only flag (non-zero = opening orders are rejected
        ``RESTRICTED``; MARGIN-06), between message batches."""
        flags = np.asarray(flags)
        if flags.shape != self.acct.shape:
            raise ValueError(f"need one flag per account ({len(self.acct)}), got {flags.shape}")
        self.acct["restricted"] = flags != 0

    def set_position_limit(self, contract: int, lots: int) -> None:
        """POS-01 limit of ``contract`` from the next message on, lots per side per investor
        (``NO_LIMIT`` = none); between message batches (a ``position_limit`` event)."""
        self.cs["pos_limit"][contract] = int(lots)

    def live_orders(self) -> np.ndarray:
        """Every resting order (``LIVE_ORDER_DTYPE``), in :meth:`book` order: per contract,
        bids best first, then asks best first, FIFO within a level."""
        slots = [int(self.ords["slot_plus_1"][no]) - 1 for _, _, _, no, _ in self.book()]
        pool = self.pool[np.asarray(slots, dtype=np.int64)]
        out = np.zeros(len(slots), dtype=LIVE_ORDER_DTYPE)
        for name in LIVE_ORDER_DTYPE.names:
            out[name] = pool[name]
        return out

    def market_state(self, contract: int) -> tuple[int, int, int]:
        """``(state, band_lo, band_hi)`` of ``contract`` now (``MS_*``, ticks)."""
        c = self.cs[contract]
        return int(c["mstate"]), int(c["band_lo"]), int(c["band_hi"])

    def set_band(self, contract: int, lo: int, hi: int) -> None:
        """Set the acceptable price band of ``contract`` to ``[lo, hi]`` ticks (LIMIT-03).

        A band that would leave a resting order outside it is refused (``ValueError``):
        within a day the band only widens (breaker band to limit band, BRK-03).
        """
        c = self.cs[contract]
        if not (c["ladder_lo"] <= lo <= hi <= c["ladder_hi"]):
            raise ValueError(
                f"band [{lo}, {hi}] must lie inside the ladder [{c['ladder_lo']}, {c['ladder_hi']}]"
            )
        d = self.depth(contract, levels=int(c["n_levels"]))
        prices = np.concatenate((d.bid_price[d.bid_qty > 0], d.ask_price[d.ask_qty > 0]))
        if np.any((prices < lo) | (prices > hi)):
            raise ValueError(
                f"band [{lo}, {hi}] would leave resting orders of contract {contract} outside it"
            )
        self.cs["band_lo"][contract] = lo
        self.cs["band_hi"][contract] = hi

    # ------------------------------------------------------------------ inspection
    def _level_orders(self, lv: np.ndarray, g: int) -> list[tuple[int, int]]:
        out = []
        slot = int(lv["head"][g])
        while slot != -1:
            out.append((int(self.pool["order_no"][slot]), int(self.pool["leaves"][slot])))
            slot = int(self.pool["next"][slot])
        return out

    def book(self) -> list[tuple[int, int, int, int, int]]:
        """Every resting order as ``(contract, side, price, order_no, leaves)`` in priority
        order: per contract, bids best first, then asks best first."""
        out = []
        for c in range(len(self.cs)):
            base, n, lo = (int(self.cs[f][c]) for f in ("base", "n_levels", "ladder_lo"))
            for side, lv, order in (
                (BUY, self.bid_lv, range(n - 1, -1, -1)),
                (SELL, self.ask_lv, range(n)),
            ):
                counts = lv["count"][base : base + n]
                for i in order:
                    if counts[i]:
                        out.extend(
                            (c, side, lo + i, o, q) for o, q in self._level_orders(lv, base + i)
                        )
        return out

    def depth(self, contract: int, levels: int = 5) -> Depth:
        """The best ``levels`` bid and ask levels of ``contract`` (ticks, lots), best first;
        padded with zeros. ``levels=1`` is the L1 quote."""
        base, n, lo = (int(self.cs[f][contract]) for f in ("base", "n_levels", "ladder_lo"))
        out = []
        for lv, best_first in ((self.bid_lv, True), (self.ask_lv, False)):
            qty = lv["qty"][base : base + n]
            idx = np.flatnonzero(lv["count"][base : base + n])
            idx = idx[::-1][:levels] if best_first else idx[:levels]
            px = np.zeros(levels, dtype=np.int64)
            q = np.zeros(levels, dtype=np.int64)
            px[: len(idx)] = lo + idx
            q[: len(idx)] = qty[idx]
            out += [px, q]
        return Depth(*out)

    def best_quote(self, contract: int) -> tuple[int, int]:
        """``(best bid, best ask)`` of ``contract``, ticks; -1 for an empty side (what
        ``depth(contract, 1)`` shows, without reading the ladder)."""
        c = self.cs[contract]
        lo, bid, ask = int(c["ladder_lo"]), int(c["best_bid"]), int(c["best_ask"])
        return (lo + bid if bid >= 0 else -1), (lo + ask if ask >= 0 else -1)

    def positions(self) -> np.ndarray:
        """Positions, ``POSITION_DTYPE`` shape (n_accounts, n_contracts) (a copy)."""
        return self.pos.reshape(self.market.n_accounts, self.market.n_contracts).copy()

    def account_state(self) -> np.ndarray:
        """Account money state, ``ACCOUNT_STATE_DTYPE`` shape (n_accounts,) (a copy)."""
        return self.acct.copy()

    def order_status(self, order_nos) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(status, filled, reason)`` of the given order numbers (0s for unknown numbers)."""
        nos = np.asarray(order_nos, dtype=np.int64)
        if len(nos) == 0 or (int(nos.min()) >= 0 and int(nos.max()) < len(self.ords)):
            # every number known: gather the three fields only (no row copies, no masks)
            return tuple(self.ords[f][nos].astype(np.int64) for f in ("status", "filled", "reason"))
        known = (nos >= 0) & (nos < len(self.ords))
        rows = (
            self.ords[np.where(known, nos, 0)]
            if len(self.ords)
            else np.zeros(len(nos), dtype=ORDER_STATE_DTYPE)
        )
        return tuple(
            np.where(known, rows[f], 0).astype(np.int64) for f in ("status", "filled", "reason")
        )

    def order_status_range(self, first: int, stop: int) -> tuple[np.ndarray, ...]:
        """:meth:`order_status` of the order numbers ``first .. stop - 1``, as read-only
        views of the engine's arrays where it has them all (no copy; int8, int32, int8)."""
        if not 0 <= first <= stop <= len(self.ords):
            return self.order_status(np.arange(first, stop))
        views = tuple(self.ords[f][first:stop] for f in ("status", "filled", "reason"))
        for v in views:
            v.flags.writeable = False
        return views

    def self_trades(self) -> np.ndarray:
        """Prevented self-trades per investor (MATCH-05, for WARN-01 ②)."""
        return self.stp.copy()

    @property
    def n_accounts(self) -> int:
        """Number of accounts."""
        return len(self.acct)

    @property
    def n_live(self) -> int:
        """Number of resting orders."""
        return int(self.ctr[C_N_LIVE])

    def check(self) -> None:
        """Assert every invariant of the book, positions and money (see the semantics doc)."""
        check_engine(self)
