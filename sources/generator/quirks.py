"""The quirks of sources.md, applied to delivery tables and written down.

Every damaged cell is recorded as a defect (file, row as the clerk sees it,
column header of the contract, kind, recoverable). Kinds:

| kind                     | what the cell holds                                        | recoverable |
|--------------------------|------------------------------------------------------------|-------------|
| id_spaces                | spaces inside / around the ID number                       | true  |
| id_fullwidth             | full-width digits (`３７２４…`)                              | true  |
| id_lowercase_x           | check character `x`                                        | true  |
| id_leading_apostrophe    | `'372422…`                                                 | true  |
| id_legacy_15             | the 15-digit form (born 19xx)                              | true  |
| id_mangled_by_excel      | `3.72422E+17`, 18 digits ending `000`, or an xlsx number  | false |
| wrong_check_digit        | one sequence digit changed                                 | false |
| date_form                | `2021/3/5`, `20210305`, `2021年3月5日`                       | true  |
| date_excel_serial        | `44260` (a number cell in xlsx)                            | true  |
| yearmonth_form           | `202103`, `2021/3`, `2021年3月`                              | true  |
| amount_format            | `1,200.00`, `920元`, `￥920`                                 | true  |
| missing_token            | `无`, `/`, `-`, `NULL` where the value is empty             | true  |
| missing                  | the ID cell left empty (inert people; gaj, 医保, 人社 only)   | false |
| name_variant             | a homophone / variant character in the name                | true  |
| birth_date_conflict      | gaj 出生日期 differs from the ID's birth digits             | true  |
| household_no_as_number   | xlsx 户号 stored as a number: leading zero lost             | true  |
| duplicate_row            | the row above repeated exactly                             | true  |
| duplicate_row_differing  | the row above repeated with another phone or address      | true  |
| header_renamed           | the header is an alias of the contract (row = header row) | true  |
| title_row / footer_row   | xlsx title above the header / 合计, 制表人 rows below data   | true  |
| repeated_record          | an increment repeats a record already delivered           | true  |

Unrecoverable ID damage (id_mangled_by_excel, wrong_check_digit, missing)
only ever lands on rows of inert people (see `inert_people` in county.py) and
never on more than 2% of a file's rows, so it can neither create nor hide a
scored finding nor make a good file wrong. Worked-example rows (`_lock`) are
never touched.

The planted disagreements the pipeline must list as conflicts are exactly two:
`name_variant` lands only on rows of sources other than gaj_hjrk whose ID is
usable and whose person has a usable gaj row (`named`), so the register holds
the true name to disagree with; `birth_date_conflict` changes gaj 出生日期 on a
few rows with a usable ID (about rate/4 of the rows, at least 2). Nothing else
makes two names meet one ID or a gaj birth date leave the ID's: a repeated row
copies its original (its damage listed again), and a repeat differing from it
differs only in 联系电话 or 住址.

The ID column is damaged first, so the later columns know which rows lost
their ID. Each table keeps `_src`, the row of the clean table a delivered row
came from (a repeat carries its original's).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sources.contracts import Contract

from .idnum import id_legacy15, id_with_wrong_check_digit
from .names import NAME_VARIANTS

MISSING_TOKENS = ("无", "/", "-", "NULL")
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
EXCEL_EPOCH = dt.date(1899, 12, 30)
UNRECOVERABLE_SHARE = 0.02
UNUSABLE_ID_KINDS = ("id_mangled_by_excel", "wrong_check_digit", "missing")
MISSING_ID_SOURCES = ("gaj_hjrk", "ybj_js", "rsj_jy")


@dataclass
class Delivery:
    """One file's content: the table, its header as delivered, title and footer, defects."""
    code: str
    contract: Contract
    table: pd.DataFrame
    headers: list
    title: str | None = None
    footer: list = field(default_factory=list)   # rows below the data
    defects: list = field(default_factory=list)  # (rid or 'header'/'title'/('footer', i), header, kind, recoverable)

    @property
    def is_xlsx(self) -> bool:
        return self.contract.format == "xlsx"

    def header_row(self) -> int:
        return 2 if self.title else 1

    def reordered(self) -> "Delivery":
        """The same register exported in another order (by ID number): a fresh
        snapshot whose bytes differ though its rows do not. A stable sort keeps
        a repeated row right under its original."""
        from copy import copy
        out = copy(self)
        id_col = next(c.name for c in self.contract.columns if c.type == "id_number")
        key = self.table[id_col].map(lambda v: v if isinstance(v, str) else repr(v))
        out.table = self.table.assign(_key=key).sort_values("_key", kind="stable").drop(columns="_key")
        out.table = out.table.reset_index(drop=True)
        return out

    def older(self, rng: np.random.Generator, share: float = 0.02) -> "Delivery":
        """An older state of the register: a few records it did not hold yet."""
        from copy import copy
        out = copy(self)
        rids = self.table["_rid"].to_numpy()
        paired = set()
        for where, _, kind, _ in self.defects:
            if kind in ("duplicate_row", "duplicate_row_differing"):
                i = int(np.flatnonzero(rids == where)[0])
                paired |= {int(rids[i]), int(rids[i - 1])}
        free = [i for i, r in enumerate(rids) if int(r) not in paired and not self.table["_lock"].iat[i]]
        k = min(len(free), max(1, int(len(rids) * share))) if len(rids) >= 10 else 0
        drop = set(rng.choice(free, k, replace=False).tolist()) if k else set()
        keep = [i for i in range(len(rids)) if i not in drop]
        out.table = self.table.iloc[keep].reset_index(drop=True)
        left = set(out.table["_rid"].tolist())
        out.defects = [d for d in self.defects if not isinstance(d[0], int) or d[0] in left]
        return out

    def defect_rows(self, file_name: str) -> list[tuple]:
        """Defects with the row a clerk sees (CSV line / xlsx sheet row)."""
        first = self.header_row() + 1
        pos = {rid: first + i for i, rid in enumerate(self.table["_rid"].to_numpy())}
        n = len(self.table)
        out = []
        for where, header, kind, rec in self.defects:
            if where == "header":
                row = self.header_row()
            elif where == "title":
                row = 1
            elif isinstance(where, tuple):
                row = first + n + where[1]
            else:
                row = pos[where]
            out.append((file_name, row, header, kind, "true" if rec else "false"))
        return out


