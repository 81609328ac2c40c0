"""The ``riskcore`` command line (SCENARIO.md, "CLI").

::

    riskcore replay FILE [--out DIR] [--check] [--quiet] [--seed N] [--set KEY=VALUE ...]
                    [--save-state] [--from RUN_DIR/state/YYYY-MM-DD]
    riskcore validate FILE [--set KEY=VALUE ...]
    riskcore list [--dir DIR]
    riskcore show DIR [--table NAME] [--head N]
    riskcore plot RUN_DIR [--out DIR]
    riskcore --version

Exit status: 0 success; 1 ``--check`` found an expectation that does not hold; 2 a bad
scenario, a bad command line, a missing run folder, or a run that failed (an internal
error or an I/O problem) — always a one-line message on stderr (``validate`` prints every
problem; the traceback only with ``--debug``); 130 interrupted.

``--set KEY=VALUE`` overrides one key of the scenario file before it is checked, e.g.
``--set rules.position_limit=300``, ``--set scenario.days=3``, ``--set calendar.auction=false``.
``VALUE`` is read as a TOML value (``300``, ``0.06``, ``false``, ``"text"``, ``["09:30",
"11:30"]``); a bare word that is not TOML is taken as a string (``--set
scenario.rulebook=cffex-2015``). Numbers in a key path index arrays of tables:
``--set contracts.0.margin_rate=0.15``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tomllib
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import riskcore
from riskcore.progress import TerminalLine
from riskcore.scenario import ScenarioError
from riskcore.sim.state import StateError

PROG = "riskcore"

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 2  # any error: one line, exit 2 (tracebacks only with --debug)
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A bad command line or a missing file: one line, exit status 2."""


# --- entry point ----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``riskcore`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (see the module docstring). argparse's own usage errors and
        ``--help`` / ``--version`` raise ``SystemExit`` as usual.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    debug = bool(getattr(args, "debug", False))
    try:
        return args.func(args)
    except ScenarioError as e:
        more = len(e.errors) - 1
        hint = f" (+{more} more: riskcore validate {getattr(args, 'file', 'FILE')})" if more else ""
        _err(f"{e}{hint}")
        if debug:
            traceback.print_exc()
        return EXIT_BAD_INPUT
    except UsageError as e:
        _err(f"{PROG}: error: {e}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _err(f"{PROG}: interrupted")
        return EXIT_INTERRUPTED
    except Exception as e:  # one line unless --debug
        if debug:
            traceback.print_exc()
        else:
            _err(f"{PROG}: error: {_one_line(e)} (run with --debug for the traceback)")
        return EXIT_RUN_FAILED


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", help="show the full traceback of an unexpected error"
    )
    overrides = argparse.ArgumentParser(add_help=False)
    overrides.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a key of the scenario file, e.g. rules.position_limit=300 "
        "(VALUE in TOML syntax; repeatable)",
    )

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="riskcore: a futures-exchange risk-control simulator (CFFEX stock-index "
        "futures).",
        epilog="Exit status: 0 ok, 1 a failed expectation (--check), 2 any error (a bad "
        "scenario or command line, a failed run).",
    )
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "replay",
        parents=[common, overrides],
        help="run a scenario and write its tables",
        description="Run a scenario and write DIR/<table>.parquet and DIR/summary.json.",
    )
    p.add_argument("file", metavar="FILE", help="scenario TOML file")
    p.add_argument("--out", metavar="DIR", help="run folder (default: runs/<scenario name>/)")
    p.add_argument(
        "--check",
        action="store_true",
        help="check the scenario's [[expect]] blocks; exit 1 if one does not hold",
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary table"
    )
    p.add_argument("--seed", type=int, metavar="N", help="override [scenario].seed")
    p.add_argument(
        "--save-state",
        action="store_true",
        help="save every day's end-of-day state to DIR/state/YYYY-MM-DD/ (to continue from)",
    )
    p.add_argument(
        "--from",
        dest="from_state",
        metavar="STATE_DIR",
        help="continue after the day of a saved state RUN_DIR/state/YYYY-MM-DD (rules may "
        "differ: a what-if from that day); default --out runs/<name>-from-<day>/",
    )
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser(
        "validate",
        parents=[common, overrides],
        help="parse and check a scenario without running it",
        description="Parse and check a scenario; print every problem with file, line and key.",
    )
    p.add_argument("file", metavar="FILE", help="scenario TOML file")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "list",
        parents=[common],
        help="shipped scenarios and rulebooks",
        description="List the shipped scenarios and rulebooks with their titles.",
    )
    p.add_argument(
        "--dir",
        metavar="DIR",
        action="append",
        help="list the scenarios in DIR instead of the shipped ones (repeatable)",
    )
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "show",
        parents=[common],
        help="the summary of a finished run, and its tables",
        description="Print a run folder's summary, or one of its tables.",
    )
    p.add_argument("dir", metavar="DIR", help="a run folder written by `riskcore replay`")
    p.add_argument("--table", metavar="NAME", help="print this table (e.g. trades)")
    p.add_argument(
        "--head", type=int, default=20, metavar="N", help="rows of the table to print (20)"
    )
    p.set_defaults(func=cmd_show)

    from riskcore.plot.command import register as register_plot

    register_plot(sub, common)

    from riskcore.sweep.command import register as register_sweep

    register_sweep(sub, common, overrides)
    return parser


