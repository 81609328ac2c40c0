"""The numba engine's helper threads for large batches: the batch scan in two halves and
the output buffers faulted in ahead of the kernel. Neither may change a result."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcore.engine import Engine, engine, prefault, validate_nb
from riskcore.flows import standard_flow
from riskcore.market import make_market, make_messages
from riskcore.records import BUY, MSG_DTYPE

GOOD = dict(account=0, side=BUY, price=17500, qty=1)

needs_prefault = pytest.mark.skipif(
    not prefault.available(), reason="needs Linux 5.14+ (MADV_POPULATE_WRITE)"
)


@st.composite
def batches(draw):
    """A batch's order numbers (increasing, shuffled or repeated) and maybe one bad field."""
    n = draw(st.integers(2, 40))
    msgs = np.zeros(n, dtype=MSG_DTYPE)
    msgs["side"] = BUY
    nos = np.arange(n) * draw(st.integers(1, 3)) + draw(st.integers(0, 5))
    order = draw(st.sampled_from(["increasing", "shuffled", "repeated"]))
    if order == "shuffled":
        nos = np.array(draw(st.permutations(list(nos))))
    elif order == "repeated":
        nos[draw(st.integers(1, n - 1))] = nos[draw(st.integers(0, n - 1))]
    msgs["order_no"] = nos
    if draw(st.booleans()):
        field, value = draw(
            st.sampled_from([("side", 0), ("offset", 2), ("type", 7), ("action", 3)])
        )
        msgs[field][draw(st.integers(0, n - 1))] = value
    if draw(st.booleans()):
        msgs["order_no"][draw(st.integers(0, n - 1))] = -1
    return msgs


@settings(max_examples=300, deadline=None)
@given(batches())
def test_match_07_scan_joined_from_two_parts_equals_one_pass(msgs):
    """Rule: MATCH-07 — the batch check joined from any two parts gives the one-pass result:
    the first bad row and the order numbers before it."""
    whole = validate_nb.scan_messages(msgs)
    for h in range(1, len(msgs)):
        first = validate_nb.scan_messages(msgs[:h])
        second = validate_nb.scan_messages(msgs[h:])
        joined = validate_nb.join_scans(first, second, int(msgs["order_no"][h]), h)
        assert tuple(joined) == tuple(whole), h


def test_match_07_errors_of_a_batch_scanned_in_halves(monkeypatch):
    """Rule: MATCH-07 — scanned in two halves on two threads, a batch is refused with the
    same first bad row, whichever half holds it."""
    monkeypatch.setattr(validate_nb, "SPLIT_MIN", 2)
    eng = Engine(make_market())
    eng.submit(make_messages([dict(GOOD)]))  # order_no 0
    msgs = make_messages([dict(GOOD), dict(GOOD), dict(GOOD), dict(GOOD, side=0)])
    msgs["order_no"] = [5, 6, 7, 8]
    with pytest.raises(ValueError, match=r"^message 3: side must be"):
        eng.submit(msgs)
    msgs["side"][3] = BUY
    msgs["order_no"] = [5, 6, 0, 8]
    with pytest.raises(ValueError, match=r"^message 2: order_no already used"):
        eng.submit(msgs)
    msgs["order_no"] = [5, 8, 6, 8]
    with pytest.raises(ValueError, match=r"unique"):
        eng.submit(msgs)
    msgs["order_no"] = [5, 6, 7, 8]
    assert len(eng.submit(msgs).events) >= 4
    eng.check()


@needs_prefault
def test_populate_changes_no_byte():
    """Faulting pages in for writing leaves what is in them as it was."""
    rng = np.random.default_rng(3)
    buf = rng.integers(0, 255, 3 << 20, dtype=np.uint8)
    before = buf.copy()
    prefault.populate(buf, 0, buf.nbytes)
    prefault.populate(buf, 12345, 2 << 20)
    assert np.array_equal(buf, before)


def _resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * prefault.PAGE


@needs_prefault
def _grown(base: int, least: int, timeout: float = 10.0) -> int:
    """Resident bytes above ``base`` once they are at least ``least`` (or at the timeout):
    a helper thread's progress, however busy the machine."""
    end = time.monotonic() + timeout
    while True:
        grown = _resident_bytes() - base
        if grown >= least or time.monotonic() > end:
            return grown
        time.sleep(0.005)


def test_prefaulter_stays_just_ahead_of_the_writer():
    """The helper maps a buffer only a little past the kernel's write position and follows
    it as it moves; at the end it gives back what the kernel did not reach, so pages a batch
    never writes cost no memory."""
    buf = np.empty(256 << 20, dtype=np.uint8)  # not written: costs address space only
    counters = np.zeros(1, dtype=np.int64)
    window = prefault.AHEAD_BYTES
    rss = _resident_bytes()
    with prefault.Prefaulter(counters, [(buf, 0)]):
        # the helper is a thread: wait until it has mapped its window (or 10 s passed)
        first = _grown(rss, window)
        counters[0] = 64 << 20  # the "kernel" has written 64 MB
        ahead = _grown(rss + first, window) + first
    done = _resident_bytes() - rss
    assert window // 2 <= first <= 2 * window  # mapped ahead of byte 0, not the 256 MB
    assert window // 2 <= ahead - first <= 2 * window  # and then ahead of byte 64 MB
    # what was faulted in past the last write is given back when the kernel returns
    assert done <= first + (4 << 20)


def test_prefaulter_without_targets_starts_no_thread():
    with prefault.Prefaulter(np.zeros(1, dtype=np.int64), []) as p:
        assert p._thread is None


def test_large_batch_results_do_not_depend_on_the_helpers(monkeypatch):
    """Every batch through the helpers (prefault, scan in halves) gives the same events,
    fills, order states and book as without them, also when the pool grows mid-batch."""
    market, msgs = standard_flow(60_000, 7)

    def run():
        eng = Engine(market, pool_capacity=1)
        out = [eng.submit(msgs[:20_000]), eng.submit(msgs[20_000:])]
        eng.check()
        return out, eng.order_status(msgs["order_no"]), eng.book()

    monkeypatch.setattr(engine, "PREFAULT_MIN", 1 << 60)
    monkeypatch.setattr(validate_nb, "SPLIT_MIN", 1 << 60)
    plain = run()
    monkeypatch.setattr(engine, "PREFAULT_MIN", 1)
    monkeypatch.setattr(validate_nb, "SPLIT_MIN", 2)
    helped = run()
    for a, b in zip(plain[0], helped[0], strict=True):
        for name in ("events", "fills", "states"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for u, v in zip(plain[1], helped[1], strict=True):
        assert np.array_equal(u, v)
    assert plain[2] == helped[2]
