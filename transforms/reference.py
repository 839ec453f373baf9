"""The `ref` schema: what every model may read besides the data itself.

The run date, the policy parameters in force on it, the county's divisions
and how receipts show in 民政's list. Models read these tables instead of
templated constants, so the SQL files stay plain SELECTs.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from sources.home import Home

POLICY_DIR = Path(__file__).resolve().parents[1] / "policies"
COUNTY_OFFICE_CODE = "371426000"
COUNTY_OFFICE_NAME = "县级待分派"


def county_office_code(con) -> str:
    """`<county code>000`, the county office (县级待分派) of the county in ref.division; the
    default county's when no division list is loaded."""
    try:
        row = con.execute("SELECT substr(min(code), 1, 6) FROM ref.division").fetchall()
    except Exception:  # no ref.division in this warehouse
        return COUNTY_OFFICE_CODE
    return row[0][0] + "000" if row and row[0][0] else COUNTY_OFFICE_CODE


def read_divisions(path: Path) -> pd.DataFrame:
    """divisions.csv (UTF-8, or GB18030 as Excel saves it) as text columns; a township's `level` is
    `township`, else `village`."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: the county's division list is missing (reference/divisions.csv)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # saved from Excel on a Chinese Windows PC
        text = raw.decode("gb18030")
    rows = [{k: (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(io.StringIO(text, newline=""))]
    for i, row in enumerate(rows, start=2):
        if not row.get("code") or not row.get("name"):
            raise ValueError(f"{path}: line {i}: column code/name is empty")
    frame = pd.DataFrame(rows, columns=["code", "name", "township_code"], dtype="string")
    frame["level"] = frame["code"].str.len().map(lambda n: "township" if n == 9 else "village")
    return frame


def receipt_rows() -> pd.DataFrame:
    raw = yaml.safe_load((POLICY_DIR / "receipts.yaml").read_text(encoding="utf-8"))
    return pd.DataFrame(
        [(k, v) for k, v in raw["mzj_benefit_category"].items()],
        columns=["benefit_category", "policy_code"], dtype="string")


def load_reference(con: duckdb.DuckDBPyConnection, home: Home, run_date: date) -> dict[str, int]:
    from transforms.parameters import load_parameters

    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    con.execute("CREATE OR REPLACE TABLE ref.run AS SELECT ?::DATE AS run_date", [run_date])
    divisions = read_divisions(home.divisions)
    receipts = receipt_rows()
    con.register("divisions_frame", divisions)
    con.register("receipt_frame", receipts)
    con.execute("CREATE OR REPLACE TABLE ref.division AS SELECT * FROM divisions_frame ORDER BY code")
    con.execute("CREATE OR REPLACE TABLE ref.receipt AS SELECT * FROM receipt_frame")
    con.unregister("divisions_frame")
    con.unregister("receipt_frame")
    load_parameters(con, run_date)
    return {t: con.execute(f"SELECT count(*) FROM ref.{t}").fetchone()[0]
            for t in ("division", "receipt", "parameter")}
