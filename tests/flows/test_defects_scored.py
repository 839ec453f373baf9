"""Every planted defect that cannot be repaired is rejected with the right kind, and no clean row is."""
from __future__ import annotations

import csv

import duckdb

from tests.conftest import TEST_DATE


def read_truth(home, name):
    with (home / "truth" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_unrecoverable_defects_rejected_precisely(first_night, capsys):
    first_inbox = {r["file"] for r in read_truth(first_night, "deliveries.csv")
                   if r["night"] == TEST_DATE.isoformat()}
    expected = {(r["file"], int(r["row"]), r["column"], r["kind"]) for r in read_truth(first_night, "defects.csv")
                if r["recoverable"] == "false" and r["file"] in first_inbox}
    with duckdb.connect(str(first_night / "warehouse.duckdb"), read_only=True) as con:
        rejected = {(f, int(row), col, kind) for f, row, col, kind in con.execute(
            'SELECT file_name, "row", "column", value_kind FROM meta.reject WHERE run_date = ?',
            [TEST_DATE]).fetchall()}
    assert first_inbox and expected, "the generator plants unrecoverable defects in the first inbox"
    tp = len(expected & rejected)
    precision, recall = tp / len(rejected), tp / len(expected)
    with capsys.disabled():
        print(f"\nrejects vs planted unrecoverable defects: planted {len(expected)}, rejected {len(rejected)}, "
              f"precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.99 and recall >= 0.99, (sorted(rejected - expected)[:5], sorted(expected - rejected)[:5])


def test_renamed_header_named_in_the_report(first_night):
    renamed = {r["file"] for r in read_truth(first_night, "defects.csv") if r["kind"] == "header_renamed"}
    assert renamed, "the generator renames a header at the default quirk rate"
    report = (first_night / "reports" / f"{TEST_DATE.isoformat()}.html").read_text(encoding="utf-8")
    drift_section = report.split("<h2>Schema drift")[1].split("<h2>")[0]
    for name in renamed:
        assert name in drift_section and " -&gt; " in drift_section
