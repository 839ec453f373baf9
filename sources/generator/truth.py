"""Truth about the first night's register: who a perfect pipeline registers,
which damaged records it can link, and which disagreements it must list.

All four files describe the first night (run date D = `date`, inbox extracts
dated D - 1) and are computed from the first-night deliveries as written
(each delivered row knows its person, `_pid`, and its clean values, `_src`).

`people.csv` — `id_number,household_no,in_household_register,life_status`:
every person whose true ID appears usably (undamaged or recoverably damaged)
in at least one delivered row of any of the twenty sources (REGISTER_SOURCES):
owners of cars, firms or property registered elsewhere are here with
in_household_register false. A person whose only gaj row lost its ID is here
when another source names them usably.
`in_household_register`: a usable gaj row, or a gaj row whose unusable ID
links to them (`expected` = link below). `household_no`: their 户号, else
empty. `life_status` on D, first match wins: deceased (gaj 死亡, or a bzs_hh
row), not_in_register, moved_out (迁出), cancelled (注销), incarcerated (sfj_jz
服刑 with 开始日期 ≤ D and 结束日期 empty or > D), alive. Rows used as evidence
are those with a usable ID and those whose ID links.

`households.csv` — `household_no,size`: every 户号 of the gaj snapshot; size =
n of policies.md §2: members (any ID, damaged or not) with 人员状态 正常, not
DEAD, not JAIL.

`links.csv` — `file,row,column,kind,id_number,expected`: one row per delivered
record whose ID cell is unusable (id_mangled_by_excel, wrong_check_digit,
missing; the rows of defects.csv). `id_number` is the true person.
`expected` is link or review by this oracle over the people of people.csv
(the IDs the register knows). A person P is a candidate for the record when P
agrees with all evidence that survived in it:

- the ID digits left: a wrong check digit keeps 17 digits with one sequence
  digit changed, so P's ID equals it in positions 1-14 and differs in at most
  one of 15-17 (or is one adjacent transposition away; position 18 is not
  compared); an 18-digit number ending `000` keeps the first 15 digits; a
  `3.72422E+17` keeps the mantissa's digits (P's ID starts with them); an
  xlsx number cell counts as the 15-digit form when its first 15 digits are
  the ID's, else as the E+17 form; a missing ID keeps nothing;
- the name: P's register name equals the record's, or their toneless pinyin
  (`"".join(lazy_pinyin(name))`) is equal;
- every other column the source carries: 出生日期 equals the birth digits of
  P's ID, 性别 the sex of P's ID, 户号 and 村居代码 P's (from P's usable gaj
  row; a person the register knows without one has no 户号 or 村居代码 to
  disagree with).

expected = link iff exactly one candidate exists, it is the true person, and
the evidence is more than a name and a region prefix: the birth digits
survived (a wrong check digit or a 15-digit form), or the row carries a
出生日期 or a 户号. Otherwise review.

`conflicts.csv` — `id_number,kind,file,row,column`: the planted
disagreements: kind name for a `name_variant` cell (a source other than gaj
naming a register person otherwise than the register), kind birth_date for a
`birth_date_conflict` cell (gaj 出生日期 not the ID's birth digits).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from .model import County
from .quirks import UNUSABLE_ID_KINDS, Delivery

REGISTER_SOURCES = ("gaj_hjrk", "mzj_jzdx", "clh_cjr", "ybj_js", "wjw_mb", "rsj_jy", "jtj_xs", "zjj_zf", "xczx_jc",
                    "sfj_jz", "tyjr_yf", "zgh_knzg", "yjj_sz", "bzs_hh",
                    "bdc_dj", "cgs_cl", "scjg_zt", "swj_sr", "gjj_jc", "fy_sxr")
PEOPLE_COLUMNS = ["id_number", "household_no", "in_household_register", "life_status"]
HOUSEHOLD_COLUMNS = ["household_no", "size"]
LINK_COLUMNS = ["file", "row", "column", "kind", "id_number", "expected"]
CONFLICT_COLUMNS = ["id_number", "kind", "file", "row", "column"]
CONFLICT_KINDS = {"name_variant": "name", "birth_date_conflict": "birth_date"}


@dataclass
class Rows:
    """One first-night file as delivered: per row its person, clean row, clerk's row number."""
    code: str
    file: str
    d: Delivery
    clean: pd.DataFrame
    pid: np.ndarray
    src: np.ndarray
    row: np.ndarray
    bad: dict          # position -> (kind, header) of an unusable ID cell

    @property
    def usable(self) -> np.ndarray:
        ok = np.ones(len(self.pid), bool)
        ok[list(self.bad)] = False
        return ok & (self.pid >= 0)


def _positions(d: Delivery) -> np.ndarray:
    """Row position in the delivered table of each `_rid`."""
    rid = d.table["_rid"].to_numpy()
    pos = np.full(int(rid.max()) + 1 if len(rid) else 0, -1, dtype=np.int64)
    pos[rid] = np.arange(len(rid))
    return pos


