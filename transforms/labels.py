"""The label catalogue (sql/labels/catalogue.yaml) and the SQL models it generates.

One catalogue says what every label means (name, category, target,
definition in Chinese, the sources it rests on) and how it is computed (a
SELECT). From it this module writes the labels layer, so that a label is
defined in one place and its definition travels with the data:

- `labels.person_label` / `labels.household_label`: one row per (person or
  household, label), the UNION ALL of the catalogue's SELECTs, with category,
  label, value, as-of date and the source row (source_code, _file, _row);
- `labels.person_profile` / `labels.household_profile`: one row per person of
  core.person / household of core.household, one column per label (its value,
  NULL when the label does not hold), for analysts who want a wide table;
- `labels.catalogue`: the catalogue itself, so the warehouse documents itself.

The models are committed like the staging models of transforms.values: run
`python -m transforms.labels` after editing the catalogue; a test checks the
files and the catalogue agree. `comment_labels(con)` puts each definition on
its column once the layer is built (DuckDB drops comments with a replaced
table, so the flow calls it every night).
"""
from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
LABELS_DIR = REPO / "sql" / "labels"
CATALOGUE_FILE = LABELS_DIR / "catalogue.yaml"

# interfaces.md: the seven categories, in the order reports list them
CATEGORIES = ("demographic", "disability", "health", "economic", "employment", "education", "assistance")

# target -> (key column, the core table whose rows may carry the label)
TARGETS = {"person": ("id_number", "core.person"), "household": ("household_no", "core.household")}

FIELDS = ("name", "category", "target", "definition", "source", "sql")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# columns of the tables generated here: a label of that name would shadow one
RESERVED_NAMES = frozenset({"id_number", "household_no", "category", "label", "value", "source_code",
                            "as_of", "_file", "_row", "name", "target", "definition", "source",
                            "departments", "position"})


class CatalogueError(ValueError):
    """The catalogue cannot be used; the message names the label and the fault."""


@dataclass(frozen=True)
class Label:
    name: str
    category: str
    target: str
    definition: str
    source: tuple[str, ...]
    sql: str

    @property
    def key(self) -> str:
        return TARGETS[self.target][0]

    @property
    def cte(self) -> str:
        return f"label_{self.name}"


# --- loading and checking ------------------------------------------------------

def _known_sources() -> dict[str, str]:
    """source code -> department, from the contracts."""
    from sources.contracts import load_contracts

    return {code: c.department for code, c in load_contracts().items()}


def validate_catalogue(raw: Any, known_sources: dict[str, str] | None = None) -> list[Label]:
    """The labels of a parsed catalogue, or CatalogueError naming the first faulty label.

    Checked: each entry has exactly the fields of FIELDS; a snake_case name not
    used twice and not a column name of the generated tables; a category of
    the seven; a target person or household; a one-line definition; a
    non-empty list of known source codes; a SELECT (or WITH ... SELECT).
    """
    known = _known_sources() if known_sources is None else known_sources
    if not isinstance(raw, dict) or not isinstance(raw.get("labels"), list):
        raise CatalogueError("the catalogue must be a mapping with a list under 'labels'")
    labels: list[Label] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw["labels"], start=1):
        if not isinstance(entry, dict):
            raise CatalogueError(f"label #{i}: an entry must be a mapping of {', '.join(FIELDS)}")
        name = entry.get("name")
        who = f"label {name!r}" if isinstance(name, str) and name else f"label #{i}"
        missing = [f for f in FIELDS if entry.get(f) in (None, "", [])]
        if missing:
            raise CatalogueError(f"{who}: missing field {', '.join(repr(f) for f in missing)}")
        unknown = sorted(set(entry) - set(FIELDS))
        if unknown:
            raise CatalogueError(f"{who}: unknown field {', '.join(repr(f) for f in unknown)}")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise CatalogueError(f"{who}: name must be snake_case English (a-z, 0-9, _)")
        if name in RESERVED_NAMES:
            raise CatalogueError(f"{who}: name is a column of the label tables; choose another")
        if name in seen:
            raise CatalogueError(f"{who}: duplicate name (each label is defined once)")
        seen.add(name)
        if entry["category"] not in CATEGORIES:
            raise CatalogueError(f"{who}: unknown category {entry['category']!r}; one of {', '.join(CATEGORIES)}")
        if entry["target"] not in TARGETS:
            raise CatalogueError(f"{who}: unknown target {entry['target']!r}; person or household")
        definition = entry["definition"]
        if not isinstance(definition, str) or "\n" in definition.strip():
            raise CatalogueError(f"{who}: definition must be one line of text")
        source = entry["source"]
        if isinstance(source, str):
            source = [source]
        if not isinstance(source, list) or not all(isinstance(s, str) for s in source):
            raise CatalogueError(f"{who}: source must be a list of source codes")
        strangers = [s for s in source if s not in known]
        if strangers:
            raise CatalogueError(f"{who}: unknown source {', '.join(repr(s) for s in strangers)}")
        sql = entry["sql"]
        if not isinstance(sql, str) or not re.match(r"\s*(select|with)\b", sql, flags=re.IGNORECASE):
            raise CatalogueError(f"{who}: sql must be a SELECT (or WITH ... SELECT)")
        labels.append(Label(name=name, category=entry["category"], target=entry["target"],
                            definition=definition.strip(), source=tuple(source),
                            sql=sql.strip().rstrip(";").rstrip()))
    return labels


