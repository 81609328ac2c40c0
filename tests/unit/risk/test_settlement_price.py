"""Daily settlement price (``riskcore.risk.settlement_price``), rule SETTLE-01, worked numbers.

Day: sessions 09:15-11:30 and 13:00-15:15 (4.5 hours of trading), window one hour, tick 0.2
(prices in ticks: 17,500 = 3500.0), previous settlement 17,000, band [15,300, 18,700].
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.risk.settlement_price import (
    SETTLE_METHOD_NAMES,
    SM_EARLIER_WINDOW,
    SM_LAST_WINDOW,
    SM_NO_TRADE,
    SM_WHOLE_DAY,
    settlement_price,
    settlement_prices,
    trading_clock,
)

H = 3_600 * 10**9
DAY = int(np.datetime64("2015-08-24", "ns").astype(np.int64))
SESSIONS = np.array(
    [[DAY + int(9.25 * H), DAY + int(11.5 * H)], [DAY + 13 * H, DAY + int(15.25 * H)]]
)
CLOSE = int(4.5 * H)


def at(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return DAY + int(h) * H + int(m) * 60 * 10**9


def settle(times, prices, qtys, prev=17_000, lo=15_300, hi=18_700, change=0):
    clock = trading_clock(np.array([at(t) for t in times], dtype=np.int64), SESSIONS)
    return settlement_price(
        clock, np.array(prices), np.array(qtys), close=CLOSE, window=H,
        prev_settle=prev, band_lo=lo, band_hi=hi, change=change,
    )  # fmt: skip


def test_trading_clock_skips_the_lunch_break():
    times = np.array([at("09:15"), at("11:00"), at("11:30"), at("12:00"), at("13:00"),
                      at("14:15"), at("15:15"), at("09:00")])  # fmt: skip
    hours = trading_clock(times, SESSIONS) / H
    assert hours.tolist() == [0.0, 1.75, 2.25, 2.25, 2.25, 3.5, 4.5, 0.0]


def test_settle_01_vwap_of_the_last_hour_rounded_half_up():
    """Rule: SETTLE-01 — last hour 14:15-15:15: 2 lots at 17,500 and 1 at 17,503 -> VWAP
    52,503 / 3 = 17,501 ticks; the 10:00 trade at 18,000 is outside the window."""
    assert settle(["10:00", "14:30", "15:00"], [18_000, 17_500, 17_503], [5, 2, 1]) == (
        17_501, SM_LAST_WINDOW,
    )  # fmt: skip


def test_settle_01_half_up_rounding():
    """Rule: SETTLE-01 — 1 lot at 17,500 and 1 at 17,501: VWAP 17,500.5 rounds up to
    17,501; 3 lots at 17,500 and 1 at 17,501: 17,500.25 rounds down to 17,500."""
    assert settle(["14:30", "14:40"], [17_500, 17_501], [1, 1])[0] == 17_501
    assert settle(["14:30", "14:40"], [17_500, 17_501], [3, 1])[0] == 17_500


def test_settle_01_window_is_half_open_at_its_start():
    """Rule: SETTLE-01 — a trade exactly at 14:15 (one window before the close) belongs to
    the last window; one at 14:14 does not."""
    assert settle(["14:14", "14:15"], [17_000, 17_600], [1, 1]) == (17_600, SM_LAST_WINDOW)


def test_settle_01_no_trade_in_the_last_hour_uses_the_hour_before():
    """Rule: SETTLE-01 — no trade in 14:15-15:15; the window 13:15-14:15 holds 13:30 (1 lot
    at 17,200) and 14:00 (3 lots at 17,300): VWAP 69,100 / 4 = 17,275. The 13:10 trade lies
    in the window before that one."""
    assert settle(["13:10", "13:30", "14:00"], [17_900, 17_200, 17_300], [9, 1, 3]) == (
        17_275, SM_EARLIER_WINDOW,
    )  # fmt: skip


def test_settle_01_windows_count_trading_time_across_lunch():
    """Rule: SETTLE-01 (choice: trading clock) — the third window back is 10:45-11:30 plus
    13:00-13:15: trades at 11:00 (17,100) and 13:05 (17,110), one lot each, VWAP 17,105;
    the 10:30 trade is outside it."""
    assert settle(["10:30", "11:00", "13:05"], [16_000, 17_100, 17_110], [4, 1, 1]) == (
        17_105, SM_EARLIER_WINDOW,
    )  # fmt: skip


def test_settle_01_last_trade_within_one_window_of_the_open_uses_the_whole_day():
    """Rule: SETTLE-01 — last trade at 10:00, 45 trading minutes after the open (< 1 hour):
    whole-day VWAP of 09:16 (2 lots at 17,000) and 10:00 (1 lot at 17,300) = 17,100. (By
    windows alone, 10:00 would sit in 09:45-10:45 without the 09:16 trade.)"""
    assert settle(["09:16", "10:00"], [17_000, 17_300], [2, 1]) == (17_100, SM_WHOLE_DAY)


def test_settle_01_auction_fill_at_the_open_counts_for_the_whole_day():
    """Rule: SETTLE-01 — an auction fill at 09:15 (clock 0) alone: whole-day VWAP."""
    assert settle(["09:15"], [17_250], [4]) == (17_250, SM_WHOLE_DAY)


def test_settle_01_no_trade_all_day_is_the_previous_settlement_clipped_to_the_band():
    """Rule: SETTLE-01 — no trade: previous settlement (17,000); with a benchmark change of
    +2,000 ticks it would be 19,000, clipped to the band's 18,700."""
    assert settle([], [], []) == (17_000, SM_NO_TRADE)
    assert settle([], [], [], change=2_000) == (18_700, SM_NO_TRADE)
    assert settle([], [], [], change=-150) == (16_850, SM_NO_TRADE)


