"""Daily settlement in replayed runs, with worked numbers.

Rules: SETTLE-02 (mark to market, reserve), SETTLE-03 (conservation), SETTLE-04 (final
settlement), MARGIN-01 (both / larger_side), MARGIN-03 (realised P&L not counted twice),
MARGIN-04 (scheduled changes, notices), MARGIN-05 ① ② (automatic raises), MARGIN-06 (margin
calls, their deadline, RESTRICTED and the forced-liquidation hand-off).

IF1509: multiplier 300, tick 0.2; money in CNY. Friday 2015-08-21 is the first day.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import riskcore.sim as sim
from riskcore.output import SCHEMAS
from sim_helpers import order

FRI, MON, TUE = dt.date(2015, 8, 21), dt.date(2015, 8, 24), dt.date(2015, 8, 25)
CHECK = sim.SimOptions(check_invariants=True)


def acct(id_, member="M01", cash=10_000_000, long=0, short=0, price=3500.0, symbol="IF1509"):
    row = {"id": id_, "member": member, "cash": cash}
    if long or short:
        row["positions"] = [{"symbol": symbol, "long": long, "short": short, "price": price}]
    return row


def contract(prev=3500.0, **kw):
    return {"symbol": "IF1509", "multiplier": 300, "tick": 0.2, "prev_settlement": prev, **kw}


def row(df: pl.DataFrame, **where) -> dict:
    sel = df.filter(**where)
    assert sel.height == 1, (where, sel)
    return sel.row(0, named=True)


def test_settle_02_worked_example_in_a_run(scenario):
    """Rules: SETTLE-02, MARGIN-01 — A holds 1 IF long from yesterday (previous settlement
    3,400.0), margin 15 %; C buys 1 from D at 3,380.0 at 14:30 (the last hour), so the
    settlement price is 3,380.0. A: P&L (3,380 - 3,400) x 300 = -6,000 CNY; margin 153,000 ->
    152,100 CNY; reserve 1,000,000 - 153,000 = 847,000 changes by +900 - 6,000 = -5,100 to
    841,900. B (short 1) gains 6,000: 847,000 + 900 + 6,000 = 853,900."""
    accounts = [
        acct("A", cash=1_000_000, long=1, price=3400.0),
        acct("B", "M02", cash=1_000_000, short=1, price=3400.0),
        acct("C"),
        acct("D", "M02"),
    ]
    orders = [
        order("2015-08-21 14:30:00", "D", "sell", 3380.0, 1),
        order("2015-08-21 14:30:01", "C", "buy", 3380.0, 1),
    ]
    contracts = [contract(3400.0, margin_rate=0.15)]
    path = scenario(contracts=contracts, accounts=accounts, orders=orders, days=1)
    res = sim.run(path, options=CHECK)
    s = res["settlements"]
    assert s.schema == SCHEMAS["settlements"]
    a = row(s, account="A")
    assert a == {
        "day": FRI, "account": "A", "symbol": "IF1509", "long": 1, "short": 0,
        "settlement_price": 3380.0, "pnl": -6_000.0, "margin": 152_100.0, "margin_rate": 0.15,
        "member": "M01", "prev_long": 1, "prev_short": 0, "prev_settlement": 3400.0,
        "final": False,
    }  # fmt: skip
    assert row(s, account="B")["pnl"] == 6_000.0
    assert s["pnl"].sum() == 0.0  # SETTLE-03
    d = res["accounts_daily"]
    assert d.schema == SCHEMAS["accounts_daily"]
    a = row(d, account="A")
    assert a["reserve"] == 841_900.0 and a["reserve"] - 847_000.0 == -5_100.0
    assert a["margin"] == 152_100.0 and a["equity"] == 994_000.0
    assert a["pnl"] == -6_000.0 and a["realised"] == 0.0 and a["margin_call"] == 0.0
    assert row(d, account="B")["reserve"] == 853_900.0
    assert res.records.final.reserve[0] == pytest.approx(841_900.0)


INTRADAY = [
    # A sells 1 of its 2 lots from yesterday at 3530 (to C, who opens)
    order("2015-08-21 10:00:00", "A", "sell", 3530.0, 1, offset="close"),
    order("2015-08-21 10:00:01", "C", "buy", 3530.0, 1),
    # E opens 1 long at 3500 and closes it at 3510 the same day (D opens, then closes, short)
    order("2015-08-21 10:30:00", "D", "sell", 3500.0, 1),
    order("2015-08-21 10:30:01", "E", "buy", 3500.0, 1),
    order("2015-08-21 11:00:00", "E", "sell", 3510.0, 1, offset="close"),
    order("2015-08-21 11:00:01", "D", "buy", 3510.0, 1, offset="close"),
    # the last hour's only trade: the settlement price is 3520.0
    order("2015-08-21 14:30:00", "D", "sell", 3520.0, 1),
    order("2015-08-21 14:30:01", "C", "buy", 3520.0, 1),
]


def test_settle_02_margin_03_realised_pnl_is_not_counted_twice(scenario):
    """Rules: SETTLE-02, MARGIN-03 — settlement price 3,520.0, margin 12 %.

    A (long 2 from 3,500.0) sells 1 at 3,530.0: realised intraday (3,530 - 3,500) x 300 =
    9,000. Day P&L (3,530 - 3,520) x 300 + 2 x (3,520 - 3,500) x 300 = 15,000, of which only
    15,000 - 9,000 = 6,000 is credited at settlement. Reserve: 10,000,000 - 252,000 =
    9,748,000 at the start; SETTLE-02: 9,748,000 + 252,000 - 126,720 + 15,000 = 9,888,280.

    E opens at 3,500.0 and closes at 3,510.0: realised +3,000 = its P&L; credited 0 more:
    reserve 10,003,000. D: -3,000 realised and P&L (3,500 - 3,520) + (3,520 - 3,510) = -10
    points; short 1 from 3,520.0 carried. C: bought at 3,530 and 3,520: P&L -3,000.
    B (short 2): 2 x (3,500 - 3,520) x 300 = -12,000. Σ P&L = 0."""
    accounts = [acct("A", long=2), acct("B", "M02", short=2), acct("C"), acct("D", "M02"),
                acct("E")]  # fmt: skip
    res = sim.run(scenario(accounts=accounts, orders=INTRADAY, days=1), options=CHECK)
    assert res["prices"]["settlement_price"].to_list() == [3520.0]
    d = {r["account"]: r for r in res["accounts_daily"].iter_rows(named=True)}
    assert d["A"]["pnl"] == 15_000.0 and d["A"]["realised"] == 9_000.0
    assert d["A"]["reserve"] == 9_888_280.0 and d["A"]["margin"] == 126_720.0
    assert d["A"]["equity"] == 10_015_000.0
    assert d["E"]["pnl"] == d["E"]["realised"] == 3_000.0
    assert d["E"]["reserve"] == d["E"]["equity"] == 10_003_000.0
    assert d["D"]["pnl"] == d["D"]["realised"] == -3_000.0
    assert d["C"]["pnl"] == -3_000.0 and d["C"]["realised"] == 0.0
    assert d["B"]["pnl"] == -12_000.0
    assert sum(r["pnl"] for r in d.values()) == 0.0
    s = res["settlements"]
    assert row(s, account="E")["long"] == 0 and row(s, account="E")["pnl"] == 3_000.0
    assert row(s, account="D")["short"] == 1


def test_margin_01_larger_side_in_a_run(scenario):
    """Rule: MARGIN-01 ``larger_side`` — A holds long 2 and short 1 (a locked position), no
    trades: settlement = previous 3,500.0; margin 2 x 3,500 x 300 x 12 % = 252,000 (``both``
    would be 378,000); the reserve keeps 10,000,000 - 252,000."""
    accounts = [acct("A", long=2, short=1), acct("B", "M02", short=1)]
    res = sim.run(scenario(accounts=accounts, rules={"margin_method": "larger_side"}, days=1),
                  options=CHECK)  # fmt: skip
    a = row(res["settlements"], account="A")
    assert (a["long"], a["short"], a["margin"], a["pnl"]) == (2, 1, 252_000.0, 0.0)
    assert row(res["accounts_daily"], account="A")["reserve"] == 9_748_000.0
    both = sim.run(scenario(accounts=accounts, days=1))
    assert row(both["settlements"], account="A")["margin"] == 378_000.0


def test_settle_02_fees_leave_the_accounts(scenario):
    """Rule: SETTLE-02 (fees) — fees 1/10,000 to open, 3/10,000 to close today's lots. C buys
    1 at 3,510.0 from E (both open: 3,510 x 300 x 0.0001 = 105.30 each) and sells it back
    at 3,520.0 (both close today's lot: 3,520 x 300 x 0.0003 = 316.80 each). C: P&L +3,000,
    fees 422.10: reserve 10,002,577.90. E: -3,000 - 422.10. Total equity falls by the fees
    (SETTLE-03)."""
    orders = [
        order("2015-08-21 10:00:00", "E", "sell", 3510.0, 1),
        order("2015-08-21 10:00:01", "C", "buy", 3510.0, 1),
        order("2015-08-21 10:30:00", "E", "buy", 3520.0, 1, offset="close"),
        order("2015-08-21 10:30:01", "C", "sell", 3520.0, 1, offset="close"),
    ]
    rules = {"fee_open": 0.0001, "fee_close": 0.0002, "fee_close_today": 0.0003}
    accounts = [acct("A", long=2), acct("B", "M02", short=2), acct("C"), acct("E", "M02")]
    res = sim.run(scenario(accounts=accounts, orders=orders, rules=rules, days=1),
                  options=CHECK)  # fmt: skip
    d = {r["account"]: r for r in res["accounts_daily"].iter_rows(named=True)}
    assert d["C"]["fees"] == d["E"]["fees"] == 422.10
    assert d["C"]["pnl"] == 3_000.0 and d["C"]["reserve"] == 10_002_577.90
    assert d["E"]["reserve"] == 9_996_577.90
    assert sum(r["equity"] for r in d.values()) == pytest.approx(40_000_000.0 - 844.20)


CALL_ACCOUNTS = [
    acct("A", cash=1_300_000, long=10),
    acct("B", "M02", cash=10_000_000, short=10),
    acct("C"),
    acct("D", "M02"),
]
CALL_DAY = [  # Friday's last hour trades at 3450.0: the settlement price
    order("2015-08-21 14:30:00", "D", "sell", 3450.0, 1),
    order("2015-08-21 14:30:01", "C", "buy", 3450.0, 1),
]


def test_margin_06_call_paid_by_a_deposit_before_the_open(scenario):
    """Rule: MARGIN-06 — A: long 10 from 3,500.0 with 1,300,000 cash (margin 1,260,000 at 12 %,
    reserve 40,000). Friday settles at 3,450.0: P&L 10 x (3,450 - 3,500) x 300 = -150,000;
    margin 1,242,000; reserve 40,000 + 1,260,000 - 1,242,000 - 150,000 = -92,000: a call for
    92,000 due before Monday's open (09:10, the auction). A deposits 250,000 at 08:30 on
    Monday: paid (reserve 158,000); A is not restricted and opens 1 lot (margin 124,200)."""
    events = [{"at": "2015-08-24 08:30:00", "kind": "deposit", "account": "A", "amount": 2.5e5}]
    orders = [*CALL_DAY, order("2015-08-24 10:00:00", "C", "sell", 3450.0, 1),
              order("2015-08-24 10:00:01", "A", "buy", 3450.0, 1)]  # fmt: skip
    res = sim.run(scenario(accounts=CALL_ACCOUNTS, orders=orders, events=events), options=CHECK)
    d = res["accounts_daily"]
    fri = row(d, account="A", day=FRI)
    assert fri["pnl"] == -150_000.0 and fri["margin"] == 1_242_000.0
    assert fri["reserve"] == -92_000.0 and fri["margin_call"] == 92_000.0
    calls = res["margin_calls"]
    assert calls.schema == SCHEMAS["margin_calls"]
    assert calls.rows(named=True) == [{
        "day": FRI, "account": "A", "member": "M01", "amount": 92_000.0,
        "due": dt.datetime(2015, 8, 24, 9, 10), "paid": 92_000.0, "outcome": "paid",
        "liquidation_due": False,
    }]  # fmt: skip
    mon = row(d, account="A", day=MON)
    assert mon["restricted"] is False and mon["deposits"] == 250_000.0
    assert res["orders"].filter(account="A")["status"].to_list() == ["filled"]


def test_margin_06_unpaid_call_restricts_and_hands_off_to_liquidation(scenario):
    """Rule: MARGIN-06, LIQ-01 ① hand-off — the same call of 92,000, but only 50,000 arrives
    before Monday's open: unpaid (paid 50,000), A is RESTRICTED on Monday (its opening order
    is rejected) and forced liquidation is due: the shortfall of 42,000 is cured by one lot
    (124,200 margin released - 62,100 loss at the band low 3,243.0; LIQ-02), closed by the
    member at 09:15 (test_liquidation_days has the liquidation itself)."""
    events = [{"at": "2015-08-24 08:30:00", "kind": "deposit", "account": "A", "amount": 5e4}]
    orders = [
        *CALL_DAY,
        order("2015-08-24 09:12:00", "B", "buy", 3450.0, 1, offset="close"),
        order("2015-08-24 10:00:01", "A", "buy", 3450.0, 1, id="open-mon"),
    ]
    seen = {}
    hooks = [*sim.default_hooks(), lambda d, s: seen.setdefault(d, s)]
    res = sim.run(scenario(accounts=CALL_ACCOUNTS, orders=orders, events=events, days=2),
                  hooks=hooks, options=CHECK)  # fmt: skip
    call = res["margin_calls"].filter(day=FRI).row(0, named=True)
    assert (call["day"], call["amount"], call["paid"]) == (FRI, 92_000.0, 50_000.0)
    assert call["outcome"] == "unpaid" and call["liquidation_due"] is True
    assert seen[MON].liquidation_due.tolist() == [1, 0, 0, 0]
    o = {r["client_id"]: r for r in res["orders"].iter_rows(named=True)}
    assert o["open-mon"]["status"] == "rejected" and o["open-mon"]["reason"] == "RESTRICTED"
    liq = res["liquidations"].row(0, named=True)
    assert (liq["account"], liq["qty"], liq["filled"], liq["phase"]) == ("A", 1, 1, "member")
    d = res["accounts_daily"].filter(account="A")
    assert d["restricted"].to_list() == [False, True]


def test_margin_06_call_after_the_last_day_is_pending(scenario):
    """Rule: MARGIN-06 — a call made at the run's last settlement is due after the run:
    outcome ``pending``, due Monday 09:10."""
    res = sim.run(scenario(accounts=CALL_ACCOUNTS, orders=CALL_DAY, days=1))
    call = res["margin_calls"].row(0, named=True)
    assert call["outcome"] == "pending" and call["paid"] == 0.0
    assert call["due"] == dt.datetime(2015, 8, 24, 9, 10)


def test_margin_04_cffex_2015_scheduled_hikes_apply_at_settlement_with_notices(scenario):
    """Rules: MARGIN-04, MARGIN-05 ② — cffex-2015: non-hedge margin 10 % until the schedule:
    12 % from 26 Aug's settlement, 15 % 27 Aug, 20 % 28 Aug, 30 % 31 Aug, 40 % 7 Sep. On
    Wed 2 Sep the next trading day is Mon 7 Sep (3-4 Sep are holidays), 5 calendar days:
    the holiday raise of 2 points (MARGIN-05 ②) makes 32 %; on 7 Sep the schedule's 40 % and
    the lifted raise give 40 %. A's 2 lots at 3,500.0 (no trades) are margined at each day's
    rate; equity stays 10,000,000; each change is a notice."""
    res = sim.run(scenario(start="2015-08-25", days=9, rulebook="cffex-2015"), options=CHECK)
    s = res["settlements"].filter(account="A")
    days = s["day"].to_list()
    assert days[0] == dt.date(2015, 8, 25) and days[-1] == dt.date(2015, 9, 8)
    assert dt.date(2015, 9, 3) not in days
    rates = [0.10, 0.12, 0.15, 0.20, 0.30, 0.30, 0.32, 0.40, 0.40]
    assert s["margin_rate"].to_list() == rates
    assert s["margin"].to_list() == pytest.approx([2 * 3500 * 300 * r for r in rates])
    d = res["accounts_daily"].filter(account="A")
    assert set(d["equity"].to_list()) == {10_000_000.0}
    assert d["reserve"][1] == 10_000_000.0 - 252_000.0
    n = res["notices"]
    assert n.schema == SCHEMAS["notices"]
    got = [(r["day"].isoformat(), r["old_value"], r["new_value"], r["cause"], r["rule"])
           for r in n.iter_rows(named=True)]  # fmt: skip
    assert got == [
        ("2015-08-26", 0.10, 0.12, "scheduled", "MARGIN-04"),
        ("2015-08-27", 0.12, 0.15, "scheduled", "MARGIN-04"),
        ("2015-08-28", 0.15, 0.20, "scheduled", "MARGIN-04"),
        ("2015-08-31", 0.20, 0.30, "scheduled", "MARGIN-04"),
        ("2015-09-02", 0.30, 0.32, "holiday", "MARGIN-05 (2)"),
        ("2015-09-07", 0.32, 0.42, "scheduled", "MARGIN-04"),
        ("2015-09-07", 0.42, 0.40, "holiday_end", "MARGIN-05 (2)"),
    ]
    assert set(n["kind"].to_list()) == {"margin_rate"} and set(n["symbol"]) == {"IF1509"}
    assert n["reason"][0] == (
        "rulebook cffex-2015 margin schedule: 12% from the settlement of 2015-08-26 (MARGIN-04)"
    )
    assert "2015-09-07 is 5 calendar days away" in n["reason"][4]


def test_margin_04_margin_rate_event_with_a_notice(scenario):
    """Rule: MARGIN-04 — a ``margin_rate`` event (MARGIN-05 ③/④) applies at that day's
    settlement, with its reason in the notice."""
    events = [{"at": "2015-08-21 16:00:00", "kind": "margin_rate", "symbol": "IF1509",
               "rate": 0.2, "reason": "risk rises"}]  # fmt: skip
    res = sim.run(scenario(events=events, days=1))
    n = res["notices"].row(0, named=True)
    assert (n["old_value"], n["new_value"], n["cause"]) == (0.12, 0.2, "event")
    assert n["reason"] == "margin_rate event at 2015-08-21 16:00:00: risk rises (MARGIN-04)"
    assert row(res["settlements"], account="A")["margin"] == 2 * 3500 * 300 * 0.2


def test_margin_05_raise_after_two_limit_locked_days(scenario):
    """Rule: MARGIN-05 ① — no breaker; Friday closes locked up at 3,850.0 (A's bid for 2 more
    lots rests unfilled at the limit, LIMIT-04), Monday again at 4,235.0: the second
    consecutive locked day raises the margin by 2 points at Monday's settlement (12 % -> 14 %);
    Tuesday is not locked: back to 12 %."""
    orders = [
        order("2015-08-21 10:00:00", "C", "sell", 3850.0, 1),
        order("2015-08-21 10:01:00", "A", "buy", 3850.0, 3),
        order("2015-08-24 10:00:00", "C", "sell", 4235.0, 1),
        order("2015-08-24 10:01:00", "A", "buy", 4235.0, 3),
        order("2015-08-25 10:00:00", "C", "sell", 4200.0, 1),
        order("2015-08-25 10:01:00", "A", "buy", 4200.0, 1),
    ]
    res = sim.run(scenario(rules={"circuit_breaker": 0}, orders=orders, days=3), options=CHECK)
    assert res["prices"]["locked"].to_list() == ["up", "up", None]
    s = res["settlements"].filter(account="A")
    assert s["margin_rate"].to_list() == [0.12, 0.14, 0.12]
    mon = row(s, day=MON)
    assert mon["margin"] == pytest.approx(4 * 4235.0 * 300 * 0.14)
    got = [(r["day"], r["old_value"], r["new_value"], r["cause"])
           for r in res["notices"].iter_rows(named=True)]  # fmt: skip
    assert got == [(MON, 0.12, 0.14, "limit_locked"), (TUE, 0.14, 0.12, "limit_locked_end")]
    assert res["notices"]["reason"][0] == (
        "limit-locked up (LIMIT-04) 2 consecutive days: +2 percentage points (MARGIN-05 (1))"
    )


def test_settle_04_final_settlement_closes_everything_with_final_trades(scenario):
    """Rule: SETTLE-04 — IF1509's last trading day is Monday, final settlement price 3,600.0.
    Friday: C sells 1 to A at 3,510.0 (settlement 3,510.0). Monday: A sells 1 to C (closing)
    at 3,590.0. At the close A's 2 remaining lots are sold to B (short 2) at 3,600.0: one
    trade of kind ``final``, both offsets close, no orders. A's Monday P&L:
    (3,590 - 3,600) + 3 x (3,600 - 3,510) = 260 points = 78,000; all margin released."""
    orders = [
        order("2015-08-21 10:00:00", "C", "sell", 3510.0, 1),
        order("2015-08-21 10:00:01", "A", "buy", 3510.0, 1),
        order("2015-08-24 10:00:00", "A", "sell", 3590.0, 1, offset="close"),
        order("2015-08-24 10:00:01", "C", "buy", 3590.0, 1, offset="close"),
    ]
    c = contract(last_trading_day="2015-08-24", final_settlement=3600.0)
    res = sim.run(scenario(contracts=[c], orders=orders), options=CHECK)
    t = res["trades"]
    final = t.filter(kind="final")
    assert final.height == 1
    f = final.row(0, named=True)
    assert (f["buy_account"], f["sell_account"], f["qty"], f["price"]) == ("B", "A", 2, 3600.0)
    assert (f["buy_offset"], f["sell_offset"]) == ("close", "close")
    assert f["buy_order_no"] is None and f["aggressor"] is None
    assert f["at"] == dt.datetime(2015, 8, 24, 15, 15) and f["trade_no"] == t.height - 1
    s = res["settlements"].filter(day=MON)
    assert s["final"].all() and set(s["settlement_price"]) == {3600.0}
    assert (s["long"].sum(), s["short"].sum(), s["margin"].sum()) == (0, 0, 0.0)
    assert row(s, account="A")["pnl"] == 78_000.0
    assert row(s, account="B")["pnl"] == -54_000.0
    assert row(s, account="C")["pnl"] == -24_000.0
    d = res["accounts_daily"].filter(day=MON)
    assert d["margin"].to_list() == [0.0, 0.0, 0.0]
    assert d["equity"].to_list() == [10_084_000.0, 9_940_000.0, 9_976_000.0]
    assert d["reserve"].to_list() == d["equity"].to_list()
    assert res["prices"].filter(day=MON)["open_interest"].to_list() == [0]
    assert res.records.final.long_yd.sum() == res.records.final.short_yd.sum() == 0


def test_settle_04_prices_table_shows_the_final_settlement_price(scenario):
    """Rule: SETTLE-04 — on the last trading day the day's settlement price is the final
    settlement price, in ``prices`` as in ``settlements``: the only trade, 1 lot at 3,590.0
    (whole-day VWAP 3,590.0), does not set it; the final price 3,600.0 does."""
    orders = [
        order("2015-08-21 10:00:00", "A", "sell", 3590.0, 1, offset="close"),
        order("2015-08-21 10:00:01", "C", "buy", 3590.0, 1),
    ]
    c = contract(last_trading_day="2015-08-21", final_settlement=3600.0)
    res = sim.run(scenario(contracts=[c], orders=orders, days=1), options=CHECK)
    p = row(res["prices"], day=FRI)
    assert (p["close"], p["settlement_price"]) == (3590.0, 3600.0)
    assert set(res["settlements"]["settlement_price"]) == {3600.0}


def test_settlement_tables_follow_every_day(scenario):
    """SCENARIO.md: one ``accounts_daily`` row per account and day; ``settlements`` rows for
    every position (held or traded); exact dtypes; the run is deterministic (UNIT-04)."""
    path = scenario(accounts=[acct("A", long=2), acct("B", "M02", short=2), acct("C")],
                    orders=INTRADAY[:2], days=2)  # fmt: skip
    res = sim.run(path)
    d = res["accounts_daily"]
    assert d.height == 6 and d["day"].to_list() == [FRI] * 3 + [MON] * 3
    s = res["settlements"]
    assert s.filter(day=FRI)["account"].to_list() == ["A", "B", "C"]
    assert res.summary["tables"]["margin_calls"] == 0
    again = sim.run(path)
    for name in ("settlements", "accounts_daily", "margin_calls", "notices"):
        assert again[name].equals(res[name]), name


def test_limit_02_limit_04_margin_05_no_price_limit_never_locks(scenario):
    """Rules: LIMIT-02 (no limit: the ±50 % range), LIMIT-04, MARGIN-05 ①, BRK-07 —
    ``price_limit = false`` with the seed's 6 % breaker: the orders of
    ``test_margin_05_raise_after_two_limit_locked_days`` trade at 3,850.0 and 4,235.0 with
    bids left resting there, but without a limit no day is limit-locked, the margin stays
    12 %, no breaker runs (state ``no_limit`` all day) and the prices table has no limit
    prices."""
    orders = [
        order("2015-08-21 10:00:00", "C", "sell", 3850.0, 1),
        order("2015-08-21 10:01:00", "A", "buy", 3850.0, 3),
        order("2015-08-24 10:00:00", "C", "sell", 4235.0, 1),
        order("2015-08-24 10:01:00", "A", "buy", 4235.0, 3),
        order("2015-08-25 10:00:00", "C", "sell", 4200.0, 1),
        order("2015-08-25 10:01:00", "A", "buy", 4200.0, 1),
    ]
    res = sim.run(scenario(rules={"price_limit": False}, orders=orders, days=3), options=CHECK)
    p = res["prices"]
    assert p["settlement_price"].to_list() == [3850.0, 4235.0, 4200.0]
    assert p["locked"].to_list() == [None, None, None]
    assert p["limit_up"].to_list() == [None, None, None]
    assert p["limit_down"].to_list() == [None, None, None]
    assert res["settlements"].filter(account="A")["margin_rate"].to_list() == [0.12] * 3
    assert res["notices"].is_empty()
    ms = res["market_states"]
    assert set(ms["state"].to_list()) == {"no_limit", "closed"}
    assert set(ms["reason"].to_list()) == {"open", "session_end"}
    fri = ms.filter(pl.col("day") == FRI)
    assert (fri["band_low"][0], fri["band_high"][0]) == (1750.0, 5250.0)  # 3500.0 -+ 50 %
