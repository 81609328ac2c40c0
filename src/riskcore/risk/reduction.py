"""Forced position reduction after a limit-locked day (RED-01..05), vectorised over accounts.

Rules:

- RED-01 After the close of a limit-locked day (LIMIT-04), the unfilled close orders resting at
  the limit price on the locked side (the *requesters*) are matched at that limit price against
  investors with a net profitable position on the other side (the *counterparties*), pro rata
  to their net positions. If those profitable positions are fewer than the volume requested,
  they are all closed and that volume is spread over the requesters pro rata. Booked as that
  day's trades, before settlement.
- RED-02 A holder of both long and short positions: only the part of its close orders up to its
  net position enters RED-01; the rest is offset against its own opposite position at the limit
  price (role ``self_offset``, trade kind ``offset``).
- RED-03 Profit is measured per unit of net position, from the average open price, as a
  fraction of the day's settlement price (:func:`unit_net_pnl`).
- RED-04 Pro-rata rounding: floor each share; the leftover lots go one each by largest
  fractional part, ties to the larger position, then the smaller account ID; the same on both
  sides (:func:`pro_rata`).
- RED-05 (rulebook ``cffex-2010``, ``reduction_method = "tiered"``): only on the second
  consecutive limit-locked day in the same direction; only close orders of investors whose unit
  net loss is at least 10 % of the settlement price qualify; counterparties are taken tier by
  tier (profit >= 10 %, 6-10 %, 0-6 %): a tier holding at least the volume still requested is
  spread over pro rata; otherwise the whole tier is closed, spread over the requesters pro rata,
  and the rest moves to the next tier. What is left after the last tier is not reduced.

Functions: :func:`reduction_seed` (RED-01..04, rulebook ``seed``, ``reduction_method =
"pro-rata"``), :func:`reduction_cffex2010` (RED-05 on top), :func:`reduction` (either, by the
rulebook's method); :func:`apply_reduction` (positions after), :func:`reduction_fills` (the
trades to book); :func:`pro_rata`, :func:`unit_net_pnl`, :func:`id_rank` (building blocks).

Choices where the rules are silent:

- Parties are accounts (trading codes, 客户): RED-02's "both long and short" and RED-03's net
  position are per account and contract.
- Locked down (price at the lower limit, sellers could not sell): requesters hold sell-close
  orders (closing longs), counterparties are net short and buy-close. Locked up: the mirror.
- Requested lots are capped at the requester's position on the side it closes.
- RED-02 applies to the qualifying requests (RED-05: the whole close order of an investor whose
  unit net loss qualifies is split into pool part and self-offset part). A requester whose net
  position is flat or on the other side puts nothing into the pool and offsets its whole
  request; it may still be a counterparty with its net position (which the offset leaves
  unchanged).
- RED-03: unit net P&L = (Σ long lots x (settlement - avg long) + Σ short lots x (avg short -
  settlement)) / |long - short|, as a fraction of the settlement price; 0 when the net position
  is flat. A counterparty must have a unit net profit > 0; its volume is its net position.
- Tiers: lower bounds ``reduction_tiers`` (e.g. 0.10, 0.06, 0.0); a profit belongs to the first
  tier whose bound it reaches (fractions compared with a 1e-9 tolerance, so exactly 10 % is in
  the >= 10 % tier); below the last bound, or not > 0, is no tier. RED-01 is the one-tier case
  ``(0.0,)``. Tier numbers in the records are 1-based; 0 = no tier (self-offset).
- In a later tier the requesters' weights are their *remaining* requests (after earlier tiers),
  so "the rest moves to the next tier" per requester. RED-04's "larger position" is the pro-rata
  weight: the net position for counterparties, the (remaining) pool request for requesters.
- ``reduction_loss_threshold = 0`` means no loss filter (every request qualifies), as the
  ``seed`` rulebook reads it; > 0 applies RED-05's filter (unit net loss >= threshold).
- Lock days: a contract is reduced when its same-direction lock streak
  (:func:`~riskcore.risk.margin_rates.lock_streaks`) is at least ``reduction_locked_days``
  (``seed``: 1, any locked day; ``cffex-2010``: 2, from the second day on).
- Reduction trades do not enter the settlement price (SETTLE-01 is computed from the book's
  trades before the reduction); they are charged no fee.

Units: lots int64, prices int64 ticks (average open prices float64 ticks), fractions of the
settlement price as floats, indices int32.
"""

