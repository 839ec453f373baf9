"""`datapool status`: the home at a glance, in the terminal. Counts only."""
from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from transforms.report import KIND_LABELS, OPEN_STATUSES, query_rows


def rows_table(title: str, columns: tuple[str, ...], rows: list[tuple]) -> Table:
    """A rich table of query rows; None shows as blank."""
    table = Table(title=title, min_width=len(title) + 4)  # a title never wraps over a narrow table
    for col in columns:
        table.add_column(col, overflow="fold")  # a narrow terminal wraps a code, never cuts it
    for r in rows:
        table.add_row(*["" if c is None else str(c) for c in r])
    return table


def render_status(home: Path, console: Console) -> None:
    warehouse = Path(home) / "warehouse.duckdb"
    if not warehouse.exists():
        console.print(f"{home}: no night has run yet (no warehouse.duckdb)")
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = query_rows(con, "SELECT run_date, status, started_at, finished_at, sources_ok, sources_failed, "
                           "items_new, items_open FROM meta.run ORDER BY run_date DESC LIMIT 7")
        sources = query_rows(con, """
            SELECT source_code, max(extract_date) FILTER (WHERE accepted), count(*) FILTER (WHERE accepted),
                   count(*) FILTER (WHERE NOT accepted), max(run_date)
            FROM meta.delivery GROUP BY source_code ORDER BY source_code""")
        quarantined = query_rows(con, "SELECT run_date, file_name, reason FROM meta.delivery "
                                  "WHERE NOT accepted ORDER BY run_date DESC, file_name LIMIT 20")
        states = query_rows(con, "SELECT status, count(*) FROM meta.worklist_state GROUP BY status ORDER BY status")
        # The last night's worklist: open items by township and kind, and how many are overdue.
        townships = query_rows(con, f"""
            SELECT w.township_code, coalesce(d.name, ''),
                   {", ".join(f"count(*) FILTER (WHERE w.kind = '{k}')" for k in KIND_LABELS)},
                   count(*), count(*) FILTER (WHERE w.overdue)
            FROM marts.worklist w LEFT JOIN ref.division d ON d.code = w.township_code
            WHERE w.status IN {OPEN_STATUSES}
            GROUP BY ALL ORDER BY 1""")
    console.print(rows_table("Last runs", ("run date", "status", "started (UTC)", "finished (UTC)",
                                           "sources ok", "failed", "new", "open"), runs))
    console.print(rows_table("Sources", ("source", "newest accepted extract", "accepted files",
                                         "quarantined files", "last seen on night"), sources))
    console.print(rows_table("Quarantined files", ("night", "file", "reason"), quarantined))
    console.print(rows_table("Worklist items by status", ("status", "items"), states))
    console.print(rows_table("Open worklist items by township (last night)",
                             ("township", "name", *KIND_LABELS.values(), "open", "overdue"), townships))
