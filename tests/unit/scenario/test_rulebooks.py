"""Shipped rulebooks hold every parameter with the values RULES.md gives ("Rulebooks")."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from importlib import resources

import pytest

from riskcore.scenario import FeeChange, MarginChange, Rulebook, ScenarioError
from riskcore.scenario.rulebook import WATERFALL_LAYERS

T = dt.time


@pytest.fixture(scope="module")
def seed() -> Rulebook:
    return Rulebook.load("seed")


@pytest.fixture(scope="module")
def c2010() -> Rulebook:
    return Rulebook.load("cffex-2010")


@pytest.fixture(scope="module")
def c2015() -> Rulebook:
    return Rulebook.load("cffex-2015")


@pytest.mark.parametrize("name", Rulebook.names())
def test_every_shipped_file_states_every_parameter(name):
    """Each shipped file is complete on its own (no ``base``) and has a title."""
    text = resources.files("riskcore").joinpath("rulebooks", f"{name}.toml").read_text()
    data = tomllib.loads(text)
    assert "base" not in data
    assert set(data) == {"name", "title", *Rulebook.parameters()}
    book = Rulebook.load(name)
    assert book.name == name and book.title and book.source == name


def test_seed_price_limits_and_breaker(seed):
    """Rule: LIMIT-01, LIMIT-02, BRK-01, BRK-02, BRK-03, BRK-05 — the seed text's values."""
    assert seed.price_limit == 0.10
    assert seed.last_day_limit is None  # 最后交易日不设价格限制
    assert seed.circuit_breaker == 0.06
    assert seed.breaker_trigger == 60
    assert seed.breaker_duration == 600
    assert seed.breaker_quiet == 30 * 60


def test_seed_calendar_and_matching(seed):
    """Rule: UNIT-03, MATCH-05, MATCH-06 — sessions, call auction, self-trade policy."""
    assert seed.sessions == ((T(9, 15), T(11, 30)), (T(13, 0), T(15, 15)))
    assert seed.auction == (T(9, 10), T(9, 15))
    assert seed.last_day_close is None
    assert seed.stp_policy == "cancel-incoming"


def test_seed_margin_fees_settlement(seed):
    """Rule: MARGIN-01, SETTLE-01 — 12 % margin on both sides, no fees, one-hour VWAP."""
    assert seed.margin_rate == 0.12 and seed.margin_rate_quarterly is None
    assert seed.margin_method == "both"
    assert seed.margin_schedule == ()
    assert (seed.fee_open, seed.fee_close, seed.fee_close_today) == (0.0, 0.0, 0.0)
    assert seed.settlement_window == 3600
    assert seed.settlement_benchmark is None


def test_seed_positions_and_large_traders(seed):
    """Rule: POS-01, POS-02, LTR-01 — 600 lots, 100,000 lots / 25 %, report at 80 %."""
    assert seed.position_limit == 600
    assert seed.member_oi_threshold == 100_000
    assert seed.member_oi_share == 0.25
    assert seed.large_trader_threshold == 0.8


def test_seed_reduction_liquidation_funds(seed):
    """Rule: RED-01, LIQ-02, LIQ-03, FUND-01, FUND-02 — pro rata on any locked day."""
    assert seed.reduction_method == "pro-rata"
    assert seed.reduction_locked_days == 1
    assert seed.reduction_loss_threshold == 0.0
    assert seed.reduction_tiers == (0.0,)
    assert seed.liquidation_member_sessions == 1
    assert seed.liquidation_order == "largest-position"
    assert seed.liquidation_proprietary_first is True
    assert seed.variable_fund_pool == 0.0
    assert seed.waterfall == WATERFALL_LAYERS


def test_cffex_2010_limits(c2010):
    """Rule: LIMIT-02, BRK-01 — no breaker, +-10 %, +-20 % on the last day, 15:00 close."""
    assert c2010.circuit_breaker == 0.0
    assert c2010.price_limit == 0.10
    assert c2010.last_day_limit == 0.20
    assert c2010.last_day_close == T(15, 0)


def test_cffex_2010_reduction_tiers(c2010):
    """Rule: RED-05 — second locked day, 10 % loss qualification, tiers 10 % / 6 % / 0 %."""
    assert c2010.reduction_method == "tiered"
    assert c2010.reduction_locked_days == 2
    assert c2010.reduction_loss_threshold == 0.10
    assert c2010.reduction_tiers == (0.10, 0.06, 0.0)


def test_cffex_2010_margin_fees_positions(c2010):
    """Rule: MARGIN-01, POS-01 — 15 % / 18 % margin, 0.5/10000 fees, 100 lots (2010)."""
    assert c2010.margin_rate == 0.15
    assert c2010.margin_rate_quarterly == 0.18
    assert c2010.fee_open == c2010.fee_close == c2010.fee_close_today == 0.5 / 10_000
    assert c2010.position_limit == 100
    assert c2010.max_order_qty == 100 and c2010.max_market_order_qty == 50
    assert dt.date(2010, 10, 1) in c2010.holidays


