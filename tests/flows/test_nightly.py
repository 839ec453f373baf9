"""The first night end to end, through the real Prefect flow, scored against truth/."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TEST_DATE, copy_home

E1_CHILDREN = {"371426201506201039": "王子涵", "371426201911081042": "王雨桐"}
E2_PERSON = "372422194002012018"
SCORED_RULES = [("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD"), ("review", "R_DECEASED_PAID", None)]


def worklist_rows(home: Path) -> list[dict]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        cur = con.execute("SELECT * FROM marts.worklist")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def truth_rows(home: Path) -> list[dict]:
    with (home / "truth" / "findings.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def finding_key(kind, rule, policy, id_number):
    return (kind, rule, policy, id_number)


@pytest.mark.parametrize("kind,rule,policy", SCORED_RULES)
def test_flow_scores_against_truth(first_night, kind, rule, policy, capsys):
    """Precision and recall of the night's worklist against what the generator planted."""
    night = TEST_DATE.isoformat()
    expected = {finding_key(t["kind"], t["rule_code"], t["policy_code"], t["id_number"])
                for t in truth_rows(first_night)
                if t["kind"] == kind and t["rule_code"] == rule
                and (policy is None or t["policy_code"] == policy) and t["night"] <= night}
    found = {finding_key(w["kind"], w["rule_code"], w["policy_code"], w["id_number"])
             for w in worklist_rows(first_night)
             if w["kind"] == kind and w["rule_code"] == rule and (policy is None or w["policy_code"] == policy)}
    assert expected, f"truth plants no {rule} {policy or ''} case"
    tp = len(expected & found)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(expected)
    with capsys.disabled():  # the scores belong in every test log
        print(f"\n{rule} {policy or ''}: planted {len(expected)}, found {len(found)}, "
              f"precision {precision:.3f}, recall {recall:.3f}")
    assert (precision, recall) == (1.0, 1.0), (sorted(found - expected), sorted(expected - found))


def test_e1_children_found_at_920_a_month(first_night):
    items = [w for w in worklist_rows(first_night)
             if w["rule_code"] == "DISCOVER" and w["policy_code"] == "FACT_UNSUPPORTED_CHILD"
             and w["id_number"] in E1_CHILDREN]
    assert len(items) == 2
    for item in items:
        assert float(item["amount"]) == 920.0 and item["amount_period"] == "month"
        assert item["priority"] == 2
        assert "一级" in item["reason"], item["reason"]
        assert re.fullmatch(r"[A-Z]{2}-[A-Z0-9]+", item["item_id"]) or item["item_id"][0].isalpha()


def test_e1_items_in_wanggaopu_township_export(first_night):
    folder = first_night / "exports" / TEST_DATE.isoformat()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = {Path(f["file"]).name if "file" in f else f["name"]: f for f in manifest["files"]}
    csv_name = "371426105_王杲铺镇.csv"
    assert csv_name in files and "371426105_王杲铺镇.xlsx" in files
    with (folder / csv_name).open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    fuc = [r for r in rows if r["政策编码"] == "FACT_UNSUPPORTED_CHILD" and r["姓名"] in E1_CHILDREN.values()]
    assert len(fuc) == 2
    for r in fuc:
        assert r["身份证号"].startswith("371426") and "********" in r["身份证号"]
        assert r["身份证号"] not in E1_CHILDREN
        assert float(r["预估金额(元)"]) == 920 and r["金额周期"] == "月"
    # A township's file holds that township's items only.
    assert {r["乡镇街道"] for r in rows} == {"王杲铺镇"}


def test_e2_deceased_still_paid_two_items(first_night):
    items = {w["policy_code"]: w for w in worklist_rows(first_night)
             if w["rule_code"] == "R_DECEASED_PAID" and w["id_number"] == E2_PERSON}
    assert set(items) == {"TK_RURAL", "HIGH_AGE"}
    assert float(items["TK_RURAL"]["amount"]) == 936 and float(items["HIGH_AGE"]["amount"]) == 100
    assert all(w["priority"] == 1 for w in items.values())


def test_rerun_same_night_gives_identical_exports(first_night, tmp_path):
    from flows.nightly import nightly_flow

    home = copy_home(first_night, tmp_path / "home")
    folder = home / "exports" / TEST_DATE.isoformat()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rows_before = sorted(map(str, worklist_rows(home)))
    nightly_flow(str(home), TEST_DATE)
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert before.keys() == after.keys() and all(before[k] == after[k] for k in before)
    assert sorted(map(str, worklist_rows(home))) == rows_before
