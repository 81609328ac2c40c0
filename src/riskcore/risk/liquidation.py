"""Forced-liquidation planning (LIQ-01..04), vectorised over accounts.

Rules:

- LIQ-01 Triggers: ① reserve below zero and not topped up by the deadline (MARGIN-06);
  ② position over a limit not cured in time (POS-04); ③ penalty; ④ emergency measure;
  ⑤ other (③-⑤ are scenario events).
- LIQ-02 The member acts first, during the first session after the open
  (``liquidation_member_sessions``); what remains at the end of that session is executed by
  the exchange. Orders go through the normal matching engine at the band price toward the
  close direction; quantity = just enough to cure the trigger.
- LIQ-03 Order of closing: the largest positions first (descending lots); a member's own
  (proprietary) accounts before its client accounts (``liquidation_proprietary_first``); a
  rulebook may choose the largest loss first (``liquidation_order = "largest-loss"``).
- LIQ-04 What a limit-locked market does not fill carries to the next day. Liquidation orders
  and their fills are tagged as liquidation (source ``SRC_LIQUIDATION``, kind
  ``K_LIQUIDATION``: the engines do that for an order submitted with that source).

What the functions here do:

- :func:`release_per_lot`: CNY one closed lot adds to the reserve, per contract and side.
- :func:`liquidation_plan`: the closing orders (:data:`LIQ_ORDER_DTYPE`) that cure every
  trigger, in LIQ-03 order.
- :func:`liquidation_price`: the order price, the band price toward the close (LIQ-02).
- :func:`phase_after_member`: what the exchange executes after the member's session (LIQ-02).
- :func:`carry_over`: what carries to the next day (LIQ-04).
- :func:`event_handoffs`: ③-⑤ scenario quantities as hand-off records.

Choices where the rules are silent:

- **Quantity for ① (LIQ-02 "just enough").** A closed lot adds to the reserve its released
  margin (settlement price x multiplier x margin rate, valued as the engines value
  yesterday's lots, MARGIN-01) *plus its realised P&L at the order's price minus the close
  fee* (MARGIN-03). The order is priced at the band price toward the close, so a sell-close
  at the band low realises ``(band_lo - settlement) x tick value`` (a loss) per lot, a
  buy-close at the band high ``(settlement - band_hi) x tick value``. The plan sizes the
  quantity for that worst case: filled at its own price, the account's reserve is back to
  >= 0 (within :data:`~riskcore.risk.margin_calls.CALL_TOLERANCE`); a fill at a better price
  (MATCH-04: the resting order's price) over-cures a little. Without ``band_lo``/``band_hi``
  the loss is ignored (released margin less the fee at the settlement price only).
- A position whose lot adds nothing at the band price (margin rate <= band width + fee)
  cannot help and is skipped. An account whose positions cannot cure its shortfall even all
  together (negative equity, or every lot adds nothing) is closed out completely: every lot
  of every position (the shortfall then goes to the member, FUND-02).
- Under ``margin_method = larger_side`` only the lots by which one side exceeds the other
  release margin when closed; the plan closes those for ① (the locked part releases nothing
  when one leg is closed alone).
- Given quantities (② hand-offs of :func:`~riskcore.risk.position_limits.cure_status`,
  ③-⑤ :func:`event_handoffs`) are closed as given (capped at the position, merged per
  account x contract x closing side x trigger); what they add to the reserve counts towards
  the account's ① shortfall, so ① only closes what is still needed.
- LIQ-03 order: the plan's records are sorted by proprietary first (with the switch), then
  the largest loss (``largest-loss``: the position's loss at the settlement price from its
  average open price, CNY), then the largest position (lots on that side before the plan),
  then account index, contract index, long before short, trigger. The same key picks which
  of an account's positions ① closes first. The sort is global; within every member it is
  the member-level order LIQ-03 asks for.

Units: lots int64, prices int64 ticks (average open prices float64 ticks), money float64 CNY,
rates fractions (UNIT-01). Indices int32 (accounts, contracts in
:class:`~riskcore.sim.build.Index` order).
"""

