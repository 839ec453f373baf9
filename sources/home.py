"""The home folder: where a county's deliveries, warehouse and outputs live.

The layout is interfaces.md's; every module asks this class for a path so the
layout is written down once.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Home:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def feedback(self) -> Path:
        return self.inbox / "feedback"

    def drops(self, night: str | None = None) -> Path:
        base = self.root / "drops"
        return base / night if night else base

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def divisions(self) -> Path:
        return self.reference / "divisions.csv"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def analytics(self) -> Path:
        return self.root / "analytics.duckdb"

    def exports(self, run_date: str) -> Path:
        return self.root / "exports" / run_date

    def report(self, run_date: str) -> Path:
        return self.root / "reports" / f"{run_date}.html"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"
