"""The label catalogue (sql/labels/catalogue.yaml), the labels layer it
generates (transforms/labels.py), and the labels on a generated county."""
from __future__ import annotations

import copy
import re
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import (SUN_DEFU, WANG_JIANGUO, WANG_YUTONG, WANG_ZIHAN, e1_rows, e2_rows, gaj,  # noqa: E402
                              merge_rows, mzj, records, warehouse)
from transforms import labels as label_catalogue  # noqa: E402
from transforms.labels import (CATEGORIES, CatalogueError, catalogue, comment_labels, generated_models,  # noqa: E402
                               label_comments, validate_catalogue)

REPO = Path(__file__).resolve().parents[2]
RUN_DATE = date(2026, 3, 15)

# Facts the generated 2,000-person county may hold for nobody: 困境儿童 and
# 低保家庭大学新生 are rarer than that, and once linkage has recovered the
# IDs that departments mistyped, everyone named is in the register and every
# school-age child has a 学籍. The hand-made warehouse below holds each.
RARE_ON_THE_GENERATED_COUNTY = {"receives_child_difficulty", "receives_college_new_db", "not_in_register",
                                "school_age_not_enrolled"}

# The departments whose lists name people; core.person adds from them the
# people the register lacks, so a label read off core.person may rest on them.
PERSON_SOURCES = {"gaj_hjrk", "mzj_jzdx", "clh_cjr", "ybj_js", "wjw_mb", "rsj_jy", "jtj_xs", "zjj_zf",
                  "xczx_jc", "sfj_jz", "tyjr_yf", "zgh_knzg", "yjj_sz", "bzs_hh"}


def by_name():
    return {lb.name: lb for lb in catalogue()}


# --- the catalogue itself ------------------------------------------------------

def valid_entry(**changes):
    entry = {"name": "severe_disability", "category": "disability", "target": "person",
             "definition": "持有一级或二级残疾证（重度残疾）。", "source": ["clh_cjr"],
             "sql": "SELECT id_number, disability_grade AS value, issue_date AS as_of, "
                    "_source AS source_code, _file, _row FROM core.disability WHERE is_severe"}
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


KNOWN = {"clh_cjr": "残联", "gaj_hjrk": "公安局"}


def test_a_valid_entry_passes():
    [label] = validate_catalogue({"labels": [valid_entry()]}, KNOWN)
    assert (label.name, label.category, label.target, label.source) == \
        ("severe_disability", "disability", "person", ("clh_cjr",))


@pytest.mark.parametrize("entries, message", [
    ([valid_entry(category="medical")], r"label 'severe_disability': unknown category 'medical'"),
    ([valid_entry(), valid_entry()], r"label 'severe_disability': duplicate name"),
    ([valid_entry(definition=None)], r"label 'severe_disability': missing field 'definition'"),
    ([valid_entry(sql="")], r"label 'severe_disability': missing field 'sql'"),
    ([valid_entry(name=None)], r"label #1: missing field 'name'"),
    ([valid_entry(target="village")], r"label 'severe_disability': unknown target 'village'"),
    ([valid_entry(source=["clh_cjr", "cjl_xx"])], r"label 'severe_disability': unknown source 'cjl_xx'"),
    ([valid_entry(name="SevereDisability")], r"label 'SevereDisability': name must be snake_case"),
    ([valid_entry(name="value")], r"label 'value': name is a column"),
    ([valid_entry(sql="DROP TABLE core.person")], r"label 'severe_disability': sql must be a SELECT"),
    ([valid_entry(unit="级")], r"label 'severe_disability': unknown field 'unit'"),
    ([valid_entry(definition="第一句。\n第二句。")], r"label 'severe_disability': definition must be one line"),
])
def test_a_faulty_catalogue_is_refused_naming_the_label(entries, message):
    with pytest.raises(CatalogueError, match=message):
        validate_catalogue({"labels": entries}, KNOWN)


def test_a_catalogue_without_a_label_list_is_refused():
    with pytest.raises(CatalogueError, match="list under 'labels'"):
        validate_catalogue({"label": []}, KNOWN)


def test_the_committed_catalogue_loads_and_the_generated_files_are_current():
    models = generated_models(tuple(label_catalogue.load_catalogue()))
    for file_name, sql in models.items():
        path = REPO / "sql" / "labels" / file_name
        assert path.read_text(encoding="utf-8") == sql, \
            f"sql/labels/{file_name} is stale: run `python -m transforms.labels`"


def test_at_least_forty_labels_in_the_seven_categories():
    labels = catalogue()
    assert len(labels) >= 40
    per_category = {c: [lb.name for lb in labels if lb.category == c] for c in CATEGORIES}
    assert all(len(names) >= 3 for names in per_category.values()), per_category
    assert {lb.target for lb in labels} == {"person", "household"}


