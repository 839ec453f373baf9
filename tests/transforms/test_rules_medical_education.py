"""The medical and education family of rules (policies/rules/MED_*, EDU_*,
COLLEGE_NEW_DB, YULU, DIS_STUDENT, DIS_CHILD_REHAB, W_DROPOUT) on hand-built
staging rows: for each, a household where it fires and a near miss where it
must not."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import clh, gaj, mzj, records, warehouse  # noqa: E402

RURAL = "371426102201"


def ident(body17: str) -> str:
    """An 18-digit ID with its check digit (GB 11643)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights)) % 11]
    return body17 + check


HEAD = ident("37242219800301101")      # 46, 户主
SPOUSE = ident("37242219820301102")    # 44, 配偶
CHILD = ident("37142620130901103")     # 12
TEEN = ident("37142620090901105")      # 16
YOUNG = ident("37142620070601107")     # 18, college fresher


def found(con, policy: str) -> list[dict]:
    return records(con, "SELECT * FROM rules.finding WHERE coalesce(policy_code, '') = ? OR rule_code = ? "
                        "ORDER BY id_number", [policy, policy])


def settlement(no, id_number, name, visit, discharged, oop, aid=0, crit_paid=0, critical="否"):
    return {"settlement_no": no, "id_number": id_number, "name": name, "visit_type": visit,
            "admission_date": discharged, "discharge_date": discharged, "out_of_pocket": oop,
            "medical_aid_paid": aid, "critical_insurance_paid": crit_paid, "is_critical_illness": critical}


def dibao_household(*extra_people, village=RURAL):
    people = [gaj("H1", "刘伟", HEAD, "户主", village)] + [gaj("H1", n, i, r, village) for n, i, r in extra_people]
    benefits = [mzj(p["name"], p["id_number"], "农村低保", 300) for p in people]
    return {"gaj_hjrk": people, "mzj_jzdx": benefits}


# --- medical ------------------------------------------------------------------------

def test_med_inpatient_rate_of_a_dibao_member_and_settlement_already_aided():
    rows = dibao_household()
    rows["ybj_js"] = [settlement("S1", HEAD, "刘伟", "住院", date(2026, 2, 20), 8000),
                      settlement("S2", HEAD, "刘伟", "住院", date(2026, 3, 1), 2000, aid=1400),
                      settlement("S3", HEAD, "刘伟", "门诊慢特病", date(2026, 3, 2), 3000)]
    con = warehouse(rows)
    [inpatient] = found(con, "MED_INPATIENT")
    assert (inpatient["id_number"], float(inpatient["amount"]), inpatient["amount_period"]) == (HEAD, 5600.0, "once")
    assert "低保家庭成员" in inpatient["reason"] and "8,000.00" in inpatient["reason"]
    assert "ybj_js" in inpatient["evidence"] and HEAD not in inpatient["evidence"]
    [outpatient] = found(con, "MED_OUTPATIENT_CHRONIC")
    assert float(outpatient["amount"]) == 2100.0 and outpatient["priority"] == 3

    rows["ybj_js"] = [settlement("S1", HEAD, "刘伟", "住院", date(2026, 2, 20), 8000, aid=5600),
                      settlement("S2", HEAD, "刘伟", "住院", date(2025, 12, 10), 8000)]  # older than 90 days
    assert found(warehouse(rows), "MED_INPATIENT") == []


def test_med_inpatient_needs_a_hard_household():
    rows = {"gaj_hjrk": [gaj("H1", "刘伟", HEAD, "户主", RURAL)],
            "swj_sr": [{"id_number": HEAD, "name": "刘伟", "tax_year": 2025, "income": 80000}],
            "rsj_jy": [{"id_number": HEAD, "name": "刘伟", "employment_status": "就业", "pension_type": "职工",
                        "public_job": "否"}],
            "ybj_js": [settlement("S1", HEAD, "刘伟", "住院", date(2026, 2, 20), 8000)]}
    assert found(warehouse(rows), "MED_INPATIENT") == []


def test_med_critical_tilt_above_the_halved_deductible_only():
    rows = dibao_household()
    rows["ybj_js"] = [settlement("S1", HEAD, "刘伟", "住院", date(2025, 10, 1), 17500, critical="是"),
                      settlement("S2", HEAD, "刘伟", "住院", date(2025, 11, 1), 7000, critical="是"),
                      settlement("S3", HEAD, "刘伟", "住院", date(2025, 12, 1), 20000, crit_paid=5000, critical="是")]
    [tilt] = found(warehouse(rows), "MED_CRITICAL_TILT")
    assert (float(tilt["amount"]), tilt["amount_period"]) == (6500.0, "once")  # (17,500 − 7,500) × 0.65
    rows["ybj_js"] = rows["ybj_js"][1:]
    assert found(warehouse(rows), "MED_CRITICAL_TILT") == []


def test_med_illness_poor_after_medical_expense_and_not_when_aided():
    people = [gaj("H1", "刘伟", HEAD, "户主", RURAL), gaj("H1", "张兰", SPOUSE, "配偶", RURAL)]
    jobs = [{"id_number": i, "name": n, "employment_status": "就业", "pension_type": "职工", "public_job": "否"}
            for n, i in (("刘伟", HEAD), ("张兰", SPOUSE))]
    rows = {"gaj_hjrk": people, "rsj_jy": jobs,
            "swj_sr": [{"id_number": HEAD, "name": "刘伟", "tax_year": 2025, "income": 36000}],
            "ybj_js": [settlement("S1", HEAD, "刘伟", "住院", date(2025, 9, 10), 32000)]}
    [poor] = found(warehouse(rows), "MED_ILLNESS_POOR")
    assert (poor["id_number"], float(poor["amount"])) == (HEAD, 16000.0)  # 0.5 × 32,000
    rows["ybj_js"][0]["medical_aid_paid"] = 100
    assert found(warehouse(rows), "MED_ILLNESS_POOR") == []


