"""Kernels of the agent step: observation, every group's decisions, the message batch.

One call of :func:`step` per agent step does what ``docs/agents.md`` describes for all groups
at once: it prunes the agents' resting-order table with the engine's order states, computes
the reference price per contract, writes the step's row of the price history, lets every
group decide from the day's pre-drawn random numbers (:mod:`riskcore.agents.draws`), drops
the opening orders of restricted agents, clips prices to the band in force and writes the
cancels (first) and new orders as ``MSG_DTYPE`` rows. :func:`group_cancels` and
:func:`group_news` are the decision rules of one group (also called alone by each kind's
``act``, the tested form of the rules).

Units: prices in ticks (int64), quantities in lots, times in ns. The kernels allocate
nothing: every output and scratch array is the caller's.

Parameter rows (``par``, float64, one per group) hold the kind's parameters in the order of
:data:`riskcore.agents.draws.PARAM_ORDER`.
"""

from __future__ import annotations

import numpy as np

from riskcore._jit import njit
from riskcore.records import (
    BUY,
    CANCEL,
    CLOSE,
    LIMIT,
    NEW,
    OPEN,
    SELL,
    SRC_AGENT,
    ST_ACCEPTED,
    ST_PARTIAL,
)

NOISE = 0
MARKET_MAKER = 1
MOMENTUM = 2
FUNDAMENTAL = 3
SPECULATOR = 4
NS = 1_000_000_000


@njit
def last_prices(price, contract, last):
    """Set ``last[c]`` to the price of the latest fill of each contract ``c`` (in order)."""
    for i in range(len(price)):
        last[contract[i]] = price[i]


@njit
def group_cancels(kind, lo, n, stale_no, live_no, live_acc, n_live, out_row, n_out):
    """Rows of the live-order table the group cancels this step (noise: its orders numbered
    below ``stale_no``; market makers: all their quotes). Returns the new ``n_out``."""
    if kind != NOISE and kind != MARKET_MAKER:
        return n_out
    for r in range(n_live):
        a = live_acc[r]
        if a >= lo and a < lo + n and (kind == MARKET_MAKER or live_no[r] < stale_no):
            out_row[n_out] = r
            n_out += 1
    return n_out


@njit
def _emit(a, c, side, qty, price, held, max_pos, o, n_out):
    """Append one order (offset from the free lots; dropped when an opening order would take
    ``|net|`` beyond ``max_pos``, or when ``qty <= 0``). Returns the new ``n_out``."""
    if qty <= 0:
        return n_out
    free = held[2, a, c] if side == SELL else held[3, a, c]
    off = CLOSE if free >= qty else OPEN
    if off == OPEN:
        after = held[0, a, c] - held[1, a, c] + (qty if side == BUY else -qty)
        if abs(after) > max_pos:
            return n_out
    o[0, n_out] = a
    o[1, n_out] = side
    o[2, n_out] = off
    o[3, n_out] = price
    o[4, n_out] = qty
    return n_out + 1


