"""Running the runs of a sweep: the pure per-run function and the two backends.

:func:`execute` turns a :class:`RunTask` (scenario file, overrides, seed) into a plain dict
(the metrics row and the member rows); it never raises, a run that fails comes back with
``status = "failed"`` and its one-line error. Both backends call it:

- :func:`run_local`: a pool of worker processes on this machine (``spawn`` or
  ``forkserver`` start method: numba's threads make ``fork`` unsafe). Each worker imports
  the simulator once (loading numba's on-disk cache) and then serves many runs;
- :func:`run_dask`: the workers of a Dask distributed cluster (``distributed.Client``),
  imported only when asked for.

Results come back to the calling process, which writes them (a cluster's workers need not
share its disk); the scenario file and its flow files must be readable at the same path on
every worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskcore.cli import UsageError, apply_sets
from riskcore.scenario import ScenarioError
from riskcore.sweep.grid import Override, key_text


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run (picklable, small).

    Attributes
    ----------
    scenario : str
        Absolute path of the scenario file.
    sets : tuple
        Parsed overrides ``(path, value)`` applied in order.
    seed : int
    run_id : str
    """

    scenario: str
    sets: tuple[Override, ...]
    seed: int
    run_id: str


def load_variant(
    file: str | Path,
    sets: Sequence[Override],
    seed: int | None = None,
    parsed: tuple[str, dict] | None = None,
    labels: dict[str, str] | None = None,
):
    """Load a scenario with parsed overrides (and a seed) applied before validation.

    Parameters
    ----------
    file : str or Path
    sets : sequence of (path, value)
    seed : int, optional
        Sets ``scenario.seed``.
    parsed : (text, data), optional
        The file's text and parsed TOML, when already read (a sweep reads it once).
    labels : dict, optional
        Key text -> how to name it in an error (default ``--set KEY``).

    Returns
    -------
    riskcore.scenario.Scenario

    Raises
    ------
    ScenarioError
        A bad scenario or override value; lines about an overridden key name the override.
    UsageError
        An override path through a value, or an index out of range.
    """
    from riskcore.scenario.errors import format_path
    from riskcore.scenario.loader import load_parsed, read_scenario_text
    from riskcore.scenario.rulebook import parse_toml

    all_sets = list(sets)
    if seed is not None:
        all_sets.append((("scenario", "seed"), int(seed)))
    if parsed is None:
        text = read_scenario_text(file)
        parsed = (text, parse_toml(text, str(Path(file))))
    text, data = parsed
    data = apply_sets(data, all_sets)
    try:
        return load_parsed(file, text, data)
    except ScenarioError as e:
        labels = labels or {}
        names = {
            format_path(p): labels.get(key_text(p), f"--set {key_text(p)}") for p, _ in all_sets
        }
        lines = [_blame(line, names) for line in e.errors]
        raise ScenarioError(lines[0], lines) from None


def _blame(line: str, names: dict[str, str]) -> str:
    for key, label in names.items():
        marker = f": key '{key}'"
        i = line.find(marker)
        if i >= 0:
            return f"{label}{line[i + len(marker) :]}"
    return line


def one_line(e: BaseException) -> str:
    """``ValueError: text`` on one line."""
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def execute(task: RunTask) -> dict[str, Any]:
    """Run one sweep run and compute its metrics; never raises (except ``KeyboardInterrupt``).

    Returns
    -------
    dict
        ``run_id``, ``status`` (``ok`` or ``failed``), ``error`` (one line or ``None``),
        ``wall_s``, ``metrics`` (:func:`riskcore.sweep.metrics.run_metrics` or ``None``)
        and ``members`` (a list of :func:`~riskcore.sweep.metrics.member_metrics` rows).
    """
    from riskcore.sweep.metrics import initial_member_equity, member_metrics, run_metrics

    t = time.perf_counter()
    try:
        from riskcore.sim import run

        scenario = load_variant(task.scenario, task.sets, task.seed)
        result = run(scenario)
        initial = initial_member_equity(scenario)
        members = member_metrics(result.tables, initial)
        metrics = run_metrics(result.tables, initial, members)
        return {
            "run_id": task.run_id,
            "status": "ok",
            "error": None,
            "wall_s": time.perf_counter() - t,
            "metrics": metrics,
            "members": members.to_dicts(),
        }
    except Exception as e:
        if os.environ.get("RISKCORE_SWEEP_DEBUG"):
            traceback.print_exc()
        return {
            "run_id": task.run_id,
            "status": "failed",
            "error": one_line(e),
            "wall_s": time.perf_counter() - t,
            "metrics": None,
            "members": [],
        }


