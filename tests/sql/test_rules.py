"""The first two rules (policies/rules/FACT_UNSUPPORTED_CHILD.yaml, R_DECEASED_PAID.yaml, compiled by
transforms/rules.py over sql/rules/*_facts.sql), rules.finding, and the labels they read."""
from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import (LI_XIUMEI, SUN_DEFU, WANG_JIANGUO, WANG_YUTONG, WANG_ZIHAN, clh,  # noqa: E402
                              e1_rows, e2_rows, gaj, merge_rows, mzj, records, warehouse)
from transforms.worklist import item_id  # noqa: E402

V = "371426102201"
CATEGORIES = {"demographic", "disability", "health", "economic", "employment", "education", "assistance"}


def findings(con, rule_code=None):
    # the two rules of this file; the other rules have their tests in tests/transforms/test_rules_engine.py
    sql = ("SELECT * FROM rules.finding WHERE (rule_code = 'DISCOVER' AND policy_code = 'FACT_UNSUPPORTED_CHILD' "
           "OR rule_code = 'R_DECEASED_PAID')")
    if rule_code:
        return records(con, sql + " AND rule_code = ? ORDER BY id_number, policy_code", [rule_code])
    return records(con, sql + " ORDER BY rule_code, id_number, policy_code")


def family(father_status="正常", mother_status="正常", child_relation="子", child_id=WANG_ZIHAN):
    return [
        gaj("H1", "王建国", WANG_JIANGUO, "户主", V, status=father_status,
            change_date=date(2025, 6, 1) if father_status != "正常" else None),
        gaj("H1", "李秀梅", LI_XIUMEI, "配偶", V, status=mother_status,
            change_date=date(2025, 6, 1) if mother_status != "正常" else None),
        gaj("H1", "王子涵", child_id, child_relation, V),
    ]


def in_prison(id_number, start=date(2024, 1, 1)):
    return {"id_number": id_number, "correction_type": "服刑", "start_date": start}


# --- DISCOVER FACT_UNSUPPORTED_CHILD ---------------------------------------------

