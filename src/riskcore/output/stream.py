"""A Parquet table written in a background thread while its rows are still being made.

The ``trades`` of a run are final the moment they are recorded, so they need not wait for
the run to end: a :class:`TableStream` takes record arrays as the run makes them
(:meth:`TableStream.add`), and a thread builds and encodes them one row group at a time
while the run goes on (the end of day, the next day's matching, the ``orders`` table).
The file has the same bytes as the whole table written at the end (:func:`write_table`):
row groups of the same :data:`~riskcore.output.write.PARQUET_OPTIONS` size, built by the
same function from the same rows.

The file is written under a temporary name (:func:`write_temporary`) and renamed into place
by :meth:`TableStream.close` only (:func:`commit`), so a stream that has seen its last rows
(:meth:`TableStream.end`) may still be given up: :meth:`TableStream.abort` (a failed run)
removes the temporary file and leaves any earlier table in place.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import polars as pl
from polars.io.plugins import register_io_source

from riskcore.output.write import PARQUET_OPTIONS, commit, write_table, write_temporary

_END = object()
_ABORT = object()


class StreamAborted(RuntimeError):
    """Raised inside the writer thread when the stream is aborted (never reaches users)."""


class TableStream:
    """Write ``path`` from record arrays as they arrive, one row group at a time.

    Parameters
    ----------
    path : Path
        The table file (its folder must exist).
    dtype : numpy dtype
        Of the record arrays.
    build : callable
        ``build(records) -> DataFrame``: the table's rows of a slice of the records (the
        same function the whole table is built with).
    schema : polars Schema
        Of ``build``'s frames.
    rows_per_group : int, optional
        Rows built and encoded at a time (the row-group size of the file); default the
        ``row_group_size`` of :data:`~riskcore.output.write.PARQUET_OPTIONS`.
    """

    def __init__(
        self,
        path: Path,
        dtype: np.dtype,
        build: Callable[[np.ndarray], pl.DataFrame],
        schema: pl.Schema,
        rows_per_group: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.build = build
        self.schema = schema
        group = PARQUET_OPTIONS["row_group_size"] if rows_per_group is None else rows_per_group
        self.rows_per_group = int(group)
        self.rows = 0
        self._queue: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._closed = False
        self._aborting = threading.Event()
        self._written: Path | None = None  # the finished temporary file
        self._thread = threading.Thread(target=self._write, name="riskcore-table-stream")
        self._thread.daemon = True
        self._thread.start()

    # ------------------------------------------------------------------ producer side
    def add(self, records: np.ndarray) -> None:
        """Queue rows (in table order); the array must not change afterwards. Raises what
        the writer raised, if it failed already (a run stops at once, not at its end)."""
        if self._closed:
            raise RuntimeError("the stream is closed")
        if self._error is not None:
            raise self._error
        if len(records):
            self.rows += len(records)
            self._queue.put(records)

    def end(self) -> None:
        """No more rows: the writer encodes the last, short row group now, while the caller
        goes on (:meth:`close` waits for it)."""
        if not self._closed:
            self._closed = True
            self._queue.put(_END)

    def close(self) -> int:
        """Wait until every queued row is written and the file is in place; returns the
        number of rows. Raises what the writer raised."""
        self.end()
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._written is not None:
            written, self._written = self._written, None
            if self.rows == 0:  # no row group at all: the bytes of the whole (empty) table
                written.unlink()
                write_table(self.build(np.zeros(0, self.dtype)), self.path)
            else:
                commit(written, self.path)
        return self.rows

    def abort(self) -> None:
        """Stop writing and remove the temporary file; any earlier ``path`` stays. Rows
        still queued are dropped, not written first."""
        self._aborting.set()  # also stops the encoding of rows after end()
        if not self._closed:
            self._closed = True
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()
            self._queue.put(_ABORT)
        self._thread.join()
        self._error = None
        if self._written is not None:
            with contextlib.suppress(OSError):
                self._written.unlink()
            self._written = None

    # ------------------------------------------------------------------ writer thread
    def _groups(self) -> Iterator[np.ndarray]:
        """The queued records cut into groups of ``rows_per_group`` rows (the last one
        shorter), in order. A group is a view of one batch where it can be; only a group
        that spans batches is copied (never a whole batch of millions of fills)."""
        pending: deque[np.ndarray] = deque()
        held = 0

        def take(k: int) -> np.ndarray:
            nonlocal held
            parts = []
            while k:
                head = pending[0]
                if len(head) <= k:
                    parts.append(pending.popleft())
                else:
                    parts.append(head[:k])
                    pending[0] = head[k:]
                k -= len(parts[-1])
                held -= len(parts[-1])
            return parts[0] if len(parts) == 1 else np.concatenate(parts)

        while True:
            item = self._queue.get()
            if item is _ABORT or self._aborting.is_set():
                raise StreamAborted("aborted")
            if item is _END:
                break
            pending.append(item)
            held += len(item)
            while held >= self.rows_per_group:
                if self._aborting.is_set():  # a large item: stop between its groups
                    raise StreamAborted("aborted")
                yield take(self.rows_per_group)
        if held and not self._aborting.is_set():
            yield take(held)
        if self._aborting.is_set():
            raise StreamAborted("aborted")

    def _write(self) -> None:
        groups = self._groups()

        def source(with_columns, predicate, n_rows, batch_size) -> Iterator[pl.DataFrame]:
            empty = True
            for records in groups:
                empty = False
                yield _columns(self.build(records), with_columns)
            if empty:  # close() rewrites it as the whole empty table
                yield _columns(self.build(np.zeros(0, self.dtype)), with_columns)

        lf = register_io_source(source, schema=self.schema)
        try:
            self._written = write_temporary(
                self.path, lambda fh: lf.sink_parquet(fh, **PARQUET_OPTIONS)
            )
        except BaseException as exc:  # raised by close(); dropped by abort()
            self._error = exc


def _columns(df: pl.DataFrame, names: list[str] | None) -> pl.DataFrame:
    return df if names is None else df.select(names)


__all__ = ["StreamAborted", "TableStream"]
