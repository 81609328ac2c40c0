"""``[accounts_file]``: accounts from a Parquet or CSV file, with the ``[[accounts]]`` checks."""

from __future__ import annotations

import polars as pl
import pytest

from riskcore.scenario import load_scenario
from riskcore.scenario.errors import ScenarioError

HEAD = """\
schema = 1

[scenario]
name = "accounts-file"
start = "2015-08-24"
days = 1
seed = 1
rulebook = "seed"

[[contracts]]
symbol = "IF1509"
multiplier = 300
tick = 0.2
prev_settlement = 3500.0

[[members]]
id = "M01"

[[members]]
id = "M02"

[[accounts]]
id = "C001"
member = "M01"
cash = 1_000_000
"""


def scenario(tmp_path, accounts: str | pl.DataFrame, name: str = "accounts.csv") -> object:
    path = tmp_path / name
    if isinstance(accounts, pl.DataFrame):
        accounts.write_parquet(path)
    else:
        path.write_text(accounts, encoding="utf-8")
    toml = tmp_path / "scenario.toml"
    toml.write_text(HEAD + f'\n[accounts_file]\npath = "{name}"\n', encoding="utf-8")
    return toml


def error(tmp_path, accounts, name: str = "accounts.csv") -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario(tmp_path, accounts, name))
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def test_csv_accounts_follow_the_blocks_with_defaults(tmp_path):
    csv = (
        "id,member,investor,cash,hedge_quota,proprietary\n"
        "C002,M01,INV-A,2000000,10,false\n"
        "C003,M02,,0,,true\n"
    )
    sc = load_scenario(scenario(tmp_path, csv))
    ids = [a.id for a in sc.accounts]
    assert ids == ["C001", "C002", "C003"]
    c2, c3 = sc.accounts[1], sc.accounts[2]
    assert (c2.member, c2.investor, c2.name, c2.cash, c2.hedge_quota) == (
        "M01",
        "INV-A",
        "C002",
        2_000_000.0,
        10,
    )
    assert c2.proprietary is False and c2.files_reports is True
    assert (c3.investor, c3.cash, c3.hedge_quota, c3.proprietary) == ("C003", 0.0, 0, True)


def test_parquet_accounts_with_positions(tmp_path):
    pos = pl.List(
        pl.Struct({"symbol": pl.String, "long": pl.Int64, "short": pl.Int64, "price": pl.Float64})
    )
    df = pl.DataFrame(
        {
            "id": ["L1", "S1"],
            "member": ["M01", "M02"],
            "cash": [1e7, 1e7],
            "positions": pl.Series(
                [
                    [{"symbol": "IF1509", "long": 4, "short": 0, "price": 3480.0}],
                    [{"symbol": "IF1509", "long": 0, "short": 4, "price": 3490.0}],
                ],
                dtype=pos,
            ),
        }
    )
    sc = load_scenario(scenario(tmp_path, df, "accounts.parquet"))
    held = {a.id: a.positions for a in sc.accounts}
    assert held["L1"][0].long == 4 and held["S1"][0].short == 4 and held["C001"] == ()


def test_unknown_member_names_row_and_column(tmp_path):
    msg = error(tmp_path, "id,member\nC002,M01\nC003,M09\n")
    assert "accounts.csv: row 2, column 'member': unknown member \"M09\"" in msg


def test_duplicate_id_in_file_and_against_blocks(tmp_path):
    msg = error(tmp_path, "id,member\nC002,M01\nC002,M02\n")
    assert "row 2, column 'id': duplicate account \"C002\" (first at row 1)" in msg
    msg = error(tmp_path, "id,member\nC001,M01\n")
    assert "row 1, column 'id'" in msg and "already an [[accounts]] block" in msg


def test_bad_values(tmp_path):
    assert "row 1, column 'cash'" in error(tmp_path, "id,member,cash\nC002,M01,lots\n")
    assert "is negative" in error(tmp_path, "id,member,cash\nC002,M01,-5\n")
    msg = error(tmp_path, "id,member,hedge_quota\nC002,M01,1.5\n")
    assert "column 'hedge_quota'" in msg and "not an integer" in msg
    msg = error(tmp_path, "id,member,proprietary\nC002,M01,maybe\n")
    assert "column 'proprietary'" in msg and "true or false" in msg
    assert "has spaces" in error(tmp_path, "id,member\nC 2,M01\n")


def test_missing_and_unknown_columns(tmp_path):
    msg = error(tmp_path, "id,cash\nC002,5\n")
    assert "column 'member': missing" in msg
    msg = error(tmp_path, "id,member,csh\nC002,M01,5\n")
    assert "column 'csh': unknown column (did you mean 'cash'?)" in msg


def test_one_hedge_quota_per_investor(tmp_path):
    msg = error(tmp_path, "id,member,investor,hedge_quota\nA,M01,I,5\nB,M02,I,7\n")
    assert "row 2, column 'hedge_quota'" in msg and "POS-03" in msg


def test_bad_positions_in_parquet(tmp_path):
    pos = pl.List(
        pl.Struct({"symbol": pl.String, "long": pl.Int64, "short": pl.Int64, "price": pl.Float64})
    )
    df = pl.DataFrame(
        {
            "id": ["L1"],
            "member": ["M01"],
            "positions": pl.Series(
                [[{"symbol": "IF9999", "long": 1, "short": 0, "price": 3480.0}]], dtype=pos
            ),
        }
    )
    msg = error(tmp_path, df, "accounts.parquet")
    assert "row 1, column 'positions': unknown contract \"IF9999\"" in msg


def test_file_not_found_and_wrong_suffix(tmp_path):
    toml = tmp_path / "scenario.toml"
    toml.write_text(HEAD + '\n[accounts_file]\npath = "nope.parquet"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="accounts file not found"):
        load_scenario(toml)
    toml.write_text(HEAD + '\n[accounts_file]\npath = "accounts.txt"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"neither \.csv nor \.parquet"):
        load_scenario(toml)
    toml.write_text(HEAD + '\n[accounts_file]\npath = "a.csv"\nextra = 1\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="extra"):
        load_scenario(toml)


def test_unreadable_file(tmp_path):
    msg = error(tmp_path, "not parquet", "accounts.parquet")
    assert "cannot read the accounts file" in msg
