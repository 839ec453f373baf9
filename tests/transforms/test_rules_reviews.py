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
    # 2 × 720 = 1,440; paid 2025-12 is 3 calendar months before March: still active
    con = warehouse(couple(gjj_jc=[{**fund, "contribution_base": 2000, "last_paid_month": date(2025, 12, 1)}]))
    assert hits(con, "R_DB_GJJ") == [("R_DB_GJJ", "DB_RURAL", "person", A, "H1", 600.0, 2, "15wd")]
    assert hits(warehouse(couple(gjj_jc=[{**fund, "contribution_base": 1400, "last_paid_month": date(2026, 2, 1)}])),
                "R_DB_GJJ") == []
    assert hits(warehouse(couple(gjj_jc=[{**fund, "contribution_base": 2000, "last_paid_month": date(2025, 11, 1)}])),
                "R_DB_GJJ") == []
