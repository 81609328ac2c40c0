"""Orders frame -> engine messages (``riskcore.sim.messages``): enums, ticks, indices, targets.

Rules: UNIT-02 (off-tick flag, never rounded), MATCH-07 (unknown account / symbol / order
rejected at run time, not at load).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcore.records import (
    BUY,
    CANCEL,
    CLOSE,
    FAK,
    FLAG_OFF_TICK,
    FOK,
    LIMIT,
    MARKET,
    NEW,
    OPEN,
    SELL,
    SRC_CLIENT,
)
from riskcore.scenario import ORDERS_SCHEMA
from riskcore.sim.messages import build_messages, cancel_targets

ACCOUNTS = ("A", "B")
CONTRACTS = ("IF1509", "IF1512")
TICK = np.array([0.2, 0.2])


def frame(rows: list[dict]) -> pl.DataFrame:
    cols = {name: [r.get(name) for r in rows] for name in ORDERS_SCHEMA.names()}
    for i, r in enumerate(rows):
        cols["at"][i] = r.get("at", 1_000 + i)
        cols["action"][i] = r.get("action", "new")
    return pl.DataFrame(cols, schema=ORDERS_SCHEMA)


def new(account="A", symbol="IF1509", side="buy", offset="open", type="limit", price=3500.0,
        qty=1, client_id=None) -> dict:  # fmt: skip
    return dict(account=account, symbol=symbol, side=side, offset=offset, type=type,
                price=price, qty=qty, client_id=client_id)  # fmt: skip


def cancel(account="A", target="x") -> dict:
    return dict(action="cancel", account=account, client_id=target)  # its id: its target


def test_enums_map_to_engine_codes():
    rows = [
        new(side="buy", offset="open", type="limit"),
        new(side="sell", offset="close", type="market", price=None),
        new(side="buy", offset="close", type="fak"),
        new(side="sell", offset="open", type="fok", symbol="IF1512", account="B"),
    ]
    m = build_messages(frame(rows), ACCOUNTS, CONTRACTS, TICK)
    assert m["side"].tolist() == [BUY, SELL, BUY, SELL]
    assert m["offset"].tolist() == [OPEN, CLOSE, CLOSE, OPEN]
    assert m["type"].tolist() == [LIMIT, MARKET, FAK, FOK]
    assert m["action"].tolist() == [NEW] * 4
    assert m["account"].tolist() == [0, 0, 0, 1]
    assert m["contract"].tolist() == [0, 0, 0, 1]
    assert m["order_no"].tolist() == [0, 1, 2, 3]
    assert m["ts"].tolist() == [1000, 1001, 1002, 1003]
    assert m["price"].tolist() == [17500, 0, 17500, 17500]
    assert (m["source"] == SRC_CLIENT).all()
    assert (m["target"] == -1).all()


def test_unit_02_off_tick_price_is_flagged_not_rounded():
    """Rule: UNIT-02 — 3500.1 at tick 0.2 is flagged OFF_TICK; 3500.2 and 3132.2 are exact."""
    rows = [new(price=3500.1), new(price=3500.2), new(price=3132.2), new(price=3500.2000000001)]
    m = build_messages(frame(rows), ACCOUNTS, CONTRACTS, TICK)
    assert m["flags"].tolist() == [FLAG_OFF_TICK, 0, 0, 0]
    assert m["price"].tolist()[1:] == [17501, 15661, 17501]


def test_unit_02_tick_tolerance_is_relative():
    """Rule: UNIT-02 — whole ticks within 1e-9 x the price; NaN (no price) is 0 ticks."""
    prices = [3480.2, 3480.2 + 1e-5, 3480.2 + 1e-7, None]
    rows = [new(price=p, type="market" if p is None else "limit") for p in prices]
    m = build_messages(frame(rows), ACCOUNTS, CONTRACTS, TICK)
    assert m["price"].tolist() == [17401, 17401, 17401, 0]
    assert m["flags"].tolist() == [0, FLAG_OFF_TICK, 0, 0]  # 1e-7 is within 1e-9 x 3480.2


def test_match_07_unknown_account_and_symbol_become_minus_one():
    """Rule: MATCH-07 — unknown names are loaded and rejected by the kernel (index -1)."""
    rows = [new(account="NOPE"), new(symbol="IH1509"), new()]
    m = build_messages(frame(rows), ACCOUNTS, CONTRACTS, TICK)
    assert m["account"].tolist() == [-1, 0, 0]
    assert m["contract"].tolist() == [0, -1, 0]
    assert m["price"].tolist() == [17500, 0, 17500]  # no tick known for an unknown symbol
    assert m["flags"].tolist() == [0, 0, 0]


def test_cancel_targets_by_client_id_on_the_same_account():
    rows = [
        new(account="A", client_id="o1"),
        new(account="B", client_id="o1"),  # the same id on another account
        cancel(account="B", target="o1"),  # -> order 1
        cancel(account="A", target="o1"),  # -> order 0
        cancel(account="A", target="zz"),  # unknown id -> -1
        cancel(account="C", target="o1"),  # unknown account -> -1
        cancel(account="A", target="later"),  # names a later order -> -1 (not earlier)
        new(account="A", client_id="later"),
    ]
    df = frame(rows)
    assert cancel_targets(df).tolist() == [-1, -1, 1, 0, -1, -1, -1, -1]
    m = build_messages(df, ACCOUNTS, CONTRACTS, TICK)
    assert m["action"].tolist() == [NEW, NEW, CANCEL, CANCEL, CANCEL, CANCEL, CANCEL, NEW]
    assert m["target"].tolist() == [-1, -1, 1, 0, -1, -1, -1, -1]
    # a cancel's contract is its target's; unknown target -> -1
    assert m["contract"].tolist() == [0, 0, 0, 0, -1, -1, -1, 0]
    assert m["qty"][2:7].tolist() == [0] * 5


def test_match_07_oversized_quantities_are_sent_as_bad_qty():
    """Rule: MATCH-07 BAD_QTY — more lots than int32 holds, or a market order above the
    rulebook's max_market_order_qty, are sent with qty 0 (the table keeps the real qty)."""
    rows = [new(qty=2**31), new(qty=-3), new(type="market", price=None, qty=51), new(qty=51)]
    m = build_messages(frame(rows), ACCOUNTS, CONTRACTS, TICK, max_market_order_qty=50)
    assert m["qty"].tolist() == [0, -1, 0, 51]


