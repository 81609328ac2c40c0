"""The SETTLE-03 invariant checker: money and positions are conserved every day.

Rule SETTLE-03: every day Σ P&L over all accounts = 0 (in every contract), total cash changes
only by deposits, withdrawals and fees (fees go to the exchange), and total long = total short
in every contract. With member defaults (FUND-02) the money the waterfall's layers pay
into the defaulting accounts counts as a flow in, and must equal what the layers lost.

:func:`check_conservation` is callable after every settlement, in the style of the engines'
``check()``: it raises ``AssertionError`` naming the first broken part. The day loop calls it
after every day when ``SimOptions(check_invariants=True)`` (the property tests do).
"""

from __future__ import annotations

import numpy as np

__all__ = ["RTOL", "check_conservation"]

RTOL = 1e-9
"""Money is compared within ``RTOL x max(1 CNY, Σ |equity|)`` (float64 rounding)."""


def check_conservation(
    *,
    long: np.ndarray | None = None,
    short: np.ndarray | None = None,
    pnl_ticks: np.ndarray | None = None,
    equity_before: np.ndarray | None = None,
    equity_after: np.ndarray | None = None,
    deposits: np.ndarray | None = None,
    withdrawals: np.ndarray | None = None,
    fees: np.ndarray | None = None,
    pnl: np.ndarray | None = None,
    cover: np.ndarray | None = None,
    layers_paid: float | None = None,
    rtol: float = RTOL,
    where: str = "",
) -> None:
    """Raise ``AssertionError`` if a part of SETTLE-03 is broken; each part is checked when
    its arrays are given.

    Parameters
    ----------
    long, short : ndarray of int64, shape (n_accounts, n_contracts)
        Positions (lots) after settlement: Σ long = Σ short per contract.
    pnl_ticks : ndarray of int64, shape (n_accounts, n_contracts)
        The day's P&L in ticks·lots: Σ over accounts = 0 exactly per contract.
    equity_before, equity_after : ndarray of float64, shape (n_accounts,)
        Reserve + trading margin at the start of the day and after settlement, CNY.
    deposits, withdrawals, fees : ndarray of float64, shape (n_accounts,)
        The day's flows, CNY. Σ equity_after − Σ equity_before = Σ deposits − Σ withdrawals
        − Σ fees.
    pnl : ndarray of float64, shape (n_accounts,), optional
        The day's P&L per account, CNY; with it each account is checked too (SETTLE-02):
        equity_after − equity_before = pnl + deposits − withdrawals − fees.
    cover : ndarray of float64, shape (n_accounts,), optional
        CNY the FUND-02 waterfall paid into each account to cover its negative equity (a flow
        into the accounts like a deposit).
    layers_paid : float, optional
        CNY the waterfall's layers fell by (member capital, guarantee funds, the exchange's
        risk reserve and capital); with ``cover``: Σ cover = layers_paid (FUND-02 moves money
        from the layers to the defaulting accounts, none is created or lost).
    rtol : float
        Relative tolerance for money.
    where : str
        Prefix of the error message (e.g. the day).

    Examples
    --------
    >>> import numpy as np
    >>> check_conservation(long=np.array([[1], [0]]), short=np.array([[0], [1]]),
    ...                    pnl_ticks=np.array([[-100], [100]]))
    >>> check_conservation(pnl_ticks=np.array([[-100], [90]]))
    Traceback (most recent call last):
    ...
    AssertionError: SETTLE-03: Σ P&L over accounts is not 0 in contract 0: -10 ticks·lots
    """
    pre = f"{where}: " if where else ""
    if long is not None and short is not None:
        tl, ts = np.asarray(long).sum(axis=0), np.asarray(short).sum(axis=0)
        bad = np.flatnonzero(tl != ts)
        assert not len(bad), (
            f"{pre}SETTLE-03: total long {int(tl[bad[0]])} != total short "
            f"{int(ts[bad[0]])} in contract {int(bad[0])}"
        )
    if pnl_ticks is not None:
        tot = np.asarray(pnl_ticks, dtype=np.int64).sum(axis=0)
        bad = np.flatnonzero(tot != 0)
        assert not len(bad), (
            f"{pre}SETTLE-03: Σ P&L over accounts is not 0 in contract {int(bad[0])}: "
            f"{int(tot[bad[0]])} ticks·lots"
        )
    if equity_before is None or equity_after is None:
        return
    before = np.asarray(equity_before, dtype=np.float64)
    after = np.asarray(equity_after, dtype=np.float64)
    zero = np.zeros_like(before)
    dep = zero if deposits is None else np.asarray(deposits, dtype=np.float64)
    wd = zero if withdrawals is None else np.asarray(withdrawals, dtype=np.float64)
    fee = zero if fees is None else np.asarray(fees, dtype=np.float64)
    cov = zero if cover is None else np.asarray(cover, dtype=np.float64)
    if layers_paid is not None:
        tot = float(cov.sum())
        assert abs(tot - layers_paid) <= rtol * max(1.0, abs(tot), abs(layers_paid)), (
            f"{pre}FUND-02: the layers paid {layers_paid:.6f} CNY but the accounts were "
            f"covered {tot:.6f} CNY"
        )
    dep = dep + cov
    scale = max(1.0, float(np.abs(before).sum()), float(np.abs(after).sum()))
    change = float(after.sum() - before.sum())
    flows = float(dep.sum() - wd.sum() - fee.sum())
    assert abs(change - flows) <= rtol * scale, (
        f"{pre}SETTLE-03: total cash changed by {change:.6f} CNY but deposits (and FUND-02 "
        f"cover) - withdrawals - fees = {flows:.6f} CNY"
    )
    if pnl is not None:
        expect = before + np.asarray(pnl, dtype=np.float64) + dep - wd - fee
        tol = rtol * np.maximum(np.maximum(np.abs(before), np.abs(after)), scale / len(before))
        bad = np.flatnonzero(np.abs(after - expect) > tol)
        assert not len(bad), (
            f"{pre}SETTLE-02: account {int(bad[0])} equity {after[bad[0]]:.6f} CNY, expected "
            f"{expect[bad[0]]:.6f} (before + P&L + deposits - withdrawals - fees)"
        )
