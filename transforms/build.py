"""Build a night's warehouse beside the old one, then swap it in.

The warehouse is rebuilt every night from the lake; only `meta` (deliveries,
rejects, runs, worklist state) outlives a night, so a new build starts from a
copy of the old `meta`. Building into `warehouse.duckdb.building` and renaming
it over `warehouse.duckdb` means a reader (or a crash) sees the old night or
the new, never half of one; an analyst holding the old file open keeps their
inode and never blocks the night.

Every connection opened here carries the home's DuckDB settings (memory
limit, threads, spill folder: transforms/config.py). `start_build` first
clears what a killed run may have left: half-built databases and their WAL,
half-written export folders and lake files, spilled temp files. It may, because
only the run holding the home's lock (flows/lock.py) ever builds.
"""
from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb

from sources.home import Home
from transforms import config

BUILDING_SUFFIX = ".building"


def building_path(target: Path) -> Path:
    return target.with_name(target.name + BUILDING_SUFFIX)


def leftovers(home: Home) -> list[Path]:
    """What a run killed half-way leaves behind (none of it is ever resumed)."""
    found: list[Path] = []
    for target in (home.warehouse, home.analytics):
        path = building_path(target)
        found += [p for p in (path, path.with_name(path.name + ".wal")) if p.exists()]
    exports = home.root / "exports"
    if exports.is_dir():
        found += sorted(p for p in exports.iterdir() if p.suffix in (".tmp", ".old"))
    if home.lake.is_dir():
        found += sorted(home.lake.glob("*/*.tmp"))
    spill = config.load_settings(home.root).duckdb.temp_directory
    if spill is not None and spill.is_dir():  # DuckDB's own spill files only: the folder may be shared
        found += sorted(spill.glob("duckdb_temp*"))
    return found


def clear_leftovers(home: Home) -> int:
    removed = leftovers(home)
    for path in removed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return len(removed)


def start_build(home: Home) -> Path:
    """A fresh warehouse file holding only last night's `meta`."""
    home.root.mkdir(parents=True, exist_ok=True)
    clear_leftovers(home)  # a crashed build is never resumed half-way
    path = building_path(home.warehouse)
    con = connect_file(home, path)
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS meta")
        if home.warehouse.exists():
            con.execute(f"ATTACH '{home.warehouse}' AS previous (READ_ONLY)")
            tables = con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous' "
                "AND schema_name = 'meta' ORDER BY table_name").fetchall()
            for (table,) in tables:
                con.execute(f"CREATE TABLE meta.{table} AS SELECT * FROM previous.meta.{table}")
            con.execute("DETACH previous")
    finally:
        con.close()
    return path


def connect_file(home: Home, path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB file of the home, opened with the home's memory limit, threads and spill folder."""
    return config.connect(path, read_only=read_only, settings=config.load_settings(home.root))


def connect_build(home: Home) -> duckdb.DuckDBPyConnection:
    """The night's build; it must exist (DuckDB would otherwise create an empty one, which
    publish would then swap in)."""
    path = building_path(home.warehouse)
    if not path.exists():
        raise RuntimeError(f"no build in progress in {home.root}: the night starts with start_build")
    return connect_file(home, path)


def swap_in(building: Path, target: Path) -> None:
    """Atomically replace `target` by `building` (same directory, so rename is atomic)."""
    with open(building, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(building, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def finish_build(home: Home) -> None:
    swap_in(building_path(home.warehouse), home.warehouse)


def run_date_text(run_date: date) -> str:
    return run_date.isoformat()
