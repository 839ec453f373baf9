"""Staging tables a night takes from the published warehouse instead of parsing them again.

A staging table is a function of its model (sql/staging/<table>.sql), the
value macros it calls and the lake files in force for its source (and of the
DuckDB that parses them). Each night records a fingerprint of those per table in `meta.staging_input`; the
next night builds its warehouse afresh as always, but a staging table whose
fingerprint has not moved is copied from the published warehouse rather than
parsed again from the lake. Departments deliver weekly or monthly, so on most
nights most sources are unchanged.

The published tables hold what the linkage step (transforms/identity.py)
wrote into them: the IDs a confident link supplied, marked in
`id_link_method`. The copy takes those back out, so a copied table is the
table the model would give, and tonight's linkage decides tonight's links.

Nothing here is trusted blindly: a table is only copied when the published
warehouse has it and the fingerprint it recorded is tonight's exactly; any
other case (a new model, a changed macro, a new delivery, a first night, a
warehouse from before fingerprints) builds the table from the lake.
"""
from __future__ import annotations

import hashlib
from functools import partial

import duckdb

from sources.home import Home
from transforms.values import staging_macros_sql
from transforms.warehouse import Model

INPUT_DDL = """CREATE TABLE IF NOT EXISTS meta.staging_input (
    table_name VARCHAR,      -- staging.<table>
    fingerprint VARCHAR,     -- SHA-256 of its model, the value macros and the lake files it read
    run_date DATE,           -- the night that recorded it
    copied BOOLEAN           -- taken from the published warehouse that night (else built from the lake)
)"""
PUBLISHED = "published"


def fingerprints(con: duckdb.DuckDBPyConnection, home: Home, models: list[Model]) -> dict[str, str]:
    """Tonight's fingerprint of each staging model (after `lake.*` views are created)."""
    macros = staging_macros_sql()
    views = dict(con.execute("SELECT view_name, sql FROM duckdb_views() WHERE schema_name = 'lake' "
                             "AND database_name = current_database()").fetchall())
    out = {}
    for model in models:
        source = model.name.removeprefix("stg_")
        # the home's own path out: a home copied elsewhere reads the same files
        lake = (views.get(source) or "").replace(str(home.root), "<HOME>")
        text = "\0".join((model.select_sql(), macros, lake, duckdb.__version__))
        out[model.table] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return out


def unchanged(con: duckdb.DuckDBPyConnection, home: Home, models: list[Model],
              tonight: dict[str, str]) -> list[Model]:
    """The models whose table the published warehouse holds with tonight's fingerprint."""
    con.execute(INPUT_DDL)
    recorded = dict(con.execute("SELECT table_name, fingerprint FROM meta.staging_input").fetchall())
    same = [m for m in models if recorded.get(m.table) == tonight[m.table]]
    if not same or not home.warehouse.exists():
        return []
    con.execute(f"ATTACH '{home.warehouse}' AS {PUBLISHED} (READ_ONLY)")
    try:
        published = {r[0] for r in con.execute(
            f"SELECT table_name FROM duckdb_tables() WHERE database_name = '{PUBLISHED}' "
            "AND schema_name = 'staging'").fetchall()}
    finally:
        con.execute(f"DETACH {PUBLISHED}")
    return [m for m in same if m.name in published]


def copy_published(con: duckdb.DuckDBPyConnection, home: Home, models: list[Model], cursors: int = 2) -> None:
    """Copy the models' tables from the published warehouse, last night's linked IDs taken out,
    on `cursors` cursors at once (a copy is mostly one core's decompressing and compressing)."""
    if not models:
        return
    from transforms.warehouse import side_by_side

    def copy(cursor, model: Model) -> None:
        columns = {r[0] for r in cursor.execute(f"DESCRIBE {PUBLISHED}.{model.table}").fetchall()}
        unlinked = "* REPLACE (CASE WHEN id_link_method IS NULL THEN id_number END AS id_number, " \
                   "NULL::VARCHAR AS id_link_method)" if {"id_number", "id_link_method"} <= columns else "*"
        cursor.execute(f"CREATE OR REPLACE TABLE {model.table} AS SELECT {unlinked} FROM {PUBLISHED}.{model.table}")

    con.execute(f"ATTACH '{home.warehouse}' AS {PUBLISHED} (READ_ONLY)")
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    try:
        side_by_side(con, [partial(copy, model=m) for m in models], cursors, "datapool-copy")
    finally:
        con.execute(f"DETACH {PUBLISHED}")


def record(con: duckdb.DuckDBPyConnection, tonight: dict[str, str], run_date, copied: set[str]) -> None:
    """Tonight's fingerprints, for tomorrow's night."""
    con.execute(INPUT_DDL)
    con.execute("DELETE FROM meta.staging_input")
    con.executemany("INSERT INTO meta.staging_input VALUES (?, ?, ?, ?)",
                    [(table, fp, run_date, table in copied) for table, fp in sorted(tonight.items())])


def build_staging(con: duckdb.DuckDBPyConnection, home: Home, run_date) -> tuple[dict[str, int], int]:
    """The staging layer: unchanged tables copied while the rest are built from the lake; (row
    counts by table, tables copied)."""
    from transforms.warehouse import build_models, models_in_order, side_by_side

    models = models_in_order("staging")
    tonight = fingerprints(con, home, models)
    same = unchanged(con, home, models, tonight)
    todo = [m for m in models if m not in same]
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    # the copies on a cursor of their own beside the models built from the lake (on both if
    # nothing is to build)
    _, counts = side_by_side(con, [lambda c: copy_published(c, home, same, cursors=1 if todo else 2),
                                   lambda c: build_models(c, todo)], 2, "datapool-staging")
    for model in models:
        if model.table not in counts:
            counts[model.table] = con.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]
    record(con, tonight, run_date, {m.table for m in same})
    return {m.table: counts[m.table] for m in models}, len(same)
