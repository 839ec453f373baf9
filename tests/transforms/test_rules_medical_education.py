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
