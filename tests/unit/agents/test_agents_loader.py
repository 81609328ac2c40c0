"""``[[agents]]``, ``[underlying]`` and ``agent_step``: loading and one-line errors with lines."""

from __future__ import annotations

import re

import pytest

from riskcore.scenario import ScenarioError, load_scenario
from sim_helpers import write_scenario

NOISE = '[[agents]]\nkind = "noise"\ncount = 3\nmember = "M01"\n'
WALK = "[underlying]\nrandom_walk = { start = 3500.0, daily_vol = 0.01 }\n"


def load(tmp_path, extra: str, **kw):
    return load_scenario(write_scenario(tmp_path, extra=extra, **kw))


def error(tmp_path, extra: str, **kw) -> tuple[str, str]:
    """(first error line, the file's text)."""
    path = write_scenario(tmp_path, extra=extra, **kw)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    return str(e.value).splitlines()[0], path.read_text()


def line_of(text: str, needle: str) -> int:
    """Line of the last occurrence of ``needle`` (the agents' blocks come last)."""
    return [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln][-1]


def assert_at(msg: str, text: str, needle: str, key: str) -> None:
    m = re.match(r".*s\.toml:(\d+): key '([^']*)'", msg)
    assert m, msg
    assert int(m[1]) == line_of(text, needle), msg
    assert m[2] == key, msg


def test_groups_become_accounts_with_defaults(tmp_path):
    sc = load(
        tmp_path, NOISE + '[[agents]]\nkind = "market_maker"\nmember = "M02"\nprefix = "mm"\n'
    )
    noise, mm = sc.agents
    assert noise.accounts == ("noise-001", "noise-002", "noise-003")
    assert mm.accounts == ("mm-001",)
    assert noise.params == {
        "rate": 0.02, "max_qty": 1, "max_offset": 10, "cross": 2, "cancel_after": 60.0,
        "max_position": 20,
    }  # fmt: skip
    assert noise.on_margin_call == "top_up" and noise.cash == 1_000_000.0
    assert noise.symbol == "IF1509"
    ids = [a.id for a in sc.accounts]
    assert ids[-4:] == ["noise-001", "noise-002", "noise-003", "mm-001"]
    acc = sc.account("mm-001")
    assert (acc.member, acc.investor, acc.cash) == ("M02", "mm-001", 1_000_000.0)
    assert sc.underlying is None and sc.agent_step is None


def test_agent_positions_count_in_the_balance(tmp_path):
    extra = NOISE + 'positions = [{ symbol = "IF1509", long = 1, short = 0, price = 3500.0 }]\n'
    msg, text = error(tmp_path, extra)
    assert "do not balance: total long 5 lots, total short 2 lots" in msg
    assert_at(msg, text, "positions = [{", "agents[0].positions[0]")


def test_underlying_and_step_load(tmp_path):
    extra = (
        '[underlying]\nsource = "CSI 300 closes"\n'
        'points = [["2015-08-20", 3700.0], ["2015-08-21", 3500.0], ["2015-08-24", 3200.0]]\n'
    )
    sc = load(tmp_path, extra + NOISE, name="x")
    assert sc.underlying.points[0][1] == 3700.0 and sc.underlying.source == "CSI 300 closes"
    path = write_scenario(tmp_path, extra=WALK)
    text = path.read_text().replace("seed = 7\n", 'seed = 7\nagent_step = "500ms"\n')
    path.write_text(text)
    sc = load_scenario(path)
    assert sc.agent_step == 0.5 and sc.underlying.start == 3500.0


