"""Seeded synthetic order flows: the benchmark flows and the random flows of the tests.

Every generator takes a seed (or a ``numpy.random.Generator``) and never reads the clock,
so the same seed gives the same messages (UNIT-04). Generation is vectorised numpy.
"""

from __future__ import annotations

import numpy as np

from riskcore.market import Market, make_market
from riskcore.records import (
    BUY,
    CANCEL,
    CLOSE,
    FAK,
    FLAG_OFF_TICK,
    FOK,
    LIMIT,
    MARKET,
    MSG_DTYPE,
    NEW,
    OPEN,
    SELL,
    STP_CANCEL_INCOMING,
    STP_CANCEL_RESTING,
)

SECOND = 1_000_000_000
DAY_START = 1_440_000_000 * SECOND  # an arbitrary fixed epoch for synthetic flows


def _cancel_targets(rng: np.random.Generator, is_cancel: np.ndarray) -> np.ndarray:
    """For each cancel, a uniformly random earlier new order's index (-1 if none yet)."""
    new_idx = np.flatnonzero(~is_cancel)
    n_new_before = np.cumsum(~is_cancel) - (~is_cancel)
    k = n_new_before[is_cancel]
    pick = np.floor(rng.random(len(k)) * k).astype(np.int64)
    target = np.full(len(is_cancel), -1, dtype=np.int64)
    if len(new_idx):
        target[is_cancel] = np.where(k > 0, new_idx[np.minimum(pick, len(new_idx) - 1)], -1)
    return target


def mixed_flow(
    rng: np.random.Generator,
    n: int,
    n_accounts: int,
    n_contracts: int,
    mids: np.ndarray,
    *,
    cancel_share: float = 0.30,
    cross_share: float = 0.10,
    sigma_ticks: float = 8.0,
    cross_ticks: int = 5,
    max_qty: int = 19,
    close_share: float = 0.0,
    start_order_no: int = 0,
) -> np.ndarray:
    """The benchmark message mix (issue [CORE]): cancels and passive / crossing limit orders.

    Each message is a cancel (``cancel_share``) of a uniformly random earlier order, or a
    new limit order of 1..``max_qty`` lots on a random side, priced ``|N(0, sigma_ticks)|``
    away from the contract's mid on its own passive side; ``cross_share`` of new orders
    instead cross the mid by ``cross_ticks``. ``close_share`` of new orders are closes.

    Returns
    -------
    ndarray of MSG_DTYPE, one message per simulated microsecond.
    """
    msgs = np.zeros(n, dtype=MSG_DTYPE)
    msgs["ts"] = DAY_START + np.arange(n, dtype=np.int64) * 1000
    msgs["order_no"] = start_order_no + np.arange(n, dtype=np.int64)
    is_cancel = rng.random(n) < cancel_share
    side = np.where(rng.random(n) < 0.5, BUY, SELL).astype(np.int8)
    contract = rng.integers(0, n_contracts, n).astype(np.int32)
    dist = np.abs(rng.normal(0.0, sigma_ticks, n)).round().astype(np.int64)
    cross = rng.random(n) < cross_share
    away = np.where(cross, -cross_ticks, dist)  # positive = passive side
    mid = np.asarray(mids, dtype=np.int64)[contract]
    msgs["price"] = np.where(side == BUY, mid - away, mid + away)
    msgs["account"] = rng.integers(0, n_accounts, n)
    msgs["contract"] = contract
    msgs["qty"] = rng.integers(1, max_qty + 1, n)
    msgs["side"] = side
    msgs["offset"] = np.where(rng.random(n) < close_share, CLOSE, OPEN)
    msgs["type"] = LIMIT
    target = _cancel_targets(rng, is_cancel)
    msgs["action"] = np.where(is_cancel, CANCEL, NEW)
    local = target[is_cancel]
    ok = local >= 0
    msgs["target"][is_cancel] = np.where(ok, start_order_no + local, -1)
    msgs["account"][is_cancel] = np.where(ok, msgs["account"][np.maximum(local, 0)], 0)
    msgs["contract"][is_cancel] = np.where(ok, msgs["contract"][np.maximum(local, 0)], 0)
    return msgs


