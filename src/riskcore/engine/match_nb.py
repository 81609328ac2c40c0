"""The matching kernels: process a message batch, uncross the call auction, expire the day.

Three entry points, all numba-compiled and cached:

- :func:`process_messages` — pre-trade checks (MATCH-03, MATCH-07, LIMIT-03, MARGIN-02,
  POS-01..04) and continuous price-time matching (MATCH-01, -02, -04, -05), or order
  collection during the call auction (MATCH-06), for a time-ordered batch of messages.
- :func:`run_auction` — the one-price opening uncross (MATCH-06).
- :func:`expire_orders` — cancel every resting good-for-day order at the close.

Every kernel writes order events and fills into caller-provided buffers and stops early
(``ctr[C_STOP]``) rather than overflow them; the Python wrapper grows the buffers and
calls again. ``docs/engine-semantics.md`` is the exact contract.
"""

from __future__ import annotations

from riskcore._jit import njit, njit_inline
from riskcore.engine.account_nb import (
    apply_fill_side,
    per_lot_freeze,
    release_order,
    reserve_order,
)
from riskcore.engine.book_nb import (
    level_append,
    level_unlink,
    next_level,
    note_level_added,
    pool_full,
    refresh_best,
    slot_alloc,
    slot_free,
)
from riskcore.engine.breaker_nb import evaluate_touch, fire_timers
from riskcore.engine.layout import (
    C_MARGIN_METHOD,
    C_N_EVENTS,
    C_N_FILLS,
    C_N_LIVE,
    C_N_STATES,
    C_NEXT_TIMER,
    C_NEXT_TRADE,
    C_RECORD_EVENTS,
    C_STOP,
    C_STP_POLICY,
    F_LONG,
    F_PEND_BUY,
    F_PEND_SELL,
    F_SHORT,
    STOP_DONE,
    STOP_OUTPUT,
    STOP_POOL,
)
from riskcore.engine.prefetch_nb import prefetch_ahead
from riskcore.records import (
    BUY,
    CANCEL,
    EV_ACCEPTED,
    EV_CANCELLED,
    EV_FILLED,
    EV_PARTIAL,
    EV_REJECTED,
    FLAG_OFF_TICK,
    FOK,
    K_AUCTION,
    K_CONTINUOUS,
    K_LIQUIDATION,
    K_REDUCTION,
    LIMIT,
    MARKET,
    NO_LIMIT,
    OPEN,
    PHASE_AUCTION,
    PHASE_CLOSED,
    PHASE_CONTINUOUS,
    R_AUCTION_LIMIT_ONLY,
    R_BAD_QTY,
    R_EXPIRED,
    R_FOK_UNFILLED,
    R_INSUFFICIENT_FUNDS,
    R_IOC_REMAINDER,
    R_MARKET_CLOSED,
    R_MEMBER_LIMIT,
    R_NO_POSITION,
    R_OFF_TICK,
    R_POSITION_LIMIT,
    R_PRICE_OUT_OF_BAND,
    R_RESTRICTED,
    R_SELF_TRADE,
    R_UNKNOWN_ACCOUNT,
    R_UNKNOWN_ORDER,
    R_UNKNOWN_SYMBOL,
    R_USER_CANCEL,
    SELL,
    SRC_LIQUIDATION,
    SRC_REDUCTION,
    ST_ACCEPTED,
    ST_CANCELLED,
    ST_FILLED,
    ST_PARTIAL,
    ST_REJECTED,
    STP_CANCEL_INCOMING,
    STP_CANCEL_RESTING,
)


# --------------------------------------------------------------------------- output records
@njit_inline
def emit_event(events, ctr, ts, order_no, account, contract, qty, leaves, kind, reason, side):
    """Append one order event (unless event recording is off)."""
    if ctr[C_RECORD_EVENTS] == 0:
        return
    k = ctr[C_N_EVENTS]
    e = events[k]
    e.ts = ts
    e.order_no = order_no
    e.account = account
    e.contract = contract
    e.qty = qty
    e.leaves = leaves
    e.kind = kind
    e.reason = reason
    e.side = side
    ctr[C_N_EVENTS] = k + 1


