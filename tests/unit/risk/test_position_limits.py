"""Position limits of ``riskcore.risk.position_limits`` with hand-checked numbers.

Rules: POS-01 (investor, per side, summed over members), POS-02 (member cap 25 % of open
interest above 100,000 lots), POS-03 (hedge quota exempt), POS-04 (breaches without an
order, cure window, hand-off to forced liquidation LIQ-01 ②). Lots throughout.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.records import BUY, NO_LIMIT, SELL
from riskcore.risk.position_limits import (
    BREACH_DTYPE,
    HANDOFF_DTYPE,
    LIQ_TRIGGER_LIMIT,
    LIQ_TRIGGER_NAMES,
    LONG,
    PARTY_INVESTOR,
    PARTY_MEMBER,
    SHORT,
    cure_status,
    investor_positions,
    limit_breaches,
    member_limit_lots,
    member_positions,
)

I64 = np.int64


def a(*rows) -> np.ndarray:
    """(n_accounts, n_contracts) int64 lots."""
    return np.array(rows, dtype=I64)


def no_member_cap(n_c: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One member with no position and an inactive cap."""
    z = np.zeros((1, n_c), dtype=I64)
    return z, z, np.full(n_c, NO_LIMIT, dtype=I64)


# --- POS-01 ------------------------------------------------------------------------------
def test_pos_01_investor_with_accounts_at_two_members_is_summed_per_side():
    """Rule: POS-01 — investor 0 has C1 at member 0 (300 long, 20 short) and C2 at member 1
    (250 long, 40 short); investor 1 has C3 (100 short). Investor 0: 550 long, 60 short
    (单边: not netted); investor 1: 0 long, 100 short. Two contracts kept apart."""
    long = a([300, 7], [250, 0], [0, 0])
    short = a([20, 0], [40, 3], [100, 0])
    inv_long, inv_short = investor_positions(long, short, np.array([0, 0, 1]), 2)
    assert inv_long.tolist() == [[550, 7], [0, 0]]
    assert inv_short.tolist() == [[60, 3], [100, 0]]
    assert inv_long.dtype == I64
    mem_long, mem_short = member_positions(long, short, np.array([0, 1, 1]), 2)
    assert mem_long.tolist() == [[300, 7], [250, 0]]
    assert mem_short.tolist() == [[20, 0], [140, 3]]


def test_pos_01_investor_over_limit_only_through_the_second_member_is_a_breach():
    """Rule: POS-01 — 350 + 300 = 650 lots long over two members against a limit of 600:
    one breach of 50 lots although each account alone is within the limit."""
    inv_long, inv_short = investor_positions(a([350], [300]), a([0], [0]), np.array([0, 0]), 1)
    b = limit_breaches(inv_long, inv_short, np.array([0]), 600, *no_member_cap())
    assert b.dtype == BREACH_DTYPE
    assert b[["kind", "party", "contract", "side", "held", "limit", "excess"]].tolist() == [
        (PARTY_INVESTOR, 0, 0, LONG, 650, 600, 50)
    ]


def test_pos_01_no_limit_means_no_investor_breach():
    """Rule: POS-01 — position_limit None (or NO_LIMIT per contract): nothing breaches."""
    big = a([10_000])
    z = a([0])
    assert len(limit_breaches(big, z, np.array([0]), None, *no_member_cap())) == 0
    assert len(limit_breaches(big, z, np.array([0]), np.array([NO_LIMIT]), *no_member_cap())) == 0


def test_pos_01_limit_per_contract_and_short_side():
    """Rule: POS-01 — a per-contract limit (600, 300): 400 short in contract 1 is 100 over;
    400 long in contract 0 is fine."""
    b = limit_breaches(
        a([400, 0]), a([0, 400]), np.array([0]), np.array([600, 300]), *no_member_cap(2)
    )
    assert b[["contract", "side", "excess"]].tolist() == [(1, SHORT, 100)]


# --- POS-02 ------------------------------------------------------------------------------
def test_pos_02_member_cap_25_percent_only_above_100000_lots():
    """Rule: POS-02 — OI 120,000 -> cap 30,000; OI 100,000 (not above) -> inactive;
    OI 100,001 -> floor(25,000.25) = 25,000; OI 0 -> inactive."""
    cap = member_limit_lots(np.array([120_000, 100_000, 100_001, 0]), 100_000, 0.25)
    assert cap.tolist() == [30_000, NO_LIMIT, 25_000, NO_LIMIT]
    assert cap.dtype == I64


