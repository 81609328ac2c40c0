"""Pre-trade checks: MATCH-07 reject codes, MATCH-03 closing, POS-01..04, LIMIT-03, UNIT-01/02.

One test per reject code reachable at the matching layer (FOK_UNFILLED is in
``test_match_rules.py``, AUCTION_LIMIT_ONLY in ``test_auction.py``). A rejected message leaves
one EV_REJECTED event (qty = order qty, leaves 0) and changes nothing else.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.records import (
    ACCOUNT_STATE_DTYPE,
    BUY,
    CLOSE,
    EV_ACCEPTED,
    EV_CANCELLED,
    EV_REJECTED,
    EVENT_DTYPE,
    FAK,
    FILL_DTYPE,
    FLAG_OFF_TICK,
    FOK,
    MARKET,
    PHASE_AUCTION,
    PHASE_CLOSED,
    POSITION_DTYPE,
    R_BAD_QTY,
    R_INSUFFICIENT_FUNDS,
    R_MARKET_CLOSED,
    R_MEMBER_LIMIT,
    R_NO_POSITION,
    R_OFF_TICK,
    R_POSITION_LIMIT,
    R_PRICE_OUT_OF_BAND,
    R_RESTRICTED,
    R_UNKNOWN_ACCOUNT,
    R_UNKNOWN_ORDER,
    R_UNKNOWN_SYMBOL,
    SELL,
    ST_ACCEPTED,
    ST_CANCELLED,
    ST_REJECTED,
)

PER_LOT_17500 = 17500 * 60.0 * 0.12  # 126,000 CNY


def yd(n_accounts: int = 4, **lots: int) -> np.ndarray:
    """Yesterday's positions for one contract, e.g. ``yd(a0=3, a3=1)``."""
    out = np.zeros((n_accounts, 1), dtype=np.int64)
    for key, value in lots.items():
        out[int(key[1:]), 0] = value
    return out


def assert_rejected(ex, batch, order_no: int, qty: int, reason: int) -> None:
    assert ex.events(batch) == [(order_no, EV_REJECTED, qty, 0, reason)]
    assert len(batch.fills) == 0
    assert ex.status(order_no) == (ST_REJECTED, 0, reason)


def snapshot(ex):
    return ex.eng.account_state().tolist(), ex.eng.positions().tolist(), ex.eng.book()


# --- MATCH-07 one test per code ----------------------------------------------------------------
def test_match_07_rejected_event_fields_and_nothing_changes(exchange):
    """Rule: MATCH-07 — a reject is one event carrying the message's fields; no state changes."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 1))
    before = snapshot(ex)
    batch = ex.submit(ex.new(0, BUY, 19300, 7, contract=0))  # 1
    assert_rejected(ex, batch, 1, 7, R_PRICE_OUT_OF_BAND)
    e = batch.events[0]
    assert (int(e["account"]), int(e["contract"]), int(e["side"])) == (0, 0, BUY)
    assert int(e["ts"]) == ex.ts
    assert snapshot(ex) == before


def test_match_07_unit_02_off_tick(exchange):
    """Rule: MATCH-07, UNIT-02 — a price flagged off-tick at the boundary is rejected OFF_TICK,
    never rounded; the flag does not matter for a market order (its price is ignored)."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 17500, 1, flags=FLAG_OFF_TICK))
    assert_rejected(ex, batch, 0, 1, R_OFF_TICK)
    for order_type in (FAK, FOK):
        no = ex.next_order_no
        batch = ex.submit(ex.new(0, BUY, 17500, 1, type=order_type, flags=FLAG_OFF_TICK))
        assert_rejected(ex, batch, no, 1, R_OFF_TICK)
    batch = ex.submit(ex.new(0, BUY, 0, 1, type=MARKET, flags=FLAG_OFF_TICK))  # 3
    assert ex.events(batch)[0] == (3, EV_ACCEPTED, 1, 1, 0)


