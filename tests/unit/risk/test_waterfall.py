"""FUND-02/03 defaults and the loss waterfall of ``riskcore.risk.waterfall``, by hand.

Three members: capital 100 / 200 / 300 CNY, guarantee funds 50 / 100 / 300 CNY; the
exchange: risk reserve 80 CNY, capital 1000 CNY. When M0 defaults, the non-defaulters'
funds (100 + 300 = 400) pay pro rata: M1 25 %, M2 75 %.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcore.risk.waterfall import (
    CCP_WATERFALL,
    DEFAULT_WATERFALL,
    DEFAULTS_SCHEMA,
    LAYER_NAMES,
    Resources,
    Waterfall,
    check_waterfall,
    defaults,
    defaults_table,
    member_losses,
)
from riskcore.scenario.rulebook import Rulebook

MEMBERS = ["M0", "M1", "M2"]


def res() -> Resources:
    return Resources(np.array([100.0, 200.0, 300.0]), np.array([50.0, 100.0, 300.0]), 80.0, 1000.0)


def rows(w: Waterfall) -> list[tuple[int, str, float, float]]:
    return [
        (int(r["member"]), LAYER_NAMES[r["layer"]], float(r["amount"]), float(r["remaining_loss"]))
        for r in w.records
    ]


def run(loss, waterfall=DEFAULT_WATERFALL) -> Waterfall:
    before = res()
    w = defaults(loss, before, waterfall)
    check_waterfall(before, w)
    return w


def test_fund02_member_losses_sum_clients_negative_equity():
    """FUND-02: a client's negative equity is charged to its member."""
    loss = member_losses([0.0, 30.0, 20.0, 5.0], [0, 1, 1, 2], 4)
    np.testing.assert_array_equal(loss, [0.0, 50.0, 5.0, 0.0])
    with pytest.raises(ValueError):
        member_losses([-1.0], [0], 1)


def test_fund02_loss_within_capital_is_no_default():
    """FUND-02: loss <= the member's capital: paid from capital, no default, no row."""
    w = run([100.0, 150.0, 0.0])
    assert not w.defaulted.any()
    assert len(w.records) == 0
    np.testing.assert_array_equal(w.after.member_capital, [0.0, 50.0, 300.0])
    np.testing.assert_array_equal(w.after.guarantee_fund, [50.0, 100.0, 300.0])


def test_fund02_default_stops_in_member_capital_layer_rows():
    """FUND-02: the member capital layer pays all the defaulter's capital first."""
    w = run([100.5, 0.0, 0.0])
    assert w.defaulted.tolist() == [True, False, False]
    assert rows(w) == [
        (0, "member_capital", 100.0, 0.5),
        (0, "defaulter_guarantee_fund", 0.5, 0.0),
    ]


def test_fund02_default_stops_in_own_guarantee_fund():
    """FUND-02: loss 120 = capital 100 + 20 of its own fund (50 -> 30)."""
    w = run([120.0, 0.0, 0.0])
    assert rows(w) == [
        (0, "member_capital", 100.0, 20.0),
        (0, "defaulter_guarantee_fund", 20.0, 0.0),
    ]
    np.testing.assert_array_equal(w.after.guarantee_fund, [30.0, 100.0, 300.0])
    np.testing.assert_array_equal(w.after.member_capital, [0.0, 200.0, 300.0])


def test_fund02_default_into_others_funds_pro_rata():
    """FUND-02: loss 250: 100 capital, 50 own fund, 100 from others: M1 25, M2 75."""
    w = run([250.0, 0.0, 0.0])
    assert rows(w) == [
        (0, "member_capital", 100.0, 150.0),
        (0, "defaulter_guarantee_fund", 50.0, 100.0),
        (0, "member_guarantee_funds", 100.0, 0.0),
    ]
    np.testing.assert_allclose(w.mutualised, [0.0, 25.0, 75.0])
    np.testing.assert_allclose(w.after.guarantee_fund, [0.0, 75.0, 225.0])
    assert w.after.risk_reserve == 80.0 and w.after.exchange_capital == 1000.0


