"""Kill a night at every stage boundary, rerun it, and get the night that was never interrupted.

The test runs `datapool nightly` in a subprocess with DATAPOOL_FAULT set, so
the process SIGKILLs itself right after that point (flows/nightly.py,
FAULT_POINTS), once for every point in turn on the same home, then runs the
night to its end in this process and compares with a copy of the same
county whose night ran once, uninterrupted: the same
warehouse rows in every table (run timestamps aside), the same analysts'
copy, byte-identical exports, the same files in inbox, archive, quarantine
and lake, no delivery recorded twice, nothing half-built left.

The county is small (300 people). The night killed is its second: the drop
holds a new increment, a repeated file, a late snapshot and a wrong delivery
(quarantined), and a township has sent back a worked worklist (two answers and
a row for no known item), so a kill can strand a delivery, a quarantined file
or half-applied feedback, and a published warehouse and analysts' copy exist
that a kill must leave whole. The county and its uninterrupted nights are made
once per session, shared by the xdist workers (tests/flows/conftest.py).
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb

from tests.flows.conftest import NIGHT1, NIGHT2, on_server

REPO = Path(__file__).resolve().parents[2]

# Columns that hold the clock or the way a run went, not the night: when a run started and
# ended, stage timings, and whether a staging table was copied from the published warehouse
# (a rerun of a published night copies every one: its inputs are the night's own).
CLOCK_COLUMNS = {("meta", "run"): {"started_at", "finished_at", "stages"},
                 ("main", "run"): {"started_at", "finished_at"},
                 ("meta", "staging_input"): {"copied"}}


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Per table: row count and an order-free digest of its rows (clock columns left out)."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE NOT temporary ORDER BY 1, 2").fetchall()
        for schema, table in tables:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "ORDER BY column_index", [schema, table]).fetchall()]
            kept = [c for c in columns if c not in CLOCK_COLUMNS.get((schema, table), set())]
            row = "concat_ws('|', " + ", ".join(
                f"coalesce(CAST(\"{c}\" AS VARCHAR), '<null>')" for c in kept) + ")"
            count, digest = con.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) "
                f"FROM (SELECT {row} AS r FROM \"{schema}\".\"{table}\")").fetchall()[0]
            out[f"{schema}.{table}"] = (count, digest)
    return out


def files_under(root: Path, folder: str) -> dict[str, bytes | None]:
    """Relative path -> bytes (None for lake parquet, compared by name: written by the same code)."""
    base = root / folder
    if not base.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): (None if p.suffix == ".parquet" else p.read_bytes())
            for p in sorted(base.rglob("*")) if p.is_file()}


def assert_same_state(home: Path, reference: Path, nights: list[date]) -> None:
    from sources.home import Home
    from transforms.build import leftovers

    assert not (home / ".datapool.lock").exists(), "the run lock was left behind"
    assert leftovers(Home(home)) == [], "a half-built file or folder was left behind"
    assert not [p for p in home.rglob("*") if p.name.endswith((".building", ".tmp", ".wal"))]
    for folder in ("inbox", "archive", "quarantine", "lake"):
        assert files_under(home, folder) == files_under(reference, folder), f"{folder}/ differs"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        twice = con.execute("SELECT file_name, count(*) FROM meta.delivery GROUP BY file_name, sha256 "
                            "HAVING count(*) > 1").fetchall()
    assert twice == [], f"deliveries recorded twice: {twice}"
    for db in ("warehouse.duckdb", "analytics.duckdb"):
        got, want = fingerprint(home / db), fingerprint(reference / db)
        differing = sorted(t for t in got.keys() | want.keys() if got.get(t) != want.get(t))
        assert not differing, f"{db}: tables differ from the uninterrupted night: {differing}"
    for night in nights:
        d = night.isoformat()
        assert files_under(home, f"exports/{d}") == files_under(reference, f"exports/{d}"), f"exports/{d}"
        assert files_under(home, f"exports/{d}"), f"no exports for {d}"
        assert (home / "reports" / f"{d}.html").exists()


def run_cli(env: dict, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = dict(env)
    if fault:
        env["DATAPOOL_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_fault_points_cover_every_stage():
    from flows.nightly import FAULT_POINTS, STAGES

    assert set(STAGES) <= set(FAULT_POINTS)


BEFORE_SWAP = ("prepare", "ingest", "transform", "feedback", "worklist", "export")


def test_killed_at_every_stage_boundary_then_rerun_equals_uninterrupted(uninterrupted, night2_start,
                                                                      night2_uninterrupted, prefect_server,
                                                                      prefect_client_env, tmp_path):
    """Night 2 (a drop with a repeated, a late and a wrong file; a township's answers) killed at
    every point in turn, each run starting from what the kill before it left, then run to the end.

    After each kill, readers still see a whole night (the old one, or the new once it is
    published); in the end the home is what the night never interrupted left. One home for the
    whole chain keeps the suite fast: each point's recovery is exercised by the next run."""
    from flows.nightly import FAULT_POINTS, nightly_flow

    home = shutil.copytree(night2_start, tmp_path / "home")
    reference = {NIGHT1: uninterrupted, NIGHT2: night2_uninterrupted}
    published = {"warehouse.duckdb": NIGHT1, "analytics.duckdb": NIGHT1}
    for point in FAULT_POINTS:
        killed = run_cli(prefect_client_env, "nightly", "--home", str(home), "--date", NIGHT2.isoformat(),
                         fault=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr[-3000:])
        # What readers see after the kill: a whole night, the old one or the new, never half of one.
        if point not in BEFORE_SWAP:
            published["warehouse.duckdb"] = NIGHT2
        if point not in BEFORE_SWAP + ("publish.warehouse",):
            published["analytics.duckdb"] = NIGHT2
        for db, night in published.items():
            assert fingerprint(home / db) == fingerprint(reference[night] / db), (point, db)

    with on_server(prefect_server):
        nightly_flow(str(home), NIGHT2)
    assert_same_state(home, night2_uninterrupted, [NIGHT1, NIGHT2])
    assert not list((home / "inbox" / "feedback").glob("*")), "the answered worklist was not taken"


def test_same_night_twice_gives_same_rows_worklist_and_exports(night2_uninterrupted, prefect_server, tmp_path):
    """Night 2 run again: the same rows in every table, the same worklist, the same export bytes;
    the township's answers, applied the first time, are not applied again."""
    from flows.nightly import nightly_flow

    home = shutil.copytree(night2_uninterrupted, tmp_path / "home")
    with on_server(prefect_server):
        nightly_flow(str(home), NIGHT2)
    assert_same_state(home, night2_uninterrupted, [NIGHT1, NIGHT2])
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.feedback_file").fetchall() == [(1,)]


def test_backfill_equals_nights_run_one_by_one(fault_county, uninterrupted, prefect_server, prefect_client_env,
                                              tmp_path):
    """`--from D1 --to D2` on the county equals night D1 then night D2 on the same inbox."""
    from flows.nightly import nightly_flow

    one_by_one = shutil.copytree(uninterrupted, tmp_path / "one_by_one")   # night 1 already run
    with on_server(prefect_server):
        nightly_flow(str(one_by_one), NIGHT2)

    home = shutil.copytree(fault_county, tmp_path / "backfill")
    result = run_cli(prefect_client_env, "nightly", "--home", str(home),
                     "--from", NIGHT1.isoformat(), "--to", NIGHT2.isoformat())
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.index(f"night {NIGHT1.isoformat()} published") < \
        result.stdout.index(f"night {NIGHT2.isoformat()} published")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("SELECT run_date FROM meta.run ORDER BY started_at").fetchall()
    assert [r[0] for r in runs] == [NIGHT1, NIGHT2]
    assert_same_state(home, one_by_one, [NIGHT1, NIGHT2])
