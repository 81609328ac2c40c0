"""Overrides of ``riskcore.sim.run`` (``seed``, ``days``, ``rulebook``, ``rules``)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from riskcore.scenario import ScenarioError, load_scenario
from riskcore.sim.overrides import apply_overrides


def test_seed_days_and_rules(scenario):
    sc = load_scenario(scenario(rules={"position_limit": 300}))
    out = apply_overrides(sc, {"seed": 11, "days": 3, "rules": {"price_limit": 0.08}})
    assert out.seed == 11 and out.days == 3
    assert out.calendar.trading_days == (
        dt.date(2015, 8, 21), dt.date(2015, 8, 24), dt.date(2015, 8, 25),
    )  # fmt: skip
    assert out.rulebook.price_limit == 0.08
    assert out.rulebook.position_limit == 300  # the scenario's own [rules] stay
    assert sc.rulebook.price_limit == 0.10  # the original is untouched


def test_dotted_rule_keys_and_false(scenario):
    sc = load_scenario(scenario())
    out = apply_overrides(sc, {"rules.position_limit": False, "rules.circuit_breaker": 0})
    assert out.rulebook.position_limit is None
    assert out.rulebook.circuit_breaker == 0.0


def test_rules_calendar_keys_rebuild_the_calendar(scenario):
    sc = load_scenario(scenario(days=2))
    out = apply_overrides(sc, {"rules.holidays": ["2015-08-24"]})
    assert out.calendar.trading_days == (dt.date(2015, 8, 21), dt.date(2015, 8, 25))
    with pytest.raises(ScenarioError, match="not a trading day"):
        apply_overrides(sc, {"rules.holidays": ["2015-08-21"]})


def test_rulebook_swap_keeps_the_scenarios_own_rules(scenario):
    sc = load_scenario(scenario(rules={"position_limit": 300}))
    out = apply_overrides(sc, {"rulebook": "cffex-2010"})
    assert out.rulebook.name == "cffex-2010"
    assert out.rulebook.position_limit == 300
    assert out.rulebook.circuit_breaker == 0.0  # cffex-2010 has no breaker
    # a contract on the old default rate follows the new rulebook's default
    assert sc.contracts[0].margin_rate == 0.12
    assert out.contracts[0].margin_rate == 0.15


def test_explicit_contract_rate_is_kept(scenario):
    contract = {"symbol": "IF1509", "multiplier": 300, "tick": 0.2, "prev_settlement": 3500.0,
                "margin_rate": 0.2}  # fmt: skip
    sc = load_scenario(scenario(contracts=[contract], accounts=[{"id": "A", "member": "M01"}]))
    assert apply_overrides(sc, {"rules.margin_rate": 0.1}).contracts[0].margin_rate == 0.2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sed": 1}, "unknown override 'sed' (did you mean 'seed'?)"),
        ({"rules.positon_limit": 1}, "positon_limit"),
        ({"rules": {"price_limit": "ten"}}, "price_limit"),
        ({"days": 0}, "override 'days'"),
        ({"seed": 1.5}, "override 'seed'"),
        ({"rules": 3}, "override 'rules'"),
        ({"rulebook": "nope"}, "unknown rulebook"),
    ],
)
def test_bad_overrides_are_clear_errors(scenario, overrides, message):
    sc = load_scenario(scenario())
    with pytest.raises(ScenarioError, match=re.escape(message)):
        apply_overrides(sc, overrides)


def test_a_rate_given_in_the_file_is_kept_even_when_it_equals_the_default(scenario):
    """MARGIN-01: ``run(..., rules.margin_rate=...)`` and ``replay --set rules.margin_rate``
    agree: a contract whose file gives ``margin_rate`` keeps it, whatever its value; only a
    contract on the rulebook default follows the new default."""
    given = {"symbol": "IF1509", "multiplier": 300, "tick": 0.2, "prev_settlement": 3500.0,
             "margin_rate": 0.12}  # fmt: skip
    default = {"symbol": "IF1512", "multiplier": 300, "tick": 0.2, "prev_settlement": 3500.0}
    accounts = [{"id": "A", "member": "M01"}]
    sc = load_scenario(scenario(contracts=[given, default], accounts=accounts))
    assert [c.margin_rate for c in sc.contracts] == [0.12, 0.12]  # seed default 0.12
    assert [c.margin_rate_given for c in sc.contracts] == [True, False]
    out = apply_overrides(sc, {"rules.margin_rate": 0.2})
    assert [c.margin_rate for c in out.contracts] == [0.12, 0.2]
