"""Reference-engine specifics: ``check()`` catches corrupted state, by-name coercion of
messages, and independence from the numba engine."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

import riskcore.reference
from riskcore.market import make_market, make_messages
from riskcore.records import (
    BUY,
    MS_LIMIT,
    MS_NO_LIMIT,
    MS_WATCH,
    MSG_DTYPE,
    PHASE_AUCTION,
    SELL,
)
from riskcore.reference import ReferenceEngine


def _busy_engine() -> ReferenceEngine:
    eng = ReferenceEngine(make_market(n_accounts=4))
    eng.submit(
        make_messages(
            [
                dict(account=0, side=BUY, price=17500, qty=3),
                dict(account=1, side=SELL, price=17500, qty=1),
                dict(account=2, side=SELL, price=17510, qty=2),
                dict(account=3, side=BUY, price=17490, qty=2),
            ]
        )
    )
    eng.check()
    return eng


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda e: setattr(e.accounts[0], "frozen", e.accounts[0].frozen + 1.0), "frozen"),
        (lambda e: setattr(e.accounts[0], "margin", 0.0), "margin"),
        (lambda e: setattr(e.pos[0][0], "margin", 1.0), "position margin"),
        (lambda e: setattr(e.pos[0][0], "long_td", 5), "long"),
        (lambda e: setattr(e.investor_exp[0][0], "pend_buy", 0), "investor 0"),
        (lambda e: setattr(e.member_exp[0][0], "long", 0), "member 0"),
        (lambda e: e.bids[0].totals.__setitem__(17500, 99), "total"),
        (lambda e: e.live.pop(0), "not live"),
        (lambda e: setattr(e.live[0], "leaves", 0), "leaves"),
        (lambda e: setattr(e.pos[0][0], "pend_close_long", 1), "pending closes"),
    ],
)
def test_reference_check_detects_corruption(corrupt, message):
    """``check()`` raises AssertionError naming what is broken."""
    eng = _busy_engine()
    corrupt(eng)
    with pytest.raises(AssertionError, match=message):
        eng.check()


def test_reference_check_detects_crossed_book_outside_auction():
    """Rule: MATCH-01 — a crossed book is legal only while auction orders are collected."""
    eng = ReferenceEngine(make_market())
    eng.submit(
        make_messages(
            [
                dict(account=0, side=BUY, price=17600, qty=1),
                dict(account=1, side=SELL, price=17400, qty=1),
            ]
        ),
        phase=PHASE_AUCTION,
    )
    eng.check()
    eng.auction_collecting = False
    with pytest.raises(AssertionError, match="crossed"):
        eng.check()


def test_reference_messages_coerced_by_field_name():
    """A structured array with MSG_DTYPE's fields in another order is converted by name (a plain
    ``astype`` would pair fields by position), and missing fields are an error."""
    msgs = make_messages([dict(account=1, side=SELL, price=17500, qty=2, contract=0)])
    reordered = np.zeros(1, np.dtype([(n, MSG_DTYPE.fields[n][0]) for n in MSG_DTYPE.names[::-1]]))
    for name in MSG_DTYPE.names:
        reordered[name] = msgs[name]
    eng = ReferenceEngine(make_market())
    batch = eng.submit(reordered)
    assert eng.book() == [(0, SELL, 17500, 0, 2)]
    assert batch.events["account"].tolist() == [1]
    partial = np.zeros(1, dtype=[("order_no", "i8"), ("qty", "i4")])
    with pytest.raises(ValueError, match="missing"):
        eng.submit(partial)
    with pytest.raises(ValueError, match="structured"):
        eng.submit(np.zeros(3))


def test_reference_does_not_import_the_numba_engine():
    """The oracle shares no code with ``riskcore.engine`` (DESIGN: independent implementation)."""
    for path in pathlib.Path(riskcore.reference.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("riskcore.engine"), path
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("riskcore.engine") for a in node.names), path


def test_reference_does_not_mutate_market():
    """The engine copies the market: ``set_band`` and trading leave the input untouched."""
    market = make_market()
    before = market.contracts.copy()
    eng = ReferenceEngine(market)
    eng.set_band(0, 17000, 18000)
    assert np.array_equal(market.contracts, before)


def _watching_engine() -> ReferenceEngine:
    """Breaker market, session open, a bid at the upper breaker price: state ``watch``."""
    eng = ReferenceEngine(make_market(circuit_breaker=0.06))
    eng.open_session(1_000)
    eng.submit(make_messages([dict(ts=2_000, account=0, side=BUY, price=18550, qty=1)]))
    eng.check()
    return eng


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda e: e.band_hi.__setitem__(0, 19250), "state's band"),
        (lambda e: setattr(e.mstate[0], "watch_since", None), "watch_since"),
        (lambda e: setattr(e.mstate[0], "breaker_until", 5_000), "breaker_until"),
        (lambda e: setattr(e.mstate[0], "state", MS_NO_LIMIT), "no_limit"),
        (lambda e: setattr(e.mstate[0], "state", 9), "not a state"),
        (lambda e: e.band_lo.__setitem__(0, 1), "ladder"),
    ],
)
def test_reference_check_detects_market_state_corruption(corrupt, message):
    """Rule: BRK-01, BRK-03 — ``check()`` asserts the band in force is the one the state
    implies and the timers are set exactly in the states that own them."""
    eng = _watching_engine()
    corrupt(eng)
    with pytest.raises(AssertionError, match=message):
        eng.check()


def test_reference_band_set_by_hand_until_the_state_machine_sets_it():
    """Rule: LIMIT-03, BRK-01 — a band set with ``set_band`` (or a Market starting with
    another band) is accepted by ``check()`` until a transition sets its state's band; the
    open record is not a transition and shows the band as it is."""
    eng = ReferenceEngine(make_market(circuit_breaker=0.06, band=0.08))
    assert eng.mstate[0].band_by_hand
    eng.check()
    eng.set_band(0, 16450, 18550)  # the breaker band: no longer by hand
    assert not eng.mstate[0].band_by_hand
    eng.set_band(0, 16000, 19000)
    assert eng.open_session(1_000).states[["band_lo", "band_hi"]].tolist() == [(16000, 19000)]
    eng.check()
    eng.submit(make_messages([dict(ts=2_000, account=0, side=BUY, price=18550, qty=1)]))
    assert eng.market_state(0) == (MS_WATCH, 16000, 19000)  # normal -> watch keeps the band
    assert eng.mstate[0].band_by_hand
    eng.check()
    eng.close_session(700 * 10**9)  # the breaker ran and ended: the limit band
    assert eng.market_state(0) == (MS_LIMIT, 15750, 19250)
    eng.check()