def test_cffex_2015_scheduled_margin_dates(c2015):
    """Rule: MARGIN-05, MARGIN-04 — non-hedge 12 % 26 Aug .. 40 % from 7 Sep 2015."""
    assert c2015.margin_schedule == (
        MarginChange(dt.date(2015, 8, 26), 0.12),
        MarginChange(dt.date(2015, 8, 27), 0.15),
        MarginChange(dt.date(2015, 8, 28), 0.20),
        MarginChange(dt.date(2015, 8, 31), 0.30),
        MarginChange(dt.date(2015, 9, 7), 0.40),
    )
    assert c2015.scheduled_margin(dt.date(2015, 8, 25)) is None
    assert c2015.scheduled_margin(dt.date(2015, 8, 29)) == 0.20
    assert c2015.scheduled_margin(dt.date(2015, 9, 4)) == 0.30
    assert c2015.scheduled_margin(dt.date(2015, 9, 7)) == 0.40


def test_cffex_2015_close_today_fee_and_position_limit(c2015):
    """Rule: POS-01 — 1,200 lots (from 2014); close-today fee 23/10000 from 7 Sep 2015."""
    assert c2015.position_limit == 1200
    assert c2015.fee_schedule[-1] == FeeChange(dt.date(2015, 9, 7), fee_close_today=23 / 10_000)
    assert c2015.fees_on(dt.date(2015, 9, 7))[2] == 23 / 10_000
    assert c2015.fees_on(dt.date(2015, 9, 6))[2] < 23 / 10_000
    assert c2015.fees_on(dt.date(2015, 8, 1)) == (0.5 / 10_000,) * 3


def test_cffex_2015_is_cffex_2010_plus_the_2015_measures(c2010, c2015):
    """Rule: MARGIN-05 — everything else is cffex-2010's."""
    changed = {k for k in Rulebook.parameters() if getattr(c2010, k) != getattr(c2015, k)}
    assert changed == {
        "holidays",
        "margin_rate",
        "margin_rate_quarterly",
        "margin_schedule",
        "fee_schedule",
        "position_limit",
    }


def test_with_overrides_returns_a_new_rulebook(seed):
    """Rule: BRK-01, POS-01 — overrides typed as TOML gives them; the original is unchanged."""
    rb = seed.with_overrides(
        {"circuit_breaker": False, "position_limit": 300, "sessions": [["09:30", "11:30"]]},
        source="test",
    )
    assert rb.circuit_breaker == 0.0 and rb.position_limit == 300
    assert rb.sessions == ((T(9, 30), T(11, 30)),)
    assert rb.source == "seed + test"
    assert seed.circuit_breaker == 0.06 and seed.position_limit == 600
    with pytest.raises(dataclasses.FrozenInstanceError):
        rb.position_limit = 1  # type: ignore[misc]


def test_with_overrides_checks_consistency(seed):
    """Rule: MATCH-06 — the auction window must end by the open."""
    with pytest.raises(ScenarioError, match=r"key 'auction'.*MATCH-06"):
        seed.with_overrides({"auction": ["09:10", "09:20"]})


def test_reduction_tiers_must_decrease(seed):
    """Rule: RED-05 — tiers are strictly decreasing lower bounds."""
    with pytest.raises(ScenarioError, match="key 'reduction_tiers'"):
        seed.with_overrides({"reduction_tiers": [0.06, 0.10]})


def test_waterfall_must_name_each_layer_once(seed):
    """Rule: FUND-02 — a CCP-style order is allowed, a missing layer is not."""
    ccp = [
        "member_capital",
        "defaulter_guarantee_fund",
        "exchange_capital",
        "member_guarantee_funds",
        "exchange_risk_reserve",
    ]
    assert seed.with_overrides({"waterfall": ccp}).waterfall == tuple(ccp)
    with pytest.raises(ScenarioError, match="key 'waterfall'"):
        seed.with_overrides({"waterfall": ccp[:-1]})


def test_user_rulebook_without_base_must_be_complete(tmp_path):
    path = tmp_path / "partial.toml"
    path.write_text('name = "partial"\nprice_limit = 0.1\n')
    with pytest.raises(ScenarioError) as info:
        Rulebook.load(path)
    assert str(info.value).startswith(f"{path}:1: key 'sessions': missing rule parameter")
    assert len(info.value.errors) == len(Rulebook.parameters()) - 1


def test_rulebook_file_syntax_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nbase = "seed"\nprice_limit = \n')
    with pytest.raises(ScenarioError, match=r"bad\.toml:3: TOML syntax error"):
        Rulebook.load(path)
