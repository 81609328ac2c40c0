"""Kernels for money and positions: freezes, pending quantities, fills, position margin.

Implements MARGIN-01 (position margin, ``both`` / ``larger_side``), MARGIN-02 (freeze at
acceptance, release on cancel or fill), MARGIN-03 (realised P&L of closes credited at once:
against the previous settlement for yesterday's lots, against the open price for today's),
and the position bookkeeping POS-01/02 rely on (investor and member sums incl. pending opens).
The floating-point operations follow ``docs/engine-semantics.md`` step by step, so the
reference engine reproduces them bit for bit.
"""

from __future__ import annotations

from riskcore._jit import njit, njit_inline
from riskcore.engine.layout import F_LONG, F_PEND_BUY, F_PEND_SELL, F_SHORT
from riskcore.records import BUY, MARGIN_BOTH, OPEN, SELL


@njit_inline
def per_lot_freeze(cs, c, px):
    """Margin plus opening fee of one lot at ``px`` ticks, CNY (MARGIN-02)."""
    tv = cs[c].tick_value
    return float(px) * tv * cs[c].margin_rate + float(px) * tv * cs[c].fee_open


@njit
def position_margin(p, prev_settle, tick_value, rate, method):
    """Trading margin of one position, CNY (MARGIN-01).

    Yesterday's lots are valued at the previous settlement, today's at their open prices.
    """
    long_val = p.long_yd * prev_settle + p.long_td_cost
    short_val = p.short_yd * prev_settle + p.short_td_cost
    if method == MARGIN_BOTH:
        return float(long_val + short_val) * tick_value * rate
    return float(max(long_val, short_val)) * tick_value * rate


@njit_inline
def reserve_order(acct, pos, inv, mem, n_c, a, c, side, offset, qty, per_lot):
    """Book a newly accepted order's pending lots and freeze (MARGIN-02, POS-01, MATCH-03)."""
    if offset == OPEN:
        acct[a].frozen += float(qty) * per_lot
        f = F_PEND_BUY if side == BUY else F_PEND_SELL
        inv[acct[a].investor, c, f] += qty
        mem[acct[a].member, c, f] += qty
    elif side == SELL:
        pos[a * n_c + c].pend_close_long += qty
    else:
        pos[a * n_c + c].pend_close_short += qty


@njit_inline
def release_order(acct, pos, inv, mem, n_c, a, c, side, offset, qty, per_lot):
    """Undo :func:`reserve_order` for ``qty`` lots that will never trade (cancel)."""
    if offset == OPEN:
        acct[a].frozen -= float(qty) * per_lot
        f = F_PEND_BUY if side == BUY else F_PEND_SELL
        inv[acct[a].investor, c, f] -= qty
        mem[acct[a].member, c, f] -= qty
    elif side == SELL:
        pos[a * n_c + c].pend_close_long -= qty
    else:
        pos[a * n_c + c].pend_close_short -= qty


@njit_inline
def apply_fill_side(cs, acct, pos, inv, mem, method, a, c, side, offset, q, price, per_lot):
    """Apply one side of a fill of ``q`` lots at ``price`` ticks to account ``a``.

    Opening: release the order's freeze, add today's lots at ``price``, charge the opening
    fee. Closing: yesterday's lots first, credit realised P&L (MARGIN-03), charge the close /
    close-today fee. Then recompute the position margin and move the difference between
    reserve and margin.
    """
    n_c = len(cs)
    tv = cs[c].tick_value
    prev = cs[c].prev_settle
    p = pos[a * n_c + c]
    i = acct[a].investor
    m = acct[a].member
    pv = float(price) * tv
    if offset == OPEN:
        acct[a].frozen -= float(q) * per_lot
        if side == BUY:
            p.long_td += q
            p.long_td_cost += price * q
            inv[i, c, F_LONG] += q
            inv[i, c, F_PEND_BUY] -= q
            mem[m, c, F_LONG] += q
            mem[m, c, F_PEND_BUY] -= q
        else:
            p.short_td += q
            p.short_td_cost += price * q
            inv[i, c, F_SHORT] += q
            inv[i, c, F_PEND_SELL] -= q
            mem[m, c, F_SHORT] += q
            mem[m, c, F_PEND_SELL] -= q
        fee = float(q) * pv * cs[c].fee_open
    else:
        if side == SELL:  # closes longs
            p.pend_close_long -= q
            q_yd = min(q, p.long_yd)
            q_td = q - q_yd
            removed = 0
            if q_td > 0:
                removed = p.long_td_cost * q_td // p.long_td
            ticks = (price - prev) * q_yd + (price * q_td - removed)
            p.long_td_cost -= removed
            p.long_yd -= q_yd
            p.long_td -= q_td
            inv[i, c, F_LONG] -= q
            mem[m, c, F_LONG] -= q
        else:  # closes shorts
            p.pend_close_short -= q
            q_yd = min(q, p.short_yd)
            q_td = q - q_yd
            removed = 0
            if q_td > 0:
                removed = p.short_td_cost * q_td // p.short_td
            ticks = (prev - price) * q_yd + (removed - price * q_td)
            p.short_td_cost -= removed
            p.short_yd -= q_yd
            p.short_td -= q_td
            inv[i, c, F_SHORT] -= q
            mem[m, c, F_SHORT] -= q
        money = float(ticks) * tv
        acct[a].reserve += money
        acct[a].realised += money
        fee = float(q_yd) * pv * cs[c].fee_close + float(q_td) * pv * cs[c].fee_close_today
    acct[a].reserve -= fee
    acct[a].fees += fee
    new = position_margin(p, prev, tv, cs[c].margin_rate, method)
    delta = new - p.margin
    p.margin = new
    acct[a].margin += delta
    acct[a].reserve -= delta
