"""Continuous matching rules: MATCH-01, -02, -04, -05, LIMIT-03 (market orders), end of day.

Every expectation is worked out by hand. Default market (``make_market``): one IF-like
contract, tick value 60 CNY, previous settlement 17,500 ticks, band [15,750, 19,250],
margin rate 12 %, no fees, four accounts that are four investors at member 0.
The harness numbers orders 0, 1, 2, ... in the order they are written.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.records import (
    BUY,
    CLOSE,
    EV_ACCEPTED,
    EV_CANCELLED,
    EV_FILLED,
    EV_PARTIAL,
    EV_REJECTED,
    FAK,
    FOK,
    K_CONTINUOUS,
    K_LIQUIDATION,
    K_REDUCTION,
    MARKET,
    R_EXPIRED,
    R_FOK_UNFILLED,
    R_IOC_REMAINDER,
    R_SELF_TRADE,
    R_USER_CANCEL,
    SELL,
    SRC_LIQUIDATION,
    SRC_REDUCTION,
    ST_ACCEPTED,
    ST_CANCELLED,
    ST_FILLED,
    ST_PARTIAL,
    ST_REJECTED,
    STP_CANCEL_RESTING,
)

PER_LOT_17500 = 17500 * 60.0 * 0.12  # 126,000 CNY margin frozen per lot at 3,500.0 points


# --- MATCH-01 price-time priority ----------------------------------------------------------
def test_match_01_price_priority(exchange):
    """Rule: MATCH-01 — the better-priced resting order trades first, whatever its arrival."""
    ex = exchange()
    ex.submit(
        ex.new(1, SELL, 17510, 1),  # 0
        ex.new(2, SELL, 17505, 1),  # 1  best ask
        ex.new(3, SELL, 17508, 1),  # 2
    )
    batch = ex.submit(ex.new(0, BUY, 17510, 2))  # 3
    assert ex.fills(batch) == [(3, 1, 17505, 1, BUY, K_CONTINUOUS), (3, 2, 17508, 1, BUY, 0)]
    assert ex.events(batch) == [
        (3, EV_ACCEPTED, 2, 2, 0),
        (1, EV_FILLED, 1, 0, 0),
        (3, EV_PARTIAL, 1, 1, 0),
        (2, EV_FILLED, 1, 0, 0),
        (3, EV_FILLED, 1, 0, 0),
    ]
    assert ex.eng.book() == [(0, SELL, 17510, 0, 1)]
    assert ex.status(3) == (ST_FILLED, 2, 0)


def test_match_01_time_priority(exchange):
    """Rule: MATCH-01 — at one price, earlier arrival trades first (FIFO)."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(2, SELL, 17500, 2), ex.new(3, SELL, 17500, 2))
    batch = ex.submit(ex.new(0, BUY, 17500, 3))  # 3
    assert ex.fills(batch) == [(3, 0, 17500, 2, BUY, 0), (3, 1, 17500, 1, BUY, 0)]
    assert ex.eng.book() == [(0, SELL, 17500, 1, 1), (0, SELL, 17500, 2, 2)]
    assert ex.status(1) == (ST_PARTIAL, 1, 0)
    # A later order at the same price queues behind the partly filled one.
    ex.submit(ex.new(3, SELL, 17500, 4))  # 4
    assert [row[3] for row in ex.eng.book()] == [1, 2, 4]
    depth = ex.eng.depth(0)
    assert depth.ask_price.tolist() == [17500, 0, 0, 0, 0]
    assert depth.ask_qty.tolist() == [7, 0, 0, 0, 0]


