"""``riskcore.output.stream.TableStream``: a table written while its rows are made equals
the whole table written at the end, byte for byte (UNIT-04); an aborted or failed stream
leaves no half file."""

from __future__ import annotations

import queue
import threading
import time
from functools import partial

import numpy as np
import pytest

from riskcore.output import stream as stream_module
from riskcore.output import write
from riskcore.output.stream import TableStream
from riskcore.output.tables import SCHEMAS, trades_table
from riskcore.records import FILL_DTYPE

ACCOUNTS = ("A", "B", "C")
CONTRACTS = ("IF1509", "IF1512")
TICK = np.array([0.2, 0.2])
build = partial(trades_table, accounts=ACCOUNTS, contracts=CONTRACTS, tick=TICK)


def fills(n: int, start: int = 0) -> np.ndarray:
    rng = np.random.default_rng(start)
    f = np.zeros(n, FILL_DTYPE)
    f["ts"] = 1_440_000_000_000_000_000 + np.arange(start, start + n) * 1_000
    f["trade_no"] = np.arange(start, start + n)
    f["buy_order_no"], f["sell_order_no"] = rng.integers(-1, 99, n), rng.integers(0, 99, n)
    f["price"] = rng.integers(17_000, 18_000, n)
    f["buy_account"], f["sell_account"] = rng.integers(0, 3, n), rng.integers(0, 3, n)
    f["contract"], f["qty"] = rng.integers(0, 2, n), rng.integers(1, 9, n)
    f["aggressor"], f["kind"] = rng.integers(0, 3, n), rng.integers(0, 6, n)
    return f


@pytest.fixture
def small_groups(monkeypatch):
    """Row groups of 7 rows, for the stream and for the whole-table writer alike."""
    monkeypatch.setitem(write.PARQUET_OPTIONS, "row_group_size", 7)
    return 7


@pytest.mark.parametrize("sizes", [[3, 4, 10, 1, 12], [7, 7], [30], [2]])
def test_unit_04_streamed_table_equals_the_whole_table(sizes, small_groups, tmp_path):
    """Rule: UNIT-04 — rows added in any batches give the bytes of the whole table."""
    parts, start = [], 0
    for n in sizes:
        parts.append(fills(n, start))
        start += n
    stream = TableStream(tmp_path / "s.parquet", FILL_DTYPE, build, SCHEMAS["trades"], 7)
    for p in parts:
        stream.add(p)
    assert stream.close() == start
    write.write_table(build(np.concatenate(parts)), tmp_path / "w.parquet")
    assert (tmp_path / "s.parquet").read_bytes() == (tmp_path / "w.parquet").read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


def test_empty_stream_writes_the_empty_table(small_groups, tmp_path):
    stream = TableStream(tmp_path / "s.parquet", FILL_DTYPE, build, SCHEMAS["trades"], 7)
    stream.add(fills(0))
    assert stream.close() == 0
    write.write_table(build(fills(0)), tmp_path / "w.parquet")
    assert (tmp_path / "s.parquet").read_bytes() == (tmp_path / "w.parquet").read_bytes()


def test_abort_keeps_the_earlier_table_and_leaves_no_temporary_file(small_groups, tmp_path):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"earlier")
    stream = TableStream(path, FILL_DTYPE, build, SCHEMAS["trades"], 7)
    stream.add(fills(20))
    stream.abort()
    assert path.read_bytes() == b"earlier"
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(RuntimeError, match="closed"):
        stream.add(fills(1))


def test_an_ended_stream_is_renamed_into_place_by_close_only(small_groups, tmp_path):
    """After ``end`` the last rows are encoded at once, but the file takes its name only
    in ``close``: until then the earlier table stays."""
    path = tmp_path / "t.parquet"
    path.write_bytes(b"earlier")
    stream = TableStream(path, FILL_DTYPE, build, SCHEMAS["trades"], 7)
    stream.add(fills(10))
    stream.end()
    stream._thread.join(timeout=30)  # the writer has finished
    assert path.read_bytes() == b"earlier" and len(list(tmp_path.glob(".*.tmp"))) == 1
    with pytest.raises(RuntimeError, match="closed"):
        stream.add(fills(1))
    assert stream.close() == 10
    write.write_table(build(fills(10)), tmp_path / "w.parquet")
    assert path.read_bytes() == (tmp_path / "w.parquet").read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("writer_done", [True, False])
