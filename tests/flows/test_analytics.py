"""The analysts' warehouse: no personal data, a comment on everything, published atomically, queries that run."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TEST_DATE, copy_home
from tests.flows.test_nightly import E1_CHILDREN
from transforms.analytics import ANALYTICS_TABLES, DICTIONARY_BEGIN, DICTIONARY_END, with_dictionary

NIGHT2 = TEST_DATE + timedelta(days=1)
DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"

# interfaces.md, "The analysts' warehouse": the stable views and (at least) their columns.
STABLE_COLUMNS = {
    "person": "person_key household_key sex birth_year age township_code village_code is_urban life_status",
    "household": "household_key township_code village_code size per_capita_monthly_income",
    "person_label": "person_key category label value source_code as_of",
    "household_label": "household_key category label value as_of",
    "benefit": "person_key policy_code monthly_amount since",
    "worklist": "item_id run_date kind policy_code rule_code person_key household_key township_code village_code "
                "reason evidence amount amount_period priority due_date status overdue",
    "source_delivery": "source_code file_name sha256 extract_date rows rows_rejected accepted reason",
    "run": "run_id run_date started_at finished_at status sources_ok sources_failed items_new items_open",
}


# --- the personal-data scan (also used by the report tests) ------------------------------


def load_needles(con: duckdb.DuckDBPyConnection, home: Path) -> dict[str, int]:
    """Temp table `needle(kind, value)`: every personal value of the county, as delivered.

    Every column a contract marks as personal data (ID numbers, names, phones,
    addresses, plates, property units), read from the lake files as delivered,
    plus the normalised ID numbers of truth/people.csv.
    """
    from sources.contracts import load_contracts

    parts = []
    for code, contract in load_contracts().items():
        files = [str(p) for p in sorted((home / "lake" / code).glob("*.parquet"))]
        parts += [f"SELECT '{c.pii}' AS kind, trim(CAST({c.name} AS VARCHAR)) AS value "
                  f"FROM read_parquet({files}, union_by_name = true)" for c in contract.columns if c.pii and files]
    parts.append(f"SELECT 'id', id_number FROM read_csv('{home / 'truth' / 'people.csv'}', all_varchar = true)")
    con.execute("CREATE OR REPLACE TEMP TABLE needle AS SELECT DISTINCT kind, value FROM ("
                + " UNION ALL ".join(parts) + ") WHERE length(value) >= 2")
    return dict(con.execute("SELECT kind, count(*) FROM needle GROUP BY kind").fetchall())


def personal_data_hits(con: duckdb.DuckDBPyConnection, haystack: str) -> list[tuple[str, str]]:
    """(kind, text) for every text of `haystack(v)` holding a needle.

    A whole value equal to any needle; an ID number or phone inside a run of
    11+ digits; a name anywhere inside a text with Chinese characters (so as a
    token too); an address, plate or property unit anywhere inside a text.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE hay_distinct AS SELECT DISTINCT v FROM {haystack} WHERE v IS NOT NULL")
    return con.execute(r"""
        SELECT n.kind, h.v FROM hay_distinct h JOIN needle n ON h.v = n.value
        UNION
        SELECT n.kind, r.run
        FROM (SELECT DISTINCT unnest(regexp_extract_all(v, '[0-9Xx]{11,}')) AS run FROM hay_distinct) r
        JOIN needle n ON n.kind IN ('id', 'phone') AND length(n.value) >= 11 AND contains(r.run, n.value)
        UNION
        SELECT n.kind, h.v FROM hay_distinct h
        JOIN needle n ON n.kind = 'name' AND regexp_matches(h.v, '[\x{4e00}-\x{9fff}]') AND contains(h.v, n.value)
        UNION
        SELECT n.kind, h.v FROM hay_distinct h
        JOIN needle n ON n.kind IN ('address', 'plate', 'property_unit') AND length(n.value) >= 6
                     AND contains(h.v, n.value)
        ORDER BY 1, 2""").fetchall()


