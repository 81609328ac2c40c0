"""A sweep from start to end: plan, validate, run what is not done, combine, record.

Folder layout (``--out DIR``, default ``sweeps/<scenario name>/``)::

    DIR/runs/<run_id>.parquet   one row per finished run (members nested), written atomically
    DIR/metrics.parquet         one row per run of the last sweep, in grid order
    DIR/member_metrics.parquet  one row per run and member
    DIR/sweep.json              grid, seeds, scenario, counts, versions, timings

Resuming: a run whose part file holds ``status = "ok"`` is not run again; failed runs are
retried. Part files are named by :func:`riskcore.sweep.grid.run_id` (scenario bytes,
overrides, seed), so a different grid in the same folder merges: runs it shares with an
earlier sweep are reused, the others run, and the combined tables and ``sweep.json``
describe the latest sweep (earlier parts stay for later reuse). A folder holding a sweep of
another scenario is an error. Editing the scenario file, its flow or accounts file or a
rulebook file it names changes every run id (all rerun); a new riskcore version does not
(use a new ``--out`` then).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from riskcore.cli import UsageError, parse_set
from riskcore.output.write import write_json, write_table
from riskcore.scenario import ScenarioError
from riskcore.sweep.grid import (
    GridAxis,
    Override,
    RunSpec,
    grid_from,
    key_text,
    parse_seeds,
    plan_runs,
)
from riskcore.sweep.metrics import MEMBER_SCHEMA, RUN_SCHEMA
from riskcore.sweep.runner import RunTask, default_workers, load_variant, run_dask, run_local

PART_SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "seed": pl.Int64(),
    "status": pl.String(),
    "error": pl.String(),
    "wall_s": pl.Float64(),
    "overrides": pl.String(),
    **RUN_SCHEMA,
    "members": pl.List(pl.Struct(MEMBER_SCHEMA)),
}
"""Columns of a part file ``runs/<run_id>.parquet`` (one row)."""


@dataclass
class SweepOutcome:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    metrics, members : DataFrame
        The combined tables (as written to ``metrics.parquet`` and
        ``member_metrics.parquet``).
    out : Path
        The sweep folder.
    total, skipped, ran, failed : int
        Runs in the sweep, found finished, run now, failed now.
    info : dict
        The ``sweep.json`` content.
    """

    metrics: pl.DataFrame
    members: pl.DataFrame
    out: Path
    total: int
    skipped: int
    ran: int
    failed: int
    info: dict[str, Any] = field(default_factory=dict)


def _parse_sets(sets: Iterable[str] | Mapping[str, Any] | None) -> list[Override]:
    if sets is None:
        return []
    if isinstance(sets, Mapping):
        return [(parse_set(f"{k}=0")[0], v) for k, v in sets.items()]
    if isinstance(sets, str):
        sets = [sets]
    return [parse_set(s) for s in sets]


