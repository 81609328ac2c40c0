"""pytest-benchmark case for the daily settlement (``riskcore.risk.settle``).

In the normal test run it executes once on a small book (benchmarking disabled), so it stays
correct; ``pytest benchmarks --benchmark-enable`` times it. The full-size figure (1,000,000
accounts x 16 contracts) comes from ``python benchmarks/bench_settlement.py``.
Rules: SETTLE-02, SETTLE-03, MARGIN-01, MARGIN-06.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench_settlement import settlement_inputs
from riskcore.risk import check_conservation, reserve_update, settle

N_ACCOUNTS = 20_000


@pytest.fixture(scope="module")
def inputs():
    return settlement_inputs(N_ACCOUNTS, 16, seed=2)


@pytest.mark.benchmark(group="settlement")
def test_settlement_20k_accounts_16_contracts(benchmark, inputs):
    res = benchmark(lambda: settle(**inputs))
    assert res.pnl_ticks.shape == (N_ACCOUNTS, 16)
    check_conservation(
        long=inputs["long_prev"], short=inputs["short_prev"], pnl_ticks=res.pnl_ticks
    )
    # SETTLE-02 as written: the engine's close state is yesterday's reserve + margin plus the
    # realised P&L (no fees, deposits or withdrawals here)
    textbook = reserve_update(
        inputs["reserve_close"] - inputs["realised"], inputs["margin_close"], res.margin,
        res.pnl_account, 0.0, 0.0, 0.0,
    )  # fmt: skip
    np.testing.assert_allclose(res.reserve, textbook, rtol=1e-12, atol=1e-6)
    assert np.array_equal(res.margin_call > 0, res.reserve < -0.005)
