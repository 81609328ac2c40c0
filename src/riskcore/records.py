"""Record layouts and enum codes shared by every layer of riskcore.

Everything that crosses a layer boundary is a numpy structured array with one of the
aligned dtypes below (UNIT-01: prices are int64 ticks, lots int64/int32, money float64
CNY, times int64 nanoseconds). Enums are small ints with named constants; the ``*_NAMES``
tuples map a code to the string the output tables use.

The semantics of every code are defined in ``docs/engine-semantics.md``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# --- sides, offsets, order types, actions -------------------------------------------------
BUY = 1
SELL = 2
SIDE_NAMES = ("none", "buy", "sell")

OPEN = 0
CLOSE = 1
OFFSET_NAMES = ("open", "close")

LIMIT = 0
MARKET = 1
FAK = 2
FOK = 3
TYPE_NAMES = ("limit", "market", "fak", "fok")

NEW = 0
CANCEL = 1
ACTION_NAMES = ("new", "cancel")

# --- where an order comes from (copied into trades as their kind) -------------------------
SRC_CLIENT = 0
SRC_LIQUIDATION = 1
SRC_REDUCTION = 2
SRC_AGENT = 3
SOURCE_NAMES = ("client", "liquidation", "reduction", "agent")

# --- trading phase a message batch is processed in -----------------------------------------
PHASE_CLOSED = 0  # every message rejected MARKET_CLOSED
PHASE_AUCTION = 1  # MATCH-06: limit orders collected, not matched
PHASE_CONTINUOUS = 2  # MATCH-01: price-time priority matching
PHASE_NAMES = ("closed", "auction", "continuous")

# --- order status (per order number, final or current) ------------------------------------
ST_NONE = 0  # order number never seen
ST_ACCEPTED = 1  # live (resting) with nothing filled; also a successful cancel request
ST_PARTIAL = 2  # live with part filled
ST_FILLED = 3
ST_CANCELLED = 4  # ended with leaves > 0 (filled may be > 0)
ST_REJECTED = 5
STATUS_NAMES = ("none", "accepted", "partially_filled", "filled", "cancelled", "rejected")

# --- order events ------------------------------------------------------------------------
EV_ACCEPTED = 1
EV_PARTIAL = 2
EV_FILLED = 3
EV_CANCELLED = 4
EV_REJECTED = 5
EVENT_NAMES = ("none", "accepted", "partial", "filled", "cancelled", "rejected")

# --- reject reasons (MATCH-07) and cancel causes ------------------------------------------
R_NONE = 0
R_OFF_TICK = 1
R_PRICE_OUT_OF_BAND = 2
R_BAD_QTY = 3
R_UNKNOWN_SYMBOL = 4
R_UNKNOWN_ACCOUNT = 5
R_NO_POSITION = 6
R_INSUFFICIENT_FUNDS = 7
R_POSITION_LIMIT = 8
R_MEMBER_LIMIT = 9
R_RESTRICTED = 10
R_MARKET_CLOSED = 11
R_UNKNOWN_ORDER = 12
R_FOK_UNFILLED = 13
R_SELF_TRADE = 14  # MATCH-05: cancelled by self-trade prevention
R_AUCTION_LIMIT_ONLY = 15  # MATCH-06: only limit orders enter the call auction
R_USER_CANCEL = 16  # cancel causes (reason of an EV_CANCELLED event)
R_IOC_REMAINDER = 17  # market / FAK remainder
R_EXPIRED = 18  # good-for-day order still resting at the close
REASON_NAMES = (
    None,
    "OFF_TICK",
    "PRICE_OUT_OF_BAND",
    "BAD_QTY",
    "UNKNOWN_SYMBOL",
    "UNKNOWN_ACCOUNT",
    "NO_POSITION",
    "INSUFFICIENT_FUNDS",
    "POSITION_LIMIT",
    "MEMBER_LIMIT",
    "RESTRICTED",
    "MARKET_CLOSED",
    "UNKNOWN_ORDER",
    "FOK_UNFILLED",
    "SELF_TRADE",
    "AUCTION_LIMIT_ONLY",
    "USER_CANCEL",
    "IOC_REMAINDER",
    "EXPIRED",
)

# --- trade kinds -------------------------------------------------------------------------
K_CONTINUOUS = 0
K_AUCTION = 1
K_LIQUIDATION = 2
K_REDUCTION = 3
K_OFFSET = 4
K_FINAL = 5
KIND_NAMES = ("continuous", "auction", "liquidation", "reduction", "offset", "final")

# --- market states and their reasons (LIMIT, BRK; the market_states table) ----------------
MS_NORMAL = 0  # breaker armed, breaker band in force
MS_WATCH = 1  # a quote touches a breaker price; the trigger clock runs (BRK-02)
MS_BREAKER = 2  # breaker running (BRK-03)
MS_LIMIT = 3  # limit band in force for the rest of the day (on a last day: the last-day band)
MS_NO_LIMIT = 4  # no price limit all day (LIMIT-02 last day without a limit, price_limit off)
MS_CLOSED = 5  # trading stopped (record only)
STATE_NAMES = ("normal", "watch", "breaker", "limit", "no_limit", "closed")

MR_OPEN = 0
MR_TOUCH_UPPER = 1
MR_TOUCH_LOWER = 2
MR_TOUCH_LIFTED = 3
MR_TOUCH_HELD = 4
MR_BREAKER_END = 5
MR_QUIET = 6
MR_SESSION_END = 7
MR_LAST_DAY = 8  # a session opens on the contract's last trading day (LIMIT-02)
STATE_REASON_NAMES = (
    "open",
    "touch_upper",
    "touch_lower",
    "touch_lifted",
    "touch_held",
    "breaker_end",
    "quiet",
    "session_end",
    "last_day",
)

# --- policies ----------------------------------------------------------------------------
STP_CANCEL_INCOMING = 0  # MATCH-05 default
STP_CANCEL_RESTING = 1
MARGIN_BOTH = 0  # MARGIN-01: both sides of a locked position margined
MARGIN_LARGER_SIDE = 1

# --- message flags -----------------------------------------------------------------------
FLAG_OFF_TICK = 1  # UNIT-02: the price was not a whole number of ticks at the boundary

NO_LIMIT = -1  # pos_limit / member_limit value meaning "no limit"

# --- dtypes ------------------------------------------------------------------------------
MSG_DTYPE = np.dtype(
    [
        ("ts", "i8"),  # ns since epoch
        ("order_no", "i8"),  # unique per message, >= 0; indexes the per-order arrays
        ("target", "i8"),  # cancel: order_no to cancel
        ("price", "i8"),  # ticks (ignored for market orders)
        ("account", "i4"),  # -1 = unknown account
        ("contract", "i4"),  # -1 = unknown symbol
        ("qty", "i4"),  # lots
        ("side", "i1"),
        ("offset", "i1"),
        ("type", "i1"),
        ("action", "i1"),
        ("flags", "i1"),
        ("source", "i1"),
    ],
    align=True,
)

EVENT_DTYPE = np.dtype(
    [
        ("ts", "i8"),
        ("order_no", "i8"),
        ("account", "i4"),
        ("contract", "i4"),
        ("qty", "i4"),  # fill qty, cancelled qty, or order qty for accepted/rejected
        ("leaves", "i4"),  # open qty after the event
        ("kind", "i1"),  # EV_*
        ("reason", "i1"),  # R_*
        ("side", "i1"),
    ],
    align=True,
)

FILL_DTYPE = np.dtype(
    [
        ("ts", "i8"),
        ("trade_no", "i8"),
        ("buy_order_no", "i8"),
        ("sell_order_no", "i8"),
        ("price", "i8"),  # ticks
        ("buy_account", "i4"),
        ("sell_account", "i4"),
        ("contract", "i4"),
        ("qty", "i4"),
        ("buy_offset", "i1"),
        ("sell_offset", "i1"),
        ("aggressor", "i1"),  # BUY, SELL, or 0 (auction)
        ("kind", "i1"),  # K_*
    ],
    align=True,
)

# Static description of one contract for one trading day (the engine's input).
CONTRACT_SPEC_DTYPE = np.dtype(
    [
        ("tick_value", "f8"),  # CNY per tick per lot = tick size x multiplier
        ("margin_rate", "f8"),  # fraction of notional
        ("fee_open", "f8"),  # fee as fraction of notional, opening
        ("fee_close", "f8"),  # closing yesterday's lots
        ("fee_close_today", "f8"),  # closing today's lots
        ("prev_settle", "i8"),  # previous settlement, ticks
        ("band_lo", "i8"),  # lowest acceptable price now, ticks (LIMIT-03)
        ("band_hi", "i8"),  # highest acceptable price now, ticks
        ("ladder_lo", "i8"),  # lowest price the ladder can hold, ticks (<= every band_lo today)
        ("ladder_hi", "i8"),  # highest price the ladder can hold, ticks
        ("pos_limit", "i8"),  # POS-01 lots per side per investor, NO_LIMIT = none
        ("member_limit", "i8"),  # POS-02 lots per side per member, NO_LIMIT = inactive
        ("max_order_qty", "i8"),  # largest acceptable order, lots (BAD_QTY above)
        ("limit_lo", "i8"),  # limit band (LIMIT-01/02), ticks
        ("limit_hi", "i8"),
        ("breaker_lo", "i8"),  # breaker prices (BRK-01), ticks; 0 = no breaker
        ("breaker_hi", "i8"),
        ("last_day", "i1"),  # 1 = the contract's last trading day (LIMIT-02)
        ("no_limit", "i1"),  # 1 = no price limit today (LIMIT-02); limit_lo/hi = a wide range
    ],
    align=True,
)

# One resting order as the engines report it (``live_orders()``).
LIVE_ORDER_DTYPE = np.dtype(
    [
        ("order_no", "i8"),
        ("price", "i8"),  # ticks
        ("account", "i4"),
        ("contract", "i4"),
        ("leaves", "i4"),  # open lots
        ("side", "i1"),
        ("offset", "i1"),
        ("source", "i1"),
    ],
    align=True,
)

# One market-state transition (BRK-07).
MARKET_STATE_DTYPE = np.dtype(
    [
        ("ts", "i8"),
        ("band_lo", "i8"),  # band in force after the transition, ticks
        ("band_hi", "i8"),
        ("contract", "i4"),
        ("state", "i1"),  # MS_*
        ("reason", "i1"),  # MR_*
    ],
    align=True,
)

ACCOUNT_SPEC_DTYPE = np.dtype(
    [
        ("investor", "i4"),
        ("member", "i4"),
        ("reserve", "f8"),  # free settlement reserve at the start, CNY (MARGIN-01)
        ("restricted", "i1"),  # 1 = close only (RESTRICTED)
    ],
    align=True,
)

# Live account state kept by the engines (one row per account).
ACCOUNT_STATE_DTYPE = np.dtype(
    [
        ("reserve", "f8"),  # free reserve incl. frozen, CNY; available = reserve - frozen
        ("frozen", "f8"),  # margin + fee frozen for live opening orders (MARGIN-02)
        ("margin", "f8"),  # trading margin of positions, CNY (MARGIN-01)
        ("realised", "f8"),  # realised P&L of closes today, CNY (MARGIN-03)
        ("fees", "f8"),  # fees paid today, CNY
        ("investor", "i4"),
        ("member", "i4"),
        ("restricted", "i1"),
    ],
    align=True,
)

# Live position of one account in one contract.
POSITION_DTYPE = np.dtype(
    [
        ("long_yd", "i8"),  # yesterday's long lots
        ("long_td", "i8"),  # today's long lots
        ("short_yd", "i8"),
        ("short_td", "i8"),
        ("long_td_cost", "i8"),  # sum of price x lots of today's long lots, ticks*lots
        ("short_td_cost", "i8"),
        ("pend_close_long", "i8"),  # lots in live sell-close orders
        ("pend_close_short", "i8"),  # lots in live buy-close orders
        ("margin", "f8"),  # trading margin of this position, CNY
    ],
    align=True,
)


class Batch(NamedTuple):
    """What one engine call produced: order events, fills and market-state transitions,
    each in the order they happened."""

    events: np.ndarray  # EVENT_DTYPE
    fills: np.ndarray  # FILL_DTYPE
    states: np.ndarray = np.zeros(0, dtype=MARKET_STATE_DTYPE)


class Depth(NamedTuple):
    """Best ``levels`` price levels of one contract, best first (prices in ticks, lots)."""

    bid_price: np.ndarray
    bid_qty: np.ndarray
    ask_price: np.ndarray
    ask_qty: np.ndarray
