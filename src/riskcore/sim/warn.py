"""Risk warnings in the day loop (WARN-01 triggers, WARN-02 escalation).

This module only sequences; the detectors and the escalation ladder are the pure functions
of :mod:`riskcore.risk.warnings`.

- :func:`warning_hook` (end of day, last hook): the triggers the day's state shows —
  ② self-trade attempts (the day's engine counts them per investor), ③ positions at or
  near the POS-01 limit (+ hedge quota) per investor, ④ margin calls and negative equity
  per member (after the FUND-02 cover), ⑤ overdue large-trader reports (LTR-02) and member
  defaults (FUND-02); kept in the run's records under :data:`TRIGGERS_KEY` (not a table).
- :func:`warnings_table` (after the run, from the tables): ① breaker and limit-locked days
  (``market_states``, ``prices``), ② cancel and order-to-trade ratios (``orders``),
  ⑤ unpaid margin calls (``margin_calls`` rows due that day), ⑥–⑧ the scenario's
  ``complaint`` / ``investigation`` / ``other`` events; with the hook's triggers, every
  trigger of the run in day order goes up the WARN-02 ladder (rulebook ``warning_repeats``)
  → the ``warnings`` table.

Choices: escalation counts a party's triggers over the whole run in the order of
:func:`riskcore.risk.warnings.escalate` (day, then time, ...), the same as escalating day by
day with the earlier days as history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from riskcore.records import NO_LIMIT
from riskcore.risk import warnings as W

if TYPE_CHECKING:
    from riskcore.sim.loop import DayState, RunRecords

__all__ = ["CLOSES_KEY", "TRIGGERS_KEY", "warning_hook", "warnings_table"]

TRIGGERS_KEY = "_warning_triggers"
"""Records key of the triggers found by :func:`warning_hook` (dropped from the tables)."""

CLOSES_KEY = "_warning_closes"
"""Records key of the run's trading days and their closes (``day``, ``close_ns``)."""


def _no_orders() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "day": pl.Date,
            "investor": pl.String,
            "action": pl.String,
            "filled": pl.Int64,
            "source": pl.String,
        }
    )


def warning_hook(day: dt.date, state: DayState) -> None:
    """End-of-day hook (last): WARN-01 ②–⑤ triggers the day's state shows."""
    sc, index = state.scenario, state.index
    rb = sc.rulebook
    close = int(state.clock.close)
    n_i = len(index.investors)
    inv = np.asarray(index.account_investor, dtype=np.intp)
    frames = [
        W.trading_triggers(
            day, close, state.engine.self_trades(), index.investors, _no_orders(),
            self_trade_limit=int(rb.self_trade_limit),
            cancel_ratio_limit=float(rb.cancel_ratio_limit),
            order_trade_ratio_limit=float(rb.order_trade_ratio_limit),
            min_orders=int(rb.warning_min_orders),
        )
    ]  # fmt: skip
    n_c = index.n_contracts
    long_i = np.zeros((n_i, n_c), dtype=np.int64)
    short_i = np.zeros((n_i, n_c), dtype=np.int64)
    np.add.at(long_i, inv, state.next_long)
    np.add.at(short_i, inv, state.next_short)
    lim = np.broadcast_to(np.asarray(state.next_pos_limit, dtype=np.int64), (n_i, n_c))
    quota = np.asarray(index.hedge_quota, dtype=np.int64)[:, None]
    lim = np.where((lim > 0) & (lim != NO_LIMIT), lim + quota, lim)
    frames.append(
        W.position_triggers(
            day, close, long_i, short_i, lim, float(rb.position_warning_share),
            index.investors, index.contracts,
        )
    )  # fmt: skip
    equity = state.settled_reserve() + state.settlement_margin()
    frames.append(
        W.funds_triggers(
            day, close, state.next_margin_call, equity, index.account_member, index.members
        )
    )
    frames.append(
        W.violation_triggers(
            day, close, overdue_reports=state.overdue_reports, defaulted=state.defaulted,
            members=index.members,
        )
    )  # fmt: skip
    state.emit(TRIGGERS_KEY, pl.concat([f.cast(W.TRIGGER_SCHEMA) for f in frames]))
    state.emit(CLOSES_KEY, pl.DataFrame({"day": [day], "close_ns": [close]}))


def warnings_table(rec: RunRecords, tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame | None:
    """The run's ``warnings`` rows (WARN-01/02), or ``None`` when the hook did not run."""
    found = rec.records.get(TRIGGERS_KEY)
    closes = rec.records.get(CLOSES_KEY)
    if not found or not closes:
        return None
    sc, index = rec.scenario, rec.index
    idx, investors, accounts = list(index.members), list(index.investors), list(index.accounts)
    rb = sc.rulebook
    events = W.events_frame(sc.events)
    ms, prices, orders = tables["market_states"], tables["prices"], tables["orders"]
    calls = tables.get("margin_calls")
    frames = list(found)
    for day, close in pl.concat(closes).iter_rows():
        frames.append(W.price_triggers(day, close, ms, prices))
        frames.append(
            W.trading_triggers(
                day, close, np.zeros(len(investors), dtype=np.int64), investors, orders,
                self_trade_limit=1 << 62, cancel_ratio_limit=float(rb.cancel_ratio_limit),
                order_trade_ratio_limit=float(rb.order_trade_ratio_limit),
                min_orders=int(rb.warning_min_orders),
            )
        )  # fmt: skip
        if calls is not None and calls.height:
            due = calls.filter(pl.col("due").dt.date() == day)
            frames.append(W.violation_triggers(day, close, margin_calls=due))
        frames.append(
            W.event_triggers(day, events, members=idx, investors=investors, accounts=accounts)
        )
    triggers = pl.concat(
        [f.cast(W.TRIGGER_SCHEMA) for f in frames if f.height]
        or [pl.DataFrame(schema=W.TRIGGER_SCHEMA)]
    )
    return W.escalate(triggers, None, int(rb.warning_repeats))