def test_settle_01_all_contracts_with_a_benchmark():
    """Rule: SETTLE-01 — contract 0 trades (settles 17,300 from prev 17,000: +300 ticks of
    0.2 = +60 points); contract 1 (tick 0.2) does not: prev 20,000 + 300 = 20,300; contract
    2 (tick 0.4) does not: +60 points = +150 ticks of 0.4 -> 10,150."""
    ts = np.array([at("14:30")])
    prices, method = settlement_prices(
        ts, np.array([0]), np.array([17_300]), np.array([2]),
        sessions=[SESSIONS] * 3, window=H,
        prev_settle=np.array([17_000, 20_000, 10_000]),
        band_lo=np.array([15_300, 18_000, 9_000]), band_hi=np.array([18_700, 22_000, 11_000]),
        tick=np.array([0.2, 0.2, 0.4]), benchmark=0,
    )  # fmt: skip
    assert prices.tolist() == [17_300, 20_300, 10_150]
    assert [SETTLE_METHOD_NAMES[m] for m in method] == ["last_window", "no_trade", "no_trade"]


def test_settle_01_contract_closing_early_on_its_last_day():
    """Rule: SETTLE-01 with UNIT-03 — a contract closing at 15:00 has its last hour 14:00-15:00:
    the 14:05 trade is in it."""
    cut = SESSIONS.copy()
    cut[1, 1] = at("15:00")
    prices, method = settlement_prices(
        np.array([at("13:55"), at("14:05")]), np.array([0, 0]), np.array([17_000, 17_100]),
        np.array([1, 1]), sessions=[cut], window=H, prev_settle=np.array([17_000]),
        band_lo=np.array([15_300]), band_hi=np.array([18_700]),
    )  # fmt: skip
    assert (prices.tolist(), method.tolist()) == ([17_100], [SM_LAST_WINDOW])


def test_settlement_window_must_be_positive():
    with pytest.raises(ValueError, match="window"):
        settlement_price(np.array([0]), np.array([1]), np.array([1]), close=10, window=0,
                         prev_settle=1, band_lo=1, band_hi=2)  # fmt: skip


