"""``riskcore replay`` in-process, with the simulation replaced by ``fake_sim``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cli_helpers import SCENARIO, FakeResult, line_of

from riskcore import cli


def test_replay_writes_run_folder_and_summary_table(fake_sim, scenario_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["replay", str(scenario_file), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert (out / "trades.parquet").is_file() and (out / "summary.json").is_file()
    assert f"tiny: 2 day(s), seed 3, rulebook seed -> {out}" in stdout
    assert "trades" in stdout and "orders" in stdout
    assert "messages/s" in stdout and "wall time" in stdout
    # without --check nothing is checked and the summary's key stays as the run wrote it
    assert json.loads((out / "summary.json").read_text())["failed_expectation"] is None


def test_default_out_is_runs_name(fake_sim, scenario_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["replay", str(scenario_file), "-q"]) == 0
    assert (tmp_path / "runs" / "tiny" / "summary.json").is_file()


def test_check_passes(fake_sim, scenario_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["replay", str(scenario_file), "--out", str(out), "--check"]) == 0
    assert "check: 1 of 1 expectation(s) hold" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed_expectation"] is None
    assert summary["expectations_checked"] == 1


def test_check_failure_exits_1_with_expectation_and_actual(
    fake_sim, failing_file, tmp_path, capsys
):
    out = tmp_path / "run"
    assert cli.main(["replay", str(failing_file), "--out", str(out), "--check", "-q"]) == 1
    stdout = capsys.readouterr().out
    line = line_of(failing_file, "[[expect]]", 2)
    want = (
        f'FAIL {failing_file}:{line}: trades where {{ buy_account = "C001" }}: '
        "expected price = 3510.0, got price = 3500.0"
    )
    assert want in stdout
    assert "check: 1 of 2 expectation(s) hold" in stdout
    failed = json.loads((out / "summary.json").read_text())["failed_expectation"]
    assert failed["origin"] == f"{failing_file}:{line}"
    assert failed["expected"] == "price = 3510.0" and failed["actual"] == "price = 3500.0"


def test_failure_is_recorded_even_when_save_ignores_the_summary_key(
    fake_sim, failing_file, tmp_path, monkeypatch
):
    monkeypatch.setattr(FakeResult, "save", _save_without_summary_key)
    out = tmp_path / "run"
    assert cli.main(["replay", str(failing_file), "--out", str(out), "--check", "-q"]) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed_expectation"]["actual"] == "price = 3500.0"
    assert summary["other"] == 1


def _save_without_summary_key(self, folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps({"other": 1}))


def test_check_without_expect_blocks(fake_sim, tmp_path, capsys):
    plain = tmp_path / "plain.toml"
    plain.write_text(SCENARIO.split("[[expect]]")[0])
    assert cli.main(["replay", str(plain), "--out", str(tmp_path / "r"), "--check"]) == 0
    assert "check: the scenario has no [[expect]] blocks" in capsys.readouterr().out


def test_quiet_prints_nothing_on_success(fake_sim, scenario_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["replay", str(scenario_file), "--out", str(out), "--quiet", "--check"]) == 0
    assert capsys.readouterr() == ("", "")


def test_no_progress_bar_when_stderr_is_not_a_tty(fake_sim, scenario_file, tmp_path, capsys):
    # capsys' stderr is not a terminal
    assert cli.main(["replay", str(scenario_file), "--out", str(tmp_path / "r")]) == 0
    assert capsys.readouterr().err == ""


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_tty(fake_sim, scenario_file, tmp_path, monkeypatch):
    err = _Tty()
    monkeypatch.setattr("sys.stderr", err)
    assert cli.main(["replay", str(scenario_file), "--out", str(tmp_path / "r")]) == 0
    text = err.getvalue()
    assert "\r[" in text and "100%" in text and "day 2/2 2015-09-08" in text
    assert text.endswith("\r\x1b[K")  # the bar's line is cleared at the end


def test_quiet_has_no_progress_bar_even_on_a_tty(fake_sim, scenario_file, tmp_path, monkeypatch):
    err = _Tty()
    monkeypatch.setattr("sys.stderr", err)
    assert cli.main(["replay", str(scenario_file), "--out", str(tmp_path / "r"), "-q"]) == 0
    assert err.getvalue() == ""


def test_progress_bar_throttles_and_shows_days():
    out = io.StringIO()
    bar = cli.ProgressBar(out, ["2015-09-07", "2015-09-08"])
    bar(0, 1000, "2015-09-07")
    bar(10, 1000, "2015-09-07")  # within 0.1 s: not drawn
    bar(1000, 1000, "2015-09-08")  # the end is always drawn
    frames = out.getvalue().split("\r")[1:]
    assert len(frames) == 2
    assert frames[0].startswith("[" + "." * 30 + "]   0%  0/1,000 msgs  day 1/2 2015-09-07")
    assert frames[1].startswith("[" + "#" * 30 + "] 100%  1,000/1,000 msgs  day 2/2")
    bar.close()
    assert out.getvalue().endswith("\r\x1b[K")


def test_bad_scenario_exits_2_with_one_line(fake_sim, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'schema = 1\n[scenario]\nname = "x"\nstart = "2015-09-07"\ndays = "two"\nseed = -1\n'
    )
    assert cli.main(["replay", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and not fake_sim.calls
    assert err[0].startswith(f"{bad}:5: key 'scenario.days': ")
    assert err[0].endswith(f"(+1 more: riskcore validate {bad})")


def test_missing_file_exits_2(fake_sim, tmp_path, capsys):
    assert cli.main(["replay", str(tmp_path / "nope.toml")]) == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'nope.toml'}: scenario file not found"


def test_internal_error_is_one_line_without_debug(fake_sim, scenario_file, tmp_path, capsys):
    fake_sim.error = RuntimeError("kernel\nexploded")
    assert cli.main(["replay", str(scenario_file), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "riskcore: error: RuntimeError: kernel exploded (run with --debug for the traceback)\n"
    )


def test_debug_shows_the_traceback(fake_sim, scenario_file, tmp_path, capsys):
    fake_sim.error = RuntimeError("kernel exploded")
    args = ["replay", str(scenario_file), "--out", str(tmp_path / "r"), "--debug"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: kernel exploded" in err


def test_keyboard_interrupt_exits_130(fake_sim, scenario_file, tmp_path, capsys):
    fake_sim.error = KeyboardInterrupt()
    assert cli.main(["replay", str(scenario_file), "--out", str(tmp_path / "r")]) == 130
    assert capsys.readouterr().err == "riskcore: interrupted\n"


def test_set_and_seed_override_the_scenario(fake_sim, scenario_file, tmp_path):
    args = ["replay", str(scenario_file), "--out", str(tmp_path / "r"), "-q"]
    args += ["--set", "rules.position_limit=300", "--set", "rules.circuit_breaker=false"]
    args += ["--set", "scenario.days=3", "--set", "scenario.rulebook=cffex-2010", "--seed", "11"]
    assert cli.main(args) == 0
    (sc,) = fake_sim.calls
    assert sc.rulebook.name == "cffex-2010"
    assert sc.rulebook.position_limit == 300 and sc.rulebook.circuit_breaker == 0.0
    assert len(sc.trading_days) == 3 and sc.seed == 11


def test_set_creates_missing_tables_and_indexes_arrays(fake_sim, scenario_file, tmp_path):
    args = ["replay", str(scenario_file), "--out", str(tmp_path / "r"), "-q"]
    args += ["--set", "calendar.auction=false", "--set", "accounts.1.cash=5e6"]
    args += ["--set", "contracts.0.margin_rate=0.15"]
    assert cli.main(args) == 0
    (sc,) = fake_sim.calls
    assert sc.calendar.auction is None
    assert sc.accounts[1].cash == 5e6 and sc.contracts[0].margin_rate == 0.15


def test_bad_set_value_is_blamed_on_the_set(fake_sim, scenario_file, tmp_path, capsys):
    args = ["replay", str(scenario_file), "--set", "rules.position_limit=lots"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith('--set rules.position_limit: the string "lots" is not')
    assert not fake_sim.calls


def test_unknown_set_key_suggests(fake_sim, scenario_file, capsys):
    assert cli.main(["replay", str(scenario_file), "--set", "rules.positon_limit=3"]) == 2
    err = capsys.readouterr().err
    assert (
        "--set rules.positon_limit: unknown rule parameter (did you mean 'position_limit'?)" in err
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules.position_limit", "expected KEY=VALUE"),
        ("=3", "expected KEY=VALUE"),
        ("rules..x=3", "empty part"),
        ("0.x=3", "must start with a name"),
        ('rules.x="open', "is not a TOML value"),
        ("accounts.9.cash=1", "no element 9"),
        ("scenario.name.x=1", "'name' is a value, not a table"),
        ("scenario.name.x.y=1", "'name' is a value, not a table"),
    ],
)
def test_malformed_set_is_a_usage_error(fake_sim, scenario_file, capsys, text, message):
    assert cli.main(["replay", str(scenario_file), "--set", text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("riskcore: error: ") and message in err, err


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("rules.position_limit=300", ("rules", "position_limit"), 300),
        ("rules.circuit_breaker = 0.06", ("rules", "circuit_breaker"), 0.06),
        ("rules.circuit_breaker=false", ("rules", "circuit_breaker"), False),
        ('calendar.auction=["09:10", "09:15"]', ("calendar", "auction"), ["09:10", "09:15"]),
        ('scenario.title="a = b"', ("scenario", "title"), "a = b"),
        ("scenario.rulebook=cffex-2015", ("scenario", "rulebook"), "cffex-2015"),
        ("contracts.0.tick=0.2", ("contracts", 0, "tick"), 0.2),
    ],
)
def test_parse_set(text, key, value):
    assert cli.parse_set(text) == (key, value)