def _rows(code: str, file: str, d: Delivery, clean: pd.DataFrame) -> Rows:
    t = d.table
    first = d.header_row() + 1
    pos = _positions(d)
    bad = {int(pos[w]): (kind, header) for w, header, kind, _ in d.defects
           if kind in UNUSABLE_ID_KINDS and isinstance(w, (int, np.integer))}
    return Rows(code, file, d, clean, t["_pid"].to_numpy(), t["_src"].to_numpy(),
                first + np.arange(len(t)), bad)


class Names:
    """Candidate search by toneless pinyin: the register's names grouped by
    `"".join(lazy_pinyin(name))`. A name holding no phrase of pypinyin's phrase
    dictionary reads character by character, so only names holding one go
    through lazy_pinyin itself (a few percent of them)."""

    def __init__(self, names: np.ndarray):
        codes, uniques = pd.factorize(pd.Series(names, dtype=object))
        self.order = np.argsort(codes, kind="stable")
        self.ends = np.cumsum(np.bincount(codes, minlength=len(uniques)))
        self.code = {n: k for k, n in enumerate(uniques.tolist())}
        self.chars: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.index: dict[str, list] = {}
        for n in self.code:
            self.index.setdefault(self.key(n), []).append(n)

    def key(self, name: str) -> str:
        k = self.keys.get(name)
        if k is None:
            m = len(name)
            if any(name[a:b] in PHRASES_DICT for a in range(m) for b in range(a + 2, m + 1)):
                k = "".join(lazy_pinyin(name))
            else:
                for c in name:
                    if c not in self.chars:
                        self.chars[c] = "".join(lazy_pinyin(c))
                k = "".join(self.chars[c] for c in name)
            self.keys[name] = k
        return k

    def like(self, name: str) -> np.ndarray:
        """Register people whose name is `name` or reads like it."""
        hits = sorted(set(self.index.get(self.key(name), ())))
        if not hits:
            return np.array([], dtype=np.int64)
        parts = []
        for n in hits:
            c = self.code[n]
            parts.append(self.order[(self.ends[c - 1] if c else 0):self.ends[c]])
        return np.concatenate(parts)


def _digits_left(kind: str, value, true_id: str) -> tuple[str, str]:
    """(form, digits) the damaged cell still holds: ('wrong', 18 chars),
    ('p15', 15 digits), ('lead', leading digits) or ('none', '')."""
    if kind == "wrong_check_digit":
        return "wrong", str(value)
    if kind == "id_mangled_by_excel":
        if isinstance(value, float):
            # Excel keeps 15 significant digits; '.0f' would show binary noise.
            s = f"{value:.14e}".split("e")[0].replace(".", "")
            if s == true_id[:15]:
                return "p15", s
            return "lead", s.rstrip("0")
        s = str(value)
        if "E" in s.upper():
            return "lead", s.upper().split("E")[0].replace(".", "")
        return "p15", s[:15]
    return "none", ""


