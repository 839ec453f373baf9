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