def test_no_personal_data_in_any_table_or_view(first_night):
    con = duckdb.connect()
    con.execute(f"ATTACH '{first_night / 'analytics.duckdb'}' AS a (READ_ONLY)")
    needles = load_needles(con, first_night)
    assert needles["id"] > 2000 and needles["name"] > 1500 and needles["phone"] > 1000
    assert needles["address"] > 500 and needles["plate"] > 100 and needles["property_unit"] > 100
    columns = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                          "WHERE database_name = 'a' AND schema_name = 'main'").fetchall()
    assert {t for t, _ in columns} >= set(ANALYTICS_TABLES), "every table and view is scanned"
    con.execute("CREATE TEMP TABLE hay AS " + " UNION ALL ".join(
        f"SELECT CAST(\"{c}\" AS VARCHAR) AS v FROM a.main.\"{t}\"" for t, c in columns))
    assert con.execute("SELECT count(v) FROM hay").fetchone()[0] > 50_000
    assert personal_data_hits(con, "hay") == []
    # The same scan finds every kind where it is meant to be: the full warehouse's worklist.
    con.execute(f"ATTACH '{first_night / 'warehouse.duckdb'}' AS w (READ_ONLY)")
    con.execute("CREATE TEMP TABLE control AS "
                "SELECT unnest([id_number, name, phone, address, reason]) AS v FROM w.marts.worklist")
    assert {kind for kind, _ in personal_data_hits(con, "control")} >= {"id", "name", "phone", "address"}


# --- the data dictionary in the database -------------------------------------------------


def test_every_table_view_and_column_has_a_comment(first_night):
    with duckdb.connect(str(first_night / "analytics.duckdb"), read_only=True) as con:
        relations = con.execute("""
            SELECT table_name, comment FROM duckdb_tables()
            WHERE database_name = current_database() AND NOT internal
            UNION ALL SELECT view_name, comment FROM duckdb_views()
            WHERE database_name = current_database() AND NOT internal""").fetchall()
        columns = con.execute("""
            SELECT table_name, column_name, comment FROM duckdb_columns()
            WHERE database_name = current_database() AND NOT internal""").fetchall()
    assert {name for name, _ in relations} == set(ANALYTICS_TABLES)
    assert [name for name, comment in relations if not (comment or "").strip()] == []
    assert [(t, c) for t, c, comment in columns if not (comment or "").strip()] == []
    for view, wanted in STABLE_COLUMNS.items():
        missing = set(wanted.split()) - {c for t, c, _ in columns if t == view}
        assert not missing, f"{view} lacks {sorted(missing)}"


def test_codes_keep_the_values_interfaces_md_names(first_night):
    with duckdb.connect(str(first_night / "analytics.duckdb"), read_only=True) as con:
        def values(sql):
            return {r[0] for r in con.execute(sql).fetchall()}

        assert values("SELECT DISTINCT kind FROM worklist") == {"discover", "review", "warning", "yellow"}
        assert values("SELECT DISTINCT category FROM person_label") == {
            "demographic", "disability", "health", "economic", "employment", "education", "assistance"}
        assert values("SELECT DISTINCT amount_period FROM worklist") <= {"month", "year", "once", None}
        assert values("SELECT DISTINCT status FROM worklist") <= {
            "new", "dispatched", "verified_eligible", "not_eligible", "already_covered", "confirmed",
            "not_confirmed", "unreachable", "refused", "closed_by_data"}
        assert values("SELECT count(*) FROM worklist WHERE person_key IS NULL AND household_key IS NULL") == {0}
        assert values("SELECT count(*) FROM person WHERE person_key IS NULL") == {0}


# --- docs/analysts.md --------------------------------------------------------------------


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


SQL_BLOCKS = re.findall(r"```sql\n(.*?)```", _doc(), flags=re.S)


def test_the_guide_has_ten_example_queries():
    examples = _doc().split("## Example queries")[1].split("## Data dictionary")[0]
    assert len(re.findall(r"^```sql$", examples, flags=re.M)) == 10


@pytest.mark.parametrize("number", range(1, len(SQL_BLOCKS) + 1))
def test_every_query_of_the_guide_runs_and_answers(first_night, number):
    with duckdb.connect(str(first_night / "analytics.duckdb"), read_only=True) as con:
        rows = con.execute(SQL_BLOCKS[number - 1]).fetchall()
    assert rows, f"query {number} of docs/analysts.md returns nothing on the test county"


