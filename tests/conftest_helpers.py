"""Shared helpers for the SQL-model tests: hand-made staging tables, the ref
tables the nightly flow builds first, and a runner for sql/<layer>/*.sql with
the convention of transforms/warehouse.py (each file a plain SELECT, run as
`CREATE OR REPLACE TABLE <layer>.<stem> AS ...`, files of a layer ordered by
the `<layer>.<table>` names they mention).

Inputs are three-row tables, Dagster-style: a test writes only the rows and
columns that matter; every staging table of every contract exists (empty when
the test gives no rows), typed as staging types them.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import duckdb
import yaml

from sources.contracts import load_contracts
from transforms.parameters import load_parameters

REPO = Path(__file__).resolve().parent.parent
SQL_DIR = REPO / "sql"
RUN_DATE = date(2026, 3, 15)
EXTRACT_DATE = date(2026, 3, 14)

SQL_TYPES = {
    "text": "VARCHAR",
    "id_number": "VARCHAR",
    "date": "DATE",
    "yearmonth": "DATE",
    "amount": "DECIMAL(14,2)",
    "integer": "INTEGER",
}

TOWNSHIPS = {
    "371426001": "龙门街道", "371426002": "桃园街道", "371426100": "王凤楼镇",
    "371426101": "恩城镇", "371426102": "前曹镇", "371426103": "王庙镇",
    "371426104": "腰站镇", "371426105": "王杲铺镇", "371426106": "张华镇",
    "371426107": "王打卦镇", "371426200": "坊子乡", "371426201": "三唐乡",
}


def default_divisions() -> dict[str, dict[str, str]]:
    """code -> {name, township_code, level}: the twelve townships and the
    villages the worked examples use."""
    divisions = {c: {"name": n, "township_code": c, "level": "township"} for c, n in TOWNSHIPS.items()}
    villages = {
        "371426105213": "李庄村", "371426103205": "孙家村", "371426001012": "龙门社区",
        "371426001015": "新华社区", "371426107221": "刘官屯村", "371426107302": "马庄村",
        "371426104233": "陈庄村", "371426102201": "前曹村", "371426102202": "后曹村",
    }
    for code, name in villages.items():
        divisions[code] = {"name": name, "township_code": code[:9], "level": "village"}
    return divisions


def create_staging(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict[str, Any]]] | None = None,
                   extract_date: date = EXTRACT_DATE) -> None:
    """Every staging.stg_<code> table, typed per its contract, holding `rows[code]`.

    A row gives canonical column names; id_number_raw defaults to id_number,
    _file to the delivered file name, _row to the clerk's row (header = 1).
    """
    rows = rows or {}
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    for code, contract in load_contracts().items():
        cols = [(c.name, SQL_TYPES[c.type]) for c in contract.columns]
        cols += [("id_number_raw", "VARCHAR"), ("id_issue", "VARCHAR"), ("id_link_method", "VARCHAR"),
                 ("_source", "VARCHAR"),
                 ("_file", "VARCHAR"), ("_row", "INTEGER"), ("_extract_date", "DATE")]
        ddl = ", ".join(f'"{n}" {t}' for n, t in cols)
        con.execute(f"CREATE OR REPLACE TABLE staging.stg_{code} ({ddl})")
        file_name = contract.file_name(extract_date.isoformat())
        for i, given in enumerate(rows.get(code, [])):
            unknown = set(given) - {n for n, _ in cols}
            if unknown:
                raise KeyError(f"stg_{code} has no columns {sorted(unknown)}")
            row = {n: None for n, _ in cols}
            row.update({"_source": code, "_file": file_name, "_row": i + 2,
                        "_extract_date": extract_date})
            row.update(given)
            if "id_number_raw" not in given:
                row["id_number_raw"] = row.get("id_number")
            names = [n for n, _ in cols]
            con.execute(
                f"INSERT INTO staging.stg_{code} ({', '.join(chr(34) + n + chr(34) for n in names)}) "
                f"VALUES ({', '.join('?' for _ in names)})",
                [row[n] for n in names],
            )


def create_ref(con: duckdb.DuckDBPyConnection, run_date: date = RUN_DATE,
               divisions: dict[str, dict[str, str]] | None = None) -> None:
    """ref.run, ref.parameter, ref.division, ref.receipt as the flow builds them."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    con.execute("CREATE OR REPLACE TABLE ref.run (run_date DATE)")
    con.execute("INSERT INTO ref.run VALUES (?)", [run_date])
    load_parameters(con, run_date)
    con.execute("CREATE OR REPLACE TABLE ref.division (code VARCHAR, name VARCHAR, "
                "township_code VARCHAR, level VARCHAR)")
    for code, d in sorted((divisions or default_divisions()).items()):
        con.execute("INSERT INTO ref.division VALUES (?, ?, ?, ?)",
                    [code, d["name"], d["township_code"], d["level"]])
    receipts = yaml.safe_load((REPO / "policies" / "receipts.yaml").read_text(encoding="utf-8"))
    con.execute("CREATE OR REPLACE TABLE ref.receipt (benefit_category VARCHAR, policy_code VARCHAR)")
    for category, policy in receipts["mzj_benefit_category"].items():
        con.execute("INSERT INTO ref.receipt VALUES (?, ?)", [category, policy])