def test_match_01_bids_priority_in_book_and_depth(exchange):
    """Rule: MATCH-01 — bids are kept highest first, asks lowest first."""
    ex = exchange()
    ex.submit(
        ex.new(0, BUY, 17490, 1),  # 0
        ex.new(1, BUY, 17495, 2),  # 1
        ex.new(2, BUY, 17490, 3),  # 2
        ex.new(3, SELL, 17520, 4),  # 3
        ex.new(3, SELL, 17510, 5),  # 4
    )
    assert ex.eng.book() == [
        (0, BUY, 17495, 1, 2),
        (0, BUY, 17490, 0, 1),
        (0, BUY, 17490, 2, 3),
        (0, SELL, 17510, 4, 5),
        (0, SELL, 17520, 3, 4),
    ]
    d = ex.eng.depth(0, levels=3)
    assert d.bid_price.tolist() == [17495, 17490, 0]
    assert d.bid_qty.tolist() == [2, 4, 0]
    assert d.ask_price.tolist() == [17510, 17520, 0]
    assert d.ask_qty.tolist() == [5, 4, 0]


# --- MATCH-02 order types and cancel ---------------------------------------------------------
def test_match_02_limit_order_rests(exchange):
    """Rule: MATCH-02 — a limit order that cannot trade rests (good for day)."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 17500, 3))
    assert ex.events(batch) == [(0, EV_ACCEPTED, 3, 3, 0)]
    assert len(batch.fills) == 0
    assert ex.eng.book() == [(0, BUY, 17500, 0, 3)]
    assert ex.status(0) == (ST_ACCEPTED, 0, 0)


def test_match_02_limit_remainder_rests_after_partial(exchange):
    """Rule: MATCH-02 — a limit order's unfilled part rests at its own price."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 1))
    batch = ex.submit(ex.new(0, BUY, 17505, 3))  # 1
    assert ex.events(batch)[-1] == (1, EV_PARTIAL, 1, 2, 0)
    assert ex.eng.book() == [(0, BUY, 17505, 1, 2)]
    assert ex.status(1) == (ST_PARTIAL, 1, 0)


def test_match_02_market_order_sweeps_within_band_and_cancels_rest(exchange):
    """Rule: MATCH-02, LIMIT-03 — a market order takes every level up to the band edge, then
    its remainder is cancelled (IOC_REMAINDER) and its whole freeze released."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 1), ex.new(2, SELL, 17600, 2))
    batch = ex.submit(ex.new(0, BUY, 0, 5, type=MARKET))  # 2
    assert ex.fills(batch) == [(2, 0, 17500, 1, BUY, 0), (2, 1, 17600, 2, BUY, 0)]
    assert ex.events(batch) == [
        (2, EV_ACCEPTED, 5, 5, 0),
        (0, EV_FILLED, 1, 0, 0),
        (2, EV_PARTIAL, 1, 4, 0),
        (1, EV_FILLED, 2, 0, 0),
        (2, EV_PARTIAL, 2, 2, 0),
        (2, EV_CANCELLED, 2, 0, R_IOC_REMAINDER),
    ]
    assert ex.status(2) == (ST_CANCELLED, 3, R_IOC_REMAINDER)
    assert ex.eng.book() == []
    acct = ex.account(0)
    assert acct["frozen"] == pytest.approx(0.0, abs=1e-6)
    # MARGIN-01 at the trade prices: (17500 + 2 x 17600) ticks x 60 x 0.12
    assert acct["margin"] == pytest.approx(52700 * 7.2, abs=1e-6)
    assert ex.position(0)["long_td"] == 3


def test_match_02_market_sell_sweeps_bids(exchange):
    """Rule: MATCH-02 — a market sell takes bids best first and trades at their prices."""
    ex = exchange()
    ex.submit(ex.new(1, BUY, 17400, 1), ex.new(2, BUY, 17450, 1))
    batch = ex.submit(ex.new(0, SELL, 0, 2, type=MARKET))  # 2
    assert ex.fills(batch) == [(1, 2, 17450, 1, SELL, 0), (0, 2, 17400, 1, SELL, 0)]
    assert ex.status(2) == (ST_FILLED, 2, 0)


def test_match_02_market_order_on_empty_book(exchange):
    """Rule: MATCH-02 — a market order with nothing to trade is accepted, then cancelled."""
    ex = exchange()
    batch = ex.submit(ex.new(0, SELL, 0, 3, type=MARKET))
    assert ex.events(batch) == [(0, EV_ACCEPTED, 3, 3, 0), (0, EV_CANCELLED, 3, 0, R_IOC_REMAINDER)]
    assert len(batch.fills) == 0
    assert ex.status(0) == (ST_CANCELLED, 0, R_IOC_REMAINDER)
    assert ex.account(0)["frozen"] == pytest.approx(0.0, abs=1e-6)
    assert ex.position(0) == ex.position(1)  # nothing happened


def test_match_02_fak_partial_fill_cancels_rest(exchange):
    """Rule: MATCH-02 — FAK fills at its limit or better, the rest is killed, never rests."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(2, SELL, 17510, 4))
    batch = ex.submit(ex.new(0, BUY, 17505, 5, type=FAK))  # 2
    assert ex.fills(batch) == [(2, 0, 17500, 2, BUY, 0)]
    assert ex.events(batch)[-1] == (2, EV_CANCELLED, 3, 0, R_IOC_REMAINDER)
    assert ex.status(2) == (ST_CANCELLED, 2, R_IOC_REMAINDER)
    assert ex.eng.book() == [(0, SELL, 17510, 1, 4)]