def test_pos_02_member_limit_lots_is_sim_build_member_limits():
    """Rule: POS-02 — the same caps as ``sim.build.member_limits`` from positions at the
    previous settlement (open interest = Σ long over accounts)."""
    from types import SimpleNamespace

    from riskcore.sim.build import member_limits

    long_yd = a([70_000, 50_000, 3], [50_000, 50_000, 0], [1, 0, 0])
    rb = SimpleNamespace(member_oi_threshold=100_000, member_oi_share=0.25)
    expected = member_limits(rb, long_yd)
    got = member_limit_lots(long_yd.sum(axis=0), 100_000, 0.25)
    assert got.tolist() == expected.tolist() == [30_000, NO_LIMIT, NO_LIMIT]


def test_pos_02_member_over_cap_after_open_interest_shrinks():
    """Rules: POS-02, POS-04 — OI falls to 120,000, cap 30,000; member 0 holds 31,000 long
    and 29,000 short: one member breach of 1,000 lots long; member 1 (20,000) is fine."""
    cap = member_limit_lots(np.array([120_000]), 100_000, 0.25)
    z = a([0])
    b = limit_breaches(z, z, np.array([0]), 600, a([31_000], [20_000]), a([29_000], [0]), cap)
    assert b[["kind", "party", "side", "held", "limit", "excess"]].tolist() == [
        (PARTY_MEMBER, 0, LONG, 31_000, 30_000, 1_000)
    ]


# --- POS-03 ------------------------------------------------------------------------------
def test_pos_03_hedger_is_exempt_up_to_its_quota():
    """Rule: POS-03 — limit 600; investor 0 has a hedge quota of 400 and holds 1,000 long
    (limit 1,000: no breach); investor 1 has quota 400 and holds 1,001 (1 over); investor 2
    has no quota and holds 601 (1 over)."""
    inv_long = a([1_000], [1_001], [601])
    inv_short = a([0], [0], [0])
    b = limit_breaches(inv_long, inv_short, np.array([400, 400, 0]), 600, *no_member_cap())
    assert b[["party", "limit", "excess"]].tolist() == [(1, 1_000, 1), (2, 600, 1)]


def test_pos_03_hedge_quota_does_not_lift_the_member_cap():
    """Rules: POS-03, POS-02 — the quota is an investor exemption; the member cap (30,000)
    still applies to a member whose only client is a hedger."""
    b = limit_breaches(
        a([30_500]),
        a([0]),
        np.array([1_000_000]),
        600,
        a([30_500]),
        a([0]),
        np.array([30_000]),
    )
    assert b[["kind", "excess"]].tolist() == [(PARTY_MEMBER, 500)]


# --- POS-04 ------------------------------------------------------------------------------
def lowered_limit_breach() -> np.ndarray:
    """Limit lowered from 1,200 to 600 lots; investor 0 holds 800 long over C1 (500, member
    0) and C2 (300, member 1)."""
    inv_long, inv_short = investor_positions(a([500], [300]), a([0], [0]), np.array([0, 0]), 1)
    assert len(limit_breaches(inv_long, inv_short, np.array([0]), 1_200, *no_member_cap())) == 0
    return limit_breaches(inv_long, inv_short, np.array([0]), 600, *no_member_cap())


def test_pos_04_limit_lowered_from_1200_to_600_with_800_held_excess_200():
    """Rule: POS-04 — 800 lots within 1,200; after the limit falls to 600: excess 200."""
    b = lowered_limit_breach()
    assert b[["party", "contract", "side", "held", "limit", "excess"]].tolist() == [
        (0, 0, LONG, 800, 600, 200)
    ]


def test_pos_04_cured_in_time_no_handoff():
    """Rule: POS-04 — by the end of the next day's first session C1 sold 150 and C2 sold
    50 (600 held = the limit): cured, nothing handed to liquidation."""
    c = cure_status(lowered_limit_breach(), a([350], [250]), a([0], [0]), [0, 0], [0, 1])
    assert c.remaining.tolist() == [0]
    assert c.cured.tolist() == [True]
    assert c.handoffs.dtype == HANDOFF_DTYPE
    assert len(c.handoffs) == 0


