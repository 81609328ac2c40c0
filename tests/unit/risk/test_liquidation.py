"""Forced-liquidation planning of ``riskcore.risk.liquidation`` with hand-checked numbers.

Rules: LIQ-01 (triggers ① margin call, ② position limit, ③-⑤ scenario), LIQ-02 (band price
toward the close, just enough to cure, member phase then exchange phase), LIQ-03 (largest
position first, proprietary first, largest-loss switch), LIQ-04 (carry to the next day).

IF: tick 0.2 points, multiplier 300, tick value 60 CNY. Settlement 3,000.0 points = 15,000
ticks; margin 12 %: 3,000 x 300 x 0.12 = 108,000 CNY a lot. The 6 % breaker band at the open:
2,820.0-3,180.0 points = 14,100-15,900 ticks; closing a lot at the band price realises
900 ticks x 60 = 54,000 CNY of loss, so a lot adds 108,000 - 54,000 = 54,000 CNY.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.records import BUY, MARGIN_BOTH, MARGIN_LARGER_SIDE, SELL
from riskcore.risk.liquidation import (
    LIQ_ORDER_DTYPE,
    LIQ_PHASE_EXCHANGE,
    LIQ_PHASE_MEMBER,
    LIQ_PHASE_NAMES,
    LIQ_TRIGGER_LIMIT,
    LIQ_TRIGGER_MARGIN_CALL,
    LIQ_TRIGGER_NAMES,
    LIQ_TRIGGER_PENALTY,
    carry_over,
    event_handoffs,
    liquidation_plan,
    liquidation_price,
    phase_after_member,
    release_per_lot,
)
from riskcore.risk.margin import trading_margin
from riskcore.risk.position_limits import HANDOFF_DTYPE, cure_status, limit_breaches

I64 = np.int64
S = 15_000  # 3,000.0 points
LO, HI = 14_100, 15_900  # 6 % breaker band
TV = 60.0
RATE = 0.12


def a(*rows) -> np.ndarray:
    """(n_accounts, n_contracts) int64 lots."""
    return np.array(rows, dtype=I64)


def market(n_c: int = 1, **kw):
    """Per-contract arrays: price, tick value, margin rate, band."""
    return dict(
        price=np.full(n_c, S, dtype=I64),
        tick_value=np.full(n_c, TV),
        margin_rate=np.full(n_c, kw.get("rate", RATE)),
        band_lo=np.full(n_c, kw.get("lo", LO), dtype=I64),
        band_hi=np.full(n_c, kw.get("hi", HI), dtype=I64),
    )


def rows(plan: np.ndarray, *fields: str) -> list[tuple]:
    fields = fields or ("account", "contract", "side", "qty", "trigger")
    return plan[list(fields)].tolist()


# --- LIQ-02: price and per-lot money -------------------------------------------------------
def test_liq_02_orders_go_at_the_band_price_toward_the_close():
    """Rule: LIQ-02 — a sell-close (closing a long) at the band low 2,820.0, a buy-close
    (closing a short) at the band high 3,180.0; per order with per-contract bands indexed."""
    band_lo = np.array([LO, 20_000], dtype=I64)
    band_hi = np.array([HI, 24_000], dtype=I64)
    side = np.array([SELL, BUY, BUY, SELL])
    contract = np.array([0, 0, 1, 1])
    px = liquidation_price(side, band_lo[contract], band_hi[contract])
    assert px.tolist() == [14_100, 15_900, 24_000, 20_000]
    assert px.dtype == I64
    with pytest.raises(ValueError, match="BUY or SELL"):
        liquidation_price(np.array([0]), LO, HI)


def test_liq_02_release_per_lot_is_margin_plus_loss_at_the_band_minus_fee():
    """Rule: LIQ-02 — per lot 108,000 margin - 54,000 loss at the band price = 54,000 CNY;
    with a 0.5/10,000 close fee at the band price: 14,100 x 60 x 0.00005 = 42.30 CNY less on
    the long side, 15,900 x 60 x 0.00005 = 47.70 on the short side. No band: margin only."""
    m = market()
    per = release_per_lot(m["price"], TV, RATE, m["band_lo"], m["band_hi"])
    assert per.tolist() == [[54_000.0, 54_000.0]]
    per = release_per_lot(m["price"], TV, RATE, m["band_lo"], m["band_hi"], 0.00005)
    assert per[0, 0] == pytest.approx(54_000.0 - 42.30)
    assert per[0, 1] == pytest.approx(54_000.0 - 47.70)
    assert release_per_lot(m["price"], TV, RATE).tolist() == [[108_000.0, 108_000.0]]


# --- LIQ-01 ①: just enough to cure ----------------------------------------------------------
def test_liq_02_margin_shortfall_gets_just_enough_lots_allowing_for_the_band_loss():
    """Rule: LIQ-01 ①, LIQ-02 — a shortfall of 120,000 CNY, long 10: 2 lots add 108,000 (not
    enough: the reserve would stay at -12,000), 3 lots add 162,000 (reserve +42,000): 3 lots
    sell-close. Ignoring the loss at the band (no band given) 2 lots' margin, 216,000, would
    seem to do."""
    m = market()
    plan = liquidation_plan(a([10]), a([0]), **m, shortfall=np.array([120_000.0]))
    assert rows(plan) == [(0, 0, SELL, 3, LIQ_TRIGGER_MARGIN_CALL)]
    assert plan["phase"].tolist() == [LIQ_PHASE_MEMBER]
    assert -120_000 + 2 * 54_000 < 0 <= -120_000 + 3 * 54_000
    margin_only = {k: v for k, v in m.items() if not k.startswith("band")}
    plan = liquidation_plan(a([10]), a([0]), **margin_only, shortfall=np.array([120_000.0]))
    assert rows(plan) == [(0, 0, SELL, 2, LIQ_TRIGGER_MARGIN_CALL)]


def test_liq_02_exact_shortfall_is_cured_without_an_extra_lot_but_a_fee_needs_one():
    """Rule: LIQ-02 — a shortfall of exactly 108,000 CNY = 2 x 54,000: 2 lots (within the half-
    fen tolerance). With a 0.5/10,000 close fee each lot adds 53,957.70: 2 lots leave 84.60
    CNY short, so 3. A shortfall within the tolerance (0.004 CNY) closes nothing."""
    m = market()
    plan = liquidation_plan(a([10]), a([0]), **m, shortfall=np.array([108_000.0]))
    assert rows(plan, "qty") == [(2,)]
    plan = liquidation_plan(
        a([10]), a([0]), **m, shortfall=np.array([108_000.0]), fee_close=np.array([0.00005])
    )
    assert rows(plan, "qty") == [(3,)]
    plan = liquidation_plan(a([10]), a([0]), **m, shortfall=np.array([0.004]))
    assert len(plan) == 0


def test_liq_01_only_accounts_with_a_shortfall_are_closed_and_a_short_is_bought_back():
    """Rule: LIQ-01 ① — account 0 has no shortfall; account 1 short 6 with 100,000 CNY short:
    2 lots buy-close (108,000 >= 100,000)."""
    plan = liquidation_plan(
        a([10], [0]), a([0], [6]), **market(), shortfall=np.array([0.0, 100_000.0])
    )
    assert rows(plan) == [(1, 0, BUY, 2, LIQ_TRIGGER_MARGIN_CALL)]


def test_liq_01_an_account_no_quantity_can_cure_is_closed_out_completely():
    """Rule: LIQ-01 ①, LIQ-02 — long 10 in contract 0 and short 3 in contract 1 add at most
    13 x 54,000 = 702,000 CNY; a shortfall of 1,000,000 cannot be cured: every lot is closed
    (largest position first)."""
    plan = liquidation_plan(a([10, 0]), a([0, 3]), **market(2), shortfall=np.array([1_000_000.0]))
    assert rows(plan) == [
        (0, 0, SELL, 10, LIQ_TRIGGER_MARGIN_CALL),
        (0, 1, BUY, 3, LIQ_TRIGGER_MARGIN_CALL),
    ]


def test_liq_02_a_lot_that_adds_nothing_at_the_band_price_cannot_cure():
    """Rule: LIQ-02 — margin 10 % (90,000 CNY a lot) with the 10 % limit band (2,700.0-3,300.0:
    90,000 CNY loss a lot): a lot adds 0, so no quantity cures a 50,000 CNY shortfall and the
    account is closed out; with the 6 % band (54,000 loss) 2 lots of 36,000 do."""
    m = market(rate=0.10, lo=13_500, hi=16_500)
    assert release_per_lot(m["price"], TV, 0.10, m["band_lo"], m["band_hi"]).tolist() == [
        [0.0, 0.0]
    ]
    plan = liquidation_plan(a([10]), a([0]), **m, shortfall=np.array([50_000.0]))
    assert rows(plan, "qty") == [(10,)]
    plan = liquidation_plan(a([10]), a([0]), **market(rate=0.10), shortfall=np.array([50_000.0]))
    assert rows(plan, "qty") == [(2,)]


def test_liq_02_larger_side_margin_only_the_excess_lots_release_margin():
    """Rule: LIQ-02, MARGIN-01 (larger_side) — long 10, short 4: margin on the 10 long only;
    closing long lots 1..6 releases 108,000 each, the 4 locked ones release nothing. A
    162,000 CNY shortfall: 3 lots either way. 432,000 (8 lots): with ``both`` 8 long lots;
    with ``larger_side`` the 6 useful lots add 324,000 only, so the account is closed out."""
    m = market()
    for method in (MARGIN_BOTH, MARGIN_LARGER_SIDE):
        plan = liquidation_plan(
            a([10]), a([4]), **m, shortfall=np.array([162_000.0]), margin_method=method
        )
        assert rows(plan) == [(0, 0, SELL, 3, LIQ_TRIGGER_MARGIN_CALL)]
    plan = liquidation_plan(a([10]), a([4]), **m, shortfall=np.array([432_000.0]))
    assert rows(plan) == [(0, 0, SELL, 8, LIQ_TRIGGER_MARGIN_CALL)]
    plan = liquidation_plan(
        a([10]), a([4]), **m, shortfall=np.array([432_000.0]), margin_method=MARGIN_LARGER_SIDE
    )
    assert rows(plan) == [
        (0, 0, SELL, 10, LIQ_TRIGGER_MARGIN_CALL),
        (0, 0, BUY, 4, LIQ_TRIGGER_MARGIN_CALL),
    ]


def test_liq_02_cure_checked_against_the_margin_arithmetic():
    """Rule: LIQ-02 — the reserve after the plan's closes, each filled at its liquidation
    price, is >= 0 (margin released by ``trading_margin`` at the settlement price, realised
    P&L of yesterday's lots against it) and one lot fewer leaves it < 0. Three accounts, two
    contracts."""
    long, short = a([7, 2], [0, 9], [3, 3]), a([1, 0], [5, 0], [0, 4])
    m = market(2)
    need = np.array([250_000.0, 400_000.0, 30_000.0])
    plan = liquidation_plan(long, short, **m, shortfall=need)

    def reserve_after(p):
        lg, sh = long.copy(), short.copy()
        realised = np.zeros(3)
        for r in p:
            px = liquidation_price(r["side"], LO, HI)
            if r["side"] == SELL:
                lg[r["account"], r["contract"]] -= r["qty"]
                realised[r["account"]] += (px - S) * TV * r["qty"]
            else:
                sh[r["account"], r["contract"]] -= r["qty"]
                realised[r["account"]] += (S - px) * TV * r["qty"]
        mg = trading_margin(long, short, m["price"], m["tick_value"], m["margin_rate"])
        mg2 = trading_margin(lg, sh, m["price"], m["tick_value"], m["margin_rate"])
        return -need + mg - mg2 + realised

    assert (reserve_after(plan) >= -0.005).all()
    for k in range(len(plan)):  # one lot fewer on the account's last record: still short
        acct = plan["account"][k]
        if k == np.flatnonzero(plan["account"] == acct)[-1]:
            fewer = plan.copy()
            fewer["qty"][k] -= 1
            assert reserve_after(fewer)[acct] < 0


# --- LIQ-03: order of closing --------------------------------------------------------------
def test_liq_03_largest_position_first_within_an_account():
    """Rule: LIQ-03 — long 5 in contract 0, short 8 in contract 1; a 540,000 CNY shortfall is
    10 lots: the short 8 (the larger) first, then 2 of the long 5; ``seq`` in that order."""
    plan = liquidation_plan(a([5, 0]), a([0, 8]), **market(2), shortfall=np.array([540_000.0]))
    assert rows(plan) == [
        (0, 1, BUY, 8, LIQ_TRIGGER_MARGIN_CALL),
        (0, 0, SELL, 2, LIQ_TRIGGER_MARGIN_CALL),
    ]
    assert plan["seq"].tolist() == [0, 1]


def test_liq_03_largest_loss_switch():
    """Rule: LIQ-03 (rulebook ``largest-loss``) — long 10 in contract 0 opened at 3,100.0
    (loss 100 points x 300 x 10 = 300,000 CNY) and long 5 in contract 1 opened at 3,500.0
    (loss 500 x 300 x 5 = 750,000): a 270,000 CNY shortfall (5 lots) closes contract 0 under
    ``largest-position`` and contract 1 under ``largest-loss``. Without average prices the
    switch is an error."""
    long, short = a([10, 5]), a([0, 0])
    avg_long = np.array([[15_500.0, 17_500.0]])
    avg_short = np.zeros((1, 2))
    need = np.array([270_000.0])
    plan = liquidation_plan(long, short, **market(2), shortfall=need)
    assert rows(plan) == [(0, 0, SELL, 5, LIQ_TRIGGER_MARGIN_CALL)]
    plan = liquidation_plan(
        long,
        short,
        **market(2),
        shortfall=need,
        avg_long=avg_long,
        avg_short=avg_short,
        order="largest-loss",
    )
    assert rows(plan) == [(0, 1, SELL, 5, LIQ_TRIGGER_MARGIN_CALL)]
    with pytest.raises(ValueError, match="avg_long"):
        liquidation_plan(long, short, **market(2), shortfall=need, order="largest-loss")
    with pytest.raises(ValueError, match="liquidation_order"):
        liquidation_plan(long, short, **market(2), shortfall=need, order="smallest")


def test_liq_03_proprietary_accounts_before_clients_and_ties_by_account_index():
    """Rule: LIQ-03 — one member: client accounts 0 (long 20) and 2 (long 4) and proprietary
    account 1 (long 4), each 54,000 CNY short (1 lot). With the switch on the proprietary
    account's order comes first, then the clients by size (20 before 4); switched off, by size
    then account index (0, 1, 2)."""
    long, short = a([20], [4], [4]), a([0], [0], [0])
    need = np.full(3, 54_000.0)
    prop = np.array([False, True, False])
    plan = liquidation_plan(long, short, **market(), shortfall=need, proprietary=prop)
    assert plan["account"].tolist() == [1, 0, 2]
    assert plan["seq"].tolist() == [0, 1, 2]
    plan = liquidation_plan(
        long, short, **market(), shortfall=need, proprietary=prop, proprietary_first=False
    )
    assert plan["account"].tolist() == [0, 1, 2]
    assert plan["qty"].tolist() == [1, 1, 1]


# --- LIQ-01 ② .. ⑤: given quantities -------------------------------------------------------
def test_liq_01_position_limit_handoff_is_closed_as_given_and_counts_towards_a_shortfall():
    """Rule: LIQ-01 ②, ① — limit 600, investor 0 holds 800 long in one account: the POS-04
    hand-off is 200 lots sell-close. The same account is also 10,908,000 CNY short: the 200
    lots add 200 x 54,000 = 10,800,000, so ① closes 2 lots more (108,000)."""
    z = np.zeros((1, 1), dtype=I64)
    b = limit_breaches(a([800]), z, np.array([0]), 600, z, z, np.array([-1]))
    hand = cure_status(b, a([800]), z, np.array([0]), np.array([0])).handoffs
    plan = liquidation_plan(a([800]), z, **market(), handoffs=hand)
    assert rows(plan) == [(0, 0, SELL, 200, LIQ_TRIGGER_LIMIT)]
    plan = liquidation_plan(
        a([800]), z, **market(), handoffs=hand, shortfall=np.array([10_908_000.0])
    )
    assert rows(plan) == [  # same position: by trigger code, ① before ②
        (0, 0, SELL, 2, LIQ_TRIGGER_MARGIN_CALL),
        (0, 0, SELL, 200, LIQ_TRIGGER_LIMIT),
    ]


def test_liq_01_given_quantities_are_merged_and_capped_at_the_position():
    """Rule: LIQ-01 ②-⑤ — an investor hand-off (3) and a member hand-off (4) of the same
    position merge into 7 lots of trigger ②; a penalty (③) of 9 more lots of that long 10 is
    capped at the 3 left. A penalty closing a whole short (qty -1) takes all 6."""
    h = np.zeros(2, dtype=HANDOFF_DTYPE)
    h["qty"] = [3, 4]
    h["side"] = SELL
    h["trigger"] = LIQ_TRIGGER_LIMIT
    h["kind"] = [0, 1]
    pen = event_handoffs(
        np.array([0, 0]),
        np.array([0, 1]),
        np.array([SELL, BUY]),
        np.array([9, -1]),
        LIQ_TRIGGER_PENALTY,
        a([10, 0]),
        a([0, 6]),
    )
    plan = liquidation_plan(a([10, 0]), a([0, 6]), **market(2), handoffs=np.concatenate([h, pen]))
    assert rows(plan) == [
        (0, 0, SELL, 7, LIQ_TRIGGER_LIMIT),
        (0, 0, SELL, 3, LIQ_TRIGGER_PENALTY),
        (0, 1, BUY, 6, LIQ_TRIGGER_PENALTY),
    ]
    assert LIQ_TRIGGER_NAMES[LIQ_TRIGGER_PENALTY] == "penalty"
    bad = h.copy()
    bad["side"] = 0
    with pytest.raises(ValueError, match="side"):
        liquidation_plan(a([10, 0]), a([0, 6]), **market(2), handoffs=bad)


# --- LIQ-02 phases, LIQ-04 carry ------------------------------------------------------------
def test_liq_02_exchange_executes_what_the_member_left():
    """Rule: LIQ-02 — member-phase orders of 5, 3 and 4 lots filled 2, 3 and 0 by the end of
    the first session: the exchange phase gets 3 and 4 lots, in the plan's order."""
    plan = np.zeros(3, dtype=LIQ_ORDER_DTYPE)
    plan["qty"] = [5, 3, 4]
    plan["seq"] = [0, 1, 2]
    plan["account"] = [0, 1, 2]
    plan["phase"] = LIQ_PHASE_MEMBER
    ex = phase_after_member(plan, np.array([2, 3, 0]))
    assert ex[["account", "qty", "seq", "phase"]].tolist() == [
        (0, 3, 0, LIQ_PHASE_EXCHANGE),
        (2, 4, 2, LIQ_PHASE_EXCHANGE),
    ]
    assert LIQ_PHASE_NAMES[ex["phase"][0]] == "exchange"
    assert plan["phase"].tolist() == [LIQ_PHASE_MEMBER] * 3  # input untouched
    with pytest.raises(ValueError, match="between 0"):
        phase_after_member(plan, np.array([6, 0, 0]))


def test_liq_04_a_limit_locked_market_carries_the_unfilled_rest_to_the_next_day():
    """Rule: LIQ-04 — exchange orders of 10 (①) and 4 (③) lots in a market locked down: 1 and
    0 filled; 9 and 4 carry over, still the exchange's. Carrying only ③-⑤ (① is planned
    afresh from the next margin call) keeps the 4."""
    plan = np.zeros(2, dtype=LIQ_ORDER_DTYPE)
    plan["qty"] = [10, 4]
    plan["trigger"] = [LIQ_TRIGGER_MARGIN_CALL, LIQ_TRIGGER_PENALTY]
    plan["phase"] = LIQ_PHASE_EXCHANGE
    nxt = carry_over(plan, np.array([1, 0]))
    assert nxt[["qty", "trigger", "phase"]].tolist() == [
        (9, LIQ_TRIGGER_MARGIN_CALL, LIQ_PHASE_EXCHANGE),
        (4, LIQ_TRIGGER_PENALTY, LIQ_PHASE_EXCHANGE),
    ]
    only = carry_over(plan, np.array([1, 0]), triggers=(3, 4, 5), phase=LIQ_PHASE_MEMBER)
    assert only[["qty", "trigger", "phase"]].tolist() == [
        (4, LIQ_TRIGGER_PENALTY, LIQ_PHASE_MEMBER)
    ]
    assert len(carry_over(plan, plan["qty"])) == 0


def test_liq_03_plan_is_deterministic_and_typed():
    """Rule: LIQ-03 — the same input gives the same plan; dtype and fields as documented."""
    rng = np.random.default_rng(7)
    long = rng.integers(0, 20, (30, 3))
    short = rng.integers(0, 20, (30, 3))
    need = np.where(rng.random(30) < 0.5, rng.uniform(0, 2e6, 30), 0.0)
    prop = rng.random(30) < 0.2
    p1 = liquidation_plan(long, short, **market(3), shortfall=need, proprietary=prop)
    p2 = liquidation_plan(long, short, **market(3), shortfall=need, proprietary=prop)
    assert p1.dtype == LIQ_ORDER_DTYPE
    assert p1.tolist() == p2.tolist()
    assert p1["seq"].tolist() == list(range(len(p1)))
    assert (p1["qty"] > 0).all()
    # never more than held
    closed = np.zeros((30, 3, 2), dtype=I64)
    np.add.at(closed, (p1["account"], p1["contract"], (p1["side"] == BUY).astype(int)), p1["qty"])
    assert (closed[..., 0] <= long).all() and (closed[..., 1] <= short).all()
    # proprietary orders first
    k = int(prop[p1["account"]].sum())
    assert prop[p1["account"][:k]].all() and not prop[p1["account"][k:]].any()
