"""Daily settlement price (SETTLE-01), vectorised over a day's fills.

Rule SETTLE-01: the settlement price is the volume-weighted average price (VWAP) of the last
``settlement_window`` of trading, rounded to the tick half up. With no trade in the last
window, the window before is used, and so on back. If the last trade came less than one
window after the open, the whole day's VWAP is used. With no trade all day, the previous
settlement (plus the benchmark contract's change, where the rulebook names one), clipped to
the band.

Choices where the rule is silent (documented in the issue note):

- Windows are measured on the **trading clock**: time inside the day's sessions only, so
  the lunch break does not count (with sessions 09:15-11:30 and 13:00-15:15 and a one-hour
  window, the last window is 14:15-15:15, the one before 13:15-14:15, and the third one
  10:45-11:30 plus 13:00-13:15). Call-auction fills happen at the open (clock 0).
- Windows are half-open ``[close - (k + 1) w, close - k w)``, so a trade exactly one window
  before the close belongs to the last window.
- "Less than one window after the open" compares the last trade's trading-clock time with
  the window: ``t_last < w`` gives the whole-day VWAP.
- A benchmark change is converted to the contract's ticks and rounded half up.

All prices are integer ticks (UNIT-01); times int64 nanoseconds (UNIT-03).
"""

from __future__ import annotations

import numpy as np

from riskcore._jit import require_indices
from riskcore.risk.settlement_nb import NO_FILL, window_sums

SM_LAST_WINDOW = 0
SM_EARLIER_WINDOW = 1
SM_WHOLE_DAY = 2
SM_NO_TRADE = 3
SM_FINAL = 4  # SETTLE-04: the final settlement price on a contract's last trading day
SETTLE_METHOD_NAMES = ("last_window", "earlier_window", "whole_day", "no_trade", "final")
"""How a settlement price was found (code -> name): SETTLE-01, or ``final`` for the
scenario's final settlement price on a contract's last trading day (SETTLE-04)."""


def trading_clock(ts: np.ndarray, sessions: np.ndarray) -> np.ndarray:
    """Trading time elapsed since the open, for each timestamp (SETTLE-01, UNIT-03).

    Parameters
    ----------
    ts : ndarray of int64
        Times, ns since the epoch.
    sessions : ndarray of int64, shape (k, 2)
        The day's continuous sessions ``[start, end)`` in ns since the epoch, in order.

    Returns
    -------
    ndarray of int64
        Nanoseconds of session time before each timestamp: 0 at (or before) the first
        session's start, the lunch break not counted, at most the day's total session time.
    """
    ts = np.asarray(ts, dtype=np.int64)
    sessions = np.asarray(sessions, dtype=np.int64).reshape(-1, 2)
    starts, ends = sessions[:, 0], sessions[:, 1]
    dur = ends - starts
    before = np.concatenate(([0], np.cumsum(dur)[:-1])).astype(np.int64)
    idx = np.searchsorted(starts, ts, side="right") - 1
    inside = idx >= 0
    k = np.maximum(idx, 0)
    clock = before[k] + np.clip(ts - starts[k], 0, dur[k])
    return np.where(inside, clock, 0).astype(np.int64)


def _vwap_half_up(price: np.ndarray, qty: np.ndarray) -> int:
    """VWAP in ticks rounded half up, in exact integer arithmetic."""
    num = int(np.dot(price.astype(np.int64), qty.astype(np.int64)))
    return _ratio_half_up(num, int(qty.astype(np.int64).sum()))


def _ratio_half_up(num: int, den: int) -> int:
    """``num / den`` (``den`` > 0) rounded half up, exactly."""
    return (2 * num + den) // (2 * den)


