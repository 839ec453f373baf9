"""Put confident links to work: a staging row whose ID was unusable takes the
ID its link found, so every core table counts the record without knowing
about linkage.

The linkage step (transforms/linkage.py) writes `core.person_link` (one
confident link per record, with its method and probability) and
`core.link_review` (the rest, for a clerk). This step copies the linked ID
into `staging.stg_<code>.id_number` of exactly those rows and marks them in
`id_link_method`; `id_issue` keeps the original defect and `id_number_raw`
what was delivered, so the lineage says both what came and what was decided.
Only rows with no usable ID are touched: a row's own valid ID is never
replaced, so two different valid ID numbers are never merged.
"""
from __future__ import annotations

import duckdb


def linkable_staging_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """staging tables with an ID column (the `id_issue` companion marks them)."""
    rows = con.execute(
        "SELECT DISTINCT table_name FROM information_schema.columns "
        "WHERE table_schema = 'staging' AND column_name = 'id_issue' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def apply_links(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Fill staging IDs from core.person_link; returns rows filled by table."""
    filled: dict[str, int] = {}
    for table in linkable_staging_tables(con):
        con.execute(f"ALTER TABLE staging.{table} ADD COLUMN IF NOT EXISTS id_link_method VARCHAR")
        n = con.execute(
            f"""
            UPDATE staging.{table} AS s
            SET id_number = l.id_number, id_link_method = l.link_method
            FROM core.person_link AS l
            WHERE s.id_number IS NULL
              AND l._source = s._source AND l._file = s._file AND l._row = s._row
            """
        ).fetchall()[0][0]
        if n:
            filled[table] = int(n)
    return filled
