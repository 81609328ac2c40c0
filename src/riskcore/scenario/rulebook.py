"""Rulebooks: every parameter of the rules (RULES.md), as typed, immutable data.

A rulebook is a TOML file. Three ship with the package (``riskcore/rulebooks/``):
``seed`` (the default: the seed text as written), ``cffex-2010`` and ``cffex-2015``; each says
in comments where every value comes from. A user rulebook is any TOML file with the same
keys; it may name a ``base`` rulebook and then give only what differs. A scenario picks one
with ``rulebook = "name-or-path"`` and overrides parameters in ``[rules]``.

Units: fractions are plain floats (0.10 = 10 %), durations are whole seconds, money is CNY,
positions are lots, times of day are ``datetime.time`` (naive exchange-local).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from riskcore.scenario.errors import ScenarioError, suggest
from riskcore.scenario.locate import Locator
from riskcore.scenario.values import (
    DAY_SECONDS,
    MAX_LOTS,
    MAX_MONEY,
    Array,
    Bad,
    Boolean,
    Conv,
    Date,
    Func,
    Integer,
    Number,
    Optional,
    Reader,
    Record,
    String,
    Time,
)

SHIPPED = ("seed", "cffex-2010", "cffex-2015")
"""Names of the rulebooks shipped in ``riskcore/rulebooks/``."""

WATERFALL_LAYERS = (
    "member_capital",
    "defaulter_guarantee_fund",
    "member_guarantee_funds",
    "exchange_risk_reserve",
    "exchange_capital",
)
"""FUND-02 loss layers (``uncovered`` is always last and implicit)."""

STP_POLICIES = ("cancel-incoming", "cancel-resting")
MARGIN_METHODS = ("both", "larger_side")
REDUCTION_METHODS = ("pro-rata", "tiered")
LIQUIDATION_ORDERS = ("largest-position", "largest-loss")


@dataclass(frozen=True)
class MarginChange:
    """A scheduled margin-rate change (MARGIN-04), in force from ``date``'s settlement.

    Attributes
    ----------
    date : datetime.date
        First day whose settlement uses the new rate.
    rate : float
        New trading-margin rate (non-hedge positions), fraction of notional.
    """

    date: dt.date
    rate: float


@dataclass(frozen=True)
class FeeChange:
    """A scheduled fee change, in force for trades from ``date`` on.

    Attributes
    ----------
    date : datetime.date
    fee_open, fee_close, fee_close_today : float or None
        New fee as a fraction of notional; ``None`` = unchanged.
    """

    date: dt.date
    fee_open: float | None = None
    fee_close: float | None = None
    fee_close_today: float | None = None


# --- converters for the parameter types -------------------------------------------------
def _m(conv: Conv, doc: str) -> dict[str, Any]:
    """Field metadata of a rule parameter: its converter and its doc (rule ID, unit)."""
    return {"conv": conv, "doc": doc}


_FRACTION = Number(0.0, 1.0, unit="a fraction, e.g. 0.10")
_POS_FRACTION = Number(0.0, 1.0, lo_open=True, unit="a fraction, e.g. 0.10")
_SECONDS = Integer(0, DAY_SECONDS, unit="whole seconds, at most a day")
_LOTS = Integer(0, MAX_LOTS, unit="lots")
_CNY = Number(0.0, MAX_MONEY, unit="CNY")
_WINDOW = Array(Time(), length=2)


def _sessions(value: Any) -> tuple:
    sessions = Array(_WINDOW, min_len=1)(value)
    for i, (a, b) in enumerate(sessions):
        if not a < b:
            raise Bad(f"session {a:%H:%M}-{b:%H:%M} does not end after it starts", (i,))
        if i and not sessions[i - 1][1] <= a:
            raise Bad("sessions must be in order and must not overlap", (i,))
    return sessions


def _window(value: Any) -> tuple | None:
    if value is False:
        return None
    try:
        a, b = _WINDOW(value)
    except Bad as e:
        raise Bad(e.msg.replace("(expected ", "(expected false for none, or "), e.sub) from None
    if not a < b:
        raise Bad(f"the window {a:%H:%M}-{b:%H:%M} does not end after it starts")
    return (a, b)


def _tiers(value: Any) -> tuple:
    tiers = Array(_FRACTION, min_len=1)(value)
    if any(not a > b for a, b in itertools.pairwise(tiers)):
        raise Bad("tiers must be strictly decreasing lower bounds, e.g. [0.10, 0.06, 0.0]")
    return tiers


def _waterfall(value: Any) -> tuple:
    layers = Array(String(WATERFALL_LAYERS))(value)
    if sorted(layers) != sorted(WATERFALL_LAYERS):
        raise Bad("the waterfall must name each layer exactly once: " + ", ".join(WATERFALL_LAYERS))
    return layers


def _schedule(item: Record, make: Any, what: str) -> Func:
    def conv(value: Any) -> tuple:
        rows = Array(item)(value)
        out = tuple(make(**r) for r in rows)
        for i in range(1, len(out)):
            if not out[i - 1].date < out[i].date:
                raise Bad(f"{what} dates must be strictly increasing", (i, "date"))
        return out

    return Func(conv, f"an array of tables {item.expected}")


_MARGIN_SCHEDULE = _schedule(
    Record({"date": Date(), "rate": _POS_FRACTION}, required=("date", "rate")),
    MarginChange,
    "margin_schedule",
)
_FEE_SCHEDULE = _schedule(
    Record(
        {
            "date": Date(),
            "fee_open": _FRACTION,
            "fee_close": _FRACTION,
            "fee_close_today": _FRACTION,
        },
        required=("date",),
    ),
    FeeChange,
    "fee_schedule",
)


@dataclass(frozen=True, kw_only=True)
class Rulebook:
    """Every rule parameter (RULES.md), typed and immutable.

    Build one with :meth:`load` (a shipped name or a TOML path) and derive variants with
    :meth:`with_overrides`. Field docs give the rule ID and the unit.
    """

    name: str = field(metadata={"doc": "rulebook name, [a-z0-9-]+"})
    title: str = field(metadata={"doc": "one-line description"})
    source: str = field(default="", compare=False, metadata={"doc": "where the values came from"})

    # --- calendar and trading phases (UNIT-03, MATCH-06) -------------------------------
    sessions: tuple[tuple[dt.time, dt.time], ...] = field(
        metadata=_m(
            Func(_sessions, 'an array of ["HH:MM", "HH:MM"] windows'),
            "UNIT-03: continuous-trading sessions, local time",
        )
    )
    last_day_close: dt.time | None = field(
        metadata=_m(
            Optional(Time()),
            "UNIT-03: earlier close on a contract's last trading day; None = normal",
        )
    )
    auction: tuple[dt.time, dt.time] | None = field(
        metadata=_m(
            Func(_window, 'false for none, or ["HH:MM", "HH:MM"]'),
            "MATCH-06: opening call-auction order window; None = no auction",
        )
    )
    holidays: tuple[dt.date, ...] = field(
        metadata=_m(Array(Date()), "weekdays the exchange is closed")
    )

    # --- matching (MATCH) ------------------------------------------------------------------
    stp_policy: str = field(
        metadata=_m(String(STP_POLICIES), "MATCH-05: self-trade prevention policy")
    )
    max_order_qty: int | None = field(
        metadata=_m(
            Optional(Integer(1, MAX_LOTS, unit="lots")),
            "MATCH-07 BAD_QTY: largest order, lots; None = any",
        )
    )
    max_market_order_qty: int | None = field(
        metadata=_m(
            Optional(Integer(1, MAX_LOTS, unit="lots")),
            "MATCH-07 BAD_QTY: largest market order, lots",
        )
    )

    # --- price limits and breaker (LIMIT, BRK) ---------------------------------------------
    price_limit: float | None = field(
        metadata=_m(
            Optional(_POS_FRACTION, "false for no limit"),
            "LIMIT-01: daily limit, fraction of prev settlement; None = no limit and no breaker",
        )
    )
    last_day_limit: float | None = field(
        metadata=_m(
            Optional(_POS_FRACTION, "false for no limit"),
            "LIMIT-02: limit on a contract's last trading day; None = no limit and no breaker",
        )
    )
    circuit_breaker: float = field(
        metadata=_m(
            Func(
                lambda v: 0.0 if v is False else _FRACTION(v), "false or 0 for off, or a fraction"
            ),
            "BRK-01: breaker band, fraction of prev settlement; 0 = no breaker",
        )
    )
    breaker_trigger: int = field(
        metadata=_m(_SECONDS, "BRK-02: seconds a quote must stand at the breaker price")
    )
    breaker_duration: int = field(metadata=_m(_SECONDS, "BRK-03: breaker length, seconds"))
    breaker_quiet: int = field(
        metadata=_m(_SECONDS, "BRK-05: no new breaker in the last N seconds of the day")
    )

    # --- margin (MARGIN) ---------------------------------------------------------------------
    margin_rate: float = field(
        metadata=_m(_POS_FRACTION, "MARGIN-01: trading-margin rate, fraction of notional")
    )
    margin_rate_quarterly: float | None = field(
        metadata=_m(
            Optional(_POS_FRACTION),
            "MARGIN-01: rate for quarterly months (not the two nearest); None = same",
        )
    )
    margin_method: str = field(
        metadata=_m(String(MARGIN_METHODS), "MARGIN-01: margin on locked positions")
    )
    margin_schedule: tuple[MarginChange, ...] = field(
        metadata=_m(_MARGIN_SCHEDULE, "MARGIN-04: scheduled rate changes (date, rate)")
    )
    locked_margin_days: int = field(
        metadata=_m(
            Integer(1, unit="days"),
            "MARGIN-05 (1): consecutive same-direction locked days to raise",
        )
    )
    locked_margin_raise: float = field(
        metadata=_m(_FRACTION, "MARGIN-05 (1): rate added, fraction; 0 = off")
    )
    holiday_margin_days: int = field(
        metadata=_m(
            Integer(1, unit="calendar days"),
            "MARGIN-05 (2): closed calendar days of a long holiday",
        )
    )
    holiday_margin_raise: float = field(
        metadata=_m(_FRACTION, "MARGIN-05 (2): rate added, fraction; 0 = off")
    )

    # --- fees (MARGIN-02, SETTLE-02) -------------------------------------------------------
    fee_open: float = field(metadata=_m(_FRACTION, "fee for opening, fraction of notional"))
    fee_close: float = field(
        metadata=_m(_FRACTION, "fee for closing yesterday's lots, fraction of notional")
    )
    fee_close_today: float = field(
        metadata=_m(_FRACTION, "fee for closing today's lots, fraction of notional")
    )
    fee_schedule: tuple[FeeChange, ...] = field(metadata=_m(_FEE_SCHEDULE, "scheduled fee changes"))

    # --- settlement (SETTLE) -----------------------------------------------------------------
    settlement_window: int = field(
        metadata=_m(
            Integer(1, DAY_SECONDS, unit="whole seconds, at most a day"),
            "SETTLE-01: VWAP window, seconds",
        )
    )
    settlement_benchmark: str | None = field(
        metadata=_m(
            Optional(String()), "SETTLE-01: benchmark contract for a no-trade day; None = none"
        )
    )

    # --- position limits (POS) and large traders (LTR) -------------------------------------
    position_limit: int | None = field(
        metadata=_m(
            Optional(_LOTS, "false for no limit"), "POS-01: lots per side per investor; None = none"
        )
    )
    member_oi_threshold: int = field(metadata=_m(_LOTS, "POS-02: single-side open interest, lots"))
    member_oi_share: float = field(
        metadata=_m(_POS_FRACTION, "POS-02: member share of open interest")
    )
    limit_cure_sessions: int = field(
        metadata=_m(
            Integer(1, unit="sessions"), "POS-04: sessions of the next day to cure a breach"
        )
    )
    large_trader_threshold: float = field(
        metadata=_m(_POS_FRACTION, "LTR-01: reporting threshold, fraction of position_limit")
    )

    # --- forced liquidation (LIQ) ----------------------------------------------------------
    liquidation_member_sessions: int = field(
        metadata=_m(
            Integer(1, unit="sessions"), "LIQ-02: sessions the member has before the exchange acts"
        )
    )
    liquidation_order: str = field(
        metadata=_m(String(LIQUIDATION_ORDERS), "LIQ-03: which positions first")
    )
    liquidation_proprietary_first: bool = field(
        metadata=_m(Boolean(), "LIQ-03: a member's own accounts before its clients'")
    )

    # --- forced reduction (RED) ------------------------------------------------------------
    reduction_method: str = field(
        metadata=_m(String(REDUCTION_METHODS), "RED-01 pro-rata / RED-05 tiered")
    )
    reduction_locked_days: int = field(
        metadata=_m(
            Integer(1, unit="days"),
            "RED-05: consecutive same-direction locked days before reducing",
        )
    )
    reduction_loss_threshold: float = field(
        metadata=_m(
            _FRACTION, "RED-05: requester's unit net loss to qualify, fraction of settlement"
        )
    )
    reduction_tiers: tuple[float, ...] = field(
        metadata=_m(
            Func(_tiers, "strictly decreasing fractions, e.g. [0.10, 0.06, 0.0]"),
            "RED-05: lower profit bounds of the counterparty tiers, fraction of settlement",
        )
    )

    # --- guarantee funds and defaults (FUND) ----------------------------------------------
    variable_fund_pool: float = field(
        metadata=_m(_CNY, "FUND-01: variable guarantee-fund pool, CNY")
    )
    variable_fund_interval: int = field(
        metadata=_m(
            Integer(1, unit="trading days"), "FUND-01: re-allocation interval, trading days"
        )
    )
    waterfall: tuple[str, ...] = field(
        metadata=_m(
            Func(_waterfall, "the five FUND-02 layer names in order"),
            "FUND-02: loss layers in order",
        )
    )
    exchange_risk_reserve: float = field(
        metadata=_m(_CNY, "FUND-02: default exchange risk reserve, CNY")
    )
    exchange_capital: float = field(metadata=_m(_CNY, "FUND-02: default exchange capital, CNY"))

    # --- risk warnings (WARN) --------------------------------------------------------------
    warning_repeats: int = field(
        metadata=_m(Integer(1), "WARN-02: repeated triggers per escalation step")
    )
    self_trade_limit: int = field(
        metadata=_m(Integer(1), "WARN-01 (2): self-trade attempts per day")
    )
    cancel_ratio_limit: float = field(
        metadata=_m(_POS_FRACTION, "WARN-01 (2): cancels / orders per day")
    )
    order_trade_ratio_limit: float = field(
        metadata=_m(Number(1.0, unit="orders per trade"), "WARN-01 (2): orders / trades per day")
    )
    warning_min_orders: int = field(
        metadata=_m(Integer(1), "WARN-01 (2): orders a day before the ratios are judged")
    )
    position_warning_share: float = field(
        metadata=_m(_POS_FRACTION, "WARN-01 (3): position at this share of a limit is abnormal")
    )

    # ------------------------------------------------------------------------------------
    @classmethod
    def parameters(cls) -> tuple[str, ...]:
        """Names of every rule parameter (all fields but ``name``, ``title``, ``source``)."""
        return tuple(f.name for f in dataclasses.fields(cls) if "conv" in f.metadata)

    @staticmethod
    def names() -> tuple[str, ...]:
        """Names of the shipped rulebooks."""
        return SHIPPED

    @classmethod
    def load(cls, name_or_path: str | Path, *, relative_to: str | Path | None = None) -> Rulebook:
        """A shipped rulebook by name, or a rulebook TOML file by path.

        Parameters
        ----------
        name_or_path : str or Path
            ``"seed"``, ``"cffex-2010"``, ``"cffex-2015"``, or a path to a ``.toml`` file.
        relative_to : str or Path, optional
            Directory a relative path is resolved against (default: the working directory).

        Raises
        ------
        ScenarioError
            Unknown name (the message lists the known ones), missing file, or a bad file.
        """
        return _load(name_or_path, relative_to, chain=())

    def with_overrides(self, mapping: Mapping[str, Any], source: str = "overrides") -> Rulebook:
        """A copy with some parameters replaced (values as TOML would give them).

        Parameters
        ----------
        mapping : mapping of str to value
            Parameter name -> new value, e.g. ``{"position_limit": 300, "circuit_breaker":
            False}``. Times may be ``"HH:MM"`` strings, dates ``"YYYY-MM-DD"`` strings.
        source : str
            Where the overrides come from; prefixes error messages and is appended to
            :attr:`source`.

        Raises
        ------
        ScenarioError
            An unknown parameter name (with a suggestion) or a value of the wrong type.
        """
        reader = Reader(Locator(source))
        new = _override(self, dict(mapping), reader, (), source)
        reader.flush()
        assert new is not None
        return new

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python data (dates and times stay ``datetime`` objects)."""
        return dataclasses.asdict(self)

    # -- helpers for the simulation ------------------------------------------------------
    def fees_on(self, day: dt.date) -> tuple[float, float, float]:
        """``(fee_open, fee_close, fee_close_today)`` in force on ``day`` (fractions)."""
        fees = [self.fee_open, self.fee_close, self.fee_close_today]
        for ch in self.fee_schedule:
            if ch.date <= day:
                for i, v in enumerate((ch.fee_open, ch.fee_close, ch.fee_close_today)):
                    if v is not None:
                        fees[i] = v
        return fees[0], fees[1], fees[2]

    def scheduled_margin(self, day: dt.date) -> float | None:
        """The MARGIN-04 scheduled rate in force at ``day``'s settlement, or ``None``."""
        rate = None
        for ch in self.margin_schedule:
            if ch.date <= day:
                rate = ch.rate
        return rate


