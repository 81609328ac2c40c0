"""The settlement's place in the day loop: end-of-day hooks and the margin-call deadline.

This module only sequences; the rules are the pure functions of :mod:`riskcore.risk`.

- :func:`margin_rate_hook` (end of day, first): MARGIN-04 base-rate changes the loop applied
  today (the rulebook's schedule, ``margin_rate`` events) and the MARGIN-05 automatic raises
  (① after ``locked_margin_days`` consecutive same-direction limit-locked days, ② before a
  closure of ``holiday_margin_days`` calendar days or more); the new rates apply to all
  positions at today's settlement; one ``notices`` row per change.
- :func:`settlement_hook` (end of day, after it): final settlement of contracts on their last
  trading day (SETTLE-04: closing trades of kind ``final``), mark to market and the reserve
  (SETTLE-02), trading margin at the settlement price (MARGIN-01/04), margin calls (MARGIN-06);
  rows of ``settlements`` and ``accounts_daily``.
- :func:`open_margin_calls` (next day, after the pre-open events, before the auction): each
  call paid or not by its deadline; unpaid → ``RESTRICTED`` for the day and forced liquidation
  due (the LIQ-01 ① hand-off); ``margin_calls`` rows.
- :func:`pending_margin_calls` (after the last day): calls whose deadline is after the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import polars as pl

from riskcore.output.tables import (
    accounts_daily_table,
    margin_calls_table,
    notices_table,
    settlements_table,
)
from riskcore.risk.final_settlement import final_price_ticks, final_trades
from riskcore.risk.margin_calls import (
    OUTCOME_NAMES,
    OUTCOME_PAID,
    OUTCOME_PENDING,
    OUTCOME_UNPAID,
    resolve_calls,
)
from riskcore.risk.margin_rates import (
    changed,
    effective_rate,
    holiday_raise,
    lock_streaks,
    locked_raise,
)
from riskcore.risk.settlement import settle
from riskcore.risk.settlement_price import SM_FINAL
from riskcore.sim import admin
from riskcore.sim.build import RESTRICT_MARGIN_CALL

if TYPE_CHECKING:
    from riskcore.engine import Engine
    from riskcore.scenario import Calendar, Event
    from riskcore.sim.build import Carry, Index
    from riskcore.sim.loop import DayState

EPOCH = dt.date(1970, 1, 1)
NS_PER_DAY = 86_400 * 10**9


class RateChange(NamedTuple):
    """A MARGIN-04 change of a contract's base margin rate made by the loop during a day.

    Attributes
    ----------
    contract : int
    old, new : float
        Base rate before and after, fraction.
    cause : str
        ``scheduled`` (rulebook ``margin_schedule``) or ``event`` (scenario ``margin_rate``).
    reason : str
        Text for the ``notices`` row.
    """

    contract: int
    old: float
    new: float
    cause: str
    reason: str

    @classmethod
    def scheduled(
        cls, contract: int, old: float, new: float, rulebook: str, date: dt.date
    ) -> RateChange:
        return cls(
            contract,
            float(old),
            float(new),
            "scheduled",
            f"rulebook {rulebook} margin schedule: {_pct(new)} from the settlement of "
            f"{date.isoformat()} (MARGIN-04)",
        )

    @classmethod
    def event(cls, contract: int, old: float, new: float, ev: Event) -> RateChange:
        why = f": {ev.reason}" if ev.reason else ""
        return cls(
            contract,
            float(old),
            float(new),
            "event",
            f"margin_rate event at {ev.at:%Y-%m-%d %H:%M:%S}{why} (MARGIN-04)",
        )


def _pct(rate: float) -> str:
    return f"{float(rate) * 100:.4g}%"


def _points(rate: float) -> str:
    return f"{float(rate) * 100:.4g} percentage points"


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (as ``Index.last_day``)."""
    return (day - EPOCH).days


def next_trading_day(calendar: Calendar, day: dt.date) -> dt.date | None:
    """The first trading day after ``day`` under the calendar's weekdays and holidays (the
    run's days or beyond them); ``None`` if none within a year."""
    d = day
    for _ in range(366):
        d += dt.timedelta(days=1)
        if calendar.is_trading_day(d):
            return d
    return None


