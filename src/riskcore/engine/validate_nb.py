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
def scan_messages(msgs):
    """Return ``(row, code, increasing, lowest, highest)`` in one pass over ``msgs``.

    ``row`` is the first message with a malformed field (``BAD_*`` ``code``; -1 if none), and
    the rest describe the order numbers of the rows before it (all of them when none is bad):
    whether they strictly increase (so are unique), their minimum and their maximum.
    Reuse of earlier order numbers needs the per-order states: :func:`first_reused`.
    """
    increasing = True
    lowest = 0
    highest = -1
    for k in range(len(msgs)):
        m = msgs[k]
        if m.action != NEW and m.action != CANCEL:
            return k, BAD_ACTION, increasing, lowest, highest
        if m.action == NEW:
            if m.side != BUY and m.side != SELL:
                return k, BAD_SIDE, increasing, lowest, highest
            if m.offset != 0 and m.offset != 1:
                return k, BAD_OFFSET, increasing, lowest, highest
            if m.type < 0 or m.type > 3:
                return k, BAD_TYPE, increasing, lowest, highest
        ono = m.order_no
        if ono < 0:
            return k, BAD_ORDER_NO, increasing, lowest, highest
        if k == 0:
            lowest = ono
        elif ono <= highest:
            increasing = False
            lowest = min(lowest, ono)
        highest = max(highest, ono)
    return -1, BAD_NONE, increasing, lowest, highest


@njit
def first_reused(msgs, ords):
    """The first message whose order number an earlier batch used (-1 if none).

    ``ords`` must already cover every order number of ``msgs``.
    """
    for k in range(len(msgs)):
        if ords[msgs[k].order_no].status != ST_NONE:
            return k
    return -1
