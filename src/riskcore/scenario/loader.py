"""``load_scenario``: parse and validate a scenario TOML file (SCENARIO.md).

The file is data: it is parsed with :mod:`tomllib` and never evaluated, imported or
unpickled. Problems are reported as :class:`ScenarioError` lines
``FILE:LINE: key 'x': what is wrong (expected ...)``; a whole file is checked in one pass
where the checks do not depend on each other, and ``err.errors`` lists every problem.

Choices where SCENARIO.md is silent:

- ``[calendar]`` keys replace the rulebook's (``holidays`` too: the list is not merged); a
  key set in both ``[rules]`` and ``[calendar]`` is an error.
- A contract whose ``last_trading_day`` is one of the run's trading days must give
  ``final_settlement`` (SETTLE-04); a ``last_trading_day`` before ``start`` or on a weekend or
  holiday is an error.
- Events must fall on one of the run's trading days (any time of day); their ``account``,
  ``symbol`` and ``party`` must exist (unlike orders, events are configuration).
- Members default to ``guarantee_fund = 0`` and ``capital = 0``; accounts to ``cash = 0``.
- ``[accounts_file] path = "accounts.parquet"`` (or ``.csv``) adds accounts from a table whose
  columns are the ``[[accounts]]`` keys, after the blocks, with the same checks and
  ``FILE: row N, column 'x'`` errors (:mod:`riskcore.scenario.accounts_file`); 100,000 accounts
  load in about a second where as many TOML blocks take seconds to parse.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import polars as pl

from riskcore.agents.params import COMMON as AGENT_KEYS
from riskcore.agents.params import DEFAULT_CASH, KINDS, ON_MARGIN_CALL, PARAMS, Param
from riskcore.scenario.accounts_file import read_accounts
from riskcore.scenario.errors import ScenarioError, quote, suggest
from riskcore.scenario.locate import Locator
from riskcore.scenario.model import (
    ACCOUNT_KEYS,
    EXPECT_TABLES,
    Account,
    AgentGroup,
    Calendar,
    Contract,
    Event,
    Exchange,
    Expect,
    Member,
    Position,
    Scenario,
    Underlying,
)
from riskcore.scenario.orders import combine, cross_duplicates, inline_orders, read_flow
from riskcore.scenario.rulebook import SHIPPED, Rulebook, apply_overrides, parse_toml
from riskcore.scenario.values import (
    DAYS_KEPT,
    LAST_DAY,
    MAX_DAYS,
    MAX_LOTS,
    MAX_MONEY,
    MAX_PRICE_TICKS,
    MAX_STEP,
    MIN_STEP,
    MISSING,
    Array,
    Bad,
    Boolean,
    Conv,
    Date,
    Func,
    Integer,
    Number,
    Reader,
    Record,
    String,
    Timestamp,
    describe,
)

SCHEMA = 1
TOP_KEYS = (
    "schema",
    "scenario",
    "rules",
    "calendar",
    "contracts",
    "members",
    "exchange",
    "accounts",
    "accounts_file",
    "orders",
    "flow",
    "events",
    "agents",
    "underlying",
    "expect",
)
SCENARIO_KEYS = (
    "name",
    "title",
    "description",
    "start",
    "days",
    "seed",
    "rulebook",
    "agent_step",
)
CALENDAR_KEYS = ("sessions", "auction", "holidays")
CONTRACT_KEYS = (
    "symbol",
    "multiplier",
    "tick",
    "margin_rate",
    "prev_settlement",
    "last_trading_day",
    "final_settlement",
)
MEMBER_KEYS = ("id", "name", "guarantee_fund", "capital")
EXCHANGE_KEYS = ("risk_reserve", "capital")
POSITION_KEYS = ("symbol", "long", "short", "price")
EXPECT_KEYS = ("table", "where", "equals", "count")
UNDERLYING_KEYS = ("source", "points", "random_walk")

EVENT_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required keys, optional keys) besides at, kind and reason
    "deposit": (("account", "amount"), ()),
    "withdraw": (("account", "amount"), ()),
    "margin_rate": (("symbol", "rate"), ()),
    "position_limit": (("value",), ("symbol",)),
    "halt": (("symbol",), ()),
    "resume": (("symbol",), ()),
    "penalty_liquidation": (("account",), ("symbol", "qty")),
    "emergency_liquidation": (("account",), ("symbol", "qty")),
    "other_liquidation": (("account",), ("symbol", "qty")),
    "complaint": (("party",), ()),
    "investigation": (("party",), ()),
    "other": (("party",), ()),
}
"""Known event kinds and their keys (LIQ-01 (3)-(5), MARGIN-04, POS-04, WARN-01 (6)-(8))."""
EVENT_KINDS = tuple(EVENT_KEYS)
_ALL_EVENT_KEYS = ("at", "kind", "reason", "account", "amount", "symbol", "rate", "value")
_ALL_EVENT_KEYS = (*_ALL_EVENT_KEYS, "qty", "party")

_NAME = String(pattern=r"[a-z0-9-]+", expected="a name of lowercase letters, digits and - only")
_ID = String(pattern=r"\S+", expected="an id without spaces")
_SYMBOL = String(pattern=r"[A-Za-z0-9][A-Za-z0-9_.-]*", expected='a symbol such as "IF1509"')
_TEXT = String(nonempty=False)
_CNY = Number(0.0, MAX_MONEY, unit="CNY")
_POSITIVE_PRICE = Number(0.0, lo_open=True, unit="index points")
_RATE = Number(0.0, 1.0, lo_open=True, unit="a fraction of notional, e.g. 0.12")
_LOTS = Integer(0, MAX_LOTS, unit="lots")
_SCALAR_TYPES = (str, int, float, bool, dt.date, dt.time)
_ARRAY_TABLES = ("contracts", "members", "accounts", "orders", "events", "agents", "expect")


def _scalar_table(value: Any) -> dict:
    if not isinstance(value, dict):
        raise Bad(f"{describe(value)} is not a table (expected {{ column = value, ... }})")
    for k, v in value.items():
        if not isinstance(v, _SCALAR_TYPES):
            raise Bad(
                f"{describe(v)} is not a single value (expected text, a number, a date)", (k,)
            )
    return dict(value)


_SCALARS = Func(_scalar_table, "{ column = value, ... }")


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario TOML file. A ``[flow]`` path and a rulebook path are resolved against
        its folder.

    Returns
    -------
    Scenario
        Typed, immutable description; ``orders`` is one polars DataFrame (see
        :data:`riskcore.scenario.model.ORDERS_SCHEMA`).

    Raises
    ------
    ScenarioError
        A wrong type or form anywhere (one line per problem, ``err.errors`` lists all).
        Well-formed orders the exchange would refuse are *not* errors here (MATCH-07).
    """
    path = Path(path)
    text = read_scenario_text(path)
    return load_parsed(path, text, parse_toml(text, str(path)))


