"""Township worklist files (interfaces.md, "Worklist exports").

`exports/<date>/<township_code>_<township name>.xlsx` with one sheet per
village, the same rows as `.csv` (UTF-8 with BOM, CRLF), and `manifest.json`
with every file's row count and SHA-256. Only tonight's items go out (new,
changed, or overdue: marts.worklist.to_export); a township's files hold its
own items only; items without a township go to `<county>000_县级待分派` (`371426000_县级待分派`).

Byte-identical on a rerun of the night: rows ordered by priority, due date,
item id; the workbook's created/modified date is the run date, xlsxwriter
stamps its zip members with a fixed 1980 date, and nothing reads the clock.
ID numbers and phones are masked (transforms/masking.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections import defaultdict
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Mapping

import xlsxwriter

from transforms.masking import mask_id_number, mask_phone
from transforms.worklist import (COUNTY_UNASSIGNED, KIND_LABELS, PERIOD_LABELS, POLICY_NAMES,
                                 mark_dispatched)

COUNTY_UNASSIGNED_NAME = "县级待分派"
UNKNOWN_VILLAGE_SHEET = "村居未明"

HEADERS = (
    "工单编号", "工单类型", "乡镇街道", "村居", "户号", "姓名", "身份证号", "联系电话", "住址",
    "政策编码", "政策名称", "规则编码", "发现依据", "数据来源", "预估金额(元)", "金额周期",
    "优先级", "派单日期", "办结时限", "核实结果", "核实日期", "协理员备注",
)
# 核实结果 words a village assistant may choose (interfaces.md, "Feedback")
RESULT_WORDS = ("符合条件已申请", "不符合条件", "已享受", "属实已处理", "不属实", "无法联系", "本人拒绝")
OVERDUE_MARK = "【逾期】"
COLUMN_WIDTHS = {
    "工单编号": 14, "工单类型": 10, "乡镇街道": 12, "村居": 14, "户号": 14, "姓名": 10,
    "身份证号": 20, "联系电话": 14, "住址": 28, "政策编码": 24, "政策名称": 26, "规则编码": 18,
    "发现依据": 60, "数据来源": 48, "预估金额(元)": 12, "金额周期": 8, "优先级": 7,
    "派单日期": 12, "办结时限": 12, "核实结果": 16, "核实日期": 12, "协理员备注": 30,
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_FILE_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

EXPORT_QUERY = """
    SELECT item_id, kind, rule_code, policy_code, target, id_number, household_no, name, phone,
           address, township_code, village_code, reason, evidence, amount, amount_period, priority,
           dispatched_on, due_date, overdue
    FROM marts.worklist
    WHERE to_export
    ORDER BY township_code, priority NULLS LAST, due_date NULLS LAST, item_id
