"""Grid parsing, seeds and run ids of ``riskcore sweep`` (no simulation)."""

from __future__ import annotations

import pytest

from riskcore.cli import UsageError
from riskcore.sweep.grid import (
    grid_from,
    parse_grid,
    parse_seeds,
    plan_runs,
    run_id,
    split_values,
)


def test_split_values_respects_brackets_and_quotes():
    assert split_values("0.1, 0.12,0.15") == ["0.1", "0.12", "0.15"]
    assert split_values('["09:10","09:15"],false') == ['["09:10","09:15"]', "false"]
    assert split_values("\"a,b\",'c,d',{ x = 1, y = 2 }") == [
        '"a,b"',
        "'c,d'",
        "{ x = 1, y = 2 }",
    ]
    assert split_values(r'"say \"hi\", ok",x') == [r'"say \"hi\", ok"', "x"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1,2", "unclosed bracket"),
        ('"abc,1', 'unclosed " quote'),
        ("1]", "unbalanced"),
        ("0.1,,0.2", "empty value"),
        ("0.1,", "empty value"),
    ],
)
def test_split_values_errors(text, message):
    with pytest.raises(UsageError, match=message):
        split_values(text)


def test_parse_grid_uses_set_syntax():
    axis = parse_grid("rules.margin_rate=0.10,0.12,0.15")
    assert axis.key == "rules.margin_rate"
    assert axis.path == ("rules", "margin_rate")
    assert axis.values == (0.10, 0.12, 0.15)
    assert axis.texts == ("0.10", "0.12", "0.15")
    axis = parse_grid("contracts.0.margin_rate=0.1,1")
    assert axis.path == ("contracts", 0, "margin_rate") and axis.values == (0.1, 1)
    axis = parse_grid("scenario.rulebook=seed,cffex-2015")  # bare words are strings
    assert axis.values == ("seed", "cffex-2015")
    axis = parse_grid('calendar.auction=["09:10","09:15"],false')
    assert axis.values == (["09:10", "09:15"], False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules.margin_rate", "expected KEY=V1,V2"),
        ("=1,2", "expected KEY=V1,V2"),
        ("rules.margin_rate=", "expected KEY=V1,V2"),
        ("rules..x=1", "--grid 'rules..x=1': empty part"),
        ("rules.x=[1,", "unclosed bracket"),
        ("rules.x=1,2,1", "the value 1 is given twice"),
        ("scenario.seed=1,2", "use --seeds"),
        ("rules.x=a]b", "unbalanced"),
    ],
)
def test_parse_grid_errors(text, message):
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse_grid(text)


def test_grid_from_mapping_and_repeated_key():
    axes = grid_from({"rules.position_limit": [300, 600], "scenario.days": (1, 2)})
    assert [a.key for a in axes] == ["rules.position_limit", "scenario.days"]
    assert axes[0].texts == ("300", "600")
    with pytest.raises(UsageError, match="given twice"):
        grid_from(["rules.x=1,2", "rules.x=3"])
    with pytest.raises(UsageError, match="expected a list"):
        grid_from({"rules.x": 5})


def test_parse_seeds():
    assert parse_seeds(None) is None
    assert parse_seeds("3") == (0, 1, 2)
    assert parse_seeds(2) == (0, 1)
    assert parse_seeds("3,7,11") == (3, 7, 11)
    assert parse_seeds("7,") == (7,)
    assert parse_seeds([5, 1]) == (5, 1)
    for bad, msg in [("0", "1 or more"), ("x", "expected N"), ("1,1", "twice"), ("1,-2", "0 or")]:
        with pytest.raises(UsageError, match=msg):
            parse_seeds(bad)


def test_plan_runs_order_and_stable_ids():
    axes = grid_from(["rules.a=1,2", "rules.b=x,y"])
    runs = plan_runs(axes, (0, 1), [], "digest")
    assert [(r.values, r.seed) for r in runs[:3]] == [((1, "x"), 0), ((1, "x"), 1), ((1, "y"), 0)]
    assert len(runs) == 8 and len({r.run_id for r in runs}) == 8
    assert [r.index for r in runs] == list(range(8))
    # the same run from another grid order, or another command, has the same id
    again = plan_runs(grid_from(["rules.b=y", "rules.a=2"]), (1,), [], "digest")
    assert again[0].run_id == runs[-1].run_id
    # scenario bytes, seed, value type and fixed overrides all change the id
    sets = ((("rules", "a"), 1),)
    base = run_id("d", sets, 0)
    assert run_id("d", sets, 0) == base
    assert run_id("e", sets, 0) != base
    assert run_id("d", sets, 1) != base
    assert run_id("d", ((("rules", "a"), 1.0),), 0) != base
    assert run_id("d", ((("rules", "c"), 2), *sets), 0) != base


def test_grid_columns_keep_types_or_fall_back_to_text():
    from riskcore.sweep.core import _grid_column

    axis = parse_grid("rules.a=0.1,1")
    assert _grid_column(axis, list(axis.values)).to_list() == [0.1, 1.0]
    axis = parse_grid('calendar.auction=["09:10","09:15"],false')
    col = _grid_column(axis, [axis.values[1], axis.values[0]])
    assert col.to_list() == ["false", '["09:10","09:15"]']


def test_scenario_digest_covers_the_files_it_names(tmp_path):
    import tomllib

    from riskcore.sweep.core import scenario_digest

    text = '[scenario]\nname = "x"\nrulebook = "book.toml"\n[flow]\npath = "flow.csv"\n'
    path = tmp_path / "x.toml"
    (tmp_path / "flow.csv").write_text("a\n1\n")
    (tmp_path / "book.toml").write_text("a = 1\n")
    first = scenario_digest(path, text, tomllib.loads(text))
    assert scenario_digest(path, text, tomllib.loads(text)) == first
    (tmp_path / "flow.csv").write_text("a\n2\n")
    second = scenario_digest(path, text, tomllib.loads(text))
    assert second != first
    (tmp_path / "book.toml").write_text("a = 2\n")
    assert scenario_digest(path, text, tomllib.loads(text)) not in (first, second)
    assert scenario_digest(path, text + "\n", tomllib.loads(text)) != first
