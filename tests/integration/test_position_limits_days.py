"""Position limits and large-trader reports in replayed runs (POS-01..04, LTR-01/02).

The pre-trade checks are the kernel's; these tests replay whole scenarios: the investor limit
summed over members (POS-01), pending orders counted, hedge quotas (POS-03), the member cap
above 100,000 lots of open interest recomputed from each settlement (POS-02), closing always
allowed (POS-04), ``position_limit`` events, breaches found at settlement and cured by the end
of the next day's first session or handed to forced liquidation (POS-04, LIQ-01 ②), and the
large-trader reports with their deadline and the overdue ones (LTR-01/02, WARN-01 ⑤).

IF1509: multiplier 300, tick 0.2, margin 12 %, previous settlement 3500.0 (no trades: the
settlement price stays 3500.0). Friday 2015-08-21 is the first day, then Monday 24, Tuesday
25. Rulebook ``seed``: limit 600 lots, report at 80 % (480 lots), sessions 09:15-11:30 and
13:00-15:15.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

import riskcore.sim as sim
from riskcore.output import SCHEMAS
from riskcore.records import NO_LIMIT
from sim_helpers import order

FRI, MON, TUE = dt.date(2015, 8, 21), dt.date(2015, 8, 24), dt.date(2015, 8, 25)
CHECK = sim.SimOptions(check_invariants=True)
BIG = 10_000_000_000  # CNY: enough for any position here


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def acct(id_, member="M01", *, long=0, short=0, cash=BIG, **kw):
    row = {"id": id_, "member": member, "cash": cash, **kw}
    if long or short:
        row["positions"] = [{"symbol": "IF1509", "long": long, "short": short, "price": 3500.0}]
    return row


def reasons(res) -> list:
    """Each order's rejection code, ``None`` if it was accepted (resting orders that
    expire at the close count as accepted)."""
    o = res["orders"]
    return [r if st == "rejected" else None for r, st in o.select("reason", "status").rows()]


def members(n: int) -> list[dict]:
    return [{"id": f"M0{i}", "name": f"Member {i}"} for i in range(1, n + 1)]


# --- POS-01 / POS-03 / POS-04 pre-trade ------------------------------------------------------
def test_pos_01_investor_blocked_at_the_limit_summed_over_two_members(scenario):
    """Rules: POS-01, POS-04 — INV-X holds 400 long at M01 (X1) and buys 200 at M02 (X2):
    600 in all, the limit; one more lot at either member is rejected ``POSITION_LIMIT``. The
    short side counts separately (单边). X1 closes 100 (closing is always allowed); then X2
    may buy 100 again, and a pending buy counts towards the limit (the next lot is refused)."""
    accounts = [
        acct("X1", "M01", investor="INV-X", long=400),
        acct("X2", "M02", investor="INV-X"),
        acct("K", "M02", short=400),
        acct("S", "M01"),
        acct("B", "M02"),
    ]
    orders = [
        order("2015-08-21 10:00:00", "S", "sell", 3500.0, 200),
        order("2015-08-21 10:00:01", "X2", "buy", 3500.0, 200),  # fills: 600
        order("2015-08-21 10:00:02", "X2", "buy", 3500.0, 1),  # POSITION_LIMIT
        order("2015-08-21 10:00:03", "X1", "buy", 3500.0, 1),  # POSITION_LIMIT
        order("2015-08-21 10:00:04", "X2", "sell", 3600.0, 1),  # short side: fine
        order("2015-08-21 10:00:05", "X1", "sell", 3500.0, 100, offset="close"),
        order("2015-08-21 10:00:06", "B", "buy", 3500.0, 100),  # takes X1's close
        order("2015-08-21 10:00:07", "X2", "buy", 3400.0, 100),  # rests: 500 + 100 pending
        order("2015-08-21 10:00:08", "X2", "buy", 3400.0, 1),  # POSITION_LIMIT
    ]
    res = sim.run(scenario(accounts=accounts, orders=orders, days=1), options=CHECK)
    assert reasons(res) == [
        None, None, "POSITION_LIMIT", "POSITION_LIMIT", None, None, None, None,
        "POSITION_LIMIT",
    ]  # fmt: skip
    assert res["orders"]["filled"].to_list()[:2] == [200, 200]
    s = res["settlements"].filter(pl.col("account").is_in(["X1", "X2"]))
    assert s.sort("account")["long"].to_list() == [300, 200]
    assert res["limit_breaches"].height == 0  # never over the limit


def test_pos_03_hedger_exempt_up_to_its_quota(scenario):
    """Rules: POS-03, POS-01 — H (hedge quota 100) holds 600 long and may buy 100 more
    (700 = limit + quota); the 701st lot is rejected. N, without a quota, is stopped at 600.
    No breach at settlement: H's limit is 700. Hedgers still report (LTR-01)."""
    accounts = [
        acct("H", "M01", long=600, hedge_quota=100),
        acct("N", "M01", long=600),
        acct("K1", "M02", short=600),
        acct("K2", "M02", short=600),
        acct("S", "M02"),
    ]
    orders = [
        order("2015-08-21 10:00:00", "S", "sell", 3500.0, 100),
        order("2015-08-21 10:00:01", "H", "buy", 3500.0, 100),
        order("2015-08-21 10:00:02", "H", "buy", 3500.0, 1),
        order("2015-08-21 10:00:03", "N", "buy", 3500.0, 1),
    ]
    res = sim.run(scenario(accounts=accounts, orders=orders, days=1), options=CHECK)
    assert reasons(res) == [None, None, "POSITION_LIMIT", "POSITION_LIMIT"]
    assert res["limit_breaches"].height == 0
    r = res["large_trader_reports"]
    assert sorted(r["account"].to_list()) == ["H", "K1", "K2", "N"]
    assert r.filter(account="H")["long"].to_list() == [700]


