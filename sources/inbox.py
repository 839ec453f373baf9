"""The inbox manifest: what arrived, what was taken, what was refused, and the lake.

Each night `ingest_inbox` looks at `HOME/inbox`, decides for every file
whether it is ready, new, a duplicate or waiting, reads the new ones, refuses
wrong deliveries whole (quarantine) and writes accepted ones to the lake as
parquet, exactly as delivered (all text + `_row`). `meta.delivery` remembers
every distinct (file name, SHA-256) ever seen, so the same bytes are never
ingested twice and a rerun of a night changes nothing.

Decided files leave the inbox, so that the inbox shows what is still to come
and a file delivered again is seen as such: taken files (and duplicates) go
to `HOME/archive/<code>/<stem>.<sha8><ext>`, wrong deliveries to
`HOME/quarantine/<run date>/<name>`. The manifest lives in the warehouse that
is being built; should that night fail before publishing, its `meta` is thrown
away, and the next night finds archived or quarantined files the manifest
does not know and decides them again (the lake file is rewritten identically).

`create_lake_views` then puts in force, for a night with run date D, the
deliveries recorded on or before D with an extract date before D: for a
snapshot source the newest accepted snapshot by extract date, for an
increment source every accepted file. Rerunning an old night therefore sees
what that night saw.

Nothing here logs or returns personal data: the summary has counts, file
names, header names and the values of open code lists; ID problems in
`meta.reject` are described by their kind, never by the number.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from sources.contracts import FILE_NAME_RE, Contract, load_contracts
from sources.home import Home
from sources.readers import ROW_COLUMN, DeliveryError, ReadResult, read_delivery
from transforms.expectations import (PROCESS_FROM_BYTES, Validations, ensure_expectation_meta,
                                     prepare_expectations, validate_delivery)
from transforms.id_number import regex_alternation
from transforms.values import install_staging_macros

# A snapshot with fewer than two thirds of the rows in force is refused.
SHRINK_LIMIT = 2 / 3
# A delivery whose share of unusable ID numbers exceeds this is refused ...
INVALID_ID_SHARE = 0.05
# ... provided at least this many are unusable: in a 20-row file two typing
# errors are 10%, and refusing a small department's whole list for that
# would hide more than it protects.
INVALID_ID_MIN_COUNT = 3

# DuckDB scans one parquet row group per thread: pyarrow's default (one group
# of a million rows) would build a large source's staging on a single core.
LAKE_ROW_GROUP = 65536

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.delivery (
    source_code VARCHAR,        -- NULL never: unknown files are only reported
    file_name VARCHAR,
    sha256 VARCHAR,
    extract_date DATE,
    run_date DATE,              -- the night that first saw these bytes
    rows INTEGER,               -- data rows read (NULL when unreadable or a duplicate)
    rows_rejected INTEGER,      -- rows with at least one entry in meta.reject
    accepted BOOLEAN,           -- true: in the lake; false: quarantined; NULL: duplicate bytes
    reason VARCHAR,             -- why refused, why a duplicate, or a note (late snapshot)
    lake_path VARCHAR,          -- relative to the home, e.g. lake/gaj_hjrk/<stem>.<sha8>.parquet
    delivery_seq INTEGER,       -- order of ingestion; later delivery = larger
    unknown_headers VARCHAR,    -- JSON list of delivered headers nobody asked for
    missing_columns VARCHAR,    -- JSON list of canonical columns the file lacked
    renamed_headers VARCHAR     -- JSON list of "delivered -> contract header" matched through an alias
);
ALTER TABLE meta.delivery ADD COLUMN IF NOT EXISTS renamed_headers VARCHAR;
CREATE TABLE IF NOT EXISTS meta.reject (
    run_date DATE,
    source_code VARCHAR,
    file_name VARCHAR,
    "row" INTEGER,              -- the row a clerk sees: CSV line (header = 1), xlsx sheet row
    "column" VARCHAR,           -- the contract's header; NULL for a malformed row
    value_kind VARCHAR,         -- ID issue kind, not_in_list, unparseable_date, ...
    reason VARCHAR              -- names the value, except for ID numbers
);
CREATE TABLE IF NOT EXISTS meta.source_marker (
    source_code VARCHAR,        -- this source has sent .done markers: files need one
    first_seen DATE
);
CREATE TABLE IF NOT EXISTS meta.stale_source (
    run_date DATE,
    source_code VARCHAR,
    newest_extract DATE,        -- NULL: never delivered
    value VARCHAR               -- for the report: `code (newest YYYY-MM-DD)` / `code (never delivered)`
);
"""

