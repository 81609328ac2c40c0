"""Order flow of a scenario: inline ``[[orders]]`` and the ``[flow]`` file, as one DataFrame.

The loader checks *form* only (SCENARIO.md, "Two kinds of bad input"): types, enum values,
timestamps, required columns, duplicate client ids. An order that is well formed but that
the exchange would refuse (unknown account or symbol, qty 0, off-tick or out-of-band price,
nothing to close, outside trading hours, a cancel of an unknown id) is loaded as it is and
rejected at run time with its MATCH-07 code.

Flow files are checked with vectorised polars expressions (no Python loop per row), so a
million-row Parquet file loads in about a second.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from riskcore.records import ACTION_NAMES, OFFSET_NAMES, SIDE_NAMES, TYPE_NAMES
from riskcore.scenario.errors import ScenarioError, quote, suggest
from riskcore.scenario.model import (
    ACTION_ENUM,
    OFFSET_ENUM,
    ORDERS_SCHEMA,
    SIDE_ENUM,
    TYPE_ENUM,
)
from riskcore.scenario.values import (
    DAYS_KEPT,
    FIRST_DAY,
    LAST_DAY,
    Bad,
    Integer,
    Number,
    Reader,
    String,
    Timestamp,
)

ACTIONS = tuple(ACTION_NAMES)  # new | cancel
SIDES = tuple(SIDE_NAMES[1:])  # buy | sell
OFFSETS = tuple(OFFSET_NAMES)  # open | close
TYPES = tuple(TYPE_NAMES)  # limit | market | fak | fok

ORDER_KEYS = ("at", "action", "account", "symbol", "side", "offset", "type", "price", "qty", "id")
ORDER_KEYS = (*ORDER_KEYS, "target")
"""Keys of an inline ``[[orders]]`` table; also the columns of a flow file."""
CANCEL_KEYS = ("at", "action", "account", "target")
NEW_KEYS = tuple(k for k in ORDER_KEYS if k != "target")

_AT = Timestamp()
_ACCOUNT = String(expected='a trading code such as "C001"')
_ID = String(expected='a client id string such as "o1"')


def inline_orders(
    tables: list[tuple[tuple, dict]], reader: Reader, origin_file: str
) -> pl.DataFrame | None:
    """Check the inline ``[[orders]]`` tables and build their frame (file order).

    Parameters
    ----------
    tables : list of (path, table)
        The ``[[orders]]`` tables with their key paths (``("orders", i)``).
    reader : Reader
        Records problems with their lines.
    origin_file : str
        File name used in the ``origin`` column (``"scenario.toml:42"``).

    Returns
    -------
    polars.DataFrame or None
        ``None`` when a problem was recorded.
    """
    cols: dict[str, list[Any]] = {name: [] for name in ORDERS_SCHEMA.names()}
    seen_ids: dict[tuple[str, str], tuple] = {}
    before = len(reader.errors)
    for path, t in tables:
        for key in t:
            if key not in ORDER_KEYS:
                reader.fail(
                    (*path, key),
                    f"unknown key{suggest(key, ORDER_KEYS)} (known keys: {', '.join(ORDER_KEYS)})",
                )
        at = reader.get(t, path, "at", _AT)
        action = reader.get(t, path, "action", String(ACTIONS), default="new")
        account = reader.get(t, path, "account", _ACCOUNT)
        row: dict[str, Any] = dict.fromkeys(ORDERS_SCHEMA.names())
        row["action"], row["account"] = action, account
        row["at"] = at[1] if at else None
        row["origin"] = f"{origin_file}:{reader.loc.line(path)}"
        if action == "cancel":
            for key in t:
                if key in ORDER_KEYS and key not in CANCEL_KEYS:
                    reader.fail(
                        (*path, key),
                        f"not used by a cancel (a cancel takes {', '.join(CANCEL_KEYS)})",
                    )
            row["client_id"] = reader.get(t, path, "target", _ID)  # a cancel's id: its target
        elif action == "new":
            if "target" in t:
                reader.fail((*path, "target"), 'only a cancel has a target (set action = "cancel")')
            row["symbol"] = reader.get(t, path, "symbol", String())
            row["side"] = reader.get(t, path, "side", String(SIDES))
            row["offset"] = reader.get(t, path, "offset", String(OFFSETS))
            typ = reader.get(t, path, "type", String(TYPES), default="limit")
            row["type"] = typ
            if typ == "market":
                if "price" in t:
                    reader.fail((*path, "price"), "a market order has no price (remove it)")
            elif typ is not None:
                row["price"] = reader.get(
                    t, path, "price", Number(unit=f"index points; a {typ} order needs a price")
                )
            row["qty"] = reader.get(t, path, "qty", Integer(unit="lots"))
            cid = reader.get(t, path, "id", _ID, default=None)
            row["client_id"] = cid
            if cid is not None and account is not None:
                first = seen_ids.setdefault((account, cid), path)
                if first != path:
                    reader.fail(
                        (*path, "id"),
                        f"duplicate client id '{cid}' for account '{account}' "
                        f"(first at {reader.loc.where(first)}; ids are unique per account)",
                    )
        for name in cols:
            cols[name].append(row[name])
    if len(reader.errors) > before:
        return None
    return pl.DataFrame(cols, schema=ORDERS_SCHEMA)


# --- flow files ----------------------------------------------------------------------------
class _FlowErrors:
    """Collect ``FILE: row N, column 'x': ...`` messages (first bad row of each check)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[str] = []

    def column(self, col: str, problem: str) -> None:
        self.errors.append(f"{self.file}: column '{col}': {problem}")

    def first(self, mask: pl.Series, df: pl.DataFrame, col: str, problem: str) -> bool:
        """Record ``problem`` at the first row where ``mask`` is true; True if there was one.

        ``problem`` may contain ``{value}``, replaced by the row's raw value.
        """
        mask = mask.fill_null(False)
        if not mask.any():
            return False
        i = int(mask.arg_true()[0])
        self.errors.append(
            f"{self.file}: row {i + 1}, column '{col}': "
            + problem.replace("{value}", _shown(df, col, i))
        )
        return True


