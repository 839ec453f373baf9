"""Read one delivered file into an all-text Arrow table, as the department sent it.

Nothing is typed here: an ID number must never pass through a float, a
household number must keep its leading zeros, and a date must stay what the
clerk typed until staging parses it. The reader's jobs are the ones only it
can do: decode bytes strictly, find the header (xlsx files carry title rows
above it and 合计/制表人 footers below), map delivered headers to the
contract's canonical names, and remember for every row the row number a clerk
sees when opening the file, so a reject can point at it.

Contract headers and aliases are matched after removing whitespace (also
full-width and BOM) and unifying full-width parentheses; a trailing value list
in parentheses (`人员状态(正常/死亡)`) is tolerated.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from sources.contracts import Contract

ROW_COLUMN = "_row"

# Python codec names by contract encoding. GBK files are decoded as GB18030, a
# strict superset, so a name written with a character outside GBK (a rare
# given-name character some county systems do export) is not a wrong delivery;
# bytes that are not GB18030 either still are.
CODECS = {"gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030",
          "utf-8": "utf8", "utf8": "utf8", "utf-8-sig": "utf8"}

FOOTER_PREFIXES = ("合计", "总计", "小计", "制表", "填表", "审核人", "负责人", "注：", "注:")
HEADER_SCAN_ROWS = 50
_SPACE_RE = re.compile(r"[\s\u3000\ufeff\u200b]+")
_TRAILING_PAREN_RE = re.compile(r"\([^()]*\)$")


class DeliveryError(ValueError):
    """A file that cannot be read at all: the whole delivery is wrong.

    `reason` is short, names the file and, where it can, the line; it holds no
    cell content, so it may go to logs and the run report.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ReadResult:
    table: pa.Table                   # canonical columns found (string) + _row (int32)
    header_map: dict[str, str]        # delivered header -> canonical name
    unknown_headers: list[str]        # delivered headers nobody asked for (drift)
    missing_columns: list[str]        # canonical names the file lacks
    header_row: int                   # 1-based row/line of the header
    malformed_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, reason), not in table

    @property
    def rows(self) -> int:
        return self.table.num_rows


def normalise_header(text: object) -> str:
    s = "" if text is None else str(text)
    s = _SPACE_RE.sub("", s).replace("（", "(").replace("）", ")")
    return s


def _header_lookup(contract: Contract) -> dict[str, tuple[str, int]]:
    """normalised header -> (canonical name, preference); the contract header beats an alias."""
    lookup: dict[str, tuple[str, int]] = {}
    for col in contract.columns:
        lookup.setdefault(normalise_header(col.header), (col.name, 0))
    for col in contract.columns:
        for alias in col.aliases:
            lookup.setdefault(normalise_header(alias), (col.name, 1))
    return lookup


