"""The circuit breaker and price limits through a whole replay: the ``market_states`` table.

Rules: BRK-01..07, LIMIT-01/02 (the state machine itself is tested message by message in
``tests/unit/test_breaker_rules.py`` against both engines).
"""

from __future__ import annotations

import polars as pl

from riskcore.output.tables import SCHEMAS
from riskcore.sim import run
from sim_helpers import order, write_scenario


def _states(result, symbol="IF1509"):
    df = result.tables["market_states"].filter(pl.col("symbol") == symbol)
    return [
        (
            r["at"].strftime("%Y-%m-%d %H:%M:%S"),
            r["state"],
            r["reason"],
            r["band_low"],
            r["band_high"],
        )
        for r in df.iter_rows(named=True)
    ]


def test_brk_07_market_states_table_schema_and_a_full_day(tmp_path):
    """Rule: BRK-07 — every transition is a row with time, band and reason; BRK-02/03: a
    bid at the upper breaker price from 10:00:00 starts the breaker at 10:01:00 exactly and
    the 10% band holds from 10:11:00; BRK-04: the session ends record ``closed``."""
    path = write_scenario(
        tmp_path,
        days=1,
        orders=[order("2015-08-21 10:00:00", "A", "buy", 3710.0, 1)],
    )
    res = run(path)
    df = res.tables["market_states"]
    assert df.schema == SCHEMAS["market_states"]
    assert _states(res) == [
        ("2015-08-21 09:15:00", "normal", "open", 3290.0, 3710.0),
        ("2015-08-21 10:00:00", "watch", "touch_upper", 3290.0, 3710.0),
        ("2015-08-21 10:01:00", "breaker", "touch_held", 3290.0, 3710.0),
        ("2015-08-21 10:11:00", "limit", "breaker_end", 3150.0, 3850.0),
        ("2015-08-21 11:30:00", "closed", "session_end", 3150.0, 3850.0),
        ("2015-08-21 13:00:00", "limit", "open", 3150.0, 3850.0),
        ("2015-08-21 15:15:00", "closed", "session_end", 3150.0, 3850.0),
    ]


def test_brk_05_quiet_period_and_brk_01_breaker_off(tmp_path):
    """Rule: BRK-05 — with no touch all day, the limit band takes over 30 minutes before the
    close; Rule: BRK-01 — with circuit_breaker = 0 the 10% band holds from the open."""
    res = run(write_scenario(tmp_path, days=1))
    assert ("2015-08-21 14:45:00", "limit", "quiet", 3150.0, 3850.0) in _states(res)
    off = run(write_scenario(tmp_path, days=1, rules={"circuit_breaker": 0}, file="off.toml"))
    assert _states(off)[0] == ("2015-08-21 09:15:00", "limit", "open", 3150.0, 3850.0)
    assert not any(s[1] in ("watch", "breaker") for s in _states(off))


def test_limit_02_last_trading_day_has_no_limit(tmp_path):
    """Rule: LIMIT-02 — on the contract's last trading day there is no breaker and no limit
    (seed rulebook): the state is ``no_limit`` (each session opened with reason ``last_day``,
    BRK-07) and an order 15% away is accepted."""
    contract = {
        "symbol": "IF1509",
        "multiplier": 300,
        "tick": 0.2,
        "prev_settlement": 3500.0,
        "last_trading_day": "2015-08-21",
        "final_settlement": 3500.0,
    }
    path = write_scenario(
        tmp_path,
        days=1,
        contracts=[contract],
        orders=[order("2015-08-21 10:00:00", "A", "buy", 4025.0, 1, id="far")],
    )
    res = run(path)
    assert _states(res)[0][1:3] == ("no_limit", "last_day")
    orders = res.tables["orders"].filter(pl.col("client_id") == "far")
    assert orders["status"].to_list() == ["cancelled"]  # accepted, rested, expired at the close
    assert orders["reason"].to_list() == ["EXPIRED"]


def test_brk_market_states_are_deterministic(tmp_path):
    """Rule: UNIT-04 — the same scenario gives the same market_states rows."""
    path = write_scenario(tmp_path, orders=[order("2015-08-21 10:00:00", "A", "buy", 3710.0, 1)])
    assert run(path).tables["market_states"].equals(run(path).tables["market_states"])
