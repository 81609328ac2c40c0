"""Guarantee funds and member defaults in the day loop (FUND-01/02/03).

This module only sequences; the rules are the pure functions of
:mod:`riskcore.risk.guarantee_fund` and :mod:`riskcore.risk.waterfall`.

:func:`fund_hook` (end of day, after the settlement hook):

1. FUND-01: the day's guarantee funds (basic + variable; the variable part re-shared on day
   ``0, interval, 2 x interval, ...`` of the run by business volume since the last re-share:
   each member's traded lots and lot-days of open position); one ``guarantee_fund`` row per
   member.
2. FUND-02/03: each account's negative equity after settlement (``max(0, -(reserve +
   margin))``) is charged to its member; a member whose charge exceeds its capital defaults
   and the loss is covered layer by layer in the rulebook's ``waterfall`` order; one
   ``defaults`` row per layer used, an ``uncovered`` row for any rest (never dropped).
3. The money the layers paid goes to the accounts whose negative equity it covers
   (``DayState.credit``, carried into the reserve): a covered account's equity is 0 after
   settlement; the uncovered rest stays as negative equity (pro rata per account).

Choices where the rules are silent:

- The top-up deadline (the next open) is decided at the settlement: the simulation has no
  member-capital deposits, so what a member could pay by the next open is its capital at the
  settlement. ``defaults`` rows carry the settlement's day.
- Negative equity is charged once: an uncovered rest already reported is not charged again
  on later days (only a further fall is).
- Balances carry from day to day (:class:`FundState`): member capital, the exchange's risk
  reserve and capital (from the scenario's ``[exchange]``, default the rulebook's) and each
  member's guarantee-fund drawdown. A drawn fund is not replenished within a run: its
  balance is the FUND-01 requirement (``guarantee_fund.total``) less the drawdowns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from riskcore.output.tables import accounts_daily_table
from riskcore.risk.guarantee_fund import guarantee_fund_table, guarantee_funds
from riskcore.risk.margin_calls import margin_calls
from riskcore.risk.waterfall import Resources, defaults, defaults_table, member_losses

if TYPE_CHECKING:
    from riskcore.scenario import Scenario
    from riskcore.sim.build import Carry, Index
    from riskcore.sim.loop import DayState

__all__ = ["FundState", "fund_hook", "initial_funds"]


@dataclass(eq=False)
class FundState:
    """Fund and default balances carried from one trading day to the next (FUND-01/02).

    Attributes
    ----------
    day_index : int
        0-based index of the trading day these balances start.
    variable : ndarray of float64, shape (n_members,)
        FUND-01 variable part in force, CNY.
    drawn : ndarray of float64, shape (n_members,)
        Guarantee fund drawn by the waterfall so far, CNY.
    traded, lot_days : ndarray of float64, shape (n_members,)
        Business volume since the last re-share: lots traded (each side), lot-days.
    member_capital : ndarray of float64, shape (n_members,)
        Members' own capital left, CNY.
    risk_reserve, exchange_capital : float
        The exchange's balances left, CNY.
    open_uncovered : ndarray of float64, shape (n_accounts,)
        Negative equity already reported uncovered (FUND-03), not charged again.
    """

    day_index: int
    variable: np.ndarray
    drawn: np.ndarray
    traded: np.ndarray
    lot_days: np.ndarray
    member_capital: np.ndarray
    risk_reserve: float
    exchange_capital: float
    open_uncovered: np.ndarray = field(default_factory=lambda: np.zeros(0))


def initial_funds(sc: Scenario, index: Index) -> FundState:
    """Balances at the start of a run: the scenario's members and ``[exchange]``."""
    n_m = len(index.members)
    z = np.zeros(n_m)
    return FundState(
        day_index=0,
        variable=z.copy(),
        drawn=z.copy(),
        traded=z.copy(),
        lot_days=z.copy(),
        member_capital=np.array([float(m.capital) for m in sc.members], dtype=np.float64),
        risk_reserve=float(sc.exchange.risk_reserve),
        exchange_capital=float(sc.exchange.capital),
        open_uncovered=np.zeros(index.n_accounts),
    )


def _per_member(values: np.ndarray, account_member: np.ndarray, n_m: int) -> np.ndarray:
    return np.bincount(account_member, weights=values, minlength=n_m).astype(np.float64)


