"""Typed value converters for TOML data, and the reader that reports problems with lines.

A converter is a callable ``conv(value) -> converted`` with an ``expected`` text; it raises
:class:`Bad` when the value has the wrong type or form. :class:`Reader` applies converters to
the keys of a table, checks for missing and unknown keys, and records one message per
problem (``FILE:LINE: key 'x': ... (expected ...)``) so a whole section can be checked in
one pass; :meth:`Reader.flush` then raises :class:`ScenarioError` with all of them.

Types follow TOML exactly: an integer is accepted where a number is expected, but never a
float where an integer (lots, seconds) is, nor a boolean where a number is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from riskcore.scenario.errors import ScenarioError, format_path, quote, suggest
from riskcore.scenario.locate import Locator

MISSING = object()
"""Sentinel: the key was absent (``Reader.get`` returns it when no default is given)."""

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
MAX_LOTS = 10**9
"""Largest number of lots a scenario may name: a starting position (per side), a hedge
quota, a position limit. Lots times prices in ticks (at most :data:`MAX_PRICE_TICKS`) and
their sums over accounts stay far inside 64-bit integers as trading adds to them."""
MAX_PRICE_TICKS = 10_000_000
"""Largest price of a contract in ticks (the engine's book has one level per tick)."""
MAX_MONEY = 1e15
"""Largest amount of money a scenario may name, CNY (cash, deposits, capital, funds): sums
over every account and day stay finite (float64)."""
DAY_SECONDS = 86_400
"""Longest duration of a rule or an agent step, seconds."""
MAX_DAYS = 10_000
"""Most trading days of one run."""
MIN_STEP, MAX_STEP = 0.001, float(DAY_SECONDS)
"""Shortest and longest ``agent_step``, seconds (1 ms; a day)."""


class Bad(Exception):
    """A value of the wrong type or form; ``sub`` locates it inside the value (array index)."""

    def __init__(self, msg: str, sub: tuple = ()) -> None:
        super().__init__(msg)
        self.msg = msg
        self.sub = tuple(sub)


def describe(value: Any) -> str:
    """A short, typed description of a TOML value for messages (``the string "ten"``)."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        text = str(value)
        return f"the integer {text if len(text) <= 40 else f'{text[:20]}... ({len(text)} digits)'}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {quote(shown)}"
    if isinstance(value, dt.datetime):
        return f"the date-time {value.isoformat(sep=' ')}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"the time {value.isoformat()}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return repr(value)  # pragma: no cover - tomllib produces nothing else


class Conv:
    """Base converter: ``expected`` is what a message says was expected."""

    expected = "a value"

    def __call__(self, value: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def bad(self, value: Any, why: str = "") -> Bad:
        why = why or f"{describe(value)} is not {self.what}"
        return Bad(f"{why} (expected {self.expected})")

    @property
    def what(self) -> str:
        return "allowed"


class Integer(Conv):
    """A TOML integer (not a boolean, not a float) within ``[lo, hi]``; always within the
    64-bit range the tables keep (TOML allows no more, though Python's parser reads any)."""

    def __init__(self, lo: int | None = None, hi: int | None = None, unit: str = "") -> None:
        rng = _range_text(lo, hi, False, False)
        self.lo = INT64_MIN if lo is None else lo
        self.hi = INT64_MAX if hi is None else hi
        self.expected = "an integer" + (f" {rng}" if rng else "") + (f", {unit}" if unit else "")

    what = "an integer"

    def __call__(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(value)
        if not INT64_MIN <= value <= INT64_MAX:
            raise self.bad(value, f"{value} is past the 64-bit integers riskcore keeps")
        if value < self.lo or value > self.hi:
            raise self.bad(value, f"{value} is out of range")
        return value


class Number(Conv):
    """A TOML float or integer (not a boolean), finite, inside the given bounds; -> float."""

    def __init__(
        self,
        lo: float | None = None,
        hi: float | None = None,
        *,
        lo_open: bool = False,
        hi_open: bool = False,
        unit: str = "",
    ) -> None:
        self.lo, self.hi, self.lo_open, self.hi_open = lo, hi, lo_open, hi_open
        rng = _range_text(lo, hi, lo_open, hi_open)
        self.expected = "a number" + (f" {rng}" if rng else "") + (f", {unit}" if unit else "")

    what = "a number"

    def __call__(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.bad(value)
        try:
            x = float(value)
        except OverflowError:  # an integer past the largest float
            raise self.bad(value, f"{value} is out of range") from None
        if not math.isfinite(x):
            raise self.bad(value, f"{value!r} is not a finite number")
        lo, hi = self.lo, self.hi
        if lo is not None and (x < lo or (self.lo_open and x == lo)):
            raise self.bad(value, f"{value!r} is out of range")
        if hi is not None and (x > hi or (self.hi_open and x == hi)):
            raise self.bad(value, f"{value!r} is out of range")
        return x


class String(Conv):
    """A TOML string, optionally one of ``choices`` or matching ``pattern`` (full match)."""

    def __init__(
        self,
        choices: Iterable[str] | None = None,
        pattern: str | None = None,
        expected: str | None = None,
        nonempty: bool = True,
    ) -> None:
        self.choices = tuple(choices) if choices is not None else None
        self.pattern = re.compile(pattern) if pattern else None
        self.nonempty = nonempty
        if expected:
            self.expected = expected
        elif self.choices:
            self.expected = " | ".join(self.choices)
        elif pattern:
            self.expected = f"a string matching {pattern}"
        else:
            self.expected = "a non-empty string" if nonempty else "a string"

    what = "a string"

    def __call__(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self.bad(value)
        if self.choices is not None and value not in self.choices:
            raise self.bad(value, f"{quote(value)} is not allowed{suggest(value, self.choices)}")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise self.bad(value, f"{quote(value)} has the wrong form")
        if self.nonempty and not value.strip():
            raise self.bad(value, "the string is empty")
        return value


class Boolean(Conv):
    """A TOML boolean."""

    expected = "true or false"
    what = "a boolean"

    def __call__(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.bad(value)
        return value


_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME_RE = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")
_AT_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
EPOCH = dt.datetime(1970, 1, 1)
NS_PER_S = 1_000_000_000
FIRST_DAY, LAST_DAY = dt.date(1678, 1, 1), dt.date(2261, 12, 31)
"""The days a scenario may name: whole years inside the nanosecond times of the tables
(``Datetime("ns")`` spans 1677-09-21 .. 2262-04-11)."""
DAYS_KEPT = f"{FIRST_DAY} .. {LAST_DAY}"


def _in_days_kept(value: Any, day: dt.date, conv: Conv) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise conv.bad(value, f"{describe(value)} is outside the days riskcore keeps ({DAYS_KEPT})")


class Date(Conv):
    """A TOML local date or a ``"YYYY-MM-DD"`` string -> ``datetime.date``."""

    expected = 'a date such as 2015-08-24 or "2015-08-24"'
    what = "a date"

    def __call__(self, value: Any) -> dt.date:
        if isinstance(value, dt.datetime) or isinstance(value, dt.time):
            raise self.bad(value)
        if isinstance(value, dt.date):
            day = value
        elif isinstance(value, str) and (m := _DATE_RE.fullmatch(value.strip())):
            try:
                day = dt.date(*map(int, m.groups()))
            except ValueError as e:
                raise self.bad(value, f"{quote(value)} is not a real date ({e})") from None
        else:
            raise self.bad(value)
        _in_days_kept(value, day, self)
        return day


class Time(Conv):
    """A TOML local time or an ``"HH:MM[:SS]"`` string -> ``datetime.time``."""

    expected = 'a time of day such as "09:15"'
    what = "a time of day"

    def __call__(self, value: Any) -> dt.time:
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str):
            m = _TIME_RE.fullmatch(value.strip())
            if m:
                h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
                try:
                    return dt.time(h, mi, s)
                except ValueError as e:
                    raise self.bad(value, f"{quote(value)} is not a real time ({e})") from None
        raise self.bad(value)


class Timestamp(Conv):
    """``"YYYY-MM-DD HH:MM:SS[.fffffffff]"`` (or a TOML local date-time) -> ``(datetime, ns)``.

    The time is naive exchange-local time; ``ns`` counts nanoseconds since 1970-01-01 00:00
    of that same naive clock (treated as UTC-naive, UNIT-03).
    """

    expected = '"YYYY-MM-DD HH:MM:SS[.fff]"'
    what = "a timestamp"

    def __call__(self, value: Any) -> tuple[dt.datetime, int]:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                raise self.bad(value, "a date-time with a UTC offset is not allowed")
            _in_days_kept(value, value.date(), self)
            delta = value - EPOCH
            ns = (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000
            return value, ns
        if isinstance(value, str):
            m = _AT_RE.fullmatch(value.strip())
            if m:
                y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
                frac = m[7] or ""
                try:
                    base = dt.datetime(y, mo, d, h, mi, s)
                except ValueError as e:
                    raise self.bad(value, f"{quote(value)} is an impossible time ({e})") from None
                _in_days_kept(value, base.date(), self)
                sub_ns = int(frac.ljust(9, "0")) if frac else 0
                delta = base - EPOCH
                ns = (delta.days * 86_400 + delta.seconds) * NS_PER_S + sub_ns
                return base + dt.timedelta(microseconds=sub_ns // 1000), ns
        raise self.bad(value)


class Array(Conv):
    """A TOML array whose items pass ``item`` -> tuple; optional fixed ``length``."""

    def __init__(self, item: Conv, *, length: int | None = None, min_len: int = 0) -> None:
        self.item, self.length, self.min_len = item, length, min_len
        n = f"{length} " if length is not None else ""
        self.expected = f"an array of {n}items, each {item.expected}"

    what = "an array"

    def __call__(self, value: Any) -> tuple:
        if not isinstance(value, list):
            raise self.bad(value)
        if self.length is not None and len(value) != self.length:
            raise self.bad(value, f"the array has {len(value)} items")
        if len(value) < self.min_len:
            raise self.bad(value, f"the array has {len(value)} items (at least {self.min_len})")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(self.item(v))
            except Bad as e:
                raise Bad(e.msg, (i, *e.sub)) from None
        return tuple(out)


class Optional(Conv):
    """``false`` means "none" (-> ``None``); anything else must pass ``inner``."""

    def __init__(self, inner: Conv, none_text: str = "false for none") -> None:
        self.inner = inner
        self.expected = f"{none_text}, or {inner.expected}"

    def __call__(self, value: Any) -> Any:
        if value is False:
            return None
        try:
            return self.inner(value)
        except Bad as e:
            msg = e.msg.rsplit(" (expected ", 1)[0]
            raise Bad(f"{msg} (expected {self.expected})", e.sub) from None


class Record(Conv):
    """An (inline) table with typed keys -> dict; ``required`` keys must be present."""

    def __init__(self, fields: Mapping[str, Conv], required: Iterable[str] = ()) -> None:
        self.fields = dict(fields)
        self.required = tuple(required)
        self.expected = "a table with keys " + ", ".join(self.fields)

    what = "a table"

    def __call__(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise self.bad(value)
        for k in value:
            if k not in self.fields:
                raise Bad(f"unknown key '{k}'{suggest(k, self.fields)}", (k,))
        for k in self.required:
            if k not in value:
                raise Bad(f"missing key '{k}' (expected {self.fields[k].expected})")
        out = {}
        for k, v in value.items():
            try:
                out[k] = self.fields[k](v)
            except Bad as e:
                raise Bad(e.msg, (k, *e.sub)) from None
        return out


class Func(Conv):
    """Wrap a function ``value -> converted`` that raises :class:`Bad` itself."""

    def __init__(self, fn: Callable[[Any], Any], expected: str) -> None:
        self.fn, self.expected = fn, expected

    def __call__(self, value: Any) -> Any:
        return self.fn(value)


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    if isinstance(lo, int) and isinstance(hi, int):  # integers as written, not as 1e+12
        return f"in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {hi:g}"
    return ""


class Reader:
    """Read typed keys from TOML tables and collect one-line problems with their lines.

    Parameters
    ----------
    locator : Locator
        Maps key paths to ``FILE:LINE``.
    """

    def __init__(self, locator: Locator) -> None:
        self.loc = locator
        self.errors: list[str] = []

    @property
    def file(self) -> str:
        return self.loc.file

    def fail(self, path: tuple, problem: str) -> None:
        """Record a problem at ``path``."""
        self.errors.append(self.loc.message(tuple(path), problem))

    def error(self, path: tuple, problem: str) -> ScenarioError:
        """A :class:`ScenarioError` for one problem (to raise at once)."""
        return ScenarioError(self.loc.message(tuple(path), problem))

    def flush(self) -> None:
        """Raise :class:`ScenarioError` carrying every recorded problem, if any."""
        if self.errors:
            raise ScenarioError(self.errors[0], self.errors)

    def table(self, value: Any, path: tuple, what: str = "a table") -> dict | None:
        """``value`` if it is a table, else record a problem and return ``None``."""
        if isinstance(value, dict):
            return value
        self.fail(path, f"{describe(value)} is not a table (expected {what})")
        return None

    def tables(self, value: Any, path: tuple, header: str) -> list[tuple[tuple, dict]]:
        """The tables of an array of tables ``[[header]]`` as ``(path, table)`` pairs."""
        if not isinstance(value, list):
            self.fail(path, f"{describe(value)} is not an array of tables (expected [[{header}]])")
            return []
        out = []
        for i, t in enumerate(value):
            if isinstance(t, dict):
                out.append(((*path, i), t))
            else:
                self.fail((*path, i), f"{describe(t)} is not a table (expected [[{header}]])")
        return out

    def keys(self, table: Mapping, path: tuple, allowed: Iterable[str]) -> bool:
        """Record every key of ``table`` not in ``allowed`` (with a suggestion)."""
        allowed = tuple(allowed)
        ok = True
        for k in table:
            if k not in allowed:
                known = ", ".join(allowed)
                self.fail((*path, k), f"unknown key{suggest(k, allowed)} (known keys: {known})")
                ok = False
        return ok

    def get(
        self,
        table: Mapping,
        path: tuple,
        key: str,
        conv: Conv,
        default: Any = MISSING,
    ) -> Any:
        """Converted ``table[key]``; its default when absent; ``None`` after a recorded problem.

        Without a default the key is required: its absence is recorded as a problem (on the
        table's line) and ``None`` is returned.
        """
        if key not in table:
            if default is MISSING:
                self.fail((*path, key), f"missing (expected {conv.expected})")
                return None
            return default
        try:
            return conv(table[key])
        except Bad as e:
            self.fail((*path, key, *e.sub), e.msg)
            return None

    def convert(self, value: Any, path: tuple, conv: Conv) -> Any:
        """``conv(value)``, or ``None`` after recording the problem at ``path``."""
        try:
            return conv(value)
        except Bad as e:
            self.fail((*path, *e.sub), e.msg)
            return None


__all__ = [
    "DAYS_KEPT",
    "DAY_SECONDS",
    "EPOCH",
    "FIRST_DAY",
    "INT64_MAX",
    "INT64_MIN",
    "LAST_DAY",
    "MAX_DAYS",
    "MAX_LOTS",
    "MAX_MONEY",
    "MAX_PRICE_TICKS",
    "MAX_STEP",
    "MIN_STEP",
    "MISSING",
    "NS_PER_S",
    "Array",
    "Bad",
    "Boolean",
    "Conv",
    "Date",
    "Func",
    "Integer",
    "Number",
    "Optional",
    "Reader",
    "Record",
    "String",
    "Time",
    "Timestamp",
    "describe",
    "format_path",
]
