"""Inline ``[[orders]]`` and the ``[flow]`` file become one DataFrame sorted stably by time."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal
from scenario_helpers import BASE, FLOW_CSV, edit, line_of

from riskcore.scenario import ORDERS_SCHEMA

NS = 1_000_000_000
T0930 = 1_440_408_600 * NS  # 2015-08-24 09:30:00 (naive exchange time as ns since epoch)


def where(orders: pl.DataFrame) -> pl.Series:
    """Each row's ``FILE:LINE`` (inline) or ``FILE:row N`` (flow) from ``origin``/``origin_row``."""
    full = pl.format("{}:row {}", pl.col("origin").cast(pl.String), pl.col("origin_row"))
    return orders.select(
        pl.when(pl.col("origin_row").is_null())
        .then(pl.col("origin").cast(pl.String))
        .otherwise(full)
        .alias("where")
    )["where"]


def with_where(orders: pl.DataFrame) -> pl.DataFrame:
    return orders.with_columns(where(orders))


def flow_scenario(name: str = "flow.csv") -> str:
    return BASE + f'\n[flow]\npath = "{name}"\n'


def test_orders_columns_and_dtypes(files):
    sc = files.load()
    assert sc.orders.schema == ORDERS_SCHEMA
    assert sc.orders.columns == [
        "at",
        "action",
        "account",
        "symbol",
        "side",
        "offset",
        "type",
        "price",
        "qty",
        "client_id",
        "origin",
        "origin_row",
    ]


def test_inline_orders_sorted_stably_with_origins(files):
    sc = files.load()
    o = sc.orders
    first, cancel, market = (line_of(BASE, "[[orders]]", i) for i in range(3))
    # the market order (09:30:00) ties with o1 (09:30:00.000): file order kept
    assert o["origin"].to_list() == [
        f"scenario.toml:{first}",
        f"scenario.toml:{market}",
        f"scenario.toml:{cancel}",
    ]
    assert o["at"].to_list() == [T0930, T0930, T0930 + 60 * NS]
    assert o.row(0, named=True) == {
        "at": T0930,
        "action": "new",
        "account": "C001",
        "symbol": "IF1509",
        "side": "buy",
        "offset": "open",
        "type": "limit",
        "price": 3500.0,
        "qty": 5,
        "client_id": "o1",
        "origin": f"scenario.toml:{first}",
        "origin_row": None,
    }
    assert o.row(1, named=True)["price"] is None  # market: no price
    assert o.row(1, named=True)["type"] == "market"
    cancel_row = o.row(2, named=True)
    assert cancel_row["action"] == "cancel" and cancel_row["client_id"] == "o1"  # its target
    assert all(cancel_row[k] is None for k in ("symbol", "side", "offset", "type", "price", "qty"))


def test_inline_time_forms(files):
    text = edit(BASE, 'at = "2015-08-24 09:30:00.000"', "at = 2015-08-24T09:30:00.25")
    text = edit(text, 'at = "2015-08-24 09:31:00"', 'at = "2015-08-24 09:29:59.123456789"')
    sc = files.load(text)
    assert sorted(sc.orders["at"].to_list()) == [
        T0930 - NS + 123_456_789,
        T0930,
        T0930 + 250_000_000,
    ]


def test_inline_and_flow_merge_stably(files):
    """Same instant: inline orders first, then flow rows, each in file order."""
    sc = files.load(flow_scenario(), flow__csv=FLOW_CSV)
    assert sc.flow_path == files.root / "flow.csv"
    first, cancel, market = (line_of(BASE, "[[orders]]", i) for i in range(3))
    assert where(sc.orders).to_list() == [
        "flow.csv:row 2",  # 09:29:00.5
        f"scenario.toml:{first}",  # 09:30:00
        f"scenario.toml:{market}",  # 09:30:00
        "flow.csv:row 1",  # 09:30:00
        "flow.csv:row 4",  # 09:30:00.000000001
        f"scenario.toml:{cancel}",  # 09:31
        "flow.csv:row 3",  # 09:32
    ]
    assert sc.orders["at"].is_sorted()
    rows = {r["where"]: r for r in with_where(sc.orders).iter_rows(named=True)}
    assert rows["flow.csv:row 4"]["at"] == T0930 + 1
    assert rows["flow.csv:row 4"]["type"] == "fak" and rows["flow.csv:row 4"]["offset"] == "close"
    assert rows["flow.csv:row 2"]["price"] is None and rows["flow.csv:row 2"]["qty"] == 3
    assert rows["flow.csv:row 3"]["client_id"] == "f1" and rows["flow.csv:row 3"]["symbol"] is None
    assert rows["flow.csv:row 1"]["type"] == "limit" and rows["flow.csv:row 1"]["client_id"] == "f1"