_PARAMS = {f.name: f for f in dataclasses.fields(Rulebook) if "conv" in f.metadata}
_NAME = String(pattern=r"[a-z0-9-]+", expected="a name of lowercase letters, digits and -")
_FILE_KEYS = ("name", "title", "base", *_PARAMS)


def _convert_params(
    table: Mapping[str, Any], reader: Reader, path: tuple
) -> tuple[dict[str, Any], dict[str, tuple]]:
    """Convert the parameter keys of ``table``; unknown keys are recorded as problems."""
    values: dict[str, Any] = {}
    where: dict[str, tuple] = {}
    for key, raw in table.items():
        if key not in _PARAMS:
            reader.fail((*path, key), f"unknown rule parameter{suggest(key, _PARAMS)}")
            continue
        before = len(reader.errors)
        conv = _PARAMS[key].metadata["conv"]
        value = reader.convert(raw, (*path, key), conv)
        if len(reader.errors) == before:
            values[key] = value
            where[key] = (*path, key)
    return values, where


def _check(values: Mapping[str, Any], where: Mapping[str, tuple], reader: Reader) -> None:
    """Cross-parameter checks: the auction ends by the first session's start, etc."""
    sessions, auction = values.get("sessions"), values.get("auction")
    if sessions and auction and auction[1] > sessions[0][0]:
        reader.fail(
            where.get("auction", where.get("sessions", ())),
            f"the auction window must end by the first session's start "
            f"({sessions[0][0]:%H:%M}) (MATCH-06)",
        )
    breaker, limit = values.get("circuit_breaker"), values.get("price_limit")
    if breaker and limit is not None and breaker > limit:
        reader.fail(
            where.get("circuit_breaker", where.get("price_limit", ())),
            f"the breaker band ({breaker:g}) must not be wider than the price limit ({limit:g}): "
            "trading starts inside the breaker band and widens to the limit (BRK-01; "
            "0 or false turns the breaker off)",
        )
    close = values.get("last_day_close")
    if sessions and close is not None and not sessions[0][0] < close <= sessions[-1][1]:
        reader.fail(
            where.get("last_day_close", ()),
            f"{close:%H:%M} is not inside the trading day "
            f"({sessions[0][0]:%H:%M}-{sessions[-1][1]:%H:%M})",
        )