def _label_names_read_by(layer: str) -> set[str]:
    names: set[str] = set()
    for path in (REPO / "sql" / layer).glob("*.sql"):
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        for group in re.findall(r"\blabel\s+IN\s*\(([^)]*)\)", text, flags=re.IGNORECASE):
            names.update(re.findall(r"'([a-z0-9_]+)'", group))
        names.update(re.findall(r"\blabel\s*=\s*'([a-z0-9_]+)'", text, flags=re.IGNORECASE))
    return names


def test_every_label_the_rules_and_marts_read_is_in_the_catalogue():
    read = _label_names_read_by("rules") | _label_names_read_by("marts")
    assert {"deceased", "severe_disability", "serious_illness", "minor"} <= read  # the scan finds them
    assert read <= set(by_name())


def test_every_benefit_paid_has_its_receives_label():
    import yaml

    receipts = yaml.safe_load((REPO / "policies" / "receipts.yaml").read_text(encoding="utf-8"))
    policies = set(receipts["mzj_benefit_category"].values()) | {receipts["rsj_public_job"]}
    names = by_name()
    for policy in policies:
        label = names.get(f"receives_{policy.lower()}")
        assert label is not None and label.category == "assistance", policy


# --- the generated SQL on a hand-made warehouse ----------------------------------

OUTSIDER = "110101199003070011"  # owns a flat in the county, lives elsewhere
STUDENT = "371426200703151018"
DROPOUT = "371426201305051028"  # 12, in the register, no 学籍
UNREGISTERED = "372422197001011234"  # on 民政's list, not in the register
V_RURAL = "371426105213"


def small_county():
    rows = merge_rows(e1_rows(), e2_rows(), {
        "gaj_hjrk": [gaj("H9", "赵大学", STUDENT, "户主", V_RURAL),
                     gaj("H9", "赵小妹", DROPOUT, "妹", V_RURAL)],
        "mzj_jzdx": [mzj("王雨桐", WANG_YUTONG, "困境儿童", 500, start=date(2025, 3, 1)),
                     mzj("赵大学", STUDENT, "大学新生救助", 5000, start=date(2025, 9, 1)),
                     mzj("钱外来", UNREGISTERED, "临时救助", 3000, start=date(2026, 1, 1))],
        "bdc_dj": [{"unit_no": "U1", "name": "外县人", "id_number": OUTSIDER, "usage": "住宅",
                    "registered_date": date(2020, 1, 1)},
                   {"unit_no": "U2", "name": "王建国", "id_number": WANG_JIANGUO, "usage": "住宅",
                    "registered_date": date(2012, 5, 1)}],
    })
    rows["jtj_xs"].append({"student_no": "G3", "id_number": STUDENT, "name": "赵大学", "school_level": "高校",
                           "school": "德州学院", "enrol_year": 2025, "is_new_student": "是"})
    return warehouse(rows, layers=("core", "labels"))


@pytest.fixture(scope="module")
def small():
    return small_county()


def person_labels(con):
    return {(r["id_number"], r["label"]): r for r in records(con, "SELECT * FROM labels.person_label")}


def test_labels_carry_value_fact_date_and_source_row(small):
    got = person_labels(small)
    sev = got[(WANG_JIANGUO, "severe_disability")]
    assert (sev["category"], sev["value"], sev["as_of"], sev["source_code"], sev["_file"], sev["_row"]) == \
        ("disability", "一级", date(2016, 5, 10), "clh_cjr", "clh_cjr_20260314.xlsx", 2)
    minor = got[(WANG_ZIHAN, "minor")]
    assert (minor["value"], minor["as_of"], minor["source_code"]) == ("10", date(2015, 6, 20), "gaj_hjrk")
    dead = got[(SUN_DEFU, "deceased")]
    assert (dead["value"], dead["as_of"], dead["source_code"]) == ("2026-01-20", date(2026, 1, 20), "bzs_hh")
    assert got[(SUN_DEFU, "aged_80_plus")]["as_of"] == date(2020, 2, 1)  # the 80th birthday
    assert got[(WANG_JIANGUO, "working_age")]["as_of"] == date(2004, 4, 12)
    paid = got[(SUN_DEFU, "receives_tk_rural")]
    assert (paid["value"], paid["as_of"]) == ("936.00", date(2024, 1, 1))  # 起始年月
    # a fact without a date of its own dates from its extract
    assert got[(WANG_JIANGUO, "not_employed")]["as_of"] == date(2026, 3, 14)


