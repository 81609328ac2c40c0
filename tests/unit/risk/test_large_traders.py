"""Large-trader reports of ``riskcore.risk.large_traders`` with hand-checked rows.

Rules: LTR-01 (report at 80 % of the position limit, per investor x contract, either side,
one row per account; due before the next trading day's close), LTR-02 (accounts that never
file; overdue reports for WARN-01 ⑤). Seed rulebook: position limit 600 lots, threshold
80 % = 480 lots.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from riskcore.records import NO_LIMIT
from riskcore.risk.large_traders import (
    DOCUMENTS,
    REPORT_SCHEMA,
    large_trader_reports,
    overdue_reports,
    report_threshold,
)
from riskcore.risk.position_limits import investor_positions

DAY = dt.date(2015, 8, 24)
CLOSE_NEXT = dt.datetime(2015, 8, 25, 15, 15)
CLOSE_NEXT_NS = int((CLOSE_NEXT - dt.datetime(1970, 1, 1)).total_seconds()) * 1_000_000_000
SCENARIO_COLUMNS = [
    "day",
    "due",
    "member",
    "member_name",
    "investor",
    "investor_name",
    "account",
    "symbol",
    "long",
    "short",
    "margin",
    "available",
    "filed",
]

# Accounts (index order): C1 INV-ZHANG at M01, C2 INV-ZHANG at M02, C3 INV-LI at M01,
# C4 INV-WANG at M02 (never files), C5 INV-ZHANG at M02 holding only IH.
ACCOUNTS = ["C1", "C2", "C3", "C4", "C5"]
INVESTORS = ["INV-ZHANG", "INV-LI", "INV-WANG"]
INVESTOR_NAMES = ["Zhang San", "Zhang San", "Li Si", "Wang Wu", "Zhang San"]
MEMBERS = ["M01", "M02"]
MEMBER_NAMES = ["Alpha Futures", "Beta Futures"]
CONTRACTS = ["IF1509", "IH1509"]
ACC_INV = np.array([0, 0, 1, 2, 0])
ACC_MEM = np.array([0, 1, 0, 1, 1])
MARGIN = np.array([1_000_000.0, 600_000.0, 2_000_000.0, 1_500_000.0, 10_000.0])
AVAILABLE = np.array([50_000.0, 25_000.5, 0.0, 300_000.0, 99.99])
FILES = np.array([True, True, True, False, True])


def book(zhang=(300, 180), li_short=479, wang=500):
    """IF1509: Zhang 300 long at C1 + 180 long at C2 (480 total), Li 479 short, Wang ``wang``
    long (C4) ... IH1509: Zhang 10 long at C5 (below the threshold)."""
    long = np.zeros((5, 2), dtype=np.int64)
    short = np.zeros((5, 2), dtype=np.int64)
    long[0, 0], long[1, 0] = zhang
    short[2, 0] = li_short
    long[3, 0] = wang
    short[1, 0] = 5  # C2 also holds 5 short: reported as the account's short
    long[4, 1] = 10
    return long, short


def reports(long, short, threshold=480, **kw):
    inv_long, inv_short = investor_positions(long, short, ACC_INV, len(INVESTORS))
    return large_trader_reports(
        DAY,
        CLOSE_NEXT_NS,
        inv_long,
        inv_short,
        threshold,
        long,
        short,
        MARGIN,
        AVAILABLE,
        FILES,
        ACC_INV,
        ACC_MEM,
        accounts=ACCOUNTS,
        investors=INVESTORS,
        investor_names=INVESTOR_NAMES,
        members=MEMBERS,
        member_names=MEMBER_NAMES,
        contracts=CONTRACTS,
        **kw,
    )


def test_ltr_01_threshold_is_80_percent_of_600_lots():
    """Rule: LTR-01 — 0.8 x 600 = 480 lots; 0.8 x 1,200 = 960; 0.85 x 100 = 85 (ceil of
    84.999...); no position limit -> NO_LIMIT (no reports) unless absolute lots are given."""
    assert report_threshold(600, 0.8, 1).tolist() == [480]
    assert report_threshold(np.array([1_200, NO_LIMIT]), 0.8, 2).tolist() == [960, NO_LIMIT]
    assert report_threshold(100, 0.85, 1).tolist() == [85]
    assert report_threshold(None, 0.8, 2).tolist() == [NO_LIMIT, NO_LIMIT]
    assert report_threshold(None, 0.8, 2, absolute_lots=50).tolist() == [50, 50]


def test_ltr_01_480_reports_479_does_not_rows_exact():
    """Rule: LTR-01 — Zhang reaches 480 long in IF1509 over two members (300 at M01, 180 at
    M02): two rows, one per account, with the account's own long/short, margin and
    available funds. Li's 479 short and Zhang's 10 IH lots are not reported; Wang's 500
    long is (C4, filed false)."""
    df = reports(*book())
    assert df.columns == [*SCENARIO_COLUMNS, "documents"]
    rows = df.select(SCENARIO_COLUMNS).rows()
    due = CLOSE_NEXT
    assert rows == [
        (DAY, due, "M01", "Alpha Futures", "INV-ZHANG", "Zhang San", "C1", "IF1509",
         300, 0, 1_000_000.0, 50_000.0, True),
        (DAY, due, "M02", "Beta Futures", "INV-ZHANG", "Zhang San", "C2", "IF1509",
         180, 5, 600_000.0, 25_000.5, True),
        (DAY, due, "M02", "Beta Futures", "INV-WANG", "Wang Wu", "C4", "IF1509",
         500, 0, 1_500_000.0, 300_000.0, False),
    ]  # fmt: skip


def test_ltr_01_479_does_not_report_and_short_side_counts():
    """Rule: LTR-01 — Zhang at 479 (300 + 179) is not reported; Li's short at exactly 480
    is (either side reaches the threshold)."""
    df = reports(*book(zhang=(300, 179), li_short=480, wang=0))
    assert df.select("account", "long", "short").rows() == [("C3", 0, 480)]


def test_ltr_01_dtypes_match_the_scenario_contract():
    """Rule: LTR-01 — Date, Datetime("ns"), String, Int64 lots, Float64 money, Boolean,
    and the added documents List(String); the same for an empty table."""
    expected = pl.Schema(REPORT_SCHEMA)
    assert reports(*book()).schema == expected
    empty = reports(*book(), threshold=NO_LIMIT)
    assert empty.height == 0 and empty.schema == expected


def test_ltr_01_no_position_limit_no_reports_unless_absolute_threshold():
    """Rule: LTR-01 — position_limit None: no rows; an absolute threshold of 10 lots
    reports Zhang's 10 IH lots too."""
    long, short = book()
    assert reports(long, short, threshold=report_threshold(None, 0.8, 2)).height == 0
    df = reports(long, short, threshold=report_threshold(None, 0.8, 2, absolute_lots=10))
    assert ("C5", "IH1509") in df.select("account", "symbol").rows()