def test_e1_two_children_of_two_grade_one_parents_are_found_at_920():
    con = warehouse(e1_rows())
    found = findings(con)
    assert [(f["kind"], f["rule_code"], f["policy_code"], f["id_number"]) for f in found] == [
        ("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_ZIHAN),
        ("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_YUTONG),
    ]
    for f in found:
        assert float(f["amount"]) == 920.0 and f["amount_period"] == "month"
        assert (f["priority"], f["time_limit"], f["target"], f["household_no"]) == (2, "15wd", "person", "H1")
        assert f["reason"] == "父母均持一级残疾证，本人未满18周岁，未享受事实无人抚养儿童基本生活费"


def test_reason_names_each_parents_circumstance_when_they_differ():
    con = warehouse({
        "gaj_hjrk": family(mother_status="死亡"),
        "sfj_jz": [in_prison(WANG_JIANGUO)],
    })
    (f,) = findings(con)
    assert f["reason"] == "父亲正在服刑，母亲已死亡，本人未满18周岁，未享受事实无人抚养儿童基本生活费"


def test_serious_illness_of_a_parent_is_named_with_its_disease():
    con = warehouse({
        "gaj_hjrk": family(),
        "clh_cjr": [clh("王建国", WANG_JIANGUO, "肢体", "二级", date(2020, 1, 1))],
        "wjw_mb": [{"id_number": LI_XIUMEI, "disease": "尿毒症", "management_status": "在管"}],
    })
    (f,) = findings(con)
    assert f["reason"].startswith("父亲持二级残疾证，母亲患重特大疾病（尿毒症）")


def test_a_grandchild_whose_parent_is_in_prison_and_other_parent_dead_is_found():
    con = warehouse({
        "gaj_hjrk": [
            gaj("H6", "马长山", "372422195811116014", "户主", V),
            gaj("H6", "马俊", "372422198503096035", "子", V),
            gaj("H6", "韩雪", "372422198712016046", "儿媳", V, status="死亡", change_date=date(2022, 8, 30)),
            gaj("H6", "马欣怡", "371426201709156063", "孙女", V),
        ],
        "sfj_jz": [in_prison("372422198503096035")],
    })
    (f,) = findings(con)
    assert f["id_number"] == "371426201709156063" and f["household_no"] == "H6"


def test_one_severely_disabled_parent_and_one_healthy_parent_find_nothing():
    con = warehouse({
        "gaj_hjrk": family(),
        "clh_cjr": [clh("王建国", WANG_JIANGUO, "肢体", "一级", date(2016, 5, 10))],
    })
    assert findings(con) == []


def test_grade_three_is_not_severe_enough():
    con = warehouse({
        "gaj_hjrk": family(),
        "clh_cjr": [clh("王建国", WANG_JIANGUO, "肢体", "三级", date(2016, 5, 10)),
                    clh("李秀梅", LI_XIUMEI, "肢体", "一级", date(2016, 5, 10))],
    })
    assert findings(con) == []


def test_both_parents_dead_is_an_orphan_not_this_policy():
    con = warehouse({
        "gaj_hjrk": family(father_status="死亡", mother_status="死亡"),
        # a certificate still marked valid after death makes no FC
        "clh_cjr": [clh("王建国", WANG_JIANGUO, "肢体", "一级", date(2016, 5, 10))],
    })
    assert findings(con) == []


@pytest.mark.parametrize("category", ["事实无人抚养儿童", "孤儿", "困境儿童", "农村特困", "城市特困"])
def test_a_child_already_receiving_this_or_an_exclusive_benefit_is_not_proposed(category):
    con = warehouse({
        "gaj_hjrk": family(),
        "clh_cjr": [clh("王建国", WANG_JIANGUO, "肢体", "一级", date(2016, 5, 10)),
                    clh("李秀梅", LI_XIUMEI, "精神", "一级", date(2018, 3, 2))],
        "mzj_jzdx": [mzj("王子涵", WANG_ZIHAN, category, 920)],
    })
    assert findings(con, "DISCOVER") == []


def test_receiving_dibao_does_not_exclude():
    con = warehouse({
        "gaj_hjrk": family(),
        "clh_cjr": [clh("王建国", WANG_JIANGUO, "肢体", "一级", date(2016, 5, 10)),
                    clh("李秀梅", LI_XIUMEI, "精神", "一级", date(2018, 3, 2))],
        "mzj_jzdx": [mzj("王子涵", WANG_ZIHAN, "农村低保", 720)],
    })
    assert len(findings(con, "DISCOVER")) == 1


@pytest.mark.parametrize("case", ["dead", "moved", "jailed", "adult", "unresolved"])
def test_never_for_a_dead_gone_jailed_or_adult_child_nor_unresolved_parents(case):
    rows = family()
    extra: dict = {}
    if case == "dead":
        extra["bzs_hh"] = [{"cremation_no": "X1", "id_number": WANG_ZIHAN, "death_date": date(2026, 1, 1)}]
    elif case == "moved":
        rows[2] = gaj("H1", "王子涵", WANG_ZIHAN, "子", V, status="迁出", change_date=date(2026, 1, 1))
    elif case == "jailed":
        extra["sfj_jz"] = [in_prison(WANG_ZIHAN, date(2026, 1, 1))]
    elif case == "adult":
        rows[2] = gaj("H1", "王子涵", "371426200803140012", "子", V)  # 18 on 2026-03-14
    elif case == "unresolved":
        rows.append(gaj("H1", "赵某", "372422197001011234", "配偶", V))  # two 配偶 rows: three found
    con = warehouse({
        "gaj_hjrk": rows,
        "clh_cjr": [clh("王建国", WANG_JIANGUO, "肢体", "一级", date(2016, 5, 10)),
                    clh("李秀梅", LI_XIUMEI, "精神", "一级", date(2018, 3, 2))],
        **extra,
    })
    assert findings(con, "DISCOVER") == []


# --- R_DECEASED_PAID ------------------------------------------------------------

def test_e2_deceased_paid_gives_one_item_per_benefit_with_the_overpayment():
    con = warehouse(e2_rows())
    found = findings(con)
    assert [(f["kind"], f["rule_code"], f["policy_code"], float(f["amount"])) for f in found] == [
        ("review", "R_DECEASED_PAID", "HIGH_AGE", 100.0),
        ("review", "R_DECEASED_PAID", "TK_RURAL", 936.0),
    ]
    high_age, tk = found
    for f in found:
        assert (f["priority"], f["time_limit"], f["amount_period"], f["target"]) == (1, "5wd", "month", "person")
        assert f["id_number"] == SUN_DEFU and f["household_no"] == "H2"
        assert "2026-01-20" in f["reason"] and "火化记录" in f["reason"]
        assert "自2026年2月至2026年3月已多发2个月" in f["reason"]
    assert "计1,872.00元" in tk["reason"] and "每月936.00元" in tk["reason"]
    assert "计200.00元" in high_age["reason"]


def test_deceased_in_the_register_with_a_public_job():
    con = warehouse({
        "gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", V, status="死亡", change_date=date(2025, 12, 3))],
        "rsj_jy": [{"id_number": WANG_JIANGUO, "public_job": "是"}],
    })
    (f,) = findings(con)
    assert f["policy_code"] == "PUBLIC_JOB" and float(f["amount"]) == 700.0
    assert "户籍登记死亡" in f["reason"] and "2025-12-03" in f["reason"]
    assert "自2026年1月至2026年3月已多发3个月，计2,100.00元" in f["reason"]