from __future__ import annotations

import numpy as np

from riskcore.records import BUY, MARGIN_BOTH, MARGIN_LARGER_SIDE, SELL
from riskcore.risk.margin import account_totals, position_margins
from riskcore.risk.margin_calls import CALL_TOLERANCE
from riskcore.risk.position_limits import (
    HANDOFF_DTYPE,
    LIQ_TRIGGER_LIMIT,
    LIQ_TRIGGER_MARGIN_CALL,
    LIQ_TRIGGER_NAMES,
)

__all__ = [
    "LIQ_ORDER_DTYPE",
    "LIQ_PHASE_EXCHANGE",
    "LIQ_PHASE_MEMBER",
    "LIQ_PHASE_NAMES",
    "LIQ_TRIGGER_EMERGENCY",
    "LIQ_TRIGGER_LIMIT",
    "LIQ_TRIGGER_MARGIN_CALL",
    "LIQ_TRIGGER_NAMES",
    "LIQ_TRIGGER_OTHER",
    "LIQ_TRIGGER_PENALTY",
    "ORDER_LARGEST_LOSS",
    "ORDER_LARGEST_POSITION",
    "carry_over",
    "event_handoffs",
    "liquidation_plan",
    "liquidation_price",
    "phase_after_member",
    "release_per_lot",
]

# --- codes -------------------------------------------------------------------------------
LIQ_TRIGGER_PENALTY = LIQ_TRIGGER_NAMES.index("penalty")
"""LIQ-01 ③ (3): a penalty (scenario event)."""
LIQ_TRIGGER_EMERGENCY = LIQ_TRIGGER_NAMES.index("emergency")
"""LIQ-01 ④ (4): an emergency measure (scenario event)."""
LIQ_TRIGGER_OTHER = LIQ_TRIGGER_NAMES.index("other")
"""LIQ-01 ⑤ (5): other (scenario event)."""

LIQ_PHASE_MEMBER = 0
"""LIQ-02: executed by the member, first session after the open."""
LIQ_PHASE_EXCHANGE = 1
"""LIQ-02: executed by the exchange, what the member left."""
LIQ_PHASE_NAMES = ("member", "exchange")
"""``liquidations.phase`` strings by code."""

ORDER_LARGEST_POSITION = "largest-position"
"""LIQ-03 default (rulebook ``liquidation_order``)."""
ORDER_LARGEST_LOSS = "largest-loss"
"""LIQ-03 rulebook switch: largest loss first."""
_ORDERS = (ORDER_LARGEST_POSITION, ORDER_LARGEST_LOSS)

# --- records -----------------------------------------------------------------------------
LIQ_ORDER_DTYPE = np.dtype(
    [
        ("qty", "i8"),  # lots to close, > 0
        ("seq", "i4"),  # LIQ-03 rank in the plan: submit in ascending seq
        ("account", "i4"),
        ("contract", "i4"),
        ("side", "i1"),  # side of the closing order: SELL closes long, BUY closes short
        ("trigger", "i1"),  # LIQ-01 ① .. ⑤ as 1 .. 5 (LIQ_TRIGGER_NAMES)
        ("phase", "i1"),  # LIQ_PHASE_MEMBER | LIQ_PHASE_EXCHANGE (LIQ-02)
    ],
    align=True,
)
"""One forced-liquidation order: close ``qty`` lots of one account's position (LIQ-01..04).

The order is a limit close order at :func:`liquidation_price` (LIQ-02), source
``SRC_LIQUIDATION``; the ``liquidations`` table adds day, time, member, symbol, filled and
the order number.
"""

_SIDE_IX = {SELL: 0, BUY: 1}  # closing side -> position-side index (0 long, 1 short)


