"""Member defaults and the loss waterfall (FUND-02, FUND-03), vectorised over members.

Rules:

- FUND-02 A client's negative equity is charged to its member. A member defaults when its
  clients' negative equity exceeds what the member can pay from its own capital by the
  top-up deadline (the next open). The loss is covered layer by layer, each recorded with
  what it paid and what remains: ``member_capital`` (the member's own funds),
  ``defaulter_guarantee_fund``, ``member_guarantee_funds`` (the non-defaulters' funds, pro
  rata to their contributions), ``exchange_risk_reserve``, ``exchange_capital``, and
  ``uncovered`` for any rest. A rulebook can choose a CCP-style order (the exchange's own
  capital, its "skin in the game", before the non-defaulters' funds).
- FUND-03 A loss larger than all layers is reported as uncovered, never hidden.

Functions:

- :func:`member_losses`: accounts' negative equity summed per member.
- :func:`defaults`: who defaults and how each default is covered (:class:`Waterfall`).
- :func:`check_waterfall`: the conservation checker (money in = money out, nothing
  negative, non-defaulters pay pro rata).
- :func:`defaults_table`: the ``defaults`` rows (SCENARIO.md).

Choices where the rules are silent:

- "Can pay from its own capital" means ``loss <= member_capital``: a member whose loss is
  at most its capital pays it from its capital, does not default and gets no row; its
  capital falls by the loss. A member with ``loss > capital`` defaults.
- The layer order is the rulebook's ``waterfall`` (any order of the five names;
  :data:`DEFAULT_WATERFALL` is FUND-02's, :data:`CCP_WATERFALL` the CCP-style one).
  ``uncovered`` is always last.
- Own layers (``member_capital``, ``defaulter_guarantee_fund``) pay each defaulter's loss
  from that defaulter's own balance, all of it if needed.
- Shared layers (``member_guarantee_funds``, ``exchange_risk_reserve``,
  ``exchange_capital``) serve all of the day's defaulters at once: if a layer holds at
  least their total remaining loss every defaulter is covered in full; otherwise the whole
  layer is paid out, split among the defaulters pro rata to their remaining losses. So the
  result does not depend on the order of members.
- ``member_guarantee_funds`` are the guarantee-fund balances of the members that do not
  default that day; each pays ``paid x its balance / Σ balances`` (pro rata to its
  contribution). A defaulter's fund is only used by its own default.
- Rows: one per defaulter and layer that paid something (``amount > 0``), in layer order,
  ``remaining_loss`` = that defaulter's loss still open after the layer. A defaulter with
  an uncovered rest gets a last ``uncovered`` row with ``amount`` = the rest and
  ``remaining_loss`` = the same rest (nothing covered it; FUND-03).
- Money is float64 CNY; a shared layer that is exhausted is set to exactly 0, and amounts
  within :data:`TOLERANCE` of the remaining loss are treated as covering it.

Units: money float64 CNY; members in :class:`~riskcore.sim.build.Index` order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import polars as pl

from riskcore.scenario.rulebook import WATERFALL_LAYERS

__all__ = [
    "CCP_WATERFALL",
    "DEFAULTS_SCHEMA",
    "DEFAULT_DTYPE",
    "DEFAULT_WATERFALL",
    "LAYER_NAMES",
    "TOLERANCE",
    "UNCOVERED",
    "Resources",
    "Waterfall",
    "check_waterfall",
    "defaults",
    "defaults_table",
    "member_losses",
]

DEFAULT_WATERFALL: tuple[str, ...] = WATERFALL_LAYERS
"""FUND-02 layer order: member capital, its fund, the others' funds, reserve, capital."""

CCP_WATERFALL: tuple[str, ...] = (
    "member_capital",
    "defaulter_guarantee_fund",
    "exchange_capital",
    "member_guarantee_funds",
    "exchange_risk_reserve",
)
"""FUND-02 CCP-style order: the exchange's capital ("skin in the game") before the
non-defaulters' funds; the risk reserve last."""

LAYER_NAMES: tuple[str, ...] = (*WATERFALL_LAYERS, "uncovered")
"""Layer code -> name (``DEFAULT_DTYPE["layer"]``); ``uncovered`` (FUND-03) is code 5."""

UNCOVERED = 5
"""Layer code of ``uncovered`` (FUND-03)."""

TOLERANCE = 1e-6
"""CNY: amounts this close are equal (float rounding of pro-rata shares)."""