def test_match_07_off_tick_checked_before_band(exchange):
    """Rule: MATCH-07 — check order: OFF_TICK (6) comes before PRICE_OUT_OF_BAND (7)."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 99999, 1, flags=FLAG_OFF_TICK))
    assert_rejected(ex, batch, 0, 1, R_OFF_TICK)


@pytest.mark.parametrize("price", [15749, 19251, 1, 40000])
def test_match_07_limit_03_price_out_of_band(exchange, price):
    """Rule: MATCH-07, LIMIT-03 — a price outside [band_lo, band_hi] is rejected."""
    ex = exchange()
    batch = ex.submit(ex.new(0, SELL, price, 1))
    assert_rejected(ex, batch, 0, 1, R_PRICE_OUT_OF_BAND)


def test_limit_03_band_edges_inclusive(exchange):
    """Rule: LIMIT-03 — the limit prices themselves are acceptable (band is [lower, upper])."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 15750, 1), ex.new(1, SELL, 19250, 1))
    assert ex.events(batch) == [(0, EV_ACCEPTED, 1, 1, 0), (1, EV_ACCEPTED, 1, 1, 0)]


def test_limit_03_set_band_narrows_acceptable_prices(exchange):
    """Rule: LIMIT-03 — after ``set_band`` the new band decides, edges inclusive."""
    ex = exchange()
    ex.set_band(0, 16625, 18375)  # the 5 % band
    batch = ex.submit(
        ex.new(0, BUY, 16624, 1),
        ex.new(0, BUY, 16625, 1),
        ex.new(1, SELL, 18375, 1),
        ex.new(1, SELL, 18376, 1),
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_REJECTED, R_PRICE_OUT_OF_BAND),
        (1, EV_ACCEPTED, 0),
        (2, EV_ACCEPTED, 0),
        (3, EV_REJECTED, R_PRICE_OUT_OF_BAND),
    ]


@pytest.mark.parametrize("qty", [0, -1, 11, 1_000_000])
def test_match_07_bad_qty(exchange, qty):
    """Rule: MATCH-07 — quantity must be in [1, max_order_qty]."""
    ex = exchange(max_order_qty=10)
    batch = ex.submit(ex.new(0, BUY, 17500, qty))
    assert_rejected(ex, batch, 0, qty, R_BAD_QTY)


def test_match_07_bad_qty_upper_edge_accepted(exchange):
    """Rule: MATCH-07 — exactly max_order_qty is fine."""
    ex = exchange(max_order_qty=10)
    batch = ex.submit(ex.new(0, BUY, 17500, 10, type=MARKET))
    assert ex.events(batch)[0] == (0, EV_ACCEPTED, 10, 10, 0)


