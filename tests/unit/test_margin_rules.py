"""Money rules of the matching layer: MARGIN-01 (position margin), MARGIN-02 (freeze, fees),
MARGIN-03 (realised P&L of closes).

Worked numbers for IF: tick value 60 CNY (0.2 points x 300 CNY), previous settlement 17,500
ticks (3,500.0 points), margin rate 12 %: one lot at 17,500 ticks is 1,050,000 CNY notional
and 126,000 CNY margin. Accounts start with 1e9 CNY free reserve.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.records import (
    BUY,
    CLOSE,
    EV_ACCEPTED,
    EV_REJECTED,
    MARGIN_LARGER_SIDE,
    MARKET,
    R_INSUFFICIENT_FUNDS,
    SELL,
)

RESERVE = 1e9


def approx(x: float):
    return pytest.approx(x, abs=1e-6)


def yd(n_accounts: int = 4, **lots: int) -> np.ndarray:
    """Yesterday's positions for one contract, e.g. ``yd(a0=3, a3=1)``."""
    out = np.zeros((n_accounts, 1), dtype=np.int64)
    for key, value in lots.items():
        out[int(key[1:]), 0] = value
    return out


# --- MARGIN-02 freeze ---------------------------------------------------------------------------
def test_margin_02_freeze_at_order_price_including_fee(exchange):
    """Rule: MARGIN-02 — an opening limit order freezes margin + open fee at its own price:
    17,500 x 60 x 12 % + 17,500 x 60 x 0.01 % = 126,000 + 105 = 126,105 CNY per lot."""
    ex = exchange(fee_open=0.0001)
    ex.submit(ex.new(0, BUY, 17500, 2))
    acct = ex.account(0)
    assert acct["frozen"] == approx(252210.0)
    assert acct["reserve"] == approx(RESERVE)  # frozen money is still part of the reserve
    assert acct["margin"] == 0.0 and acct["fees"] == 0.0


def test_margin_02_market_order_freezes_at_band_high_either_side(exchange):
    """Rule: MARGIN-02, LIMIT-03 — a market order is checked at the band's worst price, the band
    high (19,250 x 60 x 12 % = 138,600 CNY per lot), for buys and sells alike."""
    ex = exchange(reserve=2 * 138600.0 - 1.0)
    batch = ex.submit(
        ex.new(0, BUY, 0, 2, type=MARKET),  # 0
        ex.new(0, SELL, 0, 2, type=MARKET),  # 1
        ex.new(0, BUY, 17500, 2),  # 2 at 17,500 it fits
    )
    assert [(e[0], e[1], e[4]) for e in ex.events(batch)] == [
        (0, EV_REJECTED, R_INSUFFICIENT_FUNDS),
        (1, EV_REJECTED, R_INSUFFICIENT_FUNDS),
        (2, EV_ACCEPTED, 0),
    ]
    ex2 = exchange(reserve=2 * 138600.0)
    batch = ex2.submit(ex2.new(0, SELL, 0, 2, type=MARKET))
    assert ex2.events(batch)[0] == (0, EV_ACCEPTED, 2, 2, 0)
    assert ex2.account(0)["frozen"] == approx(0.0)  # cancelled: empty book


def test_margin_02_market_order_uses_current_band_high(exchange):
    """Rule: MARGIN-02, LIMIT-03 — after ``set_band`` the market freeze uses the new band high:
    17,600 x 7.2 = 126,720 CNY per lot."""
    ex = exchange(reserve=2 * 126720.0)
    rejected = ex.submit(ex.new(0, BUY, 0, 2, type=MARKET))
    assert ex.events(rejected)[0][4] == R_INSUFFICIENT_FUNDS
    ex.set_band(0, 15750, 17600)
    ok = ex.submit(ex.new(0, BUY, 0, 2, type=MARKET))
    assert ex.events(ok)[0] == (1, EV_ACCEPTED, 2, 2, 0)