# --- POS-02 ----------------------------------------------------------------------------------
def member_accounts() -> list[dict]:
    """Open interest exactly 100,000 lots: longs 25,000 at each of M01..M04, shorts too."""
    rows = []
    for i in range(1, 5):
        rows.append(acct(f"L{i}", f"M0{i}", long=25_000))
        rows.append(acct(f"S{i}", f"M0{i}", short=25_000))
    rows += [acct("N1", "M05"), acct("N2", "M05")]
    return rows


def test_pos_02_member_cap_only_above_100000_lots_and_from_each_settlement(scenario):
    """Rules: POS-02, POS-04 — Friday's open interest is exactly 100,000 lots (not above the
    threshold): no member cap, L1 (M01) buys 2,000 lots to 27,000, 27 % of it. Friday's
    settlement leaves 102,000 lots: from Monday a member may hold 25 % = 25,500 lots a side.
    L2 (M02) buys 500 (25,500, the cap) and then 1 more: ``MEMBER_LIMIT``. M01 (27,000) is
    over the new cap: a breach found at Friday's settlement (excess 1,500). It sells 1,500
    back before 11:30 on Monday (closing is always allowed): cured. Monday ends with 102,500
    lots (cap 25,625): no new breach."""
    orders = [
        order("2015-08-21 10:00:00", "N1", "sell", 3500.0, 2_000),
        order("2015-08-21 10:00:01", "L1", "buy", 3500.0, 2_000),  # no cap on Friday
        order("2015-08-24 10:00:00", "N2", "sell", 3500.0, 500),
        order("2015-08-24 10:00:01", "L2", "buy", 3500.0, 500),  # 25,500: the cap
        order("2015-08-24 10:00:02", "L2", "buy", 3500.0, 1),  # MEMBER_LIMIT
        order("2015-08-24 10:00:03", "L1", "sell", 3500.0, 1_500, offset="close"),
        order("2015-08-24 10:00:04", "N2", "buy", 3500.0, 1_500),
    ]
    seen = {}
    path = scenario(
        accounts=member_accounts(), members=members(5), orders=orders,
        rules={"position_limit": False},
    )  # fmt: skip
    res = sim.run(path, options=CHECK, hooks=[*sim.default_hooks(), seen.setdefault])
    assert [s.market.contracts["member_limit"][0] for s in seen.values()] == [NO_LIMIT, 25_500]
    assert reasons(res) == [None, None, None, None, "MEMBER_LIMIT", None, None]
    assert res["orders"]["filled"].to_list() == [2_000, 2_000, 500, 500, 0, 1_500, 1_500]
    assert res["prices"]["open_interest"].to_list() == [102_000, 102_500]
    b = res["limit_breaches"]
    assert b.schema == SCHEMAS["limit_breaches"]
    assert b.to_dicts() == [
        {
            "day": FRI, "party": "M01", "party_kind": "member", "symbol": "IF1509",
            "side": "long", "held": 27_000, "limit": 25_500, "excess": 1_500,
            "due": ts("2015-08-24 11:30"), "remaining": 0, "status": "cured",
            "account": None, "qty": 0, "close_side": None, "rule": "POS-02",
        }
    ]  # fmt: skip
    assert res["large_trader_reports"].height == 0  # no position limit, no reports