WORKER_ENV = {"POLARS_MAX_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
"""Set in local workers (unless already set): one run at a time per process, so the
parallelism is the processes', not thread pools competing for the same cores."""


@contextlib.contextmanager
def _worker_env() -> Iterator[None]:
    """:data:`WORKER_ENV` in ``os.environ`` (where not set) while workers start."""
    added = [name for name in WORKER_ENV if name not in os.environ]
    for name in added:
        os.environ[name] = WORKER_ENV[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _init_worker() -> None:
    """A local worker: leave Ctrl-C to the parent, one thread each, load the simulator."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import riskcore.engine
    import riskcore.sim  # noqa: F401


def _mp_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


Done = Callable[[RunTask, dict[str, Any]], None]


def run_local(tasks: Sequence[RunTask], workers: int, done: Done) -> None:
    """Run ``tasks`` on ``workers`` local processes; ``done(task, row)`` as each finishes.

    ``workers = 0`` runs them in this process, one after the other.

    Ctrl-C cancels the runs not started, stops the workers and re-raises
    ``KeyboardInterrupt``; the runs already passed to ``done`` stay done.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    if not tasks:
        return
    if workers == 0:  # in this process, one run after the other (debugging, tests)
        for task in tasks:
            done(task, execute(task))
        return
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(tasks))),
        mp_context=_mp_context(),
        initializer=_init_worker,
    )
    try:
        with _worker_env():  # the workers (and a forkserver) start during the submits
            pending = {pool.submit(execute, t): t for t in tasks}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                task = pending.pop(fut)
                try:
                    row = fut.result()
                except Exception as e:  # a worker died (e.g. out of memory)
                    row = _failed(task, e)
                done(task, row)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _stop(pool: Any) -> None:
    """Cancel what has not started and end the workers now."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(timeout=2.0)
    pool.shutdown(wait=True)  # the pool sees its workers gone and ends its threads


def _failed(task: RunTask, e: BaseException) -> dict[str, Any]:
    return {
        "run_id": task.run_id,
        "status": "failed",
        "error": one_line(e),
        "wall_s": None,
        "metrics": None,
        "members": [],
    }


def connect(address: str) -> Any:
    """A ``distributed.Client`` connected to ``address``.

    Raises
    ------
    UsageError
        ``distributed`` is not installed, or the scheduler cannot be reached.
    """
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "--scheduler needs the Dask 'distributed' package: pip install 'riskcore[distributed]'"
        ) from None
    try:
        return distributed.Client(address, timeout="10s")
    except (OSError, TimeoutError) as e:
        raise UsageError(f"--scheduler {address}: cannot connect ({one_line(e)})") from None


def run_dask(tasks: Sequence[RunTask], address: str | Any, done: Done) -> int:
    """Run ``tasks`` on a Dask cluster; ``done(task, row)`` as each finishes.

    Parameters
    ----------
    address : str or distributed.Client
        The scheduler's address (``tcp://host:8786``), or a connected client.

    Returns
    -------
    int
        The cluster's worker threads when the sweep started.
    """
    if not tasks:
        return 0
    own = isinstance(address, str)
    client = connect(address) if own else address
    try:
        from distributed import as_completed

        nthreads = sum(client.nthreads().values())
        futures = [client.submit(execute, t, pure=False) for t in tasks]
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        try:
            for fut in as_completed(futures):
                task = by_key[fut.key]
                try:
                    row = fut.result()
                except Exception as e:  # a worker died, or the task could not run
                    row = _failed(task, e)
                done(task, row)
                fut.release()
        except BaseException:
            client.cancel(futures)
            raise
        return nthreads
    finally:
        if own:
            client.close()
