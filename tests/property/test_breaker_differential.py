"""Differential and property tests of the price-limit / circuit-breaker state machine.

Seeded breaker-heavy trading days: quotes that touch, hold and leave the breaker prices,
orders beyond the breaker band (rejected under it, accepted once the limit band holds),
market orders, cancels of the touching orders, a call auction, two sessions around a lunch
break (``open_session``/``close_session``), an optional quiet period, a last-day contract,
short and standard trigger/duration timers. The numba engine must give the same events,
fills, market-state records, books, positions, money and states as the reference engine;
the reference alone must keep its invariants and the BRK rules' visible consequences.
Rules: BRK-01..07, LIMIT-01..03, MATCH-06.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskcore.market import SECOND, make_market
from riskcore.records import (
    BUY,
    CANCEL,
    FAK,
    FOK,
    LIMIT,
    MARKET,
    MARKET_STATE_DTYPE,
    MR_TOUCH_HELD,
    MS_BREAKER,
    MS_LIMIT,
    MS_NO_LIMIT,
    MS_NORMAL,
    MS_WATCH,
    MSG_DTYPE,
    NEW,
    PHASE_AUCTION,
    PHASE_CLOSED,
    PHASE_CONTINUOUS,
    SELL,
)
from riskcore.reference import ReferenceEngine

try:
    from riskcore.engine import Engine
except ImportError:  # pragma: no cover - numba engine unavailable
    Engine = None

DAY = 16_622 * 86_400 * SECOND  # 2015-07-06 00:00 (ns since the epoch)
HOUR, MINUTE = 3_600 * SECOND, 60 * SECOND
AUCTION = DAY + 9 * HOUR + 10 * MINUTE
SESSIONS = (
    (DAY + 9 * HOUR + 15 * MINUTE, DAY + 11 * HOUR + 30 * MINUTE),
    (DAY + 13 * HOUR, DAY + 15 * HOUR + 15 * MINUTE),
)
CLOSE = SESSIONS[-1][1]


def numba_has_breaker() -> bool:
    return Engine is not None and hasattr(Engine, "open_session")


# --- a breaker-heavy day -------------------------------------------------------------------
def breaker_market(rng: np.random.Generator, n_contracts: int, n_accounts: int):
    """Small previous settlements (so 6 % is ~60 ticks), random timers, maybe a quiet period,
    maybe the breaker off, maybe one contract on its last day (with or without a limit)."""
    prev = rng.integers(900, 1100, n_contracts)
    market = make_market(
        n_contracts,
        n_accounts,
        prev_settle=prev,
        margin_rate=float(rng.choice([0.08, 0.12])),
        fee_open=float(rng.choice([0.0, 0.0001])),
        circuit_breaker=float(rng.choice([0.06, 0.06, 0.06, 0.0])),
        pos_limit=int(rng.choice([-1, 200])),
        max_order_qty=30,
        reserve=rng.uniform(2e5, 5e6, n_accounts),
        investors=rng.integers(0, max(2, n_accounts - 1), n_accounts).tolist(),
        quiet_from=int(rng.choice([0, CLOSE - 30 * MINUTE, SESSIONS[0][1] + 10 * MINUTE])),
    )
    market.breaker_trigger = int(rng.choice([1, 20, 60])) * SECOND
    market.breaker_duration = int(rng.choice([0, 30, 600])) * SECOND
    if n_contracts > 1 and rng.random() < 0.3:  # LIMIT-02 on the last contract
        c = market.contracts[n_contracts - 1 :]
        c["last_day"] = 1
        c["no_limit"] = int(rng.random() < 0.5)  # without or with a last-day limit
        c["breaker_lo"] = c["breaker_hi"] = 0
        c["band_lo"], c["band_hi"] = c["limit_lo"], c["limit_hi"]
    market.validate()
    return market


def price_near_breaker(rng: np.random.Generator, spec, side: int, touch: float) -> int:
    """A price that touches (with probability ``touch``), approaches or passes the breaker
    prices, or sits elsewhere."""
    prev, lo, hi = int(spec["prev_settle"]), int(spec["limit_lo"]), int(spec["limit_hi"])
    blo = int(spec["breaker_lo"]) or int(prev * 0.94)
    bhi = int(spec["breaker_hi"]) or int(prev * 1.06)
    edge = bhi if side == BUY else blo  # a touch on this side
    far = blo if side == BUY else bhi  # this side's order there crosses a touch
    if rng.random() < touch:
        return edge
    r = rng.random()
    if r < 0.25:
        return edge + int(rng.integers(-4, 2)) * (1 if side == BUY else -1)
    if r < 0.40:  # crosses (and may take away) a touch on the other side
        return far + int(rng.integers(-2, 3))
    if r < 0.60:  # beyond the breaker band, inside the limit band
        return int(rng.integers(bhi + 1, hi + 1)) if side == BUY else int(rng.integers(lo, blo))
    if r < 0.65:  # beyond the limit band
        return hi + 1 if side == BUY else lo - 1
    return prev + int(rng.integers(-20, 21))


def breaker_flow(
    rng: np.random.Generator,
    market,
    n: int,
    order_no: int,
    t0: int,
    t1: int,
    history: list,
    touch: float = 0.3,
) -> np.ndarray:
    """``n`` messages in ``[t0, t1)``: clustered times so some touches hold past the trigger
    and some lift before it; cancels aim at earlier orders (``history``: order_no, account,
    contract, touching? of every earlier NEW), mostly recent or touching ones of their own
    account."""
    msgs = np.zeros(n, dtype=MSG_DTYPE)
    gaps = rng.exponential(1.0, n) * rng.choice([0.2, 1.0, 30.0], n, p=[0.5, 0.35, 0.15])
    times = np.cumsum(gaps)
    times = t0 + (times / max(times[-1], 1e-9) * (t1 - t0 - 1)).astype(np.int64)
    specs = market.contracts
    for i in range(n):
        m = msgs[i]
        m["ts"] = times[i]
        m["order_no"] = order_no + i
        if history and rng.random() < 0.2:
            touching = [h for h in history[-30:] if h[3]]
            if touching and rng.random() < 0.5:  # take a touching quote away
                target_no, account, contract, _ = touching[int(rng.integers(0, len(touching)))]
            else:
                pick = int(rng.integers(max(0, len(history) - 8), len(history)))
                target_no, account, contract, _ = history[pick]
            m["action"] = CANCEL
            m["target"] = target_no
            m["account"] = account if rng.random() < 0.9 else rng.integers(0, market.n_accounts)
            m["contract"] = contract
            continue
        c = int(rng.integers(0, market.n_contracts))
        side = BUY if rng.random() < 0.5 else SELL
        m["action"] = NEW
        m["account"] = rng.integers(0, market.n_accounts)
        m["contract"] = c if rng.random() > 0.01 else -1
        m["side"] = side
        m["qty"] = rng.integers(1, 6)
        m["type"] = rng.choice([LIMIT, MARKET, FAK, FOK], p=[0.8, 0.08, 0.07, 0.05])
        m["price"] = price_near_breaker(rng, specs[c], side, touch)
        spec = specs[c]
        touches = int(m["price"]) == int(spec["breaker_hi" if side == BUY else "breaker_lo"])
        history.append((order_no + i, int(m["account"]), c, touches and m["type"] == LIMIT))
    return msgs


def trading_day(classes: list, seed: int, n_msgs: int, n_contracts: int, n_accounts: int,
                chunk: int, on_step) -> list:  # fmt: skip
    """Drive one engine of each class through the same breaker-heavy day, calling
    ``on_step(where, engines, batches)`` after every engine call; returns the engines."""
    rng = np.random.default_rng(seed)
    market = breaker_market(rng, n_contracts, n_accounts)
    engines = [cls(market) for cls in classes]
    touch = float(rng.choice([0.02, 0.1, 0.3]))  # how often a quote goes to a breaker price
    on_step("start", engines, [None] * len(engines))
    order_no = 0
    history: list = []

    def call(where, name, *args):
        on_step(where, engines, [getattr(eng, name)(*args) for eng in engines])

    if rng.random() < 0.5:  # MATCH-06: orders at the breaker prices collected in the auction
        msgs = breaker_flow(rng, market, max(1, n_msgs // 6), order_no, AUCTION, AUCTION + MINUTE,
                            history)  # fmt: skip
        order_no += len(msgs)
        call("auction orders", "submit", msgs, PHASE_AUCTION)
        call("auction", "run_auction", SESSIONS[0][0])
    for k, (start, end) in enumerate(SESSIONS):
        call(f"open {k}", "open_session", start)
        n = max(1, n_msgs // 2)
        msgs = breaker_flow(rng, market, n, order_no, start + 1, end, history, touch)
        order_no += n
        for lo in range(0, n, chunk):
            call(f"session {k} msgs {lo}..", "submit", msgs[lo : lo + chunk], PHASE_CONTINUOUS)
        call(f"close {k}", "close_session", end)
        if k == 0:  # lunch: rejected MARKET_CLOSED
            msgs = breaker_flow(rng, market, 3, order_no, end + MINUTE, end + 2 * MINUTE, history)
            order_no += len(msgs)
            call("lunch", "submit", msgs, PHASE_CLOSED)
    call("expire", "expire", CLOSE)
    return engines


# --- comparisons ------------------------------------------------------------------------------
def assert_same(a, b, where: str) -> None:
    assert a.book() == b.book(), f"{where}: books differ"
    for name in ("positions", "account_state", "self_trades"):
        x, y = getattr(a, name)(), getattr(b, name)()
        for f in x.dtype.names or (None,):
            u, v = (x, y) if f is None else (x[f], y[f])
            assert np.array_equal(u, v), f"{where}: {name}.{f} differ"
    for c in range(a.n_contracts):
        sa, sb = a.market_state(c), b.market_state(c)
        assert tuple(map(int, sa)) == tuple(map(int, sb)), f"{where}: contract {c} {sa} {sb}"


def assert_same_batch(x, y, where: str) -> None:
    for name in ("events", "fills", "states"):
        ex, ey = getattr(x, name), getattr(y, name)
        assert ex.dtype == ey.dtype, f"{where}: {name} dtypes differ"
        assert len(ex) == len(ey), f"{where}: {len(ex)} vs {len(ey)} {name}: {ex} {ey}"
        for f in ex.dtype.names:
            bad = np.flatnonzero(ex[f] != ey[f])
            assert not len(bad), (
                f"{where}: {name}.{f} differ first at {bad[0]}: {ex[bad[0]]} vs {ey[bad[0]]}"
            )


class RuleWatcher:
    """Visible consequences of the BRK rules, checked on the reference's output."""

    def __init__(self, eng: ReferenceEngine) -> None:
        self.eng = eng
        self.last_ts = -1
        self.breakers = [0] * eng.n_contracts

    def see(self, batch, where: str) -> None:
        eng = self.eng
        eng.check()
        if batch is None:
            return
        states = batch.states
        assert states.dtype == MARKET_STATE_DTYPE
        for r in states.tolist():
            ts, lo, hi, c, state, reason = r
            assert ts >= self.last_ts, f"{where}: records go back in time {r}"
            self.last_ts = ts
            spec = eng.specs[c]
            if state in (MS_NORMAL, MS_WATCH, MS_BREAKER):
                assert (lo, hi) == (spec.breaker_lo, spec.breaker_hi), f"{where}: {r}"
            if state in (MS_LIMIT, MS_NO_LIMIT):
                assert (lo, hi) == (spec.limit_lo, spec.limit_hi), f"{where}: {r}"
            if state == MS_BREAKER:
                self.breakers[c] += 1
                assert self.breakers[c] == 1, f"{where}: a second breaker (BRK-06) {r}"
                assert reason == MR_TOUCH_HELD
                q = eng.quiet_from
                assert q == 0 or ts < q, f"{where}: breaker starts in the quiet period {r}"
        for f in batch.fills.tolist():
            price, c = f[4], f[7]
            lo, hi = eng.band_lo[c], eng.band_hi[c]  # the band only widens during a day
            assert lo <= price <= hi, f"{where}: fill outside the band (LIMIT-03) {f}"


