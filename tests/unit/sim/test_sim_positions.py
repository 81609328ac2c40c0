"""Unit tests of the day loop's position-limit and large-trader plumbing
(:mod:`riskcore.sim.positions`, :mod:`riskcore.sim.build`): POS-01/02/04, LTR-01."""

from __future__ import annotations

import datetime as dt

import numpy as np

from riskcore.records import NO_LIMIT
from riskcore.risk.position_limits import (
    HANDOFF_DTYPE,
    LIQ_TRIGGER_LIMIT,
    PARTY_INVESTOR,
    SELL,
    limit_breaches,
    member_limit_lots,
)
from riskcore.scenario import load_scenario
from riskcore.sim.build import Index, initial_carry, member_limits, position_limits
from riskcore.sim.positions import breach_frame, session_end_ns

FRI, MON = dt.date(2015, 8, 21), dt.date(2015, 8, 24)


def test_pos_02_member_limits_is_the_risk_function_on_the_carried_open_interest(scenario):
    """Rule: POS-02 — ``build.member_limits`` (the day's engine cap) is
    ``member_limit_lots`` of the carried positions' open interest: none at exactly
    100,000 lots, 25 % (rounded down) above."""
    rb = load_scenario(scenario()).rulebook
    for oi in (99_999, 100_000, 100_001, 102_000, 120_000):
        long = np.array([[oi - 40_000], [40_000]])
        got = member_limits(rb, long)
        assert got.tolist() == member_limit_lots(np.array([oi]), 100_000, 0.25).tolist()
    assert member_limits(rb, np.array([[100_000]])).tolist() == [NO_LIMIT]
    assert member_limits(rb, np.array([[102_000]])).tolist() == [25_500]


def test_pos_01_carry_starts_with_the_rulebook_limit(scenario):
    """Rule: POS-01 — the first day's carried limit is the rulebook's (false = none)."""
    sc = load_scenario(scenario(rules={"position_limit": 300}))
    assert initial_carry(sc, Index.of(sc)).pos_limit.tolist() == [300]
    sc = load_scenario(scenario(rules={"position_limit": False}))
    assert position_limits(sc.rulebook, 2).tolist() == [NO_LIMIT, NO_LIMIT]


def test_pos_04_cure_deadline_is_the_end_of_the_nth_session(scenario):
    """Rule: POS-04 — the window ends with session ``limit_cure_sessions`` (seed: 11:30,
    15:15); more sessions than the day has: the close."""
    cal = load_scenario(scenario()).calendar
    at = [dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=session_end_ns(cal, MON, k) / 1e3)
          for k in (1, 2, 5, None)]  # fmt: skip
    assert [t.strftime("%Y-%m-%d %H:%M") for t in at] == [
        "2015-08-24 11:30", "2015-08-24 15:15", "2015-08-24 15:15", "2015-08-24 15:15"
    ]  # fmt: skip


def test_ltr_01_index_carries_names_and_report_flags(scenario):
    """Rule: LTR-01/02, LIQ-03 — names, proprietary and files_reports per account."""
    accounts = [
        {"id": "A", "member": "M01", "name": "Zhang San", "proprietary": True},
        {"id": "B", "member": "M02", "files_reports": False},
    ]
    members = [{"id": "M01", "name": "Alpha"}, {"id": "M02"}]
    index = Index.of(load_scenario(scenario(accounts=accounts, members=members)))
    assert index.account_name == ("Zhang San", "B")
    assert index.member_name == ("Alpha", "M02")
    assert index.proprietary.tolist() == [True, False]
    assert index.files_reports.tolist() == [True, False]


def test_pos_04_breach_rows_one_per_hand_off_account(scenario):
    """Rule: POS-04 — a breach handed off over two accounts gives two rows, a cured one a
    single row with no account."""
    accounts = [
        {"id": "A1", "member": "M01", "investor": "INV-A"},
        {"id": "A2", "member": "M02", "investor": "INV-A"},
        {"id": "C", "member": "M01"},
    ]
    index = Index.of(load_scenario(scenario(accounts=accounts)))  # investors INV-A, C
    z2, z1 = np.zeros((2, 1), dtype=np.int64), np.zeros((2, 1), dtype=np.int64)
    no_cap = np.array([NO_LIMIT])
    br = limit_breaches(np.array([[700], [650]]), z2, np.zeros(2, int), 600, z1, z1, no_cap)
    assert br[["party", "excess"]].tolist() == [(0, 100), (1, 50)]
    ho = np.zeros(2, dtype=HANDOFF_DTYPE)
    ho[["qty", "party", "account", "kind", "side", "trigger"]] = [
        (60, 0, 0, PARTY_INVESTOR, SELL, LIQ_TRIGGER_LIMIT),
        (40, 0, 1, PARTY_INVESTOR, SELL, LIQ_TRIGGER_LIMIT),
    ]
    due = 1_440_416_000_000_000_000
    df = breach_frame(FRI, br, index, due, np.array([100, 0]), np.array([True, True]), ho)
    assert df.select("party", "status", "account", "qty", "close_side").rows() == [
        ("INV-A", "handed_to_liquidation", "A1", 60, "sell"),
        ("INV-A", "handed_to_liquidation", "A2", 40, "sell"),
        ("C", "cured", None, 0, None),
    ]