def _date_forms(d: dt.date, k: int) -> str:
    return (f"{d.year}/{d.month}/{d.day}", f"{d:%Y%m%d}", f"{d.year}年{d.month}月{d.day}日")[k % 3]


def _month_forms(d: dt.date, k: int) -> str:
    return (f"{d:%Y%m}", f"{d.year}/{d.month}", f"{d.year}年{d.month}月")[k % 3]


def _amount_forms(v: float, k: int) -> str:
    whole = float(v).is_integer()
    if abs(v) < 1000 and k % 3 == 0:
        k = 1  # no thousands separator to show: write the unit instead
    return (f"{v:,.2f}", (f"{int(v)}元" if whole else f"{v:.2f}元"), (f"￥{int(v)}" if whole else f"￥{v:.2f}"))[k % 3]


def _id_recoverable(v: str, kind: str, k: int) -> str:
    if kind == "id_spaces":
        return (" " + v[:4] + " " + v[4:], v[:6] + " " + v[6:14] + " " + v[14:], v + " ", " " + v)[k % 4]
    if kind == "id_fullwidth":
        return v.translate(FULLWIDTH)
    if kind == "id_lowercase_x":
        return v[:-1] + "x"
    if kind == "id_leading_apostrophe":
        return "'" + v
    if kind == "id_legacy_15":
        return id_legacy15(v)
    raise ValueError(kind)


