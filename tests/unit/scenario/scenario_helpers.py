"""Helpers for the scenario-loader tests: a valid base scenario the tests edit.

Every file is written into ``tmp_path``; nothing outside the repository is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from riskcore.scenario import ScenarioError, load_scenario

BASE = """\
schema = 1

[scenario]
name = "base-case"
title = "Base"
description = "A valid scenario the tests edit"
start = "2015-08-24"
days = 2
seed = 7
rulebook = "seed"

[rules]
position_limit = 300

[calendar]
holidays = ["2015-10-01"]

[[contracts]]
symbol = "IF1509"
multiplier = 300
tick = 0.2
prev_settlement = 3500.0
last_trading_day = "2015-09-18"

[[contracts]]
symbol = "IF1512"
multiplier = 300
tick = 0.2
margin_rate = 0.15
prev_settlement = 3480.2

[[members]]
id = "M01"
name = "Alpha Futures"
guarantee_fund = 5_000_000
capital = 20_000_000

[[members]]
id = "M02"

[exchange]
risk_reserve = 40_000_000

[[accounts]]
id = "C001"
member = "M01"
investor = "INV-ZHANG"
name = "Zhang San"
cash = 2_000_000
hedge_quota = 5
positions = [ { symbol = "IF1509", long = 10, short = 0, price = 3480.0 } ]

[[accounts]]
id = "C002"
member = "M02"
proprietary = true
cash = 3_000_000
files_reports = false
positions = [
    { symbol = "IF1509", long = 0, short = 10, price = 3490.0 },
]

[[orders]]
at = "2015-08-24 09:30:00.000"
account = "C001"
symbol = "IF1509"
side = "buy"
offset = "open"
type = "limit"
price = 3500.0
qty = 5
id = "o1"

[[orders]]
at = "2015-08-24 09:31:00"
account = "C001"
action = "cancel"
target = "o1"

[[orders]]
at = "2015-08-24 09:30:00"
account = "C002"
symbol = "IF1509"
side = "sell"
offset = "close"
type = "market"
qty = 2

[[events]]
at = "2015-08-25 09:00:00"
kind = "deposit"
account = "C001"
amount = 100_000

[[events]]
at = "2015-08-24 15:30:00"
kind = "margin_rate"
symbol = "IF1509"
rate = 0.15

[[agents]]
kind = "noise"
rate = 5
member = "M01"

[[expect]]
table = "settlements"
where = { day = "2015-08-24", account = "C001", symbol = "IF1509" }
equals = { settlement_price = 3380.0, pnl = -60000.0 }

[[expect]]
table = "trades"
where = { kind = "reduction" }
count = 3
"""

FLOW_CSV = """\
at,account,symbol,side,offset,type,price,qty,id,action,target
2015-08-24 09:30:00,C002,IF1509,sell,open,limit,3500.2,3,f1,,
2015-08-24 09:29:00.5,C002,IF1509,sell,open,market,,3,,,
2015-08-24 09:32:00,C002,,,,,,,,cancel,f1
2015-08-24 09:30:00.000000001,C001,IF1509,buy,close,fak,3499.8,1,f2,new,
"""


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the single occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line number of the ``nth`` line containing ``needle``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    assert len(hits) > nth, f"{needle!r} not found"
    return hits[nth]


@dataclass
class Files:
    """Write scenario files into a temporary folder and load them."""

    root: Path

    def write(self, text: str = BASE, name: str = "scenario.toml", **extra: str | bytes) -> Path:
        for fname, content in extra.items():
            p = self.root / fname.replace("__", ".")
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8")
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    def load(self, text: str = BASE, **extra: str | bytes):
        return load_scenario(self.write(text, **extra))

    def error(self, text: str, **extra: str | bytes) -> tuple[Path, str]:
        """Load ``text``, expect a :class:`ScenarioError`; return (path, its message)."""
        path = self.write(text, **extra)
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        msg = str(info.value)
        assert "\n" not in msg, "an error message is one line"
        return path, msg


def assert_at(msg: str, path: Path, line: int, key: str) -> None:
    """The message starts ``FILE:LINE: key 'KEY':`` (exact file, line and key)."""
    want = f"{path}:{line}: key '{key}':"
    assert msg.startswith(want), f"\nwant prefix: {want}\n got:        {msg}"