def _flow_as_parquet(path, at_as_text: bool) -> None:
    df = pl.read_csv(FLOW_CSV.encode(), infer_schema=False).with_columns(
        pl.col("price").cast(pl.Float64),
        pl.col("qty").cast(pl.Int32),
    )
    if not at_as_text:
        df = df.with_columns(pl.col("at").str.strptime(pl.Datetime("ns"), "%Y-%m-%d %H:%M:%S%.f"))
    df.write_parquet(path)


def test_flow_csv_and_parquet_give_the_same_frame(files):
    csv = files.load(flow_scenario("flow.csv"), flow__csv=FLOW_CSV).orders
    _flow_as_parquet(files.root / "flow.parquet", at_as_text=True)
    pq = files.load(flow_scenario("flow.parquet")).orders
    norm = pl.col("origin").cast(pl.String).str.replace("flow.parquet", "flow.csv", literal=True)
    assert_frame_equal(csv, pq.with_columns(norm.cast(pl.Categorical)))


def test_parquet_datetime_column(files):
    _flow_as_parquet(files.root / "flow.parquet", at_as_text=False)
    pq = files.load(flow_scenario("flow.parquet")).orders
    csv = files.load(flow_scenario("flow.csv"), flow__csv=FLOW_CSV).orders
    norm = pl.col("origin").cast(pl.String).str.replace("flow.parquet", "flow.csv", literal=True)
    assert_frame_equal(csv, pq.with_columns(norm.cast(pl.Categorical)))


def test_parquet_enum_and_categorical_columns_give_the_csv_frame(files):
    """Categorical and Enum columns (categories in another order, unused ones, a null type
    on a new order = limit) load as the same frame as their text."""
    csv_text = FLOW_CSV + "2015-08-24 09:33:00,C001,IF1509,sell,open,,3500.0,1,f3,,\n"
    csv = files.load(flow_scenario("flow.csv"), flow__csv=csv_text).orders
    df = pl.read_csv(csv_text.encode(), infer_schema=False).with_columns(
        pl.col("price").cast(pl.Float64),
        pl.col("qty").cast(pl.Int32),
        pl.col("account").cast(pl.Categorical),
        pl.col("symbol").cast(pl.Enum(["IH1509", "IF1509"])),
        pl.col("side").cast(pl.Enum(["sell", "buy"])),
        pl.col("offset").cast(pl.Enum(["close", "open"])),
        pl.col("type").cast(pl.Enum(["fak", "market", "limit"])),
    )
    df.write_parquet(files.root / "flow.parquet")
    pq = files.load(flow_scenario("flow.parquet")).orders
    norm = pl.col("origin").cast(pl.String).str.replace("flow.parquet", "flow.csv", literal=True)
    assert_frame_equal(csv, pq.with_columns(norm.cast(pl.Categorical)))
    assert pq.filter(pl.col("client_id") == "f3")["type"].to_list() == ["limit"]


def test_parquet_names_with_blanks_are_stripped(files):
    df = pl.read_csv(FLOW_CSV.encode(), infer_schema=False).with_columns(
        pl.col("price").cast(pl.Float64),
        pl.col("qty").cast(pl.Int32),
        pl.col("account").str.replace("C002", " C002 ").cast(pl.Categorical),
        pl.col("symbol").str.replace("IF1509", "IF1509 ").cast(pl.Enum(["IF1509 "])),
    )
    df.write_parquet(files.root / "flow.parquet")
    flow = files.load(flow_scenario("flow.parquet")).orders.filter(
        pl.col("origin") == "flow.parquet"
    )
    assert set(flow["account"].to_list()) == {"C001", "C002"}
    assert set(flow["symbol"].drop_nulls().to_list()) == {"IF1509"}


def _integer_id_flow(path, accounts: list[str], ids: list[int]) -> None:
    n = len(ids)
    pl.DataFrame(
        {
            "at": [f"2015-08-24 09:3{k}:00" for k in range(n)],
            "account": accounts,
            "symbol": ["IF1509"] * n,
            "side": ["buy"] * n,
            "offset": ["open"] * n,
            "price": [3500.0] * n,
            "qty": [1] * n,
            "id": pl.Series(ids, dtype=pl.Int64),
        }
    ).write_parquet(path)


def test_integer_ids_may_repeat_across_accounts(files):
    _integer_id_flow(files.root / "flow.parquet", ["C001", "C001", "C002", "C002"], [1, 2, 3, 2])
    flow = files.load(flow_scenario("flow.parquet")).orders.filter(
        pl.col("origin") == "flow.parquet"
    )
    assert flow["client_id"].to_list() == ["1", "2", "3", "2"]  # text beside inline ids


def test_integer_ids_repeated_in_one_account_name_the_row(files):
    _integer_id_flow(files.root / "flow.parquet", ["C001", "C002", "C002", "C002"], [1, 2, 3, 2])
    _, msg = files.error(flow_scenario("flow.parquet"))
    assert msg.startswith(f"{files.root / 'flow.parquet'}: row 4, column 'id':")
    assert "duplicate client id \"2\" for account 'C002' (first at row 2" in msg