def test_match_02_fok_fills_completely(exchange):
    """Rule: MATCH-02 — a FOK that the book can fill at its limit or better fills entirely."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(2, SELL, 17505, 3), ex.new(3, SELL, 17506, 9))
    batch = ex.submit(ex.new(0, BUY, 17505, 5, type=FOK))  # 3
    assert ex.fills(batch) == [(3, 0, 17500, 2, BUY, 0), (3, 1, 17505, 3, BUY, 0)]
    assert ex.status(3) == (ST_FILLED, 5, 0)
    assert ex.eng.book() == [(0, SELL, 17506, 2, 9)]


@pytest.mark.parametrize(("limit", "qty"), [(17505, 6), (17500, 3)])
def test_match_02_fok_not_fillable_is_rejected(exchange, limit, qty):
    """Rule: MATCH-02, MATCH-07 — a FOK the book cannot fill entirely is rejected FOK_UNFILLED
    and nothing trades (too few lots overall, or too few at acceptable prices)."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(2, SELL, 17505, 3))
    book_before = ex.eng.book()
    batch = ex.submit(ex.new(0, BUY, limit, qty, type=FOK))  # 2
    assert ex.events(batch) == [(2, EV_REJECTED, qty, 0, R_FOK_UNFILLED)]
    assert len(batch.fills) == 0
    assert ex.eng.book() == book_before
    assert ex.status(2) == (ST_REJECTED, 0, R_FOK_UNFILLED)
    assert ex.account(0)["frozen"] == 0.0


def test_match_02_fok_sell(exchange):
    """Rule: MATCH-02 — FOK sell: bids at or above the limit count, lower bids do not."""
    ex = exchange()
    ex.submit(ex.new(1, BUY, 17500, 2), ex.new(2, BUY, 17490, 3))
    rejected = ex.submit(ex.new(0, SELL, 17495, 3, type=FOK))  # 2
    assert ex.events(rejected) == [(2, EV_REJECTED, 3, 0, R_FOK_UNFILLED)]
    filled = ex.submit(ex.new(0, SELL, 17490, 5, type=FOK))  # 3
    assert ex.fills(filled) == [(0, 3, 17500, 2, SELL, 0), (1, 3, 17490, 3, SELL, 0)]