def test_pos_04_member_breach_when_open_interest_shrinks_proprietary_first(scenario):
    """Rules: POS-02, POS-04, LIQ-01 ②, LIQ-03 — 120,000 lots of open interest, cap 30,000;
    M01 holds exactly 30,000 long (P proprietary 10,000, Q client 20,000). On Friday M02 and
    M03 close 2,000 lots between them: 118,000 left, Monday's cap 29,500, M01 is 500 over.
    M01 does nothing by 11:30 on Monday: 500 lots handed to forced liquidation, from the
    proprietary account first although Q is larger. The exchange's sell-close of 500 at 13:00
    (LIQ-02) finds no bid and expires unfilled (② is not carried, LIQ-04: it is planned
    afresh), so Monday's settlement finds the breach again."""
    accounts = [
        acct("P", "M01", long=10_000, proprietary=True),
        acct("Q", "M01", long=20_000),
        *[acct(f"L{i}", f"M0{i}", long=22_500) for i in range(2, 6)],
        *[acct(f"S{i}", f"M0{i}", short=24_000) for i in range(1, 6)],
    ]
    orders = [
        order("2015-08-21 10:00:00", "L2", "sell", 3500.0, 2_000, offset="close"),
        order("2015-08-21 10:00:01", "S3", "buy", 3500.0, 2_000, offset="close"),
    ]
    seen = {}
    path = scenario(accounts=accounts, members=members(5), orders=orders,
                    rules={"position_limit": False})  # fmt: skip
    res = sim.run(path, options=CHECK, hooks=[*sim.default_hooks(), seen.setdefault])
    assert [s.market.contracts["member_limit"][0] for s in seen.values()] == [30_000, 29_500]
    b = res["limit_breaches"]
    assert b.select("day", "party", "held", "limit", "excess", "remaining", "status",
                    "account", "qty", "close_side").rows() == [
        (FRI, "M01", 30_000, 29_500, 500, 500, "handed_to_liquidation", "P", 500, "sell"),
        (MON, "M01", 30_000, 29_500, 500, None, "pending", None, 0, None),
    ]  # fmt: skip
    ho = seen[MON].limit_handoffs
    assert ho[["account", "qty", "side", "trigger"]].tolist() == [(0, 500, 2, 2)]
    # the liquidation order found no bid: nothing closed, nobody restricted
    liq = res["liquidations"]
    assert liq.select("account", "trigger", "phase", "qty", "filled").rows() == [
        ("P", "position_limit", "exchange", 500, 0)
    ]
    assert not res["accounts_daily"]["restricted"].any()
    assert res["settlements"].filter(day=MON, account="P")["long"].to_list() == [10_000]


