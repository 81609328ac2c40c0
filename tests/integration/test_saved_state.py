"""Saved end-of-day state and continuation (``--save-state``, ``--from``; riskcore.sim.state).

A run continued from the saved state of day N must equal the uninterrupted run byte for byte:
every Parquet file of its run folder (the rows up to day N taken from the source run folder,
the rest made by the continuation) is identical. This holds only if every piece of state that
crosses a close is saved (positions, reserve, margin rates and MARGIN-05 raise state, lock
streaks, margin calls, position limits, POS-04 breaches, unfiled LTR-02 reports, average open
prices, FUND-01/02 balances, the trade and liquidation numbering, LIQ-01 ③-⑤ events queued past
a close, LIQ-04 remainders, the WARN-01 triggers WARN-02 escalates over the run), so the tests
continue from every possible day of scenarios that exercise them. A what-if (a changed rule)
keeps the rows up to day N and diverges after it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import riskcore.sim as sim
from riskcore.cli import load_with_sets
from riskcore.sim.state import StateError, load_state
from sim_helpers import order

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def parquet_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


def assert_same_tables(expected: Path, got: Path, where: str) -> None:
    want, have = parquet_bytes(expected), parquet_bytes(got)
    assert sorted(have) == sorted(want), where
    differ = [name for name in want if want[name] != have[name]]
    assert not differ, f"{where}: {differ} differ"


def state_days(run_dir: Path) -> list[str]:
    return sorted(p.name for p in (run_dir / "state").iterdir())


def check_every_day(path: Path, tmp: Path, **overrides) -> list[str]:
    """Run ``path`` uninterrupted, then with saved states, then continued from every day but
    the last: every run folder's Parquet files are byte-identical. Returns the state days."""
    plain, source = tmp / "plain", tmp / "source"
    sim.run(path, **overrides).save(plain)
    sim.run(path, save_state=source, **overrides).save(source)
    assert_same_tables(plain, source, "saving states changes nothing")
    days = state_days(source)
    assert len(days) == len(json.loads((plain / "summary.json").read_text())["trading_days"])
    for day in days[:-1]:
        out = tmp / f"from-{day}"
        res = sim.run(path, start_from=source / "state" / day, **overrides)
        res.save(out)
        assert_same_tables(plain, out, f"continued from {day}")
        summary = json.loads((out / "summary.json").read_text())
        want = {"path": str(source / "state" / day), "day": day, "rules_changed": []}
        assert summary["continued_from"] == want
    return days


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("margin-call-liquidation", {}),
        ("margin-call-liquidation", {"days": 4}),  # liquidation orders before and after N
        ("member-default", {"days": 3}),  # guarantee-fund balances, defaults
        ("position-limits", {}),  # POS-04 breaches, LTR-02 reports, lowered limits
        ("limit-lock-cffex", {}),  # MARGIN-05 raises, lock streaks, RED-01
        ("limit-lock-cffex", {"days": 5}),
        ("settlement-day", {}),  # margin calls
        ("limit-lock-reduction", {"days": 4}),
        ("breaker-day", {}),
        ("quickstart", {}),  # orders on no trading day, rejected MARKET_CLOSED
    ],
)
def test_continued_run_is_byte_identical_from_every_day(name, overrides, tmp_path):
    """A run continued from day N, for every N but the last, equals the uninterrupted run."""
    days = check_every_day(SCENARIOS / f"{name}.toml", tmp_path, **overrides)
    assert len(days) >= 2