def test_match_02_cancel_removes_remaining_qty(exchange):
    """Rule: MATCH-02, MARGIN-02 — cancel removes a resting order's remaining quantity and
    releases its freeze; the filled part stays filled."""
    ex = exchange()
    ex.submit(ex.new(0, BUY, 17500, 5))  # 0
    ex.submit(ex.new(1, SELL, 17500, 2))  # 1
    assert ex.account(0)["frozen"] == pytest.approx(3 * PER_LOT_17500, abs=1e-6)
    batch = ex.submit(ex.cancel(0, 0))  # 2
    assert ex.events(batch) == [(2, EV_ACCEPTED, 0, 0, 0), (0, EV_CANCELLED, 3, 0, R_USER_CANCEL)]
    assert batch.events["order_no"].tolist() == [2, 0]
    assert ex.status(0) == (ST_CANCELLED, 2, R_USER_CANCEL)
    assert ex.status(2) == (ST_ACCEPTED, 0, 0)
    assert ex.eng.book() == []
    assert ex.account(0)["frozen"] == pytest.approx(0.0, abs=1e-6)
    assert ex.position(0)["long_td"] == 2


def test_match_02_cancel_close_order_restores_closable(exchange):
    """Rule: MATCH-02, MATCH-03 — cancelling a close order frees its lots for other closes."""
    long_yd = np.array([[3], [0], [0], [0]])
    short_yd = np.array([[0], [0], [0], [3]])
    ex = exchange(long_yd=long_yd, short_yd=short_yd)
    ex.submit(ex.new(0, SELL, 17600, 3, offset=CLOSE))  # 0
    assert ex.position(0)["pend_close_long"] == 3
    ex.submit(ex.cancel(0, 0))  # 1
    assert ex.position(0)["pend_close_long"] == 0
    batch = ex.submit(ex.new(0, SELL, 17600, 3, offset=CLOSE))  # 2
    assert ex.events(batch) == [(2, EV_ACCEPTED, 3, 3, 0)]


def test_match_02_cancel_in_one_batch_with_its_order(exchange):
    """Rule: MATCH-02 — messages in a batch are processed in order: cancel after the order."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 17500, 1), ex.cancel(0, 0))
    assert ex.events(batch) == [
        (0, EV_ACCEPTED, 1, 1, 0),
        (1, EV_ACCEPTED, 0, 0, 0),
        (0, EV_CANCELLED, 1, 0, R_USER_CANCEL),
    ]


# --- MATCH-04 trade price ------------------------------------------------------------------
def test_match_04_buy_aggressor_trades_at_resting_ask(exchange):
    """Rule: MATCH-04 — an aggressive buy trades at the resting ask's price, not its own."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 1))
    batch = ex.submit(ex.new(0, BUY, 17600, 1))  # 1
    assert ex.fills(batch) == [(1, 0, 17500, 1, BUY, K_CONTINUOUS)]
    assert ex.position(0)["long_td_cost"] == 17500
    f = batch.fills[0]
    assert (int(f["buy_account"]), int(f["sell_account"]), int(f["contract"])) == (0, 1, 0)
    assert int(f["trade_no"]) == 0
    assert int(f["ts"]) == int(batch.events["ts"][0])


def test_match_04_sell_aggressor_trades_at_resting_bid(exchange):
    """Rule: MATCH-04 — an aggressive sell trades at the resting bid's price."""
    ex = exchange()
    ex.submit(ex.new(1, BUY, 17520, 1))
    batch = ex.submit(ex.new(0, SELL, 17400, 1))  # 1
    assert ex.fills(batch) == [(0, 1, 17520, 1, SELL, K_CONTINUOUS)]
    assert ex.position(0)["short_td_cost"] == 17520


def test_match_04_trade_numbers_count_up_over_the_engine_life(exchange):
    """Rule: MATCH-04 — trade numbers start at 0 and count up across batches."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 3))
    first = ex.submit(ex.new(0, BUY, 17500, 1), ex.new(2, BUY, 17500, 1))
    second = ex.submit(ex.new(3, BUY, 17500, 1))
    assert first.fills["trade_no"].tolist() == [0, 1]
    assert second.fills["trade_no"].tolist() == [2]


@pytest.mark.parametrize(
    ("sources", "kind"),
    [
        ((0, 0), K_CONTINUOUS),
        ((SRC_REDUCTION, 0), K_REDUCTION),
        ((0, SRC_LIQUIDATION), K_LIQUIDATION),
        ((SRC_REDUCTION, SRC_LIQUIDATION), K_LIQUIDATION),
    ],
)
def test_match_04_fill_kind_from_order_sources(exchange, sources, kind):
    """Rule: MATCH-04 — a fill's kind: liquidation beats reduction beats continuous."""
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 1, source=sources[0]))
    batch = ex.submit(ex.new(0, BUY, 17500, 1, source=sources[1]))
    assert ex.fills(batch) == [(1, 0, 17500, 1, BUY, kind)]


