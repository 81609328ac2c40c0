"""Settlement functions of ``riskcore.risk`` with worked numbers.

Rules: SETTLE-02 (mark to market, reserve), SETTLE-03 (conservation), SETTLE-04 (final
settlement trades), MARGIN-01 (both / larger_side), MARGIN-05 (lock streaks, raises),
MARGIN-06 (margin calls). IF: tick 0.2 points, multiplier 300, tick value 60 CNY; prices in
ticks (3,400.0 points = 17,000 ticks).
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.engine import Engine
from riskcore.flows import DAY_START, random_flow, random_market
from riskcore.records import (
    CLOSE,
    FILL_DTYPE,
    K_FINAL,
    MARGIN_BOTH,
    MARGIN_LARGER_SIDE,
    PHASE_CONTINUOUS,
)
from riskcore.risk import (
    check_conservation,
    final_price_ticks,
    final_trades,
    holiday_raise,
    lock_streaks,
    locked_raise,
    margin_calls,
    mark_to_market,
    position_margins,
    reserve_update,
    resolve_calls,
    settle,
    trading_margin,
)
from riskcore.risk.margin_rates import effective_rate

TV = np.array([60.0])  # CNY per tick per lot (0.2 x 300)
NONE = np.zeros(0, dtype=np.int64)


def fills(*rows: tuple[int, int, int, int]) -> np.ndarray:
    """Fills (buy_account, sell_account, price ticks, qty) in contract 0."""
    f = np.zeros(len(rows), dtype=FILL_DTYPE)
    for i, (b, s, p, q) in enumerate(rows):
        f[i]["buy_account"], f[i]["sell_account"], f[i]["price"], f[i]["qty"] = b, s, p, q
    return f


def test_settle_02_worked_example_long_one_if_lot_loses_6000():
    """Rules: SETTLE-02, MARGIN-01 — a long of 1 IF held from yesterday (previous settlement
    3,400.0), today's settlement 3,380.0, multiplier 300, margin 15 %:
    P&L = (3,380 - 3,400) x 300 = -6,000 CNY; margin 3,400 x 300 x 15 % = 153,000 ->
    3,380 x 300 x 15 % = 152,100 CNY; reserve change +900 - 6,000 = -5,100 CNY."""
    long, short = np.array([[1], [0]]), np.array([[0], [1]])
    prev, now, rate = np.array([17_000]), np.array([16_900]), np.array([0.15])
    pnl = mark_to_market(long, short, prev, now, NONE, NONE, NONE, NONE, NONE)
    assert pnl.tolist() == [[-100], [100]]  # ticks: the short gains what the long loses
    assert (pnl * TV)[:, 0].tolist() == pytest.approx([-6_000.0, 6_000.0])
    assert trading_margin(long, short, prev, TV, rate) == pytest.approx([153_000.0] * 2)
    assert trading_margin(long, short, now, TV, rate) == pytest.approx([152_100.0] * 2)
    r = reserve_update(100_000.0, 153_000.0, 152_100.0, -6_000.0, 0.0, 0.0, 0.0)
    assert r - 100_000.0 == pytest.approx(-5_100.0)
    # the same day through settle(): nothing traded, nothing realised, engine state at the
    # close = the start (reserve 100,000, margin 153,000)
    res = settle(
        long_prev=long, short_prev=short, long=long, short=short, prev_settle=prev,
        settle=now, tick_value=TV, margin_rate=rate, fills=fills(),
        reserve_close=np.array([100_000.0] * 2), margin_close=np.array([153_000.0] * 2),
        realised=np.zeros(2),
    )  # fmt: skip
    assert res.pnl_account == pytest.approx([-6_000.0, 6_000.0])
    assert res.margin == pytest.approx([152_100.0, 152_100.0])
    assert res.reserve == pytest.approx([94_900.0, 106_900.0])  # -5,100 / +6,900
    assert res.margin_call.tolist() == [0.0, 0.0]


def test_settle_02_trades_marked_at_the_settlement_price():
    """Rule: SETTLE-02 — Σ sells (p - S) q + Σ buys (S - p) q + (S - S_prev)(L_prev - Sh_prev):
    account 0 (long 2 from 3,500.0) sells 1 at 3,530.0 to account 1, S = 3,520.0:
    (3,530 - 3,520) + 2 x (3,520 - 3,500) = 50 points = 15,000 CNY; account 1 bought at
    3,530.0: -10 points = -3,000; account 2 (short 2): -40 points = -12,000. Σ = 0."""
    long = np.array([[2], [0], [0]])
    short = np.array([[0], [0], [2]])
    f = fills((1, 0, 17_650, 1))
    pnl = mark_to_market(
        long, short, np.array([17_500]), np.array([17_600]),
        f["buy_account"], f["sell_account"], f["contract"], f["price"], f["qty"],
    )  # fmt: skip
    assert (pnl[:, 0] * 60.0).tolist() == pytest.approx([15_000.0, -3_000.0, -12_000.0])
    assert pnl.sum() == 0


def test_margin_01_both_and_larger_side():
    """Rule: MARGIN-01 — long 2 and short 1 at 3,500.0, 12 %: ``both`` margins 3 lots x
    126,000 = 378,000 CNY; ``larger_side`` only the larger side, 2 x 126,000 = 252,000."""
    long, short = np.array([[2, 0]]), np.array([[1, 3]])
    px, tv, rate = np.array([17_500, 17_400]), np.array([60.0, 60.0]), np.array([0.12, 0.12])
    both = position_margins(long, short, px, tv, rate, MARGIN_BOTH)
    larger = position_margins(long, short, px, tv, rate, MARGIN_LARGER_SIDE)
    assert both[0].tolist() == pytest.approx([378_000.0, 375_840.0])
    assert larger[0].tolist() == pytest.approx([252_000.0, 375_840.0])
    assert trading_margin(long, short, px, tv, rate, MARGIN_LARGER_SIDE) == pytest.approx(
        [627_840.0]
    )
    with pytest.raises(ValueError, match="unknown margin method"):
        position_margins(long, short, px, tv, rate, 7)


def test_settle_02_realised_pnl_is_not_counted_twice_on_an_engine_day():
    """Rules: SETTLE-02, MARGIN-03, SETTLE-03 — random engine days (fees, both margin
    methods, opens and closes of old and new lots): the reserve settle() derives from the
    engine's state at the close (where realised P&L is already in) equals SETTLE-02 as
    written from the start of the day, and Σ P&L = 0 per contract."""
    seen_realised = seen_fees = False
    for seed in range(6):
        rng = np.random.default_rng(seed)
        market = random_market(rng, n_contracts=2, n_accounts=8)
        engine = Engine(market)
        start = engine.account_state()
        day_fills = engine.submit(random_flow(rng, market, 400), phase=PHASE_CONTINUOUS).fills
        engine.expire(DAY_START + 10**12)
        acc, pos = engine.account_state(), engine.positions()
        seen_realised |= bool(np.any(acc["realised"] != 0))
        seen_fees |= bool(np.any(acc["fees"] > 0))
        spec = market.contracts
        long = pos["long_yd"] + pos["long_td"]
        short = pos["short_yd"] + pos["short_td"]
        settle_px = spec["prev_settle"] + rng.integers(-30, 30, 2)
        rate = spec["margin_rate"] * 1.25  # a MARGIN-04 raise at this settlement
        res = settle(
            long_prev=market.long_yd, short_prev=market.short_yd, long=long, short=short,
            prev_settle=spec["prev_settle"], settle=settle_px, tick_value=spec["tick_value"],
            margin_rate=rate, fills=day_fills, reserve_close=acc["reserve"],
            margin_close=acc["margin"], realised=acc["realised"],
            method=market.margin_method,
        )  # fmt: skip
        textbook = reserve_update(
            start["reserve"], start["margin"], res.margin, res.pnl_account,
            0.0, 0.0, acc["fees"],
        )  # fmt: skip
        assert res.reserve == pytest.approx(textbook, rel=1e-12, abs=1e-6)
        check_conservation(
            long=long, short=short, pnl_ticks=res.pnl_ticks,
            equity_before=start["reserve"] + start["margin"], equity_after=res.equity,
            fees=acc["fees"], pnl=res.pnl_account,
        )  # fmt: skip
    assert seen_realised and seen_fees


def test_margin_06_calls_and_their_deadline():
    """Rule: MARGIN-06 — a negative reserve after settlement is called for the shortfall; a
    deposit that brings the reserve back to >= 0 before the open pays it; less leaves it
    unpaid (restricted, forced liquidation due)."""
    called = margin_calls(np.array([10.0, -5_100.0, -0.004, -92_000.0]))
    assert called.tolist() == [0.0, 5_100.0, 0.0, 92_000.0]  # half a fen is noise
    paid, unpaid = resolve_calls(called, np.array([10.0, 900.0, -0.004, -42_000.0]))
    assert paid.tolist() == [0.0, 5_100.0, 0.0, 50_000.0]
    assert unpaid.tolist() == [False, False, False, True]


def test_margin_05_lock_streaks_and_raises():
    """Rule: MARGIN-05 ① ② — streaks count same-direction locked days; the raise applies
    from ``locked_margin_days`` on; a gap of >= ``holiday_margin_days`` calendar days to the
    next trading day raises too; the rate never exceeds 100 %."""
    s1 = lock_streaks(np.zeros(4, dtype=np.int64), np.array([1, 2, 0, 1]))
    s2 = lock_streaks(s1, np.array([1, 2, 1, 2]))
    assert s1.tolist() == [1, -1, 0, 1] and s2.tolist() == [2, -2, 1, -1]
    assert locked_raise(s2, 2, 0.02).tolist() == [0.02, 0.02, 0.0, 0.0]
    assert holiday_raise(np.array([1, 3, 5, 8]), 5, 0.03).tolist() == [0, 0, 0.03, 0.03]
    rate = effective_rate(np.array([0.12, 0.99]), np.array([0.02, 0.02]), np.array([0.0, 0.02]))
    assert rate.tolist() == pytest.approx([0.14, 1.0])


def test_settle_04_final_trades_pair_longs_with_shorts():
    """Rule: SETTLE-04 — every long lot sold and every short lot bought at the final price,
    longs and shorts paired in account order (offsets close, kind final, no orders)."""
    long = np.array([3, 0, 2, 1])
    short = np.array([0, 4, 1, 1])
    f = final_trades(long, short, contract=1, price=16_007, ts=123)
    assert list(zip(f["sell_account"].tolist(), f["buy_account"].tolist(), f["qty"].tolist(),
                    strict=True)) == [(0, 1, 3), (2, 1, 1), (2, 2, 1), (3, 3, 1)]  # fmt: skip
    assert f["qty"].sum() == 6
    assert set(f["kind"].tolist()) == {K_FINAL} and set(f["contract"].tolist()) == {1}
    assert set(f["buy_offset"].tolist()) == set(f["sell_offset"].tolist()) == {CLOSE}
    assert set(f["buy_order_no"].tolist()) == {-1} and set(f["aggressor"].tolist()) == {0}
    assert f["trade_no"].tolist() == [0, 1, 2, 3] and set(f["ts"].tolist()) == {123}
    sold = np.bincount(f["sell_account"], f["qty"], minlength=4)
    bought = np.bincount(f["buy_account"], f["qty"], minlength=4)
    assert sold.tolist() == long.tolist() and bought.tolist() == short.tolist()
    assert len(final_trades(np.zeros(3), np.zeros(3), 0, 1, 0)) == 0
    with pytest.raises(ValueError, match="SETTLE-03"):
        final_trades(np.array([1]), np.array([2]), 0, 1, 0)
    assert final_price_ticks(3201.4, 0.2) == 16_007
    assert final_price_ticks(3201.5, 0.2) == 16_008  # 16,007.5 ticks: half up
    assert final_price_ticks(3201.43, 0.2) == 16_007


def test_settle_03_checker_finds_broken_conservation():
    """Rule: SETTLE-03 — the checker names what is broken."""
    ok = {"equity_before": np.array([100.0, 200.0]), "deposits": np.array([10.0, 0.0]),
          "fees": np.array([0.0, 1.0]), "pnl": np.array([5.0, -5.0])}  # fmt: skip
    check_conservation(equity_after=np.array([115.0, 194.0]), **ok)
    with pytest.raises(AssertionError, match="total cash changed"):
        check_conservation(equity_after=np.array([115.0, 195.0]), **ok)
    with pytest.raises(AssertionError, match="SETTLE-02: account 0"):
        check_conservation(equity_after=np.array([116.0, 193.0]), **ok)
    with pytest.raises(AssertionError, match="total long 2 != total short 1 in contract 1"):
        check_conservation(long=np.array([[1, 2]]), short=np.array([[1, 1]]))
    with pytest.raises(AssertionError, match="day 3: SETTLE-03: Σ P&L"):
        check_conservation(pnl_ticks=np.array([[1], [0]]), where="day 3")


def test_settle_02_a_buy_gains_what_its_seller_loses():
    """Rule: SETTLE-02 — 2 lots bought at 3,500.0, marked at 3,520.0: +20 points each."""
    f = fills((0, 1, 17_500, 2))
    pnl = mark_to_market(
        np.zeros((2, 1)), np.zeros((2, 1)), np.array([17_500]), np.array([17_600]),
        f["buy_account"], f["sell_account"], f["contract"], f["price"], f["qty"],
    )  # fmt: skip
    assert pnl[:, 0].tolist() == [200, -200]


@pytest.mark.parametrize("scale", [1, 2**36])
def test_settle_02_trade_pnl_sums_every_fill_exactly(scale):
    """Rule: SETTLE-02 — the fills' terms Σ buys (S − p)·q and Σ sells (p − S)·q per account
    and contract, exact in integers: small prices, and prices so large that float64 sums
    would round."""
    from riskcore.risk.mark_to_market import add_trade_pnl

    rng = np.random.default_rng(3)
    n_a, n_c, n = 7, 3, 2_000
    settle = rng.integers(1_000, 2_000, n_c) * scale
    buy, sell = rng.integers(0, n_a, n), rng.integers(0, n_a, n)
    contract = rng.integers(0, n_c, n)
    price = rng.integers(1_000, 2_000, n) * scale + rng.integers(0, 3, n)
    qty = rng.integers(1, 20, n)
    want = np.zeros((n_a, n_c), dtype=np.int64)
    for b, s, c, p, q in zip(buy, sell, contract, price, qty, strict=True):
        want[b, c] += (int(settle[c]) - int(p)) * int(q)
        want[s, c] += (int(p) - int(settle[c])) * int(q)
    got = add_trade_pnl(np.zeros((n_a, n_c), dtype=np.int64), settle, buy, sell, contract,
                        price, qty)  # fmt: skip
    assert np.array_equal(got, want)


def test_settle_02_trade_pnl_refuses_fills_outside_the_pnl_array():
    """SETTLE-02 input: a fill of an account or contract the P&L array does not have is an
    error (the kernel that adds the terms does not check bounds)."""
    from riskcore.risk.mark_to_market import add_trade_pnl

    pnl = np.zeros((2, 2), dtype=np.int64)
    one = np.array([1])
    cases = ((2, 0, 0, "cells of the P&L array"), (0, -1, 0, "cells of the P&L array"),
             (0, 1, 2, "fill contracts"))  # fmt: skip
    for buy, sell, c, what in cases:
        with pytest.raises(ValueError, match=what):
            add_trade_pnl(pnl, np.array([100, 100]), np.array([buy]), np.array([sell]),
                          np.array([c]), np.array([99]), one)  # fmt: skip
    assert not pnl.any()