def test_liq_04_carry_and_events_queued_past_the_close_continue(scenario, tmp_path):
    """LIQ-01 ③, LIQ-04 state across a saved close: Friday's penalty leaves 2 lots unfilled on
    a locked-down market (carried to Monday's first session), a penalty after Monday's close
    waits for Tuesday's first session, and an order on Saturday (no trading day) is rejected
    once. Continued from Friday or Monday, the run is unchanged."""
    accounts = [
        {"id": "A", "member": "M01", "cash": 10_000_000,
         "positions": [{"symbol": "IF1509", "long": 10, "short": 0, "price": 3500.0}]},
        {"id": "B", "member": "M02", "cash": 10_000_000,
         "positions": [{"symbol": "IF1509", "long": 0, "short": 10, "price": 3100.0}]},
        {"id": "C", "member": "M01", "cash": 10_000_000},
        {"id": "D", "member": "M02", "cash": 10_000_000},
    ]  # fmt: skip
    orders = [
        order("2015-08-21 09:12:00", "C", "buy", 3480.0, 1),
        order("2015-08-21 14:00:00", "D", "buy", 3150.0, 1),
        order("2015-08-22 10:00:00", "C", "buy", 3150.0, 1),  # Saturday
        order("2015-08-24 09:12:00", "C", "buy", 3300.0, 5),
        order("2015-08-25 09:12:00", "D", "buy", 3100.0, 3),
    ]
    events = [
        {"at": "2015-08-21 09:00:00", "kind": "penalty_liquidation", "account": "A",
         "symbol": "IF1509", "qty": 4, "reason": "fine"},
        {"at": "2015-08-24 08:00:00", "kind": "deposit", "account": "C", "amount": 1000},
        {"at": "2015-08-24 16:00:00", "kind": "penalty_liquidation", "account": "A",
         "qty": 1, "reason": "fine"},
    ]  # fmt: skip
    path = scenario(accounts=accounts, orders=orders, events=events, days=3)
    check_every_day(path, tmp_path)
    res = sim.run(path)
    liq = res["liquidations"].sort("order_no")
    assert liq["day"].dt.to_string().to_list() == [
        "2015-08-21", "2015-08-21", "2015-08-24", "2015-08-25", "2015-08-25"
    ]  # fmt: skip
    friday = load_state(tmp_path / "source" / "state" / "2015-08-21")
    assert friday.run["liq_carried"]["qty"].tolist() == [2]  # LIQ-04
    monday = load_state(tmp_path / "source" / "state" / "2015-08-24")
    assert len(monday.run["liq_events"]) == 1  # queued past the close
    assert monday.run["desk_n"] == 4  # orders 5-8: Friday's three, Monday's one


