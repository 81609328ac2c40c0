"""Fixtures of the simulation tests (helpers live in ``tests/sim_helpers.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim_helpers import write_scenario


@pytest.fixture
def scenario(tmp_path: Path) -> Callable[..., Path]:
    """``scenario(**kwargs)`` -> path of a scenario file written into ``tmp_path``."""

    def make(**kwargs: Any) -> Path:
        return write_scenario(tmp_path, **kwargs)

    return make
