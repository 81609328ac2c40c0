"""Kernels that check a message batch at the boundary, in one pass (no temporaries).

A large batch is scanned in two halves at once (:func:`scan_batch`): the scan reads every
message, and one core reads memory at about half the rate two do.
"""

from __future__ import annotations

import threading

import numpy as np

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


SPLIT_MIN = 1 << 20
"""Batches of at least this many messages are scanned in two halves at once."""


def scan_batch(msgs: np.ndarray) -> tuple[int, int, bool, int, int]:
    """:func:`scan_messages` of ``msgs``, the second half scanned on a helper thread when
    the batch has at least :data:`SPLIT_MIN` messages (same result either way)."""
    n = len(msgs)
    if n < SPLIT_MIN:
        return scan_messages(msgs)
    h = n // 2
    second: list = []
    helper = threading.Thread(
        target=lambda: second.append(scan_messages(msgs[h:])), name="riskcore-scan"
    )
    helper.start()
    try:
        first = scan_messages(msgs[:h])
    finally:
        helper.join()
    return join_scans(first, second[0], int(msgs["order_no"][h]), h)


def join_scans(first: tuple, second: tuple, second_first_no: int, h: int) -> tuple:
    """The :func:`scan_messages` result of a batch from those of its rows ``[0, h)``
    (``first``) and ``[h, n)`` (``second``, whose first order number is
    ``second_first_no``)."""
    row, _, increasing, lowest, highest = first
    if row >= 0:  # the first bad row is in the first part: the second is not reached
        return first
    row_b, code_b, increasing_b, lowest_b, highest_b = second
    row = h + row_b if row_b >= 0 else -1
    if row_b == 0:  # no row of the second part comes before its bad row
        return row, code_b, increasing, lowest, highest
    increasing = increasing and increasing_b and second_first_no > highest
    return row, code_b, increasing, min(lowest, lowest_b), max(highest, highest_b)


@njit
def first_reused(msgs, ords):
    """The first message whose order number an earlier batch used (-1 if none).

    ``ords`` must already cover every order number of ``msgs``.
    """
    for k in range(len(msgs)):
        if ords[msgs[k].order_no].status != ST_NONE:
            return k
    return -1
