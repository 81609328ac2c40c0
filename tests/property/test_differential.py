"""Differential tests: the numba engine against the pure-Python reference engine.

Seeded random flows (all order types, opens and closes, cancels, bad messages, both
self-trade policies, both margin methods, auction then continuous trading, band changes,
the close) must give identical events, fills, order states, books, positions, money and
self-trade counters, with every invariant holding after every step.
Rules: MATCH-01..07, LIMIT-03, MARGIN-01..03, POS-01..04, UNIT-01/02, SETTLE-03 (long = short).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskcore.engine import Engine
from riskcore.flows import DAY_START, random_flow, random_market
from riskcore.market import limit_band
from riskcore.records import PHASE_AUCTION, PHASE_CLOSED, PHASE_CONTINUOUS
from riskcore.reference import ReferenceEngine


def assert_same(a, b, where: str) -> None:
    """Both engines are in exactly the same state (money compared bit for bit)."""
    assert a.book() == b.book(), f"{where}: books differ"
    pa, pb = a.positions(), b.positions()
    for f in pa.dtype.names:
        assert np.array_equal(pa[f], pb[f]), f"{where}: positions.{f} differ"
    aa, ab = a.account_state(), b.account_state()
    for f in aa.dtype.names:
        assert np.array_equal(aa[f], ab[f]), f"{where}: accounts.{f} differ: {aa[f]} {ab[f]}"
    assert np.array_equal(a.self_trades(), b.self_trades()), f"{where}: self-trade counters"
    a.check()
    b.check()


def assert_same_batch(x, y, where: str) -> None:
    for name in ("events", "fills"):
        ex, ey = getattr(x, name), getattr(y, name)
        assert len(ex) == len(ey), f"{where}: {len(ex)} vs {len(ey)} {name}"
        for f in ex.dtype.names:
            bad = np.flatnonzero(ex[f] != ey[f])
            assert not len(bad), (
                f"{where}: {name}.{f} differ first at {bad[0]}: {ex[bad[0]]} vs {ey[bad[0]]}"
            )


def run_both(
    seed: int,
    n_msgs: int,
    n_contracts: int,
    n_accounts: int,
    chunk: int,
    with_auction: bool,
    check_every_chunk: bool = True,
) -> tuple[Engine, ReferenceEngine]:
    """A trading day through both engines: auction, continuous in chunks with a band change
    half way (breaker band widening to the limit band), a closed-market batch, the close."""
    rng = np.random.default_rng(seed)
    market = random_market(rng, n_contracts, n_accounts)
    nb, ref = Engine(market), ReferenceEngine(market)
    assert_same(nb, ref, "start")
    order_no = 0

    def step(msgs, phase, where):
        x, y = nb.submit(msgs, phase), ref.submit(msgs, phase)
        assert_same_batch(x, y, where)
        if check_every_chunk:
            assert_same(nb, ref, where)

    if with_auction:
        msgs = random_flow(rng, market, max(1, n_msgs // 5), order_no, DAY_START)
        order_no += len(msgs)
        step(msgs, PHASE_AUCTION, "auction orders")
        x, y = nb.run_auction(DAY_START + 10**9), ref.run_auction(DAY_START + 10**9)
        assert_same_batch(x, y, "auction")
        assert_same(nb, ref, "auction")
    msgs = random_flow(rng, market, n_msgs, order_no, DAY_START + 2 * 10**9)
    order_no += len(msgs)
    for k, lo in enumerate(range(0, len(msgs), chunk)):
        if k == 3:
            for c in range(n_contracts):
                band = limit_band(int(market.contracts["prev_settle"][c]), 0.10)
                nb.set_band(c, *band)
                ref.set_band(c, *band)
        step(msgs[lo : lo + chunk], PHASE_CONTINUOUS, f"chunk {k}")
    closed = random_flow(rng, market, 5, order_no, DAY_START + 10**12)
    step(closed, PHASE_CLOSED, "closed")
    x, y = nb.expire(DAY_START + 2 * 10**12), ref.expire(DAY_START + 2 * 10**12)
    assert_same_batch(x, y, "expire")
    assert_same(nb, ref, "expire")
    assert nb.book() == []
    nos = np.arange(order_no + 5)
    for u, v in zip(nb.order_status(nos), ref.order_status(nos), strict=True):
        assert np.array_equal(u, v), "order states differ"
    return nb, ref


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_msgs=st.integers(1, 300),
    n_contracts=st.integers(1, 3),
    n_accounts=st.integers(2, 9),
    chunk=st.integers(1, 60),
    with_auction=st.booleans(),
)
def test_engines_agree_on_random_flows(seed, n_msgs, n_contracts, n_accounts, chunk, with_auction):
    """Rules: MATCH-01..07, MARGIN-01..03, POS-01..04, LIMIT-03 — hypothesis-drawn flows."""
    run_both(seed, n_msgs, n_contracts, n_accounts, chunk, with_auction)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_stress_every_message_checked(seed):
    """A long seeded run, one message per batch: both engines identical and every invariant
    (no crossed book, level totals, reachability, long = short, frozen = resting opens)
    holding after every single message."""
    run_both(seed, 3000, 2, 12, chunk=1, with_auction=True)


@pytest.mark.slow
def test_stress_large_book():
    """A larger run (many accounts, thousands of resting orders) compared chunk by chunk."""
    run_both(99, 60_000, 3, 200, chunk=2000, with_auction=True)
