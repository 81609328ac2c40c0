"""A Parquet flow with integer ``id``/``target`` columns (kept as integers while loading, text
in the ``orders`` table) replays exactly like the same orders written inline, liquidation
orders (LIQ-01/02) and their cancels included."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

import riskcore

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "settlement-day.toml"


def test_integer_ids_in_a_parquet_flow_replay_like_inline_orders(tmp_path):
    inline = riskcore.run(SCENARIO)
    assert inline.tables["liquidations"].height > 0  # the liquidation path is exercised
    orders = riskcore.load_scenario(SCENARIO).orders
    n = orders.height
    flow = orders.select(
        pl.col("at").cast(pl.Datetime("ns")),
        pl.col("action").cast(pl.String),
        pl.col("account").cast(pl.String),
        pl.col("symbol").cast(pl.String),
        pl.col("side").cast(pl.String),
        pl.col("offset").cast(pl.String),
        pl.col("type").cast(pl.String),
        "price",
        "qty",
        pl.Series("id", range(1, n + 1), dtype=pl.Int64),
        pl.Series("target", [None] * n, dtype=pl.Int64),
    )
    # and a cancel of the first order, by its integer id, after it has traded
    last = flow.filter(pl.col("at") == pl.col("at").max()).row(0, named=True)
    cancel = {k: None for k in flow.columns} | {
        "at": last["at"], "action": "cancel", "account": flow["account"][0], "target": 1,
    }  # fmt: skip
    flow = pl.concat([flow, pl.DataFrame([cancel], schema=flow.schema)])
    flow.write_parquet(tmp_path / "flow.parquet")
    text = SCENARIO.read_text(encoding="utf-8")
    text = re.sub(r"\n\[\[orders\]\]\n(?:(?!\n\[).)*", "\n", text, flags=re.S)
    text = text.replace('name = "settlement-day"', 'name = "settlement-day-flow"')
    text += '\n[flow]\npath = "flow.parquet"\n'
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")

    sc = riskcore.load_scenario(path)
    assert sc.orders["client_id"].dtype.is_integer()
    flowed = riskcore.run(sc)
    numbers = ["buy_order_no", "sell_order_no", "order_no"]  # liquidation orders: one later
    for name in ("trades", "settlements", "accounts_daily", "margin_calls", "liquidations"):
        left, right = flowed.tables[name], inline.tables[name]
        keep = [c for c in left.columns if c not in numbers]
        assert_frame_equal(left.select(keep), right.select(keep))
    got = flowed.tables["orders"]
    assert got["client_id"].dtype == pl.String
    assert got["client_id"][:n].to_list() == [str(i) for i in range(1, n + 1)]
    cancel_row = got.filter((pl.col("action") == "cancel") & (pl.col("source") == "client"))
    assert cancel_row["client_id"].to_list() == ["1"]  # the cancel names its target
    liq = got.filter(pl.col("source") == "liquidation")
    assert liq.height > 0 and liq["client_id"].null_count() == 0
