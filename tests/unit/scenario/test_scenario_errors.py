"""Bad scenario input stops loading with one clear line: FILE:LINE: key 'x': ... (expected ...).

Each test edits the valid base scenario, loads it, and checks the exact file, line and key
(flow files: the row and column) in the message.
"""

from __future__ import annotations

import polars as pl
import pytest
from scenario_helpers import BASE, FLOW_CSV, assert_at, edit, line_of

from riskcore.scenario import Rulebook, ScenarioError, load_scenario

WITH_FLOW = BASE + '\n[flow]\npath = "flow.csv"\n'


# --- the file as a whole ----------------------------------------------------------------------
def test_toml_syntax_error_reports_file_and_line(files):
    text = edit(BASE, "days = 2", "days = = 2")
    path, msg = files.error(text)
    assert msg.startswith(f"{path}:{line_of(text, 'days = = 2')}: TOML syntax error")


def test_missing_file(files, tmp_path):
    with pytest.raises(ScenarioError, match=r"nothing\.toml: scenario file not found"):
        load_scenario(tmp_path / "nothing.toml")


def test_schema_other_than_1(files):
    text = edit(BASE, "schema = 1", "schema = 2")
    path, msg = files.error(text)
    assert_at(msg, path, 1, "schema")
    assert "unsupported schema 2 (expected 1)" in msg


def test_schema_missing_is_reported_on_line_1(files):
    text = edit(BASE, "schema = 1\n", "\n")
    path, msg = files.error(text)
    assert_at(msg, path, 1, "schema")
    assert "missing" in msg


def test_unknown_top_level_key_suggests(files):
    text = edit(BASE, "[rules]", "[rule]")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[rule]"), "rule")
    assert "did you mean 'rules'?" in msg


def test_unknown_scenario_key_suggests(files):
    text = edit(BASE, "seed = 7", "sede = 7")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "sede = 7"), "scenario.sede")
    assert "did you mean 'seed'?" in msg


def test_array_of_tables_written_as_one_table(files):
    text = BASE + '\n[agents]\nkind = "noise"\n'
    text = text.replace('[[agents]]\nkind = "noise"\nrate = 5\nmember = "M01"\n', "")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[agents]"), "agents")
    assert "[[agents]]" in msg


def test_all_problems_are_collected(files):
    text = edit(BASE, "days = 2", 'days = "two"')
    text = edit(text, "seed = 7", "seed = 7.5")
    with pytest.raises(ScenarioError) as info:
        load_scenario(files.write(text))
    assert len(info.value.errors) == 2
    assert "scenario.days" in info.value.errors[0]
    assert "scenario.seed" in info.value.errors[1]


# --- [scenario] ----------------------------------------------------------------------------------
def test_name_must_be_lowercase_dashes(files):
    text = edit(BASE, 'name = "base-case"', 'name = "Base Case"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'name = "Base Case"'), "scenario.name")
    assert "[a-z0-9-]" in msg or "lowercase" in msg


def test_impossible_start_date(files):
    text = edit(BASE, 'start = "2015-08-24"', 'start = "2015-02-30"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "start ="), "scenario.start")
    assert "not a real date" in msg


def test_start_on_a_weekend(files):
    text = edit(BASE, 'start = "2015-08-24"', 'start = "2015-08-22"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "start ="), "scenario.start")
    assert "Saturday" in msg


def test_start_on_a_holiday(files):
    text = edit(BASE, 'holidays = ["2015-10-01"]', 'holidays = ["2015-08-24"]')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "start ="), "scenario.start")
    assert "holiday" in msg


def test_days_must_be_at_least_1(files):
    text = edit(BASE, "days = 2", "days = 0")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "days = 0"), "scenario.days")
    assert "out of range" in msg


def test_days_of_wrong_type(files):
    text = edit(BASE, "days = 2", 'days = "two"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "days ="), "scenario.days")
    assert 'the string "two" is not an integer' in msg


def test_unknown_rulebook_lists_known_ones(files):
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "sed"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "rulebook ="), "scenario.rulebook")
    assert "did you mean 'seed'?" in msg
    assert "seed, cffex-2010, cffex-2015" in msg


def test_rulebook_path_missing(files):
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "books/mine.toml"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "rulebook ="), "scenario.rulebook")
    assert "rulebook file not found" in msg and "mine.toml" in msg