ID_ISSUE_WORDS = {
    "missing": "ID number missing",
    "id_mangled_by_excel": "ID number mangled by Excel (scientific notation or last digits lost)",
    "wrong_length": "ID number has the wrong length or stray characters",
    "bad_region": "ID number starts with no province code",
    "bad_birth_date": "ID number holds no real birth date (or one after the extract date)",
    "wrong_check_digit": "ID number check digit does not fit",
}

PARSE_CHECKS = {
    "date": ("parse_date_cn", "unparseable_date", "not a date"),
    "yearmonth": ("parse_yearmonth_cn", "unparseable_yearmonth", "not a year-month"),
    "amount": ("parse_amount_cn", "unparseable_amount", "not an amount"),
    "integer": ("parse_integer_cn", "unparseable_integer", "not a whole number"),
}


@dataclass
class SourceIngest:
    new: int = 0                 # files accepted tonight
    duplicate: int = 0           # bytes seen before (under any name): not ingested twice
    quarantined: int = 0
    waiting: int = 0             # dated today or later, or lacking its .done marker
    partial: int = 0             # .part files still being copied
    late: int = 0                # accepted snapshots older than the one in force
    rows: int = 0                # rows read from tonight's accepted files
    rejects: int = 0             # meta.reject entries written tonight
    rows_rejected: int = 0
    unknown_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    renamed_headers: list[str] = field(default_factory=list)
    new_values: dict[str, list[str]] = field(default_factory=dict)  # open lists: column -> values
    refused: list[str] = field(default_factory=list)  # "file: reason"


@dataclass
class IngestSummary:
    run_date: date
    sources: dict[str, SourceIngest]
    unknown_files: list[str] = field(default_factory=list)
    stale: list[tuple[str, date | None]] = field(default_factory=list)

    @property
    def drift(self) -> dict[str, dict]:
        return {code: {"unknown_headers": s.unknown_headers, "missing_columns": s.missing_columns,
                       "renamed_headers": s.renamed_headers, "new_values": s.new_values}
                for code, s in self.sources.items()
                if s.unknown_headers or s.missing_columns or s.renamed_headers or s.new_values}

    def as_dict(self) -> dict:
        """Plain JSON-able values for the flow and the run record."""
        return {
            "run_date": self.run_date.isoformat(),
            "sources": {code: asdict(s) for code, s in self.sources.items()},
            "unknown_files": list(self.unknown_files),
            "stale": [code for code, _ in self.stale],
            "stale_since": {code: d.isoformat() if d else None for code, d in self.stale},
            "totals": {k: sum(getattr(s, k) for s in self.sources.values())
                       for k in ("new", "duplicate", "quarantined", "waiting", "late", "rows", "rejects")},
        }


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)
    ensure_expectation_meta(con)  # also on a night that validates nothing (an empty first inbox)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_file_name(name: str) -> tuple[str, date] | None:
    """(source code, extract date) of `<code>_<YYYYMMDD>.<csv|xlsx>`, else None."""
    m = FILE_NAME_RE.match(name)
    if not m:
        return None
    d = m.group("date")
    try:
        return m.group("code"), date(int(d[:4]), int(d[4:6]), int(d[6:]))
    except ValueError:
        return None


def lake_file(home: Home, code: str, file_name: str, sha256: str) -> Path:
    return home.lake / code / f"{Path(file_name).stem}.{sha256[:8]}.parquet"


