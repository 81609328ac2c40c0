"""Kernels that turn a run's order flow into engine messages: one pass per message.

:func:`fill_messages` writes a block of ``MSG_DTYPE`` messages from the flow's columns
(prices to ticks with the off-tick test of UNIT-02, quantities the kernel must refuse, a
cancel's contract taken from its target), every field of a message while it is in cache.
:func:`classify_messages` gives every message its phase and the trading day whose engine
takes it (MATCH-06, MATCH-07). Both replace chains of whole-column numpy passes (20 million
messages: about 3 s and 2 s before, a few tenths of a second now) and give the same values.
"""

from __future__ import annotations

import numpy as np

from riskcore._jit import njit
from riskcore.engine.prefetch_nb import prefetch
from riskcore.records import (
    CANCEL,
    FLAG_OFF_TICK,
    MARKET,
    PHASE_AUCTION,
    PHASE_CLOSED,
    PHASE_CONTINUOUS,
)

INT32_MAX = 2**31 - 1
TICKS_MAX = float(2**62)
DAY_NS = 86_400 * 1_000_000_000


@njit
def fill_messages(
    msgs,
    start,
    ts,
    action,
    action_table,
    account,
    account_table,
    contract,
    side,
    side_table,
    offset,
    offset_table,
    otype,
    otype_table,
    price,
    qty,
    target,
    tick,
    max_market_qty,
    source,
    tolerance,
):
    """Fill ``msgs`` (``MSG_DTYPE``, rows ``start .. start + len(msgs) - 1`` of the flow).

    Parameters
    ----------
    msgs : ndarray of MSG_DTYPE
        Written in place.
    start : int
        Order number of ``msgs[0]`` (the row's position in the flow).
    ts : ndarray of int64
        Times of these rows, ns since the epoch.
    action, account, side, offset, otype : ndarray of uint32
        Keys of these rows into the matching ``*_table`` (int64): a row's code (``NEW`` /
        ``CANCEL``, account index or -1, ``BUY`` / ``SELL``, ...) is
        ``table[min(key, len(table) - 1)]``.
    contract : ndarray of int32
        Contract index of *every* row of the flow (-1 unknown or none): a cancel's contract
        is its target's.
    price : ndarray of float64
        Index points; NaN = none.
    qty : ndarray of int64
        Lots as written (0 where none).
    target : ndarray of int64
        Cancelled order number of these rows, -1 for new orders and unknown targets.
    tick : ndarray of float64
        Tick size per contract, index points.
    max_market_qty : int
        Largest market order, lots (-1 = no limit); larger ones are sent with qty 0
        (``BAD_QTY``), as are quantities beyond int32.
    source : int
        ``SRC_*`` of every message.
    tolerance : float
        Relative tolerance of the whole-ticks test (UNIT-02).
    """
    n_c = len(tick)
    for i in range(len(msgs)):
        row = start + i
        c = contract[row]
        t = tick[c] if 0 <= c < n_c else np.nan
        p = price[i]
        k = np.rint(p / t)
        off = False
        if np.isfinite(k):
            off = abs(k * t - p) > tolerance * max(1.0, abs(p))
            k = min(max(k, -TICKS_MAX), TICKS_MAX)
        else:
            k = 0.0
        a = action_table[min(action[i], len(action_table) - 1)]
        ty = otype_table[min(otype[i], len(otype_table) - 1)]
        q = qty[i]
        too_big = q > INT32_MAX
        if max_market_qty >= 0 and ty == MARKET and q > max_market_qty:
            too_big = True
        tg = target[i]
        m = msgs[i]
        m.ts = ts[i]
        m.order_no = row
        m.target = tg
        m.price = np.int64(k)
        m.account = account_table[min(account[i], len(account_table) - 1)]
        if a == CANCEL:
            m.contract = contract[tg] if tg >= 0 else -1
        else:
            m.contract = c
        m.qty = 0 if too_big else max(q, -1)
        m.side = side_table[min(side[i], len(side_table) - 1)]
        m.offset = offset_table[min(offset[i], len(offset_table) - 1)]
        m.type = ty
        m.action = a
        m.flags = FLAG_OFF_TICK if off else 0
        m.source = source