def open_ns(calendar: Calendar, day: dt.date) -> int:
    """The open of ``day`` (auction start, else the first session's start), ns since the
    epoch of the naive exchange clock."""
    t = calendar.auction[0] if calendar.auction else calendar.sessions[0][0]
    secs = (t.hour * 60 + t.minute) * 60 + t.second
    return day_number(day) * NS_PER_DAY + secs * 10**9 + t.microsecond * 1000


# --- MARGIN-04 / MARGIN-05 -------------------------------------------------------------------
def margin_rate_hook(day: dt.date, state: DayState) -> None:
    """End-of-day hook: the margin rates in force from today's settlement and their notices
    (MARGIN-04, MARGIN-05 ① and ②). See :mod:`riskcore.risk.margin_rates` for the model.

    Reads ``state.carry`` (today's base rate and raises, the lock streak), ``state.locked``
    (LIMIT-04), ``state.next_base_rate`` and ``state.rate_changes`` (the loop's MARGIN-04
    changes); writes ``next_margin_rate``, ``next_locked_raise``, ``next_holiday_raise``,
    ``next_lock_streak``; emits ``notices``.
    """
    sc, index, carry = state.scenario, state.index, state.carry
    rb = sc.rulebook
    listed = index.last_day > day_number(day)  # contracts that trade after today
    streak = lock_streaks(carry.lock_streak, state.locked)
    l_raise = locked_raise(streak, rb.locked_margin_days, rb.locked_margin_raise)
    l_raise = np.where(listed, l_raise, 0.0)
    nxt = next_trading_day(sc.calendar, day)
    gap = np.full(index.n_contracts, 0 if nxt is None else (nxt - day).days)
    h_raise = holiday_raise(gap, rb.holiday_margin_days, rb.holiday_margin_raise)
    h_raise = np.where(listed, h_raise, 0.0)
    base = state.next_base_rate
    state.next_lock_streak = streak
    state.next_locked_raise = l_raise
    state.next_holiday_raise = h_raise
    state.next_margin_rate = effective_rate(base, l_raise, h_raise)

    rows: list[dict] = []

    def note(c: int, old: float, new: float, cause: str, reason: str, rule: str) -> None:
        rows.append(
            {
                "day": day,
                "symbol": index.contracts[c],
                "kind": "margin_rate",
                "old_value": float(old),
                "new_value": float(new),
                "reason": reason,
                "cause": cause,
                "rule": rule,
            }
        )

    # 1. base-rate changes, in the order the loop made them
    cur = carry.base_rate.copy()
    for ch in state.rate_changes:
        c = ch.contract
        old = effective_rate(cur[c], carry.locked_raise[c], carry.holiday_raise[c])
        cur[c] = ch.new
        new = effective_rate(cur[c], carry.locked_raise[c], carry.holiday_raise[c])
        if listed[c] and changed(old, new):
            note(c, old, new, ch.cause, ch.reason, "MARGIN-04")
    # 2. MARGIN-05 ①, 3. MARGIN-05 ②
    old = effective_rate(base, carry.locked_raise, carry.holiday_raise)
    mid = effective_rate(base, l_raise, carry.holiday_raise)
    for c in np.flatnonzero(listed & changed(old, mid)):
        if l_raise[c] > carry.locked_raise[c]:
            way = "up" if streak[c] > 0 else "down"
            reason = (
                f"limit-locked {way} (LIMIT-04) {abs(int(streak[c]))} consecutive days: "
                f"+{_points(l_raise[c])} (MARGIN-05 (1))"
            )
            note(c, old[c], mid[c], "limit_locked", reason, "MARGIN-05 (1)")
        else:
            reason = (
                "no longer limit-locked in the same direction: the MARGIN-05 (1) raise is lifted"
            )
            note(c, old[c], mid[c], "limit_locked_end", reason, "MARGIN-05 (1)")
    new = state.next_margin_rate
    for c in np.flatnonzero(listed & changed(mid, new)):
        if h_raise[c] > carry.holiday_raise[c]:
            reason = (
                f"next trading day {nxt} is {gap[c]} calendar days away: "
                f"+{_points(h_raise[c])} (MARGIN-05 (2))"
            )
            note(c, mid[c], new[c], "holiday", reason, "MARGIN-05 (2)")
        else:
            reason = "the holiday is over: the MARGIN-05 (2) raise is lifted"
            note(c, mid[c], new[c], "holiday_end", reason, "MARGIN-05 (2)")
    state.emit("notices", notices_table(rows))