def standard_flow(n: int, seed: int = 1) -> tuple[Market, np.ndarray]:
    """The **standard** benchmark flow: 1 contract, 1,000 accounts, no binding risk limits."""
    rng = np.random.default_rng(seed)
    market = make_market(1, 1000, prev_settle=17500, reserve=1e12)
    return market, mixed_flow(rng, n, 1000, 1, market.contracts["prev_settle"])


def risk_market(
    rng: np.random.Generator, n_contracts: int = 16, n_accounts: int = 100_000
) -> Market:
    """A market where every pre-trade check can bind: a tenth of the investors hold a second
    account at another member, position limits of 1,200 lots, member limits on half the
    contracts, reserves from thin to ample, 1% restricted accounts, yesterday's positions."""
    n_members = 20
    investors = np.arange(n_accounts)
    second = rng.random(n_accounts) < 0.10
    investors[second] = rng.integers(0, n_accounts, second.sum())
    investors = np.unique(investors, return_inverse=True)[1]
    members = rng.integers(0, n_members, n_accounts)
    prev = rng.integers(15_000, 25_000, n_contracts)
    reserve = np.exp(rng.normal(np.log(3e6), 1.5, n_accounts))
    long_yd = np.zeros((n_accounts, n_contracts), dtype=np.int64)
    short_yd = np.zeros_like(long_yd)
    n_pairs = n_accounts * 2
    c = rng.integers(0, n_contracts, n_pairs)
    q = rng.integers(1, 30, n_pairs)
    np.add.at(long_yd, (rng.integers(0, n_accounts, n_pairs), c), q)
    np.add.at(short_yd, (rng.integers(0, n_accounts, n_pairs), c), q)
    market = make_market(
        n_contracts,
        n_accounts,
        prev_settle=prev,
        tick_value=60.0,
        margin_rate=0.12,
        fee_open=0.000023,
        fee_close=0.000023,
        fee_close_today=0.0023,
        pos_limit=1200,
        max_order_qty=100,
        reserve=reserve,
        investors=investors.tolist(),
        members=members.tolist(),
        hedge_quota=0,
        long_yd=long_yd,
        short_yd=short_yd,
        restricted=rng.choice(n_accounts, n_accounts // 100, replace=False).tolist(),
    )
    oi = long_yd.sum(axis=0)
    half = np.arange(n_contracts) % 2 == 0
    market.contracts["member_limit"][half] = np.maximum(oi[half] // 4, 1)
    return market


def risk_flow(n: int, seed: int = 1) -> tuple[Market, np.ndarray]:
    """The **risk** benchmark flow: the standard mix over 16 contracts and 100,000 accounts
    with every pre-trade check on (a third of new orders close)."""
    rng = np.random.default_rng(seed)
    market = risk_market(rng)
    msgs = mixed_flow(
        rng,
        n,
        market.n_accounts,
        market.n_contracts,
        market.contracts["prev_settle"],
        close_share=0.3,
    )
    return market, msgs


def random_market(
    rng: np.random.Generator,
    n_contracts: int = 2,
    n_accounts: int = 8,
    *,
    breaker: bool = False,
    quiet_from: int = 0,
) -> Market:
    """A small market for differential tests: shared investors (self-trades), two members,
    tight reserves, limits and positions so that every reject code is reachable; with
    ``breaker`` a 6% circuit breaker (BRK-01) and the quiet period from ``quiet_from`` ns."""
    investors = rng.integers(0, max(2, n_accounts - 2), n_accounts)
    investors = np.unique(investors, return_inverse=True)[1]
    members = rng.integers(0, 2, n_accounts)
    members[0], members[-1] = 0, 1
    prev = rng.integers(900, 1100, n_contracts)
    long_yd = np.zeros((n_accounts, n_contracts), dtype=np.int64)
    short_yd = np.zeros_like(long_yd)
    for c in range(n_contracts):
        for _ in range(3):
            q = int(rng.integers(1, 20))
            long_yd[rng.integers(0, n_accounts), c] += q
            short_yd[rng.integers(0, n_accounts), c] += q
    market = make_market(
        n_contracts,
        n_accounts,
        prev_settle=prev,
        tick_value=float(rng.choice([60.0, 40.0])),
        margin_rate=float(rng.choice([0.08, 0.12, 0.15])),
        fee_open=float(rng.choice([0.0, 0.0001])),
        fee_close=float(rng.choice([0.0, 0.0001])),
        fee_close_today=float(rng.choice([0.0, 0.003])),
        price_limit=0.10,
        band=None if breaker else float(rng.choice([0.06, 0.10])),
        circuit_breaker=0.06 if breaker else 0.0,
        quiet_from=quiet_from,
        pos_limit=int(rng.choice([-1, 25, 60])),
        max_order_qty=40,
        reserve=rng.uniform(5e4, 3e6, n_accounts),
        investors=investors.tolist(),
        members=members.tolist(),
        hedge_quota=rng.integers(0, 2, investors.max() + 1) * 10,
        long_yd=long_yd,
        short_yd=short_yd,
        restricted=[int(rng.integers(0, n_accounts))] if rng.random() < 0.5 else None,
        stp_policy=int(rng.choice([STP_CANCEL_INCOMING, STP_CANCEL_RESTING])),
        margin_method=int(rng.integers(0, 2)),
    )
    if rng.random() < 0.5:
        market.contracts["member_limit"][0] = int(rng.integers(10, 80))
    return market


def random_flow(
    rng: np.random.Generator,
    market: Market,
    n: int,
    start_order_no: int = 0,
    t0: int = DAY_START,
    mean_gap: int = 1000,
) -> np.ndarray:
    """Messages that exercise everything: all order types, opens and closes, cancels of
    earlier orders (some of other accounts), unknown accounts and symbols, bad quantities,
    off-tick flags and out-of-band prices, around each contract's previous settlement; where
    a contract has breaker prices, limit orders at them (to touch, hold and leave them,
    BRK-02). Messages are ``mean_gap`` ns apart on average (exponential gaps, >= 1 ns)."""
    spec = market.contracts
    msgs = mixed_flow(
        rng,
        n,
        market.n_accounts,
        market.n_contracts,
        spec["prev_settle"],
        sigma_ticks=float(rng.choice([2.0, 6.0])),
        cross_ticks=int(rng.integers(1, 8)),
        max_qty=int(rng.choice([5, 25])),
        close_share=0.35,
        start_order_no=start_order_no,
        cancel_share=0.2,
    )
    gaps = np.maximum(rng.exponential(mean_gap, n), 1).astype(np.int64)
    msgs["ts"] = t0 + np.cumsum(gaps) - gaps[0]
    new = msgs["action"] == NEW
    msgs["type"] = np.where(
        new, rng.choice([LIMIT, MARKET, FAK, FOK], n, p=[0.7, 0.1, 0.1, 0.1]), LIMIT
    )
    odd = rng.random(n)
    msgs["account"] = np.where(odd < 0.01, market.n_accounts + 3, msgs["account"])
    msgs["contract"] = np.where((odd >= 0.01) & (odd < 0.02), -1, msgs["contract"])
    msgs["qty"] = np.where((odd >= 0.02) & (odd < 0.03), rng.integers(-1, 60, n), msgs["qty"])
    msgs["flags"] = np.where((odd >= 0.03) & (odd < 0.04), FLAG_OFF_TICK, 0)
    wide = (odd >= 0.04) & (odd < 0.06)
    c = np.clip(msgs["contract"], 0, market.n_contracts - 1)
    msgs["price"] = np.where(
        wide, spec["prev_settle"][c] + rng.integers(-150, 150, n), msgs["price"]
    )
    other = (odd >= 0.06) & (odd < 0.08) & ~new
    msgs["account"] = np.where(other, rng.integers(0, market.n_accounts, n), msgs["account"])
    msgs["target"] = np.where((odd >= 0.08) & (odd < 0.09) & ~new, n + 5, msgs["target"])
    touch = (odd >= 0.09) & (odd < 0.17) & new & (spec["breaker_hi"][c] > 0)
    at_breaker = np.where(msgs["side"] == BUY, spec["breaker_hi"][c], spec["breaker_lo"][c])
    msgs["price"] = np.where(touch, at_breaker, msgs["price"])
    msgs["type"] = np.where(touch, LIMIT, msgs["type"])
    msgs["flags"] = np.where(touch, 0, msgs["flags"])
    return msgs
