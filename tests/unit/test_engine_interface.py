"""Engine interface and input validation at the boundary (MATCH-07: never crash the run on a
bad order; a malformed *batch* is a programming error and raises ``ValueError``)."""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.market import make_market, make_messages
from riskcore.records import (
    BUY,
    CANCEL,
    EV_ACCEPTED,
    EV_CANCELLED,
    EV_REJECTED,
    EVENT_DTYPE,
    FILL_DTYPE,
    MSG_DTYPE,
    PHASE_AUCTION,
    PHASE_CONTINUOUS,
    R_UNKNOWN_ORDER,
    SELL,
    ST_ACCEPTED,
    ST_FILLED,
    ST_NONE,
    ST_PARTIAL,
    ST_REJECTED,
)

GOOD = dict(account=0, side=BUY, price=17500, qty=1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("side", 0),
        ("side", 3),
        ("offset", 2),
        ("offset", -1),
        ("type", 4),
        ("type", -1),
        ("action", 2),
        ("order_no", -1),
    ],
)
def test_match_07_malformed_message_raises_value_error(engine_cls, field, value):
    """Rule: MATCH-07 — a malformed message makes ``submit`` raise ValueError and the whole batch
    is left unprocessed (the good message before it included)."""
    eng = engine_cls(make_market())
    msgs = make_messages([dict(GOOD), dict(GOOD, **{field: value})])
    with pytest.raises(ValueError):
        eng.submit(msgs)
    eng.check()
    assert eng.book() == []
    assert eng.order_status(np.array([0]))[0].tolist() == [ST_NONE]
    batch = eng.submit(make_messages([dict(GOOD)]))  # order_no 0 is still free
    assert batch.events["kind"].tolist() == [EV_ACCEPTED]


def test_match_07_cancel_side_is_not_validated(engine_cls):
    """Rule: MATCH-07 — side matters only for NEW messages; a cancel with side 0 is fine."""
    eng = engine_cls(make_market())
    batch = eng.submit(make_messages([dict(action=CANCEL, account=0, target=5, side=0)]))
    assert batch.events["kind"].tolist() == [EV_REJECTED]
    assert batch.events["reason"].tolist() == [R_UNKNOWN_ORDER]


def test_match_07_duplicate_order_no_in_batch_raises(engine_cls):
    """Rule: MATCH-07 — order numbers are unique within a batch."""
    eng = engine_cls(make_market())
    msgs = make_messages([dict(GOOD), dict(GOOD)])
    msgs["order_no"] = [3, 3]
    with pytest.raises(ValueError):
        eng.submit(msgs)
    assert eng.book() == []


def test_match_07_duplicate_of_earlier_order_no_raises(engine_cls):
    """Rule: MATCH-07 — order numbers are unique over the engine's life, rejected ones too."""
    eng = engine_cls(make_market())
    eng.submit(make_messages([dict(GOOD), dict(GOOD, qty=0)]))  # 0 accepted, 1 rejected
    for no in (0, 1):
        msgs = make_messages([dict(GOOD)])
        msgs["order_no"] = no
        with pytest.raises(ValueError):
            eng.submit(msgs)
    eng.check()
    assert [row[3] for row in eng.book()] == [0]


@pytest.mark.parametrize("phase", [3, -1, "continuous", None])
def test_match_07_bad_phase_raises(engine_cls, phase):
    """Rule: MATCH-07 — phase must be one of the PHASE_* constants."""
    eng = engine_cls(make_market())
    with pytest.raises(ValueError):
        eng.submit(make_messages([dict(GOOD)]), phase=phase)