# --- SETTLE-02 / SETTLE-04 / MARGIN-01 / MARGIN-06 -------------------------------------------
def settlement_hook(day: dt.date, state: DayState) -> None:
    """End-of-day hook: final settlement (SETTLE-04), mark to market and the reserve
    (SETTLE-02), margin at the settlement price (MARGIN-01/04), margin calls (MARGIN-06).

    Reads the day's fills, positions, the engine's account state at the close, the
    settlement prices and ``next_margin_rate``; writes ``credit`` (P&L − realised, CNY),
    ``next_long``/``next_short`` (0 in a finally settled contract), ``next_margin_call`` and
    ``settled``; books the ``final`` trades; emits ``settlements``, ``accounts_daily`` (and an
    empty ``margin_calls`` frame, so the table exists even without calls).
    """
    sc, index, carry, acc = state.scenario, state.index, state.carry, state.accounts
    n_a = index.n_accounts
    price = state.settlement.copy()
    final = index.last_day == day_number(day)
    long_close, short_close = state.next_long.copy(), state.next_short.copy()
    for c in np.flatnonzero(final):  # SETTLE-04
        fs = sc.contracts[c].final_settlement
        if fs is not None:
            price[c] = final_price_ticks(fs, index.tick[c])
            state.settlement[c] = price[c]  # the day's settlement price (prices table)
            state.settlement_method[c] = SM_FINAL
        state.add_fills(
            final_trades(
                long_close[:, c], short_close[:, c], int(c), int(price[c]),
                int(state.clock.contract_close[c]),
            )
        )  # fmt: skip
        state.next_long[:, c] = 0
        state.next_short[:, c] = 0
    fills = state.day_fills()
    res = settle(
        long_prev=carry.long_yd,
        short_prev=carry.short_yd,
        long=state.next_long,
        short=state.next_short,
        prev_settle=state.prev_settle,
        settle=price,
        tick_value=index.tick_value,
        margin_rate=state.next_margin_rate,
        fills=fills,
        reserve_close=acc["reserve"],
        margin_close=acc["margin"],
        realised=acc["realised"],
        credit=state.credit,
        method=state.market.margin_method,
    )
    state.credit = res.credit
    state.next_margin_call = res.margin_call
    state.settled = res

    # rows: every position held yesterday or at the close, or traded today
    n_c = index.n_contracts
    touched = np.zeros(n_a * n_c, dtype=bool)
    touched[fills["buy_account"].astype(np.int64) * n_c + fills["contract"]] = True
    touched[fills["sell_account"].astype(np.int64) * n_c + fills["contract"]] = True
    involved = touched.reshape(n_a, n_c) | (carry.long_yd != 0) | (carry.short_yd != 0)
    involved |= (long_close != 0) | (short_close != 0)
    a, c = np.nonzero(involved)
    members = index.member_of_account
    state.emit(
        "settlements",
        settlements_table(
            day, a, c,
            accounts=index.accounts, members=members, contracts=index.contracts,
            tick=index.tick, long=state.next_long[a, c], short=state.next_short[a, c],
            settle=price, pnl=res.pnl[a, c], margin=res.position_margin[a, c],
            margin_rate=state.next_margin_rate, prev_long=carry.long_yd[a, c],
            prev_short=carry.short_yd[a, c], prev_settle=state.prev_settle, final=final,
        ),
    )  # fmt: skip
    state.emit(
        "accounts_daily",
        accounts_daily_table(
            day,
            accounts=index.accounts, members=members, reserve=res.reserve, margin=res.margin,
            frozen=acc["frozen"], fees=acc["fees"], deposits=state.deposits,
            withdrawals=state.withdrawals, margin_call=res.margin_call,
            restricted=acc["restricted"], pnl=res.pnl_account, realised=acc["realised"],
        ),
    )  # fmt: skip
    state.emit("margin_calls", _calls_frame(day, np.zeros(0, dtype=np.int64), index, {}))


