"""Position limits (POS-01..04), vectorised over accounts.

Rules:

- POS-01 An investor's position in one contract, each side counted separately (单边),
  summed over all the investor's accounts at all members, may not exceed
  ``position_limit`` lots.
- POS-02 When a contract's single-side open interest at the previous settlement exceeds
  ``member_oi_threshold`` lots, a clearing member's single-side position in it may not
  exceed ``floor(member_oi_share x open interest)`` lots.
- POS-03 An investor's hedge quota (lots per side) is exempt: its limit is
  ``position_limit + hedge_quota``. The member cap has no hedge exemption (the engines'
  pre-trade check, ``docs/engine-semantics.md`` steps 10-11, does the same).
- POS-04 Opening orders that would breach are rejected by the engines. A breach that arises
  otherwise (the limit is lowered, open interest shrinks so the member cap falls) must be
  cured by the end of the next day's first session (``limit_cure_sessions``), else it is
  handed to forced liquidation (LIQ-01 ②).

What the functions here do, at the end of a day and at the end of the cure window:

- :func:`investor_positions` / :func:`member_positions`: Σ lots per party x contract x side.
- :func:`member_limit_lots`: the POS-02 cap per contract from the open interest.
- :func:`limit_breaches`: the breaches (:data:`BREACH_DTYPE`) of positions held against the
  limits in force for the next day.
- :func:`cure_status`: which breaches are cured by the end of the cure window; the rest is
  handed to forced liquidation (:data:`HANDOFF_DTYPE`), allocated to accounts.

Choices where the rules are silent:

- Sides are position sides: :data:`LONG` (= ``BUY`` = 1) and :data:`SHORT` (= ``SELL`` = 2).
  A hand-off's ``side`` is the side of the *closing order*: ``SELL`` closes a long breach,
  ``BUY`` a short one.
- A breach is measured against the limit stored in its record (the limit in force for the
  day of the cure window); if the limit changes again during that window the day loop
  re-runs :func:`limit_breaches` rather than reusing old records.
- Excess allocation to accounts (LIQ-02 "just enough to cure", LIQ-03 "largest positions
  first"): an investor's excess is taken from its accounts holding that contract and side,
  largest position first, ties to the lower account index, each account giving at most its
  position. A member's excess: proprietary accounts first (LIQ-03, when
  ``account_proprietary`` is given), then largest position, then lower account index.
- Investor hand-offs are planned first; lots they already close in a member's accounts count
  towards that member's breach (same contract and side), so a member is only handed the
  excess that remains. The hand-offs are therefore additive: the liquidation planner may
  simply sum them per account x contract x side.
- A breach that liquidation cannot cure (e.g. a limit-locked market, LIQ-04) is found again
  by the next settlement's :func:`limit_breaches` and handed off again after its next cure
  window; these functions keep no state of their own.

Units: lots int64; indices int32 (accounts, investors, members, contracts in
:class:`~riskcore.sim.build.Index` order).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from riskcore.records import BUY, NO_LIMIT, SELL

__all__ = [
    "BREACH_DTYPE",
    "HANDOFF_DTYPE",
    "LIQ_TRIGGER_LIMIT",
    "LIQ_TRIGGER_NAMES",
    "LONG",
    "PARTY_INVESTOR",
    "PARTY_MEMBER",
    "PARTY_NAMES",
    "POSITION_SIDE_NAMES",
    "SHORT",
    "Cure",
    "cure_status",
    "investor_positions",
    "limit_breaches",
    "member_limit_lots",
    "member_positions",
]

# --- codes -------------------------------------------------------------------------------
LONG = BUY
"""Position side: long (bought), 1."""
SHORT = SELL
"""Position side: short (sold), 2."""
POSITION_SIDE_NAMES = ("none", "long", "short")

PARTY_INVESTOR = 0
"""A POS-01 breach: ``party`` is an investor index, limit ``position_limit + hedge_quota``."""
PARTY_MEMBER = 1
"""A POS-02 breach: ``party`` is a member index, limit the member cap."""
PARTY_NAMES = ("investor", "member")

LIQ_TRIGGER_MARGIN_CALL = 1  # LIQ-01 ① (raised elsewhere; listed for the code table)
LIQ_TRIGGER_LIMIT = 2
"""LIQ-01 ②: a position over a limit not cured in time."""
LIQ_TRIGGER_NAMES = (None, "margin_call", "position_limit", "penalty", "emergency", "other")
"""LIQ-01 trigger codes ① .. ⑤ as 1 .. 5 (the ``liquidations.trigger`` strings)."""

# --- records -----------------------------------------------------------------------------
BREACH_DTYPE = np.dtype(
    [
        ("held", "i8"),  # lots held on that side by the party at detection
        ("limit", "i8"),  # lots allowed: position_limit + hedge_quota, or the member cap
        ("excess", "i8"),  # held - limit, > 0
        ("party", "i4"),  # investor index (PARTY_INVESTOR) or member index (PARTY_MEMBER)
        ("contract", "i4"),
        ("kind", "i1"),  # PARTY_INVESTOR | PARTY_MEMBER
        ("side", "i1"),  # LONG | SHORT (position side)
    ],
    align=True,
)
"""One POS-04 breach: a party x contract x side over its limit (POS-01/02/03)."""

HANDOFF_DTYPE = np.dtype(
    [
        ("qty", "i8"),  # lots to close in this account, > 0
        ("party", "i4"),  # investor or member index of the breach
        ("account", "i4"),
        ("contract", "i4"),
        ("kind", "i1"),  # PARTY_INVESTOR | PARTY_MEMBER
        ("side", "i1"),  # side of the closing order: SELL closes long, BUY closes short
        ("trigger", "i1"),  # LIQ_TRIGGER_LIMIT (LIQ-01 ②)
    ],
    align=True,
)
"""One forced-liquidation hand-off (LIQ-01 ②): close ``qty`` lots of one account's position."""