def _match(header: str, lookup: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    key = normalise_header(header)
    if key in lookup:
        return lookup[key]
    stripped = _TRAILING_PAREN_RE.sub("", key)  # `人员状态(正常/死亡/迁出/注销)`
    if stripped != key and stripped in lookup:
        return lookup[stripped]
    return None


def map_headers(headers: list[str], contract: Contract) -> tuple[dict[int, str], dict[str, str], list[str], list[str]]:
    """Positions -> canonical names, plus header_map, unknown headers and missing columns.

    When two delivered columns map to one canonical name, the one under the
    contract header wins over an alias, else the leftmost; the loser is drift.
    """
    lookup = _header_lookup(contract)
    best: dict[str, tuple[int, int]] = {}  # canonical -> (preference, position)
    for pos, h in enumerate(headers):
        m = _match(h, lookup)
        if m is None:
            continue
        name, pref = m
        if name not in best or (pref, pos) < best[name]:
            best[name] = (pref, pos)
    chosen = {pos: name for name, (_, pos) in best.items()}
    header_map = {str(headers[pos]).strip(): name for pos, name in sorted(chosen.items())}
    unknown = [str(h).strip() for pos, h in enumerate(headers)
               if pos not in chosen and normalise_header(h) != ""]
    missing = [c.name for c in contract.columns if c.name not in best]
    return chosen, header_map, unknown, missing


def _result(columns: dict[str, list | pa.Array], rows: list[int] | pa.Array, chosen: dict[int, str],
            header_map, unknown, missing, header_row, malformed, contract: Contract) -> ReadResult:
    arrays, names = [], []
    for col in contract.columns:
        if col.name in columns:
            arr = columns[col.name]
            arrays.append(arr if isinstance(arr, pa.Array) else pa.array(arr, pa.string()))
            names.append(col.name)
    arrays.append(rows if isinstance(rows, pa.Array) else pa.array(rows, pa.int32()))
    names.append(ROW_COLUMN)
    return ReadResult(pa.Table.from_arrays(arrays, names=names), header_map, unknown, missing,
                      header_row, malformed)


# --- CSV ------------------------------------------------------------------------------


def _decode_error(path: Path, data: bytes, codec: str, declared: str) -> DeliveryError:
    """Name the first line that does not decode (only run once decoding failed)."""
    for lineno, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode(codec)
        except UnicodeDecodeError:
            return DeliveryError(f"{path.name}: not valid {declared} at line {lineno}")
    return DeliveryError(f"{path.name}: not valid {declared}")


def read_csv_delivery(path: Path, contract: Contract) -> ReadResult:
    declared = (contract.encoding or "utf-8").lower()
    codec = CODECS.get(declared, declared)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeliveryError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if not data[:65536].strip() and not data.strip():
        raise DeliveryError(f"{path.name}: empty file")
    if b"\x00" in data[:65536]:
        raise DeliveryError(f"{path.name}: binary content, not a CSV file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a BOM is tolerated whatever the declared encoding says

    end = data.find(b"\n")
    header_bytes = data if end < 0 else data[:end]
    try:
        header_text = header_bytes.decode(codec)
    except UnicodeDecodeError:
        raise DeliveryError(f"{path.name}: not valid {declared} at line 1") from None
    headers = next(csv.reader([header_text.rstrip("\r")]), [])
    chosen, header_map, unknown, missing = map_headers(headers, contract)
    width = len(headers)

    try:
        result = _read_csv_fast(data, codec, width, chosen, contract)
    except UnicodeDecodeError:
        raise _decode_error(path, data, codec, declared) from None
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower() or "utf-8" in str(exc).lower():
            raise _decode_error(path, data, codec, declared) from None
        result = None  # malformed rows: the exact path below numbers and reports them
    if result is None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise _decode_error(path, data, codec, declared) from None
        columns, rows, malformed = _read_csv_exact(text, width, chosen)
        return _result(columns, rows, chosen, header_map, unknown, missing, 1, malformed, contract)
    columns, rows = result
    return _result(columns, rows, chosen, header_map, unknown, missing, 1, [], contract)


def _read_csv_fast(data: bytes, codec: str, width: int, chosen: dict[int, str], contract: Contract):
    """pyarrow, when every record is one line; None when line numbers would not be exact."""
    names = [f"c{i}" for i in range(width)]
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(1)
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(
            encoding=codec, column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            include_columns=[names[p] for p in sorted(chosen)],
            strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    # Row numbers are exact only if no record spans lines and no line was
    # skipped (blank, invalid): then data line i is line i + 2 of the file.
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    trailing_lines = data.count(b"\n", end)
    content_lines = lines - max(trailing_lines - 1, 0)
    if invalid or table.num_rows + 1 != content_lines:
        return None
    columns = {chosen[p]: table.column(names[p]).combine_chunks() for p in sorted(chosen)}
    rows = pa.array(range(2, table.num_rows + 2), pa.int32())
    return columns, rows


def _read_csv_exact(text: str, width: int, chosen: dict[int, str]):
    """Python's csv module, line by line: exact clerk line numbers, odd rows reported."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    columns: dict[str, list[str]] = {name: [] for name in chosen.values()}
    rows: list[int] = []
    malformed: list[tuple[int, str]] = []
    start = reader.line_num + 1
    for record in reader:
        line = start
        start = reader.line_num + 1
        if not record or all(not f.strip() for f in record):
            continue
        if len(record) > width and not any(f.strip() for f in record[width:]):
            record = record[:width]
        if len(record) != width:
            malformed.append((line, f"{len(record)} fields where the header has {width}"))
            continue
        for pos, name in chosen.items():
            columns[name].append(record[pos])
        rows.append(line)
    return columns, rows, malformed


# --- xlsx -------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as the text a clerk would see, without losing digits.

    Whole numbers lose their `.0` (an Excel serial date 44260.0 -> `44260`);
    numbers of 16+ digits cannot be exact in a float, so they are written with
    Excel's 15 significant digits, which leaves an ID number that went through
    Excel ending in `000`, where the ID check recognises it as mangled.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer():
            if abs(value) < 1e15:
                return str(int(value))
            return str(int(Decimal(f"{value:.15g}")))
        return f"{value:.15g}"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _is_footer(row: list[str]) -> bool:
    for cell in row:
        s = cell.strip()
        if s:
            return s.startswith(FOOTER_PREFIXES)
    return True  # blank row


def _find_header(rows: list[list], contract: Contract) -> tuple[int, int]:
    """(index of the header row, matches); the first row where most contract headers match."""
    lookup = _header_lookup(contract)
    need = max(2, math.ceil(len(contract.columns) / 2))
    best = (-1, 0)
    for idx, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = {m[0] for cell in row if isinstance(cell, str) and (m := _match(cell, lookup))}
        if len(names) >= need:
            return idx, len(names)
        if len(names) > best[1]:
            best = (idx, len(names))
    if best[0] >= 0:
        return best
    for idx, row in enumerate(rows):
        if any(cell_text(c).strip() for c in row):
            return idx, 0
    return 0, 0


def read_xlsx_delivery(path: Path, contract: Contract) -> ReadResult:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for i in range(len(workbook.sheet_names)):
            sheet = workbook.get_sheet_by_index(i)
            # skip_empty_area=False keeps row i at sheet row i + 1.
            sheets.append(sheet.to_python(skip_empty_area=False))
    except Exception as exc:  # calamine raises its own zip/xml errors, or ValueError
        raise DeliveryError(f"{path.name}: not a readable xlsx file ({type(exc).__name__})") from None
    if not sheets or not any(sheets):
        raise DeliveryError(f"{path.name}: workbook has no data")

    # The first sheet whose header matches best; a cover sheet before the data is skipped.
    found = [(_find_header(rows, contract), i) for i, rows in enumerate(sheets)]
    (header_idx, _), sheet_idx = max(found, key=lambda f: (f[0][1], -f[1]))
    rows = sheets[sheet_idx]
    headers = [cell_text(c) for c in rows[header_idx]] if rows else []
    chosen, header_map, unknown, missing = map_headers(headers, contract)
    header_norm = [normalise_header(h) for h in headers]

    positions = sorted(chosen)
    columns: dict[str, list[str]] = {chosen[p]: [] for p in positions}
    row_numbers: list[int] = []
    width = len(headers)
    for idx in range(header_idx + 1, len(rows)):
        raw = rows[idx]
        cells = [c if type(c) is str else cell_text(c) for c in raw]
        if _is_footer(cells):
            continue
        if (cells and header_norm and cells[0].strip() == headers[0].strip()
                and [normalise_header(c) for c in cells[:width]] == header_norm):
            continue  # the header repeated (a multi-page export)
        for p in positions:
            columns[chosen[p]].append(cells[p] if p < len(cells) else "")
        row_numbers.append(idx + 1)
    return _result(columns, row_numbers, chosen, header_map, unknown, missing, header_idx + 1, [],
                   contract)


def read_delivery(path: Path, contract: Contract) -> ReadResult:
    """Read a delivered file (format from the contract, else from the suffix).

    Raises DeliveryError when the file cannot be parsed at all; a missing
    column is not an error here (the inbox decides what is required).
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or contract.format
    if fmt == "xlsx":
        return read_xlsx_delivery(path, contract)
    if fmt == "csv":
        return read_csv_delivery(path, contract)
    raise DeliveryError(f"{path.name}: unsupported format {fmt!r}")