@pytest.mark.parametrize(
    ("extra", "needle", "key", "words"),
    [
        (NOISE + "rat = 5\n", "rat = 5", "agents[0].rat", "did you mean 'rate'?"),
        (NOISE + 'rate = "fast"\n', 'rate = "fast"', "agents[0].rate", "not a number"),
        (NOISE + "rate = -1\n", "rate = -1", "agents[0].rate", "out of range"),
        (NOISE + "max_qty = 1.5\n", "max_qty = 1.5", "agents[0].max_qty", "not an integer"),
        ('[[agents]]\nkind = "noisy"\nmember = "M01"\n', 'kind = "noisy"', "agents[0].kind",
         "did you mean 'noise'?"),
        ('[[agents]]\nkind = "noise"\nmember = "M09"\n', 'member = "M09"', "agents[0].member",
         'unknown member "M09"'),
        ('[[agents]]\nkind = "noise"\n', "[[agents]]", "agents[0].member", "missing"),
        (NOISE + 'symbol = "IF1510"\n', 'symbol = "IF1510"', "agents[0].symbol",
         'unknown contract "IF1510"'),
        (NOISE + 'on_margin_call = "pay"\n', 'on_margin_call = "pay"',
         "agents[0].on_margin_call", "top_up | ignore"),
        ('[[agents]]\nkind = "noise"\nmember = "M01"\ncount = 0\n', "count = 0",
         "agents[0].count", "out of range"),
        (NOISE + "spread = 2\n", "spread = 2", "agents[0].spread", "unknown key"),
        ('[[agents]]\nkind = "noise"\nmember = "M01"\nprefix = "Bad Prefix"\n',
         'prefix = "Bad Prefix"', "agents[0].prefix", "wrong form"),
        ('[[agents]]\nkind = "speculator"\nmember = "M01"\ndirection = "up"\n',
         'direction = "up"', "agents[0].direction", "long | short"),
    ],
)  # fmt: skip
def test_bad_agent_blocks(tmp_path, extra, needle, key, words):
    msg, text = error(tmp_path, extra)
    assert_at(msg, text, needle, key)
    assert words in msg


def test_account_id_clash(tmp_path):
    extra = NOISE + '[[agents]]\nkind = "noise"\nmember = "M02"\n'
    msg, text = error(tmp_path, extra)
    assert 'account id "noise-001" is already used' in msg
    assert_at(msg, text, 'kind = "noise"', "agents[1].kind")


def test_fundamental_needs_the_underlying(tmp_path):
    msg, text = error(tmp_path, '[[agents]]\nkind = "fundamental"\nmember = "M01"\n')
    assert_at(msg, text, 'kind = "fundamental"', "agents[0].kind")
    assert "[underlying]" in msg


@pytest.mark.parametrize(
    ("extra", "needle", "key", "words"),
    [
        ("[underlying]\nsource = \"x\"\n", "[underlying]", "underlying", "exactly one of"),
        ('[underlying]\npoints = [["2015-08-21", -3.0]]\n', "points", "underlying.points[0][1]",
         "out of range"),
        ('[underlying]\npoints = [["2015-02-30", 3.0]]\n', "points", "underlying.points[0][0]",
         "not a real date"),
        ('[underlying]\npoints = [["2015-08-24", 3.0], ["2015-08-21", 3.0]]\n', "points",
         "underlying.points", "increasing"),
        ('[underlying]\nrandom_walk = { daily_vol = 0.01 }\n', "random_walk",
         "underlying.random_walk", "missing key 'start'"),
        ('[underlying]\nrandom_walk = { start = 3500.0, vol = 0.01 }\n', "random_walk",
         "underlying.random_walk.vol", "unknown key 'vol'"),
        ('[underlying]\nrandom_walk = { start = 3500.0, jumps = [["2015-08-22", -0.1]] }\n',
         "random_walk", "underlying.random_walk.jumps[0]", "not one of the run's trading days"),
        ("[underlying]\nwalk = 1\n", "walk = 1", "underlying.walk", "unknown key"),
    ],
)  # fmt: skip
def test_bad_underlying(tmp_path, extra, needle, key, words):
    msg, text = error(tmp_path, extra)
    assert_at(msg, text, needle, key)
    assert words in msg


@pytest.mark.parametrize("step", ['"1 hour"', "0", '"0s"', "true"])
def test_bad_agent_step(tmp_path, step):
    path = write_scenario(tmp_path)
    text = path.read_text().replace("seed = 7\n", f"seed = 7\nagent_step = {step}\n")
    path.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    msg = str(e.value)
    assert f":{line_of(text, 'agent_step')}: key 'scenario.agent_step'" in msg
    assert "duration" in msg or "> 0" in msg


def test_a_jump_after_the_runs_last_day_is_allowed(tmp_path):
    """A run cut short (``days``, ``--set scenario.days=1``) keeps its later jumps, which
    then have no effect; a jump before the end on a day without trading is an error."""
    walk = '[underlying]\nrandom_walk = { start = 3500.0, jumps = [["2015-09-01", -0.1]] }\n'
    sc = load(tmp_path, walk)  # runs 2015-08-21 and 2015-08-24
    assert sc.underlying.jumps[0][1] == -0.1
    msg, _ = error(tmp_path, walk.replace("2015-09-01", "2015-08-23"))  # a Sunday in the run
    assert "underlying.random_walk.jumps[0]" in msg and "not one of the run's trading days" in msg
