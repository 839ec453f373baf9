"""`make bench`: generate (and cache) counties, run the night on each, print the figures.

For every size (BENCH_SIZES, people, comma-separated; default 20000,500000;
5000000 is opt-in: BENCH_SIZES=20000,500000,5000000):

- the county is generated once into `bench/county-<n>/` (seed 7, first night
  2026-03-15) and reused by later runs; a copy of its inbox and reference is
  the night's home, `bench/run-<n>/`;
- **floor**: that night's input files read into DuckDB tables with the fastest
  readers here (pyarrow's CSV reader in the file's encoding, calamine for
  xlsx), measured in the same run on the same files;
- **night**: `datapool nightly` as cron runs it (a subprocess: imports,
  Prefect's temporary server, every stage, publish, report); wall time, per
  stage time (the flow's `stage ... finished` lines), rows, and peak memory:
  the largest resident set of the night process or any child it waited for
  (`getrusage(RUSAGE_CHILDREN)` in a wrapper process of its own), and the
  largest sum of resident sets over the night's whole process tree (sampled
  every 0.2 s: DuckDB, Prefect's server and the flow run at the same time);
- **fixed start-up**: the same night on a home whose inbox is empty (same
  reference, same date): imports, Prefect, every model built on empty tables,
  publish and report, none of it growing with the data. The night less its
  start-up is what the data cost, compared with the floor;
- **one source changed**: a copy of the published home, one source delivered
  again with one row fewer (BENCH_CHANGED_SOURCE, default gaj_hjrk, the largest
  snapshot), night 2026-03-16: the night when one department sent a new file
  (for sizes up to BENCH_CHANGED_UP_TO people, default 1,000,000).

Homes whose size reaches BENCH_SPILL_FROM people (default 2,000,000) get a
`datapool.yaml` with `duckdb.memory_limit` BENCH_MEMORY_LIMIT (default 14GB; at 10GB the
5,000,000 county runs out of memory in rules.person_facts),
so DuckDB spills to `tmp/duckdb` in the home instead of growing.

Benchmarks are not tests: nothing here asserts; the targets of issue 9 are
printed beside the figures. Note the machine's load (printed) with any figure.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench"
RUN_DATE = date(2026, 3, 15)
NEXT_DATE = date(2026, 3, 16)
STAGE_LINE = re.compile(r"stage (\w+) finished in ([0-9.]+) s")

# Runs the night; reports the largest resident set among the processes it waited for, and their CPU time.
WRAPPER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    fh.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(code)
"""


def load() -> str:
    return "load %.1f %.1f %.1f" % os.getloadavg()


def generate_cached(people: int) -> Path:
    """The county of `people`, generated once; from BENCH_ASSEMBLE_FROM people, assembled (below)."""
    if people >= int(os.environ.get("BENCH_ASSEMBLE_FROM", "1000001")):
        return assemble_cached(people)
    home = CACHE / f"county-{people}"
    marker = home / ".generated"
    if not marker.exists():
        shutil.rmtree(home, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flows.cli", "generate", "--out", str(home), "--people",
                        str(people), "--date", RUN_DATE.isoformat(), "--seed", "7"], check=True, cwd=ROOT)
        marker.write_text(f"{time.perf_counter() - t0:.1f}")
    return home


def generate_part(code: str, people: int) -> Path:
    """One county of 德州市 (`code`), generated once into bench/parts/, with a seed of its own (as
    in a generated city), so people born elsewhere do not repeat from part to part."""
    from sources.generator.city import county_seed
    from sources.generator.places import COUNTY_CODE

    if code == COUNTY_CODE:
        return generate_cached(people)
    home = CACHE / "parts" / f"{code}-{people}"
    marker = home / ".generated"
    if not marker.exists():
        shutil.rmtree(home, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys, datetime; from pathlib import Path; "
                        "from sources.generator import generate; "
                        "generate(Path(sys.argv[1]), people=int(sys.argv[2]), "
                        "date=datetime.date.fromisoformat(sys.argv[3]), seed=int(sys.argv[5]), county=sys.argv[4])",
                        str(home), str(people), RUN_DATE.isoformat(), code, str(county_seed(7, code))],
                       check=True, cwd=ROOT)
        marker.write_text(f"{time.perf_counter() - t0:.1f}")
    return home


