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
