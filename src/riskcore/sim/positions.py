"""Position limits and large-trader reports in the day loop (POS-01..04, LTR-01/02).

This module only sequences; the rules are the pure functions of
:mod:`riskcore.risk.position_limits` and :mod:`riskcore.risk.large_traders`. The pre-trade
checks (POS-01..04: an opening order that would breach is rejected ``POSITION_LIMIT`` /
``MEMBER_LIMIT``; closing is always allowed; hedge quotas exempt, POS-03) are in the engine
kernel (``docs/engine-semantics.md`` steps 10-11). What is here:

- ``position_limit`` events (POS-01, :func:`riskcore.sim.admin.apply_event`): the new limit
  is in force **from the event's time on**: the loop cuts the message stream at the event
  (as for every event), sets the engine's ``cs["pos_limit"]`` between the chunks, and the next
  opening order is checked against it. It stays in force on the following days (carried as
  ``Carry.pos_limit``). :func:`position_limit_notices` writes one ``notices`` row per contract
  whose limit changed (``kind`` ``position_limit``, old and new lots, ``rule`` POS-01).
- The POS-02 member cap is recomputed from every settlement's open interest:
  :func:`riskcore.sim.build.day_market` derives it from the carried positions (the positions
  after the previous settlement) each day.
- :func:`limit_breach_hook` (end of day, after the settlement): positions after settlement
  checked against the limits in force for the next day (the POS-01 limit with any
  ``position_limit`` event already applied, plus each investor's hedge quota; the POS-02 cap
  from today's open interest). A breach that arose without an order (limit lowered, open
  interest shrunk) is carried to the next day (``Carry.breaches``).
- :func:`cure_window` (next day, at the end of session ``limit_cure_sessions``, default the
  first; called by the loop between chunks, no Python per order): the breaches not cured by
  then are handed to forced liquidation (LIQ-01 ②) with the excess as the quantity, allocated
  to accounts (:func:`riskcore.risk.position_limits.cure_status`). The hand-offs
  (``HANDOFF_DTYPE``) are on ``DayState.limit_handoffs`` and in the ``limit_breaches`` table.
  The day loop liquidates them (:mod:`riskcore.sim.liquidate`: exchange-phase close orders
  from the next session's start); nothing is closed here, and no account is restricted (the
  rules restrict nothing for a limit breach; the kernel already refuses opening orders that
  would add to it). A breach the liquidation does not cure (no counterparty) is found again
  at the next settlement and handed off again after its next cure window.
- :func:`pending_breaches` (after the last day): breaches whose cure window is after the
  run, ``status`` ``pending``.
- :func:`large_trader_hook` (end of day, after the breach hook): LTR-02 first (unfiled
  reports of earlier days whose deadline, today's close, has come: ``overdue_reports`` rows,
  also on ``DayState.overdue_reports`` for the warnings module, WARN-01 ⑤), then LTR-01: one
  ``large_trader_reports`` row per account of every investor whose position in a contract
  reaches the reporting threshold (``large_trader_threshold`` x the position limit in force
  for the next day), due at the next trading day's close. ``filed`` is the account's
  ``files_reports``: a report is filed on time or never; the unfiled ones are carried
  (``Carry.reports``) until their deadline.

Choices where the rules are silent:

- If the POS-01 limit is *raised* during the cure window, a breach is measured against the
  higher limit (it may be cured by the change); if it is lowered further, the breach keeps
  its recorded limit and the new excess is a new breach at that day's settlement, with its
  own cure window.
- ``limit_cure_sessions`` larger than the day's sessions: the window ends at the close.
- A member breach whose excess the investor hand-offs already close (same accounts) is
  ``handed_to_liquidation`` with ``qty`` 0 and no account.
- Unfiled reports due after the run are not reported overdue (the run ended first).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from riskcore.output.tables import (
    empty,
    limit_breaches_table,
    money,
    names,
    overdue_reports_table,
)
from riskcore.records import BUY, NO_LIMIT
from riskcore.risk.large_traders import large_trader_reports, overdue_reports, report_threshold
from riskcore.risk.position_limits import (
    HANDOFF_DTYPE,
    PARTY_INVESTOR,
    PARTY_MEMBER,
    PARTY_NAMES,
    POSITION_SIDE_NAMES,
    SHORT,
    cure_status,
    investor_positions,
    limit_breaches,
    member_limit_lots,
    member_positions,
)
from riskcore.sim.clock import DAY_NS, day_number, time_ns
from riskcore.sim.settle import next_trading_day

if TYPE_CHECKING:
    from riskcore.engine import Engine
    from riskcore.scenario import Calendar, Event
    from riskcore.sim.build import Carry, Index
    from riskcore.sim.loop import DayState

CLOSE_SIDE_NAMES = (None, "buy", "sell")
"""Hand-off closing side code (``BUY`` = 1, ``SELL`` = 2) -> ``limit_breaches.close_side``."""
RULES = ("POS-01", "POS-02")
"""Rule of a breach by party kind (investor, member)."""
STATUS_NAMES = ("cured", "handed_to_liquidation", "pending")
"""``limit_breaches.status``: cured by the end of the window; handed to forced liquidation
(LIQ-01 ②); pending (the window ends after the run)."""
_NO_CAP = np.iinfo(np.int64).max // 4  # "no limit" where a breach record needs a number


# --- calendar ------------------------------------------------------------------------------
def session_end_ns(calendar: Calendar, day: dt.date, sessions: int | None = None) -> int:
    """End of session number ``sessions`` (1 = the first) of ``day``, ns since the epoch;
    ``None`` or more than the day has: the close (UNIT-03)."""
    ends = [b for _, b in calendar.sessions]
    k = len(ends) if sessions is None else min(max(int(sessions), 1), len(ends))
    return day_number(day) * DAY_NS + time_ns(ends[k - 1])


# --- position_limit events (POS-01) ----------------------------------------------------------
def position_limit_notices(
    day: dt.date, ev: Event, before: np.ndarray, after: np.ndarray, index: Index
) -> list[dict]:
    """``notices`` rows of a ``position_limit`` event: one per listed contract whose POS-01
    limit changed, ``old_value``/``new_value`` lots per side (null = no limit)."""
    why = f": {ev.reason}" if ev.reason else ""
    reason = (
        f"position_limit event at {ev.at:%Y-%m-%d %H:%M:%S}{why}; in force for opening "
        "orders from then on (POS-01)"
    )
    listed = index.last_day >= day_number(day)
    rows = []
    for c in np.flatnonzero(listed & (before != after)):
        rows.append(
            {
                "day": day,
                "symbol": index.contracts[c],
                "kind": "position_limit",
                "old_value": None if before[c] == NO_LIMIT else float(before[c]),
                "new_value": None if after[c] == NO_LIMIT else float(after[c]),
                "reason": reason,
                "cause": "event",
                "rule": "POS-01",
            }
        )
    return rows


# --- POS-04 breaches -------------------------------------------------------------------------
def limit_breach_hook(day: dt.date, state: DayState) -> None:
    """End-of-day hook (after the settlement hook): POS-04 breaches of the positions after
    settlement against the limits in force for the next day.

    POS-01 limit: ``state.next_pos_limit`` (``position_limit`` events applied) plus each
    investor's hedge quota (POS-03); POS-02 cap: ``floor(member_oi_share x open interest)``
    when today's single-side open interest exceeds ``member_oi_threshold``. Writes
    ``state.next_breaches`` (``BREACH_DTYPE``, cured or handed off in the next day's cure
    window, :func:`cure_window`); emits an empty ``limit_breaches`` frame so the table exists
    (its rows are written when the breaches are checked).
    """
    rb, index = state.scenario.rulebook, state.index
    long, short = state.next_long, state.next_short
    inv_l, inv_s = investor_positions(long, short, index.account_investor, len(index.investors))
    mem_l, mem_s = member_positions(long, short, index.account_member, len(index.members))
    cap = member_limit_lots(long.sum(axis=0), rb.member_oi_threshold, rb.member_oi_share)
    state.next_breaches = limit_breaches(
        inv_l, inv_s, index.hedge_quota, state.next_pos_limit, mem_l, mem_s, cap
    )
    state.emit("limit_breaches", empty("limit_breaches"))


def cure_window(
    carry: Carry, engine: Engine, index: Index, pos_limit: np.ndarray, due: int
) -> tuple[np.ndarray, pl.DataFrame | None]:
    """POS-04 at the end of the cure window: the previous settlement's breaches cured or
    handed to forced liquidation (LIQ-01 ②).

    Called by the day loop between chunks at the end of session ``limit_cure_sessions``.
    The live positions of ``engine`` (yesterday's + today's lots) are compared with each
    breach's limit (the recorded one, or the POS-01 limit in force now plus the hedge quota
    if that is higher); what is still over is allocated to accounts by
    :func:`riskcore.risk.position_limits.cure_status`. Nothing is closed here: the forced
    liquidation itself comes with the LIQ issue, which takes the hand-offs.

    Parameters
    ----------
    carry : Carry
        The day's starting state (``breaches``, ``breach_day``).
    engine : Engine
        The day's engine at the end of the window.
    index : Index
    pos_limit : ndarray of int64, shape (n_contracts,)
        POS-01 lots per side in force now (``NO_LIMIT`` = none).
    due : int
        The end of the window, ns since the epoch.

    Returns
    -------
    handoffs : ndarray of HANDOFF_DTYPE
        Lots to close per account (trigger LIQ-01 ②).
    frame : polars.DataFrame or None
        The ``limit_breaches`` rows; ``None`` without breaches.
    """
    breaches = carry.breaches
    if breaches is None or len(breaches) == 0:
        return np.zeros(0, dtype=HANDOFF_DTYPE), None
    check = breaches.copy()
    inv = check["kind"] == PARTY_INVESTOR
    now = np.asarray(pos_limit, dtype=np.int64)[check["contract"]]
    quota = index.hedge_quota[np.where(inv, check["party"], 0)] if len(index.hedge_quota) else 0
    now_limit = np.where(now == NO_LIMIT, _NO_CAP, now + quota)
    check["limit"] = np.where(inv, np.maximum(check["limit"], now_limit), check["limit"])
    pos = engine.positions()
    cure = cure_status(
        check,
        pos["long_yd"] + pos["long_td"],
        pos["short_yd"] + pos["short_td"],
        index.account_investor,
        index.account_member,
        index.proprietary,
    )
    frame = breach_frame(
        carry.breach_day, breaches, index, due, cure.remaining, np.ones(len(breaches), bool),
        cure.handoffs,
    )  # fmt: skip
    return cure.handoffs, frame


def pending_breaches(
    carry: Carry, index: Index, calendar: Calendar, sessions: int
) -> pl.DataFrame | None:
    """After the last day: the last settlement's breaches, whose cure window ends after the
    run (the next trading day's session ``sessions`` by the calendar), as ``pending`` rows."""
    breaches = carry.breaches
    if breaches is None or len(breaches) == 0 or carry.breach_day is None:
        return None
    nxt = next_trading_day(calendar, carry.breach_day)
    due = session_end_ns(calendar, nxt, sessions) if nxt is not None else 0
    n = len(breaches)
    return breach_frame(
        carry.breach_day, breaches, index, due, np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=bool), np.zeros(0, dtype=HANDOFF_DTYPE),
    )  # fmt: skip


