"""Forced liquidation in replayed runs (LIQ-01 ①, LIQ-02, LIQ-03), with worked numbers.

Rules: LIQ-01 ① (an unpaid margin call, MARGIN-06), LIQ-02 (the member acts in the first
session after the open, the exchange takes what remains; orders at the band price toward the
close through the normal matching engine; quantity just enough to cure), LIQ-03 (largest
first, proprietary before clients), SETTLE-03 (conservation with liquidation trades).

IF1509: multiplier 300, tick 0.2, margin 12 %; rulebook ``seed`` (6 % breaker band, no fees).
Friday 2015-08-21 settles at 3,450.0 (one trade in the last hour), so A (long 10 from 3,500.0
with 1,300,000 CNY) loses 150,000 and is called for 92,000 (see test_settlement_days).
Monday 2015-08-24: the call is unpaid at the 09:10 deadline, A is RESTRICTED and liquidated.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

import riskcore.sim as sim
from riskcore.output import SCHEMAS
from sim_helpers import order

MON = dt.date(2015, 8, 24)
CHECK = sim.SimOptions(check_invariants=True)


def acct(id_, member="M01", cash=10_000_000, long=0, short=0, price=3500.0, **kw):
    row = {"id": id_, "member": member, "cash": cash, **kw}
    if long or short:
        row["positions"] = [{"symbol": "IF1509", "long": long, "short": short, "price": price}]
    return row


ACCOUNTS = [
    acct("A", cash=1_300_000, long=10),
    acct("B", "M02", short=10),
    acct("C"),
    acct("D", "M02"),
]
FRIDAY = [  # the last hour trades at 3,450.0: the settlement price
    order("2015-08-21 14:30:00", "D", "sell", 3450.0, 1),
    order("2015-08-21 14:30:01", "C", "buy", 3450.0, 1),
]


def test_liq_01_02_margin_call_liquidated_by_the_member_in_the_morning(scenario):
    """Rules: LIQ-01 ①, LIQ-02, MARGIN-06 — Monday's reserve at the open is -92,000 (the call
    is unpaid). One lot closed at the band low 3,450 x 0.94 = 3,243.0 releases its margin
    3,450 x 300 x 12 % = 124,200 and realises (3,243 - 3,450) x 300 = -62,100: +62,100 a
    lot. One lot (62,100) is not enough, two (124,200) are: a member-phase sell-close of 2
    at 3,243.0 at 09:15 (the start of continuous trading). B's buy-close of 2 at 3,440.0,
    resting since the auction, takes it at its own price (MATCH-04): 2 lots at 3,440.0, kind
    liquidation, source liquidation. A's own close order of 10:00 finds 8 lots to close."""
    orders = [
        *FRIDAY,
        order("2015-08-24 09:12:00", "B", "buy", 3440.0, 2, offset="close"),
        order("2015-08-24 10:00:00", "A", "buy", 3450.0, 1, id="open-mon"),
    ]
    res = sim.run(scenario(accounts=ACCOUNTS, orders=orders, days=2), options=CHECK)
    liq = res["liquidations"]
    assert liq.schema == pl.Schema({**SCHEMAS["liquidations"]})
    assert liq.height == 1
    r = liq.row(0, named=True)
    assert (r["day"], r["at"]) == (MON, dt.datetime(2015, 8, 24, 9, 15))
    assert (r["account"], r["member"], r["symbol"]) == ("A", "M01", "IF1509")
    assert (r["trigger"], r["phase"], r["side"], r["qty"], r["filled"]) == (
        "margin_call", "member", "sell", 2, 2,
    )  # fmt: skip
    assert r["price"] == 3243.0 and r["status"] == "filled"
    t = res["trades"].filter(kind="liquidation")
    assert t.height == 1
    tr = t.row(0, named=True)
    assert (tr["price"], tr["qty"], tr["sell_account"], tr["buy_account"]) == (3440.0, 2, "A", "B")
    assert tr["sell_order_no"] == r["order_no"]
    o = res["orders"].filter(order_no=r["order_no"]).row(0, named=True)
    assert (o["source"], o["offset"], o["price"], o["qty"], o["status"]) == (
        "liquidation", "close", 3243.0, 2, "filled",
    )  # fmt: skip
    assert o["order_no"] >= len(orders)  # numbered after the scenario's messages
    mine = res["orders"].filter(client_id="open-mon").row(0, named=True)
    assert mine["reason"] == "RESTRICTED"
    s = res["settlements"].filter(day=MON, account="A").row(0, named=True)
    assert s["long"] == 8