def _override(
    base: Rulebook, table: dict, reader: Reader, path: tuple, source: str
) -> Rulebook | None:
    return apply_overrides(base, [(table, path)], reader, source)


def apply_overrides(
    base: Rulebook, tables: list[tuple[Mapping[str, Any], tuple]], reader: Reader, source: str
) -> Rulebook | None:
    """``base`` with the parameters of several tables applied (later tables win).

    Problems (unknown parameter, wrong type, inconsistent values) are recorded in ``reader``
    at each key's path; ``None`` is returned if there was any.
    """
    before = len(reader.errors)
    values: dict[str, Any] = {}
    where: dict[str, tuple] = {}
    for table, path in tables:
        v, w = _convert_params(table, reader, path)
        values |= v
        where |= w
    merged = {k: getattr(base, k) for k in _PARAMS} | values
    _check(merged, where, reader)
    if len(reader.errors) > before:
        return None
    if not values:
        return base
    return dataclasses.replace(base, **values, source=f"{base.source} + {source}")


def _load(name_or_path: str | Path, relative_to: str | Path | None, chain: tuple) -> Rulebook:
    """:meth:`Rulebook.load`, knowing the rulebooks that are based on this one (``chain``:
    shipped names and resolved paths), so a cycle of bases is an error, not a recursion."""
    if isinstance(name_or_path, str) and name_or_path in SHIPPED:
        return _load_shipped(name_or_path)  # shipped rulebooks have shipped bases, no cycle
    text = str(name_or_path)
    if not isinstance(name_or_path, Path) and not (
        text.endswith(".toml") or "/" in text or "\\" in text
    ):
        raise ScenarioError(
            f"unknown rulebook '{text}'{suggest(text, SHIPPED)} "
            f"(known: {', '.join(SHIPPED)}; or a path to a rulebook .toml file)"
        )
    path = Path(name_or_path)
    if relative_to is not None and not path.is_absolute():
        path = Path(relative_to) / path
    return _load_file(path, chain)


