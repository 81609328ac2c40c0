"""Forced position reduction in replayed runs (RED-01..05), with worked numbers.

Rules: RED-01 (after the close of a limit-locked day, unfilled close orders at the limit are
matched pro rata against net profitable positions, booked as that day's trades at the limit
price before settlement), RED-02 (a two-sided holder offsets the rest against itself),
RED-03 (unit net profit from the average open price), RED-04 (rounding), RED-05 (cffex-2010:
the second consecutive locked day, a 10 % loss to qualify, tiers of profit 10 % / 6 % / 0 %),
LIMIT-04 (locked), SETTLE-03 (conservation after the reduction).

IF1509: multiplier 300, tick 0.2, previous settlement 3,000.0 on Friday 2015-08-21.
"""

from __future__ import annotations

import datetime as dt

import riskcore.sim as sim
from riskcore.output import SCHEMAS
from sim_helpers import order

FRI, MON = dt.date(2015, 8, 21), dt.date(2015, 8, 24)
CHECK = sim.SimOptions(check_invariants=True)
CONTRACT = {"symbol": "IF1509", "multiplier": 300, "tick": 0.2, "prev_settlement": 3000.0,
            "margin_rate": 0.12}  # fmt: skip


def acct(id_, member="M01", long=0, short=0, price=3000.0):
    row = {"id": id_, "member": member, "cash": 50_000_000}
    if long or short:
        row["positions"] = [{"symbol": "IF1509", "long": long, "short": short, "price": price}]
    return row


def lock_down(day: str, price: float, *closers: tuple[str, int]) -> list[dict]:
    """X sells 1 to Y at the lower limit in the last hour (the settlement price, LIMIT-04:
    last price at the limit), then the closers' sell-close orders rest there unfilled."""
    out = [order(f"{day} 14:30:00", "X", "sell", price, 1),
           order(f"{day} 14:30:01", "Y", "buy", price, 1)]  # fmt: skip
    for k, (who, qty) in enumerate(closers):
        out.append(order(f"{day} 14:31:{k:02d}", who, "sell", price, qty, offset="close"))
    return out


def test_red_01_04_seed_pro_rata_worked_example(scenario):
    """Rules: RED-01, RED-03, RED-04 — seed (no breaker here): Friday locks down at 2,700.0
    (3,000 x 0.9). R (long 10 from 3,000.0) cannot sell its 10 lots. Net profitable shorts:
    S1 short 30 (from 3,000.0) and S2 short 10 (from 2,800.0), both in profit at 2,700.0; X
    (short 1 at 2,700.0) makes nothing and is no counterparty. 10 lots spread 30 : 10 = 7.5 :
    2.5 -> 7 and 2, the leftover lot (equal fractions) to the larger position: 8 and 2.
    Booked as Friday's trades at 2,700.0, kind reduction: R -> S1 8, R -> S2 2. Everybody's
    P&L is marked to 2,700.0; the reduction lots were closed at it, so nothing more."""
    accounts = [acct("R", long=10), acct("S1", "M02", short=30),
                acct("S2", "M02", short=10, price=2800.0), acct("X"), acct("Y", "M02"),
                acct("L", long=30)]  # fmt: skip
    orders = lock_down("2015-08-21", 2700.0, ("R", 10))
    res = sim.run(
        scenario(contracts=[CONTRACT], accounts=accounts, orders=orders, days=1,
                 rules={"circuit_breaker": 0}),
        options=CHECK,
    )  # fmt: skip
    assert res["prices"]["locked"].to_list() == ["down"]
    red = res["reductions"]
    assert red.schema == SCHEMAS["reductions"]
    got = red.select("day", "account", "role", "qty", "price", "tier").rows()
    assert got == [(FRI, "R", "requester", 10, 2700.0, 1),
                   (FRI, "S1", "counterparty", 8, 2700.0, 1),
                   (FRI, "S2", "counterparty", 2, 2700.0, 1)]  # fmt: skip
    assert red["rule"].unique().to_list() == ["RED-01"]
    t = res["trades"].filter(kind="reduction")
    assert t.select("sell_account", "buy_account", "qty", "price").rows() == [
        ("R", "S1", 8, 2700.0), ("R", "S2", 2, 2700.0)]  # fmt: skip
    assert t["buy_order_no"].null_count() == 2
    s = {r["account"]: r for r in res["settlements"].iter_rows(named=True)}
    assert (s["R"]["long"], s["S1"]["short"], s["S2"]["short"]) == (0, 22, 8)
    assert s["R"]["pnl"] == 10 * (2700.0 - 3000.0) * 300
    assert res["prices"]["open_interest"].to_list() == [41 - 10]  # 40 + X/Y's new lot
    assert res["prices"]["settlement_price"].to_list() == [2700.0]