from __future__ import annotations

import itertools

import numpy as np

from riskcore.records import BUY, CLOSE, FILL_DTYPE, K_OFFSET, K_REDUCTION, SELL
from riskcore.risk.margin_rates import LOCK_DOWN, LOCK_NONE, LOCK_UP

__all__ = [
    "FRACTION_EPS",
    "NO_TIER",
    "REDUCTION_DTYPE",
    "ROLE_COUNTERPARTY",
    "ROLE_NAMES",
    "ROLE_REQUESTER",
    "ROLE_SELF_OFFSET",
    "apply_reduction",
    "id_rank",
    "pro_rata",
    "reduction",
    "reduction_cffex2010",
    "reduction_fills",
    "reduction_seed",
    "unit_net_pnl",
]

# --- codes -------------------------------------------------------------------------------
ROLE_REQUESTER = 0
"""RED-01: an unfilled close order at the limit price on the locked side."""
ROLE_COUNTERPARTY = 1
"""RED-01: a net profitable position on the other side, closed against the requesters."""
ROLE_SELF_OFFSET = 2
"""RED-02: the part of a two-sided holder's close order offset against its own position."""
ROLE_NAMES = ("requester", "counterparty", "self_offset")
"""``reductions.role`` strings by code."""

NO_TIER = 0
"""``tier`` of a self-offset record (tiers are numbered from 1)."""

FRACTION_EPS = 1e-9
"""Fractions of the settlement price closer than this are equal (tier bounds, thresholds)."""

REDUCTION_DTYPE = np.dtype(
    [
        ("qty", "i8"),  # lots closed, > 0
        ("price", "i8"),  # the limit price of the locked side, ticks
        ("account", "i4"),
        ("contract", "i4"),
        ("role", "i1"),  # ROLE_REQUESTER | ROLE_COUNTERPARTY | ROLE_SELF_OFFSET
        ("side", "i1"),  # the account's closing side: SELL closes long, BUY closes short
        ("tier", "i1"),  # counterparty tier matched, 1-based (RED-05); NO_TIER for self-offset
    ],
    align=True,
)
"""One forced-reduction allocation (RED-01..05), a ``reductions`` row.

A self-offset record closes ``qty`` lots on *both* sides of its account (``side`` is that of
its close order); requester and counterparty records of one contract and tier add up to the
same lots and are paired into trades by :func:`reduction_fills`.
"""


# --- building blocks ---------------------------------------------------------------------
def id_rank(ids) -> np.ndarray:
    """Rank of every account's ID in sorted order (RED-04 "smaller account ID").

    Parameters
    ----------
    ids : sequence of str
        Account IDs in index order.

    Returns
    -------
    ndarray of int64, shape (n_accounts,)
        0 for the smallest ID.

    Examples
    --------
    >>> id_rank(["C010", "C002", "C003"]).tolist()
    [2, 0, 1]
    """
    arr = np.asarray(list(ids), dtype=str)
    rank = np.empty(len(arr), dtype=np.int64)
    rank[np.argsort(arr, kind="stable")] = np.arange(len(arr))
    return rank


