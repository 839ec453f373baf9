"""Great Expectations suites from the contracts, run on every accepted delivery.

GX has no DuckDB backend, so each accepted delivery is validated as read: the
reader's all-text Arrow table (canonical column names) turned into a pandas
frame. Before validating, the columns an expectation names are trimmed and
the missing tokens (无, -, NULL, ... as in `clean_missing`) become null, so
"not null" means what staging means by it; nothing else is normalised (an ID
number with a leading apostrophe fails the ID pattern here, as the department
sent it).

The suite of a source comes from its contract:

- every required column: `ExpectColumnValuesToNotBeNull` (mostly 0.95);
- every closed value list: `ExpectColumnValuesToBeInSet` (mostly 0.99);
- every id_number column: `ExpectColumnValuesToMatchRegex`, 17 digits and a
  digit or X, or the legacy 15 digits (mostly 0.95);
- `ExpectTableRowCountToBeBetween(min_value=1)`.

Columns the delivery lacks get no expectation (the inbox already reports them
as drift, and refuses the file when a required one is missing).

Results go to `meta.expectation_result`, one row per expectation, with
counts and shares only: GX runs with result format SUMMARY,
`partial_unexpected_count: 0` and no unexpected rows, and only the fields of
the table are kept, so no delivered value (an ID number, a name) is stored.

Fixed cost: great_expectations is imported on first use only (it takes
seconds), the ephemeral context, its pandas data source, dataframe asset and
batch definition are built once per process (one night), and a delivery
longer than `SAMPLE_ROWS` is validated on its first `SAMPLE_ROWS` rows, which
a `sampled: first N of M rows` row says. A GX exception never stops the night:
it is recorded as one `gx_error` row (success false) and the night goes on.

On a large county GX runs beside ingestion (`Validations`): each delivery's
sample, its suite's columns only, goes as Arrow IPC to one worker process,
which imports GX and validates while this process reads, checks and writes
the next files; the results are stored when the inbox is done. GX is pandas
and Python (it holds the GIL), so a thread would not overlap it.
"""
from __future__ import annotations

import os
import re
import threading
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from sources.contracts import Contract
from transforms.values import MISSING_TOKENS, TRIM_CHARS

SAMPLE_ROWS = 200_000
MOSTLY_NOT_NULL = 0.95
MOSTLY_IN_SET = 0.99
MOSTLY_ID_FORM = 0.95
ID_FORM_REGEX = r"^(?:\d{17}[\dXx]|\d{15})$"
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0, "include_unexpected_rows": False}

EXPECTATION_META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.expectation_result (
    run_date DATE,
    source_code VARCHAR,
    file_name VARCHAR,
    expectation VARCHAR,        -- GX expectation type; gx_error; sampled: first N of M rows
    column_name VARCHAR,        -- NULL for table-level rows
    success BOOLEAN,
    unexpected_percent DOUBLE,  -- share of non-missing (not-null: of all) values that failed, 0..100
    element_count BIGINT        -- rows validated
);
"""
RESULT_COLUMNS = ("run_date", "source_code", "file_name", "expectation", "column_name", "success",
                  "unexpected_percent", "element_count")

_gx: dict[str, Any] = {}  # the night's context, built once: gx, gxe, batch_definition
_gx_lock = threading.Lock()  # the inbox may build it on its reading thread (prepare_expectations)


def ensure_expectation_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(EXPECTATION_META_DDL)


def prepare_expectations() -> None:
    """Import great_expectations and build the context now (the inbox calls it on its reading
    thread, so that the seconds it takes overlap reading the first delivery)."""
    _gx_objects()


def _gx_objects() -> dict[str, Any]:
    """great_expectations imported lazily, with analytics and progress bars off; one context."""
    with _gx_lock:
        return _build_gx_objects()


def _build_gx_objects() -> dict[str, Any]:
    if not _gx:
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("datapool").add_dataframe_asset("delivery")
        _gx.update(gx=gx, gxe=gxe, batch_definition=asset.add_batch_definition_whole_dataframe("whole"))
    return _gx


def expectation_specs(contract: Contract, present: set[str] | None = None) -> list[tuple[str, dict]]:
    """(GX class name, kwargs) of the contract's suite; columns outside `present` are left out."""
    specs: list[tuple[str, dict]] = []
    for col in contract.columns:
        if present is not None and col.name not in present:
            continue
        if col.required:
            specs.append(("ExpectColumnValuesToNotBeNull", {"column": col.name, "mostly": MOSTLY_NOT_NULL}))
        if col.closed and col.values:
            specs.append(("ExpectColumnValuesToBeInSet",
                          {"column": col.name, "value_set": list(col.values), "mostly": MOSTLY_IN_SET}))
        if col.type == "id_number":
            specs.append(("ExpectColumnValuesToMatchRegex",
                          {"column": col.name, "regex": ID_FORM_REGEX, "mostly": MOSTLY_ID_FORM}))
    specs.append(("ExpectTableRowCountToBeBetween", {"min_value": 1}))
    return specs