# --- MATCH-05 self-trade prevention --------------------------------------------------------
def test_match_05_cancel_incoming(exchange):
    """Rule: MATCH-05 — default policy: the incoming order is cancelled on meeting its own
    investor's resting order, even if other orders rest behind; one prevention counted."""
    ex = exchange(investors=[0, 0, 1, 2])  # accounts 0 and 1 belong to investor 0
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(2, SELL, 17500, 2))
    batch = ex.submit(ex.new(0, BUY, 17500, 3))  # 2
    assert ex.events(batch) == [(2, EV_ACCEPTED, 3, 3, 0), (2, EV_CANCELLED, 3, 0, R_SELF_TRADE)]
    assert len(batch.fills) == 0
    assert ex.status(2) == (ST_CANCELLED, 0, R_SELF_TRADE)
    assert ex.eng.book() == [(0, SELL, 17500, 0, 2), (0, SELL, 17500, 1, 2)]
    assert ex.eng.self_trades().tolist() == [1, 0, 0]
    assert ex.account(0)["frozen"] == pytest.approx(0.0, abs=1e-6)


def test_match_05_cancel_incoming_after_partial_fill(exchange):
    """Rule: MATCH-05 — trades before the self order stand; the limit remainder does not rest."""
    ex = exchange(investors=[0, 0, 1, 2])
    ex.submit(ex.new(2, SELL, 17500, 1), ex.new(1, SELL, 17501, 1), ex.new(3, SELL, 17502, 1))
    batch = ex.submit(ex.new(0, BUY, 17505, 3))  # 3
    assert ex.fills(batch) == [(3, 0, 17500, 1, BUY, 0)]
    assert ex.events(batch)[-1] == (3, EV_CANCELLED, 2, 0, R_SELF_TRADE)
    assert ex.status(3) == (ST_CANCELLED, 1, R_SELF_TRADE)
    assert ex.eng.book() == [(0, SELL, 17501, 1, 1), (0, SELL, 17502, 2, 1)]
    assert ex.eng.self_trades().tolist() == [1, 0, 0]


def test_match_05_cancel_resting(exchange):
    """Rule: MATCH-05 — policy cancel-resting: the resting self order is cancelled and the
    incoming order goes on matching behind it; counters per investor."""
    ex = exchange(investors=[0, 0, 1, 2], stp_policy=STP_CANCEL_RESTING)
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(2, SELL, 17500, 2))
    batch = ex.submit(ex.new(0, BUY, 17500, 3))  # 2
    assert ex.events(batch) == [
        (2, EV_ACCEPTED, 3, 3, 0),
        (0, EV_CANCELLED, 2, 0, R_SELF_TRADE),
        (1, EV_FILLED, 2, 0, 0),
        (2, EV_PARTIAL, 2, 1, 0),
    ]
    assert ex.fills(batch) == [(2, 1, 17500, 2, BUY, 0)]
    assert ex.status(0) == (ST_CANCELLED, 0, R_SELF_TRADE)
    assert ex.eng.book() == [(0, BUY, 17500, 2, 1)]
    assert ex.eng.self_trades().tolist() == [1, 0, 0]
    # a second prevention by the other account of investor 0 adds to the same counter
    ex.submit(ex.new(1, SELL, 17500, 1))  # 3 meets resting order 2 of investor 0
    assert ex.status(2) == (ST_CANCELLED, 2, R_SELF_TRADE)
    assert ex.eng.self_trades().tolist() == [2, 0, 0]
    assert ex.eng.book() == [(0, SELL, 17500, 3, 1)]


