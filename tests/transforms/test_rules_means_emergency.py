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


# --- TEMP_EXPENSE -------------------------------------------------------------------

def settlement(id_number, name, out_of_pocket, discharged=date(2025, 11, 10)):
    return {"id_number": id_number, "name": name, "settlement_no": f"JS{id_number[-6:]}", "visit_type": "住院",
            "admission_date": discharged, "discharge_date": discharged, "out_of_pocket": out_of_pocket,
            "medical_aid_paid": 0, "critical_insurance_paid": 0, "is_critical_illness": "否"}


def temp_expense_rows(temp_aid_start=None):
    rows = {
        "gaj_hjrk": [gaj("H1", "孙大", SON, "户主", RURAL), gaj("H1", "王妻", WIFE, "配偶", RURAL)],
        "rsj_jy": [rsj(SON, "孙大", "就业", "职工"), rsj(WIFE, "王妻", "就业", "职工")],
        "swj_sr": [swj(SON, "孙大", 24000)],
        "ybj_js": [settlement(SON, "孙大", 12000)],
    }
    if temp_aid_start:
        rows["mzj_jzdx"] = [mzj("孙大", SON, "临时救助", 3000, temp_aid_start)]
    return rows


def test_temp_expense_after_high_medical_bills_and_an_old_temp_aid_does_not_block():
    # OOP 12,000 ≥ 5,000; APCI = (24,000 − 12,000) / 12 / 2 = 500 < 720
    # min(12,000, 12 × 2 × (720 − 500)) = 5,280 once; a 临时救助 of 2024 is older than WIN_YEAR
    con = warehouse(temp_expense_rows(temp_aid_start=date(2024, 6, 1)))
    (item,) = found(con, "TEMP_EXPENSE")
    assert (float(item["amount"]), item["amount_period"], item["time_limit"]) == (5280.0, "once", "7wd")
    assert "12,000.00" in item["reason"]


def test_no_temp_expense_after_temp_aid_within_a_year():
    con = warehouse(temp_expense_rows(temp_aid_start=date(2025, 10, 1)))
    assert found(con, "TEMP_EXPENSE") == []


# --- disasters: W_DISASTER_HOUSE, TEMP_EMERGENCY, DISASTER_LIVING ------------------------

def disaster_rows(loss, when):
    return {
        "gaj_hjrk": [gaj("H1", "孙大", SON, "户主", RURAL), gaj("H1", "王妻", WIFE, "配偶", RURAL),
                     gaj("H1", "孙小", KID, "子", RURAL)],
        "rsj_jy": [rsj(SON, "孙大", "就业", "职工"), rsj(WIFE, "王妻", "就业", "职工")],
        "swj_sr": [swj(SON, "孙大", 60000)],
        "yjj_sz": [{"disaster_no": "ZH1", "id_number": SON, "name": "孙大", "disaster_type": "洪涝",
                    "disaster_date": when, "loss_type": loss, "estimated_loss": 80000}],
    }


def test_house_collapse_warns_and_proposes_emergency_aid_and_transition_living_aid():
    con = warehouse(disaster_rows("房屋倒塌", date(2026, 3, 1)))
    (warning,) = found(con, "W_DISASTER_HOUSE")
    assert warning["id_number"] == SON and warning["amount"] is None and warning["priority"] == 1
    (emergency,) = found(con, "TEMP_EMERGENCY")
    assert (float(emergency["amount"]), emergency["amount_period"], emergency["time_limit"]) == (3000.0, "once", "24h")
    (living,) = found(con, "DISASTER_LIVING")
    # DISASTER_TRANSITION 600 × n 3 × 3 months = 5,400 once, 24 h
    assert (float(living["amount"]), living["amount_period"], living["time_limit"]) == (5400.0, "once", "24h")


