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

from .idnum import id_check_digit
from .places import old_prefix
from .population import NEW_PREFIX, OLD_PREFIX

EXAMPLES_DATE = dt.date(2026, 3, 15)  # D of policies.md §7
EXAMPLES_COUNTY = "371426"  # 平原县: the county policies.md §7 writes its codes and ID numbers for


@dataclass
class Ctx:
    date: dt.date
    seed: int
    people: int
    nights: int = 0
    quirk_rate: float = 0.01
    county: str = EXAMPLES_COUNTY
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

    @property
    def new_prefix(self) -> str:
        """Region code of IDs issued here since 1994: the county's own code."""
        return self.county

    @property
    def old_prefix(self) -> str:
        """Region code of IDs issued here before 1994 (under the former 德州地区)."""
        return old_prefix(self.county)

    def local(self, code: str) -> str:
        """A place code of the worked examples (平原县's) moved into this county."""
        if self.county != EXAMPLES_COUNTY and code.startswith(EXAMPLES_COUNTY):
            return self.county + code[len(EXAMPLES_COUNTY):]
        return code

    def local_id(self, id_number: str) -> str:
        """A worked example's ID number as this county would have issued it: the
        平原县 region code (old or new) replaced, the check digit recomputed; birth
        date, sequence and sex unchanged, so every outcome of §7 holds."""
        if self.county == EXAMPLES_COUNTY:
            return id_number
        head = {NEW_PREFIX: self.new_prefix, OLD_PREFIX: self.old_prefix}.get(id_number[:6], id_number[:6])
        first17 = head + id_number[6:17]
        return first17 + id_check_digit(first17)

    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8"))])

    def pyrng(self, name: str) -> random.Random:
        return random.Random((self.seed & 0xFFFFFFFF) * 4_294_967_311 + zlib.crc32(name.encode("utf-8")))

    def shifted(self, iso: str) -> dt.date:
        """An event date of a worked example, moved with the run date."""
        return dt.date.fromisoformat(iso) + self.delta


def days(n) -> np.ndarray:
    return np.asarray(n).astype("timedelta64[D]")
