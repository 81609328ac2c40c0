"""Check a scenario's ``[[expect]]`` blocks against the tables of a run.

``riskcore replay FILE --check`` calls :func:`check_expectations` on the run's tables
(SCENARIO.md, "Run folder"). One block::

    [[expect]]
    table = "settlements"
    where = { day = "2015-08-24", account = "C001" }
    equals = { settlement_price = 3380.0, pnl = -60000.0 }
    count = 1

Semantics
---------
- ``where`` selects the rows whose every named column matches its value (no ``where``: all
  rows).
- ``count = N``: exactly ``N`` rows are selected.
- ``equals = { ... }``: *every* selected row has every named value. Without ``count`` the
  block must select at least one row (an ``equals`` over nothing is a failure, not a silent
  pass); with ``count`` the count decides how many rows there must be (so ``count = 0`` with
  ``equals`` holds trivially).

Matching a value against a column, by the column's dtype:

- ``Date``: a TOML date ``2015-08-24`` or the string ``"2015-08-24"``.
- ``Datetime``: ``"YYYY-MM-DD HH:MM:SS[.fff]"`` (or a TOML local date-time) is compared
  exactly, to the nanosecond; a date alone (``"2015-08-24"``) matches any time that day; a
  time of day alone (``"09:30"``, ``"09:30:00"`` or a TOML time) matches that time on any day.
- floats: within ``1e-6`` relative, ``|actual - expected| <= 1e-6 * max(|expected|, 1)``
  (index points and CNY are reported rounded, so this is far below a tick or a fen).
- integers: exactly (a float value is compared with the float tolerance).
- text (``String``, ``Categorical``, ``Enum``): a string, exactly.
- booleans: ``true`` / ``false``.
- the string ``"null"`` in any column matches a missing value (TOML has no null), e.g.
  ``where = { reason = "null" }`` or ``equals = { locked = "null" }``.

A block that names a table the run did not produce, a column the table does not have, or a
value that cannot be compared with its column is a failed expectation with a message that
says so; it never raises.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from riskcore.scenario.errors import suggest
from riskcore.scenario.model import Expect
from riskcore.scenario.values import Bad, Date, Time, Timestamp

TOLERANCE = 1e-6
"""Relative tolerance for float comparisons (floored at an absolute ``1e-6``)."""

NULL = "null"
"""The value that stands for a missing value (TOML has no null)."""

_MAX_SHOWN = 5  # distinct actual values shown in a message
_TIME_ONLY = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ExpectResult:
    """The outcome of one ``[[expect]]`` block.

    Attributes
    ----------
    origin : str
        ``"FILE:LINE"`` of the block's ``[[expect]]`` header.
    table : str
        The table it checks.
    where : dict
        Its filter, as written.
    expected : str
        What the block expects, e.g. ``"count = 3"`` or ``"price = 3500.0, qty = 2"``.
    actual : str
        What the run has (the same keys), or what was wrong with the block; ``""`` when it
        holds.
    ok : bool
        ``True`` when the expectation holds.
    broken : bool
        ``True`` when the block itself cannot be evaluated (unknown table or column, a value
        that cannot be compared with its column); ``actual`` then says why.
    """

    origin: str
    table: str
    where: dict[str, Any] = field(default_factory=dict)
    expected: str = ""
    actual: str = ""
    ok: bool = True
    broken: bool = False

    @property
    def subject(self) -> str:
        """``"trades where { kind = "auction" }"`` (the rows the block is about)."""
        return f"{self.table} where {format_mapping(self.where)}" if self.where else self.table

    @property
    def message(self) -> str:
        """One line: ``FILE:LINE: trades where {...}: expected count = 3, got count = 2``."""
        if self.ok:
            return f"{self.origin}: {self.subject}: {self.expected} holds"
        if self.broken:
            return f"{self.origin}: {self.subject}: cannot check {self.expected}: {self.actual}"
        return f"{self.origin}: {self.subject}: expected {self.expected}, got {self.actual}"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``summary.json``'s ``failed_expectation``)."""
        return {
            "origin": self.origin,
            "table": self.table,
            "where": {k: _jsonable(v) for k, v in self.where.items()},
            "expected": self.expected,
            "actual": self.actual,
            "broken": self.broken,
            "message": self.message,
        }


class _Problem(Exception):
    """The block cannot be evaluated as written (unknown column, value of the wrong kind)."""


def check_expectations(
    expects: Iterable[Expect], tables: Mapping[str, pl.DataFrame]
) -> list[ExpectResult]:
    """Evaluate ``[[expect]]`` blocks against a run's tables.

    Parameters
    ----------
    expects : iterable of Expect
        Usually ``scenario.expect``.
    tables : mapping of str to polars.DataFrame
        The run's tables by name (``Result.tables``).

    Returns
    -------
    list of ExpectResult
        One per block, in order; ``[r for r in results if not r.ok]`` are the failures.
    """
    return [check_expectation(e, tables) for e in expects]