def write_lake_file(table: pa.Table, target: Path) -> None:
    """Write beside the target, then rename: a crash leaves no half file in the lake."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd", row_group_size=LAKE_ROW_GROUP)
    os.replace(tmp, target)


def _json(items: list[str]) -> str | None:
    return json.dumps(items, ensure_ascii=False) if items else None


def _one(con, sql: str, params: list | None = None) -> tuple | None:
    """First row; fetches everything so DuckDB 2 leaves no unfinished result on the connection."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _in_force_snapshot(con, code: str, run_date: date) -> tuple | None:
    return _one(con, """
        SELECT file_name, extract_date, rows, delivery_seq FROM meta.delivery
        WHERE source_code = ? AND accepted AND lake_path IS NOT NULL
          AND extract_date < ? AND run_date <= ?
        ORDER BY extract_date DESC, delivery_seq DESC LIMIT 1""", [code, run_date, run_date])


# --- checks inside a readable delivery -------------------------------------------------


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def reject_sql(contract: Contract, result: ReadResult, extract_date: date) -> str:
    """One query over the registered table `delivered` listing every bad value.

    Columns: row, column (the contract's header, also when the department
    renamed it: the truth files and the data dictionary use that), value_kind,
    reason. An ID number is described by its issue only; other values (code
    lists, dates, amounts: none of them personal) are named so the department
    can fix them.

    Every check is computed once per row in a MATERIALIZED CTE and only then
    filtered: DuckDB would otherwise push the filters down into the scan,
    where the parsing macros run several times slower; and the ID candidate
    comes from a step of its own, as in staging (see id_number.py).
    """
    present = set(result.table.column_names)
    quote = "''''"  # SQL for a string holding one apostrophe
    computed = [f"{ROW_COLUMN} AS _row"]
    candidates = []
    parts = []
    for i, col in enumerate(contract.columns):
        if col.name not in present:
            continue
        c, header = _ident(col.name), _sql_str(col.header)
        if col.type == "id_number":
            candidates.append(f"id_number_candidate({c}) AS _candidate_{i}")
            computed.append(f"id_number_issue_of_candidate(_candidate_{i}, DATE '{extract_date.isoformat()}') "
                            f"AS _issue_{i}")
            words = f"CASE _issue_{i} " + " ".join(
                f"WHEN {_sql_str(k)} THEN {_sql_str(v)}" for k, v in ID_ISSUE_WORDS.items()) + " END"
            parts.append(f"SELECT _row, {header}, _issue_{i}, {words} FROM checked WHERE _issue_{i} IS NOT NULL")
            continue
        closed = col.type == "text" and col.closed and bool(col.values)
        if col.type in PARSE_CHECKS or closed:
            computed.append(f"clean_missing({c}) AS _value_{i}")
        if col.type in PARSE_CHECKS:
            fn, kind, words = PARSE_CHECKS[col.type]
            computed.append(f"{fn}({c}) AS _parsed_{i}")
            parts.append(f"SELECT _row, {header}, {_sql_str(kind)}, {_sql_str(words + ': ')} || {quote} "
                         f"|| _value_{i} || {quote} FROM checked WHERE _value_{i} IS NOT NULL AND _parsed_{i} IS NULL")
        if closed:
            listed = _sql_str(" is not one of " + "/".join(col.values))
            allowed = _sql_str(regex_alternation(col.values).replace("''", "'"))
            parts.append(f"SELECT _row, {header}, 'not_in_list', 'value ' || {quote} || _value_{i} || {quote} "
                         f"|| {listed} FROM checked WHERE _value_{i} IS NOT NULL "
                         f"AND NOT regexp_full_match(_value_{i}, {allowed})")
    if not parts:
        return "SELECT NULL::INTEGER, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR WHERE false"
    return (f"WITH candidates AS (SELECT *, {', '.join(candidates) or 'NULL AS _none'} FROM delivered),\n"
            f"checked AS MATERIALIZED (SELECT {', '.join(computed)} FROM candidates)\n"
            + "\nUNION ALL\n".join(parts))


