"""Later nights: increments, a repeated file, a late file and a wrong delivery, through the flow."""
from __future__ import annotations

import csv
import json
from datetime import timedelta

import duckdb
import pytest

from tests.conftest import TEST_DATE, copy_home
from tests.flows.test_nightly import truth_rows, worklist_rows

NIGHT2 = TEST_DATE + timedelta(days=1)


@pytest.fixture(scope="module")
def second_night(first_night, tmp_path_factory):
    from flows.nightly import nightly_flow
    from sources.generator import deliver

    home = copy_home(first_night, tmp_path_factory.mktemp("night2") / "home")
    deliver(home, NIGHT2)
    nightly_flow(str(home), NIGHT2)
    return home


def drops_of(home, night, kind_prefix):
    with (home / "truth" / "deliveries.csv").open(encoding="utf-8") as fh:
        return [r["file"] for r in csv.DictReader(fh)
                if r["night"] == night.isoformat() and r["kind"].startswith(kind_prefix)]


def test_wrong_delivery_quarantined_and_reported(second_night):
    wrong = drops_of(second_night, NIGHT2, "wrong_")
    assert wrong, "the generator plants a wrong delivery on night 2"
    with duckdb.connect(str(second_night / "warehouse.duckdb"), read_only=True) as con:
        rows = dict(con.execute("SELECT file_name, accepted FROM meta.delivery WHERE run_date = ?",
                                [NIGHT2]).fetchall())
    for name in wrong:
        assert rows.get(name) is False, name
        assert any(p.name == name for p in (second_night / "quarantine").rglob("*")), name
    report = (second_night / "reports" / f"{NIGHT2.isoformat()}.html").read_text(encoding="utf-8")
    assert all(name in report for name in wrong)


def test_repeated_file_not_ingested_twice(second_night):
    repeated = drops_of(second_night, NIGHT2, "repeat")
    assert repeated
    with duckdb.connect(str(second_night / "warehouse.duckdb"), read_only=True) as con:
        for name in repeated:
            accepted = con.execute("SELECT count(*) FROM meta.delivery WHERE file_name = ? AND accepted",
                                   [name]).fetchone()[0]
            assert accepted == 1, name


def test_night2_findings_match_truth_and_night1_items_not_reexported(second_night, first_night):
    expected = {(t["rule_code"], t["policy_code"], t["id_number"]) for t in truth_rows(second_night)
                if t["rule_code"] in ("DISCOVER", "R_DECEASED_PAID") and t["night"] <= NIGHT2.isoformat()
                and (t["rule_code"] != "DISCOVER" or t["policy_code"] == "FACT_UNSUPPORTED_CHILD")}
    assert any(t["night"] == NIGHT2.isoformat() for t in truth_rows(second_night)), "night 2 plants a case"
    # the rules truth scores (other rules fire on the county until the generator plants them)
    found = {(w["rule_code"], w["policy_code"], w["id_number"]) for w in worklist_rows(second_night)
             if w["rule_code"] in ("DISCOVER", "R_DECEASED_PAID")
             and (w["rule_code"] != "DISCOVER" or w["policy_code"] == "FACT_UNSUPPORTED_CHILD")}
    assert found == expected
    night1_ids = {w["item_id"] for w in worklist_rows(first_night)}
    manifest = json.loads((second_night / "exports" / NIGHT2.isoformat() / "manifest.json").read_text("utf-8"))
    exported = set()
    for f in manifest["files"]:
        if f["file"].endswith(".csv") and "反馈问题" not in f["file"]:
            with (second_night / "exports" / NIGHT2.isoformat() / f["file"]).open(encoding="utf-8-sig") as fh:
                exported |= {r["工单编号"] for r in csv.DictReader(fh)}
    assert exported, "night 2's new case is exported"
    assert not exported & night1_ids, "an open, dispatched item is not exported again"


def test_report_tells_a_repeated_file_from_a_quarantined_one(second_night):
    import re

    report = (second_night / "reports" / f"{NIGHT2.isoformat()}.html").read_text(encoding="utf-8")
    quarantine_section = report.split("<h2>Quarantined</h2>")[1].split("<h2>")[0]
    repeats_section = report.split("<h2>Repeated files")[1].split("<h2>")[0]
    for name in drops_of(second_night, NIGHT2, "repeat"):
        source = name.rsplit("_", 1)[0]
        assert re.search(rf"<td>{source}</td><td>[1-9]", repeats_section), name
        assert name not in quarantine_section
    for name in drops_of(second_night, NIGHT2, "wrong_"):
        assert name in quarantine_section


def test_a_failing_report_does_not_fail_a_published_night(first_night, tmp_path, monkeypatch):
    import transforms.report
    from flows.nightly import nightly_flow

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(transforms.report, "write_report", broken)
    home = copy_home(first_night, tmp_path / "home")
    result = nightly_flow(str(home), NIGHT2)
    assert result["report"] is None and result["run"]["status"] == "published"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.run WHERE run_date = ?", [NIGHT2]).fetchone()[0] == 1


def test_unchanged_sources_are_copied_and_equal_a_parse_from_the_lake(second_night):
    """Night 2 copies the staging tables of sources that delivered nothing new from night 1's
    warehouse; every staging table it publishes equals the table parsed afresh from the lake
    files in force, with tonight's links applied."""
    from sources.contracts import load_contracts
    from transforms.identity import apply_links
    from transforms.values import install_staging_macros
    from transforms.warehouse import models_in_order

    with duckdb.connect(str(second_night / "warehouse.duckdb"), read_only=True) as con:
        copied = {t for t, c in con.execute("SELECT table_name, copied FROM meta.staging_input").fetchall() if c}
        delivered = {r[0] for r in con.execute(
            "SELECT DISTINCT source_code FROM meta.delivery WHERE run_date = ? AND accepted", [NIGHT2]).fetchall()}
    assert delivered and copied, "night 2 has new deliveries and unchanged sources"
    assert copied == {f"staging.stg_{c}" for c in load_contracts()} - {f"staging.stg_{c}" for c in delivered}

    fresh = duckdb.connect()
    try:
        fresh.execute(f"ATTACH '{second_night / 'warehouse.duckdb'}' AS w (READ_ONLY)")
        install_staging_macros(fresh)
        for schema in ("lake", "staging", "core"):
            fresh.execute(f"CREATE SCHEMA {schema}")
        for (view,) in fresh.execute("SELECT view_name FROM duckdb_views() WHERE database_name = 'w' "
                                     "AND schema_name = 'lake'").fetchall():
            fresh.execute(f"CREATE VIEW lake.{view} AS SELECT * FROM w.lake.{view}")
        for model in models_in_order("staging"):
            fresh.execute(f"CREATE TABLE {model.table} AS {model.select_sql()}")
        fresh.execute("CREATE TABLE core.person_link AS SELECT * FROM w.core.person_link")
        apply_links(fresh)
        for model in models_in_order("staging"):
            for a, b in ((model.table, f"w.{model.table}"), (f"w.{model.table}", model.table)):
                extra = fresh.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchall()[0][0]
                assert extra == 0, f"{model.table}: {extra} rows of {a} not in {b}"
    finally:
        fresh.close()
