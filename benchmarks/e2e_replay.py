"""End-to-end replay benchmark: a seeded one-day Parquet flow through ``riskcore replay``.

Generates (vectorised numpy, seeded) a one-day order flow of ``--messages`` messages over
``--contracts`` contracts and ``--accounts`` accounts, writes it as Parquet next to a
scenario file and an accounts file (``[accounts_file]``) in a data folder that is not
committed (``benchmarks/.data/``; reused when present with the same parameters), then times
``riskcore replay`` on it as a whole process: load, run, tables, writing. Before the timed
run a tiny replay warms the numba cache.

Prints messages per second end to end (wall time of the child process), its peak resident
memory and CPU time, user + system, over all its threads (``getrusage(RUSAGE_CHILDREN)``),
and the split of the run's own ``summary.json``
(``time_s``: load / prepare / kernel / end of day / tables / write, defined in
:func:`riskcore.sim.result.make_summary`) beside the targets; ``startup`` is the rest of
the wall time (interpreter start, imports, freeing the memory at exit).

``--floor`` then measures, in this process, the part of the work no engine can avoid: reading
the flow file and encoding the ``orders`` and ``trades`` tables of the run with riskcore's
own Parquet settings. Its CPU time divided by the cores is the shortest wall time any
replay writing those tables could take on this machine, with every core busy all the time.

The flow (SCENARIO.md ``[flow]`` columns): limit orders around a drifting mid price per
contract (inside the 6 % breaker band), market and fill-and-kill orders, opens and closes
(about a quarter are closes, some of which fail ``NO_POSITION``), cancels of the account's
own earlier orders, a few auction-window and lunch-break messages.

Examples
--------
``python benchmarks/e2e_replay.py --messages 20000000 --contracts 16 --accounts 100000``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

TARGET_RATE = 2_000_000.0
"""Messages per second end to end (whole process)."""
TARGET_PEAK_MB = 4_096.0
"""Peak resident memory of the replay process, MB."""

DAY = "2024-03-04"  # a Monday
NS = 1_000_000_000
H = 3_600 * NS
PRODUCTS = (("IF", 300, 3_500.0), ("IH", 300, 2_400.0), ("IC", 200, 5_500.0), ("IM", 200, 5_000.0))
MONTHS = ("2403", "2404", "2406", "2409")
TICK = 0.2
N_MEMBERS = 20


def contracts(n: int) -> list[tuple[str, int, float]]:
    """``n`` contracts ``(symbol, multiplier, previous settlement)``: products x months."""
    out = []
    for i in range(n):
        prod, mult, px = PRODUCTS[i % len(PRODUCTS)]
        month = MONTHS[(i // len(PRODUCTS)) % len(MONTHS)]
        extra = i // (len(PRODUCTS) * len(MONTHS))
        out.append((f"{prod}{month}" + (f"X{extra}" if extra else ""), mult, px + 10.0 * i))
    return out


def account_ids(n: int) -> np.ndarray:
    """Trading codes ``A0000000`` ... as a numpy string array."""
    return np.char.add("A", np.char.zfill(np.arange(n).astype(str), 7))


def make_flow(n: int, n_contracts: int, n_accounts: int, seed: int) -> pl.DataFrame:
    """The seeded flow as a DataFrame with the ``[flow]`` columns (see the module docstring).

    Times are sorted; ids and targets are integers (client id = row number for the orders
    that carry one; a cancel's target is an earlier order of the same account).
    """
    rng = np.random.default_rng(seed)
    base = int(np.datetime64(DAY, "ns").astype(np.int64))
    # times: 0.5 % in the call-auction window, 0.1 % in the lunch break, the rest in the
    # sessions 09:15-11:30 and 13:00-15:15 (4.5 h of trading)
    u = np.sort(rng.integers(0, int(4.5 * H), n))
    tod = np.where(u < int(2.25 * H), int(9.25 * H) + u, 13 * H + u - int(2.25 * H))
    k = max(1, n // 200)
    tod[:k] = int(9 * H + 10 * 60 * NS) + np.sort(rng.integers(0, 5 * 60 * NS, k))
    lunch = rng.random(n) < 0.001
    tod = np.where(lunch, 12 * H, tod)
    at = base + np.sort(tod)
    in_auction = np.zeros(n, dtype=bool)
    in_auction[:k] = True

    contract = rng.integers(0, n_contracts, n).astype(np.int32)
    account = rng.integers(0, n_accounts, n).astype(np.int32)
    # a drifting mid per contract (random walk in ticks, about 0.05 tick per message)
    prev = np.array([c[2] for c in contracts(n_contracts)]) / TICK
    step = rng.normal(0.0, 0.3, n)
    mid = np.empty(n)
    for c in range(n_contracts):
        m = contract == c
        mid[m] = prev[c] + np.cumsum(step[m]) * 0.15
    mid = np.rint(mid)
    kind = rng.random(n)  # < .20 cancel, < .25 market, < .30 fak, else limit
    is_cancel = (kind < 0.20) & ~in_auction
    typ = np.where(kind < 0.25, 1, np.where(kind < 0.30, 2, 0)).astype(np.int8)
    typ[in_auction] = 0
    buy = rng.random(n) < 0.5
    close = rng.random(n) < 0.25
    # limit prices: mostly passive (geometric distance from the mid), 15 % marketable
    away = rng.geometric(0.25, n) - 1
    cross = rng.random(n) < 0.15
    off = np.where(cross, -rng.integers(0, 3, n), away)
    ticks = np.where(buy, mid - off, mid + off)
    price = np.round(ticks * TICK, 1)
    qty = rng.integers(1, 6, n)

    # cancels: target a recent earlier new order, take its account and contract
    idx = np.arange(n)
    back = rng.integers(1, 2_000, n)
    target = np.maximum(idx - back, 0)
    bad = is_cancel[target] | (target >= idx)
    is_cancel &= ~bad
    account = np.where(is_cancel, account[target], account)
    # ids: on every new order that some cancel targets, and on 30 % of the others
    has_id = (~is_cancel) & (rng.random(n) < 0.30)
    has_id[target[is_cancel]] = True
    new = ~is_cancel
    symbols = pl.Series([c[0] for c in contracts(n_contracts)], dtype=pl.String)
    accts = pl.Series(account_ids(n_accounts), dtype=pl.String)
    sym_enum = pl.Enum(symbols.to_list())
    acc_cat = pl.Categorical()

    def opt(values: np.ndarray, keep: np.ndarray, dtype) -> pl.Series:
        nulls = pl.Series([None]).cast(dtype)
        return pl.Series(values).cast(dtype).zip_with(pl.Series(keep), nulls)

    df = pl.DataFrame(
        {
            "at": pl.Series(at).cast(pl.Datetime("ns")),
            "action": pl.Series(np.where(new, "new", "cancel")).cast(pl.Enum(["new", "cancel"])),
            "account": accts.gather(account).cast(acc_cat),
            "symbol": symbols.gather(contract).cast(sym_enum),
            "side": pl.Series(np.where(buy, "buy", "sell")).cast(pl.Enum(["buy", "sell"])),
            "offset": pl.Series(np.where(close, "close", "open")).cast(pl.Enum(["open", "close"])),
            "type": pl.Series(np.array(["limit", "market", "fak"])[typ]).cast(
                pl.Enum(["limit", "market", "fak"])
            ),
            "price": opt(price, new & (typ != 1), pl.Float64),
            "qty": pl.Series(qty),
            "id": opt(idx, has_id, pl.Int64),
            "target": opt(target, is_cancel, pl.Int64),
        }
    )
    blank = pl.when(pl.col("action") == "new")
    return df.with_columns(
        *(blank.then(pl.col(c)).alias(c) for c in ("symbol", "side", "offset", "type", "qty")),
    )


def scenario_text(n_contracts: int) -> str:
    """The scenario TOML: contracts, members, ``[accounts_file]`` and ``[flow]``."""
    lines = [
        "schema = 1",
        "",
        "[scenario]",
        'name = "e2e-bench"',
        'title = "End-to-end replay benchmark (generated)"',
        f'start = "{DAY}"',
        "days = 1",
        "seed = 1",
        'rulebook = "seed"',
        "",
        "[rules]",
        "position_limit = 100000",
        "",
    ]
    for sym, mult, px in contracts(n_contracts):
        lines += [
            "[[contracts]]",
            f'symbol = "{sym}"',
            f"multiplier = {mult}",
            f"tick = {TICK}",
            f"prev_settlement = {px}",
            "",
        ]
    for m in range(N_MEMBERS):
        lines += ["[[members]]", f'id = "M{m:02d}"', "guarantee_fund = 10_000_000", ""]
    lines += ["[accounts_file]", 'path = "accounts.parquet"', "", "[flow]", 'path = "flow.parquet"']
    return "\n".join(lines) + "\n"


def accounts_frame(n_accounts: int) -> pl.DataFrame:
    """Accounts: ids, members round robin, 100 M CNY of cash each."""
    ids = account_ids(n_accounts)
    members = np.char.add("M", np.char.zfill((np.arange(n_accounts) % N_MEMBERS).astype(str), 2))
    return pl.DataFrame(
        {
            "id": ids,
            "member": members,
            "cash": np.full(n_accounts, 1e8),
        }
    )


def prepare(folder: Path, messages: int, n_contracts: int, n_accounts: int, seed: int) -> Path:
    """Write (or reuse) the scenario, accounts and flow files; returns the scenario path."""
    params = {"messages": messages, "contracts": n_contracts, "accounts": n_accounts, "seed": seed}
    stamp = folder / "params.json"
    scenario = folder / "scenario.toml"
    if stamp.is_file() and json.loads(stamp.read_text()) == params and scenario.is_file():
        return scenario
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    accounts_frame(n_accounts).write_parquet(folder / "accounts.parquet")
    flow = make_flow(messages, n_contracts, n_accounts, seed)
    flow.write_parquet(folder / "flow.parquet", compression="zstd", row_group_size=1 << 20)
    del flow
    scenario.write_text(scenario_text(n_contracts))
    stamp.write_text(json.dumps(params))
    print(f"generated {messages:,} messages in {time.perf_counter() - t:.1f} s -> {folder}")
    return scenario


def _cpu_s(who: int) -> float:
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


def replay(scenario: Path, out: Path) -> tuple[float, float, float, int]:
    """Run ``riskcore replay`` in a child process; (wall s, CPU s, peak RSS MB, return code)."""
    cmd = [sys.executable, "-m", "riskcore.cli", "replay", str(scenario), "--out", str(out)]
    cmd.append("--quiet")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu = _cpu_s(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    cpu = _cpu_s(resource.RUSAGE_CHILDREN) - cpu
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far (KB on Linux)
    return wall, cpu, max(peak, before) / 1024.0, proc.returncode


def floor(folder: Path, run: Path) -> dict[str, float]:
    """CPU seconds (user + system, every thread of this process) of the work any replay of
    ``folder``'s flow must do: read the flow, encode ``orders`` and ``trades`` as riskcore
    writes them (:func:`riskcore.output.write.write_table`, into a scratch folder)."""
    from riskcore.output.write import write_table

    out: dict[str, float] = {}
    scratch = run.parent / "floor"
    scratch.mkdir(exist_ok=True)
    try:
        cpu = _cpu_s(resource.RUSAGE_SELF)
        flow = pl.read_parquet(folder / "flow.parquet")
        out["read_flow"] = _cpu_s(resource.RUSAGE_SELF) - cpu
        del flow
        for table in ("orders", "trades"):
            df = pl.read_parquet(run / f"{table}.parquet")
            cpu = _cpu_s(resource.RUSAGE_SELF)
            write_table(df, scratch / f"{table}.parquet")
            out[f"encode_{table}"] = _cpu_s(resource.RUSAGE_SELF) - cpu
            del df
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=20_000_000)
    ap.add_argument("--contracts", type=int, default=16)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, default=Path(__file__).parent / ".data")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs (min and median shown)")
    ap.add_argument("--json", action="store_true", help="print one JSON line only")
    ap.add_argument(
        "--floor",
        action="store_true",
        help="also time reading the flow and encoding orders and trades (CPU s)",
    )
    args = ap.parse_args(argv)
    tag = f"m{args.messages}-c{args.contracts}-a{args.accounts}-s{args.seed}"
    folder = args.data / tag
    scenario = prepare(folder, args.messages, args.contracts, args.accounts, args.seed)
    out = folder / "run"

    warm = args.data / "warm"
    prepare(warm, 2_000, 2, 10, 0)
    _, _, _, rc = replay(warm / "scenario.toml", warm / "run")  # numba cache, file cache
    if rc != 0:
        return rc
    runs = []
    for _ in range(args.repeat):
        if out.exists():
            shutil.rmtree(out)
        # the peak of RUSAGE_CHILDREN is the maximum over all children: the warm-up child
        # is far smaller, so it is the replay's own peak
        wall, cpu, peak, rc = replay(scenario, out)
        if rc != 0:
            return rc
        summary = json.loads((out / "summary.json").read_text())
        runs.append((wall, cpu, peak, summary))
    walls = sorted(r[0] for r in runs)
    wall, cpu, peak, summary = min(runs, key=lambda r: r[0])
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    n = summary["messages"]
    split = summary["time_s"]
    result = {
        "messages": n,
        "contracts": args.contracts,
        "accounts": args.accounts,
        "wall_s_min": round(walls[0], 3),
        "wall_s_median": round(walls[len(walls) // 2], 3),
        "messages_per_s": round(n / walls[0], 1),
        "cpu_s": round(cpu, 2),
        "cores": cores,
        "peak_rss_mb": round(max(r[2] for r in runs), 1),
        "time_s": split,
        "inside_run_s": summary["wall_time_s"],
        "startup_s": round(walls[0] - summary["wall_time_s"], 3),
        "fills": summary["fills"],
        "tables": summary["tables"],
    }
    if args.floor:
        parts = floor(folder, out)
        result["floor_cpu_s"] = {k: round(v, 3) for k, v in parts.items()}
    if args.json:
        print(json.dumps(result))
        return 0
    ok_rate = result["messages_per_s"] >= TARGET_RATE
    ok_mem = result["peak_rss_mb"] <= TARGET_PEAK_MB
    what = f"{n:,} messages, {args.contracts} contracts, {args.accounts:,} accounts"
    print(f"riskcore replay, {what}")
    print(f"  fills {summary['fills']:,}   orders rows {summary['tables'].get('orders', 0):,}")
    print(
        f"  end to end  {result['messages_per_s'] / 1e6:6.2f} M msgs/s   "
        f"(target >= {TARGET_RATE / 1e6:.1f})  {'ok' if ok_rate else 'MISSED'}"
    )
    print(
        f"  wall        {walls[0]:6.2f} s min, {result['wall_s_median']:.2f} s median "
        f"of {len(walls)}"
    )
    print(
        f"  peak RSS    {result['peak_rss_mb']:6.0f} MB          "
        f"(target <= {TARGET_PEAK_MB:.0f})  {'ok' if ok_mem else 'MISSED'}"
    )
    print(
        f"  cpu         {cpu:6.2f} s user + system, all threads "
        f"({cores} cores: at least {cpu / cores:.2f} s of wall for this much work)"
    )
    print("  split (summary.json time_s, seconds):")
    print(f"    {'startup':<12}{result['startup_s']:8.3f}   (process start, imports, exit)")
    for key, value in split.items():
        print(f"    {key:<12}{(value or 0.0):8.3f}")
    if args.floor:
        total = sum(parts.values())
        print("  floor (CPU s, work any replay writing these tables does):")
        for key, value in parts.items():
            print(f"    {key:<14}{value:6.2f}")
        bound = f", {n / (total / cores) / 1e6:.2f} M msgs/s at most" if total > 0 else ""
        print(
            f"    {'total':<14}{total:6.2f}   -> at least {total / cores:.2f} s of wall on "
            f"{cores} cores{bound}"
        )
    return 0 if (ok_rate and ok_mem) else 1


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", str(os.cpu_count() or 1))
    sys.exit(main())
