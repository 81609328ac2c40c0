"""The run's clock: trading days, call-auction window and sessions as int64 nanoseconds.

Times are naive exchange-local nanoseconds since 1970-01-01 (UNIT-03), the same clock as
``Scenario.orders["at"]``. :func:`classify` assigns every message, vectorised, the phase it
is processed in (MATCH-06, MATCH-07 ``MARKET_CLOSED``) and the trading day whose engine
handles it.

Choices where the spec is silent:

- Windows are half-open: the auction collects orders in ``[start, end)`` and uncrosses at
  ``end``; a session accepts orders in ``[start, end)``, so an order exactly at 11:30:00
  (the end of the morning session) is ``MARKET_CLOSED``.
- On a contract's last trading day with an earlier close (rulebook ``last_day_close``),
  messages for that contract at or after that time are closed (a cancel belongs to its
  target's contract).
- After a contract's last trading day, messages for it are closed (``MARKET_CLOSED``).
- The engine records every contract's market state at every session's start and end
  (BRK-07); :func:`contract_states` keeps what each contract really saw: nothing for an
  expired contract, and a ``closed`` record at a last trading day's earlier close.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from riskcore.records import MS_CLOSED
from riskcore.sim.prepare_nb import classify_messages

NS = 1_000_000_000
DAY_NS = 86_400 * NS
_EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH).days


def time_ns(t: dt.time) -> int:
    """Nanoseconds since midnight."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * NS + t.microsecond * 1000


@dataclass(frozen=True)
class DayClock:
    """One trading day's windows, ns since the epoch.

    Attributes
    ----------
    day : date
    index : int
        Position in the run's trading days.
    auction : (int, int) or None
        Call-auction order window ``[start, end)``; ``None`` = no auction.
    sessions : ndarray of int64, shape (k, 2)
        Continuous sessions ``[start, end)``.
    contract_sessions : list of ndarray
        Per contract, the sessions cut at its earlier close on its last trading day.
    contract_close : ndarray of int64
        Per contract, the end of its trading that day.
    """

    day: dt.date
    index: int
    auction: tuple[int, int] | None
    sessions: np.ndarray
    contract_sessions: list[np.ndarray]
    contract_close: np.ndarray

    @property
    def open(self) -> int:
        """First moment orders are taken (auction start or first session start), ns."""
        return self.auction[0] if self.auction else int(self.sessions[0, 0])

    @property
    def close(self) -> int:
        """End of the last session, ns."""
        return int(self.sessions[-1, 1])


def _cut(sessions: np.ndarray, close: int) -> np.ndarray:
    out = sessions.copy()
    out[:, 1] = np.minimum(out[:, 1], close)
    return out[out[:, 1] > out[:, 0]]


def day_clocks(
    trading_days: tuple[dt.date, ...],
    sessions: tuple[tuple[dt.time, dt.time], ...],
    auction: tuple[dt.time, dt.time] | None,
    last_day_close: dt.time | None,
    last_day: np.ndarray,
) -> list[DayClock]:
    """A :class:`DayClock` per trading day.

    Parameters
    ----------
    trading_days : tuple of date
    sessions, auction : times of day (rulebook/calendar)
    last_day_close : time or None
        Earlier close on a contract's last trading day (UNIT-03).
    last_day : ndarray of int64
        Per contract, its last trading day as days since the epoch.
    """
    out = []
    for i, day in enumerate(trading_days):
        base = day_number(day) * DAY_NS
        ses = np.array([[base + time_ns(a), base + time_ns(b)] for a, b in sessions], np.int64)
        auc = None if auction is None else (base + time_ns(auction[0]), base + time_ns(auction[1]))
        per, close = [], []
        for c in range(len(last_day)):
            if last_day_close is not None and last_day[c] == day_number(day):
                s = _cut(ses, base + time_ns(last_day_close))
            else:
                s = ses
            per.append(s)
            close.append(int(s[-1, 1]))
        out.append(DayClock(day, i, auc, ses, per, np.array(close, dtype=np.int64)))
    return out