def damage(table: pd.DataFrame, contract: Contract, rng: np.random.Generator, rate: float,
           inert: np.ndarray, rename: bool = False, titled: bool = False, repeated_rids=(),
           named: np.ndarray | None = None) -> Delivery:
    """Apply the quirks to a delivery table at `rate` per kind; return the Delivery.

    `named` (by pid): people with a usable gaj_hjrk row; only their rows may
    carry a name variant (None: nobody's)."""
    t = table.copy()
    t["_rid"] = np.arange(len(t))
    t["_src"] = np.arange(len(t))
    headers = contract.headers
    d = Delivery(contract.code, contract, t, list(headers))
    xlsx = d.is_xlsx
    n = len(t)
    if rate <= 0 or n == 0:
        _frame(d, titled, xlsx)
        return d
    lock = t["_lock"].to_numpy(dtype=bool)
    pid = t["_pid"].to_numpy()
    inert_row = np.where(pid >= 0, inert[np.maximum(pid, 0)], False) & ~lock
    named_row = (np.where(pid >= 0, named[np.maximum(pid, 0)], False) if named is not None
                 else np.zeros(n, bool))
    free = ~lock
    id_bad = np.zeros(n, bool)  # rows whose ID cell is unusable
    header_of = {c.name: c.header for c in contract.columns}

    def choose(mask: np.ndarray, p: float = rate, cap: int | None = None) -> np.ndarray:
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return idx
        k = int(rng.binomial(len(idx), min(1.0, p)))
        if cap is not None:
            k = min(k, cap)
        return np.sort(rng.choice(idx, k, replace=False)) if k else idx[:0]

    def note(rows, name, kind, rec=True):
        rids = t["_rid"].to_numpy()
        for i in rows:
            d.defects.append((int(rids[i]), header_of[name], kind, rec))

    # The ID column first: name variants and birth-date conflicts need rows with a usable ID.
    for col in sorted(contract.columns, key=lambda c: c.type != "id_number"):
        name = col.name
        vals = t[name].to_numpy(dtype=object).copy()
        as_str = vals.copy()  # delivery tables hold text only until quirks run
        series = pd.Series(as_str, dtype=object)
        nonempty = (as_str != "")
        touched = np.zeros(n, bool)
        if col.type == "id_number":
            cap = int(np.floor(UNRECOVERABLE_SHARE * n))
            # Unrecoverable first, on inert rows only and under the cap.
            rows = choose(inert_row & nonempty, rate, cap)
            half = len(rows) // 2
            mangled, wrong = rows[:half], rows[half:]
            for j, i in enumerate(mangled):
                v = as_str[i]
                if j % 2 == 0:
                    vals[i] = float(v[:15] + "000") if xlsx else _excel_sci(v)
                else:
                    vals[i] = v[:15] + "000"
            note(mangled, name, "id_mangled_by_excel", False)
            for j, i in enumerate(wrong):
                vals[i] = id_with_wrong_check_digit(as_str[i], int(rng.integers(1 << 30)))
            note(wrong, name, "wrong_check_digit", False)
            touched[rows] = True
            if contract.code in MISSING_ID_SOURCES:
                # A clerk left the ID empty: only the name and the row's other columns say whose it is.
                left = cap - len(rows)
                idx = np.flatnonzero(inert_row & nonempty & ~touched)
                k = min(left, len(idx), max(1, int(rng.binomial(len(idx), min(1.0, rate / 4))))) if len(idx) else 0
                miss = np.sort(rng.choice(idx, k, replace=False)) if k > 0 else idx[:0]
                vals[miss] = ""
                note(miss, name, "missing", False)
                touched[miss] = True
            id_bad = touched.copy()
            for kind in ("id_spaces", "id_fullwidth", "id_lowercase_x", "id_leading_apostrophe", "id_legacy_15"):
                ok = free & nonempty & ~touched
                if kind == "id_lowercase_x":
                    ok &= series.str.endswith("X").to_numpy(dtype=bool)
                if kind == "id_legacy_15":
                    ok &= ((series.str.len() == 18) & (series.str.slice(6, 8) == "19")).to_numpy(dtype=bool)
                rows = choose(ok)
                for j, i in enumerate(rows):
                    vals[i] = _id_recoverable(as_str[i], kind, j)
                note(rows, name, kind)
                touched[rows] = True
        elif col.type == "date":
            if contract.code == "gaj_hjrk" and name == "birth_date":
                # The register's 出生日期 disagrees with the ID's birth digits.
                idx = np.flatnonzero(free & nonempty & ~id_bad)
                k = min(len(idx), max(2, int(round(n * rate / 4))))
                rows = np.sort(rng.choice(idx, k, replace=False)) if k else idx[:0]
                for j, i in enumerate(rows):
                    vals[i] = _other_birth_date(dt.date.fromisoformat(as_str[i]), j, int(rng.integers(1, 28)))
                note(rows, name, "birth_date_conflict")
                touched[rows] = True
            rows = choose(free & nonempty & ~touched)
            for j, i in enumerate(rows):
                vals[i] = _date_forms(dt.date.fromisoformat(as_str[i]), int(rng.integers(3)))
            note(rows, name, "date_form")
            touched[rows] = True
            rows = choose(free & nonempty & ~touched)
            for i in rows:
                serial = (dt.date.fromisoformat(as_str[i]) - EXCEL_EPOCH).days
                vals[i] = serial if xlsx else str(serial)
            note(rows, name, "date_excel_serial")
            touched[rows] = True
        elif col.type == "yearmonth":
            rows = choose(free & nonempty)
            for i in rows:
                vals[i] = _month_forms(dt.date.fromisoformat(as_str[i] + "-01"), int(rng.integers(3)))
            note(rows, name, "yearmonth_form")
            touched[rows] = True
        elif col.type == "amount":
            rows = choose(free & nonempty)
            for i in rows:
                vals[i] = _amount_forms(float(as_str[i]), int(rng.integers(3)))
            note(rows, name, "amount_format")
            touched[rows] = True
        elif col.pii == "name" and contract.code != "gaj_hjrk":
            has = series.str.slice(1).str.contains("[" + "".join(NAME_VARIANTS) + "]", regex=True).to_numpy(dtype=bool)
            rows = choose(free & nonempty & has & named_row & ~id_bad, rate / 2)
            for i in rows:
                v = as_str[i]
                j = next(j for j in range(1, len(v)) if v[j] in NAME_VARIANTS)
                vals[i] = v[:j] + NAME_VARIANTS[v[j]] + v[j + 1:]
            note(rows, name, "name_variant")
            touched[rows] = True
        elif name == "household_no" and xlsx:
            zero = (series.str.startswith("0") & series.str.isdigit()).to_numpy(dtype=bool)
            rows = choose(free & zero)
            for i in rows:
                vals[i] = int(as_str[i])
            note(rows, name, "household_no_as_number")
            touched[rows] = True
        if not col.required:
            rows = choose(free & ~nonempty & ~touched)
            rows = rows[[isinstance(vals[i], str) for i in rows]] if len(rows) else rows
            for j, i in enumerate(rows):
                vals[i] = MISSING_TOKENS[int(rng.integers(len(MISSING_TOKENS)))]
            note(rows, name, "missing_token")
        t[name] = vals

    # The same person twice: exact repeats, and in the register repeats with
    # another phone or address.
    rows = choose(free)
    if len(rows):
        dup = t.iloc[rows].copy()
        dup["_rid"] = np.arange(n, n + len(rows))
        differing = []
        if contract.code == "gaj_hjrk":
            for j in range(len(dup)):
                if j % 2 == 1:
                    if j % 4 == 1 and isinstance(dup["phone"].iat[j], str) and dup["phone"].iat[j] not in ("",) + MISSING_TOKENS:
                        dup.iat[j, dup.columns.get_loc("phone")] = "1" + "".join(str(x) for x in rng.integers(0, 10, 10))
                        differing.append((j, "phone"))
                    else:
                        addr = str(dup["address"].iat[j])
                        dup.iat[j, dup.columns.get_loc("address")] = addr.replace("号", "号院", 1) if "号" in addr else addr + "1号"
                        differing.append((j, "address"))
        diff_rows = dict(differing)
        for j, rid in enumerate(dup["_rid"].to_numpy()):
            if j in diff_rows:
                d.defects.append((int(rid), header_of[diff_rows[j]], "duplicate_row_differing", True))
            else:
                d.defects.append((int(rid), "", "duplicate_row", True))
        # A repeat carries the damage of its original, so list that too.
        orig = dict(zip(t["_rid"].to_numpy()[rows], dup["_rid"].to_numpy()))
        for where, header, kind, rec in list(d.defects):
            if isinstance(where, int) and where in orig and kind not in ("duplicate_row", "duplicate_row_differing"):
                d.defects.append((orig[where], header, kind, rec))
        t["_order"] = np.arange(n, dtype=float)
        dup["_order"] = rows + 0.5
        t = pd.concat([t, dup], ignore_index=True).sort_values("_order", kind="stable").drop(columns="_order")
        t = t.reset_index(drop=True)
    for rid in repeated_rids:
        d.defects.append((int(rid), "", "repeated_record", True))
    d.table = t
    if rename:
        id_col = next(c for c in contract.columns if c.type == "id_number")
        if id_col.aliases:
            alias = id_col.aliases[int(rng.integers(len(id_col.aliases)))]
            d.headers = [alias if h == id_col.header else h for h in d.headers]
            d.defects.append(("header", id_col.header, "header_renamed", True))
    _frame(d, titled, xlsx)
    return d