def test_match_07_messages_coerced_to_msg_dtype(engine_cls):
    """Rule: MATCH-07 — a packed (unaligned) copy of MSG_DTYPE or a list of tuples is coerced."""
    eng = engine_cls(make_market())
    msgs = make_messages([dict(GOOD), dict(GOOD, account=1, side=SELL)])
    msgs["order_no"] = [0, 1]
    packed = np.dtype([(name, MSG_DTYPE.fields[name][0]) for name in MSG_DTYPE.names])
    batch = eng.submit(msgs[:1].astype(packed))
    assert batch.events.dtype == EVENT_DTYPE
    batch = eng.submit(msgs[1:].tolist())
    assert len(batch.fills) == 1 and batch.fills.dtype == FILL_DTYPE


def test_match_07_unconvertible_messages_raise(engine_cls):
    """Rule: MATCH-07 — input that is not message records raises ValueError."""
    eng = engine_cls(make_market())
    with pytest.raises(ValueError):
        eng.submit([{"account": 0}])


def test_empty_batch(engine_cls):
    """An empty batch gives empty, correctly typed arrays."""
    eng = engine_cls(make_market())
    batch = eng.submit(np.zeros(0, dtype=MSG_DTYPE))
    assert batch.events.dtype == EVENT_DTYPE and batch.fills.dtype == FILL_DTYPE
    assert len(batch.events) == len(batch.fills) == 0
    assert len(eng.run_auction(0).events) == 0
    assert len(eng.expire(0).events) == 0


def test_order_status_unknown_and_known(engine_cls):
    """``order_status`` gives ST_NONE/0/0 for numbers never seen, status/filled/reason else."""
    eng = engine_cls(make_market())
    eng.submit(
        make_messages(
            [
                dict(account=0, side=BUY, price=17500, qty=3),
                dict(account=1, side=SELL, price=17500, qty=1),
                dict(account=1, side=SELL, price=17500, qty=-1),
            ]
        )
    )
    status, filled, reason = eng.order_status(np.array([0, 1, 2, 3, 1000, -7]))
    assert status.tolist() == [ST_PARTIAL, ST_FILLED, ST_REJECTED, ST_NONE, ST_NONE, ST_NONE]
    assert filled.tolist() == [1, 1, 0, 0, 0, 0]
    assert reason.tolist() == [0, 0, 3, 0, 0, 0]
    assert status.dtype.kind == filled.dtype.kind == reason.dtype.kind == "i"


def test_depth_pads_with_zeros(engine_cls):
    """``depth`` returns int64 arrays of ``levels`` entries, best first, zero padded."""
    eng = engine_cls(make_market())
    eng.submit(
        make_messages(
            [dict(account=0, side=BUY, price=17500 - i, qty=i + 1) for i in range(7)]
            + [dict(account=1, side=SELL, price=17600, qty=2)]
        )
    )
    d = eng.depth(0, levels=5)
    assert d.bid_price.tolist() == [17500, 17499, 17498, 17497, 17496]
    assert d.bid_qty.tolist() == [1, 2, 3, 4, 5]
    assert d.ask_price.tolist() == [17600, 0, 0, 0, 0]
    assert d.ask_qty.tolist() == [2, 0, 0, 0, 0]
    for arr in d:
        assert arr.dtype == np.int64 and arr.shape == (5,)
    assert eng.depth(0, levels=1).bid_qty.tolist() == [1]
    assert eng.depth(0).bid_price.shape == (5,)


def test_event_fields_of_cancel_request(engine_cls):
    """A successful cancel request: EV_ACCEPTED with qty 0 and leaves 0 for the request, naming
    the target's contract and side (a cancel message's own contract/side are not used), then
    EV_CANCELLED for the target with the target's own fields."""
    eng = engine_cls(make_market(n_contracts=2))
    eng.submit(make_messages([dict(account=2, side=SELL, price=17600, qty=4, contract=1)]))
    batch = eng.submit(
        make_messages([dict(ts=99, order_no=1, action=CANCEL, account=2, target=0, contract=0)]),
        phase=PHASE_CONTINUOUS,
    )
    e = batch.events
    assert e["order_no"].tolist() == [1, 0]
    assert e["kind"].tolist() == [EV_ACCEPTED, EV_CANCELLED]
    assert e["qty"].tolist() == [0, 4] and e["leaves"].tolist() == [0, 0]
    assert e["ts"].tolist() == [99, 99]
    assert e["account"].tolist() == [2, 2] and e["contract"].tolist() == [1, 1]
    assert e["side"].tolist() == [SELL, SELL]
    assert eng.order_status(np.array([1]))[0].tolist() == [ST_ACCEPTED]


