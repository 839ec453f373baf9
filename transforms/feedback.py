"""Township feedback: worked worklist files sent back, applied the next night.

interfaces.md, "Feedback". A returned file is any export file with 核实结果
filled in, saved by Excel the way Excel saves: xlsx, or CSV in UTF-8 (with or
without BOM) or GBK, 户号 possibly without its leading zeros, sheets renamed,
rows sorted. The item is found by 工单编号 and nothing else.

Every row is applied whole or not at all. A row is not applied, and is
listed back to the township that sent it in
`exports/<date>/<township>_反馈问题.csv`, when:
- its 工单编号 is no item the data pool ever dispatched;
- its 核实结果 is not one of the seven words of the drop-down;
- the item belongs to another township than the file's;
- its 核实日期 cannot be read as a date, or lies after the night;
- the same file holds the item twice with different results.
A row without a 核实结果 has not been worked yet and is skipped silently.

Idempotent: a file is known by its SHA-256 (meta.feedback_file) and never
applied twice; a re-saved copy of an applied file (other bytes, same
results) changes nothing either, because a row that sets the status an item
already has is counted `unchanged`, not applied. Applied rows are kept in
meta.feedback (the history of what the villages answered).

Crash-safe like the inbox: the file is moved to `archive/feedback/` once its
rows are in the night's meta; a night that dies before publishing leaves the
archived file unknown to the published meta, and the next night applies it
from the archive.

Which township a file belongs to: the 9-digit code its name starts with (as
exported: `371426102_前曹镇.xlsx`, or Excel's `371426102_前曹镇(1).xlsx`);
failing that, the 乡镇街道 of its rows, when they name one township. A file
whose township cannot be told has each row checked against the township its
乡镇街道 cell names; its problems go to the county office's list (`<county>000`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sources.home import Home
from transforms.reference import county_office_code
from transforms.worklist import ensure_worklist_state

RESULT_STATUS = {
    "符合条件已申请": "verified_eligible",
    "不符合条件": "not_eligible",
    "已享受": "already_covered",
    "属实已处理": "confirmed",
    "不属实": "not_confirmed",
    "无法联系": "unreachable",
    "本人拒绝": "refused",
}
ITEM_COLUMN, RESULT_COLUMN, DATE_COLUMN, NOTE_COLUMN, TOWNSHIP_COLUMN = (
    "工单编号", "核实结果", "核实日期", "协理员备注", "乡镇街道")
PROBLEM_HEADERS = ("反馈文件", "工作表", "行号", "工单编号", "列", "填写内容", "问题")
FEEDBACK_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_TOWNSHIP_PREFIX = re.compile(r"^(\d{9})(?!\d)")
_ITEM_ID = re.compile(r"^WL-[A-Z2-7]{8}$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")

FEEDBACK_DDL = (
    """CREATE TABLE IF NOT EXISTS meta.feedback_file (
        sha256 VARCHAR, file_name VARCHAR, township_code VARCHAR, run_date DATE,
        rows_read INTEGER, rows_applied INTEGER, rows_unchanged INTEGER, rows_blank INTEGER,
        rows_rejected INTEGER, archived_as VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.feedback (
        item_id VARCHAR, status VARCHAR, result_word VARCHAR, verified_on DATE, note VARCHAR,
        previous_status VARCHAR, file_sha256 VARCHAR, file_name VARCHAR, sheet VARCHAR,
        row_number INTEGER, run_date DATE)""",
    """CREATE TABLE IF NOT EXISTS meta.feedback_problem (
        run_date DATE, township_code VARCHAR, file_name VARCHAR, sheet VARCHAR, row_number INTEGER,
        item_id VARCHAR, column_name VARCHAR, value VARCHAR, problem VARCHAR)""",
)


class FeedbackFileError(ValueError):
    """A returned file that cannot be read at all (not a worklist, broken xlsx)."""


@dataclass
class FeedbackRow:
    sheet: str
    row_number: int  # as the clerk sees it: sheet row / CSV line, header = its own line
    item_id: str
    result: str
    verified: object
    note: str
    township_text: str


@dataclass
class FeedbackSummary:
    files: int = 0
    repeated_files: int = 0
    unreadable_files: int = 0
    applied: int = 0
    unchanged: int = 0
    blank: int = 0
    rejected: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def ensure_feedback_meta(con) -> None:
    ensure_worklist_state(con)
    for ddl in FEEDBACK_DDL:
        con.execute(ddl)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows_from_table(sheet: str, table: list[list], first_line: int = 1) -> list[FeedbackRow]:
    """The worked rows of one sheet: the header is the first row naming 工单编号."""
    header_at = next((i for i, row in enumerate(table) if ITEM_COLUMN in [_text(c) for c in row]), None)
    if header_at is None:
        return []
    header = [_text(c) for c in table[header_at]]
    if RESULT_COLUMN not in header:
        raise FeedbackFileError(f"sheet {sheet!r}: no column {RESULT_COLUMN}")
    col = {name: header.index(name) for name in header if name}

    def cell(row, name):
        i = col.get(name)
        return row[i] if i is not None and i < len(row) else None

    out = []
    for offset, row in enumerate(table[header_at + 1:], start=header_at + 1):
        if not any(_text(c) for c in row):
            continue
        out.append(FeedbackRow(sheet=sheet, row_number=first_line + offset,
                               item_id=_text(cell(row, ITEM_COLUMN)), result=_text(cell(row, RESULT_COLUMN)),
                               verified=cell(row, DATE_COLUMN), note=_text(cell(row, NOTE_COLUMN)),
                               township_text=_text(cell(row, TOWNSHIP_COLUMN))))
    return out


def decode_csv(raw: bytes) -> str:
    """UTF-8 (BOM or not) as exported, else GBK/GB18030 as Excel saves a CSV on a Chinese Windows."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FeedbackFileError(f"neither UTF-8 nor GBK (byte {exc.start})") from None


def read_feedback_file(path: Path) -> list[FeedbackRow]:
    """The rows of a returned xlsx or CSV; FeedbackFileError when it is no worklist at all."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        text = decode_csv(path.read_bytes())
        table = list(csv.reader(io.StringIO(text, newline="")))
        rows = _rows_from_table("", table)
        if not table or not any(ITEM_COLUMN in [_text(c) for c in r] for r in table):
            raise FeedbackFileError(f"no header row with {ITEM_COLUMN}")
        return rows
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's own zip/xml errors
        raise FeedbackFileError(f"not a readable xlsx ({type(exc).__name__})") from None
    rows, found_header = [], False
    for name in workbook.sheet_names:
        table = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if any(ITEM_COLUMN in [_text(c) for c in r] for r in table):
            found_header = True
        rows.extend(_rows_from_table(name, table))
    if not found_header:
        raise FeedbackFileError(f"no sheet with a header row naming {ITEM_COLUMN}")
    return rows


def parse_verified_on(value, run_date: date) -> date | None:
    """核实日期 as Excel leaves it: a date cell, a serial number, or text like 2026-03-20, 2026/3/20,
    2026年3月20日. Blank -> the night the file arrives. Raises ValueError when unreadable."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise ValueError("not a date")
    text = _text(value).split(" ")[0].split("T")[0]
    if text.isdigit() and 20000 <= int(text) <= 80000:  # a serial kept as text in a CSV
        return date(1899, 12, 30) + timedelta(days=int(text))
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    m = _DATE_TEXT.match(text)
    if not m:
        raise ValueError("not a date")
    return date(int(m[1]), int(m[2]), int(m[3]))


def township_of_file(name: str) -> str | None:
    m = _TOWNSHIP_PREFIX.match(name)
    return m.group(1) if m else None


def _feedback_archive(home: Home) -> Path:
    return home.root / "archive" / "feedback"


def _candidates(home: Home, known: set[str]) -> list[tuple[Path, str]]:
    """Files waiting in inbox/feedback/, then archived ones the published meta does not know
    (a night that died after archiving them)."""
    found = []
    if home.feedback.is_dir():
        for path in sorted(home.feedback.iterdir()):
            if path.is_file() and path.suffix.lower() in FEEDBACK_SUFFIXES and not path.name.startswith(("~$", ".")):
                found.append((path, "inbox"))
    archive = _feedback_archive(home)
    if archive.is_dir():
        for path in sorted(archive.iterdir()):
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() not in known:
                found.append((path, "archive"))
    return found


def _original_name(path: Path, where: str) -> str:
    """An archived file is `<stem>.<sha8><ext>`: give back the name the township sent."""
    if where != "archive":
        return path.name
    stem, _, sha8 = path.stem.rpartition(".")
    return f"{stem}{path.suffix}" if stem and re.fullmatch(r"[0-9a-f]{8}", sha8) else path.name


def apply_feedback(con, home: Home, run_date: date) -> dict:
    """Apply every returned file waiting for this night to meta.worklist_state.

    Run before update_worklist_state (so tonight's worklist reflects the answers).
    Returns counts only (no item ids, names or notes)."""
    ensure_feedback_meta(con)
    home = Home(home.root) if isinstance(home, Home) else Home(Path(home))
    summary = FeedbackSummary()
    known = {r[0] for r in con.execute("SELECT sha256 FROM meta.feedback_file").fetchall()}
    divisions = _division_names(con)
    for path, where in _candidates(home, known):
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        name = _original_name(path, where)
        if sha in known:
            summary.repeated_files += 1
            _archive(home, path, sha, name)
            continue
        summary.files += 1
        # a file is applied whole, in one transaction, before it leaves the inbox: a crash in
        # between leaves it known (then merely archived) or unknown (then applied next time)
        con.execute("BEGIN TRANSACTION")
        try:
            counts = _apply_file(con, path, name, sha, run_date, divisions, summary)
            con.execute("INSERT INTO meta.feedback_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [sha, name, counts["township"], run_date, counts["read"], counts["applied"],
                         counts["unchanged"], counts["blank"], counts["rejected"],
                         str(_archive_path(home, sha, name).relative_to(home.root))])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        _archive(home, path, sha, name)
        known.add(sha)
    return summary.as_dict()