def layer_order(layer: str) -> list[Path]:
    """The files of a layer, each after the same-layer tables it mentions."""
    files = {p.stem: p for p in sorted((SQL_DIR / layer).glob("*.sql"))}
    pattern = re.compile(rf"\b{layer}\.([a-z_][a-z0-9_]*)", re.IGNORECASE)
    deps = {
        stem: {m.lower() for m in pattern.findall(p.read_text(encoding="utf-8"))} & set(files) - {stem}
        for stem, p in files.items()
    }
    ordered: list[str] = []
    while len(ordered) < len(files):
        ready = sorted(s for s in files if s not in ordered and deps[s] <= set(ordered))
        if not ready:
            raise ValueError(f"{layer}: cycle among {sorted(set(files) - set(ordered))}")
        ordered.append(ready[0])
    return [files[s] for s in ordered]


def run_layers(con: duckdb.DuckDBPyConnection, layers: Iterable[str] = ("core", "labels", "rules")) -> None:
    """Build the layers with the real runner (transforms/warehouse.py) when it
    is importable, else with layer_order above (same convention)."""
    try:
        from transforms.warehouse import run_layer
    except ImportError:
        run_layer = None
    for layer in layers:
        if run_layer is not None:
            run_layer(con, layer)
            continue
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        for path in layer_order(layer):
            select = path.read_text(encoding="utf-8").strip().rstrip(";")
            try:
                con.execute(f"CREATE OR REPLACE TABLE {layer}.{path.stem} AS\n{select}")
            except duckdb.Error as exc:  # name the file: the SQL error alone does not
                raise RuntimeError(f"{path.relative_to(REPO)}: {exc}") from exc