def run_sweep(
    scenario: str | Path,
    grid: Mapping[str, Iterable[Any]] | Sequence[str] | None = None,
    seeds: int | str | Iterable[int] | None = None,
    sets: Iterable[str] | Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | Any | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> SweepOutcome:
    """Run a parameter sweep (see :func:`riskcore.sweep.sweep` for the parameters).

    Raises
    ------
    ScenarioError
        The scenario, or one of its variants, does not load (before any run starts).
    UsageError
        A bad grid, seed list, override or folder.
    """
    t0 = time.perf_counter()
    file = Path(scenario)
    axes = grid_from(grid)
    fixed = _parse_sets(sets)
    seed_list = parse_seeds(seeds)
    fixed_keys = {key_text(p) for p, _ in fixed}
    for a in axes:
        if a.key in fixed_keys:
            raise UsageError(f"--grid {a.key} is also given with --set (use one of them)")
    if seed_list is not None and "scenario.seed" in fixed_keys:
        raise UsageError("--seeds and --set scenario.seed cannot be used together")
    if workers is not None and workers < 0:
        raise UsageError(f"--workers {workers}: must be 0 (in this process) or more")

    from riskcore.scenario.loader import read_scenario_text
    from riskcore.scenario.rulebook import parse_toml

    text = read_scenario_text(file)
    parsed = (text, parse_toml(text, str(file)))
    digest = scenario_digest(file, text, parsed[1])

    # validate every variant up front: one clear error before any work starts
    labels = {a.key: f"--grid {a.key}" for a in axes}
    base = None
    for combo in itertools.product(*(range(len(a.values)) for a in axes)):
        picked = list(zip(axes, combo, strict=True))
        variant_sets = [*fixed, *((a.path, a.values[i]) for a, i in picked)]
        try:
            sc = load_variant(file, variant_sets, None, parsed, labels)
        except (ScenarioError, UsageError) as e:
            shown = ", ".join(f"{a.key}={a.texts[i]}" for a, i in picked)
            where = f" (grid {shown})" if shown else ""
            if isinstance(e, UsageError):
                raise UsageError(f"{e}{where}") from None
            raise ScenarioError(f"{e.errors[0]}{where}") from None  # one clear line
        if base is None:
            base = sc
    assert base is not None  # no axes: one empty combination
    if log is not None:
        for a in axes:
            shadowed = _shadowed(a.key, base)
            if shadowed:
                log(shadowed)
    if seed_list is None:
        seed_list = (int(base.seed),)
    validate_s = time.perf_counter() - t0

    folder = Path(out) if out is not None else Path("sweeps") / base.name
    parts = folder / "runs"
    _check_folder(folder, base.name)
    parts.mkdir(parents=True, exist_ok=True)

    specs = plan_runs(axes, seed_list, fixed, digest)
    by_id: dict[str, RunSpec] = {}
    for s in specs:
        by_id.setdefault(s.run_id, s)
    finished = {rid for rid in by_id if _part_ok(parts / f"{rid}.parquet")}
    todo = [s for rid, s in by_id.items() if rid not in finished]
    total = len(by_id)
    skipped = len(finished)
    if log is not None and skipped:
        log(f"{skipped} of {total} runs already finished in {folder}: skipped")

    abs_file = str(file.resolve())
    tasks = [RunTask(abs_file, s.sets, s.seed, s.run_id) for s in todo]
    count = {"done": skipped, "failed": 0}

    def done(task: RunTask, row: dict[str, Any]) -> None:
        write_table(_part_frame(by_id[task.run_id], row), parts / f"{task.run_id}.parquet")
        count["done"] += 1
        if row["status"] != "ok":
            count["failed"] += 1
        if progress is not None:
            progress(count["done"], total, count["failed"])

    if progress is not None:
        progress(count["done"], total, 0)
    t1 = time.perf_counter()
    backend: dict[str, Any]
    if scheduler is not None:
        threads = run_dask(tasks, scheduler, done)
        shown = scheduler if isinstance(scheduler, str) else "client"
        backend = {"kind": "dask", "scheduler": shown, "threads": threads}
    else:
        n = workers if workers is not None else default_workers()
        run_local(tasks, n, done)
        backend = {"kind": "local", "workers": n}
    runs_s = time.perf_counter() - t1

    metrics, members = combine(specs, axes, parts)
    write_table(metrics, folder / "metrics.parquet")
    write_table(members, folder / "member_metrics.parquet")
    from riskcore.sim.result import versions

    info = {
        "scenario": base.name,
        "file": str(file),
        "scenario_digest": digest,
        "grid": [{"key": a.key, "values": list(a.texts)} for a in axes],
        "sets": [[key_text(p), v] for p, v in fixed],
        "seeds": list(seed_list),
        "runs": total,
        "skipped": skipped,
        "ran": len(tasks),
        "failed": int((metrics["status"] != "ok").sum()),
        "backend": backend,
        "time_s": {
            "validate": round(validate_s, 6),
            "runs": round(runs_s, 6),
            "total": round(time.perf_counter() - t0, 6),
        },
        "versions": versions(),
    }
    write_json(info, folder / "sweep.json")
    return SweepOutcome(metrics, members, folder, total, skipped, len(tasks), count["failed"], info)


def _shadowed(key: str, sc: Any) -> str | None:
    """A note when a grid key cannot change this scenario: ``rules.margin_rate`` (or
    ``margin_rate_quarterly``) is only the default of contracts without their own rate."""
    if key in ("rules.margin_rate", "rules.margin_rate_quarterly") and all(
        c.margin_rate_given for c in sc.contracts
    ):
        return (
            f"note: --grid {key} changes no contract here: every contract sets its own "
            "margin_rate (grid contracts.N.margin_rate instead)"
        )
    return None


def scenario_digest(file: Path, text: str, data: dict) -> str:
    """SHA-256 of the scenario file and of the files it names: ``[flow] path``,
    ``[accounts_file] path`` and a rulebook given as a path (as written in the file)."""
    h = hashlib.sha256(text.encode("utf-8"))
    named = []
    for table in ("flow", "accounts_file"):
        entry = data.get(table)
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            named.append(entry["path"])
    head = data.get("scenario")
    rulebook = head.get("rulebook") if isinstance(head, dict) else None
    if isinstance(rulebook, str) and rulebook.endswith(".toml"):
        named.append(rulebook)
    for name in named:
        path = file.parent / name
        h.update(b"\0" + name.encode("utf-8") + b"\0")
        if path.is_file():
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def _check_folder(folder: Path, name: str) -> None:
    info_path = folder / "sweep.json"
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder}: not a folder")
    if not info_path.is_file():
        return
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    other = info.get("scenario")
    if isinstance(other, str) and other != name:
        raise UsageError(
            f"{folder} holds a sweep of scenario '{other}', not '{name}' (use another --out)"
        )


