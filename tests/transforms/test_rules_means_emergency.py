"""The means-tested and emergency rules on hand-built staging rows: DB with
特困 members left out of the household, TEMP_EXPENSE, TEMP_EMERGENCY,
DISASTER_LIVING, the W_* warnings of the family, VETERAN_HARDSHIP,
MONITOR_AID and UNION_POOR_WORKER — each a positive and a near miss."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import clh, gaj, mzj, records, warehouse  # noqa: E402

RURAL, URBAN = "371426102201", "371426001012"


def pid(first17: str) -> str:
    """An 18-digit ID with its check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


OLD, SON, WIFE, KID = (pid("37242219550501101"), pid("37242219850301201"), pid("37242219870301302"),
                       pid("37142620150301401"))


def rsj(id_number, name, status, pension_type="城乡居民", pension=None, unemployed_since=None):
    return {"id_number": id_number, "name": name, "employment_status": status, "pension_type": pension_type,
            "public_job": "否", "referrals": 1, "refusals": 0, "monthly_pension": pension,
            "unemployment_date": unemployed_since}


def swj(id_number, name, income, year=2025):
    return {"id_number": id_number, "name": name, "tax_year": year, "income": income}


def found(con, code: str) -> list[dict]:
    return records(con, "SELECT * FROM rules.finding WHERE coalesce(policy_code, '') = ? OR rule_code = ? "
                        "ORDER BY id_number", [code, code])


# --- DB: 特困 members left out of the household (n', PCI') ---------------------------

def test_db_leaves_a_tk_member_out_of_n_and_income():
    con = warehouse({
        "gaj_hjrk": [gaj("H1", "孙老汉", OLD, "户主", RURAL), gaj("H1", "孙大", SON, "子", RURAL)],
        "mzj_jzdx": [mzj("孙老汉", OLD, "农村特困", 936)],
        "rsj_jy": [rsj(OLD, "孙老汉", "未就业", pension=300), rsj(SON, "孙大", "未就业")],
        "swj_sr": [swj(SON, "孙大", 3600)],
    })
    # n = 2, INC = 3,600 + 12 × 300 = 7,200; the 特困 father leaves: n' = 1, INC' = 3,600,
    # PCI' = 300 -> (720 − 300) × 1 = 420 (not (720 − 300) × 2 = 840)
    (item,) = found(con, "DB_RURAL")
    assert float(item["amount"]) == 420.0 and item["amount_period"] == "month"
    assert "1名特困供养人员及其收入不计入" in item["reason"]


def test_no_db_for_a_person_eligible_for_tk_who_lives_alone():
    con = warehouse({
        "gaj_hjrk": [gaj("H1", "孙老汉", OLD, "户主", RURAL)],
        "clh_cjr": [clh("孙老汉", OLD, "肢体", "一级", date(2015, 1, 1))],
    })
    # alone, 70, no income, 一级 (MARK): TKP -> n' = 0 -> no DB; TK_RURAL instead
    assert found(con, "DB_RURAL") == []
    assert [r["policy_code"] for r in found(con, "TK_RURAL")] == ["TK_RURAL"]
