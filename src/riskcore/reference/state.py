"""Plain-Python state records of the reference engine and the money formulas.

The formulas are written exactly as in ``docs/engine-semantics.md``, operation by operation,
so that the float64 results equal the numba engine's bit for bit (UNIT-01).
"""

from __future__ import annotations

from dataclasses import dataclass

from riskcore.records import MARGIN_BOTH


@dataclass(slots=True, frozen=True)
class ContractSpec:
    """Static rules of one contract (a row of ``CONTRACT_SPEC_DTYPE`` as Python numbers).

    Prices in ticks, lots as int, money rates as fractions, ``tick_value`` in CNY per tick per lot.
    """

    tick_value: float
    margin_rate: float
    fee_open: float
    fee_close: float
    fee_close_today: float
    prev_settle: int
    ladder_lo: int
    ladder_hi: int
    pos_limit: int
    member_limit: int
    max_order_qty: int
    limit_lo: int = 0  # limit band (LIMIT-01/02)
    limit_hi: int = 0
    breaker_lo: int = 0  # breaker prices (BRK-01); 0 = no breaker
    breaker_hi: int = 0
    last_day: bool = False  # LIMIT-02
    no_limit: bool = False  # LIMIT-02: no price limit today; limit_lo/hi = a wide range

    @property
    def has_breaker(self) -> bool:
        """Whether the breaker is armed today (BRK-01: off, or the last day or no price limit,
        LIMIT-02)."""
        return self.breaker_hi > 0 and not self.last_day and not self.no_limit

    @classmethod
    def from_row(cls, row) -> ContractSpec:
        """Build from one ``CONTRACT_SPEC_DTYPE`` record."""
        return cls(
            tick_value=float(row["tick_value"]),
            margin_rate=float(row["margin_rate"]),
            fee_open=float(row["fee_open"]),
            fee_close=float(row["fee_close"]),
            fee_close_today=float(row["fee_close_today"]),
            prev_settle=int(row["prev_settle"]),
            ladder_lo=int(row["ladder_lo"]),
            ladder_hi=int(row["ladder_hi"]),
            pos_limit=int(row["pos_limit"]),
            member_limit=int(row["member_limit"]),
            max_order_qty=int(row["max_order_qty"]),
            limit_lo=int(row["limit_lo"]),
            limit_hi=int(row["limit_hi"]),
            breaker_lo=int(row["breaker_lo"]),
            breaker_hi=int(row["breaker_hi"]),
            last_day=bool(row["last_day"]),
            no_limit=bool(row["no_limit"]),
        )


@dataclass(slots=True)
class Account:
    """Money of one account, CNY (MARGIN-01). ``available = reserve - frozen``."""

    investor: int
    member: int
    restricted: bool
    reserve: float
    frozen: float = 0.0
    margin: float = 0.0
    realised: float = 0.0
    fees: float = 0.0

    @property
    def available(self) -> float:
        """Free reserve not frozen for live opening orders, CNY (MARGIN-02)."""
        return self.reserve - self.frozen


@dataclass(slots=True)
class Position:
    """One account's position in one contract (lots; costs in tick·lots; margin CNY)."""

    long_yd: int = 0
    long_td: int = 0
    short_yd: int = 0
    short_td: int = 0
    long_td_cost: int = 0
    short_td_cost: int = 0
    pend_close_long: int = 0
    pend_close_short: int = 0
    margin: float = 0.0

    @property
    def long(self) -> int:
        return self.long_yd + self.long_td

    @property
    def short(self) -> int:
        return self.short_yd + self.short_td


@dataclass(slots=True)
class Exposure:
    """Per investor (POS-01) or member (POS-02) × contract: positions and pending opens, lots."""

    long: int = 0
    short: int = 0
    pend_buy: int = 0
    pend_sell: int = 0


def position_margin(pos: Position, spec: ContractSpec, method: int) -> float:
    """Trading margin of one position, CNY (MARGIN-01).

    Yesterday's lots are valued at the previous settlement, today's at their open price.

    Parameters
    ----------
    pos : Position
    spec : ContractSpec
    method : int
        ``MARGIN_BOTH`` (both sides of a locked position margined) or ``MARGIN_LARGER_SIDE``.

    Returns
    -------
    float
        ``float(value_ticks) * tick_value * margin_rate``.
    """
    long_val = pos.long_yd * spec.prev_settle + pos.long_td_cost
    short_val = pos.short_yd * spec.prev_settle + pos.short_td_cost
    value = long_val + short_val if method == MARGIN_BOTH else max(long_val, short_val)
    return float(value) * spec.tick_value * spec.margin_rate


def freeze_per_lot(price: int, spec: ContractSpec) -> float:
    """CNY frozen per lot of an opening order at ``price`` ticks: margin + open fee (MARGIN-02)."""
    return (
        float(price) * spec.tick_value * spec.margin_rate
        + float(price) * spec.tick_value * spec.fee_open
    )


def open_fee(qty: int, price: int, spec: ContractSpec) -> float:
    """Fee for opening ``qty`` lots at ``price`` ticks, CNY."""
    return float(qty) * (float(price) * spec.tick_value) * spec.fee_open


def close_fee(qty_yd: int, qty_td: int, price: int, spec: ContractSpec) -> float:
    """Fee for closing ``qty_yd`` of yesterday's and ``qty_td`` of today's lots, CNY."""
    lot_value = float(price) * spec.tick_value
    return (
        float(qty_yd) * lot_value * spec.fee_close
        + float(qty_td) * lot_value * spec.fee_close_today
    )


def money_close(a: float, b: float) -> bool:
    """Equal within 1e-6 CNY relative (the tolerance of the ``check()`` invariants)."""
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
