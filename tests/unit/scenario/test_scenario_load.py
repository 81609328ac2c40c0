"""A valid scenario loads into typed, immutable values (SCENARIO.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from scenario_helpers import BASE, edit, line_of

from riskcore.scenario import (
    Account,
    Contract,
    Event,
    Exchange,
    Expect,
    Member,
    Position,
    Rulebook,
    Scenario,
)


def test_full_example_parses_to_expected_values(files):
    sc = files.load()
    assert isinstance(sc, Scenario)
    assert (sc.schema, sc.name, sc.title, sc.seed, sc.days) == (1, "base-case", "Base", 7, 2)
    assert sc.description == "A valid scenario the tests edit"
    assert sc.start == dt.date(2015, 8, 24)
    assert sc.source == files.root / "scenario.toml"
    assert sc.contracts == (
        Contract("IF1509", 300.0, 0.2, 0.12, 3500.0, dt.date(2015, 9, 18), None, False),
        Contract("IF1512", 300.0, 0.2, 0.15, 3480.2, None, None, True),
    )
    assert sc.contracts[0].tick_value == pytest.approx(60.0)
    assert sc.contracts[1].prev_settlement_ticks == 17401
    assert sc.members == (
        Member("M01", "Alpha Futures", 5_000_000.0, 20_000_000.0),
        Member("M02", "M02", 0.0, 0.0),
    )
    assert sc.exchange == Exchange(risk_reserve=40_000_000.0, capital=1_000_000_000.0)
    assert sc.accounts[:-1] == (
        Account(
            "C001",
            "M01",
            "INV-ZHANG",
            "Zhang San",
            False,
            2_000_000.0,
            5,
            True,
            (Position("IF1509", 10, 0, 3480.0),),
        ),
        Account(
            "C002", "M02", "C002", "C002", True, 3_000_000.0, 0, False,
            (Position("IF1509", 0, 10, 3490.0),),
        ),
    )  # fmt: skip
    assert sc.account("C002").proprietary
    assert sc.contract("IF1512").margin_rate == 0.15
    (group,) = sc.agents
    assert (group.kind, group.count, group.member, group.params["rate"]) == ("noise", 1, "M01", 5)
    assert group.accounts == ("noise-001",) and sc.accounts[-1].id == "noise-001"
    assert sc.where("agents", 0, "rate") == f"{sc.source}:{line_of(BASE, 'rate = 5')}"
    assert sc.expect == (
        Expect(
            "settlements",
            {"day": "2015-08-24", "account": "C001", "symbol": "IF1509"},
            {"settlement_price": 3380.0, "pnl": -60000.0},
            None,
            f"{sc.source}:{line_of(BASE, '[[expect]]')}",
        ),
        Expect(
            "trades",
            {"kind": "reduction"},
            None,
            3,
            f"{sc.source}:{line_of(BASE, '[[expect]]', 1)}",
        ),
    )


def test_events_are_typed_and_sorted_by_time(files):
    sc = files.load()
    assert [e.kind for e in sc.events] == ["margin_rate", "deposit"]  # 24th 15:30 before 25th
    rate, dep = sc.events
    assert rate == Event(
        at=dt.datetime(2015, 8, 24, 15, 30),
        at_ns=rate.at_ns,
        kind="margin_rate",
        symbol="IF1509",
        rate=0.15,
        origin=f"{sc.source}:{line_of(BASE, '[[events]]', 1)}",
    )
    assert dep.account == "C001" and dep.amount == 100_000.0 and dep.symbol is None
    assert dep.at_ns == 1_440_493_200 * 10**9  # 2015-08-25 09:00:00 naive, in ns


def test_every_event_kind_loads(files):
    extra = """
[[events]]
at = "2015-08-24 10:00:00"
kind = "{kind}"
{body}
"""
    bodies = {
        "withdraw": 'account = "C002"\namount = 5.5',
        "position_limit": "value = 100",
        "halt": 'symbol = "IF1512"\nreason = "emergency"',
        "resume": 'symbol = "IF1512"',
        "penalty_liquidation": 'account = "C001"\nsymbol = "IF1509"\nqty = 2',
        "complaint": 'party = "INV-ZHANG"',
        "investigation": 'party = "M01"',
        "other": 'party = "C002"',
    }
    text = BASE + "".join(extra.format(kind=k, body=b) for k, b in bodies.items())
    sc = files.load(text)
    by_kind = {e.kind: e for e in sc.events}
    assert set(by_kind) == {*bodies, "deposit", "margin_rate"}
    assert by_kind["penalty_liquidation"].qty == 2
    assert by_kind["position_limit"].value == 100
    assert by_kind["halt"].reason == "emergency"
    # same instant keeps file order
    same = [e.kind for e in sc.events if e.at == dt.datetime(2015, 8, 24, 10)]
    assert same == list(bodies)


def test_defaults(files):
    text = """\
