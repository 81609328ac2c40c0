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

import numpy as np
import polars as pl

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
    SRC_CLIENT,
)

OFF_TICK_TOLERANCE = 1e-9
"""Relative tolerance of the whole-ticks test (UNIT-02), as the scenario loader uses."""

_SIDES = {"buy": BUY, "sell": SELL}
_OFFSETS = {"open": OPEN, "close": CLOSE}
_TYPES = {"limit": LIMIT, "market": MARKET, "fak": FAK, "fok": FOK}
_ACTIONS = {"new": NEW, "cancel": CANCEL}
_INT32_MAX = np.iinfo(np.int32).max
_TICKS_MAX = float(2**62)


def _codes(s: pl.Series, mapping: dict[str, int], default: int, dtype) -> np.ndarray:
    """Strings -> codes via ``mapping`` (unknown or null -> ``default``).

    Enum and Categorical columns are mapped through their distinct values (a lookup table
    on the physical codes), not one string per row.
    """
    if isinstance(s.dtype, pl.Enum):  # the categories are the distinct values (no pass)
        cats = s.dtype.categories.to_list()
        lut = np.array([*(mapping.get(v, default) for v in cats), default], dtype=np.int64)
        phys = s.to_physical().fill_null(len(cats)).to_numpy()
        return lut[phys].astype(dtype)
    if s.dtype == pl.Categorical:
        u = s.unique().drop_nulls()
        phys_u = u.to_physical().to_numpy().astype(np.int64)
        size = int(phys_u.max()) + 2 if len(phys_u) else 1
        lut = np.full(size, default, dtype=np.int64)
        lut[phys_u] = [mapping.get(v, default) for v in u.cast(pl.String).to_list()]
        phys = s.to_physical().fill_null(size - 1).to_numpy()
        return lut[phys].astype(dtype)
    out = s.replace_strict(mapping, default=default, return_dtype=pl.Int64).fill_null(default)
    return out.to_numpy().astype(dtype)


def name_index(s: pl.Series, names: tuple[str, ...]) -> np.ndarray:
    """Index of each name in ``names``; unknown or null -> -1 (int32)."""
    return _codes(s, {n: i for i, n in enumerate(names)}, -1, np.int32)


