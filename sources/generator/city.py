"""A city of counties: several synthetic counties and the cases only the city can see.

    from sources.generator.city import generate_city
    summary = generate_city(city_home, counties=("371402", "371403", "371426"), people=300,
                            date=date(2026, 3, 15), seed=1)

writes

- `CITY_HOME/counties/<county code>/`: one county home each, as `generate()`
  writes it for that county code (its own townships, ID prefixes, worked
  examples, findings and register truth);
- `CITY_HOME/truth/cross_county.csv`: the cross-county findings planted, the
  truth of the city step (never read by the pipeline).

Counties are generated in the order given; into each county after the first
the generator plants, as people registered elsewhere (`guests`), five cases
drawn from the county before it (a) for this county (b):

| case | a (home county) | b | finding (paying county, policy) |
|---|---|---|---|
| double_payment | registered, alive, paid X | pays X too | double_payment (b, X) |
| exclusive_payment | registered, alive, paid X | pays Y exclusive with X | exclusive_payment (b, Y) |
| paid_outside_register | registered, alive, paid nothing | pays X | paid_outside_register (b, X) |
| deceased (register) | 户籍 死亡, paid nothing | pays X | deceased_paid (b, X) |
| deceased (cremation) | registered, alive, paid X1..Xn | a 火化记录 (bzs_hh) | deceased_paid (a, Xi) for each |

Each county's own truth already holds what the county sees of its guests
(paid by 民政 but absent from its register: R_MOVED_PAID), because the guests
are in the county's model before the receipts and the oracle run.

`cross_county.csv`: `kind,id_number,paying_county,policy_code,other_county,
other_policy_code,monthly_amount,note`, sorted; `other_county` is the county
whose record makes the finding (where the person is registered, or where the
death is recorded), `other_policy_code` the policy that county pays
(double_payment, exclusive_payment). Nothing else is cross-county: the
counties' ID numbers are checked to meet only in the planted people.
"""
from __future__ import annotations

import csv
import datetime as dt
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .county import generate
from .model import County, NaT
from .places import DEZHOU_COUNTIES
from .writers import write_csv

CROSS_COUNTY_COLUMNS = ["kind", "id_number", "paying_county", "policy_code", "other_county", "other_policy_code",
                        "monthly_amount", "note"]
POLICY_OF = {  # policies/receipts.yaml; the generator reads no file of the pipeline
    "城市低保": "DB_URBAN", "农村低保": "DB_RURAL", "城市特困": "TK_URBAN", "农村特困": "TK_RURAL",
    "低保边缘家庭": "DB_EDGE", "孤儿": "ORPHAN", "事实无人抚养儿童": "FACT_UNSUPPORTED_CHILD",
    "困境儿童": "CHILD_DIFFICULTY", "高龄津贴": "HIGH_AGE", "经济困难老年人补贴": "ELDER_ECON",
    "老年人生活护理救助": "ELDER_CARE", "困难残疾人生活补贴": "DIS_LIVING", "重度残疾人护理补贴": "DIS_NURSING",
}
# What b pays against a's X for exclusive_payment (policies/rules/*.yaml exclusive_with), with its amount.
EXCLUSIVE_COUNTERPART = {
    "农村低保": ("农村特困", 936.0), "城市低保": ("城市特困", 1170.0),
    "困难残疾人生活补贴": ("经济困难老年人补贴", 100.0), "经济困难老年人补贴": ("困难残疾人生活补贴", 150.0),
    "重度残疾人护理补贴": ("老年人生活护理救助", 200.0), "老年人生活护理救助": ("重度残疾人护理补贴", 200.0),
}


@dataclass
class Guest:
    """A person of county a who shows up in county b's deliveries."""
    id_number: str
    name: str
    sex: str
    age: int
    birth: np.datetime64
    benefit: tuple[str, float] | None = None   # b's 民政 pays (救助类别, 月发放金额)
    cremated: dt.date | None = None            # b's 殡葬管理所 cremated the person (death two days before)


def elder_benefit(age: int) -> tuple[str, float]:
    """What b pays someone it does not register: an old-age allowance right for the age."""
    if age >= 100:
        return "高龄津贴", 500.0
    if age >= 90:
        return "高龄津贴", 200.0
    if age >= 80:
        return "高龄津贴", 100.0
    return "经济困难老年人补贴", 100.0