def test_facts_rare_on_the_generated_county_are_labelled_too(small):
    got = person_labels(small)
    assert got[(WANG_YUTONG, "receives_child_difficulty")]["value"] == "500.00"
    assert got[(STUDENT, "receives_college_new_db")]["as_of"] == date(2025, 9, 1)
    assert got[(STUDENT, "new_college_student")]["value"] == "德州学院"
    assert got[(DROPOUT, "school_age_not_enrolled")]["value"] == "12"
    assert (STUDENT, "school_age_not_enrolled") not in got and (WANG_ZIHAN, "school_age_not_enrolled") not in got
    outside = got[(UNREGISTERED, "not_in_register")]
    assert (outside["value"], outside["source_code"]) == ("mzj_jzdx", "mzj_jzdx")
    assert {name for (_, name) in got} >= RARE_ON_THE_GENERATED_COUNTY


def test_each_label_once_per_person_and_an_owner_from_elsewhere_is_marked(small):
    got = records(small, "SELECT id_number, label, count(*) AS n FROM labels.person_label GROUP BY ALL")
    assert all(r["n"] == 1 for r in got)
    outsider = {r["label"] for r in got if r["id_number"] == OUTSIDER}
    assert {"not_in_register", "owns_residence"} <= outsider
    assert (WANG_JIANGUO, "owns_residence") in person_labels(small)


def test_household_labels_and_the_profiles(small):
    hh = {(r["household_no"], r["label"]): r for r in records(small, "SELECT * FROM labels.household_label")}
    assert hh[("H1", "rural")]["value"] == V_RURAL and hh[("H1", "rural")]["as_of"] == date(2026, 3, 14)
    assert hh[("H1", "severe_disability_member")]["value"] == "2"
    assert hh[("H1", "dibao_household")]["value"] == "DB_RURAL"
    people = small.execute("SELECT count(*) FROM core.person").fetchone()[0]
    profile = {r["id_number"]: r for r in records(small, "SELECT * FROM labels.person_profile")}
    assert len(profile) == people
    assert profile[WANG_JIANGUO]["severe_disability"] == "一级" and profile[WANG_ZIHAN]["severe_disability"] is None
    person_columns = {lb.name for lb in catalogue() if lb.target == "person"}
    assert person_columns <= set(profile[WANG_JIANGUO])
    households = {r["household_no"]: r for r in records(small, "SELECT * FROM labels.household_profile")}
    assert set(households) == {"H1", "H2", "H9"} and households["H1"]["size"] == "4"
    assert households["H2"]["size"] == "0" and households["H2"]["lives_alone"] is None  # 孙德福 died
    rows = records(small, "SELECT * FROM labels.catalogue ORDER BY position")
    assert [r["name"] for r in rows] == [lb.name for lb in catalogue()]
    assert rows[0]["departments"].startswith("公安局、民政局")  # age: the ID number, whoever names the person


def test_comment_labels_puts_each_definition_on_its_column():
    con = small_county()
    comment_labels(con)
    columns = records(con, "SELECT table_name, column_name, comment FROM duckdb_columns() "
                           "WHERE schema_name = 'labels'")
    assert columns and all(c["comment"] for c in columns), [c for c in columns if not c["comment"]]
    comments = {(c["table_name"], c["column_name"]): c["comment"] for c in columns}
    names = by_name()
    assert comments[("person_profile", "severe_disability")] == names["severe_disability"].definition
    assert comments[("household_profile", "lives_alone")] == names["lives_alone"].definition
    tables = records(con, "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'labels'")
    assert len(tables) == 5 and all(t["comment"] for t in tables)
    assert set(label_comments()) == {f"labels.{t['table_name']}" for t in tables}


# --- a generated county after its first night -----------------------------------