# --- education -------------------------------------------------------------------------

def student(id_number, name, level, grade=None, school=None, aid=None, enrol=None, new=None):
    return {"student_no": "X" + id_number[-6:], "id_number": id_number, "name": name, "school_level": level,
            "grade": grade, "school": school, "aid_programme": aid, "enrol_year": enrol, "is_new_student": new}


def test_school_aid_for_a_dibao_household_and_not_once_received():
    rows = dibao_household(("刘小军", CHILD, "子"), ("刘浩", TEEN, "子"), ("刘洋", YOUNG, "子"))
    rows["jtj_xs"] = [student(CHILD, "刘小军", "初中", "初一"),
                      student(TEEN, "刘浩", "中职", "三年级", "平原县职业中专"),
                      student(YOUNG, "刘洋", "高校", "大一", "德州职业技术学院", enrol=2025, new="是")]
    con = warehouse(rows)
    [compulsory] = found(con, "EDU_COMPULSORY")
    assert (compulsory["id_number"], float(compulsory["amount"]), compulsory["amount_period"]) == \
        (CHILD, 1250.0, "year")                                      # 初中, boarding rate
    assert "低保家庭" in compulsory["reason"] and CHILD not in compulsory["reason"]
    [voc] = found(con, "EDU_VOC")
    assert (voc["amount"], voc["amount_period"]) == (None, "year")  # 三年级: free tuition only
    assert [(f["id_number"], float(f["amount"]), f["amount_period"]) for f in found(con, "EDU_COLLEGE")] == \
        [(YOUNG, 1000.0, "once")]
    assert [(f["id_number"], float(f["amount"])) for f in found(con, "COLLEGE_NEW_DB")] == [(YOUNG, 5000.0)]
    assert found(con, "YULU") == []                                  # not a monitored household

    rows["jtj_xs"] = [student(CHILD, "刘小军", "初中", "初一", aid="义务教育生活补助"),
                      student(TEEN, "刘浩", "中职", "三年级", aid="国家助学金、免学费"),
                      student(YOUNG, "刘洋", "高校", "大一", aid="入学资助", enrol=2025, new="是")]
    rows["mzj_jzdx"].append(mzj("刘洋", YOUNG, "大学新生救助", 5000, start=date(2025, 9, 1)))
    con = warehouse(rows)
    assert [found(con, p) for p in ("EDU_COMPULSORY", "EDU_VOC", "EDU_COLLEGE", "COLLEGE_NEW_DB")] == [[]] * 4
    rows["mzj_jzdx"][-1]["start_month"] = date(2025, 3, 1)          # before Sept 1 of 入学年份: does not block
    assert [f["id_number"] for f in found(warehouse(rows), "COLLEGE_NEW_DB")] == [YOUNG]


def test_yulu_for_a_monitored_household_vocational_school_only():
    people = [gaj("H1", "刘伟", HEAD, "户主", RURAL), gaj("H1", "刘浩", TEEN, "子", RURAL),
              gaj("H1", "刘洋", YOUNG, "子", RURAL)]
    rows = {"gaj_hjrk": people,
            "xczx_jc": [{"household_no": "H1", "id_number": HEAD, "name": "刘伟", "household_type": "脱贫户",
                         "risk_type": "因学", "risk_cleared": "是"}],
            "jtj_xs": [student(TEEN, "刘浩", "中职", "二年级", "平原县职业中专"),
                       student(YOUNG, "刘洋", "高校", "大二", "山东大学", enrol=2024, new="否")]}
    [yulu] = found(warehouse(rows), "YULU")
    assert (yulu["id_number"], float(yulu["amount"]), yulu["amount_period"]) == (TEEN, 3000.0, "year")


def test_disabled_students_and_children_and_a_dropout_warning():
    people = [gaj("H1", "何父", HEAD, "户主", RURAL), gaj("H1", "何小明", TEEN, "子", RURAL),
              gaj("H1", "何小红", CHILD, "女", RURAL)]
    rows = {"gaj_hjrk": people,
            "swj_sr": [{"id_number": HEAD, "name": "何父", "tax_year": 2025, "income": 60000}],
            "rsj_jy": [{"id_number": HEAD, "name": "何父", "employment_status": "就业", "pension_type": "职工",
                        "public_job": "否"}],
            "clh_cjr": [clh("何小明", TEEN, "视力", "四级", date(2020, 1, 1)),
                        clh("何小红", CHILD, "听力", "四级", date(2020, 1, 1))],
            "jtj_xs": [student(TEEN, "何小明", "高中", "高一"), student(CHILD, "何小红", "小学", "五年级")]}
    con = warehouse(rows)
    assert [(f["id_number"], float(f["amount"])) for f in found(con, "DIS_STUDENT")] == [(TEEN, 1500.0)]
    assert [(f["id_number"], float(f["amount"]), f["amount_period"]) for f in found(con, "DIS_CHILD_REHAB")] == \
        [(CHILD, 20000.0, "year")]                                   # 16-year-old: over DIS_REHAB_MAX_AGE
    assert found(con, "W_DROPOUT") == []                             # not a hard household

    rows = dibao_household(("刘小军", CHILD, "子"))                   # 12, no 学籍
    [w] = found(warehouse(rows), "W_DROPOUT")
    assert (w["id_number"], w["amount"], w["priority"]) == (CHILD, None, 2) and "控辍保学" in w["reason"]
    rows["jtj_xs"] = [student(CHILD, "刘小军", "初中", aid="义务教育生活补助")]
    assert found(warehouse(rows), "W_DROPOUT") == []
