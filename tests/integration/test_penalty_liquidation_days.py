"""Forced liquidation on a penalty event (LIQ-01 ③) and the LIQ-04 carry-over, replayed.

Rules: LIQ-01 ③ (a ``penalty_liquidation`` scenario event: account, optional symbol and qty;
no qty = the whole position), LIQ-02 (member phase from the next session start after the event,
the exchange takes what remains after the member's session; orders at the band price toward
the close through the normal matching engine), LIQ-04 (what a limit-locked market does not
fill carries to the next day, resubmitted as exchange phase at the next day's first session).

IF1509: multiplier 300, tick 0.2, previous settlement 3,500.0; rulebook ``seed`` (6 % breaker
band at the open, 3,290.0-3,710.0; 10 % limit band 3,150.0-3,850.0; sessions 09:15-11:30 and
13:00-15:15; one member session). Friday 2015-08-21 and Monday 2015-08-24.
"""

from __future__ import annotations

import datetime as dt

import pytest

import riskcore.sim as sim
from sim_helpers import order

FRI = dt.date(2015, 8, 21)
MON = dt.date(2015, 8, 24)
CHECK = sim.SimOptions(check_invariants=True)


def acct(id_, member="M01", long=0, short=0, price=3500.0):
    row = {"id": id_, "member": member, "cash": 10_000_000}
    if long or short:
        row["positions"] = [{"symbol": "IF1509", "long": long, "short": short, "price": price}]
    return row


def penalty(at, account="A", **kw):
    return {"at": at, "kind": "penalty_liquidation", "account": account, "reason": "fine", **kw}


def test_liq_01_02_penalty_of_a_given_qty_closed_by_the_member(scenario):
    """Rules: LIQ-01 ③, LIQ-02 — a penalty of 3 lots on A (long 10) before Friday's open. At
    09:15, the first session start after it, the member sells 3 to close at the breaker band
    low 3,290.0; C's bid of 3 at 3,480.0 resting since the auction takes them at its own
    price (MATCH-04). The event is ``applied``; A keeps 7."""
    accounts = [acct("A", long=10), acct("B", "M02", short=10), acct("C")]
    orders = [order("2015-08-21 09:12:00", "C", "buy", 3480.0, 3)]
    events = [penalty("2015-08-21 09:00:00", symbol="IF1509", qty=3)]
    res = sim.run(scenario(accounts=accounts, orders=orders, events=events), options=CHECK)
    ev = res["events"].row(0, named=True)
    assert (ev["kind"], ev["status"]) == ("penalty_liquidation", "applied")
    liq = res["liquidations"]
    assert liq.select("day", "at", "account", "trigger", "phase", "side", "qty").rows() == [
        (FRI, dt.datetime(2015, 8, 21, 9, 15), "A", "penalty", "member", "sell", 3)
    ]
    r = liq.row(0, named=True)
    assert (r["filled"], r["price"], r["status"]) == (3, 3290.0, "filled")
    assert r["rule"] == "LIQ-01 (3), LIQ-02"
    t = res["trades"].filter(kind="liquidation")
    assert t.select("price", "qty", "sell_account", "buy_account").rows() == [(3480.0, 3, "A", "C")]
    s = res["settlements"].filter(day=FRI, account="A").row(0, named=True)
    assert (s["long"], s["short"]) == (7, 0)


def test_liq_01_02_whole_position_penalty_from_the_next_session(scenario):
    """Rules: LIQ-01 ③, LIQ-02 — a penalty without symbol or qty at 10:00 Friday: the whole
    position of A (long 10), from the next session start, 13:00 (member phase). C's bid of 10
    at 3,480.0 (10:30) takes the sell-close of 10 at 3,290.0 at 3,480.0. A is flat."""
    accounts = [acct("A", long=10), acct("B", "M02", short=10), acct("C")]
    orders = [order("2015-08-21 10:30:00", "C", "buy", 3480.0, 10)]
    events = [penalty("2015-08-21 10:00:00")]
    res = sim.run(scenario(accounts=accounts, orders=orders, events=events), options=CHECK)
    assert res["events"]["status"].to_list() == ["applied"]
    liq = res["liquidations"]
    assert liq.select("at", "trigger", "phase", "side", "qty", "filled", "price").rows() == [
        (dt.datetime(2015, 8, 21, 13, 0), "penalty", "member", "sell", 10, 10, 3290.0)
    ]
    t = res["trades"].filter(kind="liquidation")
    assert t.select("price", "qty", "sell_account", "buy_account").rows() == [
        (3480.0, 10, "A", "C")
    ]
    assert res["settlements"].filter(day=FRI, account="A")["long"].item() == 0


