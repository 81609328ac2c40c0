"""``plot_run`` and ``riskcore plot``: the PNG files written, the plots skipped, the errors."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import pytest

import riskcore
from riskcore import cli
from riskcore.plot import plot_run

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = REPO / "scenarios"


@pytest.fixture(scope="module")
def breaker_dir(tmp_path_factory) -> Path:
    """The breaker-day run saved as a run folder."""
    result = riskcore.run(SCENARIOS / "breaker-day.toml")
    return result.save(tmp_path_factory.mktemp("breaker") / "run")


@pytest.fixture(scope="module")
def liquidation() -> riskcore.Result:
    return riskcore.run(SCENARIOS / "margin-call-liquidation.toml")


def decodes(path: Path) -> bool:
    image = matplotlib.image.imread(path)
    return image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 600


def test_plot_run_writes_every_plot_with_data(liquidation, tmp_path):
    files = plot_run(liquidation, tmp_path / "plots")
    assert [p.name for p in files] == [
        "price_path_IF1509.png",
        "equity_margin.png",
        "margin_calls_liquidations.png",
    ]
    assert all(p.parent == tmp_path / "plots" and decodes(p) for p in files)
    assert files.skipped == {"reduction_allocations": "no forced reductions"}
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(p.name for p in files)


def test_plot_run_skips_plots_without_data_and_says_why(breaker_dir, tmp_path, capsys):
    files = plot_run(breaker_dir, tmp_path, verbose=True)
    assert [p.name for p in files] == [
        "price_path_IF1509.png",
        "price_path_IF1512.png",
        "equity_margin.png",
    ]
    assert files.skipped == {
        "margin_calls_liquidations": "no margin calls and no liquidations",
        "reduction_allocations": "no forced reductions",
    }
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "skipped margin_calls_liquidations: no margin calls and no liquidations",
        "skipped reduction_allocations: no forced reductions",
    ]
    assert not (tmp_path / "reduction_allocations.png").exists()


def test_plot_run_of_empty_tables_writes_nothing(tmp_path):
    files = plot_run({}, tmp_path / "none")
    assert list(files) == [] and list((tmp_path / "none").iterdir()) == []
    assert set(files.skipped) == {
        "price_path",
        "equity_margin",
        "margin_calls_liquidations",
        "reduction_allocations",
    }


# --- riskcore plot ---------------------------------------------------------------------------
def test_cli_plot_default_folder(breaker_dir, capsys):
    assert cli.main(["plot", str(breaker_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    written = [Path(line) for line in out if not line.startswith("skipped ")]
    assert [p.name for p in written] == [
        "price_path_IF1509.png",
        "price_path_IF1512.png",
        "equity_margin.png",
    ]
    assert all(p.parent == breaker_dir / "plots" and decodes(p) for p in written)
    assert "skipped reduction_allocations: no forced reductions" in out


def test_cli_plot_out(breaker_dir, tmp_path, capsys):
    out_dir = tmp_path / "pics"
    assert cli.main(["plot", str(breaker_dir), "--out", str(out_dir)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == str(out_dir / "price_path_IF1509.png") and decodes(Path(first))


def test_cli_plot_missing_folder(tmp_path, capsys):
    missing = tmp_path / "nope"
    assert cli.main(["plot", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"riskcore: error: no run folder at {missing}\n"


def test_cli_plot_folder_that_is_not_a_run(tmp_path, capsys):
    (tmp_path / "trades.parquet").write_bytes(b"")
    assert cli.main(["plot", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"riskcore: error: {tmp_path} has no summary.json (not a run folder?)\n"
    assert not (tmp_path / "plots").exists()


def test_cli_plot_out_is_a_file(breaker_dir, tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert cli.main(["plot", str(breaker_dir), "--out", str(blocker)]) == 2
    assert capsys.readouterr().err == f"riskcore: error: --out {blocker}: not a folder\n"


def test_cli_plot_help_is_listed(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "plot" in capsys.readouterr().out
