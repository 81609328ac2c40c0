"""Opening call auction: MATCH-06 (with MATCH-05 inside the auction).

Orders are submitted with ``phase=PHASE_AUCTION`` (collected, not matched; the book may be
crossed), then ``run_auction`` uncrosses each contract at one price. Previous settlement
17,500 ticks unless stated.
"""

from __future__ import annotations

import pytest

from riskcore.records import (
    BUY,
    EV_ACCEPTED,
    EV_CANCELLED,
    EV_FILLED,
    EV_PARTIAL,
    EV_REJECTED,
    FAK,
    FOK,
    K_AUCTION,
    MARKET,
    PHASE_AUCTION,
    R_AUCTION_LIMIT_ONLY,
    R_SELF_TRADE,
    SELL,
    ST_CANCELLED,
    ST_FILLED,
    ST_PARTIAL,
    ST_REJECTED,
    STP_CANCEL_RESTING,
)

AUCTION = PHASE_AUCTION


def test_match_06_orders_collected_not_matched(exchange):
    """Rule: MATCH-06 — in the auction phase accepted orders wait in the book, even crossed."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 17600, 1), ex.new(1, SELL, 17400, 1), phase=AUCTION)
    assert ex.events(batch) == [(0, EV_ACCEPTED, 1, 1, 0), (1, EV_ACCEPTED, 1, 1, 0)]
    assert len(batch.fills) == 0
    assert ex.eng.book() == [(0, BUY, 17600, 0, 1), (0, SELL, 17400, 1, 1)]


def test_match_06_price_maximises_volume(exchange):
    """Rule: MATCH-06 — one price for all, the one that maximises matched volume.

    Bids 17,520 x 3 and 17,500 x 2; asks 17,490 x 2 and 17,510 x 4. Volume is 2 below 17,510
    and 3 from 17,510 to 17,520 (imbalance 3 throughout); closest to 17,500 is 17,510. Both
    fills are at 17,510, not at either order's price; unmatched orders stay in the book.
    """
    ex = exchange()
    ex.submit(
        ex.new(0, BUY, 17520, 3),  # 0
        ex.new(1, BUY, 17500, 2),  # 1
        ex.new(2, SELL, 17490, 2),  # 2
        ex.new(3, SELL, 17510, 4),  # 3
        phase=AUCTION,
    )
    batch = ex.run_auction(ts=777)
    assert ex.fills(batch) == [(0, 2, 17510, 2, 0, K_AUCTION), (0, 3, 17510, 1, 0, K_AUCTION)]
    assert ex.events(batch) == [
        (0, EV_PARTIAL, 2, 1, 0),
        (2, EV_FILLED, 2, 0, 0),
        (0, EV_FILLED, 1, 0, 0),
        (3, EV_PARTIAL, 1, 3, 0),
    ]
    assert set(batch.events["ts"].tolist()) == {777}
    assert batch.fills["ts"].tolist() == [777, 777]
    assert ex.eng.book() == [(0, BUY, 17500, 1, 2), (0, SELL, 17510, 3, 3)]
    assert ex.status(0) == (ST_FILLED, 3, 0)
    assert ex.status(3) == (ST_PARTIAL, 1, 0)
    # MARGIN-02/-01: the freeze at 17,520 is released, margin is at the auction price
    acct = ex.account(0)
    assert acct["frozen"] == pytest.approx(0.0, abs=1e-6)
    assert acct["margin"] == pytest.approx(3 * 17510 * 60 * 0.12, abs=1e-6)
    assert ex.position(0)["long_td_cost"] == 3 * 17510
    # continuous trading afterwards starts from an uncrossed book
    d = ex.eng.depth(0, levels=2)
    assert (d.bid_price.tolist(), d.ask_price.tolist()) == ([17500, 0], [17510, 0])


def test_match_06_tie_broken_by_least_imbalance(exchange):
    """Rule: MATCH-06 — equal volume: least imbalance wins before closeness to settlement.

    Bids 17,510 x 2, 17,505 x 2; asks 17,500 x 2, 17,508 x 3. Volume is 2 at every price from
    17,500 to 17,510; imbalance 2 up to 17,505, 0 at 17,506-17,507, 3 from 17,508: 17,506.
    """
    ex = exchange()
    ex.submit(
        ex.new(0, BUY, 17510, 2),  # 0
        ex.new(1, BUY, 17505, 2),  # 1
        ex.new(2, SELL, 17500, 2),  # 2
        ex.new(3, SELL, 17508, 3),  # 3
        phase=AUCTION,
    )
    batch = ex.run_auction()
    assert ex.fills(batch) == [(0, 2, 17506, 2, 0, K_AUCTION)]
    assert ex.eng.book() == [(0, BUY, 17505, 1, 2), (0, SELL, 17508, 3, 3)]


@pytest.mark.parametrize(
    ("bid", "ask", "prev_settle", "price"),
    [
        (17520, 17480, 17500, 17500),  # settlement inside the range
        (17530, 17510, 17500, 17510),  # below the range: the lowest price
        (17490, 17470, 17500, 17490),  # above the range: the highest price
    ],
)
def test_match_06_tie_broken_by_closeness_to_prev_settlement(
    exchange, bid, ask, prev_settle, price
):
    """Rule: MATCH-06 — equal volume and imbalance: the price closest to the previous settlement."""
    ex = exchange(prev_settle=prev_settle)
    ex.submit(ex.new(0, BUY, bid, 2), ex.new(1, SELL, ask, 2), phase=AUCTION)
    batch = ex.run_auction()
    assert ex.fills(batch) == [(0, 1, price, 2, 0, K_AUCTION)]


def test_match_06_time_priority_within_level(exchange):
    """Rule: MATCH-06, MATCH-01 — the auction walk fills best price first, FIFO within a level."""
    ex = exchange()
    ex.submit(
        ex.new(0, BUY, 17500, 1),  # 0
        ex.new(1, BUY, 17500, 1),  # 1
        ex.new(2, BUY, 17510, 1),  # 2
        ex.new(3, SELL, 17500, 2),  # 3
        phase=AUCTION,
    )
    batch = ex.run_auction()
    # volume 2 at 17,500 only (at 17,501+ just 1 bid lot)
    assert ex.fills(batch) == [(2, 3, 17500, 1, 0, K_AUCTION), (0, 3, 17500, 1, 0, K_AUCTION)]
    assert ex.eng.book() == [(0, BUY, 17500, 1, 1)]


def test_match_06_no_cross_no_trade(exchange):
    """Rule: MATCH-06 — an uncrossed or one-sided book produces nothing."""
    ex = exchange(n_contracts=2)
    ex.submit(
        ex.new(0, BUY, 17500, 1),
        ex.new(1, SELL, 17501, 1),
        ex.new(2, BUY, 17500, 1, contract=1),
        phase=AUCTION,
    )
    batch = ex.run_auction()
    assert len(batch.events) == 0 and len(batch.fills) == 0
    assert len(ex.eng.book()) == 3


def test_match_06_contracts_uncrossed_in_order(exchange):
    """Rule: MATCH-06 — every contract is uncrossed, contract 0 first; trade numbers go on."""
    ex = exchange(n_contracts=2)
    ex.submit(
        ex.new(0, BUY, 17600, 1, contract=1),  # 0
        ex.new(1, SELL, 17600, 1, contract=1),  # 1
        ex.new(2, BUY, 17500, 1, contract=0),  # 2
        ex.new(3, SELL, 17500, 1, contract=0),  # 3
        phase=AUCTION,
    )
    batch = ex.run_auction()
    assert ex.fills(batch) == [(2, 3, 17500, 1, 0, K_AUCTION), (0, 1, 17600, 1, 0, K_AUCTION)]
    assert batch.fills["trade_no"].tolist() == [0, 1]
    assert batch.fills["contract"].tolist() == [0, 1]


@pytest.mark.parametrize("order_type", [MARKET, FAK, FOK])
def test_match_06_non_limit_rejected(exchange, order_type):
    """Rule: MATCH-06, MATCH-07 — only limit orders enter the call auction."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 17500, 2, type=order_type), phase=AUCTION)
    assert ex.events(batch) == [(0, EV_REJECTED, 2, 0, R_AUCTION_LIMIT_ONLY)]
    assert ex.status(0) == (ST_REJECTED, 0, R_AUCTION_LIMIT_ONLY)


