"""Helpers of the CLI tests: a small valid scenario, a fake simulation, ``line_of``.

``FakeSim`` stands in for :func:`riskcore.cli.simulate` and returns fixed tables, so the
CLI's own behaviour is tested without compiling the engine; the tests that run the real
simulation say so in their names (``real``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

SCENARIO = """\
schema = 1

[scenario]
name = "tiny"
title = "A tiny scenario"
start = "2015-09-07"
days = 2
seed = 3

[rules]
position_limit = 500

[[contracts]]
symbol = "IF1509"
multiplier = 300
tick = 0.2
prev_settlement = 3500.0

[[members]]
id = "M01"

[[accounts]]
id = "C001"
member = "M01"
cash = 2_000_000

[[accounts]]
id = "C002"
member = "M01"
cash = 2_000_000

[[orders]]
at = "2015-09-07 09:30:00"
account = "C001"
symbol = "IF1509"
side = "buy"
offset = "open"
price = 3500.0
qty = 1
id = "o1"

[[orders]]
at = "2015-09-07 09:31:00"
account = "C002"
symbol = "IF1509"
side = "sell"
offset = "open"
price = 3500.0
qty = 1

[[expect]]
table = "trades"
where = { day = "2015-09-07" }
count = 1
equals = { price = 3500.0 }
"""

FAILING_EXPECT = """
[[expect]]
table = "trades"
where = { buy_account = "C001" }
equals = { price = 3510.0 }
"""


@dataclass
class FakeResult:
    """What ``riskcore.sim.run`` returns, reduced to what the CLI uses."""

    tables: dict[str, pl.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, df in self.tables.items():
            df.write_parquet(folder / f"{name}.parquet")
        summary = {"failed_expectation": None, **self.summary}
        (folder / "summary.json").write_text(json.dumps(summary, indent=2))
        return folder


def fake_tables() -> dict[str, pl.DataFrame]:
    """One trade at 3500.0 on the first day."""
    day = dt.date(2015, 9, 7)
    return {
        "orders": pl.DataFrame(
            {"order_no": [0, 1], "client_id": ["o1", None], "status": ["filled", "filled"]}
        ),
        "trades": pl.DataFrame(
            {
                "trade_no": [0],
                "at": [dt.datetime(2015, 9, 7, 9, 31)],
                "day": [day],
                "price": [3500.0],
                "qty": [1],
                "buy_account": ["C001"],
                "sell_account": ["C002"],
            }
        ),
    }


@dataclass
class FakeSim:
    """Records the scenarios it was given; calls ``progress`` like the real loop."""

    calls: list = field(default_factory=list)
    error: BaseException | None = None

    def __call__(self, scenario, progress=None, save_to=None):
        self.calls.append(scenario)
        if self.error is not None:
            raise self.error
        if progress is not None:
            for i, day in enumerate(scenario.trading_days):
                progress(i + 1, len(scenario.trading_days), day)
        summary = {"scenario": scenario.name, "seed": scenario.seed, "messages": 2}
        result = FakeResult(fake_tables(), summary)
        if save_to is not None:  # as the real run: the folder written while tables are built
            result.save(save_to)
        return result


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    seen = 0
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return i
    raise AssertionError(f"{needle!r} not in {path}")