def build_suite(contract: Contract, present: set[str] | None = None):
    """The contract's `gx.ExpectationSuite` (imports great_expectations)."""
    g = _gx_objects()
    suite = g["gx"].ExpectationSuite(name=f"datapool_{contract.code}")
    for cls, kwargs in expectation_specs(contract, present):
        suite.add_expectation(getattr(g["gxe"], cls)(**kwargs))
    return suite


_MISSING_RE = re.compile("|".join(re.escape(t) for t in MISSING_TOKENS if t))


def _frame(table_or_frame, columns: list[str]):
    """The columns named by the suite, as a pandas frame: trimmed, missing tokens -> None.

    An Arrow table (the reader's) is cleaned column-wise in Arrow, which gives
    the same frame as cleaning value by value in Python, in a small part of the
    time (a county's register is hundreds of thousands of rows)."""
    import pandas as pd

    if isinstance(table_or_frame, pa.Table):
        present = [c for c in columns if c in table_or_frame.column_names]
        return pd.DataFrame({c: _clean_arrow(table_or_frame.column(c)).to_pandas() for c in present})
    frame = pd.DataFrame({c: table_or_frame[c] for c in columns if c in table_or_frame.columns})
    for c in frame.columns:
        s = frame[c].astype(object).where(frame[c].notna(), None)
        s = s.map(lambda v: None if v is None else str(v).strip(TRIM_CHARS))
        frame[c] = s.map(lambda v: None if v is None or v == "" or _MISSING_RE.fullmatch(v) else v)
    return frame


