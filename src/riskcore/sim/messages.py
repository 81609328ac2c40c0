"""The scenario's order flow (a polars DataFrame) as engine messages (``MSG_DTYPE``).

Vectorised with polars and numpy: no Python loop per order. What the exchange would refuse
is *not* decided here (MATCH-07): names the run does not know become index -1 so the
kernel rejects them ``UNKNOWN_ACCOUNT`` / ``UNKNOWN_SYMBOL``, an off-tick price keeps
``FLAG_OFF_TICK`` so the kernel rejects it ``OFF_TICK`` (UNIT-02), and a cancel of an id
that names no earlier order of that account gets target -1 (``UNKNOWN_ORDER``).

Order numbers are the rows' positions in the run's order flow (global and stable: the
frame is sorted by time, same instant in file order).

Choices where the spec is silent:

- A quantity that does not fit the message's int32 (more than 2,147,483,647 lots) and a
  market order larger than the rulebook's ``max_market_order_qty`` are sent with qty 0, so
  the kernel rejects them ``BAD_QTY`` (the tables keep the quantity as written).
- A cancel's contract is its target's contract (unknown target: -1).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import polars as pl

from riskcore.records import (
    BUY,
    CANCEL,
    CLOSE,
    FAK,
    FOK,
    LIMIT,
    MARKET,
    MSG_DTYPE,
    NEW,
    OPEN,
    SELL,
    SRC_CLIENT,
)
from riskcore.sim.prepare_nb import INT32_MAX, fill_messages, match_cancels, table_capacity

OFF_TICK_TOLERANCE = 1e-9
"""Relative tolerance of the whole-ticks test (UNIT-02), as the scenario loader uses."""

_SIDES = {"buy": BUY, "sell": SELL}
_OFFSETS = {"open": OPEN, "close": CLOSE}
_TYPES = {"limit": LIMIT, "market": MARKET, "fak": FAK, "fok": FOK}
_ACTIONS = {"new": NEW, "cancel": CANCEL}


def _code_table(
    s: pl.Series, mapping: dict[str, int], default: int
) -> tuple[pl.Series, np.ndarray]:
    """Strings -> codes via ``mapping`` as a lookup table on keys (unknown or null ->
    ``default``): row i's code is ``table[min(keys[i], len(table) - 1)]``, a null key
    taking the last entry (``default``).

    Enum and Categorical columns are looked up on their physical codes, not one string per
    row: an Enum's categories are its distinct values; polars' Categorical categories are
    process-wide, so the mapping's names have the same physical codes here as in the column
    (the table is built on the names, with no pass over the column).
    """
    if isinstance(s.dtype, pl.Enum):
        cats = s.dtype.categories.to_list()
        table = np.array([*(mapping.get(v, default) for v in cats), default], dtype=np.int64)
        return s.to_physical(), table
    if s.dtype == pl.Categorical:
        names = list(mapping)
        codes = pl.Series(names, dtype=pl.String).cast(pl.Categorical).to_physical()
        codes = codes.to_numpy().astype(np.int64)
        size = int(codes.max()) + 1 if len(names) else 0
        table = np.full(size + 1, default, dtype=np.int64)  # last: a name not in the mapping
        table[codes] = [mapping[k] for k in names]
        return s.to_physical(), table
    names = list(mapping)
    keys = s.replace_strict(
        {k: i for i, k in enumerate(names)}, default=len(names), return_dtype=pl.UInt32
    )
    return keys, np.array([*(mapping[k] for k in names), default], dtype=np.int64)


def _keys(keys: pl.Series, table: np.ndarray, start: int = 0, stop: int | None = None):
    """Rows ``start .. stop - 1`` of ``keys`` as uint32, nulls as the last entry of
    ``table``."""
    part = keys if start == 0 and stop is None else keys.slice(start, stop - start)
    return part.fill_null(len(table) - 1).cast(pl.UInt32).to_numpy()


def _codes(s: pl.Series, mapping: dict[str, int], default: int, dtype) -> np.ndarray:
    """Strings -> codes via ``mapping`` (unknown or null -> ``default``), through
    :func:`_code_table`."""
    keys, table = _code_table(s, mapping, default)
    return table[np.minimum(_keys(keys, table), len(table) - 1)].astype(dtype)


def name_index(s: pl.Series, names: tuple[str, ...]) -> np.ndarray:
    """Index of each name in ``names``; unknown or null -> -1 (int32)."""
    return _codes(s, {n: i for i, n in enumerate(names)}, -1, np.int32)


def cancel_targets(orders: pl.DataFrame) -> np.ndarray:
    """Order number each cancel names, -1 for new orders and unknown targets.

    A cancel's ``client_id`` is its target, a client id; it names the order with that id on
    the cancel's account (ids are unique per account). A target that is not an *earlier* row is
    unknown too (the kernel rejects ``UNKNOWN_ORDER``).

    Matched on one 64-bit key per row in one pass in row order over a hash table
    (:func:`riskcore.sim.prepare_nb.match_cancels`): far less memory than a join on the
    text (20 million rows). Integer ids of up to 32 bits make the key exactly (account
    code, id); other ids give the id's hash mixed with the account's code, and every match
    is confirmed on the ids themselves, so a hash collision cannot pair the wrong orders.
    Colliding keys fall back to that join.
    """
    n = orders.height
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    is_cancel = (orders["action"] == "cancel").fill_null(False).to_numpy()
    cid = tgt = orders["client_id"]  # a new order's id, a cancel's target
    known = cid.is_not_null().to_numpy()
    new_rows = np.flatnonzero(~is_cancel & known)
    cancel_rows = np.flatnonzero(is_cancel & known)
    del known
    if len(new_rows) == 0 or len(cancel_rows) == 0:
        return out
    account = orders["account"]
    if account.dtype != pl.Categorical or account.null_count():
        return _cancel_targets_join(orders)
    acc = account.to_physical().to_numpy()  # the names' codes, uint32
    # 32-bit integer ids: the key is the pair itself (account code, id), exact; other ids:
    # the id's hash mixed with the account code, every match confirmed below
    exact = cid.dtype in (pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16)
    if exact:
        id_values = cid.fill_null(0).to_numpy()

    def keys(ids: pl.Series, rows: np.ndarray) -> np.ndarray:
        account_code = acc[rows].astype(np.uint64)
        if exact:  # the id's 32 bits beside the account's
            low = id_values[rows].astype(np.int32).view(np.uint32).astype(np.uint64)
            return (account_code << np.uint64(32)) | low
        h = ids.gather(rows).hash(seed=0x5EED).to_numpy()
        return h ^ (account_code * np.uint64(0x9E3779B97F4A7C15))

    key_new, key_cancel = keys(cid, new_rows), keys(tgt, cancel_rows)
    capacity = table_capacity(len(new_rows))
    table_keys = np.empty(capacity, dtype=np.uint64)  # read only where a row is set
    table_rows = np.zeros(capacity, dtype=np.int32 if n < INT32_MAX else np.int64)
    if not match_cancels(key_new, new_rows, key_cancel, cancel_rows, table_keys, table_rows, out):
        return _cancel_targets_join(orders)  # two ids on one key: match on the text
    del table_keys, table_rows, key_new, key_cancel
    if not exact:  # a hash key: confirm every pair on the ids and accounts themselves
        row = cancel_rows[out[cancel_rows] >= 0]
        no = out[row]
        same = (tgt.gather(row) == cid.gather(no)).to_numpy() & (acc[row] == acc[no])
        out[row[~same]] = -1
    return out


def _cancel_targets_join(orders: pl.DataFrame) -> np.ndarray:
    """:func:`cancel_targets` by a join on ``(account, id)`` as text."""
    n = orders.height
    out = np.full(n, -1, dtype=np.int64)
    rows = orders.select("account", "client_id", "action").with_row_index("row")
    news = rows.filter(pl.col("client_id").is_not_null() & (pl.col("action") == "new")).select(
        "account", pl.col("client_id").alias("target"), pl.col("row").alias("target_no")
    )
    cancels = rows.filter(pl.col("action") == "cancel").select(
        "row", "account", pl.col("client_id").alias("target")
    )
    if cancels.height == 0 or news.height == 0:
        return out
    hit = cancels.join(news, on=["account", "target"], how="inner")
    hit = hit.filter(pl.col("target_no") < pl.col("row"))
    out[hit["row"].to_numpy()] = hit["target_no"].to_numpy().astype(np.int64)
    return out


_CHUNK = 1 << 18
"""Rows per chunk when converting the 8-byte columns (262,144 rows: 2 MB a column)."""


def build_messages(orders: pl.DataFrame, *args, **kwargs) -> np.ndarray:
    """The order flow as one ``MSG_DTYPE`` array, one message per row (same order): every
    block of :class:`FlowMessages` at once (same parameters)."""
    flow = FlowMessages(orders, *args, **kwargs)
    return flow.block(0, len(flow))


class FlowMessages:
    """The order flow's engine messages (``MSG_DTYPE``), built a block at a time when asked.

    Holds what every row needs (cancel targets, contract indices, the code tables of the
    text columns, the flow's own columns) and fills a block of messages from them on demand
    (:func:`riskcore.sim.prepare_nb.fill_messages`). A run never holds all its 56-byte
    messages: 20 million rows would be 1.1 GB, these inputs are about 0.3 GB, and the
    blocks the engine reads are built in two buffers that take turns (:class:`BlockReader`).
    Every block has the bytes of the same rows of :func:`build_messages` (padding zeroed),
    so digests agree.

    Parameters
    ----------
    orders : polars.DataFrame
        ``Scenario.orders`` (``ORDERS_SCHEMA``), sorted by ``at``.
    accounts, contracts : tuple of str
        Names in index order.
    tick : ndarray of float64
        Tick size per contract, index points.
    max_market_order_qty : int or None
        Rulebook limit for market orders, lots (larger -> sent with qty 0 -> ``BAD_QTY``).
    source : int
        ``SRC_*`` of every message.

    Notes
    -----
    A message's ``order_no`` is its row position, ``ts`` its ``at`` (ns), ``account`` /
    ``contract`` an index or -1, ``price`` ticks with ``flags`` ``FLAG_OFF_TICK`` where off
    the grid (UNIT-02), ``target`` the cancelled order number or -1.
    """

    def __init__(
        self,
        orders: pl.DataFrame,
        accounts: tuple[str, ...],
        contracts: tuple[str, ...],
        tick: np.ndarray,
        *,
        max_market_order_qty: int | None = None,
        source: int = SRC_CLIENT,
    ) -> None:
        self._n = orders.height
        self.target = cancel_targets(orders)
        # whole: a cancel's contract is its target's
        self._contract = name_index(orders["symbol"], contracts)
        self._coded = [
            _code_table(orders[col], mapping, default)
            for col, mapping, default in (
                ("action", _ACTIONS, NEW),
                ("account", {name: i for i, name in enumerate(accounts)}, -1),
                ("side", _SIDES, 0),
                ("offset", _OFFSETS, OPEN),
                ("type", _TYPES, LIMIT),
            )
        ]
        self.ts = orders["at"].to_numpy().view(np.int64)
        """Each message's time, ns since the epoch (nondecreasing when ``orders`` is sorted)."""
        self._price = orders["price"]
        self._qty = orders["qty"]
        self._tick = np.asarray(tick, dtype=np.float64)
        self._max_mkt = -1 if max_market_order_qty is None else int(max_market_order_qty)
        self.source = int(source)
        self._actions: np.ndarray | None = None

    def __len__(self) -> int:
        return self._n

    def actions(self) -> np.ndarray:
        """Each message's action (``NEW`` / ``CANCEL``), int8."""
        if self._actions is None:  # kept: the day loop and the tables both ask
            keys, table = self._coded[0]
            codes = keys.fill_null(len(table) - 1).to_numpy()  # an Enum's: one byte each
            self._actions = table.astype(np.int8)[np.minimum(codes, len(table) - 1)]
        return self._actions

    def contracts(self) -> np.ndarray:
        """Each message's contract index as the engine gets it (a cancel's is its target's,
        -1 for an unknown target), int32."""
        out = self._contract.astype(np.int32)  # a copy
        cancels = np.flatnonzero(self.actions() == CANCEL)
        target = self.target[cancels]
        out[cancels] = np.where(target >= 0, out[np.maximum(target, 0)], -1)
        return out

    def block(self, lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
        """Messages ``lo .. hi - 1``, written into ``out[: hi - lo]`` when it is that long
        (its padding bytes as they were), else into a new zeroed array."""
        n = hi - lo
        msgs = out[:n] if out is not None and len(out) >= n else np.zeros(n, dtype=MSG_DTYPE)
        for k in range(lo, hi, _CHUNK):  # a chunk at a time: no long temporaries
            e = min(hi, k + _CHUNK)
            codes = [(_keys(keys, table, k, e), table) for keys, table in self._coded]
            fill_messages(
                msgs[k - lo : e - lo],
                k,
                self.ts[k:e],
                *codes[0],  # action
                *codes[1],  # account
                self._contract,
                *codes[2],  # side
                *codes[3],  # offset
                *codes[4],  # type
                self._price.slice(k, e - k).fill_null(np.nan).to_numpy().astype(np.float64),
                self._qty.slice(k, e - k).fill_null(0).to_numpy().astype(np.int64),
                self.target[k:e],
                self._tick,
                self._max_mkt,
                self.source,
                OFF_TICK_TOLERANCE,
            )
        return msgs

    def take(self, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Messages ``rows`` (increasing message numbers): :meth:`block` of them when they
        are consecutive (in ``out``), else gathered from the block of their span."""
        lo, hi = int(rows[0]), int(rows[-1]) + 1
        if hi - lo == len(rows):
            return self.block(lo, hi, out)
        return self.block(lo, hi, out)[np.asarray(rows) - lo]

    def blocks(self, stop: int, size: int = _CHUNK):
        """Messages ``0 .. stop - 1`` as consecutive zeroed blocks of ``size`` rows."""
        for k in range(0, stop, size):
            yield self.block(k, min(stop, k + size))


class BlockReader:
    """Blocks of a flow's messages for the engine, the next one built on a helper thread
    while the engine works on the current one.

    Two buffers take turns: block ``i`` is in one while block ``i + 1`` is built in the
    other, so a block handed out stays unchanged until the next one is asked for (the
    engine is done with it by then). Building is numba and polars work that releases the
    GIL; on the 20-million-message benchmark it is about 1.2 s that no longer waits for
    the engine.

    Parameters
    ----------
    msgs : FlowMessages
    size : int
        Rows of the largest block (``SimOptions.chunk_messages``).
    """

    def __init__(self, msgs: FlowMessages, size: int) -> None:
        self.msgs = msgs
        self._buffers = [np.zeros(size, dtype=MSG_DTYPE) for _ in range(2)]
        self._helper: ThreadPoolExecutor | None = None

    def read(self, parts: list[np.ndarray]) -> Iterator[np.ndarray]:
        """The messages of each of ``parts`` in turn (see the class notes)."""
        coming: Future | None = None
        for i, rows in enumerate(parts):
            if coming is None:
                block = self.msgs.take(rows, self._buffers[i % 2])
            else:
                block, coming = coming.result(), None
            if i + 1 < len(parts):
                if self._helper is None:
                    self._helper = ThreadPoolExecutor(1, thread_name_prefix="riskcore-blocks")
                coming = self._helper.submit(
                    self.msgs.take, parts[i + 1], self._buffers[(i + 1) % 2]
                )
            try:
                yield block
            except GeneratorExit:
                if coming is not None:
                    coming.exception()  # waits: nothing writes a buffer once read stops
                raise

    def close(self) -> None:
        """Stop the helper thread (after the block it may be building) and let the flow
        and the buffers go; no block can be read after."""
        if self._helper is not None:
            self._helper.shutdown(wait=True)
            self._helper = None
        self.msgs, self._buffers = None, []