class CountyView:
    """What the city generator may draw on in a generated county: its model and its register truth."""

    def __init__(self, code: str, model: County, home: Path):
        self.code = code
        self.model = model
        people = pd.read_csv(home / "truth" / "people.csv", dtype=str, keep_default_na=False)
        registered = people[people.in_household_register == "true"]
        self.status = dict(zip(registered.id_number, registered.life_status))
        P = model.P
        self.pid = {v: i for i, v in enumerate(P.id.to_numpy(dtype=object))}
        d = model.ctx.date
        m = model.facts["mzj_jzdx"]
        now = m[m.start_month.isna() | (m.start_month <= np.datetime64(d, "D"))]
        self.paid: dict[int, list[tuple[str, float]]] = {}
        for pid, cat, amt in zip(now.pid.to_numpy(), now.benefit_category.to_numpy(), now.monthly_amount.to_numpy()):
            self.paid.setdefault(int(pid), []).append((str(cat), float(amt)))
        r = model.facts.get("rsj_jy")
        self.public_job = set(r.pid[r.public_job == "是"].astype(int).tolist()) if r is not None else set()
        self.used: set[int] = set()

    def candidates(self, life_status: str, paid: bool, min_age: int = 0) -> list[int]:
        """pids registered with this life status, paid by 民政 (or not paid at all), background first."""
        P = self.model.P
        out = []
        for idn, status in self.status.items():
            if status != life_status:
                continue
            pid = self.pid.get(idn)
            if pid is None or pid in self.used or int(P.age.iat[pid]) < min_age:
                continue
            if paid != (pid in self.paid) or (not paid and pid in self.public_job):
                continue
            out.append(pid)
        tags = P.tag.to_numpy(dtype=object)
        return sorted(out, key=lambda p: (tags[p] != "", self.model.P.id.iat[p]))

    def guest(self, pid: int, **kw) -> Guest:
        self.used.add(pid)
        P = self.model.P
        return Guest(str(P.id.iat[pid]), str(P.name.iat[pid]), str(P.sex.iat[pid]), int(P.age.iat[pid]),
                     np.datetime64(P.birth.iat[pid], "D"), **kw)


def plant_pair(a: CountyView, b_code: str, rng: np.random.Generator) -> tuple[list[Guest], list[dict]]:
    """The five cases of the module docstring, drawn from county a for county b."""
    guests: list[Guest] = []
    truth: list[dict] = []

    def older(life_status: str, paid: bool, min_age: int, keep=lambda q: True) -> list[int]:
        """Candidates of at least `min_age` (the cases read as they would in life), else of any age."""
        for age in (min_age, 0):
            pool = [q for q in a.candidates(life_status, paid, age) if keep(q)]
            if pool:
                return pool
        return []

    def pick(pool: list[int], what: str) -> int:
        if not pool:
            raise RuntimeError(f"county {a.code} has nobody for a cross-county {what} case; generate more people")
        head = pool[: max(1, min(len(pool), 8))]
        return head[int(rng.integers(len(head)))]

    def row(kind, g, paying, policy, other, other_policy, amount, note):
        truth.append({"kind": kind, "id_number": g.id_number, "paying_county": paying, "policy_code": policy,
                      "other_county": other, "other_policy_code": other_policy,
                      "monthly_amount": _amount(amount), "note": note})

    def money(q: int) -> list[tuple[str, float]]:
        return [(c, x) for c, x in a.paid[q] if c in POLICY_OF and x > 0]  # not the 低保边缘 status

    p = pick(older("alive", True, 18, money), "double payment")
    cat, amt = money(p)[0]
    g = a.guest(p, benefit=(cat, amt))
    guests.append(g)
    row("double_payment", g, b_code, POLICY_OF[cat], a.code, POLICY_OF[cat], amt,
        f"{cat} paid by {a.code} (registered there) and by {b_code}")

    p = pick(older("alive", True, 60, lambda q: any(c in EXCLUSIVE_COUNTERPART for c, _ in a.paid[q])),
             "exclusive payment")
    cat = next(c for c, _ in a.paid[p] if c in EXCLUSIVE_COUNTERPART)
    other, amt = EXCLUSIVE_COUNTERPART[cat]
    g = a.guest(p, benefit=(other, amt))
    guests.append(g)
    row("exclusive_payment", g, b_code, POLICY_OF[other], a.code, POLICY_OF[cat], amt,
        f"{other} paid by {b_code}; {cat} paid by {a.code} (registered there)")

    p = pick(older("alive", False, 60), "paid-outside-register")
    g = a.guest(p)
    g.benefit = elder_benefit(g.age)
    guests.append(g)
    row("paid_outside_register", g, b_code, POLICY_OF[g.benefit[0]], a.code, "", g.benefit[1],
        f"registered alive in {a.code}, which pays nothing; {g.benefit[0]} paid by {b_code}")

    p = pick(older("deceased", False, 60), "death in the register")
    g = a.guest(p)
    g.benefit = elder_benefit(max(g.age, 60))
    guests.append(g)
    row("deceased_paid", g, b_code, POLICY_OF[g.benefit[0]], a.code, "", g.benefit[1],
        f"户籍 死亡 in {a.code}; {g.benefit[0]} still paid by {b_code}")

    p = pick(older("alive", True, 50, lambda q: q not in a.public_job and all(c in POLICY_OF for c, _ in a.paid[q])),
             "cremation elsewhere")
    g = a.guest(p, cremated=a.model.ctx.date - dt.timedelta(days=int(rng.integers(10, 60))))
    guests.append(g)
    for cat, amt in sorted(a.paid[p]):
        row("deceased_paid", g, a.code, POLICY_OF[cat], b_code, "", amt,
            f"cremated in {b_code}; {cat} still paid by {a.code} (registered alive there)")
    return guests, truth


