"""deliver(): move one night's drop into the inbox, as the departments would."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


def deliver(home: Path, night: dt.date) -> list[Path]:
    """Move HOME/drops/<YYYY-MM-DD>/* into HOME/inbox/, keeping sub-paths
    (feedback/...). Each file arrives by one rename on the same filesystem,
    so a reader sees it whole or not at all. Returns the inbox paths, sorted."""
    home = Path(home)
    day = night.isoformat() if hasattr(night, "isoformat") else str(night)
    drop = home / "drops" / day
    if not drop.is_dir() or not any(p.is_file() for p in drop.rglob("*")):
        base = home / "drops"
        have = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        hint = f"drops waiting: {', '.join(have)}" if have else f"no drops under {base}"
        raise FileNotFoundError(f"no drop for night {day} in {drop} ({hint})")
    inbox = home / "inbox"
    moved = []
    for src in sorted(p for p in drop.rglob("*") if p.is_file()):
        dst = inbox / src.relative_to(drop)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        moved.append(dst)
    for d in sorted((p for p in drop.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        d.rmdir()
    drop.rmdir()
    return moved