def test_match_06_auction_limit_only_checked_after_qty(exchange):
    """Rule: MATCH-07 — check order: BAD_QTY (4) before AUCTION_LIMIT_ONLY (5) before OFF_TICK."""
    ex = exchange()
    batch = ex.submit(ex.new(0, BUY, 17500, 0, type=MARKET), phase=AUCTION)
    assert ex.events(batch)[0][4] == 3  # R_BAD_QTY
    batch = ex.submit(ex.new(0, BUY, 17500, 1, type=FAK, flags=1), phase=AUCTION)
    assert ex.events(batch)[0][4] == R_AUCTION_LIMIT_ONLY


def test_match_06_match_05_self_trade_cancel_incoming_cancels_later_order(exchange):
    """Rule: MATCH-06, MATCH-05 — a same-investor pair in the uncrossing walk: under
    cancel-incoming the later order (higher number) is cancelled, then the auction restarts.

    First price 17,500 pairs bid 0 with its own investor's ask 1; ask 1 goes. Then bid 17,510 x 2
    against ask 17,505 x 2 uncrosses at 17,505 (closest to 17,500).
    """
    ex = exchange(investors=[0, 0, 1, 2])
    ex.submit(
        ex.new(0, BUY, 17510, 2),  # 0 investor 0
        ex.new(1, SELL, 17500, 2),  # 1 investor 0
        ex.new(2, SELL, 17505, 2),  # 2
        phase=AUCTION,
    )
    batch = ex.run_auction()
    assert ex.events(batch) == [
        (1, EV_CANCELLED, 2, 0, R_SELF_TRADE),
        (0, EV_FILLED, 2, 0, 0),
        (2, EV_FILLED, 2, 0, 0),
    ]
    assert ex.fills(batch) == [(0, 2, 17505, 2, 0, K_AUCTION)]
    assert ex.status(1) == (ST_CANCELLED, 0, R_SELF_TRADE)
    assert ex.eng.self_trades().tolist() == [1, 0, 0]
    assert ex.eng.book() == []