DEFAULT_DTYPE = np.dtype(
    [
        ("member", "i4"),  # defaulting member index
        ("layer", "i1"),  # index into LAYER_NAMES
        ("amount", "f8"),  # CNY paid by the layer (uncovered: the rest)
        ("remaining_loss", "f8"),  # CNY of the loss still open after the layer
    ],
    align=True,
)
"""One ``defaults`` row (FUND-02/03): a layer used for one defaulting member."""

DEFAULTS_SCHEMA = pl.Schema(
    {
        "day": pl.Date,
        "member": pl.String,
        "layer": pl.String,
        "amount": pl.Float64,
        "remaining_loss": pl.Float64,
    }
)
"""Columns of the ``defaults`` table (SCENARIO.md)."""


class Resources(NamedTuple):
    """Balances that can cover defaults (FUND-02), CNY.

    Attributes
    ----------
    member_capital : ndarray of float64, shape (n_members,)
        Members' own funds (``members[].capital``).
    guarantee_fund : ndarray of float64, shape (n_members,)
        Guarantee-fund balances, basic + variable (FUND-01).
    risk_reserve : float
        The exchange's risk reserve.
    exchange_capital : float
        The exchange's own capital.
    """

    member_capital: np.ndarray
    guarantee_fund: np.ndarray
    risk_reserve: float
    exchange_capital: float

    def total(self) -> float:
        """All money in every layer, CNY."""
        return float(
            self.member_capital.sum()
            + self.guarantee_fund.sum()
            + self.risk_reserve
            + self.exchange_capital
        )


class Waterfall(NamedTuple):
    """Result of :func:`defaults` (FUND-02/03).

    Attributes
    ----------
    loss : ndarray of float64, shape (n_members,)
        Loss charged to each member, CNY.
    defaulted : ndarray of bool, shape (n_members,)
        ``loss > member_capital``.
    records : ndarray of DEFAULT_DTYPE
        The ``defaults`` rows, by defaulter index, then layer order.
    after : Resources
        Balances after every loss is paid.
    mutualised : ndarray of float64, shape (n_members,)
        CNY each non-defaulter's guarantee fund paid for the others' defaults.
    uncovered : ndarray of float64, shape (n_members,)
        CNY of each defaulter's loss no layer covered (FUND-03).
    """

    loss: np.ndarray
    defaulted: np.ndarray
    records: np.ndarray
    after: Resources
    mutualised: np.ndarray
    uncovered: np.ndarray


def member_losses(client_negative_equity, account_member, n_members: int) -> np.ndarray:
    """Accounts' negative equity charged to their members (FUND-02).

    Parameters
    ----------
    client_negative_equity : array_like of float, shape (n_accounts,)
        How far each account's equity is below zero after settlement and the top-up
        deadline, CNY, ``>= 0`` (i.e. ``max(0, -equity)``); proprietary accounts included.
    account_member : array_like of int, shape (n_accounts,)
        Member index of each account.
    n_members : int

    Returns
    -------
    ndarray of float64, shape (n_members,)
        Σ negative equity of each member's accounts, CNY.

    Examples
    --------
    >>> member_losses([0.0, 300.0, 200.0], [0, 1, 1], 3).tolist()
    [0.0, 500.0, 0.0]
    """
    neg = np.asarray(client_negative_equity, dtype=np.float64)
    if (neg < 0).any():
        raise ValueError("client_negative_equity must be >= 0 (pass max(0, -equity))")
    mem = np.asarray(account_member, dtype=np.intp)
    return np.bincount(mem, weights=neg, minlength=n_members).astype(np.float64)


def _check_order(waterfall: Sequence[str]) -> tuple[str, ...]:
    order = tuple(waterfall)
    if sorted(order) != sorted(WATERFALL_LAYERS):
        raise ValueError("the waterfall must name each layer exactly once: " + ", ".join(order))
    return order


