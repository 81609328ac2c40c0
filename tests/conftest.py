"""Shared fixtures: every rule test runs against both matching engines."""

from __future__ import annotations

import pytest

from riskcore.reference import ReferenceEngine

ENGINES = {"reference": ReferenceEngine}
try:  # the numba engine
    from riskcore.engine import Engine

    ENGINES["numba"] = Engine
except ImportError:  # pragma: no cover - only while the numba engine is being written
    pass


@pytest.fixture(params=sorted(ENGINES))
def engine_cls(request):
    """The engine class under test: ``reference`` and ``numba``."""
    return ENGINES[request.param]