def test_margin_02_fee_is_part_of_the_check(exchange):
    """Rule: MARGIN-02 — the free reserve must cover margin *plus* fee."""
    ex = exchange(reserve=126000.0, fee_open=0.0001)
    batch = ex.submit(ex.new(0, BUY, 17500, 1))
    assert ex.events(batch)[0][4] == R_INSUFFICIENT_FUNDS
    ex2 = exchange(reserve=126000.0)
    batch = ex2.submit(ex2.new(0, BUY, 17500, 1))
    assert ex2.events(batch)[0][1] == EV_ACCEPTED


def test_margin_02_release_on_cancel(exchange):
    """Rule: MARGIN-02 — cancelling releases exactly what was frozen."""
    ex = exchange(fee_open=0.0001)
    ex.submit(ex.new(0, BUY, 17500, 2), ex.new(0, SELL, 17700, 3))
    assert ex.account(0)["frozen"] == approx(252210.0 + 3 * (17700 * 7.2 + 17700 * 60 * 0.0001))
    ex.submit(ex.cancel(0, 1))
    assert ex.account(0)["frozen"] == approx(252210.0)
    ex.submit(ex.cancel(0, 0))
    assert ex.account(0)["frozen"] == approx(0.0)
    assert ex.account(0)["reserve"] == approx(RESERVE)


def test_margin_02_freeze_converted_on_fill(exchange):
    """Rule: MARGIN-02, MARGIN-01 — a fill releases the filled lots' freeze and takes margin and
    fee from the reserve: 1 lot at 17,500 -> margin 126,000, fee 105."""
    ex = exchange(fee_open=0.0001)
    ex.submit(ex.new(0, BUY, 17500, 2))
    ex.submit(ex.new(1, SELL, 17500, 1))
    for a in (0, 1):
        acct = ex.account(a)
        assert acct["margin"] == approx(126000.0)
        assert acct["fees"] == approx(105.0)
        assert acct["reserve"] == approx(RESERVE - 105.0 - 126000.0)
    assert ex.account(0)["frozen"] == approx(126105.0)
    assert ex.account(1)["frozen"] == approx(0.0)
    assert ex.position(0)["margin"] == approx(126000.0)


def test_margin_02_fill_better_than_limit(exchange):
    """Rule: MARGIN-02, MATCH-04 — a buy limited at 17,600 that trades at 17,500 releases its
    whole 17,600 freeze; margin and fee are at the trade price."""
    ex = exchange(fee_open=0.0001)
    ex.submit(ex.new(1, SELL, 17500, 1))
    ex.submit(ex.new(0, BUY, 17600, 1))
    acct = ex.account(0)
    assert acct["frozen"] == approx(0.0)
    assert acct["margin"] == approx(126000.0)
    assert acct["fees"] == approx(105.0)


# --- MARGIN-03 realised P&L --------------------------------------------------------------------
def test_margin_03_close_yesterdays_long_against_prev_settlement(exchange):
    """Rule: MARGIN-03 — yesterday's lots realise against the previous settlement.

    Sell-close 2 lots at 17,600: (17,600 - 17,500) x 2 x 60 = 12,000 CNY; close fee
    2 x 17,600 x 60 x 0.01 % = 211.2; the 252,000 margin returns to the reserve.
    """
    ex = exchange(fee_close=0.0001, fee_close_today=0.0003, long_yd=yd(a0=2), short_yd=yd(a3=2))
    assert ex.account(0)["margin"] == approx(252000.0)
    ex.submit(ex.new(1, BUY, 17600, 2))
    ex.submit(ex.new(0, SELL, 17600, 2, offset=CLOSE))
    acct = ex.account(0)
    assert acct["realised"] == approx(12000.0)
    assert acct["fees"] == approx(211.2)
    assert acct["margin"] == approx(0.0)
    assert acct["reserve"] == approx(RESERVE + 12000.0 - 211.2 + 252000.0)
    pos = ex.position(0)
    assert (pos["long_yd"], pos["long_td"], pos["pend_close_long"], pos["margin"]) == (0, 0, 0, 0)
    assert ex.account(1)["reserve"] == approx(RESERVE - 2 * 17600 * 7.2)


