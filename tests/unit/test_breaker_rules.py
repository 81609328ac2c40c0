"""Price limits and the circuit breaker: LIMIT-01..03, BRK-01..07.

Every expectation is worked out by hand, with exact times (ns on a fixed date, ``at``).
Default market: one IF-like contract, tick 0.2 points, previous settlement 3,500.0 points
= 17,500 ticks, limit 10 % -> limit band [15,750, 19,250] (3,150.0 .. 3,850.0), breaker 6 %
-> breaker prices 16,450 / 18,550 (3,290.0 / 3,710.0), trigger 60 s, duration 600 s.
Sessions as IF 2010-2015: 09:15-11:30, 13:00-15:15; the quiet period (BRK-05) starts at
14:45 when the market sets it. Records are ``(ts, contract, state, reason, lo, hi)``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from riskcore.market import limit_band, make_market
from riskcore.records import (
    BUY,
    EV_ACCEPTED,
    EV_CANCELLED,
    EV_FILLED,
    EV_PARTIAL,
    EV_REJECTED,
    FAK,
    MARKET,
    MARKET_STATE_DTYPE,
    MR_BREAKER_END,
    MR_LAST_DAY,
    MR_OPEN,
    MR_QUIET,
    MR_SESSION_END,
    MR_TOUCH_HELD,
    MR_TOUCH_LIFTED,
    MR_TOUCH_LOWER,
    MR_TOUCH_UPPER,
    MS_BREAKER,
    MS_CLOSED,
    MS_LIMIT,
    MS_NO_LIMIT,
    MS_NORMAL,
    MS_WATCH,
    PHASE_AUCTION,
    PHASE_CLOSED,
    R_IOC_REMAINDER,
    R_MARKET_CLOSED,
    R_PRICE_OUT_OF_BAND,
    SELL,
    ST_ACCEPTED,
    ST_REJECTED,
)

TEST_DATE = dt.date(2015, 7, 6)  # the fixed trading day of these tests
_DAY_NS = (TEST_DATE - dt.date(1970, 1, 1)).days * 86_400 * 1_000_000_000


def at(hms: str) -> int:
    """ns of ``"HH:MM:SS"`` or ``"HH:MM:SS.fff"`` on :data:`TEST_DATE` (exact integers)."""
    clock, _, frac = hms.partition(".")
    h, m, s = (int(x) for x in clock.split(":"))
    ms = int(frac.ljust(3, "0")) if frac else 0
    return _DAY_NS + ((h * 60 + m) * 60 + s) * 1_000_000_000 + ms * 1_000_000


BRK_LO, BRK_HI = 16450, 18550  # 3,290.0 / 3,710.0
LIM_LO, LIM_HI = 15750, 19250  # 3,150.0 / 3,850.0
BRK = (BRK_LO, BRK_HI)
LIM = (LIM_LO, LIM_HI)
UP_9_8 = 19215  # +9.8 %: 3,843.0, inside the limit band, outside the breaker band
QUIET = at("14:45:00")  # the close 15:15 minus 30 min (BRK-05)


def rec(hms: str, state: int, reason: int, band: tuple[int, int], contract: int = 0) -> tuple:
    return (at(hms), contract, state, reason, *band)


@pytest.fixture
def breaker_exchange(exchange):
    """``breaker_exchange(**kw)``: the default market with the 6 % breaker, session open at
    09:15 (its records checked and dropped)."""

    def build(open_at: str = "09:15:00", **kw):
        kw.setdefault("circuit_breaker", 0.06)
        ex = exchange(**kw)
        batch = ex.open_session(at(open_at))
        state, lo, hi = ex.market_state(0)
        assert ex.states(batch)[0] == (at(open_at), 0, state, MR_OPEN, lo, hi)
        return ex

    return build


def test_brk_01_contract_spec_and_initial_state(exchange):
    """Rule: BRK-01, LIMIT-01 — breaker prices ±6 %, limit prices ±10 %; until the breaker has
    run, the breaker band is in force: the day starts ``normal`` with it."""
    ex = exchange(circuit_breaker=0.06)
    spec = make_market(circuit_breaker=0.06).contracts[0]
    assert (int(spec["breaker_lo"]), int(spec["breaker_hi"])) == BRK
    assert (int(spec["limit_lo"]), int(spec["limit_hi"])) == LIM
    assert ex.market_state(0) == (MS_NORMAL, *BRK)
    batch = ex.open_session(at("09:15:00"))
    assert ex.states(batch) == [rec("09:15:00", MS_NORMAL, MR_OPEN, BRK)]
    batch = ex.submit(
        ex.new(0, BUY, BRK_HI + 1, 1, ts=at("09:20:00")),  # 0 beyond +6 %
        ex.new(1, SELL, BRK_LO - 1, 1, ts=at("09:20:01")),  # 1 beyond -6 %
        ex.new(2, BUY, BRK_HI - 1, 1, ts=at("09:20:02")),  # 2 just inside
    )
    assert ex.status(0) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    assert ex.status(1) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    assert ex.status(2) == (ST_ACCEPTED, 0, 0)
    assert ex.states(batch) == []


def test_brk_01_breaker_off_limit_band_from_the_open(exchange):
    """Rule: BRK-01 — with circuit_breaker = 0 the 10 % band holds from the open: state
    ``limit``, no breaker prices, a bid held at +6 % for ten minutes starts nothing."""
    ex = exchange(circuit_breaker=0.0)
    spec = make_market().contracts[0]
    assert (int(spec["breaker_lo"]), int(spec["breaker_hi"])) == (0, 0)
    assert ex.market_state(0) == (MS_LIMIT, *LIM)
    batch = ex.open_session(at("09:15:00"))
    assert ex.states(batch) == [rec("09:15:00", MS_LIMIT, MR_OPEN, LIM)]
    batch = ex.submit(
        ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")),
        ex.new(1, SELL, BRK_LO, 1, ts=at("10:00:01")),
        ex.new(2, BUY, LIM_HI, 1, ts=at("10:20:00")),  # the limit price itself is fine
        ex.new(3, BUY, LIM_HI + 1, 1, ts=at("10:20:01")),
    )
    assert ex.states(batch) == []
    assert ex.status(2) == (ST_ACCEPTED, 0, 0)
    assert ex.status(3) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    batch = ex.close_session(at("11:30:00"))
    assert ex.states(batch) == [rec("11:30:00", MS_CLOSED, MR_SESSION_END, LIM)]


@pytest.mark.parametrize(
    ("prev", "limit", "breaker"),
    [
        # 3,480.2: x0.9 = 3,132.18 -> 3,132.2 (up); x1.1 = 3,828.22 -> 3,828.2 (down);
        # x0.94 = 3,271.388 -> 3,271.4 (up); x1.06 = 3,689.012 -> 3,689.0 (down).
        (17401, (15661, 19141), (16357, 18445)),
        # 3,500.6: x0.9 = 3,150.54 -> 3,150.6; x1.1 = 3,850.66 -> 3,850.6;
        # x0.94 = 3,290.564 -> 3,290.6; x1.06 = 3,710.636 -> 3,710.6.
        (17503, (15753, 19253), (16453, 18553)),
        # 3,500.0: every product is a whole tick, nothing to round.
        (17500, LIM, BRK),
    ],
)
def test_limit_01_brk_01_rounding_toward_prev_settlement(exchange, prev, limit, breaker):
    """Rule: LIMIT-01, BRK-01 — limit and breaker prices are rounded to the tick toward the
    previous settlement (upper down, lower up), e.g. prev 3,480.2: lower limit 3,132.2."""
    assert limit_band(prev, 0.10) == limit
    assert limit_band(prev, 0.06) == breaker
    ex = exchange(prev_settle=prev, circuit_breaker=0.06)
    assert ex.market_state(0) == (MS_NORMAL, *breaker)
    ex.open_session(at("09:15:00"))
    lo, hi = breaker
    batch = ex.submit(  # FAK: accepted ones find nothing and do not rest
        ex.new(0, BUY, hi + 1, 1, type=FAK, ts=at("09:30:00")),  # 0
        ex.new(0, BUY, hi, 1, type=FAK, ts=at("09:30:01")),  # 1 band edges are inclusive
        ex.new(1, SELL, lo - 1, 1, type=FAK, ts=at("09:30:02")),  # 2
        ex.new(1, SELL, lo, 1, type=FAK, ts=at("09:30:03")),  # 3
    )
    assert [e[:2] for e in ex.events(batch)] == [
        (0, EV_REJECTED), (1, EV_ACCEPTED), (1, EV_CANCELLED),
        (2, EV_REJECTED), (3, EV_ACCEPTED), (3, EV_CANCELLED),
    ]  # fmt: skip
    assert ex.states(batch) == []
    # the bid goes to the breaker price, held one minute; the breaker runs 10 min
    batch = ex.submit(ex.new(0, BUY, hi, 1, ts=at("09:40:00")))
    assert ex.states(batch) == [rec("09:40:00", MS_WATCH, MR_TOUCH_UPPER, breaker)]
    batch = ex.submit(ex.new(2, BUY, limit[1], 1, ts=at("10:00:00")))  # 5, at the limit price
    assert ex.states(batch) == [
        rec("09:41:00", MS_BREAKER, MR_TOUCH_HELD, breaker),
        rec("09:51:00", MS_LIMIT, MR_BREAKER_END, limit),
    ]
    assert ex.market_state(0) == (MS_LIMIT, *limit)
    assert ex.status(5) == (ST_ACCEPTED, 0, 0)
    batch = ex.submit(
        ex.new(2, BUY, limit[1] + 1, 1, ts=at("10:00:01")),  # 6
        ex.new(3, SELL, limit[0] - 1, 1, ts=at("10:00:02")),  # 7
        ex.new(3, SELL, limit[0], 1, ts=at("10:00:03")),  # 8 trades with 5 at its price
    )
    assert [ex.status(n)[0] for n in (6, 7)] == [ST_REJECTED, ST_REJECTED]
    assert ex.fills(batch) == [(5, 8, limit[1], 1, SELL, 0)]


def test_brk_02_03_touch_held_one_minute_starts_breaker_for_ten_minutes(breaker_exchange):
    """Rule: BRK-02, BRK-03 — a bid resting at the upper breaker price (3,710.0) from
    10:00:00.000 starts the breaker at exactly 10:01:00.000, recorded at that time although
    the next message comes later. Orders beyond 6 % are rejected until 10:11:00.000; a
    message at exactly 10:11:00.000 is already under the limit band (+9.8 % accepted)."""
    ex = breaker_exchange()
    batch = ex.submit(ex.new(0, BUY, BRK_HI, 2, ts=at("10:00:00.000")))  # 0
    assert ex.states(batch) == [rec("10:00:00", MS_WATCH, MR_TOUCH_UPPER, BRK)]
    batch = ex.submit(ex.new(1, BUY, 17600, 1, ts=at("10:00:59.999")))  # 1: not yet
    assert ex.states(batch) == []
    assert ex.market_state(0) == (MS_WATCH, *BRK)

    batch = ex.submit(ex.new(1, BUY, BRK_HI + 1, 1, ts=at("10:03:17.250")))  # 2
    assert ex.states(batch) == [rec("10:01:00.000", MS_BREAKER, MR_TOUCH_HELD, BRK)]
    assert ex.status(2) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    assert ex.market_state(0) == (MS_BREAKER, *BRK)

    # BRK-03: matching goes on inside the breaker band
    batch = ex.submit(ex.new(2, SELL, BRK_HI, 1, ts=at("10:05:00")))  # 3
    assert ex.fills(batch) == [(0, 3, BRK_HI, 1, SELL, 0)]
    batch = ex.submit(
        ex.new(1, BUY, UP_9_8, 1, ts=at("10:10:59.999")),  # 4 still the breaker band
        ex.new(3, SELL, BRK_LO - 1, 1, ts=at("10:10:59.999")),  # 5
    )
    assert ex.status(4) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    assert ex.status(5) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    assert ex.states(batch) == []

    batch = ex.submit(ex.new(1, BUY, UP_9_8, 1, ts=at("10:11:00.000")))  # 6
    assert ex.states(batch) == [rec("10:11:00.000", MS_LIMIT, MR_BREAKER_END, LIM)]
    assert ex.events(batch) == [(6, EV_ACCEPTED, 1, 1, 0)]
    assert ex.market_state(0) == (MS_LIMIT, *LIM)


def test_brk_02_breaker_starts_before_a_message_at_the_due_time(breaker_exchange):
    """Rule: BRK-02 — the timer due at 10:01:00.000 fires before a message stamped exactly
    10:01:00.000, which is then checked against the breaker band as running."""
    ex = breaker_exchange()
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")))
    batch = ex.submit(ex.new(1, SELL, BRK_HI, 1, ts=at("10:01:00")))  # lifts the touch
    assert ex.states(batch) == [rec("10:01:00", MS_BREAKER, MR_TOUCH_HELD, BRK)]
    assert ex.fills(batch) == [(0, 1, BRK_HI, 1, SELL, 0)]
    assert ex.market_state(0) == (MS_BREAKER, *BRK)  # leaving the price no longer matters


def test_brk_02_touch_lifted_resets_the_clock(breaker_exchange):
    """Rule: BRK-02 — a touch that lifts at 10:00:59 (watch -> normal) resets the one-minute
    clock; a new touch starts a new minute."""
    ex = breaker_exchange()
    batch = ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")))  # 0
    assert ex.states(batch) == [rec("10:00:00", MS_WATCH, MR_TOUCH_UPPER, BRK)]
    batch = ex.submit(ex.cancel(0, 0, ts=at("10:00:59")))  # 1
    assert ex.states(batch) == [rec("10:00:59", MS_NORMAL, MR_TOUCH_LIFTED, BRK)]
    batch = ex.submit(ex.new(1, BUY, BRK_HI, 1, ts=at("10:00:59.500")))  # 2
    assert ex.states(batch) == [rec("10:00:59.500", MS_WATCH, MR_TOUCH_UPPER, BRK)]
    batch = ex.submit(ex.new(2, BUY, 17000, 1, ts=at("10:01:30")))  # 3: a minute after 10:00
    assert ex.states(batch) == []
    assert ex.market_state(0) == (MS_WATCH, *BRK)
    batch = ex.submit(ex.new(2, BUY, 17000, 1, ts=at("10:02:00")))  # 4
    assert ex.states(batch) == [rec("10:01:59.500", MS_BREAKER, MR_TOUCH_HELD, BRK)]


def test_brk_02_lower_touch_lifted_by_a_trade(breaker_exchange):
    """Rule: BRK-02 — the best ask at the lower breaker price (3,290.0) is a touch; a buy
    taking the whole level lifts it; a touch by another order at the same price later starts
    a new clock."""
    ex = breaker_exchange()
    batch = ex.submit(ex.new(0, SELL, BRK_LO, 2, ts=at("10:00:00")))  # 0
    assert ex.states(batch) == [rec("10:00:00", MS_WATCH, MR_TOUCH_LOWER, BRK)]
    batch = ex.submit(ex.new(1, BUY, BRK_LO, 1, ts=at("10:00:20")))  # 1: partial, still there
    assert ex.states(batch) == []
    batch = ex.submit(ex.new(1, BUY, BRK_LO, 1, ts=at("10:00:40")))  # 2: level gone
    assert ex.fills(batch) == [(2, 0, BRK_LO, 1, BUY, 0)]
    assert ex.states(batch) == [rec("10:00:40", MS_NORMAL, MR_TOUCH_LIFTED, BRK)]
    batch = ex.submit(ex.new(2, SELL, BRK_LO, 1, ts=at("10:00:50")))  # 3
    assert ex.states(batch) == [rec("10:00:50", MS_WATCH, MR_TOUCH_LOWER, BRK)]
    batch = ex.submit(ex.new(3, BUY, 17000, 1, ts=at("10:01:50")))
    assert ex.states(batch) == [rec("10:01:50", MS_BREAKER, MR_TOUCH_HELD, BRK)]


def test_brk_02_touch_is_the_price_not_the_order(breaker_exchange):
    """Rule: BRK-02 — the touch is the best quote standing at the breaker price: another
    order joining the level and the first one cancelled leave the clock running."""
    ex = breaker_exchange()
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")))  # 0
    batch = ex.submit(
        ex.new(1, BUY, BRK_HI, 1, ts=at("10:00:10")),  # 1
        ex.cancel(0, 0, ts=at("10:00:20")),  # 2
    )
    assert ex.states(batch) == []
    batch = ex.submit(ex.new(2, SELL, 17600, 1, ts=at("10:01:00")))
    assert ex.states(batch) == [rec("10:01:00", MS_BREAKER, MR_TOUCH_HELD, BRK)]


def test_brk_02_rejected_orders_change_no_touch(breaker_exchange):
    """Rule: BRK-02 — the touch is evaluated on the book after each continuous message: a
    rejected order leaves the book and so the watch (and its clock) as they were."""
    ex = breaker_exchange()
    batch = ex.submit(ex.new(0, BUY, BRK_HI + 1, 1, ts=at("10:00:00")))  # 0 rejected
    assert ex.states(batch) == []
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:10")))  # 1 touch
    batch = ex.submit(
        ex.new(1, SELL, BRK_LO - 1, 5, ts=at("10:00:20")),  # 2 rejected
        ex.cancel(1, 1, ts=at("10:00:30")),  # 3 rejected: not account 1's order
    )
    assert ex.states(batch) == []
    batch = ex.submit(ex.new(2, BUY, 17000, 1, ts=at("10:01:10")))
    assert ex.states(batch) == [rec("10:01:10", MS_BREAKER, MR_TOUCH_HELD, BRK)]


def test_brk_02_auction_touch_counts_from_the_open(exchange):
    """Rule: BRK-02, MATCH-06 — a bid at the breaker price collected in the call auction
    (09:10) touches only once the session opens at 09:15; the breaker starts at 09:16."""
    ex = exchange(circuit_breaker=0.06)
    batch = ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("09:10:00")), phase=PHASE_AUCTION)
    assert ex.states(batch) == []
    batch = ex.run_auction(at("09:15:00"))
    assert ex.states(batch) == []
    batch = ex.open_session(at("09:15:00"))
    assert ex.states(batch) == [
        rec("09:15:00", MS_NORMAL, MR_OPEN, BRK),
        rec("09:15:00", MS_WATCH, MR_TOUCH_UPPER, BRK),
    ]
    batch = ex.submit(ex.new(1, SELL, 17600, 1, ts=at("09:20:00")))
    assert ex.states(batch) == [rec("09:16:00", MS_BREAKER, MR_TOUCH_HELD, BRK)]


def test_brk_04_session_end_ends_the_breaker(breaker_exchange):
    """Rule: BRK-04 — a breaker started at 11:25 ends at the 11:30 close (one ``closed``
    record, with the limit band now in force); the afternoon open at 13:00 records ``limit``
    with the 10 % band, and +9.8 % is accepted at once."""
    ex = breaker_exchange()
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("11:24:00")))
    batch = ex.submit(ex.new(1, BUY, 17000, 1, ts=at("11:29:00")))
    assert ex.states(batch) == [rec("11:25:00", MS_BREAKER, MR_TOUCH_HELD, BRK)]
    batch = ex.close_session(at("11:30:00"))
    assert ex.states(batch) == [rec("11:30:00", MS_CLOSED, MR_SESSION_END, LIM)]
    assert ex.market_state(0) == (MS_LIMIT, *LIM)
    batch = ex.submit(ex.new(1, BUY, UP_9_8, 1, ts=at("12:00:00")), phase=PHASE_CLOSED)
    assert ex.status(2) == (ST_REJECTED, 0, R_MARKET_CLOSED)
    assert ex.states(batch) == []
    batch = ex.open_session(at("13:00:00"))
    assert ex.states(batch) == [rec("13:00:00", MS_LIMIT, MR_OPEN, LIM)]
    batch = ex.submit(ex.new(1, BUY, UP_9_8, 1, ts=at("13:00:01")))  # 3
    assert ex.events(batch) == [(3, EV_ACCEPTED, 1, 1, 0)]
    assert ex.states(batch) == []


def test_brk_04_watch_does_not_carry_over_the_break(breaker_exchange):
    """Rule: BRK-04 — a touch from 11:29:30 is cut by the 11:30 close (state back to
    ``normal``, breaker band still in force); the bid still rests at the 13:00 open, so the
    touch starts again then and the breaker starts at 13:01, not at 11:30:30."""
    ex = breaker_exchange()
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("11:29:30")))
    batch = ex.close_session(at("11:30:00"))
    assert ex.states(batch) == [rec("11:30:00", MS_CLOSED, MR_SESSION_END, BRK)]
    assert ex.market_state(0) == (MS_NORMAL, *BRK)
    batch = ex.open_session(at("13:00:00"))
    assert ex.states(batch) == [
        rec("13:00:00", MS_NORMAL, MR_OPEN, BRK),
        rec("13:00:00", MS_WATCH, MR_TOUCH_UPPER, BRK),
    ]
    batch = ex.submit(ex.new(1, BUY, 17000, 1, ts=at("13:00:59.999")))
    assert ex.states(batch) == []
    batch = ex.close_session(at("15:15:00"))
    assert ex.states(batch) == [
        rec("13:01:00", MS_BREAKER, MR_TOUCH_HELD, BRK),
        rec("13:11:00", MS_LIMIT, MR_BREAKER_END, LIM),
        rec("15:15:00", MS_CLOSED, MR_SESSION_END, LIM),
    ]


def test_brk_05_quiet_period_touch_at_1450_starts_nothing(breaker_exchange):
    """Rule: BRK-05 — from 14:45 (close 15:15 minus 30 min) no breaker starts and the 10 %
    band holds: the first message after it finds the state ``limit`` (reason ``quiet``)
    recorded at 14:45:00 exactly, and a touch at 14:50 starts nothing."""
    ex = breaker_exchange(open_at="13:00:00", quiet_from=QUIET)
    batch = ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("14:50:00")))
    assert ex.states(batch) == [rec("14:45:00", MS_LIMIT, MR_QUIET, LIM)]
    batch = ex.submit(ex.new(1, BUY, UP_9_8, 1, ts=at("14:55:00")))  # 1
    assert ex.status(1) == (ST_ACCEPTED, 0, 0)
    assert ex.states(batch) == []
    batch = ex.close_session(at("15:15:00"))
    assert ex.states(batch) == [rec("15:15:00", MS_CLOSED, MR_SESSION_END, LIM)]


def test_brk_05_running_breaker_continues_into_the_quiet_period(breaker_exchange):
    """Rule: BRK-05 — a breaker started at 14:40 (touch from 14:39) runs to 14:50 despite the
    quiet period from 14:45: no ``quiet`` record, +9.8 % rejected until 14:50."""
    ex = breaker_exchange(open_at="13:00:00", quiet_from=QUIET)
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("14:39:00")))
    batch = ex.submit(ex.new(1, BUY, UP_9_8, 1, ts=at("14:49:59.999")))  # 1
    assert ex.states(batch) == [rec("14:40:00", MS_BREAKER, MR_TOUCH_HELD, BRK)]
    assert ex.status(1) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    batch = ex.submit(ex.new(1, BUY, UP_9_8, 1, ts=at("14:50:00")))  # 2
    assert ex.states(batch) == [rec("14:50:00", MS_LIMIT, MR_BREAKER_END, LIM)]
    assert ex.status(2) == (ST_ACCEPTED, 0, 0)


@pytest.mark.parametrize("touch", ["14:44:00", "14:44:30", "14:44:59.999"])
def test_brk_05_quiet_timer_wins_over_the_watch_timer(breaker_exchange, touch):
    """Rule: BRK-05 — a touch that would be held one minute at or after 14:45:00 (same instant
    included) never starts a breaker: the quiet timer fires first."""
    ex = breaker_exchange(open_at="13:00:00", quiet_from=QUIET)
    batch = ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at(touch)))
    assert ex.states(batch) == [rec(touch, MS_WATCH, MR_TOUCH_UPPER, BRK)]
    batch = ex.close_session(at("15:15:00"))
    assert ex.states(batch) == [
        rec("14:45:00", MS_LIMIT, MR_QUIET, LIM),
        rec("15:15:00", MS_CLOSED, MR_SESSION_END, LIM),
    ]


def test_brk_05_watch_timer_just_before_quiet_starts_the_breaker(breaker_exchange):
    """Rule: BRK-02, BRK-05 — held one minute at 14:44:59.999, before the quiet period: the
    breaker starts then and runs its ten minutes."""
    ex = breaker_exchange(open_at="13:00:00", quiet_from=QUIET)
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("14:43:59.999")))
    batch = ex.close_session(at("15:15:00"))
    assert ex.states(batch) == [
        rec("14:44:59.999", MS_BREAKER, MR_TOUCH_HELD, BRK),
        rec("14:54:59.999", MS_LIMIT, MR_BREAKER_END, LIM),
        rec("15:15:00", MS_CLOSED, MR_SESSION_END, LIM),
    ]


def test_brk_05_quiet_period_during_the_break_fires_at_the_open(exchange):
    """Rule: BRK-05 — a quiet period that starts while trading is stopped is recorded at its
    own time by the next open, before the ``open`` record."""
    ex = exchange(circuit_breaker=0.06, quiet_from=at("12:00:00"))
    ex.open_session(at("09:15:00"))
    ex.close_session(at("11:30:00"))
    batch = ex.open_session(at("13:00:00"))
    assert ex.states(batch) == [
        rec("12:00:00", MS_LIMIT, MR_QUIET, LIM),
        rec("13:00:00", MS_LIMIT, MR_OPEN, LIM),
    ]


def test_brk_06_at_most_one_breaker_per_day(breaker_exchange):
    """Rule: BRK-06 — after one breaker the 10 % band holds for the rest of the day: touching
    the old breaker price again, for any time, starts nothing, also after the lunch break."""
    ex = breaker_exchange()
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")))  # 0
    batch = ex.submit(ex.new(1, SELL, BRK_HI, 1, ts=at("10:20:00")))  # 1: trades with 0
    assert [r[2] for r in ex.states(batch)] == [MS_BREAKER, MS_LIMIT]
    batch = ex.submit(
        ex.new(2, BUY, BRK_HI, 1, ts=at("10:30:00")),  # 2 touches the old breaker price
        ex.new(3, SELL, BRK_LO, 1, ts=at("10:30:01")),  # 3 -> trades with 2 at 18,550
        ex.new(3, SELL, BRK_LO, 1, ts=at("10:30:02")),  # 4 rests at the old lower price
        ex.new(1, BUY, 17000, 1, ts=at("11:00:00")),
    )
    assert ex.states(batch) == []
    batch = ex.close_session(at("11:30:00"))
    assert ex.states(batch) == [rec("11:30:00", MS_CLOSED, MR_SESSION_END, LIM)]
    batch = ex.open_session(at("13:00:00"))
    assert ex.states(batch) == [rec("13:00:00", MS_LIMIT, MR_OPEN, LIM)]
    batch = ex.close_session(at("15:15:00"))
    assert ex.states(batch) == [rec("15:15:00", MS_CLOSED, MR_SESSION_END, LIM)]


def test_limit_02_last_day_no_limit_no_breaker(exchange):
    """Rule: LIMIT-02 — on the contract's last day without a last-day limit (seed): state
    ``no_limit`` with the wide range (here ±20 %), opened with reason ``last_day``, no
    breaker prices, no touches, no quiet period."""
    kw = dict(circuit_breaker=0.06, last_day=True, no_limit=True, price_limit=0.20)
    ex = exchange(quiet_from=QUIET, **kw)
    spec = make_market(**kw).contracts[0]
    assert (int(spec["breaker_lo"]), int(spec["breaker_hi"]), int(spec["last_day"])) == (0, 0, 1)
    band = (14000, 21000)
    assert ex.market_state(0) == (MS_NO_LIMIT, *band)
    batch = ex.open_session(at("13:00:00"))
    assert ex.states(batch) == [rec("13:00:00", MS_NO_LIMIT, MR_LAST_DAY, band)]
    batch = ex.submit(
        ex.new(0, BUY, BRK_HI, 1, ts=at("13:10:00")),  # 0: would be a touch on another day
        ex.new(1, BUY, 20000, 1, ts=at("14:50:00")),  # 1: +14.3 %
        ex.new(2, SELL, 14000, 1, ts=at("14:50:01")),  # 2: trades with 1 at 20,000
    )
    assert ex.states(batch) == []
    assert ex.fills(batch) == [(1, 2, 20000, 1, SELL, 0)]
    batch = ex.close_session(at("15:00:00"))
    assert ex.states(batch) == [rec("15:00:00", MS_CLOSED, MR_SESSION_END, band)]
    assert ex.market_state(0) == (MS_NO_LIMIT, *band)


def test_brk_07_record_sequence_of_a_day(breaker_exchange):
    """Rule: BRK-07 — every state change is recorded with its time, reason and band:
    normal -> watch -> normal -> watch -> breaker -> limit -> closed."""
    ex = breaker_exchange(open_at="09:15:00")  # its open record is checked there
    records = [rec("09:15:00", MS_NORMAL, MR_OPEN, BRK)]
    for batch in (
        ex.submit(ex.new(0, SELL, BRK_LO, 3, ts=at("09:40:00"))),  # 0 touches the lower price
        ex.submit(ex.new(1, BUY, BRK_LO, 3, ts=at("09:40:45"))),  # 1 takes it all: lifted
        ex.submit(ex.new(2, SELL, 16500, 1, ts=at("09:50:00"))),  # 2 no touch
        ex.submit(ex.new(0, SELL, BRK_LO, 1, ts=at("10:00:00"))),  # 3 touches again
        ex.submit(ex.new(3, BUY, 17000, 1, ts=at("10:30:00"))),  # 4
        ex.close_session(at("11:30:00")),
    ):
        records += ex.states(batch)
    assert records == [
        rec("09:15:00", MS_NORMAL, MR_OPEN, BRK),
        rec("09:40:00", MS_WATCH, MR_TOUCH_LOWER, BRK),
        rec("09:40:45", MS_NORMAL, MR_TOUCH_LIFTED, BRK),
        rec("10:00:00", MS_WATCH, MR_TOUCH_LOWER, BRK),
        rec("10:01:00", MS_BREAKER, MR_TOUCH_HELD, BRK),
        rec("10:11:00", MS_LIMIT, MR_BREAKER_END, LIM),
        rec("11:30:00", MS_CLOSED, MR_SESSION_END, LIM),
    ]


def test_brk_07_every_batch_carries_states(exchange):
    """Rule: BRK-07 — every engine call returns ``Batch.states`` (MARKET_STATE_DTYPE), empty
    when nothing changed."""
    ex = exchange(circuit_breaker=0.06)
    batches = [
        ex.submit(ex.new(0, BUY, 17500, 1), phase=PHASE_AUCTION),
        ex.run_auction(at("09:15:00")),
        ex.open_session(at("09:15:00")),
        ex.submit(ex.new(1, SELL, 17600, 1, ts=at("09:16:00"))),
        ex.expire(at("15:16:00")),
        ex.close_session(at("15:15:00")),
    ]
    for batch in batches:
        assert batch.states.dtype == MARKET_STATE_DTYPE
    assert [len(b.states) for b in batches] == [0, 0, 1, 0, 0, 1]


def test_limit_03_market_orders_stop_at_the_breaker_price(breaker_exchange):
    """Rule: LIMIT-03, BRK-03 — under the breaker band a market buy trades up to the upper
    breaker price only (the rest is cancelled); once the 10 % band holds it reaches further."""
    ex = breaker_exchange()
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")))  # 0: touch -> breaker at 10:01
    batch = ex.submit(
        ex.new(1, SELL, BRK_HI, 1, ts=at("10:02:00")),  # 1 trades with 0
        ex.new(1, SELL, BRK_HI, 1, ts=at("10:02:01")),  # 2 rests at the breaker price
        ex.new(1, SELL, BRK_HI + 1, 1, ts=at("10:02:02")),  # 3 outside: rejected
        ex.new(2, BUY, 0, 3, type=MARKET, ts=at("10:03:00")),  # 4
    )
    assert ex.states(batch)[0][2] == MS_BREAKER
    assert ex.status(3) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    assert ex.fills(batch) == [(0, 1, BRK_HI, 1, SELL, 0), (4, 2, BRK_HI, 1, BUY, 0)]
    assert ex.events(batch)[-2:] == [
        (4, EV_PARTIAL, 1, 2, 0),
        (4, EV_CANCELLED, 2, 0, R_IOC_REMAINDER),
    ]
    # the same on the lower side: a market sell stops at 3,290.0
    batch = ex.submit(
        ex.new(3, BUY, BRK_LO, 1, ts=at("10:04:00")),  # 5
        ex.new(1, SELL, 0, 2, type=MARKET, ts=at("10:04:01")),  # 6
    )
    assert ex.fills(batch) == [(5, 6, BRK_LO, 1, SELL, 0)]
    assert ex.events(batch)[-1] == (6, EV_CANCELLED, 1, 0, R_IOC_REMAINDER)
    # after the breaker: an ask at +9.8 % is reachable by a market buy
    batch = ex.submit(
        ex.new(1, SELL, UP_9_8, 1, ts=at("10:11:00")),  # 7
        ex.new(2, BUY, 0, 1, type=MARKET, ts=at("10:11:01")),  # 8
    )
    assert ex.states(batch) == [rec("10:11:00", MS_LIMIT, MR_BREAKER_END, LIM)]
    assert ex.fills(batch) == [(8, 7, UP_9_8, 1, BUY, 0)]
    assert ex.events(batch)[-1] == (8, EV_FILLED, 1, 0, 0)


def test_brk_02_timers_fire_in_time_order_across_contracts(exchange):
    """Rule: BRK-02, BRK-03, BRK-07 — due timers of several contracts fire in time order,
    each at its own time (contract order only breaks ties)."""
    ex = exchange(n_contracts=2, circuit_breaker=0.06)
    batch = ex.open_session(at("09:15:00"))
    assert ex.states(batch) == [
        rec("09:15:00", MS_NORMAL, MR_OPEN, BRK, 0),
        rec("09:15:00", MS_NORMAL, MR_OPEN, BRK, 1),
    ]
    batch = ex.submit(
        ex.new(0, BUY, BRK_HI, 1, contract=1, ts=at("10:00:00")),
        ex.new(1, SELL, BRK_LO, 1, contract=0, ts=at("10:00:30")),
        ex.new(2, BUY, 17000, 1, contract=0, ts=at("10:30:00")),
    )
    assert ex.states(batch) == [
        rec("10:00:00", MS_WATCH, MR_TOUCH_UPPER, BRK, 1),
        rec("10:00:30", MS_WATCH, MR_TOUCH_LOWER, BRK, 0),
        rec("10:01:00", MS_BREAKER, MR_TOUCH_HELD, BRK, 1),
        rec("10:01:30", MS_BREAKER, MR_TOUCH_HELD, BRK, 0),
        rec("10:11:00", MS_LIMIT, MR_BREAKER_END, LIM, 1),
        rec("10:11:30", MS_LIMIT, MR_BREAKER_END, LIM, 0),
    ]


def test_brk_02_simultaneous_timers_fire_in_contract_order(exchange):
    """Rule: BRK-02, BRK-04 — touches at the same instant (contract 1's message first) give
    breakers due at the same instant: they fire contract 0 first; the close writes one
    ``closed`` record per contract in contract order."""
    ex = exchange(n_contracts=2, circuit_breaker=0.06)
    ex.open_session(at("09:15:00"))
    batch = ex.submit(
        ex.new(0, BUY, BRK_HI, 1, contract=1, ts=at("10:00:00")),
        ex.new(1, SELL, BRK_LO, 1, contract=0, ts=at("10:00:00")),
    )
    assert [r[1] for r in ex.states(batch)] == [1, 0]
    batch = ex.close_session(at("10:05:00"))
    assert ex.states(batch) == [
        rec("10:01:00", MS_BREAKER, MR_TOUCH_HELD, BRK, 0),
        rec("10:01:00", MS_BREAKER, MR_TOUCH_HELD, BRK, 1),
        rec("10:05:00", MS_CLOSED, MR_SESSION_END, LIM, 0),
        rec("10:05:00", MS_CLOSED, MR_SESSION_END, LIM, 1),
    ]
    assert ex.market_state(0) == ex.market_state(1) == (MS_LIMIT, *LIM)


def test_brk_02_message_of_another_contract_does_not_touch(exchange):
    """Rule: BRK-02 — only the contract a message concerns is evaluated: a cancel on contract
    0 does not end contract 1's watch, and a rejected cancel evaluates nothing."""
    ex = exchange(n_contracts=2, circuit_breaker=0.06)
    ex.open_session(at("09:15:00"))
    ex.submit(
        ex.new(0, BUY, 17000, 1, contract=0, ts=at("10:00:00")),  # 0
        ex.new(0, BUY, BRK_HI, 1, contract=1, ts=at("10:00:01")),  # 1
    )
    batch = ex.submit(
        ex.cancel(0, 0, ts=at("10:00:10")),  # 2 accepted, contract 0
        ex.cancel(0, 99, contract=1, ts=at("10:00:20")),  # 3 rejected UNKNOWN_ORDER
    )
    assert ex.states(batch) == []
    assert ex.market_state(1) == (MS_WATCH, *BRK)
    batch = ex.submit(ex.cancel(0, 1, ts=at("10:00:30")))  # 4: contract 1's touch lifted
    assert ex.states(batch) == [rec("10:00:30", MS_NORMAL, MR_TOUCH_LIFTED, BRK, 1)]


def test_brk_03_timer_cascade_before_one_message(exchange):
    """Rule: BRK-02, BRK-03 — timers due before one message fire in order even when one
    arms the next: trigger 5 s and duration 30 s both fall before a message 10 min later."""
    market = make_market(circuit_breaker=0.06)
    market.breaker_trigger = 5 * 10**9
    market.breaker_duration = 30 * 10**9
    ex = exchange(market)
    ex.open_session(at("09:15:00"))
    ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")))
    batch = ex.submit(ex.new(1, BUY, UP_9_8, 1, ts=at("10:10:00")))  # 1
    assert ex.states(batch) == [
        rec("10:00:05", MS_BREAKER, MR_TOUCH_HELD, BRK),
        rec("10:00:35", MS_LIMIT, MR_BREAKER_END, LIM),
    ]
    assert ex.status(1) == (ST_ACCEPTED, 0, 0)
    assert ex.eng.book() == [(0, BUY, UP_9_8, 1, 1), (0, BUY, BRK_HI, 0, 1)]


def test_limit_02_brk_07_last_day_limit_is_state_limit(exchange):
    """Rule: LIMIT-02, BRK-07 — on the contract's last day with a last-day limit (±20 %,
    cffex-2010) the band is a limit: state ``limit`` all day, each session opened with reason
    ``last_day``, no breaker (a quote at the old breaker price is no touch), no quiet period;
    an order beyond 20 % is rejected."""
    ex = exchange(circuit_breaker=0.06, last_day=True, price_limit=0.20, quiet_from=QUIET)
    band = (14000, 21000)  # 17,500 x (1 -+ 20 %)
    assert ex.market_state(0) == (MS_LIMIT, *band)
    batch = ex.open_session(at("09:15:00"))
    assert ex.states(batch) == [rec("09:15:00", MS_LIMIT, MR_LAST_DAY, band)]
    batch = ex.submit(
        ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")),  # 0: would be a touch on another day
        ex.new(1, SELL, 13999, 1, ts=at("10:05:00")),  # 1: under the 20 % band
    )
    assert ex.states(batch) == []
    assert ex.status(1) == (ST_REJECTED, 0, R_PRICE_OUT_OF_BAND)
    batch = ex.close_session(at("11:30:00"))
    assert ex.states(batch) == [rec("11:30:00", MS_CLOSED, MR_SESSION_END, band)]
    batch = ex.open_session(at("13:00:00"))
    assert ex.states(batch) == [rec("13:00:00", MS_LIMIT, MR_LAST_DAY, band)]
    batch = ex.close_session(at("15:00:00"))
    assert ex.states(batch) == [rec("15:00:00", MS_CLOSED, MR_SESSION_END, band)]
    assert ex.market_state(0) == (MS_LIMIT, *band)


def test_limit_02_price_limit_off_is_no_limit_without_breaker(exchange):
    """Rule: LIMIT-02, BRK-07 — a day without any price limit (``price_limit = false``;
    not a last day): state ``no_limit`` all day, opened with reason ``open``, no breaker."""
    ex = exchange(circuit_breaker=0.06, no_limit=True, price_limit=0.50, quiet_from=QUIET)
    band = limit_band(17500, 0.50)
    assert ex.market_state(0) == (MS_NO_LIMIT, *band)
    batch = ex.open_session(at("09:15:00"))
    assert ex.states(batch) == [rec("09:15:00", MS_NO_LIMIT, MR_OPEN, band)]
    batch = ex.submit(ex.new(0, BUY, BRK_HI, 1, ts=at("10:00:00")))
    assert ex.states(batch) == []
    batch = ex.close_session(at("15:15:00"))
    assert ex.states(batch) == [rec("15:15:00", MS_CLOSED, MR_SESSION_END, band)]
