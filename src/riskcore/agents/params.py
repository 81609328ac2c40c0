"""The parameters of every agent kind: names, types, bounds, defaults and units.

Plain data (no imports from the rest of the package): the scenario loader turns each
:class:`Param` into a typed converter and reports bad values with their ``FILE:LINE``;
``docs/agents.md`` lists the same table. Keys of an ``[[agents]]`` block are the common
keys (:data:`COMMON`) plus the parameters of its ``kind`` (:data:`PARAMS`).
"""

from __future__ import annotations

from typing import NamedTuple


class Param(NamedTuple):
    """One agent parameter.

    Attributes
    ----------
    name : str
        The key in the ``[[agents]]`` block.
    type : str
        ``"int"`` (a TOML integer), ``"float"`` (a number) or ``"choice"``.
    default : object
        The value when the key is absent.
    lo, hi : float or None
        Inclusive bounds (``None`` = unbounded); ``lo_open`` makes the lower bound open.
    unit : str
        Unit of the value, for messages and the documentation.
    doc : str
        One line of documentation.
    choices : tuple of str
        Allowed values of a ``"choice"`` parameter.
    lo_open : bool
    """

    name: str
    type: str
    default: object
    lo: float | None
    hi: float | None
    unit: str
    doc: str
    choices: tuple[str, ...] = ()
    lo_open: bool = False


KINDS = ("noise", "market_maker", "momentum", "fundamental", "speculator")
"""Agent kinds, one module each under :mod:`riskcore.agents`."""

ON_MARGIN_CALL = ("top_up", "ignore")
"""``top_up``: deposit the called amount before the open (MARGIN-06 paid); ``ignore``: the
account is restricted and liquidated by the exchange's machinery (LIQ-01 (1))."""

COMMON = (
    "kind",
    "count",
    "member",
    "prefix",
    "cash",
    "symbol",
    "positions",
    "on_margin_call",
)
"""Keys every ``[[agents]]`` block may have (see ``docs/agents.md``)."""

_QTY = Param("qty", "int", 1, 1, None, "lots", "lots per order")
_RATE = "orders per second per agent (Poisson; at most one order per agent per step)"

PARAMS: dict[str, tuple[Param, ...]] = {
    "noise": (
        Param("rate", "float", 0.02, 0.0, None, "1/s", _RATE),
        Param("max_qty", "int", 1, 1, None, "lots", "order size drawn uniformly in 1..max_qty"),
        Param(
            "max_offset",
            "int",
            10,
            0,
            None,
            "ticks",
            "passive distance from the reference drawn uniformly in -cross..max_offset",
        ),
        Param("cross", "int", 2, 0, None, "ticks", "how far through the reference an order may go"),
        Param(
            "cancel_after",
            "float",
            60.0,
            0.0,
            None,
            "s",
            "resting orders older than this are cancelled",
        ),
        Param(
            "max_position", "int", 20, 0, None, "lots", "no opening order beyond this net position"
        ),
    ),
    "market_maker": (
        Param("spread", "int", 2, 1, None, "ticks", "quotes at mid -/+ spread"),
        Param("size", "int", 5, 1, None, "lots", "lots per quote"),
        Param("max_inventory", "int", 50, 0, None, "lots", "|net position| never exceeds this"),
        Param(
            "skew", "float", 0.0, 0.0, None, "ticks", "quotes shift by -skew x net / max_inventory"
        ),
    ),
    "momentum": (
        Param("rate", "float", 0.05, 0.0, None, "1/s", _RATE),
        Param("lookback", "int", 60, 1, None, "steps", "return measured over this many steps"),
        Param("threshold", "float", 0.002, 0.0, None, "fraction", "act when |return| exceeds it"),
        _QTY,
        Param(
            "max_position", "int", 10, 0, None, "lots", "no opening order beyond this net position"
        ),
        Param("slippage", "int", 5, 0, None, "ticks", "limit price beyond the opposite best quote"),
    ),
    "fundamental": (
        Param("rate", "float", 0.05, 0.0, None, "1/s", _RATE),
        Param(
            "basis",
            "float",
            1.0,
            0.0,
            None,
            "ratio",
            "fair value = underlying x basis",
            lo_open=True,
        ),
        Param(
            "threshold", "float", 0.002, 0.0, None, "fraction", "act when |mispricing| exceeds it"
        ),
        Param("qty_per_pct", "float", 2.0, 0.0, None, "lots per 1 % mispricing", "order size"),
        Param("max_qty", "int", 10, 1, None, "lots", "largest order"),
        Param(
            "max_position", "int", 50, 0, None, "lots", "no opening order beyond this net position"
        ),
        Param(
            "dispersion",
            "float",
            0.001,
            0.0,
            None,
            "fraction",
            "sd of each agent's fair-value error, per day",
        ),
    ),
    "speculator": (
        Param(
            "direction", "choice", "long", None, None, "", "side of the position", ("long", "short")
        ),
        Param("target", "int", 20, 1, None, "lots", "position the agent builds and holds"),
        Param("rate", "float", 0.01, 0.0, None, "1/s", _RATE),
        _QTY,
        Param("slippage", "int", 5, 0, None, "ticks", "limit price beyond the opposite best quote"),
    ),
}
"""Parameters of each kind, in documentation order."""

DEFAULT_CASH = 1_000_000.0
"""CNY per agent when ``cash`` is absent."""

__all__ = ["COMMON", "DEFAULT_CASH", "KINDS", "ON_MARGIN_CALL", "PARAMS", "Param"]