@njit
def trade_kind(src_a, src_b, default):
    """A fill's kind: liquidation beats reduction beats ``default``."""
    if src_a == SRC_LIQUIDATION or src_b == SRC_LIQUIDATION:
        return K_LIQUIDATION
    if src_a == SRC_REDUCTION or src_b == SRC_REDUCTION:
        return K_REDUCTION
    return default


@njit_inline
def emit_fill(
    fills,
    ctr,
    cs,
    ts,
    c,
    price,
    q,
    buy_no,
    sell_no,
    buy_acct,
    sell_acct,
    buy_offset,
    sell_offset,
    aggressor,
    kind,
):
    """Append one fill and update the contract's trade counters."""
    k = ctr[C_N_FILLS]
    f = fills[k]
    f.ts = ts
    f.trade_no = ctr[C_NEXT_TRADE]
    f.buy_order_no = buy_no
    f.sell_order_no = sell_no
    f.price = price
    f.buy_account = buy_acct
    f.sell_account = sell_acct
    f.contract = c
    f.qty = q
    f.buy_offset = buy_offset
    f.sell_offset = sell_offset
    f.aggressor = aggressor
    f.kind = kind
    ctr[C_N_FILLS] = k + 1
    ctr[C_NEXT_TRADE] += 1
    cs[c].last_price = price
    cs[c].volume += q
    cs[c].n_trades += 1


# --------------------------------------------------------------------------- resting orders
@njit_inline
def cancel_resting(
    ts, slot, reason, pool, bid_lv, ask_lv, cs, acct, pos, inv, mem, ords, ctr, events
):
    """Cancel a resting order's leaves with cause ``reason`` and free its slot."""
    c = pool[slot].contract
    side = pool[slot].side
    lv = bid_lv if side == BUY else ask_lv
    idx = pool[slot].price - cs[c].ladder_lo
    level_unlink(lv, pool, cs[c].base + idx, slot)
    if lv[cs[c].base + idx].count == 0:
        refresh_best(cs, lv, c, side)
    leaves = pool[slot].leaves
    a = pool[slot].account
    per_lot = per_lot_freeze(cs, c, pool[slot].price) if pool[slot].offset == OPEN else 0.0
    release_order(acct, pos, inv, mem, len(cs), a, c, side, pool[slot].offset, leaves, per_lot)
    ono = pool[slot].order_no
    ords[ono].status = ST_CANCELLED
    ords[ono].reason = reason
    ords[ono].slot_plus_1 = 0
    emit_event(events, ctr, ts, ono, a, c, leaves, 0, EV_CANCELLED, reason, side)
    slot_free(pool, ctr, slot)


@njit_inline
def fill_resting(slot, q, lv, g, pool, cs, ords, ctr):
    """Take ``q`` lots off resting ``slot`` at level ``g``; return its event kind."""
    pool[slot].leaves -= q
    lv[g].qty -= q
    ono = pool[slot].order_no
    ords[ono].filled += q
    if pool[slot].leaves == 0:
        ords[ono].status = ST_FILLED
        ords[ono].slot_plus_1 = 0
        level_unlink(lv, pool, g, slot)
        c = pool[slot].contract
        if lv[g].count == 0:
            refresh_best(cs, lv, c, pool[slot].side)
        slot_free(pool, ctr, slot)
        return EV_FILLED
    ords[ono].status = ST_PARTIAL
    return EV_PARTIAL