def _other_birth_date(b: dt.date, k: int, days_back: int) -> str:
    """A 出生日期 that is not the ID's: a year, a month or some days earlier
    (never later, so never after the extract date)."""
    form = k % 3
    if form == 0:
        out = b.replace(year=b.year - 1, day=min(b.day, 28) if b.month == 2 else b.day)
    elif form == 1:
        out = b - dt.timedelta(days=days_back)
    else:
        out = (b.replace(day=1) - dt.timedelta(days=1)).replace(day=min(b.day, 28))
    return out.isoformat()


def _excel_sci(v: str) -> str:
    """How Excel's General format shows an 18-digit number: `3.72422E+17`."""
    mant = round(int(v[:7]) / 1e6, 5)
    s = f"{mant:.5f}".rstrip("0").rstrip(".")
    return f"{s}E+17"


TITLES = {
    "mzj_jzdx": "平原县{y}年{m}月低保在保人员名单",
    "clh_cjr": "平原县持证残疾人花名册（{y}年{m}月）",
    "jtj_xs": "平原县在校学生资助名册（{y}年{m}月）",
    "xczx_jc": "平原县脱贫户和监测对象信息表（{y}年{m}月）",
    "tyjr_yf": "平原县优抚对象花名册（{y}年{m}月）",
    "zgh_knzg": "平原县困难职工档案（{y}年{m}月）",
}
CLERKS = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "孙丽")


