"""Helpers of the simulation and replay tests: small scenarios written into a folder.

:func:`write_scenario` writes a scenario TOML (one contract IF1509 at 3500.0, tick 0.2,
multiplier 300; accounts A (investor INV-A, long 2) and C at member M01, B (short 2) at M02,
10 million CNY each; members M01 and M02; start Friday 2015-08-21, two trading days) and
returns its path.
Tests pass ``tmp_path``: nothing outside it is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def toml_value(v: Any) -> str:
    """A Python value as TOML (strings, numbers, booleans, lists, inline tables)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def tables(name: str, rows: list[dict]) -> str:
    """``[[name]]`` blocks."""
    out = []
    for row in rows:
        out.append(f"[[{name}]]")
        out += [f"{k} = {toml_value(v)}" for k, v in row.items()]
        out.append("")
    return "\n".join(out)


ACCOUNTS = [
    {
        "id": "A",
        "member": "M01",
        "investor": "INV-A",
        "cash": 10_000_000,
        "positions": [{"symbol": "IF1509", "long": 2, "short": 0, "price": 3480.0}],
    },
    {
        "id": "B",
        "member": "M02",
        "cash": 10_000_000,
        "positions": [{"symbol": "IF1509", "long": 0, "short": 2, "price": 3490.0}],
    },
    {"id": "C", "member": "M01", "cash": 10_000_000},
]
CONTRACT = {"symbol": "IF1509", "multiplier": 300, "tick": 0.2, "prev_settlement": 3500.0}


def write_scenario(
    folder: Path,
    *,
    orders: list[dict] | None = None,
    events: list[dict] | None = None,
    rules: dict | None = None,
    contracts: list[dict] | None = None,
    accounts: list[dict] | None = None,
    members: list[dict] | None = None,
    start: str = "2015-08-21",
    days: int = 2,
    rulebook: str = "seed",
    name: str = "sim-test",
    extra: str = "",
    file: str = "s.toml",
) -> Path:
    """Write a scenario file into ``folder`` and return its path."""
    parts = [
        "schema = 1",
        "",
        "[scenario]",
        f'name = "{name}"',
        f'start = "{start}"',
        f"days = {days}",
        "seed = 7",
        f'rulebook = "{rulebook}"',
        "",
    ]
    if rules:
        parts += ["[rules]", *(f"{k} = {toml_value(v)}" for k, v in rules.items()), ""]
    parts.append(tables("contracts", contracts or [CONTRACT]))
    parts.append(tables("members", members or [{"id": "M01"}, {"id": "M02"}]))
    parts.append(tables("accounts", accounts or ACCOUNTS))
    parts.append(tables("orders", orders or []))
    parts.append(tables("events", events or []))
    parts.append(extra)
    path = folder / file
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def order(at: str, account: str, side: str, price: float | None, qty: int, **kw: Any) -> dict:
    """An ``[[orders]]`` row (limit open by default)."""
    row = {"at": at, "account": account, "symbol": "IF1509", "side": side}
    row["offset"] = kw.pop("offset", "open")
    row["type"] = kw.pop("type", "limit")
    if price is not None:
        row["price"] = price
    row["qty"] = qty
    row.update(kw)
    return row
