"""Staging tables copied from the published warehouse when their inputs are unchanged."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from sources.home import Home
from transforms import incremental
from transforms.warehouse import Model

NIGHT = date(2026, 3, 16)


def _model(tmp_path: Path, name: str, sql: str) -> Model:
    path = tmp_path / "sql" / "staging" / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql, encoding="utf-8")
    return Model("staging", name, path)


def _published(home: Home, fingerprints: dict[str, str]) -> None:
    """Last night's warehouse: a staging table with one row whose ID a link supplied."""
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute("""CREATE TABLE staging.stg_x AS SELECT * FROM (VALUES
            ('371426199001010011', NULL, 'x', 1),
            ('371426199001010022', 'register', 'x', 2)) AS t(id_number, id_link_method, _file, _row)""")
        con.execute("CREATE SCHEMA meta")
        incremental.record(con, fingerprints, date(2026, 3, 15), set())


def test_an_unchanged_table_is_copied_without_last_nights_links(tmp_path):
    home = Home(tmp_path / "home")
    home.root.mkdir()
    model = _model(tmp_path, "stg_x", "SELECT 1 AS never_run")
    _published(home, {"staging.stg_x": "same"})
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("CREATE SCHEMA meta")
    con.execute(f"ATTACH '{home.warehouse}' AS last (READ_ONLY)")
    con.execute("CREATE TABLE meta.staging_input AS SELECT * FROM last.meta.staging_input")
    con.execute("DETACH last")

    same = incremental.unchanged(con, home, [model], {"staging.stg_x": "same"})
    assert same == [model], "an unchanged table is not built again"
    incremental.copy_published(con, home, same)
    assert con.execute("SELECT id_number, id_link_method, _row FROM staging.stg_x ORDER BY _row").fetchall() == [
        ("371426199001010011", None, 1), (None, None, 2)], "the linked ID goes back to the model's NULL"

    con.execute("DROP TABLE staging.stg_x")
    assert incremental.unchanged(con, home, [model], {"staging.stg_x": "moved"}) == []
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stg_x'").fetchall()[0][0]
    con.close()


def test_the_fingerprint_moves_with_the_lake_files_and_the_model_not_the_homes_path(tmp_path):
    models = [_model(tmp_path, "stg_x", "SELECT * FROM lake.x")]
    prints = []
    for root, files in ((tmp_path / "a", "x_20260314.1234abcd"), (tmp_path / "b", "x_20260314.1234abcd"),
                        (tmp_path / "a", "x_20260315.9876fedc")):
        con = duckdb.connect()
        con.execute("CREATE SCHEMA lake")
        con.execute(f"CREATE VIEW lake.x AS SELECT * FROM (SELECT '{root}/lake/x/{files}.parquet' AS f)")
        prints.append(incremental.fingerprints(con, Home(root), models)["staging.stg_x"])
        con.close()
    assert prints[0] == prints[1], "the same files in a home copied elsewhere"
    assert prints[0] != prints[2], "a new delivery"
    moved = _model(tmp_path / "m", "stg_x", "SELECT *, 1 AS extra FROM lake.x")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA lake")
    con.execute(f"CREATE VIEW lake.x AS SELECT * FROM (SELECT '{tmp_path / 'a'}/lake/x/x_20260314.1234abcd.parquet' AS f)")
    assert incremental.fingerprints(con, Home(tmp_path / "a"), [moved])["staging.stg_x"] != prints[0]
    con.close()
