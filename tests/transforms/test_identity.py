"""Confident links fill the staging ID of exactly the linked rows."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import (LI_XIUMEI, WANG_JIANGUO, create_ref, create_staging, gaj,  # noqa: E402
                              records, run_layers)
from transforms.identity import apply_links  # noqa: E402

VILLAGE = "371426102201"


def _link_table(con, rows):
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    con.execute("CREATE OR REPLACE TABLE core.person_link (_source VARCHAR, _file VARCHAR, _row INTEGER, "
                "id_number VARCHAR, link_method VARCHAR, match_probability DOUBLE, evidence VARCHAR)")
    for r in rows:
        con.execute("INSERT INTO core.person_link VALUES (?, ?, ?, ?, 'splink', 0.999, 'id digits, name')", r)


def test_a_linked_register_row_joins_the_register_and_keeps_its_defect(tmp_path):
    import duckdb

    con = duckdb.connect()
    create_staging(con, {
        "gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", VILLAGE),
                     {**gaj("H1", "李秀梅", None, "配偶", VILLAGE), "id_number_raw": "372422198809031020",
                      "id_issue": "id_mangled_by_excel"}],
        "ybj_js": [{"settlement_no": "S1", "id_number": LI_XIUMEI, "name": "李秀梅"},
                   {"settlement_no": "S2", "id_number": None, "id_number_raw": "3.72422E+17",
                    "id_issue": "id_mangled_by_excel", "name": "李秀梅"}],
    })
    create_ref(con)
    file_name = records(con, "SELECT _file FROM staging.stg_gaj_hjrk LIMIT 1")[0]["_file"]
    _link_table(con, [("gaj_hjrk", file_name, 3, LI_XIUMEI)])

    assert apply_links(con) == {"stg_gaj_hjrk": 1}
    assert apply_links(con) == {}  # applying again changes nothing

    rows = records(con, "SELECT id_number, id_issue, id_link_method FROM staging.stg_gaj_hjrk ORDER BY _row")
    assert rows == [{"id_number": WANG_JIANGUO, "id_issue": None, "id_link_method": None},
                    {"id_number": LI_XIUMEI, "id_issue": "id_mangled_by_excel", "id_link_method": "splink"}]
    unlinked = records(con, "SELECT id_number FROM staging.stg_ybj_js WHERE settlement_no = 'S2'")
    assert unlinked == [{"id_number": None}]  # not in person_link: stays for review

    run_layers(con, ("core",))
    person = {r["id_number"]: r for r in records(con, "SELECT * FROM core.person")}
    assert person[LI_XIUMEI]["in_household_register"] is True
    assert person[LI_XIUMEI]["link_method"] == "splink"
    assert person[WANG_JIANGUO]["link_method"] == "id_number"
    size = records(con, "SELECT size FROM core.household")
    assert size == [{"size": 2}]
    # the member is counted once: as the linked person, not also as an unidentified row
    assert len(records(con, "SELECT * FROM core.membership")) == 2


def test_a_row_with_its_own_valid_id_is_never_relinked():
    import duckdb

    con = duckdb.connect()
    create_staging(con, {"gaj_hjrk": [gaj("H1", "王建国", WANG_JIANGUO, "户主", VILLAGE)]})
    file_name = records(con, "SELECT _file FROM staging.stg_gaj_hjrk")[0]["_file"]
    _link_table(con, [("gaj_hjrk", file_name, 2, LI_XIUMEI)])
    assert apply_links(con) == {}
    assert records(con, "SELECT id_number FROM staging.stg_gaj_hjrk") == [{"id_number": WANG_JIANGUO}]