def pro_rata(total: int, weights: np.ndarray, rank: np.ndarray | None = None) -> np.ndarray:
    """Spread ``total`` lots over ``weights`` pro rata, in whole lots (RED-04).

    Each share is ``total x w / Σw`` floored; the leftover lots go one each by the largest
    fractional part, ties to the larger weight (position), then the smaller ``rank`` (account
    ID). Exact integer arithmetic.

    Parameters
    ----------
    total : int
        Lots to spread, ``0 <= total <= Σ weights``.
    weights : ndarray of int, shape (n,)
        Lots per party (net position or request), >= 0.
    rank : ndarray of int, shape (n,), optional
        Order of the parties' account IDs (:func:`id_rank`); default the position in
        ``weights``.

    Returns
    -------
    ndarray of int64, shape (n,)
        Lots per party, summing to ``total``, each at most its weight.

    Examples
    --------
    10 lots over 5 / 3 / 2: 5, 3, 2. 7 lots: 3.5, 2.1, 1.4 -> 3, 2, 1 and the leftover lot to
    the largest fraction (0.5): 4, 2, 1.

    >>> import numpy as np
    >>> pro_rata(7, np.array([5, 3, 2])).tolist()
    [4, 2, 1]
    """
    w = np.asarray(weights, dtype=np.int64)
    total = int(total)
    wsum = int(w.sum())
    if (w < 0).any() or total < 0 or total > wsum:
        raise ValueError("pro_rata needs weights >= 0 and 0 <= total <= sum(weights)")
    if total == 0:
        return np.zeros(len(w), dtype=np.int64)
    r = np.arange(len(w), dtype=np.int64) if rank is None else np.asarray(rank, dtype=np.int64)
    num = w * total
    share = num // wsum
    frac = num % wsum  # fractional part x Σw, exact
    left = total - int(share.sum())
    share[np.lexsort((r, -w, -frac))[:left]] += 1
    return share


def unit_net_pnl(
    long: np.ndarray,
    short: np.ndarray,
    avg_long: np.ndarray,
    avg_short: np.ndarray,
    settlement: np.ndarray,
) -> np.ndarray:
    """Unit net P&L as a fraction of the settlement price (RED-03).

    ``(long x (S - avg_long) + short x (avg_short - S)) / |long - short| / S`` per account and
    contract: positive = profit, negative = loss; 0 where the net position is flat.

    Parameters
    ----------
    long, short : ndarray of int, shape (n_accounts, n_contracts)
        Lots.
    avg_long, avg_short : ndarray of float64, shape (n_accounts, n_contracts)
        Average open price of the long and short lots, ticks (ignored where no lots).
    settlement : ndarray of int64, shape (n_contracts,)
        The day's settlement price, ticks (SETTLE-01).

    Returns
    -------
    ndarray of float64, shape (n_accounts, n_contracts)

    Examples
    --------
    Settlement 3,000.0 points; short 10 opened at 3,300.0: +10 %. Long 10 at 3,500.0 and
    short 4 at 3,200.0: (10 x -500 + 4 x 200) / 6 = -700 points = -23.3 %.

    >>> import numpy as np
    >>> unit_net_pnl(np.array([[0], [10]]), np.array([[10], [4]]),
    ...              np.array([[0.0], [17_500.0]]), np.array([[16_500.0], [16_000.0]]),
    ...              np.array([15_000])).round(4).tolist()
    [[0.1], [-0.2333]]
    """
    lg = np.asarray(long, dtype=np.int64)
    sh = np.asarray(short, dtype=np.int64)
    s = np.asarray(settlement, dtype=np.int64).astype(np.float64)[None, :]
    al = np.asarray(avg_long, dtype=np.float64)
    ash = np.asarray(avg_short, dtype=np.float64)
    pnl = np.where(lg > 0, (s - al) * lg, 0.0) + np.where(sh > 0, (ash - s) * sh, 0.0)
    den = np.abs(lg - sh).astype(np.float64) * s
    out = np.zeros(pnl.shape, dtype=np.float64)
    np.divide(pnl, den, out=out, where=den > 0)
    return out