def test_the_guides_data_dictionary_is_the_databases(first_night):
    doc = _doc()
    assert with_dictionary(doc) == doc, "run `python -m transforms.analytics docs/analysts.md`"
    section = doc.split(DICTIONARY_BEGIN)[1].split(DICTIONARY_END)[0]
    documented = {m.group(1): m.group(2).strip() for m in
                  re.finditer(r"^### `(\w+)`\n\n(.+)$", section, flags=re.M)}
    with duckdb.connect(str(first_night / "analytics.duckdb"), read_only=True) as con:
        in_database = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() "
                                       "WHERE database_name = current_database()").fetchall())
        columns = {(t, c): comment for t, c, comment in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = current_database()").fetchall()}
    assert documented == in_database
    for view, (_, cols, _) in ANALYTICS_TABLES.items():
        for name, _, text in cols:
            assert columns[(view, name)] == text
            assert f"| `{name}` |" in section


# --- publication: an analyst holding the file open through a whole night ------------------

READER = r"""
import sys, duckdb
analytics = duckdb.connect(sys.argv[1], read_only=True)
warehouse = duckdb.connect(sys.argv[2], read_only=True)
def night():
    return " ".join(str(v) for v in (
        analytics.execute("SELECT max(run_date) FROM run").fetchall()[0][0],
        analytics.execute("SELECT count(*) FROM worklist").fetchall()[0][0],
        analytics.execute("SELECT count(*) FROM source_delivery").fetchall()[0][0],
        warehouse.execute("SELECT max(run_date) FROM meta.run").fetchall()[0][0]))
print(night(), flush=True)
for _ in sys.stdin:
    print(night(), flush=True)
"""


@pytest.fixture(scope="module")
def night_under_reader(first_night, tmp_path_factory):
    """Night 2 run while a second process holds both warehouses open read-only."""
    from flows.nightly import nightly_flow
    from sources.generator import deliver

    home = copy_home(first_night, tmp_path_factory.mktemp("reader") / "home")
    reader = subprocess.Popen([sys.executable, "-c", READER, str(home / "analytics.duckdb"),
                               str(home / "warehouse.duckdb")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        before = reader.stdout.readline().split()
        inode = (home / "analytics.duckdb").stat().st_ino
        deliver(home, NIGHT2)
        try:
            result = nightly_flow(str(home), NIGHT2)
        except Exception as exc:  # noqa: BLE001 - a night blocked by the reader is what the test reports
            result = dict(run=dict(status=f"failed: {exc}"))
        reader.stdin.write("again\n")
        reader.stdin.flush()
        after = reader.stdout.readline().split()
        alive = reader.poll() is None
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    return dict(home=home, before=before, after=after, alive=alive, result=result, inode=inode)


def test_an_open_reader_keeps_its_whole_night_and_never_blocks_the_run(night_under_reader):
    r = night_under_reader
    assert r["before"][0] == TEST_DATE.isoformat() and r["before"][3] == TEST_DATE.isoformat()
    assert r["result"]["run"]["status"] == "published", "the night was blocked by an open reader"
    assert r["alive"], "the reader held its connections through the run"
    assert r["after"] == r["before"], "the old connections still see night 1, whole"


def test_a_new_connection_sees_the_new_night(night_under_reader):
    home = night_under_reader["home"]
    assert (home / "analytics.duckdb").stat().st_ino != night_under_reader["inode"], "swapped in by rename"
    with duckdb.connect(str(home / "analytics.duckdb"), read_only=True) as con:
        assert con.execute("SELECT max(run_date) FROM run").fetchone()[0] == NIGHT2
        assert con.execute("SELECT count(*) FROM source_delivery").fetchone()[0] > int(night_under_reader["before"][2])
    assert not list(home.glob("*.building*")), "no half-built file left beside the published one"


def test_person_key_is_the_keyed_hash_and_stable_across_nights(night_under_reader, first_night):
    home = night_under_reader["home"]
    key_file = home / "secrets" / "pseudonym.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not str(key_file.resolve()).startswith(str(Path(__file__).resolve().parents[2]) + os.sep)
    key = bytes.fromhex(key_file.read_text().strip())
    nights = []
    for h in (first_night, home):
        with duckdb.connect(str(h / "analytics.duckdb"), read_only=True) as con:
            nights.append({r[0] for r in con.execute("SELECT person_key FROM person").fetchall()})
    for id_number in E1_CHILDREN:
        expected = "P" + hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()
        assert expected in nights[0] and expected in nights[1]
    assert len(nights[0] & nights[1]) >= 0.99 * len(nights[0])


def test_an_unusable_key_fails_the_night_before_anything_is_swapped_in(first_night, tmp_path):
    from flows.nightly import nightly_flow

    home = copy_home(first_night, tmp_path / "home")
    os.chmod(home / "secrets" / "pseudonym.key", 0o644)
    before = {name: (home / name).stat().st_ino for name in ("warehouse.duckdb", "analytics.duckdb")}
    with pytest.raises(Exception, match="chmod 600"):
        nightly_flow(str(home), NIGHT2)
    assert {name: (home / name).stat().st_ino for name in before} == before
    assert not (home / "exports" / NIGHT2.isoformat()).exists()