_TEXT_TIME_LIMIT = {
    u: 200_000 * 365 * 86_400 * k for u, k in (("ms", 10**3), ("us", 10**6), ("ns", 10**9))
}


def _shown(df: pl.DataFrame, col: str, i: int) -> str:
    """Row ``i`` of column ``col`` as a message shows it: text quoted with escapes, times
    as text (any year, even past Python's 9999), other values by ``repr``."""
    if col not in df.columns:
        return "None"
    s = df[col]
    if isinstance(s.dtype, pl.Datetime):
        unit = s.dtype.time_unit
        raw = s.slice(i, 1).dt.epoch(unit)
        if raw[0] is None:
            return "None"
        if abs(raw[0]) >= _TEXT_TIME_LIMIT[unit]:  # past the years polars can print
            return f"{raw[0]} {unit} after 1970-01-01"
        return s.slice(i, 1).dt.to_string("%Y-%m-%d %H:%M:%S%.f")[0]
    value = s[i]
    return quote(value) if isinstance(value, str) else repr(value)


def _const(name: str, value: Any, dtype: pl.DataType, n: int) -> pl.Series:
    """A Series of ``n`` copies of ``value`` (``None`` for nulls)."""
    return pl.repeat(value, n, dtype=dtype, eager=True).alias(name)


def _stripped(s: pl.Series) -> pl.Series:
    """Text with surrounding blanks removed; empty text becomes null (CSV cells)."""
    t = s.str.strip_chars()
    return pl.select(pl.when(t != "").then(t)).to_series().alias(s.name)


def _text(df: pl.DataFrame, col: str, errs: _FlowErrors, allow_int: bool = False) -> pl.Series:
    s = df[col]
    dtype = s.dtype
    if dtype == pl.String:
        return _stripped(s)
    if dtype in (pl.Categorical, pl.Null) or isinstance(dtype, pl.Enum):
        return s.cast(pl.String)
    if allow_int and dtype.is_integer():
        return s.cast(pl.String)
    errs.column(col, f"has type {dtype} (expected text)")
    return _const(col, None, pl.String, len(s))


