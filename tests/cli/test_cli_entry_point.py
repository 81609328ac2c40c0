"""The installed ``riskcore`` console script, run as a separate process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import riskcore

REPO = Path(__file__).resolve().parents[2]


def _riskcore() -> str:
    """The console script installed beside this interpreter (``pip install -e .``)."""
    here = Path(sys.executable).parent / "riskcore"
    found = str(here) if here.is_file() else shutil.which("riskcore")
    assert found, "the riskcore console script is not installed (pip install -e .)"
    return found


def test_entry_point_version():
    proc = subprocess.run(
        [_riskcore(), "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"riskcore {riskcore.__version__} ")


def test_entry_point_validate_error_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 2\n")
    proc = subprocess.run(
        [_riskcore(), "validate", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert f"{bad}:1: key 'schema': unsupported schema 2" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_entry_point_real_replay_check_quickstart(tmp_path):
    """The real simulation: quiet, not a terminal -> no output at all, exit 0."""
    out = tmp_path / "run"
    quickstart = str(REPO / "scenarios" / "quickstart.toml")
    proc = subprocess.run(
        [_riskcore(), "replay", quickstart, "--check", "-q", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed_expectation"] is None
    assert (out / "trades.parquet").is_file()
