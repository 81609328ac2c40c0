"""The static input both matching engines start from: contracts, accounts, investors, members.

A :class:`Market` holds plain numpy arrays (no matching logic), so the numba engine and the
pure-Python reference engine can be built from the very same description.
:func:`make_market` builds one from keyword arguments, for tests, benchmarks and notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskcore.records import (
    ACCOUNT_SPEC_DTYPE,
    CONTRACT_SPEC_DTYPE,
    MARGIN_BOTH,
    MARGIN_LARGER_SIDE,
    NO_LIMIT,
    STP_CANCEL_INCOMING,
    STP_CANCEL_RESTING,
)

SECOND = 1_000_000_000  # ns


def limit_band(prev_settle: int, fraction: float) -> tuple[int, int]:
    """Band ``[low, high]`` in ticks around ``prev_settle`` (LIMIT-01, BRK-01).

    ``prev_settle * (1 +/- fraction)`` rounded to the tick toward the previous settlement:
    the upper price rounds down, the lower rounds up. A tiny epsilon (1e-9 tick) keeps
    exact products such as 3480.2 x 0.9 from being pushed a tick by binary rounding.

    Parameters
    ----------
    prev_settle : int
        Previous settlement price, ticks.
    fraction : float
        Limit as a fraction, e.g. 0.10.

    Returns
    -------
    (int, int)
        Lowest and highest acceptable price, ticks.
    """
    hi = int(np.floor(prev_settle * (1.0 + fraction) + 1e-9))
    lo = int(np.ceil(prev_settle * (1.0 - fraction) - 1e-9))
    return lo, hi


@dataclass
class Market:
    """Everything an engine needs to open a trading day.

    Attributes
    ----------
    contracts : ndarray of CONTRACT_SPEC_DTYPE, shape (n_contracts,)
        Per contract: tick value, margin and fee rates, previous settlement, band, ladder
        range, position limits (see ``records.CONTRACT_SPEC_DTYPE``).
    accounts : ndarray of ACCOUNT_SPEC_DTYPE, shape (n_accounts,)
        Per account: investor index, member index, free reserve (CNY), restricted flag.
    hedge_quota : ndarray of int64, shape (n_investors,)
        Lots per side exempt from the position limit (POS-03), per investor.
    long_yd, short_yd : ndarray of int64, shape (n_accounts, n_contracts)
        Positions carried from yesterday, lots.
    n_members : int
    stp_policy : int
        ``STP_CANCEL_INCOMING`` (default) or ``STP_CANCEL_RESTING`` (MATCH-05).
    margin_method : int
        ``MARGIN_BOTH`` (default) or ``MARGIN_LARGER_SIDE`` (MARGIN-01).
    breaker_trigger, breaker_duration : int
        How long a quote must touch a breaker price before the breaker starts (BRK-02), and
        how long it runs (BRK-03), ns.
    quiet_from : int
        Absolute time (ns) from which no breaker starts and the limit band holds (BRK-05);
        0 = no quiet period.
    """

    contracts: np.ndarray
    accounts: np.ndarray
    hedge_quota: np.ndarray
    long_yd: np.ndarray
    short_yd: np.ndarray
    n_members: int
    stp_policy: int = STP_CANCEL_INCOMING
    margin_method: int = MARGIN_BOTH
    breaker_trigger: int = 60 * SECOND
    breaker_duration: int = 600 * SECOND
    quiet_from: int = 0
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.contracts = np.ascontiguousarray(self.contracts, dtype=CONTRACT_SPEC_DTYPE)
        self.accounts = np.ascontiguousarray(self.accounts, dtype=ACCOUNT_SPEC_DTYPE)
        self.hedge_quota = np.ascontiguousarray(self.hedge_quota, dtype=np.int64)
        shape = (self.n_accounts, self.n_contracts)
        self.long_yd = np.ascontiguousarray(self.long_yd, dtype=np.int64).reshape(shape)
        self.short_yd = np.ascontiguousarray(self.short_yd, dtype=np.int64).reshape(shape)
        self.validate()

    @property
    def n_contracts(self) -> int:
        return len(self.contracts)

    @property
    def n_accounts(self) -> int:
        return len(self.accounts)

    @property
    def n_investors(self) -> int:
        return len(self.hedge_quota)

    def validate(self) -> None:
        """Raise ``ValueError`` if the description is inconsistent."""
        c, a = self.contracts, self.accounts
        if self.stp_policy not in (STP_CANCEL_INCOMING, STP_CANCEL_RESTING):
            raise ValueError(f"stp_policy must be 0 or 1, got {self.stp_policy}")
        if self.margin_method not in (MARGIN_BOTH, MARGIN_LARGER_SIDE):
            raise ValueError(f"margin_method must be 0 or 1, got {self.margin_method}")
        if np.any(c["ladder_lo"] > c["band_lo"]) or np.any(c["band_hi"] > c["ladder_hi"]):
            raise ValueError("every contract's band must lie inside its ladder")
        if np.any(c["band_lo"] > c["band_hi"]) or np.any(c["ladder_lo"] < 1):
            raise ValueError("bands must be non-empty and prices positive")
        if np.any(c["tick_value"] <= 0) or np.any(c["margin_rate"] < 0):
            raise ValueError("tick_value must be > 0 and margin_rate >= 0")
        if np.any(c["ladder_lo"] > c["limit_lo"]) or np.any(c["limit_hi"] > c["ladder_hi"]):
            raise ValueError("every contract's limit band must lie inside its ladder")
        brk = c["breaker_hi"] > 0
        if np.any(brk & ((c["breaker_lo"] < c["limit_lo"]) | (c["breaker_hi"] > c["limit_hi"]))):
            raise ValueError("breaker prices must lie inside the limit band")
        if self.breaker_trigger < 0 or self.breaker_duration < 0 or self.quiet_from < 0:
            raise ValueError("breaker times must be >= 0")
        if len(a) and (a["investor"].min() < 0 or a["investor"].max() >= self.n_investors):
            raise ValueError("account investor index out of range")
        if len(a) and (a["member"].min() < 0 or a["member"].max() >= self.n_members):
            raise ValueError("account member index out of range")
        if np.any(self.long_yd < 0) or np.any(self.short_yd < 0):
            raise ValueError("positions must be >= 0")
        if not np.array_equal(self.long_yd.sum(axis=0), self.short_yd.sum(axis=0)):
            raise ValueError("initial positions must balance: total long = total short")


def make_market(
    n_contracts: int = 1,
    n_accounts: int = 4,
    *,
    prev_settle: int | list[int] = 17500,
    tick_value: float | list[float] = 60.0,
    margin_rate: float = 0.12,
    fee_open: float = 0.0,
    fee_close: float = 0.0,
    fee_close_today: float = 0.0,
    price_limit: float = 0.10,
    band: float | None = None,
    circuit_breaker: float = 0.0,
    last_day: bool = False,
    no_limit: bool = False,
    pos_limit: int = NO_LIMIT,
    member_limit: int = NO_LIMIT,
    max_order_qty: int = 1_000_000,
    reserve: float | list[float] = 1e9,
    investors: list[int] | None = None,
    members: list[int] | None = None,
    restricted: list[int] | None = None,
    hedge_quota: list[int] | int = 0,
    long_yd: np.ndarray | None = None,
    short_yd: np.ndarray | None = None,
    stp_policy: int = STP_CANCEL_INCOMING,
    margin_method: int = MARGIN_BOTH,
    quiet_from: int = 0,
) -> Market:
    """Build a :class:`Market` from a few numbers (tests, benchmarks, notebooks).

    Prices are ticks (IF: tick 0.2 index points x 300 CNY = ``tick_value`` 60 CNY, so
    ``prev_settle=17500`` is 3,500.0 points). The ladder and the limit band cover
    ``price_limit`` around the previous settlement. ``circuit_breaker`` > 0 sets breaker
    prices (BRK-01) and starts the day with the breaker band; ``band`` overrides the band the
    day starts with (default: the breaker band if any, else the limit band). ``last_day``
    marks the contract's last trading day (no breaker, LIMIT-02); ``no_limit`` says there is
    no price limit today (state ``no_limit``; the ``price_limit`` band is then the wide range
    the ladder holds).
    Each account is its own investor unless ``investors`` says otherwise; all accounts
    belong to member 0 unless ``members`` says otherwise.
    """
    ps = np.broadcast_to(np.asarray(prev_settle, dtype=np.int64), (n_contracts,))
    tv = np.broadcast_to(np.asarray(tick_value, dtype=np.float64), (n_contracts,))
    contracts = np.zeros(n_contracts, dtype=CONTRACT_SPEC_DTYPE)
    breaker_on = circuit_breaker > 0 and not last_day and not no_limit
    for i in range(n_contracts):
        lo, hi = limit_band(int(ps[i]), price_limit)
        klo, khi = limit_band(int(ps[i]), circuit_breaker) if breaker_on else (0, 0)
        start = band if band is not None else (circuit_breaker if breaker_on else price_limit)
        blo, bhi = limit_band(int(ps[i]), start)
        row = dict(
            tick_value=tv[i], margin_rate=margin_rate, fee_open=fee_open, fee_close=fee_close,
            fee_close_today=fee_close_today, prev_settle=ps[i], band_lo=blo, band_hi=bhi,
            ladder_lo=lo, ladder_hi=hi, pos_limit=pos_limit, member_limit=member_limit,
            max_order_qty=max_order_qty, limit_lo=lo, limit_hi=hi, breaker_lo=klo,
            breaker_hi=khi, last_day=int(last_day), no_limit=int(no_limit),
        )  # fmt: skip
        for name, value in row.items():
            contracts[name][i] = value
    inv = np.arange(n_accounts) if investors is None else np.asarray(investors)
    mem = np.zeros(n_accounts, dtype=np.int64) if members is None else np.asarray(members)
    accounts = np.zeros(n_accounts, dtype=ACCOUNT_SPEC_DTYPE)
    accounts["investor"] = inv
    accounts["member"] = mem
    accounts["reserve"] = np.broadcast_to(np.asarray(reserve, dtype=np.float64), (n_accounts,))
    if restricted:
        accounts["restricted"][list(restricted)] = 1
    n_investors = int(inv.max()) + 1 if n_accounts else 0
    hq = np.broadcast_to(np.asarray(hedge_quota, dtype=np.int64), (n_investors,)).copy()
    zeros = np.zeros((n_accounts, n_contracts), dtype=np.int64)
    return Market(
        contracts=contracts,
        accounts=accounts,
        hedge_quota=hq,
        long_yd=zeros if long_yd is None else long_yd,
        short_yd=zeros if short_yd is None else short_yd,
        n_members=int(mem.max()) + 1 if n_accounts else 1,
        stp_policy=stp_policy,
        margin_method=margin_method,
        quiet_from=quiet_from,
    )


def make_messages(rows: list[dict] | None = None, n: int = 0) -> np.ndarray:
    """Build a message array (``MSG_DTYPE``) from dicts; missing fields are 0.

    ``order_no`` defaults to the row index. Handy in tests:
    ``make_messages([dict(account=0, side=BUY, price=17500, qty=2)])``.
    """
    from riskcore.records import MSG_DTYPE

    rows = rows or []
    out = np.zeros(max(n, len(rows)), dtype=MSG_DTYPE)
    out["order_no"] = np.arange(len(out))
    for i, row in enumerate(rows):
        for key, value in row.items():
            out[key][i] = value
    return out