def _part_ok(path: Path) -> bool:
    """A part file that can be read and records a finished (``ok``) run."""
    if not path.is_file():
        return False
    try:
        status = pl.read_parquet(path, columns=["status"])["status"]
    except Exception:  # a damaged file: run again
        return False
    return status.len() == 1 and status[0] == "ok"


def _part_frame(spec: RunSpec, row: dict[str, Any]) -> pl.DataFrame:
    metrics = row.get("metrics") or {}
    record = {
        "run_id": spec.run_id,
        "seed": spec.seed,
        "status": row["status"],
        "error": row.get("error"),
        "wall_s": row.get("wall_s"),
        "overrides": json.dumps(
            [[key_text(p), v] for p, v in spec.sets], default=str, ensure_ascii=False
        ),
        **{k: metrics.get(k) for k in RUN_SCHEMA},
        "members": row.get("members") or [],
    }
    return pl.DataFrame([record], schema=PART_SCHEMA, orient="row")


def _grid_column(axis: GridAxis, values: list[Any]) -> pl.Series:
    """The grid column of ``axis``: the values' own type, or their text if types mix."""
    try:
        return pl.Series(axis.key, values)
    except Exception:
        return pl.Series(axis.key, [_text_of(axis, v) for v in values], dtype=pl.String)


def _text_of(axis: GridAxis, value: Any) -> str:
    for v, t in zip(axis.values, axis.texts, strict=True):
        if v is value:
            return t
    return str(value)


def combine(
    specs: Sequence[RunSpec], axes: Sequence[GridAxis], parts: Path
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The combined ``metrics`` and ``member_metrics`` of ``specs`` from their part files.

    ``metrics`` has the grid columns (named by key), ``seed``, ``run_id``, ``status``,
    ``error``, ``wall_s`` and the :data:`~riskcore.sweep.metrics.RUN_SCHEMA` columns, one
    row per run in the sweep's order (a run without a part file has status ``missing``);
    ``member_metrics`` has the grid columns, ``seed``, ``run_id`` and the
    :data:`~riskcore.sweep.metrics.MEMBER_SCHEMA` columns.
    """
    frames = []
    for s in specs:
        path = parts / f"{s.run_id}.parquet"
        try:
            frames.append(pl.read_parquet(path))
        except Exception:
            frames.append(_part_frame(s, {"status": "missing", "error": "no result saved"}))
    data = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame(schema=PART_SCHEMA)
    grid_cols = [_grid_column(a, [s.values[i] for s in specs]) for i, a in enumerate(axes)]
    keys = pl.DataFrame([*grid_cols, pl.Series("seed", [s.seed for s in specs], dtype=pl.Int64)])
    data = data.drop("seed")
    main = pl.concat([keys, data.drop("members", "overrides")], how="horizontal")
    members = (
        pl.concat([keys, data.select("run_id", "members")], how="horizontal")
        .explode("members")
        .drop_nulls("members")
        .unnest("members")
    )
    if members.height == 0:
        members = pl.DataFrame(schema={**keys.schema, "run_id": pl.String(), **MEMBER_SCHEMA})
    return main, members


def sweep(
    scenario: str | Path,
    grid: Mapping[str, Iterable[Any]] | Sequence[str] | None = None,
    *,
    seeds: int | str | Iterable[int] | None = None,
    sets: Iterable[str] | Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | Any | None = None,
) -> pl.DataFrame:
    """Run every combination of ``grid`` (times ``seeds``) and return the metrics table.

    Parameters
    ----------
    scenario : str or Path
        The scenario TOML file.
    grid : mapping or sequence of str, optional
        ``{"rules.margin_rate": [0.10, 0.12], "rules.position_limit": [300, 600]}``, or
        ``--grid`` strings ``["rules.margin_rate=0.10,0.12"]``. The first axis varies
        slowest.
    seeds : int, str or sequence of int, optional
        ``N`` runs seeds ``0..N-1``; a list (or ``"3,7,11"``) runs those seeds; default the
        scenario's own seed.
    sets : mapping or sequence of str, optional
        Fixed overrides for every run (``{"scenario.days": 3}`` or ``["scenario.days=3"]``).
    out : str or Path, optional
        The sweep folder (default ``sweeps/<scenario name>/``); finished runs found there
        are not run again.
    workers : int, optional
        Local worker processes (default: the CPUs this process may use); 0 runs every run
        in the calling process, one after the other.
    scheduler : str or distributed.Client, optional
        Run on this Dask distributed cluster instead of local processes.

    Returns
    -------
    polars.DataFrame
        One row per run: the grid values, ``seed``, ``run_id``, ``status`` (``ok`` or
        ``failed``), ``error``, ``wall_s`` and the metrics of
        :mod:`riskcore.sweep.metrics`. The member table is in
        ``OUT/member_metrics.parquet``.

    Raises
    ------
    ScenarioError, riskcore.cli.UsageError
        A bad scenario, grid value, seed list or folder (before any run starts).
    """
    return run_sweep(
        scenario, grid, seeds, sets, out=out, workers=workers, scheduler=scheduler
    ).metrics
