"""GX suites from the contracts: pass, fail with the right share, survive errors, store no values."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from sources.contracts import load_contracts
from transforms import expectations
from transforms.expectations import expectation_specs, validate_delivery

RUN = date(2026, 3, 15)
PLANTED_ID = "372422198001010019"


@pytest.fixture
def con():
    c = duckdb.connect(":memory:")
    yield c
    c.close()


@pytest.fixture(scope="module")
def contract():
    return load_contracts()["gaj_hjrk"]  # required + closed lists + id_number


def frame(**override) -> pd.DataFrame:
    data = {
        "household_no": ["3714260001", "3714260001", "3714260002"],
        "name": ["张三", "李四", "王五"],
        "id_number": [PLANTED_ID, "37142620100101002X", "372422800101001"],
        "sex": ["男", "女", "男"],
        "status": ["正常", "死亡", "迁出"],
    }
    data.update(override)
    return pd.DataFrame(data)


def stored(con) -> list[tuple]:
    return con.execute("SELECT * FROM meta.expectation_result ORDER BY ALL").fetchall()


def test_suite_follows_the_contract(contract):
    specs = expectation_specs(contract)
    kinds = {(cls, kw.get("column")) for cls, kw in specs}
    assert ("ExpectColumnValuesToNotBeNull", "id_number") in kinds
    assert ("ExpectColumnValuesToNotBeNull", "household_no") in kinds
    assert ("ExpectColumnValuesToBeInSet", "status") in kinds
    assert ("ExpectColumnValuesToBeInSet", "sex") in kinds
    assert ("ExpectColumnValuesToMatchRegex", "id_number") in kinds
    assert ("ExpectTableRowCountToBeBetween", None) in kinds
    # a column the delivery lacks gets no expectation
    assert all(kw.get("column") != "sex" for _, kw in expectation_specs(contract, {"id_number"}))


def test_clean_frame_passes_all(con, contract):
    rows = validate_delivery(con, contract, frame(), "gaj_hjrk_20260314.csv", RUN)
    assert {r["expectation"] for r in rows} >= {"column_values_to_not_be_null", "column_values_to_be_in_set",
                                                 "column_values_to_match_regex", "table_row_count_to_be_between"}
    assert all(r["success"] for r in rows), rows
    assert len(stored(con)) == len(rows)


def test_value_outside_closed_list_fails_with_its_share(con, contract):
    rows = validate_delivery(con, contract, frame(status=["正常", "失踪", "正常"]), "gaj_hjrk_20260314.csv", RUN)
    status = [r for r in rows if r["column_name"] == "status" and r["expectation"] == "column_values_to_be_in_set"]
    assert len(status) == 1 and status[0]["success"] is False
    assert status[0]["unexpected_percent"] == pytest.approx(100 / 3)
    assert status[0]["element_count"] == 3
    assert all(r["success"] for r in rows if r is not status[0])
    db = con.execute("""SELECT success, unexpected_percent FROM meta.expectation_result
                        WHERE column_name = 'status' AND expectation = 'column_values_to_be_in_set'""").fetchall()
    assert db == [(False, pytest.approx(100 / 3))]


def test_missing_tokens_count_as_null_and_arrow_input(con, contract):
    table = pa.Table.from_pandas(frame(id_number=[PLANTED_ID, "无", " "]), preserve_index=False)
    rows = validate_delivery(con, contract, table, "gaj_hjrk_20260314.csv", RUN)
    not_null = next(r for r in rows if r["column_name"] == "id_number"
                    and r["expectation"] == "column_values_to_not_be_null")
    assert not_null["success"] is False and not_null["unexpected_percent"] == pytest.approx(200 / 3)


def test_gx_exception_is_recorded_not_raised(con, contract, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError(f"GX broke on {PLANTED_ID}")

    monkeypatch.setattr(expectations, "build_suite", boom)
    rows = validate_delivery(con, contract, frame(), "gaj_hjrk_20260314.csv", RUN)
    assert [(r["expectation"], r["success"]) for r in rows] == [("gx_error", False)]
    assert [(r[3], r[5]) for r in stored(con)] == [("gx_error", False)]
    assert PLANTED_ID not in repr(stored(con))


def test_no_data_value_is_stored(con, contract):
    bad = frame(id_number=[PLANTED_ID, "'" + PLANTED_ID, "3.72422E+17"], sex=["男", "M", "女"])
    rows = validate_delivery(con, contract, bad, "gaj_hjrk_20260314.csv", RUN)
    assert not all(r["success"] for r in rows)
    text = repr(stored(con)) + repr(rows)
    for value in (PLANTED_ID, "3.72422E+17", "张三", "3714260001", "'M'"):
        assert value not in text


def test_large_delivery_is_sampled(con, contract, monkeypatch):
    monkeypatch.setattr(expectations, "SAMPLE_ROWS", 2)
    rows = validate_delivery(con, contract, frame(status=["正常", "正常", "失踪"]), "gaj_hjrk_20260314.csv", RUN)
    assert all(r["success"] for r in rows)  # the bad third row is outside the sample
    assert any(r["expectation"] == "sampled: first 2 of 3 rows" for r in rows)


def test_rerun_replaces_rows(con, contract):
    validate_delivery(con, contract, frame(), "gaj_hjrk_20260314.csv", RUN)
    n = len(stored(con))
    validate_delivery(con, contract, frame(), "gaj_hjrk_20260314.csv", RUN)
    assert len(stored(con)) == n


def test_worker_validates_a_large_delivery_as_this_process_would(con, contract, monkeypatch):
    """A large delivery goes to the worker process while ingestion goes on; its stored rows are the
    rows validate_delivery stores for the same delivery (failures, shares, sample note)."""
    monkeypatch.setattr(expectations, "PROCESS_FROM_ROWS", 4)
    monkeypatch.setattr(expectations, "SAMPLE_ROWS", 3)
    bad = pa.Table.from_pandas(frame(id_number=[PLANTED_ID, "无", "'" + PLANTED_ID], sex=["男", "M", "女"],
                                     status=["正常", "失踪", "正常"]).iloc[[0, 1, 2, 0]], preserve_index=False)
    small = pa.Table.from_pandas(frame(), preserve_index=False)
    here = duckdb.connect(":memory:")
    validate_delivery(here, contract, bad, "gaj_hjrk_20260314.csv", RUN)
    validate_delivery(here, contract, small, "gaj_hjrk_20260315.csv", RUN)
    validations = expectations.Validations()
    validations.submit(contract, small, "gaj_hjrk_20260315.csv", RUN)
    validations.submit(contract, bad, "gaj_hjrk_20260314.csv", RUN)
    assert isinstance(validations.pending[0][3], list), "a small one is validated here, no worker needed"
    assert not isinstance(validations.pending[1][3], list), "the large delivery went to the worker"
    assert validations.finish(con) == 2
    assert stored(con) == stored(here)
    assert any(r[3].startswith("sampled: first 3 of 4") for r in stored(con))
    assert not all(r[5] for r in stored(con))
    assert PLANTED_ID not in repr(stored(con))


def test_without_a_worker_every_delivery_is_validated_here(con, contract, monkeypatch):
    """Where no process can be started (a Dask worker is daemonic) or the worker dies, nothing is
    lost: the delivery is validated in this process, or recorded as one gx_error row."""
    import multiprocessing

    monkeypatch.setattr(expectations, "PROCESS_FROM_ROWS", 1)
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    validations = expectations.Validations()
    assert validations.warm_up() is False
    validations.submit(contract, pa.Table.from_pandas(frame(), preserve_index=False), "gaj_hjrk_20260314.csv", RUN)
    assert isinstance(validations.pending[0][3], list)
    validations.finish(con)
    assert stored(con) and all(r[5] for r in stored(con))

    class Dead:
        def result(self):
            raise RuntimeError("worker died")

    validations.pending.append(("gaj_hjrk", "gaj_hjrk_20260315.csv", RUN, Dead()))
    validations.finish(con)
    assert [(r[3], r[5]) for r in stored(con) if r[2] == "gaj_hjrk_20260315.csv"] == [("gx_error", False)]