schema = 1
[scenario]
name = "tiny"
start = 2015-08-24
days = 1
[[contracts]]
symbol = "IF1509"
multiplier = 300
tick = 0.2
prev_settlement = 3500.0
"""
    sc = files.load(text)
    assert sc.title == "tiny" and sc.description == "" and sc.seed == 0
    assert sc.rulebook == Rulebook.load("seed")
    assert sc.contracts[0].margin_rate == 0.12  # MARGIN-01 from the rulebook
    assert sc.exchange == Exchange(50_000_000.0, 1_000_000_000.0)  # from the rulebook
    assert sc.accounts == () and sc.members == () and sc.events == ()
    assert sc.orders.height == 0 and sc.flow_path is None


def test_scenario_values_are_immutable(files):
    sc = files.load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.rulebook.price_limit = 0.2  # type: ignore[misc]
    assert isinstance(sc.accounts, tuple) and isinstance(sc.accounts[0].positions, tuple)


def test_rules_overrides_are_applied(files):
    """Rule: POS-01 / BRK-01 / LIMIT-02 — [rules] override the named rulebook."""
    text = edit(
        BASE,
        "position_limit = 300",
        "position_limit = 300\ncircuit_breaker = false\nlast_day_limit = 0.2\n"
        'stp_policy = "cancel-resting"\nmargin_method = "larger_side"',
    )
    sc = files.load(text)
    rb = sc.rulebook
    assert rb.position_limit == 300
    assert rb.circuit_breaker == 0.0
    assert rb.last_day_limit == 0.2
    assert rb.stp_policy == "cancel-resting" and rb.margin_method == "larger_side"
    assert rb.price_limit == 0.10  # untouched
    assert rb.source == "seed + scenario.toml"
    assert rb.holidays == (dt.date(2015, 10, 1),)  # [calendar] applied to the rulebook too


def test_rules_can_switch_off_limits(files):
    """Rule: POS-01 — position_limit = false means no limit."""
    sc = files.load(edit(BASE, "position_limit = 300", "position_limit = false"))
    assert sc.rulebook.position_limit is None


def test_shipped_rulebook_by_name_and_user_rulebook_by_path(files):
    sc = files.load(edit(BASE, 'rulebook = "seed"', 'rulebook = "cffex-2015"'))
    assert sc.rulebook.name == "cffex-2015" and sc.rulebook.position_limit == 300  # overridden
    book = 'name = "mine"\ntitle = "Mine"\nbase = "cffex-2010"\nprice_limit = 0.07\n'
    (files.root / "books").mkdir()
    (files.root / "books" / "mine.toml").write_text(book)
    sc = files.load(edit(BASE, 'rulebook = "seed"', 'rulebook = "books/mine.toml"'))
    assert sc.rulebook.name == "mine" and sc.rulebook.price_limit == 0.07
    assert sc.rulebook.last_day_limit == 0.20  # from its base


def test_trading_days_skip_weekends_and_holidays(files):
    """Rule: UNIT-03 — the run's days are weekdays that are not holidays."""
    text = edit(BASE, 'start = "2015-08-24"', 'start = "2015-09-30"')
    text = edit(text, "days = 2", "days = 4")
    text = edit(text, '"2015-09-18"', '"2015-10-16"')
    text = edit(text, 'holidays = ["2015-10-01"]', 'holidays = ["2015-10-01", "2015-10-02"]')
    text = text.replace("2015-08-24 ", "2015-09-30 ").replace("2015-08-25 ", "2015-10-05 ")
    sc = files.load(text)
    assert sc.trading_days == (
        dt.date(2015, 9, 30),
        dt.date(2015, 10, 5),
        dt.date(2015, 10, 6),
        dt.date(2015, 10, 7),
    )
    assert sc.calendar.holidays == (dt.date(2015, 10, 1), dt.date(2015, 10, 2))
    assert sc.calendar.is_trading_day(dt.date(2015, 10, 5))
    assert not sc.calendar.is_trading_day(dt.date(2015, 10, 3))


