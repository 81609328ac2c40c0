"""Kernel that checks a message batch at the boundary, in one pass (no temporaries)."""

from __future__ import annotations

from riskcore._jit import njit
from riskcore.records import BUY, CANCEL, NEW, SELL, ST_NONE

BAD_NONE = 0
BAD_ACTION = 1
BAD_SIDE = 2
BAD_OFFSET = 3
BAD_TYPE = 4
BAD_ORDER_NO = 5
BAD_REUSED = 6
BAD_WHAT = (
    "",
    "action must be 0 (new) or 1 (cancel)",
    "side must be 1 (buy) or 2 (sell)",
    "offset must be 0 (open) or 1 (close)",
    "type must be 0 (limit), 1 (market), 2 (FAK) or 3 (FOK)",
    "order_no must be >= 0",
    "order_no already used by an earlier message",
)


@njit
def first_bad_message(msgs, ords):
    """Return ``(row, code, increasing)``: the first malformed message and why (``BAD_*``;
    row -1 if none), and whether the order numbers strictly increase (so are unique).

    ``ords`` must already cover every order number of the batch.
    """
    increasing = True
    prev = -1
    for k in range(len(msgs)):
        m = msgs[k]
        if m.action != NEW and m.action != CANCEL:
            return k, BAD_ACTION, increasing
        if m.action == NEW:
            if m.side != BUY and m.side != SELL:
                return k, BAD_SIDE, increasing
            if m.offset != 0 and m.offset != 1:
                return k, BAD_OFFSET, increasing
            if m.type < 0 or m.type > 3:
                return k, BAD_TYPE, increasing
        ono = m.order_no
        if ono < 0:
            return k, BAD_ORDER_NO, increasing
        if ords[ono].status != ST_NONE:
            return k, BAD_REUSED, increasing
        if ono <= prev:
            increasing = False
        prev = ono
    return -1, BAD_NONE, increasing
