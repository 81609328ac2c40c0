"""Continuation from a saved state over random multi-day runs (riskcore.sim.state).

Hypothesis draws a seed; the seed makes the random scenario of the SETTLE-03 property test
(``test_conservation.random_scenario``: two contracts, one may expire with a final settlement,
six accounts at two members, random limit / market / FAK orders over three to five days,
deposits, withdrawals, margin-rate events, both margin methods, with or without fees). The run
continued from every saved day but the last writes the same Parquet bytes as the uninterrupted
run.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import riskcore.sim as sim

_spec = importlib.util.spec_from_file_location(
    "conservation_scenarios", Path(__file__).with_name("test_conservation.py")
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
random_scenario = _mod.random_scenario


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


@settings(max_examples=6, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1))
def test_continued_random_run_is_byte_identical_from_every_day(seed):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = random_scenario(tmp, seed)
        plain, source = tmp / "plain", tmp / "source"
        sim.run(path).save(plain)
        sim.run(path, save_state=source).save(source)
        want = _bytes(plain)
        assert _bytes(source) == want
        days = sorted(p.name for p in (source / "state").iterdir())
        assert len(days) >= 3
        for day in days[:-1]:
            out = tmp / day
            sim.run(path, start_from=source / "state" / day).save(out)
            got = _bytes(out)
            assert sorted(got) == sorted(want), day
            assert [n for n in want if got[n] != want[n]] == [], day