def test_bad_parameter_in_a_user_rulebook_file_is_reported_in_that_file(files, tmp_path):
    book = 'name = "mine"\nbase = "seed"\nprice_limt = 0.05\n'
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "mine.toml"')
    _, msg = files.error(text, mine__toml=book)
    assert msg.startswith(f"{tmp_path / 'mine.toml'}:3: key 'price_limt':")
    assert "did you mean 'price_limit'?" in msg


# --- [rules] and [calendar] ----------------------------------------------------------------------
def test_rules_unknown_parameter_suggests(files):
    text = edit(BASE, "position_limit = 300", "position_limt = 300")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "position_limt"), "rules.position_limt")
    assert "did you mean 'position_limit'?" in msg


def test_rules_wrong_type(files):
    text = edit(BASE, "position_limit = 300", 'position_limit = "300"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "position_limit ="), "rules.position_limit")
    assert "expected false for no limit, or an integer in [0, 1000000000], lots" in msg


def test_rules_float_where_integer_expected(files):
    text = edit(BASE, "position_limit = 300", "position_limit = 300\nbreaker_trigger = 60.5")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "breaker_trigger"), "rules.breaker_trigger")
    assert "not an integer" in msg


def test_rules_breaker_out_of_range(files):
    text = edit(BASE, "position_limit = 300", "circuit_breaker = 1.5")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "circuit_breaker"), "rules.circuit_breaker")
    assert "out of range" in msg


def test_calendar_impossible_session_time(files):
    text = edit(
        BASE,
        'holidays = ["2015-10-01"]',
        'holidays = ["2015-10-01"]\nsessions = [["09:15", "11:30"], ["13:00", "25:00"]]',
    )
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "sessions ="), "calendar.sessions[1][1]")
    assert "not a real time" in msg


def test_calendar_auction_must_end_by_the_open(files):
    text = edit(BASE, 'holidays = ["2015-10-01"]', 'auction = ["09:10", "09:20"]')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "auction ="), "calendar.auction")
    assert "MATCH-06" in msg


def test_calendar_key_also_in_rules(files):
    text = edit(BASE, "position_limit = 300", "auction = false")
    text = edit(text, 'holidays = ["2015-10-01"]', 'auction = ["09:10", "09:15"]')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'auction = ["09:10"'), "calendar.auction")
    assert f"also set in [rules] at line {line_of(text, 'auction = false')}" in msg


def test_calendar_unknown_key(files):
    text = edit(BASE, 'holidays = ["2015-10-01"]', 'holiday = ["2015-10-01"]')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "holiday ="), "calendar.holiday")
    assert "did you mean 'holidays'?" in msg


# --- [[contracts]] -----------------------------------------------------------------------------
def test_tick_must_be_positive(files):
    text = edit(BASE, "tick = 0.2\nmargin_rate", "tick = 0.0\nmargin_rate")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "tick = 0.0"), "contracts[1].tick")
    assert "expected a number > 0" in msg


def test_multiplier_must_be_positive(files):
    text = edit(
        BASE,
        "multiplier = 300\ntick = 0.2\nprev_settlement = 3500.0",
        "multiplier = -300\ntick = 0.2\nprev_settlement = 3500.0",
    )
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "multiplier = -300"), "contracts[0].multiplier")


def test_prev_settlement_off_tick(files):
    text = edit(BASE, "prev_settlement = 3480.2", "prev_settlement = 3480.3")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "3480.3"), "contracts[1].prev_settlement")
    assert "not a whole number of ticks" in msg and "UNIT-02" in msg


def test_margin_rate_outside_0_1(files):
    text = edit(BASE, "margin_rate = 0.15", "margin_rate = 1.5")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "margin_rate = 1.5"), "contracts[1].margin_rate")
    assert "in (0, 1]" in msg


def test_duplicate_contract_symbol(files):
    text = edit(BASE, 'symbol = "IF1512"', 'symbol = "IF1509"')
    path, msg = files.error(text)
    sym = 'symbol = "IF1509"'
    assert_at(msg, path, line_of(text, sym, 1), "contracts[1].symbol")
    assert f"first at {path}:{line_of(text, sym)}" in msg


