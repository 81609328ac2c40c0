"""Replaying scenarios end to end with ``riskcore.sim.run``: phases, the day loop, carry.

Rules: MATCH-06 (call auction), MATCH-07 (MARKET_CLOSED and the other run-time rejections),
UNIT-03 (sessions), LIMIT-01/04, SETTLE-01, MARGIN-01/03 (reserve carried day to day),
UNIT-04 (deterministic tables).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import riskcore.sim as sim
from riskcore.output import SCHEMAS
from sim_helpers import CONTRACT, order


def by_no(res: sim.Result) -> dict[int, dict]:
    return {r["order_no"]: r for r in res["orders"].iter_rows(named=True)}


def test_match_06_auction_orders_trade_at_one_price_at_the_auction_end(scenario):
    """Rule: MATCH-06 — orders of 09:10-09:15 are collected and uncrossed at 09:15 at one
    price: bids A 2 @ 3502, C 1 @ 3498; asks B 1 @ 3499, B 2 @ 3501. Volume 2 at 3501 or
    3502 (imbalance 1 both); 3501 is closer to the previous settlement 3500. The rest of B's
    ask stays in the book and trades in continuous trading at 10:00."""
    path = scenario(
        orders=[
            order("2015-08-21 09:11:00", "A", "buy", 3502.0, 2),
            order("2015-08-21 09:12:00", "C", "buy", 3498.0, 1),
            order("2015-08-21 09:12:30", "B", "sell", 3499.0, 1),
            order("2015-08-21 09:13:00", "B", "sell", 3501.0, 2),
            order("2015-08-21 10:00:00", "C", "buy", 3501.0, 1),
        ],
        days=1,
    )
    res = sim.run(path)
    t = res["trades"]
    assert t["kind"].to_list() == ["auction", "auction", "continuous"]
    assert t["price"].to_list() == [3501.0, 3501.0, 3501.0]
    assert t["qty"].to_list() == [1, 1, 1]
    assert t["at"].to_list()[:2] == [dt.datetime(2015, 8, 21, 9, 15)] * 2
    assert t["aggressor"].to_list() == [None, None, "buy"]
    assert t["buy_order_no"].to_list() == [0, 0, 4]
    assert t["sell_order_no"].to_list() == [2, 3, 3]
    o = by_no(res)
    assert [o[i]["status"] for i in range(5)] == [
        "filled", "cancelled", "filled", "filled", "filled",
    ]  # fmt: skip
    assert o[1]["reason"] == "EXPIRED"  # C's 3498 bid rested until the close


def test_match_07_orders_outside_trading_hours_are_rejected_and_the_run_goes_on(scenario):
    """Rule: MATCH-07 MARKET_CLOSED — an order at 11:45 (lunch), one on Saturday, one before
    the auction and one after the run are rejected; trading goes on around them."""
    path = scenario(
        orders=[
            order("2015-08-20 10:00:00", "C", "buy", 3500.0, 1),  # before the start
            order("2015-08-21 09:00:00", "C", "buy", 3500.0, 1),  # before the auction
            order("2015-08-21 11:45:00", "C", "sell", 3500.0, 1),  # lunch break
            order("2015-08-21 13:00:00", "C", "sell", 3500.0, 1, id="s1"),
            order("2015-08-22 10:00:00", "A", "buy", 3500.0, 1),  # Saturday
            order("2015-08-24 10:00:00", "A", "buy", 3500.0, 1),
            order("2015-08-25 10:00:00", "A", "buy", 3500.0, 1),  # after the last day
            {"at": "2015-08-22 10:00:01", "account": "C", "action": "cancel", "target": "s1"},
        ]
    )
    res = sim.run(path)
    o = res["orders"].sort("order_no")  # sorted by time: the Saturday cancel is 6th
    assert o["status"].to_list() == ["rejected"] * 3 + [
        "cancelled", "rejected", "rejected", "cancelled", "rejected",
    ]  # fmt: skip
    mc = "MARKET_CLOSED"
    assert o["reason"].to_list() == [mc, mc, mc, "EXPIRED", mc, mc, "EXPIRED", mc]
    assert o["day"].to_list()[4] == dt.date(2015, 8, 22)
    # Monday's buy at 10:00 is on a trading day but finds no seller: it is not rejected
    path = scenario(
        orders=[
            order("2015-08-22 10:00:00", "A", "buy", 3500.0, 1),
            order("2015-08-24 10:00:00", "C", "sell", 3500.0, 1),
            order("2015-08-24 10:00:01", "A", "buy", 3500.0, 1),
        ]
    )
    o = sim.run(path)["orders"]
    assert o["status"].to_list() == ["rejected", "filled", "filled"]


def test_match_07_run_time_rejections_keep_their_codes(scenario):
    """Rule: MATCH-07 — unknown account and symbol, off-tick and out-of-band prices, qty 0,
    nothing to close, a cancel of an unknown id: loaded, rejected with their codes."""
    path = scenario(
        orders=[
            order("2015-08-21 10:00:00", "ZZ", "buy", 3500.0, 1),
            {**order("2015-08-21 10:00:01", "A", "buy", 3500.0, 1), "symbol": "IH1509"},
            order("2015-08-21 10:00:02", "A", "buy", 3500.1, 1),
            order("2015-08-21 10:00:03", "A", "buy", 3900.0, 1),
            order("2015-08-21 10:00:04", "A", "buy", 3500.0, 0),
            order("2015-08-21 10:00:05", "C", "sell", 3500.0, 1, offset="close"),
            {"at": "2015-08-21 10:00:06", "account": "A", "action": "cancel", "target": "x"},
        ],
        days=1,
    )
    o = sim.run(path)["orders"]
    assert o["reason"].to_list() == [
        "UNKNOWN_ACCOUNT", "UNKNOWN_SYMBOL", "OFF_TICK", "PRICE_OUT_OF_BAND", "BAD_QTY",
        "NO_POSITION", "UNKNOWN_ORDER",
    ]  # fmt: skip
    assert o["status"].unique().to_list() == ["rejected"]
    assert o["member"].to_list()[:2] == [None, "M01"]
    assert o["client_id"].to_list()[-1] == "x"


TWO_DAYS = [
    order("2015-08-21 10:00:00", "C", "sell", 3510.0, 1),
    order("2015-08-21 10:01:00", "A", "buy", 3510.0, 1),
    order("2015-08-21 14:30:00", "C", "sell", 3520.0, 1),
    order("2015-08-21 14:31:00", "A", "buy", 3520.0, 1),
    order("2015-08-24 10:00:00", "A", "sell", 3530.0, 1, offset="close"),
    order("2015-08-24 10:01:00", "C", "buy", 3530.0, 1, offset="close"),
]


def test_two_days_carry_positions_reserve_and_settlement(scenario):
    """Rules: SETTLE-01, MARGIN-01, MARGIN-03 — worked numbers (tick value 60 CNY, 12 %).

    Friday: A buys 1 at 3510 and 1 at 3520 from C; the 14:31 trade is in the last hour, so
    the settlement is 3520.0 (17,600 ticks). A's reserve at the close: 10,000,000 - margin
    (2 x 17,500 + 17,550 + 17,600) x 7.2 = 9,494,920; carried with 4 lots at 17,600:
    9,494,920 + 505,080 - 506,880 = 9,493,120 (equity kept: with the default hooks replaced
    by the spy nothing is marked to market; tests/integration/test_settlement_days.py has the
    same days settled). C: 9,746,920 + 253,080 - 253,440 = 9,746,560; B: 9,748,000 +
    252,000 - 253,440 = 9,746,560.

    Monday: A sells 1 of yesterday's lots to C at 3530: A realises (17,650 - 17,600) x 60 =
    +3,000 and frees 126,720 of margin: 9,622,840; C realises -3,000: 9,870,280.
    """
    seen = {}

    def spy(day, state):
        seen[day] = state

    res = sim.run(scenario(orders=TWO_DAYS), hooks=[spy])
    fri, mon = dt.date(2015, 8, 21), dt.date(2015, 8, 24)
    assert list(seen) == [fri, mon]
    assert seen[fri].settlement.tolist() == [17_600]
    assert seen[fri].accounts["reserve"].tolist() == pytest.approx(
        [9_494_920.0, 9_748_000.0, 9_746_920.0]
    )
    start = seen[mon].market
    assert start.contracts["prev_settle"].tolist() == [17_600]
    assert start.long_yd[:, 0].tolist() == [4, 0, 0]
    assert start.short_yd[:, 0].tolist() == [0, 2, 2]
    assert start.accounts["reserve"].tolist() == pytest.approx(
        [9_493_120.0, 9_746_560.0, 9_746_560.0]
    )
    assert seen[mon].accounts["reserve"].tolist() == pytest.approx(
        [9_622_840.0, 9_746_560.0, 9_870_280.0]
    )
    assert seen[mon].accounts["realised"].tolist() == pytest.approx([3_000.0, 0.0, -3_000.0])
    assert res.records.final.long_yd[:, 0].tolist() == [3, 0, 0]
    assert res.records.final.short_yd[:, 0].tolist() == [0, 2, 1]

    p = res["prices"]
    assert p.schema == SCHEMAS["prices"]
    rows = p.drop("day", "symbol").rows(named=True)
    assert rows[0] == {
        "open": 3510.0, "high": 3520.0, "low": 3510.0, "close": 3520.0, "volume": 2,
        "open_interest": 4, "settlement_price": 3520.0, "prev_settlement": 3500.0,
        "limit_up": 3850.0, "limit_down": 3150.0, "locked": None, "trades": 2,
        "settlement_method": "last_window",
    }  # fmt: skip
    assert rows[1] == {
        "open": 3530.0, "high": 3530.0, "low": 3530.0, "close": 3530.0, "volume": 1,
        "open_interest": 3, "settlement_price": 3530.0, "prev_settlement": 3520.0,
        "limit_up": 3872.0, "limit_down": 3168.0, "locked": None, "trades": 1,
        "settlement_method": "whole_day",
    }  # fmt: skip
    assert res["trades"]["trade_no"].to_list() == [0, 1, 2]


def test_limit_04_limit_locked_up(scenario):
    """Rule: LIMIT-04 — the day closes with the last trade at the upper limit 3850.0 and
    2 lots of A's bid resting there unfilled: locked up. The next day's band is around the
    new settlement 3850.0 (LIMIT-01: 3465.0 - 4235.0). Breaker off, so the 10 % band holds
    from the open."""
    path = scenario(
        rules={"circuit_breaker": 0},
        orders=[
            order("2015-08-21 10:00:00", "C", "sell", 3850.0, 1),
            order("2015-08-21 10:01:00", "A", "buy", 3850.0, 3),
            order("2015-08-24 10:00:00", "C", "sell", 3850.0, 1),
            order("2015-08-24 10:01:00", "A", "buy", 3860.0, 1),
        ],
    )
    p = sim.run(path)["prices"]
    assert p["locked"].to_list() == ["up", None]
    assert p["settlement_price"].to_list() == [3850.0, 3850.0]
    assert p["limit_up"].to_list() == [3850.0, 4235.0]
    assert p["limit_down"].to_list() == [3150.0, 3465.0]


def test_events_deposit_withdraw_and_not_simulated(scenario):
    """Deposits and withdrawals move the free reserve; a withdrawal above the available
    funds is refused; kinds of later issues are recorded as not simulated."""
    events = [
        {"at": "2015-08-21 08:00:00", "kind": "withdraw", "account": "C", "amount": 2e7},
        {"at": "2015-08-21 08:00:01", "kind": "withdraw", "account": "C", "amount": 1e6},
        {"at": "2015-08-21 10:00:00", "kind": "deposit", "account": "A", "amount": 5e5},
        {"at": "2015-08-21 16:00:00", "kind": "halt", "symbol": "IF1509"},
        {"at": "2015-08-21 16:00:00", "kind": "margin_rate", "symbol": "IF1509", "rate": 0.2},
    ]
    seen = {}
    res = sim.run(scenario(events=events), hooks=[lambda d, s: seen.setdefault(d, s)])
    e = res["events"]
    assert e.schema == SCHEMAS["events"]
    assert e["status"].to_list() == ["refused", "applied", "applied", "not_simulated", "applied"]
    assert "exceeds the available 10000000.00 CNY" in e["detail"][0]
    fri = seen[dt.date(2015, 8, 21)]
    assert fri.accounts["reserve"].tolist() == pytest.approx([10_248_000.0, 9_748_000.0, 9e6])
    assert fri.deposits.tolist() == [5e5, 0.0, 0.0]
    assert fri.withdrawals.tolist() == [0.0, 0.0, 1e6]
    assert fri.next_margin_rate.tolist() == [0.2]
    mon = seen[dt.date(2015, 8, 24)]
    assert mon.market.contracts["margin_rate"].tolist() == [0.2]
    # A: 2 long at 17,500 re-margined at 20 %: 10,248,000 + 252,000 - 420,000
    assert mon.market.accounts["reserve"][0] == pytest.approx(10_080_000.0)
    assert res.summary["events_not_simulated"] == 1


def test_margin_04_scheduled_rate_changes_from_that_days_settlement(scenario):
    """Rule: MARGIN-04 — cffex-2015 raises the rate to 12 % from 26 Aug's settlement: a run
    from 25 Aug trades at 10 % on the 25th and 26th and at 12 % on the 27th; a run
    starting on 1 Sep starts at 30 % (31 Aug's raise is already in force)."""
    seen = {}
    path = scenario(start="2015-08-25", days=3, rulebook="cffex-2015")
    sim.run(path, hooks=[lambda d, s: seen.setdefault(d, s)])
    rates = [s.market.contracts["margin_rate"][0] for s in seen.values()]
    assert rates == pytest.approx([0.10, 0.10, 0.12])
    seen.clear()
    sim.run(scenario(start="2015-09-01", days=1, rulebook="cffex-2015"),
            hooks=[lambda d, s: seen.setdefault(d, s)])  # fmt: skip
    assert [s.market.contracts["margin_rate"][0] for s in seen.values()] == [0.30]


def test_tables_have_exact_schemas_and_result_api(scenario, tmp_path):
    """SCENARIO.md "Run folder": exact dtypes; Result API; summary.json."""
    res = sim.run(scenario(orders=TWO_DAYS))
    settled = ("settlements", "accounts_daily", "margin_calls", "notices")
    settled += ("large_trader_reports", "limit_breaches", "overdue_reports")
    settled += ("liquidations", "reductions", "guarantee_fund", "defaults", "warnings")
    for name in ("orders", "trades", "market_states", "prices", "events", *settled):
        assert res[name].schema == SCHEMAS[name], name
    assert "prices" in res and "settlements" in res and "warnings" in res
    with pytest.raises(KeyError):
        res["no_such_table"]
    assert repr(res).startswith("<Result 'sim-test' seed=7 days=2: orders=6, trades=3")
    out = res.save(tmp_path / "run")
    files = sorted(p.name for p in out.iterdir())
    assert files == ["accounts_daily.parquet", "defaults.parquet", "events.parquet",
                     "guarantee_fund.parquet", "large_trader_reports.parquet",
                     "limit_breaches.parquet", "liquidations.parquet", "margin_calls.parquet",
                     "market_states.parquet",
                     "notices.parquet", "orders.parquet", "overdue_reports.parquet",
                     "prices.parquet", "reductions.parquet", "settlements.parquet",
                     "summary.json", "trades.parquet", "warnings.parquet"]  # fmt: skip
    back = pl.read_parquet(out / "orders.parquet")
    assert back.schema == SCHEMAS["orders"] and back.equals(res["orders"])
    for name in settled:
        assert pl.read_parquet(out / f"{name}.parquet").schema == SCHEMAS[name], name
    s = res.summary
    assert s["tables"] == {"orders": 6, "trades": 3, "market_states": 10, "prices": 2,
                           "settlements": 6, "accounts_daily": 6, "margin_calls": 0,
                           "liquidations": 0, "reductions": 0,
                           "large_trader_reports": 0, "notices": 0, "limit_breaches": 0,
                           "overdue_reports": 0, "guarantee_fund": 4, "defaults": 0,
                           "warnings": 0, "events": 0}  # fmt: skip
    assert s["failed_expectation"] is None
    assert {"load", "kernel", "end_of_day", "write"} <= set(s["time_s"])
    assert s["time_s"]["write"] is not None
    assert set(s["versions"]) >= {"riskcore", "numpy", "numba", "polars"}
    assert not set(settled) & set(s["tables_not_filled"])
    assert s["tables_not_filled"] == []


def test_overrides_and_progress(scenario):
    calls = []
    res = sim.run(scenario(orders=TWO_DAYS), days=1, seed=3,
                  progress=lambda done, total, day: calls.append((done, total, day)))  # fmt: skip
    assert res.summary["days"] == 1 and res.summary["seed"] == 3
    assert calls[-1][:2] == (6, 6)  # Monday's orders are after the run: closed
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert res["orders"]["reason"].to_list()[4:] == ["MARKET_CLOSED"] * 2


def test_unit_04_same_scenario_and_seed_give_byte_identical_parquet(scenario, tmp_path):
    """Rule: UNIT-04 — two runs of one scenario write byte-identical tables."""
    path = scenario(orders=TWO_DAYS)
    a = sim.run(path).save(tmp_path / "a")
    b = sim.run(path).save(tmp_path / "b")
    names = sorted(p.name for p in a.glob("*.parquet"))
    assert names == sorted(p.name for p in b.glob("*.parquet"))
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_limit_02_last_trading_day_has_no_limit_in_a_run(scenario):
    """Rule: LIMIT-02 — seed rulebook: no limit on the contract's last trading day (Monday);
    a buy at 3900.0 (above Friday's 3850.0 limit) is rejected on Friday, trades on Monday,
    and the prices table shows no limit prices that day."""
    contract = {"symbol": "IF1509", "multiplier": 300, "tick": 0.2, "prev_settlement": 3500.0,
                "last_trading_day": "2015-08-24", "final_settlement": 3600.0}  # fmt: skip
    path = scenario(
        contracts=[contract],
        orders=[
            order("2015-08-21 10:00:00", "A", "buy", 3900.0, 1),
            order("2015-08-24 10:00:00", "C", "sell", 3900.0, 1),
            order("2015-08-24 10:00:01", "A", "buy", 3900.0, 1),
        ],
    )
    res = sim.run(path)
    assert res["orders"]["reason"].to_list() == ["PRICE_OUT_OF_BAND", None, None]
    p = res["prices"]
    assert p["limit_up"].to_list() == [3850.0, None]
    assert p["limit_down"].to_list() == [3150.0, None]
    # SETTLE-04: the last day's settlement price is the final settlement price, not the
    # VWAP of the day's trades (3900.0)
    assert p["settlement_price"].to_list() == [3500.0, 3600.0]


def test_end_of_day_hooks_emit_tables_and_credit_the_reserve(scenario):
    """The settlement issue's plug: a hook books money into ``credit`` (carried into the
    next day's reserve) and emits rows of a run-folder table."""

    def hook(day, state):
        state.credit[:] = 1_000.0
        state.emit("settlements", pl.DataFrame({"day": [day], "n": [len(state.fills)]}))

    seen = {}
    res = sim.run(scenario(orders=TWO_DAYS), hooks=[hook, lambda d, s: seen.setdefault(d, s)])
    assert res["settlements"]["n"].to_list() == [2, 1]
    assert "settlements" not in res.summary["tables_not_filled"]
    mon = seen[dt.date(2015, 8, 24)].market.accounts["reserve"]
    assert mon.tolist() == pytest.approx([9_494_120.0, 9_747_560.0, 9_747_560.0])


def test_limit_02_unit_03_settle_04_last_day_with_a_last_day_limit(scenario):
    """Rules: LIMIT-02, BRK-07, UNIT-03, SETTLE-04 — cffex-2010 (±20 % on the last day, 15:00
    close): on Monday, IF1509's last day, market_states says ``limit`` (reason ``last_day``),
    never ``no_limit``; its afternoon ``closed`` record is at 15:00, not 15:15; the prices
    table names the final settlement price's method ``final``; on Tuesday, after expiry,
    IF1509 has no market_states rows while IF1510 has."""
    contracts = [
        {**CONTRACT, "last_trading_day": "2015-08-24", "final_settlement": 3600.0},
        {**CONTRACT, "symbol": "IF1510"},
    ]
    path = scenario(contracts=contracts, rulebook="cffex-2010", days=3)
    res = sim.run(path)
    ms = res["market_states"]
    mon = ms.filter(pl.col("day") == dt.date(2015, 8, 24), pl.col("symbol") == "IF1509")
    assert "no_limit" not in mon["state"].to_list()
    opens = mon.filter(pl.col("state") != "closed")
    assert opens["state"].to_list() == ["limit", "limit"]
    assert opens["reason"].to_list() == ["last_day", "last_day"]
    assert opens["band_low"].to_list() == [2800.0, 2800.0]
    closed = mon.filter(pl.col("state") == "closed")["at"].dt.strftime("%H:%M").to_list()
    assert closed == ["11:30", "15:00"]
    tue = ms.filter(pl.col("day") == dt.date(2015, 8, 25))
    assert set(tue["symbol"].to_list()) == {"IF1510"} and len(tue) == 4
    assert ms["at"].is_sorted()
    p = res["prices"].filter(pl.col("symbol") == "IF1509")
    assert p["settlement_method"].to_list() == ["no_trade", "final"]
    assert p["settlement_price"].to_list() == [3500.0, 3600.0]


SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize(
    "name", ["limit-lock-reduction", "last-trading-day", "member-default", "self-trading"]
)
def test_unit_04_trades_written_during_the_run_equal_the_saved_result(name, tmp_path):
    """Rule: UNIT-04 — ``run(save_to=...)`` writes ``trades`` while the days run (the
    day's fills, then the end-of-day ones: reduction, final settlement, liquidation); the
    folder is byte-identical to the whole result saved at the end."""
    path = SHIPPED / f"{name}.toml"
    streamed = tmp_path / "streamed"
    sim.run(path, save_to=streamed)
    whole = sim.run(path).save(tmp_path / "whole")
    names = sorted(p.name for p in whole.glob("*.parquet"))
    assert names == sorted(p.name for p in streamed.glob("*.parquet"))
    for table in names:
        assert (whole / table).read_bytes() == (streamed / table).read_bytes(), table
    assert not list(streamed.glob(".*.tmp"))


@pytest.mark.parametrize("group", [3, 4, 7])
def test_unit_04_orders_written_from_the_last_close_equal_the_saved_result(
    group, tmp_path, monkeypatch
):
    """Rule: UNIT-04 — ``orders`` is written from the last day's close on, the liquidation
    desk's rows (numbered after the flow's) joining after the run, in row groups that may
    hold both: the bytes of the whole table."""
    from riskcore.output import write

    monkeypatch.setitem(write.PARQUET_OPTIONS, "row_group_size", group)
    path = SHIPPED / "margin-call-liquidation.toml"
    streamed = sim.run(path, save_to=tmp_path / "streamed")
    whole = sim.run(path).save(tmp_path / "whole")
    orders = streamed["orders"]
    assert orders["source"].to_list().count("liquidation") >= 2 and orders.height > group
    for table in ("orders", "trades"):
        assert (whole / f"{table}.parquet").read_bytes() == (
            tmp_path / "streamed" / f"{table}.parquet"
        ).read_bytes(), table


def test_a_failed_run_leaves_no_half_trades_file(scenario, tmp_path):
    """A run that fails after trades were written leaves the folder's old tables and no
    temporary file."""
    path = scenario(orders=TWO_DAYS)
    out = tmp_path / "out"
    sim.run(path, save_to=out)
    before = (out / "trades.parquet").read_bytes()

    def broken(day, state):
        raise RuntimeError("hook failed")

    with pytest.raises(RuntimeError, match="hook failed"):
        sim.run(path, save_to=out, hooks=[broken])
    assert (out / "trades.parquet").read_bytes() == before
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("fail_on", ["last_day", "saving"])
def test_a_run_failing_after_orders_began_leaves_the_earlier_tables(
    fail_on, scenario, tmp_path, monkeypatch
):
    """``orders`` is being written from the last close on: a failure in that end of day,
    or while the other tables are saved, leaves the folder's earlier ``orders`` and
    ``trades`` and no temporary file."""
    from riskcore.sim import result

    path = scenario(orders=TWO_DAYS)
    out = tmp_path / "out"
    sim.run(path, save_to=out)
    before = {t: (out / f"{t}.parquet").read_bytes() for t in ("orders", "trades")}
    hooks = None
    if fail_on == "last_day":
        days = []

        def broken(day, state):
            days.append(day)
            if len(days) == 2:  # the last day: its orders are being written
                raise RuntimeError("hook failed")

        hooks = [*sim.default_hooks(), broken]
    else:

        def broken(rec):
            raise RuntimeError("hook failed")

        monkeypatch.setattr(result, "_other_tables", broken)
    with pytest.raises(RuntimeError, match="hook failed"):
        sim.run(path, save_to=out, hooks=hooks)
    for t, data in before.items():
        assert (out / f"{t}.parquet").read_bytes() == data, t
    assert not list(out.glob(".*.tmp"))


def test_day_fills_are_read_only_for_hooks(scenario):
    """``DayState.fills`` is final (already written to ``trades``): a hook that tries to
    change it fails loudly instead of making the saved folder depend on how it was saved."""
    path = scenario(orders=TWO_DAYS)

    def edits(day, state):
        if len(state.fills):
            state.fills["qty"] += 1

    with pytest.raises(ValueError, match="read-only"):
        sim.run(path, hooks=[*sim.default_hooks(), edits])


def test_unit_04_records_saved_without_a_run_stream_equal_the_saved_result(tmp_path):
    """Rule: UNIT-04 — records of a run that did not write its trades as it went are saved
    through a stream started at save time: the same bytes as the whole result saved."""
    from riskcore.scenario import load_scenario
    from riskcore.sim.loop import run_scenario
    from riskcore.sim.result import save_records

    path = SHIPPED / "limit-lock-reduction.toml"
    saved = save_records(run_scenario(load_scenario(path)), tmp_path / "records").tables
    whole = sim.run(path).save(tmp_path / "whole")
    for table in sorted(p.name for p in whole.glob("*.parquet")):
        assert (whole / table).read_bytes() == (tmp_path / "records" / table).read_bytes()
    assert saved["trades"].height > 0