# --- position_limit events and POS-04 breaches ----------------------------------------------
BREACH_ACCOUNTS = [
    acct("X1", "M01", investor="INV-X", name="Xu Yi", long=300),
    acct("X2", "M02", investor="INV-X", name="Xu Yi", long=200),
    acct("K1", "M02", short=250),
    acct("K2", "M02", short=250),
    acct("B1", "M01"),
    acct("B2", "M02"),
]
LOWER = [
    {"at": "2015-08-21 10:00:00", "kind": "position_limit", "value": 300,
     "reason": "risk rises"},
]  # fmt: skip


def test_pos_04_position_limit_event_applies_from_its_time_and_notices(scenario):
    """Rules: POS-01, POS-04 — the limit is lowered from 600 to 300 lots at 10:00 on Friday:
    INV-X (500 long) may still add a lot at 09:30, not at 10:30 (``POSITION_LIMIT``); the
    event is applied, a ``notices`` row says 600 -> 300, and Monday's engine starts at 300.
    Friday's settlement finds INV-X 201 over; with a one-day run the cure window is after the
    run: ``pending``. K1 and K2 (250 short each) are under the new limit."""
    orders = [
        order("2015-08-21 09:30:00", "B1", "sell", 3500.0, 1),
        order("2015-08-21 09:30:01", "X1", "buy", 3500.0, 1),
        order("2015-08-21 10:30:00", "B2", "sell", 3500.0, 1),
        order("2015-08-21 10:30:01", "X1", "buy", 3500.0, 1),
        order("2015-08-21 10:30:02", "X1", "sell", 3500.0, 1, offset="close"),
    ]
    seen = {}
    path = scenario(accounts=BREACH_ACCOUNTS, orders=orders, events=LOWER)
    res = sim.run(path, days=1, options=CHECK, hooks=[*sim.default_hooks(), seen.setdefault])
    assert reasons(res) == [None, None, None, "POSITION_LIMIT", None]
    e = res["events"]
    assert e.select("kind", "status").rows() == [("position_limit", "applied")]
    assert "300 lots per side" in e["detail"][0]
    n = res["notices"].filter(kind="position_limit")
    assert n.select("day", "symbol", "old_value", "new_value", "cause", "rule").rows() == [
        (FRI, "IF1509", 600.0, 300.0, "event", "POS-01")
    ]
    assert "risk rises" in n["reason"][0]
    assert seen[FRI].next_pos_limit.tolist() == [300]
    b = res["limit_breaches"]
    assert b.select("day", "party", "party_kind", "side", "held", "limit", "excess", "due",
                    "remaining", "status", "account", "qty", "rule").rows() == [
        (FRI, "INV-X", "investor", "long", 501, 300, 201, ts("2015-08-24 11:30"), None,
         "pending", None, 0, "POS-01"),
    ]  # fmt: skip
    assert res.summary["events_not_simulated"] == 0


def test_pos_04_position_limit_event_carries_to_the_next_day(scenario):
    """Rule: POS-01 — a ``position_limit`` event after Friday's close, for one symbol, is in
    force from Monday's open; a buy that fits 600 but not 300 is refused on Monday."""
    events = [{"at": "2015-08-21 16:00:00", "kind": "position_limit", "symbol": "IF1509",
               "value": 300}]  # fmt: skip
    accounts = [acct("A", "M01"), acct("C", "M02")]
    orders = [order("2015-08-24 10:00:00", "A", "buy", 3500.0, 301)]
    seen = {}
    path = scenario(accounts=accounts, orders=orders, events=events)
    res = sim.run(path, hooks=[*sim.default_hooks(), seen.setdefault])
    assert [s.market.contracts["pos_limit"][0] for s in seen.values()] == [600, 300]
    assert reasons(res) == ["POSITION_LIMIT"]


def cure_run(scenario, monday: list[dict], days: int = 2):
    """INV-X 500 long over two members; the limit drops to 300 at 10:00 on Friday."""
    path = scenario(accounts=BREACH_ACCOUNTS, orders=monday, events=LOWER, days=days)
    seen = {}
    res = sim.run(path, options=CHECK, hooks=[*sim.default_hooks(), seen.setdefault])
    return res, seen