def _calls_frame(day: dt.date, rows: np.ndarray, index: Index, cols: Mapping) -> pl.DataFrame:
    return margin_calls_table(
        day,
        rows,
        accounts=index.accounts,
        members=index.member_of_account,
        amount=cols.get("amount", np.zeros(len(rows))),
        due=cols.get("due", 0),
        paid=cols.get("paid", np.zeros(len(rows))),
        outcome=cols.get("outcome", np.zeros(len(rows), dtype=np.int64)),
        outcome_names=OUTCOME_NAMES,
        liquidation_due=cols.get("liquidation_due", np.zeros(len(rows), dtype=bool)),
    )


def open_margin_calls(
    carry: Carry,
    engine: Engine,
    index: Index,
    due: int,
    records: dict[str, list[pl.DataFrame]],
) -> np.ndarray:
    """MARGIN-06 at the open: the deadline of the previous settlement's calls.

    Call after the day's pre-open events (deposits pay calls) and before the auction. A call
    is paid when the reserve is no longer negative (:func:`riskcore.risk.margin_calls.
    resolve_calls`); an unpaid one sets the account's :data:`RESTRICT_MARGIN_CALL` bit for the
    day (the engine rejects its opening orders ``RESTRICTED``) and hands it to forced
    liquidation (LIQ-01 ①, issue LIQ). The bit of an account without an unpaid call is
    cleared. Appends the ``margin_calls`` rows to ``records``.

    Parameters
    ----------
    carry : Carry
        The day's starting state (``margin_call``, ``call_day``).
    engine : Engine
        The day's engine, before the auction.
    index : Index
    due : int
        The deadline, the open, ns since the epoch.
    records : dict
        The run's table frames.

    Returns
    -------
    ndarray of int8, shape (n_accounts,)
        1 = forced liquidation due (the LIQ-01 ① hand-off).
    """
    amount = carry.margin_call
    paid, unpaid = resolve_calls(amount, engine.account_state()["reserve"])
    flags = engine.account_state()["restricted"].astype(np.int64)
    flags = np.where(unpaid, flags | RESTRICT_MARGIN_CALL, flags & ~RESTRICT_MARGIN_CALL)
    admin.set_restricted(engine, flags)
    rows = np.flatnonzero(amount > 0)
    if len(rows) and carry.call_day is not None:
        frame = _calls_frame(
            carry.call_day,
            rows,
            index,
            {
                "amount": amount[rows],
                "due": due,
                "paid": paid[rows],
                "outcome": np.where(unpaid[rows], OUTCOME_UNPAID, OUTCOME_PAID),
                "liquidation_due": unpaid[rows],
            },
        )
        records.setdefault("margin_calls", []).append(frame)
    return unpaid.astype(np.int8)


def pending_margin_calls(
    carry: Carry, index: Index, calendar: Calendar, records: dict[str, list[pl.DataFrame]]
) -> None:
    """After the last day: the last settlement's calls, due after the run, as ``margin_calls``
    rows with outcome ``pending`` (``due`` = the next trading day's open by the calendar)."""
    rows = np.flatnonzero(carry.margin_call > 0)
    if not len(rows) or carry.call_day is None:
        return
    nxt = next_trading_day(calendar, carry.call_day)
    due = open_ns(calendar, nxt) if nxt is not None else 0
    frame = _calls_frame(
        carry.call_day,
        rows,
        index,
        {
            "amount": carry.margin_call[rows],
            "due": due,
            "outcome": np.full(len(rows), OUTCOME_PENDING),
        },
    )
    records.setdefault("margin_calls", []).append(frame)


__all__ = [
    "RateChange",
    "margin_rate_hook",
    "next_trading_day",
    "open_margin_calls",
    "open_ns",
    "pending_margin_calls",
    "settlement_hook",
]
