"""The TOML line locator maps key paths to the lines they are written on."""

from __future__ import annotations

import tomllib

from riskcore.scenario.locate import Locator, index_lines

DOC = '''\
schema = 1   # [not a table]
[scenario]
name = "a [b] # c"
text = """
[[not-a-header]]
x = 1
"""
[[accounts]]
id = 'C001'
positions = [
  { symbol = "IF1509", long = 10 },  # first
  { symbol = "IF1512", short = 3 },
]
[[accounts]]
id = "C002"
"quoted key" = 1
nested.inner = [[1, 2], [3,
  4]]
[[accounts.notes]]
text = "n0"
[[accounts.notes]]
text = "n1"
[rules]
position_limit = 600
'''


def test_document_is_valid_toml():
    tomllib.loads(DOC)


def test_index_lines():
    lines = index_lines(DOC)
    assert lines[("schema",)] == 1
    assert lines[("scenario", "name")] == 3
    assert lines[("scenario", "text")] == 4
    assert ("not-a-header",) not in lines and ("scenario", "x") not in lines
    assert lines[("accounts", 0)] == 8
    assert lines[("accounts", 0, "positions", 0, "long")] == 11
    assert lines[("accounts", 0, "positions", 1)] == 12
    assert lines[("accounts", 0, "positions", 1, "short")] == 12
    assert lines[("accounts", 1, "id")] == 15
    assert lines[("accounts", 1, "quoted key")] == 16
    assert lines[("accounts", 1, "nested", "inner", 1, 0)] == 17
    assert lines[("accounts", 1, "nested", "inner", 1, 1)] == 18
    assert lines[("accounts", 1, "notes", 0, "text")] == 20
    assert lines[("accounts", 1, "notes", 1, "text")] == 22
    assert lines[("rules", "position_limit")] == 24


def test_locator_falls_back_to_nearest_ancestor():
    loc = Locator("f.toml", DOC)
    assert loc.where(("accounts", 1, "cash")) == "f.toml:14"  # missing key: its table's line
    assert loc.where(("missing",)) == "f.toml:1"
    assert loc.message(("accounts", 0, "positions", 1, "short"), "bad") == (
        "f.toml:12: key 'accounts[0].positions[1].short': bad"
    )


def test_locator_without_text_names_only_the_source():
    assert Locator("notebook").message(("x",), "bad") == "notebook: key 'x': bad"
