"""The day's Market from a scenario (``riskcore.sim.build``, ``riskcore.sim.bands``).

Rules: LIMIT-01 (band rounding toward the previous settlement), LIMIT-02 (last day),
POS-01/02 (limits), MARGIN-01 (initial reserve = cash - margin), MATCH-07 BAD_QTY.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from riskcore.records import MARGIN_BOTH, NO_LIMIT, STP_CANCEL_INCOMING, STP_CANCEL_RESTING
from riskcore.scenario import load_scenario
from riskcore.sim.bands import limit_bands
from riskcore.sim.build import (
    MAX_ORDER_QTY,
    Index,
    day_market,
    initial_carry,
    member_limits,
    position_margin,
)
from sim_helpers import CONTRACT

FRI, MON = dt.date(2015, 8, 21), dt.date(2015, 8, 24)


def test_limit_01_band_rounds_toward_prev_settlement_real_example():
    """Rule: LIMIT-01 — prev settlement 3480.2, tick 0.2, 10 %: 3480.2 x 0.9 = 3132.18 rounds
    up to 3132.2 (15,661 ticks); 3480.2 x 1.1 = 3828.22 rounds down to 3828.2 (19,141)."""
    b = limit_bands(
        np.array([17401]), 0.10, last_day=np.array([False]), last_day_limit=None,
        no_limit_range=0.5,
    )  # fmt: skip
    assert (b.limit_lo[0], b.limit_hi[0]) == (15661, 19141)
    assert round(b.limit_lo[0] * 0.2, 9) == 3132.2
    assert round(b.limit_hi[0] * 0.2, 9) == 3828.2
    assert (b.band_lo[0], b.band_hi[0], b.ladder_lo[0], b.ladder_hi[0]) == (
        15661, 19141, 15661, 19141,
    )  # fmt: skip
    assert b.has_limit.tolist() == [True]


def test_limit_01_day_market_from_a_scenario(scenario):
    """Rule: LIMIT-01 — the scenario's contract at 3480.2 has the limit band [3132.2, 3828.2];
    Rule: BRK-01 — the seed rulebook's 6 % breaker opens the day with the breaker band
    [3271.4, 3689.0] (3480.2 x 0.94 = 3271.388 rounded up, x 1.06 = 3689.012 rounded down)."""
    sc = load_scenario(scenario(contracts=[{**CONTRACT, "prev_settlement": 3480.2}],
                                accounts=[{"id": "A", "member": "M01"}]))  # fmt: skip
    index = Index.of(sc)
    market, _ = day_market(sc, index, initial_carry(sc, index), FRI, no_limit_range=0.5)
    c = market.contracts[0]
    assert (c["prev_settle"], c["limit_lo"], c["limit_hi"]) == (17401, 15661, 19141)
    assert (c["breaker_lo"], c["breaker_hi"]) == (16357, 18445)
    assert (c["band_lo"], c["band_hi"]) == (16357, 18445)
    assert (c["ladder_lo"], c["ladder_hi"]) == (15661, 19141)
    assert c["tick_value"] == pytest.approx(60.0)


def test_limit_02_last_day_uses_last_day_limit_or_a_wide_range(scenario):
    """Rule: LIMIT-02 — on its last trading day a contract has the rulebook's last-day limit
    (cffex-2010: 20 %), or with none (seed) the simulator's wide range (+/-50 % here)."""
    contracts = [{**CONTRACT, "last_trading_day": "2015-08-24", "final_settlement": 3400.0},
                 {**CONTRACT, "symbol": "IF1512"}]  # fmt: skip
    accts = [{"id": "A", "member": "M01"}]
    for rulebook, frac, has in (("seed", 0.5, False), ("cffex-2010", 0.20, True)):
        sc = load_scenario(scenario(contracts=contracts, accounts=accts, rulebook=rulebook))
        index = Index.of(sc)
        carry = initial_carry(sc, index)
        fri, fri_bands = day_market(sc, index, carry, FRI, no_limit_range=0.5)
        assert fri_bands.has_limit.tolist() == [True, True]
        assert fri.contracts["limit_lo"].tolist() == [15750, 15750]  # 10 % of 17,500
        mon, bands = day_market(sc, index, carry, MON, no_limit_range=0.5)
        lo, hi = round(17500 * (1 - frac)), round(17500 * (1 + frac))
        assert mon.contracts["limit_lo"].tolist() == [lo, 15750]
        assert mon.contracts["limit_hi"].tolist() == [hi, 19250]
        assert mon.contracts["band_lo"][0] == lo  # no breaker on the last day (LIMIT-02)
        assert mon.contracts["breaker_hi"][0] == 0
        assert mon.contracts["ladder_lo"].tolist() == [lo, 15750]
        assert bands.has_limit.tolist() == [has, True]


def test_margin_01_initial_reserve_is_cash_minus_margin_of_initial_positions(scenario):
    """Rule: MARGIN-01 — A holds 2 long at prev settlement 3500 (17,500 ticks), margin 12 %,
    tick value 60 CNY: margin 2 x 17,500 x 60 x 0.12 = 252,000 CNY, reserve 9,748,000."""
    sc = load_scenario(scenario())
    index = Index.of(sc)
    carry = initial_carry(sc, index)
    assert carry.reserve.tolist() == pytest.approx([9_748_000.0, 9_748_000.0, 10_000_000.0])
    assert carry.long_yd[:, 0].tolist() == [2, 0, 0]
    assert carry.short_yd[:, 0].tolist() == [0, 2, 0]
    market, _ = day_market(sc, index, carry, FRI, no_limit_range=0.5)
    assert market.accounts["reserve"].tolist() == carry.reserve.tolist()
    assert market.accounts["member"].tolist() == [0, 1, 0]
    assert market.accounts["investor"].tolist() == [0, 1, 2]
    assert index.investors == ("INV-A", "B", "C")