@dataclass(frozen=True)
class Classified:
    """Where every message goes (arrays of the messages' length).

    Attributes
    ----------
    phase : ndarray of int8
        ``PHASE_CLOSED``, ``PHASE_AUCTION`` or ``PHASE_CONTINUOUS``.
    engine_day : ndarray of int64
        Index of the trading day whose engine processes the message: its own day for a
        message in a trading window; for a closed one the latest trading day on or before
        it (the first day for messages before the run).
    """

    phase: np.ndarray
    engine_day: np.ndarray


def classify(
    at: np.ndarray,
    contract: np.ndarray,
    clocks: list[DayClock],
    last_day: np.ndarray | None = None,
) -> Classified:
    """Phase and engine day of every message, vectorised (MATCH-06, MATCH-07).

    Parameters
    ----------
    at : ndarray of int64
        Message times, ns since the epoch, sorted (as ``Scenario.orders`` is).
    contract : ndarray of int
        Contract index of each message (-1 = unknown symbol, which the kernel rejects);
        a cancel's is its target's.
    clocks : list of DayClock
        The run's trading days.
    last_day : ndarray of int64, optional
        Per contract, its last trading day (days since the epoch): messages for an expired
        contract are closed too.
    """
    at = np.asarray(at, dtype=np.int64)
    contract = np.asarray(contract, dtype=np.int32)
    n = len(at)
    phase = np.zeros(n, dtype=np.int8)  # PHASE_CLOSED
    engine_day = np.zeros(n, dtype=np.int64)
    if not clocks:
        return Classified(phase=phase, engine_day=engine_day)
    n_d = len(clocks)
    width = max(len(c.sessions) for c in clocks)
    days = np.array([day_number(c.day) for c in clocks], dtype=np.int64)
    auction = np.zeros((n_d, 2), dtype=np.int64)  # [0, 0): none
    sessions = np.zeros((n_d, max(width, 1), 2), dtype=np.int64)
    n_sessions = np.zeros(n_d, dtype=np.int64)
    contract_close = np.stack([np.asarray(c.contract_close, dtype=np.int64) for c in clocks])
    for d, clk in enumerate(clocks):
        if clk.auction is not None:
            auction[d] = clk.auction
        n_sessions[d] = len(clk.sessions)
        sessions[d, : len(clk.sessions)] = clk.sessions
    classify_messages(
        at,
        contract,
        days,
        auction,
        sessions,
        n_sessions,
        contract_close,
        np.zeros(0, np.int64) if last_day is None else np.asarray(last_day, dtype=np.int64),
        phase,
        engine_day,
    )
    return Classified(phase=phase, engine_day=engine_day)


def contract_states(
    states: list[np.ndarray], clock: DayClock, last_day: np.ndarray
) -> list[np.ndarray]:
    """One day's market-state records as each contract saw them (BRK-07, UNIT-03).

    The engine opens and closes every contract at the day's common session times. A
    contract after its last trading day has expired: its records are dropped. A contract
    that closes early on its last trading day (``last_day_close``) keeps its records before
    its close and one ``closed`` record timed at its close (the first ``closed`` record at
    or after it); its later records are dropped. No timer runs on a last trading day (no
    breaker, LIMIT-02), so nothing else happens to it after its close.

    Parameters
    ----------
    states : list of ndarray of MARKET_STATE_DTYPE
        The day's records, in the order the engine emitted them.
    clock : DayClock
        The day (``contract_close``: each contract's close, ns).
    last_day : ndarray of int64
        Per contract, its last trading day as days since the epoch.

    Returns
    -------
    list of ndarray
        One array (empty list if there are no records), stably sorted by time.
    """
    if not states:
        return []
    rec = np.concatenate(states)
    c = rec["contract"].astype(np.int64)
    keep = np.asarray(last_day, dtype=np.int64)[c] >= day_number(clock.day)
    ts = rec["ts"].copy()
    for k in np.flatnonzero(clock.contract_close < clock.close):
        close = int(clock.contract_close[k])
        after = np.flatnonzero(keep & (c == k) & (rec["ts"] >= close))
        closed = after[rec["state"][after] == MS_CLOSED]
        keep[after] = False
        if len(closed):
            keep[closed[0]] = True
            ts[closed[0]] = close
    out = rec[keep]
    out["ts"] = ts[keep]
    return [out[np.argsort(out["ts"], kind="stable")]]
