"""The day's bulk draws (``riskcore.agents.draws``) and the batched underlying level."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from riskcore.agents import draws
from riskcore.agents.params import PARAMS
from riskcore.agents.underlying import underlying_path
from riskcore.scenario import Underlying


def params(kind: str, **kw) -> dict:
    p = {q.name: q.default for q in PARAMS[kind]}
    p.update(kw)
    return p


def test_arrivals_are_the_documented_uniforms_in_step_then_agent_order():
    p = params("noise", rate=0.3, cross=2, max_offset=5, max_qty=3)
    d = draws.draw("noise", p, 7, np.random.default_rng(5), 40, 1.0)
    rng = np.random.default_rng(5)
    go = rng.random((40, 7)) < 1.0 - np.exp(-0.3)
    _, agent = np.nonzero(go)
    assert d.agent.tolist() == agent.tolist()
    assert np.diff(d.ptr).tolist() == go.sum(axis=1).tolist()
    m = len(agent)
    assert d.buy.tolist() == (rng.random(m) < 0.5).astype(int).tolist()
    assert d.k.tolist() == rng.integers(-2, 6, size=m).tolist()
    assert d.qty.tolist() == rng.integers(1, 4, size=m).tolist()


def test_blocks_of_rows_read_the_same_numbers(monkeypatch):
    p = params("momentum", rate=0.2)
    whole = draws.draw("momentum", p, 9, np.random.default_rng(3), 100, 1.0)
    monkeypatch.setattr(draws, "_BLOCK", 20)  # two rows per block
    parts = draws.draw("momentum", p, 9, np.random.default_rng(3), 100, 1.0)
    assert whole.ptr.tolist() == parts.ptr.tolist()
    assert whole.agent.tolist() == parts.agent.tolist()


def test_market_makers_draw_nothing_and_param_rows():
    rng = np.random.default_rng(1)
    before = rng.bit_generator.state
    d = draws.draw("market_maker", params("market_maker"), 4, rng, 10, 1.0)
    assert rng.bit_generator.state == before and d.ptr.tolist() == [0] * 11
    row = draws.param_row("speculator", params("speculator", direction="short", target=7))
    assert row[:2].tolist() == [0.0, 7.0] and len(row) == draws.N_PARAMS


def test_levels_match_level():
    days = (dt.date(2015, 8, 24),)
    u = Underlying(start=3500.0, daily_vol=0.02, jumps=((days[0], -0.05),))
    p = underlying_path(u, days, 2)
    s = np.array([[0, 100], [200, 300]])
    t = np.array([0, 50, 99, 150, 250, 299])
    got = p.levels(days[0], t, s)
    assert got.tolist() == pytest.approx([p.level(days[0], int(x), s) for x in t], rel=1e-15)
