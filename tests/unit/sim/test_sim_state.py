"""Saved state (riskcore.sim.state): the generic encoding of the carried state, the folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from riskcore.risk.position_limits import BREACH_DTYPE
from riskcore.sim.build import Carry
from riskcore.sim.funds import FundState
from riskcore.sim.state import (
    SavedState,
    StateError,
    decode,
    encode,
    load_state,
    save_state,
)

FUNDS = FundState(
    day_index=2, variable=np.ones(2), drawn=np.zeros(2), traded=np.ones(2),
    lot_days=np.ones(2), member_capital=np.array([5e6, 1e6]), risk_reserve=1e8,
    exchange_capital=float("inf"), open_uncovered=np.zeros(3),
)  # fmt: skip


def same(a, b) -> bool:
    """Equal values: arrays by dtype and content, frames by content, dataclasses by field."""
    if isinstance(a, np.ndarray) and a.dtype.names:  # records: field by field (not padding)
        flags = a.dtype.isalignedstruct == b.dtype.isalignedstruct
        return a.dtype == b.dtype and flags and all(same(a[n], b[n]) for n in a.dtype.names)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, pl.DataFrame):
        return a.equals(b)
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    return a == b


def full_carry() -> Carry:
    """A carry with every field set (arrays of several dtypes, a frame, dates, funds)."""
    rng = np.random.default_rng(1)
    breaches = np.zeros(2, dtype=BREACH_DTYPE)
    breaches["excess"] = [3, 1]
    return Carry(
        prev_settle=np.array([17500, 17400], dtype=np.int64),
        margin_rate=np.array([0.12, 0.15]),
        long_yd=rng.integers(0, 9, (3, 2)),
        short_yd=rng.integers(0, 9, (3, 2)),
        reserve=np.array([1e6, -2.5, 1 / 3]),
        restricted=np.array([0, 1, 0], dtype=np.int8),
        margin_call=np.array([0.0, 2.5, 0.0]),
        call_day=dt.date(2015, 9, 7),
        breaches=breaches,
        breach_day=dt.date(2015, 9, 7),
        reports=pl.DataFrame({"day": [dt.date(2015, 9, 7)], "account": ["A"], "long": [3]}),
        funds=dataclasses.replace(FUNDS),
    )


def roundtrip(value):
    arrays, frames = {}, {}
    data = json.loads(json.dumps(encode(value, "x", arrays, frames)))
    return decode(data, arrays, frames)


def test_every_carry_field_round_trips_exactly():
    """Fields are encoded by iterating the dataclass: a field added to Carry later is saved."""
    carry = full_carry()
    back = roundtrip(carry)
    assert isinstance(back, Carry) and isinstance(back.funds, FundState)
    for f in dataclasses.fields(Carry):  # arrays bit for bit
        assert same(getattr(carry, f.name), getattr(back, f.name)), f.name
    assert back.funds.exchange_capital == float("inf")


def test_scalars_tuples_and_generators_round_trip():
    rng = np.random.default_rng(7)
    rng.random(3)
    value = {"events": [(1, -1, 3, np.int64(3))], "n": 5, "rng": rng, "t": None}
    back = roundtrip(value)
    assert back["events"] == [(1, -1, 3, 3)] and isinstance(back["events"][0], tuple)
    assert back["rng"].random() == rng.random()


def test_unknown_type_fails_loudly_naming_the_field():
    carry = full_carry()
    carry.funds = object()
    with pytest.raises(StateError, match=r"carry\.funds: unknown type builtins\.object"):
        encode(carry, "carry", {}, {})
    with pytest.raises(StateError, match="numpy array of objects"):
        encode(np.array([object()]), "x", {}, {})


def state(day=dt.date(2015, 9, 7)) -> SavedState:
    return SavedState(
        day=day, day_index=0, scenario="s", fingerprint="f" * 64, trading_days=[day],
        run_id="r", carry=full_carry(), run={"n_trades": 3}, working={}, rows={"trades": 3},
    )  # fmt: skip


def test_save_is_atomic_and_replaces_an_older_folder(tmp_path):
    folder = tmp_path / "state" / "2015-09-07"
    save_state(folder, state())
    save_state(folder, state())  # replaced in one rename
    back = load_state(folder)
    assert (back.day, back.run["n_trades"], back.rows) == (dt.date(2015, 9, 7), 3, {"trades": 3})
    assert back.run_dir == tmp_path
    bad = state()
    bad.carry.funds = object()
    with pytest.raises(StateError):
        save_state(tmp_path / "state" / "2015-09-08", bad)
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["2015-09-07"]


def test_load_refuses_other_versions_and_corrupt_files(tmp_path):
    folder = save_state(tmp_path / "s", state())
    body = json.loads((folder / "state.json").read_text())
    body["format"] = 99
    (folder / "state.json").write_text(json.dumps(body))
    with pytest.raises(StateError, match="state format 99"):
        load_state(folder)
    with pytest.raises(StateError, match="not a state folder"):
        load_state(tmp_path)
    with pytest.raises(StateError, match="no state folder"):
        load_state(tmp_path / "missing")