def new_open_values(con, contract: Contract, result: ReadResult) -> dict[str, list[str]]:
    """Values of open code lists (`…` in sources.md) the contract does not know yet."""
    found: dict[str, list[str]] = {}
    for col in contract.columns:
        if col.type != "text" or col.closed or not col.values or col.name not in result.table.column_names:
            continue
        allowed = ", ".join(_sql_str(v) for v in col.values)
        c = _ident(col.name)
        values = [r[0] for r in con.execute(
            f"SELECT DISTINCT clean_missing({c}) v FROM delivered WHERE clean_missing({c}) IS NOT NULL "
            f"AND clean_missing({c}) NOT IN ({allowed}) ORDER BY v LIMIT 20").fetchall()]
        if values:
            found[col.name] = values
    return found


# --- the night's ingestion ---------------------------------------------------------------


def archive_dir(home: Home) -> Path:
    return home.root / "archive"


def archive_file(home: Home, code: str, file_name: str, sha256: str) -> Path:
    """`HOME/archive/<code>/<stem>.<sha8><ext>`: the bytes taken, kept whole."""
    p = Path(file_name)
    return archive_dir(home) / code / f"{p.stem}.{sha256[:8]}{p.suffix}"


@dataclass
class _Candidate:
    path: Path
    name: str                   # the name as delivered
    code: str
    extract_date: date
    where: str = "inbox"        # inbox | archive | quarantine (recovered after a failed night)


def _list_inbox(home: Home, contracts: dict[str, Contract], summary: IngestSummary
                ) -> tuple[list[_Candidate], set[str]]:
    candidates: list[_Candidate] = []
    markers: set[str] = set()
    if not home.inbox.is_dir():
        return candidates, markers
    for path in sorted(home.inbox.iterdir()):
        if not path.is_file():
            continue  # feedback/ and any other folder are not deliveries
        name = path.name
        if name.endswith(".part"):
            parsed = parse_file_name(name[: -len(".part")])
            if parsed and parsed[0] in summary.sources:
                summary.sources[parsed[0]].partial += 1
            continue
        if name.endswith(".done"):
            markers.add(name[: -len(".done")])
            continue
        if name.startswith(".") or name.startswith("~$"):
            continue  # editor lock files and hidden files are nobody's delivery
        parsed = parse_file_name(name)
        if parsed is None or parsed[0] not in contracts:
            summary.unknown_files.append(name)
            continue
        candidates.append(_Candidate(path, name, parsed[0], parsed[1]))
    return candidates, markers


def _recoverable(home: Home, contracts, known: set[tuple[str, str]]) -> list[_Candidate]:
    """Archived or quarantined files the manifest does not know.

    They were moved out of the inbox by a night that then failed to publish
    (its `meta` was thrown away with its warehouse): they are decided again.
    """
    found = []
    known8 = {(name, sha[:8]) for name, sha in known}
    for path in sorted(archive_dir(home).glob("*/*")) if archive_dir(home).is_dir() else []:
        parts = path.name.split(".")
        if not path.is_file() or len(parts) != 3:
            continue
        name = f"{parts[0]}.{parts[2]}"
        parsed = parse_file_name(name)
        if parsed and parsed[0] in contracts and (name, parts[1]) not in known8:
            found.append(_Candidate(path, name, parsed[0], parsed[1], "archive"))
    for path in sorted(home.quarantine.glob("*/*")) if home.quarantine.is_dir() else []:
        parsed = parse_file_name(path.name)
        if path.is_file() and parsed and parsed[0] in contracts and (path.name, sha256_of(path)) not in known:
            found.append(_Candidate(path, path.name, parsed[0], parsed[1], "quarantine"))
    return found


def _has_marker(name: str, markers: set[str]) -> bool:
    return name in markers or Path(name).stem in markers


def _move(src: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src), str(target))