# --- prices and per-lot money ------------------------------------------------------------
def liquidation_price(side: np.ndarray, band_lo: np.ndarray, band_hi: np.ndarray) -> np.ndarray:
    """Price of a liquidation order: the band price toward the close direction (LIQ-02).

    A sell-close (closing a long) goes at the band low, a buy-close (closing a short) at the
    band high: the most aggressive price the band allows, so it trades against every resting
    order inside the band (at the resting order's price, MATCH-04).

    Parameters
    ----------
    side : ndarray of int
        Closing side per order, ``SELL`` or ``BUY``.
    band_lo, band_hi : ndarray of int64
        The band in force when the order is submitted, ticks, per order (index per-contract
        arrays with the orders' ``contract``) or broadcastable to ``side``.

    Returns
    -------
    ndarray of int64
        Order price, ticks.

    Raises
    ------
    ValueError
        A side that is neither ``BUY`` nor ``SELL``.

    Examples
    --------
    Band 2,820.0-3,180.0 points (14,100-15,900 ticks of 0.2):

    >>> import numpy as np
    >>> liquidation_price(np.array([SELL, BUY]), 14_100, 15_900).tolist()
    [14100, 15900]
    """
    side = np.asarray(side)
    if not np.isin(side, (BUY, SELL)).all():
        raise ValueError("a liquidation order's side must be BUY or SELL")
    lo = np.asarray(band_lo, dtype=np.int64)
    hi = np.asarray(band_hi, dtype=np.int64)
    return np.where(side == SELL, lo, hi).astype(np.int64)


def release_per_lot(
    price: np.ndarray,
    tick_value: np.ndarray,
    margin_rate: np.ndarray,
    band_lo: np.ndarray | None = None,
    band_hi: np.ndarray | None = None,
    fee_close: np.ndarray | None = None,
) -> np.ndarray:
    """CNY one closed lot adds to the reserve, per contract and position side (LIQ-02).

    ``released margin + realised P&L - close fee`` for a lot of yesterday's position closed
    at the liquidation price (MARGIN-01/03):

    - released margin = ``float(price) x tick_value x margin_rate`` (the engines' margin of
      one lot of yesterday's position, valued at the previous settlement);
    - closing a long (sell at ``band_lo``): realised ``(band_lo - price) x tick_value``, fee
      ``band_lo x tick_value x fee_close``;
    - closing a short (buy at ``band_hi``): realised ``(price - band_hi) x tick_value``, fee
      ``band_hi x tick_value x fee_close``.

    Without a band the lot is taken as closed at ``price`` (no loss).

    Parameters
    ----------
    price : ndarray of int64, shape (n_contracts,)
        Settlement price the positions are margined at (the previous settlement at the
        open), ticks.
    tick_value : ndarray of float64, shape (n_contracts,)
        CNY per tick per lot.
    margin_rate : ndarray of float64, shape (n_contracts,)
        Trading-margin rate in force, fraction.
    band_lo, band_hi : ndarray of int64, shape (n_contracts,), optional
        Band in force when the orders are submitted, ticks.
    fee_close : ndarray of float64, shape (n_contracts,), optional
        Fee for closing yesterday's lots, fraction of notional (default 0).

    Returns
    -------
    ndarray of float64, shape (n_contracts, 2)
        CNY per lot; column 0 closing a long, column 1 closing a short. May be <= 0 when
        the margin rate does not exceed the band's distance from the settlement price.

    Examples
    --------
    IF at 3,000.0 points (15,000 ticks), 12 %: margin 108,000 CNY a lot; the 6 % breaker band
    2,820.0-3,180.0 costs 54,000 CNY a lot either way; each lot adds 54,000 CNY.

    >>> import numpy as np
    >>> release_per_lot(np.array([15_000]), np.array([60.0]), np.array([0.12]),
    ...                 np.array([14_100]), np.array([15_900])).tolist()
    [[54000.0, 54000.0]]
    """
    px = np.asarray(price, dtype=np.int64)
    tv = np.asarray(tick_value, dtype=np.float64)
    rate = np.asarray(margin_rate, dtype=np.float64)
    lo = px if band_lo is None else np.asarray(band_lo, dtype=np.int64)
    hi = px if band_hi is None else np.asarray(band_hi, dtype=np.int64)
    fee = 0.0 if fee_close is None else np.asarray(fee_close, dtype=np.float64)
    margin = px.astype(np.float64) * tv * rate
    out = np.empty((len(px), 2), dtype=np.float64)
    out[:, 0] = margin + (lo - px).astype(np.float64) * tv - lo.astype(np.float64) * tv * fee
    out[:, 1] = margin + (px - hi).astype(np.float64) * tv - hi.astype(np.float64) * tv * fee
    return out