@pytest.mark.parametrize("contract", [1, 7, -1])
def test_match_07_unknown_symbol(exchange, contract):
    """Rule: MATCH-07 — a contract index outside the market is rejected, not an error."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 17500, 1, contract=contract))
    assert_rejected(ex, batch, 0, 1, R_UNKNOWN_SYMBOL)
    assert int(batch.events["contract"][0]) == contract


@pytest.mark.parametrize("account", [4, 100, -1])
def test_match_07_unknown_account(exchange, account):
    """Rule: MATCH-07 — an account index outside the market is rejected, not an error;
    it is checked before the contract and the quantity."""
    ex = exchange()
    batch = ex.submit(ex.new(account, BUY, 17500, 0, contract=-1))
    assert_rejected(ex, batch, 0, 0, R_UNKNOWN_ACCOUNT)
    assert int(batch.events["account"][0]) == account


def test_match_07_match_03_no_position(exchange):
    """Rule: MATCH-07, MATCH-03 — closing without a position is rejected NO_POSITION."""
    ex = exchange()
    batch = ex.submit(ex.new(0, SELL, 17500, 1, offset=CLOSE))
    assert_rejected(ex, batch, 0, 1, R_NO_POSITION)
    batch = ex.submit(ex.new(0, BUY, 17500, 1, offset=CLOSE))
    assert_rejected(ex, batch, 1, 1, R_NO_POSITION)


def test_match_07_margin_02_insufficient_funds(exchange):
    """Rule: MATCH-07, MARGIN-02 — available exactly covering the freeze is enough; one CNY
    less, or anything more, is INSUFFICIENT_FUNDS."""
    ex = exchange(reserve=2 * PER_LOT_17500)
    ok = ex.submit(ex.new(0, BUY, 17500, 2))  # 0
    assert ex.events(ok) == [(0, EV_ACCEPTED, 2, 2, 0)]
    assert ex.account(0)["frozen"] == pytest.approx(252000.0, abs=1e-6)
    batch = ex.submit(ex.new(0, SELL, 17600, 1))  # 1: available is now 0
    assert_rejected(ex, batch, 1, 1, R_INSUFFICIENT_FUNDS)
    ex2 = exchange(reserve=2 * PER_LOT_17500 - 1.0)
    batch = ex2.submit(ex2.new(0, BUY, 17500, 2))
    assert_rejected(ex2, batch, 0, 2, R_INSUFFICIENT_FUNDS)


def test_match_07_insufficient_funds_close_needs_no_margin(exchange):
    """Rule: MARGIN-02 — close orders need no margin: a broke account may still close."""
    ex = exchange(reserve=0.0, long_yd=yd(a0=2), short_yd=yd(a3=2))
    rejected = ex.submit(ex.new(0, BUY, 17500, 1))
    assert_rejected(ex, rejected, 0, 1, R_INSUFFICIENT_FUNDS)
    ok = ex.submit(ex.new(0, SELL, 17500, 2, offset=CLOSE))
    assert ex.events(ok) == [(1, EV_ACCEPTED, 2, 2, 0)]


def test_match_07_pos_04_position_limit(exchange):
    """Rule: MATCH-07, POS-04 — an opening order breaching the investor limit is rejected."""
    ex = exchange(pos_limit=5)
    batch = ex.submit(ex.new(0, BUY, 17500, 6))
    assert_rejected(ex, batch, 0, 6, R_POSITION_LIMIT)


def test_match_07_pos_04_member_limit(exchange):
    """Rule: MATCH-07, POS-04 — an opening order breaching the member limit is rejected."""
    ex = exchange(member_limit=5)
    batch = ex.submit(ex.new(0, SELL, 17500, 6))
    assert_rejected(ex, batch, 0, 6, R_MEMBER_LIMIT)


def test_match_07_restricted_account_may_only_close(exchange):
    """Rule: MATCH-07 — a RESTRICTED account's opening orders are rejected; closes go through."""
    ex = exchange(restricted=[0], long_yd=yd(a0=3), short_yd=yd(a3=3))
    batch = ex.submit(ex.new(0, BUY, 17500, 1))
    assert_rejected(ex, batch, 0, 1, R_RESTRICTED)
    batch = ex.submit(ex.new(0, SELL, 0, 1, type=MARKET))
    assert_rejected(ex, batch, 1, 1, R_RESTRICTED)
    ok = ex.submit(ex.new(0, SELL, 17500, 3, offset=CLOSE))  # 2
    assert ex.events(ok) == [(2, EV_ACCEPTED, 3, 3, 0)]
    assert ex.account(1)["restricted"] == 0 and ex.account(0)["restricted"] == 1


def test_match_07_restricted_checked_before_no_position(exchange):
    """Rule: MATCH-07 — order of checks: RESTRICTED (8) applies to opens only; a restricted
    account's over-sized close gets NO_POSITION (9)."""
    ex = exchange(restricted=[0], long_yd=yd(a0=1), short_yd=yd(a3=1))
    batch = ex.submit(ex.new(0, SELL, 17500, 2, offset=CLOSE))
    assert_rejected(ex, batch, 0, 2, R_NO_POSITION)


