"""FUND-01/02/03 in the day loop: guarantee funds, member defaults and the waterfall.

One day (Mon 2015-09-07) of IF1509 (300 CNY a point, tick 0.2, margin 3%), previous
settlement 3500.0. Zhang (C101 at M01) is long 100 lots with 3,200,000 CNY; the day settles
at 3325.0 (the only trade, at 14:30). His loss 100 x 175 x 300 = 5,250,000 leaves equity
3,200,000 - 5,250,000 = -2,050,000: M01 is charged 2,050,000 (FUND-02).
"""

from __future__ import annotations

import numpy as np
import pytest

import riskcore.sim as sim
from riskcore.sim.loop import SimOptions
from sim_helpers import order, write_scenario

LOSS = 2_050_000.0
CONTRACT = {
    "symbol": "IF1509", "multiplier": 300, "tick": 0.2, "margin_rate": 0.03,
    "prev_settlement": 3500.0,
}  # fmt: skip
ACCOUNTS = [
    {"id": "C101", "member": "M01", "cash": 3_200_000,
     "positions": [{"symbol": "IF1509", "long": 100, "short": 0, "price": 3500.0}]},
    {"id": "C201", "member": "M02", "cash": 20_000_000,
     "positions": [{"symbol": "IF1509", "long": 0, "short": 100, "price": 3500.0}]},
    {"id": "C202", "member": "M02", "cash": 1_000_000},
    {"id": "C301", "member": "M03", "cash": 1_000_000},
]  # fmt: skip
CRASH = [
    order("2015-09-07 14:30:00", "C301", "sell", 3325.0, 1),
    order("2015-09-07 14:30:01", "C202", "buy", 3325.0, 1),
]


def run(tmp_path, *, capital, funds, reserve, exchange, rules=None, days=1, orders=None):
    members = [
        {"id": m, "capital": c, "guarantee_fund": g}
        for m, c, g in zip(("M01", "M02", "M03"), (capital, 0, 0), funds, strict=True)
    ]
    path = write_scenario(
        tmp_path, contracts=[CONTRACT], accounts=ACCOUNTS, members=members,
        orders=CRASH + (orders or []), rules=rules, start="2015-09-07", days=days,
        extra=f"[exchange]\nrisk_reserve = {reserve!r}\ncapital = {exchange!r}\n",
    )  # fmt: skip
    return sim.run(path, options=SimOptions(check_invariants=True))


def rows(res):
    d = res["defaults"]
    return [
        (r["member"], r["layer"], r["amount"], r["remaining_loss"]) for r in d.iter_rows(named=True)
    ]


def covered(res, account="C101"):
    d = res["accounts_daily"].filter(account=account).row(0, named=True)
    return d["covered"], d["equity"]


def test_fund_02_loss_within_member_capital_is_paid_without_default(tmp_path):
    res = run(tmp_path, capital=3_000_000.0, funds=(800_000.0, 0.0, 0.0), reserve=0.0,
              exchange=0.0)  # fmt: skip
    assert res["defaults"].height == 0
    assert covered(res) == (LOSS, 0.0)  # the member paid the client's negative equity


def test_fund_02_default_stops_in_member_capital_when_the_rulebook_puts_it_second(tmp_path):
    order_ = ["defaulter_guarantee_fund", "member_capital", "member_guarantee_funds",
              "exchange_risk_reserve", "exchange_capital"]  # fmt: skip
    res = run(tmp_path, capital=2_000_000.0, funds=(800_000.0, 0.0, 0.0), reserve=0.0,
              exchange=0.0, rules={"waterfall": order_})  # fmt: skip
    assert rows(res) == [
        ("M01", "defaulter_guarantee_fund", 800_000.0, 1_250_000.0),
        ("M01", "member_capital", 1_250_000.0, 0.0),
    ]


def test_fund_02_default_stops_in_the_defaulters_guarantee_fund(tmp_path):
    res = run(tmp_path, capital=500_000.0, funds=(2_000_000.0, 0.0, 0.0), reserve=0.0,
              exchange=0.0)  # fmt: skip
    assert rows(res) == [
        ("M01", "member_capital", 500_000.0, 1_550_000.0),
        ("M01", "defaulter_guarantee_fund", 1_550_000.0, 0.0),
    ]
    assert covered(res) == (LOSS, 0.0)


def test_fund_02_default_stops_in_the_other_members_funds_pro_rata(tmp_path):
    # the others hold 1,000,000 + 600,000; they pay 750,000 = 468,750 + 281,250
    res = run(tmp_path, capital=500_000.0, funds=(800_000.0, 1_000_000.0, 600_000.0),
              reserve=0.0, exchange=0.0)  # fmt: skip
    assert rows(res) == [
        ("M01", "member_capital", 500_000.0, 1_550_000.0),
        ("M01", "defaulter_guarantee_fund", 800_000.0, 750_000.0),
        ("M01", "member_guarantee_funds", 750_000.0, 0.0),
    ]
    # guarantee_fund reports the requirement (FUND-01), not the drawn balance
    assert res["guarantee_fund"]["total"].to_list() == [800_000.0, 1_000_000.0, 600_000.0]


def test_fund_02_default_stops_in_the_exchange_risk_reserve(tmp_path):
    res = run(tmp_path, capital=500_000.0, funds=(800_000.0, 400_000.0, 200_000.0),
              reserve=1_000_000.0, exchange=0.0)  # fmt: skip
    assert rows(res)[2:] == [
        ("M01", "member_guarantee_funds", 600_000.0, 150_000.0),
        ("M01", "exchange_risk_reserve", 150_000.0, 0.0),
    ]