def test_pos_04_not_cured_remaining_excess_handed_off_largest_account_first():
    """Rules: POS-04, LIQ-01 ② — only 50 sold (C1 500 -> 450, C2 300): 750 held, 150 over.
    The larger account C1 (450) takes all 150; the closing side is SELL (a long)."""
    c = cure_status(lowered_limit_breach(), a([450], [300]), a([0], [0]), [0, 0], [0, 1])
    assert c.remaining.tolist() == [150]
    assert c.cured.tolist() == [False]
    assert c.handoffs[["kind", "party", "account", "contract", "side", "qty"]].tolist() == [
        (PARTY_INVESTOR, 0, 0, 0, SELL, 150)
    ]
    assert (c.handoffs["trigger"] == LIQ_TRIGGER_LIMIT).all()
    assert LIQ_TRIGGER_NAMES[LIQ_TRIGGER_LIMIT] == "position_limit"


def test_pos_04_handoff_spills_over_accounts_and_ties_go_to_lower_account_index():
    """Rules: POS-04, LIQ-03 — limit 100; the investor holds 120 + 120 + 60 = 300 short
    (excess 200) and nothing is closed. Order: the two 120s (tie -> account 0 first), then
    60: 120 from account 0, 80 from account 1; the closing side is BUY (a short)."""
    owner = np.array([0, 0, 0])
    inv_long, inv_short = investor_positions(a([0], [0], [0]), a([120], [120], [60]), owner, 1)
    b = limit_breaches(inv_long, inv_short, np.array([0]), 100, *no_member_cap())
    c = cure_status(b, a([0], [0], [0]), a([120], [120], [60]), owner, [0, 0, 1])
    assert c.remaining.tolist() == [200]
    assert c.handoffs[["account", "side", "qty"]].tolist() == [(0, BUY, 120), (1, BUY, 80)]


def test_pos_04_member_breach_counts_investor_handoffs_then_proprietary_first():
    """Rules: POS-04, POS-02, LIQ-03 — member 0 cap 30,000, holds 31,000 long: account 0
    (proprietary, 1,000), account 1 (investor 0, 20,000), account 2 (investor 1, 10,000);
    investor 0 is also 200 over its hedge-raised limit of 600 + 19,200 = 19,800 (the
    others' quotas cover them). Nothing is cured. The
    investor hand-off (200 from account 1) leaves 800 for the member, taken from the
    proprietary account 0 first (its 1,000 lots suffice)."""
    long = a([1_000], [20_000], [10_000])
    short = a([0], [0], [0])
    inv_of, mem_of = np.array([2, 0, 1]), np.array([0, 0, 0])
    inv_long, inv_short = investor_positions(long, short, inv_of, 3)
    mem_long, mem_short = member_positions(long, short, mem_of, 1)
    b = limit_breaches(
        inv_long, inv_short, np.array([19_200, 10_000, 1_000]), 600, mem_long, mem_short, [30_000]
    )
    assert b[["kind", "party", "excess"]].tolist() == [
        (PARTY_INVESTOR, 0, 200),
        (PARTY_MEMBER, 0, 1_000),
    ]
    c = cure_status(b, long, short, inv_of, mem_of, account_proprietary=[True, False, False])
    assert c.remaining.tolist() == [200, 1_000]
    assert c.handoffs[["kind", "party", "account", "qty"]].tolist() == [
        (PARTY_INVESTOR, 0, 1, 200),
        (PARTY_MEMBER, 0, 0, 800),
    ]
    # additive: after all hand-offs the member is at its cap and the investor at its limit
    assert c.handoffs["qty"].sum() == 1_000


def test_pos_04_member_breach_without_proprietary_takes_largest_position():
    """Rules: POS-04, LIQ-03 — the same member breach of 1,000 with no proprietary flags:
    the largest account (1, 20,000 lots) gives the 1,000."""
    long = a([1_000], [20_000], [10_000])
    short = a([0], [0], [0])
    b = limit_breaches(
        a([0]), a([0]), [0], 600, *member_positions(long, short, [0, 0, 0], 1), [30_000]
    )
    c = cure_status(b, long, short, [0, 1, 2], [0, 0, 0])
    assert c.handoffs[["kind", "account", "qty"]].tolist() == [(PARTY_MEMBER, 1, 1_000)]