def test_liq_04_locked_market_remainder_carried_and_filled_next_day(scenario):
    """Rules: LIQ-01 ③, LIQ-02, LIQ-04, LIMIT-04 — a penalty of 4 lots on A (long 10) before
    Friday's open. 09:15 member sell-close of 4 at 3,290.0: C's bid takes 1 at 3,480.0; the
    unfilled ask triggers the breaker (BRK-02), the band becomes the 10 % limit band. 11:30
    the member's 3 are cancelled; 13:00 the exchange sells 3 at the limit low 3,150.0. D buys
    1 at 3,150.0 at 14:00: the market closes locked down (settlement 3,150.0) with 2 lots
    unfilled. Nobody has a net profitable short (B sold at 3,100.0), so no forced reduction
    (RED-01) takes them: the 2 lots carry to Monday and go in at 09:15 as exchange phase at
    Monday's breaker band low 3,150 x 0.94 = 2,961.0; C's bid of 5 at 3,300.0 takes them
    at 3,300.0. A ends with 6 lots."""
    accounts = [
        acct("A", long=10),
        acct("B", "M02", short=10, price=3100.0),
        acct("C"),
        acct("D", "M02"),
    ]
    orders = [
        order("2015-08-21 09:12:00", "C", "buy", 3480.0, 1),
        order("2015-08-21 14:00:00", "D", "buy", 3150.0, 1),
        order("2015-08-24 09:12:00", "C", "buy", 3300.0, 5),
    ]
    events = [penalty("2015-08-21 09:00:00", symbol="IF1509", qty=4)]
    res = sim.run(scenario(accounts=accounts, orders=orders, events=events), options=CHECK)
    assert res["prices"].filter(day=FRI)["locked"].item() == "down"
    assert res["reductions"].height == 0
    liq = res["liquidations"].sort("order_no")
    assert liq.select("day", "at", "phase", "qty", "filled", "price").rows() == [
        (FRI, dt.datetime(2015, 8, 21, 9, 15), "member", 4, 1, 3290.0),
        (FRI, dt.datetime(2015, 8, 21, 13, 0), "exchange", 3, 1, 3150.0),
        (MON, dt.datetime(2015, 8, 24, 9, 15), "exchange", 2, 2, 2961.0),
    ]
    assert liq["trigger"].unique().to_list() == ["penalty"]
    assert liq["rule"].to_list()[-1] == "LIQ-01 (3), LIQ-02, LIQ-04"
    t = res["trades"].filter(kind="liquidation").sort("trade_no")
    assert t.select("day", "price", "qty", "buy_account").rows() == [
        (FRI, 3480.0, 1, "C"),
        (FRI, 3150.0, 1, "D"),
        (MON, 3300.0, 2, "C"),
    ]
    a = res["settlements"].filter(account="A").sort("day")["long"].to_list()
    assert a == [8, 6]


def test_liq_04_forced_reduction_takes_what_would_carry(scenario):
    """Rules: LIQ-04, RED-01 — as above, but B's short (from 3,500.0) is profitable at the
    locked-down settlement 3,150.0: the forced reduction matches A's 2 resting lots against B
    at 3,150.0, so nothing is left to carry and Monday has no liquidation order."""
    accounts = [acct("A", long=10), acct("B", "M02", short=10), acct("C"), acct("D", "M02")]
    orders = [
        order("2015-08-21 09:12:00", "C", "buy", 3480.0, 1),
        order("2015-08-21 14:00:00", "D", "buy", 3150.0, 1),
    ]
    events = [penalty("2015-08-21 09:00:00", symbol="IF1509", qty=4)]
    res = sim.run(scenario(accounts=accounts, orders=orders, events=events), options=CHECK)
    red = res["reductions"].filter(role="requester")
    assert red.select("account", "qty", "price").rows() == [("A", 2, 3150.0)]
    assert res["liquidations"].filter(day=MON).height == 0
    assert res["settlements"].filter(account="A").sort("day")["long"].to_list() == [6, 6]


@pytest.mark.parametrize(
    ("kind", "trigger", "rule"),
    [
        ("emergency_liquidation", "emergency", "LIQ-01 (4)"),
        ("other_liquidation", "other", "LIQ-01 (5)"),
    ],
)
def test_liq_01_emergency_and_other_liquidation_events(scenario, kind, trigger, rule):
    """Rules: LIQ-01 ④ ⑤, LIQ-02 — an emergency-measure or other liquidation event works like
    the penalty one: 3 of A's 10 lots sold by the member at 09:15, trigger named in the table."""
    accounts = [acct("A", long=10), acct("B", "M02", short=10), acct("C")]
    orders = [order("2015-08-21 09:12:00", "C", "buy", 3480.0, 3)]
    events = [{**penalty("2015-08-21 09:00:00", symbol="IF1509", qty=3), "kind": kind}]
    res = sim.run(scenario(accounts=accounts, orders=orders, events=events), options=CHECK)
    assert res["events"].row(0, named=True)["status"] == "applied"
    liq = res["liquidations"].row(0, named=True)
    assert (liq["trigger"], liq["phase"], liq["qty"], liq["filled"]) == (trigger, "member", 3, 3)
    assert liq["rule"].startswith(rule)
    s = res["settlements"].filter(day=FRI, account="A").row(0, named=True)
    assert (s["long"], s["short"]) == (7, 0)