def _to_archive(home: Home, cand: _Candidate, sha: str) -> None:
    """Take a decided inbox file (and its .done marker) out of the inbox."""
    if cand.where != "inbox":
        return
    target = archive_file(home, cand.code, cand.name, sha)
    _move(cand.path, target)
    for marker in (cand.path.with_name(cand.name + ".done"), cand.path.with_name(Path(cand.name).stem + ".done")):
        if marker.exists():
            _move(marker, target.with_name(target.name + ".done"))


def ingest_inbox(con: duckdb.DuckDBPyConnection, home: Home, run_date: date) -> IngestSummary:
    """Take tonight's ready deliveries into the lake and the manifest.

    Every file decided tonight leaves the inbox: taken and duplicate files go
    to `HOME/archive/<code>/<stem>.<sha8><ext>`, wrong deliveries to
    `HOME/quarantine/<run date>/<name>`; what stays in the inbox is waiting
    (dated tonight or later, lacking its .done marker, still `.part`) or not
    a delivery at all (an unknown name, reported every night until removed).
    A second call changes nothing, and a night that failed before publishing
    is repaired by the next: files moved out but unknown to the manifest are
    decided again. Never raises for a bad file.
    """
    ensure_meta(con)
    install_staging_macros(con)
    contracts = load_contracts()
    summary = IngestSummary(run_date, {code: SourceIngest() for code in contracts})

    candidates, markers = _list_inbox(home, contracts, summary)
    for marker in sorted(markers):
        parsed = parse_file_name(marker) or parse_file_name(marker + ".csv")
        if parsed and parsed[0] in contracts:
            con.execute("""INSERT INTO meta.source_marker SELECT ?, ? WHERE NOT EXISTS
                           (SELECT 1 FROM meta.source_marker WHERE source_code = ?)""",
                        [parsed[0], run_date, parsed[0]])
    uses_markers = {r[0] for r in con.execute("SELECT DISTINCT source_code FROM meta.source_marker").fetchall()}

    seen = con.execute("""SELECT file_name, sha256 FROM meta.delivery
                          ORDER BY run_date, delivery_seq NULLS LAST, file_name""").fetchall()
    known = {(r[0], r[1]) for r in seen}
    first_name: dict[str, str] = {}
    for file_name, sha in seen:
        first_name.setdefault(sha, file_name)  # a duplicate names the file actually ingested
    candidates += _recoverable(home, contracts, known)

    # Oldest extract first, so two snapshots arriving together are judged in order.
    candidates.sort(key=lambda c: (c.extract_date, c.code, c.name, c.where))
    ready = [c for c in candidates if c.extract_date < run_date and not (
        c.where == "inbox" and c.code in uses_markers and not _has_marker(c.name, markers))]
    with _Prefetch(ready, contracts) as reader:
        for cand in candidates:
            _decide(con, home, contracts, cand, run_date, summary, uses_markers, markers, known, first_name,
                    reader)
        reader.validations.finish(con)

    summary.stale = stale_sources(con, run_date)
    con.execute("DELETE FROM meta.stale_source WHERE run_date = ?", [run_date])
    for code, newest in summary.stale:
        value = f"{code} (newest {newest.isoformat()})" if newest else f"{code} (never delivered)"
        con.execute("INSERT INTO meta.stale_source VALUES (?, ?, ?, ?)", [run_date, code, newest, value])
    return summary


