"""Output tables and the atomic run-folder writer (``riskcore.output``).

Rules: UNIT-04 (deterministic bytes); SCENARIO.md "Run folder" (exact dtypes; a crash
leaves no half table).
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from riskcore.output import SCHEMAS, write_run
from riskcore.output import write as write_mod
from riskcore.output.tables import (
    REASON_ENUM,
    conform,
    empty,
    enum_codes,
    events_table,
    float_prices,
    names,
    prices_table,
    trades_table,
)
from riskcore.records import FILL_DTYPE, K_AUCTION, K_CONTINUOUS, REASON_NAMES, SELL

SPEC = {
    "orders": "order_no client_id at day account member investor symbol action side offset "
    "type price qty filled status reason source",
    "trades": "trade_no at day symbol price qty buy_account sell_account buy_offset "
    "sell_offset buy_order_no sell_order_no aggressor kind",
    "prices": "day symbol open high low close volume open_interest settlement_price "
    "prev_settlement limit_up limit_down locked",
}


@pytest.mark.parametrize("table", sorted(SPEC))
def test_schemas_start_with_the_spec_columns(table):
    """SCENARIO.md: the spec's columns, in its order, before any added column."""
    cols = SPEC[table].split()
    assert SCHEMAS[table].names()[: len(cols)] == cols


def test_schema_dtypes_follow_the_conventions():
    """SCENARIO.md: times Datetime("ns"), days Date, prices/money Float64, lots Int64."""
    for schema in SCHEMAS.values():
        for col, dtype in schema.items():
            if col == "at":
                assert dtype == pl.Datetime("ns")
            elif col == "day":
                assert dtype == pl.Date
            elif col in ("price", "open", "high", "low", "close", "settlement_price",
                         "prev_settlement", "limit_up", "limit_down", "amount"):  # fmt: skip
                assert dtype == pl.Float64, col
            elif col in ("qty", "filled", "volume", "open_interest") or col.endswith("_no"):
                assert dtype == pl.Int64, col


def test_names_gathers_with_nulls():
    s = names(np.array([0, 1, 18, -1, 99]), REASON_NAMES)
    assert s.to_list() == [None, "OFF_TICK", "EXPIRED", None, None]
    assert s.dtype == pl.String


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.int64])
def test_codes_of_any_integer_type_give_the_same_names(dtype):
    """One-byte codes are looked up through a byte table: a negative int8 (a byte >= 128)
    and a code past the table are null, as for wider codes."""
    raw = [0, 1, 18, 2, 19, 200, -1, -128] if dtype != np.uint8 else [0, 1, 18, 2, 19, 200, 255]
    codes = np.array([c for c in raw if np.iinfo(dtype).min <= c <= np.iinfo(dtype).max])
    expect = [REASON_NAMES[c] if 0 <= c < len(REASON_NAMES) else None for c in codes]
    assert names(codes.astype(dtype), REASON_NAMES).to_list() == expect
    reason = enum_codes(codes.astype(dtype), REASON_NAMES, REASON_ENUM)
    assert reason.dtype == REASON_ENUM
    assert reason.to_list() == expect
    cat = names(codes.astype(dtype), REASON_NAMES, pl.Categorical)
    assert cat.dtype == pl.Categorical and cat.cast(pl.String).to_list() == expect


def test_codes_into_an_empty_table_are_null():
    assert names(np.array([0, 5, -1], dtype=np.int64), ()).to_list() == [None, None, None]


def test_enum_codes_of_names_outside_the_enum_are_null():
    side = pl.Enum(["buy", "sell"])
    s = enum_codes(np.array([0, 1, 2, 3], dtype=np.int8), (None, "buy", "sell", "hold"), side)
    assert s.to_list() == [None, "buy", "sell", None]


def test_float_prices_are_clean_decimals():
    assert float_prices(np.array([17501, 15661, 19141]), np.array([0.2] * 3)).tolist() == [
        3500.2, 3132.2, 3828.2,
    ]  # fmt: skip