def test_empty_flow():
    m = build_messages(frame([]), ACCOUNTS, CONTRACTS, TICK)
    assert len(m) == 0


def test_cancel_targets_with_integer_ids_match_as_text_ids_do():
    """Integer flow ids (kept as Int32) are matched on the exact (account, id) pair: the
    same targets as the same ids written as text, including ids equal modulo 2**32."""
    rows = [
        new(account="A", client_id=7),
        new(account="B", client_id=7),
        new(account="A", client_id=-1),
        cancel(account="B", target=7),  # -> 1
        cancel(account="A", target=7),  # -> 0
        cancel(account="A", target=-1),  # -> 2
        cancel(account="A", target=8),  # unknown -> -1
        cancel(account="A", target=9),  # a later id -> -1
        new(account="A", client_id=9),
    ]
    ints = frame([{**r, "client_id": None} for r in rows]).with_columns(
        pl.Series("client_id", [r["client_id"] for r in rows], dtype=pl.Int32)
    )
    text = frame([{**r, "client_id": str(r["client_id"])} for r in rows])
    want = [-1, -1, -1, 1, 0, 2, -1, -1, -1]
    assert cancel_targets(ints).tolist() == want
    assert cancel_targets(text).tolist() == want


def test_flow_messages_built_by_block_equal_the_whole_build(monkeypatch):
    """Blocks of any size and place (the chunk boundary moved inside them), a block written
    into a reused buffer, a non-consecutive selection, the prefix blocks a saved state
    digests, the engine's contract per message and the table fields: all the same bytes or
    values as the whole flow built at once."""
    import riskcore.sim.messages as messages
    from riskcore.sim.loop import TABLE_MSG_DTYPE, _table_fields
    from riskcore.sim.messages import FlowMessages

    monkeypatch.setattr(messages, "_CHUNK", 7)  # several chunks in a block
    rng = np.random.default_rng(5)
    rows = []
    for i in range(60):
        if i > 3 and rng.random() < 0.3:
            rows.append(cancel(account="AB"[i % 2], target=str(int(rng.integers(0, i + 3)))))
        else:
            price = 3500.0 + 0.2 * (i % 5) + 0.05 * (i % 7 == 0)  # some off the tick
            rows.append(new(account="AB"[i % 2], symbol=CONTRACTS[i % 3 % 2],
                            side=("buy", "sell")[i % 2], price=price, qty=i % 4 + 1,
                            client_id=str(i)))  # fmt: skip
    df = frame(rows)
    whole = build_messages(df, ACCOUNTS, CONTRACTS, TICK)
    flow = FlowMessages(df, ACCOUNTS, CONTRACTS, TICK)
    assert len(flow) == len(whole) == 60
    buffer = np.zeros(25, dtype=whole.dtype)
    for lo, hi in ((0, 60), (0, 1), (3, 17), (13, 38), (59, 60)):
        assert flow.block(lo, hi).tobytes() == whole[lo:hi].tobytes()
        if hi - lo <= len(buffer):
            got = flow.block(lo, hi, buffer)
            assert np.shares_memory(got, buffer) and got.tobytes() == whole[lo:hi].tobytes()
    pick = np.array([2, 3, 5, 8, 13, 21])
    took = flow.take(pick, buffer)  # a gather: compared field by field (no padding)
    assert all(np.array_equal(took[f], whole[pick][f]) for f in whole.dtype.names)
    for k in (0, 1, 7, 30, 60):
        assert b"".join(b.tobytes() for b in flow.blocks(k, size=11)) == whole[:k].tobytes()
    assert np.array_equal(flow.contracts(), whole["contract"])
    assert np.array_equal(flow.ts, whole["ts"])
    fields = _table_fields(flow)
    assert fields.dtype == TABLE_MSG_DTYPE
    assert fields.tobytes() == _table_fields(whole).tobytes()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from(["A", "B", "C"]), st.integers(-3, 40) | st.none()),
        min_size=1,
        max_size=120,
    ),
    st.sampled_from([pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.String]),
)
def test_match_07_cancel_targets_equal_a_join_on_the_text(rows, dtype):
    """Rule: MATCH-07 — pairing cancels through the hash table (exact keys for small
    integer ids, hashed keys otherwise; slots fetched ahead) names the same earlier order as
    a plain join on (account, id) as text, or none; a repeated id falls back to the join."""
    from riskcore.sim.messages import _cancel_targets_join

    seen, flow = set(), []
    for is_cancel, account, ident in rows:
        if is_cancel:
            flow.append(cancel(account=account, target=ident))
        elif ident is not None and (account, ident) in seen:
            flow.append(new(account=account))  # ids are unique per account
        else:
            seen.add((account, ident))
            flow.append(new(account=account, client_id=ident))
    ids = [r["client_id"] for r in flow]
    df = frame([{**r, "client_id": None} for r in flow]).with_columns(
        pl.Series("client_id", [None if i is None else str(i) for i in ids]).cast(dtype)
    )
    text = df.with_columns(pl.col("client_id").cast(pl.String))
    assert cancel_targets(df).tolist() == _cancel_targets_join(text).tolist()


