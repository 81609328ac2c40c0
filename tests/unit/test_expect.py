"""``[[expect]]`` evaluation (riskcore.expect) on hand-built tables."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from riskcore.expect import (
    ExpectResult,
    check_expectation,
    check_expectations,
    first_failure,
    format_mapping,
)
from riskcore.scenario import Expect

D1, D2 = dt.date(2015, 9, 7), dt.date(2015, 9, 8)


@pytest.fixture
def tables() -> dict[str, pl.DataFrame]:
    trades = pl.DataFrame(
        {
            "trade_no": [0, 1, 2, 3],
            "at": [
                dt.datetime(2015, 9, 7, 9, 15),
                dt.datetime(2015, 9, 7, 9, 15),
                dt.datetime(2015, 9, 7, 9, 30, 0, 500_000),
                dt.datetime(2015, 9, 8, 10, 0),
            ],
            "day": [D1, D1, D1, D2],
            "symbol": ["IF1509"] * 4,
            "price": [3501.0, 3501.0, 3499.8, 3510.2],
            "qty": [2, 1, 3, 5],
            "buy_account": ["C001", "C001", "C003", "C004"],
            "kind": ["auction", "auction", "continuous", "continuous"],
        },
        schema_overrides={"at": pl.Datetime("ns")},
    )
    orders = pl.DataFrame(
        {
            "client_id": ["a1", "bad", "fak"],
            "status": ["filled", "rejected", "cancelled"],
            "reason": [None, "OFF_TICK", None],
            "filled": [3, 0, 2],
            "restricted": [False, False, True],
        }
    )
    prices = pl.DataFrame(
        {
            "day": [D1, D2],
            "settlement_price": [3509.6, 3512.0],
            "locked": pl.Series([None, "up"], dtype=pl.Enum(["up", "down"])),
        }
    )
    return {"trades": trades, "orders": orders, "prices": prices, "empty": trades.clear()}


def ex(table: str, where=None, equals=None, count=None, origin="s.toml:9") -> Expect:
    return Expect(table, where or {}, equals, count, origin)


def test_count_and_equals_hold(tables):
    r = check_expectation(
        ex("trades", {"kind": "auction"}, {"price": 3501.0, "buy_account": "C001"}, 2), tables
    )
    assert r.ok and not r.broken
    assert "holds" in r.message


def test_count_mismatch_says_expected_and_actual(tables):
    r = check_expectation(ex("trades", {"day": "2015-09-07"}, count=4, origin="q.toml:42"), tables)
    assert not r.ok and not r.broken
    assert r.expected == "count = 4" and r.actual == "count = 3"
    assert r.message == (
        'q.toml:42: trades where { day = "2015-09-07" }: expected count = 4, got count = 3'
    )


def test_equals_must_hold_for_every_selected_row(tables):
    r = check_expectation(ex("trades", {"day": D1}, {"price": 3501.0}), tables)
    assert not r.ok
    assert r.actual == "price = 3499.8 in 1 of 3 selected rows"


def test_equals_over_no_rows_fails_without_count(tables):
    r = check_expectation(ex("trades", {"kind": "offset", "day": D1}, {"qty": 1}), tables)
    assert not r.ok
    assert "no row selected" in r.actual
    assert 'kind = "offset" matches 0' in r.actual and "day = 2015-09-07 matches 3" in r.actual


def test_equals_with_count_zero_holds_vacuously(tables):
    assert check_expectation(ex("trades", {"kind": "offset"}, {"qty": 1}, 0), tables).ok


def test_empty_table(tables):
    assert check_expectation(ex("empty", count=0), tables).ok
    r = check_expectation(ex("empty", equals={"qty": 1}), tables)
    assert not r.ok and "empty" in r.actual


def test_float_tolerance_is_relative(tables):
    assert check_expectation(ex("prices", {"day": D1}, {"settlement_price": 3509.6001}), tables).ok
    r = check_expectation(ex("prices", {"day": D1}, {"settlement_price": 3509.61}), tables)
    assert not r.ok and r.actual == "settlement_price = 3509.6"
    # an integer value on a float column, and a float value on an integer column
    assert check_expectation(ex("trades", {"qty": 5.0}, {"price": 3510.2}, 1), tables).ok
    assert check_expectation(ex("trades", {"price": 3510.2}, {"qty": 5}), tables).ok


def test_dates_and_times(tables):
    # a TOML date, a date string, a full timestamp (ns exact), a day on a Datetime column,
    # a time of day on a Datetime column
    assert check_expectation(ex("trades", {"day": D2}, count=1), tables).ok
    assert check_expectation(ex("trades", {"day": "2015-09-08"}, count=1), tables).ok
    assert check_expectation(ex("trades", {"at": "2015-09-07 09:30:00.500"}, count=1), tables).ok
    assert check_expectation(ex("trades", {"at": "2015-09-07 09:30:00.5001"}, count=0), tables).ok
    at = dt.datetime(2015, 9, 7, 9, 15)
    assert check_expectation(ex("trades", {"at": at}, count=2), tables).ok
    assert check_expectation(ex("trades", {"at": "2015-09-07"}, count=3), tables).ok
    assert check_expectation(ex("trades", {"at": "09:15"}, count=2), tables).ok
    assert check_expectation(ex("trades", {"at": dt.time(10, 0)}, count=1), tables).ok


def test_null_booleans_and_enums(tables):
    assert check_expectation(ex("orders", {"reason": "null"}, count=2), tables).ok
    r = check_expectation(ex("orders", {"client_id": "bad"}, {"reason": "null"}), tables)
    assert not r.ok and r.actual == 'reason = "OFF_TICK"'
    assert check_expectation(ex("orders", {"restricted": True}, {"client_id": "fak"}), tables).ok
    assert check_expectation(ex("prices", {"locked": "up"}, {"day": D2}, 1), tables).ok
    assert check_expectation(ex("prices", {"day": D1}, {"locked": "null"}), tables).ok


def test_unknown_table_is_a_clear_failure(tables):
    r = check_expectation(ex("trade", count=1), tables)
    assert not r.ok and r.broken
    assert "the run has no table 'trade'" in r.actual and "did you mean 'trades'" in r.actual
    assert "cannot check count = 1" in r.message


def test_unknown_column_is_a_clear_failure(tables):
    r = check_expectation(ex("trades", {"buy_acount": "C001"}, count=1), tables)
    assert r.broken and "did you mean 'buy_account'" in r.actual
    r = check_expectation(ex("trades", {"kind": "auction"}, {"prize": 1.0}), tables)
    assert r.broken and "equals names column 'prize'" in r.actual


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ({"qty": "two"}, "expected a whole number"),
        ({"price": True}, "expected a number"),
        ({"kind": 3}, "expected a string"),
        ({"day": "2015-09-31"}, "not a real date"),
        ({"at": "yesterday"}, "timestamp"),
        ({"at": "2015-02-30 09:00:00"}, "impossible time"),
    ],
)
def test_values_that_cannot_be_compared_are_failures_not_crashes(tables, where, text):
    r = check_expectation(ex("trades", where, count=1), tables)
    assert r.broken and text in r.actual, r.actual


def test_booleans_need_booleans(tables):
    r = check_expectation(ex("orders", {"restricted": 1}, count=1), tables)
    assert r.broken and "true or false" in r.actual


def test_many_distinct_values_are_shortened(tables):
    big = {"t": pl.DataFrame({"x": list(range(10))})}
    r = check_expectation(ex("t", equals={"x": 100}), big)
    assert r.actual.startswith("x = 0, 1, 2, 3, 4, ... (10 distinct) in 10 of 10 selected rows")


def test_check_expectations_and_first_failure(tables):
    results = check_expectations(
        [ex("trades", count=4, origin="a:1"), ex("trades", count=1, origin="a:2")], tables
    )
    assert [r.ok for r in results] == [True, False]
    first = first_failure(results)
    assert first is results[1]
    assert first_failure(results[:1]) is None
    d = first.to_dict()
    assert d["origin"] == "a:2" and d["actual"] == "count = 4" and d["message"] == first.message
    json.dumps(d)  # JSON-ready


def test_to_dict_of_dates_is_json_ready(tables):
    r = check_expectation(ex("trades", {"day": D1}, count=9), tables)
    assert json.loads(json.dumps(r.to_dict()))["where"] == {"day": "2015-09-07"}


def test_format_mapping():
    assert format_mapping({"day": D1, "kind": 'a"b', "n": 1, "f": 0.1 + 0.2, "b": False}) == (
        '{ day = 2015-09-07, kind = "a\\"b", n = 1, f = 0.3, b = false }'
    )


def test_result_str_is_its_message():
    r = ExpectResult("f:1", "trades", {}, "count = 1", "count = 2", ok=False)
    assert str(r) == "f:1: trades: expected count = 1, got count = 2"