class _Prefetch:
    """Reads the next ready delivery on a second thread while this one checks, validates and
    writes the current one: pyarrow's CSV reader, calamine, DuckDB and Parquet release the GIL,
    so on two cores reading overlaps the rest of ingestion. Great Expectations is imported on the
    same thread first (seconds of fixed cost, paid while the first file is read). Decisions stay
    in order on the calling thread; a read that fails raises where the file is decided, as before.
    A file decided without reading (a duplicate) just leaves its read unused. A large delivery is
    validated by Great Expectations in a worker process meanwhile (transforms/expectations.py,
    `Validations`), started and warmed up here when a ready file is large enough to need it."""

    def __init__(self, ready: list[_Candidate], contracts: dict[str, Contract]):
        self.ready = ready
        self.contracts = contracts
        self.position = {c.path: i for i, c in enumerate(ready)}
        self.pending: dict[int, Future] = {}
        self.pool: ThreadPoolExecutor | None = None
        self.validations = Validations()

    def __enter__(self) -> "_Prefetch":
        if self.ready:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="datapool-read")
            self._submit(0)
            sizes = [c.path.stat().st_size for c in self.ready if c.path.exists()]
            if max(sizes, default=0) >= PROCESS_FROM_BYTES:
                self.validations.warm_up()  # every delivery of the night goes to the worker
            else:
                self.pool.submit(prepare_expectations)
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            for future in self.pending.values():
                future.cancel()
            self.pool.shutdown(wait=True)
        self.pending.clear()

    def _submit(self, i: int) -> None:
        if self.pool is not None and i < len(self.ready) and i not in self.pending:
            cand = self.ready[i]
            self.pending[i] = self.pool.submit(read_delivery, cand.path, self.contracts[cand.code])

    def read(self, cand: _Candidate, contract: Contract) -> ReadResult:
        """The delivery read ahead (or now); the next one is queued before this returns."""
        i = self.position.get(cand.path)
        if i is None:
            return read_delivery(cand.path, contract)
        for j in [j for j in self.pending if j < i]:  # decided without reading (duplicates)
            self.pending.pop(j).cancel()
        future = self.pending.pop(i, None)
        self._submit(i + 1)
        return future.result() if future is not None else read_delivery(cand.path, contract)


def _decide(con, home: Home, contracts: dict[str, Contract], cand: _Candidate, run_date: date,
            summary: IngestSummary, uses_markers: set[str], markers: set[str], known: set[tuple[str, str]],
            first_name: dict[str, str], reader: _Prefetch) -> None:
    """One candidate file: waiting, a duplicate, taken or quarantined."""
    stats = summary.sources[cand.code]
    if cand.extract_date >= run_date:
        if cand.where == "inbox":
            stats.waiting += 1
        return
    if cand.where == "inbox" and cand.code in uses_markers and not _has_marker(cand.name, markers):
        stats.waiting += 1
        return
    sha = sha256_of(cand.path)
    if (cand.name, sha) in known:
        stats.duplicate += 1  # the same file delivered again under its old name
        _to_archive(home, cand, sha)
        return
    if sha in first_name:
        _record(con, cand, sha, run_date, accepted=None,
                reason=f"duplicate of {first_name[sha]} (same bytes): not ingested again")
        stats.duplicate += 1
        known.add((cand.name, sha))
        _to_archive(home, cand, sha)
        return
    taken = _ingest_file(con, home, contracts[cand.code], cand, sha, run_date, stats, reader)
    known.add((cand.name, sha))
    first_name[sha] = cand.name
    if taken:
        _to_archive(home, cand, sha)


def _next_seq(con) -> int:
    return _one(con, "SELECT coalesce(max(delivery_seq), 0) + 1 FROM meta.delivery")[0]


def _record(con, cand: _Candidate, sha: str, run_date: date, *, accepted: bool | None, reason: str | None,
            rows: int | None = None, rows_rejected: int | None = None, lake_path: str | None = None,
            seq: int | None = None, result: ReadResult | None = None) -> None:
    con.execute("INSERT INTO meta.delivery VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        cand.code, cand.name, sha, cand.extract_date, run_date, rows, rows_rejected, accepted, reason,
        lake_path, seq,
        _json(result.unknown_headers) if result else None,
        _json(result.missing_columns) if result else None,
        _json(renamed_headers(load_contracts()[cand.code], result)) if result else None,
    ])


def renamed_headers(contract: Contract, result: ReadResult) -> list[str]:
    """Headers the department renamed (matched through a contract alias): schema drift to report."""
    out = []
    for delivered, name in result.header_map.items():
        expected = contract.column(name).header
        if delivered.strip().lstrip("\ufeff") != expected:
            out.append(f"{delivered.strip()} -> {expected}")
    return sorted(out)