def test_final_settlement_needed_when_expiry_is_inside_the_run(files):
    text = edit(BASE, 'last_trading_day = "2015-09-18"', 'last_trading_day = "2015-08-25"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[[contracts]]"), "contracts[0].final_settlement")
    assert "SETTLE-04" in msg


def test_contract_expired_before_start(files):
    text = edit(BASE, 'last_trading_day = "2015-09-18"', 'last_trading_day = "2015-08-21"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "last_trading_day"), "contracts[0].last_trading_day")
    assert "before the start" in msg


def test_no_contracts(files):
    start = BASE.index("[[contracts]]")
    end = BASE.index("[[members]]")
    text = BASE[:start] + BASE[end:]
    text = text.replace(
        'positions = [ { symbol = "IF1509", long = 10, short = 0, price = 3480.0 } ]\n', ""
    )
    text = text.replace(
        'positions = [\n    { symbol = "IF1509", long = 0, short = 10, price = 3490.0 },\n]\n', ""
    )
    path, msg = files.error(text)
    assert_at(msg, path, 1, "contracts")
    assert "at least one [[contracts]]" in msg


# --- [[members]], [exchange], [[accounts]] ----------------------------------------------------
def test_duplicate_member_id(files):
    text = edit(BASE, 'id = "M02"', 'id = "M01"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'id = "M01"', 1), "members[1].id")
    assert "duplicate member" in msg


def test_exchange_negative_reserve(files):
    text = edit(BASE, "risk_reserve = 40_000_000", "risk_reserve = -1")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "risk_reserve"), "exchange.risk_reserve")


def test_duplicate_account_id(files):
    text = edit(BASE, 'id = "C002"', 'id = "C001"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'id = "C001"', 1), "accounts[1].id")
    assert "duplicate account" in msg


def test_account_of_unknown_member(files):
    text = edit(BASE, 'member = "M02"', 'member = "M03"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'member = "M03"'), "accounts[1].member")
    assert "unknown member" in msg and "M01, M02" in msg


def test_negative_cash(files):
    text = edit(BASE, "cash = 3_000_000", "cash = -5")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "cash = -5"), "accounts[1].cash")


def test_position_of_unknown_contract(files):
    text = edit(BASE, '{ symbol = "IF1509", long = 0', '{ symbol = "IF1590", long = 0')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "IF1590"), "accounts[1].positions[0].symbol")
    assert "did you mean 'IF1509'?" in msg


def test_position_lots_must_be_integers(files):
    text = edit(BASE, "long = 10, short = 0", "long = 2.5, short = 0")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "long = 2.5"), "accounts[0].positions[0].long")
    assert "not an integer" in msg


def test_unbalanced_initial_positions(files):
    text = edit(BASE, "long = 0, short = 10", "long = 0, short = 7")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "short = 7"), "accounts[1].positions[0]")
    assert "total long 10 lots, total short 7 lots" in msg


def test_hedge_quota_is_per_investor(files):
    text = edit(
        BASE, "proprietary = true", 'proprietary = true\ninvestor = "INV-ZHANG"\nhedge_quota = 9'
    )
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "hedge_quota = 9"), "accounts[1].hedge_quota")
    assert "POS-03" in msg


def test_unknown_account_key_suggests(files):
    text = edit(BASE, "files_reports = false", "file_reports = false")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "file_reports"), "accounts[1].file_reports")
    assert "did you mean 'files_reports'?" in msg


# --- [[orders]] ----------------------------------------------------------------------------------
def test_qty_of_wrong_type(files):
    text = edit(BASE, "qty = 5", 'qty = "ten"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'qty = "ten"'), "orders[0].qty")
    assert 'the string "ten" is not an integer (expected an integer, lots)' in msg


def test_side_not_buy_or_sell(files):
    text = edit(BASE, 'side = "buy"', 'side = "long"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'side = "long"'), "orders[0].side")
    assert "(expected buy | sell)" in msg


def test_impossible_order_time(files):
    text = edit(BASE, "2015-08-24 09:30:00.000", "2015-08-24 25:61:00.000")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "25:61"), "orders[0].at")
    assert "impossible time" in msg


def test_order_time_of_wrong_form(files):
    text = edit(BASE, '"2015-08-24 09:31:00"', '"24/08/2015 09:31"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "24/08/2015"), "orders[1].at")
    assert 'expected "YYYY-MM-DD HH:MM:SS[.fff]"' in msg


def test_price_as_string(files):
    text = edit(BASE, "price = 3500.0", 'price = "3500"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'price = "3500"'), "orders[0].price")


def test_limit_order_without_side(files):
    text = edit(BASE, 'side = "buy"\n', "")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[[orders]]"), "orders[0].side")
    assert "missing" in msg


def test_unknown_order_key_suggests(files):
    text = edit(BASE, "qty = 5", "qtty = 5")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "qtty"), "orders[0].qtty")
    assert "did you mean 'qty'?" in msg