def test_flow_with_a_target_column_and_no_cancels(files):
    """A ``target`` column without an ``id`` column, on a flow of new orders only."""
    csv = (
        "at,account,symbol,side,offset,price,qty,target\n"
        "2015-08-24 10:00:00,C001,IF1509,buy,open,3500,2,\n"
    )
    flow = files.load(flow_scenario(), flow__csv=csv).orders.filter(pl.col("origin") == "flow.csv")
    assert flow["client_id"].to_list() == [None]


def test_uint64_ids_past_int64_are_kept_as_text(files):
    big = [2**63, 2**64 - 1]
    pl.DataFrame(
        {
            "at": ["2015-08-24 09:31:00", "2015-08-24 09:32:00", "2015-08-24 09:33:00"],
            "action": ["new", "new", "cancel"],
            "account": ["C001", "C001", "C001"],
            "symbol": ["IF1509", "IF1509", None],
            "side": ["buy", "buy", None],
            "offset": ["open", "open", None],
            "price": [3500.0, 3500.0, None],
            "qty": [1, 1, None],
            "id": pl.Series([*big, None], dtype=pl.UInt64),
            "target": pl.Series([None, None, big[1]], dtype=pl.UInt64),
        }
    ).write_parquet(files.root / "flow.parquet")
    flow = files.load(flow_scenario("flow.parquet")).orders.filter(
        pl.col("origin") == "flow.parquet"
    )
    assert flow["client_id"].to_list() == [str(big[0]), str(big[1]), str(big[1])]


def test_flow_with_only_the_needed_columns(files):
    csv = (
        "at,account,symbol,side,offset,price,qty\n2015-08-24 10:00:00,C001,IF1509,buy,open,3500,2\n"
    )
    text = flow_scenario()
    sc = files.load(text, flow__csv=csv)
    row = with_where(sc.orders).filter(pl.col("where") == "flow.csv:row 1").row(0, named=True)
    assert row["action"] == "new" and row["type"] == "limit" and row["price"] == 3500.0
    assert row["client_id"] is None and "target" not in row


def test_flow_accepts_well_formed_unacceptable_orders(files):
    """Rule: MATCH-07 — unknown account/symbol, qty 0, off-tick price load fine."""
    csv = (
        "at,account,symbol,side,offset,price,qty\n"
        "2015-08-24 10:00:00,NOBODY,IH1509,buy,open,3500.1,0\n"
        "2015-08-24 20:00:00,C001,IF1509,sell,close,-5,-1\n"
    )
    sc = files.load(flow_scenario(), flow__csv=csv)
    flow = sc.orders.filter(pl.col("origin") == "flow.csv")
    assert flow["qty"].to_list() == [0, -1]
    assert flow["account"].to_list() == ["NOBODY", "C001"]


def test_million_row_parquet_flow_loads_fast(files):
    """A 1,000,000-row Parquet flow (text timestamps) loads in a few seconds, vectorised."""
    n = 1_000_000
    rng = np.random.default_rng(7)
    at = np.sort(rng.integers(0, 3_600 * NS, n)) + T0930
    df = pl.DataFrame(
        {
            "at": pl.Series(at).cast(pl.Datetime("ns")).dt.strftime("%Y-%m-%d %H:%M:%S%.9f"),
            "account": pl.Series(rng.integers(0, 100, n)).cast(pl.String),
            "symbol": pl.repeat("IF1509", n, eager=True),
            "side": pl.Series(np.where(rng.random(n) < 0.5, "buy", "sell")),
            "offset": pl.repeat("open", n, eager=True),
            "price": 3500.0 + 0.2 * rng.integers(-50, 50, n),
            "qty": rng.integers(1, 10, n),
        }
    )
    df.write_parquet(files.root / "big.parquet")
    path = files.write(flow_scenario("big.parquet"))
    from riskcore.scenario import load_scenario

    t = time.perf_counter()
    sc = load_scenario(path)
    elapsed = time.perf_counter() - t
    assert sc.orders.height == n + 3
    assert sc.orders.schema == ORDERS_SCHEMA
    assert sc.orders["at"].is_sorted()
    assert sc.orders["origin"][-1] == "big.parquet" and sc.orders["origin_row"][-1] >= 1
    assert elapsed < 10.0, f"1M-row flow took {elapsed:.1f} s"


def test_event_times_keep_nanoseconds(files):
    text = edit(BASE, 'at = "2015-08-25 09:00:00"', 'at = "2015-08-25 09:00:00.000000007"')
    sc = files.load(text)
    dep = sc.events[-1]
    assert dep.at_ns == 1_440_493_200 * NS + 7
    assert dep.at == dt.datetime(2015, 8, 25, 9, 0)
