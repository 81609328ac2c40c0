"""Forced position reduction of ``riskcore.risk.reduction`` with hand-checked numbers.

Rules: RED-01 (pro rata to net profitable positions; fewer than requested: all closed and
spread over the requesters), RED-02 (two-sided holders: net part to the pool, the rest offset),
RED-03 (unit net profit from the average open price, fraction of the settlement price),
RED-04 (rounding: floor, largest fraction, larger position, smaller account ID), RED-05 (CFFEX
2010: second locked day, loss >= 10 %, tiers >= 10 %, 6-10 %, 0-6 %).

Prices in ticks of 0.2 points: settlement 3,000.0 points = 15,000 ticks.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore.records import BUY, CLOSE, FILL_DTYPE, K_OFFSET, K_REDUCTION, SELL
from riskcore.risk.margin_rates import LOCK_DOWN, LOCK_NONE, LOCK_UP, lock_streaks
from riskcore.risk.reduction import (
    NO_TIER,
    REDUCTION_DTYPE,
    ROLE_COUNTERPARTY,
    ROLE_NAMES,
    ROLE_REQUESTER,
    ROLE_SELF_OFFSET,
    apply_reduction,
    id_rank,
    pro_rata,
    reduction,
    reduction_cffex2010,
    reduction_fills,
    reduction_seed,
    unit_net_pnl,
)

I64 = np.int64
S = 15_000  # settlement 3,000.0 points
LIMIT_LO = 15_000  # locked down at the lower limit (= the settlement price)
LIMIT_HI = 18_334


def pts(p: float) -> float:
    """Index points -> ticks of 0.2."""
    return round(p * 5, 6)


def book(*accounts):
    """Per account (long, short, avg_long points, avg_short points, requested): one contract."""
    long = np.array([[x[0]] for x in accounts], dtype=I64)
    short = np.array([[x[1]] for x in accounts], dtype=I64)
    avg_l = np.array([[pts(x[2])] for x in accounts])
    avg_s = np.array([[pts(x[3])] for x in accounts])
    req = np.array([[x[4]] for x in accounts], dtype=I64)
    return dict(requested=req, long=long, short=short, avg_long=avg_l, avg_short=avg_s)


def down(**kw):
    """Locked down at 15,000 ticks, settlement 15,000."""
    return dict(
        locked=np.array([LOCK_DOWN]),
        settlement=np.array([S]),
        limit_lo=np.array([LIMIT_LO]),
        limit_hi=np.array([LIMIT_HI]),
        **kw,
    )


def rows(rec: np.ndarray) -> list[tuple]:
    return rec[["account", "role", "side", "qty", "tier"]].tolist()


def check_booking(rec: np.ndarray, long: np.ndarray, short: np.ndarray) -> None:
    """Conservation: trades pair one buy lot with one sell lot, positions stay balanced, the
    fills move exactly the records' lots (RED-01/02)."""
    lg, sh = apply_reduction(long, short, rec)
    assert (lg >= 0).all() and (sh >= 0).all()
    assert (lg.sum(axis=0) - sh.sum(axis=0)).tolist() == (
        long.sum(axis=0) - short.sum(axis=0)
    ).tolist()
    fills = reduction_fills(rec)
    assert fills.dtype == FILL_DTYPE
    assert (fills["buy_offset"] == CLOSE).all() and (fills["sell_offset"] == CLOSE).all()
    # the fills, booked as close trades, give the same positions
    lg2, sh2 = np.array(long, dtype=I64), np.array(short, dtype=I64)
    np.subtract.at(sh2, (fills["buy_account"], fills["contract"]), fills["qty"])
    np.subtract.at(lg2, (fills["sell_account"], fills["contract"]), fills["qty"])
    assert (lg2 == lg).all() and (sh2 == sh).all()
    # per contract and tier, requester lots = counterparty lots
    pair = rec[rec["role"] != ROLE_SELF_OFFSET]
    for c, t in set(zip(pair["contract"].tolist(), pair["tier"].tolist(), strict=True)):
        g = pair[(pair["contract"] == c) & (pair["tier"] == t)]
        assert g["qty"][g["role"] == ROLE_REQUESTER].sum() == (
            g["qty"][g["role"] == ROLE_COUNTERPARTY].sum()
        )


