"""Kernels of the price-limit and circuit-breaker state machine (LIMIT-01..03, BRK-01..07).

Per contract: ``normal`` (breaker band, armed) -> ``watch`` (a quote touches a breaker price;
BRK-02's one-minute clock runs) -> ``breaker`` (BRK-03, ten minutes inside the breaker band)
-> ``limit`` (the limit band for the rest of the day, BRK-06); the quiet period before the
close (BRK-05) and the end of a session (BRK-04) also lead to ``limit``. A contract's last
trading day has no breaker: ``limit`` all day with a last-day limit, ``no_limit`` without one
(LIMIT-02); a day without any price limit is ``no_limit`` too. Time-driven transitions are
recorded at their exact due time, whenever the engine next reaches a later time.
``docs/engine-semantics.md`` is the contract.
"""

from __future__ import annotations

from riskcore._jit import njit, njit_inline
from riskcore.engine.layout import (
    C_DURATION,
    C_N_STATES,
    C_NEXT_TIMER,
    C_QUIET_FROM,
    C_TRIGGER,
    NEVER,
)
from riskcore.records import (
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
)


@njit_inline
def emit_state(states, ctr, ts, cs, c, state, reason):
    """Append one market-state record with the band now in force."""
    k = ctr[C_N_STATES]
    r = states[k]
    r.ts = ts
    r.band_lo = cs[c].band_lo
    r.band_hi = cs[c].band_hi
    r.contract = c
    r.state = state
    r.reason = reason
    ctr[C_N_STATES] = k + 1


@njit
def enter_state(states, ctr, ts, cs, c, state, reason):
    """Switch contract ``c`` to ``state``, set the band that state implies, record it."""
    cs[c].mstate = state
    if state == MS_LIMIT or state == MS_NO_LIMIT:
        cs[c].band_lo = cs[c].limit_lo
        cs[c].band_hi = cs[c].limit_hi
    else:
        cs[c].band_lo = cs[c].breaker_lo
        cs[c].band_hi = cs[c].breaker_hi
    emit_state(states, ctr, ts, cs, c, state, reason)


@njit_inline
def touch_side(cs, c):
    """MR_TOUCH_UPPER if the best bid stands at the upper breaker price, MR_TOUCH_LOWER if
    the best ask stands at the lower one, else -1 (BRK-02)."""
    bb = cs[c].best_bid
    if bb >= 0 and cs[c].ladder_lo + bb == cs[c].breaker_hi:
        return MR_TOUCH_UPPER
    ba = cs[c].best_ask
    if ba >= 0 and cs[c].ladder_lo + ba == cs[c].breaker_lo:
        return MR_TOUCH_LOWER
    return -1


@njit
def due_time(cs, c, ctr):
    """``(time, reason)`` of contract ``c``'s next timer, ``(NEVER, -1)`` if none."""
    state = cs[c].mstate
    quiet = ctr[C_QUIET_FROM]
    if state == MS_BREAKER:
        return cs[c].breaker_until, MR_BREAKER_END
    if state == MS_WATCH:
        held = cs[c].watch_since + ctr[C_TRIGGER]
        if quiet > 0 and quiet <= held:  # BRK-05: no breaker starts in the quiet period
            return quiet, MR_QUIET
        return held, MR_TOUCH_HELD
    if state == MS_NORMAL and quiet > 0:
        return quiet, MR_QUIET
    return NEVER, -1


@njit
def refresh_next_timer(cs, ctr):
    """Cache the earliest timer of all contracts in ``ctr[C_NEXT_TIMER]``."""
    nxt = NEVER
    for c in range(len(cs)):
        t, _ = due_time(cs, c, ctr)
        if t < nxt:
            nxt = t
    ctr[C_NEXT_TIMER] = nxt


@njit
def fire_timers(ts, cs, states, ctr):
    """Apply every timer due at or before ``ts``, earliest first (contract order on ties)."""
    while ctr[C_NEXT_TIMER] <= ts:
        best_c = -1
        best_t = NEVER
        best_reason = -1
        for c in range(len(cs)):
            t, reason = due_time(cs, c, ctr)
            if t < best_t:
                best_c, best_t, best_reason = c, t, reason
        if best_c < 0 or best_t > ts:
            break
        if best_reason == MR_TOUCH_HELD:
            cs[best_c].breaker_until = best_t + ctr[C_DURATION]
            enter_state(states, ctr, best_t, cs, best_c, MS_BREAKER, MR_TOUCH_HELD)
        else:  # breaker end or quiet period: the limit band for the rest of the day
            enter_state(states, ctr, best_t, cs, best_c, MS_LIMIT, best_reason)
        refresh_next_timer(cs, ctr)


@njit_inline
def evaluate_touch(ts, cs, c, states, ctr):
    """Start or reset the BRK-02 clock of contract ``c`` after its quotes may have changed."""
    state = cs[c].mstate
    if state != MS_NORMAL and state != MS_WATCH:
        return
    side = touch_side(cs, c)
    if state == MS_NORMAL and side >= 0:
        cs[c].watch_since = ts
        cs[c].mstate = MS_WATCH
        emit_state(states, ctr, ts, cs, c, MS_WATCH, side)
        refresh_next_timer(cs, ctr)
    elif state == MS_WATCH and side < 0:
        cs[c].mstate = MS_NORMAL
        emit_state(states, ctr, ts, cs, c, MS_NORMAL, MR_TOUCH_LIFTED)
        refresh_next_timer(cs, ctr)


@njit
def open_session(ts, cs, states, ctr):
    """Trading (re)starts at ``ts``: fire due timers, record each contract's state (reason
    ``last_day`` on its last trading day, LIMIT-02, else ``open``), then evaluate the touches
    (BRK-02 counts only while trading)."""
    fire_timers(ts, cs, states, ctr)
    for c in range(len(cs)):
        reason = MR_LAST_DAY if cs[c].last_day == 1 else MR_OPEN
        emit_state(states, ctr, ts, cs, c, cs[c].mstate, reason)
    for c in range(len(cs)):
        evaluate_touch(ts, cs, c, states, ctr)


@njit
def close_session(ts, cs, states, ctr):
    """Trading stops at ``ts`` (BRK-04): fire due timers; a running breaker ends (the limit
    band holds when trading resumes) and a running one-minute clock resets."""
    fire_timers(ts, cs, states, ctr)
    for c in range(len(cs)):
        if cs[c].mstate == MS_BREAKER:
            cs[c].mstate = MS_LIMIT
            cs[c].band_lo = cs[c].limit_lo
            cs[c].band_hi = cs[c].limit_hi
        elif cs[c].mstate == MS_WATCH:
            cs[c].mstate = MS_NORMAL
        emit_state(states, ctr, ts, cs, c, MS_CLOSED, MR_SESSION_END)
    refresh_next_timer(cs, ctr)
