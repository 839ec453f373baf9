"""A city of counties on Dask: three generated counties on a two-worker LocalCluster.

The same counties run one by one through the county flow give the reference:
each county's findings, worklist and exports must not depend on where and
beside whom its night ran. The city step must find every cross-county case the
generator planted (truth/cross_county.csv), and nothing else.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import TEST_DATE

COUNTIES = ("371402", "371403", "371426")
PEOPLE = 250
SEED = 3


def test_three_counties_on_two_dask_workers(prefect_harness, tmp_path):
    """The issue's "done when", in one test so that one xdist worker builds it: three generated counties
    through the city flow on a two-worker LocalCluster, against the same counties one by one."""
    from flows.city import run_city
    from flows.nightly import nightly_flow
    from sources.generator.city import generate_city

    generated = tmp_path / "generated"
    generate_city(generated, COUNTIES, people=PEOPLE, date=TEST_DATE, seed=SEED)
    one_by_one, on_dask = tmp_path / "one_by_one", tmp_path / "on_dask"
    shutil.copytree(generated, one_by_one)
    shutil.copytree(generated, on_dask)
    for code in COUNTIES:
        nightly_flow(str(one_by_one / "counties" / code), TEST_DATE)
    result = run_city(on_dask, TEST_DATE, workers=2)

    assert result["failed"] == [] and sorted(result["counties"]) == list(COUNTIES)
    check_same_as_one_by_one(on_dask, one_by_one)
    check_each_county_finds_its_own_truth(on_dask)
    check_city_finds_every_planted_case_and_nothing_else(on_dask, result)
    check_unplaced_items_go_to_the_countys_own_office(on_dask)
    check_every_county_task_reported_to_the_one_prefect_api(result)


def _rows(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return sorted(con.execute(sql).fetchall(), key=repr)


def check_same_as_one_by_one(root: Path, one_by_one: Path) -> None:
    """Each county's findings, worklist and township files do not depend on where its night ran."""
    for code in COUNTIES:
        par, seq = root / "counties" / code, one_by_one / "counties" / code
        findings = _rows(par, "SELECT * FROM rules.finding")
        assert findings == _rows(seq, "SELECT * FROM rules.finding"), code
        kinds = {f[1] for f in findings}
        assert {"discover", "review"} <= kinds, f"county {code} found too little to compare"
        worklist = ("SELECT item_id, kind, rule_code, policy_code, id_number, township_code, due_date, status, "
                    "to_export FROM marts.worklist")
        assert _rows(par, worklist) == _rows(seq, worklist), code
        # The township files a county sends out are the same, byte for byte.
        manifest = f"exports/{TEST_DATE.isoformat()}/manifest.json"
        assert json.loads((par / manifest).read_text()) == json.loads((seq / manifest).read_text()), code


def check_each_county_finds_its_own_truth(root: Path) -> None:
    """Counties other than 平原县 are generated whole (own codes, ID prefixes, worked examples): each finds
    exactly its truth's first-night findings, the guests' R_MOVED_PAID among them."""
    moved = set()
    for code in COUNTIES:
        truth = pd.read_csv(root / "counties" / code / "truth" / "findings.csv", dtype=str, keep_default_na=False)
        truth = truth[truth.night == TEST_DATE.isoformat()]
        expected = set(zip(truth.kind, truth.rule_code, truth.policy_code, truth.id_number))
        found = {(k, r, p or "", i) for k, r, p, i in _rows(root / "counties" / code,
                 "SELECT kind, rule_code, policy_code, id_number FROM rules.finding")}
        assert found == expected, code
        e1 = truth[(truth.example == "E1")].id_number
        assert len(e1) == 2 and all(i.startswith(code) for i in e1)  # the E1 children, born here
        moved |= {(code, p, i) for _, r, p, i in found if r == "R_MOVED_PAID"}
    # A county paying someone another county registers sees only that its own register lacks them.
    with open(root / "truth" / "cross_county.csv", encoding="utf-8", newline="") as f:
        elsewhere = {(r["paying_county"], r["policy_code"], r["id_number"]) for r in csv.DictReader(f)
                     if r["kind"] in ("double_payment", "exclusive_payment", "paid_outside_register")}
    assert elsewhere and elsewhere <= moved


def check_city_finds_every_planted_case_and_nothing_else(root: Path, result: dict) -> None:
    with open(root / "truth" / "cross_county.csv", encoding="utf-8", newline="") as f:
        planted = {(r["kind"], r["id_number"], r["paying_county"], r["policy_code"], r["other_county"],
                    r["other_policy_code"] or None, Decimal(r["monthly_amount"])) for r in csv.DictReader(f)}
    assert {p[0] for p in planted} == {"deceased_paid", "double_payment", "exclusive_payment",
                                       "paid_outside_register"}
    with duckdb.connect(str(root / "city" / "warehouse.duckdb"), read_only=True) as con:
        found = set(con.execute("""
            SELECT kind, id_number, paying_county, policy_code, other_county, other_policy_code, monthly_amount
            FROM city.cross_county_finding""").fetchall())
        summary = con.execute("SELECT county_code, is_current, cross_county_to_act FROM city.county_summary "
                              "ORDER BY county_code").fetchall()
    assert found == planted
    to_act = pd.Series([p[2] for p in planted]).value_counts().to_dict()
    assert summary == [(c, True, to_act.get(c, 0)) for c in COUNTIES]
    assert result["city"]["city.cross_county_finding"] == len(planted)