def test_positions_and_account_state_shapes(engine_cls):
    """``positions`` is (n_accounts, n_contracts); ``account_state`` carries investor/member."""
    market = make_market(
        n_contracts=3, n_accounts=5, investors=[0, 0, 1, 2, 3], members=[0, 1] * 2 + [1]
    )
    eng = engine_cls(market)
    assert eng.positions().shape == (5, 3)
    state = eng.account_state()
    assert state.shape == (5,)
    assert state["investor"].tolist() == [0, 0, 1, 2, 3]
    assert state["member"].tolist() == [0, 1, 0, 1, 1]
    assert eng.self_trades().tolist() == [0, 0, 0, 0]
    assert eng.self_trades().dtype == np.int64


def test_check_allows_crossed_book_only_during_auction(engine_cls):
    """``check`` accepts a crossed book while auction orders are collected; the auction then
    uncrosses it."""
    eng = engine_cls(make_market())
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
    eng.run_auction(1)
    eng.check()
    assert eng.book() == []
    msgs = make_messages([dict(order_no=2, account=0, side=BUY, price=17500, qty=1)])
    eng.submit(msgs, phase=PHASE_CONTINUOUS)
    eng.check()


def _random_messages(rng, start_no: int, n: int, n_accounts: int, n_contracts: int):
    """A random but mostly valid message stream around 17,500 ticks."""
    rows = []
    for i in range(n):
        no = start_no + i
        if rng.random() < 0.15 and no > 0:
            rows.append(
                dict(order_no=no, action=CANCEL, account=int(rng.integers(n_accounts)),
                     target=int(rng.integers(no)))
            )  # fmt: skip
            continue
        rows.append(
            dict(
                order_no=no,
                account=int(rng.integers(n_accounts)),
                contract=int(rng.integers(n_contracts)),
                side=int(rng.integers(1, 3)),
                offset=int(rng.random() < 0.35),
                type=int(rng.choice(4, p=[0.7, 0.1, 0.1, 0.1])),
                price=int(rng.integers(17490, 17511)),
                qty=int(rng.integers(1, 6)),
                source=int(rng.integers(4)),
            )
        )
    msgs = make_messages(rows)
    msgs["ts"] = np.arange(start_no, start_no + n)
    return msgs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_stream_keeps_invariants(engine_cls, seed):
    """Rule: MATCH-01..07, MARGIN-01..03 — a seeded random day (auction, continuous trading,
    expiry) keeps every ``check()`` invariant after every batch, and per account
    ``reserve + margin + fees - realised`` is conserved (money only moves between them)."""
    rng = np.random.default_rng(seed)
    n_accounts, n_contracts = 6, 2
    long_yd = rng.integers(0, 4, size=(n_accounts, n_contracts))
    short_yd = np.zeros_like(long_yd)
    short_yd[::-1] = long_yd  # reversed rows: totals balance per contract
    market = make_market(
        n_contracts, n_accounts, investors=[0, 0, 1, 2, 3, 4], members=[0, 1, 0, 1, 0, 1],
        fee_open=0.000023, fee_close=0.000023, fee_close_today=0.00069, pos_limit=20,
        member_limit=40, long_yd=long_yd, short_yd=short_yd, reserve=3e6,
        stp_policy=seed % 2,
    )  # fmt: skip
    eng = engine_cls(market)

    def money():
        s = eng.account_state()
        return s["reserve"] + s["margin"] + s["fees"] - s["realised"]

    start = money()
    no = 0
    eng.submit(_random_messages(rng, no, 40, n_accounts, n_contracts), phase=PHASE_AUCTION)
    eng.check()
    no += 40
    eng.run_auction(no)
    eng.check()
    for _ in range(15):
        eng.submit(_random_messages(rng, no, 20, n_accounts, n_contracts))
        eng.check()
        no += 20
    np.testing.assert_allclose(money(), start, rtol=1e-12)
    eng.expire(no)
    eng.check()
    assert eng.book() == []
    np.testing.assert_allclose(eng.account_state()["frozen"], 0.0, atol=1e-6)
    pos = eng.positions()
    assert (pos["pend_close_long"] == 0).all() and (pos["pend_close_short"] == 0).all()