def test_match_05_fok_cancel_incoming_walk_stops_at_self_order(exchange):
    """Rule: MATCH-05, MATCH-02 — with cancel-incoming, lots behind an own resting order do not
    make a FOK fillable; the rejection counts no prevented self-trade."""
    ex = exchange(investors=[0, 0, 1, 2])
    ex.submit(ex.new(2, SELL, 17500, 2), ex.new(1, SELL, 17500, 2), ex.new(3, SELL, 17500, 5))
    batch = ex.submit(ex.new(0, BUY, 17500, 3, type=FOK))  # 3
    assert ex.events(batch) == [(3, EV_REJECTED, 3, 0, R_FOK_UNFILLED)]
    assert ex.eng.self_trades().tolist() == [0, 0, 0]
    ok = ex.submit(ex.new(0, BUY, 17500, 2, type=FOK))  # 4: fits before the own order
    assert ex.fills(ok) == [(4, 0, 17500, 2, BUY, 0)]
    assert ex.eng.self_trades().tolist() == [0, 0, 0]


def test_match_05_fok_cancel_resting_skips_self_order(exchange):
    """Rule: MATCH-05, MATCH-02 — with cancel-resting, own orders are skipped in the FOK walk
    (their lots not counted); executing the FOK cancels them."""
    ex = exchange(investors=[0, 0, 1, 2], stp_policy=STP_CANCEL_RESTING)
    ex.submit(ex.new(1, SELL, 17500, 2), ex.new(2, SELL, 17500, 2))
    rejected = ex.submit(ex.new(0, BUY, 17500, 3, type=FOK))  # 2: only 2 other lots
    assert ex.events(rejected) == [(2, EV_REJECTED, 3, 0, R_FOK_UNFILLED)]
    assert ex.eng.self_trades().tolist() == [0, 0, 0]
    batch = ex.submit(ex.new(0, BUY, 17500, 2, type=FOK))  # 3
    assert ex.events(batch) == [
        (3, EV_ACCEPTED, 2, 2, 0),
        (0, EV_CANCELLED, 2, 0, R_SELF_TRADE),
        (1, EV_FILLED, 2, 0, 0),
        (3, EV_FILLED, 2, 0, 0),
    ]
    assert ex.eng.self_trades().tolist() == [1, 0, 0]


def test_match_05_market_order_cancel_incoming(exchange):
    """Rule: MATCH-05 — a market order meeting its own investor's order is cancelled too."""
    ex = exchange(investors=[0, 0, 1, 2])
    ex.submit(ex.new(1, BUY, 17500, 2))
    batch = ex.submit(ex.new(0, SELL, 0, 1, type=MARKET))  # 1
    assert ex.events(batch)[-1] == (1, EV_CANCELLED, 1, 0, R_SELF_TRADE)
    assert ex.eng.self_trades().tolist() == [1, 0, 0]


# --- LIMIT-03 market orders and set_band -----------------------------------------------------
def test_limit_03_market_buy_never_trades_above_band(exchange):
    """Rule: LIMIT-03 — a market buy takes asks up to the band high only: under the 6 %
    breaker band an ask can rest at its edge, and once the band widens to 10 % an ask above
    the old edge is not reachable by a market order sent before the widening."""
    ex = exchange(band=0.06)  # band [16450, 18550]
    ex.submit(ex.new(1, SELL, 17500, 1), ex.new(2, SELL, 18550, 1))
    batch = ex.submit(ex.new(0, BUY, 0, 3, type=MARKET))  # 2
    assert ex.fills(batch) == [(2, 0, 17500, 1, BUY, 0), (2, 1, 18550, 1, BUY, 0)]
    assert ex.events(batch)[-1] == (2, EV_CANCELLED, 1, 0, R_IOC_REMAINDER)
    ex.set_band(0, 15750, 19250)
    ex.submit(ex.new(1, SELL, 19000, 1))  # 3, inside the widened band only
    batch = ex.submit(ex.new(0, BUY, 0, 1, type=MARKET))  # 4
    assert ex.fills(batch) == [(4, 3, 19000, 1, BUY, 0)]