def _clean_arrow(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trimmed text, null where the value is missing or a missing token (as `_frame` does per value)."""
    import pyarrow.compute as pc

    text = column if pa.types.is_string(column.type) else column.cast(pa.string())
    trimmed = pc.utf8_trim(text, characters=TRIM_CHARS)
    missing = pc.is_in(trimmed, value_set=pa.array(MISSING_TOKENS, pa.string()))
    return pc.if_else(missing, pa.scalar(None, pa.string()), trimmed)


def _short(type_name: str) -> str:
    return type_name.removeprefix("expect_") if type_name else type_name


def validate_delivery(con: duckdb.DuckDBPyConnection, contract: Contract, table_or_frame, file_name: str,
                      run_date: date) -> list[dict]:
    """Validate one accepted delivery against its contract's suite; store and return the rows.

    `table_or_frame`: the reader's Arrow table or a pandas frame, canonical
    column names, all text. Never raises for a GX problem: one `gx_error` row.
    """
    rows = validation_rows(contract, table_or_frame, file_name, run_date)
    store_validation(con, contract.code, file_name, run_date, rows)
    return rows


def _sample(contract: Contract, table_or_frame) -> tuple[Any, set[str], int, list[tuple[str, dict]]]:
    """(the rows validated, the columns the delivery has, its length, the suite's specs)."""
    total = table_or_frame.num_rows if isinstance(table_or_frame, pa.Table) else len(table_or_frame)
    data = table_or_frame.slice(0, SAMPLE_ROWS) if isinstance(table_or_frame, pa.Table) \
        else table_or_frame.iloc[:SAMPLE_ROWS]
    names = set(data.column_names if isinstance(data, pa.Table) else data.columns)
    return data, names, total, expectation_specs(contract, names)


def validation_rows(contract: Contract, table_or_frame, file_name: str, run_date: date) -> list[dict]:
    """The result rows of one delivery's validation (nothing stored). Never raises."""
    try:
        data, names, total, _ = _sample(contract, table_or_frame)
    except Exception:  # noqa: BLE001 - as below
        return [_error_row(contract.code, file_name, run_date)]
    return _rows(contract, data, names, total, file_name, run_date)


def _error_row(code: str, file_name: str, run_date: date) -> dict:
    return {"run_date": run_date, "source_code": code, "file_name": file_name, "expectation": "gx_error",
            "column_name": None, "success": False, "unexpected_percent": None, "element_count": None}


def _rows(contract: Contract, data, names: set[str], total: int, file_name: str, run_date: date) -> list[dict]:
    base = {"run_date": run_date, "source_code": contract.code, "file_name": file_name}
    rows: list[dict] = []
    try:
        specs = expectation_specs(contract, names)
        columns = list(dict.fromkeys(kw["column"] for _, kw in specs if "column" in kw))
        frame = _frame(data, columns)
        if not columns:  # a frame with no columns has no rows for pandas: keep the count
            frame = frame.reindex(range(len(data)))
        suite = build_suite(contract, names)
        batch = _gx_objects()["batch_definition"].get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format=RESULT_FORMAT)
        for r in result.results:
            cfg = r.expectation_config
            res = r.result or {}
            raised = bool((r.exception_info or {}).get("raised_exception"))
            rows.append({**base, "expectation": _short(cfg.type), "column_name": cfg.kwargs.get("column"),
                         "success": bool(r.success) and not raised,
                         "unexpected_percent": None if raised else res.get("unexpected_percent"),
                         "element_count": res.get("element_count", len(frame))})
        if total > len(frame):
            rows.append({**base, "expectation": f"sampled: first {len(frame)} of {total} rows",
                         "column_name": None, "success": True, "unexpected_percent": None,
                         "element_count": len(frame)})
    except Exception:  # noqa: BLE001 - GX must not stop the night; the message may quote data
        rows = [_error_row(contract.code, file_name, run_date)]
    return rows


def store_validation(con: duckdb.DuckDBPyConnection, code: str, file_name: str, run_date: date,
                     rows: list[dict]) -> None:
    """A delivery's result rows into meta.expectation_result (replacing an earlier run's)."""
    ensure_expectation_meta(con)
    con.execute("DELETE FROM meta.expectation_result WHERE run_date = ? AND source_code = ? AND file_name = ?",
                [run_date, code, file_name])
    con.executemany(f"INSERT INTO meta.expectation_result ({', '.join(RESULT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(RESULT_COLUMNS))})",
                    [[r[c] for c in RESULT_COLUMNS] for r in rows])


# --- validating beside ingestion -------------------------------------------------------------

# A delivery of at least this many rows is validated in a worker process, side by side with
# the rest of ingestion; smaller ones at once, in this process (no worker is started for them).
PROCESS_FROM_ROWS = 50_000
# The inbox starts (and warms) the worker when it sees a ready file at least this large.
PROCESS_FROM_BYTES = 4 << 20

_worker: dict[str, Any] = {}


def _pool():
    """The process's one validation worker (spawned: GX and pandas hold the GIL, and a fork of a
    process running DuckDB threads is unsafe); reused by every later night of the process."""
    if "pool" not in _worker:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _worker["pool"] = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _worker["pool"]


def _to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _worker_rows(contract: Contract, ipc: bytes, names: list[str], total: int, file_name: str,
                 run_date: date) -> list[dict]:
    """In the worker: the rows of one delivery's sample (its suite's columns, as Arrow IPC)."""
    data = pa.ipc.open_stream(ipc).read_all()
    return _rows(contract, data, set(names), total, file_name, run_date)


class Validations:
    """One ingest's validations, stored in the order the deliveries were decided by `finish`.

    A large delivery's sample (the suite's columns only) goes to the worker process
    and is validated while this process reads, checks and writes the next files;
    GX then costs the night little more than its results. The rows are those
    `validate_delivery` gives: the same suite, sample and GX calls. A worker that
    fails gives the delivery one `gx_error` row, as any GX failure does."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, str, date, Any]] = []
        self.warm = False

    def warm_up(self) -> bool:
        """Start the worker and build its GX context now, while the first delivery is read; then
        every delivery of this ingest is validated there (this process need not import GX).
        False where no worker can be started (in a daemonic process, such as a Dask worker's):
        then every delivery is validated here, as a small one is."""
        import multiprocessing

        if multiprocessing.current_process().daemon:
            return False
        try:
            _pool().submit(prepare_expectations)
        except Exception:  # noqa: BLE001 - no worker: validated in this process instead
            _worker.pop("pool", None)
            return False
        self.warm = True
        return True

    def submit(self, contract: Contract, table_or_frame, file_name: str, run_date: date) -> None:
        try:
            data, names, total, specs = _sample(contract, table_or_frame)
            if not isinstance(data, pa.Table) or not (self.warm or total >= PROCESS_FROM_ROWS) \
                    or not (self.warm or self.warm_up()):
                raise LookupError("validated here")
            columns = list(dict.fromkeys(kw["column"] for _, kw in specs if "column" in kw))
            outcome: Any = _pool().submit(_worker_rows, contract, _to_ipc(data.select(columns)), sorted(names),
                                          total, file_name, run_date)
        except Exception:  # noqa: BLE001 - small, or no worker to take it: validated here
            outcome = validation_rows(contract, table_or_frame, file_name, run_date)
        self.pending.append((contract.code, file_name, run_date, outcome))

    def finish(self, con: duckdb.DuckDBPyConnection) -> int:
        """Wait for the worker and store every delivery's rows; returns the deliveries stored."""
        for code, file_name, run_date, outcome in self.pending:
            if isinstance(outcome, list):
                rows = outcome
            else:
                try:
                    rows = outcome.result()
                except Exception:  # noqa: BLE001 - a dead or failing worker: recorded, the night goes on
                    _worker.pop("pool", None)
                    rows = [_error_row(code, file_name, run_date)]
            store_validation(con, code, file_name, run_date, rows)
        done = len(self.pending)
        self.pending.clear()
        return done
