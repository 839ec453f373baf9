"""Retention: files holding personal data are kept so many days, then removed.

What ages (days from transforms/config.py, default 400 each), measured from
the night's run date, never from the clock, so a rerun or a backfill removes
exactly what that night removed:

- `lake`: an accepted delivery whose extract date is older than the cutoff
  leaves the lake (its parquet) and the archive (the file as delivered, and
  its `.done` marker), unless it is the snapshot in force tonight: a
  department that has sent nothing newer keeps its last register. Duplicate
  deliveries leave the archive the same way. The delivery's row in
  `meta.delivery` stays (file name, hash, counts: no personal data) with
  `lake_path` cleared, so no night reads it again; its rows in `meta.reject`
  (whose reasons may quote a value) go.
- `quarantine`: `quarantine/<run date>/` folders.
- `exports`: `exports/<date>/` folders (the township worklists).
- `reports`: `reports/<date>.html`.
- `feedback`: returned worklists archived under `archive/feedback/`.

Two steps, for crash safety. `plan_retention` runs inside the night's build
(after ingest, before the lake views are made): it decides, changes `meta`,
and records every path to remove in `meta.retention`; nothing is deleted yet,
so a night killed before publishing loses nothing and the next night plans
again. `apply_retention` runs after the night is published and removes every
path the published `meta.retention` lists that still exists, so a night killed
half-way through removing finishes on its rerun.
"""
from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from sources.contracts import load_contracts
from sources.home import Home
from transforms.config import Settings

RETENTION_DDL = """
CREATE TABLE IF NOT EXISTS meta.retention (
    run_date DATE,          -- the night that decided it
    area VARCHAR,           -- lake | quarantine | exports | reports | feedback
    path VARCHAR,           -- relative to the home
    dated DATE              -- the date it aged from (extract date, run date, export date)
)"""

_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(\.html)?$")


def cutoff(run_date: date, days: int) -> date:
    """Anything dated before this is removed on the night `run_date`."""
    return run_date - timedelta(days=days)


def _dated_entries(folder: Path, suffix: str | None) -> list[tuple[Path, date]]:
    """`<YYYY-MM-DD>` folders (suffix None) or `<YYYY-MM-DD><suffix>` files in `folder`."""
    found = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        m = _DATED_NAME.match(path.name)
        if not m or (m.group(2) or None) != suffix or path.is_dir() != (suffix is None):
            continue
        try:
            found.append((path, date.fromisoformat(m.group(1))))
        except ValueError:
            continue
    return found


def _lake_candidates(con, home: Home, run_date: date, before: date) -> list[tuple]:
    """(source_code, file_name, sha256, extract_date, lake_path, accepted) of deliveries to retire."""
    from sources.inbox import ensure_meta

    ensure_meta(con)
    snapshots = [code for code, c in load_contracts().items() if c.mode == "snapshot"]
    return con.execute("""
        WITH in_force AS (
            SELECT source_code, arg_max(file_name, (extract_date, delivery_seq)) AS file_name
            FROM meta.delivery
            WHERE accepted AND lake_path IS NOT NULL AND extract_date < ? AND run_date <= ?
              AND list_contains(?, source_code)
            GROUP BY source_code)
        SELECT d.source_code, d.file_name, d.sha256, d.extract_date, d.lake_path, d.accepted
        FROM meta.delivery d LEFT JOIN in_force f USING (source_code, file_name)
        WHERE d.extract_date < ? AND f.file_name IS NULL
          AND (d.accepted IS NULL OR (d.accepted AND d.lake_path IS NOT NULL))
        ORDER BY d.source_code, d.extract_date, d.file_name""",
        [run_date, run_date, snapshots, before]).fetchall()


def plan_retention(con: duckdb.DuckDBPyConnection, home: Home, run_date: date, settings: Settings) -> dict:
    """Decide tonight's removals inside the build; returns counts per area (for the run record)."""
    from sources.inbox import archive_file

    con.execute(RETENTION_DDL)
    days = settings.retention_days
    planned: list[tuple[str, Path, date]] = []

    lake_before = cutoff(run_date, days["lake"])
    retired = _lake_candidates(con, home, run_date, lake_before)
    for code, name, sha, extract_date, lake_path, accepted in retired:
        archived = archive_file(home, code, name, sha)
        for path in (archived, archived.with_name(archived.name + ".done")):
            planned.append(("lake", path, extract_date))
        if accepted and lake_path:
            planned.append(("lake", home.root / lake_path, extract_date))
    if retired:
        keys = [(r[0], r[1], r[2]) for r in retired]
        con.execute("CREATE OR REPLACE TEMP TABLE _retired (source_code VARCHAR, file_name VARCHAR, sha256 VARCHAR)")
        con.executemany("INSERT INTO _retired VALUES (?, ?, ?)", keys)
        con.execute("""UPDATE meta.delivery d SET lake_path = NULL FROM _retired r
                       WHERE d.source_code = r.source_code AND d.file_name = r.file_name AND d.sha256 = r.sha256""")
        con.execute("""DELETE FROM meta.reject j USING _retired r
                       WHERE j.source_code = r.source_code AND j.file_name = r.file_name""")
        con.execute("DROP TABLE _retired")

    for path, dated in _dated_entries(home.quarantine, None):
        if dated < cutoff(run_date, days["quarantine"]):
            planned.append(("quarantine", path, dated))
    for path, dated in _dated_entries(home.root / "exports", None):
        if dated < cutoff(run_date, days["exports"]):
            planned.append(("exports", path, dated))
    for path, dated in _dated_entries(home.root / "reports", ".html"):
        if dated < cutoff(run_date, days["reports"]):
            planned.append(("reports", path, dated))
    try:
        feedback = con.execute("SELECT archived_as, run_date FROM meta.feedback_file "
                               "WHERE archived_as IS NOT NULL AND run_date < ?",
                               [cutoff(run_date, days["feedback"])]).fetchall()
    except duckdb.CatalogException:
        feedback = []  # no feedback has ever come back
    planned += [("feedback", home.root / rel, dated) for rel, dated in feedback]

    counts = {area: 0 for area in days}
    known = {r[0] for r in con.execute("SELECT path FROM meta.retention").fetchall()}
    for area, path, dated in planned:
        if not path.exists():
            continue
        rel = path.relative_to(home.root).as_posix()
        counts[area] += 1
        if rel not in known:
            con.execute("INSERT INTO meta.retention VALUES (?, ?, ?, ?)", [run_date, area, rel, dated])
            known.add(rel)
    return {"removing": counts, "cutoffs": {a: cutoff(run_date, d).isoformat() for a, d in days.items()},
            "retired_deliveries": len(retired)}


def apply_retention(home: Home) -> dict:
    """After publishing: remove what the published meta.retention lists and is still there."""
    from transforms.build import connect_file

    if not home.warehouse.exists():
        return {"removed": {}}
    with connect_file(home, home.warehouse, read_only=True) as con:
        try:
            rows = con.execute("SELECT area, path FROM meta.retention ORDER BY area, path").fetchall()
        except duckdb.CatalogException:
            rows = []
    root = home.root.resolve()
    removed: dict[str, int] = {}
    for area, rel in rows:
        path = (home.root / rel)
        if ".." in Path(rel).parts or Path(rel).is_absolute() or not path.resolve().is_relative_to(root):
            continue  # never outside the home, whatever the table says
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed[area] = removed.get(area, 0) + 1
    return {"removed": removed}
