"""The worklist over generated nights, through the real flow.

Night 1 (D = 2026-03-15) is the session's `first_night`. Then, with no new
delivery, night 2 four months later: what it sends out may only be caused by
the date (a window moved, an age crossed, an item gone overdue), and each
item's cause is checked by evaluating the same data as of night 1's date.
Night 3: two townships send back their worked files (an xlsx, and a CSV
saved by Excel in GBK with the 户号 zeros lost), with some bad rows. Night 4,
within 180 days: the same file comes again, and the rejected E1 children stay
away. Night 5: 残联 re-assesses the E1 mother's certificate: the rejected
findings come back, because their facts changed.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date

import duckdb
import openpyxl
import pytest

from tests.conftest import TEST_DATE, copy_home
from tests.feedback_files import work_csv_as_excel_saves_it, work_xlsx

NIGHT2 = date(2026, 7, 15)
NIGHT3 = date(2026, 7, 16)
NIGHT4 = date(2026, 12, 18)  # 155 days after the answers; due dates run into 2027
NIGHT5 = date(2026, 12, 19)
WANGGAOPU = "371426105"


def state(home) -> dict[str, dict]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        cur = con.execute("SELECT * FROM meta.worklist_state")
        cols = [d[0] for d in cur.description]
        return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def exported(home, night) -> dict[str, dict]:
    """Every worklist row sent out on `night`, by 工单编号, with its township file."""
    folder = home / "exports" / night.isoformat()
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    rows = {}
    for f in manifest["files"]:
        if f["file"].endswith(".csv") and "反馈问题" not in f["file"]:
            with (folder / f["file"]).open(encoding="utf-8-sig") as fh:
                for r in csv.DictReader(fh):
                    rows[r["工单编号"]] = dict(r, file=f["file"])
    return rows


def e1(home) -> tuple[list[str], list[str]]:
    """The E1 children's ID numbers, and their parents' (from the generator's truth)."""
    with (home / "truth" / "findings.csv").open(encoding="utf-8") as fh:
        children = [r for r in csv.DictReader(fh) if r["example"] == "E1"]
    household = children[0]["household_no"]
    with (home / "truth" / "people.csv").open(encoding="utf-8") as fh:
        members = [r["id_number"] for r in csv.DictReader(fh) if r["household_no"] == household]
    kids = sorted(r["id_number"] for r in children)
    return kids, sorted(set(members) - set(kids))


def run(home, night):
    from flows.nightly import nightly_flow

    return nightly_flow(str(home), night)


@pytest.fixture(scope="module")
def night2(first_night, tmp_path_factory):
    home = copy_home(first_night, tmp_path_factory.mktemp("wl_nights") / "home")
    shutil.rmtree(home / "drops")  # no department delivers anything until night 5
    assert not [p for p in (home / "inbox").iterdir() if p.is_file()]
    run(home, NIGHT2)
    return home


def test_night2_without_deliveries_sends_only_what_the_date_caused(night2, first_night):
    from transforms.rules import _facts_read, evaluate_on, find_rule

    before, after = state(first_night), state(night2)
    sent = exported(night2, NIGHT2)
    assert sent, "four months on, the date alone sends items out"
    reasons = {after[i]["export_reason"] for i in sent}
    assert reasons <= {"overdue", "new", "changed", "reopened"}
    by_date = [i for i in sent if after[i]["export_reason"] != "overdue"]
    assert by_date, "a window moved or an age was crossed: new or changed items"
    for item in sent:
        s = after[item]
        if s["export_reason"] == "overdue":
            # cause: its due date, fixed when night 1 dispatched it, has passed
            assert before[item]["status"] == "dispatched" and s["due_date"] == before[item]["due_date"]
            assert s["dispatched_on"] == TEST_DATE and s["due_date"] < NIGHT2
            assert sent[item]["发现依据"].startswith("【逾期】")
    # Each other item: the same data, evaluated as of night 1's date, gives night 1's findings;
    # the item's rule reads a fact whose value the date alone changed for its target.
    then = evaluate_on(night2 / "warehouse.duckdb", TEST_DATE)
    now = evaluate_on(night2 / "warehouse.duckdb", NIGHT2)
    try:
        with duckdb.connect(str(first_night / "warehouse.duckdb"), read_only=True) as con:
            night1 = {r for r in con.execute("SELECT item_id, facts_fingerprint FROM rules.finding").fetchall()}
        assert set(then.execute("SELECT item_id, facts_fingerprint FROM rules.finding").fetchall()) == night1, \
            "without deliveries, night 2's data are night 1's"
        causes = {}
        for item in by_date:
            s = after[item]
            rule = find_rule(s["policy_code"] if s["rule_code"] == "DISCOVER" else s["rule_code"])
            found_then = then.execute("SELECT facts_fingerprint FROM rules.finding WHERE item_id = ?",
                                      [item]).fetchall()
            if s["export_reason"] == "new":
                assert not found_then, f"{item} was already found on night 1's date"
            else:
                assert found_then and found_then[0][0] != s["facts_fingerprint"]
            key, table = (("household_no", "rules.v_household") if rule.target == "household"
                          else ("id_number", "rules.v_person"))
            target = s["household_no"] if rule.target == "household" else s["id_number"]
            columns = [c for c in _facts_read(now, rule) if c in
                       {r[0] for r in now.execute(f"DESCRIBE {table}").fetchall()}] if rule.over != "benefit" \
                else [r[0] for r in now.execute(f"DESCRIBE {table}").fetchall()]
            select = f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ?"
            old, new = then.execute(select, [target]).fetchall(), now.execute(select, [target]).fetchall()
            changed = [c for c, a, b in zip(columns, old[0], new[0]) if a != b] if old and new else columns
            assert changed, f"{s['rule_code']}/{s['policy_code']}: no fact of its rule moved with the date"
            causes[item] = (s["rule_code"], s["policy_code"], tuple(changed))
    finally:
        then.close()
        now.close()
    print("\ncauses of night 2's items (rule, policy, facts the date moved):")
    for rule_code, policy, changed in sorted(set(causes.values())):
        print(f"  {rule_code} {policy or ''}: {', '.join(changed)}")


@pytest.fixture(scope="module")
def night3(night2, tmp_path_factory):
    """Townships answer the files night 1 sent them."""
    home = copy_home(night2, tmp_path_factory.mktemp("wl_night3") / "home")
    (home / "inbox" / "feedback").mkdir(parents=True, exist_ok=True)
    kids, _ = e1(home)
    s = state(home)
    fuc = {s_id: i for i, s_id in ((i, v["id_number"]) for i, v in s.items()
                                   if v["policy_code"] == "FACT_UNSUPPORTED_CHILD" and v["rule_code"] == "DISCOVER")}
    answers = {fuc[kids[0]]: "不符合条件", fuc[kids[1]]: "本人拒绝"}
    night1 = home / "exports" / TEST_DATE.isoformat()
    other = next(i for i, v in s.items() if v["township_code"] not in (WANGGAOPU, "371426000")
                 and v["status"] == "dispatched" and v["rule_code"] == "DISCOVER")
    other_township = s[other]["township_code"]
    foreign = next(i for i, v in s.items() if v["township_code"] == other_township and i != other)
    unanswered = next(i for i, v in s.items() if v["township_code"] == WANGGAOPU and i not in answers)
    work_xlsx(next(night1.glob(f"{WANGGAOPU}_*.xlsx")), home / "inbox" / "feedback" / f"{WANGGAOPU}_王杲铺镇.xlsx",
              answers, extra_rows=[("WL-ZZZZZZZZ", "不符合条件"), (foreign, "已享受"), (unanswered, "同意")])
    work_csv_as_excel_saves_it(next(night1.glob(f"{other_township}_*.csv")),
                               home / "inbox" / "feedback" / f"{other_township}.csv",
                               {other: "符合条件已申请"}, verified="2026/7/10")
    shutil.copy(home / "inbox" / "feedback" / f"{WANGGAOPU}_王杲铺镇.xlsx", home.parent / "sent.xlsx")
    result = run(home, NIGHT3)
    return home, result, answers, other, other_township, foreign


def test_feedback_moves_statuses_as_written(night3):
    home, result, answers, other, other_township, foreign = night3
    s = state(home)
    assert {i: s[i]["status"] for i in answers} == {i: {"不符合条件": "not_eligible", "本人拒绝": "refused"}[w]
                                                   for i, w in answers.items()}
    assert (s[other]["status"], s[other]["status_date"]) == ("verified_eligible", date(2026, 7, 10))
    assert s[foreign]["status"] in ("dispatched", "closed_by_data"), "another township's answer is not applied"
    assert result["feedback"]["applied"] == 3 and result["feedback"]["rejected"] == 3
    assert not exported(home, NIGHT3).keys() & (set(answers) | {other})
    assert not [p for p in (home / "inbox" / "feedback").iterdir()], "applied files leave the inbox"


def test_bad_rows_are_listed_back_to_the_township_that_sent_them(night3):
    home, _, answers, other, other_township, foreign = night3
    folder = home / "exports" / NIGHT3.isoformat()
    with (folder / f"{WANGGAOPU}_反馈问题.csv").open(encoding="utf-8-sig") as fh:
        problems = {(r["工单编号"], r["问题"]) for r in csv.DictReader(fh)}
    assert ("WL-ZZZZZZZZ", "工单编号不存在") in problems
    assert (foreign, "不是本乡镇的工单") in problems
    assert any(p == "核实结果不是下拉列表中的选项" for _, p in problems)
    assert len(problems) == 3
    assert not (folder / f"{other_township}_反馈问题.csv").exists()
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert {"file": f"{WANGGAOPU}_反馈问题.csv", "rows": 3} in [
        {"file": f["file"], "rows": f["rows"]} for f in manifest["files"]]


@pytest.fixture(scope="module")
def night4(night3, tmp_path_factory):
    home = copy_home(night3[0], tmp_path_factory.mktemp("wl_night4") / "home")
    # the township sends the same workbook again, under another name
    shutil.copy(night3[0].parent / "sent.xlsx", home / "inbox" / "feedback" / "王杲铺镇反馈.xlsx")
    before = state(home)
    result = run(home, NIGHT4)
    return home, result, before


def test_the_same_file_again_changes_nothing(night4, night3):
    home, result, before = night4
    answers = night3[2]
    after = state(home)
    assert result["feedback"]["repeated_files"] == 1 and result["feedback"]["applied"] == 0
    assert {i: (after[i]["status"], after[i]["status_date"]) for i in answers} == \
        {i: (before[i]["status"], before[i]["status_date"]) for i in answers}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.feedback").fetchall()[0][0] == 3


def test_a_due_date_in_a_year_no_notice_confirms_is_a_warning_in_the_report(night4):
    home, result, _ = night4
    assert any("2027" in w for w in result["worklist"]["warnings"])
    sent = exported(home, NIGHT4)
    fresh = [r for r in sent.values() if not r["发现依据"].startswith("【逾期】")]
    assert fresh and any(r["办结时限"] >= "2027-01-01" for r in fresh)
    report = (home / "reports" / f"{NIGHT4.isoformat()}.html").read_text(encoding="utf-8")
    assert "<dt>warnings</dt>" in report and "2027" in report.split("<dt>warnings</dt>")[1].split("</dd>")[0]


def test_a_rejected_finding_does_not_return_within_180_days(night4, night3):
    home, _, _ = night4
    answers = night3[2]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        still_found = {r[0] for r in con.execute("SELECT item_id FROM rules.finding").fetchall()}
    assert set(answers) <= still_found, "the facts still support the finding..."
    assert not exported(home, NIGHT4).keys() & set(answers), "...but the answer keeps it away"
    assert {state(home)[i]["status"] for i in answers} == {"not_eligible", "refused"}


def test_a_rejected_finding_returns_once_its_facts_change(night4, night3, tmp_path_factory):
    from python_calamine import CalamineWorkbook

    home = copy_home(night4[0], tmp_path_factory.mktemp("wl_night5") / "home")
    answers = night3[2]
    _, parents = e1(home)
    mother = next(p for p in parents if int(p[16]) % 2 == 0)
    # 残联 delivers a new snapshot: the mother's certificate re-assessed from 一级 to 二级
    snapshot = sorted((home / "archive" / "clh_cjr").glob("*.xlsx"))[-1]
    table = CalamineWorkbook.from_path(str(snapshot)).get_sheet_by_index(0).to_python()
    header_at = next(i for i, r in enumerate(table) if "身份证号" in [str(c).strip() for c in r])
    id_col = [str(c).strip() for c in table[header_at]].index("身份证号")
    grade_col = [str(c).strip() for c in table[header_at]].index("残疾等级")
    hits = [r for r in table[header_at + 1:] if re.sub(r"\D", "", str(r[id_col]))[:17] == mother[:17]]
    assert len(hits) == 1 and hits[0][grade_col] == "一级"
    hits[0][grade_col] = "二级"
    wb = openpyxl.Workbook()
    for row in table:
        wb.active.append([("" if c is None else c) for c in row])
    wb.save(home / "inbox" / f"clh_cjr_{NIGHT4.strftime('%Y%m%d')}.xlsx")
    run(home, NIGHT5)
    s = state(home)
    assert set(answers) <= exported(home, NIGHT5).keys()
    assert {s[i]["export_reason"] for i in answers} == {"facts_changed_after_feedback"}
    assert {s[i]["status"] for i in answers} == {"dispatched"}
    assert all("二级" in exported(home, NIGHT5)[i]["发现依据"] for i in answers)


def test_every_exported_workbook_as_a_township_clerk_opens_it(first_night):
    """Headers of interfaces.md, masked IDs and phones, the 核实结果 drop-down, frozen header and
    filters, and a sheet per village of that township only (names from divisions.csv)."""
    from transforms.exports import HEADERS, RESULT_WORDS

    with (first_night / "reference" / "divisions.csv").open(encoding="utf-8-sig") as fh:
        divisions = list(csv.DictReader(fh))
    name_of = {d["code"]: d["name"] for d in divisions}
    villages_of: dict[str, set[str]] = {}
    for d in divisions:
        if d["code"] != d["township_code"]:
            villages_of.setdefault(d["township_code"], set()).add(d["name"])
    folder = first_night / "exports" / TEST_DATE.isoformat()
    books = sorted(folder.glob("*.xlsx"))
    assert len(books) >= 10
    rows_seen = 0
    for book in books:
        township = book.name.split("_")[0]
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            assert [c.value for c in ws[1]] == list(HEADERS), book.name
            assert ws.freeze_panes == "A2" and ws.auto_filter.ref, book.name
            lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
            assert len(lists) == 1 and lists[0].formula1 == '"' + ",".join(RESULT_WORDS) + '"'
            assert str(lists[0].sqref).startswith("T2"), book.name  # the 核实结果 column
            if township != "371426000":
                assert ws.title in villages_of[township] or ws.title == "村居未明", (book.name, ws.title)
            for row in ws.iter_rows(min_row=2, values_only=True):
                r = dict(zip(HEADERS, row))
                rows_seen += 1
                if township != "371426000":
                    assert r["乡镇街道"] == name_of[township] and r["村居"] in (ws.title, None)
                if r["身份证号"]:
                    assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", r["身份证号"]), book.name
                if r["联系电话"]:
                    assert re.fullmatch(r"\d{3}\*+\d{4}", r["联系电话"]), book.name
                assert re.fullmatch(r"WL-[A-Z2-7]{8}", r["工单编号"])
    assert rows_seen >= 50