# --------------------------------------------------------------------------- pre-trade checks
@njit_inline
def check_new_order(m, phase, cs, acct, pos, inv, mem, hedge):
    """First failing pre-trade check of a NEW message (MATCH-07 order), or 0 = pass.

    FOK fillability (check 13) is done by the caller, which knows the book.
    """
    if phase == PHASE_CLOSED:
        return R_MARKET_CLOSED
    a = m.account
    c = m.contract
    if a < 0 or a >= len(acct):
        return R_UNKNOWN_ACCOUNT
    if c < 0 or c >= len(cs):
        return R_UNKNOWN_SYMBOL
    qty = m.qty
    if qty <= 0 or qty > cs[c].max_order_qty:
        return R_BAD_QTY
    if phase == PHASE_AUCTION and m.type != LIMIT:
        return R_AUCTION_LIMIT_ONLY
    if m.type != MARKET:
        if m.flags & FLAG_OFF_TICK:
            return R_OFF_TICK
        if m.price < cs[c].band_lo or m.price > cs[c].band_hi:
            return R_PRICE_OUT_OF_BAND
    side = m.side
    if m.offset == OPEN:
        if acct[a].restricted:
            return R_RESTRICTED
    else:
        p = pos[a * len(cs) + c]
        if side == SELL:
            closable = p.long_yd + p.long_td - p.pend_close_long
        else:
            closable = p.short_yd + p.short_td - p.pend_close_short
        if qty > closable:
            return R_NO_POSITION
        return 0
    i = acct[a].investor
    f_pos = F_LONG if side == BUY else F_SHORT
    f_pend = F_PEND_BUY if side == BUY else F_PEND_SELL
    limit = cs[c].pos_limit
    if limit != NO_LIMIT and inv[i, c, f_pos] + inv[i, c, f_pend] + qty > limit + hedge[i]:
        return R_POSITION_LIMIT
    mlimit = cs[c].member_limit
    mb = acct[a].member
    if mlimit != NO_LIMIT and mem[mb, c, f_pos] + mem[mb, c, f_pend] + qty > mlimit:
        return R_MEMBER_LIMIT
    px = cs[c].band_hi if m.type == MARKET else m.price
    if float(qty) * per_lot_freeze(cs, c, px) > acct[a].reserve - acct[a].frozen:
        return R_INSUFFICIENT_FUNDS
    return 0


@njit
def fok_fillable(cs, bid_lv, ask_lv, pool, acct, c, side, limit, qty, investor, policy):
    """True if a FOK for ``qty`` lots could fill completely now (see the semantics doc)."""
    opp = SELL if side == BUY else BUY
    lv = ask_lv if side == BUY else bid_lv
    idx = cs[c].best_ask if side == BUY else cs[c].best_bid
    need = qty
    while idx >= 0:
        px = cs[c].ladder_lo + idx
        if (side == BUY and px > limit) or (side == SELL and px < limit):
            return False
        slot = lv[cs[c].base + idx].head
        while slot != -1:
            if acct[pool[slot].account].investor == investor:
                if policy == STP_CANCEL_INCOMING:
                    return False
            else:
                need -= pool[slot].leaves
                if need <= 0:
                    return True
            slot = pool[slot].next
        idx = next_level(cs, lv, c, opp, idx)
    return False


