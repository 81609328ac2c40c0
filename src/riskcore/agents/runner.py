"""Agents in the day loop: observe, act (vectorised per group), one engine call per step.

:class:`AgentPlan` is built once per run from the scenario (groups, step, underlying path);
:class:`DayAgents` runs one trading day:

- **before the open** (:meth:`DayAgents.top_ups`): every agent of an ``on_margin_call =
  "top_up"`` group with a margin call from the previous settlement deposits the called
  amount (a ``deposit`` event, reason ``agent top-up``), so the call is paid (MARGIN-06);
  ``"ignore"`` agents deposit nothing: the account is restricted for the day and liquidated
  by the exchange's machinery (LIQ-01 ①).
- **at each step** ``t = session start + k x step`` inside the continuous sessions (after
  the scenario's messages before ``t`` and the events at ``t``; no auction participation),
  :meth:`DayAgents.step` builds one :class:`~riskcore.agents.base.View` (best bid/ask, last
  trade price, band in force per contract; positions, free lots, restrictions and reserve
  of every account; the agents' resting orders; the underlying level), calls every group's
  ``act`` in file order, and submits all cancels (first) and new orders as one
  ``PHASE_CONTINUOUS`` batch at ``t``. New orders are LIMIT, priced in ticks and clipped to
  the band in force. A **restricted** agent (unpaid call, liquidation) sends no opening
  orders: they are dropped before submission (its close orders and cancels still go).
- **after the close** (:meth:`DayAgents.finish`): the day's messages and their final states
  go to the run's :class:`~riskcore.sim.liquidate.Desk`, which numbers them after the
  scenario's messages from the counter it shares with forced liquidation; they appear in
  ``orders`` with ``source = "agent"``, ``client_id`` ``agent-N``.

Determinism: a group's random numbers come only from
``np.random.SeedSequence(seed, spawn_key=(1, group number, date ordinal))``, a fresh stream
per group and calendar day; an agent's state within the day (momentum's price history,
fundamental traders' fair-value errors) starts afresh from the day's starting state each
morning (the previous settlement), and everything else agents use (positions, money,
restrictions) is the engine's, which is rebuilt from :class:`~riskcore.sim.build.Carry`.
So a run continued from a saved end-of-day state produces the same flow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from time import perf_counter

import numpy as np

from riskcore.agents import fundamental, market_maker, momentum, noise, speculator
from riskcore.agents.base import Group, Orders, View
from riskcore.agents.underlying import UnderlyingPath, underlying_path
from riskcore.records import (
    CANCEL,
    LIMIT,
    MSG_DTYPE,
    NEW,
    OPEN,
    PHASE_CONTINUOUS,
    SRC_AGENT,
    ST_ACCEPTED,
    ST_PARTIAL,
)
from riskcore.scenario import Event, Scenario

AGENT_STREAM = 1
"""First ``spawn_key`` element of the agents' random streams (the underlying uses 0)."""
DEFAULT_STEP = 1.0
"""Seconds between two agent steps when neither the scenario nor the options set one."""
NS = 1_000_000_000

_LIVE_FIELDS = ("order_no", "price", "account", "contract", "side", "offset", "qty", "leaves")
_ACT = {
    "noise": noise.act,
    "market_maker": market_maker.act,
    "momentum": momentum.act,
    "speculator": speculator.act,
}


