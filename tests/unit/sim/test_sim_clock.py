"""Message phases from the calendar (``riskcore.sim.clock``).

Rules: MATCH-06 (auction window), UNIT-03 (sessions; earlier close on a last day),
MATCH-07 ``MARKET_CLOSED`` (outside the windows, non-trading days, before/after the run).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from riskcore.records import (
    MARKET_STATE_DTYPE,
    MR_LAST_DAY,
    MR_OPEN,
    MR_SESSION_END,
    MS_CLOSED,
    MS_LIMIT,
    PHASE_AUCTION,
    PHASE_CLOSED,
    PHASE_CONTINUOUS,
)
from riskcore.sim.clock import classify, contract_states, day_clocks, day_number

T = dt.time
SESSIONS = ((T(9, 15), T(11, 30)), (T(13, 0), T(15, 15)))
AUCTION = (T(9, 10), T(9, 15))
DAYS = (dt.date(2015, 8, 21), dt.date(2015, 8, 24))  # Friday, Monday
NEVER = np.iinfo(np.int64).max


def ns(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


def phases(times: list[str], contract=None, last_day=None, last_day_close=None):
    at = np.array([ns(t) for t in times], dtype=np.int64)
    c = np.zeros(len(at), dtype=np.int64) if contract is None else np.array(contract)
    ld = np.array([NEVER] if last_day is None else last_day, dtype=np.int64)
    clocks = day_clocks(DAYS, SESSIONS, AUCTION, last_day_close, ld)
    cls = classify(at, c, clocks)
    return cls.phase.tolist(), cls.engine_day.tolist()


def test_match_06_and_unit_03_windows_are_half_open():
    """Rules: MATCH-06, UNIT-03 — auction [09:10, 09:15), sessions [09:15, 11:30) and
    [13:00, 15:15); everything else is closed (MATCH-07 MARKET_CLOSED)."""
    times = [
        "2015-08-21T09:09:59.999999999",
        "2015-08-21T09:10:00",
        "2015-08-21T09:14:59.999",
        "2015-08-21T09:15:00",
        "2015-08-21T11:29:59.999",
        "2015-08-21T11:30:00",
        "2015-08-21T11:45:00",
        "2015-08-21T13:00:00",
        "2015-08-21T15:14:59",
        "2015-08-21T15:15:00",
    ]
    ph, day = phases(times)
    A, C, X = PHASE_AUCTION, PHASE_CONTINUOUS, PHASE_CLOSED
    assert ph == [X, A, A, C, C, X, X, C, C, X]
    assert day == [0] * 10


def test_match_07_non_trading_days_and_outside_the_run_are_closed():
    """Rule: MATCH-07 — a Saturday order, one before the start and one after the last day
    are closed; each goes to the engine of the latest trading day on or before it."""
    times = [
        "2015-08-20T10:00:00",  # Thursday, before the start
        "2015-08-21T10:00:00",  # Friday
        "2015-08-22T10:00:00",  # Saturday
        "2015-08-24T10:00:00",  # Monday
        "2015-08-25T10:00:00",  # Tuesday, after the last day
    ]
    ph, day = phases(times)
    C, X = PHASE_CONTINUOUS, PHASE_CLOSED
    assert ph == [X, C, X, C, X]
    assert day == [0, 0, 0, 1, 1]


def test_unit_03_last_day_earlier_close_is_per_contract():
    """Rule: UNIT-03 — on contract 0's last day (Monday) with a 15:00 close, its messages
    from 15:00 are closed; contract 1 trades on to 15:15; unknown symbols are left to the
    kernel (UNKNOWN_SYMBOL)."""
    times = ["2015-08-21T15:10:00", "2015-08-24T14:59:59", "2015-08-24T15:00:00",
             "2015-08-24T15:00:00", "2015-08-24T15:10:00"]  # fmt: skip
    last = [day_number(DAYS[1]), NEVER]
    ph, _ = phases(times, contract=[0, 0, 0, 1, -1], last_day=last, last_day_close=T(15, 0))
    C, X = PHASE_CONTINUOUS, PHASE_CLOSED
    assert ph == [C, C, X, C, C]


def test_day_clocks_cut_sessions_on_the_last_day():
    clocks = day_clocks(DAYS, SESSIONS, AUCTION, T(15, 0), np.array([day_number(DAYS[1])]))
    assert clocks[0].contract_close.tolist() == [ns("2015-08-21T15:15:00")]
    assert clocks[1].contract_close.tolist() == [ns("2015-08-24T15:00:00")]
    assert clocks[1].close == ns("2015-08-24T15:15:00")
    assert clocks[1].open == ns("2015-08-24T09:10:00")


def test_messages_after_a_contracts_last_day_are_expired():
    at = np.array([ns("2015-08-21T10:00"), ns("2015-08-24T10:00"), ns("2015-08-24T10:00")])
    last_day = np.array([day_number(DAYS[0]), day_number(DAYS[1])])
    clocks = day_clocks(DAYS, SESSIONS, AUCTION, None, last_day)
    cls = classify(at, np.array([0, 0, 1]), clocks, last_day)
    assert cls.phase.tolist() == [PHASE_CONTINUOUS, PHASE_CLOSED, PHASE_CONTINUOUS]
    assert classify(at, np.array([0, 0, -1]), clocks).phase.tolist() == [PHASE_CONTINUOUS] * 3


def _session_records(day: str, n_contracts: int, last_day_reason: int = MR_OPEN) -> np.ndarray:
    """What the engine records at the sessions' starts and ends, every contract, in order."""
    rows = []
    for t, state, reason in (
        ("09:15", MS_LIMIT, last_day_reason), ("11:30", MS_CLOSED, MR_SESSION_END),
        ("13:00", MS_LIMIT, last_day_reason), ("15:15", MS_CLOSED, MR_SESSION_END),
    ):  # fmt: skip
        for c in range(n_contracts):
            rows.append((ns(f"{day}T{t}"), 0, 0, c, state, reason if c == 0 else MR_OPEN))
    out = np.zeros(len(rows), dtype=MARKET_STATE_DTYPE)
    for name in ("ts", "band_lo", "band_hi", "contract", "state", "reason"):
        out[name] = [r[("ts", "band_lo", "band_hi", "contract", "state", "reason").index(name)]
                     for r in rows]  # fmt: skip
    return out


