"""The synthetic county generator (sources/generator): files, truth, determinism.

Everything here reads the generated files back as a department's clerk would
(CSV in the contract's encoding, xlsx through calamine under a title row) and
checks them against the contracts, the worked examples of policies.md §7 and
truth/; python-stdnum is the oracle for check digits.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric

from sources.contracts import SOURCE_ORDER, load_contracts
from sources.generator import deliver, generate

D = dt.date(2026, 3, 15)
EXTRACT = "20260314"
PEOPLE = 2000
CONTRACTS = load_contracts()
SERIOUS_ILLNESS = {"恶性肿瘤", "尿毒症", "白血病", "器官移植术后", "精神分裂症", "分裂情感性障碍", "偏执性精神病",
                   "双相情感障碍", "癫痫所致精神障碍", "精神发育迟滞伴发精神障碍"}
CHILD_OF_HEAD = re.compile(r"(子|女|儿子|女儿|(长|次|三|独生|养|继)(子|女))")
FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


# --- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gen") / "home"
    generate(root, people=PEOPLE, date=D, seed=1, nights=2)
    return root


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("twin") / "home"
    generate(root, people=PEOPLE, date=D, seed=1, nights=2)
    return root


# --- reading files back ---------------------------------------------------------

def normalise_id(raw) -> str | None:
    """Undo what people and Excel do to an ID number (the recoverable quirks)."""
    if not isinstance(raw, str):
        return None
    v = raw.translate(FULLWIDTH).replace(" ", "").replace("\u3000", "").lstrip("'").upper()
    if len(v) == 15 and v.isdigit():
        body = v[:6] + "19" + v[6:]
        v = body + ric.calc_check_digit(body + "0")
    if len(v) == 18 and v[:17].isdigit() and ric.calc_check_digit(v) == v[17] and not v.endswith("000"):
        return v
    return None


def sheet_rows(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def read_raw(path: Path) -> tuple[list[str], list[list], int]:
    """(header, data rows, sheet/line number of the first data row)."""
    code = path.name.rsplit("_", 1)[0]
    contract = CONTRACTS[code]
    if path.suffix == ".csv":
        text = path.read_bytes().decode(contract.encoding)
        rows = list(csv.reader(io.StringIO(text)))
        return rows[0], rows[1:], 2
    rows = sheet_rows(path)
    names = set(contract.headers)
    at = next(i for i, r in enumerate(rows) if len(names & {str(c) for c in r}) >= len(names) - 1)
    body = rows[at + 1:]
    while body and isinstance(body[-1][0], str) and (body[-1][0] == "合计" or body[-1][0].startswith("制表人")):
        body.pop()
    return [str(c) for c in rows[at]], body, at + 2


def read_source(path: Path) -> list[dict]:
    """Rows keyed by canonical column name (a renamed header mapped back)."""
    code = path.name.rsplit("_", 1)[0]
    contract = CONTRACTS[code]
    header, body, first = read_raw(path)
    lookup = {}
    for c in contract.columns:
        lookup[c.header] = c.name
        for a in c.aliases:
            lookup.setdefault(a, c.name)
    keys = [lookup[h] for h in header]
    out = []
    for i, r in enumerate(body):
        row = {k: ("" if v is None else v) for k, v in zip(keys, r)}
        row["_row"] = first + i
        out.append(row)
    return out


def inbox(home: Path, code: str) -> Path:
    return home / "inbox" / CONTRACTS[code].file_name(EXTRACT)


def rows_by_id(home: Path, code: str) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for r in read_source(inbox(home, code)):
        n = normalise_id(r["id_number"]) if isinstance(r["id_number"], str) else None
        if n:
            out[n].append(r)
    return out


def truth(home: Path, name: str) -> list[dict]:
    with (home / "truth" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def age_on(id_number: str, day: dt.date) -> int:
    b = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def as_date(v) -> dt.date | None:
    if isinstance(v, (dt.date, dt.datetime)):
        return v if isinstance(v, dt.date) else v.date()
    if isinstance(v, float) or (isinstance(v, str) and re.fullmatch(r"\d{5}", v)):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(v)))
    v = str(v).strip()
    for pat in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})/(\d{1,2})/(\d{1,2})", r"(\d{4})(\d{2})(\d{2})",
                r"(\d{4})年(\d{1,2})月(\d{1,2})日"):
        m = re.fullmatch(pat, v)
        if m:
            return dt.date(*map(int, m.groups()))
    return None


def amount(v) -> float:
    """An amount as a clerk reads it: `1,200.00`, `920元` and `￥920` included."""
    return float(str(v).replace(",", "").replace("元", "").replace("￥", ""))


class Register:
    """The register and the facts that decide FC / DEAD, read from the files."""

    def __init__(self, home: Path):
        gaj = read_source(inbox(home, "gaj_hjrk"))
        self.person = {}
        self.households = defaultdict(list)
        for r in gaj:
            i = normalise_id(r["id_number"])
            if i and i not in self.person:
                self.person[i] = r
                self.households[r["household_no"]].append((i, r["relation_to_head"]))
        self.bzs = set(rows_by_id(home, "bzs_hh"))
        self.sev = {i for i, rs in rows_by_id(home, "clh_cjr").items()
                    if any(r["cert_status"] == "有效" and r["disability_grade"] in ("一级", "二级") for r in rs)}
        self.jail = set()
        for i, rs in rows_by_id(home, "sfj_jz").items():
            for r in rs:
                start, end = as_date(r["start_date"]), as_date(r["end_date"])
                if r["correction_type"] == "服刑" and start and start <= D and (end is None or end > D):
                    self.jail.add(i)
        self.ill = {i for i, rs in rows_by_id(home, "wjw_mb").items()
                    if any(r["disease"] in SERIOUS_ILLNESS and r["management_status"] not in ("结案", "死亡") for r in rs)}
        for i, rs in rows_by_id(home, "ybj_js").items():
            for r in rs:
                when = as_date(r["discharge_date"]) or as_date(r["admission_date"])
                if r["is_critical_illness"] == "是" and when and D - dt.timedelta(days=365) < when <= D:
                    self.ill.add(i)
        self.mzj = rows_by_id(home, "mzj_jzdx")

    def dead(self, i: str) -> bool:
        p = self.person.get(i)
        return i in self.bzs or (p is not None and p["status"] == "死亡")

    def fc(self, i: str) -> bool:
        return i in self.sev or i in self.jail or i in self.ill

    def parents(self, i: str) -> list[str] | None:
        p = self.person[i]
        members = self.households[p["household_no"]]
        rel = p["relation_to_head"]
        if CHILD_OF_HEAD.fullmatch(rel):
            found = [m for m, r in members if r in ("户主", "配偶")]
        elif rel in ("孙子", "孙女", "外孙子", "外孙女"):
            kids = [m for m, r in members if CHILD_OF_HEAD.fullmatch(r)]
            inlaws = [m for m, r in members if r in ("儿媳", "女婿")]
            found = (kids + inlaws) if len(kids) == 1 and len(inlaws) == 1 else []
        else:
            found = []
        return found if len(found) == 2 else None

    def fuc_or_orphan_eligible(self, i: str) -> bool:
        p = self.person[i]
        if p["status"] != "正常" or self.dead(i) or i in self.jail or age_on(i, D) >= 18:
            return False
        par = self.parents(i)
        if not par:
            return False
        return all(self.fc(q) or self.dead(q) for q in par) and (
            any(self.fc(q) for q in par) or all(self.dead(q) for q in par))


@pytest.fixture(scope="module")
def register(home) -> Register:
    return Register(home)


# --- determinism ------------------------------------------------------------------

def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(home, twin):
    a, b = all_files(home), all_files(twin)
    assert a.keys() == b.keys()
    assert any(k.endswith(".xlsx") for k in a)
    different = [k for k in a if a[k] != b[k]]
    assert not different, different


def test_different_seed_gives_different_files(home, tmp_path):
    generate(tmp_path, people=PEOPLE, date=D, seed=2, nights=0)
    for code in ("gaj_hjrk", "mzj_jzdx"):
        assert inbox(home, code).read_bytes() != inbox(tmp_path, code).read_bytes()


# --- files as the contracts say -------------------------------------------------------

def test_all_twenty_sources_with_contract_headers(home):
    renamed = {(d["file"], d["column"]) for d in truth(home, "defects.csv") if d["kind"] == "header_renamed"}
    for code in SOURCE_ORDER:
        contract = CONTRACTS[code]
        path = inbox(home, code)
        assert path.exists(), path
        header, body, _ = read_raw(path)
        expected = list(contract.headers)
        for i, c in enumerate(contract.columns):
            if (path.name, c.header) in renamed:
                assert header[i] in c.aliases
                expected[i] = header[i]
        assert header == expected, code
        assert body, code


def test_encodings_as_declared(home):
    for code in SOURCE_ORDER:
        contract = CONTRACTS[code]
        if contract.format != "csv":
            continue
        data = inbox(home, code).read_bytes()
        if contract.encoding == "gbk":
            data.decode("gbk")
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        elif contract.encoding == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")
        else:
            assert not data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")
            with pytest.raises(UnicodeDecodeError):
                data.decode("gbk")


def test_mzj_xlsx_has_title_and_footer(home):
    rows = sheet_rows(inbox(home, "mzj_jzdx"))
    assert rows[0][0] == "平原县2026年3月低保在保人员名单"
    assert rows[1][:3] == ["姓名", "身份证号", "救助类别"] or "救助类别" in rows[1]
    assert rows[-2][0] == "合计" and str(rows[-1][0]).startswith("制表人：")


def test_divisions(home):
    with (home / "reference" / "divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    towns = [r for r in rows if len(r["code"]) == 9]
    villages = {r["code"]: r for r in rows if len(r["code"]) == 12}
    assert len(towns) == 12 and all(r["township_code"] == r["code"] for r in towns)
    for code in ("371426105213", "371426103205", "371426001012", "371426001015", "371426107221",
                 "371426107302", "371426104233"):
        assert code in villages and villages[code]["township_code"] == code[:9]
    for code, r in villages.items():
        tail = int(code[9:])
        assert (1 <= tail <= 99 and r["name"].endswith("社区")) or (200 <= tail <= 399 and r["name"].endswith("村"))
    assert len({r["name"] for r in villages.values()}) > 0.9 * len(villages)
    gaj = read_source(inbox(home, "gaj_hjrk"))
    assert {r["village_code"] for r in gaj} <= set(villages)


# --- the worked examples ------------------------------------------------------------------

E_PEOPLE = {  # id: (name, relation, village)
    "372422198604121017": ("王建国", "户主", "371426105213"), "372422198809031023": ("李秀梅", "配偶", "371426105213"),
    "371426201506201039": ("王子涵", "子", "371426105213"), "371426201911081042": ("王雨桐", "女", "371426105213"),
    "372422194002012018": ("孙德福", "户主", "371426103205"),
    "372422197805063015": ("周强", "户主", "371426001012"), "372422198007193020": ("吴丽", "配偶", "371426001012"),
    "371426201003023031": ("周浩", "子", "371426001012"),
    "372422197210104017": ("赵明", "户主", "371426001015"), "372422197401254026": ("钱红", "配偶", "371426001015"),
    "371426200308144040": ("赵琳", "女", "371426001015"),
    "372422199002145016": ("刘伟", "户主", "371426107221"), "37242219580530502X": ("张桂兰", "母亲", "371426107221"),
    "372422195811116014": ("马长山", "户主", "371426107302"), "372422198503096035": ("马俊", "子", "371426107302"),
    "372422198712016046": ("韩雪", "儿媳", "371426107302"), "371426201709156063": ("马欣怡", "孙女", "371426107302"),
    "372422196208207012": ("陈志刚", "户主", "371426104233"), "372422196312057026": ("杨秀兰", "配偶", "371426104233"),
}


def test_examples_in_the_register_exactly(home):
    gaj = {r["id_number"]: r for r in read_source(inbox(home, "gaj_hjrk"))}
    households = defaultdict(set)
    for i, (name, rel, village) in E_PEOPLE.items():
        r = gaj[i]
        assert (r["name"], r["relation_to_head"], r["village_code"], r["township_code"]) == (name, rel, village, village[:9])
        assert r["sex"] == ("男" if int(i[16]) % 2 else "女")
        assert r["birth_date"] == f"{i[6:10]}-{i[10:12]}-{i[12:14]}"
        assert re.fullmatch(r"\d{10}", r["household_no"])
        households[village].add(r["household_no"])
        expected_status = "死亡" if name in ("马俊", "韩雪") else "正常"
        assert r["status"] == expected_status
    assert all(len(v) == 1 for v in households.values())
    assert gaj["372422198503096035"]["change_date"] == "2021-05-10"
    assert gaj["372422198712016046"]["change_date"] == "2022-08-30"


def _mzj(home) -> dict[str, set]:
    out = defaultdict(set)
    for r in read_source(inbox(home, "mzj_jzdx")):
        if r["id_number"] in E_PEOPLE:
            out[r["id_number"]].add((r["benefit_category"], float(r["monthly_amount"])))
    return out


def test_e1_seed_case_rows(home):
    mzj = _mzj(home)
    parents = {("农村低保", 720.0), ("困难残疾人生活补贴", 150.0), ("重度残疾人护理补贴", 200.0)}
    assert mzj["372422198604121017"] == parents and mzj["372422198809031023"] == parents
    assert mzj["371426201506201039"] == {("农村低保", 720.0)} == mzj["371426201911081042"]
    clh = {r["id_number"]: r for r in read_source(inbox(home, "clh_cjr")) if r["id_number"] in E_PEOPLE}
    assert (clh["372422198604121017"]["disability_type"], clh["372422198604121017"]["disability_grade"],
            clh["372422198604121017"]["cert_status"], clh["372422198604121017"]["issue_date"]) == ("肢体", "一级", "有效", "2016-05-10")
    assert (clh["372422198809031023"]["disability_type"], clh["372422198809031023"]["disability_grade"],
            clh["372422198809031023"]["issue_date"]) == ("精神", "一级", "2018-03-02")
    jtj = {r["id_number"]: r for r in read_source(inbox(home, "jtj_xs")) if r["id_number"] in E_PEOPLE}
    assert (jtj["371426201506201039"]["school_level"], jtj["371426201506201039"]["aid_programme"]) == ("小学", "义务教育生活补助")
    assert (jtj["371426201911081042"]["school_level"], jtj["371426201911081042"]["aid_programme"]) == ("学前", "学前资助")
    rsj = {r["id_number"]: r for r in read_source(inbox(home, "rsj_jy")) if r["id_number"] in E_PEOPLE}
    for i in ("372422198604121017", "372422198809031023"):
        assert (rsj[i]["employment_status"], rsj[i]["pension_type"]) == ("未就业", "城乡居民")
    rows = [t for t in truth(home, "findings.csv") if t["example"] == "E1"]
    assert sorted((t["id_number"], t["rule_code"], t["policy_code"], t["amount"], t["amount_period"], t["night"])
                  for t in rows) == [
        ("371426201506201039", "DISCOVER", "FACT_UNSUPPORTED_CHILD", "920", "month", "2026-03-15"),
        ("371426201911081042", "DISCOVER", "FACT_UNSUPPORTED_CHILD", "920", "month", "2026-03-15")]


def test_e2_to_e7_rows(home):
    mzj = _mzj(home)
    assert mzj["372422194002012018"] == {("农村特困", 936.0), ("高龄津贴", 100.0)}
    bzs = [r for r in read_source(inbox(home, "bzs_hh")) if r["id_number"] == "372422194002012018"]
    assert [(r["name"], r["death_date"], r["cremation_date"]) for r in bzs] == [("孙德福", "2026-01-20", "2026-01-22")]
    cars = {(r["id_number"], r["vehicle_type"], r["status"]) for r in read_source(inbox(home, "cgs_cl"))
            if r["id_number"] in E_PEOPLE}
    assert cars == {("372422197805063015", "小型轿车", "正常"), ("372422198007193020", "摩托车", "正常")}
    assert all(mzj[i] == {("城市低保", 400.0)} for i in ("372422197805063015", "372422198007193020", "371426201003023031"))
    ybj = sorted((r["discharge_date"], r["out_of_pocket"], r["is_critical_illness"], r["visit_type"])
                 for r in read_source(inbox(home, "ybj_js")) if r["id_number"] == "372422197210104017")
    assert ybj == [("2025-06-28", "41000.00", "是", "住院"), ("2025-12-20", "24000.00", "是", "住院")]
    swj = {(r["id_number"], r["tax_year"], r["income"]) for r in read_source(inbox(home, "swj_sr"))
           if r["id_number"] in E_PEOPLE}
    assert swj == {("372422197805063015", "2025", "18000.00"), ("372422197210104017", "2025", "72000.00"),
                   ("372422197401254026", "2025", "48000.00")}
    rsj = {r["id_number"]: r for r in read_source(inbox(home, "rsj_jy")) if r["id_number"] in E_PEOPLE}
    assert (rsj["372422199002145016"]["referrals"], rsj["372422199002145016"]["refusals"]) == ("5", "3")
    assert mzj["37242219580530502X"] == {("农村低保", 720.0), ("经济困难老年人补贴", 100.0)}
    assert mzj["371426201709156063"] == {("孤儿", 1380.0)}
    assert (rsj["372422195811116014"]["pension_type"], rsj["372422195811116014"]["monthly_pension"]) == ("职工", "2600")
    assert mzj["372422196312057026"] == {("重度残疾人护理补贴", 150.0)} and not mzj["372422196208207012"]
    clh = {r["id_number"]: (r["disability_type"], r["disability_grade"], r["cert_status"])
           for r in read_source(inbox(home, "clh_cjr")) if r["id_number"] in E_PEOPLE}
    assert clh["372422196208207012"] == ("肢体", "三级", "有效") and clh["372422196312057026"] == ("视力", "二级", "有效")
    got = sorted((t["example"], t["kind"], t["rule_code"], t["policy_code"], t["id_number"], t["amount"])
                 for t in truth(home, "findings.csv") if t["example"] not in ("", "E1"))
    assert got == sorted([
        ("E2", "review", "R_DECEASED_PAID", "TK_RURAL", "372422194002012018", "936"),
        ("E2", "review", "R_DECEASED_PAID", "HIGH_AGE", "372422194002012018", "100"),
        # The household's 城市低保 (3 x 400): a review carries the amount paid under the benefit reviewed.
        ("E3", "review", "R_DB_VEHICLE", "DB_URBAN", "372422197805063015", "1200"),
        ("E4", "warning", "W_MED_POVERTY", "", "372422197210104017", ""),
        ("E5", "yellow", "Y_JOB_REFUSAL", "", "372422199002145016", ""),
        ("E7", "discover", "DISCOVER", "ELDER_CARE", "372422196208207012", "200"),
    ])


def test_examples_follow_the_run_date(tmp_path):
    day = dt.date(2026, 6, 1)
    generate(tmp_path, people=300, date=day, seed=3, nights=0)
    shift = (day - D).days
    bzs = [r for r in read_source(tmp_path / "inbox" / "bzs_hh_20260531.csv") if r["id_number"] == "372422194002012018"]
    assert as_date(bzs[0]["death_date"]) == dt.date(2026, 1, 20) + dt.timedelta(days=shift)
    assert {t["night"] for t in truth(tmp_path, "findings.csv")} == {"2026-06-01"}


# --- truth is real -------------------------------------------------------------------------------

def test_every_truth_fuc_child_has_fc_parents(home, register):
    rows = [t for t in truth(home, "findings.csv")
            if t["policy_code"] == "FACT_UNSUPPORTED_CHILD" and t["rule_code"] == "DISCOVER"]
    assert len(rows) >= 4 + 2
    causes = Counter()
    for t in rows:
        i = t["id_number"]
        assert age_on(i, D) < 18 and register.person[i]["status"] == "正常"
        assert register.person[i]["household_no"] == t["household_no"]
        par = register.parents(i)
        assert par, i
        assert all(register.fc(q) or register.dead(q) for q in par) and any(register.fc(q) for q in par), i
        assert not any(r["benefit_category"] in ("事实无人抚养儿童", "孤儿") for r in register.mzj.get(i, []))
        for q in par:
            causes.update(k for k, s in (("SEV", register.sev), ("JAIL", register.jail), ("ILL", register.ill)) if q in s)
            causes.update(["DEAD"] if register.dead(q) else [])
        causes.update(["grandchild"] if register.person[i]["relation_to_head"] in ("孙子", "孙女") else [])
    assert set(causes) >= {"SEV", "JAIL", "ILL", "DEAD", "grandchild"}


def test_background_minors_entitled_to_fuc_or_orphan_are_paid(home, register):
    planted = {t["id_number"] for t in truth(home, "findings.csv")
               if t["policy_code"] in ("FACT_UNSUPPORTED_CHILD", "ORPHAN")}
    entitled = [i for i in register.person if register.fuc_or_orphan_eligible(i)]
    assert entitled
    for i in entitled:
        if i in planted:
            continue
        cats = {r["benefit_category"] for r in register.mzj.get(i, [])}
        assert cats & {"事实无人抚养儿童", "孤儿"}, i
    # ... and nobody is paid either without being entitled.
    for i, rs in register.mzj.items():
        if any(r["benefit_category"] in ("事实无人抚养儿童", "孤儿") for r in rs) and i not in planted:
            assert register.fuc_or_orphan_eligible(i), i


def test_the_dead_are_paid_only_in_planted_cases(home, register):
    rsj = rows_by_id(home, "rsj_jy")
    expected = {(t["id_number"], t["policy_code"]) for t in truth(home, "findings.csv")
                if t["rule_code"] == "R_DECEASED_PAID" and t["night"] == D.isoformat()}
    policy = {"城市低保": "DB_URBAN", "农村低保": "DB_RURAL", "城市特困": "TK_URBAN", "农村特困": "TK_RURAL",
              "高龄津贴": "HIGH_AGE", "重度残疾人护理补贴": "DIS_NURSING", "困难残疾人生活补贴": "DIS_LIVING",
              "经济困难老年人补贴": "ELDER_ECON", "低保边缘家庭": "DB_EDGE", "老年人生活护理救助": "ELDER_CARE"}
    found = set()
    for i in set(register.person) | register.bzs:
        if not register.dead(i):
            continue
        found |= {(i, policy[r["benefit_category"]]) for r in register.mzj.get(i, [])}
        if any(r["public_job"] == "是" for r in rsj.get(i, [])):
            found.add((i, "PUBLIC_JOB"))
    assert found == expected
    kinds = {t["note"] for t in truth(home, "findings.csv") if t["rule_code"] == "R_DECEASED_PAID"}
    assert any("注销" in k for k in kinds) and any("公益性岗位" in k for k in kinds) and any("two benefits" in k for k in kinds)


def test_old_people_get_the_high_age_allowance_of_their_band(home, register):
    planted = {t["id_number"] for t in truth(home, "findings.csv") if t["policy_code"] == "HIGH_AGE"}
    assert planted
    for i, p in register.person.items():
        age = age_on(i, D)
        if i in planted:
            continue
        if age < 80 or p["status"] != "正常" or register.dead(i) or i in register.jail:
            continue
        band = 500.0 if age >= 100 else 200.0 if age >= 90 else 100.0
        paid = [r for r in register.mzj.get(i, []) if r["benefit_category"] == "高龄津贴"]
        assert paid and amount(paid[0]["monthly_amount"]) == band, (i, age, paid)


def test_no_paid_household_keeps_a_car_unless_planted(home, register):
    planted = {t["household_no"] for t in truth(home, "findings.csv") if t["rule_code"] == "R_DB_VEHICLE"}
    assert planted
    paid = set()
    for i, rows in register.mzj.items():
        if any(r["benefit_category"] in ("城市低保", "农村低保", "城市特困", "农村特困", "低保边缘家庭") for r in rows):
            if i in register.person:
                paid.add(register.person[i]["household_no"])
    for i, rows in rows_by_id(home, "cgs_cl").items():
        p = register.person.get(i)
        if p is None or p["household_no"] not in paid:
            continue
        if any(r["status"] == "正常" and r["vehicle_type"] not in ("三轮汽车", "低速货车", "摩托车") for r in rows):
            assert p["household_no"] in planted, i
    assert paid & planted == planted


# --- quirks, as recorded ----------------------------------------------------------------------------

def _cell(home: Path, file: str, row: int, column: str):
    folder = home / "inbox" if (home / "inbox" / file).exists() else next((home / "drops").glob(f"*/{file}")).parent
    path = folder / file
    code = file.rsplit("_", 1)[0]
    contract = CONTRACTS[code]
    header, body, first = read_raw(path)
    if not column:
        return header, body, first, None
    col = next(c for c in contract.columns if c.header == column)
    idx = next(i for i, h in enumerate(header) if h == column or h in col.aliases)
    return header, body, first, body[row - first][idx]


CHECKS = {
    "id_spaces": lambda v: isinstance(v, str) and " " in v and normalise_id(v),
    "id_fullwidth": lambda v: isinstance(v, str) and re.search("[０-９]", v) and normalise_id(v),
    "id_lowercase_x": lambda v: isinstance(v, str) and v.endswith("x") and normalise_id(v),
    "id_leading_apostrophe": lambda v: isinstance(v, str) and v.startswith("'") and normalise_id(v),
    "id_legacy_15": lambda v: isinstance(v, str) and re.fullmatch(r"\d{15}", v) and normalise_id(v),
    "id_mangled_by_excel": lambda v: isinstance(v, float) or re.fullmatch(r"\d\.\d+E\+17|\d{15}000", str(v)),
    "wrong_check_digit": lambda v: re.fullmatch(r"\d{17}[\dX]", v) and ric.calc_check_digit(v) != v[-1],
    "date_form": lambda v: as_date(v) is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v)),
    "date_excel_serial": lambda v: re.fullmatch(r"\d{4,5}(\.0)?", str(v)),  # 4 digits before 1927-05-18
    "yearmonth_form": lambda v: re.fullmatch(r"\d{6}|\d{4}/\d{1,2}|\d{4}年\d{1,2}月", str(v)),
    "amount_format": lambda v: re.search("[,元￥]", str(v)),
    "missing_token": lambda v: v in ("无", "/", "-", "NULL"),
    "household_no_as_number": lambda v: isinstance(v, float) and len(str(int(v))) < 10,
    "name_variant": lambda v: isinstance(v, str) and 2 <= len(v) <= 4,
    "missing": lambda v: v == "",
    "birth_date_conflict": lambda v: as_date(v) is not None,
}
UNUSABLE = ("id_mangled_by_excel", "wrong_check_digit", "missing")


def test_defects_point_at_real_cells(home):
    defects = truth(home, "defects.csv")
    seen = Counter(d["kind"] for d in defects)
    for kind in ("id_spaces", "id_fullwidth", "id_leading_apostrophe", "id_legacy_15", "id_mangled_by_excel",
                 "wrong_check_digit", "date_form", "date_excel_serial", "amount_format", "missing_token",
                 "duplicate_row", "duplicate_row_differing", "header_renamed", "title_row", "footer_row",
                 "missing", "name_variant", "birth_date_conflict"):
        assert seen[kind], kind
    cache = {}
    for d in defects:
        file, row, column, kind = d["file"], int(d["row"]), d["column"], d["kind"]
        if kind in ("header_renamed", "title_row", "footer_row", "repeated_record"):
            continue
        key = (file, column)
        if key not in cache:
            cache[key] = _cell(home, file, 0, "")[:3]
        header, body, first = cache[key]
        code = file.rsplit("_", 1)[0]
        if kind in ("duplicate_row", "duplicate_row_differing"):
            here, above = body[row - first], body[row - first - 1]
            if kind == "duplicate_row":
                assert here == above, (file, row)
            else:
                differ = [header[i] for i in range(len(here)) if here[i] != above[i]]
                assert differ == [column], (file, row, differ)
            continue
        contract = CONTRACTS[code]
        col = next(c for c in contract.columns if c.header == column)
        idx = next(i for i, h in enumerate(header) if h == column or h in col.aliases)
        value = body[row - first][idx]
        assert CHECKS[kind](value), (file, row, column, kind, value)
        if kind == "birth_date_conflict":
            id_col = CONTRACTS["gaj_hjrk"].column("id_number")
            at = next(k for k, h in enumerate(header) if h == id_col.header or h in id_col.aliases)
            i = normalise_id(body[row - first][at])
            assert i and as_date(value) != dt.date(int(i[6:10]), int(i[10:12]), int(i[12:14])), (row, i, value)
            assert as_date(value) <= D - dt.timedelta(days=1)


def test_check_digits_valid_except_recorded_defects(home):
    bad = {(d["file"], int(d["row"])) for d in truth(home, "defects.csv") if d["kind"] in UNUSABLE}
    recoverable = {(d["file"], int(d["row"])) for d in truth(home, "defects.csv") if d["kind"].startswith("id_")}
    checked = 0
    for path in sorted((home / "inbox").glob("*_*.*")) + sorted((home / "drops").glob("*/*.*")):
        kinds = {t["file"]: t["kind"] for t in truth(home, "deliveries.csv")}
        if kinds.get(path.name, "normal").startswith("wrong"):
            continue
        code = path.name.rsplit("_", 1)[0]
        name = next(c.name for c in CONTRACTS[code].columns if c.type == "id_number")
        for r in read_source(path):
            v = r[name]
            key = (path.name, r["_row"])
            if key in bad:
                assert normalise_id(v if isinstance(v, str) else str(v)) is None
                continue
            if key not in recoverable:
                assert isinstance(v, str) and re.fullmatch(r"\d{17}[\dX]", v), (key, v)
                assert ric.calc_check_digit(v) == v[-1], (key, v)
            assert normalise_id(v), (key, v)
            checked += 1
    assert checked > PEOPLE


def test_unrecoverable_ids_well_under_five_percent_per_file(home):
    per_file = Counter(d["file"] for d in truth(home, "defects.csv") if d["kind"] in UNUSABLE)
    assert per_file
    for file, n in per_file.items():
        folder = home / "inbox" if (home / "inbox" / file).exists() else next((home / "drops").glob(f"*/{file}")).parent
        _, body, _ = read_raw(folder / file)
        assert n / len(body) <= 0.025, (file, n, len(body))


def test_unrecoverable_ids_only_on_inert_people(home, register):
    """An unrecoverable ID never sits on a row of someone who is disabled,
    ill, jailed, dead, paid, planted, or a parent of a minor. Whose row it is
    is told by the name and the digits the damage left."""
    bad = [d for d in truth(home, "defects.csv") if d["kind"] in UNUSABLE]
    assert bad
    planted = {t["id_number"] for t in truth(home, "findings.csv")}
    parents = set()
    for i in register.person:
        if age_on(i, D) < 18:
            parents |= set(register.parents(i) or [])
    by_name = defaultdict(set)
    for i, p in register.person.items():
        by_name[p["name"]].add(i)
    for rs in (rows_by_id(home, c) for c in SOURCE_ORDER if c != "gaj_hjrk"):
        for i, rows in rs.items():
            for r in rows:
                if isinstance(r.get("name"), str):
                    by_name[r["name"]].add(i)

    def inert(i):
        return (i not in planted and i not in parents and not register.dead(i) and i not in register.sev
                and i not in register.ill and i not in register.jail and not register.mzj.get(i))

    for d in bad:
        path = home / "inbox" / d["file"]
        path = path if path.exists() else next((home / "drops").glob(f"*/{d['file']}"))
        header, body, first = read_raw(path)
        code = d["file"].rsplit("_", 1)[0]
        row = dict(zip(header, body[int(d["row"]) - first]))
        col = next(c for c in CONTRACTS[code].columns if c.header == d["column"])
        raw = next(v for h, v in row.items() if h == col.header or h in col.aliases)
        if isinstance(raw, float):
            known = f"{raw:.0f}"[:15]
        elif "E+" in str(raw):
            known = str(raw).replace(".", "")[:6]
        elif d["kind"] == "wrong_check_digit":
            known = raw[:14]
        else:
            known = raw[:15]
        names = {row.get(c.header) for c in CONTRACTS[code].columns if c.pii == "name"}
        whose = {i for n in names if n for i in by_name.get(n, ()) if i.startswith(known)}
        if not whose:
            continue  # nobody of that name and number in any file: an owner from elsewhere
        if len(known) >= 14:
            assert all(inert(i) for i in whose), (d, whose)
        else:
            assert any(inert(i) for i in whose), (d, whose)


# --- population ------------------------------------------------------------------------------

def test_population_is_plausible(home):
    gaj = read_source(inbox(home, "gaj_hjrk"))
    ids = [normalise_id(r["id_number"]) for r in gaj]
    clean = [(i, r) for i, r in zip(ids, gaj) if i]
    unique = {i: r for i, r in clean}
    conflicting = {(d["file"], int(d["row"])) for d in truth(home, "defects.csv") if d["kind"] == "birth_date_conflict"}
    file = inbox(home, "gaj_hjrk").name
    assert len(unique) >= PEOPLE * 0.97
    households = defaultdict(list)
    for i, r in unique.items():
        households[r["household_no"]].append((i, r))
        assert r["sex"] == ("男" if int(i[16]) % 2 else "女")
        assert i[14:17] != "000" and not i.endswith("000")
        if (file, r["_row"]) not in conflicting:
            assert as_date(r["birth_date"]) in (None, dt.date(int(i[6:10]), int(i[10:12]), int(i[12:14])))
        assert re.fullmatch(r"\d{10}", r["household_no"]) or r["household_no"].isdigit()
        assert r["address"].startswith("平原县") or r["address"] in ("无", "/", "-", "NULL", "")
        assert re.fullmatch(r"1\d{10}", r["phone"]) or r["phone"] in ("无", "/", "-", "NULL", "")
    size = len(unique) / len(households)
    assert 2.3 <= size <= 2.9, size
    assert sum(r["household_no"].startswith("0") for r in unique.values()) > 0.5 * len(unique)
    prefixes = Counter(i[:6] for i in unique)
    assert prefixes["372422"] + prefixes["371426"] > 0.9 * len(unique)
    old = [i for i in unique if i[6:10] < "1994"]
    assert sum(i.startswith("372422") for i in old) > 0.8 * len(old)
    assert Counter(r["ethnicity"] for r in unique.values()).most_common(1)[0][0] == "汉族"
    statuses = Counter(r["status"] for r in unique.values())
    assert statuses["正常"] > 0.9 * len(unique) and statuses["死亡"] and statuses["迁出"] and statuses["注销"]
    # Parents are 20-45 years older than the children of the head.
    for hh in households.values():
        rel = {r["relation_to_head"]: i for i, r in hh}
        if "户主" in rel and "配偶" in rel:
            mother = rel["户主"] if int(rel["户主"][16]) % 2 == 0 else rel["配偶"]
            for i, r in hh:
                if r["relation_to_head"] in ("子", "女"):
                    gap = int(i[6:10]) - int(mother[6:10])
                    assert 18 <= gap <= 46, (mother, i)


def test_sources_agree_with_the_register(home, register):
    """Students are of school age; pensions go to the old; certificates to people."""
    for r in read_source(inbox(home, "jtj_xs")):
        i = normalise_id(r["id_number"])
        if i:
            age = age_on(i, D)
            lo, hi = {"学前": (2, 6), "小学": (5, 13), "初中": (11, 16), "高中": (14, 19), "中职": (14, 19),
                      "高校": (17, 23)}[r["school_level"]]
            assert lo <= age <= hi, (r["school_level"], age)
    for r in read_source(inbox(home, "rsj_jy")):
        i = normalise_id(r["id_number"])
        if i and r["monthly_pension"] not in ("", "无", "/", "-", "NULL"):
            assert age_on(i, D) >= 50
    clh_ids = set(rows_by_id(home, "clh_cjr"))
    assert 0.03 < len(clh_ids) / PEOPLE < 0.09
    assert len(clh_ids - set(register.person)) == 0


def test_quirk_rate_zero_gives_clean_files(tmp_path):
    generate(tmp_path, people=400, date=D, seed=5, nights=0, quirk_rate=0.0)
    kinds = {d["kind"] for d in truth(tmp_path, "defects.csv")}
    assert kinds <= {"title_row", "footer_row"}
    for path in sorted((tmp_path / "inbox").glob("*_*.*")):
        code = path.name.rsplit("_", 1)[0]
        name = next(c.name for c in CONTRACTS[code].columns if c.type == "id_number")
        for r in read_source(path):
            assert re.fullmatch(r"\d{17}[\dX]", r[name]) and ric.calc_check_digit(r[name]) == r[name][-1]


# --- the register's truth: people, households, links, conflicts ----------------------------

PEOPLE_SOURCES = ("gaj_hjrk", "mzj_jzdx", "clh_cjr", "ybj_js", "wjw_mb", "rsj_jy", "jtj_xs", "zjj_zf", "xczx_jc",
                  "sfj_jz", "tyjr_yf", "zgh_knzg", "yjj_sz", "bzs_hh",
                  "bdc_dj", "cgs_cl", "scjg_zt", "swj_sr", "gjj_jc", "fy_sxr")  # every source adds people
REGISTER_HEADERS = {
    "people.csv": "id_number,household_no,in_household_register,life_status",
    "households.csv": "household_no,size",
    "links.csv": "file,row,column,kind,id_number,expected",
    "conflicts.csv": "id_number,kind,file,row,column",
}


def valid_id(i: str) -> bool:
    """18 characters, a real birth date, the right check digit (region codes
    of other provinces may be retired ones, so not looked up)."""
    if not re.fullmatch(r"\d{17}[\dX]", i) or ric.calc_check_digit(i) != i[-1]:
        return False
    try:
        return dt.date(int(i[6:10]), int(i[10:12]), int(i[12:14])) < D
    except ValueError:
        return False


def hh_text(v) -> str:
    """户号 as text: an xlsx number cell gets its leading zeros back."""
    return f"{int(v):010d}" if isinstance(v, (int, float)) else str(v)


class FirstNight:
    """The first night's files read back: each row with its normalised ID, or,
    where the ID cell is unusable, the person links.csv says it is."""

    def __init__(self, home: Path):
        self.links = {(t["file"], int(t["row"])): t for t in truth(home, "links.csv")}
        self.rows = {}
        for code in SOURCE_ORDER:
            path = inbox(home, code)
            out = []
            for r in read_source(path):
                r["_id"] = normalise_id(r["id_number"]) if isinstance(r["id_number"], str) else None
                r["_link"] = self.links.get((path.name, r["_row"]))
                r["_file"] = path.name
                out.append(r)
            self.rows[code] = out

    def usable(self, code: str):
        return [r for r in self.rows[code] if r["_id"]]

    def used(self, code: str):
        """Rows a perfect pipeline reads with their person: usable or linked."""
        for r in self.rows[code]:
            if r["_id"]:
                yield r["_id"], r
            elif r["_link"] and r["_link"]["expected"] == "link":
                yield r["_link"]["id_number"], r


@pytest.fixture(scope="module")
def night1(home) -> FirstNight:
    return FirstNight(home)


def first_night_defects(home: Path) -> list[dict]:
    first = {t["file"] for t in truth(home, "deliveries.csv") if t["night"] == D.isoformat()}
    return [d for d in truth(home, "defects.csv") if d["file"] in first]


def test_register_truth_files_with_their_headers(home):
    for name, header in REGISTER_HEADERS.items():
        text = (home / "truth" / name).read_text(encoding="utf-8")
        assert text.splitlines()[0] == header, name
    people = truth(home, "people.csv")
    ids = [p["id_number"] for p in people]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert all(valid_id(i) for i in ids)
    assert {p["in_household_register"] for p in people} <= {"true", "false"}
    assert {p["life_status"] for p in people} <= {"deceased", "not_in_register", "moved_out", "cancelled",
                                                   "incarcerated", "alive"}
    for p in people:
        if p["in_household_register"] == "true":
            assert re.fullmatch(r"\d{10}", p["household_no"]) and p["life_status"] != "not_in_register"
        else:
            assert p["household_no"] == "" and p["life_status"] in ("not_in_register", "deceased")
    households = truth(home, "households.csv")
    numbers = [h["household_no"] for h in households]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
    assert all(re.fullmatch(r"\d{10}", h) for h in numbers) and all(int(h["size"]) >= 0 for h in households)


def test_people_are_the_ids_the_register_can_read(home, night1):
    usable = {r["_id"] for code in PEOPLE_SOURCES for r in night1.usable(code)}
    people = {p["id_number"]: p for p in truth(home, "people.csv")}
    assert set(people) == usable
    assert len(people) >= PEOPLE * 0.97
    gaj = {}
    for i, r in night1.used("gaj_hjrk"):
        gaj.setdefault(i, r)
    linked_only = {i for i, r in night1.used("gaj_hjrk") if not r["_id"]} - {r["_id"] for r in night1.usable("gaj_hjrk")}
    assert all(i in usable for i in linked_only)
    dead = {i for i, _ in night1.used("bzs_hh")}
    jail = set()
    for i, r in night1.used("sfj_jz"):
        start, end = as_date(r["start_date"]), as_date(r["end_date"])
        if r["correction_type"] == "服刑" and start <= D and (end is None or end > D):
            jail.add(i)
    for i, p in people.items():
        g = gaj.get(i)
        assert p["in_household_register"] == ("true" if g else "false"), i
        assert p["household_no"] == (hh_text(g["household_no"]) if g else "")
        status = g["status"] if g else None
        expected = ("deceased" if i in dead or status == "死亡" else "not_in_register" if g is None
                    else "moved_out" if status == "迁出" else "cancelled" if status == "注销"
                    else "incarcerated" if i in jail else "alive")
        assert p["life_status"] == expected, (i, p, status)
    assert Counter(p["life_status"] for p in people.values()).keys() >= {"alive", "deceased", "moved_out"}


def test_households_are_the_snapshots_and_count_n(home, night1):
    people = {p["id_number"]: p for p in truth(home, "people.csv")}
    dead = {i for i, p in people.items() if p["life_status"] == "deceased"}
    jail = {i for i, p in people.items() if p["life_status"] == "incarcerated"}
    members = defaultdict(set)
    numbers = set()
    for r in night1.rows["gaj_hjrk"]:
        h = hh_text(r["household_no"])
        numbers.add(h)
        who = r["_id"] or (r["_link"]["id_number"] if r["_link"] else None)
        assert who, r["_row"]
        if r["status"] == "正常" and who not in dead and who not in jail:
            members[h].add(who)
    sizes = {h["household_no"]: int(h["size"]) for h in truth(home, "households.csv")}
    assert set(sizes) == numbers
    assert sizes == {h: len(members[h]) for h in numbers}
    assert 2.0 <= sum(sizes.values()) / len(sizes) <= 2.9


def test_links_are_the_unusable_id_cells(home):
    unusable = {(d["file"], int(d["row"]), d["column"], d["kind"]) for d in first_night_defects(home)
                if d["kind"] in UNUSABLE}
    links = truth(home, "links.csv")
    assert {(t["file"], int(t["row"]), t["column"], t["kind"]) for t in links} == unusable
    assert len(links) == len(unusable)
    assert {t["kind"] for t in links} == set(UNUSABLE)
    outcome = Counter(t["expected"] for t in links)
    assert outcome["link"] and outcome["review"] and set(outcome) == {"link", "review"}
    assert all(valid_id(t["id_number"]) for t in links)
    assert sorted(links, key=lambda t: (t["file"], int(t["row"]))) == links


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin
    return "".join(lazy_pinyin(name))


def test_links_expected_by_the_oracle(home, night1):
    """links.csv's expected, recomputed from the files: the candidates are the
    people of people.csv who agree with every piece of evidence left in the
    record (ID digits, name or its pinyin, 出生日期, 性别, 户号, 村居代码)."""
    people = {p["id_number"] for p in truth(home, "people.csv")}
    name, hh, village = {}, {}, {}
    for r in night1.usable("gaj_hjrk"):
        name.setdefault(r["_id"], r["name"])
        hh.setdefault(r["_id"], hh_text(r["household_no"]))
        village.setdefault(r["_id"], r["village_code"])
    for code in PEOPLE_SOURCES:
        for r in night1.usable(code):
            name.setdefault(r["_id"], r["name"])
    assert set(name) == people
    by_sound = defaultdict(set)
    for i, n in name.items():
        by_sound[_pinyin(n)].add(i)
    seen = Counter()
    for (file, row), t in night1.links.items():
        code = file.rsplit("_", 1)[0]
        r = next(x for x in night1.rows[code] if x["_row"] == row)
        raw, true = r["id_number"], t["id_number"]
        if t["kind"] == "missing":
            assert raw == ""
            form, kept = "none", ""
        elif t["kind"] == "wrong_check_digit":
            form, kept = "wrong", raw
        elif isinstance(raw, float):
            digits = f"{raw:.14e}".split("e")[0].replace(".", "")  # the 15 digits Excel keeps
            form, kept = ("p15", digits) if digits == true[:15] else ("lead", digits.rstrip("0"))
        elif "E+" in raw:
            form, kept = "lead", raw.split("E")[0].replace(".", "")
        else:
            assert raw.endswith("000")
            form, kept = "p15", raw[:15]
        assert true.startswith(kept[:14]) and r["name"] == name.get(true, r["name"])

        def agrees(i):
            if form == "wrong":
                if i[:14] != kept[:14]:
                    return False
                diff = [k for k in range(14, 17) if i[k] != kept[k]]
                if len(diff) > 1 and not (len(diff) == 2 and diff[1] == diff[0] + 1
                                          and i[diff[0]] == kept[diff[1]] and i[diff[1]] == kept[diff[0]]):
                    return False
            elif not i.startswith(kept):
                return False
            if "birth_date" in r and as_date(r["birth_date"]) != dt.date(int(i[6:10]), int(i[10:12]), int(i[12:14])):
                return False
            if "sex" in r and r["sex"] != ("男" if int(i[16]) % 2 else "女"):
                return False
            if "household_no" in r and hh.get(i, "") not in ("", hh_text(r["household_no"])):
                return False
            return "village_code" not in r or village.get(i, "") in ("", r["village_code"])

        cands = [i for i in by_sound[_pinyin(r["name"])] | {i for i, n in name.items() if n == r["name"]} if agrees(i)]
        rich = form in ("wrong", "p15") or "birth_date" in r or "household_no" in r
        expected = "link" if cands == [true] and rich else "review"
        assert t["expected"] == expected, (file, row, t, cands, form, kept)
        seen[(form, expected)] += 1
    assert seen[("none", "review")] and seen[("wrong", "link")]


def test_conflicts_are_the_planted_disagreements(home, night1):
    """conflicts.csv lists the name variants and the gaj birth dates that
    disagree with the ID, as defects.csv records them; no other row of the
    first night names a register person otherwise or dates a birth otherwise."""
    planted = {(d["file"], int(d["row"]), d["column"]): d["kind"] for d in first_night_defects(home)
               if d["kind"] in ("name_variant", "birth_date_conflict")}
    conflicts = truth(home, "conflicts.csv")
    assert {(c["file"], int(c["row"]), c["column"]): {"name": "name_variant", "birth_date": "birth_date_conflict"}[c["kind"]]
            for c in conflicts} == planted
    assert len(conflicts) == len(planted)
    kinds = Counter(c["kind"] for c in conflicts)
    assert kinds["name"] and kinds["birth_date"] >= 2
    assert conflicts == sorted(conflicts, key=lambda c: (c["id_number"], c["kind"], c["file"], int(c["row"])))
    register = {}
    for r in night1.usable("gaj_hjrk"):
        assert register.setdefault(r["_id"], r["name"]) == r["name"], r["_id"]  # one ID, one name
        birth = dt.date(int(r["_id"][6:10]), int(r["_id"][10:12]), int(r["_id"][12:14]))
        if (r["_file"], r["_row"], "出生日期") in planted:
            assert as_date(r["birth_date"]) != birth
        else:
            assert as_date(r["birth_date"]) in (None, birth), r["_row"]
    at = {(c["file"], int(c["row"])): c for c in conflicts}
    for code in SOURCE_ORDER:
        if code == "gaj_hjrk":
            continue
        for r in night1.rows[code]:
            c = at.get((r["_file"], r["_row"]))
            if c:
                assert r["_id"] == c["id_number"] and r["_id"] in register
                assert r["name"] != register[r["_id"]] and _pinyin(r["name"]) == _pinyin(register[r["_id"]])
            elif r["_id"] in register:
                assert r["name"] == register[r["_id"]], (r["_file"], r["_row"])
            elif r["_link"] and r["_link"]["id_number"] in register:
                assert r["name"] == register[r["_link"]["id_number"]]


# --- later nights ----------------------------------------------------------------------------

def test_nights_drop_late_repeat_wrong_files(home):
    rows = truth(home, "deliveries.csv")
    nights = ["2026-03-16", "2026-03-17"]
    assert sorted({r["night"] for r in rows}) == ["2026-03-15"] + nights
    first_files = {r["file"] for r in rows if r["night"] == "2026-03-15"}
    assert len(first_files) == 20 and all(r["kind"] == "normal" for r in rows if r["night"] == "2026-03-15")
    for night in nights:
        kinds = {r["file"]: r["kind"] for r in rows if r["night"] == night}
        folder = home / "drops" / night
        assert set(kinds) == {p.name for p in folder.iterdir()}
        assert "late" in kinds.values() and "repeat" in kinds.values()
        assert any(k.startswith("wrong_") for k in kinds.values())
        for file, kind in kinds.items():
            extract = file.rsplit("_", 1)[1].split(".")[0]
            if kind == "late":
                assert extract < EXTRACT
            elif kind == "repeat":
                earlier = list((home / "inbox").glob(file)) + [p for p in (home / "drops").glob(f"*/{file}") if p.parent != folder]
                assert earlier and earlier[0].read_bytes() == (folder / file).read_bytes()
            else:
                assert extract == (dt.date.fromisoformat(night) - dt.timedelta(days=1)).strftime("%Y%m%d")
        codes = {f.rsplit("_", 1)[0] for f, k in kinds.items() if k == "normal"}
        assert {"ybj_js", "bzs_hh"} <= codes
    wrong = {r["kind"] for r in rows if r["kind"].startswith("wrong_")}
    assert wrong == {"wrong_missing_column", "wrong_truncated"}
    mzj = next((home / "drops" / nights[0]).glob("mzj_jzdx_*.xlsx"))
    assert "救助类别" not in sheet_rows(mzj)[1]
    clh = next((home / "drops" / nights[1]).glob("clh_cjr_*.xlsx"))
    with pytest.raises(Exception):
        sheet_rows(clh)


def test_night_deceased_cremated_in_that_nights_drop(home):
    later = [t for t in truth(home, "findings.csv") if t["night"] > D.isoformat()]
    assert {t["night"] for t in later} == {"2026-03-16", "2026-03-17"}
    for t in later:
        assert t["rule_code"] == "R_DECEASED_PAID"
        folder = home / "drops" / t["night"]
        extract = (dt.date.fromisoformat(t["night"]) - dt.timedelta(days=1)).strftime("%Y%m%d")
        crem = {normalise_id(r["id_number"]) for r in read_source(folder / f"bzs_hh_{extract}.csv")}
        assert t["id_number"] in crem
        paid = {r["benefit_category"] for r in read_source(inbox(home, "mzj_jzdx"))
                if normalise_id(r["id_number"]) == t["id_number"]}
        assert paid


def test_deliver_moves_a_night_into_the_inbox(home, tmp_path):
    import shutil
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    expected = sorted(p.name for p in (copy / "drops" / "2026-03-16").iterdir())
    moved = deliver(copy, dt.date(2026, 3, 16))
    assert sorted(p.name for p in moved) == expected
    assert all(p.parent == copy / "inbox" and p.exists() for p in moved)
    assert not (copy / "drops" / "2026-03-16").exists()
    with pytest.raises(FileNotFoundError, match="2026-03-16"):
        deliver(copy, dt.date(2026, 3, 16))
    with pytest.raises(FileNotFoundError, match="no drop"):
        deliver(copy, dt.date(2030, 1, 1))
    (copy / "drops" / "2026-03-17" / "feedback").mkdir()
    (copy / "drops" / "2026-03-17" / "feedback" / "371426105_王杲铺镇.csv").write_text("x", encoding="utf-8")
    moved = deliver(copy, dt.date(2026, 3, 17))
    assert copy / "inbox" / "feedback" / "371426105_王杲铺镇.csv" in moved


# --- the oracle of the first night's findings (sources/generator/oracle.py) ------------------------

DISCOVERABLE = (  # policies.md §3, disc Y
    "DB_URBAN", "DB_RURAL", "DB_EDGE", "TK_URBAN", "TK_RURAL", "TEMP_EXPENSE", "TEMP_EMERGENCY", "ORPHAN",
    "FACT_UNSUPPORTED_CHILD", "CHILD_DIFFICULTY", "HIGH_AGE", "ELDER_ECON", "ELDER_CARE", "COLLEGE_NEW_DB",
    "DIS_LIVING", "DIS_NURSING", "DIS_CHILD_REHAB", "DIS_STUDENT", "MED_INPATIENT", "MED_OUTPATIENT_CHRONIC",
    "MED_CRITICAL_TILT", "MED_ILLNESS_POOR", "EDU_PRESCHOOL", "EDU_COMPULSORY", "EDU_HIGHSCHOOL", "EDU_VOC",
    "EDU_COLLEGE", "YULU", "PENSION_PREMIUM", "PUBLIC_JOB", "EMPLOY_HARD", "HOUSING_RURAL_RENO", "RENT_SUBSIDY",
    "MONITOR_AID", "UNION_POOR_WORKER", "VETERAN_HARDSHIP", "DISASTER_LIVING")
RULES = (  # policies.md §4-§6
    "R_DECEASED_PAID", "R_JAIL_PAID", "R_MOVED_PAID", "R_DB_VEHICLE", "R_DB_PROPERTY", "R_DB_BUSINESS", "R_DB_GJJ",
    "R_DB_INCOME", "R_DB_TK", "R_ORPHAN_FUC", "R_TK_DIS_LIVING", "R_EXCLUSIVE", "R_CHILD_AGED_OUT", "R_FUC_LAPSED",
    "R_DIS_CERT", "R_DEBTOR_DB", "R_AMOUNT", "W_MED_POVERTY", "W_DISASTER_HOUSE", "W_EARNER_DEATH", "W_UNEMPLOY_MON",
    "W_DROPOUT", "W_NEW_SEVERE_DIS", "Y_JOB_REFUSAL", "Y_NO_REFERRAL")
KIND_OF = {"R": "review", "W": "warning", "Y": "yellow"}


def test_oracle_knows_every_rule_of_the_manual():
    from sources.generator import oracle
    assert len(DISCOVERABLE) == 37 and set(DISCOVERABLE) == set(oracle.DISCOVERABLE)
    assert set(RULES) == set(oracle.REVIEW_RULES + oracle.WARNING_RULES + oracle.YELLOW_RULES)


def test_every_rule_has_a_first_night_finding(home):
    first = [t for t in truth(home, "findings.csv") if t["night"] == D.isoformat()]
    counts = Counter(("DISCOVER " + t["policy_code"]) if t["rule_code"] == "DISCOVER" else t["rule_code"] for t in first)
    for code in [f"DISCOVER {c}" for c in DISCOVERABLE] + list(RULES):
        print(f"{code:40s} {counts.get(code, 0):5d}")
    assert not [c for c in DISCOVERABLE if counts.get(f"DISCOVER {c}", 0) == 0]
    assert not [r for r in RULES if counts.get(r, 0) == 0]
    for t in first:
        if t["rule_code"] == "DISCOVER":
            assert t["kind"] == "discover" and t["policy_code"] in DISCOVERABLE
        else:
            assert t["kind"] == KIND_OF[t["rule_code"][0]] and t["rule_code"] in RULES
            if t["kind"] in ("warning", "yellow"):
                assert (t["policy_code"], t["amount"], t["amount_period"]) == ("", "", "")
        assert t["target"] in ("person", "household")
    keys = [(t["kind"], t["rule_code"], t["policy_code"], t["target"], t["id_number"], t["household_no"]) for t in first]
    assert len(keys) == len(set(keys))  # one item per (kind, rule, policy, target)


def test_examples_raise_exactly_what_section_7_says(home):
    gaj = {normalise_id(r["id_number"]): r for r in read_source(inbox(home, "gaj_hjrk"))}
    e_households = {gaj[i]["household_no"] for i in E_PEOPLE}
    assert len(e_households) == 7
    got = sorted((t["example"], t["kind"], t["rule_code"], t["policy_code"], t["target"], t["id_number"], t["amount"],
                  t["amount_period"]) for t in truth(home, "findings.csv")
                 if t["household_no"] in e_households or t["id_number"] in E_PEOPLE)
    assert got == sorted([
        ("E1", "discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", "person", "371426201506201039", "920", "month"),
        ("E1", "discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", "person", "371426201911081042", "920", "month"),
        ("E2", "review", "R_DECEASED_PAID", "TK_RURAL", "person", "372422194002012018", "936", "month"),
        ("E2", "review", "R_DECEASED_PAID", "HIGH_AGE", "person", "372422194002012018", "100", "month"),
        ("E3", "review", "R_DB_VEHICLE", "DB_URBAN", "person", "372422197805063015", "1200", "month"),
        ("E4", "warning", "W_MED_POVERTY", "", "person", "372422197210104017", "", ""),
        ("E5", "yellow", "Y_JOB_REFUSAL", "", "person", "372422199002145016", "", ""),
        ("E7", "discover", "DISCOVER", "ELDER_CARE", "person", "372422196208207012", "200", "month"),
    ])


def test_household_findings_name_the_head(home):
    gaj = {normalise_id(r["id_number"]): r for r in read_source(inbox(home, "gaj_hjrk"))}
    rows = [t for t in truth(home, "findings.csv") if t["target"] == "household"]
    assert {t["policy_code"] for t in rows} >= {"DB_URBAN", "DB_RURAL", "TEMP_EXPENSE", "DISASTER_LIVING"}
    for t in rows:
        p = gaj[t["id_number"]]
        assert (p["household_no"], p["relation_to_head"]) == (t["household_no"], "户主"), t


# Hand-made counties for the oracle's definitions.

class _Tiny:
    """A county of a few households written by hand: people as (household, 与户主关系, age, sex, status)."""

    def __init__(self, people, villages, facts=None, day=D):
        from sources.generator.context import Ctx
        from sources.generator.idnum import id_check_digit
        import numpy as np
        import pandas as pd
        self.ctx = Ctx(date=day, seed=0, people=100)
        ids, births = [], []
        for k, (h, rel, age, sex, status) in enumerate(people):
            b = dt.date(day.year - age - 1, 12, 1) if (day.month, day.day) < (12, 1) else dt.date(day.year - age, 12, 1)
            first17 = f"371426{b:%Y%m%d}{k % 50:02d}{1 if sex == '男' else 2}"
            ids.append(first17 + id_check_digit(first17))
            births.append(np.datetime64(b, "D"))
        self.P = pd.DataFrame({
            "pid": range(len(people)), "hid": [p[0] for p in people], "rel": [p[1] for p in people],
            "sex": [p[3] for p in people], "age": [p[2] for p in people], "id": ids,
            "birth": np.array(births, dtype="datetime64[D]"), "status": [p[4] for p in people],
            "change_date": np.array([np.datetime64(day - dt.timedelta(days=400), "D") if p[4] != "正常"
                                     else np.datetime64("NaT") for p in people], dtype="datetime64[D]"),
            "in_gaj": True, "tag": "", "locked": False})
        self.H = pd.DataFrame({"hid": range(len(villages)), "village": villages,
                               "hh_no": [f"{k:010d}" for k in range(len(villages))], "tag": ""})
        self.facts = {k: pd.DataFrame(v) for k, v in (facts or {}).items()}
        for df in self.facts.values():
            for col in df.columns:
                if col.endswith("_date") or col.endswith("_month"):
                    df[col] = pd.to_datetime(df[col]).to_numpy().astype("datetime64[D]")


RURAL, URBAN = "371426105213", "371426001012"


def _facts(county):
    from sources.generator.oracle import Facts
    return Facts(county)


def test_oracle_parents_of_a_child():
    c = _Tiny([(0, "户主", 40, "男", "正常"), (0, "配偶", 38, "女", "死亡"), (0, "长子", 10, "男", "正常"),
               (1, "户主", 70, "男", "正常"), (1, "子", 40, "男", "迁出"), (1, "儿媳", 38, "女", "正常"),
               (1, "孙女", 8, "女", "正常"),
               (2, "户主", 70, "男", "正常"), (2, "子", 40, "男", "正常"), (2, "女", 36, "女", "正常"),
               (2, "儿媳", 38, "女", "正常"), (2, "孙子", 8, "男", "正常"),
               (3, "户主", 35, "女", "正常"), (3, "女", 9, "女", "正常")],
              [RURAL, RURAL, RURAL, RURAL])
    F = _facts(c)
    assert (F.p1[2], F.p2[2]) == (0, 1)          # rows of any status: the dead mother counts
    assert (F.p1[6], F.p2[6]) == (4, 5)          # grandchild: the only 子女 row (moved out) + the only 儿媳
    assert (F.p1[11], F.p2[11]) == (-1, -1)      # two 子女 rows: not resolved ([HV])
    assert (F.p1[13], F.p2[13]) == (-1, -1)      # one parent found: not resolved
    assert F.spouse[0] == 1 and F.spouse[1] == 0 and F.spouse[2] == -1


def test_oracle_n_leaves_out_jail_and_the_dead():
    c = _Tiny([(0, "户主", 40, "男", "正常"), (0, "配偶", 38, "女", "正常"), (0, "子", 10, "男", "正常"),
               (1, "户主", 66, "女", "正常"), (1, "子", 40, "男", "正常"), (1, "女", 35, "女", "死亡")],
              [RURAL, RURAL],
              {"sfj_jz": {"pid": [0, 4, 2], "correction_type": ["服刑", "服刑", "社区矫正"],
                          "start_date": ["2025-01-01", "2024-01-01", "2025-06-01"],
                          "end_date": [None, "2027-01-01", None]},
               "rsj_jy": {"pid": [3], "employment_status": ["未就业"], "unemployment_date": [None],
                          "pension_type": ["城乡居民"], "monthly_pension": [150.0], "public_job": ["否"],
                          "referrals": [0], "refusals": [0]}})
    F = _facts(c)
    assert list(F.h_members) == [3, 2] and list(F.h_n) == [2, 1]
    assert F.jail[0] and F.jail[4] and not F.jail[2]
    # The mother whose only co-resident is in prison lives alone: 特困 if poor (policies.md §2, last clarification).
    from sources.generator.oracle import evaluate
    found = evaluate(c)
    assert {(r.rule_code, r.policy_code, r.pid) for r in found.itertuples()} >= {("DISCOVER", "TK_RURAL", 3)}


def test_oracle_pci_apci_from_latest_tax_year_pensions_and_bills():
    c = _Tiny([(0, "户主", 50, "男", "正常"), (0, "配偶", 62, "女", "正常"), (0, "子", 20, "男", "正常")],
              [URBAN],
              {"swj_sr": {"pid": [0, 0, 2], "tax_year": [2025, 2024, 2024], "income": [24000.0, 90000.0, 50000.0]},
               "rsj_jy": {"pid": [1], "employment_status": ["未就业"], "unemployment_date": [None],
                          "pension_type": ["城乡居民"], "monthly_pension": [200.0], "public_job": ["否"],
                          "referrals": [0], "refusals": [0]},
               "tyjr_yf": {"pid": [0], "monthly_allowance": [100.0]},
               "ybj_js": {"pid": [1, 1, 1], "visit_type": ["住院", "门诊", "住院"],
                          "admission_date": ["2025-10-01", "2026-02-01", "2025-01-01"],
                          "discharge_date": ["2025-10-10", None, "2025-03-10"],
                          "critical_insurance_paid": [0.0, 0.0, 0.0], "medical_aid_paid": [0.0, 0.0, 0.0],
                          "out_of_pocket": [6000.0, 300.0, 9000.0], "is_critical_illness": ["否", "否", "否"]}})
    F = _facts(c)
    inc = 24000 + 12 * 200 + 12 * 100          # only the latest 所属年度 (2025) counts
    assert F.h_inc[0] == inc
    assert F.oop[1] == 6300.0                 # 2025-03-10 is outside (D - 365, D]
    assert F.h_pci[0] == pytest.approx(inc / 12 / 3)
    assert F.h_apci[0] == pytest.approx((inc - 6300) / 12 / 3)


def test_oracle_asset_ok_clauses():
    people = [(h, "户主", 45, "男", "正常") for h in range(7)]
    last = "2026-02-01"
    c = _Tiny(people, [URBAN] * 7, {
        "cgs_cl": {"pid": [0, 1, 1], "vehicle_type": ["摩托车", "小型轿车", "三轮汽车"], "status": ["正常", "报废", "正常"]},
        "bdc_dj": {"pid": [2, 2, 3, 4], "usage": ["住宅", "住宅", "商业", "住宅"]},
        "scjg_zt": {"pid": [5, 4], "registration_status": ["存续", "注销"], "registered_capital_wan": [10.0, 500.0]},
        "gjj_jc": {"pid": [6, 0], "fund_status": ["正常", "正常"], "contribution_base": [1801.0, 1801.0],
                   "last_paid_month": [last, "2025-06-01"]},
    })
    F = _facts(c)
    # 0: exempt motorcycle, lapsed fund; 1: scrapped car; 4: one home, a cancelled firm.
    assert list(F.h_asset_ok) == [True, True, False, False, True, False, False]


def test_oracle_mark_and_hard():
    from sources.generator.oracle import evaluate
    emp = {"pid": [0, 2, 4], "employment_status": ["就业", "未就业", "灵活就业"], "unemployment_date": [None] * 3,
           "pension_type": ["城乡居民"] * 3, "monthly_pension": [float("nan")] * 3, "public_job": ["否"] * 3,
           "referrals": [1] * 3, "refusals": [0] * 3}
    c = _Tiny([(0, "户主", 40, "男", "正常"), (0, "配偶", 38, "女", "正常"),     # an earner: no MARK
               (1, "户主", 40, "男", "正常"), (1, "子", 9, "男", "正常"),        # nobody of working age earns
               (2, "户主", 40, "男", "正常"), (2, "配偶", 38, "女", "正常"),     # earner, but the wife SEV
               (3, "户主", 70, "男", "正常"),                                   # nobody of working age, 脱贫户
               (4, "户主", 70, "男", "正常")],                                  # old, nothing: no MARK
              [RURAL] * 5,
              {"rsj_jy": emp,
               "clh_cjr": {"pid": [5], "disability_type": ["肢体"], "disability_grade": ["二级"],
                           "issue_date": ["2015-01-01"], "cert_status": ["有效"]},
               "xczx_jc": {"pid": [6], "household_type": ["脱贫户"], "risk_cleared": ["是"]},
               "swj_sr": {"pid": [0, 4, 7], "tax_year": [2025] * 3, "income": [30000.0, 20000.0, 30000.0]}})
    F = _facts(c)
    assert list(F.h_mark) == [False, True, True, True, False] and list(F.h_mon) == [False, False, False, True, False]
    found = evaluate(c)
    got = {(r.rule_code, r.policy_code, r.pid) for r in found.itertuples()}
    # Household 1 is eligible for 低保 (PCI 0, MARK): HARD, so its boy of nine with no school row is a dropout.
    assert ("DISCOVER", "DB_RURAL", 2) in got and ("W_DROPOUT", "", 3) in got
    # Household 2: PCI 833 within the edge band and MARK: DB_EDGE, HARD, DIS_LIVING for the wife (SEV).
    assert ("DISCOVER", "DB_EDGE", 4) in got and ("DISCOVER", "DIS_LIVING", 5) in got
    assert not {g for g in got if g[2] in (0, 1, 7)}
