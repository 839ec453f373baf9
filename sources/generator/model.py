"""The county in memory: persons, households and each department's facts.

Facts are kept per source in internal tables keyed by `pid` (the person) with
the contract's canonical column names and typed values (dates as datetime64,
amounts as numbers). Only at the end are they turned into the files the
departments deliver (tables.py), where names and ID numbers are looked up and
the quirks are applied.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .context import Ctx
from .places import Places
from .population import (NameBank, birth_dates, ethnicities, given_names, household_numbers,
                         household_surnames, id_prefixes, make_ids, phones, sample_population)

NaT = np.datetime64("NaT", "D")

PERSON_COLUMNS = ("pid", "hid", "rel", "sex", "age", "birth", "id", "name", "status", "change_date",
                  "dead", "death_date", "bzs", "cremation_date", "tag", "locked", "in_gaj")


@dataclass
class Truth:
    night: object
    kind: str
    rule_code: str
    policy_code: str
    target: str
    pid: int
    amount: object = ""
    amount_period: str = ""
    example: str = ""
    note: str = ""


@dataclass
class County:
    ctx: Ctx
    places: Places
    persons: list = field(default_factory=list)        # planted persons (dicts) before build()
    households: list = field(default_factory=list)     # planted households (dicts) before build()
    P: pd.DataFrame | None = None
    H: pd.DataFrame | None = None
    facts: dict = field(default_factory=dict)           # code -> DataFrame
    truth: list = field(default_factory=list)
    suppress: set = field(default_factory=set)          # (pid, 救助类别) the helper must not pay
    night_plan: list = field(default_factory=list)
    pending: dict = field(default_factory=dict)         # code -> rows added one by one (planting)

    # --- planting API -----------------------------------------------------------

    def household(self, village: str, tag: str, locked: bool = False) -> int:
        hid = len(self.households)
        self.households.append({"hid": hid, "village": self.ctx.local(village), "tag": tag, "locked": locked})
        return hid

    def person(self, hid: int, rel: str, sex: str | None = None, age: int | None = None,
               id_number: str | None = None, name: str | None = None, status: str = "正常",
               change_date=None, death_date=None, cremation_date=None, dead: bool | None = None) -> int:
        pid = len(self.persons)
        h = self.households[hid]
        if id_number is not None:
            id_number = self.ctx.local_id(id_number)
            sex = "男" if int(id_number[16]) % 2 else "女"
            birth = np.datetime64(f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}", "D")
        else:
            birth = NaT
        is_dead = (status == "死亡" or cremation_date is not None) if dead is None else dead
        self.persons.append({
            "pid": pid, "hid": hid, "rel": rel, "sex": sex, "age": age if age is not None else -1,
            "birth": birth, "id": id_number, "name": name, "status": status,
            "change_date": _d(change_date), "dead": is_dead,
            "death_date": _d(death_date if death_date is not None else (change_date if status == "死亡" else None)),
            "bzs": cremation_date is not None, "cremation_date": _d(cremation_date),
            "tag": h["tag"], "locked": h["locked"], "in_gaj": True,
        })
        return pid

    def add(self, code: str, rows: list[dict] | pd.DataFrame) -> None:
        df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
        if len(df) == 0 and code in self.facts:
            return
        if code in self.facts and len(self.facts[code]):
            df = pd.concat([self.facts[code], df], ignore_index=True)
        df = df.reset_index(drop=True)
        for col in df.columns:
            if (col.endswith("_date") or col.endswith("_month")) and df[col].dtype != "datetime64[D]":
                df[col] = pd.to_datetime(pd.Series(df[col], dtype=object), errors="coerce").to_numpy().astype("datetime64[D]")
        self.facts[code] = df

    def fact(self, code: str, pid: int, **values) -> None:
        """One planted row; collected and added in one go by flush()."""
        row = {"pid": pid, **{k: _d(v) if _is_date(v) else v for k, v in values.items()}}
        self.pending.setdefault(code, []).append(row)

    def flush(self) -> None:
        for code in sorted(self.pending):
            self.add(code, self.pending[code])
        self.pending = {}

    def plant(self, night, kind: str, rule_code: str, policy_code: str, pid: int, amount="",
              amount_period: str = "", example: str = "", note: str = "", target: str = "person") -> None:
        self.truth.append(Truth(night, kind, rule_code, policy_code, target, pid, amount, amount_period,
                                example, note))

    # --- the whole population -----------------------------------------------------

    def build(self) -> None:
        """Background households around the planted ones; then dates, IDs, names."""
        ctx = self.ctx
        n_planted = len(self.persons)
        n_bg = max(0, ctx.people - n_planted)
        r = ctx.pyrng("households")
        hid_bg, rel, sex, age = sample_population(r, n_bg)
        h0 = len(self.households)
        bg = pd.DataFrame({
            "pid": np.arange(n_planted, n_planted + n_bg), "hid": np.asarray(hid_bg, dtype=np.int64) + h0,
            "rel": rel, "sex": sex, "age": np.asarray(age, dtype=np.int64),
        })
        for col, val in (("birth", NaT), ("id", None), ("name", None), ("status", "正常"),
                         ("change_date", NaT), ("dead", False), ("death_date", NaT), ("bzs", False),
                         ("cremation_date", NaT), ("tag", ""), ("locked", False), ("in_gaj", True)):
            bg[col] = [val] * len(bg) if val is None else val
        planted = pd.DataFrame(self.persons, columns=list(PERSON_COLUMNS))
        P = pd.concat([planted, bg], ignore_index=True) if len(planted) else bg
        for c in ("birth", "change_date", "death_date", "cremation_date"):
            P[c] = pd.to_datetime(P[c]).to_numpy().astype("datetime64[D]")
        P["age"] = P["age"].astype(np.int64)
        P["dead"] = P["dead"].astype(bool)
        P["bzs"] = P["bzs"].astype(bool)
        P["locked"] = P["locked"].astype(bool)
        P["in_gaj"] = P["in_gaj"].astype(bool)

        n_hh = int(P.hid.max()) + 1 if len(P) else 0
        hh = pd.DataFrame({"hid": np.arange(n_hh)})
        tag = np.full(n_hh, "", dtype=object)
        locked = np.zeros(n_hh, bool)
        village = np.full(n_hh, None, dtype=object)
        for h in self.households:
            tag[h["hid"]], locked[h["hid"]], village[h["hid"]] = h["tag"], h["locked"], h["village"]
        hh["tag"], hh["locked"], hh["village"] = tag, locked, village
        rng = ctx.rng("villages")
        vill = self.places.villages
        todo = hh.village.isna().to_numpy()
        hh.loc[todo, "village"] = rng.choice(vill.code.to_numpy(), int(todo.sum()), p=vill.weight.to_numpy())
        vmap = vill.set_index("code")
        hh["town"] = hh.village.str[:9]
        hh["town_name"] = hh.town.map(self.places.town_name)
        hh["village_name"] = hh.village.map(vmap["name"])
        hh["urban"] = hh.village.str[9:].astype(int) < 100
        hh["hh_no"] = household_numbers(ctx.rng("household_no"), n_hh)
        house = ctx.rng("house_no").integers(1, 240, n_hh)
        hh["address"] = (self.places.county_name + hh.town_name + hh.village_name + house.astype(str) + "号")
        self.H = hh

        # Ages and birth dates: from the ID where one is given, else drawn.
        fixed = P.birth.notna().to_numpy()
        D = pd.Timestamp(ctx.date)
        if fixed.any():
            b = pd.to_datetime(P.loc[fixed, "birth"])
            P.loc[fixed, "age"] = (D.year - b.dt.year - ((b.dt.month * 100 + b.dt.day) > (D.month * 100 + D.day))
                                   ).astype(np.int64).to_numpy()
        todo = ~fixed
        P.loc[todo, "birth"] = birth_dates(ctx.rng("births"), ctx.D, P.loc[todo, "age"].to_numpy(), ctx.window)
        P["birth"] = P["birth"].to_numpy().astype("datetime64[D]")

        taken = set(P.id.dropna().tolist())
        todo = P.id.isna().to_numpy()
        years = pd.Series(P.loc[todo, "birth"]).dt.year.to_numpy()
        rng = ctx.rng("ids")
        prefixes = id_prefixes(rng, years, ctx.new_prefix, ctx.old_prefix)
        P.loc[todo, "id"] = make_ids(rng, prefixes, P.loc[todo, "birth"].to_numpy(),
                                     (P.loc[todo, "sex"] == "男").to_numpy(), taken)

        # Names: surnames by household line, given names by birth decade.
        bank = NameBank(ctx.rng("surnames"))
        order = np.lexsort((P.pid.to_numpy(), P.hid.to_numpy()))
        hid_sorted = P.hid.to_numpy()[order]
        rels = P.rel.to_numpy(dtype=object)[order].tolist()
        sexes = P.sex.to_numpy(dtype=object)[order].tolist()
        cuts = (np.flatnonzero(np.diff(hid_sorted)) + 1).tolist()
        sorted_names: list = []
        for a, b in zip([0] + cuts, cuts + [len(order)]):
            sorted_names.extend(household_surnames(bank, rels[a:b], sexes[a:b]))
        surname = np.empty(len(P), dtype=object)
        surname[order] = sorted_names
        gn = given_names(ctx.rng("given_names"), P.birth.to_numpy(), P.sex.to_numpy())
        full = pd.Series(surname, index=P.index) + pd.Series(gn, index=P.index)
        P["name"] = P.name.where(P.name.notna(), full)

        P["ethnicity"] = ethnicities(ctx.rng("ethnicity"), n_hh)[P.hid.to_numpy()]
        own = phones(ctx.rng("phones"), len(P))
        head_phone = pd.Series(own, index=P.index).groupby(P.hid).transform("first").to_numpy()
        u = ctx.rng("phone_share").random(len(P))
        P["phone"] = np.where((P.age >= 18) & (P.age <= 72) & (u < 0.8), own,
                              np.where(u < 0.93, head_phone, ""))
        self.P = P

    # --- lookups ----------------------------------------------------------------

    def alive(self) -> np.ndarray:
        """In the register, 正常 and not DEAD: a member of some HH."""
        P = self.P
        return ((P.status == "正常") & ~P.dead & P.in_gaj).to_numpy()

    def town_name(self, township_code: str) -> str:
        """The name of a township; a worked example's 平原县 code is moved into this county."""
        return self.places.town_name[self.ctx.local(township_code)]

    def background(self) -> np.ndarray:
        return (self.P.tag == "").to_numpy()

    def extend_persons(self, rows: pd.DataFrame) -> np.ndarray:
        """Add people outside the register (owners living elsewhere); returns their pids."""
        start = len(self.P)
        rows = rows.copy()
        rows["pid"] = np.arange(start, start + len(rows))
        rows.index = rows.pid.to_numpy()
        self.P = pd.concat([self.P, rows], ignore_index=False)
        self.P.index = np.arange(len(self.P))
        return rows.pid.to_numpy()


def _is_date(v) -> bool:
    import datetime as dt
    return isinstance(v, (dt.date, np.datetime64)) and not isinstance(v, bool)


def _d(v):
    if v is None:
        return NaT
    return np.datetime64(v, "D")
