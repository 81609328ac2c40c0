"""Margin calls (MARGIN-06), vectorised over accounts.

Rule MARGIN-06: after settlement, an account whose settlement reserve is below zero (equity
below its trading margin) gets a margin call for the shortfall, to be paid before the next
open. Unpaid at the open: the account is ``RESTRICTED`` (close only) and enters forced
liquidation (LIQ-01 ①).

Choices where the rule is silent:

- A shortfall of at most :data:`CALL_TOLERANCE` (half a fen, the reporting precision of
  UNIT-01) is floating-point noise, not a call.
- The call is *paid* when the reserve at the open (after the morning's deposits and
  withdrawals) is no longer below zero; ``paid`` is the part of the call covered by then
  (a partial payment leaves the call unpaid).
- The restriction is decided afresh at every open: an account stays close-only for a day when
  that morning's call is unpaid, and trades freely again once a later call is paid (or no
  call is made).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CALL_TOLERANCE",
    "OUTCOME_NAMES",
    "OUTCOME_PAID",
    "OUTCOME_PENDING",
    "OUTCOME_UNPAID",
    "margin_calls",
    "resolve_calls",
]

CALL_TOLERANCE = 0.005
"""CNY: a negative reserve down to -0.005 (half a fen) is rounding, not a shortfall."""

OUTCOME_PAID, OUTCOME_UNPAID, OUTCOME_PENDING = 0, 1, 2
OUTCOME_NAMES = ("paid", "unpaid", "pending")
"""``margin_calls.outcome``: paid by the open; unpaid at the open (restricted, forced
liquidation due); pending (the run ended before the deadline)."""


def margin_calls(reserve: np.ndarray, tolerance: float = CALL_TOLERANCE) -> np.ndarray:
    """Margin called per account after settlement (MARGIN-06), CNY.

    Parameters
    ----------
    reserve : ndarray of float64, shape (n_accounts,)
        Settlement reserve after settlement, CNY.
    tolerance : float
        Shortfalls up to this many CNY are not called.

    Returns
    -------
    ndarray of float64, shape (n_accounts,)
        The shortfall ``-reserve`` where the reserve is below ``-tolerance``, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> margin_calls(np.array([5_000.0, -5_100.0, -0.001])).tolist()
    [0.0, 5100.0, 0.0]
    """
    reserve = np.asarray(reserve, dtype=np.float64)
    return np.where(reserve < -tolerance, -reserve, 0.0)


def resolve_calls(
    amount: np.ndarray, reserve_at_open: np.ndarray, tolerance: float = CALL_TOLERANCE
) -> tuple[np.ndarray, np.ndarray]:
    """Which calls were paid by the deadline, the next open (MARGIN-06).

    Parameters
    ----------
    amount : ndarray of float64, shape (n_accounts,)
        Margin called at the last settlement, CNY (0 = no call).
    reserve_at_open : ndarray of float64, shape (n_accounts,)
        Reserve at the open, after the deposits and withdrawals made before it, CNY. (It
        started the day at ``-amount``.)
    tolerance : float
        CNY of shortfall still counted as paid.

    Returns
    -------
    paid : ndarray of float64, shape (n_accounts,)
        CNY of the call covered by the open, between 0 and ``amount``.
    unpaid : ndarray of bool, shape (n_accounts,)
        A call that is not covered: the account becomes ``RESTRICTED`` and forced
        liquidation is due (LIQ-01 ①).

    Examples
    --------
    A call of 5,100 CNY, a deposit of 6,000 before the open; a call of 8,000 with 3,000
    deposited.

    >>> import numpy as np
    >>> paid, unpaid = resolve_calls(np.array([5_100.0, 8_000.0]), np.array([900.0, -5_000.0]))
    >>> paid.tolist(), unpaid.tolist()
    ([5100.0, 3000.0], [False, True])
    """
    amount = np.asarray(amount, dtype=np.float64)
    reserve_at_open = np.asarray(reserve_at_open, dtype=np.float64)
    paid = np.clip(reserve_at_open + amount, 0.0, amount)
    unpaid = (amount > 0) & (reserve_at_open < -tolerance)
    return np.where(amount > 0, paid, 0.0), unpaid