def _digits_agree(form: str, digits: str, ident: str) -> bool:
    if form == "none":
        return True
    if form in ("p15", "lead"):
        return ident.startswith(digits)
    if ident[:14] != digits[:14]:
        return False
    a, b = ident[14:17], digits[14:17]
    diff = [i for i in range(3) if a[i] != b[i]]
    if len(diff) <= 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def build_truth(county: County, files: dict[str, str], deliveries: dict[str, Delivery],
                clean: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The four truth frames from the first night's deliveries (code -> Delivery)."""
    P = county.P
    ids = P.id.to_numpy(dtype=object)
    names = P.name.to_numpy(dtype=object)
    n = len(P)
    D = county.ctx.date.isoformat()
    rows = {code: _rows(code, files[code], deliveries[code], clean[code]) for code in deliveries}

    # Who the register knows from usable IDs.
    known = np.zeros(n, bool)
    for code in REGISTER_SOURCES:
        r = rows[code]
        known[r.pid[r.usable]] = True
    gaj = rows["gaj_hjrk"]
    gclean = gaj.clean.iloc[gaj.src]
    g_hh = gclean["household_no"].to_numpy(dtype=object)
    g_vill = gclean["village_code"].to_numpy(dtype=object)
    g_status = gclean["status"].to_numpy(dtype=object)
    hh_of = np.full(n, "", dtype=object)
    vill_of = np.full(n, "", dtype=object)
    u = gaj.usable
    hh_of[gaj.pid[u]] = g_hh[u]
    vill_of[gaj.pid[u]] = g_vill[u]

    # The oracle over the people the register knows.
    reg = np.flatnonzero(known)
    reg_ids = ids[reg]
    reg_hh, reg_vill = hh_of[reg], vill_of[reg]
    finder = Names(names[reg])
    links = []
    linked: dict[str, list] = {code: [] for code in rows}
    for code in rows:
        r = rows[code]
        if not r.bad:
            continue
        cols = set(r.d.contract.names)
        evidence = [c for c in ("birth_date", "sex", "household_no", "village_code") if c in cols]
        rich_cols = bool(cols & {"birth_date", "household_no"})
        id_col = next(c.name for c in r.d.contract.columns if c.type == "id_number")
        id_vals = r.d.table[id_col].to_numpy(dtype=object)
        rec_names = r.d.table["name"].to_numpy(dtype=object)
        clean_cols = {c: r.clean[c].to_numpy(dtype=object) for c in evidence}
        for i in sorted(r.bad):
            kind, header = r.bad[i]
            pid = int(r.pid[i])
            true_id = str(ids[pid])
            form, digits = _digits_left(kind, id_vals[i], true_id)
            crow = {c: v[int(r.src[i])] for c, v in clean_cols.items()}
            cand = finder.like(str(rec_names[i]))
            keep = []
            for j in cand:
                ident = reg_ids[j]
                if not _digits_agree(form, digits, ident):
                    continue
                ok = True
                for c in evidence:
                    v = crow[c]
                    if c == "birth_date":
                        ok = v.replace("-", "") == ident[6:14]
                    elif c == "sex":
                        ok = v == ("男" if int(ident[16]) % 2 else "女")
                    elif c == "household_no":
                        ok = reg_hh[j] in ("", v)
                    else:
                        ok = reg_vill[j] in ("", v)
                    if not ok:
                        break
                if ok:
                    keep.append(j)
            rich = form in ("wrong", "p15") or rich_cols
            link = len(keep) == 1 and reg_ids[keep[0]] == true_id and rich
            if link:
                linked[code].append(i)
            links.append((r.file, int(r.row[i]), header, kind, true_id, "link" if link else "review"))

    def used(code: str) -> np.ndarray:
        r = rows[code]
        ok = r.usable.copy()
        ok[linked[code]] = True
        return ok

    # The register: usable or linked gaj rows; life events from usable or linked rows.
    g_ok = used("gaj_hjrk")
    in_reg = np.zeros(n, bool)
    in_reg[gaj.pid[g_ok]] = True
    status = np.full(n, "", dtype=object)
    status[gaj.pid[g_ok]] = g_status[g_ok]
    household = np.full(n, "", dtype=object)
    household[gaj.pid[g_ok]] = g_hh[g_ok]
    dead = np.zeros(n, bool)
    b = rows["bzs_hh"]
    dead[b.pid[used("bzs_hh")]] = True
    dead |= in_reg & (status == "死亡")
    s = rows["sfj_jz"]
    sc = s.clean.iloc[s.src]
    starts, ends = sc["start_date"].to_numpy(dtype=object), sc["end_date"].to_numpy(dtype=object)
    jailed_row = ((sc["correction_type"] == "服刑").to_numpy() & (starts != "") & (starts <= D)
                  & ((ends == "") | (ends > D)))
    jail = np.zeros(n, bool)
    jail[s.pid[used("sfj_jz") & jailed_row]] = True
    life = np.select([dead, ~in_reg, status == "迁出", status == "注销", jail],
                     ["deceased", "not_in_register", "moved_out", "cancelled", "incarcerated"], "alive")
    people = pd.DataFrame({"id_number": ids[reg], "household_no": household[reg],
                           "in_household_register": np.where(in_reg[reg], "true", "false"),
                           "life_status": life[reg]}, columns=PEOPLE_COLUMNS)
    people = people.sort_values("id_number", kind="stable").reset_index(drop=True)

    # Households: every 户号 of the snapshot; members counted whatever their ID cell holds.
    member = pd.DataFrame({"household_no": g_hh, "pid": gaj.pid, "status": g_status}).drop_duplicates(["household_no", "pid"])
    pm = member.pid.to_numpy()
    member["n"] = ((member.status == "正常").to_numpy() & ~dead[pm] & ~jail[pm]).astype(np.int64)
    households = member.groupby("household_no", sort=True)["n"].sum().rename("size").reset_index()
    households = households[HOUSEHOLD_COLUMNS]

    links = pd.DataFrame(links, columns=LINK_COLUMNS).sort_values(["file", "row", "column"], kind="stable")

    conflicts = []
    for code, r in rows.items():
        pos = _positions(r.d)
        for w, header, kind, _ in r.d.defects:
            if kind in CONFLICT_KINDS and isinstance(w, (int, np.integer)):
                i = int(pos[w])
                conflicts.append((str(ids[int(r.pid[i])]), CONFLICT_KINDS[kind], r.file, int(r.row[i]), header))
    conflicts = pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS).sort_values(
        ["id_number", "kind", "file", "row"], kind="stable")
    return {"people.csv": people, "households.csv": households, "links.csv": links.reset_index(drop=True),
            "conflicts.csv": conflicts.reset_index(drop=True)}

