"""Large-trader reports (LTR-01, LTR-02), vectorised over accounts.

Rules:

- LTR-01 At settlement, every investor whose position in a contract (either side, summed
  over its accounts at all members as in POS-01) reaches the reporting threshold
  (``large_trader_threshold``, default 80 % of ``position_limit``) gets a report, due
  before the next trading day's close: member name and ID, investor name and trading
  code, contract, long, short, trading margin, available funds, and the list of required
  documents (funding source, actual controller for legal persons, account-opening papers,
  that day's statement).
- LTR-02 An investor can be scripted not to file (``files_reports = false``); an overdue
  report is a risk-warning trigger (WARN-01 ⑤).

Functions:

- :func:`report_threshold`: the threshold in lots per contract.
- :func:`large_trader_reports`: the rows of the ``large_trader_reports`` table
  (``docs``: SCENARIO.md) plus a ``documents`` column.
- :func:`overdue_reports`: the unfiled reports past their deadline (for WARN-01 ⑤).

Choices where the rules are silent:

- "Reaches" is ``>=``: with a limit of 600 lots and 80 %, 480 lots report, 479 do not. A
  fractional threshold is rounded up to whole lots (``ceil``, with a 1e-9 guard).
- No position limit (``position_limit`` = None): no reports, unless an absolute threshold
  in lots is given (``absolute_lots``; it then replaces the fraction for every contract).
- The hedge quota (POS-03) does not raise the reporting threshold: hedgers report too.
- One row per *account* of a reported investor that holds the contract (long or short >
  0); ``long``/``short`` are that account's lots, ``margin``/``available`` that account's
  trading margin and available funds (account totals, or the position's margin when a
  per-contract margin array is passed). Rows are ordered by investor, contract, account
  index (all :class:`~riskcore.sim.build.Index` order).
- ``filed`` is the account's ``files_reports`` flag: a report is filed on time or never.
- ``documents`` lists :data:`DOCUMENTS`; ``actual_controller`` only for legal persons
  (``legal_person``; the scenario has no such flag, so the simulator passes the
  proprietary flag: a member's own account belongs to a legal person, the member).
- Overdue means unfiled and ``now >= due``: the deadline is the next day's close, so at
  the close an unfiled report is late.

Units: lots Int64, money Float64 CNY, times int64 ns (``due`` the next close).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from riskcore.records import NO_LIMIT

__all__ = [
    "DOCUMENTS",
    "REPORT_SCHEMA",
    "large_trader_reports",
    "overdue_reports",
    "report_threshold",
]

DOCUMENTS = (
    "funding_source",
    "actual_controller",
    "account_opening_papers",
    "daily_statement",
)
"""LTR-01 required documents, in report order; ``actual_controller`` for legal persons only."""

REPORT_SCHEMA = {
    "day": pl.Date,
    "due": pl.Datetime("ns"),
    "member": pl.String,
    "member_name": pl.String,
    "investor": pl.String,
    "investor_name": pl.String,
    "account": pl.String,
    "symbol": pl.String,
    "long": pl.Int64,
    "short": pl.Int64,
    "margin": pl.Float64,
    "available": pl.Float64,
    "filed": pl.Boolean,
    "documents": pl.List(pl.String),
}
"""Columns of ``large_trader_reports`` (SCENARIO.md) and their dtypes, plus ``documents``."""

_EPOCH = dt.date(1970, 1, 1)
_NS_PER_DAY = 86_400 * 1_000_000_000


def report_threshold(
    position_limit, fraction: float, n_contracts: int, absolute_lots: int | None = None
) -> np.ndarray:
    """LTR-01 reporting threshold per contract, lots, or ``NO_LIMIT`` (no reports).

    Parameters
    ----------
    position_limit : int, None, or ndarray of int, shape (n_contracts,)
        POS-01 lots per side; ``None`` or ``NO_LIMIT`` (-1) = no limit.
    fraction : float
        ``large_trader_threshold``, fraction of the position limit (0.8).
    n_contracts : int
    absolute_lots : int, optional
        A threshold in lots that replaces ``fraction x position_limit`` for every contract
        (the only way to get reports without a position limit).

    Returns
    -------
    ndarray of int64, shape (n_contracts,)
        ``ceil(fraction x position_limit)`` lots, ``NO_LIMIT`` where there is no limit.

    Examples
    --------
    >>> report_threshold(600, 0.8, 2).tolist(), report_threshold(None, 0.8, 1).tolist()
    ([480, 480], [-1])
    """
    if absolute_lots is not None:
        return np.full(n_contracts, int(absolute_lots), dtype=np.int64)
    if position_limit is None:
        return np.full(n_contracts, NO_LIMIT, dtype=np.int64)
    lim = np.broadcast_to(np.asarray(position_limit, dtype=np.int64), (n_contracts,))
    thr = np.ceil(lim * fraction - 1e-9).astype(np.int64)
    return np.where(lim < 0, NO_LIMIT, thr).astype(np.int64)


def _day_ns(day) -> int:
    if isinstance(day, dt.datetime):
        day = day.date()
    if isinstance(day, dt.date):
        return (day - _EPOCH).days * _NS_PER_DAY
    return int(day) // _NS_PER_DAY * _NS_PER_DAY


def _names(ids, idx: np.ndarray) -> pl.Series:
    """``ids[idx]`` as a String series (vectorised gather)."""
    return pl.Series(values=list(ids), dtype=pl.String).gather(pl.Series(idx, dtype=pl.Int64))


def large_trader_reports(
    day,
    due_ns: int,
    inv_long: np.ndarray,
    inv_short: np.ndarray,
    threshold_lots,
    long: np.ndarray,
    short: np.ndarray,
    margin: np.ndarray,
    available: np.ndarray,
    files_reports: np.ndarray,
    account_investor: np.ndarray,
    account_member: np.ndarray,
    *,
    accounts,
    investors,
    investor_names,
    members,
    member_names,
    contracts,
    legal_person: np.ndarray | None = None,
) -> pl.DataFrame:
    """The day's ``large_trader_reports`` rows (LTR-01, LTR-02).

    Parameters
    ----------
    day : date or int
        The settlement day, a ``datetime.date`` or ns since 1970-01-01 (any time that day).
    due_ns : int
        Deadline: the next trading day's close, ns since 1970-01-01.
    inv_long, inv_short : ndarray of int, shape (n_investors, n_contracts)
        Investor lots per side after settlement
        (:func:`riskcore.risk.position_limits.investor_positions`).
    threshold_lots : int or ndarray of int, shape (n_contracts,)
        Reporting threshold, lots (:func:`report_threshold`); ``NO_LIMIT`` = no reports.
    long, short : ndarray of int, shape (n_accounts, n_contracts)
        Each account's lots after settlement.
    margin : ndarray of float, shape (n_accounts,) or (n_accounts, n_contracts)
        Trading margin after settlement, CNY (account total, or per position).
    available : ndarray of float, shape (n_accounts,)
        Available funds after settlement, CNY.
    files_reports : ndarray of bool, shape (n_accounts,)
        ``False``: the account never files (LTR-02).
    account_investor, account_member : ndarray of int, shape (n_accounts,)
        Investor and member index of each account.
    accounts : sequence of str, length n_accounts
        Trading codes.
    investors : sequence of str, length n_investors
        Investor ids.
    investor_names : sequence of str, length n_accounts
        The investor's name as given on each account (``Account.name``).
    members, member_names : sequence of str, length n_members
        Member ids and names.
    contracts : sequence of str, length n_contracts
        Symbols.
    legal_person : ndarray of bool, shape (n_accounts,), optional
        Accounts of legal persons, which must name their actual controller. Default none.

    Returns
    -------
    polars.DataFrame
        :data:`REPORT_SCHEMA`: ``day, due, member, member_name, investor, investor_name,
        account, symbol, long, short, margin, available, filed, documents``; one row per
        account holding a contract in which its investor reaches the threshold on either
        side, ordered by investor, contract, account.

    Examples
    --------
    >>> import numpy as np, datetime as dt
    >>> df = large_trader_reports(
    ...     dt.date(2015, 8, 24), 0, np.array([[480], [479]]), np.zeros((2, 1), int), 480,
    ...     np.array([[480], [479]]), np.zeros((2, 1), int), np.array([1e6, 1e6]),
    ...     np.array([5e5, 5e5]), np.array([True, False]), np.array([0, 1]),
    ...     np.array([0, 0]), accounts=["C1", "C2"], investors=["I1", "I2"],
    ...     investor_names=["Zhang", "Li"], members=["M01"], member_names=["Alpha"],
    ...     contracts=["IF1509"])
    >>> df["account"].to_list(), df["long"].to_list(), df["filed"].to_list()
    (['C1'], [480], [True])
    """
    inv_long = np.asarray(inv_long, dtype=np.int64)
    inv_short = np.asarray(inv_short, dtype=np.int64)
    long = np.asarray(long, dtype=np.int64)
    short = np.asarray(short, dtype=np.int64)
    inv_of = np.asarray(account_investor, dtype=np.intp)
    mem_of = np.asarray(account_member, dtype=np.intp)
    n_c = inv_long.shape[1] if inv_long.ndim == 2 else 0
    thr = np.broadcast_to(np.asarray(threshold_lots, dtype=np.int64), (n_c,))
    active = thr != NO_LIMIT
    # LTR-01: investor x contract reaching the threshold on either side
    big = active[None, :] & ((inv_long >= thr[None, :]) | (inv_short >= thr[None, :]))
    rows = big[inv_of] & ((long > 0) | (short > 0))  # (n_accounts, n_contracts)
    acc, con = np.nonzero(rows)
    order = np.lexsort((acc, con, inv_of[acc]))
    acc, con = acc[order], con[order]
    n = len(acc)

    margin = np.asarray(margin, dtype=np.float64)
    mar = margin[acc, con] if margin.ndim == 2 else margin[acc]
    legal = (
        np.zeros(n, dtype=bool)
        if legal_person is None
        else np.asarray(legal_person, dtype=bool)[acc]
    )
    doc = {
        name: pl.Series(name, np.full(n, name, dtype=object), dtype=pl.String) for name in DOCUMENTS
    }
    doc["actual_controller"] = doc["actual_controller"].zip_with(
        pl.Series(legal, dtype=pl.Boolean), pl.Series(np.full(n, None), dtype=pl.String)
    )
    day_ns = _day_ns(day)
    frame = pl.DataFrame(
        {
            "day": pl.Series(np.full(n, day_ns, dtype=np.int64)).cast(pl.Datetime("ns")),
            "due": pl.Series(np.full(n, int(due_ns), dtype=np.int64)).cast(pl.Datetime("ns")),
            "member": _names(members, mem_of[acc]),
            "member_name": _names(member_names, mem_of[acc]),
            "investor": _names(investors, inv_of[acc]),
            "investor_name": _names(investor_names, acc),
            "account": _names(accounts, acc),
            "symbol": _names(contracts, con),
            "long": pl.Series(long[acc, con], dtype=pl.Int64),
            "short": pl.Series(short[acc, con], dtype=pl.Int64),
            "margin": pl.Series(mar, dtype=pl.Float64),
            "available": pl.Series(np.asarray(available, dtype=np.float64)[acc], dtype=pl.Float64),
            "filed": pl.Series(np.asarray(files_reports, dtype=bool)[acc], dtype=pl.Boolean),
            **{f"_doc_{name}": s for name, s in doc.items()},
        }
    )
    documents = pl.concat_list([f"_doc_{name}" for name in DOCUMENTS]).list.drop_nulls()
    return frame.select(
        pl.col("day").dt.date(),
        *[pl.col(c) for c in list(REPORT_SCHEMA)[1:-1]],
        documents.alias("documents"),
    ).cast(REPORT_SCHEMA)


def overdue_reports(reports: pl.DataFrame, now_ns: int) -> pl.DataFrame:
    """Unfiled reports whose deadline has come (LTR-02; WARN-01 ⑤ trigger).

    Parameters
    ----------
    reports : polars.DataFrame
        Rows of :func:`large_trader_reports` (any number of days).
    now_ns : int
        Current time, ns since 1970-01-01 (e.g. the next trading day's close).

    Returns
    -------
    polars.DataFrame
        The rows with ``filed`` false and ``due <= now`` (the deadline is *before* the
        close, so at the close an unfiled report is late), in their original order.

    Examples
    --------
    >>> import polars as pl, datetime as dt
    >>> r = pl.DataFrame({"due": [dt.datetime(2015, 8, 25, 15, 15)] * 2,
    ...                   "filed": [True, False]}).cast({"due": pl.Datetime("ns")})
    >>> overdue_reports(r, 1_440_515_700_000_000_000).height  # 2015-08-25 15:15
    1
    """
    now = pl.lit(int(now_ns), dtype=pl.Int64).cast(pl.Datetime("ns"))
    return reports.filter(~pl.col("filed") & (pl.col("due") <= now))
