"""Orders and one side of a price-time-priority order book (MATCH-01).

A side is a ``SortedDict`` from price (ticks) to a FIFO ``deque`` of live orders, kept
best price first (bids highest first, asks lowest first), plus the total leaves per level.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from sortedcontainers import SortedDict

from riskcore.records import BUY, OPEN


@dataclass(slots=True, eq=False)
class Order:
    """One accepted order and its live state.

    Attributes
    ----------
    order_no : int
        Unique message number (also the order's id).
    ts : int
        Arrival time, ns.
    account, investor, member, contract : int
        Who placed it and in what.
    side, offset, type, source : int
        ``BUY``/``SELL``, ``OPEN``/``CLOSE``, ``LIMIT``/``MARKET``/``FAK``/``FOK``, ``SRC_*``.
    price : int
        Worst acceptable price, ticks: the limit price, or for a market order the band edge on
        its side (band high for a buy, band low for a sell; LIMIT-03).
    qty : int
        Order quantity, lots.
    per_lot : float
        CNY frozen per lot while the order is live (MARGIN-02); 0.0 for a close order.
    leaves, filled : int
        Open and filled quantity, lots.
    status, reason : int
        ``ST_*`` and ``R_*`` codes.
    """

    order_no: int
    ts: int
    account: int
    investor: int
    member: int
    contract: int
    side: int
    offset: int
    type: int
    source: int
    price: int
    qty: int
    per_lot: float
    leaves: int
    filled: int = 0
    status: int = 0
    reason: int = 0

    @property
    def is_open(self) -> bool:
        """True for an opening order (the only kind that freezes money and counts for POS)."""
        return self.offset == OPEN


class BookSide:
    """The bids or the asks of one contract (MATCH-01).

    Parameters
    ----------
    side : int
        ``BUY`` for the bid side, ``SELL`` for the ask side.

    Attributes
    ----------
    levels : SortedDict[int, deque[Order]]
        Price (ticks) -> orders in arrival order, iterated best price first.
    totals : dict[int, int]
        Price (ticks) -> Σ leaves of the orders at that price, lots.
    """

    __slots__ = ("levels", "side", "totals")

    def __init__(self, side: int) -> None:
        self.side = side
        # A key function makes iteration order = priority order on both sides.
        self.levels: SortedDict = SortedDict(operator.neg) if side == BUY else SortedDict()
        self.totals: dict[int, int] = {}

    def __bool__(self) -> bool:
        return bool(self.levels)

    def best_price(self) -> int | None:
        """Best price (highest bid or lowest ask), or None when the side is empty."""
        return self.levels.peekitem(0)[0] if self.levels else None

    def head(self, price: int) -> Order:
        """The oldest order at ``price``."""
        return self.levels[price][0]

    def append(self, order: Order) -> None:
        """Rest ``order`` at the tail of its price level (time priority)."""
        if order.price not in self.levels:
            self.levels[order.price] = deque()
            self.totals[order.price] = 0
        self.levels[order.price].append(order)
        self.totals[order.price] += order.leaves

    def reduce(self, order: Order, qty: int) -> None:
        """Account for ``qty`` lots of a resting ``order`` having traded; drop it when done."""
        self.totals[order.price] -= qty
        if order.leaves == 0:
            self.remove(order)

    def remove(self, order: Order) -> None:
        """Take ``order`` (with its current leaves) out of the book."""
        queue = self.levels[order.price]
        queue.remove(order)
        self.totals[order.price] -= order.leaves
        if not queue:
            del self.levels[order.price]
            del self.totals[order.price]

    def orders(self) -> Iterator[Order]:
        """Every resting order in priority order (best price first, FIFO within a level)."""
        for queue in self.levels.values():
            yield from queue

    def level_items(self) -> Iterator[tuple[int, int]]:
        """``(price, total lots)`` per level, best first."""
        for price in self.levels:
            yield price, self.totals[price]