def _tiers_of(frac: np.ndarray, tiers: tuple[float, ...]) -> np.ndarray:
    """0-based tier of each unit net profit (first bound reached, profit > 0), -1 = none."""
    out = np.full(frac.shape, -1, dtype=np.int64)
    profitable = frac > FRACTION_EPS
    for t, bound in enumerate(tiers):
        out[(out < 0) & profitable & (frac >= bound - FRACTION_EPS)] = t
    return out


def _records(acc, qty, price, contract, role, side, tier) -> np.ndarray:
    keep = qty > 0
    out = np.zeros(int(keep.sum()), dtype=REDUCTION_DTYPE)
    out["qty"] = qty[keep]
    out["price"] = price
    out["account"] = acc[keep]
    out["contract"] = contract
    out["role"] = role
    out["side"] = side
    out["tier"] = tier
    return out


# --- the allocation ----------------------------------------------------------------------
def _reduce(
    locked: np.ndarray,
    requested: np.ndarray,
    long: np.ndarray,
    short: np.ndarray,
    avg_long: np.ndarray,
    avg_short: np.ndarray,
    settlement: np.ndarray,
    limit_lo: np.ndarray,
    limit_hi: np.ndarray,
    streak: np.ndarray | None,
    locked_days: int,
    loss_threshold: float,
    tiers: tuple[float, ...],
    account_rank: np.ndarray | None,
) -> np.ndarray:
    """RED-01..05 for every eligible contract (see the module docstring)."""
    tiers = tuple(float(b) for b in tiers)
    if not tiers or any(not a > b for a, b in itertools.pairwise(tiers)):
        raise ValueError("tiers must be strictly decreasing lower bounds, e.g. (0.10, 0.06, 0.0)")
    if len(tiers) > 127:
        raise ValueError("at most 127 tiers")
    lg = np.asarray(long, dtype=np.int64)
    sh = np.asarray(short, dtype=np.int64)
    req = np.asarray(requested, dtype=np.int64)
    if req.shape != lg.shape or sh.shape != lg.shape:
        raise ValueError("requested, long and short must have shape (n_accounts, n_contracts)")
    if (req < 0).any():
        raise ValueError("requested lots must be >= 0")
    n_a = lg.shape[0]
    locked = np.asarray(locked)
    if not np.isin(locked, (LOCK_NONE, LOCK_UP, LOCK_DOWN)).all():
        raise ValueError("locked must be LOCK_NONE, LOCK_UP or LOCK_DOWN per contract")
    if streak is None:
        if locked_days > 1:
            raise ValueError(f"locked_days = {locked_days} needs the lock streak")
        streak = np.where(locked == LOCK_UP, 1, np.where(locked == LOCK_DOWN, -1, 0))
    streak = np.asarray(streak, dtype=np.int64)
    same_way = np.where(locked == LOCK_UP, streak, -streak)  # > 0 when the streak agrees
    eligible = (locked != LOCK_NONE) & (same_way >= locked_days)
    rank = (
        np.arange(n_a, dtype=np.int64)
        if account_rank is None
        else np.asarray(account_rank, dtype=np.int64)
    )
    frac = unit_net_pnl(lg, sh, avg_long, avg_short, settlement)
    lo = np.asarray(limit_lo, dtype=np.int64)
    hi = np.asarray(limit_hi, dtype=np.int64)
    parts = [np.zeros(0, dtype=REDUCTION_DTYPE)]
    for c in np.flatnonzero(eligible):
        down = locked[c] == LOCK_DOWN
        price = int(lo[c] if down else hi[c])
        req_side, cp_side = (SELL, BUY) if down else (BUY, SELL)
        own = lg[:, c] if down else sh[:, c]  # the side the requesters close
        opp = sh[:, c] if down else lg[:, c]
        net = own - opp  # net position in the requesters' direction
        f = frac[:, c]
        r = np.minimum(req[:, c], own)
        if loss_threshold > 0:  # RED-05: unit net loss >= threshold qualifies
            r = np.where(-f >= loss_threshold - FRACTION_EPS, r, 0)
        pool = np.minimum(r, np.maximum(net, 0))  # RED-02
        offset = r - pool
        every = np.arange(n_a)
        parts.append(_records(every, offset, price, c, ROLE_SELF_OFFSET, req_side, NO_TIER))
        cp_lots = np.maximum(-net, 0)
        tier_of = np.where(cp_lots > 0, _tiers_of(f, tiers), -1)
        remaining = pool.copy()
        for t in range(len(tiers)):
            need = int(remaining.sum())
            if need == 0:
                break
            ci = np.flatnonzero(tier_of == t)
            supply = int(cp_lots[ci].sum())
            if supply == 0:
                continue
            ri = np.flatnonzero(remaining > 0)
            if supply >= need:  # the tier covers what is still requested
                cp_take = pro_rata(need, cp_lots[ci], rank[ci])
                req_take = remaining[ri].copy()
            else:  # the whole tier is closed, spread over the requesters
                cp_take = cp_lots[ci].copy()
                req_take = pro_rata(supply, remaining[ri], rank[ri])
            remaining[ri] -= req_take
            parts.append(_records(ri, req_take, price, c, ROLE_REQUESTER, req_side, t + 1))
            parts.append(_records(ci, cp_take, price, c, ROLE_COUNTERPARTY, cp_side, t + 1))
    cat = np.concatenate(parts)
    out = np.zeros(len(cat), dtype=REDUCTION_DTYPE)  # zeroed padding: byte-identical output
    for name in REDUCTION_DTYPE.names:
        out[name] = cat[name]
    return out