@njit
def group_news(
    kind, par, lo, n, c, d, a0, a1, err, e0, ref, bid, ask, ret, underlying, tick, held, live,
    n_live, pending, o,
):  # fmt: skip
    """New orders of one group this step, written to ``o`` (rows account, side, offset,
    price, qty; prices before clipping). Returns their number.

    ``d[:, a0:a1]`` are the group's arrivals this step (rows: agent ``0..n-1``, and for
    noise traders buy (1/0), offset ``k`` (ticks) and size (lots)); ``err[e0 + i]`` the
    fundamental traders' fair-value error of agent ``i``; ``ref``/``bid``/``ask`` the
    contract's prices (-1 = no quote); ``ret`` the momentum return; ``held`` the lots per
    account and contract (rows long, short, free long, free short); ``live`` the agents'
    resting orders (rows as in :func:`step`); ``pending`` scratch of at least ``n`` int64.
    """
    n_out = np.int64(0)  # (not a literal: one compiled version of the helpers)
    if kind == NOISE:
        max_pos = par[5]
        for j in range(a0, a1):
            a = lo + d[0, j]
            side = BUY if d[1, j] else SELL
            k = d[2, j]
            price = ref - k if side == BUY else ref + k
            n_out = _emit(a, c, side, d[3, j], price, held, max_pos, o, n_out)  # fmt: skip
    elif kind == MARKET_MAKER:
        spread, size, cap, skew = np.int64(par[0]), np.int64(par[1]), np.int64(par[2]), par[3]
        for side in (BUY, SELL):
            for i in range(n):
                a = lo + i
                net = held[0, a, c] - held[1, a, c]
                if side == BUY and net + size > cap:
                    continue
                if side == SELL and net - size < -cap:
                    continue
                shift = np.int64(np.rint(-skew * net / cap)) if cap > 0 else np.int64(0)
                centre = ref + shift
                price = centre - spread if side == BUY else centre + spread
                n_out = _emit(a, c, side, size, price, held, np.inf, o, n_out)  # fmt: skip
    elif kind == MOMENTUM:
        if a1 > a0 and abs(ret) > par[2]:
            side = BUY if ret > 0 else SELL
            qty, slip = np.int64(par[3]), np.int64(par[5])
            price = (
                (ask if ask >= 0 else ref) + slip
                if side == BUY
                else ((bid if bid >= 0 else ref) - slip)
            )
            for j in range(a0, a1):
                n_out = _emit(lo + d[0, j], c, side, qty, price, held, par[4], o, n_out)
    elif kind == FUNDAMENTAL:
        if a1 > a0 and np.isfinite(underlying):
            basis, thr, qpp, max_qty = par[1], par[2], par[3], par[4]
            for j in range(a0, a1):
                a = lo + d[0, j]
                fair = underlying * basis * (1.0 + err[e0 + d[0, j]]) / tick
                m = ref / fair - 1.0
                if not abs(m) > thr:
                    continue
                side = BUY if m < 0 else SELL
                q = max(np.int64(min(np.ceil(qpp * 100.0 * abs(m)), max_qty)), np.int64(1))
                n_out = _emit(a, c, side, q, np.int64(np.rint(fair)), held, par[5], o,
                              n_out)  # fmt: skip
    elif kind == SPECULATOR:
        if a1 > a0:
            is_long = par[0] > 0.5
            target, qty, slip = np.int64(par[1]), np.int64(par[3]), np.int64(par[4])
            for i in range(n):
                pending[i] = 0
            for r in range(n_live):  # lots already on the way (resting opening orders)
                a = live[2, r]
                if a >= lo and a < lo + n and live[5, r] == OPEN:
                    pending[a - lo] += live[7, r]
            side = BUY if is_long else SELL
            price = (
                (ask if ask >= 0 else ref) + slip
                if is_long
                else ((bid if bid >= 0 else ref) - slip)
            )
            for j in range(a0, a1):
                i = d[0, j]
                a = lo + i
                have = held[0, a, c] if is_long else held[1, a, c]
                want = max(target - have - pending[i], 0)
                if want > 0:
                    o[0, n_out] = a
                    o[1, n_out] = side
                    o[2, n_out] = OPEN
                    o[3, n_out] = price
                    o[4, n_out] = min(want, qty)
                    n_out += 1
    return n_out