def test_duplicate_client_id_per_account(files):
    text = BASE + (
        '\n[[orders]]\nat = "2015-08-24 10:00:00"\naccount = "C001"\nsymbol = "IF1509"\n'
        'side = "buy"\noffset = "open"\nprice = 3500.0\nqty = 1\nid = "o1"\n'
    )
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'id = "o1"', 1), "orders[3].id")
    assert f"first at {path}:{line_of(text, '[[orders]]')}" in msg


def test_cancel_with_order_keys(files):
    text = edit(BASE, 'target = "o1"', 'target = "o1"\nqty = 3')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "qty = 3"), "orders[1].qty")
    assert "not used by a cancel" in msg


def test_market_order_with_price(files):
    text = edit(BASE, 'type = "market"', 'type = "market"\nprice = 3400.0')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "price = 3400.0"), "orders[2].price")


def test_bad_action(files):
    text = edit(BASE, 'action = "cancel"', 'action = "delete"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "action ="), "orders[1].action")
    assert "(expected new | cancel)" in msg


# --- [flow] --------------------------------------------------------------------------------------
def test_flow_file_missing(files):
    path, msg = files.error(WITH_FLOW)
    assert_at(msg, path, line_of(WITH_FLOW, 'path = "flow.csv"'), "flow.path")
    assert "flow file not found" in msg


def test_flow_file_wrong_suffix(files):
    text = edit(WITH_FLOW, "flow.csv", "flow.xlsx")
    path, msg = files.error(text, flow__xlsx="x")
    assert_at(msg, path, line_of(text, "flow.xlsx"), "flow.path")


def test_flow_missing_column(files, tmp_path):
    csv = FLOW_CSV.replace(",qty,", ",qtx,")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: column 'qtx': unknown column")
    assert "did you mean 'qty'?" in msg


def test_flow_missing_required_column(files, tmp_path):
    lines = [",".join(x.split(",")[:7] + x.split(",")[8:]) for x in FLOW_CSV.splitlines()]
    _, msg = files.error(WITH_FLOW, flow__csv="\n".join(lines) + "\n")
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: column 'qty': missing")


def test_flow_bad_side_value(files, tmp_path):
    csv = FLOW_CSV.replace("C001,IF1509,buy", "C001,IF1509,long")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 4, column 'side':")
    assert '"long" is not allowed (expected buy | sell)' in msg


def test_flow_non_numeric_price(files, tmp_path):
    csv = FLOW_CSV.replace("3500.2", "35OO.2")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 1, column 'price':")
    assert '"35OO.2" is not a number' in msg


def test_flow_non_integer_qty(files, tmp_path):
    csv = FLOW_CSV.replace("3499.8,1,", "3499.8,1.5,")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 4, column 'qty':")


def test_flow_impossible_timestamp(files, tmp_path):
    csv = FLOW_CSV.replace("2015-08-24 09:32:00", "2015-08-32 09:32:00")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 3, column 'at':")
    assert "impossible time" in msg


def test_flow_timestamp_of_wrong_form(files, tmp_path):
    csv = FLOW_CSV.replace("2015-08-24 09:29:00.5", "9:29")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 2, column 'at':")


def test_flow_limit_order_without_price(files, tmp_path):
    csv = FLOW_CSV.replace("3499.8", "")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 4, column 'price': missing value")


def test_flow_cancel_without_target(files, tmp_path):
    csv = FLOW_CSV.replace("cancel,f1", "cancel,")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 3, column 'target': missing value")


def test_flow_duplicate_client_id(files, tmp_path):
    csv = FLOW_CSV + "2015-08-24 09:40:00,C002,IF1509,buy,open,limit,3500.0,1,f1,,\n"
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 5, column 'id':")
    assert "first at row 1" in msg


def test_flow_client_id_already_used_inline(files, tmp_path):
    csv = FLOW_CSV + "2015-08-24 09:40:00,C001,IF1509,buy,open,limit,3500.0,1,o1,,\n"
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 5, column 'id':")
    assert f"first at scenario.toml:{line_of(BASE, '[[orders]]')}" in msg


def test_flow_parquet_wrong_column_type(files, tmp_path):
    df = pl.read_csv(FLOW_CSV.encode(), infer_schema=False).with_columns(
        pl.Series("qty", [3.0, 3.0, None, 2.5])
    )
    df.write_parquet(tmp_path / "flow.parquet")
    text = edit(WITH_FLOW, "flow.csv", "flow.parquet")
    _, msg = files.error(text)
    assert msg.startswith(f"{tmp_path / 'flow.parquet'}: row 4, column 'qty':")
    assert "not a whole number" in msg


def test_flow_parquet_at_of_wrong_type(files, tmp_path):
    df = pl.read_csv(FLOW_CSV.encode(), infer_schema=False).with_columns(
        pl.Series("at", [1, 2, 3, 4])
    )
    df.write_parquet(tmp_path / "flow.parquet")
    text = edit(WITH_FLOW, "flow.csv", "flow.parquet")
    _, msg = files.error(text)
    assert msg.startswith(f"{tmp_path / 'flow.parquet'}: column 'at': has type Int64")


def test_flow_unreadable_parquet(files, tmp_path):
    text = edit(WITH_FLOW, "flow.csv", "flow.parquet")
    _, msg = files.error(text, flow__parquet=b"not a parquet file")
    assert msg.startswith(f"{tmp_path / 'flow.parquet'}: cannot read the flow file")


# --- [[events]], [[agents]], [[expect]] ---------------------------------------------------------
def test_unknown_event_kind_lists_known(files):
    text = edit(BASE, 'kind = "deposit"', 'kind = "deposti"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "deposti"), "events[0].kind")
    assert "did you mean 'deposit'?" in msg
    assert "deposit | withdraw | margin_rate | position_limit | halt | resume" in msg


def test_deposit_needs_amount(files):
    text = edit(BASE, "amount = 100_000\n", "")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[[events]]"), "events[0].amount")
    assert "missing" in msg


def test_deposit_amount_must_be_positive(files):
    text = edit(BASE, "amount = 100_000", "amount = 0")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "amount = 0"), "events[0].amount")
    assert "expected a number in (0, 1e+15], CNY" in msg