@functools.cache
def _load_shipped(name: str) -> Rulebook:
    ref = resources.files("riskcore").joinpath("rulebooks", f"{name}.toml")
    text = ref.read_text(encoding="utf-8")
    book = _from_text(text, f"rulebooks/{name}.toml", Path(str(ref)).parent, chain=(name,))
    return dataclasses.replace(book, source=name)


def _load_file(path: Path, chain: tuple) -> Rulebook:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is dropped
        resolved = str(path.resolve())
    except FileNotFoundError:
        raise ScenarioError(f"{path}: rulebook file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:  # ValueError: a NUL in the name
        raise ScenarioError(f"{path}: cannot read the rulebook ({e})") from None
    if resolved in chain:
        raise ScenarioError(f"rulebook '{path}' is its own base")
    return _from_text(text, str(path), path.parent, chain=(*chain, resolved))


def parse_toml(text: str, file: str) -> dict:
    """``tomllib.loads`` with a TOML syntax error turned into ``FILE:LINE: ...``."""
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ScenarioError(f"{file}: arrays or tables nested too deeply to read") from None
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        line = "?"
        col = ""
        if "(at line " in msg:
            msg, _, pos = msg.partition(" (at line ")
            pos = pos.rstrip(")")
            line, _, col = pos.partition(", column ")
        elif "(at end of document)" in msg:
            msg = msg.replace(" (at end of document)", "")
            line = str(text.count("\n") + 1)
        where = f" (column {col})" if col else ""
        raise ScenarioError(f"{file}:{line}: TOML syntax error: {msg}{where}") from None


def _from_text(text: str, file: str, folder: Path, chain: tuple) -> Rulebook:
    data = parse_toml(text, file)
    reader = Reader(Locator(file, text))
    for key in data:
        if key not in _FILE_KEYS:
            reader.fail((key,), f"unknown rule parameter{suggest(key, _FILE_KEYS)}")
    name = reader.get(data, (), "name", _NAME)
    title = reader.get(data, (), "title", String(nonempty=False), default="")
    base_name = reader.get(data, (), "base", String(), default=None)
    params = {k: v for k, v in data.items() if k in _PARAMS}
    values, where = _convert_params(params, reader, ())
    base: Rulebook | None = None
    if base_name is not None:
        try:
            base = _load(base_name, folder, chain)
        except ScenarioError as e:
            reader.fail(("base",), str(e))
    if base is None and base_name is None:
        for k in _PARAMS:
            if k not in data:
                exp = _PARAMS[k].metadata["conv"].expected
                reader.fail((k,), f"missing rule parameter (expected {exp}; or set base = ...)")
    reader.flush()
    merged = ({k: getattr(base, k) for k in _PARAMS} if base else {}) | values
    _check(merged, where, reader)
    reader.flush()
    return Rulebook(name=name, title=title, source=file, **merged)


__all__ = [
    "LIQUIDATION_ORDERS",
    "MARGIN_METHODS",
    "REDUCTION_METHODS",
    "SHIPPED",
    "STP_POLICIES",
    "WATERFALL_LAYERS",
    "FeeChange",
    "MarginChange",
    "Rulebook",
    "apply_overrides",
    "parse_toml",
]
