"""``[accounts_file]``: many accounts from one Parquet or CSV file, checked column-wise.

A scenario with a hundred thousand ``[[accounts]]`` blocks takes seconds to parse as TOML;
``[accounts_file] path = "accounts.parquet"`` (``.parquet`` or ``.csv``, relative to the
scenario file) holds the same accounts as a table with the same columns as the
``[[accounts]]`` keys: ``id``, ``member`` (required), ``investor``, ``name``,
``proprietary``, ``cash``, ``hedge_quota``, ``files_reports`` (optional, same defaults:
investor and name = id, not proprietary, cash 0 CNY, hedge quota 0 lots, files reports) and,
in Parquet only, ``positions`` (a list of ``{symbol, long, short, price}`` structs per row).
Accounts of the file follow the ``[[accounts]]`` blocks, in file order.

The checks are the ``[[accounts]]`` checks, vectorised with polars (no Python loop per row
except for rows with positions): an id without spaces, unique over the blocks and the file;
a declared member; cash a finite number >= 0 (CNY); hedge quota an integer >= 0 (lots), one
quota per investor (POS-03); booleans ``true``/``false``. Errors read
``FILE: row N, column 'x': what is wrong (expected ...)`` (first bad row of each check), or
``FILE: column 'x': ...`` for a missing, unknown or wrongly typed column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from riskcore.scenario.errors import ScenarioError, suggest
from riskcore.scenario.model import ACCOUNT_KEYS, Account, Position
from riskcore.scenario.orders import _FlowErrors, _numeric, _text, read_table
from riskcore.scenario.values import MAX_LOTS, MAX_MONEY

ACCOUNT_COLUMNS = ACCOUNT_KEYS
"""Columns of an accounts file (the ``[[accounts]]`` keys)."""
POSITION_FIELDS = ("symbol", "long", "short", "price")

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def _boolean(df: pl.DataFrame, col: str, default: bool, errs: _FlowErrors) -> pl.Series:
    if col not in df.columns:
        return pl.repeat(default, df.height, dtype=pl.Boolean, eager=True).alias(col)
    s = df[col]
    if s.dtype == pl.Boolean:
        return s.fill_null(default)
    if s.dtype == pl.String:
        t = s.str.strip_chars().str.to_lowercase()
        ok = t.is_in([*_TRUE, *_FALSE]) | t.is_null() | (t == "")
        errs.first(~ok, df, col, "{value} is not true or false")
        return t.is_in(_TRUE).alias(col)
    errs.column(col, f"has type {s.dtype} (expected true or false)")
    return pl.repeat(default, df.height, dtype=pl.Boolean, eager=True).alias(col)


def _lots(x: Any) -> bool:
    """A starting position, lots: an integer (not a boolean) in 0 .. MAX_LOTS."""
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_LOTS


def _positions(
    raw: Any, row: int, symbols: set[str], errs: _FlowErrors
) -> tuple[Position, ...] | None:
    """One row's ``positions`` list (Parquet list of structs), checked like the TOML's."""
    where = f"{errs.file}: row {row + 1}, column 'positions'"
    out: list[Position] = []
    seen: set[str] = set()
    for j, item in enumerate(raw):
        if not isinstance(item, dict):
            errs.errors.append(f"{where}: item {j} is not {{symbol, long, short, price}}")
            return None
        symbol, long, short = item.get("symbol"), item.get("long") or 0, item.get("short") or 0
        price = item.get("price")
        if not isinstance(symbol, str):
            errs.errors.append(f"{where}: item {j} has no symbol")
            return None
        if symbol not in symbols:
            errs.errors.append(
                f'{where}: unknown contract "{symbol}"{suggest(symbol, symbols)} '
                "(expected the symbol of a [[contracts]] block)"
            )
            return None
        if symbol in seen:
            errs.errors.append(f'{where}: a second position in "{symbol}" (give one per contract)')
            return None
        seen.add(symbol)
        if not (_lots(long) and _lots(short)):
            errs.errors.append(
                f"{where}: item {j}: long and short are lots (integers in [0, {MAX_LOTS}])"
            )
            return None
        if (long or short) and not (
            isinstance(price, int | float) and not isinstance(price, bool) and 0 < price < math.inf
        ):
            errs.errors.append(
                f"{where}: item {j}: price must be a finite number > 0 (index points)"
            )
            return None
        out.append(Position(symbol, int(long), int(short), float(price or 0.0)))
    return tuple(out)


def read_accounts(
    path: Path,
    file: str,
    symbols: set[str],
    members: set[str],
    taken: Iterable[str] = (),
) -> list[Account]:
    """Read and check an accounts file into :class:`Account` objects (file order).

    Parameters
    ----------
    path : Path
        ``.parquet`` or ``.csv`` (CSV cells are text; ``positions`` needs Parquet).
    file : str
        Name used in messages.
    symbols, members : set of str
        The scenario's contracts and members.
    taken : iterable of str
        Account ids of the ``[[accounts]]`` blocks (an id of the file must be new).

    Raises
    ------
    ScenarioError
        Every problem found (``err.errors``), one line each.
    """
    df = read_table(path, file, "accounts")
    errs = _FlowErrors(file)
    for col in df.columns:
        if col not in ACCOUNT_COLUMNS:
            known = ", ".join(ACCOUNT_COLUMNS)
            errs.column(col, f"unknown column{suggest(col, ACCOUNT_COLUMNS)} (known: {known})")
    for col in ("id", "member"):
        if col not in df.columns:
            errs.column(col, "missing (every accounts file has columns id and member)")
    if "positions" in df.columns and not isinstance(df["positions"].dtype, pl.List):
        errs.column("positions", f"has type {df['positions'].dtype} (expected a Parquet list)")
    if errs.errors:
        raise ScenarioError(errs.errors[0], errs.errors)
    n = df.height

    ids = _text(df, "id", errs, allow_int=True)
    errs.first(ids.is_null(), df, "id", "missing value (expected an id without spaces)")
    errs.first(ids.str.contains(r"\s"), df, "id", "{value} has spaces (expected an id without)")
    dup = ~ids.is_first_distinct() & ids.is_not_null()
    if bool(dup.any()):
        i = int(dup.arg_true()[0])
        j = int((ids == ids[i]).arg_true()[0])
        errs.errors.append(
            f"{file}: row {i + 1}, column 'id': duplicate account \"{ids[i]}\" "
            f"(first at row {j + 1})"
        )
    taken = set(taken)
    if taken:
        errs.first(ids.is_in(list(taken)), df, "id", "{value} is already an [[accounts]] block")
    member = _text(df, "member", errs, allow_int=True)
    errs.first(member.is_null(), df, "member", "missing value (expected a member id)")
    unknown = member.is_not_null() & ~member.is_in(sorted(members))
    if bool(unknown.any()):
        m = member[int(unknown.arg_true()[0])]
        known = ", ".join(sorted(members)) or "none declared"
        errs.first(
            unknown,
            df,
            "member",
            f"unknown member {{value}}{suggest(m, members)} "
            f"(expected the id of a [[members]] block: {known})",
        )

    def text_or_id(col: str) -> pl.Series:
        if col not in df.columns:
            return ids.alias(col)
        return _text(df, col, errs, allow_int=True).fill_null(ids).alias(col)

    investor, name = text_or_id("investor"), text_or_id("name")
    if "cash" in df.columns:
        cash = _numeric(df, "cash", errs, False, unit="CNY").fill_null(0.0)
        errs.first(cash < 0, df, "cash", "{value} is negative (expected CNY, not negative)")
        errs.first(
            cash > MAX_MONEY,
            df,
            "cash",
            f"{{value}} is out of range (expected CNY <= {MAX_MONEY:g})",
        )
    else:
        cash = pl.repeat(0.0, n, dtype=pl.Float64, eager=True)
    if "hedge_quota" in df.columns:
        quota = _numeric(df, "hedge_quota", errs, True)
        errs.first(quota < 0, df, "hedge_quota", "{value} is negative (expected lots >= 0)")
        errs.first(
            quota > MAX_LOTS,
            df,
            "hedge_quota",
            f"{{value}} is out of range (expected lots <= {MAX_LOTS})",
        )
        given = quota.is_not_null()
        quota = quota.fill_null(0)
        q = pl.DataFrame({"investor": investor, "quota": quota, "given": given}).with_row_index()
        q = q.filter(pl.col("given") & pl.col("investor").is_not_null())  # no id: told above
        clash = q.filter(pl.col("quota") != pl.col("quota").first().over("investor"))
        if clash.height:
            i, inv = clash.row(0)[:2]
            first = q.filter(pl.col("investor") == inv).row(0)
            errs.errors.append(
                f"{file}: row {i + 1}, column 'hedge_quota': investor \"{inv}\" has hedge_quota "
                f"{first[2]} at row {first[0] + 1} (POS-03: one quota per investor)"
            )
    else:
        quota = pl.repeat(0, n, dtype=pl.Int64, eager=True)
    prop = _boolean(df, "proprietary", False, errs)
    files = _boolean(df, "files_reports", True, errs)
    positions: dict[int, tuple[Position, ...]] = {}
    if "positions" in df.columns and not errs.errors:
        pos = df["positions"]
        for i in (pos.is_not_null() & (pos.list.len() > 0)).arg_true().to_list():
            got = _positions(pos[i].to_list(), i, symbols, errs)
            if got is not None:
                positions[i] = got
    if errs.errors:
        raise ScenarioError(errs.errors[0], errs.errors)
    cols = zip(
        ids.to_list(),
        member.to_list(),
        investor.to_list(),
        name.to_list(),
        prop.to_list(),
        cash.to_list(),
        quota.to_list(),
        files.to_list(),
        strict=True,
    )
    return [
        Account(a, m, inv, nm, p, c, int(q), f, positions.get(i, ()))
        for i, (a, m, inv, nm, p, c, q, f) in enumerate(cols)
    ]


__all__ = ["ACCOUNT_COLUMNS", "read_accounts"]