def test_margin_03_close_todays_long_against_open_price(exchange):
    """Rule: MARGIN-03 — today's lots realise against their open price, not the settlement.

    Buy 2 at 17,400, sell-close 2 at 17,450: 17,450 x 2 - 34,800 = 100 ticks = 6,000 CNY
    (against the settlement it would be -6,000). Close-today fee 2 x 17,450 x 60 x 0.03 % = 628.2.
    """
    ex = exchange(fee_close=0.0001, fee_close_today=0.0003)
    ex.submit(ex.new(1, SELL, 17400, 2), ex.new(0, BUY, 17400, 2))
    assert ex.account(0)["reserve"] == approx(RESERVE - 2 * 17400 * 7.2)
    ex.submit(ex.new(2, BUY, 17450, 2), ex.new(0, SELL, 17450, 2, offset=CLOSE))
    acct = ex.account(0)
    assert acct["realised"] == approx(6000.0)
    assert acct["fees"] == approx(628.2)
    assert acct["margin"] == approx(0.0)
    assert acct["reserve"] == approx(RESERVE + 6000.0 - 628.2)


def test_margin_03_close_shorts_both_days(exchange):
    """Rule: MARGIN-03 — shorts: yesterday's realise (settlement - price), today's
    (open price - price). Account 3: short 2 from yesterday, buy-close 1 at 17,450: +50 ticks.
    Account 0: sell-open 1 at 17,600, buy-close at 17,550: +50 ticks. Each 3,000 CNY."""
    ex = exchange(long_yd=yd(a2=2), short_yd=yd(a3=2))
    ex.submit(ex.new(1, SELL, 17450, 1), ex.new(3, BUY, 17450, 1, offset=CLOSE))
    assert ex.account(3)["realised"] == approx(3000.0)
    assert ex.position(3)["short_yd"] == 1
    assert ex.account(3)["margin"] == approx(126000.0)
    ex.submit(ex.new(1, BUY, 17600, 1), ex.new(0, SELL, 17600, 1))  # account 0 short today
    ex.submit(ex.new(2, SELL, 17550, 1, offset=CLOSE), ex.new(0, BUY, 17550, 1, offset=CLOSE))
    assert ex.account(0)["realised"] == approx(3000.0)
    assert ex.account(2)["realised"] == approx(50 * 60.0)  # closes a yesterday long at 17,550
    assert ex.position(0)["short_td"] == 0 and ex.position(0)["short_td_cost"] == 0


def test_margin_03_loss_is_debited(exchange):
    """Rule: MARGIN-03 — a losing close debits the reserve: (17,400 - 17,500) x 60 = -6,000."""
    ex = exchange(long_yd=yd(a0=1), short_yd=yd(a3=1))
    ex.submit(ex.new(1, BUY, 17400, 1), ex.new(0, SELL, 17400, 1, offset=CLOSE))
    assert ex.account(0)["realised"] == approx(-6000.0)
    assert ex.account(0)["reserve"] == approx(RESERVE - 6000.0 + 126000.0)


def test_margin_03_todays_cost_removed_with_floor_division(exchange):
    """Rule: MARGIN-03 — closing part of today's lots removes ``cost x q // lots`` of the cost.

    Buy 17,500 and 17,501 (cost 35,001); close 1 at 17,510: removed 35,001 // 2 = 17,500,
    realised 10 ticks = 600 CNY; 17,501 stays as the cost of the last lot (margin on it).
    """
    ex = exchange()
    ex.submit(ex.new(1, SELL, 17500, 1), ex.new(2, SELL, 17501, 1), ex.new(0, BUY, 17501, 2))
    assert ex.position(0)["long_td_cost"] == 35001
    ex.submit(ex.new(3, BUY, 17510, 1), ex.new(0, SELL, 17510, 1, offset=CLOSE))
    assert ex.account(0)["realised"] == approx(600.0)
    pos = ex.position(0)
    assert (pos["long_td"], pos["long_td_cost"]) == (1, 17501)
    assert pos["margin"] == approx(17501 * 7.2)


