"""Fixtures of the scenario-loader tests (helpers live in ``scenario_helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_helpers import Files


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """Write scenario files into ``tmp_path`` and load them."""
    return Files(tmp_path)