def assemble_cached(people: int) -> Path:
    """A county of millions assembled from counties of BENCH_PART people (default 500,000).

    The generator holds a county in memory (about 7 KB a person), so a county
    of 5,000,000 is put together from generated counties of 德州市, each with
    its own county code (its townships, villages and ID number prefixes): each
    source's files are concatenated (one header; xlsx rewritten with the first
    part's title and footer), and the divisions of all parts make the
    reference. 户号 are drawn at random in each part, so about one in a
    thousand households of different parts share a number and count as one.
    The findings are not scored here, only the work is timed.
    """
    from sources.generator.places import COUNTY_CODE, DEZHOU_COUNTIES

    home = CACHE / f"county-{people}"
    marker = home / ".generated"
    if marker.exists():
        return home
    part = int(os.environ.get("BENCH_PART", "500000"))
    sizes = [part] * (people // part) + ([people % part] if people % part else [])
    codes = [COUNTY_CODE] + sorted(c for c in DEZHOU_COUNTIES if c != COUNTY_CODE)
    if len(sizes) > len(codes):
        raise SystemExit(f"{people:,} people need {len(sizes)} parts of {part:,}; 德州市 has {len(codes)} "
                         "counties: raise BENCH_PART")
    t0 = time.perf_counter()
    parts = [generate_part(code, n) for code, n in zip(codes, sizes)]
    shutil.rmtree(home, ignore_errors=True)
    (home / "inbox").mkdir(parents=True)
    (home / "reference").mkdir()
    _concatenate_csv([p / "reference" / "divisions.csv" for p in parts], home / "reference" / "divisions.csv")
    for first in sorted((parts[0] / "inbox").glob("*_*.*")):
        files = [p / "inbox" / first.name for p in parts]
        missing = [f for f in files if not f.exists()]
        if missing:
            raise SystemExit(f"part {missing[0].parent.parent} has no {first.name}")
        if first.suffix == ".csv":
            _concatenate_csv(files, home / "inbox" / first.name)
        else:
            _concatenate_xlsx(files, home / "inbox" / first.name)
    marker.write_text(f"{time.perf_counter() - t0 + sum(float((p / '.generated').read_text()) for p in parts):.1f}")
    return home


def _concatenate_csv(files: list[Path], target: Path) -> None:
    """One header (the first file's), then every file's data lines; the columns must agree."""
    with open(target, "wb") as out:
        width = None
        for i, path in enumerate(files):
            data = path.read_bytes()
            end = data.index(b"\n") + 1
            fields = data[:end].count(b",")  # headers hold no commas
            if width is not None and fields != width:
                raise SystemExit(f"{path}: {fields + 1} columns where {files[0]} has {width + 1}")
            width = fields
            body = data if i == 0 else data[end:]
            out.write(body)
            if body and not body.endswith(b"\n"):
                out.write(b"\r\n" if data[:end].endswith(b"\r\n") else b"\n")


def _concatenate_xlsx(files: list[Path], target: Path) -> None:
    """The first file's title and header, every file's data rows, the first file's footer."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from sources.contracts import load_contracts
    from sources.readers import _find_header, _is_footer, cell_text

    contract = load_contracts()[files[0].name.rsplit("_", 1)[0]]
    wb = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Sheet1")
    r = 0
    footer: list = []
    for i, path in enumerate(files):
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        header, _ = _find_header(rows, contract)
        body = rows[header + 1:]
        end = len(body)
        while end and _is_footer([cell_text(c) for c in body[end - 1]]):
            end -= 1
        if i == 0:
            for row in rows[:header + 1]:
                ws.write_row(r, 0, row)
                r += 1
            footer = body[end:]
        for row in body[:end]:
            ws.write_row(r, 0, row)
            r += 1
    for row in footer:
        ws.write_row(r, 0, row)
        r += 1
    wb.close()


def floor_seconds(files: list[Path]) -> float:
    """Read the files into DuckDB tables with the fastest readers available, all text."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from python_calamine import CalamineWorkbook

    from sources.contracts import load_contracts
    from sources.readers import CODECS

    contracts = load_contracts()
    con = duckdb.connect()
    t0 = time.perf_counter()
    for i, path in enumerate(files):
        contract = contracts[path.name.rsplit("_", 1)[0]]
        if path.suffix == ".csv":
            encoding = CODECS.get((contract.encoding or "utf-8").lower(), contract.encoding)
            with open(path, "rb") as fh:
                width = len(next(csv.reader([fh.readline().decode(encoding)])))
            names = [f"c{j}" for j in range(width)]
            table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(
                encoding=encoding, block_size=1 << 24, column_names=names, skip_rows=1),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False))
        else:
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            width = max(len(r) for r in rows)
            table = pa.table({f"c{j}": pa.array([str(v) for v in col], pa.string())
                              for j, col in enumerate(zip(*(r + [""] * (width - len(r)) for r in rows)))})
        con.register("t", table)
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM t")
        con.unregister("t")
    seconds = time.perf_counter() - t0
    con.close()
    return seconds


