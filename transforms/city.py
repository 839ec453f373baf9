"""The city step: one register over many counties, and what only the city can see.

A county sees its own register and its own payments. A person registered in
one county and paid in another, paid the same allowance by two counties, or
cremated in one county while another still pays, is invisible to every county
alone. The city step puts the counties side by side.

A city home (CITY_HOME):

```
counties/<county code>/                         one county home each (docs/architecture.md),
                                                built by its own night
city/lake/<table>/county=<code>/<table>.parquet what the city needs of a county, written after
                                                its night (`export_county`): person, benefit, summary
city/warehouse.duckdb                           the city warehouse, swapped in whole (`build_city`)
truth/cross_county.csv                          generator only (sources/generator/city.py)
```

Each county's lake and warehouse stay in its own home, partitioned by county
code; the city lake is partitioned the same way, one file per county and
table, replaced whole by that county's night, so a county whose night failed
keeps its last good partition (its `run_date` says how old). The city
warehouse is built from the Parquet files alone (never from a county's
warehouse), by the models of `sql/city/` over the views `city_lake.person`,
`city_lake.benefit`, `city_lake.summary` and the tables `city_ref.run`,
`city_ref.exclusive` (pairs of policies one person cannot hold together:
`exclusive_with` of policies/rules/*.yaml both ways, plus the urban and rural
forms of 低保 and 特困).

The city warehouse holds ID numbers (like a county's warehouse.duckdb: for the
staff who must act on a finding); results returned to the flow are counts.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from sources.home import Home
from transforms import config
from transforms.reference import read_divisions
from transforms.warehouse import run_layer

LAKE_TABLES = ("person", "benefit", "summary")
# The same benefit in its urban and rural form: one person cannot hold both.
TWIN_POLICIES = (("DB_URBAN", "DB_RURAL"), ("TK_URBAN", "TK_RURAL"))
COUNTY_CODE = re.compile(r"\d{6}")

# What the city needs of a county, read from the county's published warehouse.
# Personal data kept to the ID number: no name, phone or address leaves the county.
COUNTY_LAKE_SQL = {
    "person": """
        SELECT id_number, in_household_register, register_status, life_status, life_status_date,
               is_dead, death_date, death_evidence, household_no, township_code
        FROM core.person
        WHERE id_number IS NOT NULL""",
    "benefit": """
        SELECT id_number, policy_code, benefit_category, monthly_amount, since
        FROM core.benefit
        WHERE id_number IS NOT NULL""",
    "summary": """
        SELECT
            (SELECT count(*) FROM core.person
             WHERE in_household_register AND life_status IN ('alive', 'incarcerated')) AS people_registered,
            (SELECT count(*) FROM core.household) AS households,
            (SELECT count(*) FROM core.benefit) AS benefits,
            (SELECT coalesce(sum(monthly_amount), 0) FROM core.benefit)::DECIMAL(18, 2) AS monthly_paid,
            (SELECT count(*) FROM rules.finding WHERE kind = 'discover') AS findings_discover,
            (SELECT count(*) FROM rules.finding WHERE kind = 'review') AS findings_review,
            (SELECT count(*) FROM rules.finding WHERE kind = 'warning') AS findings_warning,
            (SELECT count(*) FROM rules.finding WHERE kind = 'yellow') AS findings_yellow""",
}


@dataclass(frozen=True)
class CityHome:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def counties(self) -> Path:
        return self.root / "counties"

    def county(self, code: str) -> Home:
        return Home(self.counties / code)

    @property
    def lake(self) -> Path:
        return self.root / "city" / "lake"

    def lake_file(self, table: str, code: str) -> Path:
        return self.lake / table / f"county={code}" / f"{table}.parquet"

    @property
    def warehouse(self) -> Path:
        return self.root / "city" / "warehouse.duckdb"

    @property
    def truth(self) -> Path:
        return self.root / "truth"


def county_codes(city: CityHome) -> list[str]:
    """The counties of the city: every folder of counties/ that is a home (has an inbox)."""
    if not city.counties.is_dir():
        return []
    return sorted(p.name for p in city.counties.iterdir()
                  if p.is_dir() and (p / "inbox").is_dir() and COUNTY_CODE.fullmatch(p.name))


def county_code_of(home: Home) -> str:
    """The county a home serves, from its division list: the six digits every township code starts with."""
    divisions = read_divisions(home.divisions)
    codes = sorted({str(c)[:6] for c in divisions["code"].dropna()})
    if len(codes) != 1 or not COUNTY_CODE.fullmatch(codes[0]):
        raise ValueError(f"{home.divisions}: divisions of more than one county ({', '.join(codes[:5])})")
    return codes[0]


def export_county(home: Home, city: CityHome, run_date: date) -> dict[str, int]:
    """Write the county's city lake from its published warehouse; row counts by table.

    Each file is written beside its final name and renamed over it, so the city
    step reads a county's old partition or its new one, never half of one."""
    code = county_code_of(home)
    if not home.warehouse.exists():
        raise FileNotFoundError(f"{home.root}: no warehouse.duckdb; the county's night has not published")
    counts: dict[str, int] = {}
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        for table in LAKE_TABLES:
            target = city.lake_file(table, code)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            select = (f"SELECT '{code}' AS county_code, DATE '{run_date.isoformat()}' AS run_date, t.* "
                      f"FROM ({COUNTY_LAKE_SQL[table]}) AS t")
            if table != "summary":
                select += " ORDER BY id_number"
            con.execute(f"COPY ({select}) TO '{_sql_path(tmp)}' (FORMAT parquet)")
            os.replace(tmp, target)
            counts[table] = con.execute(f"SELECT count(*) FROM ({COUNTY_LAKE_SQL[table]})").fetchall()[0][0]
    finally:
        con.close()
    return counts