# --- MARGIN-01 position margin -------------------------------------------------------------------
def test_margin_01_initial_margin_of_yesterdays_positions(exchange):
    """Rule: MARGIN-01 — yesterday's lots are margined at the previous settlement from the start;
    the reserve is the one given (already net of that margin)."""
    ex = exchange(long_yd=yd(a0=3), short_yd=yd(a3=3))
    for a in (0, 3):
        acct = ex.account(a)
        assert acct["margin"] == approx(378000.0)
        assert acct["reserve"] == approx(RESERVE)
        assert ex.position(a)["margin"] == approx(378000.0)
    assert ex.account(1)["margin"] == 0.0


def test_margin_01_account_margin_sums_contracts(exchange):
    """Rule: MARGIN-01 — account margin is the sum over contracts (own settlement, tick value):
    17,500 x 60 x 12 % + 2 x 20,000 x 40 x 12 % = 126,000 + 192,000."""
    long_yd = np.array([[1, 2], [0, 0], [0, 0], [0, 0]])
    short_yd = np.array([[0, 0], [0, 0], [0, 0], [1, 2]])
    ex = exchange(
        n_contracts=2,
        prev_settle=[17500, 20000],
        tick_value=[60.0, 40.0],
        long_yd=long_yd,
        short_yd=short_yd,
    )
    assert ex.account(0)["margin"] == approx(318000.0)
    assert ex.position(0, 1)["margin"] == approx(192000.0)


def test_margin_01_both_sides_margined(exchange):
    """Rule: MARGIN-01 — method ``both``: a locked position pays for both sides.

    Long 2 from yesterday (35,000 tick·lots) plus a short opened at 17,600: 52,600 x 7.2 =
    378,720 CNY; the extra 126,720 comes out of the reserve.
    """
    ex = exchange(long_yd=yd(a0=2), short_yd=yd(a3=2))
    ex.submit(ex.new(1, BUY, 17600, 1), ex.new(0, SELL, 17600, 1))
    acct = ex.account(0)
    assert acct["margin"] == approx(378720.0)
    assert acct["reserve"] == approx(RESERVE - 126720.0)


def test_margin_01_larger_side_only(exchange):
    """Rule: MARGIN-01 — method ``larger_side``: only the larger side's value is margined.

    Long 2 yesterday (35,000) and short 1 at 17,600: margin stays 252,000. Two more shorts at
    17,600 make the short side 52,800 > 35,000: margin 380,160, 128,160 more.
    """
    ex = exchange(long_yd=yd(a0=2), short_yd=yd(a3=2), margin_method=MARGIN_LARGER_SIDE)
    ex.submit(ex.new(1, BUY, 17600, 3), ex.new(0, SELL, 17600, 1))
    assert ex.account(0)["margin"] == approx(252000.0)
    assert ex.account(0)["reserve"] == approx(RESERVE)
    ex.submit(ex.new(0, SELL, 17600, 2))
    assert ex.account(0)["margin"] == approx(380160.0)
    assert ex.account(0)["reserve"] == approx(RESERVE - 128160.0)
    assert ex.position(0)["margin"] == approx(380160.0)


def test_margin_01_money_is_conserved_by_trading(exchange):
    """Rule: MARGIN-01, MARGIN-03 — without fees, trading only moves money between reserve and
    margin: Σ (reserve + margin) over accounts changes by the realised P&L alone (the buyer's
    unrealised P&L is not credited intraday)."""
    ex = exchange(long_yd=yd(a0=2), short_yd=yd(a3=2))
    before = sum(ex.account(a)["reserve"] + ex.account(a)["margin"] for a in range(4))
    ex.submit(ex.new(1, BUY, 17600, 2), ex.new(0, SELL, 17600, 2, offset=CLOSE))
    after = sum(ex.account(a)["reserve"] + ex.account(a)["margin"] for a in range(4))
    # account 0 realised +12,000; account 1 swapped 253,440 of reserve for margin
    assert after - before == approx(12000.0)