def test_fund02_default_into_risk_reserve():
    """FUND-02: loss 600: 100 + 50 + 400 (others' funds exhausted) + 50 of the reserve."""
    w = run([600.0, 0.0, 0.0])
    assert rows(w) == [
        (0, "member_capital", 100.0, 500.0),
        (0, "defaulter_guarantee_fund", 50.0, 450.0),
        (0, "member_guarantee_funds", 400.0, 50.0),
        (0, "exchange_risk_reserve", 50.0, 0.0),
    ]
    np.testing.assert_array_equal(w.after.guarantee_fund, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(w.mutualised, [0.0, 100.0, 300.0])
    assert w.after.risk_reserve == 30.0
    assert w.after.exchange_capital == 1000.0


def test_fund02_default_into_exchange_capital():
    """FUND-02: loss 1000: 100 + 50 + 400 + 80 (reserve exhausted) + 370 exchange capital."""
    w = run([1000.0, 0.0, 0.0])
    assert rows(w) == [
        (0, "member_capital", 100.0, 900.0),
        (0, "defaulter_guarantee_fund", 50.0, 850.0),
        (0, "member_guarantee_funds", 400.0, 450.0),
        (0, "exchange_risk_reserve", 80.0, 370.0),
        (0, "exchange_capital", 370.0, 0.0),
    ]
    assert w.after.risk_reserve == 0.0
    assert w.after.exchange_capital == 630.0
    assert w.uncovered.sum() == 0.0


def test_fund03_loss_larger_than_all_layers_is_uncovered():
    """FUND-03: loss 2000 exhausts every layer (1630) and 370 is reported uncovered."""
    w = run([2000.0, 0.0, 0.0])
    assert rows(w) == [
        (0, "member_capital", 100.0, 1900.0),
        (0, "defaulter_guarantee_fund", 50.0, 1850.0),
        (0, "member_guarantee_funds", 400.0, 1450.0),
        (0, "exchange_risk_reserve", 80.0, 1370.0),
        (0, "exchange_capital", 1000.0, 370.0),
        (0, "uncovered", 370.0, 370.0),
    ]
    np.testing.assert_array_equal(w.uncovered, [370.0, 0.0, 0.0])
    assert w.after.total() == 500.0  # only the non-defaulters' capital is left


def test_fund02_ccp_order_uses_exchange_capital_before_others_funds():
    """FUND-02 CCP-style: loss 1000: 100 + 50, then 850 of exchange capital; others untouched."""
    w = run([1000.0, 0.0, 0.0], CCP_WATERFALL)
    assert rows(w) == [
        (0, "member_capital", 100.0, 900.0),
        (0, "defaulter_guarantee_fund", 50.0, 850.0),
        (0, "exchange_capital", 850.0, 0.0),
    ]
    np.testing.assert_array_equal(w.after.guarantee_fund, [0.0, 100.0, 300.0])
    assert w.after.exchange_capital == 150.0 and w.after.risk_reserve == 80.0
    np.testing.assert_array_equal(w.mutualised, 0.0)


def test_fund02_ccp_order_then_others_funds_then_reserve():
    """FUND-02 CCP-style: loss 1500: capital 1000 exhausted, then 350 of the others' funds."""
    w = run([1500.0, 0.0, 0.0], CCP_WATERFALL)
    assert rows(w) == [
        (0, "member_capital", 100.0, 1400.0),
        (0, "defaulter_guarantee_fund", 50.0, 1350.0),
        (0, "exchange_capital", 1000.0, 350.0),
        (0, "member_guarantee_funds", 350.0, 0.0),
    ]
    np.testing.assert_allclose(w.mutualised, [0.0, 87.5, 262.5])


def test_fund02_two_defaulters_share_the_shared_layers_pro_rata():
    """FUND-02: M0 and M1 lose 600 each, M2 100 (paid from its capital).

    After own layers M0 needs 450, M1 300. M2's fund (300) is split 180 / 120; the reserve
    (80) 48 / 32; exchange capital covers the rest, 222 / 148 (630 left).
    """
    w = run([600.0, 600.0, 100.0])
    assert w.defaulted.tolist() == [True, True, False]
    got = rows(w)
    want = [
        (0, "member_capital", 100.0, 500.0),
        (0, "defaulter_guarantee_fund", 50.0, 450.0),
        (0, "member_guarantee_funds", 180.0, 270.0),
        (0, "exchange_risk_reserve", 48.0, 222.0),
        (0, "exchange_capital", 222.0, 0.0),
        (1, "member_capital", 200.0, 400.0),
        (1, "defaulter_guarantee_fund", 100.0, 300.0),
        (1, "member_guarantee_funds", 120.0, 180.0),
        (1, "exchange_risk_reserve", 32.0, 148.0),
        (1, "exchange_capital", 148.0, 0.0),
    ]
    assert [g[:2] for g in got] == [x[:2] for x in want]
    np.testing.assert_allclose([g[2:] for g in got], [x[2:] for x in want])
    np.testing.assert_allclose(w.mutualised, [0.0, 0.0, 300.0])
    np.testing.assert_allclose(w.after.member_capital, [0.0, 0.0, 200.0])
    assert w.after.exchange_capital == pytest.approx(630.0)


def test_fund02_rulebook_waterfall_order():
    """FUND-02: shipped rulebooks use the default order; a CCP order is a valid override."""
    assert Rulebook.load("seed").waterfall == DEFAULT_WATERFALL
    rb = Rulebook.load("seed").with_overrides({"waterfall": list(CCP_WATERFALL)})
    assert rb.waterfall == CCP_WATERFALL
    with pytest.raises(ValueError):
        defaults([1.0], Resources(np.zeros(1), np.zeros(1), 0.0, 0.0), ["member_capital"])


def test_fund02_conservation_check_catches_hidden_money():
    """FUND-02/03: the checker refuses a result that loses money or hides an uncovered loss."""
    before = res()
    w = defaults([2000.0, 0.0, 0.0], before)
    check_waterfall(before, w)
    hidden = w.records[w.records["layer"] != LAYER_NAMES.index("uncovered")]
    with pytest.raises(AssertionError):
        check_waterfall(before, w._replace(records=hidden))
    bad_after = w.after._replace(exchange_capital=10.0)
    with pytest.raises(AssertionError):
        check_waterfall(before, w._replace(after=bad_after))
    uneven = w.mutualised.copy()
    uneven[1:] = [200.0, 200.0]
    with pytest.raises(AssertionError):
        check_waterfall(before, w._replace(mutualised=uneven))


def test_fund02_defaults_table():
    """FUND-02: ``defaults`` rows: day, member, layer, amount, remaining_loss."""
    w = run([2000.0, 0.0, 0.0])
    day = dt.date(2015, 8, 24)
    t = defaults_table(day, MEMBERS, w.records)
    assert t.schema == DEFAULTS_SCHEMA
    assert t["layer"].to_list() == [*DEFAULT_WATERFALL, "uncovered"]
    assert t["member"].to_list() == ["M0"] * 6
    assert defaults_table(day, MEMBERS, run([0.0, 0.0, 0.0]).records).height == 0


money = st.floats(0, 1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(money, money, money), min_size=1, max_size=6),
    money,
    money,
    st.booleans(),
)
def test_fund02_fund03_conservation_property(members, reserve, capital, ccp):
    """FUND-02/03: for any losses and balances money is conserved and nothing goes negative."""
    loss, cap, fund = (np.array(x) for x in zip(*members, strict=True))
    before = Resources(cap, fund, reserve, capital)
    w = defaults(loss, before, CCP_WATERFALL if ccp else DEFAULT_WATERFALL)
    check_waterfall(before, w, tolerance=1e-6 * max(1.0, loss.sum() + before.total()))
