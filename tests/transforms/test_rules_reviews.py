"""The REVIEW rules of policies.md §4 (family "reviews": R_DB_PROPERTY,
R_DB_BUSINESS, R_DB_GJJ, R_DB_INCOME, R_DB_TK, R_ORPHAN_FUC, R_TK_DIS_LIVING,
R_EXCLUSIVE, R_FUC_LAPSED, R_DIS_CERT, R_DEBTOR_DB, R_AMOUNT) on hand-built
staging rows: each fires on its case and stays quiet on the near miss."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import clh, gaj, mzj, records, warehouse  # noqa: E402

V_RURAL, V_URBAN = "371426102201", "371426001012"
A, B, C = "372422197001011011", "372422197202022022", "371426201201013033"
OLD = "372422194001011015"  # 86 on D


def hits(con, rule: str) -> list[tuple]:
    return [(r["rule_code"], r["policy_code"], r["target"], r["id_number"], r["household_no"],
             None if r["amount"] is None else float(r["amount"]), r["priority"], r["time_limit"])
            for r in records(con, "SELECT * FROM rules.finding WHERE rule_code = ? ORDER BY policy_code, id_number",
                             [rule])]


def reason(con, rule: str) -> str:
    return records(con, "SELECT reason FROM rules.finding WHERE rule_code = ?", [rule])[0]["reason"]


def couple(**extra) -> dict:
    rows = {"gaj_hjrk": [gaj("H1", "甲", A, "户主", V_RURAL), gaj("H1", "乙", B, "配偶", V_RURAL)],
            "mzj_jzdx": [mzj("甲", A, "农村低保", 300), mzj("乙", B, "农村低保", 300)]}
    for k, v in extra.items():
        rows[k] = rows.get(k, []) + v
    return rows


# --- asset reviews --------------------------------------------------------------

def test_property_two_homes_in_the_household_names_each_holder():
    con = warehouse(couple(bdc_dj=[{"unit_no": "U1", "id_number": A, "usage": "住宅"},
                                   {"unit_no": "U2", "id_number": B, "usage": "住宅"}]))
    assert hits(con, "R_DB_PROPERTY") == [("R_DB_PROPERTY", "DB_RURAL", "person", A, "H1", 600.0, 2, "15wd"),
                                         ("R_DB_PROPERTY", "DB_RURAL", "person", B, "H1", 600.0, 2, "15wd")]
    assert "全户共有住宅2套" in reason(con, "R_DB_PROPERTY")
    one = warehouse(couple(bdc_dj=[{"unit_no": "U1", "id_number": A, "usage": "住宅"},
                                   {"unit_no": "U2", "id_number": B, "usage": "其他"}]))
    assert hits(one, "R_DB_PROPERTY") == []


def test_business_at_the_capital_threshold_and_below():
    firm = {"credit_code": "X1", "id_number": B, "entity_name": "平原县乙商贸有限公司", "registration_status": "存续"}
    con = warehouse(couple(scjg_zt=[{**firm, "registered_capital_wan": 10}]))
    assert hits(con, "R_DB_BUSINESS") == [("R_DB_BUSINESS", "DB_RURAL", "person", B, "H1", 600.0, 2, "15wd")]
    assert "平原县乙商贸有限公司" in reason(con, "R_DB_BUSINESS")
    assert hits(warehouse(couple(scjg_zt=[{**firm, "registered_capital_wan": 9.5}])), "R_DB_BUSINESS") == []
    assert hits(warehouse(couple(scjg_zt=[{**firm, "registered_capital_wan": 50, "registration_status": "注销"}])),
                "R_DB_BUSINESS") == []


def test_housing_fund_base_above_twice_the_standard_and_recent():
    fund = {"id_number": A, "employer": "平原县某公司", "fund_status": "正常"}
    # 2 × 720 = 1,440; paid last month
    con = warehouse(couple(gjj_jc=[{**fund, "contribution_base": 2000, "last_paid_month": date(2026, 2, 1)}]))
    assert hits(con, "R_DB_GJJ") == [("R_DB_GJJ", "DB_RURAL", "person", A, "H1", 600.0, 2, "15wd")]
    assert hits(warehouse(couple(gjj_jc=[{**fund, "contribution_base": 1400, "last_paid_month": date(2026, 2, 1)}])),
                "R_DB_GJJ") == []
    assert hits(warehouse(couple(gjj_jc=[{**fund, "contribution_base": 2000, "last_paid_month": date(2025, 10, 1)}])),
                "R_DB_GJJ") == []
    assert hits(warehouse(couple(gjj_jc=[{**fund, "contribution_base": 2000, "last_paid_month": date(2026, 2, 1),
                                          "fund_status": "封存"}])), "R_DB_GJJ") == []


# --- income ---------------------------------------------------------------------

def test_income_at_the_standard_reviews_the_household_and_new_work_tapers():
    tax = [{"id_number": A, "name": "甲", "tax_year": 2025, "income": 20000}]  # 20,000 / 12 / 2 = 833 ≥ 720
    con = warehouse(couple(swj_sr=tax))
    assert hits(con, "R_DB_INCOME") == [("R_DB_INCOME", "DB_RURAL", "household", A, "H1", 600.0, 2, "15wd")]
    assert "833.33" in reason(con, "R_DB_INCOME")
    # registered unemployed in January, working now: 渐退, routine priority
    job = [{"id_number": B, "name": "乙", "employment_status": "就业", "unemployment_date": date(2026, 1, 10),
            "pension_type": "职工", "public_job": "否"}]
    taper = warehouse(couple(swj_sr=tax, rsj_jy=job))
    assert [h[6] for h in hits(taper, "R_DB_INCOME")] == [3]
    assert "渐退6个月" in reason(taper, "R_DB_INCOME")
    low = warehouse(couple(swj_sr=[{**tax[0], "income": 17000}]))  # 708 < 720
    assert hits(low, "R_DB_INCOME") == []


def test_income_leaves_a_member_in_tk_out_of_the_household():
    # 甲 receives 农村特困 too: PCI = 乙's 9,000 / 12 / 1 = 750 ≥ 720 (with 甲 counted: 625)
    rows = couple(swj_sr=[{"id_number": B, "name": "乙", "tax_year": 2025, "income": 9000}])
    rows["mzj_jzdx"].append(mzj("甲", A, "农村特困", 936))
    assert [h[:2] for h in hits(warehouse(rows), "R_DB_INCOME")] == [("R_DB_INCOME", "DB_RURAL")]


# --- pairs received by one person -----------------------------------------------

def test_db_and_tk_stops_the_db_code_and_tk_with_dis_living_stops_dis_living():
    rows = {"gaj_hjrk": [gaj("H2", "老", OLD, "户主", V_RURAL)],
            "clh_cjr": [clh("老", OLD, "肢体", "三级", date(2015, 1, 1))],
            "mzj_jzdx": [mzj("老", OLD, "农村低保", 720), mzj("老", OLD, "农村特困", 936),
                         mzj("老", OLD, "困难残疾人生活补贴", 150)]}
    con = warehouse(rows)
    assert hits(con, "R_DB_TK") == [("R_DB_TK", "DB_RURAL", "person", OLD, "H2", 720.0, 2, "10wd")]
    assert hits(con, "R_TK_DIS_LIVING") == [("R_TK_DIS_LIVING", "DIS_LIVING", "person", OLD, "H2", 150.0, 2, "10wd")]
    rows["mzj_jzdx"] = [mzj("老", OLD, "农村特困", 936)]
    quiet = warehouse(rows)
    assert hits(quiet, "R_DB_TK") == [] and hits(quiet, "R_TK_DIS_LIVING") == []


def test_orphan_and_fuc_keeps_the_one_whose_criteria_hold():
    father, mother = "372422198503096035", "372422198712016046"
    rows = {"gaj_hjrk": [gaj("H3", "父", father, "户主", V_RURAL), gaj("H3", "母", mother, "配偶", V_RURAL),
                         gaj("H3", "孩", C, "子", V_RURAL)],
            "clh_cjr": [clh("父", father, "肢体", "一级", date(2015, 1, 1))],
            "mzj_jzdx": [mzj("孩", C, "孤儿", 1380), mzj("孩", C, "事实无人抚养儿童", 920)]}
    rows["gaj_hjrk"][1]["status"], rows["gaj_hjrk"][1]["change_date"] = "死亡", date(2022, 1, 1)
    # father alive with a 一级 certificate, mother dead: FUC holds, ORPHAN does not -> stop ORPHAN
    con = warehouse(rows)
    assert hits(con, "R_ORPHAN_FUC") == [("R_ORPHAN_FUC", "ORPHAN", "person", C, "H3", 1380.0, 2, "10wd")]
    # both parents dead: ORPHAN holds -> stop FUC
    rows["gaj_hjrk"][0]["status"], rows["gaj_hjrk"][0]["change_date"] = "死亡", date(2023, 1, 1)
    rows["clh_cjr"] = []
    assert [h[1] for h in hits(warehouse(rows), "R_ORPHAN_FUC")] == ["FACT_UNSUPPORTED_CHILD"]
    rows["mzj_jzdx"] = [mzj("孩", C, "孤儿", 1380)]
    assert hits(warehouse(rows), "R_ORPHAN_FUC") == []


def test_exclusive_pair_stops_the_lower_amount():
    rows = {"gaj_hjrk": [gaj("H2", "老", OLD, "户主", V_RURAL)],
            "clh_cjr": [clh("老", OLD, "肢体", "二级", date(2015, 1, 1))],
            "mzj_jzdx": [mzj("老", OLD, "老年人生活护理救助", 200), mzj("老", OLD, "重度残疾人护理补贴", 150)]}
    con = warehouse(rows)
    assert hits(con, "R_EXCLUSIVE") == [("R_EXCLUSIVE", "DIS_NURSING", "person", OLD, "H2", 150.0, 3, "15wd")]
    assert "保留金额较高的老年人生活护理救助" in reason(con, "R_EXCLUSIVE")
    rows["mzj_jzdx"] = [mzj("老", OLD, "高龄津贴", 100), mzj("老", OLD, "重度残疾人护理补贴", 150)]
    assert hits(warehouse(rows), "R_EXCLUSIVE") == []


# --- children and certificates ----------------------------------------------------

def test_fuc_lapsed_when_the_fathers_prison_term_ended():
    father, mother = "372422198503096035", "372422198712016046"
    rows = {"gaj_hjrk": [gaj("H3", "父", father, "户主", V_RURAL),
                         gaj("H3", "母", mother, "配偶", V_RURAL, status="死亡", change_date=date(2022, 1, 1)),
                         gaj("H3", "孩", C, "子", V_RURAL)],
            "mzj_jzdx": [mzj("孩", C, "事实无人抚养儿童", 920)],
            "sfj_jz": [{"id_number": father, "name": "父", "correction_type": "服刑", "start_date": date(2020, 1, 1),
                        "end_date": date(2025, 12, 31)}]}
    con = warehouse(rows)
    assert hits(con, "R_FUC_LAPSED") == [("R_FUC_LAPSED", "FACT_UNSUPPORTED_CHILD", "person", C, "H3", 920.0, 2,
                                          "15wd")]
    rows["sfj_jz"][0]["end_date"] = None
    assert hits(warehouse(rows), "R_FUC_LAPSED") == []


def test_dis_cert_cancelled_certificate_and_grade_too_low_for_nursing():
    rows = {"gaj_hjrk": [gaj("H4", "甲", A, "户主", V_RURAL), gaj("H5", "乙", B, "户主", V_RURAL)],
            "clh_cjr": [clh("甲", A, "肢体", "一级", date(2015, 1, 1), status="注销"),
                        clh("乙", B, "精神", "三级", date(2015, 1, 1))],
            "mzj_jzdx": [mzj("甲", A, "重度残疾人护理补贴", 200), mzj("乙", B, "重度残疾人护理补贴", 150)]}
    con = warehouse(rows)
    assert hits(con, "R_DIS_CERT") == [("R_DIS_CERT", "DIS_NURSING", "person", A, "H4", 200.0, 2, "10wd")]
    rows["clh_cjr"][1]["disability_type"] = "肢体"  # 肢体三级 is not NG
    assert [h[3] for h in hits(warehouse(rows), "R_DIS_CERT")] == [A, B]


def test_debtor_in_a_db_household_and_outside_one():
    debt = [{"case_no": "(2025)鲁1426执1号", "id_number": B, "name": "乙", "filed_date": date(2025, 5, 1),
             "performance": "未履行"}]
    con = warehouse(couple(fy_sxr=debt))
    assert hits(con, "R_DEBTOR_DB") == [("R_DEBTOR_DB", "DB_RURAL", "person", B, "H1", 600.0, 3, "20wd")]
    rows = couple(fy_sxr=debt)
    rows["mzj_jzdx"] = []
    assert hits(warehouse(rows), "R_DEBTOR_DB") == []


def test_amount_differs_from_the_parameter():
    rows = {"gaj_hjrk": [gaj("H2", "老", OLD, "户主", V_RURAL)],
            "mzj_jzdx": [mzj("老", OLD, "高龄津贴", 200), mzj("老", OLD, "经济困难老年人补贴", 100)]}
    con = warehouse(rows)  # 86: HIGH_AGE_80 = 100
    assert hits(con, "R_AMOUNT") == [("R_AMOUNT", "HIGH_AGE", "person", OLD, "H2", 200.0, 3, "20wd")]
    assert "应为每月100.00元" in reason(con, "R_AMOUNT")
    rows["mzj_jzdx"] = [mzj("老", OLD, "高龄津贴", 100)]
    assert hits(warehouse(rows), "R_AMOUNT") == []
