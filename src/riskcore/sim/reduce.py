"""Forced position reduction's place in the day loop (RED-01..05): an end-of-day hook.

This module only sequences; the allocation is :func:`riskcore.risk.reduction.reduction`.

- Before ``expire`` the loop captures :func:`requested_lots`: per account x contract the lots
  of CLOSE orders still resting at the limit price on the locked side (LIMIT-04: buy-close at
  the upper limit when locked up, sell-close at the lower limit when locked down), capped at
  the position they close.
- :func:`reduction_hook` (end of day, after the margin-rate hook, before the settlement hook)
  runs the rulebook's reduction (``reduction_method``: ``pro-rata`` RED-01..04 for ``seed``,
  ``tiered`` RED-05 for ``cffex-2010``; ``reduction_locked_days`` against the same-direction
  lock streak), books its trades as the day's trades at the limit price (kind ``reduction``
  between requester and counterparty, ``offset`` for a two-sided holder's self offset,
  RED-02; no fee; order numbers null) at the close, before settlement, so the settlement marks
  them to market like any trade; sets ``next_long``/``next_short``; emits ``reductions`` rows
  (``day, symbol, account, role, qty, price, tier`` plus ``member``, ``side``, ``rule``).

Average open prices for RED-03 are ``DayState.avg_long``/``avg_short`` (ticks, at the close).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from riskcore.output.tables import conform, float_prices, names
from riskcore.records import BUY, CLOSE, SELL, SIDE_NAMES
from riskcore.risk.margin_rates import LOCK_DOWN, LOCK_UP
from riskcore.risk.reduction import (
    REDUCTION_DTYPE,
    ROLE_NAMES,
    ROLE_SELF_OFFSET,
    apply_reduction,
    id_rank,
    reduction,
    reduction_fills,
)

if TYPE_CHECKING:
    from riskcore.engine import Engine
    from riskcore.sim.build import Index
    from riskcore.sim.loop import DayState


def requested_lots(
    engine: Engine, locked: np.ndarray, limit_lo: np.ndarray, limit_hi: np.ndarray
) -> np.ndarray:
    """Lots per account x contract of close orders resting at the limit price on the locked
    side (RED-01 requesters), capped at the position they close; shape (n_a, n_c)."""
    locked = np.asarray(locked)
    out = np.zeros((engine.n_accounts, len(locked)), dtype=np.int64)
    if not bool(np.any(locked)):
        return out
    pos = engine.positions()
    live = engine.live_orders()
    c = live["contract"].astype(np.int64)
    lk = locked[c]
    up = (lk == LOCK_UP) & (live["side"] == BUY) & (live["price"] == limit_hi[c])
    down = (lk == LOCK_DOWN) & (live["side"] == SELL) & (live["price"] == limit_lo[c])
    sel = (up | down) & (live["offset"] == CLOSE)
    np.add.at(out, (live["account"][sel], c[sel]), live["leaves"][sel].astype(np.int64))
    held_long = pos["long_yd"] + pos["long_td"]
    held_short = pos["short_yd"] + pos["short_td"]
    cap = np.where(locked[None, :] == LOCK_DOWN, held_long, held_short)
    return np.minimum(out, cap)


def reduction_hook(day: dt.date, state: DayState) -> None:
    """End-of-day hook: forced position reduction (RED-01..05) on limit-locked contracts.

    Reads ``state.locked``, ``state.requested``, ``next_long``/``next_short``,
    ``avg_long``/``avg_short``, the settlement price, the day's limit prices and the lock
    streak (``next_lock_streak``, set by the margin-rate hook); books the trades
    (:meth:`DayState.add_fills`), writes ``next_long``/``next_short``, emits ``reductions``.
    """
    rb, index = state.scenario.rulebook, state.index
    records = np.zeros(0, dtype=REDUCTION_DTYPE)
    if bool(np.any(state.locked)) and state.requested is not None and state.requested.any():
        records = reduction(
            rb.reduction_method,
            state.locked,
            state.requested,
            state.next_long,
            state.next_short,
            state.avg_long,
            state.avg_short,
            state.settlement,
            state.bands.limit_lo,
            state.bands.limit_hi,
            state.next_lock_streak,
            locked_days=int(rb.reduction_locked_days),
            loss_threshold=float(rb.reduction_loss_threshold),
            tiers=tuple(rb.reduction_tiers),
            account_rank=id_rank(index.accounts),
        )
    if len(records):
        state.add_fills(reduction_fills(records, ts=int(state.clock.close)))
        state.next_long, state.next_short = apply_reduction(
            state.next_long, state.next_short, records
        )
    state.emit("reductions", reductions_table(day, records, index, rb.reduction_method))


def reductions_table(
    day: dt.date, records: np.ndarray, index: Index, method: str = "pro-rata"
) -> pl.DataFrame:
    """``reductions`` rows, one per allocation record (SCENARIO.md columns first)."""
    n = len(records)
    acc = records["account"].astype(np.int64)
    con = records["contract"].astype(np.int64)
    off = records["role"] == ROLE_SELF_OFFSET
    rule = "RED-05" if method == "tiered" else "RED-01"
    df = pl.DataFrame(
        {
            "day": pl.repeat(day, n, dtype=pl.Date, eager=True),
            "symbol": names(con, index.contracts),
            "account": names(acc, index.accounts),
            "role": names(records["role"], ROLE_NAMES),
            "qty": records["qty"].astype(np.int64),
            "price": float_prices(records["price"], index.tick[con]) if n else np.zeros(0),
            "tier": records["tier"].astype(np.int64),
            "member": names(acc, index.member_of_account),
            "side": names(records["side"], SIDE_NAMES),
            "rule": pl.Series(np.where(off, "RED-02", rule).tolist(), dtype=pl.String),
        }
    )
    return conform(df, "reductions")


__all__ = ["reduction_hook", "reductions_table", "requested_lots"]