class Cure(NamedTuple):
    """What :func:`cure_status` found at the end of the cure window (POS-04).

    Attributes
    ----------
    remaining : ndarray of int64, shape (n_breaches,)
        Lots still over the breach's limit, >= 0 (for a member breach: before the investor
        hand-offs are counted).
    cured : ndarray of bool, shape (n_breaches,)
        ``remaining == 0``.
    handoffs : ndarray of HANDOFF_DTYPE
        Forced-liquidation quantities per account (LIQ-01 ②); investor hand-offs first (in
        breach order), then member hand-offs; within a breach in allocation order.
    """

    remaining: np.ndarray
    cured: np.ndarray
    handoffs: np.ndarray


# --- aggregation -------------------------------------------------------------------------
def investor_positions(
    long: np.ndarray, short: np.ndarray, account_investor: np.ndarray, n_investors: int
) -> tuple[np.ndarray, np.ndarray]:
    """Σ lots per investor x contract, each side separately (POS-01, 单边).

    Parameters
    ----------
    long, short : ndarray of int, shape (n_accounts, n_contracts)
        Each account's long and short lots (yesterday's + today's).
    account_investor : ndarray of int, shape (n_accounts,)
        Investor index of each account, in ``[0, n_investors)``.
    n_investors : int
        Number of investors (rows of the result).

    Returns
    -------
    inv_long, inv_short : ndarray of int64, shape (n_investors, n_contracts)
        Lots. A long and a short of one investor are not netted.

    Notes
    -----
    With ``account_member`` and the member count this is the member aggregate (POS-02);
    :func:`member_positions` says so. Pending opening orders (which POS-01 also counts) are
    the engines' business; at the end of a day none are live.

    Examples
    --------
    One investor with 300 long at member 0 and 250 long + 40 short at member 1:

    >>> import numpy as np
    >>> lg, sh = investor_positions(np.array([[300], [250]]), np.array([[0], [40]]),
    ...                             np.array([0, 0]), 1)
    >>> lg.tolist(), sh.tolist()
    ([[550]], [[40]])
    """
    long = np.asarray(long, dtype=np.int64)
    short = np.asarray(short, dtype=np.int64)
    owner = np.asarray(account_investor, dtype=np.intp)
    n_c = long.shape[1] if long.ndim == 2 else 0
    inv_long = np.zeros((n_investors, n_c), dtype=np.int64)
    inv_short = np.zeros((n_investors, n_c), dtype=np.int64)
    np.add.at(inv_long, owner, long)
    np.add.at(inv_short, owner, short)
    return inv_long, inv_short


def member_positions(
    long: np.ndarray, short: np.ndarray, account_member: np.ndarray, n_members: int
) -> tuple[np.ndarray, np.ndarray]:
    """Σ lots per clearing member x contract, each side separately (POS-02).

    :func:`investor_positions` with the accounts' member indices.

    Returns
    -------
    mem_long, mem_short : ndarray of int64, shape (n_members, n_contracts)
    """
    return investor_positions(long, short, account_member, n_members)


