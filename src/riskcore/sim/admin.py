"""Administrative events (``[[events]]``): what the day loop does with each kind.

Every event becomes one row of the ``events`` table with a ``status``:

- ``applied``: ``deposit`` (cash into the account's free reserve, at its time),
  ``withdraw`` (out of it, if at most the available funds = reserve - frozen margin;
  else ``refused``, with the amounts in ``detail``), ``margin_rate`` (MARGIN-04: the new
  rate is used from that day's settlement on), ``position_limit`` (POS-01: the new limit,
  of the event's ``symbol`` or of every contract, is in force from the event's time: the
  next opening order is checked against it; it stays in force on the following days; a
  position already over it is a POS-04 breach found at that day's settlement; the day loop
  writes a ``notices`` row per changed contract).
  ``complaint``, ``investigation`` and ``other`` are WARN-01 ⑥–⑧ triggers: ``applied``,
  they go up the WARN-02 ladder in the ``warnings`` table (:mod:`riskcore.sim.warn`).
  ``penalty_liquidation`` (LIQ-01 ③): ``applied``; the day loop queues it for forced
  liquidation from the next session start (:mod:`riskcore.sim.liquidate`).
- ``not_simulated``: kinds that belong to later issues (``halt``, ``resume``). They are
  recorded, never silently dropped, and counted in ``summary.json``
  (``events_not_simulated``).

An event at the same instant as an order is applied before the order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from riskcore.scenario import Event

APPLIED = "applied"
REFUSED = "refused"
NOT_SIMULATED = "not_simulated"
WARNING_KINDS = ("complaint", "investigation", "other")
"""Event kinds that are WARN-01 ⑥–⑧ triggers (the ``warnings`` table)."""
LIQUIDATION_KINDS = ("penalty_liquidation", "emergency_liquidation", "other_liquidation")
"""Event kinds that are forced-liquidation triggers (LIQ-01 ③; queued by the day loop)."""
SIMULATED_KINDS = (
    "deposit",
    "withdraw",
    "margin_rate",
    "position_limit",
    *WARNING_KINDS,
    *LIQUIDATION_KINDS,
)
"""Event kinds the day loop applies; every other kind is recorded as ``not_simulated``."""


def adjust_reserve(engine, account: int, amount: float) -> None:
    """Move ``amount`` CNY into (negative: out of) an account's free reserve, in the engine
    (between message chunks)."""
    engine.adjust_reserve(account, amount)


def set_restricted(engine, flags: np.ndarray) -> None:
    """Set every account's close-only flags in the engine (non-zero = ``RESTRICTED``),
    between message chunks (the margin-call deadline at the open, MARGIN-06)."""
    engine.set_restricted(flags)


def set_position_limit(engine, contract: int, lots: int) -> None:
    """POS-01: the investor position limit of ``contract`` in the running engine, lots per
    side (``NO_LIMIT`` = none), from the next message on.

    Between message chunks: the kernel reads the limit afresh for every opening order
    (``docs/engine-semantics.md`` step 10).
    """
    engine.set_position_limit(contract, lots)


def available(engine, account: int) -> float:
    """Free funds of an account now: reserve - frozen, CNY (MARGIN-02)."""
    row = engine.account_state()[account]
    return float(row["reserve"] - row["frozen"])


def apply_event(
    ev: Event,
    engine,
    account_no: dict[str, int],
    contract_no: dict[str, int],
    deposits: np.ndarray,
    withdrawals: np.ndarray,
    next_rate: np.ndarray,
    pos_limit: np.ndarray | None = None,
) -> dict[str, Any]:
    """Apply one event to the running day and return its ``events`` table row.

    Parameters
    ----------
    ev : Event
    engine : Engine
        The day's engine (between chunks).
    account_no, contract_no : dict
        Name -> index.
    deposits, withdrawals : ndarray of float64, shape (n_accounts,)
        The day's totals, CNY; updated.
    next_rate : ndarray of float64, shape (n_contracts,)
        Margin rates from this day's settlement on; updated by ``margin_rate`` events.
    pos_limit : ndarray of int64, shape (n_contracts,), optional
        POS-01 limits in force (lots, ``NO_LIMIT`` = none); updated by ``position_limit``
        events, which also set them in ``engine``. Without it a ``position_limit`` event is
        not simulated.
    """
    status, detail = NOT_SIMULATED, "not simulated yet (a later issue)"
    if ev.kind == "deposit":
        a = account_no[ev.account]
        adjust_reserve(engine, a, float(ev.amount))
        deposits[a] += float(ev.amount)
        status, detail = APPLIED, None
    elif ev.kind == "withdraw":
        a = account_no[ev.account]
        free = available(engine, a)
        if float(ev.amount) <= free + 1e-9:
            adjust_reserve(engine, a, -float(ev.amount))
            withdrawals[a] += float(ev.amount)
            status, detail = APPLIED, None
        else:
            status = REFUSED
            detail = f"withdrawal of {ev.amount:.2f} CNY exceeds the available {free:.2f} CNY"
    elif ev.kind == "margin_rate":
        c = contract_no[ev.symbol]
        next_rate[c] = float(ev.rate)
        status, detail = APPLIED, "in force from this day's settlement (MARGIN-04)"
    elif ev.kind in LIQUIDATION_KINDS:
        what = f"{ev.qty} lots" if ev.qty is not None else "the whole position"
        where = ev.symbol if ev.symbol is not None else "every contract held"
        status = APPLIED
        trigger = {"penalty_liquidation": "(3) penalty", "emergency_liquidation": "(4) emergency"}
        detail = (
            f"forced liquidation (LIQ-01 {trigger.get(ev.kind, '(5) other')}) of {what} in "
            f"{where}: member phase from the next session start, then the exchange (LIQ-02); "
            "see the liquidations table"
        )
    elif ev.kind in WARNING_KINDS:
        status, detail = APPLIED, "a risk-warning trigger (WARN-01): see the warnings table"
    elif ev.kind == "position_limit" and pos_limit is not None:
        cons = range(len(pos_limit)) if ev.symbol is None else (contract_no[ev.symbol],)
        for c in cons:
            pos_limit[c] = int(ev.value)
            set_position_limit(engine, c, int(ev.value))
        status = APPLIED
        detail = (
            f"{int(ev.value)} lots per side per investor from this time on (POS-01); "
            "positions over it at the settlement must be cured in the next day's cure "
            "window (POS-04)"
        )
    return event_row(ev, status, detail)


def event_row(ev: Event, status: str, detail: str | None) -> dict[str, Any]:
    """The ``events`` table row of ``ev``."""
    return {
        "at": ev.at_ns,
        "kind": ev.kind,
        "account": ev.account,
        "symbol": ev.symbol,
        "party": ev.party,
        "amount": ev.amount,
        "rate": ev.rate,
        "value": ev.value,
        "qty": ev.qty,
        "reason": ev.reason,
        "status": status,
        "detail": detail,
        "origin": ev.origin,
    }
