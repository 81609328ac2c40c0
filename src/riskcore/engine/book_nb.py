"""Kernels for the dense price ladder: level FIFO lists, best-level tracking, pool slots.

A contract's ladder spans ``[ladder_lo, ladder_hi]`` ticks; level ``i`` of contract ``c``
lives at ``base[c] + i`` in the global ``bid_lv`` / ``ask_lv`` arrays. Each level is an
intrusive doubly linked FIFO list of pool slots, so append, unlink and pop-head are O(1)
(MATCH-01 time priority). Best levels are ladder indices; when the best level empties the
kernel scans outward to the next non-empty level.
"""

from __future__ import annotations

from riskcore._jit import njit
from riskcore.engine.layout import C_FREE_HEAD, C_N_LIVE, C_POOL_TOP
from riskcore.records import BUY


@njit
def level_append(lv, pool, g, slot):
    """Append pool ``slot`` at the tail of level ``g`` (it becomes the youngest)."""
    tail = lv[g].tail
    pool[slot].prev = tail
    pool[slot].next = -1
    if tail == -1:
        lv[g].head = slot
    else:
        pool[tail].next = slot
    lv[g].tail = slot
    lv[g].qty += pool[slot].leaves
    lv[g].count += 1


@njit
def level_unlink(lv, pool, g, slot):
    """Remove ``slot`` (with its current leaves) from level ``g``."""
    prv = pool[slot].prev
    nxt = pool[slot].next
    if prv == -1:
        lv[g].head = nxt
    else:
        pool[prv].next = nxt
    if nxt == -1:
        lv[g].tail = prv
    else:
        pool[nxt].prev = prv
    lv[g].qty -= pool[slot].leaves
    lv[g].count -= 1


@njit
def pool_full(pool, ctr):
    """True when no slot is free and none is fresh (the caller must grow the pool)."""
    return ctr[C_FREE_HEAD] == -1 and ctr[C_POOL_TOP] == len(pool)


@njit
def slot_alloc(pool, ctr):
    """Take a freed slot (the most recently freed, still warm in cache) or else the next
    fresh one (the caller has checked :func:`pool_full`)."""
    slot = ctr[C_FREE_HEAD]
    if slot == -1:
        slot = ctr[C_POOL_TOP]
        ctr[C_POOL_TOP] = slot + 1
    else:
        ctr[C_FREE_HEAD] = pool[slot].next
    ctr[C_N_LIVE] += 1
    return slot


@njit
def slot_free(pool, ctr, slot):
    """Return ``slot`` to the free list."""
    pool[slot].next = ctr[C_FREE_HEAD]
    pool[slot].prev = -1
    pool[slot].leaves = 0
    ctr[C_FREE_HEAD] = slot
    ctr[C_N_LIVE] -= 1


@njit
def note_level_added(cs, c, side, idx):
    """Update the best level after an order was added at ladder index ``idx``."""
    if side == BUY:
        if idx > cs[c].best_bid:
            cs[c].best_bid = idx
    else:
        best = cs[c].best_ask
        if best < 0 or idx < best:
            cs[c].best_ask = idx


@njit
def refresh_best(cs, lv, c, side):
    """Move the best level of ``side`` outward past empty levels (-1 when the side is empty)."""
    base = cs[c].base
    if side == BUY:
        b = cs[c].best_bid
        while b >= 0 and lv[base + b].count == 0:
            b -= 1
        cs[c].best_bid = b
    else:
        a = cs[c].best_ask
        if a < 0:
            return
        n = cs[c].n_levels
        while a < n and lv[base + a].count == 0:
            a += 1
        cs[c].best_ask = a if a < n else -1


@njit
def next_level(cs, lv, c, side, idx):
    """The next non-empty level behind ``idx`` in priority order (-1 when none)."""
    base = cs[c].base
    if side == BUY:
        i = idx - 1
        while i >= 0 and lv[base + i].count == 0:
            i -= 1
        return i
    n = cs[c].n_levels
    i = idx + 1
    while i < n and lv[base + i].count == 0:
        i += 1
    return i if i < n else -1