def member_limit_lots(open_interest: np.ndarray, threshold: int, share: float) -> np.ndarray:
    """POS-02 member cap per contract, lots per side, or ``NO_LIMIT``.

    Active only when the single-side open interest *exceeds* ``threshold``; the cap is then
    ``floor(share x open_interest)`` (with a 1e-9 guard against float noise, e.g.
    0.25 x 120,000 = 30,000 exactly).

    This is exactly :func:`riskcore.sim.build.member_limits` with the open interest passed in
    (``member_limits(rb, long_yd) == member_limit_lots(long_yd.sum(axis=0),
    rb.member_oi_threshold, rb.member_oi_share)``), so the simulator can switch to it and
    the risk layer can compute the next day's cap from the settlement's positions.

    Parameters
    ----------
    open_interest : ndarray of int, shape (n_contracts,)
        Single-side open interest at the (previous) settlement, lots (Σ long = Σ short).
    threshold : int
        ``member_oi_threshold``, lots (100,000).
    share : float
        ``member_oi_share``, fraction (0.25).

    Returns
    -------
    ndarray of int64, shape (n_contracts,)
        Cap in lots, ``NO_LIMIT`` (-1) where inactive.

    Examples
    --------
    >>> import numpy as np
    >>> member_limit_lots(np.array([120_000, 100_000, 0]), 100_000, 0.25).tolist()
    [30000, -1, -1]
    """
    oi = np.asarray(open_interest, dtype=np.int64)
    cap = np.floor(oi * share + 1e-9).astype(np.int64)
    return np.where(oi > threshold, cap, NO_LIMIT).astype(np.int64)


def _limit_per_contract(position_limit, n_c: int) -> np.ndarray:
    """``position_limit`` (None, an int, or per contract with ``NO_LIMIT``) as int64 (n_c,)."""
    if position_limit is None:
        return np.full(n_c, NO_LIMIT, dtype=np.int64)
    lim = np.broadcast_to(np.asarray(position_limit, dtype=np.int64), (n_c,))
    return np.where(lim < 0, NO_LIMIT, lim).astype(np.int64)


def _breach_records(
    held: np.ndarray, limit: np.ndarray, active: np.ndarray, kind: int
) -> np.ndarray:
    """Records of ``held > limit`` where ``active``; arrays shape (n_party, n_c, 2)."""
    over = active & (held > limit)
    party, contract, side = np.nonzero(over)  # C order: party, contract, long before short
    out = np.zeros(len(party), dtype=BREACH_DTYPE)
    out["held"] = held[over]
    out["limit"] = limit[over]
    out["excess"] = held[over] - limit[over]
    out["party"] = party
    out["contract"] = contract
    out["kind"] = kind
    out["side"] = np.where(side == 0, LONG, SHORT)
    return out


