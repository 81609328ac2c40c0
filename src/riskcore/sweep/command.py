"""``riskcore sweep``: the command line of a parameter sweep.

::

    riskcore sweep FILE [--grid KEY=V1,V2,...]... [--seeds N | --seeds S1,S2,...]
                        [--set KEY=VALUE]... [--workers N | --scheduler ADDRESS]
                        [--out DIR] [--quiet]

Exit status: 0 every run finished; 1 some run failed (recorded with status ``failed`` and
its error; the others are saved); 2 a bad command line, scenario or grid value (before any
run starts); 130 interrupted (finished runs stay saved: rerun to resume).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from riskcore.progress import TerminalLine

EXIT_RUNS_FAILED = 1


class SweepProgress(TerminalLine):
    """``[#####.....]  12/40 runs  elapsed 0:12  ETA 0:28  (1 failed)`` on a terminal.

    Called as ``progress(done, total, failed)``; redrawn at most every 0.1 s (and at the
    end). The ETA uses the pace of the runs done since the bar started (runs found finished
    do not count).
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.start = time.monotonic()
        self.first: int | None = None

    def __call__(self, done: int, total: int, failed: int = 0) -> None:
        if self.first is None:
            self.first = done
        now = time.monotonic()
        if not self.due(final=done >= total, now=now):
            return
        elapsed = now - self.start
        fresh = done - self.first
        eta = _clock(elapsed / fresh * (total - done)) if fresh > 0 else "--:--"
        text = (
            f"{self.bar(done / total if total else 1.0)} {done:,}/{total:,} runs  "
            f"elapsed {_clock(elapsed)}  ETA {eta}"
        )
        if failed:
            text += f"  ({failed} failed)"
        self.draw(text)


def _clock(seconds: float) -> str:
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def register(sub: Any, common: argparse.ArgumentParser, overrides: argparse.ArgumentParser) -> None:
    """Add the ``sweep`` subcommand to the ``riskcore`` parser."""
    p = sub.add_parser(
        "sweep",
        parents=[common, overrides],
        help="run a scenario over a grid of parameters and seeds",
        description="Run every combination of the --grid values (times the seeds) and write "
        "DIR/metrics.parquet (one row per run), DIR/member_metrics.parquet and "
        "DIR/sweep.json. Finished runs in DIR are not run again.",
        epilog="Exit status: 0 ok, 1 some run failed (recorded in metrics.parquet), 2 a bad "
        "command line or scenario, 130 interrupted (rerun to resume).",
    )
    p.add_argument("file", metavar="FILE", help="scenario TOML file")
    p.add_argument(
        "--grid",
        dest="grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="sweep a key over values in --set syntax, e.g. rules.margin_rate=0.10,0.12 "
        "(commas inside [...], {...} or quotes do not split; repeatable: every combination)",
    )
    p.add_argument(
        "--seeds",
        metavar="N|S1,S2,...",
        help="N runs seeds 0..N-1; a comma list runs those seeds (one seed: --seeds 7,); "
        "default the scenario's seed",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local worker processes (default: CPU count; 0: in this process)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask distributed cluster (tcp://host:8786; needs riskcore[distributed])",
    )
    p.add_argument("--out", metavar="DIR", help="sweep folder (default: sweeps/<scenario name>/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """``riskcore sweep``; see the module docstring."""
    from riskcore.cli import UsageError
    from riskcore.sweep.core import run_sweep

    if args.workers is not None and args.scheduler is not None:
        raise UsageError("--workers and --scheduler cannot be used together")
    stream = sys.stderr
    bar = SweepProgress(stream) if not args.quiet and _isatty(stream) else None

    def log(line: str) -> None:
        if not args.quiet:
            if bar is not None:
                bar.close()
            print(line, file=sys.stderr)

    started = time.perf_counter()
    try:
        res = run_sweep(
            args.file,
            grid=args.grid,
            seeds=args.seeds,
            sets=args.sets,
            out=args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=bar,
            log=log,
        )
    finally:
        if bar is not None:
            bar.close()
    failed = res.metrics.filter(res.metrics["status"] != "ok")
    if not args.quiet:
        wall = time.perf_counter() - started
        print(
            f"sweep {res.info['scenario']}: {res.total} runs ({res.ran} run, {res.skipped} "
            f"skipped as finished, {failed.height} failed) in {wall:.1f} s -> "
            f"{res.out / 'metrics.parquet'}"
        )
    for row in failed.head(5).iter_rows(named=True):
        print(f"FAILED run {row['run_id']} (seed {row['seed']}): {row['error']}", file=sys.stderr)
    if failed.height > 5:
        print(f"... and {failed.height - 5} more failed runs", file=sys.stderr)
    return EXIT_RUNS_FAILED if failed.height else 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
