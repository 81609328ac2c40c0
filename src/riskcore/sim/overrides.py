"""Overrides of a loaded scenario for :func:`riskcore.sim.run` (``seed``, ``days``,
``rulebook``, ``rules={...}`` and dotted ``"rules.<parameter>"`` keys).

>>> run("s.toml", seed=3, days=5, rules={"position_limit": 300})          # doctest: +SKIP
>>> run("s.toml", **{"rules.circuit_breaker": False})                     # doctest: +SKIP

Rule values are converted and checked as in a ``[rules]`` table
(:meth:`Rulebook.with_overrides`); an unknown override or parameter is a
:class:`~riskcore.scenario.ScenarioError` naming it (with a suggestion).

Choices where the spec is silent:

- ``rulebook=`` swaps the base rulebook and re-applies the scenario's own ``[rules]`` and
  ``[calendar]`` values on top (found as the parameters where the scenario's rulebook
  differs from its original base); ``rules`` overrides are applied last.
- The calendar is rebuilt from the (new) rulebook's sessions, auction and holidays and the
  (new) number of days.
- A contract without its own ``margin_rate`` in the file (the rulebook default,
  ``margin_rate`` / ``margin_rate_quarterly``) follows a changed default; a rate the file
  gives is kept, even when it equals the default — as with ``riskcore replay --set``, which
  re-reads the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from riskcore.scenario import Calendar, Rulebook, Scenario, ScenarioError
from riskcore.scenario.errors import suggest
from riskcore.scenario.loader import _default_margin  # the loader's default-rate rule
from riskcore.scenario.values import DAYS_KEPT, INT64_MAX, LAST_DAY, MAX_DAYS

KNOWN = ("seed", "days", "rulebook", "rules")
"""Override keywords; plus ``"rules.<parameter>"`` for any rule parameter."""


def make_calendar(rb: Rulebook, start: dt.date, days: int) -> Calendar:
    """``days`` trading days from ``start`` under ``rb``'s sessions, auction and holidays."""
    holidays = frozenset(rb.holidays)
    if start.weekday() >= 5 or start in holidays:
        raise ScenarioError(
            f"override: the start {start.isoformat()} is not a trading day under the "
            f"rulebook's holidays"
        )
    cal = Calendar.build(rb, start, days)
    if cal.trading_days[-1] > LAST_DAY:
        raise ScenarioError(
            f"override 'days': {days} trading days from {start.isoformat()} end on "
            f"{cal.trading_days[-1].isoformat()}, past the days riskcore keeps ({DAYS_KEPT})"
        )
    return cal


def _own_rules(sc: Scenario) -> dict[str, Any]:
    """The scenario's ``[rules]``/``[calendar]`` values: where its rulebook differs from its
    original base."""
    base_src = sc.rulebook.source.split(" + ")[0]
    try:
        base = Rulebook.load(base_src, relative_to=sc.source.parent)
    except ScenarioError as e:
        raise ScenarioError(
            f"override rulebook: cannot reload the scenario's rulebook {base_src!r} to "
            f"re-apply its [rules] ({e})"
        ) from None
    return {
        k: getattr(sc.rulebook, k)
        for k in Rulebook.parameters()
        if getattr(sc.rulebook, k) != getattr(base, k)
    }


def apply_overrides(sc: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """``sc`` with the overrides applied (see the module docstring).

    Raises
    ------
    ScenarioError
        Unknown override, unknown rule parameter, or a value of the wrong type.
    """
    if not overrides:
        return sc
    rules: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key == "rules":
            if not isinstance(value, Mapping):
                raise ScenarioError(
                    f"override 'rules': expected a mapping of rule parameters, got "
                    f"{type(value).__name__}"
                )
            rules.update(value)
        elif key.startswith("rules."):
            rules[key.removeprefix("rules.")] = value
        elif key in ("seed", "days"):
            lo, hi = (1, MAX_DAYS) if key == "days" else (0, INT64_MAX)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ScenarioError(
                    f"override '{key}': {value!r} is not an integer in [{lo}, {hi}]"
                )
            changes[key] = value
        elif key == "rulebook":
            if not isinstance(value, str | Rulebook) and not hasattr(value, "__fspath__"):
                raise ScenarioError(f"override 'rulebook': {value!r} is not a name or a path")
            changes[key] = value
        else:
            names = (*KNOWN, *(f"rules.{p}" for p in Rulebook.parameters()))
            raise ScenarioError(
                f"unknown override '{key}'{suggest(key, names)} (known: seed, days, rulebook, "
                "rules={...} or 'rules.<parameter>')"
            )

    rb = sc.rulebook
    if "rulebook" in changes:
        new = changes.pop("rulebook")
        own = _own_rules(sc)
        base = (
            new if isinstance(new, Rulebook) else Rulebook.load(new, relative_to=sc.source.parent)
        )
        rb = dataclasses.replace(base, **own, source=f"{base.source} + {sc.source.name}")
    if rules:  # checked as a whole, the swapped rulebook with the scenario's rules included
        rb = rb.with_overrides(rules, source="run() overrides")
    elif rb is not sc.rulebook:  # a swapped rulebook and the scenario's rules (e.g. BRK-01)
        rb.with_overrides({}, source=f"override rulebook {rb.source}")
    days = changes.get("days", sc.days)
    out = dataclasses.replace(sc, **changes)
    if rb is not sc.rulebook or days != sc.days:
        contracts = tuple(
            dataclasses.replace(c, margin_rate=_default_margin(c.symbol, sc.start, rb))
            if not c.margin_rate_given
            else c
            for c in sc.contracts
        )
        out = dataclasses.replace(
            out,
            rulebook=rb,
            calendar=make_calendar(rb, sc.start, days),
            contracts=contracts,
        )
    return out