# --- RED-04: rounding ------------------------------------------------------------------------
def test_red_04_floor_then_largest_fractional_part():
    """Rule: RED-04 — 7 lots over 5 / 3 / 2 (Σ 10): 3.5, 2.1, 1.4 -> floors 3, 2, 1; the
    leftover lot to the largest fraction (0.5): 4, 2, 1. 10 lots over the same: exact."""
    assert pro_rata(7, np.array([5, 3, 2])).tolist() == [4, 2, 1]
    assert pro_rata(10, np.array([5, 3, 2])).tolist() == [5, 3, 2]
    assert pro_rata(0, np.array([5, 3, 2])).tolist() == [0, 0, 0]


def test_red_04_fraction_ties_go_to_the_larger_position_then_the_smaller_account_id():
    """Rule: RED-04 — 5 lots over 6 / 1 / 3: 3.0, 0.5, 1.5: the tie in the fraction (0.5)
    goes to the larger position (3): 3, 0, 2. 10 over 4 / 4 / 4: 3.33 each, one leftover lot
    to the smallest account ID: by index by default, by ``rank`` when given (IDs C3, C1,
    C2: the second account)."""
    assert pro_rata(5, np.array([6, 1, 3])).tolist() == [3, 0, 2]
    assert pro_rata(10, np.array([4, 4, 4])).tolist() == [4, 3, 3]
    rank = id_rank(["C3", "C1", "C2"])
    assert rank.tolist() == [2, 0, 1]
    assert pro_rata(10, np.array([4, 4, 4]), rank).tolist() == [3, 4, 3]
    with pytest.raises(ValueError):
        pro_rata(10, np.array([3, 3]))


def test_red_04_same_rounding_on_both_sides():
    """Rule: RED-04 — requester side: 5 profitable lots (one short 5) for requests of 3 / 3 / 3
    (accounts with IDs B, C, A): 1.67 each, floors 1, 1, 1, the 2 leftover lots to the
    smaller IDs A and B: 2, 1, 2. Counterparty side: a request of 5 against shorts of 3 / 3 /
    3 with the same IDs: 2, 1, 2."""
    ids = ["B", "C", "A", "X"]
    b = book(
        (3, 0, 3_500, 0, 3),
        (3, 0, 3_500, 0, 3),
        (3, 0, 3_500, 0, 3),
        (0, 5, 0, 3_400, 0),
    )
    rec = reduction_seed(**down(**b), account_rank=id_rank(ids))
    assert rows(rec) == [
        (0, ROLE_REQUESTER, SELL, 2, 1),
        (1, ROLE_REQUESTER, SELL, 1, 1),
        (2, ROLE_REQUESTER, SELL, 2, 1),
        (3, ROLE_COUNTERPARTY, BUY, 5, 1),
    ]
    b = book(
        (0, 3, 0, 3_400, 0),
        (0, 3, 0, 3_400, 0),
        (0, 3, 0, 3_400, 0),
        (9, 0, 3_500, 0, 5),
    )
    rec = reduction_seed(**down(**b), account_rank=id_rank(ids))
    assert rows(rec) == [
        (3, ROLE_REQUESTER, SELL, 5, 1),
        (0, ROLE_COUNTERPARTY, BUY, 2, 1),
        (1, ROLE_COUNTERPARTY, BUY, 1, 1),
        (2, ROLE_COUNTERPARTY, BUY, 2, 1),
    ]