def _flow_of(n: int):
    from riskcore.sim.messages import FlowMessages

    rows = [
        new(account="AB"[i % 2], price=3500.0 + 0.2 * (i % 9), qty=i % 5 + 1, client_id=str(i))
        if i % 4
        else cancel(account="AB"[i % 2], target=str(i // 2))
        for i in range(n)
    ]
    df = frame(rows)
    return FlowMessages(df, ACCOUNTS, CONTRACTS, TICK), build_messages(
        df, ACCOUNTS, CONTRACTS, TICK
    )


def test_block_reader_hands_out_each_block_unchanged_until_the_next():
    """The reader builds the next block on its helper thread while one is read: every
    block has the bytes of the whole build and stays so until the next is asked for;
    non-consecutive parts are gathered."""
    import time

    from riskcore.sim.messages import BlockReader

    flow, whole = _flow_of(100)
    parts = [np.arange(0, 30), np.arange(30, 60), np.array([60, 62, 65]), np.arange(66, 100)]
    reader = BlockReader(flow, 40)
    seen = []
    for part, block in zip(parts, reader.read(parts), strict=True):
        want = whole[part]
        assert all(np.array_equal(block[f], want[f]) for f in whole.dtype.names)
        time.sleep(0.01)  # the next block is being built meanwhile, in the other buffer
        assert all(np.array_equal(block[f], want[f]) for f in whole.dtype.names)
        seen.append(len(block))
    assert seen == [30, 30, 3, 34]
    reader.close()


def test_block_reader_stopped_early_leaves_no_build_running():
    from riskcore.sim.messages import BlockReader

    flow, whole = _flow_of(80)
    reader = BlockReader(flow, 20)
    blocks = reader.read([np.arange(k, k + 20) for k in range(0, 80, 20)])
    first = next(blocks)
    assert first.tobytes() == whole[:20].tobytes()
    blocks.close()  # waits for the block being built
    assert reader._helper is not None and not reader._helper._work_queue.qsize()
    reader.close()
    assert reader._helper is None and reader.msgs is None