@njit
def step(
    k, t, next_no, underlying, grp, g_par, d_ptr, d, err, mkt, tick, history, steps, pos, acct,
    status, filled, live, n_live, held, scr, o, m,
):  # fmt: skip
    """One agent step ``k`` (0-based) at ``t``: every group decides, messages into ``m``.

    Parameters
    ----------
    k, t, next_no : int
        Step index, step time (ns), number of the step's first message.
    underlying : float
        The index level now, points (NaN: none).
    grp : ndarray of int64, shape (4, n_groups)
        Rows: kind code, first account, number of agents, contract of each group.
    g_par : ndarray of float64, shape (n_groups, n_params)
    d_ptr : ndarray of int64, shape (n_groups, n_steps + 1)
        Arrivals of group ``g`` at step ``k``: columns ``d_ptr[g, k]:d_ptr[g, k + 1]`` of ``d``.
    d : ndarray of int64, shape (4, n_arrivals)
        Rows: arriving agent (0-based in its group); for noise traders buy (1/0), offset
        ``k`` (ticks), size (lots).
    err : ndarray of float64, shape (n_accounts,)
        Fundamental traders' fair-value errors, by account.
    mkt : ndarray of int64, shape (6, n_contracts)
        Rows: best bid, best ask (-1 = none), last trade today (-1 = none), previous
        settlement, band low, band high; ticks.
    tick : ndarray of float64, shape (n_contracts,)
    history : ndarray of int64, shape (n_steps + 1, n_contracts)
        Reference prices; row ``k + 1`` is written here.
    steps : ndarray of int64, shape (2, n_steps + 1)
        Time and first message number of each step; column ``k`` is written here.
    pos, acct : record arrays
        The engine's ``positions()`` and ``account_state()``.
    status, filled : ndarray of int64, shape (n_live,)
        The engine's states of the live-table orders.
    live : ndarray of int64, shape (8, capacity)
        The agents' resting orders: rows order_no, price, account, contract, side, offset,
        qty, leaves; pruned here and the step's new orders appended.
    held : ndarray of int64, shape (4, n_accounts, n_contracts)
        Scratch: long, short, free long, free short lots (filled from ``pos``).
    scr : ndarray of int64, shape (2, capacity)
        Scratch: rows to cancel, pending lots per agent.
    o : ndarray of int64, shape (5, 2 x largest group)
        Scratch for one group's new orders.
    m : ndarray of MSG_DTYPE
        Output, capacity ``n_live + 2 x n_agents`` at least.

    Returns
    -------
    n_msgs, n_live : int
        Messages written to ``m``; size of the live table after the step.
    """
    # the agents' resting orders still live (order states from the engine)
    w = np.int64(0)
    for r in range(n_live):
        s = status[r]
        if s == ST_ACCEPTED or s == ST_PARTIAL:
            for f in range(7):
                live[f, w] = live[f, r]
            live[7, w] = live[6, r] - filled[r]
            w += 1
    n_live = w
    n_a, n_c = pos.shape
    for a in range(n_a):
        for c in range(n_c):
            p = pos[a, c]
            held[0, a, c] = p.long_yd + p.long_td
            held[1, a, c] = p.short_yd + p.short_td
            held[2, a, c] = held[0, a, c] - p.pend_close_long
            held[3, a, c] = held[1, a, c] - p.pend_close_short
    # reference price per contract: mid, else last, else previous settlement; in the band
    for c in range(n_c):
        ref = mkt[2, c] if mkt[2, c] >= 0 else mkt[3, c]
        if mkt[0, c] >= 0 and mkt[1, c] >= 0:
            ref = (mkt[0, c] + mkt[1, c]) // 2
        history[k + 1, c] = min(max(ref, mkt[4, c]), mkt[5, c])
    # cancels of every group (file order), then new orders of every group
    nc = np.int64(0)
    n_g = grp.shape[1]
    for g in range(n_g):
        stale = next_no
        if grp[0, g] == NOISE:  # orders sent more than cancel_after ago
            cut = t - np.int64(g_par[g, 4] * NS)
            i = np.searchsorted(steps[0, :k], cut)
            if i < k:
                stale = steps[1, i]
        nc = group_cancels(grp[0, g], grp[1, g], grp[2, g], stale, live[0], live[2], n_live,
                           scr[0], nc)  # fmt: skip
    for j in range(nc):
        r = scr[0, j]
        msg = m[j]
        msg.ts = t
        msg.order_no = next_no + j
        msg.target = live[0, r]
        msg.price = 0
        msg.account = live[2, r]
        msg.contract = live[3, r]
        msg.qty = 0
        msg.side = 0
        msg.offset = 0
        msg.type = 0
        msg.action = CANCEL
        msg.flags = 0
        msg.source = SRC_AGENT
    n_msg = nc
    for g in range(n_g):
        kind, lo, c = grp[0, g], grp[1, g], grp[3, g]
        ref = history[k + 1, c]
        ret = 0.0
        if kind == MOMENTUM:
            now = history[k + 1, c]
            then = history[max(k + 1 - np.int64(g_par[g, 1]), 0), c]
            ret = now / then - 1.0 if then > 0 else 0.0
        no = group_news(
            kind, g_par[g], lo, grp[2, g], c, d, d_ptr[g, k], d_ptr[g, k + 1], err, lo, ref,
            mkt[0, c], mkt[1, c], ret, underlying, tick[c], held, live, n_live, scr[1], o,
        )  # fmt: skip
        for j in range(no):
            a = o[0, j]
            if acct[a].restricted != 0 and o[2, j] == OPEN:
                continue  # restricted agents send no opening orders
            msg = m[n_msg]
            msg.ts = t
            msg.order_no = next_no + n_msg
            msg.target = -1
            msg.price = min(max(o[3, j], mkt[4, c]), mkt[5, c])
            msg.account = a
            msg.contract = c
            msg.qty = o[4, j]
            msg.side = o[1, j]
            msg.offset = o[2, j]
            msg.type = LIMIT
            msg.action = NEW
            msg.flags = 0
            msg.source = SRC_AGENT
            live[0, n_live] = msg.order_no
            live[1, n_live] = msg.price
            live[2, n_live] = a
            live[3, n_live] = c
            live[4, n_live] = o[1, j]
            live[5, n_live] = o[2, j]
            live[6, n_live] = o[4, j]
            live[7, n_live] = o[4, j]
            n_live += 1
            n_msg += 1
    steps[0, k] = t
    steps[1, k] = next_no
    return n_msg, n_live
