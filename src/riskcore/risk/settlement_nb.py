"""Kernels of the daily settlement: every contract's settlement-price sums in two passes
(SETTLE-01), and the fills' P&L terms added per account and contract (SETTLE-02).

:func:`window_sums` finds, per contract, the trading-clock time of the last fill and the
settlement window it falls in, then sums ``price x qty`` and ``qty`` over that window's fills
(over the whole day's when the last fill came less than one window after the open). It gives
what :func:`riskcore.risk.settlement_price.settlement_price` gives contract by contract,
without sorting or gathering the day's fills by contract (20 million messages: about 9
million fills, ~1 s before).
"""

from __future__ import annotations

from riskcore._jit import njit

NO_FILL = -1
"""``t_last`` of a contract without a fill of positive quantity."""


@njit
def fill_clock(t, starts, ends, n_sessions):
    """Trading-clock time of ``t`` (ns since the open), as
    :func:`riskcore.risk.settlement_price.trading_clock` for one timestamp."""
    before = 0
    clock = 0
    for s in range(n_sessions):
        if starts[s] > t:
            break
        clock = before + min(max(t - starts[s], 0), ends[s] - starts[s])
        before += ends[s] - starts[s]
    return clock


@njit
def window_sums(
    ts, contract, price, qty, starts, ends, n_sessions, close, window, t_last, k_last, num, den
):
    """Per contract ``c``: ``t_last[c]`` the trading-clock time of its last fill of positive
    quantity (``NO_FILL`` if none) and ``k_last[c]`` its window; ``num[c]``, ``den[c]`` the
    sums of ``price x qty`` and ``qty`` over the fills in that window, or over all of the
    contract's fills when ``t_last[c] < window`` (``k_last[c]`` is then -1).

    ``starts``, ``ends`` (n_contracts, k): each contract's sessions, ns since the epoch, the
    first ``n_sessions[c]`` used; ``close[c]`` their total time. Windows count back from the
    close: a fill at trading-clock time ``t`` is in window ``max(ceil((close - t) / window)
    - 1, 0)``. The output arrays are the caller's (kernels allocate nothing).
    """
    n_c = len(t_last)
    for c in range(n_c):
        t_last[c] = NO_FILL
        num[c] = 0
        den[c] = 0
    for i in range(len(ts)):
        c = contract[i]
        if qty[i] > 0:
            clock = fill_clock(ts[i], starts[c], ends[c], n_sessions[c])
            if clock > t_last[c]:
                t_last[c] = clock
    for c in range(n_c):
        k_last[c] = -1
        if t_last[c] >= window:
            k_last[c] = max((close[c] - t_last[c] + window - 1) // window - 1, 0)
    for i in range(len(ts)):
        c = contract[i]
        if qty[i] <= 0:
            continue
        if k_last[c] >= 0:
            clock = fill_clock(ts[i], starts[c], ends[c], n_sessions[c])
            if max((close[c] - clock + window - 1) // window - 1, 0) != k_last[c]:
                continue
        num[c] += price[i] * qty[i]
        den[c] += qty[i]


@njit
def add_signed(flat, rows, values, sign):
    """``flat[rows[i]] += sign * values[i]`` for every ``i``, in order (``numpy.add.at`` in
    one pass, exact in int64): the fills' P&L terms per (account, contract) (SETTLE-02)."""
    for i in range(len(rows)):
        flat[rows[i]] += sign * values[i]