# --------------------------------------------------------------------------- message loop
@njit
def process_messages(
    msgs,
    start,
    phase,
    pool,
    bid_lv,
    ask_lv,
    cs,
    acct,
    pos,
    inv,
    mem,
    hedge,
    stp,
    ords,
    ctr,
    events,
    fills,
    states,
):
    """Process ``msgs[start:]`` in ``phase``; return the index of the first unprocessed one.

    In the continuous phase, state timers due before a message fire first and the touched
    contract's breaker clock is evaluated after it (BRK-02..06). Stops early, with
    ``ctr[C_STOP]`` saying why, when the pool has no free slot or the event / fill / state
    buffers might not hold the next message's output.
    """
    n_c = len(cs)
    policy = ctr[C_STP_POLICY]
    method = ctr[C_MARGIN_METHOD]
    n_ev_cap = len(events)
    n_fill_cap = len(fills)
    ctr[C_STOP] = STOP_DONE
    for k in range(start, len(msgs)):
        m = msgs[k]
        # worst case output of one message: every live order filled or cancelled
        bound = min(max(m.qty, 0), ctr[C_N_LIVE])
        stp_bound = ctr[C_N_LIVE] if policy == STP_CANCEL_RESTING else 1
        events_full = ctr[C_N_EVENTS] + 3 + 2 * bound + stp_bound > n_ev_cap
        states_full = ctr[C_N_STATES] + n_c + 2 > len(states)
        if (
            (ctr[C_RECORD_EVENTS] and events_full)
            or ctr[C_N_FILLS] + bound > n_fill_cap
            or states_full
        ):
            ctr[C_STOP] = STOP_OUTPUT
            return k
        if pool_full(pool, ctr):
            ctr[C_STOP] = STOP_POOL
            return k
        prefetch_ahead(msgs, k, ords, pool, acct, pos, inv)
        continuous = phase == PHASE_CONTINUOUS
        if continuous and ctr[C_NEXT_TIMER] <= m.ts:  # test inline: a call passes 3 arrays
            fire_timers(m.ts, cs, states, ctr)
        if m.action == CANCEL:
            c = cancel_message(
                m, phase, pool, bid_lv, ask_lv, cs, acct, pos, inv, mem, ords, ctr, events
            )
        else:
            new_message(
                m,
                phase,
                policy,
                method,
                pool,
                bid_lv,
                ask_lv,
                cs,
                acct,
                pos,
                inv,
                mem,
                hedge,
                stp,
                ords,
                ctr,
                events,
                fills,
            )
            c = m.contract
        if continuous and c >= 0 and c < n_c:
            evaluate_touch(m.ts, cs, c, states, ctr)
    return len(msgs)


@njit_inline
def new_message(
    m,
    phase,
    policy,
    method,
    pool,
    bid_lv,
    ask_lv,
    cs,
    acct,
    pos,
    inv,
    mem,
    hedge,
    stp,
    ords,
    ctr,
    events,
    fills,
):
    """A NEW message: pre-trade checks, then reject, match, rest or cancel the remainder."""
    n_c = len(cs)
    ts = m.ts
    ono = m.order_no
    reason = check_new_order(m, phase, cs, acct, pos, inv, mem, hedge)
    a = m.account
    c = m.contract
    side = m.side
    if reason == 0 and m.type == FOK:
        inv_no = acct[a].investor
        if not fok_fillable(
            cs, bid_lv, ask_lv, pool, acct, c, side, m.price, m.qty, inv_no, policy
        ):
            reason = R_FOK_UNFILLED
    if reason != 0:
        ords[ono].status = ST_REJECTED
        ords[ono].reason = reason
        emit_event(events, ctr, ts, ono, a, c, m.qty, 0, EV_REJECTED, reason, side)
        return
    offset = m.offset
    otype = m.type
    if otype == MARKET:
        limit = cs[c].band_hi if side == BUY else cs[c].band_lo
        per_lot = per_lot_freeze(cs, c, cs[c].band_hi) if offset == OPEN else 0.0
    else:
        limit = m.price
        per_lot = per_lot_freeze(cs, c, limit) if offset == OPEN else 0.0
    reserve_order(acct, pos, inv, mem, n_c, a, c, side, offset, m.qty, per_lot)
    ords[ono].status = ST_ACCEPTED
    emit_event(events, ctr, ts, ono, a, c, m.qty, m.qty, EV_ACCEPTED, 0, side)
    leaves = m.qty
    stopped = False
    if phase != PHASE_AUCTION:
        leaves, stopped = match_incoming(
            m,
            limit,
            per_lot,
            policy,
            method,
            pool,
            bid_lv,
            ask_lv,
            cs,
            acct,
            pos,
            inv,
            mem,
            stp,
            ords,
            ctr,
            events,
            fills,
        )
    if leaves == 0:
        return
    if stopped or otype != LIMIT:
        cause = R_SELF_TRADE if stopped else R_IOC_REMAINDER
        release_order(acct, pos, inv, mem, n_c, a, c, side, offset, leaves, per_lot)
        ords[ono].status = ST_CANCELLED
        ords[ono].reason = cause
        emit_event(events, ctr, ts, ono, a, c, leaves, 0, EV_CANCELLED, cause, side)
        return
    slot = slot_alloc(pool, ctr)
    o = pool[slot]
    o.order_no = ono
    o.price = limit
    o.account = a
    o.contract = c
    o.leaves = leaves
    o.side = side
    o.offset = offset
    o.type = otype
    o.source = m.source
    idx = limit - cs[c].ladder_lo
    level_append(bid_lv if side == BUY else ask_lv, pool, cs[c].base + idx, slot)
    note_level_added(cs, c, side, idx)
    ords[ono].slot_plus_1 = slot + 1