def version_text() -> str:
    """``riskcore 0.1.0 (python 3.11.9, numpy ..., numba ..., polars ...)``."""
    from importlib import metadata

    parts = [f"python {sys.version.split()[0]}"]
    for name in ("numpy", "numba", "polars"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            pass
    return f"{PROG} {riskcore.__version__} ({', '.join(parts)})"


# --- --set ----------------------------------------------------------------------------------
def parse_set(text: str) -> tuple[tuple[str | int, ...], Any]:
    """``"rules.position_limit=300"`` -> ``(("rules", "position_limit"), 300)``.

    Parameters
    ----------
    text : str
        ``KEY=VALUE``; ``KEY`` a dotted path (integers index arrays of tables), ``VALUE`` a
        TOML value or a bare word (taken as a string).

    Raises
    ------
    UsageError
        No ``=``, an empty key part, or a value that is neither TOML nor a bare word.
    """
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise UsageError(f"--set {text!r}: expected KEY=VALUE, e.g. rules.position_limit=300")
    path: list[str | int] = []
    for part in key.split("."):
        part = part.strip()
        if not part:
            raise UsageError(f"--set {text!r}: empty part in the key '{key}'")
        path.append(int(part) if part.isdigit() else part)
    if not isinstance(path[0], str):
        raise UsageError(f"--set {text!r}: the key must start with a name, e.g. rules.X")
    try:
        value = tomllib.loads(f"x = {raw}")["x"]
    except tomllib.TOMLDecodeError:
        if not raw or any(c in raw for c in "\"'[]{}=#\n"):
            raise UsageError(
                f"--set {text!r}: {raw!r} is not a TOML value (e.g. 300, 0.06, false, "
                '"text", ["09:30", "11:30"])'
            ) from None
        value = raw  # a bare word: cffex-2015, 2015-08-24x ...
    return tuple(path), value


def apply_sets(data: dict, sets: Sequence[tuple[tuple[str | int, ...], Any]]) -> dict:
    """A copy of a parsed scenario document with ``--set`` overrides applied.

    Missing tables on the way are created (``--set rules.x=1`` works without a ``[rules]``
    table); an index must name an existing element of an array of tables.

    Raises
    ------
    UsageError
        A path through something that is not a table, or an index out of range.
    """
    import copy

    out = copy.deepcopy(data)
    for path, value in sets:
        node: Any = out
        shown = ".".join(str(p) for p in path)
        for depth, part in enumerate(path[:-1]):
            nxt = path[depth + 1]
            if isinstance(part, int):
                if not isinstance(node, list) or not -len(node) <= part < len(node):
                    n = len(node) if isinstance(node, list) else 0
                    raise UsageError(f"--set {shown}: no element {part} (there are {n})")
                node = node[part]
            else:
                if not isinstance(node, dict):
                    raise UsageError(f"--set {shown}: '{path[depth - 1]}' is a value, not a table")
                if part not in node:
                    node[part] = [] if isinstance(nxt, int) else {}
                node = node[part]
        last = path[-1]
        if isinstance(last, int):
            if not isinstance(node, list) or not -len(node) <= last < len(node):
                raise UsageError(f"--set {shown}: no element {last}")
            node[last] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise UsageError(f"--set {shown}: '{path[-2]}' is a value, not a table")
    return out


def load_with_sets(file: str | Path, sets: Sequence[str] = (), seed: int | None = None):
    """Load a scenario with ``--set`` / ``--seed`` overrides applied before validation.

    Problems in an overridden key are reported as ``--set KEY: ...`` instead of the file's
    line; everything else keeps ``FILE:LINE: key ...``.

    Returns
    -------
    riskcore.scenario.Scenario

    Raises
    ------
    ScenarioError
        As :func:`riskcore.scenario.load_scenario`.
    UsageError
        A malformed ``--set``.
    """
    from riskcore.scenario import load_scenario

    parsed = [parse_set(s) for s in sets]
    if not parsed and seed is None:
        return load_scenario(file)
    from riskcore.scenario.errors import format_path
    from riskcore.sweep.grid import key_text
    from riskcore.sweep.runner import load_variant

    labels = {key_text(p): f"--set {format_path(p)}" for p, _ in parsed}
    return load_variant(file, parsed, seed, labels=labels)


# --- replay ---------------------------------------------------------------------------------
def cmd_replay(args: argparse.Namespace) -> int:
    """``riskcore replay``: run, save, optionally check; see the module docstring."""
    from riskcore.expect import check_expectations, first_failure

    started = time.perf_counter()
    scenario = load_with_sets(args.file, args.sets, args.seed)
    state = _state_to_continue(args, scenario)
    if args.out:
        out = Path(args.out)
    elif state is not None:
        out = Path("runs") / f"{scenario.name}-from-{state.day.isoformat()}"
    else:
        out = Path("runs") / scenario.name
    if state is not None and out.resolve() == state.run_dir.resolve():
        raise UsageError(f"--out {out} is the run folder continued from; choose another --out")
    more: dict[str, Any] = {}
    if args.save_state:
        more["save_state"] = out
    if state is not None:
        more["start_from"] = state
    show_progress = not args.quiet and _isatty(sys.stderr)
    bar = ProgressBar(sys.stderr, scenario.trading_days) if show_progress else None
    sim_started = time.perf_counter()
    try:
        result = simulate(scenario, progress=bar, save_to=out, **more)
    except StateError as e:  # e.g. an order flow up to the saved day unlike the saved run's
        raise UsageError(str(e)) from None
    finally:
        if bar is not None:
            bar.close()
    sim_time = time.perf_counter() - sim_started
    times = result.summary.get("time_s")
    if isinstance(times, dict):  # the scenario was loaded here, not by the run
        times["load"] = round((times.get("load") or 0.0) + sim_started - started, 6)

    # the run folder is written while the tables are built (save_to): the expectations are
    # checked on the tables read back from it, and the summary is written again with them
    results = check_expectations(scenario.expect, result.tables) if args.check else []
    failure = first_failure(results)
    if args.check:
        result.summary["failed_expectation"] = failure.to_dict() if failure else None
        result.summary["expectations_checked"] = len(results)
    _rewrite_summary(out, result.summary)

    wall = time.perf_counter() - started
    if not args.quiet:
        messages = _summary_number(result.summary, ("messages",))
        if messages is None:
            messages = bar.total if bar is not None and bar.total is not None else 0
        print_summary_table(scenario, result, out, wall, sim_time, messages)
    if args.check:
        failed = [r for r in results if not r.ok]
        for r in failed:
            print(f"FAIL {r.message}")
        if not results and not args.quiet:
            print("check: the scenario has no [[expect]] blocks")
        elif not args.quiet or failed:
            held = len(results) - len(failed)
            print(f"check: {held} of {len(results)} expectation(s) hold")
        if failed:
            return EXIT_CHECK_FAILED
    return EXIT_OK


def _rewrite_summary(out: Path, summary: dict[str, Any]) -> None:
    """Write ``out/summary.json`` again (atomically) with the command's load time and its
    check (``time_s``, ``failed_expectation``, ``expectations_checked`` of ``summary``),
    the wall time and rates summed anew."""
    from riskcore.output.write import write_json
    from riskcore.sim.result import finish_summary

    path = out / "summary.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    for key in ("time_s", "failed_expectation", "expectations_checked"):
        if key in summary:
            saved[key] = summary[key]
    write_json(finish_summary(saved) if "time_s" in saved else saved, path)


def simulate(
    scenario: Any, progress: Callable[[int, int, Any], None] | None = None, **state: Any
) -> Any:
    """Run a loaded scenario with :func:`riskcore.sim.run` (imported here: it compiles);
    ``state``: its ``save_state=`` / ``start_from=`` / ``save_to=`` when given."""
    from riskcore.sim import run

    if progress is None:
        return run(scenario, **state)
    return run(scenario, progress=progress, **state)


def _state_to_continue(args: argparse.Namespace, scenario: Any) -> Any:
    """The state of ``--from`` (``riskcore.sim.state``), checked against the scenario, or
    ``None``; a missing, corrupt or unfitting state is a :class:`UsageError`."""
    if not args.from_state:
        return None
    from riskcore.sim.state import check, check_source, load_state

    try:
        state = load_state(args.from_state)
        check(state, scenario)
        check_source(state)
    except StateError as e:
        raise UsageError(str(e)) from None
    return state


def print_summary_table(
    scenario: Any, result: Any, out: Path, wall: float, sim_time: float, messages: int
) -> None:
    """Rows per table, wall time and messages per second, on stdout.

    Parameters
    ----------
    scenario : Scenario
    result : riskcore.sim.Result
    out : Path
        The run folder.
    wall : float
        Seconds from loading the scenario to the saved run folder.
    sim_time : float
        Seconds in the simulation (messages per second are per these).
    messages : int
        Order-flow messages simulated.
    """
    tables = result.tables
    width = max([len("table"), *(len(n) for n in tables)])
    print(
        f"{scenario.name}: {len(scenario.trading_days)} day(s), seed {scenario.seed}, "
        f"rulebook {scenario.rulebook.name} -> {out}"
    )
    print(f"  {'table':<{width}}  {'rows':>9}")
    rows = result.summary.get("tables") or {}
    for name in tables:  # the summary's counts: no table read back from the folder for them
        height = rows[name] if name in rows else tables[name].height
        print(f"  {name:<{width}}  {height:>9,}")
    rate = messages / sim_time if sim_time > 0 else math.inf
    print(
        f"  wall time {wall:.2f} s (simulation {sim_time:.2f} s), {messages:,} messages, "
        f"{rate:,.0f} messages/s"
    )


def _summary_number(summary: dict, keys: Sequence[str]) -> int | None:
    for k in keys:
        v = summary.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return int(v)
    return None


class ProgressBar(TerminalLine):
    """A one-line progress bar on a terminal: ``[#####.....] 52%  12,345/23,456 msgs  day 1/2``.

    Called as ``progress(done_messages, total_messages, day)`` by the simulation; redrawn at
    most every 0.1 s (and at 100 %); :meth:`close` clears the line.

    Parameters
    ----------
    stream : text stream
        Normally ``sys.stderr`` (only used when it is a terminal).
    days : sequence of date
        The run's trading days, to show ``day i/n``.
    """

    def __init__(self, stream: TextIO, days: Sequence[Any] = ()) -> None:
        super().__init__(stream)
        self.days = [str(d) for d in days]
        self.total: int | None = None

    def __call__(self, done: int, total: int, day: Any = None) -> None:
        self.total = int(total)
        if not self.due(final=done >= total):
            return
        frac = min(max(done / total if total > 0 else 1.0, 0.0), 1.0)
        text = f"{self.bar(frac)} {frac:4.0%}  {done:,}/{total:,} msgs"
        if day is not None:
            d = str(day)[:10]
            i = self.days.index(d) + 1 if d in self.days else None
            text += f"  day {i}/{len(self.days)} {d}" if i else f"  {d}"
        self.draw(text)


# --- validate -------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    """``riskcore validate``: every problem on stderr (exit 2), or one ``ok:`` line."""
    try:
        sc = load_with_sets(args.file, args.sets)
    except ScenarioError as e:
        for line in e.errors:
            _err(line)
        n = len(e.errors)
        _err(f"{args.file}: {n} problem{'s' if n != 1 else ''}")
        return EXIT_BAD_INPUT
    print(
        f"ok: {sc.orders.height} orders, {len(sc.accounts)} accounts, {len(sc.trading_days)} days"
    )
    return EXIT_OK


# --- list -----------------------------------------------------------------------------------
def scenario_dirs() -> list[Path]:
    """Folders holding the shipped scenarios.

    The repository's ``scenarios/`` folder next to ``src/`` (an editable install, or a
    checkout on ``sys.path``), then ``riskcore/scenarios/`` inside the package (if a build
    ships one); those that exist.
    """
    pkg = Path(riskcore.__file__).resolve().parent
    candidates = [pkg.parent.parent / "scenarios", pkg / "scenarios"]
    return [p for p in candidates if p.is_dir()]


def cmd_list(args: argparse.Namespace) -> int:
    """``riskcore list``: scenarios (name, title, file) and rulebooks (name, title)."""
    from riskcore.scenario.rulebook import SHIPPED, Rulebook

    dirs = [Path(d) for d in args.dir] if args.dir else scenario_dirs()
    for d in dirs:
        if not d.is_dir():
            raise UsageError(f"no such folder: {d}")
    rows: list[tuple[str, str, str]] = []
    for d in dirs:
        for f in sorted(d.glob("*.toml")):
            name, title = _scenario_title(f)
            rows.append((name, title, _display_path(f)))
    print("Scenarios" + ("" if args.dir else " (shipped)") + ":")
    if not rows:
        where = ", ".join(str(d) for d in dirs) or "no scenarios folder found"
        print(f"  (none in {where}; use --dir DIR)")
    width = max([0, *(len(r[0]) for r in rows)])
    for name, title, path in rows:
        print(f"  {name:<{width}}  {title}")
        print(f"  {'':<{width}}  {path}")
    print("Rulebooks:")
    width = max(len(n) for n in SHIPPED)
    for name in SHIPPED:
        print(f"  {name:<{width}}  {Rulebook.load(name).title}")
    return EXIT_OK


def _scenario_title(path: Path) -> tuple[str, str]:
    """``(name, title)`` from a scenario file without a full load (fast, never raises)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return path.stem, f"(cannot read: {_one_line(e)})"
    head = data.get("scenario") if isinstance(data.get("scenario"), dict) else {}
    name = head.get("name") if isinstance(head.get("name"), str) else path.stem
    title = head.get("title") if isinstance(head.get("title"), str) else ""
    return name, title


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- show -----------------------------------------------------------------------------------
def cmd_show(args: argparse.Namespace) -> int:
    """``riskcore show``: the summary of a run folder, or ``--table NAME``'s first rows."""
    import polars as pl

    run_dir = Path(args.dir)
    if not run_dir.is_dir():
        raise UsageError(f"no run folder at {run_dir}")
    tables = sorted(p.stem for p in run_dir.glob("*.parquet"))
    if args.table is not None:
        if args.table not in tables:
            from riskcore.scenario.errors import suggest

            raise UsageError(
                f"no table '{args.table}' in {run_dir}{suggest(args.table, tables)} "
                f"(tables: {', '.join(tables) or 'none'})"
            )
        if args.head < 0:
            raise UsageError("--head must be 0 or more")
        df = pl.read_parquet(run_dir / f"{args.table}.parquet")
        print(f"{args.table}: {df.height:,} rows, {df.width} columns")
        with pl.Config(tbl_rows=args.head, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=40):
            print(df.head(args.head))
        return EXIT_OK
    summary_path = run_dir / "summary.json"
    if not summary_path.is_file():
        raise UsageError(f"{run_dir} has no summary.json (not a run folder?)")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise UsageError(f"{summary_path}: not valid JSON ({e})") from None
    print(f"run folder {run_dir}")
    print(format_summary(summary))
    if tables:
        print(f"tables: {', '.join(tables)}  (riskcore show {args.dir} --table NAME)")
    return EXIT_OK


def format_summary(summary: Any, indent: int = 0) -> str:
    """A JSON summary as aligned ``key: value`` lines (nested tables indented)."""
    pad = "  " * indent
    if not isinstance(summary, dict):
        return pad + json.dumps(summary, default=str)
    width = max([0, *(len(str(k)) for k in summary)])
    lines = []
    for k, v in summary.items():
        if isinstance(v, dict) and v:
            lines.append(f"{pad}{k}:")
            lines.append(format_summary(v, indent + 1))
        else:
            shown = v if isinstance(v, str) else json.dumps(v, default=str)
            if isinstance(v, int | float) and not isinstance(v, bool):
                shown = f"{v:,}" if isinstance(v, int) else f"{v:,.6g}"
            lines.append(f"{pad}{str(k) + ':':<{width + 1}} {shown}")
    return "\n".join(lines)


# --- helpers --------------------------------------------------------------------------------
def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return f"{type(e).__name__}: {text}" if not isinstance(e, OSError | ValueError) else text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