def _numeric(
    df: pl.DataFrame,
    col: str,
    errs: _FlowErrors,
    integer: bool,
    unit: str = "index points",
    nan_is_missing: bool = False,
) -> pl.Series:
    """A column of lots (``integer``: Int64) or of numbers in ``unit`` (Float64), checked:
    text that is no number, fractions of a lot, values past Int64 or infinite. NaN in a
    column of lots is a missing value (pandas writes one so); among numbers it is an error,
    or with ``nan_is_missing`` (prices) a missing value too."""
    s = df[col]
    dtype = s.dtype
    want = pl.Int64 if integer else pl.Float64
    what = "an integer number of lots" if integer else f"a number, {unit}"
    short = "an integer" if integer else "a number"
    if dtype == pl.String:
        raw = _stripped(s)
        out = raw.cast(want, strict=False)
        errs.first(
            raw.is_not_null() & out.is_null(),
            df,
            col,
            f"{{value}} is not {short} (expected {what})",
        )
    elif dtype == pl.Null:
        out = s.cast(want)
    elif dtype.is_integer():
        out = s.cast(want, strict=False)
        errs.first(s.is_not_null() & out.is_null(), df, col, "{value} is out of range")
    elif dtype.is_float():
        f = s.cast(pl.Float64)
        if integer:  # a float column of lots: NaN is a missing value, as pandas writes one
            f = f.fill_nan(None)
            whole = (f == f.floor()) & f.is_finite()
            errs.first(
                f.is_not_null() & ~whole,
                df,
                col,
                f"{{value}} is not a whole number (expected {what})",
            )
            out = f.cast(want, strict=False)
            errs.first(whole & out.is_null(), df, col, "{value} is out of range")
        else:
            out = f
    else:
        errs.column(col, f"has type {dtype} (expected {what})")
        return _const(col, None, want, len(s))
    if not integer:
        if nan_is_missing:
            out = out.fill_nan(None)
        else:
            errs.first(out.is_nan(), df, col, f"{{value}} is not a number (expected {what})")
        errs.first(out.is_infinite(), df, col, "{value} is not a finite number")
    return out


_AT_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$"


def _timestamps(df: pl.DataFrame, errs: _FlowErrors) -> pl.Series:
    s = df["at"]
    dtype = s.dtype
    if dtype == pl.String:
        txt = s.str.strip_chars().str.replace("T", " ", literal=True, n=1)
        form = txt.str.contains(_AT_PATTERN)
        expected = '(expected "YYYY-MM-DD HH:MM:SS[.fff]")'
        if errs.first(~form & txt.is_not_null(), df, "at", f"{{value}} is not a time {expected}"):
            return _const("at", None, pl.Int64, len(s))
        # polars reads a nanosecond time past 1677-2262 as a wrapped-around one: the years
        # are checked first, on the text
        year = txt.str.slice(0, 4).cast(pl.Int16)
        outside = (year < FIRST_DAY.year) | (year > LAST_DAY.year)
        if errs.first(
            outside, df, "at", f"{{value}} is outside the days riskcore keeps ({DAYS_KEPT})"
        ):
            return _const("at", None, pl.Int64, len(s))
        ts = txt.str.strptime(pl.Datetime("ns"), "%Y-%m-%d %H:%M:%S%.f", strict=False)
        errs.first(
            txt.is_not_null() & ts.is_null(),
            df,
            "at",
            f"{{value}} is an impossible time {expected}",
        )
        return ts.dt.epoch("ns")
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            errs.column("at", f"has time zone {dtype.time_zone} (expected naive exchange time)")
            return _const("at", None, pl.Int64, len(s))
        return _epoch_ns(s, df, errs)
    errs.column("at", f"has type {dtype} (expected timestamps or text YYYY-MM-DD HH:MM:SS[.fff])")
    return _const("at", None, pl.Int64, len(s))