def settlement_price(
    clock: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
    *,
    close: int,
    window: int,
    prev_settle: int,
    band_lo: int,
    band_hi: int,
    change: int = 0,
) -> tuple[int, int]:
    """Settlement price of one contract for one day (SETTLE-01).

    Parameters
    ----------
    clock : ndarray of int64
        Trading-clock time of each fill, ns since the open (see :func:`trading_clock`).
    price : ndarray of int64
        Fill prices, ticks.
    qty : ndarray of int
        Fill quantities, lots.
    close : int
        Trading-clock time of the close, ns (the day's total session time).
    window : int
        Settlement window, ns (rulebook ``settlement_window`` seconds x 1e9).
    prev_settle : int
        Previous settlement price, ticks.
    band_lo, band_hi : int
        The day's price band, ticks (LIMIT-01/02): the no-trade price is clipped to it.
    change : int
        Benchmark contract's settlement change, ticks of this contract (no-trade case).

    Returns
    -------
    (int, int)
        Settlement price in ticks, and how it was found (``SM_*``, see
        :data:`SETTLE_METHOD_NAMES`).

    Examples
    --------
    Two lots at 17,500 ticks and one at 17,503 in the last hour: VWAP 17,501 ticks.

    >>> import numpy as np
    >>> h = 3_600 * 10**9
    >>> settlement_price(np.array([4 * h, 4 * h]), np.array([17_500, 17_503]),
    ...                  np.array([2, 1]), close=int(4.5 * h), window=h, prev_settle=17_000,
    ...                  band_lo=15_300, band_hi=18_700)
    (17501, 0)
    """
    clock = np.asarray(clock, dtype=np.int64)
    qty = np.asarray(qty, dtype=np.int64)
    price = np.asarray(price, dtype=np.int64)
    keep = qty > 0
    if not keep.all():
        clock, price, qty = clock[keep], price[keep], qty[keep]
    if len(qty) == 0:
        return int(np.clip(prev_settle + change, band_lo, band_hi)), SM_NO_TRADE
    if window <= 0:
        raise ValueError(f"settlement window must be > 0 ns, got {window}")
    t_last = int(clock.max())
    if t_last < window:
        return _vwap_half_up(price, qty), SM_WHOLE_DAY
    # window index counted back from the close: k = ceil((close - t) / w) - 1, at least 0
    k = np.maximum((close - clock + window - 1) // window - 1, 0)
    k_star = int(k.min())
    sel = k == k_star
    method = SM_LAST_WINDOW if k_star == 0 else SM_EARLIER_WINDOW
    return _vwap_half_up(price[sel], qty[sel]), method


def settlement_prices(
    ts: np.ndarray,
    contract: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
    *,
    sessions: list[np.ndarray],
    window: int,
    prev_settle: np.ndarray,
    band_lo: np.ndarray,
    band_hi: np.ndarray,
    tick: np.ndarray | None = None,
    benchmark: int = -1,
) -> tuple[np.ndarray, np.ndarray]:
    """Settlement prices of every contract for one day (SETTLE-01).

    Parameters
    ----------
    ts, contract, price, qty : ndarray
        The day's fills that count (trades on the book): time (ns since the epoch),
        contract index, price (ticks), quantity (lots).
    sessions : list of ndarray of int64, shape (k, 2)
        Per contract, that day's sessions ``[start, end)`` in ns since the epoch (a contract
        closing early on its last day has shorter sessions, UNIT-03).
    window : int
        Settlement window, ns.
    prev_settle, band_lo, band_hi : ndarray of int64, shape (n_contracts,)
        Previous settlement and the day's band, ticks.
    tick : ndarray of float, optional
        Tick size per contract, index points; needed with a benchmark.
    benchmark : int
        Index of the benchmark contract whose change prices a contract without trades;
        -1 = none.

    Returns
    -------
    (ndarray of int64, ndarray of int8)
        Settlement price per contract (ticks) and the ``SM_*`` method per contract.
    """
    n_c = len(prev_settle)
    out = np.zeros(n_c, dtype=np.int64)
    method = np.zeros(n_c, dtype=np.int8)
    contract = np.asarray(contract, dtype=np.int64)
    ts, price, qty = (np.asarray(a, dtype=np.int64) for a in (ts, price, qty))
    if window <= 0 and bool(np.any(qty > 0)):
        raise ValueError(f"settlement window must be > 0 ns, got {window}")
    if not len(ts) == len(contract) == len(price) == len(qty):
        raise ValueError("ts, contract, price and qty must have one entry per fill each")
    require_indices(contract, n_c, "contract indices")
    if len(sessions) != n_c:
        raise ValueError(f"sessions: one entry per contract expected, got {len(sessions)}")
    k = max((len(np.asarray(s).reshape(-1, 2)) for s in sessions), default=0)
    starts = np.zeros((n_c, max(k, 1)), dtype=np.int64)
    ends = np.zeros((n_c, max(k, 1)), dtype=np.int64)
    n_sessions = np.zeros(n_c, dtype=np.int64)
    for c in range(n_c):
        s = np.asarray(sessions[c], dtype=np.int64).reshape(-1, 2)
        starts[c, : len(s)], ends[c, : len(s)], n_sessions[c] = s[:, 0], s[:, 1], len(s)
    close = (ends - starts).sum(axis=1)
    t_last, k_last, num, den = (np.empty(n_c, dtype=np.int64) for _ in range(4))
    window_sums(
        ts,
        contract,
        price,
        qty,
        starts,
        ends,
        n_sessions,
        close,
        int(window),
        t_last,
        k_last,
        num,
        den,
    )
    no_trade = []
    for c in range(n_c):
        if t_last[c] == NO_FILL:
            no_trade.append(c)
            continue
        out[c] = _ratio_half_up(int(num[c]), int(den[c]))
        if k_last[c] < 0:  # the last fill less than one window after the open
            method[c] = SM_WHOLE_DAY
        else:
            method[c] = SM_LAST_WINDOW if k_last[c] == 0 else SM_EARLIER_WINDOW
    for c in no_trade:
        change = 0
        if 0 <= benchmark < n_c and benchmark not in no_trade and benchmark != c:
            diff = int(out[benchmark] - prev_settle[benchmark])
            if tick is None:
                raise ValueError("tick sizes are needed to convert a benchmark change")
            change = int(np.floor(diff * float(tick[benchmark]) / float(tick[c]) + 0.5 + 1e-9))
        out[c] = int(np.clip(int(prev_settle[c]) + change, band_lo[c], band_hi[c]))
        method[c] = SM_NO_TRADE
    return out, method