def test_older_serious_damage_gives_repair_aid_only():
    # 严重损坏 on 2026-01-10: outside WIN_EMERG (no warning, no TEMP_EMERGENCY), inside WIN_RECENT
    con = warehouse(disaster_rows("严重损坏", date(2026, 1, 10)))
    assert found(con, "W_DISASTER_HOUSE") == [] and found(con, "TEMP_EMERGENCY") == []
    (living,) = found(con, "DISASTER_LIVING")
    assert (float(living["amount"]), living["time_limit"]) == (3000.0, "7wd")
    con = warehouse(disaster_rows("农作物", date(2026, 3, 1)))
    assert found(con, "DISASTER_LIVING") == [] and found(con, "W_DISASTER_HOUSE") == []


# --- W_EARNER_DEATH ------------------------------------------------------------------

def earner_rows(wife_status):
    return {
        "gaj_hjrk": [gaj("H1", "孙大", SON, "户主", RURAL, status="死亡", change_date=date(2026, 3, 1)),
                     gaj("H1", "王妻", WIFE, "配偶", RURAL), gaj("H1", "孙小", KID, "子", RURAL)],
        "rsj_jy": [rsj(WIFE, "王妻", wife_status)],
    }


def test_earner_death_warns_the_household_and_proposes_emergency_aid():
    con = warehouse(earner_rows("未就业"))
    (warning,) = found(con, "W_EARNER_DEATH")
    assert warning["target"] == "household" and warning["household_no"] == "H1" and warning["priority"] == 1
    assert "2026-03-01" in warning["reason"]
    assert [float(r["amount"]) for r in found(con, "TEMP_EMERGENCY")] == [3000.0]


def test_no_earner_death_warning_while_the_spouse_works():
    con = warehouse(earner_rows("就业"))
    assert found(con, "W_EARNER_DEATH") == [] and found(con, "TEMP_EMERGENCY") == []


# --- W_UNEMPLOY_MON, W_NEW_SEVERE_DIS, MONITOR_AID -------------------------------------

def monitored_rows(unemployed_since):
    return {
        "gaj_hjrk": [gaj("H1", "孙大", SON, "户主", RURAL)],
        "rsj_jy": [rsj(SON, "孙大", "失业登记", unemployed_since=unemployed_since)],
        "xczx_jc": [{"household_no": "H1", "id_number": SON, "name": "孙大", "household_type": "脱贫户",
                     "risk_type": "因失业", "risk_cleared": "是"}],
    }


def test_recent_unemployment_in_a_monitored_household_warns():
    con = warehouse(monitored_rows(date(2026, 2, 1)))
    (item,) = found(con, "W_UNEMPLOY_MON")
    assert item["id_number"] == SON and item["amount"] is None and "2026-02-01" in item["reason"]
    assert found(con, "MONITOR_AID") == []  # already monitored


def test_unemployment_older_than_90_days_does_not_warn():
    assert found(warehouse(monitored_rows(date(2025, 12, 1))), "W_UNEMPLOY_MON") == []


def severe_rows(issued, village=RURAL):
    return {
        "gaj_hjrk": [gaj("H1", "孙大", SON, "户主", village)],
        "clh_cjr": [clh("孙大", SON, "肢体", "一级", issued)],
        "rsj_jy": [rsj(SON, "孙大", "就业", "职工")],
        "swj_sr": [swj(SON, "孙大", 60000)],
    }


def test_new_severe_disability_warns_and_a_rural_household_gets_monitor_aid():
    con = warehouse(severe_rows(date(2026, 2, 1)))
    (warning,) = found(con, "W_NEW_SEVERE_DIS")
    assert warning["id_number"] == SON and "一级肢体" in warning["reason"]
    (aid,) = found(con, "MONITOR_AID")
    assert aid["household_no"] == "H1" and aid["amount"] is None and "新发重度残疾证" in aid["reason"]


def test_old_certificate_or_urban_household_no_monitor_aid():
    con = warehouse(severe_rows(date(2025, 10, 1)))
    assert found(con, "W_NEW_SEVERE_DIS") == [] and found(con, "MONITOR_AID") == []
    con = warehouse(severe_rows(date(2026, 2, 1), village=URBAN))
    assert len(found(con, "W_NEW_SEVERE_DIS")) == 1 and found(con, "MONITOR_AID") == []