def test_event_fields_of_rejected_cancel(engine_cls):
    """Rule: MATCH-07 — a rejected cancel's event carries the message's account, contract and
    side, with qty 0 and leaves 0 (a cancel request has no quantity)."""
    eng = engine_cls(make_market(n_contracts=2))
    msgs = make_messages([dict(action=CANCEL, account=3, target=42, contract=1, side=BUY, qty=5)])
    batch = eng.submit(msgs, phase=PHASE_CONTINUOUS)
    e = batch.events[0]
    assert (int(e["kind"]), int(e["reason"]), int(e["qty"]), int(e["leaves"])) == (
        EV_REJECTED,
        R_UNKNOWN_ORDER,
        0,
        0,
    )
    assert (int(e["account"]), int(e["contract"]), int(e["side"])) == (3, 1, BUY)


def test_match_07_first_malformed_message_is_named():
    """Rule: MATCH-07 — the numba engine's error names the first bad message in row order,
    whether its order number was used before (row 1) or a field is malformed (row 2)."""
    from riskcore.engine import Engine

    eng = Engine(make_market())
    eng.submit(make_messages([dict(GOOD)]))  # order_no 0
    msgs = make_messages([dict(GOOD), dict(GOOD), dict(GOOD, side=0)])
    msgs["order_no"] = [5, 0, 6]
    with pytest.raises(ValueError, match=r"^message 1: order_no already used"):
        eng.submit(msgs)
    msgs["order_no"] = [5, 7, 6]
    with pytest.raises(ValueError, match=r"^message 2: side must be"):
        eng.submit(msgs)


def test_match_07_unused_order_no_below_the_highest_is_accepted(engine_cls):
    """Rule: MATCH-07 — order numbers need not increase across batches: one never used
    before is accepted, below the highest seen or not; a used one is refused."""
    eng = engine_cls(make_market())
    first = make_messages([dict(GOOD)])
    first["order_no"] = 10
    eng.submit(first)
    gap = make_messages([dict(GOOD), dict(GOOD)])
    gap["order_no"] = [4, 11]
    assert eng.submit(gap).events["kind"].tolist() == [EV_ACCEPTED, EV_ACCEPTED]
    again = make_messages([dict(GOOD)])
    again["order_no"] = 4
    with pytest.raises(ValueError, match=r"index 0|message 0"):
        eng.submit(again)
    eng.check()


def test_pool_grows_from_one_slot_and_reuses_freed_slots():
    """The order pool starts at one slot, grows to hold a batch that all rests, and hands
    a cancelled order's slot to the next resting order before any fresh slot."""
    from riskcore.engine import Engine
    from riskcore.engine.layout import C_POOL_TOP

    eng = Engine(make_market(), pool_capacity=1)
    rest = make_messages([dict(GOOD, price=17500 - k, qty=1) for k in range(50)])
    eng.submit(rest)
    assert len(eng.pool) >= 50 and eng.ctr[C_POOL_TOP] == 50
    cancel = make_messages([dict(GOOD, action=CANCEL, target=7)])
    cancel["order_no"] = 50
    eng.submit(cancel)
    again = make_messages([dict(GOOD, price=17400)])
    again["order_no"] = 51
    eng.submit(again)
    assert eng.ctr[C_POOL_TOP] == 50  # slot of order 7 reused, no fresh one taken
    assert eng.ords["slot_plus_1"][51] == 7 + 1
    eng.check()
    assert len(eng.book()) == 50