"""


def load_divisions(path: Path) -> dict[str, str]:
    """reference/divisions.csv (code,name,township_code) as {code: name}."""
    from transforms.reference import read_divisions

    frame = read_divisions(Path(path))
    return dict(zip(frame["code"], frame["name"]))


def _division_names(divisions: Mapping[str, Any]) -> dict[str, str]:
    """Accept {code: name} or {code: {"name": ...}} (a row of divisions.csv)."""
    names = {}
    for code, value in (divisions or {}).items():
        if isinstance(value, Mapping):
            value = value.get("name")
        if value:
            names[str(code)] = str(value)
    return names


def _department_names() -> dict[str, str]:
    try:
        from sources.contracts import load_contracts

        return {code: c.department for code, c in load_contracts().items()}
    except Exception:  # the export must not fail for want of a label
        return {}


def describe_evidence(evidence: str | None, departments: Mapping[str, str]) -> str:
    """数据来源 for a clerk: department, file and row of each record used."""
    if not evidence:
        return ""
    try:
        records = json.loads(evidence)
    except (TypeError, ValueError):
        return ""
    parts = []
    for r in records:
        source = r.get("source") or ""
        label = departments.get(source, source)
        parts.append(f"{label} {r.get('file') or ''} 第{r.get('row')}行".strip())
    return "；".join(parts)


def _amount_text(amount) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _sheet_names(village_codes: list[str | None], names: Mapping[str, str]) -> dict[str | None, str]:
    """A unique Excel-legal sheet name (<= 31 characters) per village."""
    out: dict[str | None, str] = {}
    used: set[str] = set()
    for code in village_codes:
        base = UNKNOWN_VILLAGE_SHEET if code is None else names.get(code, code)
        base = _SHEET_FORBIDDEN.sub("_", base).strip("'") or (code or UNKNOWN_VILLAGE_SHEET)
        candidate, n = base[:31], 1
        while candidate.lower() in used or candidate.lower() == "history":
            n += 1
            suffix = f"({code})" if n == 2 and code else f"({n})"
            candidate = base[: 31 - len(suffix)] + suffix
        used.add(candidate.lower())
        out[code] = candidate
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _replace_atomically(target: Path, write) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    write(tmp)
    os.replace(tmp, target)


def _rows_for_export(con, names: Mapping[str, str], departments: Mapping[str, str],
                     run_date: date, warnings: set[str]) -> list[dict[str, Any]]:
    cur = con.execute(EXPORT_QUERY)
    cols = [d[0] for d in cur.description]
    rows = []
    for values in cur.fetchall():
        r = dict(zip(cols, values))
        township = r["township_code"] or COUNTY_UNASSIGNED
        if township == COUNTY_UNASSIGNED or township.endswith("000"):  # any county's office: <county>000
            township_name = COUNTY_UNASSIGNED_NAME
        elif township in names:
            township_name = names[township]
        else:
            township_name = township
            warnings.add(f"township code {township} is not in divisions; shown as the code")
        village = r["village_code"]
        if village is None:
            village_name = ""
        elif village in names:
            village_name = names[village]
        else:
            village_name = village
            warnings.add(f"village code {village} is not in divisions; shown as the code")
        reason = r["reason"] or ""
        if r["overdue"] and not reason.startswith(OVERDUE_MARK):
            reason = OVERDUE_MARK + reason
        record = {
            "工单编号": r["item_id"],
            "工单类型": KIND_LABELS.get(r["kind"], r["kind"] or ""),
            "乡镇街道": township_name,
            "村居": village_name,
            "户号": r["household_no"] or "",
            "姓名": r["name"] or "",
            "身份证号": mask_id_number(r["id_number"]) or "",
            "联系电话": mask_phone(r["phone"]) or "",
            "住址": r["address"] or "",
            "政策编码": r["policy_code"] or "",
            "政策名称": POLICY_NAMES.get(r["policy_code"] or "", ""),
            "规则编码": r["rule_code"] or "",
            "发现依据": reason,
            "数据来源": describe_evidence(r["evidence"], departments),
            "预估金额(元)": r["amount"],
            "金额周期": PERIOD_LABELS.get(r["amount_period"] or "", ""),
            "优先级": r["priority"],
            "派单日期": (r["dispatched_on"] or run_date).isoformat(),
            "办结时限": r["due_date"].isoformat() if r["due_date"] else "",
            "核实结果": "",
            "核实日期": "",
            "协理员备注": "",
        }
        for key, value in record.items():  # one line per row in the CSV, whatever a source held
            if isinstance(value, str):
                record[key] = _LINE_BREAKS.sub(" ", value)
        rows.append({"township_code": township, "township_name": township_name,
                     "village_code": village, "record": record})
    return rows


def _write_csv(path: Path, records: list[dict[str, Any]]) -> None:
    _write_table_csv(path, HEADERS, [[_amount_text(rec[h]) if h == "预估金额(元)" else rec[h] for h in HEADERS]
                                     for rec in records])


def _write_table_csv(path: Path, headers, rows) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_LINE_BREAKS.sub(" ", "" if v is None else str(v)) for v in row] for row in rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def _write_xlsx(path: Path, sheets: list[tuple[str, list[dict[str, Any]]]], run_date: date,
                title: str) -> None:
    workbook = xlsxwriter.Workbook(str(path), {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    stamp = datetime.combine(run_date, time())
    workbook.set_properties({"title": title, "author": "datapool", "company": "平原县",
                             "created": stamp})
    header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    amount_format = workbook.add_format({"num_format": "0.00"})
    result_col = HEADERS.index("核实结果")
    for sheet_name, records in sheets:
        ws = workbook.add_worksheet(sheet_name)
        for c, header in enumerate(HEADERS):
            ws.write_string(0, c, header, header_format)
            ws.set_column(c, c, COLUMN_WIDTHS.get(header, 12))
        for r, rec in enumerate(records, start=1):
            for c, header in enumerate(HEADERS):
                value = rec[header]
                if value is None or value == "":
                    continue
                if header == "预估金额(元)":
                    ws.write_number(r, c, float(value), amount_format)
                elif header == "优先级":
                    ws.write_number(r, c, int(value))
                else:
                    ws.write_string(r, c, str(value))
        last = max(len(records), 1)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, last, len(HEADERS) - 1)
        ws.data_validation(1, result_col, last, result_col, {
            "validate": "list", "source": list(RESULT_WORDS),
            "input_title": "核实结果", "input_message": "请从下拉列表选择",
            "error_title": "核实结果", "error_message": "请选择列表中的核实结果",
        })
    workbook.close()


def divisions_from_ref(con) -> dict[str, str]:
    """{code: name} from ref.division (what the night loaded from divisions.csv)."""
    try:
        return {code: name for code, name in con.execute(
            "SELECT code, name FROM ref.division WHERE code IS NOT NULL ORDER BY code").fetchall() if name}
    except Exception:  # no ref.division: every code is shown as the code, with a warning
        return {}


def write_exports(con, home_exports_dir: Path, run_date: date,
                  divisions: Mapping[str, Any] | None = None) -> dict:
    """Write tonight's township files and manifest into `home_exports_dir`
    (HOME/exports/<run date>, or the folder the flow swaps in as that);
    then mark the exported items dispatched.

    `divisions` maps a code to its name (or to a divisions.csv row with a
    `name`); by default ref.division. Returns {"directory", "files": [{file,
    township_code, rows, sha256}], "rows", "dispatched", "warnings"}; a code
    missing from divisions is shown as the code and named in `warnings`.
    Needs marts.worklist built for `run_date` (after update_worklist_state).
    """
    out = Path(home_exports_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = _division_names(divisions if divisions is not None else divisions_from_ref(con))
    departments = _department_names()
    warnings: set[str] = set()
    rows = _rows_for_export(con, names, departments, run_date, warnings)

    by_township: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_township[row["township_code"]].append(row)

    files = []
    for township in sorted(by_township):
        township_rows = by_township[township]
        township_name = township_rows[0]["township_name"]
        stem = _FILE_FORBIDDEN.sub("_", f"{township}_{township_name}")
        records = [r["record"] for r in township_rows]
        villages = sorted({r["village_code"] for r in township_rows}, key=lambda v: (v is None, v or ""))
        sheet_names = _sheet_names(villages, names)
        sheets = [(sheet_names[v], [r["record"] for r in township_rows if r["village_code"] == v])
                  for v in villages]
        xlsx_path, csv_path = out / f"{stem}.xlsx", out / f"{stem}.csv"
        _replace_atomically(xlsx_path, lambda p: _write_xlsx(p, sheets, run_date, f"{township_name}工单"))
        _replace_atomically(csv_path, lambda p: _write_csv(p, records))
        for path in (xlsx_path, csv_path):
            files.append({"file": path.name, "township_code": township, "rows": len(records),
                          "sha256": _sha256(path)})

    # rows of returned files that could not be applied, listed back to the township that sent them
    from transforms.feedback import PROBLEM_HEADERS, problem_rows

    for township, problems in sorted(problem_rows(con, run_date).items()):
        path = out / f"{township}_反馈问题.csv"
        _replace_atomically(path, lambda p: _write_table_csv(p, PROBLEM_HEADERS, problems))
        files.append({"file": path.name, "township_code": township, "rows": len(problems),
                      "sha256": _sha256(path), "kind": "feedback_problems"})

    _remove_stale(out, {f["file"] for f in files})
    manifest = {
        "run_date": run_date.isoformat(),
        "files": files,
        "rows": len(rows),
        "warnings": sorted(warnings),
    }
    _replace_atomically(out / "manifest.json", lambda p: p.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"))

    dispatched = mark_dispatched(con, run_date, [r["record"]["工单编号"] for r in rows])
    return {"directory": str(out), "files": files, "rows": len(rows), "dispatched": dispatched,
            "warnings": sorted(warnings)}


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Worklist files an earlier run of this night wrote and this one did not.

    Only files the previous manifest lists are touched: other steps (township
    feedback problems) write into the same folder.
    """
    manifest = out / "manifest.json"
    if not manifest.exists():
        return
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except ValueError:
        return
    for entry in previous.get("files", []):
        name = entry.get("file")
        if name and name not in keep and "/" not in name and (out / name).exists():
            (out / name).unlink()
