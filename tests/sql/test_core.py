"""The register (sql/core) and the dated parameters behind ref.parameter."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import (LI_XIUMEI, RUN_DATE, SUN_DEFU, WANG_JIANGUO, WANG_YUTONG, WANG_ZIHAN,  # noqa: E402
                              clh, e1_rows, e2_rows, gaj, merge_rows, mzj, records, warehouse)
from transforms.parameters import (load_parameters, parameter, parameter_rows_sql,  # noqa: E402
                                   parameters_in_force)

V_RURAL = "371426102201"
V_URBAN = "371426001012"


def one(con, sql, params=None):
    rows = records(con, sql, params)
    assert len(rows) == 1, rows
    return rows[0]


# --- parameters ---------------------------------------------------------------

def test_every_parameter_of_the_manual_is_in_force_in_2026():
    names = {p["name"] for p in parameters_in_force(date(2026, 3, 15))}
    for expected in ("DB_STD_URBAN", "DB_STD_RURAL", "FUC_MONTHLY", "HIGH_AGE_80", "HIGH_AGE_100",
                     "MED_AID_RATE_DB", "MED_AID_RATE_ILL_POOR", "PREMIUM_RATE_MON", "SERIOUS_ILLNESS",
                     "VEHICLE_EXEMPT", "PUBLIC_JOB_MONTHLY", "WIN_YEAR", "WIN_RECENT", "WIN_EMERG",
                     "DB_TAPER_MONTHS", "JOB_REFUSAL_MAX", "DIS_REHAB_MAX_AGE"):
        assert expected in names
    assert parameter("FUC_MONTHLY", date(2026, 3, 15)) == 920
    assert parameter("VEHICLE_EXEMPT", date(2026, 3, 15)) == ["三轮汽车", "低速货车", "摩托车"]


def test_each_parameter_carries_description_unit_reference_and_dated_values():
    raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "policies" / "parameters.yaml")
                         .read_text(encoding="utf-8"))
    for name, spec in raw.items():
        assert {"description", "unit", "reference", "values"} <= set(spec), name
        assert all(isinstance(v["effective_from"], date) for v in spec["values"]), name


def test_a_value_with_a_future_effective_date_changes_nothing_before_it(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text(
        "FUC_MONTHLY:\n  description: x\n  unit: yuan/month\n  reference: policies.md §1\n  values:\n"
        "    - {effective_from: 2026-01-01, value: 920}\n"
        "    - {effective_from: 2026-07-01, value: 1000}\n"
        "NEW_THING:\n  description: y\n  unit: yuan\n  reference: later\n  values:\n"
        "    - {effective_from: 2026-07-01, value: 5}\n", encoding="utf-8")
    before = {p["name"]: p["value"] for p in parameters_in_force(date(2026, 6, 30), path)}
    after = {p["name"]: p["value"] for p in parameters_in_force(date(2026, 7, 1), path)}
    assert before == {"FUC_MONTHLY": 920.0}
    assert after == {"FUC_MONTHLY": 1000.0, "NEW_THING": 5.0}


def test_ref_parameter_holds_numbers_as_double_and_lists_as_text():
    con = duckdb.connect()
    assert load_parameters(con, RUN_DATE) == len(parameters_in_force(RUN_DATE))
    row = one(con, "SELECT value, text_value, unit FROM ref.parameter WHERE name = 'FUC_MONTHLY'")
    assert row == {"value": 920.0, "text_value": None, "unit": "yuan/month"}
    ill = one(con, "SELECT value, text_value FROM ref.parameter WHERE name = 'SERIOUS_ILLNESS'")
    assert ill["value"] is None and "尿毒症" in ill["text_value"].split("|")
    assert "SELECT" in parameter_rows_sql(RUN_DATE)


# --- core.person -----------------------------------------------------------------

def test_person_birth_date_from_the_id_digits_else_the_register():
    con = warehouse({"gaj_hjrk": [
        gaj("H9", "甲", WANG_ZIHAN, "户主", V_RURAL),
        # digits 7-14 are no date: the register's 出生日期 is used
        {**gaj("H9", "乙", "371426209913451234", "配偶", V_RURAL), "birth_date": date(1990, 1, 2)},
    ]})
    rows = {r["name"]: r for r in records(con, "SELECT * FROM core.person")}
    assert rows["甲"]["birth_date"] == date(2015, 6, 20) and rows["甲"]["age"] == 10
    assert rows["乙"]["birth_date"] == date(1990, 1, 2) and rows["乙"]["age"] == 36


def test_person_duplicate_register_rows_survive_as_one_deterministically():
    dup = gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL, phone="13800000001")
    con = warehouse({"gaj_hjrk": [dup, {**dup, "phone": "13800000002"}, {**dup, "phone": None}]})
    row = one(con, "SELECT * FROM core.person")
    assert row["phone"] == "13800000002" and row["_row"] == 3
    assert row["in_household_register"] is True and row["_source"] == "gaj_hjrk"


def test_people_only_other_departments_know_are_added_without_a_township():
    con = warehouse({
        "gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL)],
        "mzj_jzdx": [mzj("孙德福", SUN_DEFU, "农村特困", 936)],
        "clh_cjr": [clh("李秀梅", LI_XIUMEI, "肢体", "三级", date(2020, 1, 1))],
        "cgs_cl": [{"plate_no": "鲁N12345", "name": "外人", "id_number": "110101198001010012",
                    "vehicle_type": "小型轿车", "status": "正常"}],
    })
    rows = {r["id_number"]: r for r in records(con, "SELECT * FROM core.person")}
    # a car owner registered elsewhere is known too, outside the household register
    assert set(rows) == {WANG_JIANGUO, SUN_DEFU, LI_XIUMEI, "110101198001010012"}
    owner = rows["110101198001010012"]
    assert (owner["in_household_register"], owner["life_status"], owner["_source"]) == (False, "not_in_register", "cgs_cl")
    outsider = rows[SUN_DEFU]
    assert outsider["in_household_register"] is False and outsider["township_code"] is None
    assert outsider["is_gone"] is True and outsider["_source"] == "mzj_jzdx"
    assert outsider["is_dead"] is False  # known alive to the department that pays them
    assert outsider["birth_date"] == date(1940, 2, 1) and outsider["sex"] == "男"


def test_dead_from_cremation_record_even_while_the_register_says_normal():
    con = warehouse(e2_rows())
    row = one(con, "SELECT * FROM core.person")
    assert row["is_dead"] and row["death_date"] == date(2026, 1, 20)
    assert (row["death_evidence"], row["death_source"], row["death_row"]) == ("火化记录", "bzs_hh", 2)
    assert row["life_status"] == "deceased"


def test_dead_from_the_register_uses_its_change_date_and_moved_out_is_gone():
    con = warehouse({"gaj_hjrk": [
        gaj("H6", "马俊", "372422198503096035", "子", V_RURAL, status="死亡", change_date=date(2021, 5, 10)),
        gaj("H6", "韩雪", "372422198712016046", "儿媳", V_RURAL, status="迁出", change_date=date(2022, 8, 30)),
        gaj("H6", "马长山", "372422195811116014", "户主", V_RURAL, status="注销", change_date=date(2023, 1, 1)),
    ]})
    rows = {r["name"]: r for r in records(con, "SELECT * FROM core.person")}
    assert rows["马俊"]["is_dead"] and rows["马俊"]["death_date"] == date(2021, 5, 10)
    assert rows["马俊"]["death_evidence"] == "户籍登记死亡"
    assert rows["韩雪"]["is_gone"] and not rows["韩雪"]["is_dead"]
    assert rows["马长山"]["is_gone"] and not rows["马长山"]["is_dead"]  # 注销 without a cremation


def test_jail_only_while_the_sentence_runs_on_the_run_date():
    con = warehouse({
        "gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL),
                     gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V_RURAL)],
        "sfj_jz": [
            {"id_number": WANG_JIANGUO, "correction_type": "服刑", "start_date": date(2024, 1, 1)},
            {"id_number": LI_XIUMEI, "correction_type": "服刑", "start_date": date(2020, 1, 1),
             "end_date": date(2026, 3, 15)},  # ends on D: released
        ],
    })
    jailed = {r["id_number"]: r["is_jailed"] for r in records(con, "SELECT * FROM core.person")}
    assert jailed == {WANG_JIANGUO: True, LI_XIUMEI: False}
    assert [r["id_number"] for r in records(con, "SELECT * FROM core.jail")] == [WANG_JIANGUO]


def test_life_status_carries_its_date_evidence_and_record():
    con = warehouse({
        "gaj_hjrk": [
            gaj("H6", "马俊", "372422198503096035", "子", V_RURAL, status="死亡", change_date=date(2021, 5, 10)),
            gaj("H6", "韩雪", "372422198712016046", "儿媳", V_RURAL, status="迁出", change_date=date(2022, 8, 30)),
            gaj("H6", "马长山", "372422195811116014", "户主", V_RURAL, status="注销", change_date=date(2023, 1, 1)),
            gaj("H6", "王建国", WANG_JIANGUO, "子", V_RURAL),
            gaj("H6", "李秀梅", LI_XIUMEI, "儿媳", V_RURAL),
        ],
        "sfj_jz": [{"id_number": WANG_JIANGUO, "correction_type": "服刑", "start_date": date(2024, 1, 1)}],
    })
    rows = {r["name"]: r for r in records(con, "SELECT * FROM core.person")}
    got = {n: (r["life_status"], r["life_status_date"], r["life_status_evidence"],
               r["life_status_source"], r["life_status_row"]) for n, r in rows.items()}
    assert got == {
        "马俊": ("deceased", date(2021, 5, 10), "户籍登记死亡", "gaj_hjrk", 2),
        "韩雪": ("moved_out", date(2022, 8, 30), "户籍登记迁出", "gaj_hjrk", 3),
        "马长山": ("cancelled", date(2023, 1, 1), "户籍登记注销", "gaj_hjrk", 4),
        "王建国": ("incarcerated", date(2024, 1, 1), "司法局服刑记录", "sfj_jz", 2),
        "李秀梅": ("alive", None, "户籍登记正常", "gaj_hjrk", 6),
    }


# --- core.person_conflict -------------------------------------------------------

def test_another_name_for_the_same_id_is_a_conflict_and_the_register_name_survives():
    con = warehouse({
        "gaj_hjrk": [gaj("H1", "张萌", WANG_JIANGUO, "户主", V_RURAL)],
        "ybj_js": [{"settlement_no": "S1", "id_number": WANG_JIANGUO, "name": "张蒙"},
                   {"settlement_no": "S2", "id_number": WANG_JIANGUO, "name": "张萌"}],
        "cgs_cl": [{"plate_no": "鲁N1", "name": "张朦", "id_number": WANG_JIANGUO, "status": "正常"}],
    })
    assert one(con, "SELECT name FROM core.person")["name"] == "张萌"
    rows = records(con, "SELECT * FROM core.person_conflict ORDER BY _source")
    assert [(r["kind"], r["register_value"], r["stated_value"], r["_source"], r["_row"]) for r in rows] == [
        ("name", "张萌", "张朦", "cgs_cl", 2),
        ("name", "张萌", "张蒙", "ybj_js", 2),
    ]


def test_a_stated_birth_date_unlike_the_ids_is_a_conflict_and_the_id_wins():
    con = warehouse({"gaj_hjrk": [
        {**gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL), "birth_date": date(1986, 4, 21)},
        {**gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V_RURAL), "birth_date": date(1988, 9, 3)},
    ]})
    assert one(con, f"SELECT birth_date FROM core.person WHERE id_number = '{WANG_JIANGUO}'")["birth_date"] \
        == date(1986, 4, 12)
    row = one(con, "SELECT * FROM core.person_conflict")
    assert (row["id_number"], row["kind"], row["register_value"], row["stated_value"], row["_row"]) == \
        (WANG_JIANGUO, "birth_date", "1986-04-12", "1986-04-21", 2)


def test_rows_agreeing_with_the_register_make_no_conflict():
    con = warehouse(e1_rows())
    assert records(con, "SELECT * FROM core.person_conflict") == []


# --- household, membership ----------------------------------------------------

def test_household_size_excludes_dead_moved_and_jailed_members_and_reads_the_area():
    con = warehouse({
        "gaj_hjrk": [
            gaj("H1", "王建国", WANG_JIANGUO, "户主", V_URBAN),
            gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V_URBAN),
            gaj("H1", "王子涵", WANG_ZIHAN, "子", V_URBAN, status="迁出"),
            gaj("H1", "王雨桐", WANG_YUTONG, "女", V_URBAN),
            gaj("H2", "孙德福", SUN_DEFU, "户主", V_RURAL, status="死亡", change_date=date(2025, 1, 1)),
        ],
        "sfj_jz": [{"id_number": LI_XIUMEI, "correction_type": "服刑", "start_date": date(2025, 1, 1)}],
    })
    h = {r["household_no"]: r for r in records(con, "SELECT * FROM core.household")}
    assert h["H1"]["size"] == 2 and h["H1"]["members_in_household"] == 3
    assert h["H1"]["area"] == "urban" and h["H1"]["is_urban"] is True
    assert h["H1"]["township_code"] == "371426001" and h["H1"]["village_code"] == V_URBAN
    assert h["H2"]["size"] == 0 and h["H2"]["area"] == "rural"
    assert h["H1"]["contact_id_number"] == WANG_JIANGUO and h["H1"]["contact_is_head"]


def test_household_income_and_per_capita_income_as_the_manual_computes_them():
    # E6: a pensioner of 2,600 a month and a grandchild; two dead parents
    # E3: 2025 income 18,000 for three; an older tax year is not Y
    con = warehouse({
        "gaj_hjrk": [
            gaj("H6", "马长山", "372422195811116014", "户主", V_RURAL),
            gaj("H6", "马俊", "372422198503096035", "子", V_RURAL, status="死亡", change_date=date(2021, 5, 10)),
            gaj("H6", "马欣怡", "371426201709156063", "孙女", V_RURAL),
            gaj("H3", "周强", "372422197805063015", "户主", V_URBAN),
            gaj("H3", "吴丽", "372422198007193020", "配偶", V_URBAN),
            gaj("H3", "周浩", "371426201003023031", "子", V_URBAN),
        ],
        "rsj_jy": [{"id_number": "372422195811116014", "pension_type": "职工", "monthly_pension": 2600}],
        "swj_sr": [{"id_number": "372422197805063015", "tax_year": 2025, "income": 18000},
                   {"id_number": "372422197805063015", "tax_year": 2024, "income": 99000}],
    })
    h = {r["household_no"]: r for r in records(con, "SELECT * FROM core.household")}
    assert float(h["H6"]["yearly_income"]) == 31200 and float(h["H6"]["per_capita_monthly_income"]) == 1300
    assert float(h["H3"]["yearly_income"]) == 18000 and float(h["H3"]["per_capita_monthly_income"]) == 500
    labels = {(r["household_no"], r["label"]): r["value"]
              for r in records(con, "SELECT * FROM labels.household_label")}
    assert labels[("H6", "per_capita_monthly_income")] == "1300.00" and labels[("H3", "urban")] == V_URBAN
    assert labels[("H6", "size")] == "2"


def test_contact_is_the_oldest_living_adult_when_the_head_is_dead():
    con = warehouse({"gaj_hjrk": [
        gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL, status="死亡", change_date=date(2025, 1, 1)),
        gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V_RURAL, phone="13912345678"),
        gaj("H1", "张桂兰", "37242219580530502X", "母亲", V_RURAL, phone="13700000000"),
        gaj("H1", "王子涵", WANG_ZIHAN, "子", V_RURAL),
    ]})
    h = one(con, "SELECT * FROM core.household")
    assert h["head_id_number"] == WANG_JIANGUO and h["head_is_dead"]
    assert h["contact_name"] == "张桂兰" and h["contact_phone"] == "13700000000"


def test_household_area_is_left_open_for_codes_outside_both_ranges():
    con = warehouse({"gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", "371426102150")]})
    assert one(con, "SELECT area, is_urban FROM core.household") == {"area": None, "is_urban": None}


def test_membership_keeps_register_rows_whose_id_is_unusable():
    con = warehouse({"gaj_hjrk": [
        gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL),
        {**gaj("H1", "李秀梅", None, "配偶", V_RURAL), "sex": "女", "id_number_raw": "3.72422E+17",
         "id_issue": "excel_mangled"},
    ]})
    rows = records(con, "SELECT name, id_number, counts_in_n FROM core.membership ORDER BY _row")
    assert [(r["name"], r["id_number"], r["counts_in_n"]) for r in rows] == [
        ("王建国", WANG_JIANGUO, True), ("李秀梅", None, True)]
    assert one(con, "SELECT size FROM core.household")["size"] == 2


# --- parents ------------------------------------------------------------------

def parents_of(con, child):
    return records(con, "SELECT * FROM core.parents WHERE child_id_number = ? ORDER BY parent_role",
                   [child])


def test_parents_of_a_child_of_the_head_are_head_and_spouse_of_any_status():
    con = warehouse({"gaj_hjrk": [
        gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL, status="死亡", change_date=date(2024, 1, 1)),
        gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V_RURAL),
        gaj("H1", "王子涵", WANG_ZIHAN, "长子", V_RURAL),
    ]})
    found = parents_of(con, WANG_ZIHAN)
    assert [(p["parent_id_number"], p["parent_role"]) for p in found] == [
        (LI_XIUMEI, "母亲"), (WANG_JIANGUO, "父亲")]
    assert all(p["resolved"] and p["parents_found"] == 2 for p in found)
    assert found[1]["parent_is_dead"] is True


def test_parents_of_a_grandchild_are_the_only_child_row_and_the_only_in_law_row():
    con = warehouse({"gaj_hjrk": [
        gaj("H6", "马长山", "372422195811116014", "户主", V_RURAL),
        gaj("H6", "马俊", "372422198503096035", "子", V_RURAL, status="死亡", change_date=date(2021, 5, 10)),
        gaj("H6", "韩雪", "372422198712016046", "儿媳", V_RURAL, status="死亡", change_date=date(2022, 8, 30)),
        gaj("H6", "马欣怡", "371426201709156063", "孙女", V_RURAL),
    ]})
    found = parents_of(con, "371426201709156063")
    assert sorted(p["parent_relation"] for p in found) == ["儿媳", "子"]
    assert all(p["resolved"] for p in found)


def test_a_grandchild_with_two_child_rows_in_the_household_is_unresolved():
    con = warehouse({"gaj_hjrk": [
        gaj("H6", "马长山", "372422195811116014", "户主", V_RURAL),
        gaj("H6", "马俊", "372422198503096035", "子", V_RURAL),
        gaj("H6", "马丽", "372422198712016046", "女", V_RURAL),
        gaj("H6", "韩雪", "372422198604121017", "儿媳", V_RURAL),
        gaj("H6", "马欣怡", "371426201709156063", "孙女", V_RURAL),
    ]})
    found = parents_of(con, "371426201709156063")
    assert len(found) == 1 and not found[0]["resolved"]  # only the in-law: not two


def test_a_child_of_a_head_without_spouse_row_is_unresolved():
    con = warehouse({"gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL),
                                  gaj("H1", "王子涵", WANG_ZIHAN, "子", V_RURAL)]})
    found = parents_of(con, WANG_ZIHAN)
    assert len(found) == 1 and found[0]["parents_found"] == 1 and not found[0]["resolved"]


@pytest.mark.parametrize("relation", ["子", "女", "儿子", "女儿", "长子", "次子", "独生子", "养子", "继子",
                                      "长女", "次女", "独生女", "养女", "继女", "三子", "四女"])
def test_every_word_for_a_child_of_the_head_counts(relation):
    con = warehouse({"gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL),
                                  gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V_RURAL),
                                  gaj("H1", "王子涵", WANG_ZIHAN, relation, V_RURAL)]})
    assert len(parents_of(con, WANG_ZIHAN)) == 2


@pytest.mark.parametrize("relation", ["女婿", "儿媳", "孙子", "侄子", "外甥女"])
def test_other_relations_are_not_children_of_the_head(relation):
    con = warehouse({"gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL),
                                  gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V_RURAL),
                                  gaj("H1", "王子涵", WANG_ZIHAN, relation, V_RURAL)]})
    assert all(p["parent_relation"] not in ("户主", "配偶") for p in parents_of(con, WANG_ZIHAN))


# --- benefits, disability, illness --------------------------------------------

def test_benefits_paid_now_with_policy_codes_and_the_public_job_wage():
    con = warehouse({
        "gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", V_RURAL)],
        "mzj_jzdx": [mzj("王建国", WANG_JIANGUO, "农村低保", 720, start=date(2025, 3, 1)),
                     mzj("王建国", WANG_JIANGUO, "困难残疾人生活补贴", 150, start=date(2026, 4, 1))],
        "rsj_jy": [{"id_number": WANG_JIANGUO, "public_job": "是"}],
    })
    rows = records(con, "SELECT policy_code, monthly_amount, since, _source FROM core.benefit ORDER BY 1")
    assert [(r["policy_code"], float(r["monthly_amount"]), r["_source"]) for r in rows] == [
        ("DB_RURAL", 720.0, "mzj_jzdx"), ("PUBLIC_JOB", 700.0, "rsj_jy")]  # April start: not yet


def test_disability_severe_and_nursing_grade():
    con = warehouse({"clh_cjr": [
        clh("甲", WANG_JIANGUO, "肢体", "二级", date(2020, 1, 1)),
        clh("乙", LI_XIUMEI, "智力", "三级", date(2020, 1, 1)),
        clh("丙", WANG_ZIHAN, "肢体", "三级", date(2020, 1, 1)),
        clh("丁", WANG_YUTONG, "肢体", "一级", date(2020, 1, 1), status="注销"),
    ]})
    rows = {r["id_number"]: r for r in records(con, "SELECT * FROM core.disability")}
    assert set(rows) == {WANG_JIANGUO, LI_XIUMEI, WANG_ZIHAN}
    assert (rows[WANG_JIANGUO]["is_severe"], rows[WANG_JIANGUO]["is_nursing_grade"]) == (True, True)
    assert (rows[LI_XIUMEI]["is_severe"], rows[LI_XIUMEI]["is_nursing_grade"]) == (False, True)
    assert (rows[WANG_ZIHAN]["is_severe"], rows[WANG_ZIHAN]["is_nursing_grade"]) == (False, False)


def test_illness_from_active_serious_register_rows_and_recent_critical_settlements():
    con = warehouse({
        "wjw_mb": [
            {"id_number": WANG_JIANGUO, "disease": "尿毒症", "management_status": "在管"},
            {"id_number": LI_XIUMEI, "disease": "恶性肿瘤", "management_status": "结案"},
            {"id_number": WANG_ZIHAN, "disease": "高血压", "management_status": "在管"},
        ],
        "ybj_js": [
            {"settlement_no": "S1", "id_number": WANG_YUTONG, "is_critical_illness": "是",
             "discharge_date": date(2025, 3, 16)},  # D - 364: in the window
            {"settlement_no": "S2", "id_number": SUN_DEFU, "is_critical_illness": "是",
             "discharge_date": date(2025, 3, 15)},  # D - 365: out
        ],
    })
    ids = {r["id_number"] for r in records(con, "SELECT * FROM core.illness")}
    assert ids == {WANG_JIANGUO, WANG_YUTONG}


def test_every_core_table_keeps_lineage():
    con = warehouse(merge_rows(e1_rows(), e2_rows()))
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'core'").fetchall()]
    assert {"person", "household", "membership", "parents", "benefit", "disability", "illness",
            "jail", "income"} <= set(tables)
    for t in tables:
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' "
            "AND table_name = ?", [t]).fetchall()}
        assert {"_source", "_file", "_row"} <= cols, t
        assert con.execute(f"SELECT count(*) FROM core.{t} WHERE _file IS NULL").fetchone()[0] == 0, t
