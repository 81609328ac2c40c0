"""Each agent kind's ``act`` on a hand-made :class:`View`, and the underlying path."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from riskcore.agents import fundamental, market_maker, momentum, noise, speculator
from riskcore.agents.base import Group, View
from riskcore.agents.params import PARAMS
from riskcore.agents.underlying import trading_fraction, underlying_path
from riskcore.records import BUY, CLOSE, OPEN, SELL
from riskcore.scenario import Underlying

N = 6  # accounts 0..5; the group is accounts 2..5


def params(kind: str, **kw) -> dict:
    p = {q.name: q.default for q in PARAMS[kind]}
    p.update(kw)
    return p


def group(kind: str, **kw) -> Group:
    return Group(0, kind, np.arange(2, N, dtype=np.int64), 0, params(kind, **kw), True)


def view(long=None, short=None, live=None, ref=17500, bid=17499, ask=17501, **kw) -> View:
    long = np.zeros((N, 1), np.int64) if long is None else np.asarray(long).reshape(N, 1)
    short = np.zeros((N, 1), np.int64) if short is None else np.asarray(short).reshape(N, 1)
    empty = {f: np.zeros(0, np.int64) for f in ("order_no", "account", "offset", "leaves")}
    base = dict(
        t=0, step_s=1.0, bid=np.array([bid]), ask=np.array([ask]), last=np.array([-1]),
        ref=np.array([ref]), band_lo=np.array([15750]), band_hi=np.array([19250]),
        prev_settle=np.array([17500]), tick=np.array([0.2]), long=long, short=short,
        free_long=long.copy(), free_short=short.copy(), restricted=np.zeros(N, bool),
        reserve=np.full(N, 1e6), live=live or empty, underlying=np.nan,
        history=np.array([[17500], [ref]]),
    )  # fmt: skip
    base.update(kw)
    return View(**base)


def rng(seed=1):
    return np.random.default_rng(seed)


def test_noise_orders_around_the_reference_and_stale_cancels():
    g = group("noise", rate=50.0, max_offset=4, cross=1, max_qty=3)
    live = {
        "order_no": np.array([10, 11, 30]), "account": np.array([2, 1, 3]),
        "offset": np.array([OPEN, OPEN, OPEN]), "leaves": np.array([1, 1, 1]),
    }  # fmt: skip
    out = noise.act(view(live=live, stale_no=20), g, rng())
    assert out.cancel.tolist() == [10]  # account 1 is not the group's; 30 is recent
    assert len(out.account) == 4  # rate 50/s: everyone sends
    k = np.where(out.side == BUY, 17500 - out.price, out.price - 17500)
    assert ((k >= -1) & (k <= 4)).all() and ((out.qty >= 1) & (out.qty <= 3)).all()


def test_noise_respects_max_position_and_closes_first():
    g = group("noise", rate=50.0, max_position=0)
    long = [0, 0, 5, 5, 5, 5]
    for seed in range(5):
        out = noise.act(view(long=long), g, rng(seed))
        assert (out.side == SELL).all() and (out.offset == CLOSE).all()


@pytest.mark.parametrize("net", [-50, -46, -45, -10, 0, 10, 45, 46, 50])
def test_market_maker_never_quotes_past_its_inventory_limit(net):
    g = group("market_maker", size=5, max_inventory=50, spread=2)
    long = [0, 0] + [max(net, 0)] * 4
    short = [0, 0] + [max(-net, 0)] * 4
    live = {
        "order_no": np.array([7, 8]), "account": np.array([2, 0]),
        "offset": np.array([OPEN, OPEN]), "leaves": np.array([5, 5]),
    }  # fmt: skip
    out = market_maker.act(view(long=long, short=short, live=live), g, rng())
    assert out.cancel.tolist() == [7]
    bids, asks = out.side == BUY, out.side == SELL
    assert bids.any() == (net + 5 <= 50) and asks.any() == (net - 5 >= -50)
    assert (out.price[bids] == 17498).all() and (out.price[asks] == 17502).all()
    after_bid = net + out.qty[bids].reshape(-1, 4).sum(axis=0) if bids.any() else [net]
    assert np.all(np.abs(after_bid) <= 50)


def test_market_maker_skews_against_its_inventory():
    g = group("market_maker", skew=4.0, max_inventory=40, size=1)
    out = market_maker.act(view(long=[0, 0, 20, 20, 20, 20]), g, rng())
    assert (out.price[out.side == BUY] == 17500 - 2 - 2).all()


def test_momentum_follows_the_return():
    g = group("momentum", rate=50.0, threshold=0.001, lookback=2, slippage=3)
    up = view(history=np.array([[17500], [17520], [17560]]), ref=17560)
    out = momentum.act(up, g, rng())
    assert (out.side == BUY).all() and (out.price == 17501 + 3).all() and len(out.account) == 4
    down = view(history=np.array([[17500], [17400]]), ref=17400)
    assert (momentum.act(down, g, rng()).side == SELL).all()
    flat = view(history=np.array([[17500], [17501]]), ref=17501)
    assert len(momentum.act(flat, g, rng()).account) == 0


def test_fundamental_buys_below_and_sells_above_fair_value():
    g = group("fundamental", rate=50.0, dispersion=0.0, qty_per_pct=2.0, max_qty=10)
    err = fundamental.day_errors(g, rng())
    assert (err == 0).all()
    low = view(underlying=3600.0)  # futures at 3500: 2.8 % cheap
    out = fundamental.act(low, g, rng(), err)
    assert (out.side == BUY).all() and (out.price == 18000).all()
    assert (out.qty == 6).all()  # ceil(2 x 2.78)
    high = view(underlying=3400.0)
    out = fundamental.act(high, g, rng(), err)
    assert (out.side == SELL).all() and (out.price == 17000).all()
    assert len(fundamental.act(view(underlying=3501.0), g, rng(), err).account) == 0


def test_speculator_builds_its_target_only():
    g = group("speculator", rate=50.0, target=20, qty=8)
    live = {
        "order_no": np.array([3]), "account": np.array([3]),
        "offset": np.array([OPEN]), "leaves": np.array([8]),
    }  # fmt: skip
    out = speculator.act(view(long=[0, 0, 0, 4, 20, 16], live=live), g, rng())
    assert dict(zip(out.account.tolist(), out.qty.tolist(), strict=True)) == {2: 8, 3: 8, 5: 4}
    assert (out.side == BUY).all() and (out.offset == OPEN).all()
    short = group("speculator", rate=50.0, target=5, qty=5, direction="short")
    assert (speculator.act(view(), short, rng()).side == SELL).all()


def test_underlying_points_interpolate_daily():
    u = Underlying(points=((dt.date(2015, 8, 21), 3500.0), (dt.date(2015, 8, 25), 3100.0)))
    days = (dt.date(2015, 8, 24), dt.date(2015, 8, 25), dt.date(2015, 8, 26))
    p = underlying_path(u, days, seed=1)
    assert p.open.tolist() == pytest.approx([3500.0, 3200.0, 3100.0])
    assert p.close.tolist() == pytest.approx([3200.0, 3100.0, 3100.0])
    s = np.array([[0, 100], [200, 300]])
    assert trading_fraction(150, s) == 0.5 and trading_fraction(250, s) == 0.75
    assert p.level(days[0], 300, s) == pytest.approx(3200.0)


def test_underlying_random_walk_jumps_and_is_seeded():
    days = (dt.date(2015, 8, 24), dt.date(2015, 8, 25))
    u = Underlying(start=3500.0, daily_vol=0.0, jumps=((days[1], -0.1),))
    p = underlying_path(u, days, seed=3)
    assert p.open.tolist() == pytest.approx([3500.0, 3150.0])
    v = Underlying(start=3500.0, daily_vol=0.02)
    a, b = underlying_path(v, days, 3), underlying_path(v, days, 4)
    assert a.close.tolist() == underlying_path(v, days, 3).close.tolist()
    assert a.close.tolist() != b.close.tolist()
    # a day's level depends only on the seed and the days before it
    assert underlying_path(v, days[:1], 3).close[0] == a.close[0]