def test_calendar_defaults_from_the_rulebook(files):
    """Rule: MATCH-06 / UNIT-03 — cffex-2015 holidays, sessions and auction by default."""
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "cffex-2015"')
    text = edit(text, '[calendar]\nholidays = ["2015-10-01"]\n', "")
    text = edit(text, 'start = "2015-08-24"', 'start = "2015-09-02"')
    text = text.replace("2015-08-24 ", "2015-09-02 ").replace("2015-08-25 ", "2015-09-07 ")
    sc = files.load(text)
    assert sc.trading_days == (dt.date(2015, 9, 2), dt.date(2015, 9, 7))  # 3-4 Sep closed
    assert sc.calendar.sessions == (
        (dt.time(9, 15), dt.time(11, 30)),
        (dt.time(13), dt.time(15, 15)),
    )
    assert sc.calendar.auction == (dt.time(9, 10), dt.time(9, 15))
    assert sc.calendar.last_day_close == dt.time(15)


def test_calendar_sessions_and_no_auction(files):
    """Rule: MATCH-06 — auction = false turns the call auction off."""
    text = edit(
        BASE,
        'holidays = ["2015-10-01"]',
        'sessions = [["09:30", "11:30"], ["13:00", "15:00"]]\nauction = false',
    )
    sc = files.load(text)
    assert sc.calendar.sessions == ((dt.time(9, 30), dt.time(11, 30)), (dt.time(13), dt.time(15)))
    assert sc.calendar.auction is None and sc.rulebook.auction is None


def test_final_settlement_inside_the_run(files):
    """Rule: SETTLE-04 — a contract expiring inside the run carries its final settlement."""
    text = edit(
        BASE,
        'last_trading_day = "2015-09-18"',
        'last_trading_day = "2015-08-25"\nfinal_settlement = 3201.4',
    )
    sc = files.load(text)
    assert sc.contracts[0].last_trading_day == dt.date(2015, 8, 25)
    assert sc.contracts[0].final_settlement == 3201.4


def test_quarterly_contracts_get_the_quarterly_margin(files):
    """Rule: MARGIN-01 — cffex-2010: 15 % near two months, 18 % quarterly months."""
    text = """\
schema = 1
[scenario]
name = "launch"
start = 2010-04-19
days = 1
rulebook = "cffex-2010"
"""
    for sym in ("IF1005", "IF1006", "IF1009", "IF1012"):
        text += f'[[contracts]]\nsymbol = "{sym}"\nmultiplier = 300\ntick = 0.2\n'
        text += "prev_settlement = 3399.0\n"
    text += '[[contracts]]\nsymbol = "IF1009X"\nmultiplier = 300\ntick = 0.2\n'
    text += "prev_settlement = 3399.0\nmargin_rate = 0.2\n"
    sc = files.load(text)
    rates = {c.symbol: c.margin_rate for c in sc.contracts}
    assert rates == {"IF1005": 0.15, "IF1006": 0.15, "IF1009": 0.18, "IF1012": 0.18, "IF1009X": 0.2}


def test_well_formed_but_unacceptable_orders_are_loaded(files):
    """Rule: MATCH-07 — refused at run time with a code, not at load time."""
    odd = [
        ('account = "NOBODY"', "UNKNOWN_ACCOUNT"),
        ('symbol = "IH1509"', "UNKNOWN_SYMBOL"),
        ("qty = 0", "BAD_QTY"),
        ("qty = -3", "BAD_QTY"),
        ("price = 3500.1", "OFF_TICK"),
        ("price = 9999.0", "PRICE_OUT_OF_BAND"),
        ('at = "2015-08-24 03:00:00"', "MARKET_CLOSED"),
        ('at = "2015-12-25 10:00:00"', "MARKET_CLOSED (not a day of the run)"),
    ]
    text = BASE
    for i, (line, _) in enumerate(odd):
        order = {
            "at": '"2015-08-24 10:00:00"',
            "account": '"C001"',
            "symbol": '"IF1509"',
            "side": '"sell"',
            "offset": '"close"',
            "price": "3500.0",
            "qty": "1",
            "id": f'"x{i}"',
        }
        key, _, value = line.partition(" = ")
        order[key] = value
        text += "\n[[orders]]\n" + "".join(f"{k} = {v}\n" for k, v in order.items())
    text += '\n[[orders]]\nat = "2015-08-24 10:00:00"\naccount = "C001"\naction = "cancel"\n'
    text += 'target = "no-such-order"\n'
    sc = files.load(text)
    assert sc.orders.height == 3 + len(odd) + 1
    assert sc.orders["qty"].to_list().count(0) == 1
    assert "NOBODY" in sc.orders["account"].to_list()
    assert "no-such-order" in sc.orders["client_id"].to_list()  # a cancel's target