def test_unit_03_brk_07_closed_record_at_a_last_days_earlier_close():
    """Rules: UNIT-03, BRK-07 — contract 0's last day is Monday with a 15:00 close: its
    afternoon ``closed`` record is at 15:00 (not the 15:15 session end) and comes before
    contract 1's 15:15 record; contract 1 keeps 15:15."""
    last = np.array([day_number(DAYS[1]), NEVER])
    clk = day_clocks(DAYS, SESSIONS, AUCTION, T(15, 0), last)[1]
    rec = _session_records("2015-08-24", 2, MR_LAST_DAY)
    (out,) = contract_states([rec[:4], rec[4:]], clk, last)
    got = [(int(r["ts"]), int(r["contract"]), int(r["state"])) for r in out]
    assert got[-2:] == [
        (ns("2015-08-24T15:00"), 0, MS_CLOSED),
        (ns("2015-08-24T15:15"), 1, MS_CLOSED),
    ]
    assert len(out) == 8 and np.all(np.diff(out["ts"]) >= 0)


def test_brk_07_no_records_for_an_expired_contract():
    """Rule: BRK-07 — contract 0 expired on Friday: on Monday only contract 1 has records."""
    last = np.array([day_number(DAYS[0]), NEVER])
    clk = day_clocks(DAYS, SESSIONS, AUCTION, T(15, 0), last)[1]
    (out,) = contract_states([_session_records("2015-08-24", 2)], clk, last)
    assert out["contract"].tolist() == [1, 1, 1, 1]
    assert contract_states([], clk, last) == []
