"""Invariant checker of the numba engine's state, in the style of sortedcontainers' ``_check``.

Slow on purpose (plain Python / numpy, walks every list): tests call it after every step.
"""

from __future__ import annotations

import numpy as np

from riskcore.engine.layout import (
    C_FREE_HEAD,
    C_N_LIVE,
    C_POOL_TOP,
    F_LONG,
    F_PEND_BUY,
    F_PEND_SELL,
    F_SHORT,
)
from riskcore.records import BUY, MARGIN_BOTH, MS_BREAKER, MS_NORMAL, MS_WATCH, OPEN, SELL


def _close(a, b, what: str) -> None:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    bad = ~np.isclose(a, b, rtol=1e-9, atol=1e-6)
    assert not bad.any(), f"{what}: {a[bad][:5]} != {b[bad][:5]}"


def check_engine(eng) -> None:
    """Raise ``AssertionError`` naming the first broken invariant of ``eng`` (an Engine)."""
    cs, pool, acct = eng.cs, eng.pool, eng.acct
    n_c = len(cs)
    n_a = len(acct)
    pos = eng.pos.reshape(n_a, n_c)
    live_slots = []
    for c in range(n_c):
        base, n, lo = int(cs["base"][c]), int(cs["n_levels"][c]), int(cs["ladder_lo"][c])
        for side, lv in ((BUY, eng.bid_lv), (SELL, eng.ask_lv)):
            levels = lv[base : base + n]
            empty = levels["count"] == 0
            assert np.all(levels["head"][empty] == -1), f"contract {c}: empty level with a head"
            assert np.all(levels["qty"][empty] == 0), f"contract {c}: empty level with qty"
            nonempty = np.flatnonzero(~empty)
            best = cs["best_bid"][c] if side == BUY else cs["best_ask"][c]
            want = -1 if not len(nonempty) else (nonempty[-1] if side == BUY else nonempty[0])
            assert best == want, f"contract {c} side {side}: best {best} != {want}"
            for i in nonempty:
                g = base + i
                slot, prev, total, count = int(lv["head"][g]), -1, 0, 0
                while slot != -1:
                    o = pool[slot]
                    assert o["prev"] == prev, f"slot {slot}: broken prev link"
                    assert o["contract"] == c and o["side"] == side, f"slot {slot}: wrong list"
                    assert o["price"] == lo + i, f"slot {slot}: at the wrong price level"
                    assert o["leaves"] > 0, f"slot {slot}: resting with no leaves"
                    mapped = eng.ords["slot_plus_1"][o["order_no"]] - 1
                    assert mapped == slot, f"slot {slot}: order map"
                    total += int(o["leaves"])
                    count += 1
                    live_slots.append(slot)
                    prev, slot = slot, int(o["next"])
                    assert count <= len(pool), "cycle in a level list"
                assert lv["tail"][g] == prev, f"level {g}: tail is not the last order"
                assert lv["qty"][g] == total, f"level {g}: qty {lv['qty'][g]} != {total}"
                assert lv["count"][g] == count, f"level {g}: count {lv['count'][g]} != {count}"
        bb, ba = cs["best_bid"][c], cs["best_ask"][c]
        if not eng.in_auction:
            assert bb < 0 or ba < 0 or bb < ba, f"contract {c}: crossed book {bb} >= {ba}"

    live = np.array(live_slots, dtype=np.int64)
    assert len(np.unique(live)) == len(live), "an order is reachable twice"
    assert len(live) == eng.ctr[C_N_LIVE], f"live count {eng.ctr[C_N_LIVE]} != {len(live)}"
    assert np.count_nonzero(eng.ords["slot_plus_1"]) == len(live), "order map has stale entries"
    free, slot = 0, int(eng.ctr[C_FREE_HEAD])
    while slot != -1:
        free += 1
        slot = int(pool["next"][slot])
        assert free <= len(pool), "cycle in the free list"
    top = int(eng.ctr[C_POOL_TOP])
    assert 0 <= top <= len(pool), f"pool top {top} outside the pool"
    assert free + len(live) == top, "pool slots lost"
    assert live.size == 0 or live.max() < top, "a live order in a fresh slot"

    # positions (SETTLE-03: long = short per contract) and investor / member sums
    longs = pos["long_yd"] + pos["long_td"]
    shorts = pos["short_yd"] + pos["short_td"]
    for f in ("long_yd", "long_td", "short_yd", "short_td", "pend_close_long", "pend_close_short"):
        assert np.all(pos[f] >= 0), f"negative {f}"
    assert np.array_equal(longs.sum(axis=0), shorts.sum(axis=0)), "total long != total short"
    lo_ = pool[live]
    is_open = lo_["offset"] == OPEN
    for sums, owner in ((eng.inv, acct["investor"]), (eng.mem, acct["member"])):
        want = np.zeros_like(sums)
        np.add.at(want[:, :, F_LONG], owner, longs)
        np.add.at(want[:, :, F_SHORT], owner, shorts)
        for side, f in ((BUY, F_PEND_BUY), (SELL, F_PEND_SELL)):
            sel = lo_[is_open & (lo_["side"] == side)]
            np.add.at(want[:, :, f], (owner[sel["account"]], sel["contract"]), sel["leaves"])
        assert np.array_equal(sums, want), "investor/member position sums are off"
    for side, f in ((SELL, "pend_close_long"), (BUY, "pend_close_short")):
        want = np.zeros((n_a, n_c), dtype=np.int64)
        sel = lo_[~is_open & (lo_["side"] == side)]
        np.add.at(want, (sel["account"], sel["contract"]), sel["leaves"])
        assert np.array_equal(pos[f], want), f"{f} != pending close orders"

    # money: frozen = sum over live opens (MARGIN-02), margins (MARGIN-01)
    sel = lo_[is_open]
    spec = cs[sel["contract"]]
    px = sel["price"].astype(np.float64)
    per_lot = (
        px * spec["tick_value"] * spec["margin_rate"] + px * spec["tick_value"] * spec["fee_open"]
    )
    frozen = np.zeros(n_a)
    np.add.at(frozen, sel["account"], sel["leaves"] * per_lot)
    _close(acct["frozen"], frozen, "frozen margin")
    long_val = pos["long_yd"] * cs["prev_settle"] + pos["long_td_cost"]
    short_val = pos["short_yd"] * cs["prev_settle"] + pos["short_td_cost"]
    method = eng.market.margin_method
    val = long_val + short_val if method == MARGIN_BOTH else np.maximum(long_val, short_val)
    _close(pos["margin"], val * cs["tick_value"] * cs["margin_rate"], "position margin")
    _close(acct["margin"], pos["margin"].sum(axis=1), "account margin")
    assert np.all(np.isfinite(acct["reserve"])), "non-finite reserve"

    # market state (BRK): an armed or running breaker keeps the breaker band in force
    armed = np.isin(cs["mstate"], (MS_NORMAL, MS_WATCH, MS_BREAKER))
    assert np.all(cs["band_lo"][armed] == cs["breaker_lo"][armed]), "band is not the breaker band"
    assert np.all(cs["band_hi"][armed] == cs["breaker_hi"][armed]), "band is not the breaker band"
    assert np.all(cs["breaker_hi"][armed] > 0), "breaker state without breaker prices"
