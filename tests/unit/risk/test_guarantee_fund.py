"""FUND-01 guarantee funds of ``riskcore.risk.guarantee_fund`` with hand-checked numbers.

FUND-01: a fixed basic fund per member plus a variable one: a market-wide pool re-shared
every ``variable_fund_interval`` trading days by business volume (here 50 % traded-lots
share + 50 % open-position share).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from riskcore.risk.guarantee_fund import (
    GUARANTEE_FUND_SCHEMA,
    guarantee_fund_table,
    guarantee_funds,
    is_resize_day,
    volume_shares,
)
from riskcore.scenario.rulebook import Rulebook

BASIC = np.array([5_000_000.0, 3_000_000.0, 2_000_000.0])
POOL = 1_000_000.0


def test_fund01_volume_share_is_half_trades_half_positions():
    """FUND-01: traded share (.75, .25, 0) and position share (.25, .25, .5) -> (.5, .25, .25)."""
    s = volume_shares([30, 10, 0], [100, 100, 200])
    np.testing.assert_allclose(s, [0.5, 0.25, 0.25])


def test_fund01_a_measure_with_zero_total_is_dropped():
    """FUND-01: no trades -> positions only; no positions -> trades only; nothing -> equal."""
    np.testing.assert_allclose(volume_shares([0, 0, 0], [100, 100, 200]), [0.25, 0.25, 0.5])
    np.testing.assert_allclose(volume_shares([30, 10, 0], [0, 0, 0]), [0.75, 0.25, 0.0])
    np.testing.assert_allclose(volume_shares([0, 0, 0], [0, 0, 0]), [1 / 3] * 3)
    assert volume_shares([], []).shape == (0,)


def test_fund01_bad_volumes_raise():
    """FUND-01: negative or mismatched volumes are refused."""
    with pytest.raises(ValueError):
        volume_shares([-1, 1], [1, 1])
    with pytest.raises(ValueError):
        volume_shares([1, 1], [1])


def test_fund01_resize_days():
    """FUND-01: re-shared on day 0 and every ``interval`` trading days after it."""
    assert [d for d in range(10) if is_resize_day(d, 4)] == [0, 4, 8]
    assert all(is_resize_day(d, 1) for d in range(5))
    with pytest.raises(ValueError):
        is_resize_day(0, 0)


def test_fund01_variable_fund_resized_at_the_interval_and_kept_between():
    """FUND-01: interval 3: day 0 by initial positions, kept on days 1-2, re-shared on day 3."""
    g0 = guarantee_funds(0, BASIC, POOL, 3, [0, 0, 0], [100, 100, 200])
    assert g0.resized
    np.testing.assert_allclose(g0.variable, [250_000, 250_000, 500_000])
    np.testing.assert_allclose(g0.total, [5_250_000, 3_250_000, 2_500_000])
    g1 = guarantee_funds(1, BASIC, POOL, 3, [999, 0, 0], [0, 0, 999], g0.variable)
    g2 = guarantee_funds(2, BASIC, POOL, 3, [999, 0, 0], [0, 0, 999], g1.variable)
    assert not g1.resized and not g2.resized
    np.testing.assert_allclose(g2.variable, g0.variable)
    # days 0-2: member 0 traded 30 of 40 lots, held 300 of 1200 lot-days
    g3 = guarantee_funds(3, BASIC, POOL, 3, [30, 10, 0], [300, 300, 600], g2.variable)
    assert g3.resized
    np.testing.assert_allclose(g3.variable, [500_000, 250_000, 250_000])
    np.testing.assert_allclose(g3.total, BASIC + g3.variable)
    assert g3.variable.sum() == pytest.approx(POOL)
    np.testing.assert_array_equal(g3.basic, BASIC)


def test_fund01_no_previous_variable_means_zero_between_resizes():
    """FUND-01: off a resize day without a previous variable part, it is 0."""
    g = guarantee_funds(5, BASIC, POOL, 20, [1, 1, 1], [1, 1, 1])
    np.testing.assert_array_equal(g.variable, 0.0)
    np.testing.assert_array_equal(g.total, BASIC)


def test_fund01_seed_rulebook_has_no_variable_fund():
    """FUND-01: ``seed`` has a 0 pool, so total = basic."""
    rb = Rulebook.load("seed")
    g = guarantee_funds(
        0, BASIC, rb.variable_fund_pool, rb.variable_fund_interval, [5, 5, 5], [9, 9, 9]
    )
    np.testing.assert_array_equal(g.total, BASIC)


def test_fund01_guarantee_fund_table():
    """FUND-01: ``guarantee_fund`` rows: day, member, basic, variable, total, member order."""
    g = guarantee_funds(0, BASIC, POOL, 3, [0, 0, 0], [100, 100, 200])
    day = dt.date(2015, 8, 24)
    t = guarantee_fund_table(day, ["M01", "M02", "M03"], g)
    assert t.schema == GUARANTEE_FUND_SCHEMA
    assert t["member"].to_list() == ["M01", "M02", "M03"]
    assert t["day"].to_list() == [day] * 3
    assert t["total"].to_list() == [5_250_000.0, 3_250_000.0, 2_500_000.0]
    assert guarantee_fund_table(day, [], guarantee_funds(0, [], 0.0, 1, [], [])).height == 0