@pytest.fixture(scope="module")
def county_warehouse(first_night):
    con = duckdb.connect(str(first_night / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def all_labels(con):
    return records(con, """
        SELECT 'person' AS target, id_number AS key, category, label, value, source_code, as_of, _file, _row
        FROM labels.person_label
        UNION ALL
        SELECT 'household', household_no, category, label, value, source_code, as_of, _file, _row
        FROM labels.household_label""")


def test_every_category_labels_real_people_of_the_county(county_warehouse):
    got = records(county_warehouse, """
        SELECT l.category, count(DISTINCT l.id_number) AS people
        FROM labels.person_label AS l
        JOIN core.person AS p ON p.id_number = l.id_number
        WHERE p.in_household_register
        GROUP BY l.category""")
    assert {r["category"] for r in got if r["people"] > 0} == set(CATEGORIES)


def test_every_catalogue_label_is_produced_on_the_county(county_warehouse):
    produced = {r["label"] for r in all_labels(county_warehouse)}
    missing = {lb.name for lb in catalogue()} - produced
    assert missing <= RARE_ON_THE_GENERATED_COUNTY, sorted(missing - RARE_ON_THE_GENERATED_COUNTY)
    assert produced <= {lb.name for lb in catalogue()}
    rows = county_warehouse.execute("SELECT count(*) FROM labels.catalogue").fetchone()[0]
    assert rows == len(catalogue())


def test_every_label_row_rests_on_a_staging_row_of_its_sources(county_warehouse):
    rows = all_labels(county_warehouse)
    names = by_name()
    assert all(r["as_of"] is not None and r["as_of"] <= RUN_DATE for r in rows), \
        [r["label"] for r in rows if r["as_of"] is None or r["as_of"] > RUN_DATE][:5]
    for source in sorted({r["source_code"] for r in rows}):
        cited = {(r["_file"], r["_row"]) for r in rows if r["source_code"] == source}
        present = set(county_warehouse.execute(
            f"SELECT _file, _row FROM staging.stg_{source}").fetchall())
        assert cited <= present, (source, sorted(cited - present)[:3])
    for r in rows:
        label = names[r["label"]]
        allowed = set(label.source) | (PERSON_SOURCES if "core.person" in label.sql else set())
        assert r["source_code"] in allowed, (r["label"], r["source_code"])


def _one(con, sql, params):
    found = records(con, sql, params)
    assert len(found) == 1, (sql, params, len(found))
    return found[0]


def _staging_and_lake(con, row):
    where = "WHERE _file = ? AND _row = ?"
    params = [row["_file"], row["_row"]]
    staged = _one(con, f"SELECT * FROM staging.stg_{row['source_code']} {where}", params)
    lake = _one(con, f"SELECT * FROM lake.{row['source_code']} {where}", params)
    assert staged["id_number"] == row["id_number"]
    assert lake["id_number"] == staged["id_number_raw"]  # the lake keeps the ID as delivered
    return staged, lake


def test_three_labels_lead_back_to_the_rows_that_made_them(county_warehouse):
    con = county_warehouse
    follow = {r["label"]: r for r in records(con, """
        SELECT * FROM labels.person_label
        WHERE label IN ('severe_disability', 'serious_illness', 'receives_dis_nursing')
        QUALIFY row_number() OVER (PARTITION BY label ORDER BY id_number) = 1""")}
    assert set(follow) == {"severe_disability", "serious_illness", "receives_dis_nursing"}

    sev = follow["severe_disability"]
    assert sev["source_code"] == "clh_cjr"
    staged, lake = _staging_and_lake(con, sev)
    assert staged["disability_grade"] == sev["value"] in ("一级", "二级")
    assert staged["cert_status"] == "有效" and staged["issue_date"] == sev["as_of"]
    assert lake["disability_grade"].strip() == sev["value"] and lake["cert_status"].strip() == "有效"

    ill = follow["serious_illness"]
    staged, lake = _staging_and_lake(con, ill)
    if ill["source_code"] == "wjw_mb":
        serious = con.execute("SELECT text_value FROM ref.parameter WHERE name = 'SERIOUS_ILLNESS'").fetchone()[0]
        assert staged["disease"] == ill["value"] and ill["value"] in serious.split("|")
        assert lake["disease"].strip() == ill["value"]
        assert staged["management_status"] not in ("结案", "死亡")
    else:
        assert ill["source_code"] == "ybj_js" and staged["is_critical_illness"] == "是"
        assert lake["is_critical_illness"].strip() == "是"

    paid = follow["receives_dis_nursing"]
    assert paid["source_code"] == "mzj_jzdx"
    staged, lake = _staging_and_lake(con, paid)
    assert staged["benefit_category"] == "重度残疾人护理补贴" == lake["benefit_category"].strip()
    assert f"{staged['monthly_amount']:.2f}" == paid["value"]


def test_the_profiles_hold_the_same_facts_wide(county_warehouse):
    con = county_warehouse
    assert con.execute("SELECT count(*) FROM labels.person_profile").fetchone()[0] == \
        con.execute("SELECT count(*) FROM core.person").fetchone()[0]
    assert con.execute("SELECT count(*) FROM labels.household_profile").fetchone()[0] == \
        con.execute("SELECT count(*) FROM core.household").fetchone()[0]
    for target in ("person", "household"):
        counts = dict(con.execute(f"SELECT label, count(*) FROM labels.{target}_label GROUP BY label").fetchall())
        wide = [lb.name for lb in catalogue() if lb.target == target]
        filled = con.execute(
            "SELECT " + ", ".join(f"count({n})" for n in wide) + f" FROM labels.{target}_profile").fetchone()
        assert dict(zip(wide, filled)) == {n: counts.get(n, 0) for n in wide}


def test_a_mistyped_catalogue_file_names_the_label(tmp_path):
    raw = {"labels": [copy.deepcopy(valid_entry()), valid_entry(name="lives_alone", category="social")]}
    import yaml

    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="label 'lives_alone': unknown category 'social'"):
        label_catalogue.load_catalogue(path)
