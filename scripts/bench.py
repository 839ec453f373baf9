"""`make bench`: generate (and cache) counties, run the night on each, print the figures.

Per stage wall time (from meta.run), rows, peak memory of the night process,
and the ratio of the whole night to its floor: the time to read that night's
input files into DuckDB tables with the fastest readers here (pyarrow's CSV
reader with the file's encoding, calamine for xlsx), measured in the same run.
Sizes: BENCH_SIZES=20000,500000 (default 20000,500000).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench"
RUN_DATE = date(2026, 3, 15)


def generate_cached(people: int) -> Path:
    home = CACHE / f"county-{people}"
    marker = home / ".generated"
    if not marker.exists():
        shutil.rmtree(home, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flows.cli", "generate", "--out", str(home), "--people",
                        str(people), "--date", RUN_DATE.isoformat(), "--seed", "7"], check=True)
        marker.write_text(f"{time.perf_counter() - t0:.1f}")
    return home


def floor_seconds(inbox: Path) -> float:
    """Read every input file into a DuckDB table with the fastest readers available."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from python_calamine import CalamineWorkbook

    from sources.contracts import load_contracts

    contracts = load_contracts()
    t0 = time.perf_counter()
    con = duckdb.connect()
    for path in sorted(inbox.glob("*_*.*")):
        code = path.name.rsplit("_", 1)[0]
        contract = contracts.get(code)
        if contract is None:
            continue
        if path.suffix == ".csv":
            table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding=contract.encoding or "utf-8"),
                                   convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
        else:
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            width = max(len(r) for r in rows)
            table = pa.table({f"c{i}": [str(r[i]) if i < len(r) else None for r in rows] for i in range(width)})
        con.register("t", table)
        con.execute(f"CREATE TABLE {code}_{abs(hash(path.name))} AS SELECT * FROM t")
        con.unregister("t")
    return time.perf_counter() - t0


def run_night(home: Path) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flows.cli", "nightly", "--home", str(home), "--date",
                    RUN_DATE.isoformat()], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return wall, peak_kb


def stage_timings(home: Path) -> dict:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        stages = json.loads(con.execute("SELECT stages FROM meta.run ORDER BY run_date DESC LIMIT 1").fetchone()[0])
        rows = dict(con.execute("SELECT 'persons', count(*) FROM core.person UNION ALL "
                                "SELECT 'worklist items', count(*) FROM marts.worklist").fetchall())
    return {"timings": stages.get("timings", {}), "rows": rows}


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "20000,500000").split(",") if s]
    print(f"{'people':>10} {'generate s':>10} {'night s':>8} {'floor s':>8} {'ratio':>6} {'peak MiB':>9}  stages")
    for people in sizes:
        county = generate_cached(people)
        run_home = CACHE / f"run-{people}"
        shutil.rmtree(run_home, ignore_errors=True)
        shutil.copytree(county, run_home, ignore=shutil.ignore_patterns("truth", "drops"))
        floor = floor_seconds(run_home / "inbox")
        wall, peak_kb = run_night(run_home)
        info = stage_timings(run_home)
        gen = (county / ".generated").read_text()
        stages = " ".join(f"{k}={v:.1f}" for k, v in info["timings"].items())
        print(f"{people:>10,} {gen:>10} {wall:>8.1f} {floor:>8.1f} {wall / floor:>6.1f} "
              f"{peak_kb / 1024:>9.0f}  {stages}  rows: {info['rows']}")


if __name__ == "__main__":
    main()