# --- given quantities (② .. ⑤) -------------------------------------------------------------
def event_handoffs(
    account: np.ndarray,
    contract: np.ndarray,
    side: np.ndarray,
    qty: np.ndarray,
    trigger: np.ndarray | int,
    long: np.ndarray | None = None,
    short: np.ndarray | None = None,
) -> np.ndarray:
    """Scenario-given liquidation quantities (LIQ-01 ③-⑤) as :data:`HANDOFF_DTYPE` records.

    Parameters
    ----------
    account, contract : ndarray of int
        Account and contract index per event.
    side : ndarray of int
        Closing side, ``SELL`` (close long) or ``BUY`` (close short).
    qty : ndarray of int
        Lots to close; a negative value means the whole position on that side (needs
        ``long``/``short``).
    trigger : int or ndarray of int
        ``LIQ_TRIGGER_PENALTY``, ``LIQ_TRIGGER_EMERGENCY`` or ``LIQ_TRIGGER_OTHER``.
    long, short : ndarray of int, shape (n_accounts, n_contracts), optional
        Lots held, for ``qty < 0``.

    Returns
    -------
    ndarray of HANDOFF_DTYPE
        ``party`` and ``kind`` are -1 (not a POS-04 breach). Quantities above the position
        are capped later by :func:`liquidation_plan`.

    Examples
    --------
    >>> import numpy as np
    >>> h = event_handoffs(np.array([0]), np.array([0]), np.array([SELL]), np.array([-1]),
    ...                    LIQ_TRIGGER_PENALTY, np.array([[7]]), np.array([[0]]))
    >>> h[["account", "qty", "side", "trigger"]].tolist()
    [(0, 7, 2, 3)]
    """
    account = np.atleast_1d(np.asarray(account, dtype=np.int64))
    contract = np.broadcast_to(np.asarray(contract, dtype=np.int64), account.shape)
    side = np.broadcast_to(np.asarray(side), account.shape)
    qty = np.broadcast_to(np.asarray(qty, dtype=np.int64), account.shape).copy()
    if not np.isin(side, (BUY, SELL)).all():
        raise ValueError("a liquidation side must be BUY or SELL")
    whole = qty < 0
    if whole.any():
        if long is None or short is None:
            raise ValueError("qty < 0 (whole position) needs long and short")
        held = np.where(
            side == SELL,
            np.asarray(long, dtype=np.int64)[account, contract],
            np.asarray(short, dtype=np.int64)[account, contract],
        )
        qty[whole] = held[whole]
    out = np.zeros(len(account), dtype=HANDOFF_DTYPE)
    out["qty"] = qty
    out["party"] = -1
    out["account"] = account
    out["contract"] = contract
    out["kind"] = -1
    out["side"] = side
    out["trigger"] = trigger
    return out