def _epoch_ns(ts: pl.Series, df: pl.DataFrame, errs: _FlowErrors) -> pl.Series:
    """Naive times as nanoseconds since 1970-01-01, once they are checked to fall inside
    the days a scenario may name (the same as an inline order's ``at``)."""
    unit = ts.dtype.time_unit
    per_day = {"ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}[unit]
    epoch = dt.date(1970, 1, 1)
    lo = (FIRST_DAY - epoch).days * per_day
    hi = (LAST_DAY - epoch).days * per_day + per_day
    raw = ts.dt.epoch(unit)  # integers: a year past 9999 has no Python datetime to compare
    first, last = raw.min(), raw.max()
    if first is not None and (first < lo or last >= hi):
        outside = (raw < lo) | (raw >= hi)
        errs.first(outside, df, "at", f"{{value}} is outside the days riskcore keeps ({DAYS_KEPT})")
        return _const("at", None, pl.Int64, len(ts))
    scale = 86_400_000_000_000 // per_day  # to nanoseconds; inside the days, no overflow
    return raw if scale == 1 else raw * scale


def _names(df: pl.DataFrame, col: str, errs: _FlowErrors, allow_int: bool = False) -> pl.Series:
    """A text column as ``Categorical`` (blanks stripped, empty -> null), without going
    through one Python string per row: Categorical and Enum columns are checked and fixed on
    their distinct values only, and an Enum becomes Categorical by a gather of its codes."""
    s = df[col]
    dtype = s.dtype
    if isinstance(dtype, pl.Enum):  # its fixed list of values: no pass over the column
        u = pl.Series(dtype.categories.to_list(), dtype=pl.String)
        if _has_blanks(u):
            return _stripped(s.cast(pl.String)).cast(pl.Categorical)
        return u.cast(pl.Categorical).gather(s.to_physical()).alias(s.name)
    if dtype == pl.Categorical:
        if _has_blanks(_distinct(s)):
            return _stripped(s.cast(pl.String)).cast(pl.Categorical)
        return s
    return _text(df, col, errs, allow_int).cast(pl.Categorical)


def _has_blanks(names: pl.Series) -> bool:
    """True if a text value has surrounding blanks or is empty."""
    return bool(((names != names.str.strip_chars()) | (names == "")).any())


def _distinct(s: pl.Series) -> pl.Series:
    """The distinct non-null values of a Categorical column, as text (marked by their
    codes: one pass, no hashing)."""
    codes = s.to_physical()
    codes = (codes.drop_nulls() if codes.null_count() else codes).to_numpy()
    if len(codes) == 0:
        return pl.Series(s.name, [], dtype=pl.String)
    seen = np.zeros(int(codes.max()) + 1, dtype=bool)
    seen[codes] = True
    present = pl.Series(s.name, np.flatnonzero(seen).astype(codes.dtype))
    return present.cat.to(pl.Categorical).cast(pl.String)


def _enum(s: pl.Series, keep: pl.Series, enum: pl.Enum, null_as: str | None = None) -> pl.Series:
    """``s`` (Categorical or Enum) as ``enum`` where ``keep`` (values already checked), else
    null; a null of ``s`` counts as ``null_as``. Codes are mapped by a table over the
    codes of ``s`` (one byte a row), not by text."""
    cats = list(enum.categories)
    if s.dtype == enum and null_as is None:  # values of the vocabulary: only blank where not kept
        if not bool((~keep & s.is_not_null()).any()):
            return s
        return s.zip_with(keep.fill_null(False), pl.Series(s.name, [None], dtype=enum)).alias(
            s.name
        )
    if isinstance(s.dtype, pl.Enum):  # codes 0..k-1 name its categories: no pass for them
        names = s.dtype.categories.to_list()
        phys_of = list(range(len(names)))
    else:
        u = s.unique().drop_nulls()
        names, phys_of = u.cast(pl.String).to_list(), u.to_physical().to_list()
    lut = np.full(max(phys_of, default=-1) + 2, -1, dtype=np.int8)  # last entry: null
    for phys, name in zip(phys_of, names, strict=True):
        lut[phys] = cats.index(name) if name in cats else -1
    if null_as is not None:
        lut[-1] = cats.index(null_as)
    phys = s.to_physical()
    phys = (phys.fill_null(len(lut) - 1) if phys.null_count() else phys).to_numpy()
    code = np.where(keep.fill_null(False).to_numpy(), lut[phys], np.int8(-1))
    out = pl.Series(s.name, code).cast(pl.UInt8, strict=False)  # -1 -> null
    return out.cat.to(enum).alias(s.name)


def _ids_distinct(raw: pl.Series, account: pl.Series, is_new: pl.Series) -> bool:
    """True when the new orders' integer client ids are certainly unique per account.

    Checked on the numbers and the account codes, not on the ids as text (the same answer:
    distinct integers have distinct decimal texts). ``False`` means "look closer" (text ids,
    or a duplicate to report): the caller's check on the text finds the first row.
    """
    if not raw.dtype.is_integer() or account.dtype != pl.Categorical:
        return False
    keep = is_new & raw.is_not_null()
    ids, acc = raw.filter(keep), account.to_physical().filter(keep)
    if len(ids) == 0:
        return True
    lo, hi, top = ids.min(), ids.max(), acc.max()
    if lo is not None and hi - lo < 4 * len(ids) + 1024 and hi < 1 << 63:
        # dense numbers (e.g. row numbers): unique at all is unique per account, by a count
        if int(np.bincount((ids.cast(pl.Int64) - lo).to_numpy()).max()) == 1:
            return True
    if lo is not None and lo >= 0 and hi < 1 << 40 and top is not None and top < 1 << 23:
        key = acc.cast(pl.UInt64) * (1 << 40) + ids.cast(pl.UInt64)  # one integer per pair
        key = np.sort(key.to_numpy())  # sorted, a repeat sits beside its twin
        return not bool((key[1:] == key[:-1]).any())
    keys = pl.DataFrame({"a": acc, "i": ids})
    return keys.n_unique() == keys.height


_NARROW_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)