def reduction_seed(
    locked: np.ndarray,
    requested: np.ndarray,
    long: np.ndarray,
    short: np.ndarray,
    avg_long: np.ndarray,
    avg_short: np.ndarray,
    settlement: np.ndarray,
    limit_lo: np.ndarray,
    limit_hi: np.ndarray,
    *,
    streak: np.ndarray | None = None,
    locked_days: int = 1,
    loss_threshold: float = 0.0,
    account_rank: np.ndarray | None = None,
) -> np.ndarray:
    """Pro-rata forced reduction of a limit-locked day (RED-01..04, rulebook ``seed``).

    Every unfilled close order resting at the limit price on the locked side is a request;
    the part up to the requester's net position enters the pool, the rest is offset against
    its own opposite position (RED-02). Every account with a net position on the other side
    and a unit net profit > 0 (RED-03) is a counterparty with its net position. If the
    counterparties hold at least the pool, the pool is spread over them pro rata to their net
    positions; otherwise they are all closed and their volume is spread over the requesters
    pro rata to their requests (RED-01), rounded per RED-04.

    Parameters
    ----------
    locked : ndarray of int, shape (n_contracts,)
        LIMIT-04 at today's close: ``LOCK_NONE``, ``LOCK_UP`` or ``LOCK_DOWN``.
    requested : ndarray of int, shape (n_accounts, n_contracts)
        Lots of each account's unfilled close orders resting at the limit price on the locked
        side at the close (buy-close at the upper limit when locked up, sell-close at the
        lower limit when locked down); capped at the position they close.
    long, short : ndarray of int, shape (n_accounts, n_contracts)
        Lots held at the close.
    avg_long, avg_short : ndarray of float64, shape (n_accounts, n_contracts)
        Average open price of the long and short lots, ticks (RED-03).
    settlement : ndarray of int64, shape (n_contracts,)
        Today's settlement price, ticks (SETTLE-01; RED-03 measures against it).
    limit_lo, limit_hi : ndarray of int64, shape (n_contracts,)
        Today's limit prices, ticks (LIMIT-01): the reduction price.
    streak : ndarray of int64, shape (n_contracts,), optional
        Same-direction lock streak up to today (:func:`~riskcore.risk.margin_rates.
        lock_streaks`: +n up, -n down); default 1 for every locked contract.
    locked_days : int
        ``reduction_locked_days``: reduce when the streak is at least this (seed: 1).
    loss_threshold : float
        ``reduction_loss_threshold``, fraction; 0 = every request qualifies (seed).
    account_rank : ndarray of int, shape (n_accounts,), optional
        :func:`id_rank` of the account IDs (RED-04 ties); default the account index.

    Returns
    -------
    ndarray of REDUCTION_DTYPE
        Per contract (ascending): self-offsets (account order), then the requesters and the
        counterparties of tier 1 (account order). Book with :func:`reduction_fills` and
        :func:`apply_reduction`.

    Examples
    --------
    Locked down at 2,700.0 points (13,500 ticks), settlement the same. Account 0 asks to
    close 10 long (opened at 3,000.0); accounts 1 and 2 are short 30 and 10, opened at
    3,000.0 and 2,800.0, both in profit: 10 lots spread 30 : 10 = 7.5 / 2.5 -> 7 and 2, and
    the leftover lot (equal fractions) goes to the larger position: 8 and 2.

    >>> import numpy as np
    >>> r = reduction_seed(np.array([LOCK_DOWN]), np.array([[10], [0], [0]]),
    ...                    np.array([[10], [0], [0]]), np.array([[0], [30], [10]]),
    ...                    np.array([[15_000.0], [0.0], [0.0]]),
    ...                    np.array([[0.0], [15_000.0], [14_000.0]]),
    ...                    np.array([13_500]), np.array([13_500]), np.array([16_500]))
    >>> r[["account", "role", "side", "qty", "tier"]].tolist()
    [(0, 0, 2, 10, 1), (1, 1, 1, 8, 1), (2, 1, 1, 2, 1)]
    """
    return _reduce(
        locked,
        requested,
        long,
        short,
        avg_long,
        avg_short,
        settlement,
        limit_lo,
        limit_hi,
        streak,
        locked_days,
        loss_threshold,
        (0.0,),
        account_rank,
    )


