"""Input at the edges of what the tables can hold, and files that refer to themselves.

Each case used to end in an exception from deep inside the loader (an OverflowError, a
RecursionError, a polars cast error) or, worse, in a wrong value loaded without a word. Now
each is one :class:`ScenarioError` line naming the file, the line or row, and what is wrong.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from scenario_helpers import BASE, FLOW_CSV, assert_at, edit, line_of

from riskcore.scenario import Rulebook, ScenarioError, load_scenario
from riskcore.scenario.errors import one_line, quote

WITH_FLOW = BASE + '\n[flow]\npath = "flow.csv"\n'
WITH_PARQUET_FLOW = BASE + '\n[flow]\npath = "flow.parquet"\n'
KEPT = "outside the days riskcore keeps (1678-01-01 .. 2261-12-31)"


# --- integers past 64 bits ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "key"),
    [
        ("qty = 5", "orders[0].qty"),
        ("hedge_quota = 5", "accounts[0].hedge_quota"),
        ("seed = 7", "scenario.seed"),
        ("position_limit = 300", "rules.position_limit"),
    ],
)
def test_an_integer_past_64_bits_is_named_not_a_crash(files, old, key):
    new = old.split("=")[0] + f"= {2**70}"
    text = edit(BASE, old, new)
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, new), key)
    assert f"{2**70} is past the 64-bit integers riskcore keeps" in msg


def test_lots_are_at_most_a_billion(files):
    # a hedge quota of 2^63 - 1 loaded, and limit + quota wrapped negative: every open refused
    assert files.load(edit(BASE, "hedge_quota = 5", f"hedge_quota = {10**9}"))
    text = edit(BASE, "hedge_quota = 5", f"hedge_quota = {2**63 - 1}")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "hedge_quota ="), "accounts[0].hedge_quota")
    assert "is out of range (expected an integer in [0, 1000000000], lots)" in msg


def test_a_number_too_large_for_a_float(files):
    big = "1" + "0" * 400
    text = edit(BASE, "prev_settlement = 3480.2", f"prev_settlement = {big}")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, big), "contracts[1].prev_settlement")
    assert "is out of range (expected a number" in msg


# --- days and times the nanosecond tables cannot hold ----------------------------------------
def test_a_start_past_2261(files):
    text = edit(BASE, 'start = "2015-08-24"', 'start = "9999-12-30"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "start ="), "scenario.start")
    assert KEPT in msg


def test_a_run_that_would_end_past_2261(files):
    text = edit(BASE, 'start = "2015-08-24"', 'start = "2261-12-26"')
    text = edit(text, "days = 2", "days = 300")
    text = edit(text, 'last_trading_day = "2015-09-18"', 'last_trading_day = "2261-12-31"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "days = 300"), "scenario.days")
    assert "300 trading days from 2261-12-26 end on 2263-" in msg


def test_an_inline_order_time_past_2261(files):
    text = edit(BASE, 'at = "2015-08-24 09:30:00.000"', 'at = "9999-08-24 09:30:00"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "9999-08-24"), "orders[0].at")
    assert KEPT in msg


@pytest.mark.parametrize("year", ["1600", "2262", "2300"])
def test_a_csv_flow_time_outside_the_kept_years_is_not_wrapped_around(files, tmp_path, year):
    # polars parses "2300-01-01" into nanoseconds as a time in 1715: the years come first
    csv = FLOW_CSV.replace("2015-08-24 09:32:00", f"{year}-08-24 09:32:00")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 3, column 'at': \"{year}-08-24 09:32:00\"")
    assert KEPT in msg


def _sells(at: pl.Series) -> pl.DataFrame:
    """A flow of 1-lot sells by C002 at 3500.2, one per time of ``at``."""
    n = len(at)
    return pl.DataFrame(
        {
            "at": at,
            "account": ["C002"] * n,
            "symbol": ["IF1509"] * n,
            "side": ["sell"] * n,
            "offset": ["open"] * n,
            "price": [3500.2] * n,
            "qty": [1] * n,
        }
    )


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
@pytest.mark.parametrize("when", [dt.datetime(1677, 12, 31), dt.datetime(2262, 1, 1)])
def test_a_parquet_flow_time_outside_the_kept_years(files, tmp_path, unit, when):
    at = [dt.datetime(2015, 8, 24, 9, 30), when, dt.datetime(2015, 8, 24, 9, 32)]
    _sells(pl.Series(at, dtype=pl.Datetime(unit))).write_parquet(tmp_path / "flow.parquet")
    _, msg = files.error(WITH_PARQUET_FLOW)
    assert msg.startswith(
        f"{tmp_path / 'flow.parquet'}: row 2, column 'at': {when.isoformat(sep=' ')} is {KEPT}"
    )


def test_a_parquet_flow_in_microseconds_inside_the_kept_years_loads(files, tmp_path):
    at = [dt.datetime(2015, 8, 24, 9, 30, 0, 123456), dt.datetime(2015, 8, 24, 9, 31)]
    flow = pl.DataFrame(
        {
            "at": pl.Series(at, dtype=pl.Datetime("us")),
            "account": ["C002", "C001"],
            "symbol": ["IF1509"] * 2,
            "side": ["sell", "buy"],
            "offset": ["open"] * 2,
            "price": [3500.2] * 2,
            "qty": [1] * 2,
        }
    )
    flow.write_parquet(tmp_path / "flow.parquet")
    orders = files.load(WITH_PARQUET_FLOW).orders.filter(pl.col("origin") == "flow.parquet")
    assert orders["at"].to_list() == [1_440_408_600_123_456_000, 1_440_408_660_000_000_000]


# --- ids wider than 64 bits -------------------------------------------------------------------
def test_int128_client_ids_are_kept_as_text(files, tmp_path):
    flow = pl.DataFrame(
        {
            "at": ["2015-08-24 09:30:00", "2015-08-24 09:31:00"],
            "account": ["C002", "C002"],
            "symbol": ["IF1509", None],
            "side": ["sell", None],
            "offset": ["open", None],
            "price": [3500.2, None],
            "qty": [1, None],
            "id": pl.Series([2**100, None], dtype=pl.Int128),
            "action": ["new", "cancel"],
            "target": pl.Series([None, 2**100], dtype=pl.Int128),
        }
    )
    flow.write_parquet(tmp_path / "flow.parquet")
    orders = files.load(WITH_PARQUET_FLOW).orders.filter(pl.col("account") == "C002")
    assert str(2**100) in orders["client_id"].cast(pl.String).to_list()


# --- rulebooks that are their own base ----------------------------------------------------------
def test_a_rulebook_that_is_its_own_base(files, tmp_path):
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "mine.toml"')
    _, msg = files.error(text, mine__toml='name = "mine"\nbase = "./mine.toml"\n')
    assert msg.startswith(f"{tmp_path / 'mine.toml'}:2: key 'base':")
    assert "is its own base" in msg


def test_two_rulebooks_based_on_each_other(files, tmp_path):
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "a.toml"')
    _, msg = files.error(
        text,
        a__toml='name = "a"\nbase = "b.toml"\n',
        b__toml='name = "b"\nbase = "a.toml"\n',
    )
    assert msg.startswith(f"{tmp_path / 'a.toml'}:2: key 'base': {tmp_path / 'b.toml'}:2:")
    assert "is its own base" in msg


def test_a_chain_of_rulebooks_without_a_cycle_loads(tmp_path):
    (tmp_path / "a.toml").write_text('name = "a"\nbase = "b.toml"\nposition_limit = 50\n')
    (tmp_path / "b.toml").write_text('name = "b"\nbase = "seed"\nposition_limit = 70\n')
    assert Rulebook.load(tmp_path / "a.toml").position_limit == 50


# --- TOML nested too deeply, paths too long, values over several lines --------------------------
def test_arrays_nested_too_deeply(files):
    text = BASE + "\n[[events]]\nat = " + "[" * 5000 + "]" * 5000 + "\n"
    path, msg = files.error(text)
    assert msg == f"{path}: arrays or tables nested too deeply to read"


@pytest.mark.parametrize("section", ["flow", "accounts_file"])
def test_a_file_name_longer_than_the_file_system_allows(files, section):
    name = "a" * 300 + ".csv"
    text = BASE + f'\n[{section}]\npath = "{name}"\n'
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, name), f"{section}.path")
    assert f'cannot use "{name}" as a' in msg


def test_a_value_with_a_line_break_is_quoted_on_one_line(files):
    text = edit(BASE, 'id = "C001"', 'id = "C0\\n01"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, 'id = "C0'), "accounts[0].id")
    assert '"C0\\n01" has the wrong form' in msg


def test_a_flow_value_with_a_line_break_is_quoted_on_one_line(files, tmp_path):
    csv = FLOW_CSV.replace("C001,IF1509,buy", 'C001,IF1509,"b\nuy"')
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 4, column 'side': \"b\\nuy\" is not")


def test_scenario_error_lines_never_break():
    err = ScenarioError("a\nb", ["a\nb", "c\r\nd"])
    assert str(err) == "a\\nb"
    assert err.errors == ("a\\nb", "c\\r\\nd")
    assert one_line("x") == "x"
    assert quote('中"\t') == '"中\\"\\t"'


# --- positions of an accounts file --------------------------------------------------------------
def _accounts_with_position(long, price):
    kind = pl.UInt64 if long > 2**63 - 1 else pl.Int64  # long against short: balanced
    pos = pl.List(
        pl.Struct({"symbol": pl.String, "long": kind, "short": kind, "price": pl.Float64})
    )
    return pl.DataFrame(
        {
            "id": ["L1", "L2"],
            "member": ["M01", "M01"],
            "positions": pl.Series(
                [
                    [{"symbol": "IF1509", "long": long, "short": 0, "price": price}],
                    [{"symbol": "IF1509", "long": 0, "short": long, "price": price}],
                ],
                dtype=pos,
            ),
        }
    )


@pytest.mark.parametrize(
    ("long", "price", "problem"),
    [
        (2**64 - 1, 3500.0, "long and short are lots (integers in [0, 1000000000])"),
        (10**9 + 1, 3500.0, "long and short are lots (integers in [0, 1000000000])"),
        (1, float("inf"), "price must be a finite number > 0"),
        (1, float("nan"), "price must be a finite number > 0"),
    ],
)
def test_accounts_file_positions_past_what_the_tables_keep(files, tmp_path, long, price, problem):
    _accounts_with_position(long, price).write_parquet(tmp_path / "accounts.parquet")
    text = BASE + '\n[accounts_file]\npath = "accounts.parquet"\n'
    with pytest.raises(ScenarioError) as info:
        load_scenario(files.write(text))
    msg = str(info.value)
    assert msg.startswith(f"{tmp_path / 'accounts.parquet'}: row 1, column 'positions': item 0:")
    assert problem in msg


def test_starting_positions_past_a_billion_lots(files):
    # 2^63 - 1 lots each side loaded, and the first trade wrapped the long side negative;
    # 10^12 lots at 10^7 ticks overflowed the margin (lots x ticks) instead
    text = edit(BASE, "long = 10, short = 0", f"long = {10**9 + 1}, short = 0")
    text = edit(text, "long = 0, short = 10", f"long = 0, short = {10**9 + 1}")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, str(10**9 + 1)), "accounts[0].positions[0].long")
    assert "is out of range (expected an integer in [0, 1000000000], lots)" in msg


# --- NaN: refused as cash, read as a missing price, never kept --------------------------------
ACCOUNTS_FILE = BASE + '\n[accounts_file]\npath = "accounts.csv"\n'


def test_accounts_csv_cash_nan(files, tmp_path):
    _, msg = files.error(ACCOUNTS_FILE, accounts__csv="id,member,cash\nF1,M01,nan\n")
    assert msg == (
        f"{tmp_path / 'accounts.csv'}: row 1, column 'cash': \"nan\" is not a number "
        "(expected a number, CNY)"
    )


def test_accounts_parquet_cash_nan_is_not_zero(files, tmp_path):
    df = pl.DataFrame({"id": ["F1", "F2"], "member": ["M01"] * 2, "cash": [1.0, float("nan")]})
    df.write_parquet(tmp_path / "accounts.parquet")
    text = edit(ACCOUNTS_FILE, "accounts.csv", "accounts.parquet")
    _, msg = files.error(text)
    assert msg.startswith(f"{tmp_path / 'accounts.parquet'}: row 2, column 'cash': nan is not")


def test_flow_price_nan_is_a_missing_price_as_pandas_writes_it(files, tmp_path):
    # a limit order without a price is an error; a market order's NaN price is no price
    csv = FLOW_CSV.replace("3499.8", "nan")
    _, msg = files.error(WITH_FLOW, flow__csv=csv)
    assert msg.startswith(f"{tmp_path / 'flow.csv'}: row 4, column 'price': missing value")
    df = pl.read_csv(FLOW_CSV.encode(), infer_schema=False).with_columns(
        pl.Series("price", [3500.2, float("nan"), None, 3499.8])
    )
    df.write_parquet(tmp_path / "flow.parquet")
    orders = files.load(WITH_PARQUET_FLOW).orders.filter(pl.col("origin") == "flow.parquet")
    assert orders.sort("origin_row")["price"].to_list() == [3500.2, None, None, 3499.8]


def test_flow_parquet_float_qty_past_64_bits_is_out_of_range(files, tmp_path):
    df = pl.read_csv(FLOW_CSV.encode(), infer_schema=False).with_columns(
        pl.Series("qty", [3.0, 3.0, None, 1e30])
    )
    df.write_parquet(tmp_path / "flow.parquet")
    _, msg = files.error(WITH_PARQUET_FLOW)
    assert msg == f"{tmp_path / 'flow.parquet'}: row 4, column 'qty': 1e+30 is out of range"


def test_accounts_csv_without_ids_and_with_differing_quotas(files, tmp_path):
    # two blank ids fell back to a null investor, whose one-quota check then crashed
    csv = "id,member,hedge_quota\n,M01,1\n,M01,2\n"
    _, msg = files.error(ACCOUNTS_FILE, accounts__csv=csv)
    assert msg == (
        f"{tmp_path / 'accounts.csv'}: row 1, column 'id': missing value "
        "(expected an id without spaces)"
    )


# --- contracts the book and the money columns can hold ---------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            "prev_settlement = 3480.2",
            "prev_settlement = 1e300",
            "contracts[1].prev_settlement",
            "1e+300 is 5e+300 ticks of 0.2 (expected at most 10,000,000 ticks",
        ),
        (
            "tick = 0.2\nmargin_rate",
            "tick = 5e-324\nmargin_rate",
            "contracts[1].prev_settlement",
            "3480.2 is inf ticks of 5e-324",
        ),
        (
            "multiplier = 300\ntick = 0.2\nmargin_rate",
            "multiplier = 5e-324\ntick = 0.2\nmargin_rate",
            "contracts[1].multiplier",
            "makes one tick worth 0.0 CNY",
        ),
        (
            "multiplier = 300\ntick = 0.2\nmargin_rate",
            "multiplier = 1e306\ntick = 0.2\nmargin_rate",
            "contracts[1].multiplier",
            "one lot inf CNY (expected both above 0 and finite)",
        ),
    ],
)
def test_contract_prices_and_values_past_what_the_engine_holds(files, old, new, key, problem):
    text = edit(BASE, old, new)
    path, msg = files.error(text)
    needle = "prev_settlement = " if key.endswith("prev_settlement") else new.split("\n")[0]
    assert_at(msg, path, line_of(text, needle, nth=1 if needle.startswith("prev") else 0), key)
    assert problem in msg


def test_a_price_of_ten_million_ticks_still_loads(files):
    text = edit(BASE, "prev_settlement = 3480.2", "prev_settlement = 2000000.0")
    assert files.load(text).contracts[1].prev_settlement == 2_000_000.0


@pytest.mark.parametrize(
    ("final", "problem"),
    [("5e-324", "5e-324 rounds to no tick of 0.2"), ("1e10", "5e+10 ticks of 0.2")],
)
def test_a_final_settlement_off_the_book(files, final, problem):
    text = edit(BASE, 'last_trading_day = "2015-09-18"', 'last_trading_day = "2015-08-24"')
    text = edit(
        text, "prev_settlement = 3500.0", f"prev_settlement = 3500.0\nfinal_settlement = {final}"
    )
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "final_settlement"), "contracts[0].final_settlement")
    assert problem in msg


# --- rules: the breaker inside the limit, durations within a day --------------------------------
def test_brk_01_breaker_band_wider_than_the_limit_is_refused(files):
    text = edit(BASE, "position_limit = 300", "position_limit = 300\ncircuit_breaker = 1.0")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "circuit_breaker"), "rules.circuit_breaker")
    assert "the breaker band (1) must not be wider than the price limit (0.1)" in msg


def test_brk_01_a_limit_below_the_rulebooks_breaker_is_refused(files):
    text = edit(BASE, "position_limit = 300", "position_limit = 300\nprice_limit = 0.05")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "price_limit = 0.05"), "rules.price_limit")
    assert "the breaker band (0.06) must not be wider than the price limit (0.05)" in msg


def test_brk_01_a_breaker_band_as_wide_as_the_limit_loads(files):
    text = edit(BASE, "position_limit = 300", "circuit_breaker = 0.1\nprice_limit = 0.1")
    assert files.load(text).rulebook.circuit_breaker == 0.1


def test_brk_01_no_breaker_takes_any_limit(files):
    text = edit(BASE, "position_limit = 300", "circuit_breaker = 0\nprice_limit = 0.05")
    assert files.load(text).rulebook.price_limit == 0.05


@pytest.mark.parametrize(
    "key", ["breaker_trigger", "breaker_duration", "breaker_quiet", "settlement_window"]
)
def test_rule_durations_are_at_most_a_day(files, key):
    text = edit(BASE, "position_limit = 300", f"{key} = 86401")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, f"{key} ="), f"rules.{key}")
    assert "86401 is out of range (expected an integer in [" in msg and ", 86400]" in msg


@pytest.mark.parametrize("step", ['"0.5ms"', "1e-300", "86401", "1e308", f'"{"9" * 400}min"'])
def test_agent_step_from_1ms_to_a_day(files, step):
    text = edit(BASE, "seed = 7", f"seed = 7\nagent_step = {step}")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "agent_step"), "scenario.agent_step")
    assert "is out of range (expected a duration" in msg and "from 1ms to 24h" in msg


def test_agent_step_out_of_range_from_python(files):
    from riskcore.agents.runner import AgentPlan

    sc = files.load()
    with pytest.raises(ValueError, match=r"agent_step 1e-09 s is out of range"):
        AgentPlan.of(
            sc, {a.id: i for i, a in enumerate(sc.accounts)}, {"IF1509": 0, "IF1512": 1}, 1e-9
        )


# --- file names with NUL, byte-order marks ------------------------------------------------------
def test_a_nul_in_a_rulebook_base_is_named_and_escaped(files, tmp_path):
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "mine.toml"')
    _, msg = files.error(text, mine__toml='name = "mine"\nbase = "a\\u0000.toml"\n')
    assert msg.startswith(f"{tmp_path / 'mine.toml'}:2: key 'base': {tmp_path / 'a'}\\x00.toml:")
    assert "cannot read the rulebook (embedded null byte)" in msg and "\x00" not in msg


def test_a_scenario_and_a_rulebook_with_a_byte_order_mark_load(files, tmp_path):
    text = edit(BASE, 'rulebook = "seed"', 'rulebook = "mine.toml"')
    (tmp_path / "mine.toml").write_bytes(b"\xef\xbb\xbf" + b'name = "mine"\nbase = "seed"\n')
    path = files.write(text)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_scenario(path).rulebook.name == "mine"


# --- found by review: the same kind, on other paths ----------------------------------------------
def test_a_float_qty_nan_on_a_cancel_row_is_a_missing_qty(files, tmp_path):
    df = pl.read_csv(FLOW_CSV.encode(), infer_schema=False).with_columns(
        pl.Series("qty", [3.0, 3.0, float("nan"), 1.0])
    )
    df.write_parquet(tmp_path / "flow.parquet")
    orders = files.load(WITH_PARQUET_FLOW).orders.filter(pl.col("origin") == "flow.parquet")
    assert orders.sort("origin_row")["qty"].to_list() == [3, 3, None, 1]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (253_402_300_800_000 + 10**9, "+10000-01-12 13:46:40"),
        (-(10**18), "-1000000000000000000 ms"),
    ],
)
def test_a_parquet_time_past_the_years_python_prints(files, tmp_path, raw, shown):
    at = pl.Series([1_440_408_600_000, raw], dtype=pl.Int64).cast(pl.Datetime("ms"))
    _sells(at).write_parquet(tmp_path / "flow.parquet")
    _, msg = files.error(WITH_PARQUET_FLOW)
    assert msg.startswith(f"{tmp_path / 'flow.parquet'}: row 2, column 'at': {shown}")
    assert KEPT in msg


def test_a_toml_datetime_past_2261(files):
    text = edit(BASE, 'at = "2015-08-24 09:30:00.000"', "at = 2300-08-24T09:30:00")
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, "2300-08-24"), "orders[0].at")
    assert KEPT in msg


@pytest.mark.parametrize(("prev", "loads"), [("2000000.0", True), ("2000000.2", False)])
def test_ten_million_ticks_is_the_largest_price(files, prev, loads):
    text = edit(BASE, "prev_settlement = 3480.2", f"prev_settlement = {prev}")
    if loads:
        assert files.load(text).contracts[1].prev_settlement == float(prev)
    else:
        assert "ticks of 0.2 (expected at most 10,000,000 ticks" in files.error(text)[1]


@pytest.mark.parametrize("step", ['"1ms"', '"1440min"', "86400"])
def test_agent_step_bounds_are_inclusive(files, step):
    assert files.load(edit(BASE, "seed = 7", f"seed = 7\nagent_step = {step}")).agent_step


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("cash = 2_000_000", "cash = 1e16", "accounts[0].cash"),
        ("amount = 100_000", "amount = 1e16", "events[0].amount"),
        ("guarantee_fund = 5_000_000", "guarantee_fund = 1e16", "members[0].guarantee_fund"),
    ],
)
def test_money_is_at_most_1e15_cny(files, old, new, key):
    text = edit(BASE, old, new)
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, new), key)
    assert "1e+16 is out of range" in msg and "1e+15" in msg


def test_accounts_file_cash_past_1e15(files, tmp_path):
    _, msg = files.error(ACCOUNTS_FILE, accounts__csv="id,member,cash\nF1,M01,1e16\n")
    assert msg.startswith(f"{tmp_path / 'accounts.csv'}: row 1, column 'cash': \"1e16\" is out")


def test_a_rulebook_name_longer_than_the_file_system_allows(files):
    name = "r" * 300 + ".toml"
    text = edit(BASE, 'rulebook = "seed"', f'rulebook = "{name}"')
    path, msg = files.error(text)
    assert_at(msg, path, line_of(text, name), "scenario.rulebook")
    assert f'cannot use "{name}" as a rulebook file' in msg


def test_a_line_separator_in_a_value_stays_on_one_line(files):
    text = edit(BASE, 'id = "C001"', 'id = "C0\\u202801"')
    _, msg = files.error(text)
    assert len(msg.splitlines()) == 1 and "\\u2028" in msg


SMALL = """\
schema = 1
[scenario]
name = "small"
start = "START"
days = 1
[[contracts]]
symbol = "IF1509"
multiplier = 300
tick = 0.2
prev_settlement = 3500.0
[[members]]
id = "M01"
RULES
"""


def test_run_overrides_keep_the_loader_checks(files):
    from riskcore.sim.overrides import apply_overrides

    late = files.load(SMALL.replace("START", "2261-12-02").replace("RULES", ""))
    with pytest.raises(ScenarioError, match=r"override 'days': 120 trading days .* past the"):
        apply_overrides(late, {"days": 120})
    with pytest.raises(ScenarioError, match=r"override 'days': 10001 is not an integer in"):
        apply_overrides(late, {"days": 10_001})
    rules = "[rules]\nprice_limit = 0.05\ncircuit_breaker = 0\n"
    narrow = files.load(SMALL.replace("START", "2015-08-24").replace("RULES", rules))
    assert apply_overrides(narrow, {"rulebook": "cffex-2010"}).rulebook.price_limit == 0.05
    # the seed rulebook's 6% breaker is no [rules] of the scenario: it comes with the swap
    rules = "[rules]\nprice_limit = 0.05\n"
    text = SMALL.replace("START", "2015-08-24").replace("RULES", rules)
    text = text.replace('name = "small"', 'name = "small"\nrulebook = "cffex-2010"')
    narrow = files.load(text)
    with pytest.raises(ScenarioError, match=r"breaker band \(0.06\) must not be wider"):
        apply_overrides(narrow, {"rulebook": "seed"})
