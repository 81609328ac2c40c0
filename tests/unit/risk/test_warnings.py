"""WARN-01 detectors and WARN-02 escalation of ``riskcore.risk.warnings``, by hand.

WARN-01 ① abnormal price, ② abnormal trading, ③ abnormal position, ④ abnormal member
funds, ⑤ suspected violation or default, ⑥–⑧ scenario events; WARN-02 measures mildest
first, one step per ``repeats_per_step`` repeated triggers of the same party.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from riskcore.records import NO_LIMIT
from riskcore.risk.warnings import (
    MEASURES,
    TRIGGER_CATEGORY,
    TRIGGER_SCHEMA,
    WARNING_SCHEMA,
    escalate,
    event_triggers,
    events_frame,
    funds_triggers,
    position_triggers,
    price_triggers,
    trading_triggers,
    violation_triggers,
)
from riskcore.scenario.model import Event

DAY = dt.date(2015, 8, 24)
OTHER = dt.date(2015, 8, 25)
EPOCH = dt.datetime(1970, 1, 1)


def ns(t: dt.datetime) -> int:
    return int((t - EPOCH).total_seconds()) * 1_000_000_000


CLOSE = dt.datetime(2015, 8, 24, 15, 15)
CLOSE_NS = ns(CLOSE)


def test_warn01_price_breaker_and_limit_locked():
    """WARN-01 ①: one ``breaker`` row per contract (first breaker), ``limit_locked`` rows."""
    states = pl.DataFrame(
        {
            "at": [
                dt.datetime(2015, 8, 24, 10, 0),
                dt.datetime(2015, 8, 24, 13, 5),
                dt.datetime(2015, 8, 24, 10, 30),
                dt.datetime(2015, 8, 25, 10, 0),
            ],
            "day": [DAY, DAY, DAY, OTHER],
            "symbol": ["IF1509", "IF1509", "IF1509", "IF1510"],
            "state": ["breaker", "breaker", "normal", "breaker"],
            "band_low": [3290.0, 3290.0, 3150.0, 3000.0],
            "band_high": [3710.0, 3710.0, 3850.0, 3400.0],
        }
    ).cast({"at": pl.Datetime("ns")})
    prices = pl.DataFrame(
        {
            "day": [DAY, DAY, OTHER],
            "symbol": ["IF1509", "IF1510", "IF1510"],
            "settlement_price": [3150.0, 3200.0, 3100.0],
            "locked": ["down", None, "down"],
        }
    )
    t = price_triggers(DAY, CLOSE_NS, states, prices)
    assert t.schema == TRIGGER_SCHEMA
    assert t.select("party", "party_kind", "trigger").rows() == [
        ("IF1509", "contract", "breaker"),
        ("IF1509", "contract", "limit_locked"),
    ]
    assert t["at"].to_list() == [dt.datetime(2015, 8, 24, 10, 0), CLOSE]
    assert t["detail"][0].startswith("2 circuit breaker(s)")
    assert "locked down" in t["detail"][1]


def orders_frame(spec: dict[str, tuple[int, int, int]], source="client") -> pl.DataFrame:
    """Orders of the day: investor -> (new orders, of which traded, cancel requests)."""
    inv, action, filled = [], [], []
    for name, (n_new, n_traded, n_cancel) in spec.items():
        inv += [name] * (n_new + n_cancel)
        action += ["new"] * n_new + ["cancel"] * n_cancel
        filled += [1] * n_traded + [0] * (n_new - n_traded) + [0] * n_cancel
    n = len(inv)
    return pl.DataFrame(
        {
            "day": [DAY] * n,
            "investor": inv,
            "action": action,
            "filled": filled,
            "source": [source] * n,
        }
    )


LIMITS = dict(
    self_trade_limit=5, cancel_ratio_limit=0.9, order_trade_ratio_limit=20.0, min_orders=100
)


def test_warn01_self_trade_attempts_reach_the_limit():
    """WARN-01 ②: 5 prevented self-trades reach the limit of 5; 4 do not."""
    empty = orders_frame({})
    t = trading_triggers(DAY, CLOSE_NS, [4, 5, 7], ["I1", "I2", "I3"], empty, **LIMITS)
    assert t.select("party", "party_kind", "trigger").rows() == [
        ("I2", "investor", "self_trade"),
        ("I3", "investor", "self_trade"),
    ]
    assert t["at"].to_list() == [CLOSE, CLOSE]


def test_warn01_cancel_and_order_to_trade_ratios():
    """WARN-01 ②: cancel ratio > 0.9 and orders / traded > 20, judged from 100 orders.

    I1: 100 orders, 5 traded (20.0: not over), 91 cancels (0.91: over).
    I2: 100 orders, 4 traded (25.0: over), 90 cancels (0.90: not over).
    I3: 99 orders, none traded, 99 cancels: too few orders to judge.
    I4: 200 orders, none traded: ratio infinite.
    """
    orders = orders_frame(
        {"I1": (100, 5, 91), "I2": (100, 4, 90), "I3": (99, 0, 99), "I4": (200, 0, 0)}
    )
    exch = orders_frame({"I1": (500, 0, 0)}, source="liquidation")
    t = trading_triggers(
        DAY, CLOSE_NS, [0, 0, 0, 0], ["I1", "I2", "I3", "I4"], pl.concat([orders, exch]), **LIMITS
    )
    assert t.select("party", "trigger").rows() == [
        ("I1", "cancel_ratio"),
        ("I2", "order_trade_ratio"),
        ("I4", "order_trade_ratio"),
    ]
    assert "91 cancels / 100 orders" in t["detail"][0]


def test_warn01_position_at_or_near_limit():
    """WARN-01 ③: held / limit >= 95 %: 570 / 600 long and 600 / 600 short; 569 not."""
    long = np.array([[570, 0], [569, 600]])
    short = np.array([[0, 600], [0, 0]])
    t = position_triggers(DAY, CLOSE_NS, long, short, 600, 0.95, ["I1", "I2"], ["IF1", "IF2"])
    assert t.select("party", "trigger").rows() == [
        ("I1", "position_near_limit"),
        ("I1", "position_near_limit"),
        ("I2", "position_near_limit"),
    ]
    assert t["detail"].to_list() == [
        "IF1 long 570/600 lots (95.0 % >= 95.0 %)",
        "IF2 short 600/600 lots (100.0 % >= 95.0 %)",
        "IF2 long 600/600 lots (100.0 % >= 95.0 %)",
    ]
    none = position_triggers(DAY, CLOSE_NS, long, short, NO_LIMIT, 0.95, ["I1", "I2"], ["a", "b"])
    assert none.height == 0
    mem = position_triggers(
        DAY, CLOSE_NS, [[100]], [[0]], [[100]], 0.95, ["M01"], ["IF1"], party_kind="member"
    )
    assert mem["party_kind"].to_list() == ["member"]


def test_warn01_member_funds_margin_calls_and_negative_equity():
    """WARN-01 ④: per member: accounts called / below zero and the CNY sum."""
    t = funds_triggers(
        DAY,
        CLOSE_NS,
        margin_call=[1000.0, 0.0, 500.0, 0.0],
        equity=[5e5, -200.0, 1e5, 1e4],
        account_member=[0, 0, 0, 1],
        members=["M01", "M02"],
    )
    assert t.select("party", "party_kind", "trigger", "detail").rows() == [
        ("M01", "member", "margin_call", "2 account(s) called, 1500.00 CNY"),
        ("M01", "member", "negative_equity", "1 account(s) below zero, 200.00 CNY"),
    ]


def test_warn01_violation_overdue_report_unpaid_call_and_default():
    """WARN-01 ⑤: overdue large-trader report, unpaid margin call, member default."""
    due = dt.datetime(2015, 8, 24, 15, 15)
    overdue = pl.DataFrame(
        {
            "day": [DAY],
            "at": [due],
            "due": [due],
            "investor": ["I9"],
            "account": ["C9"],
            "symbol": ["IF1509"],
        }
    ).cast({"at": pl.Datetime("ns"), "due": pl.Datetime("ns")})
    calls = pl.DataFrame(
        {
            "day": [OTHER, OTHER],
            "account": ["C1", "C2"],
            "amount": [1000.0, 500.0],
            "due": [dt.datetime(2015, 8, 24, 9, 15)] * 2,
            "paid": [200.0, 500.0],
            "outcome": ["unpaid", "paid"],
        }
    ).cast({"due": pl.Datetime("ns")})
    t = violation_triggers(DAY, CLOSE_NS, overdue, calls, [False, True], ["M01", "M02"])
    assert t.select("party", "party_kind", "trigger").rows() == [
        ("C1", "account", "unpaid_margin_call"),
        ("I9", "investor", "overdue_report"),
        ("M02", "member", "member_default"),
    ]
    assert t["at"].to_list() == [dt.datetime(2015, 8, 24, 9, 15), due, CLOSE]
    assert violation_triggers(DAY, CLOSE_NS).height == 0


def test_warn01_events_complaint_investigation_other():
    """WARN-01 ⑥–⑧: scenario events of the day, party kind from the ids."""
    at = dt.datetime(2015, 8, 24, 9, 0)
    evs = [
        Event(at=at, at_ns=ns(at), kind="complaint", party="M01", reason="client complaint"),
        Event(at=at, at_ns=ns(at), kind="investigation", party="INV-1"),
        Event(at=at, at_ns=ns(at), kind="other", party="C001", reason="press report"),
        Event(at=at, at_ns=ns(at), kind="deposit", account="C001", amount=1.0),
        Event(
            at=at + dt.timedelta(days=1),
            at_ns=ns(at + dt.timedelta(days=1)),
            kind="complaint",
            party="M01",
        ),
    ]
    t = event_triggers(
        DAY, events_frame(evs), members=["M01"], investors=["INV-1"], accounts=["C001"]
    )
    assert t.select("party", "party_kind", "trigger", "detail").rows() == [
        ("C001", "account", "other", "press report"),
        ("INV-1", "investor", "investigation", "investigation"),
        ("M01", "member", "complaint", "client complaint"),
    ]
    assert t["at"].to_list() == [at] * 3
    assert {TRIGGER_CATEGORY[x] for x in t["trigger"]} == {6, 7, 8}


def triggers(n: int, party="I1", day=DAY) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "day": [day] * n,
            "at": [CLOSE + dt.timedelta(seconds=i) for i in range(n)],
            "party": [party] * n,
            "party_kind": ["investor"] * n,
            "trigger": ["self_trade"] * n,
            "detail": [f"#{i + 1}" for i in range(n)],
        }
    ).cast(TRIGGER_SCHEMA)


def test_warn02_escalation_steps_capped_at_the_last_measure():
    """WARN-02: 2 repeats a step: 1st-2nd report request, 3rd-4th warning talk, ..., capped."""
    w = escalate(triggers(12), None, 2)
    assert w.schema == WARNING_SCHEMA
    assert w["measure"].to_list() == [
        "request_report",
        "request_report",
        "warning_talk",
        "warning_talk",
        "written_warning",
        "written_warning",
        "public_censure",
        "public_censure",
        "risk_announcement",
        "risk_announcement",
        "risk_announcement",
        "risk_announcement",
    ]
    assert escalate(triggers(6), None, 1)["measure"].to_list() == [*MEASURES, MEASURES[-1]]


def test_warn02_history_counts_and_parties_are_separate():
    """WARN-02: earlier warnings count; another party starts from the mildest measure."""
    day1 = escalate(triggers(2, day=DAY), None, 2)
    day2 = escalate(
        pl.concat([triggers(1, day=OTHER), triggers(1, party="I2", day=OTHER)]), day1, 2
    )
    assert day2.select("party", "measure").rows() == [
        ("I1", "warning_talk"),
        ("I2", "request_report"),
    ]


def test_warn02_mixed_triggers_escalate_per_party_in_deterministic_order():
    """WARN-02: repeats count over every trigger of a party; output sorted by day, at, party."""
    a = triggers(1)
    b = a.with_columns(pl.lit("cancel_ratio").alias("trigger"), pl.lit("x").alias("detail"))
    c = a.with_columns(pl.lit("M01").alias("party"), pl.lit("member").alias("party_kind"))
    w1 = escalate(pl.concat([c, b, a]), None, 1)
    w2 = escalate(pl.concat([a, b, c]), None, 1)
    assert w1.equals(w2)
    assert w1.select("party", "trigger", "measure").rows() == [
        ("I1", "cancel_ratio", "request_report"),
        ("I1", "self_trade", "warning_talk"),
        ("M01", "self_trade", "request_report"),
    ]
    assert escalate(pl.DataFrame(schema=TRIGGER_SCHEMA), None, 2).height == 0
    with pytest.raises(ValueError):
        escalate(a, None, 0)