def test_red_02_two_sided_holder_offsets_itself(scenario):
    """Rule: RED-02 — H holds long 10 and short 4 (net long 6) and asks to sell 10 at the
    limit: 6 (its net position) enter the pool, 4 are offset against its own short (role
    self_offset, a trade of kind offset with H on both sides). The pool of 6 goes 30 : 10 =
    4.5 : 1.5 -> 4 and 1, the leftover to the larger position: S1 5, S2 1. H ends flat."""
    accounts = [acct("H", long=10, short=4), acct("S1", "M02", short=30),
                acct("S2", "M02", short=10, price=2800.0), acct("X"), acct("Y", "M02"),
                acct("L", long=34)]  # fmt: skip
    orders = lock_down("2015-08-21", 2700.0, ("H", 10))
    res = sim.run(
        scenario(contracts=[CONTRACT], accounts=accounts, orders=orders, days=1,
                 rules={"circuit_breaker": 0}),
        options=CHECK,
    )  # fmt: skip
    got = res["reductions"].select("account", "role", "side", "qty", "tier", "rule").rows()
    assert got == [("H", "self_offset", "sell", 4, 0, "RED-02"),
                   ("H", "requester", "sell", 6, 1, "RED-01"),
                   ("S1", "counterparty", "buy", 5, 1, "RED-01"),
                   ("S2", "counterparty", "buy", 1, 1, "RED-01")]  # fmt: skip
    off = res["trades"].filter(kind="offset").row(0, named=True)
    assert (off["buy_account"], off["sell_account"], off["qty"]) == ("H", "H", 4)
    s = {r["account"]: r for r in res["settlements"].iter_rows(named=True)}
    assert (s["H"]["long"], s["H"]["short"], s["S1"]["short"], s["S2"]["short"]) == (0, 0, 25, 9)


def test_red_05_cffex_2010_second_locked_day_tiers(scenario):
    """Rule: RED-05 — cffex-2010 (no breaker, 10 % limit). Friday locks down at 2,700.0: the
    first locked day, no reduction. Monday locks down again at 2,430.0 (2,700 x 0.9): the
    second consecutive day. Requests at the settlement price 2,430.0: R (long 10 from
    3,000.0) loses (3,000 - 2,430) / 2,430 = 23.5 % >= 10 %: qualifies; Q (long 5 from
    2,650.0) loses 9.05 %: does not. Counterparties by unit net profit: S1 (short 4 from
    3,000.0) 23.5 % -> tier 1; S2 (short 10 from 2,600.0) 7.0 % -> tier 2; S3 (short 20 from
    2,500.0) 2.9 % -> tier 3. Tier 1 holds 4 < 10: all of it closes; the remaining 6 come from
    tier 2 (10 >= 6): S2 6. Tier 3 is not touched; Q keeps its 5 lots."""
    accounts = [acct("R", long=10), acct("Q", long=5, price=2650.0),
                acct("S1", "M02", short=4), acct("S2", "M02", short=10, price=2600.0),
                acct("S3", "M02", short=20, price=2500.0), acct("X"), acct("Y", "M02"),
                acct("L", long=19)]  # fmt: skip
    orders = [*lock_down("2015-08-21", 2700.0, ("R", 10)),
              *lock_down("2015-08-24", 2430.0, ("R", 10), ("Q", 5))]  # fmt: skip
    res = sim.run(
        scenario(contracts=[CONTRACT], accounts=accounts, orders=orders, days=2,
                 rulebook="cffex-2010"),
        options=CHECK,
    )  # fmt: skip
    assert res["prices"]["locked"].to_list() == ["down", "down"]
    red = res["reductions"]
    assert red.filter(day=FRI).height == 0
    got = red.select("day", "account", "role", "qty", "tier", "rule").rows()
    assert got == [(MON, "R", "requester", 4, 1, "RED-05"),
                   (MON, "S1", "counterparty", 4, 1, "RED-05"),
                   (MON, "R", "requester", 6, 2, "RED-05"),
                   (MON, "S2", "counterparty", 6, 2, "RED-05")]  # fmt: skip
    s = {r["account"]: r for r in res["settlements"].filter(day=MON).iter_rows(named=True)}
    assert (s["R"]["long"], s["Q"]["long"]) == (0, 5)
    assert (s["S1"]["short"], s["S2"]["short"], s["S3"]["short"]) == (0, 4, 20)
    t = res["trades"].filter(kind="reduction")
    assert t["qty"].sum() == 10 and set(t["price"].to_list()) == {2430.0}


def test_no_reduction_on_an_unlocked_day(scenario):
    res = sim.run(scenario(days=1))
    assert res["reductions"].height == 0 and res["reductions"].schema == SCHEMAS["reductions"]


def test_average_open_prices_are_carried_from_opening_trades(scenario):
    """RED-03 input: X opens short 1 at 2,900.0 on Friday and 1 at 2,800.0 on Monday: its
    average open price at Monday's close is (2,900 + 2,800) / 2 = 2,850.0 (14,250 ticks)."""
    accounts = [acct("X"), acct("Y", "M02")]
    orders = [order("2015-08-21 10:00:00", "X", "sell", 2900.0, 1),
              order("2015-08-21 10:00:01", "Y", "buy", 2900.0, 1),
              order("2015-08-24 10:00:00", "X", "sell", 2800.0, 1),
              order("2015-08-24 10:00:01", "Y", "buy", 2800.0, 1)]  # fmt: skip
    seen = {}
    hooks = [*sim.default_hooks(), lambda d, s: seen.setdefault(d, s)]
    sim.run(scenario(contracts=[CONTRACT], accounts=accounts, orders=orders, days=2,
                     rules={"circuit_breaker": 0}), hooks=hooks, options=CHECK)  # fmt: skip
    assert seen[FRI].avg_short[0, 0] == 2900.0 / 0.2
    assert seen[MON].avg_short[0, 0] == 2850.0 / 0.2
    assert seen[MON].avg_long[1, 0] == 2850.0 / 0.2