def breach_frame(
    day: dt.date,
    breaches: np.ndarray,
    index: Index,
    due: int,
    remaining: np.ndarray,
    checked: np.ndarray,
    handoffs: np.ndarray,
) -> pl.DataFrame:
    """``limit_breaches`` rows: one per breach, or one per hand-off account of a breach.

    Hand-offs belong to the breach of the same party kind, party, contract and position
    side (a ``SELL`` hand-off closes a long breach); they keep their allocation order.
    """
    n_c = max(index.n_contracts, 1)
    n_p = int(max(len(index.investors), len(index.members), 1))

    def key(kind, party, contract, short):
        return ((kind.astype(np.int64) * n_p + party) * n_c + contract) * 2 + short

    bkey = key(breaches["kind"], breaches["party"], breaches["contract"], breaches["side"] == SHORT)
    hkey = key(handoffs["kind"], handoffs["party"], handoffs["contract"], handoffs["side"] == BUY)
    order = np.argsort(hkey, kind="stable")
    hand, hkey = handoffs[order], hkey[order]
    lo = np.searchsorted(hkey, bkey, side="left")
    cnt = np.searchsorted(hkey, bkey, side="right") - lo
    per = np.maximum(cnt, 1)
    bi = np.repeat(np.arange(len(breaches)), per)
    within = np.arange(len(bi)) - np.repeat(np.cumsum(per) - per, per)
    has = np.repeat(cnt > 0, per)
    hi = np.where(has, np.repeat(lo, per) + within, 0)
    h = hand[hi] if len(hand) else np.zeros(len(bi), dtype=HANDOFF_DTYPE)
    br = breaches[bi]
    rem = np.asarray(remaining, dtype=np.int64)[bi]
    chk = np.asarray(checked, dtype=bool)[bi]
    kinds = br["kind"].astype(np.int64)
    party = br["party"] + np.where(kinds == PARTY_MEMBER, len(index.investors), 0)
    status = np.where(~chk, 2, np.where(rem > 0, 1, 0))
    return limit_breaches_table(
        day,
        party=names(party, (*index.investors, *index.members)),
        party_kind=names(kinds, PARTY_NAMES),
        contract=br["contract"],
        contracts=index.contracts,
        side=names(br["side"], POSITION_SIDE_NAMES),
        held=br["held"],
        limit=br["limit"],
        excess=br["excess"],
        due=np.full(len(bi), int(due), dtype=np.int64),
        remaining=rem,
        checked=chk,
        status=names(status, STATUS_NAMES),
        account=np.where(has, h["account"], -1),
        accounts=index.accounts,
        qty=np.where(has, h["qty"], 0),
        close_side=names(np.where(has, h["side"], -1), CLOSE_SIDE_NAMES),
        rule=names(kinds, RULES),
    )