def read_scenario_text(path: str | Path) -> str:
    """The scenario file's text (UTF-8; a leading byte-order mark, as some Windows editors
    write, is dropped); a missing or unreadable file is a one-line ScenarioError."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: scenario file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:  # ValueError: a NUL in the name
        raise ScenarioError(f"{path}: cannot read the scenario file ({e})") from None


def load_parsed(path: str | Path, text: str, data: dict) -> Scenario:
    """Validate already-parsed scenario ``data`` (e.g. with command-line overrides applied);
    ``text`` is the file's text, for line numbers in error messages."""
    path = Path(path)
    return _Loader(path, data, Reader(Locator(str(path), text))).load()


class _Loader:
    def __init__(self, path: Path, data: dict, reader: Reader) -> None:
        self.path = path
        self.folder = path.parent
        self.data = data
        self.r = reader

    # -- helpers ---------------------------------------------------------------------------
    def _section(self, key: str, allowed: tuple[str, ...]) -> dict | None:
        if key not in self.data:
            return None
        t = self.r.table(self.data[key], (key,), f"a table [{key}]")
        if t is not None:
            self.r.keys(t, (key,), allowed)
        return t

    def _array(self, key: str, allowed: tuple[str, ...] | None) -> list[tuple[tuple, dict]]:
        if key not in self.data:
            return []
        out = self.r.tables(self.data[key], (key,), key)
        if allowed is not None:
            for p, t in out:
                self.r.keys(t, p, allowed)
        return out

    # -- phases ----------------------------------------------------------------------------
    def load(self) -> Scenario:
        r, data = self.r, self.data
        r.keys(data, (), TOP_KEYS)
        for key in _ARRAY_TABLES:
            if key in data and isinstance(data[key], dict):
                r.fail((key,), f"[{key}] is one table (expected [[{key}]] blocks)")
                data = {k: v for k, v in data.items() if k != key}
        self.data = data
        schema = r.get(data, (), "schema", Integer(), default=None)
        if "schema" not in data:
            r.fail(("schema",), f"missing (expected schema = {SCHEMA} at the top of the file)")
        elif schema is not None and schema != SCHEMA:
            r.fail(("schema",), f"unsupported schema {schema} (expected {SCHEMA})")
        head = self._scenario_head()
        rulebook = self._rulebook(head.get("rulebook"))
        r.flush()  # everything below needs the rulebook and the calendar
        assert rulebook is not None
        calendar = self._calendar(rulebook, head["start"], head["days"])
        contracts = self._contracts(rulebook, head["start"], calendar)
        members = self._members()
        exchange = self._exchange(rulebook)
        accounts = self._accounts({c.symbol for c in contracts}, {m.id for m in members})
        agents, agent_accounts = self._agents(contracts, {m.id for m in members}, accounts)
        accounts = accounts + agent_accounts
        underlying = self._underlying(calendar, agents)
        self._balance(contracts, accounts)
        orders, flow_path = self._orders()
        events = self._events(calendar, contracts, members, accounts)
        expect = self._expect()
        r.flush()
        return Scenario(
            schema=SCHEMA,
            name=head["name"],
            title=head["title"],
            description=head["description"],
            start=head["start"],
            days=head["days"],
            seed=head["seed"],
            rulebook=rulebook,
            calendar=calendar,
            contracts=tuple(contracts),
            members=tuple(members),
            exchange=exchange,
            accounts=tuple(accounts),
            orders=orders,
            events=events,
            agents=agents,
            expect=expect,
            agent_step=head.get("agent_step"),
            source=self.path,
            flow_path=flow_path,
            underlying=underlying,
            _locator=r.loc,
        )

    def _scenario_head(self) -> dict[str, Any]:
        r = self.r
        if "scenario" not in self.data:
            r.fail(("scenario",), "missing table [scenario] (expected name, start, days)")
            return {}
        t = self._section("scenario", SCENARIO_KEYS)
        if t is None:
            return {}
        p = ("scenario",)
        head = {
            "name": r.get(t, p, "name", _NAME),
            "title": r.get(t, p, "title", _TEXT, default=None),
            "description": r.get(t, p, "description", _TEXT, default=""),
            "start": r.get(t, p, "start", Date()),
            "days": r.get(t, p, "days", Integer(1, MAX_DAYS, unit="trading days")),
            "seed": r.get(t, p, "seed", Integer(0), default=0),
            "rulebook": r.get(t, p, "rulebook", String(), default="seed"),
            "agent_step": r.get(t, p, "agent_step", _STEP, default=None),
        }
        if head["title"] is None:
            head["title"] = head["name"] or ""
        return head

    def _rulebook(self, name: str | None) -> Rulebook | None:
        r = self.r
        if name is None:
            return None
        where = ("scenario", "rulebook")
        base: Rulebook | None = None
        if name in SHIPPED:
            base = Rulebook.load(name)
        elif name.endswith(".toml") or "/" in name or "\\" in name:
            p = self._existing_file(name, where, "rulebook")
            if p is not None:
                try:
                    base = Rulebook.load(p)
                except ScenarioError as e:  # problems inside the rulebook file: its own lines
                    r.errors.extend(e.errors)
        else:
            r.fail(
                where,
                f'unknown rulebook "{name}"{suggest(name, SHIPPED)} '
                f"(expected one of {', '.join(SHIPPED)}, or a path to a rulebook .toml file)",
            )
        if base is None:
            return None
        tables: list[tuple[dict, tuple]] = []
        rules = None
        if "rules" in self.data:  # unknown parameters are reported by apply_overrides
            rules = r.table(self.data["rules"], ("rules",), "a table [rules]")
        if rules is not None:
            tables.append((rules, ("rules",)))
        cal = self._section("calendar", CALENDAR_KEYS)
        if cal is not None:
            cal = {k: v for k, v in cal.items() if k in CALENDAR_KEYS}
            for k in cal:
                if rules is not None and k in rules:
                    r.fail(
                        ("calendar", k),
                        f"also set in [rules] at line {r.loc.line(('rules', k))} (set it once)",
                    )
            tables.append((cal, ("calendar",)))
        return apply_overrides(base, tables, r, self.path.name)

    def _calendar(self, rb: Rulebook, start: dt.date, days: int) -> Calendar:
        holidays = frozenset(rb.holidays)
        if start.weekday() >= 5 or start in holidays:
            why = f"a {start:%A}" if start.weekday() >= 5 else "a holiday"
            self.r.fail(
                ("scenario", "start"),
                f"{start.isoformat()} is {why} (expected a trading day: a weekday not in the "
                "holidays)",
            )
        cal = Calendar.build(rb, start, days)
        if cal.trading_days[-1] > LAST_DAY:
            self.r.fail(
                ("scenario", "days"),
                f"{days} trading days from {start.isoformat()} end on "
                f"{cal.trading_days[-1].isoformat()}, past the days riskcore keeps ({DAYS_KEPT})",
            )
        return cal

    def _contracts(self, rb: Rulebook, start: dt.date, cal: Calendar) -> list[Contract]:
        r = self.r
        tables = self._array("contracts", CONTRACT_KEYS)
        if not tables and "contracts" not in self.data:
            r.fail(("contracts",), "missing (expected at least one [[contracts]] block)")
        out: list[Contract] = []
        seen: dict[str, tuple] = {}
        days = set(cal.trading_days)
        for p, t in tables:
            before = len(r.errors)
            symbol = r.get(t, p, "symbol", _SYMBOL)
            mult = r.get(t, p, "multiplier", Number(0.0, lo_open=True, unit="CNY per point"))
            tick = r.get(t, p, "tick", Number(0.0, lo_open=True, unit="index points"))
            default_rate = _default_margin(symbol or "", start, rb)
            rate = r.get(t, p, "margin_rate", _RATE, default=default_rate)
            prev = r.get(t, p, "prev_settlement", _POSITIVE_PRICE)
            ltd = r.get(t, p, "last_trading_day", Date(), default=None)
            final = r.get(t, p, "final_settlement", _POSITIVE_PRICE, default=None)
            if symbol is not None:
                if symbol in seen:
                    r.fail(
                        (*p, "symbol"),
                        f'duplicate contract "{symbol}" (first at {r.loc.where(seen[symbol])})',
                    )
                seen.setdefault(symbol, (*p, "symbol"))
            if (
                self._contract_scale(p, mult, tick, prev, final)
                and prev is not None
                and not _on_tick(prev, tick)
            ):
                lo = (prev // tick) * tick
                r.fail(
                    (*p, "prev_settlement"),
                    f"{prev!r} is not a whole number of ticks of {tick!r} (UNIT-02; e.g. "
                    f"{lo:.10g} or {lo + tick:.10g})",
                )
            if ltd is not None:
                if ltd < start:
                    r.fail(
                        (*p, "last_trading_day"),
                        f"{ltd.isoformat()} is before the start {start.isoformat()} "
                        "(the contract has expired)",
                    )
                elif not cal.is_trading_day(ltd):
                    r.fail(
                        (*p, "last_trading_day"),
                        f"{ltd.isoformat()} is not a trading day (a weekend or holiday)",
                    )
                elif ltd in days and final is None:
                    r.fail(
                        (*p, "final_settlement"),
                        f"missing: last_trading_day {ltd.isoformat()} is inside the run, so the "
                        "final settlement price is needed (SETTLE-04; expected a number > 0, "
                        "index points)",
                    )
            if len(r.errors) == before:
                out.append(Contract(symbol, mult, tick, rate, prev, ltd, final, "margin_rate" in t))
        return out

    def _contract_scale(
        self,
        p: tuple,
        mult: float | None,
        tick: float | None,
        prev: float | None,
        final: float | None,
    ) -> bool:
        """Prices the book can hold (one level per tick, at most :data:`MAX_PRICE_TICKS`)
        and lot values money can hold (one tick worth more than 0 CNY, one lot finite);
        ``True`` if the tick is known and ``prev`` fits (so it can be checked on-tick)."""
        r = self.r
        if tick is None:
            return False
        fits = True
        for key, price in (("prev_settlement", prev), ("final_settlement", final)):
            if price is None:
                continue
            ticks = price / tick
            if ticks > MAX_PRICE_TICKS:
                fits = fits and key != "prev_settlement"
                r.fail(
                    (*p, key),
                    f"{price!r} is {ticks:.3g} ticks of {tick!r} (expected at most "
                    f"{MAX_PRICE_TICKS:,} ticks: the book keeps one level per tick)",
                )
            elif ticks < 0.5:  # rounds to no tick at all
                r.fail((*p, key), f"{price!r} rounds to no tick of {tick!r} (expected >= {tick!r})")
        if mult is not None and prev is not None:
            tick_value, lot_value = mult * tick, mult * prev
            if not (tick_value > 0 and math.isfinite(lot_value)):
                r.fail(
                    (*p, "multiplier"),
                    f"{mult!r} CNY per point makes one tick worth {tick_value!r} CNY and one "
                    f"lot {lot_value!r} CNY (expected both above 0 and finite)",
                )
        return fits

    def _members(self) -> list[Member]:
        r = self.r
        out: list[Member] = []
        seen: dict[str, tuple] = {}
        for p, t in self._array("members", MEMBER_KEYS):
            before = len(r.errors)
            mid = r.get(t, p, "id", _ID)
            name = r.get(t, p, "name", _TEXT, default=mid)
            gf = r.get(t, p, "guarantee_fund", _CNY, default=0.0)
            cap = r.get(t, p, "capital", _CNY, default=0.0)
            if mid is not None:
                if mid in seen:
                    r.fail(
                        (*p, "id"), f'duplicate member "{mid}" (first at {r.loc.where(seen[mid])})'
                    )
                seen.setdefault(mid, (*p, "id"))
            if len(r.errors) == before:
                out.append(Member(mid, name, gf, cap))
        return out

    def _exchange(self, rb: Rulebook) -> Exchange:
        t = self._section("exchange", EXCHANGE_KEYS) or {}
        p = ("exchange",)
        reserve = self.r.get(t, p, "risk_reserve", _CNY, default=rb.exchange_risk_reserve)
        capital = self.r.get(t, p, "capital", _CNY, default=rb.exchange_capital)
        return Exchange(reserve, capital)

    def _check_member(self, p: tuple, member: str | None, members: set[str]) -> None:
        """An ``[[accounts]]`` or ``[[agents]]`` block's ``member`` must name a
        ``[[members]]`` block (``FILE:LINE: key`` error otherwise)."""
        if member is not None and member not in members:
            known = ", ".join(sorted(members)) or "none declared"
            self.r.fail(
                (*p, "member"),
                f'unknown member "{member}"{suggest(member, members)} '
                f"(expected the id of a [[members]] block: {known})",
            )

    def _accounts(self, symbols: set[str], members: set[str]) -> list[Account]:
        r = self.r
        out: list[Account] = []
        seen: dict[str, tuple] = {}
        quotas: dict[str, tuple[int, tuple]] = {}
        for p, t in self._array("accounts", ACCOUNT_KEYS):
            before = len(r.errors)
            aid = r.get(t, p, "id", _ID)
            member = r.get(t, p, "member", _ID)
            investor = r.get(t, p, "investor", _ID, default=aid)
            name = r.get(t, p, "name", _TEXT, default=aid)
            prop = r.get(t, p, "proprietary", Boolean(), default=False)
            cash = r.get(t, p, "cash", _CNY, default=0.0)
            quota = r.get(t, p, "hedge_quota", _LOTS, default=0)
            files = r.get(t, p, "files_reports", Boolean(), default=True)
            positions = self._positions(t, p, symbols)
            if aid is not None:
                if aid in seen:
                    r.fail(
                        (*p, "id"), f'duplicate account "{aid}" (first at {r.loc.where(seen[aid])})'
                    )
                seen.setdefault(aid, (*p, "id"))
            self._check_member(p, member, members)
            if "hedge_quota" in t and investor is not None and quota is not None:
                prev = quotas.setdefault(investor, (quota, (*p, "hedge_quota")))
                if prev[0] != quota:
                    r.fail(
                        (*p, "hedge_quota"),
                        f'investor "{investor}" has hedge_quota {prev[0]} at '
                        f"{r.loc.where(prev[1])} (POS-03: one quota per investor)",
                    )
            if len(r.errors) == before and positions is not None:
                out.append(
                    Account(aid, member, investor, name, prop, cash, quota, files, positions)
                )
        return out + self._accounts_file(symbols, members, [a.id for a in out])

    def _accounts_file(self, symbols: set[str], members: set[str], taken: list[str]) -> list:
        """``[accounts_file]``: the accounts of a Parquet or CSV file, after the blocks
        (:mod:`riskcore.scenario.accounts_file`)."""
        path = self._data_file("accounts_file", "accounts")
        if path is not None:
            try:
                return read_accounts(path, str(path), symbols, members, taken)
            except ScenarioError as e:
                self.r.errors.extend(e.errors)
        return []

    def _data_file(self, section: str, what: str) -> Path | None:
        """The ``path`` of ``[section]`` (a ``.csv`` or ``.parquet`` file, relative to the
        scenario) if it names a file that exists; else ``None``, with the problem recorded."""
        r = self.r
        t = self._section(section, ("path",))
        if t is None:
            return None
        p = (section, "path")
        rel = r.get(t, p[:1], "path", String(expected=f'a file name such as "{what}.parquet"'))
        if rel is None:
            return None
        if Path(rel).suffix.lower() not in (".csv", ".parquet", ".pq"):
            r.fail(p, f"{quote(rel)} is neither .csv nor .parquet")
            return None
        return self._existing_file(rel, p, what)

    def _existing_file(self, rel: str, where: tuple, what: str) -> Path | None:
        """``rel`` (relative to the scenario's folder) if it names an existing file; else
        ``None``, with "not found" or the system's reason it cannot be used recorded."""
        path = Path(rel) if Path(rel).is_absolute() else self.folder / rel
        try:
            found = path.is_file()
        except OSError as e:  # e.g. a name longer than the file system allows
            self.r.fail(where, f"cannot use {quote(rel)} as a {what} file ({e.strerror})")
            return None
        if not found:
            self.r.fail(where, f"{what} file not found: {path}")
            return None
        return path

    def _positions(self, t: dict, p: tuple, symbols: set[str]) -> tuple[Position, ...] | None:
        r = self.r
        if "positions" not in t:
            return ()
        raw = t["positions"]
        pp = (*p, "positions")
        if not isinstance(raw, list):
            r.fail(
                pp,
                f"{describe(raw)} is not an array (expected [ {{ symbol, long, short, price }} ])",
            )
            return None
        before = len(r.errors)
        out: list[Position] = []
        seen: set[str] = set()
        for j, item in enumerate(raw):
            q = (*pp, j)
            if r.table(item, q, "{ symbol = ..., long = ..., short = ..., price = ... }") is None:
                continue
            r.keys(item, q, POSITION_KEYS)
            symbol = r.get(item, q, "symbol", _SYMBOL)
            long = r.get(item, q, "long", _LOTS, default=0)
            short = r.get(item, q, "short", _LOTS, default=0)
            held = bool(long) or bool(short)
            price = r.get(item, q, "price", _POSITIVE_PRICE, default=MISSING if held else 0.0)
            if symbol is not None:
                if symbol not in symbols:
                    r.fail(
                        (*q, "symbol"),
                        f'unknown contract "{symbol}"{suggest(symbol, symbols)} '
                        "(expected the symbol of a [[contracts]] block)",
                    )
                elif symbol in seen:
                    r.fail(
                        (*q, "symbol"), f'a second position in "{symbol}" (give one per contract)'
                    )
                seen.add(symbol)
            if None not in (symbol, long, short, price):
                out.append(Position(symbol, long, short, price))
        return tuple(out) if len(r.errors) == before else None

    def _balance(self, contracts: list[Contract], accounts: list[Account]) -> None:
        totals: dict[str, list[int]] = {c.symbol: [0, 0] for c in contracts}
        last: dict[str, tuple] = {}
        tables = dict(self._array("accounts", None)) if "accounts" in self.data else {}
        if "agents" in self.data:
            tables.update(self._array("agents", None))
        for p, t in tables.items():
            raw = t.get("positions")
            if isinstance(raw, list):
                for j, item in enumerate(raw):
                    if isinstance(item, dict) and isinstance(item.get("symbol"), str):
                        last[item["symbol"]] = (*p, "positions", j)
        for a in accounts:
            for pos in a.positions:
                if pos.symbol in totals:
                    totals[pos.symbol][0] += pos.long
                    totals[pos.symbol][1] += pos.short
        for sym, (lng, sht) in totals.items():
            if lng != sht:
                self.r.fail(
                    last.get(sym, ("accounts",)),
                    f"initial positions in {sym} do not balance: total long {lng} lots, total "
                    f"short {sht} lots (expected equal; SETTLE-03)",
                )

    def _orders(self) -> tuple[pl.DataFrame, Path | None]:
        r = self.r
        inline = inline_orders(self._array("orders", None), r, self.path.name)
        flow = None
        flow_path = self._data_file("flow", "flow")
        if flow_path is not None:
            try:
                flow = read_flow(flow_path, str(flow_path))
            except ScenarioError as e:
                r.errors.extend(e.errors)
        if inline is not None and flow is not None and flow_path is not None:
            msg = cross_duplicates(inline, flow, str(flow_path))
            if msg:
                r.errors.append(msg)
        return combine([f for f in (inline, flow) if f is not None]), flow_path

    def _events(
        self,
        cal: Calendar,
        contracts: list[Contract],
        members: list[Member],
        accounts: list[Account],
    ) -> tuple[Event, ...]:
        r = self.r
        symbols = {c.symbol for c in contracts}
        account_ids = {a.id for a in accounts}
        parties = account_ids | {a.investor for a in accounts} | {m.id for m in members}
        days = set(cal.trading_days)
        first, last = cal.trading_days[0], cal.trading_days[-1]
        convs: dict[str, Conv] = {
            "account": _ID,
            "amount": Number(0.0, MAX_MONEY, lo_open=True, unit="CNY"),
            "symbol": _SYMBOL,
            "rate": _RATE,
            "value": _LOTS,
            "qty": Integer(1, unit="lots"),
            "party": _ID,
        }
        out: list[Event] = []
        for p, t in self._array("events", None):
            before = len(r.errors)
            kind = r.get(t, p, "kind", String(EVENT_KINDS))
            at = r.get(t, p, "at", Timestamp())
            reason = r.get(t, p, "reason", _TEXT, default=None)
            if kind is None:
                continue
            required, optional = EVENT_KEYS[kind]
            allowed = ("at", "kind", "reason", *required, *optional)
            for key in t:
                if key not in _ALL_EVENT_KEYS:
                    r.fail(
                        (*p, key),
                        f"unknown key{suggest(key, allowed)} (a {kind} event takes "
                        f"{', '.join(allowed)})",
                    )
                elif key not in allowed:
                    r.fail((*p, key), f"not used by a {kind} event (it takes {', '.join(allowed)})")
            vals: dict[str, Any] = {}
            for key in (*required, *optional):
                default = MISSING if key in required else None
                vals[key] = r.get(t, p, key, convs[key], default=default)
            if vals.get("account") is not None and vals["account"] not in account_ids:
                r.fail(
                    (*p, "account"),
                    f'unknown account "{vals["account"]}"{suggest(vals["account"], account_ids)}',
                )
            if vals.get("symbol") is not None and vals["symbol"] not in symbols:
                r.fail(
                    (*p, "symbol"),
                    f'unknown contract "{vals["symbol"]}"{suggest(vals["symbol"], symbols)}',
                )
            if vals.get("party") is not None and vals["party"] not in parties:
                r.fail(
                    (*p, "party"),
                    f'unknown party "{vals["party"]}"{suggest(vals["party"], parties)} '
                    "(expected an account, investor or member id)",
                )
            if at is not None and at[0].date() not in days:
                r.fail(
                    (*p, "at"),
                    f"{at[0].date().isoformat()} is not one of the run's trading days "
                    f"({first.isoformat()} .. {last.isoformat()})",
                )
            if len(r.errors) == before and at is not None:
                out.append(
                    Event(
                        at=at[0],
                        at_ns=at[1],
                        kind=kind,
                        reason=reason,
                        origin=r.loc.where(p),
                        **vals,
                    )
                )
        out.sort(key=lambda e: e.at_ns)  # stable: same instant keeps file order
        return tuple(out)

    def _agents(
        self, contracts: list[Contract], members: set[str], accounts: list[Account]
    ) -> tuple[tuple[AgentGroup, ...], list[Account]]:
        """``[[agents]]`` blocks (``docs/agents.md``) and the accounts they create."""
        r = self.r
        symbols = [c.symbol for c in contracts]
        taken = {a.id: ("accounts",) for a in accounts}
        groups: list[AgentGroup] = []
        out: list[Account] = []
        for p, t in self._array("agents", None):
            before = len(r.errors)
            kind = r.get(t, p, "kind", String(KINDS))
            if kind is None:
                continue
            params = PARAMS[kind]
            allowed = (*AGENT_KEYS, *(q.name for q in params))
            r.keys(t, p, allowed)
            count = r.get(t, p, "count", Integer(1, 100_000, unit="agents"), default=1)
            member = r.get(t, p, "member", _ID)
            prefix = r.get(t, p, "prefix", _NAME, default=kind.replace("_", "-"))
            cash = r.get(
                t, p, "cash", Number(0.0, MAX_MONEY, unit="CNY per agent"), default=DEFAULT_CASH
            )
            default_sym = symbols[0] if symbols else MISSING
            symbol = r.get(t, p, "symbol", _SYMBOL, default=default_sym)
            on_call = r.get(t, p, "on_margin_call", String(ON_MARGIN_CALL), default="top_up")
            positions = self._positions(t, p, set(symbols))
            values = {
                q.name: r.get(t, p, q.name, _param_conv(q), default=q.default) for q in params
            }
            self._check_member(p, member, members)
            if symbol is not None and symbol not in symbols:
                r.fail(
                    (*p, "symbol"),
                    f'unknown contract "{symbol}"{suggest(symbol, symbols)} '
                    "(expected the symbol of a [[contracts]] block)",
                )
            if len(r.errors) != before or None in (count, member, prefix, cash, on_call):
                continue
            width = max(3, len(str(count)))
            ids = tuple(f"{prefix}-{i:0{width}d}" for i in range(1, count + 1))
            clash = [a for a in ids if a in taken]
            if clash:
                first = taken[clash[0]]
                at = "an [[accounts]] block" if first == ("accounts",) else r.loc.where(first)
                r.fail(
                    (*p, "prefix" if "prefix" in t else "kind"),
                    f'account id "{clash[0]}" is already used (by {at}; give another prefix)',
                )
                continue
            for a in ids:
                taken[a] = p
            groups.append(
                AgentGroup(
                    kind, count, member, prefix, cash, symbol, positions or (), on_call,
                    values, ids, r.loc.where(p),
                )
            )  # fmt: skip
            out += [Account(a, member, a, a, False, cash, 0, True, positions or ()) for a in ids]
        return tuple(groups), out

    def _underlying(self, cal: Calendar, agents: tuple[AgentGroup, ...]) -> Underlying | None:
        """``[underlying]``: ``points`` or ``random_walk`` (:mod:`riskcore.agents.underlying`)."""
        r = self.r
        t = self._section("underlying", UNDERLYING_KEYS)
        if t is None:
            for i, g in enumerate(agents):
                if g.kind == "fundamental":
                    r.fail(
                        ("agents", i, "kind"),
                        "fundamental traders follow the underlying index (expected an "
                        "[underlying] table with points or random_walk)",
                    )
                    break
            return None
        p = ("underlying",)
        source = r.get(t, p, "source", _TEXT, default="")
        if ("points" in t) == ("random_walk" in t):
            r.fail(p, "give exactly one of points = [[date, value], ...] or random_walk = { ... }")
            return Underlying(source=source or "", origin=r.loc.where(p))
        days = set(cal.trading_days)
        if "points" in t:
            pts = r.get(t, p, "points", Array(_DATED_LEVEL, min_len=1))
            if pts is None:
                return None
            dates = [d for d, _ in pts]
            if len(set(dates)) != len(dates) or dates != sorted(dates):
                r.fail((*p, "points"), "dates must be increasing, one value per date")
            return Underlying(points=tuple(pts), source=source or "", origin=r.loc.where(p))
        rw = r.get(t, p, "random_walk", _RANDOM_WALK)
        if rw is None:
            return None
        jumps = tuple(rw.get("jumps", ()))
        last = max(days, default=None)
        for j, (d, _) in enumerate(jumps):
            # after the run's last day a jump has no effect (e.g. a shortened `days`)
            if d not in days and (last is None or d <= last):
                r.fail(
                    (*p, "random_walk", "jumps", j),
                    f"{d.isoformat()} is not one of the run's trading days (a jump happens at "
                    "a day's open)",
                )
        return Underlying(
            start=rw["start"],
            daily_vol=rw.get("daily_vol", 0.0),
            jumps=jumps,
            source=source or "",
            origin=r.loc.where(p),
        )

    def _expect(self) -> tuple[Expect, ...]:
        r = self.r
        out = []
        for p, t in self._array("expect", EXPECT_KEYS):
            before = len(r.errors)
            table = r.get(t, p, "table", String(EXPECT_TABLES))
            where = r.get(t, p, "where", _SCALARS, default={})
            equals = r.get(t, p, "equals", _SCALARS, default=None)
            count = r.get(t, p, "count", Integer(0, unit="rows"), default=None)
            if "equals" not in t and "count" not in t:
                r.fail(p, "an [[expect]] block needs equals = { ... } or count = N")
            if len(r.errors) == before:
                out.append(Expect(table, where, equals, count, r.loc.where(p)))
        return tuple(out)


def _param_conv(q: Param) -> Conv:
    """The converter of an agent parameter (:class:`riskcore.agents.params.Param`)."""
    unit = f"{q.unit}; {q.doc}" if q.unit else q.doc
    if q.type == "int":
        lo = None if q.lo is None else int(q.lo)
        return Integer(lo, None if q.hi is None else int(q.hi), unit)
    if q.type == "float":
        return Number(q.lo, q.hi, lo_open=q.lo_open, unit=unit)
    return String(q.choices)


def _dated(value_conv: Conv) -> Func:
    def conv(value: Any) -> tuple[dt.date, float]:
        expected = f'[date, value] such as ["2015-08-24", -0.09] (value {value_conv.expected})'
        if not isinstance(value, list) or len(value) != 2:
            raise Bad(f"{describe(value)} is not a pair (expected {expected})")
        try:
            day = Date()(value[0])
        except Bad as e:
            raise Bad(e.msg, (0,)) from None
        try:
            return day, value_conv(value[1])
        except Bad as e:
            raise Bad(e.msg, (1,)) from None

    return Func(conv, '[date, value] pairs such as ["2015-08-24", 3500.0]')


_DATED_LEVEL = _dated(_POSITIVE_PRICE)
_RANDOM_WALK = Record(
    {
        "start": _POSITIVE_PRICE,
        "daily_vol": Number(0.0, 1.0, unit="standard deviation of the daily log return"),
        "jumps": Array(_dated(Number(-1.0, lo_open=True, unit="relative jump, -0.09 = -9 %"))),
    },
    required=("start",),
)


_STEP_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|min)")
_STEP_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0}