@dataclass(eq=False)
class AgentPlan:
    """What every day of a run shares: the groups, the step, the underlying path.

    Attributes
    ----------
    groups : list of Group
    step_ns : int
        Time between two steps, ns.
    seed : int
    path : UnderlyingPath or None
    contracts : ndarray of int64
        The contracts any group trades.
    """

    groups: list[Group]
    step_ns: int
    seed: int
    path: UnderlyingPath | None
    contracts: np.ndarray

    @classmethod
    def of(cls, sc: Scenario, account_no: dict, contract_no: dict, step: float | None = None):
        """The plan of ``sc`` (``None`` without ``[[agents]]``); ``step`` (s) overrides the
        scenario's ``agent_step``."""
        if not sc.agents:
            return None
        groups = [
            Group(
                number=k,
                kind=g.kind,
                accounts=np.array([account_no[a] for a in g.accounts], dtype=np.int64),
                contract=contract_no[g.symbol],
                params=dict(g.params),
                top_up=g.on_margin_call == "top_up",
            )
            for k, g in enumerate(sc.agents)
        ]
        s = step if step is not None else (getattr(sc, "agent_step", None) or DEFAULT_STEP)
        path = None
        if sc.underlying is not None:
            path = underlying_path(sc.underlying, sc.calendar.trading_days, sc.seed)
        cons = np.unique(np.array([g.contract for g in groups], dtype=np.int64))
        return cls(groups, max(round(float(s) * NS), 1), sc.seed, path, cons)


