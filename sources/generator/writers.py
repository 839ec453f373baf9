"""Files as the departments write them: CSV in their encoding, xlsx from Excel.

Byte-stable: xlsx workbooks carry fixed document properties (created on the
extract date, no wall clock) and xlsxwriter's fixed zip timestamps; rows are
written in the table's order.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from .quirks import Delivery, title_and_footer

_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
GBK_LIKE = ("gbk", "gb18030", "gb2312")


def csv_bytes(d: Delivery, columns: list[str] | None = None) -> bytes:
    names = columns or d.contract.names
    headers = [h for h, n in zip(d.headers, d.contract.names) if n in names]
    df = d.table[names].copy()
    df.columns = headers
    enc = d.contract.encoding or "utf-8"
    newline = "\r\n" if enc.lower() in GBK_LIKE else "\n"
    text = df.to_csv(index=False, lineterminator=newline)
    return text.encode(enc)


def _cell_values(d: Delivery, names: list[str]) -> list[np.ndarray]:
    """Column arrays ready for xlsxwriter: clean amounts/integers as numbers."""
    out = []
    for name in names:
        col = d.contract.column(name)
        vals = d.table[name].to_numpy(dtype=object)
        if col.type in ("amount", "integer"):
            conv = vals.copy()
            for i, v in enumerate(vals):
                if isinstance(v, str) and _PLAIN_NUMBER.match(v):
                    conv[i] = int(v) if "." not in v else float(v)
            vals = conv
        out.append(vals)
    return out


def write_xlsx(d: Delivery, path: Path, extract: dt.date, columns: list[str] | None = None) -> None:
    names = columns or d.contract.names
    headers = [h for h, n in zip(d.headers, d.contract.names) if n in names]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    stamp = dt.datetime(extract.year, extract.month, extract.day, 17, 30, 0)
    wb.set_properties({"created": stamp, "author": d.contract.department, "title": d.contract.title,
                       "company": "平原县" + d.contract.department})
    ws = wb.add_worksheet("Sheet1")
    bold = wb.add_format({"bold": True})
    widths = {"id_number": 21, "name": 9, "household_no": 12}
    for i, name in enumerate(names):
        ws.set_column(i, i, widths.get(name, 13))
    title, footer = title_and_footer(d, extract)
    if d.title and columns is not None:
        footer = [[row[d.contract.names.index(n)] for n in names] for row in footer]
    r = 0
    if title:
        ws.write_string(0, 0, title, bold)
        r = 1
    ws.write_row(r, 0, headers, bold)
    r += 1
    cols = _cell_values(d, names)
    for row in zip(*cols):
        ws.write_row(r, 0, row)
        r += 1
    for row in footer:
        ws.write_row(r, 0, row)
        r += 1
    wb.close()


def write_delivery(d: Delivery, path: Path, extract: dt.date) -> list[tuple]:
    """Write the file; return its defects with rows as a clerk sees them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if d.is_xlsx:
        write_xlsx(d, path, extract)
    else:
        path.write_bytes(csv_bytes(d))
    return d.defect_rows(path.name)


def write_csv(path: Path, df: pd.DataFrame, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(df.to_csv(index=False, lineterminator="\n").encode(encoding))
