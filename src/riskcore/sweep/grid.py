"""The grid of a sweep: ``--grid KEY=V1,V2,...`` axes, ``--seeds``, and the list of runs.

A grid axis uses the key paths and the TOML value syntax of ``--set``
(:func:`riskcore.cli.parse_set`): ``rules.margin_rate=0.10,0.12,0.15``,
``scenario.rulebook=seed,cffex-2015``, ``contracts.0.margin_rate=0.1,0.2``. Values are split
at commas outside brackets, braces and quotes, so TOML arrays and strings holding commas
work: ``calendar.auction=["09:10","09:15"],false`` is two values.

Every run is identified by :func:`run_id`, a stable hash of the scenario's bytes (with the
files it names, :func:`riskcore.sweep.core.scenario_digest`), the overrides in force (fixed
``--set`` and the grid values) and the seed; a sweep folder keeps one part file per
finished run under that name, so a rerun skips it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from riskcore.cli import UsageError, parse_set

Path_ = tuple[str | int, ...]
"""A parsed key path: ``("contracts", 0, "margin_rate")``."""

Override = tuple[Path_, Any]
"""A parsed override: ``(path, value)`` as :func:`riskcore.cli.parse_set` returns it."""

SEED_KEY: Path_ = ("scenario", "seed")


def key_text(path: Path_) -> str:
    """``("contracts", 0, "margin_rate")`` -> ``"contracts.0.margin_rate"``."""
    return ".".join(str(p) for p in path)


@dataclass(frozen=True)
class GridAxis:
    """One ``--grid`` axis.

    Attributes
    ----------
    key : str
        The key as written (``rules.margin_rate``); also the metrics table's column name.
    path : tuple
        The parsed key path.
    values : tuple
        The parsed values, in the order given.
    texts : tuple of str
        Each value as written (for ``sweep.json`` and messages).
    """

    key: str
    path: Path_
    values: tuple[Any, ...]
    texts: tuple[str, ...]


def split_values(text: str) -> list[str]:
    """Split ``V1,V2,...`` at the commas outside brackets, braces and quotes.

    Parameters
    ----------
    text : str
        The part after ``=`` of a ``--grid`` argument.

    Returns
    -------
    list of str
        The values, stripped.

    Raises
    ------
    UsageError
        An unclosed bracket or quote, or an empty value (``0.1,,0.2``).
    """
    parts: list[str] = []
    depth = 0
    quote = ""
    escaped = False
    start = 0
    for i, c in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif c == "\\" and quote == '"':
                escaped = True
            elif c == quote:
                quote = ""
            continue
        if c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth < 0:
                raise UsageError(f"unbalanced {c!r} in {text!r}")
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quote:
        raise UsageError(f"unclosed {quote} quote in {text!r}")
    if depth:
        raise UsageError(f"unclosed bracket in {text!r}")
    parts.append(text[start:])
    out = [p.strip() for p in parts]
    if any(not p for p in out):
        raise UsageError(f"empty value in {text!r} (values are separated by single commas)")
    return out


def parse_grid(text: str) -> GridAxis:
    """``"rules.margin_rate=0.10,0.12"`` -> a :class:`GridAxis` of two values.

    Raises
    ------
    UsageError
        No ``=``, a bad key, a value that is not TOML, a repeated value, or
        ``scenario.seed`` (use ``--seeds``).
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise UsageError(
            f"--grid {text!r}: expected KEY=V1,V2,..., e.g. rules.margin_rate=0.10,0.12,0.15"
        )
    try:
        pieces = split_values(raw)
    except UsageError as e:
        raise UsageError(f"--grid {text!r}: {e}") from None
    values: list[Any] = []
    path: Path_ = ()
    for piece in pieces:
        try:
            path, value = parse_set(f"{key}={piece}")
        except UsageError as e:
            msg = str(e)
            if msg.startswith("--set "):
                msg = "--grid " + msg[len("--set ") :]
            raise UsageError(msg) from None
        values.append(value)
    return make_axis(path, values, pieces)


def make_axis(path: Path_, values: Sequence[Any], texts: Sequence[str] | None = None) -> GridAxis:
    """A :class:`GridAxis` from a parsed path and values (checks seeds and repeats)."""
    key = key_text(path)
    if tuple(path) == SEED_KEY:
        raise UsageError(f"--grid {key}: use --seeds N (or --seeds 3,7,11) to sweep seeds")
    if not values:
        raise UsageError(f"--grid {key}: no values")
    texts = tuple(texts) if texts is not None else tuple(_show(v) for v in values)
    seen: set[str] = set()
    for v, t in zip(values, texts, strict=True):
        canon = _canonical(v)
        if canon in seen:
            raise UsageError(f"--grid {key}: the value {t} is given twice")
        seen.add(canon)
    return GridAxis(key, tuple(path), tuple(values), texts)