def _int64_ids(s: pl.Series | None) -> bool:
    """True if a flow's ``id``/``target`` column (or its absence) can be kept as Int64
    numbers: integers that fit (wider ones, a UInt64 past 2^63 - 1 or an Int128, are kept as
    text instead)."""
    if s is None or s.dtype == pl.Null:
        return True
    if not s.dtype.is_integer():
        return False
    if s.dtype in _NARROW_INTEGERS:
        return True
    return s.cast(pl.Int64, strict=False).null_count() == s.null_count()


def read_table(path: Path, file: str, what: str) -> pl.DataFrame:
    """A ``.csv`` (every column as text, checked later) or Parquet file of the scenario;
    an unreadable file is one :class:`ScenarioError` line, ``FILE: cannot read the <what>
    file (...)``."""
    try:
        if path.suffix.lower() == ".csv":
            return pl.read_csv(path, infer_schema=False)
        return pl.read_parquet(path)
    except Exception as e:  # polars raises several types for unreadable files
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ScenarioError(f"{file}: cannot read the {what} file ({first})") from None


def read_flow(path: Path, file: str) -> pl.DataFrame:
    """Read and check a flow file (CSV or Parquet) into the orders frame (file order).

    Column-wise and lean (a 20-million-row Parquet flow loads in seconds, in bytes per row):
    names become ``Categorical`` and vocabularies ``Enum`` (:data:`ORDERS_SCHEMA`); a
    Parquet file's Categorical/Enum columns are checked on their distinct values.

    Parameters
    ----------
    path : Path
        The file; ``.csv`` is read as text and converted here, ``.parquet`` keeps its types
        (``at`` may be a naive Datetime or text; ``id``/``target`` may be integers; text
        columns may be String, Categorical or Enum).
    file : str
        Name used in messages; its base name is the ``origin`` of the rows, whose
        ``origin_row`` is the row number (1 = first data row).

    Raises
    ------
    ScenarioError
        ``FILE: row N, column 'x': ...`` for the first bad row of each failed check, or
        ``FILE: column 'x': ...`` for a missing, unknown or wrongly typed column.
    """
    df = read_table(path, file, "flow")
    errs = _FlowErrors(file)
    for col in df.columns:
        if col not in ORDER_KEYS:
            errs.column(
                col, f"unknown column{suggest(col, ORDER_KEYS)} (known: {', '.join(ORDER_KEYS)})"
            )
    n = df.height
    for col in ("at", "account"):
        if col not in df.columns:
            errs.column(col, "missing (every flow file has columns at and account)")
    if errs.errors:
        raise ScenarioError(errs.errors[0], errs.errors)

    def cat_col(name: str, allow_int: bool = False, enum: pl.Enum | None = None) -> pl.Series:
        if name in df.columns:
            dtype = df[name].dtype
            if enum is not None and (
                dtype == enum
                or (
                    isinstance(dtype, pl.Enum)
                    and set(dtype.categories) <= set(enum.categories)
                    and (name != "type" or "limit" in dtype.categories)  # fill_null("limit")
                    and name != "action"
                )
            ):
                return df[name]  # values of the vocabulary already: all allowed, none to strip
            return _names(df, name, errs, allow_int)
        return _const(name, None, pl.Categorical, n)

    # action first: it decides what the other columns must hold
    if "action" in df.columns:
        action_c = cat_col("action", enum=ACTION_ENUM)
        errs.first(
            action_c.is_not_null() & ~action_c.is_in(ACTIONS),
            df,
            "action",
            "{value} is not allowed (expected new | cancel)",
        )
        is_cancel = (action_c == "cancel").fill_null(False)
    else:
        is_cancel = _const("c", False, pl.Boolean, n)
    is_new = ~is_cancel
    any_cancel = bool(is_cancel.any())
    any_new = not bool(is_cancel.all()) if n else False

    needed = []
    if any_new:
        needed += ["symbol", "side", "offset", "qty"]
    if any_cancel:
        needed.append("target")
    for col in needed:
        if col not in df.columns:
            who = "cancel" if col == "target" else "new-order"
            errs.column(col, f"missing (needed by the file's {who} rows)")
    if errs.errors:
        raise ScenarioError(errs.errors[0], errs.errors)

    at = _timestamps(df, errs)
    errs.first(at.is_null() & df["at"].is_null(), df, "at", "missing value (expected a time)")
    account = cat_col("account", allow_int=True)
    errs.first(account.is_null(), df, "account", "missing value (expected a trading code)")

    symbol = cat_col("symbol")
    side = cat_col("side", enum=SIDE_ENUM)
    offset = cat_col("offset", enum=OFFSET_ENUM)
    typ = cat_col("type", enum=TYPE_ENUM)
    is_market = (typ == "market").fill_null(False)
    price = (
        _numeric(df, "price", errs, False, nan_is_missing=True) if "price" in df.columns else None
    )
    qty = (
        _numeric(df, "qty", errs, True) if "qty" in df.columns else _const("qty", None, pl.Int64, n)
    )

    for name, s, allowed in (
        ("side", side, SIDES),
        ("offset", offset, OFFSETS),
        ("type", typ, TYPES),
    ):
        errs.first(
            is_new & s.is_not_null() & ~s.is_in(allowed).fill_null(False),
            df,
            name,
            f"{{value}} is not allowed (expected {' | '.join(allowed)})",
        )
    for name, s in (("symbol", symbol), ("side", side), ("offset", offset), ("qty", qty)):
        errs.first(is_new & s.is_null(), df, name, "missing value (a new order needs one)")
    needs_price = is_new & ~is_market
    if price is None:
        if bool(needs_price.any()):
            errs.column("price", "missing (limit, fak and fok orders need a price)")
        price = _const("price", None, pl.Float64, n)
    else:
        errs.first(
            needs_price & price.is_null(),
            df,
            "price",
            "missing value (limit, fak and fok orders need one)",
        )
        errs.first(
            is_new & is_market & price.is_not_null(),
            df,
            "price",
            "{value}: a market order has no price (leave it empty)",
        )
    raw_id = df["id"] if "id" in df.columns else None
    raw_target = df["target"] if "target" in df.columns else None
    integer_ids = all(_int64_ids(s) for s in (raw_id, raw_target))
    if integer_ids:  # kept as numbers: the text is the same decimal digits, made when written
        client_id = None if raw_id is None else raw_id.cast(pl.Int64)
        target = None if raw_target is None else raw_target.cast(pl.Int64)
    else:
        client_id = _text(df, "id", errs, allow_int=True) if raw_id is not None else None
        target = _text(df, "target", errs, allow_int=True) if raw_target is not None else None
    if target is not None:
        errs.first(is_cancel & target.is_null(), df, "target", "missing value (a cancel needs one)")
    if errs.errors:
        raise ScenarioError(errs.errors[0], errs.errors)
    id_type = pl.Int64 if integer_ids else pl.String
    new_ids = client_id if any_new else None  # the columns that name something
    cancel_ids = target if any_cancel else None
    if new_ids is None and cancel_ids is None:
        ids = _const("client_id", None, id_type, n)
    elif cancel_ids is None:
        ids = new_ids.zip_with(is_new, _const("x", None, id_type, n))
    elif new_ids is None:
        ids = cancel_ids.zip_with(is_cancel, _const("x", None, id_type, n))
    else:  # one column: a new order's id, a cancel's target
        ids = new_ids.zip_with(is_new, cancel_ids)
    del new_ids, cancel_ids
    del client_id, target
    if integer_ids:
        lo, hi = ids.min(), ids.max()
        if lo is None or (lo >= -(2**31) and hi < 2**31):  # in range: wrapping is exact
            ids = pl.select(pl.lit(ids).cast(pl.Int32, wrap_numerical=True)).to_series()

    def only(s: pl.Series | None, keep: pl.Series, dtype: pl.DataType) -> pl.Series:
        """``s`` where ``keep`` is true, null elsewhere (no copy when nothing to blank)."""
        if s is None:
            return _const("x", None, dtype, n)
        if not bool((~keep & s.is_not_null()).any()):
            return s
        return s.zip_with(keep, _const(s.name, None, s.dtype, n))

    out = pl.DataFrame(
        {
            "at": at,
            "action": pl.Series(is_cancel.cast(pl.UInt8)).cat.to(ACTION_ENUM),
            "account": account,
            "symbol": only(symbol, is_new, pl.Categorical),
            "side": _enum(side, is_new, SIDE_ENUM),
            "offset": _enum(offset, is_new, OFFSET_ENUM),
            "type": _enum(typ, is_new, TYPE_ENUM, null_as="limit"),
            "price": only(price, is_new, pl.Float64),
            "qty": only(qty, is_new, pl.Int64),
            "client_id": ids.alias("client_id"),
            "origin_row": pl.int_range(1, n + 1, dtype=pl.Int64, eager=True),
        }
    )
    out = out.with_columns(  # one value for every row: a scalar column (no 4 bytes a row)
        pl.lit(Path(file).name, dtype=pl.Categorical).alias("origin")
    ).select(list(ORDERS_SCHEMA))
    del ids
    if "id" in df.columns and not _ids_distinct(df["id"], account, is_new):
        ids = (
            out.select("account", "client_id")
            .with_row_index()
            .filter(pl.col("client_id").is_not_null() & (out["action"] == "new"))
        )
        dup = ids.filter(pl.struct("account", "client_id").is_duplicated())
        if dup.height:
            dup = dup.filter(~pl.struct("account", "client_id").is_first_distinct())
            i, acc, cid = dup.row(0)
            j = ids.filter((pl.col("account") == acc) & (pl.col("client_id") == cid))["index"][0]
            raise ScenarioError(
                f"{file}: row {i + 1}, column 'id': duplicate client id \"{cid}\" for account "
                f"'{acc}' (first at row {j + 1}; ids are unique per account)"
            )
    keep = ("client_id",) if integer_ids else ()
    return out.cast(
        {k: v for k, v in ORDERS_SCHEMA.items() if out.schema[k] != v and k not in keep}
    )


