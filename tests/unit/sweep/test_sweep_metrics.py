"""Sweep metrics on hand-made tables with known answers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from riskcore.sweep.metrics import (
    LAYERS,
    MEMBER_SCHEMA,
    RUN_SCHEMA,
    max_drawdown,
    member_equity,
    member_metrics,
    run_metrics,
)

D1, D2, D3 = dt.date(2015, 9, 7), dt.date(2015, 9, 8), dt.date(2015, 9, 9)


def tables() -> dict[str, pl.DataFrame]:
    return {
        "trades": pl.DataFrame({"qty": [2, 3, 5], "kind": ["continuous", "liquidation", "final"]}),
        "liquidations": pl.DataFrame(
            {"account": ["A1", "A1", "B1"], "qty": [4, 2, 3], "filled": [4, 0, 1]}
        ),
        "margin_calls": pl.DataFrame(
            {
                "day": [D1, D1, D2, D3],
                "account": ["A1", "B1", "A1", "A2"],
                "member": ["MA", "MB", "MA", "MA"],
                "amount": [100.0, 50.0, 30.0, 70.0],
                "paid": [100.0, 20.0, None, 0.0],
                "outcome": ["paid", "unpaid", "unpaid", "pending"],
            }
        ),
        "reductions": pl.DataFrame(
            {
                "role": ["self_offset", "requester", "requester", "counterparty", "counterparty"],
                "qty": [1, 2, 3, 4, 1],
            }
        ),
        "defaults": pl.DataFrame(
            {
                "day": [D2, D2, D2, D3, D3],
                "member": ["MA", "MA", "MA", "MB", "MB"],
                "layer": [
                    "member_capital",
                    "defaulter_guarantee_fund",
                    "exchange_capital",
                    "member_capital",
                    "uncovered",
                ],
                "amount": [10.0, 20.0, 5.0, 1.0, 2.0],
                "remaining_loss": [25.0, 5.0, 0.0, 2.0, 0.0],
            }
        ),
        "warnings": pl.DataFrame({"party": ["A1", "MB"]}),
        "prices": pl.DataFrame(
            {"day": [D1, D1, D2, D3], "locked": ["down", None, "down", "up"]},
            schema={"day": pl.Date, "locked": pl.String},
        ),
        "accounts_daily": pl.DataFrame(
            {
                "day": [D1, D1, D1, D2, D2, D2, D3, D3, D3],
                "account": ["A1", "A2", "B1"] * 3,
                "member": ["MA", "MA", "MB"] * 3,
                # MA: 150, 90, 130 -> drawdown 60 (from 150), or 100 from a start of 190
                # MB: 100, 120, 40 -> drawdown 80
                "equity": [100.0, 50.0, 100.0, 40.0, 50.0, 120.0, 80.0, 50.0, 40.0],
            }
        ),
    }


def test_max_drawdown():
    assert max_drawdown([]) == 0.0
    assert max_drawdown([5.0]) == 0.0
    assert max_drawdown([1.0, 2.0, 3.0]) == 0.0
    assert max_drawdown([100.0, 80.0, 120.0, 90.0]) == 30.0
    assert max_drawdown([100.0, 40.0, 120.0, 90.0]) == 60.0
    assert max_drawdown([90.0, 95.0], start=100.0) == 10.0
    assert max_drawdown([], start=100.0) == 0.0


def test_member_equity_sums_accounts_per_day():
    eq = member_equity(tables())
    assert eq.filter(pl.col("member") == "MA")["equity"].to_list() == [150.0, 90.0, 130.0]
    assert eq.filter(pl.col("member") == "MB")["equity"].to_list() == [100.0, 120.0, 40.0]


def test_run_metrics_known_answers():
    m = run_metrics(tables())
    assert list(m) == list(RUN_SCHEMA)
    assert m["trades"] == 3 and m["volume"] == 10
    assert m["liquidation_orders"] == 3 and m["liquidated_lots"] == 5
    assert m["margin_calls"] == 4
    assert m["margin_call_amount"] == pytest.approx(250.0)
    assert m["margin_call_unpaid"] == pytest.approx(30.0 + 30.0)  # pending not counted
    assert m["reduction_lots"] == 6  # requester 2 + 3 and self_offset 1
    assert m["defaults"] == 2
    assert m["default_loss"] == pytest.approx(38.0)
    assert m["fund_used"] == pytest.approx(25.0)
    assert m["layer_member_capital"] == pytest.approx(11.0)
    assert m["layer_defaulter_guarantee_fund"] == pytest.approx(20.0)
    assert m["layer_exchange_capital"] == pytest.approx(5.0)
    assert m["layer_uncovered"] == pytest.approx(2.0)
    assert m["layer_member_guarantee_funds"] == 0.0
    assert m["warnings"] == 2
    assert m["days_locked"] == 3
    assert m["max_member_drawdown"] == pytest.approx(80.0)
    assert m["max_drawdown_member"] == "MB"


def test_initial_equity_is_the_first_peak():
    m = run_metrics(tables(), initial_equity={"MA": 190.0, "MB": 100.0, "MC": 5.0})
    assert m["max_member_drawdown"] == pytest.approx(100.0)
    assert m["max_drawdown_member"] == "MA"
    members = member_metrics(tables(), {"MA": 190.0, "MB": 100.0, "MC": 5.0})
    assert members.schema == pl.Schema(MEMBER_SCHEMA)
    assert members.rows() == [
        ("MA", 100.0, 130.0, 3, 200.0),
        ("MB", 80.0, 40.0, 1, 50.0),
        ("MC", 0.0, 5.0, 0, 0.0),  # no accounts: its start is its end
    ]


def test_empty_and_missing_tables_count_zero():
    m = run_metrics({})
    assert m["trades"] == 0 and m["volume"] == 0 and m["margin_call_amount"] == 0.0
    assert m["defaults"] == 0 and all(m[f"layer_{name}"] == 0.0 for name in LAYERS)
    assert m["max_member_drawdown"] == 0.0 and m["max_drawdown_member"] is None
    empty = {name: df.clear() for name, df in tables().items()}
    assert run_metrics(empty) == m
    assert member_metrics(empty).height == 0
    # a row per run with the fixed schema, even for all-zero runs
    assert pl.DataFrame([m], schema=RUN_SCHEMA, orient="row").height == 1