def test_pos_04_breach_cured_by_the_end_of_the_first_session(scenario):
    """Rule: POS-04 — INV-X is 200 over after Friday's settlement; X2 sells its 200 at 11:00
    on Monday, inside the first session: cured, nothing handed to liquidation, and no breach
    at Monday's settlement."""
    monday = [
        order("2015-08-24 11:00:00", "X2", "sell", 3500.0, 200, offset="close"),
        order("2015-08-24 11:00:01", "B1", "buy", 3500.0, 200),
    ]
    res, seen = cure_run(scenario, monday)
    b = res["limit_breaches"]
    assert b.select("day", "party", "held", "limit", "excess", "due", "remaining", "status",
                    "account", "qty").rows() == [
        (FRI, "INV-X", 500, 300, 200, ts("2015-08-24 11:30"), 0, "cured", None, 0),
    ]  # fmt: skip
    assert len(seen[MON].limit_handoffs) == 0


def test_pos_04_breach_not_cured_in_time_is_handed_to_liquidation(scenario):
    """Rules: POS-04, LIQ-01 ②, LIQ-02/03 — X2 sells 150 in the morning (350 held, 50 still
    over at 11:30) and the last 50 only at 13:30, too late: at 11:30 the 50 lots are handed
    to forced liquidation, from the larger account X1 (300 lots), as a sell. By Monday's
    close INV-X holds 300 (within the limit): no new breach."""
    monday = [
        order("2015-08-24 10:00:00", "X2", "sell", 3500.0, 150, offset="close"),
        order("2015-08-24 10:00:01", "B1", "buy", 3500.0, 150),
        order("2015-08-24 13:30:00", "X2", "sell", 3500.0, 50, offset="close"),
        order("2015-08-24 13:30:01", "B1", "buy", 3500.0, 50),
    ]
    res, seen = cure_run(scenario, monday)
    b = res["limit_breaches"]
    assert b.select("party", "excess", "remaining", "status", "account", "qty", "close_side",
                    "rule").rows() == [
        ("INV-X", 200, 50, "handed_to_liquidation", "X1", 50, "sell", "POS-01"),
    ]  # fmt: skip
    ho = seen[MON].limit_handoffs
    assert ho[["account", "contract", "qty", "side", "trigger"]].tolist() == [(0, 0, 50, 2, 2)]
    assert len(seen[MON].next_breaches) == 0


def test_liq_01_02_limit_handoff_closed_by_the_exchange_in_the_next_session(scenario):
    """Rules: LIQ-01 ②, LIQ-02, POS-04 — nobody cures: at 11:30 on Monday the 200 lots over
    the limit are handed off from X1 (the larger account, 300). B1 has bid for 200 at 3500.0
    since 11:29. At 13:00, the start of the next session, the exchange sells 200 for X1 to
    close at the band price toward the close, 3500.0 x 0.94 = 3290.0; B1's resting bid takes
    them at its own price, 3500.0 (MATCH-04). INV-X holds 300 at Monday's settlement: no new
    breach."""
    monday = [order("2015-08-24 11:29:00", "B1", "buy", 3500.0, 200)]
    res, seen = cure_run(scenario, monday)
    liq = res["liquidations"]
    assert liq.select("day", "at", "account", "trigger", "phase", "side", "qty", "filled",
                      "price", "rule").rows() == [
        (MON, dt.datetime(2015, 8, 24, 13, 0), "X1", "position_limit", "exchange", "sell",
         200, 200, 3290.0, "LIQ-01 (2), LIQ-02"),
    ]  # fmt: skip
    t = res["trades"].filter(kind="liquidation")
    assert t.select("price", "qty", "sell_account", "buy_account").rows() == [
        (3500.0, 200, "X1", "B1")
    ]
    assert res["settlements"].filter(day=MON, account="X1")["long"].item() == 100
    assert len(seen[MON].next_breaches) == 0
    assert res["limit_breaches"].filter(day=MON).height == 0