def test_a_warning_of_an_earlier_night_within_win_recent_still_opens_monitor_aid():
    """policies.md §2: MONITOR_AID counts warnings raised for h tonight or on an earlier
    night within WIN_RECENT days; the worklist state remembers when each was last found."""
    from transforms.worklist import ensure_worklist_state
    from transforms.warehouse import run_layer

    con = warehouse(severe_rows(date(2025, 10, 1)), layers=("core", "labels"))  # no warning tonight
    ensure_worklist_state(con)
    for last_seen in (date(2026, 2, 20), date(2025, 11, 1)):  # 23 days ago; long ago (another kind)
        con.execute("INSERT INTO meta.worklist_state (item_id, kind, rule_code, household_no, last_seen, status) "
                    "VALUES (?, 'warning', ?, 'H1', ?, 'dispatched')",
                    [f"WL-{last_seen:%m%d}AAAA", "W_NEW_SEVERE_DIS" if last_seen.month == 2 else "W_DROPOUT",
                     last_seen])
    run_layer(con, "rules")
    assert found(con, "W_NEW_SEVERE_DIS") == []
    (aid,) = found(con, "MONITOR_AID")
    assert aid["household_no"] == "H1" and "新发重度残疾证" in aid["reason"] and "无学籍" not in aid["reason"]
    con.execute("UPDATE meta.worklist_state SET last_seen = DATE '2025-12-01'")  # beyond WIN_RECENT
    run_layer(con, "rules")
    assert found(con, "MONITOR_AID") == []


# --- VETERAN_HARDSHIP, UNION_POOR_WORKER -------------------------------------------------

def veteran_rows(tax):
    return {
        "gaj_hjrk": [gaj("H1", "孙老汉", OLD, "户主", RURAL)],
        "tyjr_yf": [{"id_number": OLD, "name": "孙老汉", "veteran_category": "在乡复员军人", "monthly_allowance": 500}],
        "swj_sr": [swj(OLD, "孙老汉", tax)],
    }


def test_veteran_with_low_income_gets_hardship_aid():
    # INC = 6,000 + 12 × 500 = 12,000 -> PCI 1,000 ≤ 1.5 × 720 = 1,080
    (item,) = found(warehouse(veteran_rows(6000)), "VETERAN_HARDSHIP")
    assert (float(item["amount"]), item["amount_period"]) == (5000.0, "once")
    assert "在乡复员军人" in item["reason"]


def test_veteran_above_the_income_line_gets_none():
    # INC = 7,200 + 6,000 = 13,200 -> PCI 1,100 > 1,080
    assert found(warehouse(veteran_rows(7200)), "VETERAN_HARDSHIP") == []


def worker_rows(income, filed=False):
    rows = {
        "gaj_hjrk": [gaj("H1", "孙大", SON, "户主", URBAN), gaj("H1", "王妻", WIFE, "配偶", URBAN),
                     gaj("H1", "孙小", KID, "子", URBAN)],
        "rsj_jy": [rsj(SON, "孙大", "就业", "职工"), rsj(WIFE, "王妻", "就业", "职工")],
        "swj_sr": [swj(SON, "孙大", income)],
    }
    if filed:
        rows["zgh_knzg"] = [{"id_number": SON, "name": "孙大", "employer": "某厂", "hardship_type": "深度困难",
                             "filed_date": date(2025, 6, 1)}]
    return rows


def test_poor_worker_gets_union_aid_unless_already_filed():
    # PCI = 30,000 / 12 / 3 = 833.33 ≤ DB_STD_URBAN 900 (深度困难)
    con = warehouse(worker_rows(30000))
    items = found(con, "UNION_POOR_WORKER")
    assert sorted((r["id_number"], float(r["amount"]), r["amount_period"]) for r in items) == sorted(
        [(SON, 2000.0, "year"), (WIFE, 2000.0, "year")])
    con = warehouse(worker_rows(30000, filed=True))
    assert [r["id_number"] for r in found(con, "UNION_POOR_WORKER")] == [WIFE]


def test_worker_above_the_line_without_hardship_gets_none():
    # PCI = 36,000 / 36 = 1,000 > 900, ≤ 1,350 but no MARK
    assert found(warehouse(worker_rows(36000)), "UNION_POOR_WORKER") == []
