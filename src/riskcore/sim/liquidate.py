"""Forced liquidation's place in the day loop (LIQ-01..04): orders through the engine.

This module only sequences; the quantities and the order of closing are the pure functions
of :mod:`riskcore.risk.liquidation`.

- **Trigger ① (LIQ-01, MARGIN-06).** An account whose margin call was unpaid at the open
  (``liquidation_due``) is planned at the start of continuous trading
  (:func:`~riskcore.risk.liquidation.liquidation_plan` with its shortfall ``max(-reserve, 0)``
  at that moment, the positions held then, the previous settlement and the margin rate in
  force, the band in force and the close fee) and its orders go in at once as **member phase**
  (LIQ-02: the member acts in the first ``liquidation_member_sessions`` sessions).
- At the end of the member's last session the unfilled remainders are cancelled and
  :func:`~riskcore.risk.liquidation.phase_after_member` resubmits them at the start of the
  next session as **exchange phase** (LIQ-02), repriced at the band in force then.
- **Trigger ② (LIQ-01, POS-04).** The cure window's hand-offs (``limit_handoffs``, end of
  session ``limit_cure_sessions``) are planned as exchange phase (LIQ-02: the cure window was
  the member's time) and go in at the start of the next session
  (:meth:`DayLiquidation.session_end`; switch: ``riskcore.sim.loop.LIQUIDATE_LIMIT_HANDOFFS``).
  Nothing is planned when the window ends with the day's last session.
- Orders are LIMIT close orders at :func:`~riskcore.risk.liquidation.liquidation_price` (the
  band price toward the close), source ``liquidation``, so their fills are of kind
  ``liquidation``. They trade through the normal matching engine (MATCH-04: at the resting
  order's price).

Choices where the rules are silent:

- Before a liquidation order goes in, the account's own resting close orders on that contract
  and side are cancelled when they would leave too few lots to close (the engine would reject
  the liquidation order ``NO_POSITION``); the quantity is then capped at the lots left.
- Order numbers: after the scenario's messages, in the order they are made (the ``orders``
  table lists them after the scenario's, ``source = liquidation``, ``origin = liquidation``;
  cancels made by the liquidation machinery are rows too).
- **Triggers ③-⑤ (LIQ-01).** A scenario event (``penalty_liquidation``: account, optional
  symbol and qty; the loader has no event kinds for ④ emergency / ⑤ other yet) is queued
  (:meth:`DayLiquidation.add_event`) and planned at the **next session start after the
  event** (the same day's next session, or the next trading day's first session for an event
  in the last session or after the close) with
  :func:`~riskcore.risk.liquidation.event_handoffs` as member phase; the member's window is
  ``liquidation_member_sessions`` sessions from there, after which the remainder goes to the
  exchange like ①'s. Quantity: ``qty`` lots of each side the account holds in ``symbol``
  (every contract it holds without ``symbol``), capped at the position; no ``qty`` = the
  whole position, as held when the orders go in. At the first session a ③-⑤ plan is made
  together with ①'s, so ① only closes what the given closes leave uncured.
- **LIQ-04 carry-over.** Unfilled orders expire at the close like any order. Just before
  ``expire`` (:meth:`DayLiquidation.carried`), the unfilled remainder of the ③-⑤ orders still
  live (not handed on to the exchange phase) is taken with
  :func:`~riskcore.risk.liquidation.carry_over` (``triggers=(3, 4, 5)``) and resubmitted at the
  next trading day's first session start as **exchange phase**, repriced at that day's band
  (LIQ-02: the member had its first session after the open; what remains is the exchange's).
  The loop first takes off the lots a forced reduction (RED-01) closed for the account as a
  requester that evening. ① and ② are planned afresh from the next settlement's margin calls
  and breaches, so they are not carried. Carried rows' ``rule`` names LIQ-04.
- An order time is the session start it was submitted at.

Output: ``liquidations`` (one row per liquidation order: ``day, at, account, member, symbol,
trigger, phase, side, qty, filled, order_no`` plus ``price``, ``status``, ``rule``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from riskcore.output.tables import DT, conform, float_prices, names
from riskcore.records import (
    BUY,
    CANCEL,
    CLOSE,
    LIMIT,
    MSG_DTYPE,
    NEW,
    OFFSET_NAMES,
    PHASE_CONTINUOUS,
    SELL,
    SIDE_NAMES,
    SOURCE_NAMES,
    SRC_AGENT,
    SRC_LIQUIDATION,
    ST_ACCEPTED,
    ST_PARTIAL,
    STATUS_NAMES,
)
from riskcore.risk.liquidation import (
    LIQ_ORDER_DTYPE,
    LIQ_PHASE_EXCHANGE,
    LIQ_PHASE_MEMBER,
    LIQ_PHASE_NAMES,
    LIQ_TRIGGER_EMERGENCY,
    LIQ_TRIGGER_NAMES,
    LIQ_TRIGGER_OTHER,
    LIQ_TRIGGER_PENALTY,
    carry_over,
    event_handoffs,
    liquidation_plan,
    liquidation_price,
    phase_after_member,
)

if TYPE_CHECKING:
    from riskcore.engine import Engine
    from riskcore.market import Market
    from riskcore.scenario import Rulebook
    from riskcore.sim.build import Carry, Index

_SIDE_STR = {BUY: "buy", SELL: "sell"}
_SIDE_NAMES_BY_CODE = tuple(_SIDE_STR.get(i) for i in range(3))
_RULES = {
    1: "LIQ-01 (1), LIQ-02",
    2: "LIQ-01 (2), LIQ-02",
    3: "LIQ-01 (3), LIQ-02",
    4: "LIQ-01 (4), LIQ-02",
    5: "LIQ-01 (5), LIQ-02",
}
CARRY_TRIGGERS = (3, 4, 5)
"""LIQ-04: the triggers whose unfilled remainder is carried to the next day (③-⑤)."""
EVENT_TRIGGERS = {
    "penalty_liquidation": LIQ_TRIGGER_PENALTY,  # LIQ-01 (3)
    "emergency_liquidation": LIQ_TRIGGER_EMERGENCY,  # LIQ-01 (4)
    "other_liquidation": LIQ_TRIGGER_OTHER,  # LIQ-01 (5)
}
"""Scenario event kinds that are liquidation triggers (LIQ-01 ③; no kinds for ④/⑤ yet)."""


@dataclass(eq=False)
class Desk:
    """The run's own messages — forced liquidation's and the agents' — numbered after the
    scenario's from one counter (:meth:`numbers`), and their ``orders`` rows."""

    first_no: int
    msgs: list[np.ndarray] = field(default_factory=list)
    status: list[np.ndarray] = field(default_factory=list)
    filled: list[np.ndarray] = field(default_factory=list)
    reason: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)  # cancel: target order number
    n: int = 0

    def numbers(self, k: int) -> np.ndarray:
        out = self.first_no + self.n + np.arange(k, dtype=np.int64)
        self.n += k
        return out

    def _order(self) -> np.ndarray:
        """Permutation of the recorded messages into order-number order (the liquidation's
        and the agents' are recorded per day and kind, their numbers interleave)."""
        return self._sorted()[1]

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        key = (len(self.msgs), sum(len(x) for x in self.msgs))
        cached = getattr(self, "_cache", None)
        if cached is None or cached[0] != key:
            m = np.concatenate(self.msgs) if self.msgs else np.zeros(0, MSG_DTYPE)
            order = np.argsort(m["order_no"], kind="stable")
            cached = (key, m[order], order)
            self._cache = cached
        return cached[1], cached[2]

    def all_msgs(self) -> np.ndarray:
        """Every recorded message, by order number."""
        return self._sorted()[0]

    def order_rows(
        self, index: Index, client_id_of: pl.Series | list, scenario_orders: pl.DataFrame
    ) -> pl.DataFrame:
        """Rows of ``Scenario.orders`` shape for the desk's messages (order numbers
        ``first_no`` on); ``client_id_of`` (text, by scenario order number) gives the
        scenario orders' client ids. Client ids are ``liq-N`` / ``agent-N`` (N the order
        number), ``origin`` the source name."""
        m = self.all_msgs()
        n = len(m)
        is_cancel = m["action"] == CANCEL
        c = np.maximum(m["contract"], 0)
        sym = names(np.where(is_cancel, -1, m["contract"]), index.contracts)
        price = np.where(is_cancel, np.nan, float_prices(m["price"], index.tick[c]))
        tgt = m["target"]
        # the source of each cancel's target among the desk's messages (liquidation if none)
        pos = np.clip(np.searchsorted(m["order_no"], tgt), 0, max(n - 1, 0))
        found = (n > 0) & (m["order_no"][pos] == tgt) if n else np.zeros(0, bool)
        tsrc = np.where(found, m["source"][pos], SRC_LIQUIDATION) if n else np.zeros(0, np.int8)
        n_sc = len(client_id_of)
        own = (tgt >= 0) & (tgt < n_sc)
        given = pl.Series(client_id_of, dtype=pl.String).cast(pl.String)
        scen_id = (
            given.gather(np.clip(tgt, 0, n_sc - 1))
            if n_sc
            else pl.repeat(None, n, dtype=pl.String, eager=True)
        )

        def prefix(src: np.ndarray) -> pl.Series:
            return pl.Series(np.where(src == SRC_AGENT, "agent-", "liq-"), dtype=pl.String)

        df = pl.DataFrame(
            {
                "at": m["ts"].astype(np.int64),
                "cancel": is_cancel,
                "no": m["order_no"].astype(np.int64),
                "tgt": tgt.astype(np.int64),
                "own": own,
                "scen_id": scen_id,
                "pre": prefix(m["source"]),
                "tpre": prefix(tsrc),
                "account": names(m["account"], index.accounts),
                "symbol": sym,
                "side": names(m["side"], _SIDE_NAMES_BY_CODE),
                "offset": names(m["offset"], OFFSET_NAMES),
                "price": pl.Series(price, dtype=pl.Float64).fill_nan(None),
                "qty": m["qty"].astype(np.int64),
                "origin": names(m["source"], SOURCE_NAMES),
            }
        )
        new = ~pl.col("cancel")
        df = df.select(
            "at",
            pl.when(new).then(pl.lit("new")).otherwise(pl.lit("cancel")).alias("action"),
            "account",
            "symbol",
            pl.when(new).then(pl.col("side")).alias("side"),
            pl.when(new).then(pl.col("offset")).alias("offset"),
            pl.when(new).then(pl.lit("limit")).alias("type"),
            "price",
            pl.when(new).then(pl.col("qty")).alias("qty"),
            pl.when(new)
            .then(pl.col("pre") + pl.col("no").cast(pl.String))
            .when(pl.col("own"))  # a cancel's id is its target
            .then(pl.col("scen_id"))
            .when(pl.col("tgt") >= 0)
            .then(pl.col("tpre") + pl.col("tgt").cast(pl.String))
            .alias("client_id"),
            "origin",
            pl.lit(None, dtype=pl.Int64).alias("origin_row"),
        )
        return df.select(scenario_orders.columns).cast(dict(scenario_orders.schema))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(status, filled, reason)`` of :meth:`all_msgs`, in the same order."""
        if not self.msgs:
            z = np.zeros(0, np.int64)
            return z, z, z
        order = self._order()
        return tuple(np.concatenate(x)[order] for x in (self.status, self.filled, self.reason))


@dataclass(eq=False)
class DayLiquidation:
    """One day's liquidation orders: what was planned, submitted, and what is pending."""

    desk: Desk
    day: dt.date
    engine: Engine
    market: Market
    carry: Carry
    index: Index
    rulebook: Rulebook
    avg_long: np.ndarray
    avg_short: np.ndarray
    n_sessions: int
    orders: list[np.ndarray] = field(default_factory=list)  # LIQ_ORDER_DTYPE submitted
    order_nos: list[np.ndarray] = field(default_factory=list)
    prices: list[np.ndarray] = field(default_factory=list)
    times: list[np.ndarray] = field(default_factory=list)
    msgs: list[np.ndarray] = field(default_factory=list)  # every message of the day
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, LIQ_ORDER_DTYPE))
    events: list = field(default_factory=list)  # queued ③-⑤ (account, contract, qty, trigger)
    members: list = field(default_factory=list)  # member phases: (last session, plan, nos)
    live: list = field(default_factory=list)  # (plan, nos) still the day's responsibility
    carried_rows: list[np.ndarray] = field(default_factory=list)  # per order: carried (LIQ-04)

    @property
    def member_sessions(self) -> int:
        return max(int(self.rulebook.liquidation_member_sessions), 1)

    # --- the plan --------------------------------------------------------------------------
    def _plan(self, shortfall=None, handoffs=None, phase=LIQ_PHASE_MEMBER) -> np.ndarray:
        eng, index, carry, rb = self.engine, self.index, self.carry, self.rulebook
        pos = eng.positions()
        long = pos["long_yd"] + pos["long_td"]
        short = pos["short_yd"] + pos["short_td"]
        lo, hi = self._bands()
        return liquidation_plan(
            long,
            short,
            carry.prev_settle,
            index.tick_value,
            carry.margin_rate,
            shortfall=shortfall,
            handoffs=handoffs,
            band_lo=lo,
            band_hi=hi,
            fee_close=np.asarray(self.market.contracts["fee_close"], dtype=np.float64),
            proprietary=index.proprietary,
            avg_long=self.avg_long,
            avg_short=self.avg_short,
            order=rb.liquidation_order,
            proprietary_first=bool(rb.liquidation_proprietary_first),
            margin_method=int(self.market.margin_method),
            phase=phase,
        )

    def _bands(self) -> tuple[np.ndarray, np.ndarray]:
        n_c = self.index.n_contracts
        lo = np.zeros(n_c, dtype=np.int64)
        hi = np.zeros(n_c, dtype=np.int64)
        for c in range(n_c):
            _, lo[c], hi[c] = self.engine.market_state(c)
        return lo, hi

    # --- submitting ------------------------------------------------------------------------
    def _submit(self, plan: np.ndarray, t: int, end: int = -1, carried: bool = False) -> list:
        """Cancel blocking own close orders, then submit ``plan`` as LIMIT close orders at
        the band price toward the close. Returns the engine batches. A member-phase plan's
        window ends with session ``end``; ``carried``: resubmitted by LIQ-04."""
        plan = np.sort(plan, order="seq") if len(plan) else plan
        eng = self.engine
        pos = eng.positions()
        held = np.stack(
            [pos["long_yd"] + pos["long_td"], pos["short_yd"] + pos["short_td"]], axis=-1
        )
        pend = np.stack([pos["pend_close_long"], pos["pend_close_short"]], axis=-1)
        live = eng.live_orders()
        cancel: list[int] = []
        keep = np.ones(len(plan), dtype=bool)
        qty = plan["qty"].astype(np.int64).copy()
        for i, r in enumerate(plan):
            a, c, side = int(r["account"]), int(r["contract"]), int(r["side"])
            sx = 0 if side == SELL else 1
            free = int(held[a, c, sx] - pend[a, c, sx])
            if free < qty[i]:
                own = (
                    (live["account"] == a)
                    & (live["contract"] == c)
                    & (live["side"] == side)
                    & (live["offset"] == CLOSE)
                )
                for no, left in zip(live["order_no"][own], live["leaves"][own], strict=True):
                    if int(no) not in cancel:
                        cancel.append(int(no))
                        pend[a, c, sx] -= int(left)
                free = int(held[a, c, sx] - pend[a, c, sx])
            qty[i] = min(qty[i], max(free, 0))
            pend[a, c, sx] += qty[i]
            keep[i] = qty[i] > 0
        plan = plan[keep].copy()
        plan["qty"] = qty[keep]
        lo, hi = self._bands()
        con = plan["contract"].astype(np.int64)
        price = liquidation_price(plan["side"], lo[con], hi[con]) if len(plan) else con
        k = len(cancel) + len(plan)
        if k == 0:
            return []
        m = np.zeros(k, dtype=MSG_DTYPE)
        m["order_no"] = self.desk.numbers(k)
        m["ts"] = t
        m["source"] = SRC_LIQUIDATION
        nc = len(cancel)
        if nc:
            tg = np.asarray(cancel, dtype=np.int64)
            row = {int(no): j for j, no in enumerate(live["order_no"])}
            ix = np.array([row[x] for x in cancel])
            m["action"][:nc] = CANCEL
            m["target"][:nc] = tg
            m["account"][:nc] = live["account"][ix]
            m["contract"][:nc] = live["contract"][ix]
        m["target"][nc:] = -1
        m["action"][nc:] = NEW
        m["account"][nc:] = plan["account"]
        m["contract"][nc:] = plan["contract"]
        m["side"][nc:] = plan["side"]
        m["offset"][nc:] = CLOSE
        m["type"][nc:] = LIMIT
        m["price"][nc:] = price
        m["qty"][nc:] = plan["qty"]
        batch = eng.submit(m, phase=PHASE_CONTINUOUS)
        self.msgs.append(m)
        self.orders.append(plan)
        nos = m["order_no"][nc:].copy()
        self.order_nos.append(nos)
        self.prices.append(np.asarray(price, dtype=np.int64))
        self.times.append(np.full(len(plan), t, dtype=np.int64))
        self.carried_rows.append(np.full(len(plan), carried, dtype=bool))
        if len(plan):
            self.live.append((plan, nos))
            if plan["phase"][0] == LIQ_PHASE_MEMBER:
                self.members.append((end, plan, nos))
        return [batch]

    # --- ③-⑤ events ------------------------------------------------------------------------
    def add_event(self, account: int, contract: int, qty: int, trigger: int) -> None:
        """Queue a LIQ-01 ③-⑤ event (``contract`` -1 = every contract, ``qty`` -1 = the whole
        position) for the next session start."""
        self.events.append((account, contract, qty, trigger))

    def _event_handoffs(self) -> np.ndarray | None:
        """The queued events as hand-offs at the positions held now (and empty the queue)."""
        if not self.events:
            return None
        pos = self.engine.positions()
        long = pos["long_yd"] + pos["long_td"]
        short = pos["short_yd"] + pos["short_td"]
        acc, con, side, qty, trig = [], [], [], [], []
        for a, c, q, tr in self.events:
            cons = range(self.index.n_contracts) if c < 0 else (c,)
            for ci in cons:
                for sd, held in ((SELL, long), (BUY, short)):
                    if held[a, ci] > 0:
                        acc.append(a)
                        con.append(ci)
                        side.append(sd)
                        qty.append(q)
                        trig.append(tr)
        self.events.clear()
        if not acc:
            return None
        h = event_handoffs(
            np.array(acc), np.array(con), np.array(side), np.array(qty), np.array(trig),
            long, short,
        )  # fmt: skip
        return h[h["qty"] > 0]

    # --- the loop's calls --------------------------------------------------------------------
    def session_start(self, k: int, t: int, due: np.ndarray) -> list:
        """At the start of session ``k``: the member phase of ① (``k == 0``) and of the
        queued ③-⑤ events, what is pending for the exchange (LIQ-02, ②, LIQ-04)."""
        batches = []
        shortfall = None
        if k == 0 and bool(np.any(due)):
            reserve = self.engine.account_state()["reserve"]
            shortfall = np.where(np.asarray(due) != 0, np.maximum(-reserve, 0.0), 0.0)
            if not bool(np.any(shortfall > 0)):
                shortfall = None
        given = self._event_handoffs()
        if shortfall is not None or given is not None:
            plan = self._plan(shortfall=shortfall, handoffs=given)
            batches += self._submit(plan, t, end=k + self.member_sessions - 1)
        if len(self.pending):
            pending, self.pending = self.pending, np.zeros(0, LIQ_ORDER_DTYPE)
            carried = pending[pending["seq"] < 0]  # LIQ-04 carry (marked by the loop)
            if len(carried):
                carried = carried.copy()
                carried["seq"] = np.arange(len(carried))
                batches += self._submit(carried, t, carried=True)
            batches += self._submit(pending[pending["seq"] >= 0], t)
        return batches

    def session_end(self, k: int, t: int, handoffs: np.ndarray | None) -> list:
        """At the end of session ``k``: end of a member window (LIQ-02: cancel the
        remainder, hand it to the exchange for the next session); ② hand-offs."""
        batches = []
        more = k + 1 < self.n_sessions
        for _, plan, nos in [x for x in self.members if x[0] == k]:
            status, filled, _ = self.engine.order_status(nos)
            live = (status == ST_ACCEPTED) | (status == ST_PARTIAL)
            if live.any():
                m = np.zeros(int(live.sum()), dtype=MSG_DTYPE)
                m["order_no"] = self.desk.numbers(len(m))
                m["ts"] = t
                m["action"] = CANCEL
                m["target"] = nos[live]
                m["account"] = plan["account"][live]
                m["contract"] = plan["contract"][live]
                m["source"] = SRC_LIQUIDATION
                batches.append(self.engine.submit(m, phase=PHASE_CONTINUOUS))
                self.msgs.append(m)
            if more:
                exch = phase_after_member(plan, filled)
                self.pending = np.concatenate([self.pending, exch])
                self.live = [x for x in self.live if x[1] is not nos]  # handed on
        if handoffs is not None and len(handoffs) and more:
            plan = self._plan(handoffs=handoffs, phase=LIQ_PHASE_EXCHANGE)
            self.pending = np.concatenate([self.pending, plan])
        return batches

    def carried(self) -> np.ndarray:
        """LIQ-04, at the close before ``expire``: the unfilled remainder of the ③-⑤ orders
        still live, as exchange phase for the next day (``seq`` -1 marks them carried)."""
        if not self.live:
            return np.zeros(0, LIQ_ORDER_DTYPE)
        plan = np.concatenate([p for p, _ in self.live])
        nos = np.concatenate([n for _, n in self.live])
        _, filled, _ = self.engine.order_status(nos)
        out = carry_over(plan, filled, triggers=CARRY_TRIGGERS, phase=LIQ_PHASE_EXCHANGE)
        out["seq"] = -1
        return out

    def finish(self) -> pl.DataFrame | None:
        """After the close: the day's message states into the desk; ``liquidations`` rows."""
        msgs = np.concatenate(self.msgs) if self.msgs else np.zeros(0, MSG_DTYPE)
        status, filled, reason = self.engine.order_status(msgs["order_no"])
        self.desk.msgs.append(msgs)
        self.desk.status.append(status)
        self.desk.filled.append(filled)
        self.desk.reason.append(reason)
        if not self.orders:
            return None
        plan = np.concatenate(self.orders)
        nos = np.concatenate(self.order_nos)
        st, fl, _ = self.engine.order_status(nos)
        return liquidations_table(
            self.day,
            plan,
            nos,
            np.concatenate(self.times),
            np.concatenate(self.prices),
            fl,
            st,
            self.index,
            carried=np.concatenate(self.carried_rows),
        )


