"""``[[agents]]`` in the day loop: determinism, the orders table, each kind's behaviour in a
run, margin calls topped up or ignored (MARGIN-06, LIQ-01 (1)), invariants (SETTLE-03).

Scenarios: IF1509 at 3500.0 (tick 0.2, 300 CNY a point, margin 12%), accounts A (long 2),
B (short 2), C of ``sim_helpers``; agents every 30 s (coarse, for speed).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import riskcore.sim as sim
from riskcore.sim.loop import SimOptions
from sim_helpers import tables, write_scenario

CHECK = SimOptions(check_invariants=True, agent_step=30.0)
MARKET = [
    {"kind": "noise", "count": 20, "member": "M01", "rate": 0.05, "cash": 2_000_000},
    {"kind": "market_maker", "count": 3, "member": "M02", "prefix": "mm", "size": 3,
     "max_inventory": 12, "cash": 20_000_000},
    {"kind": "momentum", "count": 5, "member": "M01", "rate": 0.05},
]  # fmt: skip


def acct(prefix: str) -> pl.Expr:
    """Rows whose ``account`` starts with ``prefix`` (the column is categorical)."""
    return pl.col("account").cast(pl.String).str.starts_with(prefix)


def scenario(tmp_path, agents, underlying="", days=1, start="2015-08-24", **kw):
    extra = tables("agents", agents) + "\n" + underlying
    return write_scenario(tmp_path, extra=extra, days=days, start=start, **kw)


def walk(*jumps, vol=0.0):
    js = ", ".join(f'["{d}", {j!r}]' for d, j in jumps)
    return (
        f"[underlying]\nrandom_walk = {{ start = 3500.0, daily_vol = {vol!r}, jumps = [{js}] }}\n"
    )


@pytest.fixture(scope="module")
def market_runs(tmp_path_factory):
    """The same two-day scenario run with seed 7 twice and with seed 8."""
    path = scenario(
        tmp_path_factory.mktemp("m"),
        [*MARKET, {"kind": "fundamental", "count": 5, "member": "M02", "rate": 0.05}],
        walk(vol=0.01),
        days=2,
    )
    return (
        sim.run(path, options=CHECK),
        sim.run(path, options=CHECK),
        sim.run(path, options=CHECK, seed=8),
    )


def test_same_seed_same_tables_other_seed_other_flow(market_runs):
    a, b, c = market_runs
    for t in ("orders", "trades", "settlements", "accounts_daily", "prices"):
        assert_frame_equal(a[t], b[t])
    assert a["orders"].height > 1000 and a["trades"].height > 100
    assert not a["trades"].equals(c["trades"])


def test_agent_orders_in_the_orders_table(market_runs):
    o = market_runs[0]["orders"]
    assert o["order_no"].to_list() == list(range(o.height))
    ag = o.filter(pl.col("source") == "agent")
    assert ag.height == o.height  # the scenario has no orders of its own
    new = ag.filter(pl.col("action") == "new")
    assert new["client_id"].to_list() == [f"agent-{n}" for n in new["order_no"]]
    assert new["type"].unique().to_list() == ["limit"]
    assert set(new["account"].unique()) <= {
        *(f"noise-{i:03d}" for i in range(1, 21)), "mm-001", "mm-002", "mm-003",
        *(f"momentum-{i:03d}" for i in range(1, 6)), *(f"fundamental-{i:03d}" for i in range(1, 6)),
    }  # fmt: skip
    cancels = ag.filter(pl.col("action") == "cancel")
    assert cancels.height > 0
    assert cancels["client_id"].cast(pl.String).str.starts_with("agent-").all()
    # every order rests inside the trading sessions, never in the auction
    hhmm = new["at"].dt.hour().cast(pl.Int32) * 100 + new["at"].dt.minute()
    assert (((hhmm >= 915) & (hhmm < 1130)) | ((hhmm >= 1300) & (hhmm < 1515))).all()


def test_market_makers_stay_within_their_inventory_limit(market_runs):
    tr = market_runs[0]["trades"].sort("trade_no")
    assert tr.filter(pl.col("buy_account").cast(pl.String).str.starts_with("mm-")).height > 0
    buy = tr["buy_account"].cast(pl.String).to_numpy()
    sell = tr["sell_account"].cast(pl.String).to_numpy()
    qty = tr["qty"].to_numpy()
    for mm in ("mm-001", "mm-002", "mm-003"):
        signed = np.where(buy == mm, qty, 0) - np.where(sell == mm, qty, 0)
        assert np.abs(np.cumsum(signed)).max() <= 12


def test_fundamental_traders_pull_the_price_to_the_underlying(tmp_path):
    # the index is at 3300.0 all day (points), the futures settled at 3500.0 yesterday
    under = '[underlying]\npoints = [["2015-08-21", 3300.0], ["2015-08-24", 3300.0]]\n'
    fund = {"kind": "fundamental", "count": 10, "member": "M02", "rate": 0.05,
            "cash": 50_000_000, "max_position": 100}  # fmt: skip
    with_f = sim.run(scenario(tmp_path, [*MARKET, fund], under), options=CHECK)
    without = sim.run(scenario(tmp_path, MARKET, under, file="b.toml"), options=CHECK)
    settle_f = with_f["prices"]["settlement_price"][0]
    settle_0 = without["prices"]["settlement_price"][0]
    assert abs(settle_f - 3300.0) < 40.0 < abs(settle_0 - 3300.0)


@pytest.fixture(scope="module")
def crash(tmp_path_factory):
    """The index gaps -8% on Monday; speculators long 10 lots on thin cash, one group pays
    its calls and one ignores them; B is short the other side."""
    lots = [{"symbol": "IF1509", "long": 10, "short": 0, "price": 3500.0}]
    spec = {"kind": "speculator", "member": "M01", "count": 2, "cash": 600_000, "target": 10,
            "positions": lots}  # fmt: skip
    accounts = [
        {"id": "A", "member": "M01", "cash": 10_000_000},
        {"id": "B", "member": "M02", "cash": 50_000_000,
         "positions": [{"symbol": "IF1509", "long": 0, "short": 40, "price": 3500.0}]},
    ]  # fmt: skip
    agents = [
        *MARKET,
        {"kind": "fundamental", "count": 10, "member": "M02", "rate": 0.05, "cash": 50_000_000},
        {**spec, "prefix": "payer", "on_margin_call": "top_up"},
        {**spec, "prefix": "gambler", "on_margin_call": "ignore"},
    ]
    path = scenario(
        tmp_path_factory.mktemp("c"), agents, walk(("2015-08-24", -0.08)), days=2,
        accounts=accounts,
    )  # fmt: skip
    return sim.run(path, options=CHECK)


def test_speculators_get_margin_calls_when_the_index_drops(crash):
    calls = crash["margin_calls"].filter(pl.col("day") == pl.date(2015, 8, 24))
    called = set(calls["account"])
    assert {"payer-001", "payer-002", "gambler-001", "gambler-002"} <= called
    assert crash["prices"]["settlement_price"][0] < 3500.0 * 0.95


def test_top_up_pays_the_call(crash):
    calls = crash["margin_calls"].filter(acct("payer"))
    first = calls.filter(pl.col("day") == pl.date(2015, 8, 24))
    assert first["outcome"].to_list() == ["paid", "paid"]
    assert (first["paid"] == first["amount"]).all()
    daily = crash["accounts_daily"].filter(acct("payer") & (pl.col("day") == pl.date(2015, 8, 25)))
    assert daily["deposits"].to_list() == first["amount"].to_list()
    assert not daily["restricted"].any()
    assert crash["liquidations"].filter(acct("payer")).height == 0


def test_ignore_ends_in_liquidation(crash):
    calls = crash["margin_calls"].filter(acct("gambler") & (pl.col("day") == pl.date(2015, 8, 24)))
    assert calls["outcome"].to_list() == ["unpaid", "unpaid"]
    liq = crash["liquidations"].filter(acct("gambler"))
    assert set(liq["account"]) == {"gambler-001", "gambler-002"}
    assert (liq["trigger"] == "margin_call").all() and liq["qty"].sum() == 20
    # restricted for the day: no opening orders of theirs reach the engine
    o = crash["orders"].filter(acct("gambler") & (pl.col("day") == pl.date(2015, 8, 25)))
    assert o.filter(pl.col("offset") == "open").height == 0
    assert o.filter(pl.col("source") == "liquidation").height > 0