def check_expectation(expect: Expect, tables: Mapping[str, pl.DataFrame]) -> ExpectResult:
    """Evaluate one ``[[expect]]`` block (see the module docstring for the semantics).

    Parameters
    ----------
    expect : Expect
        The block.
    tables : mapping of str to polars.DataFrame
        The run's tables by name.

    Returns
    -------
    ExpectResult
        Never raises for a bad block: the problem is the failure's ``actual``.
    """
    parts = []
    if expect.count is not None:
        parts.append(f"count = {expect.count}")
    if expect.equals:
        parts.append(", ".join(f"{k} = {format_value(v)}" for k, v in expect.equals.items()))
    expected = "; ".join(parts) or "(nothing)"
    base = ExpectResult(expect.origin, expect.table, dict(expect.where), expected)

    def fail(actual: str, broken: bool = False) -> ExpectResult:
        return ExpectResult(
            base.origin, base.table, base.where, expected, actual, ok=False, broken=broken
        )

    df = tables.get(expect.table)
    if df is None:
        known = ", ".join(sorted(tables)) or "none"
        return fail(
            f"the run has no table '{expect.table}'{suggest(expect.table, tables)} "
            f"(tables: {known})",
            broken=True,
        )
    try:
        mask = pl.lit(True)
        for col, value in expect.where.items():
            mask = mask & _match(df, col, value, "where")
        selected = df.filter(mask)
        problems = []
        n = selected.height
        if expect.count is not None and n != expect.count:
            problems.append(f"count = {n}")
        elif expect.count is None and expect.equals and n == 0:
            return fail(_nothing_selected(df, expect.where))
        if expect.equals and n:
            for col, value in expect.equals.items():
                ok = selected.select(_match(selected, col, value, "equals").fill_null(False))
                bad = selected.filter(~ok.to_series())
                if bad.height:
                    problems.append(_mismatch(selected, bad, col))
    except _Problem as e:
        return fail(str(e), broken=True)
    if problems:
        return fail("; ".join(problems))
    return base


def first_failure(results: Iterable[ExpectResult]) -> ExpectResult | None:
    """The first result that did not hold, or ``None``."""
    return next((r for r in results if not r.ok), None)


# --- matching -------------------------------------------------------------------------------
def _match(df: pl.DataFrame, col: str, value: Any, key: str) -> pl.Expr:
    """A boolean expression: ``col`` matches ``value`` (nulls compare as null)."""
    if col not in df.columns:
        raise _Problem(
            f"{key} names column '{col}', which the table does not have"
            f"{suggest(col, df.columns)} (columns: {', '.join(df.columns)})"
        )
    c = pl.col(col)
    dtype = df.schema[col]
    if isinstance(value, str) and value == NULL:
        return c.is_null()

    def wrong(kind: str) -> _Problem:
        return _Problem(
            f"{key} {col} = {format_value(value)} cannot be compared with column '{col}' "
            f"({dtype}; expected {kind})"
        )

    try:
        if dtype == pl.Boolean:
            if not isinstance(value, bool):
                raise wrong("true or false")
            return c == value
        if dtype.is_integer():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise wrong("a whole number")
            if isinstance(value, int):
                return c == value
            return _close(c.cast(pl.Float64), value)
        if dtype.is_float():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise wrong("a number")
            return _close(c, float(value))
        if dtype == pl.Date:
            return c == Date()(value)
        if isinstance(dtype, pl.Datetime):
            return _match_datetime(c, value)
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
            if not isinstance(value, str):
                raise wrong("a string")
            return c.cast(pl.String) == value
    except Bad as e:
        raise _Problem(f"{key} {col}: {e.msg}") from None
    if isinstance(value, dt.date | dt.time | bool | int | float | str):
        return c == pl.lit(value)
    raise wrong("a plain value")  # pragma: no cover - the loader admits scalars only


def _match_datetime(c: pl.Expr, value: Any) -> pl.Expr:
    """Exact timestamp, a whole day, or a time of day on any day (see the module docstring)."""
    if isinstance(value, dt.time) or (isinstance(value, str) and _TIME_ONLY.fullmatch(value)):
        return c.dt.time() == Time()(value)
    if (isinstance(value, dt.date) and not isinstance(value, dt.datetime)) or (
        isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip())
    ):
        return c.dt.date() == Date()(value)
    _, ns = Timestamp()(value)
    return c.dt.epoch("ns") == ns


def _close(c: pl.Expr, value: float) -> pl.Expr:
    """``|c - value| <= TOLERANCE * max(|value|, 1)``."""
    return (c - value).abs() <= TOLERANCE * max(abs(value), 1.0)


# --- messages -------------------------------------------------------------------------------
def _nothing_selected(df: pl.DataFrame, where: Mapping[str, Any]) -> str:
    """Why no row was selected: how many rows each condition alone matches."""
    if not where:
        return "no rows (the table is empty)"
    counts = []
    for col, value in where.items():
        k = df.filter(_match(df, col, value, "where")).height
        counts.append(f"{col} = {format_value(value)} matches {k}")
    return f"no row selected (the table has {df.height} rows; {', '.join(counts)})"


def _mismatch(selected: pl.DataFrame, bad: pl.DataFrame, col: str) -> str:
    """``"price = 3499.8 in 2 of 3 selected rows"`` (distinct actual values, a few)."""
    values = bad.get_column(col).unique(maintain_order=True).to_list()
    shown = ", ".join(format_value(v) for v in values[:_MAX_SHOWN])
    if len(values) > _MAX_SHOWN:
        shown += f", ... ({len(values)} distinct)"
    if selected.height == 1:
        return f"{col} = {shown}"
    return f"{col} = {shown} in {bad.height} of {selected.height} selected rows"


def format_value(value: Any) -> str:
    """A value as TOML would write it (strings quoted, dates ISO, missing as ``null``)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 9))
    return str(value)


def format_mapping(mapping: Mapping[str, Any]) -> str:
    """``{ day = "2015-08-24", account = "C001" }``."""
    return "{ " + ", ".join(f"{k} = {format_value(v)}" for k, v in mapping.items()) + " }"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


__all__ = [
    "NULL",
    "TOLERANCE",
    "ExpectResult",
    "check_expectation",
    "check_expectations",
    "first_failure",
    "format_mapping",
    "format_value",
]