def test_limit_03_market_sell_stops_at_band_low(exchange):
    """Rule: LIMIT-03 — a market sell trades no lower than the band low; the rest is cancelled."""
    ex = exchange(band=0.06)  # band [16450, 18550]
    ex.submit(ex.new(1, BUY, 17500, 1), ex.new(2, BUY, 16450, 1))
    batch = ex.submit(ex.new(0, SELL, 0, 3, type=MARKET))  # 2
    assert ex.fills(batch) == [(0, 2, 17500, 1, SELL, 0), (1, 2, 16450, 1, SELL, 0)]
    assert ex.events(batch)[-1] == (2, EV_CANCELLED, 1, 0, R_IOC_REMAINDER)
    assert ex.eng.book() == []


def test_limit_03_set_band_refuses_to_strand_resting_orders(exchange):
    """Rule: LIMIT-03 — a band that would leave a resting order outside it is refused, so no
    trade can ever happen outside the band; widening is always allowed."""
    ex = exchange(band=0.06)
    ex.submit(ex.new(1, SELL, 17600, 1), ex.new(2, BUY, 17400, 1))
    with pytest.raises(ValueError):
        ex.eng.set_band(0, 15750, 17550)
    with pytest.raises(ValueError):
        ex.eng.set_band(0, 17450, 19250)
    ex.eng.set_band(0, 15750, 19250)
    ex.eng.check()


def test_limit_03_set_band_outside_ladder_raises(exchange):
    """Rule: LIMIT-03 — the band must lie inside the ladder."""
    ex = exchange()
    with pytest.raises(ValueError):
        ex.eng.set_band(0, 15749, 17500)
    with pytest.raises(ValueError):
        ex.eng.set_band(0, 17500, 19251)


# --- end of day ------------------------------------------------------------------------------
def test_expire_cancels_everything_in_order_and_releases(exchange):
    """Rule: MATCH-02 (good-for-day), MARGIN-02 — ``expire`` cancels every resting order with
    EXPIRED: contract by contract, bids best first then asks best first; freezes, pending
    opens and pending closes are released."""
    long_yd = np.zeros((4, 2), dtype=np.int64)
    short_yd = np.zeros((4, 2), dtype=np.int64)
    long_yd[2, 0], short_yd[3, 0] = 2, 2
    ex = exchange(n_contracts=2, long_yd=long_yd, short_yd=short_yd)
    ex.submit(
        ex.new(0, BUY, 17490, 1),  # 0
        ex.new(1, BUY, 17495, 1),  # 1
        ex.new(0, BUY, 17495, 1),  # 2
        ex.new(2, SELL, 17600, 2, offset=CLOSE),  # 3
        ex.new(3, SELL, 17550, 1),  # 4
        ex.new(1, SELL, 17700, 1, contract=1),  # 5
        ex.new(0, BUY, 17300, 1, contract=1),  # 6
    )
    batch = ex.expire(ts=42)
    assert batch.events["order_no"].tolist() == [1, 2, 0, 4, 3, 6, 5]
    assert set(batch.events["kind"].tolist()) == {EV_CANCELLED}
    assert set(batch.events["reason"].tolist()) == {R_EXPIRED}
    assert set(batch.events["ts"].tolist()) == {42}
    assert batch.events["qty"].tolist() == [1, 1, 1, 1, 2, 1, 1]
    assert len(batch.fills) == 0
    assert ex.eng.book() == []
    assert ex.status(3) == (ST_CANCELLED, 0, R_EXPIRED)
    for a in range(4):
        assert ex.account(a)["frozen"] == pytest.approx(0.0, abs=1e-6)
    assert ex.position(2)["pend_close_long"] == 0
    # pending opens are gone: the limits see nothing pending any more
    assert ex.eng.check() is None