def test_match_07_market_closed_new_and_cancel(exchange):
    """Rule: MATCH-07 — in the closed phase every message, new or cancel, is MARKET_CLOSED,
    checked before everything else (even an unknown account)."""
    ex = exchange()
    ex.submit(ex.new(0, BUY, 17500, 1))  # 0
    before = snapshot(ex)
    batch = ex.submit(
        ex.new(1, SELL, 17500, 1),  # 1
        ex.new(-1, SELL, 17500, 0, contract=9),  # 2
        ex.cancel(0, 0),  # 3
        phase=PHASE_CLOSED,
    )
    assert ex.events(batch) == [
        (1, EV_REJECTED, 1, 0, R_MARKET_CLOSED),
        (2, EV_REJECTED, 0, 0, R_MARKET_CLOSED),
        (3, EV_REJECTED, 0, 0, R_MARKET_CLOSED),
    ]
    assert ex.status(3) == (ST_REJECTED, 0, R_MARKET_CLOSED)
    assert ex.status(0) == (ST_ACCEPTED, 0, 0)
    assert snapshot(ex) == before


def test_match_07_unknown_order(exchange):
    """Rule: MATCH-07 — cancel of an unknown, filled, already cancelled or rejected order, or of
    another account's order, is rejected UNKNOWN_ORDER and changes nothing."""
    ex = exchange()
    ex.submit(
        ex.new(0, BUY, 17500, 1),  # 0 filled below
        ex.new(1, SELL, 17500, 1),  # 1
        ex.new(0, BUY, 17400, 1),  # 2 rests
        ex.new(0, BUY, 17300, 1),  # 3 cancelled below
        ex.new(0, BUY, 99999, 1),  # 4 rejected
    )
    ex.submit(ex.cancel(0, 3))  # 5
    before = snapshot(ex)
    cases = [
        ex.cancel(0, 999),  # 6 never seen
        ex.cancel(0, 0),  # 7 filled
        ex.cancel(0, 3),  # 8 already cancelled
        ex.cancel(0, 4),  # 9 rejected
        ex.cancel(1, 2),  # 10 another account's live order
        ex.cancel(0, -5),  # 11 negative target
        ex.cancel(0, 5),  # 12 a cancel request is not an order
    ]
    batch = ex.submit(*cases)
    assert ex.events(batch) == [(6 + i, EV_REJECTED, 0, 0, R_UNKNOWN_ORDER) for i in range(7)]
    assert snapshot(ex) == before
    assert ex.eng.book() == [(0, BUY, 17400, 2, 1)]


def test_match_07_cancel_accepted_in_auction_phase(exchange):
    """Rule: MATCH-07, MATCH-06 — cancels are accepted during the auction's order collection."""
    ex = exchange()
    ex.submit(ex.new(0, BUY, 17500, 1), phase=PHASE_AUCTION)
    batch = ex.submit(ex.cancel(0, 0), phase=PHASE_AUCTION)
    assert [e[1] for e in ex.events(batch)] == [EV_ACCEPTED, EV_CANCELLED]
    assert ex.status(0)[0] == ST_CANCELLED


# --- MATCH-03 close orders -------------------------------------------------------------------
def test_match_03_close_within_closable_and_pending_closes_reduce_it(exchange):
    """Rule: MATCH-03 — a close may not exceed the position minus lots pending in other close
    orders of the account."""
    ex = exchange(long_yd=yd(a0=5), short_yd=yd(a3=5))
    batch = ex.submit(
        ex.new(0, SELL, 17600, 3, offset=CLOSE),  # 0 closable 5
        ex.new(0, SELL, 17600, 3, offset=CLOSE),  # 1 closable 2 -> rejected
        ex.new(0, SELL, 17700, 2, offset=CLOSE),  # 2 closable 2
        ex.new(0, SELL, 17700, 1, offset=CLOSE),  # 3 closable 0 -> rejected
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_ACCEPTED, 0),
        (1, EV_REJECTED, R_NO_POSITION),
        (2, EV_ACCEPTED, 0),
        (3, EV_REJECTED, R_NO_POSITION),
    ]
    assert ex.position(0)["pend_close_long"] == 5