def test_pos_04_partially_cured_several_breaches_are_independent():
    """Rule: POS-04 — two investors over a limit of 600 (700 long; 900 short). Investor 0
    cures (600 left); investor 1 closes 100 (800 short, 200 over)."""
    inv_long, inv_short = investor_positions(a([700], [0]), a([0], [900]), [0, 1], 2)
    b = limit_breaches(inv_long, inv_short, [0, 0], 600, *no_member_cap())
    c = cure_status(b, a([600], [0]), a([0], [800]), [0, 1], [0, 0])
    assert c.cured.tolist() == [True, False]
    assert c.handoffs[["party", "account", "side", "qty"]].tolist() == [(1, 1, BUY, 200)]


def test_pos_04_no_breaches_gives_empty_records():
    """Rule: POS-04 — no breach, no hand-off (typed empty arrays)."""
    c = cure_status(np.zeros(0, dtype=BREACH_DTYPE), a([5]), a([0]), [0], [0])
    assert c.remaining.shape == (0,) and c.cured.shape == (0,)
    assert c.handoffs.dtype == HANDOFF_DTYPE and len(c.handoffs) == 0


@pytest.mark.parametrize("n_accounts", [1, 7, 40])
def test_pos_04_handoffs_cure_exactly_random(n_accounts):
    """Rules: POS-01, POS-04 — seeded random books: after closing every hand-off, each
    investor is at most at its limit and no hand-off exceeds its account's position; the
    total handed off per breach equals its remaining excess."""
    rng = np.random.default_rng(n_accounts)
    n_c, n_i = 3, max(n_accounts // 3, 1)
    owner = rng.integers(0, n_i, n_accounts)
    long = rng.integers(0, 400, (n_accounts, n_c))
    short = rng.integers(0, 400, (n_accounts, n_c))
    inv_long, inv_short = investor_positions(long, short, owner, n_i)
    b = limit_breaches(inv_long, inv_short, np.zeros(n_i, I64), 300, *no_member_cap(n_c))
    c = cure_status(b, long, short, owner, np.zeros(n_accounts, I64))
    h = c.handoffs
    after_long, after_short = long.copy(), short.copy()
    np.subtract.at(
        after_long,
        (h["account"][h["side"] == SELL], h["contract"][h["side"] == SELL]),
        h["qty"][h["side"] == SELL],
    )
    np.subtract.at(
        after_short,
        (h["account"][h["side"] == BUY], h["contract"][h["side"] == BUY]),
        h["qty"][h["side"] == BUY],
    )
    assert (after_long >= 0).all() and (after_short >= 0).all()
    al, as_ = investor_positions(after_long, after_short, owner, n_i)
    assert (al <= 300).all() and (as_ <= 300).all()
    assert h["qty"].sum() == c.remaining.sum() == b["excess"].sum()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pos_04_investor_and_member_handoffs_together_cure_both_random(seed):
    """Rules: POS-01, POS-02, POS-04 — seeded books with an investor limit of 300 and a
    member cap of 900: after all hand-offs every investor and member is within its limit,
    and a member handed lots of its own ends exactly at its cap (just enough, LIQ-02)."""
    rng = np.random.default_rng(seed)
    n_a, n_c, n_i, n_m = 30, 2, 10, 3
    inv_of, mem_of = rng.integers(0, n_i, n_a), rng.integers(0, n_m, n_a)
    long, short = rng.integers(0, 200, (n_a, n_c)), rng.integers(0, 200, (n_a, n_c))
    cap = np.full(n_c, 900, dtype=I64)
    b = limit_breaches(
        *investor_positions(long, short, inv_of, n_i),
        np.zeros(n_i, I64),
        300,
        *member_positions(long, short, mem_of, n_m),
        cap,
    )
    assert (b["kind"] == PARTY_MEMBER).any() and (b["kind"] == PARTY_INVESTOR).any()
    h = cure_status(b, long, short, inv_of, mem_of).handoffs
    after = np.stack([long, short], axis=-1)
    np.subtract.at(after, (h["account"], h["contract"], (h["side"] == BUY).astype(int)), h["qty"])
    assert (after >= 0).all()
    al, as_ = investor_positions(after[..., 0], after[..., 1], inv_of, n_i)
    assert (al <= 300).all() and (as_ <= 300).all()
    ml, ms = member_positions(after[..., 0], after[..., 1], mem_of, n_m)
    assert (ml <= 900).all() and (ms <= 900).all()
    mem_after = np.stack([ml, ms], axis=-1)
    for r in h[h["kind"] == PARTY_MEMBER]:
        assert mem_after[r["party"], r["contract"], int(r["side"] == BUY)] == 900