def limit_breaches(
    inv_long: np.ndarray,
    inv_short: np.ndarray,
    hedge_quota: np.ndarray,
    position_limit,
    mem_long: np.ndarray,
    mem_short: np.ndarray,
    member_cap: np.ndarray,
) -> np.ndarray:
    """Positions over a limit that arose without an order (POS-01..04).

    Called at settlement with the positions after settlement and the limits in force for
    the *next* trading day (a lowered ``position_limit``; the member cap from today's open
    interest, :func:`member_limit_lots`). Each record must be cured by the end of the next
    day's first session (:func:`cure_status`).

    Parameters
    ----------
    inv_long, inv_short : ndarray of int, shape (n_investors, n_contracts)
        Investor lots per side (:func:`investor_positions`).
    hedge_quota : ndarray of int, shape (n_investors,)
        Lots per side exempt (POS-03); added to the investor's limit.
    position_limit : int, None, or ndarray of int, shape (n_contracts,)
        POS-01 lots per side per investor; ``None`` or ``NO_LIMIT`` (-1) = no limit.
    mem_long, mem_short : ndarray of int, shape (n_members, n_contracts)
        Member lots per side (:func:`member_positions`).
    member_cap : ndarray of int, shape (n_contracts,)
        POS-02 cap, lots, ``NO_LIMIT`` where inactive.

    Returns
    -------
    ndarray of BREACH_DTYPE
        Investor breaches (``kind = PARTY_INVESTOR``; ``limit = position_limit +
        hedge_quota``) in investor, contract, side (long first) order, then member
        breaches (``PARTY_MEMBER``) in the same order. ``excess = held - limit > 0``.

    Examples
    --------
    The limit is lowered from 1,200 to 600 lots; an investor holds 800 long: excess 200.

    >>> import numpy as np
    >>> z = np.zeros((1, 1), dtype=np.int64)
    >>> b = limit_breaches(np.array([[800]]), z, np.array([0]), 600, z, z, np.array([-1]))
    >>> b[["party", "contract", "side", "held", "limit", "excess"]].tolist()
    [(0, 0, 1, 800, 600, 200)]
    """
    inv = np.stack(
        [np.asarray(inv_long, dtype=np.int64), np.asarray(inv_short, dtype=np.int64)], axis=-1
    )
    mem = np.stack(
        [np.asarray(mem_long, dtype=np.int64), np.asarray(mem_short, dtype=np.int64)], axis=-1
    )
    n_c = inv.shape[1]
    lim = _limit_per_contract(position_limit, n_c)
    quota = np.asarray(hedge_quota, dtype=np.int64).reshape(-1, 1, 1)
    inv_limit = lim[None, :, None] + quota
    inv_active = np.broadcast_to((lim != NO_LIMIT)[None, :, None], inv.shape)
    cap = np.asarray(member_cap, dtype=np.int64)
    mem_limit = np.broadcast_to(cap[None, :, None], mem.shape)
    mem_active = mem_limit != NO_LIMIT
    return np.concatenate(
        [
            _breach_records(inv, np.broadcast_to(inv_limit, inv.shape), inv_active, PARTY_INVESTOR),
            _breach_records(mem, mem_limit, mem_active, PARTY_MEMBER),
        ]
    )


# --- cure window and hand-off --------------------------------------------------------------
def _allocate(
    breaches: np.ndarray,
    qty: np.ndarray,
    held: np.ndarray,
    account_party: np.ndarray,
    priority: np.ndarray,
) -> np.ndarray:
    """Spread ``qty`` lots per breach over the party's accounts (LIQ-02/03).

    ``held`` has shape (n_accounts, n_contracts, 2); accounts are taken by ``priority``
    (higher first), then larger position, then lower account index; each gives at most its
    position. Vectorised over (breach, account) pairs.
    """
    todo = qty > 0
    if not todo.any() or held.shape[0] == 0:
        return np.zeros(0, dtype=HANDOFF_DTYPE)
    b_no = np.flatnonzero(todo)
    br = breaches[b_no]
    side_ix = (br["side"] == SHORT).astype(np.intp)
    # (breach, account) pairs: every account of the breach's party, via the accounts sorted
    # by party (O(pairs), no n_breaches x n_accounts matrix)
    by_party = np.argsort(account_party, kind="stable")
    sorted_party = account_party[by_party]
    lo = np.searchsorted(sorted_party, br["party"], side="left")
    count = np.searchsorted(sorted_party, br["party"], side="right") - lo
    bi = np.repeat(np.arange(len(br)), count)
    within = np.arange(len(bi)) - np.repeat(np.cumsum(count) - count, count)
    acc = by_party[np.repeat(lo, count) + within]
    lots = held[acc, br["contract"][bi], side_ix[bi]]
    has = lots > 0
    bi, acc, lots = bi[has], acc[has], lots[has]
    order = np.lexsort((acc, -lots, -priority[acc], bi))
    bi, acc, lots = bi[order], acc[order], lots[order]
    before = np.cumsum(lots) - lots  # lots ahead of each pair, over all pairs
    first = np.searchsorted(bi, bi)  # index of the first pair of the same breach
    before = before - before[first]  # ... within its own breach
    take = np.clip(qty[b_no][bi] - before, 0, lots)
    keep = take > 0
    out = np.zeros(int(keep.sum()), dtype=HANDOFF_DTYPE)
    sel = br[bi[keep]]
    out["qty"] = take[keep]
    out["party"] = sel["party"]
    out["account"] = acc[keep]
    out["contract"] = sel["contract"]
    out["kind"] = sel["kind"]
    out["side"] = np.where(sel["side"] == LONG, SELL, BUY)
    out["trigger"] = LIQ_TRIGGER_LIMIT
    return out