def _step(value: Any) -> float:
    """``"1s"``, ``"500ms"``, ``"1min"`` or a number of seconds -> seconds, from 1 ms
    (:data:`~riskcore.scenario.values.MIN_STEP`) to a day (``MAX_STEP``)."""
    expected = (
        'a duration such as "1s", "500ms" or "1min" (or a number of seconds), '
        f"from {MIN_STEP * 1000:g}ms to {MAX_STEP / 3600:g}h"
    )
    seconds = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:
            seconds = math.inf
    elif isinstance(value, str) and (m := _STEP_RE.fullmatch(value.strip())):
        seconds = float(m[1]) * _STEP_UNITS[m[2]]
    if seconds is None:
        raise Bad(f"{describe(value)} is not a duration (expected {expected})")
    if not MIN_STEP <= seconds <= MAX_STEP:
        raise Bad(f"{describe(value)} is out of range (expected {expected})")
    return seconds


_STEP = Func(_step, 'a duration such as "1s"')


def _on_tick(price: float, tick: float) -> bool:
    """True when ``price`` is a whole number of ``tick`` (to 1e-9 relative, UNIT-02)."""
    k = round(price / tick)
    return abs(k * tick - price) <= 1e-9 * max(1.0, abs(price))


def _third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


_YYMM = re.compile(r"[A-Za-z]+(\d{2})(\d{2})")


def _default_margin(symbol: str, start: dt.date, rb: Rulebook) -> float:
    """The rulebook's margin rate for a contract without its own (MARGIN-01).

    With ``margin_rate_quarterly`` set, a symbol ending in YYMM that is neither of the two
    nearest unexpired contract months at ``start`` (a month expires on its third Friday)
    gets the quarterly rate; everything else gets ``margin_rate``.
    """
    m = _YYMM.fullmatch(symbol)
    if rb.margin_rate_quarterly is None or not m or not 1 <= int(m[2]) <= 12:
        return rb.margin_rate
    month = (2000 + int(m[1])) * 12 + int(m[2]) - 1
    near = start.year * 12 + start.month - 1
    if start > _third_friday(start.year, start.month):
        near += 1
    return rb.margin_rate if month in (near, near + 1) else rb.margin_rate_quarterly