def test_abort_after_end_keeps_the_earlier_table(writer_done, small_groups, tmp_path):
    """A run that fails after its trades were complete (``end``) still leaves the earlier
    table and no temporary file, whether the writer had finished or was still encoding."""
    gate = threading.Event()

    def slow(records):
        gate.wait(30)
        return build(records)

    path = tmp_path / "t.parquet"
    path.write_bytes(b"earlier")
    stream = TableStream(path, FILL_DTYPE, slow, SCHEMAS["trades"], 7)
    stream.add(fills(20))
    stream.end()
    if writer_done:
        gate.set()
        stream._thread.join(timeout=30)
    aborting = threading.Thread(target=stream.abort)
    aborting.start()
    gate.set()
    aborting.join(30)
    assert path.read_bytes() == b"earlier"
    assert not list(tmp_path.glob(".*.tmp"))


def test_abort_stops_between_the_groups_of_one_large_item(small_groups, tmp_path):
    """An abort does not encode the rest of a large batch first (the whole ``orders`` flow
    is one item): the writer stops at its next group."""
    gate, calls = threading.Event(), []

    def held(records):
        calls.append(len(records))
        gate.wait(30)
        return build(records)

    stream = TableStream(tmp_path / "t.parquet", FILL_DTYPE, held, SCHEMAS["trades"], 7)
    stream.add(fills(7 * 50))
    stream.end()
    deadline = time.monotonic() + 30
    while not calls and time.monotonic() < deadline:  # the writer holds its first group
        time.sleep(0.01)
    aborting = threading.Thread(target=stream.abort)
    aborting.start()
    while not stream._aborting.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.set()
    aborting.join(30)
    assert len(calls) <= 2  # not the 50 groups
    assert not (tmp_path / "t.parquet").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failing_build_is_raised_by_close(small_groups, tmp_path):
    def bad(records):
        raise ValueError("no table today")

    stream = TableStream(tmp_path / "t.parquet", FILL_DTYPE, bad, SCHEMAS["trades"], 7)
    stream.add(fills(10))
    with pytest.raises(Exception, match="no table today"):
        stream.close()
    assert not (tmp_path / "t.parquet").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_writer_failure_stops_the_next_add(small_groups, tmp_path):
    """A run learns of a failed writer at its next batch, not at its end."""

    def bad(records):
        raise ValueError("disk full")

    stream = TableStream(tmp_path / "t.parquet", FILL_DTYPE, bad, SCHEMAS["trades"], 7)
    stream.add(fills(10))  # a full group: built (and failing) in the writer thread
    stream._thread.join(timeout=30)  # the writer has stopped on its error
    with pytest.raises(Exception, match="disk full"):
        stream.add(fills(3))
    stream.abort()
    assert not list(tmp_path.glob(".*.tmp"))


def test_abort_drops_queued_rows_instead_of_writing_them(small_groups, tmp_path):
    gate, calls = threading.Event(), []

    def held(records):  # the writer waits inside its first group until the abort is under way
        calls.append(len(records))
        gate.wait(30)
        return build(records)

    stream = TableStream(tmp_path / "t.parquet", FILL_DTYPE, held, SCHEMAS["trades"], 7)
    for k in range(200):
        stream.add(fills(7, 7 * k))
    deadline = time.monotonic() + 30
    while not calls and time.monotonic() < deadline:  # the writer holds its first group
        time.sleep(0.01)
    aborting = threading.Thread(target=stream.abort)
    aborting.start()
    while not (stream._closed and stream._queue.qsize() <= 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.set()
    aborting.join(30)
    assert calls == [7]  # the first group only: the other 199 were dropped
    assert not (tmp_path / "t.parquet").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_groups_copy_only_what_spans_two_batches(small_groups, tmp_path):
    """A batch of millions of fills is cut into views, not copied whole when a few rows of
    the previous batch wait for their group."""
    stream = TableStream(tmp_path / "t.parquet", FILL_DTYPE, build, SCHEMAS["trades"], 7)
    stream.abort()  # a stopped stream: only its grouping is used below
    first, big = fills(3), fills(30, 3)
    stream._queue = queue.Queue()
    stream._aborting.clear()
    for item in (first, big, stream_module._END):
        stream._queue.put(item)
    groups = list(stream._groups())
    assert [len(g) for g in groups] == [7, 7, 7, 7, 5]
    assert np.array_equal(np.concatenate(groups), np.concatenate([first, big]))
    assert not np.shares_memory(groups[0], big)  # 3 + 4 rows: the one copy
    assert all(np.shares_memory(g, big) for g in groups[1:])