def cure_status(
    breaches: np.ndarray,
    long: np.ndarray,
    short: np.ndarray,
    account_investor: np.ndarray,
    account_member: np.ndarray,
    account_proprietary: np.ndarray | None = None,
) -> Cure:
    """Breaches cured by the end of the cure window; the rest to forced liquidation (POS-04).

    Called at the end of the next day's first session (``limit_cure_sessions`` sessions)
    with the positions then. A breach is cured when its party's lots on that side are no
    more than the ``limit`` in its record; otherwise the remaining excess is handed to
    forced liquidation (LIQ-01 ②) and allocated to the party's accounts holding the
    position (see the module docstring for the order).

    Parameters
    ----------
    breaches : ndarray of BREACH_DTYPE
        Yesterday's :func:`limit_breaches`.
    long, short : ndarray of int, shape (n_accounts, n_contracts)
        Each account's lots (yesterday's + today's) at the end of the cure window.
    account_investor, account_member : ndarray of int, shape (n_accounts,)
        Investor and member index of each account.
    account_proprietary : ndarray of bool, shape (n_accounts,), optional
        The member's own accounts, closed first for a member breach (LIQ-03). Default none.

    Returns
    -------
    Cure
        ``remaining`` lots over the limit per breach, ``cured`` mask, and ``handoffs``
        (:data:`HANDOFF_DTYPE`, trigger :data:`LIQ_TRIGGER_LIMIT`). The hand-offs are
        additive (investor ones first; a member is handed only what they leave).

    Examples
    --------
    Limit 600, investor 0 held 800 long over two accounts (500 and 300). By the end of the
    first session account 1 sold 100: 700 held, 100 still over; account 0 (larger) gets it.

    >>> import numpy as np
    >>> z = np.zeros((1, 1), dtype=np.int64)
    >>> b = limit_breaches(np.array([[800]]), z, np.array([0]), 600, z, z, np.array([-1]))
    >>> c = cure_status(b, np.array([[500], [200]]), np.zeros((2, 1), dtype=np.int64),
    ...                 np.array([0, 0]), np.array([0, 1]))
    >>> c.remaining.tolist(), c.handoffs[["account", "qty", "side"]].tolist()
    ([100], [(0, 100, 2)])
    """
    breaches = np.asarray(breaches, dtype=BREACH_DTYPE)
    held = np.stack(
        [np.asarray(long, dtype=np.int64), np.asarray(short, dtype=np.int64)], axis=-1
    )  # (n_accounts, n_contracts, 2)
    inv_of = np.asarray(account_investor, dtype=np.int64)
    mem_of = np.asarray(account_member, dtype=np.int64)
    n_a = held.shape[0]
    prop = (
        np.zeros(n_a, dtype=np.int64)
        if account_proprietary is None
        else np.asarray(account_proprietary, dtype=bool).astype(np.int64)
    )
    n_b = len(breaches)
    if n_b == 0:
        return Cure(
            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), np.zeros(0, HANDOFF_DTYPE)
        )
    side_ix = (breaches["side"] == SHORT).astype(np.intp)
    is_mem = breaches["kind"] == PARTY_MEMBER
    n_p = int(max(inv_of.max(initial=-1), mem_of.max(initial=-1), breaches["party"].max())) + 1

    def party_now(lots: np.ndarray) -> np.ndarray:
        """Each breach's party's lots on its contract and side, from account lots."""
        inv = np.stack(investor_positions(lots[..., 0], lots[..., 1], inv_of, n_p), axis=-1)
        mem = np.stack(investor_positions(lots[..., 0], lots[..., 1], mem_of, n_p), axis=-1)
        at = (breaches["party"], breaches["contract"], side_ix)
        return np.where(is_mem, mem[at], inv[at])

    remaining = np.maximum(party_now(held) - breaches["limit"], 0)
    inv_hand = _allocate(
        breaches, np.where(is_mem, 0, remaining), held, inv_of, np.zeros(n_a, dtype=np.int64)
    )
    # lots the investor hand-offs already close count towards the members' breaches
    closed = np.zeros_like(held)
    np.add.at(
        closed,
        (inv_hand["account"], inv_hand["contract"], (inv_hand["side"] == BUY).astype(np.intp)),
        inv_hand["qty"],
    )
    mem_qty = np.where(is_mem, np.maximum(remaining - party_now(closed), 0), 0)
    mem_hand = _allocate(breaches, mem_qty, held - closed, mem_of, prop)
    return Cure(remaining, remaining == 0, np.concatenate([inv_hand, mem_hand]))