@njit_inline
def cancel_message(m, phase, pool, bid_lv, ask_lv, cs, acct, pos, inv, mem, ords, ctr, events):
    """A CANCEL message: reject it, or accept it and cancel its target (MATCH-02).

    Returns the target's contract, or -1 when the cancel was rejected.
    """
    ono = m.order_no
    reason = 0
    slot = -1
    if phase == PHASE_CLOSED:
        reason = R_MARKET_CLOSED
    else:
        t = m.target
        if t >= 0 and t < len(ords):
            slot = ords[t].slot_plus_1 - 1
        if slot == -1 or pool[slot].account != m.account:
            reason = R_UNKNOWN_ORDER
    if reason != 0:
        ords[ono].status = ST_REJECTED
        ords[ono].reason = reason
        emit_event(events, ctr, m.ts, ono, m.account, m.contract, 0, 0, EV_REJECTED, reason, m.side)
        return -1
    c = pool[slot].contract
    ords[ono].status = ST_ACCEPTED
    emit_event(
        events,
        ctr,
        m.ts,
        ono,
        m.account,
        pool[slot].contract,
        0,
        0,
        EV_ACCEPTED,
        0,
        pool[slot].side,
    )
    cancel_resting(
        m.ts, slot, R_USER_CANCEL, pool, bid_lv, ask_lv, cs, acct, pos, inv, mem, ords, ctr, events
    )
    return c


@njit_inline
def match_incoming(
    m,
    limit,
    per_lot,
    policy,
    method,
    pool,
    bid_lv,
    ask_lv,
    cs,
    acct,
    pos,
    inv,
    mem,
    stp,
    ords,
    ctr,
    events,
    fills,
):
    """Match an accepted incoming order against the opposite side (MATCH-01/-04/-05).

    Returns ``(leaves, stopped)``; ``stopped`` is True when self-trade prevention with the
    cancel-incoming policy ended matching.
    """
    a = m.account
    c = m.contract
    side = m.side
    ono = m.order_no
    ts = m.ts
    investor = acct[a].investor
    opp = SELL if side == BUY else BUY
    lv = ask_lv if side == BUY else bid_lv
    base = cs[c].base
    leaves = m.qty
    while leaves > 0:
        idx = cs[c].best_ask if side == BUY else cs[c].best_bid
        if idx < 0:
            break
        px = cs[c].ladder_lo + idx
        if (side == BUY and px > limit) or (side == SELL and px < limit):
            break
        g = base + idx
        slot = lv[g].head
        ra = pool[slot].account
        if acct[ra].investor == investor:
            stp[investor] += 1
            if policy == STP_CANCEL_INCOMING:
                return leaves, True
            cancel_resting(
                ts,
                slot,
                R_SELF_TRADE,
                pool,
                bid_lv,
                ask_lv,
                cs,
                acct,
                pos,
                inv,
                mem,
                ords,
                ctr,
                events,
            )
            continue
        q = min(leaves, pool[slot].leaves)
        rono = pool[slot].order_no
        roff = pool[slot].offset
        r_per_lot = per_lot_freeze(cs, c, px) if roff == OPEN else 0.0
        kind = trade_kind(m.source, pool[slot].source, K_CONTINUOUS)
        if side == BUY:
            emit_fill(fills, ctr, cs, ts, c, px, q, ono, rono, a, ra, m.offset, roff, BUY, kind)
            apply_fill_side(cs, acct, pos, inv, mem, method, a, c, BUY, m.offset, q, px, per_lot)
            apply_fill_side(cs, acct, pos, inv, mem, method, ra, c, SELL, roff, q, px, r_per_lot)
        else:
            emit_fill(fills, ctr, cs, ts, c, px, q, rono, ono, ra, a, roff, m.offset, SELL, kind)
            apply_fill_side(cs, acct, pos, inv, mem, method, ra, c, BUY, roff, q, px, r_per_lot)
            apply_fill_side(cs, acct, pos, inv, mem, method, a, c, SELL, m.offset, q, px, per_lot)
        r_leaves = pool[slot].leaves - q
        r_kind = fill_resting(slot, q, lv, g, pool, cs, ords, ctr)
        emit_event(events, ctr, ts, rono, ra, c, q, r_leaves, r_kind, 0, opp)
        leaves -= q
        ords[ono].filled += q
        if leaves == 0:
            ords[ono].status = ST_FILLED
            emit_event(events, ctr, ts, ono, a, c, q, 0, EV_FILLED, 0, side)
        else:
            ords[ono].status = ST_PARTIAL
            emit_event(events, ctr, ts, ono, a, c, q, leaves, EV_PARTIAL, 0, side)
    return leaves, False