def reduction_cffex2010(
    locked: np.ndarray,
    requested: np.ndarray,
    long: np.ndarray,
    short: np.ndarray,
    avg_long: np.ndarray,
    avg_short: np.ndarray,
    settlement: np.ndarray,
    limit_lo: np.ndarray,
    limit_hi: np.ndarray,
    streak: np.ndarray,
    *,
    locked_days: int = 2,
    loss_threshold: float = 0.10,
    tiers: tuple[float, ...] = (0.10, 0.06, 0.0),
    account_rank: np.ndarray | None = None,
) -> np.ndarray:
    """Tiered forced reduction, CFFEX 2010 (RED-05, with RED-02..04).

    Only contracts locked in the same direction for at least ``locked_days`` consecutive days
    (the second day on); only requests of accounts whose unit net loss is at least
    ``loss_threshold`` of the settlement price (RED-03). Counterparties are taken tier by tier
    (``tiers`` = lower profit bounds): a tier holding at least the volume still requested
    spreads it pro rata to net positions; otherwise the whole tier is closed, spread over the
    requesters pro rata to their remaining requests, and the rest moves on. What is left after
    the last tier is not reduced.

    Parameters
    ----------
    locked, requested, long, short, avg_long, avg_short, settlement, limit_lo, limit_hi
        As :func:`reduction_seed`.
    streak : ndarray of int64, shape (n_contracts,)
        Same-direction lock streak up to today (:func:`~riskcore.risk.margin_rates.
        lock_streaks`).
    locked_days : int
        ``reduction_locked_days`` (2).
    loss_threshold : float
        ``reduction_loss_threshold``, fraction of the settlement price (0.10).
    tiers : tuple of float
        ``reduction_tiers``, strictly decreasing lower bounds, fractions (0.10, 0.06, 0.0).
    account_rank : ndarray of int, shape (n_accounts,), optional
        :func:`id_rank` of the account IDs (RED-04 ties).

    Returns
    -------
    ndarray of REDUCTION_DTYPE
        Per contract: self-offsets, then for each tier used (1, 2, ...) its requester records
        and its counterparty records (account order).
    """
    return _reduce(
        locked,
        requested,
        long,
        short,
        avg_long,
        avg_short,
        settlement,
        limit_lo,
        limit_hi,
        streak,
        locked_days,
        loss_threshold,
        tuple(tiers),
        account_rank,
    )


