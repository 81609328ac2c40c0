"""Administrative events (``[[events]]``): what the day loop does with each kind.

Every event becomes one row of the ``events`` table with a ``status``:

- ``applied``: ``deposit`` (cash into the account's free reserve, at its time),
  ``withdraw`` (out of it, if at most the available funds = reserve - frozen margin;
  else ``refused``, with the amounts in ``detail``), ``margin_rate`` (MARGIN-04: the new
  rate is used from that day's settlement on).
- ``not_simulated``: kinds that belong to later issues (``position_limit``, ``halt``,
  ``resume``, ``penalty_liquidation``, ``complaint``, ``investigation``, ``other``). They are
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
SIMULATED_KINDS = ("deposit", "withdraw", "margin_rate")
"""Event kinds the day loop applies; every other kind is recorded as ``not_simulated``."""


def adjust_reserve(engine, account: int, amount: float) -> None:
    """Move ``amount`` CNY into (negative: out of) an account's free reserve, in the engine.

    Between message chunks only. The engine has no public call for a cash transfer yet, so
    this writes its account-state array directly (the reserve is a plain float, nothing
    else depends on it); an ``Engine.adjust_reserve`` would be the cleaner interface.
    """
    engine.acct["reserve"][account] += amount


def set_restricted(engine, flags: np.ndarray) -> None:
    """Set every account's close-only flags in the engine (non-zero = ``RESTRICTED``).

    Between message chunks only (the margin-call deadline at the open, MARGIN-06). Like
    :func:`adjust_reserve` this writes the engine's account-state array directly, for want of
    a public ``Engine.set_restricted``; the engine reads the flag only when it checks an
    opening order.
    """
    flags = np.asarray(flags)
    col = engine.acct["restricted"]
    if not np.array_equal(col, flags):
        engine.acct["restricted"] = flags.astype(col.dtype)


def available(engine, account: int) -> float:
    """Free funds of an account now: reserve - frozen, CNY (MARGIN-02)."""
    row = engine.acct[account]
    return float(row["reserve"] - row["frozen"])


def apply_event(
    ev: Event,
    engine,
    account_no: dict[str, int],
    contract_no: dict[str, int],
    deposits: np.ndarray,
    withdrawals: np.ndarray,
    next_rate: np.ndarray,
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
