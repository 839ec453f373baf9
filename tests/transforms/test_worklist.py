"""Worklist state across nights: dispatch once, overdue, changed facts, closed by data, reruns."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import (SUN_DEFU, WANG_YUTONG, WANG_ZIHAN, create_ref, create_staging,  # noqa: E402
                              e1_rows, e2_rows, merge_rows, records, run_layers)
from transforms.worklist import item_id, mark_dispatched, update_worklist_state  # noqa: E402

D1 = date(2026, 3, 15)


def night(con, rows, run_date, export=True):
    """One night on a warehouse that keeps its meta: rebuild, move the state, 'export'."""
    create_staging(con, rows)
    create_ref(con, run_date)
    run_layers(con, ("core", "labels", "rules"))
    result = update_worklist_state(con, run_date)
    exported = worklist(con, "WHERE to_export")
    if export:
        mark_dispatched(con, run_date, [w["item_id"] for w in exported])
    return result, exported


def worklist(con, where=""):
    return records(con, f"SELECT * FROM marts.worklist {where} ORDER BY item_id")


def state(con):
    return {r["item_id"]: r for r in records(con, "SELECT * FROM meta.worklist_state")}


def test_item_id_is_stable_content_derived_and_starts_with_letters():
    a = item_id("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_ZIHAN)
    assert a == item_id("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_ZIHAN)
    assert a.startswith("WL-") and len(a) == 11
    assert a != item_id("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_YUTONG)
    assert a != item_id("review", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_ZIHAN)


def test_first_night_dispatches_every_finding_with_its_due_date():
    con = duckdb.connect()
    result, exported = night(con, merge_rows(e1_rows(), e2_rows()), D1)
    assert result["counts"]["new"] == 4 and result["warnings"] == []
    assert len(exported) == 4
    s = state(con)
    assert {v["status"] for v in s.values()} == {"dispatched"}
    assert {v["dispatched_on"] for v in s.values()} == {D1}
    due = {v["rule_code"]: v["due_date"] for v in s.values()}
    assert due == {"DISCOVER": date(2026, 4, 3), "R_DECEASED_PAID": date(2026, 3, 20)}
    wl = {w["id_number"]: w for w in worklist(con)}
    assert wl[WANG_ZIHAN]["status"] == "dispatched"  # the mart follows the export
    assert wl[WANG_ZIHAN]["township_code"] == "371426105" and wl[WANG_ZIHAN]["village_name"] == "李庄村"
    assert wl[WANG_ZIHAN]["name"] == "王子涵" and wl[WANG_ZIHAN]["phone"] == "13853401234"  # head's phone
    assert wl[SUN_DEFU]["address"] and wl[SUN_DEFU]["run_date"] == D1


def test_rerunning_a_night_reproduces_its_worklist():
    con = duckdb.connect()
    rows = merge_rows(e1_rows(), e2_rows())
    _, first_exported = night(con, rows, D1)
    first, state_after_first = worklist(con), state(con)
    _, again_exported = night(con, rows, D1)
    assert [w["item_id"] for w in again_exported] == [w["item_id"] for w in first_exported]
    assert worklist(con) == first
    assert state(con) == state_after_first


def test_an_open_item_is_not_exported_again_on_a_later_night():
    con = duckdb.connect()
    rows = merge_rows(e1_rows(), e2_rows())
    night(con, rows, D1)
    result, exported = night(con, rows, date(2026, 3, 16))
    assert exported == [] and result["counts"]["new"] == 0 and result["counts"]["open"] == 4
    assert all(w["status"] == "dispatched" and w["due_date"] for w in worklist(con))


def test_findings_that_disappear_are_closed_by_data_and_come_back_as_new():
    con = duckdb.connect()
    night(con, merge_rows(e1_rows(), e2_rows()), D1)
    result, _ = night(con, e1_rows(), date(2026, 3, 16))  # 民政 stopped paying the deceased
    assert result["counts"]["closed_by_data"] == 2
    closed = [v for v in state(con).values() if v["rule_code"] == "R_DECEASED_PAID"]
    assert {(v["status"], v["status_date"]) for v in closed} == {("closed_by_data", date(2026, 3, 16))}
    still_listed = [w for w in worklist(con) if w["rule_code"] == "R_DECEASED_PAID"]
    assert len(still_listed) == 2 and not any(w["is_current"] or w["to_export"] for w in still_listed)

    result, exported = night(con, merge_rows(e1_rows(), e2_rows()), date(2026, 3, 17))
    assert result["counts"]["reopened"] == 2
    assert {w["rule_code"] for w in exported} == {"R_DECEASED_PAID"}
    reopened = [v for v in state(con).values() if v["rule_code"] == "R_DECEASED_PAID"]
    assert {(v["status"], v["dispatched_on"], v["due_date"]) for v in reopened} == {
        ("dispatched", date(2026, 3, 17), date(2026, 3, 24))}


def test_an_overdue_item_is_exported_once_more_and_stays_overdue():
    con = duckdb.connect()
    night(con, e1_rows(), D1)  # due 2026-04-03
    _, exported = night(con, e1_rows(), date(2026, 4, 3))
    assert exported == []  # due today: not yet overdue
    _, exported = night(con, e1_rows(), date(2026, 4, 7))
    assert len(exported) == 2 and all(w["overdue"] and w["export_reason"] == "overdue" for w in exported)
    assert all(w["due_date"] == date(2026, 4, 3) for w in exported)  # fixed at first dispatch
    _, rerun = night(con, e1_rows(), date(2026, 4, 7))
    assert [(w["item_id"], w["overdue"]) for w in rerun] == [(w["item_id"], w["overdue"]) for w in exported]
    _, exported = night(con, e1_rows(), date(2026, 4, 8))
    assert exported == [] and all(w["overdue"] for w in worklist(con))


def test_changed_facts_re_export_the_item_with_its_first_due_date():
    con = duckdb.connect()
    night(con, e1_rows(), D1)
    changed = e1_rows()
    changed["clh_cjr"][1]["disability_grade"] = "二级"
    result, exported = night(con, changed, date(2026, 3, 18))
    assert result["counts"]["changed"] == 2
    fuc = [w for w in exported if w["policy_code"] == "FACT_UNSUPPORTED_CHILD"]
    assert len(fuc) == 2 and all(w["export_reason"] == "changed" for w in fuc)
    assert all(w["due_date"] == date(2026, 4, 3) and "二级" in w["reason"] for w in fuc)
    # the mother's nursing allowance now exceeds the grade-2 amount: a new item of its own
    others = [(w["rule_code"], w["policy_code"], w["export_reason"]) for w in exported if w not in fuc]
    assert others == [("R_AMOUNT", "DIS_NURSING", "new")]
    _, exported = night(con, changed, date(2026, 3, 19))
    assert exported == []


def test_feedback_statuses_are_left_as_feedback_set_them():
    con = duckdb.connect()
    night(con, e1_rows(), D1)
    con.execute("UPDATE meta.worklist_state SET status = 'not_eligible' WHERE item_id = ?",
                [item_id("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_ZIHAN)])
    _, exported = night(con, e1_rows(), date(2026, 3, 16))
    assert exported == []
    assert {v["status"] for v in state(con).values()} == {"not_eligible", "dispatched"}


def test_items_whose_township_cannot_be_told_go_to_the_county_office():
    con = duckdb.connect()
    rows = e2_rows()
    del rows["gaj_hjrk"]  # paid by 民政, cremated, never in the household register
    night(con, rows, D1)
    assert {w["township_code"] for w in worklist(con)} == {"371426000"}


def test_a_due_date_in_an_unconfirmed_year_is_a_warning():
    con = duckdb.connect()
    result, exported = night(con, e1_rows(), date(2026, 12, 20))
    assert len(exported) == 2 and all(w["due_date"].year == 2027 for w in exported)
    assert result["warnings"] and "2027" in result["warnings"][0]
