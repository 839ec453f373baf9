"""Build a night's warehouse beside the old one, then swap it in.

The warehouse is rebuilt every night from the lake; only `meta` (deliveries,
rejects, runs, worklist state) outlives a night, so a new build starts from a
copy of the old `meta`. Building into `warehouse.duckdb.building` and renaming
it over `warehouse.duckdb` means a reader (or a crash) sees the old night or
the new, never half of one; an analyst holding the old file open keeps their
inode and never blocks the night.
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb

from sources.home import Home

BUILDING_SUFFIX = ".building"


def building_path(target: Path) -> Path:
    return target.with_name(target.name + BUILDING_SUFFIX)


def start_build(home: Home) -> Path:
    """A fresh warehouse file holding only last night's `meta`."""
    home.root.mkdir(parents=True, exist_ok=True)
    path = building_path(home.warehouse)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a crashed build is never resumed half-way
    con = duckdb.connect(str(path))
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


def connect_build(home: Home) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(building_path(home.warehouse)))


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