def test_ltr_01_documents_listed_actual_controller_only_for_legal_persons():
    """Rule: LTR-01 — each row lists funding source, account-opening papers and the day's
    statement; the actual controller only for a legal person (here C4)."""
    df = reports(*book(), legal_person=np.array([False, False, False, True, False]))
    docs = dict(zip(df["account"], df["documents"].to_list(), strict=True))
    assert docs["C1"] == ["funding_source", "account_opening_papers", "daily_statement"]
    assert docs["C4"] == list(DOCUMENTS)
    default = reports(*book())
    assert "actual_controller" not in default["documents"].explode().to_list()


def test_ltr_01_per_position_margin_can_be_passed():
    """Rule: LTR-01 — a (n_accounts, n_contracts) margin array reports the position's
    margin rather than the account total."""
    long, short = book()
    inv_long, inv_short = investor_positions(long, short, ACC_INV, 3)
    per_pos = np.arange(10, dtype=np.float64).reshape(5, 2) * 1_000.0
    df = large_trader_reports(
        DAY, CLOSE_NEXT_NS, inv_long, inv_short, 480, long, short, per_pos, AVAILABLE,
        FILES, ACC_INV, ACC_MEM, accounts=ACCOUNTS, investors=INVESTORS,
        investor_names=INVESTOR_NAMES, members=MEMBERS, member_names=MEMBER_NAMES,
        contracts=CONTRACTS,
    )  # fmt: skip
    assert df["margin"].to_list() == [0.0, 2_000.0, 6_000.0]


def test_ltr_02_filed_false_for_accounts_that_never_file():
    """Rule: LTR-02 — ``filed`` is the account's files_reports flag (C4: false)."""
    df = reports(*book())
    assert dict(zip(df["account"], df["filed"], strict=True)) == {
        "C1": True,
        "C2": True,
        "C4": False,
    }


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (CLOSE_NEXT - dt.timedelta(microseconds=1), []),
        (CLOSE_NEXT, ["C4"]),
        (CLOSE_NEXT + dt.timedelta(days=1), ["C4"]),
    ],
)
def test_ltr_02_overdue_unfiled_reports_at_the_next_close(now, expected):
    """Rules: LTR-02, WARN-01 ⑤ — due 2015-08-25 15:15 (the next close): before it nothing
    is overdue; at the close and after it the unfiled C4 report is; filed ones never are."""
    now_ns = int((now - dt.datetime(1970, 1, 1)) / dt.timedelta(microseconds=1)) * 1_000
    late = overdue_reports(reports(*book()), now_ns)
    assert late["account"].to_list() == expected
    assert late.schema == pl.Schema(REPORT_SCHEMA)


def test_ltr_01_day_given_as_ns_is_the_same_date():
    """Rule: LTR-01 — ``day`` as ns (any time of the day) gives the same Date."""
    long, short = book()
    inv_long, inv_short = investor_positions(long, short, ACC_INV, 3)
    day_ns = int((dt.datetime(2015, 8, 24, 15, 15) - dt.datetime(1970, 1, 1)).total_seconds())
    df = large_trader_reports(
        day_ns * 1_000_000_000, CLOSE_NEXT_NS, inv_long, inv_short, 480, long, short, MARGIN,
        AVAILABLE, FILES, ACC_INV, ACC_MEM, accounts=ACCOUNTS, investors=INVESTORS,
        investor_names=INVESTOR_NAMES, members=MEMBERS, member_names=MEMBER_NAMES,
        contracts=CONTRACTS,
    )  # fmt: skip
    assert df["day"].unique().to_list() == [DAY]
