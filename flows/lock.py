"""One run at a time per home.

`HOME/.datapool.lock` is held with `flock` for the whole run and names its
holder (`pid start-ticks started-at`). The kernel drops a flock when its
process dies, however it dies (SIGKILL, OOM killer, power cut before a
reboot), so a lock left by a dead run is simply taken over; the PID is only
for the message a refused run prints.

Why not a PID file alone: two runs that both find a dead PID could both take
over, and a PID reused by an unrelated process would block the home forever.
The file also records the holder's start time (`/proc/<pid>/stat`), so a
lock file written by a run that held no flock (an older datapool) counts as
held only while that very process lives.

The lock is re-entrant within a process: `datapool nightly` takes it before
Prefect starts (so a refused run says so in one line), and the flow takes it
again (a run started by `datapool serve` runs the flow in a process of its
own).
"""
from __future__ import annotations

import fcntl
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from flows.errors import UserError
from sources.home import Home

LOCK_NAME = ".datapool.lock"

_held: dict[Path, tuple[int, int]] = {}   # lock path -> (fd, depth), this process
_held_guard = threading.Lock()


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def process_alive(pid: int, ticks: int | None = None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if ticks is not None:
        now = start_ticks(pid)
        return now is None or now == ticks  # another process now wears that PID: the holder is gone
    return True


def _holder(text: str) -> tuple[int, int | None, str]:
    parts = text.split()
    try:
        pid = int(parts[0]) if parts else 0
    except ValueError:
        return 0, None, ""
    ticks = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return pid, ticks, parts[2] if len(parts) > 2 else ""


def _refusal(path: Path, pid: int, since: str) -> str:
    who = f"pid {pid}" if pid else "another process"
    when = f", started {since}" if since else ""
    return (f"another datapool run ({who}{when}) is working on {path.parent}; "
            f"try again when it has finished")


class RunLock:
    def __init__(self, home: Path | Home):
        root = home.root if isinstance(home, Home) else Path(home)
        self.path = (root / LOCK_NAME).absolute()

    def __enter__(self) -> "RunLock":
        with _held_guard:
            if self.path in _held:
                fd, depth = _held[self.path]
                _held[self.path] = (fd, depth + 1)
                return self
        for _ in range(5):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid, _, since = _holder(os.pread(fd, 200, 0).decode("ascii", "replace"))
                os.close(fd)
                raise UserError(_refusal(self.path, pid, since)) from None
            try:
                same_file = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same_file = False
            if not same_file:  # the holder we waited on removed the file: lock the new one
                os.close(fd)
                continue
            pid, ticks, since = _holder(os.pread(fd, 200, 0).decode("ascii", "replace"))
            if pid and pid != os.getpid() and process_alive(pid, ticks):
                # written by a live process that holds no flock (an older datapool): still its lock
                os.close(fd)
                raise UserError(_refusal(self.path, pid, since))
            started = datetime.now(timezone.utc).isoformat(timespec="seconds")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {start_ticks(os.getpid()) or 0} {started}\n".encode(), 0)
            with _held_guard:
                _held[self.path] = (fd, 1)
            return self
        raise UserError(f"could not take the run lock {self.path}")

    def __exit__(self, *exc) -> None:
        with _held_guard:
            fd, depth = _held[self.path]
            if depth > 1:
                _held[self.path] = (fd, depth - 1)
                return
            del _held[self.path]
        # Remove the file while still holding the flock; a run that opened it meanwhile
        # sees the inode is gone and locks a new file.
        self.path.unlink(missing_ok=True)
        os.close(fd)