def run_night(home: Path, run_date: date) -> dict:
    """`datapool nightly` in a subprocess: wall time, stage times, peak memory."""
    import psutil

    log_path = home / f"night-{run_date.isoformat()}.log"
    rss_path = home / f"night-{run_date.isoformat()}.maxrss"
    env = dict(os.environ, PREFECT_LOGGING_LEVEL="INFO")
    cmd = [sys.executable, "-m", "flows.cli", "nightly", "--home", str(home), "--date", run_date.isoformat()]
    tree_peak = 0
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", WRAPPER, str(rss_path), *cmd], stdout=log,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            nonlocal tree_peak
            root = psutil.Process(proc.pid)
            while not done.wait(0.2):
                try:
                    procs = [root, *root.children(recursive=True)]
                    total = 0
                    for p in procs:
                        try:
                            total += p.memory_info().rss
                        except psutil.Error:
                            pass
                    tree_peak = max(tree_peak, total)
                except psutil.Error:
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        done.set()
        sampler.join()
    wall = time.perf_counter() - t0
    text = log_path.read_text(errors="replace")
    if code != 0:
        print(text[-4000:], file=sys.stderr)
        raise SystemExit(f"night {run_date} on {home} failed (exit {code}); log: {log_path}")
    stages = {m.group(1): float(m.group(2)) for m in STAGE_LINE.finditer(text)}
    maxrss, cpu = rss_path.read_text().split()
    return {"wall": wall, "cpu": float(cpu), "stages": stages, "maxrss": int(maxrss) * 1024, "tree_peak": tree_peak}


def rows_of(home: Path) -> dict[str, int]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return dict(con.execute("""
            SELECT 'rows read', coalesce(sum(rows), 0)::BIGINT FROM meta.delivery WHERE accepted
            UNION ALL SELECT 'persons', count(*) FROM core.person
            UNION ALL SELECT 'households', count(*) FROM core.household
            UNION ALL SELECT 'findings', count(*) FROM rules.finding
            UNION ALL SELECT 'worklist', count(*) FROM marts.worklist""").fetchall())


def fresh_home(county: Path, target: Path, people: int) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(county / "reference", target / "reference")
    (target / "inbox").mkdir()
    if people >= int(os.environ.get("BENCH_SPILL_FROM", "2000000")):
        limit = os.environ.get("BENCH_MEMORY_LIMIT", "14GB")
        (target / "datapool.yaml").write_text(f"duckdb:\n  memory_limit: {limit}\n", encoding="utf-8")
    return target


