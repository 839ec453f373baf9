"""The work and housing family of rules (policies/rules/*.yaml): Y_NO_REFERRAL,
PENSION_PREMIUM, PUBLIC_JOB, EMPLOY_HARD, HOUSING_RURAL_RENO, RENT_SUBSIDY and
the information-only PUBLIC_RENTAL, MICROCREDIT, FUNERAL_BENEFIT, DIS_ASSISTIVE,
DIS_HOME_ACCESS, LEGAL_AID — each positive and negative on hand-built staging
rows (D = 2026-03-15)."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import clh, gaj, mzj, records, warehouse  # noqa: E402
from transforms.id_number import check_digit  # noqa: E402

V_RURAL, V_URBAN = "371426102201", "371426001012"


def pid(first17: str) -> str:
    return first17 + check_digit(first17)


MAN_40 = pid("37242219850601301")     # 男, 40 on D
WOMAN_45 = pid("37242219800501302")   # 女, 45
MAN_45 = pid("37242219800501303")     # 男, 45
SPOUSE = pid("37242219820301304")     # 女, 44
CHILD = pid("37142620100601305")      # 男, 15


def rsj(id_number, name, status="未就业", pension_type="城乡居民", referrals=1, refusals=0, public_job="否",
        unemployed_since=None, pension=None):
    return {"id_number": id_number, "name": name, "employment_status": status, "pension_type": pension_type,
            "public_job": public_job, "referrals": referrals, "refusals": refusals,
            "unemployment_date": unemployed_since, "monthly_pension": pension}


def found(con, where: str = "") -> list[tuple]:
    return [(r["rule_code"], r["policy_code"], r["id_number"], None if r["amount"] is None else float(r["amount"]),
             r["amount_period"], r["priority"], r["time_limit"])
            for r in records(con, f"SELECT * FROM rules.finding {where} ORDER BY rule_code, policy_code, id_number")]


def reasons(con, where: str) -> list[str]:
    return [r["reason"] for r in records(con, f"SELECT reason FROM rules.finding {where}")]


# --- Y_NO_REFERRAL ------------------------------------------------------------------

def test_no_referral_not_for_a_recipient_in_prison():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_40, "户主", V_RURAL)],
            "mzj_jzdx": [mzj("甲", MAN_40, "农村低保", 720)]}
    assert found(warehouse(rows), "WHERE rule_code = 'Y_NO_REFERRAL'") == [
        ("Y_NO_REFERRAL", None, MAN_40, None, None, 3, "20wd")]
    rows["sfj_jz"] = [{"id_number": MAN_40, "name": "甲", "correction_type": "服刑", "start_date": date(2024, 10, 8)}]
    assert found(warehouse(rows), "WHERE rule_code = 'Y_NO_REFERRAL'") == []


# --- PENSION_PREMIUM ----------------------------------------------------------------

def test_pension_premium_for_an_uninsured_dibao_member_not_once_insured_nor_a_student():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_40, "户主", V_RURAL)],
            "mzj_jzdx": [mzj("甲", MAN_40, "农村低保", 720)],
            "rsj_jy": [rsj(MAN_40, "甲", pension_type="未参保")]}
    con = warehouse(rows)
    assert found(con, "WHERE policy_code = 'PENSION_PREMIUM'") == [
        ("DISCOVER", "PENSION_PREMIUM", MAN_40, 100.0, "year", 3, "20wd")]
    (reason,) = reasons(con, "WHERE policy_code = 'PENSION_PREMIUM'")
    assert "家庭享受农村低保" in reason and "未参保" in reason and MAN_40 not in reason
    rows["rsj_jy"] = [rsj(MAN_40, "甲", pension_type="城乡居民")]
    assert found(warehouse(rows), "WHERE policy_code = 'PENSION_PREMIUM'") == []
    rows["rsj_jy"] = [rsj(MAN_40, "甲", pension_type="未参保")]
    rows["jtj_xs"] = [{"student_no": "S1", "id_number": MAN_40, "name": "甲", "school_level": "高校"}]
    assert found(warehouse(rows), "WHERE policy_code = 'PENSION_PREMIUM'") == []


def test_pension_premium_for_a_severely_disabled_person_of_a_household_not_hard():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_40, "户主", V_RURAL)],
            "swj_sr": [{"id_number": MAN_40, "name": "甲", "tax_year": 2025, "income": 60000}],
            "rsj_jy": [rsj(MAN_40, "甲", status="就业", pension_type="未参保")]}
    assert found(warehouse(rows), "WHERE policy_code = 'PENSION_PREMIUM'") == []
    rows["clh_cjr"] = [clh("甲", MAN_40, "肢体", "二级", date(2020, 1, 1))]
    assert found(warehouse(rows), "WHERE policy_code = 'PENSION_PREMIUM'") == [
        ("DISCOVER", "PENSION_PREMIUM", MAN_40, 100.0, "year", 3, "20wd")]


# --- PUBLIC_JOB -----------------------------------------------------------------------

def test_public_job_for_a_registered_unemployed_dibao_member_blocked_by_refusals_or_a_job_held():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_40, "户主", V_RURAL)],
            "mzj_jzdx": [mzj("甲", MAN_40, "农村低保", 720)],
            "rsj_jy": [rsj(MAN_40, "甲", status="失业登记", unemployed_since=date(2025, 6, 1))]}
    con = warehouse(rows)
    assert found(con, "WHERE policy_code = 'PUBLIC_JOB'") == [
        ("DISCOVER", "PUBLIC_JOB", MAN_40, 700.0, "month", 3, "20wd")]
    (reason,) = reasons(con, "WHERE policy_code = 'PUBLIC_JOB'")
    assert "2025-06-01" in reason and "农村低保" in reason
    rows["rsj_jy"] = [rsj(MAN_40, "甲", status="失业登记", referrals=5, refusals=3)]
    con = warehouse(rows)
    assert found(con, "WHERE policy_code = 'PUBLIC_JOB'") == []
    assert [f[0] for f in found(con, "WHERE kind = 'yellow'")] == ["Y_JOB_REFUSAL"]
    rows["rsj_jy"] = [rsj(MAN_40, "甲", status="失业登记", public_job="是")]
    assert found(warehouse(rows), "WHERE policy_code = 'PUBLIC_JOB'") == []
    rows["rsj_jy"] = [rsj(MAN_40, "甲", status="未就业")]
    assert found(warehouse(rows), "WHERE policy_code = 'PUBLIC_JOB'") == []


# --- EMPLOY_HARD ----------------------------------------------------------------------

def test_employ_hard_for_a_woman_of_45_not_a_man_of_45_unless_unemployed_a_year():
    rows = {"gaj_hjrk": [gaj("H9", "甲", WOMAN_45, "户主", V_RURAL)],
            "swj_sr": [{"id_number": WOMAN_45, "name": "甲", "tax_year": 2025, "income": 60000}],
            "rsj_jy": [rsj(WOMAN_45, "甲", status="失业登记", pension_type="职工",
                           unemployed_since=date(2026, 1, 10))]}
    con = warehouse(rows)
    assert found(con, "WHERE policy_code = 'EMPLOY_HARD'") == [
        ("DISCOVER", "EMPLOY_HARD", WOMAN_45, None, None, 3, "20wd")]
    assert "女性年满40周岁" in reasons(con, "WHERE policy_code = 'EMPLOY_HARD'")[0]
    rows = {"gaj_hjrk": [gaj("H9", "乙", MAN_45, "户主", V_RURAL)],
            "swj_sr": [{"id_number": MAN_45, "name": "乙", "tax_year": 2025, "income": 60000}],
            "rsj_jy": [rsj(MAN_45, "乙", status="失业登记", pension_type="职工",
                           unemployed_since=date(2026, 1, 10))]}
    assert found(warehouse(rows), "WHERE policy_code = 'EMPLOY_HARD'") == []
    rows["rsj_jy"][0]["unemployment_date"] = date(2025, 3, 15)  # D - 365 days
    con = warehouse(rows)
    assert [f[2] for f in found(con, "WHERE policy_code = 'EMPLOY_HARD'")] == [MAN_45]
    assert "失业登记已满一年" in reasons(con, "WHERE policy_code = 'EMPLOY_HARD'")[0]


# --- HOUSING_RURAL_RENO / RENT_SUBSIDY --------------------------------------------------

def zjj(id_number, name, household_no, grade=None, assessed=None, public_rental="否", rent_subsidy="否"):
    return {"id_number": id_number, "name": name, "household_no": household_no, "house_safety_grade": grade,
            "assessment_date": assessed, "public_rental": public_rental, "rent_subsidy": rent_subsidy}


def test_rural_renovation_for_a_dibao_household_in_a_d_house_by_the_latest_grade():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_45, "户主", V_RURAL)],
            "mzj_jzdx": [mzj("甲", MAN_45, "农村低保", 720)],
            "zjj_zf": [zjj(MAN_45, "甲", "H9", "D", date(2025, 10, 1))]}
    con = warehouse(rows)
    assert found(con, "WHERE policy_code = 'HOUSING_RURAL_RENO'") == [
        ("DISCOVER", "HOUSING_RURAL_RENO", MAN_45, 20000.0, "once", 1, "20wd")]
    (f,) = records(con, "SELECT * FROM rules.finding WHERE policy_code = 'HOUSING_RURAL_RENO'")
    assert f["target"] == "household" and "D级危房" in f["reason"] and "zjj_zf" in f["evidence"]
    rows["zjj_zf"].append(zjj(MAN_45, "甲", "H9", "C", date(2026, 1, 5)))  # reassessed: C
    assert found(warehouse(rows), "WHERE policy_code = 'HOUSING_RURAL_RENO'") == [
        ("DISCOVER", "HOUSING_RURAL_RENO", MAN_45, 8000.0, "once", 2, "20wd")]
    rows["zjj_zf"].append(zjj(MAN_45, "甲", "H9", "B", date(2026, 2, 5)))  # works done: B
    assert found(warehouse(rows), "WHERE policy_code = 'HOUSING_RURAL_RENO'") == []


def test_rural_renovation_not_with_two_homes_nor_in_town():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_45, "户主", V_RURAL)],
            "mzj_jzdx": [mzj("甲", MAN_45, "农村低保", 720)],
            "bdc_dj": [{"unit_no": "U1", "id_number": MAN_45, "name": "甲", "usage": "住宅"},
                       {"unit_no": "U2", "id_number": MAN_45, "name": "甲", "usage": "住宅"}],
            "zjj_zf": [zjj(MAN_45, "甲", "H9", "D", date(2025, 10, 1))]}
    assert found(warehouse(rows), "WHERE policy_code = 'HOUSING_RURAL_RENO'") == []
    del rows["bdc_dj"]
    rows["gaj_hjrk"] = [gaj("H9", "甲", MAN_45, "户主", V_URBAN)]
    rows["mzj_jzdx"] = [mzj("甲", MAN_45, "城市低保", 900)]
    assert found(warehouse(rows), "WHERE policy_code = 'HOUSING_RURAL_RENO'") == []


def test_rent_subsidy_for_an_urban_dibao_household_without_a_home_not_when_received_or_renting_public():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_45, "户主", V_URBAN)],
            "mzj_jzdx": [mzj("甲", MAN_45, "城市低保", 900)]}
    con = warehouse(rows)
    assert found(con, "WHERE policy_code = 'RENT_SUBSIDY'") == [
        ("DISCOVER", "RENT_SUBSIDY", MAN_45, 300.0, "month", 3, "20wd")]
    assert "城市低保" in reasons(con, "WHERE policy_code = 'RENT_SUBSIDY'")[0]
    for flags in ({"rent_subsidy": "是"}, {"public_rental": "是"}):
        rows["zjj_zf"] = [zjj(MAN_45, "甲", "H9", **flags)]
        assert found(warehouse(rows), "WHERE policy_code = 'RENT_SUBSIDY'") == []
    del rows["zjj_zf"]
    rows["bdc_dj"] = [{"unit_no": "U1", "id_number": MAN_45, "name": "甲", "usage": "住宅"}]
    assert found(warehouse(rows), "WHERE policy_code = 'RENT_SUBSIDY'") == []


# --- information only (discoverable N): computed, never a DISCOVER item ------------------

INFO_ONLY = ("PUBLIC_RENTAL", "MICROCREDIT", "FUNERAL_BENEFIT", "DIS_ASSISTIVE", "DIS_HOME_ACCESS", "LEGAL_AID")


def eligible(con, code: str) -> list[str]:
    key = "household_no" if code in ("PUBLIC_RENTAL", "MICROCREDIT", "DIS_HOME_ACCESS") else "id_number"
    return [r[0] for r in con.execute(f"SELECT {key} FROM rules.eligible_{code.lower()} ORDER BY 1").fetchall()]


def test_information_only_policies_are_computed_but_raise_nothing():
    from transforms.rules import load_rules

    rules = {r.code: r for r in load_rules()}
    assert all(rules[c].kind == "discover" and not rules[c].discoverable for c in INFO_ONLY)
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_45, "户主", V_URBAN), gaj("H9", "乙", SPOUSE, "配偶", V_URBAN)],
            "mzj_jzdx": [mzj("甲", MAN_45, "城市低保", 450), mzj("乙", SPOUSE, "城市低保", 450)],
            "clh_cjr": [clh("甲", MAN_45, "肢体", "一级", date(2020, 1, 1))],
            "rsj_jy": [rsj(SPOUSE, "乙", status="就业")],
            "xczx_jc": [{"household_no": "H9", "id_number": MAN_45, "household_type": "脱贫户",
                         "risk_cleared": "是"}]}
    con = warehouse(rows)
    assert eligible(con, "PUBLIC_RENTAL") == ["H9"]
    assert eligible(con, "MICROCREDIT") == ["H9"]
    assert eligible(con, "DIS_HOME_ACCESS") == ["H9"]
    assert eligible(con, "DIS_ASSISTIVE") == [MAN_45]
    assert eligible(con, "LEGAL_AID") == sorted([MAN_45, SPOUSE])
    assert found(con, f"WHERE policy_code IN {INFO_ONLY}") == []
    # RENT_SUBSIDY is still proposed: PUBLIC_RENTAL carries no amount, the subsidy outranks it
    assert [f[1] for f in found(con, "WHERE policy_code = 'RENT_SUBSIDY'")] == ["RENT_SUBSIDY"]


def test_information_only_policies_negative():
    rows = {"gaj_hjrk": [gaj("H9", "甲", MAN_45, "户主", V_URBAN)],
            "swj_sr": [{"id_number": MAN_45, "name": "甲", "tax_year": 2025, "income": 90000}],
            "rsj_jy": [rsj(MAN_45, "甲", status="就业", pension_type="职工")],
            "clh_cjr": [clh("甲", MAN_45, "智力", "二级", date(2020, 1, 1))],
            "fy_sxr": [{"id_number": MAN_45, "name": "甲", "performance": "未履行"}],
            "xczx_jc": [{"household_no": "H9", "id_number": MAN_45, "household_type": "边缘易致贫户",
                         "risk_cleared": "是"}]}
    con = warehouse(rows)
    for code in ("PUBLIC_RENTAL", "MICROCREDIT", "DIS_HOME_ACCESS", "DIS_ASSISTIVE"):
        assert eligible(con, code) == [], code
    assert eligible(con, "LEGAL_AID") == [MAN_45]  # DIS skips the economic check
    rows["xczx_jc"][0]["risk_cleared"] = "否"     # monitored now, but a defaulter
    assert eligible(warehouse(rows), "MICROCREDIT") == []
