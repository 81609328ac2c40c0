"""Engine-internal array layouts: the order pool, ladder levels, contract state, counters.

All state of the numba engine is plain numpy arrays of these dtypes (no jitclass), so kernels
cache cleanly and the state can be copied, saved or inspected from Python.
"""

from __future__ import annotations

import numpy as np

from riskcore.records import CONTRACT_SPEC_DTYPE

# One resting order. 40 bytes per slot; slots are reused through a free list, so the pool
# grows with the number of *resting* orders, not with the number of orders seen. Slots at or
# above ``ctr[C_POOL_TOP]`` have never been used: they are neither initialised nor chained, so
# their memory is not touched (nor paid for) before the book needs them.
ORDER_DTYPE = np.dtype(
    [
        ("order_no", "i8"),
        ("price", "i8"),  # ticks
        ("account", "i4"),
        ("contract", "i4"),
        ("leaves", "i4"),  # open lots
        ("next", "i4"),  # next slot in the level's FIFO (or in the free list), -1 = end
        ("prev", "i4"),  # previous slot in the level's FIFO, -1 = head
        ("side", "i1"),
        ("offset", "i1"),
        ("type", "i1"),
        ("source", "i1"),
    ],
    align=True,
)

# What the engine knows of every order number it has seen: 12 bytes per order number. All
# zeros is "never seen", so fresh (zeroed) memory needs no pass to mark it.
ORDER_STATE_DTYPE = np.dtype(
    [
        ("slot_plus_1", "i4"),  # pool slot + 1 while resting, else 0
        ("filled", "i4"),  # lots filled
        ("status", "i1"),  # ST_*
        ("reason", "i1"),  # R_* (reject reason or cancel cause)
    ],
    align=True,
)

# One price level of one side of one contract's ladder: an intrusive FIFO list of pool slots.
LEVEL_DTYPE = np.dtype(
    [("qty", "i8"), ("head", "i4"), ("tail", "i4"), ("count", "i4")],
    align=True,
)

# Live contract state: the day's spec plus ladder geometry, best levels and trade counters.
CONTRACT_STATE_DTYPE = np.dtype(
    [
        *[(name, CONTRACT_SPEC_DTYPE.fields[name][0]) for name in CONTRACT_SPEC_DTYPE.names],
        ("base", "i8"),  # index of this contract's first level in the global level arrays
        ("n_levels", "i8"),  # ladder_hi - ladder_lo + 1
        ("best_bid", "i8"),  # ladder index of the best bid level, -1 = no bids
        ("best_ask", "i8"),  # ladder index of the best ask level, -1 = no asks
        ("last_price", "i8"),  # ticks, -1 = no trade yet
        ("volume", "i8"),  # lots traded
        ("n_trades", "i8"),
        ("mstate", "i8"),  # MS_* market state (BRK)
        ("watch_since", "i8"),  # ns: when the current breaker-price touch began
        ("breaker_until", "i8"),  # ns: when the running breaker ends
    ],
    align=True,
)

# Slots of the int64 counter array ``ctr`` shared by all kernels.
C_FREE_HEAD = 0  # most recently freed pool slot (head of the free list), -1 = none
C_N_EVENTS = 1  # events written into the current output buffer
C_N_FILLS = 2  # fills written into the current output buffer
C_NEXT_TRADE = 3  # next trade number
C_STP_POLICY = 4
C_MARGIN_METHOD = 5
C_N_LIVE = 6  # resting orders
C_STOP = 7  # why the last kernel call stopped early (STOP_*)
C_RECORD_EVENTS = 8  # 1 = write order events, 0 = keep only per-order states and fills
C_N_STATES = 9  # market-state records written into the current output buffer
C_TRIGGER = 10  # BRK-02 touch duration that starts the breaker, ns
C_DURATION = 11  # BRK-03 breaker duration, ns
C_QUIET_FROM = 12  # BRK-05 start of the quiet period, absolute ns (0 = none)
C_NEXT_TIMER = 13  # earliest due state timer of any contract, ns (NEVER = none)
C_POOL_TOP = 14  # pool slots ever used; slots from here on are fresh
N_COUNTERS = 15

NEVER = 2**62  # a time later than any real one, ns

STOP_DONE = 0
STOP_POOL = 1  # no free or fresh slot for a resting remainder
STOP_OUTPUT = 2  # event or fill buffer could overflow

# Fields of the per-investor / per-member position arrays, shape (n, n_contracts, 4).
F_LONG = 0
F_SHORT = 1
F_PEND_BUY = 2
F_PEND_SELL = 3


def new_pool(capacity: int) -> np.ndarray:
    """An empty order pool of ``capacity`` fresh slots (uninitialised; ``ctr[C_POOL_TOP]`` = 0)."""
    return np.empty(capacity, dtype=ORDER_DTYPE)


def grow_pool(pool: np.ndarray, ctr: np.ndarray, need: int = 0) -> np.ndarray:
    """A pool of at least ``need`` and at least twice the present slots, holding the slots
    used so far (only those are copied: fresh slots are never read before use)."""
    top = int(ctr[C_POOL_TOP])
    bigger = np.empty(max(2 * len(pool), int(need)), dtype=ORDER_DTYPE)
    bigger[:top] = pool[:top]
    return bigger