def test_fund_02_default_stops_in_exchange_capital(tmp_path):
    res = run(tmp_path, capital=500_000.0, funds=(800_000.0, 400_000.0, 200_000.0),
              reserve=100_000.0, exchange=10_000_000.0)  # fmt: skip
    assert rows(res)[3:] == [
        ("M01", "exchange_risk_reserve", 100_000.0, 50_000.0),
        ("M01", "exchange_capital", 50_000.0, 0.0),
    ]


def test_fund_02_ccp_order_uses_exchange_capital_before_the_others_funds(tmp_path):
    ccp = ["member_capital", "defaulter_guarantee_fund", "exchange_capital",
           "member_guarantee_funds", "exchange_risk_reserve"]  # fmt: skip
    res = run(tmp_path, capital=500_000.0, funds=(800_000.0, 400_000.0, 200_000.0),
              reserve=100_000.0, exchange=10_000_000.0, rules={"waterfall": ccp})  # fmt: skip
    assert rows(res)[2:] == [("M01", "exchange_capital", 750_000.0, 0.0)]


def test_fund_03_a_loss_larger_than_every_layer_is_reported_uncovered(tmp_path):
    res = run(tmp_path, capital=500_000.0, funds=(800_000.0, 400_000.0, 200_000.0),
              reserve=100_000.0, exchange=20_000.0)  # fmt: skip
    assert rows(res) == [
        ("M01", "member_capital", 500_000.0, 1_550_000.0),
        ("M01", "defaulter_guarantee_fund", 800_000.0, 750_000.0),
        ("M01", "member_guarantee_funds", 600_000.0, 150_000.0),
        ("M01", "exchange_risk_reserve", 100_000.0, 50_000.0),
        ("M01", "exchange_capital", 20_000.0, 30_000.0),
        ("M01", "uncovered", 30_000.0, 30_000.0),
    ]
    # the client keeps the uncovered rest as negative equity (never dropped)
    assert covered(res) == (LOSS - 30_000.0, -30_000.0)


def test_fund_02_balances_carry_and_a_loss_is_charged_once(tmp_path):
    # day 2 (Tue): nothing moves; the uncovered rest is not charged again, the layers stay
    res = run(tmp_path, capital=500_000.0, funds=(800_000.0, 400_000.0, 200_000.0),
              reserve=100_000.0, exchange=20_000.0, days=2)  # fmt: skip
    d = res["defaults"]
    assert set(d["day"].cast(str)) == {"2015-09-07"}
    assert res["guarantee_fund"].height == 6
    a = res["accounts_daily"].filter(account="C101").sort("day")
    assert a["covered"].to_list() == [LOSS - 30_000.0, 0.0]
    total = d.filter(d["layer"] != "uncovered")["amount"].sum()
    assert np.isclose(total, a["covered"].sum())


def test_fund_01_variable_fund_is_shared_by_business_volume(tmp_path):
    # day 0: no trades yet, the pool is shared by the initial positions: M01 100, M02 100
    res = run(tmp_path, capital=3_000_000.0, funds=(800_000.0, 0.0, 0.0), reserve=0.0,
              exchange=0.0, rules={"variable_fund_pool": 1_000_000.0})  # fmt: skip
    g = res["guarantee_fund"]
    assert g["variable"].to_list() == pytest.approx([500_000.0, 500_000.0, 0.0])
    assert g["total"].to_list() == pytest.approx([1_300_000.0, 500_000.0, 0.0])


def test_warn_01_02_triggers_escalate_per_party(tmp_path):
    """WARN-01 ④/⑤ from the default day, ⑥–⑧ from events; WARN-02 with 2 repeats a step
    ("seed"): M01's 1st-2nd triggers get request_report, 3rd-4th warning_talk, 5th-6th
    written_warning (Tuesday's close: Zhang is still called)."""
    events = [
        {"at": "2015-09-08 10:00:00", "kind": "complaint", "party": "M01", "reason": "r1"},
        {"at": "2015-09-08 10:05:00", "kind": "investigation", "party": "M01", "reason": "r2"},
        {"at": "2015-09-08 10:10:00", "kind": "other", "party": "M01", "reason": "r3"},
        {"at": "2015-09-08 10:15:00", "kind": "complaint", "party": "M02", "reason": "r4"},
    ]
    members = [{"id": "M01", "capital": 500_000.0, "guarantee_fund": 2_000_000.0},
               {"id": "M02"}, {"id": "M03"}]  # fmt: skip
    path = write_scenario(
        tmp_path, contracts=[CONTRACT], accounts=ACCOUNTS, members=members, orders=CRASH,
        events=events, start="2015-09-07", days=2,
    )  # fmt: skip
    res = sim.run(path)
    w = res["warnings"].filter(party="M01")
    assert w["trigger"].to_list() == [
        "margin_call", "member_default", "complaint", "investigation", "other", "margin_call"
    ]  # fmt: skip
    assert w["measure"].to_list() == [
        "request_report", "request_report", "warning_talk", "warning_talk",
        "written_warning", "written_warning",
    ]  # fmt: skip
    m02 = res["warnings"].filter(party="M02")
    assert m02["measure"].to_list() == ["request_report"]
    # the unpaid margin call of Zhang (C101) at Tuesday's open: party the account
    acc = res["warnings"].filter(party_kind="account")
    assert acc.select("party", "trigger").rows() == [("C101", "unpaid_margin_call")]
    assert set(res["events"]["status"]) == {"applied"}