# --------------------------------------------------------------------------- call auction
@njit
def auction_price(cs, bid_lv, ask_lv, c, buy_at_or_above):
    """Ladder index of the MATCH-06 uncross price of contract ``c``, or -1 if none.

    ``buy_at_or_above`` is scratch space of at least ``n_levels`` int64.
    """
    bb = cs[c].best_bid
    ba = cs[c].best_ask
    if bb < 0 or ba < 0 or bb < ba:
        return -1
    base = cs[c].base
    n = bb - ba + 1
    run = 0
    for k in range(n - 1, -1, -1):
        run += bid_lv[base + ba + k].qty
        buy_at_or_above[k] = run
    prev = cs[c].prev_settle - cs[c].ladder_lo
    best = -1
    best_vol = -1
    best_imb = 0
    best_dist = 0
    sell = 0
    for k in range(n):
        idx = ba + k
        sell += ask_lv[base + idx].qty
        buy = buy_at_or_above[k]
        vol = min(buy, sell)
        imb = abs(buy - sell)
        dist = abs(idx - prev)
        if (
            vol > best_vol
            or (vol == best_vol and imb < best_imb)
            or (vol == best_vol and imb == best_imb and dist < best_dist)
        ):
            best = idx
            best_vol = vol
            best_imb = imb
            best_dist = dist
    return best


@njit
def auction_conflict(cs, bid_lv, ask_lv, pool, acct, c, p_idx):
    """Dry-run the uncross at ``p_idx``; return the first same-investor (bid, ask) slots."""
    base = cs[c].base
    bi = cs[c].best_bid
    ai = cs[c].best_ask
    bs = bid_lv[base + bi].head
    as_ = ask_lv[base + ai].head
    br = pool[bs].leaves
    ar = pool[as_].leaves
    while True:
        if acct[pool[bs].account].investor == acct[pool[as_].account].investor:
            return bs, as_
        q = min(br, ar)
        br -= q
        ar -= q
        if br == 0:
            bs = pool[bs].next
            if bs == -1:
                bi = next_level(cs, bid_lv, c, BUY, bi)
                if bi < p_idx:
                    break
                bs = bid_lv[base + bi].head
            br = pool[bs].leaves
        if ar == 0:
            as_ = pool[as_].next
            if as_ == -1:
                ai = next_level(cs, ask_lv, c, SELL, ai)
                if ai < 0 or ai > p_idx:
                    break
                as_ = ask_lv[base + ai].head
            ar = pool[as_].leaves
    return -1, -1