def _per_contract(ts, contract, price, qty, sessions, window, prev, lo, hi):
    """SETTLE-01 contract by contract with the one-contract function (no benchmark)."""
    out, how = [], []
    for c in range(len(prev)):
        rows = np.flatnonzero(contract == c)
        s = sessions[c]
        close = int((s[:, 1] - s[:, 0]).sum())
        p, m = settlement_price(
            trading_clock(ts[rows], s), price[rows], qty[rows], close=close, window=window,
            prev_settle=int(prev[c]), band_lo=int(lo[c]), band_hi=int(hi[c]),
        )  # fmt: skip
        out.append(p)
        how.append(m)
    return out, how


@pytest.mark.parametrize("seed", range(40))
def test_settle_01_all_contracts_at_once_equal_contract_by_contract(seed):
    """Rule: SETTLE-01 — the one-pass settlement of every contract gives each contract what
    the one-contract rule gives: random fills (zero quantities, times before the open, in
    the lunch break and after the close), contracts closing early, contracts without fills,
    windows from a minute to longer than the day."""
    rng = np.random.default_rng(seed)
    n_c = int(rng.integers(1, 6))
    sessions = []
    for _ in range(n_c):
        s = SESSIONS.copy()
        if rng.random() < 0.3:
            s[1, 1] = at("15:00")
        if rng.random() < 0.2:
            s = s[:1].copy()
        sessions.append(s)
    n = int(rng.integers(0, 400))
    ts = rng.integers(at("09:00"), at("15:30"), n)
    if rng.random() < 0.5:  # a quiet afternoon: fills only in the morning
        ts = rng.integers(at("09:00"), at("11:00"), n)
    ts = np.sort(ts)
    contract = rng.integers(0, n_c, n)
    price = rng.integers(16_000, 18_000, n)
    qty = rng.integers(0, 5, n)
    window = int(rng.choice([60 * 10**9, H, 3 * H, 6 * H]))
    prev = rng.integers(16_500, 17_500, n_c)
    lo, hi = prev - 1_700, prev + 1_700
    got_p, got_m = settlement_prices(
        ts, contract, price, qty, sessions=sessions, window=window, prev_settle=prev,
        band_lo=lo, band_hi=hi,
    )  # fmt: skip
    want_p, want_m = _per_contract(ts, contract, price, qty, sessions, window, prev, lo, hi)
    assert got_p.tolist() == want_p
    assert got_m.tolist() == want_m


def test_settle_01_kernel_clock_equals_trading_clock():
    """Rule: SETTLE-01, UNIT-03 — the kernel's per-fill trading clock is ``trading_clock``:
    before the open, in and after each session, in the lunch break, after the close."""
    from riskcore.risk.settlement_nb import fill_clock

    rng = np.random.default_rng(7)
    times = np.concatenate(
        [rng.integers(at("08:00"), at("16:00"), 500), SESSIONS.ravel(), SESSIONS.ravel() - 1]
    )
    for s in (SESSIONS, SESSIONS[:1].copy()):
        want = trading_clock(times, s)
        got = [fill_clock(int(t), s[:, 0], s[:, 1], len(s)) for t in times]
        assert got == want.tolist()


@pytest.mark.parametrize(
    ("contract", "sessions", "what"),
    [
        ([0, 2], [SESSIONS] * 2, "contract indices"),
        ([0, -1], [SESSIONS] * 2, "contract indices"),
        ([0, 1], [SESSIONS], "one entry per contract"),
        ([0], [SESSIONS] * 2, "one entry per fill"),
    ],
)
def test_settlement_prices_refuse_inconsistent_input(contract, sessions, what):
    """SETTLE-01 input: fills of unknown contracts, a contract without sessions, or columns
    of different lengths are an error, not a silent misreading."""
    with pytest.raises(ValueError, match=what):
        settlement_prices(
            np.array([at("14:30")] * 2), np.array(contract), np.array([17_000, 17_100]),
            np.array([1, 1]), sessions=sessions, window=H, prev_settle=np.array([17_000] * 2),
            band_lo=np.array([15_300] * 2), band_hi=np.array([18_700] * 2),
        )  # fmt: skip