# --- RED-03: unit net profit -------------------------------------------------------------------
def test_red_03_unit_net_pnl_from_average_open_price_over_net_position():
    """Rule: RED-03 — settlement 3,000.0: short 10 at 3,300.0: +300 / 3,000 = +10 %; long 10 at
    3,500.0 and short 4 at 3,400.0: (10 x -500 + 4 x 400) / 6 = -566.7 points = -18.9 %; long 5
    short 5: flat, 0; long 2 at 2,910.0: +3 %."""
    lg = np.array([[0], [10], [5], [2]], dtype=I64)
    sh = np.array([[10], [4], [5], [0]], dtype=I64)
    al = np.array([[0.0], [pts(3_500)], [pts(3_000)], [pts(2_910)]])
    ash = np.array([[pts(3_300)], [pts(3_400)], [pts(3_000)], [0.0]])
    f = unit_net_pnl(lg, sh, al, ash, np.array([S]))
    assert f[:, 0] == pytest.approx([0.10, -3_400 / 6 / 3_000, 0.0, 0.03])


# --- RED-01: pro rata ---------------------------------------------------------------------------
def test_red_01_profitable_counterparties_cover_the_requests_pro_rata():
    """Rule: RED-01 — locked down; requesters close long 60 and 40 (100 lots); net short
    profitable: 150 and 50 (Σ 200 >= 100): they give 75 and 25. A losing short (opened at
    2,900.0) and a flat holder are not counterparties."""
    b = book(
        (60, 0, 3_500, 0, 60),
        (40, 0, 3_500, 0, 40),
        (0, 150, 0, 3_400, 0),
        (0, 50, 0, 3_100, 0),
        (0, 70, 0, 2_900, 0),  # short at a loss
        (8, 8, 3_000, 3_300, 0),  # flat
        (220, 0, 2_800, 0, 0),  # long, not asking
    )
    rec = reduction_seed(**down(**b))
    assert rows(rec) == [
        (0, ROLE_REQUESTER, SELL, 60, 1),
        (1, ROLE_REQUESTER, SELL, 40, 1),
        (2, ROLE_COUNTERPARTY, BUY, 75, 1),
        (3, ROLE_COUNTERPARTY, BUY, 25, 1),
    ]
    assert (rec["price"] == LIMIT_LO).all()
    check_booking(rec, b["long"], b["short"])


def test_red_01_fewer_profitable_than_requested_all_closed_and_spread_over_requesters():
    """Rule: RED-01 — requests 600 / 300 / 100 (1,000 lots); profitable shorts 200 and 50
    (250 lots): both closed; 250 spread 25 %: 150, 75, 25."""
    b = book(
        (600, 0, 3_500, 0, 600),
        (300, 0, 3_500, 0, 300),
        (100, 0, 3_500, 0, 100),
        (0, 200, 0, 3_400, 0),
        (0, 50, 0, 3_400, 0),
        (0, 750, 0, 2_900, 0),
    )
    rec = reduction_seed(**down(**b))
    assert rows(rec) == [
        (0, ROLE_REQUESTER, SELL, 150, 1),
        (1, ROLE_REQUESTER, SELL, 75, 1),
        (2, ROLE_REQUESTER, SELL, 25, 1),
        (3, ROLE_COUNTERPARTY, BUY, 200, 1),
        (4, ROLE_COUNTERPARTY, BUY, 50, 1),
    ]
    check_booking(rec, b["long"], b["short"])


def test_red_01_locked_up_is_the_mirror():
    """Rule: RED-01 — locked up at 3,666.8 (18,334 ticks): requesters buy-close shorts (10 and
    5); net long profitable holders (opened at 2,800.0: 20 and 10) sell-close 10 and 5."""
    b = book(
        (0, 10, 0, 2_900, 10),
        (0, 5, 0, 2_900, 5),
        (20, 0, 2_800, 0, 0),
        (10, 0, 2_800, 0, 0),
    )
    rec = reduction_seed(**{**down(**b), "locked": np.array([LOCK_UP])})
    assert rows(rec) == [
        (0, ROLE_REQUESTER, BUY, 10, 1),
        (1, ROLE_REQUESTER, BUY, 5, 1),
        (2, ROLE_COUNTERPARTY, SELL, 10, 1),
        (3, ROLE_COUNTERPARTY, SELL, 5, 1),
    ]
    assert (rec["price"] == LIMIT_HI).all()
    fills = reduction_fills(rec)
    assert fills[["buy_account", "sell_account", "qty", "price", "kind"]].tolist() == [
        (0, 2, 10, LIMIT_HI, K_REDUCTION),
        (1, 3, 5, LIMIT_HI, K_REDUCTION),
    ]
    check_booking(rec, b["long"], b["short"])


