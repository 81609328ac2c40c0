"""Pure-Python reference matching engine: the readable oracle for the numba engine.

See ``docs/engine-semantics.md`` for the contract both engines implement.
"""

from riskcore.reference.engine import ReferenceEngine

__all__ = ["ReferenceEngine"]