def price_ticks(price: np.ndarray, tick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prices (index points) as ticks, and whether each is off the tick grid (UNIT-02).

    Parameters
    ----------
    price : ndarray of float64
        Index points; NaN = no price (market orders, cancels).
    tick : ndarray of float64
        Tick size of each message's contract, index points (NaN = unknown contract).

    Returns
    -------
    (ndarray of int64, ndarray of bool)
        ``round(price / tick)`` (0 where unknown) and ``|k x tick - price| > 1e-9 x
        max(1, |price|)``. Never rounded silently: an off-tick price is flagged.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        k = np.rint(price / tick)
        ok = np.isfinite(k)
        off = ok & (np.abs(k * tick - price) > OFF_TICK_TOLERANCE * np.maximum(1.0, np.abs(price)))
        k = np.clip(np.where(ok, k, 0.0), -_TICKS_MAX, _TICKS_MAX)
    return k.astype(np.int64), off


def cancel_targets(orders: pl.DataFrame) -> np.ndarray:
    """Order number each cancel names, -1 for new orders and unknown targets.

    A cancel's ``client_id`` is its target, a client id; it names the order with that id on
    the cancel's account (ids are unique per account). A target that is not an *earlier* row is
    unknown too (the kernel rejects ``UNKNOWN_ORDER``).

    Matched on one 64-bit key per row (the id's hash mixed with the account's code, sorted
    and searched with numpy) and every match confirmed on the ids themselves, so a hash
    collision cannot pair the wrong orders: far less memory than a join on the text
    (20 million rows). Colliding keys fall back to that join.
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
    acc = account.to_physical().to_numpy().astype(np.uint64)

    def keys(ids: pl.Series, rows: np.ndarray) -> np.ndarray:
        h = ids.gather(rows).hash(seed=0x5EED).to_numpy()
        return h ^ (acc[rows] * np.uint64(0x9E3779B97F4A7C15))

    key_new = keys(cid, new_rows)
    order = np.argsort(key_new)  # unique keys (else the join below): any sort is the same
    key_new = key_new[order]
    if bool((key_new[1:] == key_new[:-1]).any()):  # two ids on one key: match on the text
        return _cancel_targets_join(orders)
    key_cancel = keys(tgt, cancel_rows)
    pos = np.minimum(np.searchsorted(key_new, key_cancel), len(key_new) - 1)
    hit = key_new[pos] == key_cancel
    row, no = cancel_rows[hit], new_rows[order[pos[hit]]]
    same = (tgt.gather(row) == cid.gather(no)).to_numpy() & (acc[row] == acc[no]) & (no < row)
    out[row[same]] = no[same]
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


def build_messages(
    orders: pl.DataFrame,
    accounts: tuple[str, ...],
    contracts: tuple[str, ...],
    tick: np.ndarray,
    *,
    max_market_order_qty: int | None = None,
    source: int = SRC_CLIENT,
) -> np.ndarray:
    """The order flow as a ``MSG_DTYPE`` array, one message per row (same order).

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

    Returns
    -------
    ndarray of MSG_DTYPE
        ``order_no`` = row position, ``ts`` = ``at`` (ns), ``account``/``contract`` = index
        or -1, ``price`` ticks, ``flags`` ``FLAG_OFF_TICK`` where off the grid, ``target``
        = the cancelled order's number or -1.
    """
    n = orders.height
    if n == 0:
        return np.zeros(0, dtype=MSG_DTYPE)
    # the small per-row codes whole (1-4 bytes a row); the 8-byte fields chunk by chunk,
    # straight into the messages: no full-length temporary of 8 bytes a row but the target
    target = cancel_targets(orders)
    action = _codes(orders["action"], _ACTIONS, NEW, np.int8)
    account = name_index(orders["account"], accounts)
    contract = name_index(orders["symbol"], contracts)  # the row's own (cancels: none)
    side = _codes(orders["side"], _SIDES, 0, np.int8)
    offset = _codes(orders["offset"], _OFFSETS, OPEN, np.int8)
    otype = _codes(orders["type"], _TYPES, LIMIT, np.int8)
    tick = np.asarray(tick, dtype=np.float64)
    ts = orders["at"].to_numpy()
    price_s = orders["price"]
    qty_s = orders["qty"]
    msgs = np.zeros(n, dtype=MSG_DTYPE)
    for k in range(0, n, _CHUNK):
        e = min(n, k + _CHUNK)
        c = contract[k:e]
        known = c >= 0
        t = np.where(known, tick[np.where(known, c, 0)] if len(tick) else np.nan, np.nan)
        price = price_s.slice(k, e - k).fill_null(np.nan).to_numpy().astype(np.float64)
        ticks, off = price_ticks(price, t)
        qty = qty_s.slice(k, e - k).fill_null(0).to_numpy().astype(np.int64)
        too_big = qty > _INT32_MAX
        if max_market_order_qty is not None:
            too_big |= (otype[k:e] == MARKET) & (qty > max_market_order_qty)
        tg = target[k:e]
        tc = np.where(tg >= 0, contract[np.maximum(tg, 0)], -1)
        col = {
            "ts": ts[k:e],
            "order_no": np.arange(k, e, dtype=np.int64),
            "action": action[k:e],
            "account": account[k:e],
            "side": side[k:e],
            "offset": offset[k:e],
            "type": otype[k:e],
            "price": ticks,
            "flags": np.where(off, FLAG_OFF_TICK, 0).astype(np.int8),
            "qty": np.where(too_big, 0, np.maximum(qty, -1)).astype(np.int32),
            "target": tg,
            "contract": np.where(action[k:e] == CANCEL, tc, c),
        }
        _assemble(msgs[k:e], col, source)
    return msgs


_CHUNK = 1 << 18
"""Rows per chunk when converting the 8-byte columns (262,144 rows: 2 MB a column)."""


_BLOCK = 1 << 14
"""Rows per block when filling a message array (16,384 x 56 bytes: fits a CPU cache)."""


def _assemble(msgs: np.ndarray, col: dict[str, np.ndarray], source: int) -> None:
    """Fill ``msgs`` (``MSG_DTYPE``) from per-field arrays of its length (``source`` for
    every row).

    Filled block by block, every field of a block while it is in cache: writing whole
    fields one after the other would stream the array through memory once per field.
    """
    items = list(col.items())
    for k in range(0, len(msgs), _BLOCK):
        part = msgs[k : k + _BLOCK]
        for name, values in items:
            part[name] = values[k : k + _BLOCK]
        part["source"] = source