def test_red_01_no_lock_no_reduction_and_requests_capped_at_the_position():
    """Rule: RED-01, LIMIT-04 — an unlocked contract is not reduced; a request above the
    position closed (12 asked, 10 long) counts 10."""
    b = book((10, 0, 3_500, 0, 12), (0, 30, 0, 3_400, 0))
    assert len(reduction_seed(**{**down(**b), "locked": np.array([LOCK_NONE])})) == 0
    rec = reduction_seed(**down(**b))
    assert rows(rec) == [(0, ROLE_REQUESTER, SELL, 10, 1), (1, ROLE_COUNTERPARTY, BUY, 10, 1)]


# --- RED-02: two-sided holders ----------------------------------------------------------------
def test_red_02_two_sided_holder_sends_its_net_to_the_pool_and_offsets_the_rest():
    """Rule: RED-02 — long 10, short 4, close-long 10 in a market locked down: 6 (the net
    long) go to the pool, 4 are offset against its own short at the limit price (kind
    ``offset``, buyer = seller). The profitable short 20 gives 6."""
    b = book(
        (10, 4, 3_500, 3_400, 10),
        (0, 20, 0, 3_400, 0),
        (14, 0, 3_000, 0, 0),
    )
    rec = reduction_seed(**down(**b))
    assert rows(rec) == [
        (0, ROLE_SELF_OFFSET, SELL, 4, NO_TIER),
        (0, ROLE_REQUESTER, SELL, 6, 1),
        (1, ROLE_COUNTERPARTY, BUY, 6, 1),
    ]
    assert [ROLE_NAMES[r] for r in rec["role"]] == ["self_offset", "requester", "counterparty"]
    fills = reduction_fills(rec, ts=123)
    assert fills[["buy_account", "sell_account", "qty", "price", "kind", "ts"]].tolist() == [
        (0, 0, 4, LIMIT_LO, K_OFFSET, 123),
        (1, 0, 6, LIMIT_LO, K_REDUCTION, 123),
    ]
    lg, sh = apply_reduction(b["long"], b["short"], rec)
    assert lg[:, 0].tolist() == [0, 0, 14] and sh[:, 0].tolist() == [0, 14, 0]
    check_booking(rec, b["long"], b["short"])


def test_red_02_net_on_the_other_side_offsets_everything_and_may_be_a_counterparty():
    """Rule: RED-02 — long 4, short 10 (net short 6, in profit), close-long 4 locked down: all
    4 offset, none to the pool; its net short 6 is a counterparty for account 1's request 3."""
    b = book(
        (4, 10, 3_100, 3_400, 4),
        (3, 0, 3_500, 0, 3),
        (7, 0, 3_000, 0, 0),
    )
    rec = reduction_seed(**down(**b))
    assert rows(rec) == [
        (0, ROLE_SELF_OFFSET, SELL, 4, NO_TIER),
        (1, ROLE_REQUESTER, SELL, 3, 1),
        (0, ROLE_COUNTERPARTY, BUY, 3, 1),
    ]
    check_booking(rec, b["long"], b["short"])


