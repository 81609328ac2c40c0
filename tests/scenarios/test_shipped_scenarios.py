"""Every shipped scenario (``scenarios/*.toml``) loads, runs, and its ``[[expect]]`` blocks hold.

The same check as ``riskcore replay FILE --check``; new scenarios are picked up by the glob.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from riskcore.expect import check_expectations
from riskcore.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.toml"))


def test_there_are_shipped_scenarios():
    assert SCENARIOS, "no scenarios/*.toml found"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_expectations_hold(path: Path):
    from riskcore.sim import run

    scenario = load_scenario(path)
    assert scenario.title and scenario.description, "a shipped scenario has a title and a story"
    assert scenario.expect, "a shipped scenario checks something ([[expect]] blocks)"
    result = run(scenario)
    results = check_expectations(scenario.expect, result.tables)
    failures = [r.message for r in results if not r.ok]
    assert not failures, "\n".join(failures)