def cross_duplicates(inline: pl.DataFrame, flow: pl.DataFrame, file: str) -> str | None:
    """A message for the first flow row reusing a client id of an inline order, or ``None``."""
    new = (pl.col("action") == "new") & pl.col("client_id").is_not_null()
    ids = inline.filter(new).select("account", "client_id", pl.col("origin").cast(pl.String))
    if ids.height == 0:
        return None
    hit = (
        flow.select("account", "client_id", "action")
        .with_row_index()
        .filter(new)
        .with_columns(pl.col("client_id").cast(pl.String))
        .join(ids.rename({"origin": "first"}), on=["account", "client_id"], how="inner")
        .sort("index")
    )
    if hit.height == 0:
        return None
    r = hit.row(0, named=True)
    return (
        f"{file}: row {r['index'] + 1}, column 'id': duplicate client id \"{r['client_id']}\" "
        f"for account '{r['account']}' (first at {r['first']}; ids are unique per account)"
    )


def combine(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Concatenate (inline first, then flow) and sort stably by ``at``.

    Empty frames are left out, so a flow file without inline orders is not copied. Integer
    client ids of a flow become text when inline orders (text ids) come with them.
    """
    frames = [f for f in frames if f is not None]
    if not frames:
        return pl.DataFrame(schema=ORDERS_SCHEMA)
    frames = [f for f in frames if f.height] or frames[:1]
    if len({f.schema["client_id"] for f in frames}) > 1:  # integer flow ids beside text ones
        frames = [f.with_columns(pl.col("client_id").cast(pl.String)) for f in frames]
    df = pl.concat(frames, how="vertical", rechunk=True) if len(frames) > 1 else frames[0]
    at = df["at"].to_numpy()
    if len(at) < 2 or bool(np.all(at[1:] >= at[:-1])):
        return df
    return df[np.argsort(at, kind="stable")]


__all__ = ["ORDER_KEYS", "Bad", "combine", "cross_duplicates", "inline_orders", "read_flow"]