# --- RED-05: the CFFEX 2010 tiers -------------------------------------------------------------
WORKED = book(
    (500, 0, 3_500, 0, 500),  # 0 A: loss 500 / 3,000 = 16.7 % >= 10 %: qualifies
    (300, 0, 3_500, 0, 300),  # 1 B
    (200, 0, 3_500, 0, 200),  # 2 C             requested Σ 1,000
    (0, 250, 0, 3_400, 0),  # 3 D: profit 400 / 3,000 = 13.3 %: tier 1
    (0, 150, 0, 3_400, 0),  # 4 E             tier 1 Σ 400
    (0, 500, 0, 3_240, 0),  # 5 F: profit 240 / 3,000 = 8 %: tier 2
    (0, 200, 0, 3_240, 0),  # 6 G
    (0, 100, 0, 3_240, 0),  # 7 H             tier 2 Σ 800
    (0, 2_000, 0, 3_090, 0),  # 8 I: profit 3 %: tier 3 Σ 2,000
    (2_200, 0, 2_950, 0, 0),  # 9 J: long, not asking
)


def test_red_05_worked_example_of_the_issue():
    """Rule: RED-05 — settlement 3,000, 1,000 lots requested (500 / 300 / 200), tiers of 400 /
    800 / 2,000 lots. Tier 1 (400 < 1,000) is closed entirely and spread at 40 % of each
    request (200, 120, 80); the remaining 600 lots (300, 180, 120) take 75 % of each tier-2
    holder (500 -> 375, 200 -> 150, 100 -> 75); tier 3 is untouched."""
    streak = np.array([-2])  # second consecutive day locked down
    rec = reduction_cffex2010(**down(**WORKED), streak=streak)
    assert rows(rec) == [
        (0, ROLE_REQUESTER, SELL, 200, 1),
        (1, ROLE_REQUESTER, SELL, 120, 1),
        (2, ROLE_REQUESTER, SELL, 80, 1),
        (3, ROLE_COUNTERPARTY, BUY, 250, 1),
        (4, ROLE_COUNTERPARTY, BUY, 150, 1),
        (0, ROLE_REQUESTER, SELL, 300, 2),
        (1, ROLE_REQUESTER, SELL, 180, 2),
        (2, ROLE_REQUESTER, SELL, 120, 2),
        (5, ROLE_COUNTERPARTY, BUY, 375, 2),
        (6, ROLE_COUNTERPARTY, BUY, 150, 2),
        (7, ROLE_COUNTERPARTY, BUY, 75, 2),
    ]
    lg, sh = apply_reduction(WORKED["long"], WORKED["short"], rec)
    assert lg[:, 0].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 2_200]
    assert sh[:, 0].tolist() == [0, 0, 0, 0, 0, 125, 50, 25, 2_000, 0]
    # trades: each tier's requesters and counterparties walked together in account order
    fills = reduction_fills(rec)
    assert fills[["sell_account", "buy_account", "qty"]].tolist() == [
        (0, 3, 200),
        (1, 3, 50),
        (1, 4, 70),
        (2, 4, 80),
        (0, 5, 300),
        (1, 5, 75),
        (1, 6, 105),
        (2, 6, 45),
        (2, 7, 75),
    ]
    assert (fills["kind"] == K_REDUCTION).all() and (fills["price"] == LIMIT_LO).all()
    check_booking(rec, WORKED["long"], WORKED["short"])


def test_red_01_seed_on_the_worked_book_is_one_pro_rata_tier():
    """Rule: RED-01, RED-04 — the same book under ``seed``: every profitable short (3,200 lots)
    gives 1,000 / 3,200 = 31.25 % of its net position: 78.125, 46.875, 156.25, 62.5, 31.25,
    625 -> floors 78, 46, 156, 62, 31, 625 (998); the 2 leftover lots to the largest fractions
    (0.875: E; 0.5: G): 78, 47, 156, 63, 31, 625."""
    rec = reduction_seed(**down(**WORKED))
    cp = rec[rec["role"] == ROLE_COUNTERPARTY]
    assert cp[["account", "qty"]].tolist() == [
        (3, 78),
        (4, 47),
        (5, 156),
        (6, 63),
        (7, 31),
        (8, 625),
    ]
    assert rec["qty"][rec["role"] == ROLE_REQUESTER].tolist() == [500, 300, 200]
    check_booking(rec, WORKED["long"], WORKED["short"])