def _given(
    handoffs: np.ndarray | None, held: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hand-offs merged per (account, contract, position side, trigger), capped at the held
    lots (lower trigger codes first). Returns account, contract, side index, qty, trigger."""
    empty = np.zeros(0, dtype=np.int64)
    if handoffs is None or len(handoffs) == 0:
        return empty, empty, empty, empty, empty
    h = np.asarray(handoffs)
    n_a, n_c, _ = held.shape
    h = h[h["qty"] > 0]
    if not np.isin(h["side"], (BUY, SELL)).all():
        raise ValueError("a hand-off's side must be BUY or SELL (the closing side)")
    acc = h["account"].astype(np.int64)
    con = h["contract"].astype(np.int64)
    if ((acc < 0) | (acc >= n_a) | (con < 0) | (con >= n_c)).any():
        raise ValueError("a hand-off names an account or contract out of range")
    trig = h["trigger"].astype(np.int64)
    if ((trig < 1) | (trig >= len(LIQ_TRIGGER_NAMES))).any():
        raise ValueError("a hand-off's trigger must be a LIQ-01 code 1..5")
    sx = (h["side"] == BUY).astype(np.int64)
    n_t = len(LIQ_TRIGGER_NAMES)
    key = ((acc * n_c + con) * 2 + sx) * n_t + trig
    uniq, inv = np.unique(key, return_inverse=True)
    qty = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(qty, inv, h["qty"].astype(np.int64))
    pos = uniq // n_t  # (account, contract, side) position key, sorted
    trig = uniq % n_t
    sx = pos % 2
    con = (pos // 2) % n_c
    acc = pos // 2 // n_c
    lots = held[acc, con, sx]
    cum = np.cumsum(qty)
    first = np.searchsorted(pos, pos)
    before = cum - qty - (cum[first] - qty[first])  # lots of earlier triggers, same position
    take = np.clip(lots - before, 0, qty)
    keep = take > 0
    return acc[keep], con[keep], sx[keep], take[keep], trig[keep]


def _position_loss(
    held: np.ndarray,
    avg_long: np.ndarray | None,
    avg_short: np.ndarray | None,
    px: np.ndarray,
    tv: np.ndarray,
) -> np.ndarray:
    """Loss of every position at the settlement price from its average open price, CNY,
    shape (n_accounts, n_contracts, 2); a profit is a negative loss."""
    if avg_long is None or avg_short is None:
        raise ValueError('liquidation_order "largest-loss" needs avg_long and avg_short')
    al = np.asarray(avg_long, dtype=np.float64)
    ash = np.asarray(avg_short, dtype=np.float64)
    p = px.astype(np.float64)[None, :]
    loss = np.zeros(held.shape, dtype=np.float64)
    lots = held.astype(np.float64)
    loss[..., 0] = np.where(held[..., 0] > 0, (al - p) * lots[..., 0], 0.0) * tv
    loss[..., 1] = np.where(held[..., 1] > 0, (p - ash) * lots[..., 1], 0.0) * tv
    return loss


# --- the plan ----------------------------------------------------------------------------
def liquidation_plan(
    long: np.ndarray,
    short: np.ndarray,
    price: np.ndarray,
    tick_value: np.ndarray,
    margin_rate: np.ndarray,
    *,
    shortfall: np.ndarray | None = None,
    handoffs: np.ndarray | None = None,
    band_lo: np.ndarray | None = None,
    band_hi: np.ndarray | None = None,
    fee_close: np.ndarray | None = None,
    proprietary: np.ndarray | None = None,
    avg_long: np.ndarray | None = None,
    avg_short: np.ndarray | None = None,
    order: str = ORDER_LARGEST_POSITION,
    proprietary_first: bool = True,
    margin_method: int = MARGIN_BOTH,
    phase: int = LIQ_PHASE_MEMBER,
    tolerance: float = CALL_TOLERANCE,
) -> np.ndarray:
    """The closing orders that just cure every liquidation trigger (LIQ-01..03).

    Given quantities (``handoffs``: ② from
    :func:`~riskcore.risk.position_limits.cure_status`, ③-⑤ from :func:`event_handoffs`)
    are closed as given, capped at the position. For ① the smallest quantity whose
    :func:`release_per_lot` (released margin + realised P&L at the band price - fee) covers
    the account's ``shortfall`` after what the given closes add, taken from its positions in
    LIQ-03 order; an account that cannot be cured is closed out completely (module
    docstring).

    Parameters
    ----------
    long, short : ndarray of int, shape (n_accounts, n_contracts)
        Lots held now (at the open: yesterday's lots).
    price : ndarray of int64, shape (n_contracts,)
        Price the positions are margined at, ticks (the previous settlement, at the open).
    tick_value : ndarray of float64, shape (n_contracts,)
        CNY per tick per lot.
    margin_rate : ndarray of float64, shape (n_contracts,)
        Trading-margin rate in force, fraction.
    shortfall : ndarray of float64, shape (n_accounts,), optional
        LIQ-01 ①: CNY the reserve is below zero for accounts whose margin call is unpaid at
        the deadline (``max(-reserve, 0)`` where ``resolve_calls`` says unpaid), else 0.
    handoffs : ndarray of HANDOFF_DTYPE, optional
        LIQ-01 ②-⑤ quantities per account x contract x closing side, with their trigger.
    band_lo, band_hi : ndarray of int64, shape (n_contracts,), optional
        Band in force when the orders go in, ticks: the ① quantity then allows for the loss
        at the band price (recommended). ``None``: released margin only.
    fee_close : ndarray of float64, shape (n_contracts,), optional
        Fee for closing yesterday's lots, fraction of notional (default 0).
    proprietary : ndarray of bool, shape (n_accounts,), optional
        The members' own accounts (LIQ-03). Default: none.
    avg_long, avg_short : ndarray of float64, shape (n_accounts, n_contracts), optional
        Average open price of the long and short lots, ticks; needed for
        ``order = "largest-loss"``.
    order : {"largest-position", "largest-loss"}
        Rulebook ``liquidation_order`` (LIQ-03).
    proprietary_first : bool
        Rulebook ``liquidation_proprietary_first`` (LIQ-03).
    margin_method : int
        ``MARGIN_BOTH`` or ``MARGIN_LARGER_SIDE`` (MARGIN-01): which closes release margin.
    phase : int
        ``LIQ_PHASE_MEMBER`` (the first session, LIQ-02) or ``LIQ_PHASE_EXCHANGE``.
    tolerance : float
        CNY of shortfall that counts as cured (half a fen, as MARGIN-06).

    Returns
    -------
    ndarray of LIQ_ORDER_DTYPE
        In LIQ-03 order (``seq`` = 0, 1, ...): proprietary first (if switched on), then
        largest loss (``largest-loss``), largest position (lots before the plan), account,
        contract, long before short, trigger. One record per account x contract x closing
        side x trigger.

    Raises
    ------
    ValueError
        Bad ``order``, ``margin_method``, hand-off or missing average prices.

    Examples
    --------
    IF at 3,000.0 points, 12 % margin (108,000 CNY a lot), the 6 % breaker band at the open
    (54,000 CNY loss a lot at the band low): a shortfall of 120,000 CNY needs 3 lots
    (2 lots add only 108,000), not the 2 that the margin alone would suggest.

    >>> import numpy as np
    >>> p = liquidation_plan(np.array([[10]]), np.array([[0]]), np.array([15_000]),
    ...                      np.array([60.0]), np.array([0.12]),
    ...                      shortfall=np.array([120_000.0]),
    ...                      band_lo=np.array([14_100]), band_hi=np.array([15_900]))
    >>> p[["account", "contract", "side", "qty", "trigger"]].tolist()
    [(0, 0, 2, 3, 1)]
    """
    if order not in _ORDERS:
        raise ValueError(f"unknown liquidation_order {order!r}: one of {', '.join(_ORDERS)}")
    if margin_method not in (MARGIN_BOTH, MARGIN_LARGER_SIDE):
        raise ValueError(f"unknown margin method {margin_method!r}")
    held = np.stack(
        [np.asarray(long, dtype=np.int64), np.asarray(short, dtype=np.int64)], axis=-1
    )  # (n_accounts, n_contracts, 2)
    n_a = held.shape[0]
    px = np.asarray(price, dtype=np.int64)
    tv = np.asarray(tick_value, dtype=np.float64)
    rate = np.asarray(margin_rate, dtype=np.float64)
    per_lot = release_per_lot(px, tv, rate, band_lo, band_hi, fee_close)  # (n_c, 2)
    margin_lot = px.astype(np.float64) * tv * rate

    # ② .. ⑤: given quantities
    g_acc, g_con, g_sx, g_qty, g_trig = _given(handoffs, held)
    closed = np.zeros_like(held)
    np.add.at(closed, (g_acc, g_con, g_sx), g_qty)
    rest = held - closed
    accs, cons, sxs, qtys, trigs = [g_acc], [g_con], [g_sx], [g_qty], [g_trig]

    loss = None
    if order == ORDER_LARGEST_LOSS:
        loss = _position_loss(held, avg_long, avg_short, px, tv)

    # ①: margin-call shortfall
    if shortfall is not None:
        need = np.asarray(shortfall, dtype=np.float64).copy()
        if need.shape != (n_a,):
            raise ValueError("shortfall must have one value per account")
        if len(g_qty):  # what the given closes add to the reserve counts towards the cure
            before = position_margins(held[..., 0], held[..., 1], px, tv, rate, margin_method)
            after = position_margins(rest[..., 0], rest[..., 1], px, tv, rate, margin_method)
            extra = per_lot - margin_lot[:, None]  # realised - fee, per lot
            need -= account_totals(before - after) + (closed * extra[None]).sum(axis=(1, 2))
        active = need > tolerance
        if margin_method == MARGIN_BOTH:
            useful = rest
        else:  # only the lots by which one side exceeds the other release margin
            diff = rest[..., 0] - rest[..., 1]
            useful = np.stack([np.maximum(diff, 0), np.maximum(-diff, 0)], axis=-1)
        cand = active[:, None, None] & (useful > 0) & (per_lot[None] > 0)
        a, c, s = np.nonzero(cand)
        keys = [s, c, -held[a, c, s]]
        if loss is not None:
            keys.append(-loss[a, c, s])
        keys.append(a)
        ordr = np.lexsort(keys)
        a, c, s = a[ordr], c[ordr], s[ordr]
        v = per_lot[c, s]
        u = useful[a, c, s]
        val = u * v
        cum = np.cumsum(val)
        first = np.searchsorted(a, a)
        done = cum - val - (cum[first] - val[first])  # CNY of earlier positions, same account
        take = np.ceil((need[a] - done - tolerance) / v)
        take = np.clip(take, 0, u).astype(np.int64)
        total = np.zeros(n_a, dtype=np.float64)
        np.add.at(total, a, val)
        hopeless = active & (total < need - tolerance)
        keep = (take > 0) & ~hopeless[a]
        # accounts no quantity can cure: every remaining lot (module docstring)
        ha, hc, hs = np.nonzero(hopeless[:, None, None] & (rest > 0))
        accs += [a[keep], ha]
        cons += [c[keep], hc]
        sxs += [s[keep], hs]
        qtys += [take[keep], rest[ha, hc, hs]]
        trigs += [np.full(int(keep.sum()) + len(ha), LIQ_TRIGGER_MARGIN_CALL, dtype=np.int64)]

    acc = np.concatenate(accs).astype(np.int64)
    con = np.concatenate(cons).astype(np.int64)
    sx = np.concatenate(sxs).astype(np.int64)
    qty = np.concatenate(qtys).astype(np.int64)
    trig = np.concatenate(trigs).astype(np.int64)

    # LIQ-03 order (lexsort: last key first)
    keys = [trig, sx, con, acc, -held[acc, con, sx]]
    if loss is not None:
        keys.append(-loss[acc, con, sx])
    if proprietary_first and proprietary is not None:
        prop = np.asarray(proprietary, dtype=bool)
        keys.append(~prop[acc])
    ordr = np.lexsort(keys)
    out = np.zeros(len(acc), dtype=LIQ_ORDER_DTYPE)
    out["qty"] = qty[ordr]
    out["seq"] = np.arange(len(acc))
    out["account"] = acc[ordr]
    out["contract"] = con[ordr]
    out["side"] = np.where(sx[ordr] == 0, SELL, BUY)
    out["trigger"] = trig[ordr]
    out["phase"] = phase
    return out


# --- after a phase, after a day ------------------------------------------------------------
def _remainder(plan: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """The plan's records with ``qty - filled > 0``, qty replaced by the remainder."""
    plan = np.asarray(plan, dtype=LIQ_ORDER_DTYPE)
    filled = np.asarray(filled, dtype=np.int64)
    if filled.shape != plan.shape:
        raise ValueError("filled must have one value per plan record")
    if ((filled < 0) | (filled > plan["qty"])).any():
        raise ValueError("filled must be between 0 and the record's qty")
    left = plan["qty"] - filled
    out = plan[left > 0].copy()
    out["qty"] = left[left > 0]
    return out


def phase_after_member(plan: np.ndarray, filled_in_member_phase: np.ndarray) -> np.ndarray:
    """What the exchange executes after the member's session (LIQ-02).

    Parameters
    ----------
    plan : ndarray of LIQ_ORDER_DTYPE
        The member-phase orders.
    filled_in_member_phase : ndarray of int, shape (len(plan),)
        Lots each order filled by the end of the member's session(s)
        (``liquidation_member_sessions``).

    Returns
    -------
    ndarray of LIQ_ORDER_DTYPE
        The unfilled remainders, ``phase = LIQ_PHASE_EXCHANGE``, in the plan's order
        (``seq`` kept: it ranks, it need not be contiguous).

    Examples
    --------
    >>> import numpy as np
    >>> p = np.zeros(2, dtype=LIQ_ORDER_DTYPE); p["qty"] = [5, 3]; p["seq"] = [0, 1]
    >>> phase_after_member(p, np.array([2, 3]))[["qty", "seq", "phase"]].tolist()
    [(3, 0, 1)]
    """
    out = _remainder(plan, filled_in_member_phase)
    out["phase"] = LIQ_PHASE_EXCHANGE
    return out


def carry_over(
    plan: np.ndarray,
    filled: np.ndarray,
    *,
    triggers: tuple[int, ...] | None = None,
    phase: int | None = None,
) -> np.ndarray:
    """What a limit-locked market did not fill, carried to the next day (LIQ-04).

    Parameters
    ----------
    plan : ndarray of LIQ_ORDER_DTYPE
        The day's liquidation orders still live at the close (typically the exchange
        phase's).
    filled : ndarray of int, shape (len(plan),)
        Lots each filled during the day.
    triggers : tuple of int, optional
        Carry only these triggers (e.g. ``(3, 4, 5)`` when ① and ② are planned afresh from
        the next settlement's margin calls and breaches, so they are not carried twice).
        Default: all.
    phase : int, optional
        Phase of the carried orders; default unchanged (an exchange order stays the
        exchange's).

    Returns
    -------
    ndarray of LIQ_ORDER_DTYPE
        Remainders ``qty - filled > 0``, in the plan's order; resubmit them at the next
        day's open at that day's :func:`liquidation_price`.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.zeros(2, dtype=LIQ_ORDER_DTYPE); p["qty"] = [5, 3]; p["phase"] = 1
    >>> carry_over(p, np.array([0, 1]))[["qty", "phase"]].tolist()
    [(5, 1), (2, 1)]
    """
    out = _remainder(plan, filled)
    if triggers is not None:
        out = out[np.isin(out["trigger"], np.asarray(triggers, dtype=np.int64))]
    if phase is not None:
        out["phase"] = phase
    return out
