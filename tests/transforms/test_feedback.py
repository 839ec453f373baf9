"""Township feedback: returned files as Excel saves them move statuses once; bad rows go back.

E1 (王杲铺镇, 371426105) and E2 (王庙镇, 371426103) are exported on the first
night; the townships send back worked files; the next nights apply them.
"""
from __future__ import annotations

import csv
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import (SUN_DEFU, WANG_YUTONG, WANG_ZIHAN, create_ref, create_staging,  # noqa: E402
                              default_divisions, gaj, e1_rows, e2_rows, merge_rows, records, run_layers)
from sources.home import Home  # noqa: E402
from tests.feedback_files import work_csv_as_excel_saves_it, work_xlsx  # noqa: E402
from transforms.exports import write_exports  # noqa: E402
from transforms.feedback import apply_feedback, parse_verified_on, read_feedback_file  # noqa: E402
from transforms.worklist import item_id, update_worklist_state  # noqa: E402

D1 = date(2026, 3, 15)
D2 = date(2026, 3, 16)
WANGGAOPU, WANGMIAO = "371426105", "371426103"
FUC_ZIHAN = item_id("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_ZIHAN)
FUC_YUTONG = item_id("discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", WANG_YUTONG)
DECEASED_TK = item_id("review", "R_DECEASED_PAID", "TK_RURAL", SUN_DEFU)


class County:
    """A warehouse that keeps its meta across nights, and the home the files travel through."""

    def __init__(self, root: Path, rows=None):
        self.con = duckdb.connect()
        self.home = Home(root)
        self.home.feedback.mkdir(parents=True)
        self.rows = rows or merge_rows(e1_rows(), e2_rows())
        self.names = {code: d["name"] for code, d in default_divisions().items()}

    def night(self, run_date: date, rows=None) -> dict:
        create_staging(self.con, rows or self.rows)
        create_ref(self.con, run_date)
        run_layers(self.con, ("core", "labels", "rules"))
        applied = apply_feedback(self.con, self.home, run_date)
        update_worklist_state(self.con, run_date)
        out = self.home.exports(run_date.isoformat())
        shutil.rmtree(out, ignore_errors=True)
        exported = write_exports(self.con, out, run_date, self.names)
        return {"feedback": applied, "exports": exported, "dir": out}

    def state(self) -> dict[str, dict]:
        return {r["item_id"]: r for r in records(self.con, "SELECT * FROM meta.worklist_state")}

    def exported_ids(self, result) -> set[str]:
        ids = set()
        for f in result["exports"]["files"]:
            if f["file"].endswith(".csv") and "反馈问题" not in f["file"]:
                with (result["dir"] / f["file"]).open(encoding="utf-8-sig") as fh:
                    ids |= {r["工单编号"] for r in csv.DictReader(fh)}
        return ids


def export_file(result, township: str, suffix: str) -> Path:
    return next(result["dir"] / f["file"] for f in result["exports"]["files"]
                if f["township_code"] == township and f["file"].endswith(suffix) and "反馈问题" not in f["file"])


@pytest.fixture()
def county(tmp_path):
    c = County(tmp_path / "home")
    first = c.night(D1)
    assert {FUC_ZIHAN, FUC_YUTONG, DECEASED_TK} <= c.exported_ids(first)
    return c, first


def test_a_worked_xlsx_moves_statuses_as_written_and_leaves_the_inbox(county):
    c, first = county
    work_xlsx(export_file(first, WANGGAOPU, ".xlsx"), c.home.feedback / "371426105_王杲铺镇.xlsx",
              {FUC_ZIHAN: ("符合条件已申请", "2026-03-15"), FUC_YUTONG: ("本人拒绝",)})
    result = c.night(D2)
    assert result["feedback"]["applied"] == 2 and result["feedback"]["rejected"] == 0
    s = c.state()
    assert (s[FUC_ZIHAN]["status"], s[FUC_ZIHAN]["status_date"]) == ("verified_eligible", D1)
    assert (s[FUC_YUTONG]["status"], s[FUC_YUTONG]["status_date"]) == ("refused", D2)
    assert s[DECEASED_TK]["status"] == "dispatched"  # another township's item, untouched
    assert not c.exported_ids(result), "answered items are not sent out again"
    assert not list(c.home.feedback.iterdir())
    assert len(list((c.home.root / "archive" / "feedback").iterdir())) == 1
    history = records(c.con, "SELECT item_id, status, result_word, previous_status, note FROM meta.feedback "
                             "ORDER BY item_id")
    assert {(h["item_id"], h["status"], h["previous_status"]) for h in history} == {
        (FUC_ZIHAN, "verified_eligible", "dispatched"), (FUC_YUTONG, "refused", "dispatched")}
    wl = {w["item_id"]: w for w in records(c.con, "SELECT item_id, status FROM marts.worklist")}
    assert wl[FUC_YUTONG]["status"] == "refused"  # analysts see tonight's answers


def test_the_same_file_applied_again_changes_nothing(county):
    c, first = county
    worked = work_xlsx(export_file(first, WANGGAOPU, ".xlsx"), c.home.root / "sent.xlsx",
                       {FUC_ZIHAN: ("不符合条件",)})
    shutil.copy(worked, c.home.feedback / worked.name)
    c.night(D2)
    after = c.state()
    # the same bytes again, and a re-saved copy (other bytes, same answers)
    shutil.copy(worked, c.home.feedback / "again.xlsx")
    wb = openpyxl.load_workbook(worked)
    wb.active.title = "重存"
    wb.save(c.home.feedback / "371426105_王杲铺镇(1).xlsx")
    result = c.night(D2 + timedelta(days=1))
    assert result["feedback"]["repeated_files"] == 1
    assert result["feedback"]["applied"] == 0 and result["feedback"]["unchanged"] == 1
    again = c.state()
    assert {k: (v["status"], v["status_date"]) for k, v in again.items()} == \
        {k: (v["status"], v["status_date"]) for k, v in after.items()}
    assert c.con.execute("SELECT count(*) FROM meta.feedback").fetchall()[0][0] == 1


def test_a_gbk_csv_with_lost_zeros_is_read_and_applied(county):
    c, first = county
    work_csv_as_excel_saves_it(export_file(first, WANGMIAO, ".csv"), c.home.feedback / "371426103_王庙镇.csv",
                               {DECEASED_TK: "属实已处理"}, verified="2026/3/15")
    rows = read_feedback_file(c.home.feedback / "371426103_王庙镇.csv")
    assert any(r.item_id == DECEASED_TK and r.result == "属实已处理" for r in rows)
    c.night(D2)
    s = c.state()[DECEASED_TK]
    assert (s["status"], s["status_date"]) == ("confirmed", D1)


def test_malformed_rows_are_not_applied_and_go_back_to_their_township(county):
    c, first = county
    other_townships_item = DECEASED_TK
    work_xlsx(export_file(first, WANGGAOPU, ".xlsx"), c.home.feedback / "371426105_王杲铺镇.xlsx",
              {FUC_ZIHAN: ("同意",), FUC_YUTONG: ("符合条件已申请", "下周")},
              extra_rows=[("WL-ZZZZZZZZ", "不符合条件"), (other_townships_item, "不属实")])
    result = c.night(D2)
    assert result["feedback"]["applied"] == 0 and result["feedback"]["rejected"] == 4
    assert all(v["status"] == "dispatched" for v in c.state().values())
    problems = result["dir"] / "371426105_反馈问题.csv"
    with problems.open(encoding="utf-8-sig") as fh:
        listed = {(r["工单编号"], r["列"], r["问题"]) for r in csv.DictReader(fh)}
    assert listed == {
        (FUC_ZIHAN, "核实结果", "核实结果不是下拉列表中的选项"),
        (FUC_YUTONG, "核实日期", "核实日期无法识别"),
        ("WL-ZZZZZZZZ", "工单编号", "工单编号不存在"),
        (other_townships_item, "工单编号", "不是本乡镇的工单"),
    }
    manifest = {f["file"]: f for f in result["exports"]["files"]}
    assert manifest["371426105_反馈问题.csv"]["rows"] == 4
    assert not (result["dir"] / "371426103_反馈问题.csv").exists(), "only the sender hears of it"


def test_a_rejected_finding_stays_away_180_days_unless_its_facts_change(county):
    c, first = county
    work_xlsx(export_file(first, WANGGAOPU, ".xlsx"), c.home.feedback / "371426105_王杲铺镇.xlsx",
              {FUC_ZIHAN: ("不符合条件", "2026-03-15"), FUC_YUTONG: ("不符合条件", "2026-03-15")})
    c.night(D2)
    assert c.exported_ids(c.night(D1 + timedelta(days=179))) & {FUC_ZIHAN, FUC_YUTONG} == set()
    assert {c.state()[i]["status"] for i in (FUC_ZIHAN, FUC_YUTONG)} == {"not_eligible"}
    back = c.night(D1 + timedelta(days=180))
    assert {FUC_ZIHAN, FUC_YUTONG} <= c.exported_ids(back)
    assert {c.state()[i]["export_reason"] for i in (FUC_ZIHAN, FUC_YUTONG)} == {"feedback_expired"}
    assert {c.state()[i]["status"] for i in (FUC_ZIHAN, FUC_YUTONG)} == {"dispatched"}


def test_a_rejected_finding_returns_at_once_when_its_facts_change(county):
    c, first = county
    work_xlsx(export_file(first, WANGGAOPU, ".xlsx"), c.home.feedback / "371426105_王杲铺镇.xlsx",
              {FUC_ZIHAN: ("不符合条件",), FUC_YUTONG: ("本人拒绝",)})
    c.night(D2)
    assert not c.exported_ids(c.night(D2 + timedelta(days=1)))
    changed = merge_rows(e1_rows(), e2_rows())
    changed["clh_cjr"][1]["disability_grade"] = "二级"  # the mother's certificate re-assessed
    result = c.night(D2 + timedelta(days=2), changed)
    assert {FUC_ZIHAN, FUC_YUTONG} <= c.exported_ids(result)
    s = c.state()
    assert {s[i]["export_reason"] for i in (FUC_ZIHAN, FUC_YUTONG)} == {"facts_changed_after_feedback"}


def test_a_birthday_is_not_a_change_of_facts(tmp_path):
    """HIGH_AGE's reason quotes the age; a rejected finding must not come back on a birthday."""
    zhou = "372422194405202016"  # born 1944-05-20: 81 on the first night, 82 in August
    c = County(tmp_path / "home", {"gaj_hjrk": [gaj("H9", "周老汉", zhou, "户主", "371426103205")]})
    first = c.night(D1)
    high_age = item_id("discover", "DISCOVER", "HIGH_AGE", zhou)
    assert high_age in c.exported_ids(first)
    before = c.state()[high_age]["facts_fingerprint"]
    work_xlsx(export_file(first, WANGMIAO, ".xlsx"), c.home.feedback / "371426103_王庙镇.xlsx",
              {high_age: ("本人拒绝", "2026-03-15")})
    c.night(D2)
    result = c.night(date(2026, 8, 1))
    assert high_age not in c.exported_ids(result)
    assert c.state()[high_age]["facts_fingerprint"] == before
    assert "82周岁" in c.con.execute("SELECT reason FROM rules.finding WHERE item_id = ?",
                                     [high_age]).fetchall()[0][0]


def test_a_file_archived_by_a_night_that_never_published_is_applied_next_time(county, tmp_path):
    c, first = county
    work_xlsx(export_file(first, WANGGAOPU, ".xlsx"), c.home.feedback / "371426105_王杲铺镇.xlsx",
              {FUC_ZIHAN: ("无法联系",)})
    published_meta = tmp_path / "meta.duckdb"
    c.con.execute(f"ATTACH '{published_meta}' AS keep")
    c.con.execute("CREATE TABLE keep.state AS SELECT * FROM meta.worklist_state")
    c.night(D2)  # the file is archived, then the night dies before publishing: its meta is lost
    c.con.execute("DELETE FROM meta.worklist_state")
    c.con.execute("INSERT INTO meta.worklist_state SELECT * FROM keep.state")
    c.con.execute("DELETE FROM meta.feedback_file")
    c.con.execute("DELETE FROM meta.feedback")
    assert not list(c.home.feedback.iterdir())
    result = c.night(D2)
    assert result["feedback"]["applied"] == 1
    assert c.state()[FUC_ZIHAN]["status"] == "unreachable"


def test_unreachable_is_tried_again_after_30_days(county):
    c, first = county
    work_xlsx(export_file(first, WANGGAOPU, ".xlsx"), c.home.feedback / "371426105_王杲铺镇.xlsx",
              {FUC_ZIHAN: ("无法联系", "2026-03-15")})
    c.night(D2)
    assert FUC_ZIHAN not in c.exported_ids(c.night(D1 + timedelta(days=29)))
    assert FUC_ZIHAN in c.exported_ids(c.night(D1 + timedelta(days=30)))


@pytest.mark.parametrize("value, expected", [
    (None, None), ("", None), (date(2026, 3, 20), date(2026, 3, 20)), (46101, date(2026, 3, 20)),
    ("46101", date(2026, 3, 20)), ("2026-03-20", date(2026, 3, 20)), ("2026/3/20", date(2026, 3, 20)),
    ("2026年3月20日", date(2026, 3, 20)), ("20260320", date(2026, 3, 20)), ("2026-03-20 00:00:00", date(2026, 3, 20)),
])
def test_verification_dates_as_excel_leaves_them(value, expected):
    assert parse_verified_on(value, D2) == expected


def test_an_unreadable_file_is_listed_back_and_kept(county):
    c, _ = county
    (c.home.feedback / "371426105_王杲铺镇.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    result = c.night(D2)
    assert result["feedback"]["unreadable_files"] == 1
    with (result["dir"] / "371426105_反馈问题.csv").open(encoding="utf-8-sig") as fh:
        assert [r["问题"][:6] for r in csv.DictReader(fh)] == ["文件无法读取"]
    assert len(list((c.home.root / "archive" / "feedback").iterdir())) == 1  # kept, not lost
