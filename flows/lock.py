"""One run at a time per home.

The lock is a file holding the owner's PID, created with O_EXCL. A lock whose
PID is no longer alive was left by a killed run and is taken over.
"""
from __future__ import annotations

import os
from pathlib import Path

from sources.home import Home


class RunLocked(Exception):
    pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    def __init__(self, home: Path | Home):
        root = home.root if isinstance(home, Home) else Path(home)
        self.path = root / ".datapool.lock"

    def __enter__(self) -> "RunLock":
        from flows.cli import UserError

        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                try:
                    pid = int(self.path.read_text().strip() or 0)
                except (OSError, ValueError):
                    pid = 0
                if pid and _alive(pid) and pid != os.getpid():
                    raise UserError(f"another datapool run (pid {pid}) is working on "
                                    f"{self.path.parent}; try again when it has finished") from None
                self.path.unlink(missing_ok=True)  # left by a dead run
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return self
        raise UserError(f"could not take the run lock {self.path}")

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)
