"""Townships, villages and communities of the synthetic 平原县.

Codes follow the statistical division form of sources.md: township 9 digits,
village 12 digits whose last three say what it is (001-099 urban community
社区, 200-399 rural village 村). A full county has about 900 villages; a small
one is scaled down, but always holds the villages the worked examples live in.

Any county of 德州市 can be generated (a city of counties, city.py): its
townships keep 平原县's twelve codes under its own county code, with names
drawn for it; the worked examples' villages move with the county code.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .names import COMMUNITY_NAMES, _VILLAGE_CORE, community_name, village_name

COUNTY_CODE = "371426"
# 德州市's counties: name, and the region code of IDs issued there before 1994
# under the former 德州地区 (synthetic where the county did not exist as such).
DEZHOU_COUNTIES = {
    "371402": ("德城区", "372401"), "371403": ("陵城区", "372421"), "371422": ("宁津县", "372431"),
    "371423": ("庆云县", "372432"), "371424": ("临邑县", "372428"), "371425": ("齐河县", "372425"),
    "371426": ("平原县", "372422"), "371427": ("夏津县", "372423"), "371428": ("武城县", "372424"),
    "371481": ("乐陵市", "372427"), "371482": ("禹城市", "372426"),
}
TOWNSHIPS = (
    ("371426001", "龙门街道"), ("371426002", "桃园街道"), ("371426100", "王凤楼镇"),
    ("371426101", "恩城镇"), ("371426102", "前曹镇"), ("371426103", "王庙镇"),
    ("371426104", "腰站镇"), ("371426105", "王杲铺镇"), ("371426106", "张华镇"),
    ("371426107", "王打卦镇"), ("371426200", "坊子乡"), ("371426201", "三唐乡"),
)
TOWNSHIP_NAME = dict(TOWNSHIPS)
URBAN_TOWNSHIPS = ("371426001", "371426002")
# Villages of policies.md §7 (E1-E7); they exist in every generated county.
EXAMPLE_VILLAGES = ("371426105213", "371426103205", "371426001012", "371426001015",
                    "371426107221", "371426107302", "371426104233")


def county_name(county: str) -> str:
    return DEZHOU_COUNTIES[county][0]


def old_prefix(county: str) -> str:
    return DEZHOU_COUNTIES[county][1]


def county_townships(county: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the county's twelve townships: 平原县's own, or for
    another county the same twelve codes under its county code, two 街道, eight
    镇 and two 乡, named from a stream of the county code alone."""
    if county not in DEZHOU_COUNTIES:
        raise ValueError(f"county {county!r} is not a county of 德州市 ({', '.join(sorted(DEZHOU_COUNTIES))})")
    if county == COUNTY_CODE:
        return TOWNSHIPS
    rng = np.random.default_rng(zlib.crc32(county.encode("ascii")))
    taken: set[str] = set()
    out = []
    for code, _ in TOWNSHIPS:
        suffix = code[6:]
        kind = "街道" if suffix < "100" else ("乡" if suffix >= "200" else "镇")
        for _ in range(200):
            if kind == "街道":
                name = COMMUNITY_NAMES[rng.integers(len(COMMUNITY_NAMES))] + kind
            else:
                a, b = rng.choice(np.array(list(_VILLAGE_CORE)), 2, replace=False)
                name = a + b + ("庄" if rng.random() < 0.3 else "") + kind
            if name not in taken:
                taken.add(name)
                break
        out.append((county + suffix, name))
    return tuple(out)


@dataclass
class Places:
    villages: pd.DataFrame  # code, name, township_code, township_name, urban, weight
    county: str = COUNTY_CODE

    @property
    def townships(self) -> tuple[tuple[str, str], ...]:
        return county_townships(self.county)

    @property
    def town_name(self) -> dict[str, str]:
        return dict(self.townships)

    @property
    def county_name(self) -> str:
        return county_name(self.county)

    def divisions(self) -> pd.DataFrame:
        towns = pd.DataFrame({"code": [c for c, _ in self.townships], "name": [n for _, n in self.townships],
                              "township_code": [c for c, _ in self.townships]})
        vill = self.villages[["code", "name", "township_code"]]
        return pd.concat([towns, vill], ignore_index=True).sort_values("code", kind="stable").reset_index(drop=True)

    def village(self, code: str) -> pd.Series:
        return self.villages.loc[self.villages.code == code].iloc[0]


def build_places(rng: np.random.Generator, people: int, county: str = COUNTY_CODE) -> Places:
    total = int(np.clip(round(people / 550), 36, 900))
    # Share of the villages per township: the two 街道 hold the town; the rest are rural.
    town_weights = np.array([1.6, 1.3] + [1.0] * 10)
    per_town = np.maximum(3, np.round(total * town_weights / town_weights.sum()).astype(int))
    rows = []
    example_villages = [county + c[6:] for c in EXAMPLE_VILLAGES]
    urban_townships = [county + c[6:] for c in URBAN_TOWNSHIPS]
    for (tcode, tname), n in zip(county_townships(county), per_town):
        required = sorted(c for c in example_villages if c[:9] == tcode)
        if tcode in urban_townships:
            n_comm = max(2, int(round(n * 0.55)))
        else:
            n_comm = 1 if total >= 150 else 0
        n_vill = max(1, n - n_comm)
        req_comm = [int(c[9:]) for c in required if int(c[9:]) < 100]
        req_vill = [int(c[9:]) for c in required if int(c[9:]) >= 200]
        comm = _numbers(rng, range(1, 100), n_comm, req_comm)
        vill = _numbers(rng, range(200, 400), n_vill, req_vill)
        taken: set[str] = set()
        for num in comm:
            name = "龙门社区" if (tcode, num) == ("371426001", 1) else community_name(rng, taken)
            taken.add(name)
            rows.append((f"{tcode}{num:03d}", name, tcode, tname, True))
        for num in vill:
            rows.append((f"{tcode}{num:03d}", village_name(rng, taken), tcode, tname, False))
    villages = pd.DataFrame(rows, columns=["code", "name", "township_code", "township_name", "urban"])
    # Village sizes vary; communities in the 街道 are the big ones.
    w = rng.lognormal(0.0, 0.45, len(villages))
    w = np.where(villages.urban.to_numpy(), w * 2.2, w)
    villages["weight"] = w / w.sum()
    villages = villages.sort_values("code", kind="stable").reset_index(drop=True)
    return Places(villages, county)


def _numbers(rng: np.random.Generator, pool: range, n: int, required: list[int]) -> list[int]:
    rest = np.array([x for x in pool if x not in required])
    k = max(0, min(len(rest), n - len(required)))
    # Most villages are numbered from the bottom of the range, as counties do.
    p = 1.0 / (np.arange(len(rest)) + 8.0)
    picked = rng.choice(rest, size=k, replace=False, p=p / p.sum()) if k else np.array([], dtype=int)
    return sorted(set(int(x) for x in picked) | set(required))