def _quarantine(con, home: Home, cand: _Candidate, sha: str, run_date: date, stats: SourceIngest,
                reason: str, seq: int, result: ReadResult | None) -> bool:
    _record(con, cand, sha, run_date, accepted=False, reason=reason,
            rows=result.rows if result else None, seq=seq, result=result)
    stats.quarantined += 1
    stats.refused.append(f"{cand.name}: {reason}")
    if cand.where != "quarantine":
        _move(cand.path, home.quarantine / run_date.isoformat() / cand.name)
        marker = cand.path.with_name(cand.name + ".done")
        if cand.where == "inbox" and marker.exists():
            _move(marker, home.quarantine / run_date.isoformat() / marker.name)
    return False


def _ingest_file(con, home: Home, contract: Contract, cand: _Candidate, sha: str, run_date: date,
                 stats: SourceIngest, reader: _Prefetch | None = None) -> bool:
    """Read, check and take one new file; False when it was quarantined."""
    seq = _next_seq(con)
    try:
        result = reader.read(cand, contract) if reader is not None else read_delivery(cand.path, contract)
    except DeliveryError as exc:
        reason = exc.reason  # meta.delivery has the file name in its own column
        for prefix in (cand.path.name + ": ", cand.name + ": "):
            reason = reason.removeprefix(prefix)
        return _quarantine(con, home, cand, sha, run_date, stats, reason, seq, None)

    # Drift is reported whether or not the file is taken.
    stats.unknown_headers += [h for h in result.unknown_headers if h not in stats.unknown_headers]
    stats.renamed_headers += [h for h in renamed_headers(contract, result) if h not in stats.renamed_headers]
    stats.missing_columns += [c for c in result.missing_columns if c not in stats.missing_columns]

    required_missing = [c for c in contract.columns if c.required and c.name in result.missing_columns]
    if required_missing:
        names = ", ".join(f"{c.header} ({c.name})" for c in required_missing)
        return _quarantine(con, home, cand, sha, run_date, stats, f"required column missing: {names}", seq, result)

    con.register("delivered", result.table)
    try:
        in_force = _in_force_snapshot(con, contract.code, run_date) if contract.mode == "snapshot" else None
        if in_force and in_force[2] and result.rows < in_force[2] * SHRINK_LIMIT:
            return _quarantine(con, home, cand, sha, run_date, stats,
                               f"snapshot shrank from {in_force[2]} to {result.rows} rows "
                               f"(more than a third) against {in_force[0]}", seq, result)
        rejects = con.execute(reject_sql(contract, result, cand.extract_date)).fetchall()
        id_header = next(c.header for c in contract.columns if c.type == "id_number")
        invalid = sum(1 for r in rejects if r[1] == id_header)
        if result.rows and invalid >= INVALID_ID_MIN_COUNT and invalid / result.rows > INVALID_ID_SHARE:
            return _quarantine(con, home, cand, sha, run_date, stats,
                               f"{invalid} of {result.rows} ID numbers unusable after normalising "
                               f"({invalid / result.rows:.0%}, limit {INVALID_ID_SHARE:.0%})", seq, result)
        rejects += [(row, None, "malformed_row", why) for row, why in result.malformed_rows]
        new_values = new_open_values(con, contract, result)
    finally:
        con.unregister("delivered")

    target = lake_file(home, contract.code, cand.name, sha)
    write_lake_file(result.table, target)
    note = None
    if in_force and in_force[1] > cand.extract_date:
        note = f"late: older than the snapshot in force ({in_force[0]}); recorded, not in force"
        stats.late += 1
    rows_rejected = len({r[0] for r in rejects})
    con.execute("BEGIN TRANSACTION")
    try:
        _record(con, cand, sha, run_date, accepted=True, reason=note, rows=result.rows,
                rows_rejected=rows_rejected, lake_path=target.relative_to(home.root).as_posix(),
                seq=seq, result=result)
        if rejects:
            con.executemany("INSERT INTO meta.reject VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(run_date, contract.code, cand.name, r[0], r[1], r[2], r[3])
                             for r in sorted(rejects, key=lambda r: (r[0], r[1] or ""))])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    if reader is not None:  # never raises for GX
        reader.validations.submit(contract, result.table, cand.name, run_date)
    else:
        validate_delivery(con, contract, result.table, cand.name, run_date)
    stats.new += 1
    stats.rows += result.rows
    stats.rejects += len(rejects)
    stats.rows_rejected += rows_rejected
    for column, values in new_values.items():
        known_values = stats.new_values.setdefault(column, [])
        known_values += [v for v in values if v not in known_values]
    return True


