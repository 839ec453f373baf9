"""Load the per-department delivery contracts (sources/contracts/<code>.yaml).

A contract is the outside world written down: how a department names its
file, encodes it, heads its columns (and the aliases it has been seen to use),
what our canonical column names and types are, and which columns carry
personal data. Readers, staging SQL, the generator and the masking all read
the same contract, so a renamed header is fixed in one place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT_DIR = Path(__file__).resolve().parent / "contracts"
COLUMN_TYPES = {"text", "id_number", "date", "yearmonth", "amount", "integer"}
FILE_NAME_RE = re.compile(r"^(?P<code>[a-z]+_[a-z]+)_(?P<date>\d{8})\.(?P<ext>csv|xlsx)$")


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    type: str = "text"
    required: bool = False
    values: tuple[str, ...] = ()
    closed: bool = False
    aliases: tuple[str, ...] = ()
    pii: str | None = None  # id, name, phone, address, plate, property_unit
    digits: int | None = None  # fixed-width code (户号: 10) whose leading zeros Excel may drop


@dataclass(frozen=True)
class Contract:
    code: str
    department: str
    title: str
    format: str  # csv | xlsx
    mode: str  # snapshot | increment
    max_age_days: int
    record_key: tuple[str, ...]
    columns: tuple[Column, ...]
    encoding: str | None = None  # csv only: gbk, gb18030, utf-8, utf-8-sig
    path: Path = field(default=Path(), compare=False)

    @property
    def extension(self) -> str:
        return self.format

    def file_name(self, extract_date: str) -> str:
        """`<code>_<YYYYMMDD>.<ext>`; extract_date as YYYY-MM-DD or YYYYMMDD."""
        return f"{self.code}_{extract_date.replace('-', '')}.{self.format}"

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.code} has no column {name!r}")


def _load(path: Path) -> Contract:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    columns = []
    for c in raw["columns"]:
        if c.get("type", "text") not in COLUMN_TYPES:
            raise ValueError(f"{path.name}: column {c['name']!r} has unknown type {c['type']!r}")
        columns.append(Column(
            header=c["header"], name=c["name"], type=c.get("type", "text"),
            required=bool(c.get("required", False)),
            values=tuple(str(v) for v in c.get("values", ())),
            closed=bool(c.get("closed", False)),
            aliases=tuple(c.get("aliases", ())), pii=c.get("pii"),
            digits=int(c["digits"]) if c.get("digits") else None,
        ))
    contract = Contract(
        code=raw["code"], department=raw["department"], title=raw["title"],
        format=raw["format"], mode=raw["mode"], max_age_days=int(raw.get("max_age_days", 7)),
        record_key=tuple(raw["record_key"]), columns=tuple(columns),
        encoding=raw.get("encoding"), path=path,
    )
    if contract.code != path.stem:
        raise ValueError(f"{path.name}: code {contract.code!r} does not match the file name")
    unknown = set(contract.record_key) - set(contract.names)
    if unknown:
        raise ValueError(f"{path.name}: record key names unknown columns {sorted(unknown)}")
    return contract


@lru_cache(maxsize=1)
def load_contracts() -> dict[str, Contract]:
    """All contracts by source code, in the numbered order of sources.md."""
    contracts = {p.stem: _load(p) for p in CONTRACT_DIR.glob("*.yaml")}
    return {code: contracts[code] for code in SOURCE_ORDER if code in contracts}


SOURCE_ORDER = (
    "gaj_hjrk", "mzj_jzdx", "clh_cjr", "ybj_js", "wjw_mb", "rsj_jy", "jtj_xs",
    "zjj_zf", "xczx_jc", "scjg_zt", "bdc_dj", "cgs_cl", "swj_sr", "gjj_jc",
    "fy_sxr", "sfj_jz", "tyjr_yf", "zgh_knzg", "yjj_sz", "bzs_hh",
)