@dataclass(eq=False)
class DayAgents:
    """One trading day of the agents (module docstring).

    Parameters
    ----------
    plan : AgentPlan
    desk : riskcore.sim.liquidate.Desk
        Numbers the messages (shared with forced liquidation) and keeps them for ``orders``.
    engine : riskcore.engine.Engine
        The day's engine.
    day : date
    sessions : ndarray of int64, shape (k, 2)
        The day's continuous sessions, ns.
    prev_settle : ndarray of int64
        Previous settlement per contract, ticks.
    tick : ndarray of float64
        Tick size per contract, index points.
    fills : list of ndarray
        The day's fill arrays as the loop keeps them (read for the last trade price).
    """

    plan: AgentPlan
    desk: object
    engine: object
    day: dt.date
    sessions: np.ndarray
    prev_settle: np.ndarray
    tick: np.ndarray
    fills: list
    timings: dict | None = None
    rngs: list = field(init=False)
    errors: dict = field(init=False)
    msgs: list = field(default_factory=list)

    def __post_init__(self) -> None:
        key = self.day.toordinal()
        self.rngs = [
            np.random.default_rng(
                np.random.SeedSequence(self.plan.seed, spawn_key=(AGENT_STREAM, g.number, key))
            )
            for g in self.plan.groups
        ]
        self.errors = {
            g.number: fundamental.day_errors(g, rng)
            for g, rng in zip(self.plan.groups, self.rngs, strict=True)
            if g.kind == "fundamental"
        }
        self.last = np.full(len(self.prev_settle), -1, dtype=np.int64)
        self.seen = 0
        self._times = self._step_times()
        self.history = np.zeros((len(self._times) + 1, len(self.prev_settle)), np.int64)
        self.history[0] = self.prev_settle
        self.k = 0  # steps done
        self.step_t = np.zeros(len(self._times) + 1, np.int64)  # time and first order number
        self.step_no = np.zeros(len(self._times) + 1, np.int64)  # of each step done
        # the agents' orders that may still rest (pruned with order_status at each step)
        self.open = {f: np.zeros(0, np.int64) for f in _LIVE_FIELDS}

    # --- before the open ---------------------------------------------------------------------
    def top_ups(self, margin_call: np.ndarray, at_ns: int, index) -> list[Event]:
        """Deposits paying the margin calls of ``top_up`` agents (``deposit`` events at
        ``at_ns``, to be applied before the open)."""
        out = []
        at = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=at_ns // 1000)
        for g in self.plan.groups:
            if not g.top_up:
                continue
            for a in g.accounts[margin_call[g.accounts] > 0]:
                out.append(
                    Event(
                        at=at,
                        at_ns=at_ns,
                        kind="deposit",
                        account=index.accounts[int(a)],
                        amount=float(margin_call[a]),
                        reason="agent top-up (on_margin_call = top_up)",
                        origin="agents",
                    )
                )
        return out

    # --- the steps ---------------------------------------------------------------------------
    def times(self) -> np.ndarray:
        """Step times of the day: every ``step`` from each session's start, ns."""
        return self._times

    def _step_times(self) -> np.ndarray:
        parts = [np.arange(int(s0), int(s1), self.plan.step_ns) for s0, s1 in self.sessions]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def _observe(self, t: int) -> View:
        eng = self.engine
        for f in self.fills[self.seen :]:  # last trade price per contract
            for c in self.plan.contracts:
                px = f["price"][f["contract"] == c]
                if len(px):
                    self.last[c] = px[-1]
        self.seen = len(self.fills)
        n_c = len(self.prev_settle)
        bid = np.full(n_c, -1, np.int64)
        ask = np.full(n_c, -1, np.int64)
        lo = np.zeros(n_c, np.int64)
        hi = np.zeros(n_c, np.int64)
        for c in self.plan.contracts:
            d = eng.depth(int(c), 1)
            if d.bid_qty[0] > 0:
                bid[c] = d.bid_price[0]
            if d.ask_qty[0] > 0:
                ask[c] = d.ask_price[0]
            _, lo[c], hi[c] = eng.market_state(int(c))
        ref = np.where(self.last >= 0, self.last, self.prev_settle)
        both = (bid >= 0) & (ask >= 0)
        ref = np.where(both, (bid + ask) // 2, ref)
        ref = np.clip(ref, lo, hi)
        self.k += 1
        if self.k >= len(self.history):  # a step off the planned times (direct calls)
            self.history = np.concatenate([self.history, self.history[-1:]])
            self.step_t = np.concatenate([self.step_t, [0]])
            self.step_no = np.concatenate([self.step_no, [0]])
        self.history[self.k] = ref
        pos = eng.positions()
        long = pos["long_yd"] + pos["long_td"]
        short = pos["short_yd"] + pos["short_td"]
        acc = eng.account_state()
        live = self._live()
        u = np.nan
        if self.plan.path is not None:
            u = self.plan.path.level(self.day, t, self.sessions)
        return View(
            t=t,
            step_s=self.plan.step_ns / NS,
            bid=bid,
            ask=ask,
            last=self.last.copy(),
            ref=ref,
            band_lo=lo,
            band_hi=hi,
            prev_settle=np.asarray(self.prev_settle, np.int64),
            tick=np.asarray(self.tick, np.float64),
            long=long,
            short=short,
            free_long=long - pos["pend_close_long"],
            free_short=short - pos["pend_close_short"],
            restricted=acc["restricted"] != 0,
            reserve=acc["reserve"],
            live=live,
            underlying=u,
            history=self.history[: self.k + 1],
        )

    def _live(self) -> np.ndarray:
        """The agents' resting orders (``LIVE_ORDER_DTYPE``, ``leaves`` up to date), from
        the engine's per-order states: no walk over the book."""
        o = self.open
        if len(o["order_no"]):
            status, filled, _ = self.engine.order_status(o["order_no"])
            keep = (status == ST_ACCEPTED) | (status == ST_PARTIAL)
            o = {f: v[keep] for f, v in o.items()}
            o["leaves"] = o["qty"] - filled[keep]
            self.open = o
        return o

    def _stale_no(self, t: int, after_s: float) -> int:
        """Agent orders numbered below this were sent before ``t - after_s``."""
        done = self.k - 1  # steps before this one (this step's row is not written yet)
        i = int(np.searchsorted(self.step_t[:done], t - int(after_s * NS), side="left"))
        return int(self.step_no[i]) if i < done else self.desk.first_no + self.desk.n

    def step(self, t: int):
        """One step at ``t``: observe, every group acts, one engine call. Returns the
        engine's batch (``None`` when no group sent anything)."""
        t0 = perf_counter()
        view = self._observe(t)
        parts: list[tuple[Group, Orders]] = []
        for g, rng in zip(self.plan.groups, self.rngs, strict=True):
            if g.kind == "fundamental":
                out = fundamental.act(view, g, rng, self.errors[g.number])
            else:
                if g.kind == "noise":
                    view.stale_no = self._stale_no(t, g.params["cancel_after"])
                out = _ACT[g.kind](view, g, rng)
            parts.append((g, out))
        self.step_t[self.k - 1] = t
        self.step_no[self.k - 1] = self.desk.first_no + self.desk.n
        m = self._messages(t, view, parts)
        batch = None
        kernel = 0.0
        if len(m):
            t1 = perf_counter()
            batch = self.engine.submit(m, phase=PHASE_CONTINUOUS)
            kernel = perf_counter() - t1
            self.msgs.append(m)
            new = m["action"] == NEW
            o = self.open
            for f in _LIVE_FIELDS:
                src = "qty" if f == "leaves" else f
                o[f] = np.concatenate([o[f], m[src][new].astype(np.int64)])
        if self.timings is not None:  # the kernel's share of the step, the agents' the rest
            self.timings["kernel"] = self.timings.get("kernel", 0.0) + kernel
            spent = perf_counter() - t0 - kernel
            self.timings["agents"] = self.timings.get("agents", 0.0) + spent
        return batch

    def _messages(self, t: int, view: View, parts: list[tuple[Group, Orders]]) -> np.ndarray:
        """Cancels, then new orders, of every group as one ``MSG_DTYPE`` batch at ``t``."""
        cancel = np.concatenate([o.cancel for _, o in parts]) if parts else np.zeros(0, np.int64)
        news = [(g, o) for g, o in parts if len(o.account)]
        acc = np.concatenate([o.account for _, o in news]) if news else np.zeros(0, np.int64)
        con = (
            np.concatenate([np.full(len(o.account), g.contract) for g, o in news]) if news else acc
        )
        side = np.concatenate([o.side for _, o in news]) if news else np.zeros(0, np.int8)
        off = np.concatenate([o.offset for _, o in news]) if news else np.zeros(0, np.int8)
        price = np.concatenate([o.price for _, o in news]) if news else acc
        qty = np.concatenate([o.qty for _, o in news]) if news else acc
        keep = ~(view.restricted[acc] & (off == OPEN)) if len(acc) else np.zeros(0, bool)
        acc, con, side, off, price, qty = (x[keep] for x in (acc, con, side, off, price, qty))
        price = np.clip(price, view.band_lo[con], view.band_hi[con])
        nc, nn = len(cancel), len(acc)
        m = np.zeros(nc + nn, dtype=MSG_DTYPE)
        if len(m) == 0:
            return m
        m["order_no"] = self.desk.numbers(len(m))
        m["ts"] = t
        m["source"] = SRC_AGENT
        if nc:
            live = view.live
            order = np.argsort(live["order_no"])
            row = order[np.searchsorted(live["order_no"], cancel, sorter=order)]
            m["action"][:nc] = CANCEL
            m["target"][:nc] = cancel
            m["account"][:nc] = live["account"][row]
            m["contract"][:nc] = live["contract"][row]
        m["action"][nc:] = NEW
        m["target"][nc:] = -1
        m["account"][nc:] = acc
        m["contract"][nc:] = con
        m["side"][nc:] = side
        m["offset"][nc:] = off
        m["type"][nc:] = LIMIT
        m["price"][nc:] = price
        m["qty"][nc:] = qty
        return m

    # --- after the close ---------------------------------------------------------------------
    def finish(self) -> int:
        """After ``expire``: the day's messages and their final states into the desk.
        Returns the number of messages of the day."""
        if not self.msgs:
            return 0
        m = np.concatenate(self.msgs)
        status, filled, reason = self.engine.order_status(m["order_no"])
        self.desk.msgs.append(m)
        self.desk.status.append(status)
        self.desk.filled.append(filled)
        self.desk.reason.append(reason)
        self.msgs = []
        return len(m)


__all__ = ["AGENT_STREAM", "DEFAULT_STEP", "AgentPlan", "DayAgents"]