def check_unplaced_items_go_to_the_countys_own_office(root: Path) -> None:
    """371403 pays people its register lacks (R_MOVED_PAID): their items go to 371403000, not to 平原县's office."""
    names = {p.name for p in (root / "counties" / "371403" / "exports" / TEST_DATE.isoformat()).iterdir()}
    assert {"371403000_县级待分派.csv", "371403000_县级待分派.xlsx"} <= names
    assert not [n for n in names if not n.startswith("371403") and n != "manifest.json"]


def check_every_county_task_reported_to_the_one_prefect_api(result: dict) -> None:
    """Two worker processes ran the county tasks, and the flow's Prefect server holds all three runs."""
    from prefect import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="county-night")))
    per_flow_run = Counter(r.flow_run_id for r in runs if r.state and r.state.is_completed())
    assert len(COUNTIES) in per_flow_run.values()
    workers = {c["worker"] for c in result["counties"].values()}
    assert len(workers) == 2 and f"{socket.gethostname()}:{os.getpid()}" not in workers


def test_city_step_leaves_to_each_county_what_it_sees_itself(tmp_path):
    """Three-row inputs: a death the paying county records itself is its own R_DECEASED_PAID, and a person
    registered in the paying county is not paid outside the register, even if registered elsewhere too."""
    from transforms.city import CityHome, build_city

    city = CityHome(tmp_path)
    d = date(2026, 3, 15)
    person = {
        "A": [("P1", True, "正常", "alive", False), ("P2", True, "死亡", "deceased", True),
              ("P3", True, "正常", "alive", False)],
        "B": [("P1", True, "正常", "alive", False), ("P2", False, None, "deceased", True),
              ("P3", False, None, "not_in_register", False)],
    }
    benefit = {"A": [("P2", "HIGH_AGE", "高龄津贴", 100)],
               "B": [("P1", "HIGH_AGE", "高龄津贴", 100), ("P2", "HIGH_AGE", "高龄津贴", 100),
                     ("P3", "DIS_LIVING", "困难残疾人生活补贴", 150)]}
    codes = {"A": "370001", "B": "370002"}
    for key, code in codes.items():
        p = pd.DataFrame(person[key], columns=["id_number", "in_household_register", "register_status",
                                               "life_status", "is_dead"])
        p["death_date"] = pd.to_datetime(p.is_dead.map({True: "2026-01-02", False: None}))
        p["death_evidence"] = p.is_dead.map({True: "火化记录", False: None})
        b = pd.DataFrame(benefit[key], columns=["id_number", "policy_code", "benefit_category", "monthly_amount"])
        b["since"] = pd.Timestamp("2025-01-01")
        summary = pd.DataFrame([{"people_registered": 2, "households": 2, "benefits": len(b), "monthly_paid": 1.0,
                                 "findings_discover": 0, "findings_review": 1, "findings_warning": 0,
                                 "findings_yellow": 0}])
        for table, frame in (("person", p), ("benefit", b), ("summary", summary)):
            path = city.lake_file(table, code)
            path.parent.mkdir(parents=True)
            frame.insert(0, "run_date", d)
            frame.insert(0, "county_code", code)
            frame.to_parquet(path)
    counts = build_city(city, d)
    with duckdb.connect(str(city.warehouse), read_only=True) as con:
        found = con.execute("SELECT kind, id_number, paying_county, other_county FROM city.cross_county_finding "
                            "ORDER BY id_number").fetchall()
        p1 = con.execute("SELECT register_counties, home_county FROM city.person WHERE id_number = 'P1'").fetchall()
    # P1: registered in both and paid by B: B's own register holds P1. P2: B records the cremation itself.
    # P3: alive in A, paid by B, which does not register P3.
    assert found == [("paid_outside_register", "P3", codes["B"], codes["A"])]
    assert p1 == [([codes["A"], codes["B"]], codes["A"])]
    assert counts["city.county_summary"] == 2


@pytest.mark.parametrize("args,expected", [
    (["city", "generate", "--out", "{tmp}/c", "--counties", "371402,110101", "--date", "2026-03-15"],
     "not counties of 德州市: 110101"),
    (["city", "run", "--home", "{tmp}", "--date", "2026-03-15", "--scheduler", "tcp://127.0.0.1:9"],
     "report to one Prefect server"),
])
def test_city_command_user_errors_are_one_line(args, expected, tmp_path):
    """A remote cluster without PREFECT_API_URL is refused before any work: its workers could not report."""
    (tmp_path / "counties" / "371402" / "inbox").mkdir(parents=True)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}, "PREFECT_API_URL": ""}
    result = subprocess.run([sys.executable, "-m", "flows.cli", *[a.format(tmp=tmp_path) for a in args]],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