def change_one_source(county: Path, home: Path, code: str) -> Path:
    """Deliver `code` again, dated the day before NEXT_DATE, with its last data row left out."""
    original = sorted((county / "inbox").glob(f"{code}_*.csv"))
    if not original:
        raise SystemExit(f"BENCH_CHANGED_SOURCE={code}: no CSV delivery of it in {county / 'inbox'}")
    data = original[-1].read_bytes().rstrip(b"\r\n")
    data = data[: data.rfind(b"\n") + 1]
    target = home / "inbox" / f"{code}_{NEXT_DATE - timedelta(days=1):%Y%m%d}.csv"
    target.write_bytes(data)
    return target


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "20000,500000").replace("_", "").split(",") if s]
    changed = os.environ.get("BENCH_CHANGED_SOURCE", "gaj_hjrk")
    sys.path.insert(0, str(ROOT))
    results = []
    for people in sizes:
        county = generate_cached(people)
        print(f"\n== {people:,} people ({county.relative_to(ROOT)}, generated in {(county / '.generated').read_text()} s)",
              flush=True)

        empty = fresh_home(county, CACHE / f"empty-{people}", people)
        start_load = load()
        startup = run_night(empty, RUN_DATE)
        print(f"fixed start-up (empty inbox): {startup['wall']:.1f} s, cpu {startup['cpu']:.1f} s  [{start_load}]",
              flush=True)

        home = fresh_home(county, CACHE / f"run-{people}", people)
        inputs = sorted((county / "inbox").glob("*_*.*"))
        for path in inputs:
            shutil.copy2(path, home / "inbox" / path.name)
        floor_load = load()
        floor = floor_seconds(inputs)
        print(f"floor (read {len(inputs)} files, {sum(p.stat().st_size for p in inputs) / 2**20:,.0f} MiB): "
              f"{floor:.1f} s  [{floor_load}]", flush=True)

        night_load = load()
        night = run_night(home, RUN_DATE)
        rows = rows_of(home)
        print(f"night: {night['wall']:.1f} s, cpu {night['cpu']:.1f} s  [{night_load}]  stages: "
              + " ".join(f"{k} {v:.1f}" for k, v in night["stages"].items()), flush=True)
        print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()), flush=True)
        print(f"  peak memory: {mib(night['maxrss'])} MiB largest process, {mib(night['tree_peak'])} MiB "
              f"process tree", flush=True)

        one = None
        if people <= int(os.environ.get("BENCH_CHANGED_UP_TO", "1000000")):
            second = CACHE / f"changed-{people}"
            shutil.rmtree(second, ignore_errors=True)
            shutil.copytree(home, second, symlinks=True)
            delivered = change_one_source(county, second, changed)
            one_floor = floor_seconds([delivered])
            one_load = load()
            one = run_night(second, NEXT_DATE)
            print(f"one source changed ({delivered.name}): {one['wall']:.1f} s, cpu {one['cpu']:.1f} s  "
                  f"[{one_load}]  stages: " + " ".join(f"{k} {v:.1f}" for k, v in one["stages"].items())
                  + f"  (floor of its one file {one_floor:.1f} s)", flush=True)
        results.append((people, night, startup, floor, one, rows))

    print("\n| people | night | fixed start-up | night - start-up | floor | night / floor | "
          "(night - start-up) / floor | peak memory (largest process / tree) | one source changed |")
    print("|---|---|---|---|---|---|---|---|---|")
    for people, night, startup, floor, one, rows in results:
        net = night["wall"] - startup["wall"]
        one_text = f"{one['wall']:.1f} s" if one else "-"
        print(f"| {people:,} | {night['wall']:.1f} s | {startup['wall']:.1f} s | {net:.1f} s | {floor:.1f} s | "
              f"{night['wall'] / floor:.1f} | {net / floor:.1f} | {mib(night['maxrss'])} / "
              f"{mib(night['tree_peak'])} MiB | {one_text} |")
    print("\ntargets (issue 9): 500,000: night <= 60 s, peak <= 4 GiB, (night - start-up) / floor <= 4, "
          "start-up <= 15 s, one source changed <= 30 s; 5,000,000: night <= 600 s, night / floor <= 3, "
          "peak <= 16 GiB")
    print(json.dumps([{"people": p, "night_s": round(n["wall"], 1), "night_cpu_s": round(n["cpu"], 1),
                       "startup_s": round(s["wall"], 1),
                       "floor_s": round(f, 2), "one_source_s": round(o["wall"], 1) if o else None, "stages": n["stages"],
                       "maxrss_mib": round(n["maxrss"] / 2**20), "tree_peak_mib": round(n["tree_peak"] / 2**20),
                       "rows": r} for p, n, s, f, o, r in results]))


if __name__ == "__main__":
    main()
