"""Run the SQL models: one table per file, layer by layer.

Each `sql/<layer>/<table>.sql` is a plain SELECT. The runner wraps it as
`CREATE OR REPLACE TABLE <layer>.<table> AS ...`, so a model file reads like a
dbt model and the layer order of DESIGN.md is the only orchestration there is.
Within a layer, files are ordered by the `<layer>.<table>` names they mention,
so adding a model never means editing a list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
LAYERS = ("staging", "core", "labels", "rules", "marts")


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    def select_sql(self) -> str:
        return self.path.read_text(encoding="utf-8").strip().rstrip(";")


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def models_in_order(layer: str, sql_dir: Path = SQL_DIR) -> list[Model]:
    """The models of one layer, each after the models of the same layer it reads."""
    models = {p.stem: Model(layer, p.stem, p) for p in sorted((sql_dir / layer).glob("*.sql"))}
    graph: dict[str, set[str]] = {}
    for name, model in models.items():
        text = _strip_comments(model.select_sql())
        mentioned = set(re.findall(rf"\b{layer}\.([a-z_][a-z0-9_]*)\b", text, flags=re.IGNORECASE))
        graph[name] = {m.lower() for m in mentioned if m.lower() in models and m.lower() != name}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # a model reading itself through others is a design error
        raise ValueError(f"models of layer {layer!r} read each other in a cycle: {exc.args[1]}") from exc
    return [models[n] for n in order]


def build_sql(model: Model) -> str:
    return f"CREATE OR REPLACE TABLE {model.table} AS\n{model.select_sql()}"


def run_layer(con: duckdb.DuckDBPyConnection, layer: str, sql_dir: Path = SQL_DIR) -> dict[str, int]:
    """Build every model of a layer; returns row counts by table.

    The rules layer is the policy engine's (transforms/rules.py): it compiles
    policies/rules/*.yaml around the facts models of sql/rules/."""
    if layer == "rules" and sql_dir == SQL_DIR:
        from transforms.rules import run_rules

        return run_rules(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    return build_models(con, models_in_order(layer, sql_dir), sql_dir)


def build_models(con: duckdb.DuckDBPyConnection, models: list[Model], sql_dir: Path = SQL_DIR) -> dict[str, int]:
    """Build the given models in order, naming the file of one that fails; row counts by table."""
    counts: dict[str, int] = {}
    for model in models:
        try:
            con.execute(build_sql(model))
        except duckdb.Error as exc:
            raise RuntimeError(f"model {model.path.relative_to(sql_dir.parent)} failed: {exc}") from exc
        counts[model.table] = con.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]
    return counts


def run_layers(con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = LAYERS,
               sql_dir: Path = SQL_DIR) -> dict[str, int]:
    counts: dict[str, int] = {}
    for layer in layers:
        counts.update(run_layer(con, layer, sql_dir))
    return counts