def add_guests(county: County, guests: list[Guest]) -> None:
    """Put the guests into county b's model: outside its register, with what b records of them."""
    if not guests:
        return
    ctx = county.ctx
    death = [np.datetime64(g.cremated - dt.timedelta(days=2), "D") if g.cremated else NaT for g in guests]
    cremation = [np.datetime64(g.cremated, "D") if g.cremated else NaT for g in guests]
    rows = pd.DataFrame({
        "hid": -1, "rel": "", "sex": [g.sex for g in guests], "age": np.array([g.age for g in guests], np.int64),
        "birth": np.array([g.birth for g in guests], dtype="datetime64[D]"),
        "id": np.array([g.id_number for g in guests], dtype=object),
        "name": np.array([g.name for g in guests], dtype=object), "status": "", "change_date": NaT,
        "dead": [g.cremated is not None for g in guests], "death_date": np.array(death, dtype="datetime64[D]"),
        "bzs": [g.cremated is not None for g in guests], "cremation_date": np.array(cremation, dtype="datetime64[D]"),
        "tag": "CITY", "locked": False, "in_gaj": False, "ethnicity": "汉族", "phone": "",
    })
    pids = county.extend_persons(rows)
    start = np.datetime64(ctx.date, "M") - np.timedelta64(14, "M")
    for pid, g in zip(pids, guests):
        if g.benefit:
            county.fact("mzj_jzdx", int(pid), benefit_category=g.benefit[0], monthly_amount=g.benefit[1],
                        start_month=start.astype("datetime64[D]"))
        if g.cremated:
            county.fact("bzs_hh", int(pid), death_date=g.cremated - dt.timedelta(days=2), cremation_date=g.cremated)


def county_seed(seed: int, code: str) -> int:
    """Each county its own stream: the same county and seed give the same county in any city."""
    return (int(seed) * 1_000_003 + zlib.crc32(code.encode("ascii"))) & 0x7FFFFFFF


def generate_city(root: Path, counties: tuple[str, ...] | list[str], people: int, date: dt.date, seed: int,
                  nights: int = 0, quirk_rate: float = 0.01) -> dict:
    """Write the counties and the city truth under `root` (module docstring); return counts."""
    codes = [str(c) for c in counties]
    if len(codes) < 2 or len(set(codes)) != len(codes):
        raise ValueError("a city needs at least two distinct counties")
    unknown = [c for c in codes if c not in DEZHOU_COUNTIES]
    if unknown:
        raise ValueError(f"not counties of 德州市: {', '.join(unknown)}")
    root = Path(root)
    views: dict[str, CountyView] = {}
    truth: list[dict] = []
    planted_ids: set[str] = set()
    summary: dict = {"counties": {}}
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(b"city")])
    for k, code in enumerate(codes):
        guests: list[Guest] = []
        if k:
            guests, rows = plant_pair(views[codes[k - 1]], code, rng)
            truth.extend(rows)
            planted_ids.update(g.id_number for g in guests)
        captured: dict[str, County] = {}

        def hook(model: County, guests=guests, captured=captured) -> None:
            captured["model"] = model
            add_guests(model, guests)

        home = root / "counties" / code
        s = generate(home, people=people, date=date, seed=county_seed(seed, code), nights=nights,
                     quirk_rate=quirk_rate, county=code, guests=hook)
        views[code] = CountyView(code, captured["model"], home)
        summary["counties"][code] = {"people": s["people"], "findings": s["findings"], "register": s["register"]}
    _check_only_planted_meet(root, codes, planted_ids)
    frame = pd.DataFrame(truth, columns=CROSS_COUNTY_COLUMNS).sort_values(
        ["kind", "paying_county", "id_number", "policy_code"], kind="stable")
    write_csv(root / "truth" / "cross_county.csv", frame)
    summary["cross_county"] = {k: int(v) for k, v in sorted(frame.kind.value_counts().items())}
    return summary


def _check_only_planted_meet(root: Path, codes: list[str], planted: set[str]) -> None:
    """No ID number is in two counties' registers except the planted people, so
    that the city truth is the whole truth."""
    seen: dict[str, str] = {}
    for code in codes:
        with open(root / "counties" / code / "truth" / "people.csv", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                other = seen.setdefault(r["id_number"], code)
                if other != code and r["id_number"] not in planted:
                    raise AssertionError(f"an unplanted ID number is in counties {other} and {code}; "
                                         "use another seed")


def _amount(value) -> str:
    a = float(value)
    return str(int(a)) if a.is_integer() else f"{a:.2f}"