def split(df: pl.DataFrame, day: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    up_to = pl.col("day") <= pl.lit(day).str.to_date()
    return df.filter(up_to), df.filter(~up_to)


@pytest.mark.parametrize(
    ("key", "value", "changed", "changes"),
    [
        # MARGIN-04: the contract's rate replaces the carried base rate
        ("contracts.0.margin_rate", "0.2", "contracts.IF1509.margin_rate", "settlements"),
        # LIQ-02, read when it applies
        ("rules.liquidation_member_sessions", "2", "liquidation_member_sessions", "liquidations"),
        ("rules.circuit_breaker", "false", "circuit_breaker", "market_states"),  # BRK-01
    ],
)
def test_what_if_keeps_the_past_and_diverges_after_the_day(key, value, changed, changes, tmp_path):
    """A what-if from day N (a changed key, as ``replay --from ... --set KEY=VALUE``): the
    rows up to N are the source run's, the rows after N follow the change; money stays
    conserved across the change (SETTLE-03, checked after every day)."""
    path = SCENARIOS / "margin-call-liquidation.toml"
    source = tmp_path / "source"
    base = sim.run(path, save_state=source, days=4)
    base.save(source)
    n = "2015-09-07"
    what_if = sim.run(
        load_with_sets(path, [f"{key}={value}", "scenario.days=4"]),
        start_from=source / "state" / n,
        options=sim.SimOptions(check_invariants=True),
    )
    assert changed in what_if.summary["continued_from"]["rules_changed"]
    for name in ("trades", "prices", "settlements", "accounts_daily", "liquidations"):
        assert split(what_if[name], n)[0].equals(split(base[name], n)[0]), name
    assert not split(what_if[changes], n)[1].equals(split(base[changes], n)[1])
    if key == "contracts.0.margin_rate":
        after = split(what_if["settlements"], n)[1]
        assert after["margin_rate"].unique().to_list() == [0.2]
        assert split(base["settlements"], n)[1]["margin_rate"].unique().to_list() != [0.2]


def test_what_if_with_a_lower_position_limit(tmp_path):
    """POS-01: a lowered ``position_limit`` replaces the carried limit from the next day on
    (its orders over the limit are rejected), the days up to N are unchanged."""
    path = SCENARIOS / "position-limits.toml"
    source = tmp_path / "source"
    base = sim.run(path, save_state=source)
    base.save(source)
    n = state_days(source)[0]
    what_if = sim.run(path, start_from=source / "state" / n, **{"rules.position_limit": 1})
    assert split(what_if["settlements"], n)[0].equals(split(base["settlements"], n)[0])
    assert split(what_if["orders"], n)[0].equals(split(base["orders"], n)[0])
    assert not split(what_if["orders"], n)[1].equals(split(base["orders"], n)[1])
    reasons = split(what_if["orders"], n)[1]["reason"].drop_nulls().unique().to_list()
    assert "POSITION_LIMIT" in reasons


def test_state_folder_holds_arrays_frames_and_a_versioned_json(tmp_path):
    """The state folder: state.json (format, scenario, day, fingerprint), arrays.npz (no
    pickles) and Parquet frames; it loads back into equal carried state."""
    path = SCENARIOS / "position-limits.toml"
    res = sim.run(path, save_state=tmp_path)
    res.save(tmp_path)
    folder = tmp_path / "state" / "2015-09-07"
    body = json.loads((folder / "state.json").read_text())
    assert (body["format"], body["scenario"], body["day"]) == (1, "position-limits", "2015-09-07")
    assert len(body["fingerprint"]) == 64
    with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
        assert "carry.long_yd" in npz.files
    st = load_state(folder)
    assert st.carry.long_yd.dtype == np.int64
    assert st.carry.funds.day_index == 1
    assert not list(tmp_path.glob("state/.*"))  # no temporary folders left


def test_errors_of_a_state_that_cannot_be_continued(tmp_path):
    """Missing or corrupt folder, another scenario, a day not in the calendar, the last day,
    a run folder rewritten by another run: one clear StateError each."""
    path = SCENARIOS / "position-limits.toml"
    src = tmp_path / "src"
    sim.run(path, save_state=src).save(src)
    with pytest.raises(StateError, match="no state folder"):
        sim.run(path, start_from=src / "state" / "2015-09-30")
    bad = src / "state" / "2015-09-07"
    shutil.copytree(bad, tmp_path / "copy" / "state" / "2015-09-07")
    corrupt = tmp_path / "copy" / "state" / "2015-09-07"
    (corrupt / "arrays.npz").write_bytes(b"not a zip")
    with pytest.raises(StateError, match="corrupt state folder"):
        sim.run(path, start_from=corrupt)
    with pytest.raises(StateError, match="not 'settlement-day'"):
        sim.run(SCENARIOS / "settlement-day.toml", start_from=bad)
    with pytest.raises(StateError, match="last trading day"):
        sim.run(path, start_from=src / "state" / "2015-09-09")
    with pytest.raises(StateError, match="not a trading day"):
        sim.run(path, start_from=src / "state" / "2015-09-08", **{"rules.holidays": ["2015-09-08"]})
    other = tmp_path / "other"
    sim.run(path, save_state=src).save(other)  # new states in src, tables elsewhere
    with pytest.raises(StateError, match="another run"):
        sim.run(path, start_from=src / "state" / "2015-09-07")


def test_a_continued_run_saves_states_that_continue_again(tmp_path):
    """Continued from day 1 with ``save_state``, the new run folder's states (rows counted over
    the whole history) continue again: from day 3 of it, the run is still unchanged."""
    path = SCENARIOS / "position-limits.toml"
    plain, source, middle, last = (tmp_path / n for n in ("plain", "source", "middle", "last"))
    sim.run(path, days=4).save(plain)
    sim.run(path, days=4, save_state=source).save(source)
    days = state_days(source)
    sim.run(path, days=4, start_from=source / "state" / days[0], save_state=middle).save(middle)
    assert state_days(middle) == days[1:]
    sim.run(path, days=4, start_from=middle / "state" / days[2]).save(last)
    assert_same_tables(plain, middle, "continued once")
    assert_same_tables(plain, last, "continued twice")