# --- LTR-01 / LTR-02 -------------------------------------------------------------------------
def large_trader_hook(day: dt.date, state: DayState) -> None:
    """End-of-day hook (after the settlement hook): overdue reports (LTR-02), then the day's
    large-trader reports (LTR-01).

    1. Unfiled reports carried from earlier settlements (``state.carry.reports``) whose
       deadline is today's close or earlier are overdue: ``overdue_reports`` rows and
       ``state.overdue_reports`` (the WARN-01 ⑤ trigger the warnings module consumes).
    2. Threshold ``ceil(large_trader_threshold x position limit)`` lots per contract with the
       limit in force for the next day (``state.next_pos_limit``; no limit, no reports).
       Positions after settlement, ``margin`` the position's trading margin at the settlement
       price, ``available`` the account's reserve after settlement less anything frozen,
       ``due`` the next trading day's close by the calendar (within the run or not). Rows go
       to ``large_trader_reports``; the unfiled ones are carried (``state.next_reports``).
    """
    sc, index, rb = state.scenario, state.index, state.scenario.rulebook
    close = state.clock.close
    pending = state.carry.reports if state.carry is not None else None
    if pending is None:
        pending = empty("large_trader_reports")
    late = overdue_reports(pending, close)
    state.overdue_reports = late
    state.emit("overdue_reports", overdue_reports_table(late, day, close))
    keep = pending.filter(pl.col("due") > pl.lit(close, dtype=pl.Int64).cast(pl.Datetime("ns")))

    long, short = state.next_long, state.next_short
    inv_l, inv_s = investor_positions(long, short, index.account_investor, len(index.investors))
    thr = report_threshold(state.next_pos_limit, rb.large_trader_threshold, index.n_contracts)
    if state.settled is not None:
        margin = state.settled.position_margin
        reserve = state.settled.reserve
    else:  # run without the settlement hook: account totals
        margin = state.settlement_margin()
        reserve = state.settled_reserve()
    available = money(reserve - state.accounts["frozen"])
    nxt = next_trading_day(sc.calendar, day)
    due = session_end_ns(sc.calendar, nxt) if nxt is not None else close + DAY_NS
    reports = large_trader_reports(
        day, due, inv_l, inv_s, thr, long, short, money(margin), available,
        index.files_reports, index.account_investor, index.account_member,
        accounts=index.accounts, investors=index.investors, investor_names=index.account_name,
        members=index.members, member_names=index.member_name, contracts=index.contracts,
        legal_person=index.proprietary,
    )  # fmt: skip
    state.emit("large_trader_reports", reports)
    state.next_reports = pl.concat([keep, reports.filter(~pl.col("filed"))])


__all__ = [
    "CLOSE_SIDE_NAMES",
    "cure_window",
    "large_trader_hook",
    "limit_breach_hook",
    "pending_breaches",
    "position_limit_notices",
    "session_end_ns",
]
