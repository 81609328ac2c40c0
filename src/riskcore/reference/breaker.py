"""The price-limit and circuit-breaker state of one contract (LIMIT-01..04, BRK-01..07).

Plain data and small pure functions; the reference engine drives the transitions
(``ReferenceEngine._fire_timers``, ``_touch``, ``open_session``, ``close_session``) exactly
as ``docs/engine-semantics.md``, "Price limits and the circuit breaker", describes:

========  =======================  =================================================
state     band in force            leaves by
========  =======================  =================================================
normal    breaker band             touch -> watch; quiet timer -> limit
watch     breaker band             touch lifted -> normal; held breaker_trigger ->
                                   breaker; quiet timer -> limit (wins a tie)
breaker   breaker band             breaker_until, or a session close -> limit
limit     limit band               (the rest of the day; all day on a last day with a
                                   last-day limit, LIMIT-02)
no_limit  the wide no-limit range  (the whole day: a last day without a limit, or no
                                   price limit at all, LIMIT-02)
========  =======================  =================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from riskcore.records import (
    MR_BREAKER_END,
    MR_QUIET,
    MR_TOUCH_HELD,
    MR_TOUCH_LOWER,
    MR_TOUCH_UPPER,
    MS_BREAKER,
    MS_LIMIT,
    MS_NO_LIMIT,
    MS_NORMAL,
    MS_WATCH,
)
from riskcore.reference.state import ContractSpec

BREAKER_STATES = (MS_NORMAL, MS_WATCH, MS_BREAKER)  # the breaker band is in force


@dataclass(slots=True)
class MarketState:
    """Where one contract stands in the LIMIT/BRK state machine.

    ``watch_since`` (ns) is set only in ``watch``: when the touch began (BRK-02).
    ``breaker_until`` (ns) is set only in ``breaker``: when it ends (BRK-03).
    ``band_by_hand`` is True while the band in force was not put there by this state machine
    (a Market that starts with another band, or ``set_band``); ``check()`` then does not
    require the band to be the state's band.
    """

    state: int
    watch_since: int | None = None
    breaker_until: int | None = None
    band_by_hand: bool = False


def initial_state(spec: ContractSpec) -> int:
    """``no_limit`` on a day without a price limit (LIMIT-02: a last day without a last-day
    limit, or ``price_limit`` off), else ``normal`` with the breaker armed, else ``limit``
    (BRK-01: breaker off, or a last day with its last-day limit, the limit band from the
    open)."""
    if spec.no_limit:
        return MS_NO_LIMIT
    return MS_NORMAL if spec.has_breaker else MS_LIMIT


def state_band(state: int, spec: ContractSpec) -> tuple[int, int]:
    """The band ``state`` implies: the breaker band while the breaker is armed or running,
    else the limit band (the wide no-limit range in ``no_limit``)."""
    if state in BREAKER_STATES:
        return spec.breaker_lo, spec.breaker_hi
    return spec.limit_lo, spec.limit_hi


def touch_reason(spec: ContractSpec, best_bid: int | None, best_ask: int | None) -> int | None:
    """``MR_TOUCH_UPPER`` if the best bid stands at the upper breaker price, else
    ``MR_TOUCH_LOWER`` if the best ask stands at the lower one, else None (BRK-02)."""
    if best_bid is not None and best_bid == spec.breaker_hi:
        return MR_TOUCH_UPPER
    if best_ask is not None and best_ask == spec.breaker_lo:
        return MR_TOUCH_LOWER
    return None


def next_timer(ms: MarketState, quiet_from: int, trigger: int) -> tuple[int, int] | None:
    """The next timer of a contract as ``(due_ns, reason)``, or None.

    ``watch``: the trigger (``watch_since + trigger`` -> breaker, ``MR_TOUCH_HELD``) or the
    quiet period, whichever is earlier, the quiet period winning a tie (BRK-05).
    ``normal``: the quiet period (``MR_QUIET``). ``breaker``: its end (``MR_BREAKER_END``).
    ``quiet_from`` 0 means no quiet period.
    """
    quiet = quiet_from if quiet_from > 0 else None
    if ms.state == MS_NORMAL:
        return None if quiet is None else (quiet, MR_QUIET)
    if ms.state == MS_WATCH:
        assert ms.watch_since is not None
        held = ms.watch_since + trigger
        if quiet is not None and quiet <= held:
            return quiet, MR_QUIET
        return held, MR_TOUCH_HELD
    if ms.state == MS_BREAKER:
        assert ms.breaker_until is not None
        return ms.breaker_until, MR_BREAKER_END
    return None