def reduction(
    method: str,
    locked: np.ndarray,
    requested: np.ndarray,
    long: np.ndarray,
    short: np.ndarray,
    avg_long: np.ndarray,
    avg_short: np.ndarray,
    settlement: np.ndarray,
    limit_lo: np.ndarray,
    limit_hi: np.ndarray,
    streak: np.ndarray,
    *,
    locked_days: int,
    loss_threshold: float,
    tiers: tuple[float, ...],
    account_rank: np.ndarray | None = None,
) -> np.ndarray:
    """The rulebook's reduction: :func:`reduction_seed` for ``reduction_method = "pro-rata"``
    (``tiers`` ignored), :func:`reduction_cffex2010` for ``"tiered"`` (RED-01..05).

    Pass the rulebook's ``reduction_locked_days``, ``reduction_loss_threshold`` and
    ``reduction_tiers``; other parameters as :func:`reduction_cffex2010`.
    """
    args = (locked, requested, long, short, avg_long, avg_short, settlement, limit_lo, limit_hi)
    if method == "pro-rata":
        return reduction_seed(
            *args,
            streak=streak,
            locked_days=locked_days,
            loss_threshold=loss_threshold,
            account_rank=account_rank,
        )
    if method == "tiered":
        return reduction_cffex2010(
            *args,
            streak,
            locked_days=locked_days,
            loss_threshold=loss_threshold,
            tiers=tiers,
            account_rank=account_rank,
        )
    raise ValueError(f"unknown reduction_method {method!r}: pro-rata or tiered")