def defaults(
    member_loss,
    resources: Resources,
    waterfall: Sequence[str] = DEFAULT_WATERFALL,
) -> Waterfall:
    """Decide which members default and cover each default layer by layer (FUND-02/03).

    Parameters
    ----------
    member_loss : array_like of float, shape (n_members,)
        Loss charged to each member, CNY (:func:`member_losses`).
    resources : Resources
        Balances before the losses: member capital, guarantee funds (FUND-01 totals), the
        exchange's risk reserve and capital.
    waterfall : sequence of str
        The five FUND-02 layer names in order (rulebook ``waterfall``).

    Returns
    -------
    Waterfall
        Who defaulted, the rows, the balances after and the uncovered rest.

    Examples
    --------
    >>> r = Resources(np.array([100.0, 50.0]), np.array([20.0, 30.0]), 10.0, 1000.0)
    >>> w = defaults([130.0, 0.0], r)
    >>> [LAYER_NAMES[x] for x in w.records["layer"]]
    ['member_capital', 'defaulter_guarantee_fund', 'member_guarantee_funds']
    >>> w.records["amount"].tolist(), w.records["remaining_loss"].tolist()
    ([100.0, 20.0, 10.0], [30.0, 10.0, 0.0])
    >>> w.after.guarantee_fund.tolist()
    [0.0, 20.0]
    """
    order = _check_order(waterfall)
    loss = np.asarray(member_loss, dtype=np.float64).copy()
    capital = np.asarray(resources.member_capital, dtype=np.float64).copy()
    fund = np.asarray(resources.guarantee_fund, dtype=np.float64).copy()
    n = len(loss)
    if capital.shape != (n,) or fund.shape != (n,):
        raise ValueError("member_loss, member_capital and guarantee_fund need one value a member")
    if (loss < 0).any() or (capital < 0).any() or (fund < 0).any():
        raise ValueError("losses and balances must be >= 0 CNY")
    if resources.risk_reserve < 0 or resources.exchange_capital < 0:
        raise ValueError("the exchange's balances must be >= 0 CNY")
    pools = {
        "exchange_risk_reserve": float(resources.risk_reserve),
        "exchange_capital": float(resources.exchange_capital),
    }

    defaulted = loss > capital + TOLERANCE
    # members that can pay do so from their own capital (no default, no row)
    capital = np.where(defaulted, capital, np.maximum(capital - loss, 0.0))
    remaining = np.where(defaulted, loss, 0.0)
    mutualised = np.zeros(n, dtype=np.float64)
    dmem = np.flatnonzero(defaulted)
    paid = np.zeros((len(order), len(dmem)), dtype=np.float64)  # layer step x defaulter
    after = np.zeros_like(paid)

    for step, layer in enumerate(order):
        need = remaining[dmem]
        if layer == "member_capital":
            pay = np.minimum(capital[dmem], need)
            capital[dmem] -= pay
        elif layer == "defaulter_guarantee_fund":
            pay = np.minimum(fund[dmem], need)
            fund[dmem] -= pay
        else:  # shared layers
            if layer == "member_guarantee_funds":
                payers = ~defaulted
                avail = float(fund[payers].sum())
            else:
                avail = pools[layer]
            total_need = float(need.sum())
            if total_need <= 0.0 or avail <= 0.0:
                pay = np.zeros_like(need)
                used = 0.0
            elif avail + TOLERANCE >= total_need:
                pay = need.copy()
                used = min(total_need, avail)
            else:
                pay = avail * need / total_need
                used = avail
            exhausted = used >= avail - TOLERANCE
            if layer == "member_guarantee_funds" and used > 0.0:
                share = np.where(payers, fund, 0.0)
                contrib = share if exhausted else used * share / avail
                mutualised += contrib
                fund = np.where(payers, np.maximum(fund - contrib, 0.0), fund)
                if exhausted:
                    fund[payers] = 0.0
            elif layer in pools:
                pools[layer] = 0.0 if exhausted and used > 0.0 else max(avail - used, 0.0)
        remaining[dmem] = np.where(pay >= need - TOLERANCE, 0.0, need - pay)
        paid[step] = pay
        after[step] = remaining[dmem]

    uncovered = np.zeros(n, dtype=np.float64)
    uncovered[dmem] = remaining[dmem]
    records = _records(order, dmem, paid, after, remaining[dmem])
    out = Resources(capital, fund, pools["exchange_risk_reserve"], pools["exchange_capital"])
    return Waterfall(loss, defaulted, records, out, mutualised, uncovered)


def _records(order, dmem, paid, after, rest) -> np.ndarray:
    codes = np.array([LAYER_NAMES.index(x) for x in order], dtype=np.int8)
    rows = []
    for j, m in enumerate(dmem):
        for step in range(len(order)):
            if paid[step, j] > 0.0:
                rows.append((m, codes[step], paid[step, j], after[step, j]))
        if rest[j] > 0.0:
            rows.append((m, UNCOVERED, rest[j], rest[j]))
    return np.array(rows, dtype=DEFAULT_DTYPE)