def test_red_05_only_from_the_second_consecutive_same_direction_locked_day():
    """Rule: RED-05 — streak from ``lock_streaks``: the first locked-down day (-1) reduces
    nothing; a second (-2) and a third (-3) day do; a contract locked down after a day locked
    up (streak -1) does not; a streak that disagrees with the lock reduces nothing."""
    kw = down(**WORKED)
    assert lock_streaks(np.array([1]), np.array([LOCK_DOWN])).tolist() == [-1]
    assert len(reduction_cffex2010(**kw, streak=np.array([-1]))) == 0
    assert len(reduction_cffex2010(**kw, streak=np.array([-2]))) == 11
    assert len(reduction_cffex2010(**kw, streak=np.array([-3]))) == 11
    assert len(reduction_cffex2010(**kw, streak=np.array([2]))) == 0
    with pytest.raises(ValueError, match="streak"):
        reduction_seed(**kw, locked_days=2)


def test_red_05_requesters_losing_less_than_10_percent_do_not_qualify():
    """Rule: RED-05 — requester 0 loses 16.7 % (qualifies, 50 lots), requester 1 opened at
    3,100.0 loses 3.3 % (its 40 lots stay unfilled), requester 2 opened at 3,300.0 loses
    exactly 10 % (qualifies, 10 lots). Under ``seed`` all three take part."""
    b = book(
        (50, 0, 3_500, 0, 50),
        (40, 0, 3_100, 0, 40),
        (10, 0, 3_300, 0, 10),
        (0, 500, 0, 3_400, 0),
    )
    rec = reduction_cffex2010(**down(**b), streak=np.array([-2]))
    req = rec[rec["role"] == ROLE_REQUESTER]
    assert req[["account", "qty"]].tolist() == [(0, 50), (2, 10)]
    assert rec["qty"][rec["role"] == ROLE_COUNTERPARTY].tolist() == [60]
    rec = reduction_seed(**down(**b))
    assert rec["qty"][rec["role"] == ROLE_REQUESTER].tolist() == [50, 40, 10]


def test_red_05_tier_bounds_and_what_is_left_after_the_last_tier():
    """Rule: RED-05 — profits of exactly 10 % (opened at 3,300.0) and exactly 6 % (3,180.0)
    fall in tiers 1 and 2; a short at a loss is in no tier. Requests of 100 lots against
    tiers of 10 / 20 / 30: all three tiers closed (60), 40 lots stay unreduced."""
    b = book(
        (100, 0, 3_500, 0, 100),
        (0, 10, 0, 3_300, 0),  # 10 %: tier 1
        (0, 20, 0, 3_180, 0),  # 6 %: tier 2
        (0, 30, 0, 3_030, 0),  # 1 %: tier 3
        (0, 40, 0, 2_950, 0),  # loss: none
    )
    rec = reduction_cffex2010(**down(**b), streak=np.array([-2]))
    assert rows(rec) == [
        (0, ROLE_REQUESTER, SELL, 10, 1),
        (1, ROLE_COUNTERPARTY, BUY, 10, 1),
        (0, ROLE_REQUESTER, SELL, 20, 2),
        (2, ROLE_COUNTERPARTY, BUY, 20, 2),
        (0, ROLE_REQUESTER, SELL, 30, 3),
        (3, ROLE_COUNTERPARTY, BUY, 30, 3),
    ]
    assert rec["qty"][rec["role"] == ROLE_REQUESTER].sum() == 60
    check_booking(rec, b["long"], b["short"])


