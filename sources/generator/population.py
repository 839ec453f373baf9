"""People and households: who lives with whom, born when, under which ID.

Households are drawn one at a time from a handful of life shapes (an old
couple, parents with children, three generations, grandparents raising
grandchildren, ...) so that 与户主关系, ages and sexes hang together: parents
are 20-45 years older than their children, 儿媳 come with a 子, 外孙 with a
女婿. Everything after the shapes (birth dates, ID numbers, names, phones,
statuses) is vectorised.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .idnum import id_check_digits
from .names import ETHNICITIES, ETHNICITY_WEIGHTS, SURNAMES, SURNAME_WEIGHTS, draw_given_names, era_of

OLD_PREFIX = "372422"   # 平原县 under the former 德州地区, used until 1994
NEW_PREFIX = "371426"
OTHER_PREFIXES = ("370102", "370103", "370202", "371402", "371421", "371424", "371425", "371481",
                  "130102", "130402", "410105", "410302", "320102", "340102", "220102", "230102",
                  "500101", "510104", "150102", "371502", "371122")

CHILD_OF_HEAD = ("子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女", "独生子", "独生女",
                 "养子", "养女", "继子", "继女")
GRANDCHILD = ("孙子", "孙女", "外孙子", "外孙女")
CHILD_IN_LAW = ("儿媳", "女婿")
REL_ORDER = {"户主": 0, "配偶": 1, "父亲": 2, "母亲": 3, "兄弟": 8, "姐妹": 8, "儿媳": 5, "女婿": 5,
             "孙子": 6, "孙女": 6, "外孙子": 6, "外孙女": 6, "其他": 9}
REL_ORDER.update({r: 4 for r in CHILD_OF_HEAD})


def _child_relations(r: random.Random, sexes: list[str]) -> list[str]:
    """子/女 as registers write them: mostly plain, sometimes 长子/次女/独生子."""
    out = []
    n_m = sexes.count("男")
    n_f = len(sexes) - n_m
    seen = {"男": 0, "女": 0}
    for s in sexes:
        base = "子" if s == "男" else "女"
        k = seen[s]
        seen[s] += 1
        u = r.random()
        if u < 0.82:
            out.append(base)
        elif u < 0.90:
            out.append("儿子" if s == "男" else "女儿")
        elif len(sexes) == 1:
            out.append("独生" + base)
        elif (n_m if s == "男" else n_f) >= 2 and k < 2:
            out.append(("长", "次")[k] + base)
        else:
            out.append(base)
    return out


def _kid_ages(r: random.Random, mother_age: int, n: int, max_age: int = 30) -> list[int]:
    hi = min(max_age, mother_age - 20)
    if hi < 0:
        return []
    lo = max(0, mother_age - 42)
    if lo > hi:
        lo = hi
    return sorted((r.randint(lo, hi) for _ in range(n)), reverse=True)


def _elder_age(r: random.Random, lo: int = 60) -> int:
    return min(101, lo + int(r.expovariate(1 / 9.0)))


def sample_household(r: random.Random) -> list[tuple[str, str, int]]:
    """One household as (与户主关系, 性别, age) tuples, the head first."""
    u = r.random()
    other = {"男": "女", "女": "男"}
    if u < 0.09:  # an old person alone
        return [("户主", "女" if r.random() < 0.6 else "男", _elder_age(r))]
    if u < 0.23:  # an adult alone
        return [("户主", "男" if r.random() < 0.65 else "女", r.randint(22, 59))]
    if u < 0.43:  # an old couple
        h = _elder_age(r, 56)
        return [("户主", "男", h), ("配偶", "女", max(50, h - r.randint(-2, 5)))]
    if u < 0.50:  # a couple without children at home
        h = r.randint(22, 56)
        return [("户主", "男", h), ("配偶", "女", max(20, h - r.randint(-2, 4)))]
    if u < 0.77:  # parents and children
        head_sex = "男" if r.random() < 0.9 else "女"
        h = r.randint(24, 58)
        sp = max(20, h - r.randint(-2, 4)) if head_sex == "男" else max(20, h + r.randint(-2, 4))
        mother = sp if head_sex == "男" else h
        n = 1 if r.random() < 0.55 else (2 if r.random() < 0.9 else 3)
        ages = _kid_ages(r, mother, n)
        if not ages:
            ages = [0]
        sexes = ["男" if r.random() < 0.52 else "女" for _ in ages]
        return ([("户主", head_sex, h), ("配偶", other[head_sex], sp)]
                + list(zip(_child_relations(r, sexes), sexes, ages)))
    if u < 0.81:  # one parent and children
        head_sex = "女" if r.random() < 0.55 else "男"
        h = r.randint(28, 55)
        ages = _kid_ages(r, h, 1 if r.random() < 0.6 else 2, 25) or [max(0, h - 25)]
        sexes = ["男" if r.random() < 0.52 else "女" for _ in ages]
        return [("户主", head_sex, h)] + list(zip(_child_relations(r, sexes), sexes, ages))
    if u < 0.875:  # three generations
        h = r.randint(46, 76)
        sp = max(40, h - r.randint(-2, 4))
        members = [("户主", "男", h), ("配偶", "女", sp)]
        if r.random() < 0.1:  # a daughter, her husband and their children
            d = max(20, sp - r.randint(22, 34))
            members += [("女", "女", d), ("女婿", "男", d + r.randint(-1, 4))]
            mother, g = d, ("外孙子", "外孙女")
        else:
            s = max(20, sp - r.randint(22, 34))
            dil = max(20, s - r.randint(-1, 4))
            members += [("子", "男", s), ("儿媳", "女", dil)]
            mother, g = dil, ("孙子", "孙女")
        for a in _kid_ages(r, mother, 1 if r.random() < 0.55 else 2, 22):
            male = r.random() < 0.52
            members.append((g[0] if male else g[1], "男" if male else "女", a))
        if r.random() < 0.12:  # an unmarried younger child still at home
            a = max(16, mother - r.randint(0, 8))
            male = r.random() < 0.5
            members.append(("子" if male else "女", "男" if male else "女", a))
        return members
    if u < 0.945:  # a couple, their children and the head's parents
        h = r.randint(28, 56)
        members = [("户主", "男", h)]
        if r.random() < 0.85:
            members.append(("配偶", "女", max(20, h - r.randint(-2, 4))))
            mother = members[-1][2]
            ages = _kid_ages(r, mother, r.choice((0, 1, 1, 2)), 25)
            sexes = ["男" if r.random() < 0.52 else "女" for _ in ages]
            members += list(zip(_child_relations(r, sexes), sexes, ages))
        fa = min(100, h + r.randint(23, 38))
        mo = min(100, fa - r.randint(-2, 4))
        if r.random() < 0.6:
            members.append(("父亲", "男", fa))
        if r.random() < 0.85 or members[-1][0] != "父亲":
            members.append(("母亲", "女", mo))
        return members
    if u < 0.975:  # grandparents raising grandchildren; the parents work away (户口 elsewhere)
        h = r.randint(55, 78)
        members = [("户主", "男" if r.random() < 0.7 else "女", h)]
        if r.random() < 0.7:
            members.append(("配偶", other[members[0][1]], max(50, h - r.randint(-3, 4))))
        for _ in range(1 if r.random() < 0.6 else 2):
            male = r.random() < 0.52
            members.append(("孙子" if male else "孙女", "男" if male else "女", r.randint(1, 16)))
        return members
    # brothers or sisters sharing a household
    h = r.randint(20, 62)
    s = "男" if r.random() < 0.6 else "女"
    s2 = "男" if r.random() < 0.5 else "女"
    return [("户主", s, h), ("兄弟" if s2 == "男" else "姐妹", s2, max(18, h + r.randint(-8, 8)))]


def sample_population(r: random.Random, n_people: int) -> tuple[list[int], list[str], list[str], list[int]]:
    """(household index, relation, sex, age) per person, exactly n_people long."""
    hid, rel, sex, age = [], [], [], []
    h = 0
    while len(rel) < n_people:
        members = sample_household(r)[: n_people - len(rel)]
        for m in members:
            hid.append(h)
            rel.append(m[0])
            sex.append(m[1])
            age.append(int(m[2]))
        h += 1
    return hid, rel, sex, age


# --- dates and ID numbers ------------------------------------------------------

def birth_dates(rng: np.random.Generator, run_date: np.datetime64, ages: np.ndarray, window: int) -> np.ndarray:
    """Birth dates giving exactly `ages` full years on the run date, with no
    birthday in the next `window` days (no age band is crossed while the
    generated nights run)."""
    d = pd.Timestamp(run_date)
    years = d.year - ages
    day = min(d.day, 28) if d.month == 2 else d.day
    base = pd.to_datetime(pd.DataFrame({"year": years, "month": d.month, "day": day})).to_numpy()
    k = rng.integers(2, max(3, 365 - window - 2), len(ages))
    return (base.astype("datetime64[D]") - k.astype("timedelta64[D]"))


def id_prefixes(rng: np.random.Generator, birth_years: np.ndarray, new_prefix: str = NEW_PREFIX,
                old_prefix: str = OLD_PREFIX) -> np.ndarray:
    n = len(birth_years)
    u = rng.random(n)
    others = rng.choice(np.array(OTHER_PREFIXES), n)
    old = np.where(u < 0.05, others, np.where(u < 0.08, new_prefix, old_prefix))
    new = np.where(u < 0.05, others, new_prefix)
    return np.where(birth_years < 1994, old, new)


def make_ids(rng: np.random.Generator, prefixes: np.ndarray, births: np.ndarray, male: np.ndarray,
             taken: set[str]) -> np.ndarray:
    """Unique valid ID numbers: sequence digits never 000, the number never
    ends in 000 (which would read as Excel damage), odd 17th digit for men."""
    n = len(prefixes)
    ymd = pd.Series(births).dt.strftime("%Y%m%d").to_numpy().astype(str)
    stem = np.char.add(prefixes.astype(str), ymd)
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen = set(taken)
    for _ in range(50):
        if len(todo) == 0:
            break
        k = rng.integers(0, 500, len(todo))
        seq = k * 2 + male[todo].astype(np.int64)
        seq = np.where(seq == 0, 2, seq)
        first17 = np.char.add(stem[todo], np.char.zfill(seq.astype(str), 3))
        ids = np.char.add(first17, id_check_digits(first17))
        retry = []
        for j, i in enumerate(todo):
            v = str(ids[j])
            if v in seen or v.endswith("000"):
                retry.append(i)
            else:
                seen.add(v)
                out[i] = v
        todo = np.array(retry, dtype=np.int64)
    if len(todo):
        raise RuntimeError("could not draw unique ID numbers")
    taken.update(out.tolist())
    return out


@dataclass
class NameBank:
    """Surnames drawn in bulk and handed out one by one (cheap in a Python loop)."""
    rng: np.random.Generator
    pool: list = field(default_factory=list)

    def next(self) -> str:
        if not self.pool:
            self.pool = list(self.rng.choice(np.array(list(SURNAMES)), size=4096, p=SURNAME_WEIGHTS))[::-1]
        return str(self.pool.pop())


def household_surnames(bank: NameBank, rels: list[str], sexes: list[str]) -> list[str]:
    """Surnames within one household: children carry the father's line,
    married-in members their own, 外孙 the 女婿's."""
    head = bank.next()
    spouse = None
    out = []
    for rel in rels:
        if rel == "配偶":
            spouse = bank.next()
            while spouse == head:
                spouse = bank.next()
    family = head if sexes[0] == "男" or spouse is None else spouse
    son_in_law = None
    for rel in rels:
        if rel == "女婿":
            son_in_law = bank.next()
    for rel in rels:
        if rel == "户主" or rel in ("父亲", "兄弟", "姐妹"):
            out.append(head)
        elif rel == "配偶":
            out.append(spouse)
        elif rel in ("外孙子", "外孙女"):
            out.append(son_in_law or bank.next())
        elif rel in ("母亲", "儿媳", "女婿", "其他"):
            out.append(son_in_law if rel == "女婿" and son_in_law else bank.next())
        else:
            out.append(family)
    return out


def given_names(rng: np.random.Generator, births: np.ndarray, sexes: np.ndarray) -> np.ndarray:
    years = pd.Series(births).dt.year.to_numpy()
    return draw_given_names(rng, era_of(years), sexes)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    heads = rng.choice(np.array(["130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                                 "151", "152", "155", "156", "157", "158", "159", "166", "175", "176",
                                 "177", "178", "180", "181", "182", "183", "186", "187", "188", "189",
                                 "191", "198", "199"]), n)
    tail = rng.integers(0, 10 ** 8, n)
    return np.char.add(heads, np.char.zfill(tail.astype(str), 8)).astype(object)


def ethnicities(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array(ETHNICITIES), n, p=ETHNICITY_WEIGHTS).astype(object)


def household_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """10-digit 户号, about 70% with a leading zero (Excel drops it later)."""
    nums = rng.choice(1_430_000_000, size=n, replace=False)
    return np.char.zfill(nums.astype(str), 10).astype(object)
