"""The run of one generation: dates, seed and the random streams derived from them.

Every component draws from its own stream, named (`rng("clh")`), so that
changing how one source is drawn leaves every other file byte-identical.
"""
from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field

import numpy as np

EXAMPLES_DATE = dt.date(2026, 3, 15)  # D of policies.md §7


@dataclass
class Ctx:
    date: dt.date
    seed: int
    people: int
    nights: int = 0
    quirk_rate: float = 0.01
    _streams: dict = field(default_factory=dict, repr=False)

    @property
    def extract(self) -> dt.date:
        """Extract date of the first inbox: a night takes files dated before it."""
        return self.date - dt.timedelta(days=1)

    @property
    def D(self) -> np.datetime64:
        return np.datetime64(self.date, "D")

    @property
    def E(self) -> np.datetime64:
        return np.datetime64(self.extract, "D")

    @property
    def delta(self) -> dt.timedelta:
        """Shift of the worked examples' event dates (their D is 2026-03-15)."""
        return self.date - EXAMPLES_DATE

    @property
    def tax_year(self) -> int:
        """Latest 所属年度 in the tax snapshot (2025 for D = 2026-03-15)."""
        return self.date.year - 1

    @property
    def window(self) -> int:
        """Days after D in which nothing may cross a threshold by itself
        (birthdays, ends of prison terms, ageing of evidence)."""
        return max(14, self.nights + 3)

    @property
    def last_night(self) -> dt.date:
        return self.date + dt.timedelta(days=self.nights)

    def night_dates(self) -> list[dt.date]:
        """Run dates of nights 2..K+1 (night k runs on D + k - 1)."""
        return [self.date + dt.timedelta(days=k - 1) for k in range(2, self.nights + 2)]

    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8"))])

    def pyrng(self, name: str) -> random.Random:
        return random.Random((self.seed & 0xFFFFFFFF) * 4_294_967_311 + zlib.crc32(name.encode("utf-8")))

    def shifted(self, iso: str) -> dt.date:
        """An event date of a worked example, moved with the run date."""
        return dt.date.fromisoformat(iso) + self.delta


def days(n) -> np.ndarray:
    return np.asarray(n).astype("timedelta64[D]")
