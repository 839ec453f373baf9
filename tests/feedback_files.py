"""What a village assistant sends back: an export worked in Excel and saved as Excel saves it."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl


def work_xlsx(src: Path, dst: Path, answers: dict, extra_rows=()) -> Path:
    """Fill 核实结果 (and, when an answer is a tuple (word, date), 核实日期) and 协理员备注 of the
    items in `answers`; add `extra_rows` (item id, word) to the first sheet; save to `dst`."""
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        col = {c.value: c.column for c in ws[1]}
        for row in range(2, ws.max_row + 1):
            answer = answers.get(ws.cell(row, col["工单编号"]).value)
            if answer:
                word, *verified = (answer,) if isinstance(answer, str) else answer
                ws.cell(row, col["核实结果"], word)
                if verified:
                    ws.cell(row, col["核实日期"], verified[0])
                ws.cell(row, col["协理员备注"], "已入户")
        for item, word in (extra_rows if ws is wb.worksheets[0] else ()):
            r = ws.max_row + 1
            ws.cell(r, col["工单编号"], item)
            ws.cell(r, col["核实结果"], word)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return Path(dst)


def work_csv_as_excel_saves_it(src: Path, dst: Path, answers: dict[str, str], verified: str) -> Path:
    """Opened in Excel on a Chinese Windows and saved as CSV: GBK, and 户号 turned into a number
    (its leading zeros lost)."""
    with Path(src).open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for row in rows[1:]:
        household = row[header.index("户号")]
        row[header.index("户号")] = str(int(household)) if household.isdigit() else household
        if row[0] in answers:
            row[header.index("核实结果")] = answers[row[0]]
            row[header.index("核实日期")] = verified
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    Path(dst).write_bytes(buffer.getvalue().encode("gbk"))
    return Path(dst)