def _frame(d: Delivery, titled: bool, xlsx: bool) -> None:
    """Title above and 合计 / 制表人 rows below: 民政 always, other xlsx
    sources when `titled`. The texts depend on the extract date and are
    filled in by `title_and_footer` when the file is written."""
    if not xlsx or not (titled or d.code == "mzj_jzdx"):
        return
    d.title = "title"
    d.footer = ["total", "clerk"]
    d.defects.append(("title", "", "title_row", True))
    d.defects.append((("footer", 0), "", "footer_row", True))
    d.defects.append((("footer", 1), "", "footer_row", True))


def title_and_footer(d: Delivery, extract: dt.date) -> tuple[str | None, list]:
    if not d.title:
        return None, []
    width = len(d.headers)
    title = TITLES[d.code].format(y=extract.year, m=extract.month)
    total_row = ["合计"] + [""] * (width - 1)
    amount_cols = [i for i, c in enumerate(d.contract.columns) if c.type == "amount"]
    if amount_cols:
        total = 0.0
        for v in d.table[d.contract.columns[amount_cols[0]].name].to_numpy():
            try:
                total += float(v)
            except (TypeError, ValueError):
                pass
        total_row[amount_cols[0]] = round(total, 2)
    pick = (extract.toordinal() + len(d.table)) % len(CLERKS)
    made = f"{extract.year}年{extract.month}月{extract.day}日"
    clerk = [f"制表人：{CLERKS[pick]}    审核人：{CLERKS[(pick + 3) % len(CLERKS)]}    制表日期：{made}"]
    return title, [total_row, clerk + [""] * (width - 1)]