@njit
def run_auction(
    ts, pool, bid_lv, ask_lv, cs, acct, pos, inv, mem, stp, ords, ctr, events, fills, scratch
):
    """Uncross every contract's collected book at one price each (MATCH-06).

    The caller guarantees room for ``3 * live orders`` events and ``live orders`` fills,
    and ``scratch``: int64 space for the longest ladder.
    """
    policy = ctr[C_STP_POLICY]
    method = ctr[C_MARGIN_METHOD]
    for c in range(len(cs)):
        while True:
            p_idx = auction_price(cs, bid_lv, ask_lv, c, scratch)
            if p_idx < 0:
                break
            bs, as_ = auction_conflict(cs, bid_lv, ask_lv, pool, acct, c, p_idx)
            if bs == -1:
                break
            later_is_bid = pool[bs].order_no > pool[as_].order_no
            cancel_bid = later_is_bid if policy == STP_CANCEL_INCOMING else not later_is_bid
            victim = bs if cancel_bid else as_
            stp[acct[pool[victim].account].investor] += 1
            cancel_resting(
                ts,
                victim,
                R_SELF_TRADE,
                pool,
                bid_lv,
                ask_lv,
                cs,
                acct,
                pos,
                inv,
                mem,
                ords,
                ctr,
                events,
            )
        if p_idx < 0:
            continue
        price = cs[c].ladder_lo + p_idx
        base = cs[c].base
        while cs[c].best_bid >= p_idx and cs[c].best_ask >= 0 and cs[c].best_ask <= p_idx:
            gb = base + cs[c].best_bid
            ga = base + cs[c].best_ask
            bs = bid_lv[gb].head
            as_ = ask_lv[ga].head
            q = min(pool[bs].leaves, pool[as_].leaves)
            b_no = pool[bs].order_no
            s_no = pool[as_].order_no
            b_acct = pool[bs].account
            s_acct = pool[as_].account
            b_off = pool[bs].offset
            s_off = pool[as_].offset
            b_per_lot = per_lot_freeze(cs, c, pool[bs].price) if b_off == OPEN else 0.0
            s_per_lot = per_lot_freeze(cs, c, pool[as_].price) if s_off == OPEN else 0.0
            kind = trade_kind(pool[bs].source, pool[as_].source, K_AUCTION)
            emit_fill(
                fills, ctr, cs, ts, c, price, q, b_no, s_no, b_acct, s_acct, b_off, s_off, 0, kind
            )
            apply_fill_side(
                cs, acct, pos, inv, mem, method, b_acct, c, BUY, b_off, q, price, b_per_lot
            )
            apply_fill_side(
                cs, acct, pos, inv, mem, method, s_acct, c, SELL, s_off, q, price, s_per_lot
            )
            b_leaves = pool[bs].leaves - q
            s_leaves = pool[as_].leaves - q
            b_kind = fill_resting(bs, q, bid_lv, gb, pool, cs, ords, ctr)
            s_kind = fill_resting(as_, q, ask_lv, ga, pool, cs, ords, ctr)
            emit_event(events, ctr, ts, b_no, b_acct, c, q, b_leaves, b_kind, 0, BUY)
            emit_event(events, ctr, ts, s_no, s_acct, c, q, s_leaves, s_kind, 0, SELL)


# --------------------------------------------------------------------------- end of day
@njit
def expire_orders(ts, pool, bid_lv, ask_lv, cs, acct, pos, inv, mem, ords, ctr, events):
    """Cancel every resting order with cause EXPIRED (good for day), contract by contract:
    bids best first, then asks best first, FIFO within a level."""
    for c in range(len(cs)):
        base = cs[c].base
        for side in (BUY, SELL):
            lv = bid_lv if side == BUY else ask_lv
            while True:
                idx = cs[c].best_bid if side == BUY else cs[c].best_ask
                if idx < 0:
                    break
                cancel_resting(
                    ts,
                    lv[base + idx].head,
                    R_EXPIRED,
                    pool,
                    bid_lv,
                    ask_lv,
                    cs,
                    acct,
                    pos,
                    inv,
                    mem,
                    ords,
                    ctr,
                    events,
                )
