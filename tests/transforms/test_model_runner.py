"""The model runner: a layer's models side by side, in dependency order, failures named."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from transforms import warehouse
from transforms.warehouse import build_models, models_in_order


def _layer(tmp_path: Path, models: dict[str, str]) -> Path:
    layer = tmp_path / "sql" / "core"
    layer.mkdir(parents=True)
    for name, sql in models.items():
        (layer / f"{name}.sql").write_text(sql, encoding="utf-8")
    return tmp_path / "sql"


MODELS = {
    "base": "SELECT range AS n FROM range(1000)",
    "doubled": "SELECT n * 2 AS n FROM core.base",
    "summed": "SELECT sum(n) AS total FROM core.doubled",
    "apart": "SELECT 42 AS answer",
}


class _Flaky:
    """A connection whose cursors run out of memory once on the models named, as DuckDB does when
    two large models share its memory limit."""

    def __init__(self, con, fail_once: set[str]):
        self.con, self.fail_once, self.alone = con, set(fail_once), []

    def cursor(self):
        outer = self

        class Cursor:
            def __init__(self):
                self.cur = outer.con.cursor()

            def execute(self, sql, *args):
                for table in list(outer.fail_once):
                    if sql.startswith(f"CREATE OR REPLACE TABLE {table} AS"):
                        outer.fail_once.discard(table)
                        raise duckdb.OutOfMemoryException("could not allocate block (test)")
                return self.cur.execute(sql, *args)

            def close(self):
                self.cur.close()

        return Cursor()

    def execute(self, sql, *args):
        if sql.startswith("CREATE OR REPLACE TABLE"):
            self.alone.append(sql.split()[4])
        return self.con.execute(sql, *args)


def test_models_side_by_side_equal_one_by_one(tmp_path):
    sql_dir = _layer(tmp_path, MODELS)
    models = models_in_order("core", sql_dir)
    results = []
    for connections in (1, 2):
        con = duckdb.connect()
        con.execute("CREATE SCHEMA core")
        counts = build_models(con, models, sql_dir, connections=connections)
        results.append((counts, con.execute("SELECT total FROM core.summed").fetchall()))
        con.close()
    assert results[0] == results[1]
    assert results[0] == ({"core.base": 1000, "core.doubled": 1000, "core.summed": 1, "core.apart": 1},
                          [(999000,)])


def test_a_model_out_of_memory_beside_another_is_built_alone_with_what_waits_for_it(tmp_path):
    sql_dir = _layer(tmp_path, MODELS)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    flaky = _Flaky(con, {"core.doubled"})
    counts = build_models(flaky, models_in_order("core", sql_dir), sql_dir, connections=2)
    assert counts["core.summed"] == 1 and con.execute("SELECT total FROM core.summed").fetchall() == [(999000,)]
    assert flaky.alone == ["core.doubled", "core.summed"], "the model that ran out, then the one reading it"


def test_a_failing_model_is_named_and_stops_the_layer(tmp_path):
    sql_dir = _layer(tmp_path, {**MODELS, "doubled": "SELECT no_such_column FROM core.base"})
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    with pytest.raises(RuntimeError, match=r"model sql/core/doubled.sql failed"):
        build_models(con, models_in_order("core", sql_dir), sql_dir, connections=2)
    assert warehouse.MODEL_CONNECTIONS == 2


def test_jobs_side_by_side_give_results_in_their_order_and_the_first_failure(tmp_path):
    """Staging copies, builds and rules run as jobs on cursors: what each returns comes back in the
    jobs' order, every cursor runs the setup first, and of two failures the earlier job's is raised."""
    side_by_side = warehouse.side_by_side
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    setup = ("CREATE OR REPLACE TEMP MACRO twice(x) AS 2 * x",)
    jobs = [lambda c, i=i: c.execute(f"SELECT twice({i})").fetchall()[0][0] for i in range(5)]
    assert side_by_side(con, jobs, 2, "test-jobs", setup=setup) == [0, 2, 4, 6, 8]

    def fails(message):
        def job(cursor):
            raise ValueError(message)
        return job
    with pytest.raises(ValueError, match="first"):
        side_by_side(con, [jobs[1], fails("first"), fails("second")], 2, "test-jobs", setup=setup)
    con.close()