def test_fill_batches_follow_each_other_in_the_reserved_buffer():
    """Fills of successive batches (auction and continuous) are written one after the other
    into the buffer ``reserve_fills`` made, so a day's batches join without a copy; without
    room left a batch gets a new buffer, and joining falls back to a copy, same rows."""
    from riskcore.engine import Engine
    from riskcore.sim.loop import _adjacent

    def crossing(first_no, n):
        rows = [dict(GOOD, account=0, side=BUY), dict(GOOD, account=1, side=SELL)] * n
        msgs = make_messages(rows)
        msgs["order_no"] = np.arange(first_no, first_no + 2 * n)
        return msgs

    for room in (10_000, 70):
        eng = Engine(make_market())
        eng.reserve_fills(room)
        eng.submit(crossing(0, 3), phase=PHASE_AUCTION)
        parts = [eng.run_auction(0).fills]
        parts += [eng.submit(crossing(6 + 40 * k, 20)).fills for k in range(3)]
        assert [len(p) for p in parts] == [3, 20, 20, 20]
        joined = _adjacent(parts)
        want = np.concatenate(parts)
        if room == 10_000:
            assert joined is not None and np.shares_memory(joined, parts[0])
            assert all(np.array_equal(joined[f], want[f]) for f in want.dtype.names)
        else:  # the third batch did not fit: a buffer of its own
            assert joined is None


def test_day_fills_are_a_view_of_a_large_buffer_and_a_copy_of_a_small_one():
    """A day's fill batches in one buffer join as a view when the buffer is large (fresh
    memory, resident only where written) and as a copy of their rows when it is small and
    mostly empty (it may be reused heap memory, resident whole)."""
    from riskcore.engine import Engine
    from riskcore.sim.loop import SMALL, _day_fills

    rows = [dict(GOOD, account=0, side=BUY), dict(GOOD, account=1, side=SELL)] * 10
    for reserve, view in ((1_000, False), (SMALL // 64 + 1, True)):
        eng = Engine(make_market())
        eng.reserve_fills(reserve)
        parts = []
        for k in range(3):
            msgs = make_messages(rows)
            msgs["order_no"] = np.arange(20 * k, 20 * k + 20)
            parts.append(eng.submit(msgs).fills)
        joined = _day_fills(parts)
        assert len(joined) == 30
        assert np.shares_memory(joined, parts[0]) == view
        want = np.concatenate(parts)
        assert all(np.array_equal(joined[f], want[f]) for f in want.dtype.names)


def test_fill_reservation_is_capped():
    """A day of any size reserves at most FILL_BUFFER_MAX fill rows of address space up
    front (a trillion would fail to allocate); fills beyond go to a new buffer."""
    from riskcore.engine import Engine
    from riskcore.engine.engine import FILL_BUFFER_MAX

    eng = Engine(make_market())
    eng.reserve_fills(10**12)
    assert len(eng._fills) == FILL_BUFFER_MAX


def test_order_status_of_a_range_equals_the_status_of_its_numbers(engine_cls):
    """``order_status_range(a, b)`` gives what ``order_status`` gives for ``a .. b - 1``,
    numbers the engine never saw included (status 0)."""
    eng = engine_cls(make_market())
    msgs = make_messages(
        [dict(GOOD, price=17500 + k % 3, side=BUY if k % 2 else SELL) for k in range(12)]
    )
    eng.submit(msgs)
    for first, stop in ((0, 12), (3, 7), (5, 5), (10, 40), (10, 5000)):
        got = eng.order_status_range(first, stop)
        want = eng.order_status(np.arange(first, stop))
        for g, w in zip(got, want, strict=True):
            assert np.array_equal(np.asarray(g, dtype=np.int64), w), (first, stop)