def fund_hook(day: dt.date, state: DayState) -> None:
    """End-of-day hook after the settlement: FUND-01 funds, FUND-02/03 defaults.

    Emits ``guarantee_fund`` and ``defaults``; adds the covered negative equity to
    ``state.credit``; sets ``state.next_funds`` (carried), ``state.defaulted`` (per member),
    ``state.default_cover`` (CNY per account) and ``state.fund_paid`` (CNY the layers paid).
    """
    sc, index, carry = state.scenario, state.index, state.carry
    rb = sc.rulebook
    fs = _funds_of(carry, sc, index)
    n_m = len(index.members)
    mem = np.asarray(index.account_member, dtype=np.intp)
    basic = np.array([float(m.guarantee_fund) for m in sc.members], dtype=np.float64)
    if fs.day_index == 0:  # the initial positions, no trades
        held0 = (carry.long_yd + carry.short_yd).sum(axis=1).astype(np.float64)
        traded, lot_days = np.zeros(n_m), _per_member(held0, mem, n_m)
    else:
        traded, lot_days = fs.traded, fs.lot_days
    g = guarantee_funds(
        fs.day_index,
        basic,
        float(rb.variable_fund_pool),
        int(rb.variable_fund_interval),
        traded,
        lot_days,
        fs.variable,
    )
    state.emit("guarantee_fund", guarantee_fund_table(day, index.members, g))

    # FUND-02: negative equity after settlement, charged once
    equity = state.settled_reserve() + state.settlement_margin()
    neg = np.maximum(0.0, -equity)
    open_unc = np.minimum(fs.open_uncovered, neg)
    new = np.maximum(0.0, neg - open_unc)
    loss = member_losses(new, mem, n_m)
    balance = np.maximum(g.total - fs.drawn, 0.0)
    before = Resources(fs.member_capital.copy(), balance, fs.risk_reserve, fs.exchange_capital)
    w = defaults(loss, before, rb.waterfall)
    state.emit("defaults", defaults_table(day, index.members, w.records))
    covered = np.divide(
        loss - w.uncovered, loss, out=np.zeros(n_m), where=loss > 0
    )  # share of each member's charge the layers paid
    cover = new * covered[mem]
    state.credit = state.credit + cover
    if cover.any():
        _recover(day, state, cover)
    state.default_cover = cover
    state.fund_paid = before.total() - w.after.total()
    state.defaulted = w.defaulted

    # the business volume of today counts for the next re-share
    if g.resized:
        traded, lot_days = np.zeros(n_m), np.zeros(n_m)
    f = state.day_fills()
    qty = f["qty"].astype(np.float64)
    lots = _per_member(qty, mem[f["buy_account"]], n_m)  # both sides of every fill
    lots += _per_member(qty, mem[f["sell_account"]], n_m)
    del qty
    held = (state.next_long + state.next_short).sum(axis=1).astype(np.float64)
    state.next_funds = FundState(
        day_index=fs.day_index + 1,
        variable=g.variable,
        drawn=fs.drawn + (balance - w.after.guarantee_fund),
        traded=traded + lots,
        lot_days=lot_days + _per_member(held, mem, n_m),
        member_capital=w.after.member_capital,
        risk_reserve=float(w.after.risk_reserve),
        exchange_capital=float(w.after.exchange_capital),
        open_uncovered=open_unc + new * (1.0 - covered[mem]),
    )


def _recover(day: dt.date, state: DayState, cover: np.ndarray) -> None:
    """The covered accounts' settlement after the waterfall paid in: the margin call
    (MARGIN-06) on the new reserve, the day's ``accounts_daily`` rows with ``covered``."""
    res, acc, index = state.settled, state.accounts, state.index
    reserve = res.reserve + cover
    state.next_margin_call = margin_calls(reserve)
    frames = state.records.get("accounts_daily", [])
    table = accounts_daily_table(
        day,
        accounts=index.accounts, members=index.member_of_account, reserve=reserve,
        margin=res.margin, frozen=acc["frozen"], fees=acc["fees"], deposits=state.deposits,
        withdrawals=state.withdrawals, margin_call=state.next_margin_call,
        restricted=acc["restricted"], pnl=res.pnl_account, realised=acc["realised"],
        covered=cover,
    )  # fmt: skip
    if frames:
        frames[-1] = table
    else:
        state.emit("accounts_daily", table)


def _funds_of(carry: Carry, sc: Scenario, index: Index) -> FundState:
    funds = getattr(carry, "funds", None)
    return initial_funds(sc, index) if funds is None else funds