@njit
def classify_messages(
    at, contract, days, auction, sessions, n_sessions, contract_close, last_day, phase, engine_day
):
    """Phase and engine day of every message (see :func:`riskcore.sim.clock.classify`).

    Parameters
    ----------
    at : ndarray of int64
        Message times, ns since the epoch (sorted is fastest; any order is correct).
    contract : ndarray of int32
        Contract index per message (-1 unknown).
    days : ndarray of int64
        The run's trading days, days since the epoch, increasing.
    auction : ndarray of int64, shape (days, 2)
        Call-auction window ``[start, end)`` per day; ``start >= end`` = none.
    sessions : ndarray of int64, shape (days, k, 2)
        Continuous sessions per day, the first ``n_sessions[d]`` used.
    n_sessions : ndarray of int64
    contract_close : ndarray of int64, shape (days, contracts)
        Per day and contract, the end of its trading.
    last_day : ndarray of int64
        Per contract, its last trading day (days since the epoch): a message for it on a
        later day is closed (empty: no such test).
    phase : ndarray of int8
        Out: ``PHASE_*``.
    engine_day : ndarray of int64
        Out: the message's own trading day, else the latest one before it (0 before the run).
    """
    n_days = len(days)
    n_c = contract_close.shape[1]
    k = -1  # the last trading day on or before the message's day
    for i in range(len(at)):
        t = at[i]
        day = t // DAY_NS
        if k >= 0 and day < days[k]:  # unsorted times: search again
            k = np.searchsorted(days, day, side="right") - 1
        while k + 1 < n_days and days[k + 1] <= day:
            k += 1
        d = min(max(k, 0), n_days - 1)
        engine_day[i] = d
        ph = PHASE_CLOSED
        if k >= 0 and days[d] == day:
            if auction[d, 0] <= t < auction[d, 1]:
                ph = PHASE_AUCTION
            for s in range(n_sessions[d]):
                if sessions[d, s, 0] <= t < sessions[d, s, 1]:
                    ph = PHASE_CONTINUOUS
            c = contract[i]
            if 0 <= c < n_c and t >= contract_close[d, c]:
                ph = PHASE_CLOSED
        c = contract[i]
        if 0 <= c < len(last_day) and day > last_day[c]:
            ph = PHASE_CLOSED
        phase[i] = ph


MATCH_AHEAD = 16
"""Operations of each stream whose table slot :func:`match_cancels` prefetches ahead."""


def table_capacity(n_keys: int) -> int:
    """Slots of a :func:`match_cancels` table for ``n_keys`` keys: the power of two at or
    above 4/3 of them (at most three quarters full; linear probes stay short)."""
    return 1 << max(4, (4 * int(n_keys) // 3).bit_length())


@njit
def match_cancels(key_new, new_rows, key_cancel, cancel_rows, keys, rows, out):
    """Pair every cancel with the earlier new order of the same key, in one pass in row
    order over an open-addressing hash table (:func:`riskcore.sim.messages.cancel_targets`).

    Parameters
    ----------
    key_new, key_cancel : ndarray of uint64
        Keys of the new orders that carry an id, and of the cancels (their targets).
    new_rows, cancel_rows : ndarray of int64
        Their row numbers, increasing.
    keys : ndarray of uint64
        The table's keys, ``capacity`` (a power of two, :func:`table_capacity`) of them;
        need not be initialised. Written.
    rows : ndarray of int64 or int32, zeros
        Row + 1 of each slot's new order, 0 = empty (so a fresh ``np.zeros`` table needs
        no pass to mark it empty). Written.
    out : ndarray of int64
        Per row of the flow: the target's row for a matched cancel (else left as it is).

    Returns
    -------
    bool
        False when two new orders before a cancel share a key (the caller matches on the
        text instead); new orders after the last cancel can pair with nothing.

    Notes
    -----
    The slots are far apart in memory (a table of millions of keys): each stream's slot
    :data:`MATCH_AHEAD` operations ahead is prefetched, so the misses overlap.
    """
    mask = len(keys) - 1
    bits = 0
    while (1 << bits) < len(keys):
        bits += 1
    shift = np.uint64(64 - bits)
    golden = np.uint64(0x9E3779B97F4A7C15)
    i = 0
    j = 0
    n_new = len(new_rows)
    n_cancel = len(cancel_rows)
    while j < n_cancel:
        if i + MATCH_AHEAD < n_new:
            ahead = np.int64((key_new[i + MATCH_AHEAD] * golden) >> shift) & mask
            prefetch(keys, ahead)
            prefetch(rows, ahead)
        if j + MATCH_AHEAD < n_cancel:
            ahead = np.int64((key_cancel[j + MATCH_AHEAD] * golden) >> shift) & mask
            prefetch(keys, ahead)
            prefetch(rows, ahead)
        if i < n_new and new_rows[i] < cancel_rows[j]:  # insert the earlier new order
            key = key_new[i]
            h = np.int64((key * golden) >> shift) & mask
            while rows[h] != 0:
                if keys[h] == key:
                    return False
                h = (h + 1) & mask
            keys[h] = key
            rows[h] = new_rows[i] + 1
            i += 1
        else:  # a cancel: only earlier orders are in the table
            key = key_cancel[j]
            h = np.int64((key * golden) >> shift) & mask
            while rows[h] != 0:
                if keys[h] == key:
                    out[cancel_rows[j]] = rows[h] - 1
                    break
                h = (h + 1) & mask
            j += 1
    return True


__all__ = ["classify_messages", "fill_messages", "match_cancels"]