def test_trades_table_schema_and_values():
    f = np.zeros(2, dtype=FILL_DTYPE)
    f["ts"] = [1_440_000_000 * 10**9, 1_440_000_001 * 10**9]
    f["trade_no"] = [0, 1]
    f["buy_order_no"], f["sell_order_no"] = [3, 5], [4, 6]
    f["price"] = [17501, 17500]
    f["buy_account"], f["sell_account"] = [0, 1], [1, 0]
    f["qty"] = [2, 1]
    f["buy_offset"], f["sell_offset"] = [0, 1], [1, 0]
    f["aggressor"] = [0, SELL]
    f["kind"] = [K_AUCTION, K_CONTINUOUS]
    t = trades_table(f, ("A", "B"), ("IF1509",), np.array([0.2]))
    assert t.schema == SCHEMAS["trades"]
    assert t["price"].to_list() == [3500.2, 3500.0]
    assert t["aggressor"].to_list() == [None, "sell"]
    assert t["kind"].to_list() == ["auction", "continuous"]
    assert t["buy_offset"].to_list() == ["open", "close"]
    assert t["buy_account"].to_list() == ["A", "B"]


def test_empty_tables_have_the_schema():
    for table in SCHEMAS:
        assert empty(table).schema == SCHEMAS[table]
    assert trades_table(np.zeros(0, FILL_DTYPE), (), (), np.zeros(0)).schema == SCHEMAS["trades"]
    assert prices_table({"day": []}).schema == SCHEMAS["prices"]
    assert events_table([]).schema == SCHEMAS["events"]


def test_conform_casts_orders_and_keeps_extra_columns():
    df = pl.DataFrame({"extra": [1], "qty": [1.0], "day": ["2015-08-24"]})
    out = conform(df.with_columns(pl.col("day").str.to_date()), "prices")
    assert out.columns[: len(SCHEMAS["prices"])] == SCHEMAS["prices"].names()
    assert out.columns[-2:] == ["extra", "qty"]
    assert out["volume"].dtype == pl.Int64


def frames() -> dict[str, pl.DataFrame]:
    return {
        "orders": pl.DataFrame({"a": np.arange(1000)}),
        "trades": pl.DataFrame({"b": np.arange(10) * 0.5}),
    }


def test_unit_04_write_is_byte_identical(tmp_path):
    """Rule: UNIT-04 — the same frames give the same Parquet bytes."""
    write_run(tmp_path / "x", frames(), {"n": 1})
    write_run(tmp_path / "y", frames(), {"n": 2})
    for name in ("orders", "trades"):
        a = (tmp_path / "x" / f"{name}.parquet").read_bytes()
        assert a == (tmp_path / "y" / f"{name}.parquet").read_bytes()


def test_interrupted_write_leaves_no_partial_table(tmp_path, monkeypatch):
    """SCENARIO.md: a crash leaves no half table. The trades table's write fails after some
    bytes: orders is complete, trades is the earlier run's file, untouched, no temporary
    file is left, and there is no summary vouching for the run."""
    out = tmp_path / "run"
    write_run(out, {"trades": pl.DataFrame({"old": [1, 2, 3]})}, {"old": True})
    old_trades = (out / "trades.parquet").read_bytes()
    real = pl.DataFrame.write_parquet

    def flaky(self, file, **kw):
        # the trades frame fails, whichever order the writer threads take the tables in
        if self.columns == ["b"]:
            file.write(b"PAR1 half a table")
            raise OSError("disk full")
        return real(self, file, **kw)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_run(out, frames(), {"new": True})
    monkeypatch.setattr(pl.DataFrame, "write_parquet", real)
    assert sorted(p.name for p in out.iterdir()) == ["orders.parquet", "trades.parquet"]
    assert pl.read_parquet(out / "orders.parquet").height == 1000
    assert (out / "trades.parquet").read_bytes() == old_trades
    assert not (out / "summary.json").exists()


def test_write_run_removes_stale_tables_and_writes_summary_last(tmp_path, monkeypatch):
    out = tmp_path / "run"
    write_run(out, {"notices": pl.DataFrame({"x": [1]})}, {})
    seen = []
    monkeypatch.setattr(
        write_mod, "write_json", lambda data, path: seen.append(sorted(os_names(out)))
    )
    write_run(out, frames(), lambda: {"late": True}, stale=("notices",))
    assert seen == [["orders.parquet", "trades.parquet"]]


def os_names(folder):
    return [p.name for p in folder.iterdir()]


def test_summary_is_json(tmp_path):
    write_run(tmp_path, {}, lambda: {"a": 1, "when": np.float64(2.5).item()})
    assert json.loads((tmp_path / "summary.json").read_text()) == {"a": 1, "when": 2.5}
