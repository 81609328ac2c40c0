"""Agents in the day loop: observe and decide in one kernel call, one engine call per step.

:class:`AgentPlan` is built once per run from the scenario (groups, step, underlying path);
:class:`DayAgents` runs one trading day:

- **before the open** (:meth:`DayAgents.top_ups`): every agent of an ``on_margin_call =
  "top_up"`` group with a margin call from the previous settlement deposits the called
  amount (a ``deposit`` event, reason ``agent top-up``), so the call is paid (MARGIN-06);
  ``"ignore"`` agents deposit nothing: the account is restricted for the day and liquidated
  by the exchange's machinery (LIQ-01 ①).
- **at each step** ``t = session start + k x step`` inside the continuous sessions (after
  the scenario's messages before ``t`` and the events at ``t``; no auction participation),
  :meth:`DayAgents.step` reads the engine (best bid/ask and band in force per contract,
  positions and account states, the states of the agents' resting orders; the last trade
  price comes from the day's fills) and calls :func:`riskcore.agents.step_nb.step`, which
  applies every group's decision rules in file order to the day's pre-drawn random numbers
  (:mod:`riskcore.agents.draws`); all cancels (first) and new orders go to the engine as one
  ``PHASE_CONTINUOUS`` batch at ``t``. New orders are LIMIT, priced in ticks and clipped to
  the band in force. A **restricted** agent (unpaid call, liquidation) sends no opening
  orders: they are dropped before submission (its close orders and cancels still go).
- **after the close** (:meth:`DayAgents.finish`): the day's messages and their final states
  go to the run's :class:`~riskcore.sim.liquidate.Desk`, which numbers them after the
  scenario's messages from the counter it shares with forced liquidation; they appear in
  ``orders`` with ``source = "agent"``, ``client_id`` ``agent-N``.

Determinism: a group's random numbers come only from
``np.random.SeedSequence(seed, spawn_key=(1, group number, date ordinal))``, a fresh stream
per group and calendar day, drawn for the whole day at its start (:mod:`riskcore.agents.draws`);
an agent's state within the day (momentum's price history, fundamental traders' fair-value
errors) starts afresh from the day's starting state each morning (the previous settlement),
and everything else agents use (positions, money, restrictions) is the engine's, which is
rebuilt from :class:`~riskcore.sim.build.Carry`. So a run continued from a saved end-of-day
state produces the same flow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from time import perf_counter

import numpy as np

from riskcore.agents import step_nb
from riskcore.agents.base import Group
from riskcore.agents.draws import KIND_CODE, N_PARAMS, day_errors, draw, param_row
from riskcore.agents.underlying import UnderlyingPath, underlying_path
from riskcore.records import MSG_DTYPE, PHASE_CONTINUOUS
from riskcore.scenario import Event, Scenario
from riskcore.scenario.values import MAX_STEP, MIN_STEP

AGENT_STREAM = 1
"""First ``spawn_key`` element of the agents' random streams (the underlying uses 0)."""
DEFAULT_STEP = 1.0
"""Seconds between two agent steps when neither the scenario nor the options set one."""
NS = 1_000_000_000


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
        if not MIN_STEP <= float(s) <= MAX_STEP:
            raise ValueError(
                f"agent_step {s!r} s is out of range (expected {MIN_STEP} to {MAX_STEP} s)"
            )
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

    def __post_init__(self) -> None:
        t0 = perf_counter()
        key = self.day.toordinal()
        groups = self.plan.groups
        self.rngs = [
            np.random.default_rng(
                np.random.SeedSequence(self.plan.seed, spawn_key=(AGENT_STREAM, g.number, key))
            )
            for g in groups
        ]
        n_g = len(groups)
        # rows: kind code, first account, number of agents, contract (accounts consecutive)
        self.grp = np.zeros((4, n_g), np.int64)
        for i, g in enumerate(groups):
            lo = int(g.accounts[0]) if len(g.accounts) else 0
            self.grp[:, i] = KIND_CODE[g.kind], lo, len(g.accounts), g.contract
        self.g_par = np.zeros((n_g, N_PARAMS), np.float64)
        for i, g in enumerate(groups):
            self.g_par[i] = param_row(g.kind, g.params)
        n_acc = int(max((self.grp[1] + self.grp[2]).max(initial=0), 1))
        self.err = np.zeros(n_acc, np.float64)  # fundamental traders' errors, by account
        for g, rng in zip(groups, self.rngs, strict=True):
            e = day_errors(g.kind, g.params, len(g.accounts), rng)
            if len(e):
                self.err[g.accounts] = e
        self._times = self._step_times()
        n_s, n_c = len(self._times), len(self.prev_settle)
        self.draws = [[] for _ in groups]
        self._draw(n_s)
        self.levels = np.full(n_s, np.nan)  # the underlying at each planned step
        if self.plan.path is not None and n_s:
            self.levels = self.plan.path.levels(self.day, self._times, self.sessions)
        # rows: best bid, best ask, last trade today, previous settlement, band lo, band hi
        self.mkt = np.zeros((6, n_c), np.int64)
        self.mkt[0:3] = -1
        self.mkt[3] = self.prev_settle
        self.ticks = np.ascontiguousarray(self.tick, np.float64)
        self.cons = [int(c) for c in self.plan.contracts]
        self.seen = 0
        self.history = np.zeros((n_s + 1, n_c), np.int64)
        self.history[0] = self.prev_settle
        self.k = 0  # steps done
        self.steps = np.zeros((2, n_s + 1), np.int64)  # time, first order number of each step
        # the agents' orders that may still rest: rows order_no, price, account, contract,
        # side, offset, qty, leaves (pruned with order_status at each step)
        self.n_agents = int(self.grp[2].sum())
        self.n_live = 0
        self.live = np.zeros((8, 4 * self.n_agents + 64), np.int64)
        self.scr = np.zeros((2, self.live.shape[1]), np.int64)  # rows to cancel, pending lots
        self.m = np.zeros(0, MSG_DTYPE)  # the day's agent messages (n_msgs of them)
        self.n_msgs = 0
        self.o = np.zeros((5, 2 * int(self.grp[2].max(initial=0)) + 1), np.int64)
        self.held = None  # long, short, free long, free short lots (n_accounts, n_contracts)
        if self.timings is not None:  # the day's draws count as agent time
            self.timings["agents"] = self.timings.get("agents", 0.0) + perf_counter() - t0

    def _draw(self, n_steps: int) -> None:
        """Draw ``n_steps`` more steps of every group's random numbers and pack them."""
        step_s = self.plan.step_ns / NS
        for g, rng, parts in zip(self.plan.groups, self.rngs, self.draws, strict=True):
            parts.append(draw(g.kind, g.params, len(g.accounts), rng, n_steps, step_s))
        n_total = sum(len(p.ptr) - 1 for p in self.draws[0]) if self.draws else 0
        self.d_ptr = np.zeros((len(self.draws), n_total + 1), np.int64)
        fields: dict[str, list] = {"agent": [], "buy": [], "k": [], "qty": []}
        base = 0
        for i, parts in enumerate(self.draws):
            s = 0
            for p in parts:
                steps = len(p.ptr) - 1
                self.d_ptr[i, s : s + steps + 1] = base + p.ptr
                base += int(p.ptr[-1])
                s += steps
                for f, out in fields.items():
                    out.append(getattr(p, f))
        z = np.zeros(0, np.int64)
        self.d = np.stack(
            [np.concatenate(fields[f]) if fields[f] else z for f in ("agent", "buy", "k", "qty")]
        )

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

    def _room(self, n_live: int) -> None:
        """Grow the live-order table and the message buffer for this step."""
        need = n_live + 2 * self.n_agents
        if need > self.live.shape[1]:
            grown = np.zeros((8, 2 * need), np.int64)
            grown[:, :n_live] = self.live[:, :n_live]
            self.live = grown
            self.scr = np.zeros((2, 2 * need), np.int64)
        if self.n_msgs + need > len(self.m):  # the day's messages, kept for finish
            grown = np.zeros(2 * (self.n_msgs + need), MSG_DTYPE)
            grown[: self.n_msgs] = self.m[: self.n_msgs]
            self.m = grown

    def _extend(self) -> None:
        """More rows for steps off the planned times (direct calls)."""
        more = max(len(self.history) - 1, 1)
        self._draw(more)
        n_c = self.history.shape[1]
        self.history = np.concatenate([self.history, np.zeros((more, n_c), np.int64)])
        self.steps = np.concatenate([self.steps, np.zeros((2, more), np.int64)], axis=1)

    def step(self, t: int):
        """One step at ``t``: observe, every group decides (one kernel call), one engine
        call. Returns the engine's batch (``None`` when no group sent anything)."""
        t0 = perf_counter()
        eng, k = self.engine, self.k
        if k + 1 >= len(self.history):
            self._extend()
        for f in self.fills[self.seen :]:  # last trade price per contract
            if len(f):
                step_nb.last_prices(f["price"], f["contract"], self.mkt[2])
        self.seen = len(self.fills)
        mkt = self.mkt
        for c in self.cons:
            mkt[0, c], mkt[1, c] = eng.best_quote(c)
            _, mkt[4, c], mkt[5, c] = eng.market_state(c)
        pos = eng.positions()
        acct = eng.account_state()
        if self.held is None:
            self.held = np.zeros((4, *pos.shape), np.int64)
        status, filled, _ = eng.order_status(self.live[0, : self.n_live])
        self._room(self.n_live)
        u = np.nan
        if self.plan.path is not None:
            u = (
                self.levels[k]
                if k < len(self.levels)
                else self.plan.path.level(self.day, t, self.sessions)
            )
        first = self.desk.first_no + self.desk.n
        n_msg, self.n_live = step_nb.step(
            k, t, first, u, self.grp, self.g_par, self.d_ptr, self.d, self.err, mkt, self.ticks,
            self.history, self.steps, pos, acct, status, filled, self.live, self.n_live,
            self.held, self.scr, self.o, self.m[self.n_msgs :],
        )  # fmt: skip
        self.k = k + 1
        batch = None
        kernel = 0.0
        if n_msg:
            m = self.m[self.n_msgs : self.n_msgs + n_msg]
            self.n_msgs += n_msg
            self.desk.numbers(n_msg)
            t1 = perf_counter()
            batch = eng.submit(m, phase=PHASE_CONTINUOUS)
            kernel = perf_counter() - t1
        if self.timings is not None:  # the kernel's share of the step, the agents' the rest
            self.timings["kernel"] = self.timings.get("kernel", 0.0) + kernel
            spent = perf_counter() - t0 - kernel
            self.timings["agents"] = self.timings.get("agents", 0.0) + spent
        return batch

    # --- after the close ---------------------------------------------------------------------
    def finish(self) -> int:
        """After ``expire``: the day's messages and their final states into the desk.
        Returns the number of messages of the day."""
        if not self.n_msgs:
            return 0
        m = self.m[: self.n_msgs].copy()
        status, filled, reason = self.engine.order_status(m["order_no"])
        self.desk.msgs.append(m)
        self.desk.status.append(status)
        self.desk.filled.append(filled)
        self.desk.reason.append(reason)
        self.n_msgs = 0
        return len(m)


__all__ = ["AGENT_STREAM", "DEFAULT_STEP", "AgentPlan", "DayAgents"]
