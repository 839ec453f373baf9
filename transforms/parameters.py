"""The policy parameters in force on a date (policies/parameters.yaml).

A rule never holds a number: it reads `ref.parameter` for the run date, and
this module is what fills that table. The YAML keeps every value with its
`effective_from` and never edits a past one, so a night can be recomputed with
the values it used; "in force on D" is the latest entry with effective_from <= D.
A parameter whose first entry is after D does not exist yet on D.

List values (SERIOUS_ILLNESS, VEHICLE_EXEMPT) land in `text_value` joined with
LIST_SEPARATOR; numbers land in `value`.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PARAMETERS_FILE = Path(__file__).resolve().parent.parent / "policies" / "parameters.yaml"
LIST_SEPARATOR = "|"


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for name, spec in raw.items():
        for key in ("description", "unit", "reference", "values"):
            if key not in spec:
                raise ValueError(f"{path.name}: parameter {name} has no {key!r}")
        for entry in spec["values"]:
            if not isinstance(entry.get("effective_from"), date):
                raise ValueError(f"{path.name}: {name} has an entry without a date effective_from")
            if "value" not in entry:
                raise ValueError(f"{path.name}: {name} has an entry without a value")
    return raw


def load_parameter_file(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The whole YAML, every dated value, by parameter name."""
    return _load(Path(path or PARAMETERS_FILE))


def _row(name: str, spec: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    raw = entry["value"]
    if isinstance(raw, (list, tuple)):
        value, text_value = None, LIST_SEPARATOR.join(str(v) for v in raw)
    elif isinstance(raw, bool):
        value, text_value = float(raw), None
    elif isinstance(raw, (int, float)):
        value, text_value = float(raw), None
    else:
        value, text_value = None, str(raw)
    return {
        "name": name,
        "value": value,
        "text_value": text_value,
        "unit": spec["unit"],
        "effective_from": entry["effective_from"],
        "description": spec["description"],
        "reference": spec["reference"],
    }


def parameters_in_force(on: date, path: Path | None = None) -> list[dict[str, Any]]:
    """One dict per parameter in force on `on` (name, value, text_value, unit,
    effective_from, description, reference), sorted by name."""
    rows = []
    for name, spec in sorted(load_parameter_file(path).items()):
        entries = [e for e in spec["values"] if e["effective_from"] <= on]
        if not entries:
            continue
        rows.append(_row(name, spec, max(entries, key=lambda e: e["effective_from"])))
    return rows


def parameter(name: str, on: date, path: Path | None = None) -> float | list[str] | str:
    """A single value in force on `on` (a list of words for list parameters)."""
    spec = load_parameter_file(path).get(name)
    entries = [e for e in (spec or {}).get("values", []) if e["effective_from"] <= on]
    if not entries:
        raise KeyError(f"parameter {name} is not in force on {on.isoformat()}")
    raw = max(entries, key=lambda e: e["effective_from"])["value"]
    if isinstance(raw, (list, tuple)):
        return [str(v) for v in raw]
    return float(raw) if isinstance(raw, (int, float)) else str(raw)


def _sql_literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, date):
        return f"DATE '{v.isoformat()}'"
    if isinstance(v, float):
        return f"CAST({v!r} AS DOUBLE)"
    return "'" + str(v).replace("'", "''") + "'"


PARAMETER_COLUMNS = ("name", "value", "text_value", "unit", "effective_from", "description", "reference")


def parameter_rows_sql(on: date, path: Path | None = None) -> str:
    """A SELECT of the parameters in force on `on`, typed as ref.parameter is."""
    rows = parameters_in_force(on, path)
    if not rows:
        return ("SELECT NULL::VARCHAR AS name, NULL::DOUBLE AS value, NULL::VARCHAR AS text_value, "
                "NULL::VARCHAR AS unit, NULL::DATE AS effective_from, NULL::VARCHAR AS description, "
                "NULL::VARCHAR AS reference WHERE false")
    values = ",\n  ".join(
        "(" + ", ".join(_sql_literal(r[c]) for c in PARAMETER_COLUMNS) + ")" for r in rows
    )
    return (
        "SELECT name::VARCHAR AS name, value::DOUBLE AS value, text_value::VARCHAR AS text_value, "
        "unit::VARCHAR AS unit, effective_from::DATE AS effective_from, "
        "description::VARCHAR AS description, reference::VARCHAR AS reference\n"
        f"FROM (VALUES\n  {values}\n) AS p({', '.join(PARAMETER_COLUMNS)})"
    )


def load_parameters(con, on: date, path: Path | None = None) -> int:
    """(Re)build ref.parameter with the values in force on `on`; returns the row count."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    con.execute(f"CREATE OR REPLACE TABLE ref.parameter AS {parameter_rows_sql(on, path)}")
    return con.execute("SELECT count(*) FROM ref.parameter").fetchone()[0]
