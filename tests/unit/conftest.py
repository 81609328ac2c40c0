"""A small test harness around either matching engine (fixture ``exchange``).

``exchange(**make_market_kwargs)`` (or ``exchange(market)``) builds an engine of the class
given by the ``engine_cls`` fixture, so every test using it runs against both engines.
The harness numbers orders 0, 1, 2, ... in the order they are written, stamps increasing
times (or the exact ``ts=`` ns a row was given), and calls
``check()`` after every engine call.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.market import Market, make_market, make_messages
from riskcore.records import (
    CANCEL,
    LIMIT,
    NEW,
    OPEN,
    PHASE_CONTINUOUS,
    SRC_CLIENT,
    Batch,
)


class Exchange:
    """Drive one engine with readable one-liners; see the module docstring."""

    def __init__(self, engine) -> None:
        self.eng = engine
        self.next_order_no = 0
        self.ts = 1_000

    # --- messages -----------------------------------------------------------------------
    def _number(self, row: dict) -> dict:
        row["order_no"] = self.next_order_no
        self.next_order_no += 1
        return row

    def new(
        self,
        account: int,
        side: int,
        price: int,
        qty: int,
        *,
        offset: int = OPEN,
        type: int = LIMIT,
        contract: int = 0,
        flags: int = 0,
        source: int = SRC_CLIENT,
        ts: int | None = None,
    ) -> dict:
        """A NEW message row (gets the next order number; ``ts`` = exact time, ns)."""
        row = dict(
            action=NEW,
            account=account,
            side=side,
            price=price,
            qty=qty,
            offset=offset,
            type=type,
            contract=contract,
            flags=flags,
            source=source,
        )
        if ts is not None:
            row["ts"] = ts
        return self._number(row)

    def cancel(
        self, account: int, target: int, *, contract: int = 0, ts: int | None = None
    ) -> dict:
        """A CANCEL message row for ``target`` (gets the next order number)."""
        row = dict(action=CANCEL, account=account, target=target, contract=contract)
        if ts is not None:
            row["ts"] = ts
        return self._number(row)

    # --- engine calls (each followed by check()) ----------------------------------------
    def submit(self, *rows: dict, phase: int = PHASE_CONTINUOUS) -> Batch:
        msgs = make_messages(list(rows))
        for row, row_msg in zip(rows, msgs, strict=True):
            self.ts = row["ts"] if "ts" in row else self.ts + 1
            row_msg["ts"] = self.ts
        batch = self.eng.submit(msgs, phase=phase)
        self.eng.check()
        return batch

    def run_auction(self, ts: int = 5_000) -> Batch:
        batch = self.eng.run_auction(ts)
        self.eng.check()
        return batch

    def expire(self, ts: int = 9_000) -> Batch:
        batch = self.eng.expire(ts)
        self.eng.check()
        return batch

    def set_band(self, contract: int, lo: int, hi: int) -> None:
        self.eng.set_band(contract, lo, hi)
        self.eng.check()

    def open_session(self, ts: int) -> Batch:
        batch = self.eng.open_session(ts)
        self.eng.check()
        self.ts = max(self.ts, ts)
        return batch

    def close_session(self, ts: int) -> Batch:
        batch = self.eng.close_session(ts)
        self.eng.check()
        self.ts = max(self.ts, ts)
        return batch

    # --- views ----------------------------------------------------------------------------
    def status(self, order_no: int) -> tuple[int, int, int]:
        """``(status, filled, reason)`` of one order number as plain ints."""
        status, filled, reason = self.eng.order_status(np.array([order_no], dtype=np.int64))
        return int(status[0]), int(filled[0]), int(reason[0])

    def account(self, a: int) -> dict:
        row = self.eng.account_state()[a]
        return {name: row[name].item() for name in row.dtype.names}

    def position(self, a: int, c: int = 0) -> dict:
        row = self.eng.positions()[a, c]
        return {name: row[name].item() for name in row.dtype.names}

    @staticmethod
    def events(batch: Batch) -> list[tuple[int, int, int, int, int]]:
        """Events as ``(order_no, kind, qty, leaves, reason)``."""
        e = batch.events
        return list(
            zip(
                e["order_no"].tolist(), e["kind"].tolist(), e["qty"].tolist(),
                e["leaves"].tolist(), e["reason"].tolist(), strict=True,
            )
        )  # fmt: skip

    def market_state(self, c: int = 0) -> tuple[int, int, int]:
        """``(state, band_lo, band_hi)`` of contract ``c`` as plain ints."""
        state, lo, hi = self.eng.market_state(c)
        return int(state), int(lo), int(hi)

    @staticmethod
    def states(batch: Batch) -> list[tuple[int, int, int, int, int, int]]:
        """Market-state records as ``(ts, contract, state, reason, band_lo, band_hi)``."""
        s = batch.states
        return list(
            zip(
                s["ts"].tolist(), s["contract"].tolist(), s["state"].tolist(),
                s["reason"].tolist(), s["band_lo"].tolist(), s["band_hi"].tolist(), strict=True,
            )
        )  # fmt: skip

    @staticmethod
    def fills(batch: Batch) -> list[tuple[int, int, int, int, int, int]]:
        """Fills as ``(buy_order_no, sell_order_no, price, qty, aggressor, kind)``."""
        f = batch.fills
        return list(
            zip(
                f["buy_order_no"].tolist(), f["sell_order_no"].tolist(), f["price"].tolist(),
                f["qty"].tolist(), f["aggressor"].tolist(), f["kind"].tolist(), strict=True,
            )
        )  # fmt: skip


@pytest.fixture
def exchange(engine_cls):
    """Factory: ``exchange(market)`` or ``exchange(**make_market kwargs)`` -> :class:`Exchange`."""

    def build(market: Market | None = None, **kwargs) -> Exchange:
        if market is None:
            market = make_market(**kwargs)
        engine = engine_cls(market)
        engine.check()
        return Exchange(engine)

    return build