def load_catalogue(path: Path = CATALOGUE_FILE) -> list[Label]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name} is not valid YAML: {exc}") from exc
    return validate_catalogue(raw)


@lru_cache(maxsize=1)
def catalogue() -> tuple[Label, ...]:
    """The committed catalogue, loaded once per process."""
    return tuple(load_catalogue())


def labels_for(target: str, labels: tuple[Label, ...] | list[Label] | None = None) -> list[Label]:
    return [lb for lb in (catalogue() if labels is None else labels) if lb.target == target]


# --- SQL generation -------------------------------------------------------------

def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _indent(text: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


def _comment(text: str) -> str:
    return "\n".join("-- " + line for line in textwrap.wrap(text, width=76))


def _generated_note(table: str) -> str:
    return _comment(f"Generated from sql/labels/catalogue.yaml by `python -m transforms.labels`: edit the "
                    f"catalogue and regenerate rather than editing this file ({table}).")


def _category_summary(labels: list[Label]) -> str:
    lines = []
    for category in CATEGORIES:
        names = [lb.name for lb in labels if lb.category == category]
        if not names:
            continue
        text, line = "", f"--   {category:<12} "
        for n in names:
            piece = n if line.endswith(" ") else ", " + n
            if len(line) + len(piece) > 88:
                text += line.rstrip() + ",\n"
                line = "--   " + " " * 13 + n
            else:
                line += piece
        lines.append(text + line)
    return "\n".join(lines)


def _extract_dates_cte() -> str:
    """The extract date of every file in force, for facts that carry no date of their own."""
    from sources.contracts import load_contracts

    union = "\n    UNION ALL ".join(
        f"SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_{code}" for code in sorted(load_contracts()))
    return ("-- a fact without a date of its own dates from the extract that states it\n"
            f"extract_date AS (\n    {union}\n)")


def label_table_sql(target: str, labels: list[Label] | tuple[Label, ...] | None = None) -> str:
    """labels.person_label or labels.household_label, as committed.

    Each label's SELECT becomes a CTE; the CTEs are stacked with their
    category and name. The result keeps one row per (key, label): the latest
    as_of, then the earlier file and row, so that a label with several
    supporting records shows the newest one and the choice never depends on
    the run. A missing as_of falls back to the extract date of the file the
    row came from (its staging table); a missing value reads 是. Only keys of
    core.person / core.household are kept: the asset registers name people of
    other counties, who are not ours to label.
    """
    chosen = labels_for(target, labels)
    if not chosen:
        raise CatalogueError(f"the catalogue has no {target} label")
    key, base = TARGETS[target]
    table = f"labels.{target}_label"
    ctes = [
        "run AS (\n    SELECT max(run_date) AS run_date FROM ref.run\n)",
        "parameter AS (\n    SELECT name, value, text_value FROM ref.parameter\n)",
        _extract_dates_cte(),
    ]
    for lb in chosen:
        ctes.append(f"-- {lb.name}: {lb.definition}\n{lb.cte} AS (\n{_indent(lb.sql)}\n)")
    stack = "\n    UNION ALL\n".join(
        f"    SELECT {_sql_str(lb.category)} AS category, {_sql_str(lb.name)} AS label, {key},\n"
        f"           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,\n"
        f"           _file::VARCHAR AS _file, _row::INTEGER AS _row\n"
        f"    FROM {lb.cte}"
        for lb in chosen)
    ctes.append(f"labelled AS (\n{stack}\n)")
    ctes.append(f"""final AS (
    SELECT
        l.{key},
        l.category,
        l.label,
        coalesce(l.value, '是') AS value,
        l.source_code,
        coalesce(l.as_of, f._extract_date) AS as_of,
        l._file,
        l._row
    FROM labelled AS l
    LEFT JOIN extract_date AS f ON f._source = l.source_code AND f._file = l._file
    WHERE l.{key} IN (SELECT {key} FROM {base})
    QUALIFY row_number() OVER (
        PARTITION BY l.{key}, l.label
        ORDER BY l.as_of DESC NULLS LAST, l._file NULLS LAST, l._row NULLS LAST, l.value
    ) = 1
)""")
    about = (f"{table}: facts about a {target}, one row per ({target}, label), in the seven categories "
             "of interfaces.md. A label holds only while its fact holds on the run date; `value` is the "
             "detail a reader needs (age, grade, disease, amount, date), `as_of` the date the fact dates "
             "from, and source_code/_file/_row the source row it rests on.")
    header = f"""{_comment(about)}
{_generated_note(table)}
--
{_category_summary(chosen)}
"""
    return (header + "WITH " + ",\n\n".join(ctes)
            + "\n\nSELECT * FROM final\n")


def profile_table_sql(target: str, labels: list[Label] | tuple[Label, ...] | None = None) -> str:
    """labels.person_profile or labels.household_profile: one column per label."""
    chosen = labels_for(target, labels)
    key, base = TARGETS[target]
    table = f"labels.{target}_profile"
    names = textwrap.fill(", ".join(_sql_str(lb.name) for lb in chosen), width=96,
                          initial_indent=" " * 8, subsequent_indent=" " * 8, break_long_words=False).strip()
    columns = ",\n".join(f"    p.{lb.name}" for lb in chosen)
    about = (f"{table}: one row per {target} of {base}, one column per {target} label of the "
             f"catalogue holding the label's value, NULL when the label does not hold. The same facts as "
             f"labels.{target}_label, wide (each column carries its definition as a comment).")
    # PIVOT groups once by (key, label) and spreads the groups into columns: on a large county about
    # twice as fast as one `max(value) FILTER (WHERE label = ...)` per label over every label row.
    return f"""{_comment(about)}
{_generated_note(table)}
WITH label AS (
    SELECT {key}, label, value FROM labels.{target}_label
),

pivoted AS (
    PIVOT label
    ON label IN ({names})
    USING max(value)
    GROUP BY {key}
)

SELECT
    b.{key},
{columns}
FROM {base} AS b
LEFT JOIN pivoted AS p ON p.{key} = b.{key}
"""


def catalogue_rows(labels: list[Label] | tuple[Label, ...] | None = None,
                   departments: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The catalogue as rows of labels.catalogue, in catalogue order."""
    chosen = list(catalogue() if labels is None else labels)
    departments = _known_sources() if departments is None else departments
    return [{
        "position": i,
        "name": lb.name,
        "category": lb.category,
        "target": lb.target,
        "definition": lb.definition,
        "source": ", ".join(lb.source),
        "departments": "、".join(dict.fromkeys(departments.get(s, s) for s in lb.source)),
    } for i, lb in enumerate(chosen, start=1)]


def catalogue_table_sql(labels: list[Label] | tuple[Label, ...] | None = None) -> str:
    rows = catalogue_rows(labels)
    values = ",\n".join(
        f"    ({r['position']}, {_sql_str(r['name'])}, {_sql_str(r['category'])}, {_sql_str(r['target'])},\n"
        f"     {_sql_str(r['definition'])},\n"
        f"     {_sql_str(r['source'])}, {_sql_str(r['departments'])})"
        for r in rows)
    return f"""-- labels.catalogue: the label catalogue, one row per label: its name,
-- category, target (person or household), definition, the source codes it
-- rests on and their departments.
{_generated_note("labels.catalogue")}
SELECT *
FROM (VALUES
{values}
) AS catalogue(position, name, category, target, definition, source, departments)
ORDER BY position
"""


def generated_models(labels: list[Label] | tuple[Label, ...] | None = None) -> dict[str, str]:
    """file name -> SQL, for every file of sql/labels this module owns."""
    chosen = tuple(catalogue() if labels is None else labels)
    return {
        "person_label.sql": label_table_sql("person", chosen),
        "household_label.sql": label_table_sql("household", chosen),
        "person_profile.sql": profile_table_sql("person", chosen),
        "household_profile.sql": profile_table_sql("household", chosen),
        "catalogue.sql": catalogue_table_sql(chosen),
    }


def write_label_models(sql_dir: Path = LABELS_DIR) -> list[Path]:
    """(Re)write the generated files of sql/labels from the catalogue."""
    labels = tuple(load_catalogue())
    written = []
    for file_name, sql in generated_models(labels).items():
        path = sql_dir / file_name
        path.write_text(sql, encoding="utf-8")
        written.append(path)
    return written


# --- the data dictionary --------------------------------------------------------

LABEL_TABLE_COLUMNS = {
    "category": "label category: demographic, disability, health, economic, employment, education or assistance",
    "label": "label name (see labels.catalogue for its definition)",
    "value": "the detail of the fact as text (age, grade, disease, amount, date ...); 是 when there is none",
    "source_code": "source (sources.md code) of the row the label rests on",
    "as_of": "date the fact dates from (issue, admission, start date ...), else the extract date of its file",
    "_file": "delivered file of the row the label rests on",
    "_row": "row of that file as a clerk sees it (CSV line with header = 1, xlsx sheet row)",
}

TABLE_COMMENTS = {
    "labels.person_label": "One row per person and label in force on the run date (seven categories); "
                           "definitions in labels.catalogue.",
    "labels.household_label": "One row per household (户号) and label in force on the run date; "
                              "definitions in labels.catalogue.",
    "labels.person_profile": "One row per person of core.person, one column per person label: "
                             "its value, NULL when the label does not hold.",
    "labels.household_profile": "One row per household of core.household, one column per household "
                                "label: its value, NULL when the label does not hold.",
    "labels.catalogue": "The label catalogue (sql/labels/catalogue.yaml): one row per label.",
}

KEY_COMMENTS = {
    "id_number": "公民身份号码, normalised to 18 characters",
    "household_no": "户号 of the household register",
}


def label_comments(labels: list[Label] | tuple[Label, ...] | None = None) -> dict[str, dict[str, str]]:
    """{table: {column: comment}} for the tables of the labels layer; a profile's
    label column carries the label's definition."""
    chosen = tuple(catalogue() if labels is None else labels)
    out: dict[str, dict[str, str]] = {}
    for target, (key, _) in TARGETS.items():
        out[f"labels.{target}_label"] = {key: KEY_COMMENTS[key], **LABEL_TABLE_COLUMNS}
        out[f"labels.{target}_profile"] = {key: KEY_COMMENTS[key],
                                           **{lb.name: lb.definition for lb in labels_for(target, chosen)}}
    out["labels.catalogue"] = {
        "position": "order of the label in the catalogue",
        "name": "label name as it appears in labels.person_label / household_label and the profiles",
        "category": "one of the seven categories of interfaces.md",
        "target": "person (keyed by id_number) or household (keyed by household_no)",
        "definition": "what the label means, in one sentence",
        "source": "source codes (sources.md) the label rests on",
        "departments": "the departments delivering those sources",
    }
    return out


def comment_labels(con, labels: list[Label] | tuple[Label, ...] | None = None) -> int:
    """COMMENT ON every table and column of the labels layer; returns the comments set.

    Call after the labels layer is built (a replaced table loses its comments).
    """
    count = 0
    for table, comment in TABLE_COMMENTS.items():
        con.execute(f"COMMENT ON TABLE {table} IS {_sql_str(comment)}")
        count += 1
    for table, columns in label_comments(labels).items():
        for column, comment in columns.items():
            con.execute(f'COMMENT ON COLUMN {table}."{column}" IS {_sql_str(comment)}')
            count += 1
    return count


if __name__ == "__main__":
    for p in write_label_models():
        print(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p)
    sys.exit(0)