def grid_from(grid: Mapping[str, Iterable[Any]] | Sequence[str] | None) -> list[GridAxis]:
    """Axes from ``--grid`` strings, or (Python API) a mapping ``key -> values``.

    Raises
    ------
    UsageError
        A bad axis, or a key given twice.
    """
    if grid is None:
        axes: list[GridAxis] = []
    elif isinstance(grid, Mapping):
        axes = []
        for key, values in grid.items():
            path, _ = parse_set(f"{key}=0")
            if isinstance(values, str | bytes) or not isinstance(values, Iterable):
                raise UsageError(f"grid {key}: expected a list of values, got {values!r}")
            axes.append(make_axis(path, list(values)))
    else:
        if isinstance(grid, str):
            grid = [grid]
        axes = [parse_grid(g) for g in grid]
    seen: set[str] = set()
    for a in axes:
        if a.key in seen:
            raise UsageError(f"--grid {a.key} is given twice (put every value in one --grid)")
        seen.add(a.key)
    return axes


def parse_seeds(spec: int | str | Iterable[int] | None) -> tuple[int, ...] | None:
    """``--seeds``: ``N`` -> seeds ``0..N-1``; ``"3,7,11"`` (or a list) -> those seeds.

    A single number is always a count: ``--seeds 7`` runs seeds 0 to 6; for the one seed 7,
    write ``--seeds 7,`` (a list of one). ``None`` -> ``None`` (the scenario's own seed).

    Raises
    ------
    UsageError
        Not a positive count, a negative or repeated seed, or not an integer.
    """
    if spec is None:
        return None
    if isinstance(spec, bool):
        raise UsageError(f"--seeds {spec!r}: expected N or a list like 3,7,11")
    if isinstance(spec, int):
        if spec < 1:
            raise UsageError(f"--seeds {spec}: the count must be 1 or more")
        return tuple(range(spec))
    if isinstance(spec, str):
        text = spec.strip()
        if "," not in text:
            try:
                return parse_seeds(int(text))
            except ValueError:
                raise UsageError(f"--seeds {spec!r}: expected N or a list like 3,7,11") from None
        items: list[Any] = [p.strip() for p in text.split(",") if p.strip()]
    else:
        items = list(spec)
    seeds: list[int] = []
    for item in items:
        try:
            if isinstance(item, bool) or (isinstance(item, float) and not item.is_integer()):
                raise ValueError
            seed = int(item)
        except (TypeError, ValueError):
            raise UsageError(f"--seeds {spec!r}: {item!r} is not an integer seed") from None
        if seed < 0:
            raise UsageError(f"--seeds {spec!r}: seeds must be 0 or more")
        if seed in seeds:
            raise UsageError(f"--seeds {spec!r}: seed {seed} is given twice")
        seeds.append(seed)
    if not seeds:
        raise UsageError(f"--seeds {spec!r}: no seeds")
    return tuple(seeds)


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep's deterministic order (grid order, then seed order).
    combo : int
        Index of the grid combination (the scenario variant).
    values : tuple
        The grid values of this run, one per axis.
    seed : int
    sets : tuple
        Every override of the run, fixed ``--set`` first, then the grid values.
    run_id : str
        :func:`run_id` of the run.
    """

    index: int
    combo: int
    values: tuple[Any, ...]
    seed: int
    sets: tuple[Override, ...]
    run_id: str


def combinations(axes: Sequence[GridAxis]) -> list[tuple[Any, ...]]:
    """Every combination of the axes' values; the first axis varies slowest."""
    return list(itertools.product(*(a.values for a in axes)))


def plan_runs(
    axes: Sequence[GridAxis],
    seeds: Sequence[int],
    fixed: Sequence[Override],
    scenario_digest: str,
) -> list[RunSpec]:
    """Every run of a sweep, in order: combinations (first axis slowest), then seeds."""
    runs: list[RunSpec] = []
    for c, combo in enumerate(combinations(axes)):
        sets = (*fixed, *((a.path, v) for a, v in zip(axes, combo, strict=True)))
        for seed in seeds:
            rid = run_id(scenario_digest, sets, seed)
            runs.append(RunSpec(len(runs), c, tuple(combo), int(seed), tuple(sets), rid))
    return runs


def run_id(scenario_digest: str, sets: Sequence[Override], seed: int) -> str:
    """A stable 16-hex-digit name of a run: hash of scenario bytes, overrides and seed.

    Overrides of the same key keep the last value; the order of different keys does not
    matter. ``1`` and ``1.0`` are different values (they load differently).
    """
    effective: dict[str, Any] = {}
    for path, value in sets:
        effective[key_text(path)] = value
    payload = {
        "scenario": scenario_digest,
        "sets": sorted((k, _canonical(v)) for k, v in effective.items()),
        "seed": int(seed),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _canonical(value: Any) -> str:
    """Type-aware canonical text of a TOML value (``1`` and ``1.0`` differ)."""

    def tag(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): tag(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [tag(x) for x in v]
        if isinstance(v, bool | int | str):
            return v
        if isinstance(v, float):
            return {"float": repr(v)}
        return {type(v).__name__: str(v)}

    return json.dumps(tag(value), sort_keys=True, separators=(",", ":"))


def _show(value: Any) -> str:
    """A value as TOML-ish text (for values given through the Python API)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