def test_liq_02_member_fails_exchange_finishes_in_the_afternoon(scenario):
    """Rules: LIQ-02 — the same call, but nobody bids in the morning: the member's order of 2
    at 3,243.0 rests unfilled. An ask held at the breaker price for a minute triggers the
    breaker (BRK-02, 09:16); after it (09:26) the band is the 10 % limit band, 3,105.0 to
    3,795.0 (BRK-03). At 11:30 the member's remainder is cancelled and at 13:00 the exchange
    submits 2 at the band price in force, 3,105.0 (phase exchange). C buys 2 at 3,450.0 at
    14:00 and trades at the resting liquidation price 3,105.0 (MATCH-04)."""
    orders = [*FRIDAY, order("2015-08-24 14:00:00", "C", "buy", 3450.0, 2)]
    res = sim.run(scenario(accounts=ACCOUNTS, orders=orders, days=2), options=CHECK)
    liq = res["liquidations"].sort("order_no")
    got = liq.select("at", "phase", "qty", "filled", "price", "status").rows()
    assert got == [
        (dt.datetime(2015, 8, 24, 9, 15), "member", 2, 0, 3243.0, "cancelled"),
        (dt.datetime(2015, 8, 24, 13, 0), "exchange", 2, 2, 3105.0, "filled"),
    ]
    member_no, exch_no = liq["order_no"].to_list()
    o = res["orders"]
    cancel = o.filter(action="cancel", target_order_no=member_no).row(0, named=True)
    assert cancel["source"] == "liquidation" and cancel["at"] == dt.datetime(2015, 8, 24, 11, 30)
    assert o.filter(order_no=member_no)["reason"].item() == "USER_CANCEL"
    t = res["trades"].filter(kind="liquidation").row(0, named=True)
    assert (t["price"], t["qty"], t["sell_order_no"]) == (3105.0, 2, exch_no)
    assert res["settlements"].filter(day=MON, account="A")["long"].item() == 8


def test_liq_02_own_close_orders_are_cancelled_to_make_room(scenario):
    """Rules: LIQ-02 — A's own sell-close of 10 rests at 3,600.0 from the auction: the
    liquidation order would find no lots left to close (NO_POSITION), so A's order is
    cancelled first (a cancel of source liquidation) and the liquidation order goes in."""
    orders = [
        *FRIDAY,
        order("2015-08-24 09:11:00", "A", "sell", 3600.0, 10, offset="close", id="mine"),
        order("2015-08-24 09:12:00", "B", "buy", 3440.0, 2, offset="close"),
    ]
    res = sim.run(scenario(accounts=ACCOUNTS, orders=orders, days=2), options=CHECK)
    o = res["orders"]
    mine = o.filter(client_id="mine", action="new").row(0, named=True)
    assert mine["status"] == "cancelled" and mine["reason"] == "USER_CANCEL"
    cancel = o.filter(action="cancel").row(0, named=True)
    assert cancel["source"] == "liquidation" and cancel["client_id"] == "mine"
    r = res["liquidations"].row(0, named=True)
    assert (r["qty"], r["filled"], r["phase"]) == (2, 2, "member")


def test_liq_03_largest_position_and_proprietary_first(scenario):
    """Rules: LIQ-03 — two contracts-worth of the same story in one contract: P (a member's
    own account, long 10) and A (client, long 10) are both called; P's order goes in first
    (order number lower), then A's: proprietary before clients."""
    accounts = [
        acct("A", cash=1_300_000, long=10),
        acct("P", cash=1_300_000, long=10, proprietary=True),
        acct("B", "M02", short=20),
        acct("C"),
        acct("D", "M02"),
    ]
    res = sim.run(scenario(accounts=accounts, orders=FRIDAY, days=2), options=CHECK)
    liq = res["liquidations"].filter(phase="member").sort("order_no")
    assert liq["account"].to_list() == ["P", "A"]
    assert liq["qty"].to_list() == [2, 2]


def test_no_liquidation_without_a_call(scenario):
    """The table exists (empty) on a run without liquidation."""
    res = sim.run(scenario(orders=FRIDAY, days=1))
    assert res["liquidations"].height == 0
    assert res["liquidations"].schema == SCHEMAS["liquidations"]