def test_pos_04_uncured_breach_is_found_again_and_raising_the_limit_cures(scenario):
    """Rule: POS-04 — nobody acts: Monday 11:30 hands 200 lots to liquidation (X1 300 first);
    the exchange's sell-close at 13:00 finds no bid, so the breach is found again at Monday's
    settlement.
    On Tuesday at 09:00 the limit is raised back to 600 before the window ends: cured."""
    events = [{"at": "2015-08-25 09:00:00", "kind": "position_limit", "value": 600}]
    path = scenario(accounts=BREACH_ACCOUNTS, events=LOWER + events, days=3)
    res = sim.run(path, options=CHECK)
    b = res["limit_breaches"]
    assert b.select("day", "remaining", "status", "account", "qty").rows() == [
        (FRI, 200, "handed_to_liquidation", "X1", 200),
        (MON, 0, "cured", None, 0),
    ]
    assert res["notices"].filter(kind="position_limit")["new_value"].to_list() == [300.0, 600.0]


# --- LTR-01 / LTR-02 -------------------------------------------------------------------------
LTR_ACCOUNTS = [
    acct("R1", "M01", investor="INV-R", name="Zhao Liu", long=300, cash=50_000_000),
    acct("R2", "M02", investor="INV-R", name="Zhao Liu", long=200, cash=40_000_000,
         files_reports=False),
    acct("P", "M02", investor="M02-PROP", name="Beta Futures", short=480, cash=80_000_000,
         proprietary=True),
    acct("U", "M01", long=479, cash=80_000_000),
    acct("K", "M01", short=499),
]  # fmt: skip


def test_ltr_01_report_fields_exact(scenario):
    """Rules: LTR-01, LTR-02 — threshold 80 % of 600 = 480 lots ("reaches": >=), either side,
    summed over the investor's accounts: INV-R (300 + 200), the proprietary account P (480
    short) and K (499 short) report; U (479 long) does not. Each reporting account gets a
    row with its own lots, its position's margin at the settlement price (lots x 3500 x 300
    x 12 %), its available funds after settlement and the documents (the actual controller
    only for a legal person, here the proprietary account); due Monday 15:15 (the next
    trading day's close); R2 never files."""
    path = scenario(accounts=LTR_ACCOUNTS, members=[
        {"id": "M01", "name": "Alpha Futures"}, {"id": "M02", "name": "Beta Futures"}
    ], days=1)  # fmt: skip
    res = sim.run(path, options=CHECK)
    r = res["large_trader_reports"]
    assert r.schema == SCHEMAS["large_trader_reports"]
    assert r["account"].to_list() == ["R1", "R2", "P", "K"]
    docs = ["funding_source", "account_opening_papers", "daily_statement"]
    assert r.filter(account="R1").to_dicts() == [
        {
            "day": FRI, "due": ts("2015-08-24 15:15"), "member": "M01",
            "member_name": "Alpha Futures", "investor": "INV-R", "investor_name": "Zhao Liu",
            "account": "R1", "symbol": "IF1509", "long": 300, "short": 0,
            "margin": 37_800_000.0, "available": 12_200_000.0, "filed": True,
            "documents": docs,
        }
    ]  # fmt: skip
    r2 = r.filter(account="R2").row(0, named=True)
    assert (r2["member"], r2["member_name"], r2["long"], r2["margin"], r2["available"]) == (
        "M02",
        "Beta Futures",
        200,
        25_200_000.0,
        14_800_000.0,
    )
    assert r2["filed"] is False
    p = r.filter(account="P").row(0, named=True)
    assert (p["short"], p["margin"], p["filed"]) == (480, 60_480_000.0, True)
    assert p["documents"] == ["funding_source", "actual_controller", *docs[1:]]
    assert res["overdue_reports"].height == 0  # due after the run