def test_red_05_rulebook_dispatch():
    """Rule: RED-01, RED-05 — ``reduction`` picks the method from the rulebook's
    ``reduction_method``: ``tiered`` is the worked example, ``pro-rata`` the seed split."""
    kw = down(**WORKED)
    tiered = reduction(
        "tiered", **kw, streak=np.array([-2]), locked_days=2, loss_threshold=0.1,
        tiers=(0.10, 0.06, 0.0),
    )  # fmt: skip
    assert tiered.tolist() == reduction_cffex2010(**kw, streak=np.array([-2])).tolist()
    seed = reduction(
        "pro-rata", **kw, streak=np.array([-1]), locked_days=1, loss_threshold=0.0, tiers=(0.0,)
    )
    assert seed.tolist() == reduction_seed(**kw).tolist()
    with pytest.raises(ValueError, match="reduction_method"):
        reduction("lottery", **kw, streak=None, locked_days=1, loss_threshold=0.0, tiers=(0.0,))


# --- conservation -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_red_01_conservation_random_books(seed):
    """Rule: RED-01, RED-02, RED-04, RED-05 — random balanced books over three contracts (one
    locked down, one locked up, one not): every allocation pairs buys and sells one for one
    (long = short after), no requester gets more than it asked, no counterparty gives more than
    its net position, and both methods are deterministic."""
    rng = np.random.default_rng(seed)
    n_a, n_c = 25, 3
    long = rng.integers(0, 30, (n_a, n_c))
    short = rng.integers(0, 30, (n_a, n_c))
    short[-1] += np.maximum(long.sum(axis=0) - short.sum(axis=0), 0)
    long[-1] += np.maximum(short.sum(axis=0) - long.sum(axis=0), 0)
    avg_l = rng.uniform(13_000, 17_000, (n_a, n_c))
    avg_s = rng.uniform(13_000, 17_000, (n_a, n_c))
    locked = np.array([LOCK_DOWN, LOCK_UP, LOCK_NONE])
    closing = np.where(locked == LOCK_UP, short, long)
    requested = np.where(rng.random((n_a, n_c)) < 0.4, rng.integers(0, 40, (n_a, n_c)), 0)
    requested = np.minimum(requested, closing)
    common = dict(
        locked=locked,
        requested=requested,
        long=long,
        short=short,
        avg_long=avg_l,
        avg_short=avg_s,
        settlement=np.array([S, S, S]),
        limit_lo=np.array([S, 13_500, 13_500]),
        limit_hi=np.array([16_500, S, 16_500]),
    )
    rank = rng.permutation(n_a)
    for rec in (
        reduction_seed(**common, account_rank=rank),
        reduction_cffex2010(**common, streak=np.array([-2, 3, 0]), account_rank=rank),
    ):
        assert rec.dtype == REDUCTION_DTYPE
        assert (rec["qty"] > 0).all()
        assert (rec["contract"] != 2).all()
        check_booking(rec, long, short)
        net = long - short
        for c in (0, 1):
            mine = rec[rec["contract"] == c]
            got = np.zeros(n_a, dtype=I64)
            np.add.at(got, mine["account"][mine["role"] != ROLE_COUNTERPARTY],
                      mine["qty"][mine["role"] != ROLE_COUNTERPARTY])  # fmt: skip
            assert (got <= requested[:, c]).all()
            gave = np.zeros(n_a, dtype=I64)
            cp = mine[mine["role"] == ROLE_COUNTERPARTY]
            np.add.at(gave, cp["account"], cp["qty"])
            # locked down: counterparties are net short; locked up: net long
            other_net = np.maximum(-net[:, c] if locked[c] == LOCK_DOWN else net[:, c], 0)
            assert (gave <= other_net).all()
    again = reduction_seed(**common, account_rank=rank)
    assert again.tobytes() == reduction_seed(**common, account_rank=rank).tobytes()


def test_red_01_fills_refuse_unbalanced_records():
    """Rule: RED-01 — a tier whose requester lots differ from its counterparty lots cannot be
    booked."""
    r = np.zeros(2, dtype=REDUCTION_DTYPE)
    r["qty"] = [3, 2]
    r["role"] = [ROLE_REQUESTER, ROLE_COUNTERPARTY]
    r["side"] = [SELL, BUY]
    r["tier"] = 1
    with pytest.raises(ValueError, match="requesters 3 lots"):
        reduction_fills(r)
