"""Townships, villages and communities of the synthetic 平原县.

Codes follow the statistical division form of sources.md: township 9 digits,
village 12 digits whose last three say what it is (001-099 urban community
社区, 200-399 rural village 村). A full county has about 900 villages; a small
one is scaled down, but always holds the villages the worked examples live in.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .names import community_name, village_name

COUNTY_CODE = "371426"
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


@dataclass
class Places:
    villages: pd.DataFrame  # code, name, township_code, township_name, urban, weight

    def divisions(self) -> pd.DataFrame:
        towns = pd.DataFrame({"code": [c for c, _ in TOWNSHIPS], "name": [n for _, n in TOWNSHIPS],
                              "township_code": [c for c, _ in TOWNSHIPS]})
        vill = self.villages[["code", "name", "township_code"]]
        return pd.concat([towns, vill], ignore_index=True).sort_values("code", kind="stable").reset_index(drop=True)

    def village(self, code: str) -> pd.Series:
        return self.villages.loc[self.villages.code == code].iloc[0]


def build_places(rng: np.random.Generator, people: int) -> Places:
    total = int(np.clip(round(people / 550), 36, 900))
    # Share of the villages per township: the two 街道 hold the town; the rest are rural.
    town_weights = np.array([1.6, 1.3] + [1.0] * 10)
    per_town = np.maximum(3, np.round(total * town_weights / town_weights.sum()).astype(int))
    rows = []
    for (tcode, tname), n in zip(TOWNSHIPS, per_town):
        required = sorted(c for c in EXAMPLE_VILLAGES if c[:9] == tcode)
        if tcode in URBAN_TOWNSHIPS:
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
    return Places(villages)


def _numbers(rng: np.random.Generator, pool: range, n: int, required: list[int]) -> list[int]:
    rest = np.array([x for x in pool if x not in required])
    k = max(0, min(len(rest), n - len(required)))
    # Most villages are numbered from the bottom of the range, as counties do.
    p = 1.0 / (np.arange(len(rest)) + 8.0)
    picked = rng.choice(rest, size=k, replace=False, p=p / p.sum()) if k else np.array([], dtype=int)
    return sorted(set(int(x) for x in picked) | set(required))
