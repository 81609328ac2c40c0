"""Saved end-of-day state and continuation of a run from it.

``riskcore replay FILE --save-state`` writes, after every trading day, everything the next day
starts from into ``RUN_DIR/state/YYYY-MM-DD/`` (:func:`save_state`); ``riskcore replay FILE
--from RUN_DIR/state/YYYY-MM-DD`` (:func:`load_state`, then
``run_scenario(..., start_from=state)``) skips the days up to and including that day and runs
the rest from it, possibly under changed rules (a what-if from day N). With unchanged rules the
continued run's tables are byte-identical to the uninterrupted run's.

What is saved (books are empty at the close, so there is no order-book state):

- the :class:`~riskcore.sim.build.Carry` handed to the next day — positions, reserve, margin
  rates and the MARGIN-05 raise state, lock streaks, margin calls (MARGIN-06), position limits
  and POS-04 breaches, unfiled large-trader reports (LTR-02), average open prices, the
  FUND-01/02 balances (:class:`~riskcore.sim.funds.FundState`) — serialised generically,
  field by field (:func:`encode`): a field added to ``Carry`` later is saved too, and a field
  of a type the encoder does not know fails the save loudly (:class:`StateError`);
- the run's counters and queues that cross a close: the trade number, the liquidation
  desk's order numbering (LIQ-02), LIQ-01 ③-⑤ events queued past the close, the LIQ-04
  remainders for the next day's first session, the message count done;
- the hooks' working records (``records`` keys starting with ``_``, e.g. the WARN-01
  triggers the WARN-02 escalation counts over the whole run);
- ``rows``: per table, the rows the run had produced by that day's end (the continued run's
  tables are the source run folder's first ``rows`` rows followed by its own, see
  :meth:`Continuation.merge`).

Folder layout: ``state.json`` (format version, scenario name, day, fingerprint of the
scenario's accounts, members and contracts, the run id, scalars and the structure of the
state), ``arrays.npz`` (every numpy array, no pickles) and one ``<key>.parquet`` per polars
frame. A state folder is written to a temporary folder beside it and renamed into place, so a
crash leaves either the complete folder or none.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import hashlib
import importlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from riskcore.output.write import PARQUET_OPTIONS
from riskcore.records import MSG_DTYPE

if TYPE_CHECKING:
    from riskcore.scenario import Scenario
    from riskcore.sim.build import Carry

__all__ = [
    "FORMAT_VERSION",
    "Continuation",
    "SavedState",
    "StateError",
    "decode",
    "encode",
    "fingerprint",
    "load_state",
    "save_state",
    "state_folder",
]

FORMAT_VERSION = 1
"""Version of the state folder's layout; a folder of another version is refused."""

STATE_FILE = "state.json"
ARRAYS_FILE = "arrays.npz"
STATE_DIR = "state"
"""Sub-folder of a run folder holding one state folder per trading day."""

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class StateError(ValueError):
    """A state folder that cannot be written, read or continued from (one-line message)."""


