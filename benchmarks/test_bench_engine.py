"""pytest-benchmark cases for the matching engines.

Run timed with ``pytest benchmarks --benchmark-enable``; in the normal test run they execute
once (benchmarking disabled) so they stay correct. ``benchmarks/throughput.py`` prints the
msgs/s figures and the numba/reference ratio.
"""

from __future__ import annotations

import pytest

from riskcore.engine import Engine
from riskcore.flows import risk_flow, standard_flow
from riskcore.reference import ReferenceEngine

N_NUMBA = 200_000
N_REFERENCE = 20_000


@pytest.fixture(scope="module")
def standard():
    return standard_flow(N_NUMBA, seed=1)


@pytest.fixture(scope="module")
def risk():
    return risk_flow(N_NUMBA, seed=1)


def _submit(engine_cls, market, msgs, **kw):
    def run():
        engine = engine_cls(market, **kw)
        engine.submit(msgs)
        return engine

    return run


@pytest.mark.benchmark(group="standard")
def test_numba_standard(benchmark, standard):
    market, msgs = standard
    Engine(market).submit(msgs[:100])  # compile / load the cache outside the timing
    engine = benchmark(_submit(Engine, market, msgs))
    assert engine.n_live > 0


@pytest.mark.benchmark(group="standard")
def test_numba_standard_no_events(benchmark, standard):
    market, msgs = standard
    engine = benchmark(_submit(Engine, market, msgs, record_events=False))
    assert engine.n_live > 0


@pytest.mark.benchmark(group="standard")
def test_reference_standard(benchmark, standard):
    market, msgs = standard
    engine = benchmark.pedantic(
        _submit(ReferenceEngine, market, msgs[:N_REFERENCE]), rounds=1, iterations=1
    )
    assert engine.book()


@pytest.mark.benchmark(group="risk")
def test_numba_risk(benchmark, risk):
    market, msgs = risk
    engine = benchmark(_submit(Engine, market, msgs))
    assert engine.n_live > 0


@pytest.mark.benchmark(group="risk")
def test_reference_risk(benchmark, risk):
    market, msgs = risk
    engine = benchmark.pedantic(
        _submit(ReferenceEngine, market, msgs[:N_REFERENCE]), rounds=1, iterations=1
    )
    assert engine.book()