def test_match_03_close_side_is_the_opposite_position(exchange):
    """Rule: MATCH-03 — a sell-close needs a long position, a buy-close a short one."""
    ex = exchange(long_yd=yd(a0=2), short_yd=yd(a3=2))
    batch = ex.submit(
        ex.new(0, BUY, 17400, 1, offset=CLOSE),  # 0 account 0 has no short
        ex.new(3, SELL, 17600, 1, offset=CLOSE),  # 1 account 3 has no long
        ex.new(3, BUY, 17400, 2, offset=CLOSE),  # 2
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_REJECTED, R_NO_POSITION),
        (1, EV_REJECTED, R_NO_POSITION),
        (2, EV_ACCEPTED, 0),
    ]
    assert ex.position(3)["pend_close_short"] == 2


def test_match_03_todays_lots_are_closable(exchange):
    """Rule: MATCH-03 — lots opened today count in the closable position at once."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(0, BUY, 17500, 2))
    batch = ex.submit(ex.new(0, SELL, 17600, 2, offset=CLOSE))  # 2
    assert ex.events(batch) == [(2, EV_ACCEPTED, 2, 2, 0)]
    batch = ex.submit(ex.new(0, SELL, 17600, 1, offset=CLOSE))  # 3
    assert_rejected(ex, batch, 3, 1, R_NO_POSITION)


def test_match_03_yesterday_lots_close_first(exchange):
    """Rule: MATCH-03, MARGIN-03 — a close takes yesterday's lots first, then today's.

    Account 0 holds 2 lots from yesterday and buys 3 today at 17,600; selling 4 closes both
    old lots and 2 of today's: realised (17,700 - 17,500) x 2 + (17,700 x 2 - 35,200) = 600
    ticks = 36,000 CNY; 1 lot of today (cost 17,600) is left.
    """
    ex = exchange(long_yd=yd(a0=2), short_yd=yd(a3=2))
    ex.submit(ex.new(1, SELL, 17600, 3), ex.new(0, BUY, 17600, 3))
    ex.submit(ex.new(2, BUY, 17700, 4), ex.new(0, SELL, 17700, 4, offset=CLOSE))
    pos = ex.position(0)
    assert (pos["long_yd"], pos["long_td"], pos["long_td_cost"]) == (0, 1, 17600)
    assert ex.account(0)["realised"] == pytest.approx(36000.0, abs=1e-6)


# --- POS-01..04 position limits --------------------------------------------------------------
def test_pos_01_investor_limit_summed_across_accounts_at_two_members(exchange):
    """Rule: POS-01 — one investor's accounts at two members share the limit; pending opening
    orders count; each side is counted separately."""
    ex = exchange(pos_limit=5, investors=[0, 0, 1, 2], members=[0, 1, 0, 1])
    batch = ex.submit(
        ex.new(0, BUY, 17400, 3),  # 0 long 0 + pending 0 + 3 <= 5
        ex.new(1, BUY, 17400, 3),  # 1 3 + 3 > 5 -> rejected
        ex.new(1, BUY, 17400, 2),  # 2 exactly 5
        ex.new(1, SELL, 17600, 5),  # 3 the short side has its own 5
        ex.new(0, SELL, 17600, 1),  # 4 short 5 + 1 > 5
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_ACCEPTED, 0),
        (1, EV_REJECTED, R_POSITION_LIMIT),
        (2, EV_ACCEPTED, 0),
        (3, EV_ACCEPTED, 0),
        (4, EV_REJECTED, R_POSITION_LIMIT),
    ]
    # Filled lots count the same as pending ones; cancelling frees room.
    ex.submit(ex.new(2, SELL, 17400, 3))  # 5 fills order 0
    assert ex.position(0)["long_td"] == 3
    rejected = ex.submit(ex.new(0, BUY, 17400, 1))  # 6 long 3 + pending 2 + 1
    assert_rejected(ex, rejected, 6, 1, R_POSITION_LIMIT)
    ex.submit(ex.cancel(1, 2))  # 7
    ok = ex.submit(ex.new(0, BUY, 17400, 2))  # 8
    assert ex.events(ok)[0] == (8, EV_ACCEPTED, 2, 2, 0)


def test_pos_01_other_investors_unaffected(exchange):
    """Rule: POS-01 — the limit is per investor."""
    ex = exchange(pos_limit=5)
    batch = ex.submit(ex.new(0, BUY, 17400, 5), ex.new(1, BUY, 17400, 5))
    assert [e[1] for e in ex.events(batch)] == [EV_ACCEPTED, EV_ACCEPTED]


def test_pos_01_pos_04_closing_always_allowed_over_the_limit(exchange):
    """Rule: POS-01, POS-04 — an investor above the limit (limit lowered overnight) may not open
    on that side but may always close; closing frees room for opening again."""
    ex = exchange(pos_limit=5, long_yd=yd(a0=7), short_yd=yd(a3=7))
    batch = ex.submit(
        ex.new(0, BUY, 17400, 1),  # 0 rejected
        ex.new(0, SELL, 17600, 3, offset=CLOSE),  # 1 accepted
        ex.new(0, SELL, 17600, 5),  # 2 opening short: short side 0 + 5 <= 5
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_REJECTED, R_POSITION_LIMIT),
        (1, EV_ACCEPTED, 0),
        (2, EV_ACCEPTED, 0),
    ]
    ex.submit(ex.new(1, BUY, 17600, 3))  # 3 fills the close order 1 (time priority at 17,600)
    assert ex.position(0)["long_yd"] == 4
    ok = ex.submit(ex.new(0, BUY, 17400, 1))  # 4 long 4 + 1 <= 5
    assert ex.events(ok)[0] == (4, EV_ACCEPTED, 1, 1, 0)


def test_pos_01_market_order_counts_against_limit(exchange):
    """Rule: POS-01 — market orders are opening orders like any other."""
    ex = exchange(pos_limit=2)
    batch = ex.submit(ex.new(0, BUY, 0, 3, type=MARKET))
    assert_rejected(ex, batch, 0, 3, R_POSITION_LIMIT)


def test_pos_02_member_limit(exchange):
    """Rule: POS-02 — a member's single-side position, summed over its accounts of every
    investor, pending opens included, may not exceed member_limit."""
    ex = exchange(member_limit=6, members=[0, 0, 1, 1])
    batch = ex.submit(
        ex.new(0, BUY, 17400, 4),  # 0
        ex.new(1, BUY, 17400, 3),  # 1 member 0: 4 + 3 > 6
        ex.new(1, BUY, 17400, 2),  # 2 exactly 6
        ex.new(2, BUY, 17400, 6),  # 3 member 1 has its own room
        ex.new(1, SELL, 17600, 6),  # 4 short side separate
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_ACCEPTED, 0),
        (1, EV_REJECTED, R_MEMBER_LIMIT),
        (2, EV_ACCEPTED, 0),
        (3, EV_ACCEPTED, 0),
        (4, EV_ACCEPTED, 0),
    ]


def test_pos_02_position_limit_checked_before_member_limit(exchange):
    """Rule: POS-04 — when both limits are breached the code is POSITION_LIMIT (check 10 < 11)."""
    ex = exchange(pos_limit=3, member_limit=3)
    batch = ex.submit(ex.new(0, BUY, 17400, 4))
    assert_rejected(ex, batch, 0, 4, R_POSITION_LIMIT)


def test_pos_03_hedge_quota_exempt(exchange):
    """Rule: POS-03 — an investor's hedge quota adds to the position limit for that investor."""
    ex = exchange(pos_limit=5, investors=[0, 1, 2, 2], hedge_quota=[3, 0, 0])
    batch = ex.submit(
        ex.new(0, BUY, 17400, 8),  # 0 5 + 3
        ex.new(0, BUY, 17400, 1),  # 1 9 > 8
        ex.new(1, BUY, 17400, 6),  # 2 no quota
        ex.new(0, SELL, 17600, 8),  # 3 quota per side
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_ACCEPTED, 0),
        (1, EV_REJECTED, R_POSITION_LIMIT),
        (2, EV_REJECTED, R_POSITION_LIMIT),
        (3, EV_ACCEPTED, 0),
    ]