# --- generic encoding ----------------------------------------------------------------------
def encode(value: Any, key: str, arrays: dict[str, np.ndarray], frames: dict[str, pl.DataFrame]):
    """Encode ``value`` as JSON-able data; arrays and frames go to ``arrays``/``frames``.

    Known types: ``None``, ``bool``, ``int``, ``float``, ``str``, ``datetime.date`` and
    ``datetime.datetime``, numpy scalars and arrays (any non-object dtype, structured dtypes
    included), polars DataFrames, ``numpy.random.Generator`` (its bit generator's state),
    lists, tuples, dicts with ``str`` keys, and dataclasses of ``riskcore`` (field by field,
    so fields added later are saved too).

    Parameters
    ----------
    value : object
    key : str
        Path of the value in the state (``carry.funds.drawn``), for file names and errors.
    arrays, frames : dict
        Filled with ``key -> ndarray`` / ``key -> DataFrame``.

    Raises
    ------
    StateError
        A value of any other type (names ``key`` and the type).
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float) and not isinstance(value, np.generic):
        return value
    if isinstance(value, dt.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, np.ndarray | np.generic):
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise StateError(f"cannot save {key}: numpy array of objects")
        arrays[key] = arr
        out = {"__array__": key, "scalar": isinstance(value, np.generic)}
        if arr.dtype.isalignedstruct:  # .npy keeps offsets, not the flag (numba types use it)
            out["aligned"] = True
        return out
    if isinstance(value, pl.DataFrame):
        frames[key] = value
        return {"__frame__": key}
    if isinstance(value, np.random.Generator):
        return {"__generator__": _jsonable(value.bit_generator.state, key)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith("riskcore."):
            raise StateError(f"cannot save {key}: dataclass {cls.__qualname__} is not riskcore's")
        return {
            "__dataclass__": f"{cls.__module__}:{cls.__qualname__}",
            "fields": {
                f.name: encode(getattr(value, f.name), f"{key}.{f.name}", arrays, frames)
                for f in dataclasses.fields(value)
            },
        }
    if isinstance(value, list | tuple):
        items = [encode(v, f"{key}.{i}", arrays, frames) for i, v in enumerate(value)]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise StateError(f"cannot save {key}: dict with non-str keys")
        return {"__dict__": {k: encode(v, f"{key}.{k}", arrays, frames) for k, v in value.items()}}
    raise StateError(
        f"cannot save {key}: unknown type {type(value).__module__}.{type(value).__qualname__}"
        " (teach riskcore.sim.state.encode about it)"
    )


def _aligned(dtype: np.dtype) -> np.dtype:
    """The same structured dtype with the aligned-struct flag."""
    names = list(dtype.names or ())
    return np.dtype(
        {
            "names": names,
            "formats": [dtype.fields[n][0] for n in names],
            "offsets": [dtype.fields[n][1] for n in names],
            "itemsize": dtype.itemsize,
            "aligned": True,
        }
    )


def _jsonable(value: Any, key: str) -> Any:
    """Plain JSON data (a bit generator's state: dicts of ints and strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v, key) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, key) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return {"__list_array__": value.tolist(), "dtype": value.dtype.str}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise StateError(f"cannot save {key}: generator state holds {type(value).__qualname__}")


def _unjsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if "__list_array__" in value:
            return np.array(value["__list_array__"], dtype=value["dtype"])
        return {k: _unjsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unjsonable(v) for v in value]
    return value


def decode(data: Any, arrays: Mapping[str, np.ndarray], frames: Mapping[str, pl.DataFrame]):
    """The inverse of :func:`encode`."""
    if isinstance(data, list):
        return [decode(v, arrays, frames) for v in data]
    if not isinstance(data, dict):
        return data
    if "__date__" in data:
        return dt.date.fromisoformat(data["__date__"])
    if "__datetime__" in data:
        return dt.datetime.fromisoformat(data["__datetime__"])
    if "__array__" in data:
        arr = np.array(arrays[data["__array__"]])
        if data.get("aligned"):
            arr = arr.astype(_aligned(arr.dtype))
        return arr[()] if data.get("scalar") else arr
    if "__frame__" in data:
        return frames[data["__frame__"]]
    if "__generator__" in data:
        state = _unjsonable(data["__generator__"])
        bit = getattr(np.random, state["bit_generator"])()
        bit.state = state
        return np.random.Generator(bit)
    if "__tuple__" in data:
        return tuple(decode(v, arrays, frames) for v in data["__tuple__"])
    if "__dict__" in data:
        return {k: decode(v, arrays, frames) for k, v in data["__dict__"].items()}
    if "__dataclass__" in data:
        module, _, name = data["__dataclass__"].partition(":")
        if not module.startswith("riskcore."):
            raise StateError(f"refusing to build {data['__dataclass__']}")
        cls: Any = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        values = {k: decode(v, arrays, frames) for k, v in data["fields"].items()}
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise StateError(
                f"{name} has no field(s) {', '.join(unknown)} (saved by a newer version?)"
            )
        obj = cls(**{k: v for k, v in values.items() if known[k].init})
        for k, v in values.items():
            if not known[k].init:
                object.__setattr__(obj, k, v)
        return obj
    raise StateError(f"unknown entry in the state: {sorted(data)}")


# --- identity of a scenario and of its order flow ------------------------------------------
def fingerprint(sc: Scenario) -> str:
    """SHA-256 of what a saved state's arrays are indexed by: the accounts (id, member,
    investor, proprietary), the members (id) and the contracts (symbol, multiplier, tick), in
    order. Rules, cash and prices may differ between a run and its continuation; these may not.
    """
    data = {
        "accounts": [[a.id, a.member, a.investor, bool(a.proprietary)] for a in sc.accounts],
        "members": [m.id for m in sc.members],
        "contracts": [[c.symbol, float(c.multiplier), float(c.tick)] for c in sc.contracts],
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def flow_digest(blocks: Iterable[np.ndarray], events: Sequence[Any]) -> str:
    """SHA-256 of the messages (``MSG_DTYPE`` blocks, in order: the same digest however the
    messages are cut) and events the days up to a state processed (a continuation must not
    change its past)."""
    h = hashlib.sha256()
    for block in blocks:
        h.update(np.ascontiguousarray(block).tobytes())
    for ev in events:
        h.update(repr(ev).encode())
    return h.hexdigest()


# --- the saved state -----------------------------------------------------------------------
@dataclasses.dataclass(eq=False)
class SavedState:
    """The end-of-day state of one trading day of a run (see the module docstring).

    Attributes
    ----------
    day : date
        The trading day whose close the state is.
    day_index : int
        Its 0-based index in the run's trading days.
    scenario : str
        The scenario's name.
    fingerprint : str
        :func:`fingerprint` of the scenario.
    trading_days : list of date
        The run's trading days up to ``day``.
    run_id : str
        Identifies the run that saved it (``summary.json["state"]["run_id"]`` of its run
        folder), so the tables it is continued with are that run's.
    carry : Carry
        The next day's starting state.
    run : dict
        Cross-day counters and queues of the day loop (``n_trades``, ``desk_first_no``,
        ``desk_n``, ``liq_events``, ``liq_carried``, ``done``, ``n_msgs``, ``flow``).
    working : dict of str to DataFrame
        The hooks' working records (``_``-prefixed keys), concatenated.
    rows : dict of str to int
        Per table, rows produced by the end of ``day``.
    rules : dict
        The rulebook's parameters in force (for what-if reports).
    path : Path or None
        The folder it was loaded from.
    """

    day: dt.date
    day_index: int
    scenario: str
    fingerprint: str
    trading_days: list[dt.date]
    run_id: str
    carry: Carry
    run: dict[str, Any]
    working: dict[str, pl.DataFrame]
    rows: dict[str, int]
    rules: dict[str, Any] = dataclasses.field(default_factory=dict)
    path: Path | None = None

    @property
    def run_dir(self) -> Path | None:
        """The run folder the state belongs to (``RUN_DIR/state/DAY`` -> ``RUN_DIR``)."""
        return None if self.path is None else self.path.parent.parent


def state_folder(run_dir: str | Path, day: dt.date) -> Path:
    """``RUN_DIR/state/YYYY-MM-DD``."""
    return Path(run_dir) / STATE_DIR / day.isoformat()


def rules_dict(sc: Scenario) -> dict[str, Any]:
    """The rulebook's parameters as JSON-able values (informational)."""
    rb = sc.rulebook
    out: dict[str, Any] = {}
    if dataclasses.is_dataclass(rb):
        for f in dataclasses.fields(rb):
            v = getattr(rb, f.name)
            with contextlib.suppress(TypeError, ValueError):
                out[f.name] = json.loads(json.dumps(v, default=str))
    return out


def save_state(folder: str | Path, state: SavedState) -> Path:
    """Write ``state`` into ``folder`` atomically (a temporary folder beside it, renamed).

    Raises
    ------
    StateError
        A value the encoder does not know (nothing is written).
    """
    folder = Path(folder)
    arrays: dict[str, np.ndarray] = {}
    frames: dict[str, pl.DataFrame] = {}
    body = {
        "format": FORMAT_VERSION,
        "scenario": state.scenario,
        "day": state.day.isoformat(),
        "day_index": state.day_index,
        "fingerprint": state.fingerprint,
        "trading_days": [d.isoformat() for d in state.trading_days],
        "run_id": state.run_id,
        "rows": dict(state.rows),
        "rules": state.rules,
        "carry": encode(state.carry, "carry", arrays, frames),
        "run": encode(state.run, "run", arrays, frames),
        "working": encode(state.working, "working", arrays, frames),
    }
    text = json.dumps(body, indent=1, allow_nan=True) + "\n"
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        with open(tmp / ARRAYS_FILE, "wb") as fh:
            np.savez(fh, **arrays)
        for key, df in frames.items():
            df.write_parquet(tmp / f"{key}.parquet", **PARQUET_OPTIONS)
        (tmp / STATE_FILE).write_text(text, encoding="utf-8")
        if folder.exists():
            old = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.old")
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def load_state(folder: str | Path) -> SavedState:
    """Read a state folder written by :func:`save_state`.

    Raises
    ------
    StateError
        A missing folder, a folder without ``state.json``, another format version, or a
        corrupt file (one-line message naming the folder).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise StateError(f"no state folder {folder}")
    path = folder / STATE_FILE
    if not path.is_file():
        raise StateError(f"{folder} is not a state folder (no {STATE_FILE})")
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        version = body.get("format")
        if version != FORMAT_VERSION:
            raise StateError(
                f"{folder}: state format {version!r}, this version reads {FORMAT_VERSION}"
            )
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        frames = {p.name[: -len(".parquet")]: pl.read_parquet(p) for p in folder.glob("*.parquet")}
        return SavedState(
            day=dt.date.fromisoformat(body["day"]),
            day_index=int(body["day_index"]),
            scenario=str(body["scenario"]),
            fingerprint=str(body["fingerprint"]),
            trading_days=[dt.date.fromisoformat(d) for d in body["trading_days"]],
            run_id=str(body["run_id"]),
            carry=decode(body["carry"], arrays, frames),
            run=decode(body["run"], arrays, frames),
            working=decode(body["working"], arrays, frames),
            rows={str(k): int(v) for k, v in body["rows"].items()},
            rules=body.get("rules", {}),
            path=folder,
        )
    except StateError:
        raise
    except Exception as e:  # corrupt JSON, npz or parquet, missing keys
        text = " ".join(str(e).split()) or type(e).__name__
        raise StateError(f"corrupt state folder {folder}: {text}") from e


# --- continuing a run ------------------------------------------------------------------------
@dataclasses.dataclass(eq=False)
class Continuation:
    """How a continued run's tables are completed from the source run folder.

    Attributes
    ----------
    state : SavedState
    source : Path
        The run folder whose tables hold the rows up to ``state.day``.
    done_msgs : ndarray of bool
        Per scenario message, processed by a day up to ``state.day`` (its ``orders`` row is
        the source's).
    days : set of date
        The trading days up to ``state.day`` (their ``events`` rows are the source's).
    changed_rules : list of str
        Rules that differ from the saved run's (:func:`changed_rules`): a what-if.
    """

    state: SavedState
    source: Path
    done_msgs: np.ndarray
    days: set[dt.date]
    changed_rules: list[str] = dataclasses.field(default_factory=list)

    def _read(self, name: str) -> pl.DataFrame | None:
        path = self.source / f"{name}.parquet"
        if not path.is_file():
            return None
        return pl.read_parquet(path)

    def merge(self, tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
        """The complete history: the source's rows up to ``state.day``, then the new run's.

        - tables made day by day (``trades``, ``market_states``, ``prices`` and every table
          the hooks emit): the source's first ``state.rows[name]`` rows (what it had made by
          that day's end; e.g. a margin call made that evening has its row when it falls due,
          the next morning, so it belongs to the continuation), then the new rows;
        - ``orders``: by order number, the source's rows of the messages processed up to that
          day and of the liquidation orders numbered by then, the new run's rows of the others;
        - ``events``: the source's rows on those trading days, the new run's others (events on
          no trading day are re-reported by the new run), stably by time;
        - ``warnings`` is not merged: it is built afterwards from the merged tables and the
          saved WARN-01 triggers (WARN-02 escalation counts the whole run).

        Raises
        ------
        StateError
            A source table with fewer rows than the state says (the run folder was rewritten).
        """
        st = self.state
        out = dict(tables)
        for name, k in st.rows.items():
            src = self._read(name)
            new = tables.get(name)
            if src is None:
                if k:
                    raise StateError(f"{self.source}: {name}.parquet is missing")
                continue
            if src.height < k:
                raise StateError(
                    f"{self.source}/{name}.parquet has {src.height} rows, the state of"
                    f" {st.day} counts {k}: the folder holds another run's tables"
                )
            out[name] = _concat(src.head(k), new)
        src = self._read("orders")
        if src is not None and "orders" in tables:
            out["orders"] = self._orders(src, tables["orders"])
        src = self._read("events")
        if src is not None and "events" in tables:
            days = pl.Series(sorted(self.days), dtype=pl.Date)
            new = tables["events"]
            out["events"] = _concat(
                src.filter(pl.col("day").is_in(days.implode())),
                new.filter(~pl.col("day").is_in(days.implode())),
            ).sort("at", maintain_order=True)
        order = {name: i for i, name in enumerate(tables)}
        return dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))

    def _orders(self, src: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
        run = self.state.run
        first, n_desk = int(run["desk_first_no"]), int(run["desk_n"])
        done = pl.Series(np.flatnonzero(self.done_msgs), dtype=pl.Int64)
        theirs = pl.col("order_no").is_in(done.implode()) | (
            (pl.col("order_no") >= first) & (pl.col("order_no") < first + n_desk)
        )
        merged = _concat(src.filter(theirs), new.filter(~theirs)).sort("order_no")
        nos = merged["order_no"].to_numpy()
        if not np.array_equal(nos, np.arange(len(nos))):
            raise StateError(f"{self.source}/orders.parquet does not continue: order numbers")
        return merged


def _concat(a: pl.DataFrame, b: pl.DataFrame | None) -> pl.DataFrame:
    if b is None or b.width == 0:
        return a
    if a.width == 0:
        return b
    if a.columns == b.columns and a.schema != b.schema:
        # a source folder written by an earlier version (e.g. trades names as text): its
        # rows take this version's types, so the history has one schema
        a = a.cast(dict(b.schema), strict=False)
    return pl.concat([a, b], how="vertical_relaxed").rechunk()


# --- the day loop's side ---------------------------------------------------------------------
def _done_prefix(run: Any, d: int) -> int:
    """Scenario messages processed by days ``0..d`` (a prefix: messages are sorted by time
    and a message's engine day rises with its time)."""
    live = run.live_idx[: run.live_b[d + 1]]
    closed = run.closed_idx[: run.closed_b[d + 1]]
    top = max(int(live.max()) + 1 if len(live) else 0, int(closed.max()) + 1 if len(closed) else 0)
    return top


def _digest(run: Any, d: int) -> str:
    k = _done_prefix(run, d)
    return flow_digest(run.msgs.blocks(k), [ev for day in run.events[: d + 1] for ev in day])


def capture(
    run: Any, carry: Carry, clocks: Sequence[Any], d: int, run_id: str, base: SavedState | None
) -> SavedState:
    """The state at the close of day ``d`` of the loop's ``run`` (``base``: the state a
    continued run started from, whose row counts the new rows add to)."""
    rows = dict(base.rows) if base is not None else {}
    made = {
        "trades": sum(len(f) for f in run.fills),
        "market_states": sum(len(s) for s in run.states),
        "prices": len(run.prices["day"]),
    }
    for name, frames in run.records.items():
        if not name.startswith("_"):
            made[name] = sum(f.height for f in frames if f is not None)
    for name, k in made.items():
        rows[name] = rows.get(name, 0) + int(k)
    working = {
        name: pl.concat([f for f in frames if f is not None], how="vertical_relaxed")
        for name, frames in run.records.items()
        if name.startswith("_") and any(f is not None for f in frames)
    }
    sc = run.sc
    return SavedState(
        day=clocks[d].day,
        day_index=d,
        scenario=sc.name,
        fingerprint=fingerprint(sc),
        trading_days=[c.day for c in clocks[: d + 1]],
        run_id=run_id,
        carry=carry,
        run={
            "n_trades": int(run.n_trades),
            "desk_first_no": int(run.desk.first_no),
            "desk_n": int(run.desk.n),
            "liq_events": list(run.liq_events),
            "liq_carried": run.liq_carried,
            "done": int(run.done),
            "n_msgs": len(run.msgs),
            "flow": _digest(run, d),
            "contract_rates": np.array([c.margin_rate for c in sc.contracts], dtype=np.float64),
        },
        working=working,
        rows=rows,
        rules=rules_dict(sc),
    )


def clear_states(run_dir: str | Path) -> None:
    """Remove the state folders an earlier run left in ``run_dir/state`` (a run folder never
    mixes two runs' states)."""
    folder = Path(run_dir) / STATE_DIR
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        if p.is_dir() and _DAY_RE.match(p.name) and (p / STATE_FILE).exists():
            shutil.rmtree(p)


def check_source(state: SavedState) -> Path:
    """The run folder a state belongs to, checked: its ``summary.json`` names the run that
    saved the state.

    Raises
    ------
    StateError
    """
    src = state.run_dir
    if src is None:
        raise StateError("the state was not loaded from RUN_DIR/state/DAY (load_state)")
    try:
        summary = json.loads((src / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise StateError(f"{src} has no readable summary.json (did its run finish?)") from None
    saved = (summary.get("state") or {}).get("run_id")
    if saved != state.run_id:
        raise StateError(
            f"{src} holds the tables of another run than the one that saved {state.path}"
            " (replay it again with --save-state)"
        )
    return src


def check(state: SavedState, sc: Scenario) -> int:
    """Check that ``sc`` can continue from ``state``; returns the state day's index.

    Raises
    ------
    StateError
        A state of another scenario (name, or accounts, members and contracts), a day not in
        the scenario's calendar or trading days before it unlike the saved run's, or the
        run's last day (nothing to continue).
    """
    where = state.path if state.path is not None else state.day
    if state.scenario != sc.name:
        raise StateError(f"{where} is a state of scenario {state.scenario!r}, not {sc.name!r}")
    if state.fingerprint != fingerprint(sc):
        raise StateError(
            f"{where}: the scenario's accounts, members or contracts differ from the saved run's"
        )
    days = list(sc.calendar.trading_days)
    if state.day not in days:
        raise StateError(f"{state.day} is not a trading day of the scenario's calendar")
    d = days.index(state.day)
    if days[: d + 1] != list(state.trading_days):
        raise StateError(
            f"the scenario's trading days up to {state.day} differ from the saved run's"
        )
    if d == len(days) - 1:
        raise StateError(f"{state.day} is the run's last trading day: nothing to continue")
    return d


def resume(run: Any, clocks: Sequence[Any], state: SavedState) -> tuple[Carry, dt.date, int]:
    """Set the loop's ``run`` to continue after ``state.day``; returns the carry, the last day
    run and the index of the first day to run.

    Raises
    ------
    StateError
        A state of another scenario, a day not in the scenario's calendar, the run's last day
        (nothing to continue), an order flow or events up to that day unlike the saved run's,
        or a source run folder that is not the saving run's.
    """
    d = check(state, run.sc)
    r = state.run
    if _digest(run, d) != r["flow"]:
        raise StateError(f"the orders or events up to {state.day} differ from the saved run's")
    if int(r["desk_n"]) and int(r["desk_first_no"]) != run.desk.first_no:
        raise StateError(
            f"the scenario has {len(run.msgs)} orders, the saved run {r['n_msgs']}: its"
            " liquidation order numbers would not continue"
        )
    run.n_trades = int(r["n_trades"])
    # the liquidation orders up to that day: placeholders (their rows are the source's), so
    # the desk's numbering and the ``orders`` table's row numbers go on from them
    n_desk = int(r["desk_n"])
    if n_desk:
        held = np.zeros(n_desk, dtype=MSG_DTYPE)
        held["order_no"] = run.desk.numbers(n_desk)
        held["target"] = -1
        run.desk.msgs.append(held)
        for part in (run.desk.status, run.desk.filled, run.desk.reason):
            part.append(np.zeros(n_desk, dtype=np.int64))
    run.liq_events[:] = list(r["liq_events"])
    run.liq_carried = r["liq_carried"]
    run.done = int(r["done"])
    for name, frame in state.working.items():
        run.records[name] = [frame]
    carry = copy.deepcopy(state.carry)
    apply_rule_changes(carry, state, run.sc, run.index)
    return carry, state.day, d + 1


def changed_rules(state: SavedState, sc: Scenario) -> list[str]:
    """Rulebook parameters of ``sc`` that differ from those of the run that saved ``state``
    (a what-if), plus ``contracts.<symbol>.margin_rate`` for changed contract rates."""
    new, old = rules_dict(sc), state.rules
    keys = sorted((set(new) | set(old)) - {"source"})  # ``source``: where it was read from
    out = [k for k in keys if new.get(k) != old.get(k)]
    old_rates = state.run.get("contract_rates")
    if old_rates is not None:
        for c, con in enumerate(sc.contracts):
            if float(con.margin_rate) != float(old_rates[c]):
                out.append(f"contracts.{con.symbol}.margin_rate")
    return out


def apply_rule_changes(carry: Carry, state: SavedState, sc: Scenario, index: Any) -> list[str]:
    """A what-if's rules in the carried state they seed, at the start of the continuation.

    Most rules are read when they apply, so a changed rule acts from the first continued day
    by itself. Two seed carried state and are applied here: a changed ``position_limit``
    (POS-01) replaces the carried limits (``position_limit`` events of the saved days
    included), and a changed contract margin rate (the contract's ``margin_rate``, or the
    rulebook default it follows) replaces the carried MARGIN-04 base rate; the rate in force
    keeps the MARGIN-05 raises, and the reserve takes the margin difference at the previous
    settlement, so each account's equity is unchanged (SETTLE-03).

    Returns
    -------
    list of str
        :func:`changed_rules`.
    """
    from riskcore.risk.margin_rates import effective_rate
    from riskcore.sim.build import margin_method, position_limits, position_margin

    changed = changed_rules(state, sc)
    if "position_limit" in changed:
        carry.pos_limit = position_limits(sc.rulebook, index.n_contracts)
    old_rates = state.run.get("contract_rates")
    if old_rates is None:
        return changed
    rates = np.array([c.margin_rate for c in sc.contracts], dtype=np.float64)
    diff = rates != np.asarray(old_rates, dtype=np.float64)
    if diff.any():
        method = margin_method(sc.rulebook)
        args = (carry.long_yd, carry.short_yd, carry.prev_settle, index.tick_value)
        before = position_margin(*args, carry.margin_rate, method)
        carry.base_rate = np.where(diff, rates, carry.base_rate)
        carry.margin_rate = effective_rate(carry.base_rate, carry.locked_raise, carry.holiday_raise)
        carry.reserve = carry.reserve + before - position_margin(*args, carry.margin_rate, method)
    return changed


def continuation(run: Any, state: SavedState, source: Path) -> Continuation:
    """What :meth:`Continuation.merge` needs from the loop's ``run``."""
    d = state.day_index
    done = np.zeros(len(run.msgs), dtype=bool)
    done[: _done_prefix(run, d)] = True
    return Continuation(
        state=state,
        source=source,
        done_msgs=done,
        days=set(state.trading_days),
        changed_rules=changed_rules(state, run.sc),
    )


def save_day(
    run_dir: str | Path,
    run: Any,
    carry: Carry,
    clocks: Sequence[Any],
    d: int,
    run_id: str,
    base: SavedState | None,
) -> Path:
    """Save the state at the close of day ``d`` to ``RUN_DIR/state/YYYY-MM-DD``."""
    state = capture(run, carry, clocks, d, run_id, base)
    return save_state(state_folder(run_dir, state.day), state)


def new_run_id() -> str:
    """A fresh run id (ties a run folder's tables to its saved states)."""
    return uuid.uuid4().hex