def test_pos_01_limits_and_policies_from_the_rulebook(scenario):
    """Rules: POS-01 (position_limit, false = none), MATCH-07 BAD_QTY (max_order_qty),
    MATCH-05 (STP policy), MARGIN-01 (method)."""
    sc = load_scenario(scenario(rules={"position_limit": 300, "stp_policy": "cancel-resting"}))
    index = Index.of(sc)
    m, _ = day_market(sc, index, initial_carry(sc, index), FRI, no_limit_range=0.5)
    assert m.contracts["pos_limit"].tolist() == [300]
    assert m.contracts["member_limit"].tolist() == [NO_LIMIT]
    assert m.contracts["max_order_qty"].tolist() == [MAX_ORDER_QTY]
    assert (m.stp_policy, m.margin_method) == (STP_CANCEL_RESTING, MARGIN_BOTH)
    sc = load_scenario(scenario(rules={"position_limit": False}, rulebook="cffex-2010"))
    index = Index.of(sc)
    m, _ = day_market(sc, index, initial_carry(sc, index), FRI, no_limit_range=0.5)
    assert m.contracts["pos_limit"].tolist() == [NO_LIMIT]
    assert m.contracts["max_order_qty"].tolist() == [100]
    assert m.stp_policy == STP_CANCEL_INCOMING
    fees = m.contracts[["fee_open", "fee_close", "fee_close_today"]].tolist()
    assert fees == [(0.00005, 0.00005, 0.00005)]


def test_pos_02_member_limit_from_single_side_open_interest(scenario):
    """Rule: POS-02 — above 100,000 lots of single-side open interest at the previous
    settlement a member may hold 25 % of it; at or below, no member limit."""
    sc = load_scenario(scenario())
    long = np.array([[60_001], [40_000]])
    assert member_limits(sc.rulebook, long).tolist() == [25_000]
    assert member_limits(sc.rulebook, np.array([[100_000], [0]])).tolist() == [NO_LIMIT]


def test_margin_01_position_margin_methods():
    """Rule: MARGIN-01 — both sides margined, or the larger side only."""
    long, short = np.array([[3, 0]]), np.array([[1, 0]])
    price, tv, rate = np.array([17500, 20000]), np.array([60.0, 60.0]), np.array([0.1, 0.1])
    both = position_margin(long, short, price, tv, rate, 0)
    larger = position_margin(long, short, price, tv, rate, 1)
    assert both.tolist() == pytest.approx([4 * 17500 * 6.0])
    assert larger.tolist() == pytest.approx([3 * 17500 * 6.0])


def test_limit_02_price_limit_off_is_the_no_limit_range_without_breaker():
    """Rule: LIMIT-02, BRK-01 — ``price_limit`` None (``false``): every contract gets the wide
    range (here ±50 % of 3,500.0 = 17,500 ticks: 8,750 .. 26,250), ``has_limit`` False and no
    breaker prices although the breaker is on; a last day with a last-day limit keeps it."""
    b = limit_bands(
        np.array([17500, 17500]), None, last_day=np.array([False, True]), last_day_limit=0.20,
        no_limit_range=0.5, circuit_breaker=0.06,
    )  # fmt: skip
    assert b.has_limit.tolist() == [False, True]
    assert (b.limit_lo.tolist(), b.limit_hi.tolist()) == ([8750, 14000], [26250, 21000])
    assert (b.band_lo.tolist(), b.band_hi.tolist()) == ([8750, 14000], [26250, 21000])
    assert b.breaker_lo.tolist() == [0, 0] and b.breaker_hi.tolist() == [0, 0]


def test_limit_02_day_market_flags_no_limit_only_without_a_limit(scenario):
    """Rule: LIMIT-02 — the spec's ``no_limit`` flag (engine state ``no_limit``) is set on a
    day without a price limit, not on a last day with a last-day limit (cffex-2010, ±20 %)."""
    con = {**CONTRACT, "last_trading_day": "2015-08-21", "final_settlement": 3500.0}
    sc = load_scenario(scenario(contracts=[con], rulebook="cffex-2010"))
    index = Index.of(sc)
    market, _ = day_market(sc, index, initial_carry(sc, index), FRI, no_limit_range=0.5)
    c = market.contracts[0]
    assert (c["last_day"], c["no_limit"], c["limit_lo"], c["limit_hi"]) == (1, 0, 14000, 21000)
    sc = load_scenario(scenario(rules={"price_limit": False}))
    index = Index.of(sc)
    market, _ = day_market(sc, index, initial_carry(sc, index), FRI, no_limit_range=0.5)
    c = market.contracts[0]
    assert (c["last_day"], c["no_limit"], c["limit_lo"], c["limit_hi"]) == (0, 1, 8750, 26250)
    assert (c["breaker_lo"], c["breaker_hi"]) == (0, 0)
