"""The end-to-end replay benchmark runs at a tiny size and prints parsable figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "e2e_replay.py"


@pytest.mark.slow
def test_e2e_replay_tiny(tmp_path):
    args = ["--messages", "20000", "--accounts", "50", "--contracts", "4", "--seed", "3"]
    cmd = [sys.executable, str(SCRIPT), *args, "--data", str(tmp_path), "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["messages"] == 20_000 and res["accounts"] == 50
    assert res["messages_per_s"] > 0 and res["peak_rss_mb"] > 0
    assert {"load", "kernel", "end_of_day", "write"} <= set(res["time_s"])
    assert res["tables"]["orders"] == 20_000 and res["fills"] > 0
    assert res["cpu_s"] > 0 and res["cores"] >= 1 and "floor_cpu_s" not in res
    # the generated flow is reused: a second run does not regenerate it
    again = subprocess.run([*cmd, "--floor"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "generated" not in again.stdout
    floor = json.loads(again.stdout.strip().splitlines()[-1])["floor_cpu_s"]
    assert set(floor) == {"read_flow", "encode_orders", "encode_trades"}
    assert all(v >= 0 for v in floor.values()) and sum(floor.values()) > 0
    assert not (tmp_path / "m20000-c4-a50-s3" / "floor").exists()