def test_pos_03_hedge_quota_does_not_lift_member_limit(exchange):
    """Rule: POS-03, POS-02 — the hedge quota only applies to the investor limit."""
    ex = exchange(member_limit=5, hedge_quota=3)
    batch = ex.submit(ex.new(0, BUY, 17400, 6))
    assert_rejected(ex, batch, 0, 6, R_MEMBER_LIMIT)


def test_pos_04_member_over_limit_may_close(exchange):
    """Rule: POS-04 — a member above its limit may not open that side; closing is allowed."""
    ex = exchange(member_limit=4, members=[0, 0, 1, 1], long_yd=yd(a0=5), short_yd=yd(a3=5))
    batch = ex.submit(
        ex.new(1, BUY, 17400, 1),  # 0 member 0 long 5 + 1 > 4
        ex.new(0, SELL, 17600, 5, offset=CLOSE),  # 1
        ex.new(1, SELL, 17600, 4),  # 2 member 0 short 0 + 4
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_REJECTED, R_MEMBER_LIMIT),
        (1, EV_ACCEPTED, 0),
        (2, EV_ACCEPTED, 0),
    ]


# --- UNIT-01 ----------------------------------------------------------------------------------
def test_unit_01_records_ticks_lots_and_money(exchange):
    """Rule: UNIT-01 — prices are int ticks, quantities int lots, money float64 CNY; outputs use
    the shared record dtypes."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 1))
    batch = ex.submit(ex.new(0, BUY, 17500, 1))
    assert batch.events.dtype == EVENT_DTYPE and batch.fills.dtype == FILL_DTYPE
    assert ex.eng.positions().dtype == POSITION_DTYPE
    assert ex.eng.account_state().dtype == ACCOUNT_STATE_DTYPE
    assert ex.eng.positions().shape == (4, 1)
    assert batch.fills["price"].dtype == np.int64
    # 1 lot at 3,500.0 points (17,500 ticks x 0.2) x 300 CNY/point x 12 % = 126,000 CNY
    assert ex.account(0)["margin"] == pytest.approx(126000.0, abs=1e-6)
    assert ex.position(0)["long_td_cost"] == 17500
    assert isinstance(ex.account(0)["margin"], float)


def test_margin_06_set_restricted_and_adjust_reserve_between_batches(exchange):
    """Rule: MARGIN-06 — an account restricted between batches may only close; Rule:
    MARGIN-02 — a deposit between batches makes an opening order affordable."""
    ex = exchange(reserve=[100.0, 1e9, 1e9, 1e9])
    batch = ex.submit(ex.new(0, BUY, 17500, 1))
    assert ex.events(batch)[-1][1] == EV_REJECTED
    ex.eng.adjust_reserve(0, 1e6)
    batch = ex.submit(ex.new(0, BUY, 17500, 1))
    assert ex.events(batch)[-1][1] == EV_ACCEPTED
    ex.eng.set_restricted([0, 1, 0, 0])
    batch = ex.submit(ex.new(1, SELL, 17500, 1))
    assert ex.events(batch)[-1][4] == R_RESTRICTED
    ex.eng.set_restricted([0, 0, 0, 0])
    batch = ex.submit(ex.new(1, SELL, 17500, 1))
    assert ex.eng.positions()["short_td"][1, 0] == 1
    assert ex.eng.account_state()["reserve"][0] == pytest.approx(1e6 + 100.0 - 126_000.0)


def test_pos_01_position_limit_changed_between_batches(exchange):
    """Rule: POS-01 — a position limit lowered between batches (a scenario event) binds the
    next opening order; closing stays allowed."""
    ex = exchange(pos_limit=10)
    batch = ex.submit(ex.new(0, BUY, 17500, 5))
    assert ex.events(batch)[-1][1] == EV_ACCEPTED
    ex.eng.set_position_limit(0, 5)
    batch = ex.submit(ex.new(0, BUY, 17400, 1))
    assert ex.events(batch)[-1][4] == R_POSITION_LIMIT
    live = ex.eng.live_orders()
    assert live["order_no"].tolist() == [0] and live["leaves"].tolist() == [5]
    assert live["account"].tolist() == [0] and live["side"].tolist() == [BUY]
    assert live["price"].tolist() == [17500] and live["offset"].tolist() == [0]