def check_waterfall(before: Resources, result: Waterfall, tolerance: float = 1e-4) -> None:
    """Assert the FUND-02/03 invariants of a :func:`defaults` result (conservation).

    Checks, each within ``tolerance`` CNY:

    - per defaulter: Σ its rows' amounts (``uncovered`` included) = its loss; its rows'
      ``remaining_loss`` falls by each amount; the last row leaves 0 or is ``uncovered``;
    - Σ of all layers' payments (not ``uncovered``) = Σ losses - Σ uncovered, and equals the
      fall of all balances (member capital, guarantee funds, reserve, exchange capital);
    - non-defaulters' funds fell pro rata to their balances before; defaulters'
      ``mutualised`` is 0; non-defaulters pay their own loss from their capital;
    - no balance, amount or remaining loss is negative; no balance rose.

    Parameters
    ----------
    before : Resources
        The balances passed to :func:`defaults`.
    result : Waterfall
    tolerance : float
        CNY.

    Raises
    ------
    AssertionError
        With the first broken invariant.
    """
    tol = tolerance
    rec, after = result.records, result.after
    assert (rec["amount"] >= -tol).all(), "negative layer amount"
    assert (rec["remaining_loss"] >= -tol).all(), "negative remaining loss"
    for name, b, a in (
        ("member_capital", before.member_capital, after.member_capital),
        ("guarantee_fund", before.guarantee_fund, after.guarantee_fund),
        ("risk_reserve", np.array([before.risk_reserve]), np.array([after.risk_reserve])),
        (
            "exchange_capital",
            np.array([before.exchange_capital]),
            np.array([after.exchange_capital]),
        ),
    ):
        assert (np.asarray(a) >= -tol).all(), f"negative {name} balance"
        assert (np.asarray(a) <= np.asarray(b) + tol).all(), f"{name} balance rose"
    d = result.defaulted
    is_unc = rec["layer"] == UNCOVERED
    for m in np.flatnonzero(d):
        rows = rec[rec["member"] == m]
        assert abs(rows["amount"].sum() - result.loss[m]) <= tol, f"member {m}: rows != loss"
        left = result.loss[m]
        for r in rows:
            if r["layer"] == UNCOVERED:
                assert abs(r["amount"] - left) <= tol, f"member {m}: uncovered != rest"
                assert abs(r["remaining_loss"] - left) <= tol
                left = 0.0
            else:
                left -= r["amount"]
                assert abs(r["remaining_loss"] - left) <= tol, f"member {m}: remaining_loss"
        assert abs(left) <= tol, f"member {m}: loss left open without an uncovered row"
        assert abs(rows["amount"][rows["layer"] == UNCOVERED].sum() - result.uncovered[m]) <= tol
    assert (result.uncovered[~d] == 0).all(), "uncovered loss of a non-defaulter"
    assert (result.mutualised[d] == 0).all(), "a defaulter paid into the mutual layer"
    paid = rec["amount"][~is_unc].sum()
    defaulted_loss = result.loss[d].sum()
    assert abs(paid - (defaulted_loss - result.uncovered.sum())) <= tol, "payments != covered"
    fell = before.total() - after.total()
    expected = result.loss.sum() - result.uncovered.sum()
    assert abs(fell - expected) <= tol, f"balances fell {fell}, losses covered {expected}"
    own = before.member_capital[~d] - after.member_capital[~d]
    assert np.allclose(own, result.loss[~d], atol=tol), "non-defaulters' own losses"
    mutual_rows = rec["amount"][rec["layer"] == LAYER_NAMES.index("member_guarantee_funds")]
    assert abs(result.mutualised.sum() - mutual_rows.sum()) <= tol, "mutualised != rows"
    base = np.where(d, 0.0, before.guarantee_fund)
    if base.sum() > 0 and result.mutualised.sum() > 0:
        expect = result.mutualised.sum() * base / base.sum()
        assert np.allclose(result.mutualised, expect, atol=tol), "not pro rata"


def defaults_table(day: dt.date, members: Sequence[str], records: np.ndarray) -> pl.DataFrame:
    """The day's ``defaults`` rows (SCENARIO.md; FUND-02/03).

    Parameters
    ----------
    day : datetime.date
    members : sequence of str, length n_members
        Member ids.
    records : ndarray of DEFAULT_DTYPE
        ``Waterfall.records``.

    Returns
    -------
    polars.DataFrame
        :data:`DEFAULTS_SCHEMA`: ``day, member, layer, amount, remaining_loss``, in record
        order; ``layer`` a FUND-02 name or ``uncovered``.
    """
    n = len(records)
    return pl.DataFrame(
        {
            "day": [day] * n,
            "member": [members[i] for i in records["member"]],
            "layer": [LAYER_NAMES[i] for i in records["layer"]],
            "amount": records["amount"].astype(np.float64),
            "remaining_loss": records["remaining_loss"].astype(np.float64),
        },
        schema=DEFAULTS_SCHEMA,
    )
