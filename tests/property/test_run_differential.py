"""Whole runs on both engines: every shipped scenario, day loop and risk modules included,
gives identical tables with the numba engine and the pure-Python reference engine
(``SimOptions(engine="reference")``).

The message-level differential tests (``test_differential.py``) hold the two engines to one
contract on random flows; these hold them to it inside real runs, where liquidation, agent and
reduction orders, restrictions and deposits come from the day loop between kernel calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import riskcore
from riskcore.sim.loop import SimOptions

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.toml"))
SHORTER = {"august-2015": 6}  # the crash week is enough; the whole run takes ~25 s here


def _both(path: Path, **overrides):
    numba = riskcore.run(path, **overrides)
    reference = riskcore.run(path, options=SimOptions(engine="reference"), **overrides)
    return numba, reference


def _same(left, right, what: str) -> None:
    try:
        assert_frame_equal(left, right)
    except AssertionError as e:
        raise AssertionError(f"{what}: {e}") from None


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_same_tables_on_both_engines(path: Path):
    overrides = {"days": SHORTER[path.stem]} if path.stem in SHORTER else {}
    numba, reference = _both(path, **overrides)
    assert numba.tables.keys() == reference.tables.keys()
    for name, table in numba.tables.items():
        _same(table, reference.tables[name], f"{path.stem}: {name}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 99])
def test_agent_flow_other_seeds_same_tables_on_both_engines(seed: int):
    """Agents (docs/agents.md) react to the engine's state every step, so a single divergence
    would change the whole flow after it; other seeds give other flows."""
    path = next(p for p in SCENARIOS if p.stem == "crash-cascade")
    numba, reference = _both(path, seed=seed, days=2)
    assert numba.tables["orders"].height > 10_000
    for name, table in numba.tables.items():
        _same(table, reference.tables[name], f"seed {seed}: {name}")


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(ValueError, match=r"SimOptions\.engine: 'fast' is not one of"):
        SimOptions(engine="fast")