def test_ltr_02_unfiled_reports_are_overdue_at_the_next_close(scenario):
    """Rules: LTR-02, WARN-01 ⑤ — R2 never files: Friday's report is overdue at Monday's
    15:15 close, Monday's at Tuesday's; Tuesday's is due after the run. The overdue rows are
    on ``DayState.overdue_reports`` for the warnings module."""
    seen = {}
    path = scenario(accounts=LTR_ACCOUNTS, days=3)
    res = sim.run(path, hooks=[*sim.default_hooks(), seen.setdefault])
    r = res["large_trader_reports"]
    assert r.filter(account="R2")["day"].to_list() == [FRI, MON, TUE]
    assert r.filter(~pl.col("filed"))["account"].unique().to_list() == ["R2"]
    o = res["overdue_reports"]
    assert o.schema == SCHEMAS["overdue_reports"]
    assert o.select("day", "at", "report_day", "due", "account", "investor", "trigger").rows() == [
        (MON, ts("2015-08-24 15:15"), FRI, ts("2015-08-24 15:15"), "R2", "INV-R",
         "overdue_report"),
        (TUE, ts("2015-08-25 15:15"), MON, ts("2015-08-25 15:15"), "R2", "INV-R",
         "overdue_report"),
    ]  # fmt: skip
    assert seen[FRI].overdue_reports.height == 0
    assert seen[MON].overdue_reports["account"].to_list() == ["R2"]
    assert seen[TUE].next_reports["day"].to_list() == [TUE]  # pending past the run


def test_ltr_01_threshold_follows_the_limit_in_force_for_the_next_day(scenario):
    """Rules: LTR-01, POS-01 — the limit is lowered to 300 on Friday: the threshold becomes
    240 lots, so every account of INV-X (500) and both 250-lot shorts report."""
    res = sim.run(scenario(accounts=BREACH_ACCOUNTS, events=LOWER, days=1))
    r = res["large_trader_reports"]
    assert r["account"].to_list() == ["X1", "X2", "K1", "K2"]
    assert np.all(r["filed"].to_numpy())


def test_pos_04_cure_window_of_two_sessions_and_split_hand_offs(scenario):
    """Rules: POS-04, LIQ-02/03 — with ``limit_cure_sessions = 2`` the window ends at
    Monday's close (15:15), so the afternoon sale of the "not cured" story is in time. With
    the limit lowered to 100 instead, INV-X (X1 300, X2 200) is 400 over and does nothing:
    the hand-off takes X1's 300 first (the larger position), then 100 of X2's: two rows."""
    monday = [
        order("2015-08-24 10:00:00", "X2", "sell", 3500.0, 150, offset="close"),
        order("2015-08-24 10:00:01", "B1", "buy", 3500.0, 150),
        order("2015-08-24 13:30:00", "X2", "sell", 3500.0, 50, offset="close"),
        order("2015-08-24 13:30:01", "B1", "buy", 3500.0, 50),
    ]
    path = scenario(accounts=BREACH_ACCOUNTS, orders=monday, events=LOWER,
                    rules={"limit_cure_sessions": 2})  # fmt: skip
    b = sim.run(path, options=CHECK)["limit_breaches"]
    assert b.select("due", "remaining", "status").rows() == [(ts("2015-08-24 15:15"), 0, "cured")]
    lower = [{**LOWER[0], "value": 100}]
    path = scenario(accounts=BREACH_ACCOUNTS, events=lower, file="t.toml")
    b = sim.run(path, options=CHECK)["limit_breaches"].filter(day=FRI)
    assert b.select("party", "side", "excess", "remaining", "account", "qty",
                    "close_side").rows() == [
        ("INV-X", "long", 400, 400, "X1", 300, "sell"),
        ("INV-X", "long", 400, 400, "X2", 100, "sell"),
        ("K1", "short", 150, 150, "K1", 150, "buy"),  # 250 short each: over 100 too
        ("K2", "short", 150, 150, "K2", 150, "buy"),
    ]  # fmt: skip
    assert set(b["status"]) == {"handed_to_liquidation"}