def exclusive_pairs() -> pd.DataFrame:
    """(policy_code, other_policy_code): pairs no one may be paid together, both ways."""
    from transforms.rules import load_rules

    pairs = set(TWIN_POLICIES)
    for rule in load_rules():
        if rule.kind == "discover":
            pairs.update((rule.code, other) for other in rule.exclusive_with)
    both = sorted(pairs | {(b, a) for a, b in pairs})
    return pd.DataFrame(both, columns=["policy_code", "other_policy_code"], dtype="string")


def build_city(city: CityHome, run_date: date) -> dict[str, int]:
    """Build the city warehouse from the city lake and swap it in; row counts by table and findings by kind."""
    missing = [t for t in LAKE_TABLES if not any((city.lake / t).glob("county=*/*.parquet"))]
    if missing:
        raise FileNotFoundError(f"{city.lake}: no county has written its city lake yet ({', '.join(missing)})")
    building = city.warehouse.with_name(city.warehouse.name + ".building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    city.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = config.connect(building, settings=config.load_settings(city.root))
    try:
        con.execute("CREATE SCHEMA city_lake")
        for table in LAKE_TABLES:
            # The files are the county partitions; county_code is a column of each, so no
            # partition-value typing is needed (a code read as a number would lose nothing,
            # but a township code would).
            con.execute(f"CREATE VIEW city_lake.{table} AS SELECT * FROM read_parquet("
                        f"'{_sql_path(city.lake / table)}/county=*/{table}.parquet', hive_partitioning = false)")
        con.execute("CREATE SCHEMA city_ref")
        con.execute("CREATE TABLE city_ref.run AS SELECT ?::DATE AS run_date", [run_date])
        pairs = exclusive_pairs()
        con.register("pairs_frame", pairs)
        con.execute("CREATE TABLE city_ref.exclusive AS SELECT * FROM pairs_frame")
        con.unregister("pairs_frame")
        counts = run_layer(con, "city")
        for kind, n in con.execute("SELECT kind, count(*) FROM city.cross_county_finding "
                                   "GROUP BY kind ORDER BY kind").fetchall():
            counts[f"finding.{kind}"] = n
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(building, city.warehouse)
    return counts


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