def test_death_in_the_run_month_is_not_yet_overpaid():
    rows = e2_rows()
    rows["bzs_hh"][0]["death_date"] = date(2026, 3, 2)
    con = warehouse(rows)
    assert all("本月死亡，尚未多发" in f["reason"] for f in findings(con))


def test_deceased_paid_outside_the_register_is_still_reviewed():
    rows = e2_rows()
    del rows["gaj_hjrk"]
    con = warehouse(rows)
    found = findings(con)
    assert len(found) == 2 and all(f["household_no"] is None for f in found)


def test_deceased_without_any_benefit_gives_nothing():
    rows = e2_rows()
    del rows["mzj_jzdx"]
    assert findings(warehouse(rows)) == []


def test_a_living_recipient_gives_nothing():
    rows = e2_rows()
    del rows["bzs_hh"]
    assert findings(warehouse(rows)) == []


# --- both, and what every finding carries --------------------------------------

def test_evidence_lists_source_file_and_row_and_never_an_id_number():
    con = warehouse(merge_rows(e1_rows(), e2_rows()))
    found = findings(con)
    assert len(found) == 4
    for f in found:
        evidence = json.loads(f["evidence"])
        assert evidence and all(set(e) == {"source", "file", "row"} for e in evidence)
        assert not re.search(r"\d{17}[\dXx]", f["evidence"] + f["reason"])
    fuc = next(f for f in found if f["id_number"] == WANG_ZIHAN)
    sources = sorted((e["source"], e["row"]) for e in json.loads(fuc["evidence"]))
    # the child's and both parents' register rows, both certificates
    assert sources == [("clh_cjr", 2), ("clh_cjr", 3), ("gaj_hjrk", 2), ("gaj_hjrk", 3), ("gaj_hjrk", 4)]


def test_item_ids_in_sql_are_the_python_item_ids():
    con = warehouse(merge_rows(e1_rows(), e2_rows()))
    for f in findings(con):
        key = f["household_no"] if f["target"] == "household" else f["id_number"]
        assert f["item_id"] == item_id(f["kind"], f["rule_code"], f["policy_code"], key)
        assert re.fullmatch(r"WL-[A-Z2-7]{8}", f["item_id"])


def test_facts_fingerprint_is_stable_across_deliveries_and_moves_with_the_facts():
    first = {f["item_id"]: f["facts_fingerprint"] for f in findings(warehouse(e1_rows()))}
    # the next night's files have other names and rows: same facts
    renamed = e1_rows()
    for code, rows in renamed.items():
        for i, row in enumerate(rows):
            row["_file"] = f"{code}_20260315.csv"
            row["_row"] = 10 + i
    assert {f["item_id"]: f["facts_fingerprint"] for f in findings(warehouse(renamed))} == first
    changed = e1_rows()
    changed["clh_cjr"][1]["disability_grade"] = "二级"
    assert set({f["item_id"]: f["facts_fingerprint"] for f in findings(warehouse(changed))}.values()) \
        != set(first.values())


def test_labels_use_the_seven_categories_and_cover_what_the_rules_read():
    con = warehouse(merge_rows(e1_rows(), e2_rows()))
    labels = records(con, "SELECT * FROM labels.person_label")
    assert {r["category"] for r in labels} <= CATEGORIES
    have = {(r["id_number"], r["category"], r["label"]) for r in labels}
    assert (WANG_JIANGUO, "disability", "severe_disability") in have
    assert (WANG_ZIHAN, "demographic", "minor") in have
    assert (SUN_DEFU, "demographic", "deceased") in have
    assert (SUN_DEFU, "assistance", "receives_tk_rural") in have
    # as_of is the date the fact dates from (never after the run date), with its source row
    assert all(r["as_of"] is not None and r["as_of"] <= date(2026, 3, 15) and r["_file"] for r in labels)