def run_days(classes, seed, n_msgs, n_contracts, n_accounts, chunk) -> list:
    """One day through an engine of each class (the reference first), compared after every
    call; the reference's output is also checked against the BRK rules."""
    watchers: list[RuleWatcher] = []

    def on_step(where, engines, batches):
        if not watchers:
            watchers.append(RuleWatcher(engines[0]))
        watchers[0].see(batches[0], where)
        for eng, batch in zip(engines[1:], batches[1:], strict=True):
            if batch is not None:
                assert_same_batch(batches[0], batch, where)
            eng.check()
            assert_same(engines[0], eng, where)

    engines = trading_day(classes, seed, n_msgs, n_contracts, n_accounts, chunk, on_step)
    assert all(eng.book() == [] for eng in engines)
    return engines


# --- tests -----------------------------------------------------------------------------------
DAYS = dict(
    seed=st.integers(0, 2**32 - 1),
    n_msgs=st.integers(1, 240),
    n_contracts=st.integers(1, 3),
    n_accounts=st.integers(2, 7),
    chunk=st.integers(1, 40),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**DAYS)
def test_reference_breaker_days_keep_invariants(seed, n_msgs, n_contracts, n_accounts, chunk):
    """Rules: BRK-01..07, LIMIT-03 — on breaker-heavy days the reference keeps its
    invariants (band = the state's band), records go forward in time, every record's band is
    its state's, at most one breaker per contract, none starting in the quiet period, and no
    fill outside the band in force."""
    run_days([ReferenceEngine], seed, n_msgs, n_contracts, n_accounts, chunk)


@pytest.mark.skipif(not numba_has_breaker(), reason="numba engine without open_session")
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**DAYS)
def test_engines_agree_on_breaker_days(seed, n_msgs, n_contracts, n_accounts, chunk):
    """Rules: BRK-01..07, LIMIT-01..03 — both engines give identical events, fills,
    market-state records, books, positions, money and states on breaker-heavy days."""
    run_days([ReferenceEngine, Engine], seed, n_msgs, n_contracts, n_accounts, chunk)


@pytest.mark.skipif(not numba_has_breaker(), reason="numba engine without open_session")
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_engines_agree_message_by_message(seed):
    """Rules: BRK-02 — one message per batch, so every timer and touch is compared at the
    finest grain."""
    run_days([ReferenceEngine, Engine], seed, 400, 2, 6, chunk=1)