def _archive_path(home: Home, sha: str, name: str) -> Path:
    return _feedback_archive(home) / f"{Path(name).stem}.{sha[:8]}{Path(name).suffix}"


def _archive(home: Home, path: Path, sha: str, name: str) -> Path:
    target = _archive_path(home, sha, name)
    if path.resolve() == target.resolve():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        path.unlink()
    else:
        shutil.move(str(path), str(target))
    return target


def _division_names(con) -> dict[str, str]:
    try:
        return {name: code for code, name in con.execute(
            "SELECT code, name FROM ref.division WHERE length(code) = 9 AND name IS NOT NULL").fetchall()}
    except Exception:  # no reference loaded: townships are told by file name only
        return {}


def _apply_file(con, path: Path, name: str, sha: str, run_date: date, township_by_name: dict[str, str],
                summary: FeedbackSummary) -> dict:
    township = township_of_file(name)
    problems: list[tuple] = []
    counts = {"read": 0, "applied": 0, "unchanged": 0, "blank": 0, "rejected": 0, "township": township}
    try:
        rows = read_feedback_file(path)
    except FeedbackFileError as exc:
        summary.unreadable_files += 1
        counts["rejected"] = 1
        _problems(con, run_date, township, name, [("", None, "", "", "", f"文件无法读取：{exc}")])
        return counts
    if township is None:
        named = {township_by_name.get(r.township_text) for r in rows if r.township_text}
        if len(named) == 1 and None not in named:
            township = named.pop()
            counts["township"] = township
    counts["read"] = len(rows)
    worked = [r for r in rows if r.result]
    counts["blank"] = len(rows) - len(worked)
    summary.blank += counts["blank"]
    ids = sorted({r.item_id for r in worked})
    state = {}
    if ids:
        con.execute("CREATE OR REPLACE TEMP TABLE feedback_ids AS SELECT unnest(?::VARCHAR[]) AS item_id", [ids])
        state = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT s.item_id, s.status, s.township_code FROM meta.worklist_state AS s "
            "JOIN feedback_ids USING (item_id)").fetchall()}
    answers: dict[str, set[str]] = {}
    for r in worked:
        answers.setdefault(r.item_id, set()).add(r.result)
    seen: set[str] = set()
    for r in worked:
        problem, column, verified = None, RESULT_COLUMN, None
        item = state.get(r.item_id)
        row_township = township or township_by_name.get(r.township_text)
        if not _ITEM_ID.match(r.item_id) or item is None:
            problem, column = "工单编号不存在", ITEM_COLUMN
        elif r.result not in RESULT_STATUS:
            problem = "核实结果不是下拉列表中的选项"
        elif len(answers[r.item_id]) > 1:
            problem = "同一工单填写了不同的核实结果"
        elif row_township and item[1] and item[1] != row_township:
            problem, column = "不是本乡镇的工单", ITEM_COLUMN
        else:
            try:
                verified = parse_verified_on(r.verified, run_date)
                if verified is not None and verified > run_date:
                    problem, column = "核实日期晚于今天", DATE_COLUMN
            except ValueError:
                problem, column = "核实日期无法识别", DATE_COLUMN
        if problem:
            shown = r.result if column == RESULT_COLUMN else (r.item_id if column == ITEM_COLUMN
                                                              else _text(r.verified))
            problems.append((r.sheet, r.row_number, r.item_id, column, shown, problem, row_township))
            continue
        if r.item_id in seen:  # the same answer twice in one file
            summary.unchanged += 1
            counts["unchanged"] += 1
            continue
        seen.add(r.item_id)
        status = RESULT_STATUS[r.result]
        if item[0] == status:
            summary.unchanged += 1
            counts["unchanged"] += 1
            continue
        con.execute("""
            UPDATE meta.worklist_state
            SET status = ?, status_date = coalesce(?, ?), feedback_on = ?
            WHERE item_id = ?""", [status, verified, run_date, run_date, r.item_id])
        con.execute("INSERT INTO meta.feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [r.item_id, status, r.result, verified or run_date, r.note or None, item[0], sha, name,
                     r.sheet, r.row_number, run_date])
        state[r.item_id] = (status, item[1])
        summary.applied += 1
        summary.by_status[status] = summary.by_status.get(status, 0) + 1
        counts["applied"] += 1
    counts["rejected"] = len(problems)
    summary.rejected += len(problems)
    _problems(con, run_date, township, name, problems)
    return counts


def _problems(con, run_date: date, township: str | None, name: str, problems: list[tuple]) -> None:
    for p in problems:
        sheet, row, item, column, value, problem = p[:6]
        row_township = (p[6] if len(p) > 6 else None) or township or county_office_code(con)
        con.execute("INSERT INTO meta.feedback_problem VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_date, row_township, name, sheet or None, row, item or None, column or None,
                     value or None, problem])


def problem_rows(con, run_date: date) -> dict[str, list[list[str]]]:
    """Tonight's problems by township, as the rows of `<township>_反馈问题.csv`."""
    try:
        rows = con.execute("""
            SELECT township_code, file_name, coalesce(sheet, ''), coalesce(CAST(row_number AS VARCHAR), ''),
                   coalesce(item_id, ''), coalesce(column_name, ''), coalesce(value, ''), problem
            FROM meta.feedback_problem WHERE run_date = ?
            ORDER BY township_code, file_name, sheet, row_number, item_id""", [run_date]).fetchall()
    except Exception:  # no feedback ever received
        return {}
    out: dict[str, list[list[str]]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(list(r[1:]))
    return out