def liquidations_table(
    day: dt.date,
    plan: np.ndarray,
    order_no: np.ndarray,
    at: np.ndarray,
    price: np.ndarray,
    filled: np.ndarray,
    status: np.ndarray,
    index: Index,
    carried: np.ndarray | None = None,
) -> pl.DataFrame:
    """``liquidations`` rows: one per liquidation order (SCENARIO.md columns first)."""
    n = len(plan)
    acc = plan["account"].astype(np.int64)
    con = plan["contract"].astype(np.int64)
    trig = plan["trigger"].astype(np.int64)
    carried = np.zeros(n, dtype=bool) if carried is None else np.asarray(carried, dtype=bool)
    rules = [
        _RULES.get(int(x), "LIQ-01, LIQ-02") + (", LIQ-04" if cv else "")
        for x, cv in zip(trig.tolist(), carried.tolist(), strict=True)
    ]
    df = pl.DataFrame(
        {
            "day": pl.repeat(day, n, dtype=pl.Date, eager=True),
            "at": pl.Series(np.asarray(at, dtype=np.int64)).cast(DT),
            "account": names(acc, index.accounts),
            "member": names(acc, index.member_of_account),
            "symbol": names(con, index.contracts),
            "trigger": names(trig, LIQ_TRIGGER_NAMES),
            "phase": names(plan["phase"], LIQ_PHASE_NAMES),
            "side": names(plan["side"], SIDE_NAMES),
            "qty": plan["qty"].astype(np.int64),
            "filled": np.asarray(filled, dtype=np.int64),
            "order_no": np.asarray(order_no, dtype=np.int64),
            "price": float_prices(price, index.tick[con]) if n else np.zeros(0),
            "status": names(status, STATUS_NAMES),
            "rule": pl.Series(rules, dtype=pl.String),
        }
    )
    return conform(df, "liquidations")


__all__ = ["CARRY_TRIGGERS", "EVENT_TRIGGERS", "DayLiquidation", "Desk", "liquidations_table"]
