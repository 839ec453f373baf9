"""Run the SQL models: one table per file, layer by layer.

Each `sql/<layer>/<table>.sql` is a plain SELECT. The runner wraps it as
`CREATE OR REPLACE TABLE <layer>.<table> AS ...`, so a model file reads like a
dbt model and the layer order of DESIGN.md is the only orchestration there is.
Within a layer, files are ordered by the `<layer>.<table>` names they mention,
so adding a model never means editing a list.
"""
from __future__ import annotations

import re
import threading
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


def _reads(model: Model, names: set[str]) -> set[str]:
    """The models of the same layer (among `names`) that a model's SQL names."""
    text = _strip_comments(model.select_sql())
    mentioned = set(re.findall(rf"\b{model.layer}\.([a-z_][a-z0-9_]*)\b", text, flags=re.IGNORECASE))
    return {m.lower() for m in mentioned if m.lower() in names and m.lower() != model.name}


def models_in_order(layer: str, sql_dir: Path = SQL_DIR) -> list[Model]:
    """The models of one layer, each after the models of the same layer it reads."""
    models = {p.stem: Model(layer, p.stem, p) for p in sorted((sql_dir / layer).glob("*.sql"))}
    graph = {name: _reads(model, set(models)) for name, model in models.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # a model reading itself through others is a design error
        raise ValueError(f"models of layer {layer!r} read each other in a cycle: {exc.args[1]}") from exc
    return [models[n] for n in order]


# Columns that cite source rows ({source, file, row} lists): a set, whatever order the rows met in.
EVIDENCE_COLUMN = re.compile(r"^(hh_)?ev(_|$)")


def build_sql(model: Model, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The model's CREATE TABLE. Given a connection, its evidence lists are stored sorted: the
    order rows meet in an aggregate changes with the threads, and the same night must give
    the same rows."""
    select = model.select_sql()
    if con is not None:
        columns = con.execute(f"DESCRIBE SELECT * FROM (\n{select}\n)").fetchall()
        evidence = [c for c, t, *_ in columns if EVIDENCE_COLUMN.match(c) and t.endswith("[]")]
        if evidence:
            sort = ", ".join(f"list_sort({c}) AS {c}" for c in evidence)
            select = f"SELECT * REPLACE ({sort}) FROM (\n{select}\n)"
    return f"CREATE OR REPLACE TABLE {model.table} AS\n{select}"


def run_layer(con: duckdb.DuckDBPyConnection, layer: str, sql_dir: Path = SQL_DIR) -> dict[str, int]:
    """Build every model of a layer; returns row counts by table.

    The rules layer is the policy engine's (transforms/rules.py): it compiles
    policies/rules/*.yaml around the facts models of sql/rules/."""
    if layer == "rules" and sql_dir == SQL_DIR:
        from transforms.rules import run_rules

        return run_rules(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    return build_models(con, models_in_order(layer, sql_dir), sql_dir)


# Connections the models of a layer are built on at once (see build_models); 1 builds them one by one.
MODEL_CONNECTIONS = 2


def build_models(con: duckdb.DuckDBPyConnection, models: list[Model], sql_dir: Path = SQL_DIR,
                 connections: int | None = None) -> dict[str, int]:
    """Build the given models (in dependency order), naming the file of one that fails; row counts.

    Models that do not read each other are built side by side on `connections`
    connections to the same database (MODEL_CONNECTIONS): most models keep two
    cores busy only part of their time (a window, a PIVOT, the table written at
    the end), so two at once fill the gaps. A model starts only when the models
    of its layer it reads are built; the first failure, in the models' order, is raised.
    A model that runs out of memory beside another (each would fit alone: DuckDB's
    limit is the whole database's) is built again alone afterwards, with the
    models waiting for it; only a failure alone is the night's."""
    connections = MODEL_CONNECTIONS if connections is None else connections
    names = {m.table for m in models}
    reads = {m.table: {f"{m.layer}.{r}" for r in _reads(m, {n.split(".", 1)[1] for n in names
                                                          if n.startswith(m.layer + ".")})} & names
             for m in models}

    def build(cursor, model: Model) -> int:
        try:
            cursor.execute(build_sql(model, cursor))
        except duckdb.Error as exc:
            raise RuntimeError(f"model {model.path.relative_to(sql_dir.parent)} failed: {exc}") from exc
        return cursor.execute(f"SELECT count(*) FROM {model.table}").fetchall()[0][0]

    if connections < 2 or len(models) < 2:
        return {m.table: build(con, m) for m in models}
    counts: dict[str, int] = {}
    errors: dict[int, BaseException] = {}
    todo = list(enumerate(models))
    running: set[str] = set()
    ready = threading.Condition()

    def worker(cursor) -> None:
        while True:
            with ready:
                while True:
                    if errors or not todo:
                        return
                    pick = next(((i, m) for i, m in todo if not (reads[m.table] - set(counts))), None)
                    if pick is not None:
                        todo.remove(pick)
                        running.add(pick[1].table)
                        break
                    if not running:   # the rest waits for a model to be built alone
                        return
                    ready.wait()
            i, model = pick
            try:
                n = build(cursor, model)
                with ready:
                    counts[model.table] = n
            except BaseException as exc:  # noqa: BLE001 - re-raised below, in the models' order
                # out of memory beside another model: left unbuilt, built alone below
                if not isinstance(exc.__cause__, duckdb.OutOfMemoryException):
                    with ready:
                        errors[i] = exc
            finally:
                with ready:
                    running.discard(model.table)
                    ready.notify_all()

    on_cursors(con, min(connections, len(models)), worker, "datapool-models")
    if errors:
        raise errors[min(errors)]
    for model in models:   # what ran out of memory beside another, and what waits for it, one by one
        if model.table not in counts:
            counts[model.table] = build(con, model)
    return {m.table: counts[m.table] for m in models}


def on_cursors(con: duckdb.DuckDBPyConnection, n: int, worker, name: str) -> None:
    """`worker(cursor)` on a thread for each of `n` new cursors of `con`; waits for them all and
    closes the cursors (the workers keep their own results and errors)."""
    cursors = [con.cursor() for _ in range(n)]
    try:
        threads = [threading.Thread(target=worker, args=(c,), name=f"{name}-{i}") for i, c in enumerate(cursors)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for cursor in cursors:
            cursor.close()


def side_by_side(con: duckdb.DuckDBPyConnection, jobs: list, connections: int, name: str,
                 setup: tuple[str, ...] = ()) -> list:
    """Run independent jobs (each `job(cursor)`) on up to `connections` cursors of `con` at once,
    each cursor running the `setup` statements first; results in the jobs' order, and the first
    job's error (in that order) raised. One connection, or one job: run on `con` itself, in order."""
    if connections < 2 or len(jobs) < 2:
        return [job(con) for job in jobs]
    todo = list(enumerate(jobs))
    results: dict[int, object] = {}
    errors: dict[int, BaseException] = {}
    lock = threading.Lock()

    def worker(cursor) -> None:
        try:
            for statement in setup:
                cursor.execute(statement)
        except BaseException as exc:  # noqa: BLE001 - raised below, before any job's
            with lock:
                errors[-1] = exc
            return
        while True:
            with lock:
                if not todo or errors:
                    return
                i, job = todo.pop(0)
            try:
                results[i] = job(cursor)
            except BaseException as exc:  # noqa: BLE001 - re-raised below, in job order
                with lock:
                    errors[i] = exc

    on_cursors(con, min(connections, len(jobs)), worker, name)
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(jobs))]


def run_layers(con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = LAYERS,
               sql_dir: Path = SQL_DIR) -> dict[str, int]:
    counts: dict[str, int] = {}
    for layer in layers:
        counts.update(run_layer(con, layer, sql_dir))
    return counts