def test_match_06_match_05_self_trade_cancel_resting_cancels_earlier_order(exchange):
    """Rule: MATCH-06, MATCH-05 — under cancel-resting the earlier order of the pair goes."""
    ex = exchange(investors=[0, 0, 1, 2], stp_policy=STP_CANCEL_RESTING)
    ex.submit(
        ex.new(0, BUY, 17510, 2),  # 0 investor 0
        ex.new(1, SELL, 17500, 2),  # 1 investor 0
        ex.new(2, SELL, 17505, 2),  # 2
        phase=AUCTION,
    )
    batch = ex.run_auction()
    assert ex.events(batch) == [(0, EV_CANCELLED, 2, 0, R_SELF_TRADE)]
    assert len(batch.fills) == 0
    assert ex.eng.self_trades().tolist() == [1, 0, 0]
    assert ex.eng.book() == [(0, SELL, 17500, 1, 2), (0, SELL, 17505, 2, 2)]
    assert ex.account(0)["frozen"] == pytest.approx(0.0, abs=1e-6)


def test_match_06_cancel_during_auction_then_run(exchange):
    """Rule: MATCH-06, MATCH-02 — an order cancelled during collection does not take part."""
    ex = exchange()
    ex.submit(ex.new(0, BUY, 17510, 1), ex.new(1, BUY, 17505, 1), phase=AUCTION)
    ex.submit(ex.cancel(0, 0), ex.new(2, SELL, 17500, 1), phase=AUCTION)  # 2, 3
    batch = ex.run_auction()
    assert ex.fills(batch) == [(1, 3, 17500, 1, 0, K_AUCTION)]
