"""Run outputs: record arrays -> polars DataFrames -> an atomically written run folder.

- :mod:`riskcore.output.tables`: the tables of SCENARIO.md ("Run folder") with their exact
  columns and dtypes (:data:`~riskcore.output.tables.SCHEMAS`).
- :mod:`riskcore.output.write`: atomic Parquet and JSON writing (:func:`write_run`).
"""

from riskcore.output.tables import SCHEMAS, conform
from riskcore.output.write import write_atomic, write_run, write_table

__all__ = ["SCHEMAS", "conform", "write_atomic", "write_run", "write_table"]