# --- what is in force ------------------------------------------------------------------------


def deliveries_in_force(con: duckdb.DuckDBPyConnection, contract: Contract, run_date: date) -> list[tuple]:
    """(file_name, lake_path, extract_date, delivery_seq) of the files a night reads."""
    rows = con.execute("""
        SELECT file_name, lake_path, extract_date, delivery_seq FROM meta.delivery
        WHERE source_code = ? AND accepted AND lake_path IS NOT NULL
          AND extract_date < ? AND run_date <= ?
        ORDER BY extract_date DESC, delivery_seq DESC""", [contract.code, run_date, run_date]).fetchall()
    if contract.mode == "snapshot":
        rows = rows[:1]
    return sorted(rows, key=lambda r: r[3])


def lake_view_sql(contract: Contract, files: list[tuple], home: Home) -> str:
    """The SELECT behind `lake.<code>`: canonical columns (NULL where a file lacked one) + lineage."""
    if not files:
        cols = [f"NULL::VARCHAR AS {_ident(c.name)}" for c in contract.columns]
        cols += ["NULL::VARCHAR AS _file", "NULL::INTEGER AS _row", "NULL::DATE AS _extract_date",
                 "NULL::INTEGER AS _delivery_seq"]
        return "SELECT " + ", ".join(cols) + " WHERE false"
    parts = []
    for file_name, lake_path, extract_date, seq in files:
        path = home.root / lake_path
        if not path.exists():
            raise FileNotFoundError(f"lake file {lake_path} of {file_name} is missing from {home.root}")
        present = set(pq.read_schema(path).names)
        cols = [_ident(c.name) if c.name in present else f"NULL::VARCHAR AS {_ident(c.name)}"
                for c in contract.columns]
        cols += [f"{_sql_str(file_name)} AS _file", f"CAST({ROW_COLUMN} AS INTEGER) AS _row",
                 f"DATE '{extract_date.isoformat()}' AS _extract_date", f"CAST({seq} AS INTEGER) AS _delivery_seq"]
        parts.append(f"SELECT {', '.join(cols)} FROM read_parquet({_sql_str(str(path))})")
    return "\nUNION ALL\n".join(parts)


def create_lake_views(con: duckdb.DuckDBPyConnection, home: Home, run_date: date) -> dict[str, int]:
    """`lake.<code>` for every contract; returns the number of files in force per source."""
    ensure_meta(con)
    con.execute("CREATE SCHEMA IF NOT EXISTS lake")
    counts = {}
    for code, contract in load_contracts().items():
        files = deliveries_in_force(con, contract, run_date)
        con.execute(f"CREATE OR REPLACE VIEW lake.{code} AS\n{lake_view_sql(contract, files, home)}")
        counts[code] = len(files)
    return counts


def stale_sources(con: duckdb.DuckDBPyConnection, run_date: date) -> list[tuple[str, date | None]]:
    """Sources whose newest accepted extract is older than their max age (or that never delivered)."""
    ensure_meta(con)
    newest = dict(con.execute("""
        SELECT source_code, max(extract_date) FROM meta.delivery
        WHERE accepted AND lake_path IS NOT NULL AND extract_date < ? AND run_date <= ?
        GROUP BY source_code""", [run_date, run_date]).fetchall())
    stale = []
    for code, contract in load_contracts().items():
        d = newest.get(code)
        if d is None or (run_date - d).days > contract.max_age_days:
            stale.append((code, d))
    return stale
