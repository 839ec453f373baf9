"""User errors print one line and exit non-zero, never a traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("args,expected", [
    (["nightly", "--home", "/nonexistent/home", "--date", "2026-03-15"], "is not a datapool home"),
    (["nightly", "--home", ".", "--date", "2026-13-45"], "is not a date"),
    (["nightly", "--home", ".", "--from", "2026-03-15"], "both --from and --to"),
    (["generate", "--out", "/tmp/x", "--people", "5", "--date", "2026-03-15"], "--people must be"),
    (["deliver", "--home", "/nonexistent/home", "--date", "2026-03-16"], "drop"),
])
def test_user_error_is_one_line_without_traceback(args, expected, tmp_path):
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_second_run_on_same_home_refused(tmp_path):
    import os

    from flows.cli import UserError
    from flows.lock import RunLock

    lock_file = tmp_path / ".datapool.lock"
    lock_file.write_text(str(os.getppid()))  # a live process holds the home
    with pytest.raises(UserError, match="another datapool run"):
        with RunLock(tmp_path):
            pass
    assert lock_file.read_text() == str(os.getppid())


def test_lock_left_by_dead_process_is_recovered(tmp_path):
    from flows.lock import RunLock

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / ".datapool.lock").write_text(dead)
    with RunLock(tmp_path) as lock:
        assert lock.path.read_text() != dead
    assert not (tmp_path / ".datapool.lock").exists()


# --- rules explain, simulate ---------------------------------------------------------

@pytest.mark.parametrize("args,expected", [
    (["rules", "explain", "NO_SUCH_RULE"], "no rule NO_SUCH_RULE"),
    (["rules", "explain", "FACT_UNSUPPORTED_CHILD", "--date", "2026-02-30"], "is not a date"),
    (["simulate", "--home", "/nonexistent/home", "--set", "FUC_MONTHLY=1000"], "has no warehouse.duckdb"),
])
def test_rules_user_errors_are_one_line(args, expected):
    result = run_cli(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_rules_explain_prints_rule_parameters_and_sql():
    result = run_cli("rules", "explain", "FACT_UNSUPPORTED_CHILD", "--date", "2026-03-15")
    assert result.returncode == 0, result.stderr
    assert "事实无人抚养儿童基本生活费" in result.stdout
    assert "FUC_MONTHLY = 920" in result.stdout
    assert "CREATE OR REPLACE TABLE rules.eligible_fact_unsupported_child AS" in result.stdout


def test_simulate_prints_the_change_by_township(tmp_path):
    from datetime import date

    import duckdb

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from conftest_helpers import create_ref, create_staging, e1_rows, run_layers

    (tmp_path / "inbox").mkdir()
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_staging(con, e1_rows())
    create_ref(con, date(2026, 3, 15))
    run_layers(con, ("core", "labels", "rules"))
    con.close()
    bad = run_cli("simulate", "--home", str(tmp_path), "--set", "NOT_A_PARAMETER=1")
    assert bad.returncode == 2 and "no such parameter" in bad.stderr
    result = run_cli("simulate", "--home", str(tmp_path), "--set", "FUC_MONTHLY=1000")
    assert result.returncode == 0, result.stderr
    assert "王杲铺镇" in result.stdout and "+160.00" in result.stdout