def test_margin_rate_event_needs_symbol(files):
    text = edit(BASE, 'symbol = "IF1509"\nrate = 0.15', "rate = 0.15")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[[events]]", 1), "events[1].symbol")


def test_event_of_unknown_account(files):
    text = edit(BASE, 'account = "C001"\namount', 'account = "C009"\namount')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "C009"), "events[0].account")


def test_event_outside_the_run(files):
    text = edit(BASE, 'at = "2015-08-25 09:00:00"', 'at = "2015-08-26 09:00:00"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "2015-08-26 09:00:00"), "events[0].at")
    assert "2015-08-24 .. 2015-08-25" in msg


def test_event_key_its_kind_does_not_use(files):
    text = edit(BASE, "amount = 100_000", "amount = 100_000\nrate = 0.2")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "rate = 0.2"), "events[0].rate")
    assert "not used by a deposit event" in msg


def test_complaint_needs_a_known_party(files):
    text = BASE + '\n[[events]]\nat = "2015-08-24 10:00:00"\nkind = "complaint"\nparty = "M09"\n'
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'party = "M09"'), "events[2].party")


def test_agent_needs_kind(files):
    text = edit(BASE, 'kind = "noise"\n', "")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[[agents]]"), "agents[0].kind")


def test_expect_unknown_table_suggests(files):
    text = edit(BASE, 'table = "settlements"', 'table = "settlement"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'table = "settlement"'), "expect[0].table")
    assert "did you mean 'settlements'?" in msg


def test_expect_needs_equals_or_count(files):
    text = edit(BASE, "count = 3\n", "")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "[[expect]]", 1), "expect[1]")
    assert "equals" in msg and "count" in msg


def test_expect_where_value_must_be_scalar(files):
    text = edit(BASE, 'where = { kind = "reduction" }', 'where = { kind = ["reduction"] }')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, '["reduction"]'), "expect[1].where.kind")


def test_expect_count_negative(files):
    text = edit(BASE, "count = 3", "count = -1")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "count = -1"), "expect[1].count")


# --- Rulebook API ---------------------------------------------------------------------------------
def test_with_overrides_unknown_parameter():
    with pytest.raises(ScenarioError) as info:
        Rulebook.load("seed").with_overrides({"price_limt": 0.1}, source="notebook")
    assert str(info.value).startswith("notebook: key 'price_limt': unknown rule parameter")
    assert "did you mean 'price_limit'?" in str(info.value)


def test_with_overrides_wrong_type():
    with pytest.raises(ScenarioError, match=r"notebook: key 'stp_policy': .*cancel-incoming"):
        Rulebook.load("seed").with_overrides({"stp_policy": "cancel"}, source="notebook")


def test_load_unknown_rulebook_name():
    with pytest.raises(ScenarioError, match="known: seed, cffex-2010, cffex-2015"):
        Rulebook.load("cffex-2020")