# --- booking -----------------------------------------------------------------------------
def apply_reduction(
    long: np.ndarray, short: np.ndarray, records: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions after the reduction (RED-01/02).

    A ``SELL`` record closes long lots, a ``BUY`` record short lots; a self-offset closes
    ``qty`` lots on both sides. Total long = total short is kept (every requester lot meets a
    counterparty lot, every offset closes one of each).

    Parameters
    ----------
    long, short : ndarray of int, shape (n_accounts, n_contracts)
        Lots at the close.
    records : ndarray of REDUCTION_DTYPE

    Returns
    -------
    long, short : ndarray of int64, shape (n_accounts, n_contracts)
        New arrays.

    Raises
    ------
    ValueError
        A record closes more than is held.
    """
    rec = np.asarray(records, dtype=REDUCTION_DTYPE)
    lg = np.array(long, dtype=np.int64, copy=True)
    sh = np.array(short, dtype=np.int64, copy=True)
    off = rec["role"] == ROLE_SELF_OFFSET
    closes_long = off | (rec["side"] == SELL)
    closes_short = off | (rec["side"] == BUY)
    acc, con = rec["account"].astype(np.intp), rec["contract"].astype(np.intp)
    np.subtract.at(lg, (acc[closes_long], con[closes_long]), rec["qty"][closes_long])
    np.subtract.at(sh, (acc[closes_short], con[closes_short]), rec["qty"][closes_short])
    if (lg < 0).any() or (sh < 0).any():
        raise ValueError("a reduction record closes more lots than are held")
    return lg, sh


def reduction_fills(records: np.ndarray, ts: int = 0) -> np.ndarray:
    """The trades of a reduction, to book as that day's trades before settlement (RED-01/02).

    Per contract (ascending): one ``offset`` trade per self-offset record (buyer = seller =
    the account: its buy-close of shorts against its sell-close of longs), then per tier the
    requesters and counterparties paired deterministically: both lists in record (account)
    order, walked together over their cumulative lots, one trade per overlap (kind
    ``reduction``). Price the limit price; both offsets ``CLOSE``; aggressor 0; order numbers
    -1 (the day loop may create reduction orders, source ``reduction``, and fill them in);
    ``trade_no`` 0, 1, ... (``DayState.add_fills`` renumbers).

    Parameters
    ----------
    records : ndarray of REDUCTION_DTYPE
    ts : int
        Trade time, ns since the epoch (the close).

    Returns
    -------
    ndarray of FILL_DTYPE

    Raises
    ------
    ValueError
        A contract and tier whose requester lots and counterparty lots differ.

    Examples
    --------
    Requesters 0 (3 lots) and 1 (2 lots) selling; counterparties 5 (4 lots) and 6 (1 lot):
    trades 0-5 x 3, 1-5 x 1, 1-6 x 1.

    >>> import numpy as np
    >>> r = np.zeros(4, dtype=REDUCTION_DTYPE)
    >>> r["account"] = [0, 1, 5, 6]; r["qty"] = [3, 2, 4, 1]; r["tier"] = 1
    >>> r["role"] = [0, 0, 1, 1]; r["side"] = [SELL, SELL, BUY, BUY]
    >>> f = reduction_fills(r)
    >>> f[["sell_account", "buy_account", "qty"]].tolist()
    [(0, 5, 3), (1, 5, 1), (1, 6, 1)]
    """
    rec = np.asarray(records, dtype=REDUCTION_DTYPE)
    rec = rec[rec["qty"] > 0]
    rows = []  # (buy_account, sell_account, contract, price, qty, kind)
    for c in np.unique(rec["contract"]):
        rc = rec[rec["contract"] == c]
        so = rc[rc["role"] == ROLE_SELF_OFFSET]
        rows.append((so["account"], so["account"], int(c), so["price"], so["qty"], K_OFFSET))
        pairs = rc[rc["role"] != ROLE_SELF_OFFSET]
        for t in np.unique(pairs["tier"]):
            req = pairs[(pairs["tier"] == t) & (pairs["role"] == ROLE_REQUESTER)]
            cp = pairs[(pairs["tier"] == t) & (pairs["role"] == ROLE_COUNTERPARTY)]
            a, b = np.cumsum(req["qty"]), np.cumsum(cp["qty"])
            if a[-1:].sum() != b[-1:].sum():
                raise ValueError(
                    f"contract {c} tier {t}: requesters {a[-1:].sum()} lots, "
                    f"counterparties {b[-1:].sum()} lots"
                )
            if len(a) == 0:
                continue
            cuts = np.union1d(a, b)
            starts = np.concatenate([[0], cuts[:-1]])
            ri = np.searchsorted(a, starts, side="right")
            ci = np.searchsorted(b, starts, side="right")
            req_sells = req["side"][ri] == SELL
            buyer = np.where(req_sells, cp["account"][ci], req["account"][ri])
            seller = np.where(req_sells, req["account"][ri], cp["account"][ci])
            rows.append((buyer, seller, int(c), req["price"][ri], cuts - starts, K_REDUCTION))
    n = sum(len(r[4]) for r in rows)
    out = np.zeros(n, dtype=FILL_DTYPE)
    k = 0
    for buyer, seller, c, price, qty, kind in rows:
        m = len(qty)
        sl = slice(k, k + m)
        out["buy_account"][sl] = buyer
        out["sell_account"][sl] = seller
        out["contract"][sl] = c
        out["price"][sl] = price
        out["qty"][sl] = qty
        out["kind"][sl] = kind
        k += m
    out["ts"] = ts
    out["trade_no"] = np.arange(n)
    out["buy_order_no"] = -1
    out["sell_order_no"] = -1
    out["buy_offset"] = CLOSE
    out["sell_offset"] = CLOSE
    out["aggressor"] = 0
    return out
