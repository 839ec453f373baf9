"""The run report: self-contained, what interfaces.md lists, no personal data; the artifact and `datapool status`."""
from __future__ import annotations

import html
import json
import re
import shutil
from datetime import date

import duckdb
import pytest

from sources.home import Home
from tests.conftest import TEST_DATE
from tests.flows.test_analytics import load_needles, personal_data_hits


@pytest.fixture(scope="module")
def report(first_night) -> str:
    return (first_night / "reports" / f"{TEST_DATE.isoformat()}.html").read_text(encoding="utf-8")


def _open_items(home) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM meta.worklist_state WHERE status IN ('new', 'dispatched')").fetchone()[0]


def test_report_is_one_page_that_loads_nothing(report):
    lowered = report.lower()
    for loads in ("http://", "https://", "<script", "<link", "<img", "<iframe", "<object", "<embed",
                  "url(", "@import", " src=", " href="):
        assert loads not in lowered, loads
    charts = re.findall(r"<svg\b.*?</svg>", report, flags=re.S)
    assert len(charts) >= 4 and all("<rect" in c for c in charts)


def test_report_covers_deliveries_quarantine_quality_and_worklist(report, first_night):
    from sources.contracts import load_contracts

    for heading in ("Worklist: new and open items by township and kind", "Deliveries: each source against",
                    "<h2>Quarantined</h2>", "<h2>Data quality</h2>", "Rejected values", "Expectations not met"):
        assert heading in report, heading
    deliveries = report.split("Deliveries: each source against")[1].split("<h2>")[0]
    assert all(f"<td>{code}</td>" in deliveries for code in load_contracts()), "every source has its row"
    with duckdb.connect(str(first_night / "warehouse.duckdb"), read_only=True) as con:
        checks = con.execute("SELECT count(*) FROM meta.expectation_result WHERE run_date = ?", [TEST_DATE]).fetchone()[0]
        rejected = con.execute("SELECT count(*) FROM meta.reject WHERE run_date = ?", [TEST_DATE]).fetchone()[0]
    assert checks and f"All {checks} expectations checked tonight" in report
    quality = report.split("<h3>Rejected values</h3>")[1].split("<h3>")[0]
    assert sum(int(n) for n in re.findall(r'<td class="n">(\d+)</td></tr>', quality)) == rejected
    # the township table's open column adds up to the open items of the night
    township_table = report.split("<th>overdue</th>")[1].split("</table>")[0]
    open_column = [int(row[-2]) for row in re.findall(r"<tr>(.*?)</tr>", township_table)
                   for row in [re.findall(r"<td[^>]*>(.*?)</td>", row)]]
    assert sum(open_column) == _open_items(first_night) > 0


def test_report_holds_no_personal_data(report, first_night):
    con = duckdb.connect()
    load_needles(con, first_night)
    texts = sorted({html.unescape(t).strip() for t in re.findall(r">([^<]+)<", report)} - {""})
    attributes = re.findall(r'(?:aria-label|title)="([^"]*)"', report)
    con.execute("CREATE TEMP TABLE report_text AS SELECT unnest(?) AS v", [texts + attributes])
    assert len(texts) > 200
    assert personal_data_hits(con, "report_text") == []


def test_a_quarantined_files_headers_and_long_numbers_are_withheld(first_night):
    """A file delivered without its header row offers a person's data as headers: count them, never show them."""
    from transforms.report import gather, render_html, render_markdown

    data = gather(Home(first_night), TEST_DATE)
    leaked = ["372422198604121017", "王子涵", "13812345678"]
    data["deliveries"] = data["deliveries"] + [
        ("gaj_hjrk", "gaj_hjrk_20260315.csv", date(2026, 3, 15), 3, 0, False,
         "required column missing: 公民身份号码 (id_number); first cell 372422198604121017")]
    data["drift"] = [("gaj_hjrk", "gaj_hjrk_20260315.csv", False, None, json.dumps(leaked), '["id_number"]')]
    page, summary = render_html(data), render_markdown(data)
    for value in leaked:
        assert value not in page and value not in summary
    assert "3 not shown" in page
    assert "gaj_hjrk_20260315.csv" in page.split("<h2>Quarantined</h2>")[1] and "[number withheld]" in page


def test_prefect_artifact_is_the_reports_summary(first_night, prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.nightly import report as report_stage
    from transforms.report import gather, render_markdown

    # the night's report stage, on a copy of the night (made by whichever test worker came first)
    home = shutil.copytree(first_night, tmp_path / "home")
    report_stage(str(home), TEST_DATE)
    expected = render_markdown(gather(Home(home), TEST_DATE))
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["datapool-run-report"])))
    assert expected in [a.data for a in artifacts]
    for section in ("## Worklist", "## Deliveries", "## Quarantined", "## Data quality"):
        assert section in expected
    assert f"{_open_items(first_night)} open" in expected


def test_status_shows_runs_sources_quarantine_and_worklist(first_night):
    from rich.console import Console

    from sources.contracts import load_contracts
    from transforms.status import render_status

    console = Console(record=True, width=200)
    render_status(first_night, console)
    text = console.export_text()
    for title in ("Last runs", "Sources", "Quarantined files", "Worklist items by status",
                  "Open worklist items by township"):
        assert title in text, title
    assert TEST_DATE.isoformat() in text and "published" in text
    assert all(code in text for code in load_contracts())
    assert "王杲铺镇" in text  # E1's township has open items
    township_rows = [line for line in text.splitlines() if re.match(r"^│ 371426\d{3} ", line)]
    assert sum(int(line.split("│")[-3]) for line in township_rows) == _open_items(first_night)