def warehouse(rows: dict[str, list[dict[str, Any]]], run_date: date = RUN_DATE,
              layers: Iterable[str] = ("core", "labels", "rules")) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse: staging from `rows`, ref for `run_date`, the layers built."""
    con = duckdb.connect()
    create_staging(con, rows)
    create_ref(con, run_date)
    run_layers(con, layers)
    return con


def records(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# --- the worked examples of policies.md §7 as staging rows -------------------

def gaj(household_no: str, name: str, id_number: str, relation: str, village: str,
        status: str = "正常", change_date: date | None = None, sex: str | None = None,
        phone: str | None = None, address: str | None = None) -> dict[str, Any]:
    if sex is None and id_number and len(id_number) == 18:
        sex = "男" if int(id_number[16]) % 2 else "女"
    return {
        "household_no": household_no, "name": name, "id_number": id_number, "sex": sex,
        "ethnicity": "汉族", "relation_to_head": relation, "township_code": village[:9],
        "village_code": village, "address": address or f"平原县{village}号",
        "phone": phone, "status": status, "change_date": change_date,
    }


def mzj(name: str, id_number: str, category: str, amount: float, start: date = date(2024, 1, 1),
        household_no: str | None = None) -> dict[str, Any]:
    return {"name": name, "id_number": id_number, "benefit_category": category,
            "monthly_amount": amount, "start_month": start, "household_no": household_no}


def clh(name: str, id_number: str, kind: str, grade: str, issued: date, status: str = "有效") -> dict[str, Any]:
    return {"name": name, "id_number": id_number, "disability_type": kind, "disability_grade": grade,
            "issue_date": issued, "cert_status": status}


WANG_JIANGUO = "372422198604121017"
LI_XIUMEI = "372422198809031023"
WANG_ZIHAN = "371426201506201039"
WANG_YUTONG = "371426201911081042"
SUN_DEFU = "372422194002012018"


def e1_rows() -> dict[str, list[dict[str, Any]]]:
    """E1: two grade-1 disabled parents, two children (rural H1)."""
    v = "371426105213"
    return {
        "gaj_hjrk": [
            gaj("H1", "王建国", WANG_JIANGUO, "户主", v, phone="13853401234"),
            gaj("H1", "李秀梅", LI_XIUMEI, "配偶", v, phone="13953405678"),
            gaj("H1", "王子涵", WANG_ZIHAN, "子", v),
            gaj("H1", "王雨桐", WANG_YUTONG, "女", v),
        ],
        "clh_cjr": [
            clh("王建国", WANG_JIANGUO, "肢体", "一级", date(2016, 5, 10)),
            clh("李秀梅", LI_XIUMEI, "精神", "一级", date(2018, 3, 2)),
        ],
        "mzj_jzdx": [
            mzj("王建国", WANG_JIANGUO, "农村低保", 720), mzj("王建国", WANG_JIANGUO, "困难残疾人生活补贴", 150),
            mzj("王建国", WANG_JIANGUO, "重度残疾人护理补贴", 200),
            mzj("李秀梅", LI_XIUMEI, "农村低保", 720), mzj("李秀梅", LI_XIUMEI, "困难残疾人生活补贴", 150),
            mzj("李秀梅", LI_XIUMEI, "重度残疾人护理补贴", 200),
            mzj("王子涵", WANG_ZIHAN, "农村低保", 720), mzj("王雨桐", WANG_YUTONG, "农村低保", 720),
        ],
        "rsj_jy": [
            {"id_number": WANG_JIANGUO, "name": "王建国", "employment_status": "未就业",
             "pension_type": "城乡居民", "public_job": "否"},
            {"id_number": LI_XIUMEI, "name": "李秀梅", "employment_status": "未就业",
             "pension_type": "城乡居民", "public_job": "否"},
        ],
        "jtj_xs": [
            {"student_no": "G1", "id_number": WANG_ZIHAN, "name": "王子涵", "school_level": "小学",
             "aid_programme": "义务教育生活补助"},
            {"student_no": "G2", "id_number": WANG_YUTONG, "name": "王雨桐", "school_level": "学前",
             "aid_programme": "学前资助"},
        ],
    }


def e2_rows() -> dict[str, list[dict[str, Any]]]:
    """E2: deceased (cremation record), register not yet updated, still paid twice."""
    return {
        "gaj_hjrk": [gaj("H2", "孙德福", SUN_DEFU, "户主", "371426103205", phone="13605341111")],
        "bzs_hh": [{"cremation_no": "HH2026001", "name": "孙德福", "id_number": SUN_DEFU,
                    "death_date": date(2026, 1, 20), "cremation_date": date(2026, 1, 22)}],
        "mzj_jzdx": [mzj("孙德福", SUN_DEFU, "农村特困", 936), mzj("孙德福", SUN_DEFU, "高龄津贴", 100)],
    }


def merge_rows(*parts: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        for code, rs in part.items():
            out.setdefault(code, []).extend(rs)
    return out
