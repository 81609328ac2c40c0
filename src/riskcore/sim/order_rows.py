"""The ``orders`` table of a run, built from its arrays, and written once its rows are final.

Every order is good for the day, so the flow's order rows are final at the close of the
run's last trading day, while its end of day (settlement, margin calls, reports) still has
to run on one core. A run saved to a folder therefore starts writing ``orders`` then
(:func:`orders_stream`, a :class:`~riskcore.output.stream.TableStream` on the other core),
and the liquidation desk's rows, numbered after the flow's, join after the run; records
saved later start one when they are saved. The file has the bytes of the table built whole
(same rows, same row groups), one row group built at a time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from riskcore.output.stream import TableStream
from riskcore.output.tables import SCHEMAS, NameLookup, orders_table
from riskcore.sim.build import Index

ROW_DTYPE = np.dtype([])
"""Records of a table built from other arrays: one per row, of no bytes (queuing 20 million
rows costs no memory); :meth:`OrderRows.build` numbers them in the order it is called."""


def account_names(index: Index) -> NameLookup:
    """Account -> (member, investor) of a run's accounts, for :func:`orders_table`."""
    return NameLookup(
        dict(zip(index.accounts, index.member_of_account, strict=True)),
        dict(zip(index.accounts, index.investor_of_account, strict=True)),
    )


class OrderRows:
    """The arrays the ``orders`` rows are built from, and the rows built so far.

    Parameters
    ----------
    index : Index
        The run's names.
    orders, msgs, status, filled, reason
        As :func:`~riskcore.output.tables.orders_table` takes them.
    """

    def __init__(self, index: Index, orders, msgs, status, filled, reason) -> None:
        self.names = account_names(index)
        self.built = 0
        self.update(orders, msgs, status, filled, reason)

    def update(self, orders, msgs, status, filled, reason) -> None:
        """Arrays with more rows after the ones given before (and the same values there);
        swapped as one, so a build under way reads either set whole."""
        self._arrays = (orders, msgs, status, filled, reason)

    def build(self, records: np.ndarray) -> pl.DataFrame:
        """The next ``len(records)`` rows of the table (:data:`ROW_DTYPE` records: the calls
        take the rows in order, as a stream's one writer does)."""
        start = self.built
        self.built = start + len(records)
        return orders_table(*self._arrays, self.names, start=start, stop=self.built)


def orders_stream(
    path: Path, index: Index, orders, msgs, status, filled, reason
) -> tuple[TableStream, OrderRows]:
    """The ``orders`` table written to ``path`` from these arrays (:class:`OrderRows`), its
    rows so far added; further rows are added as :func:`row_records`."""
    rows = OrderRows(index, orders, msgs, status, filled, reason)
    stream = TableStream(path, ROW_DTYPE, rows.build, SCHEMAS["orders"])
    stream.add(row_records(orders.height))
    return stream, rows


def row_records(n: int) -> np.ndarray:
    """``n`` more rows to add to an :func:`orders_stream`."""
    return np.empty(n, dtype=ROW_DTYPE)
