"""The run report: one self-contained HTML page, and the same summary in Markdown.

Counts, codes and file names only: no ID number, name, phone or address ever
reaches a report. Charts are inline SVG and the page loads nothing (no script,
no font, no image from anywhere), so it opens on an air-gapped PC. Free text
that comes from a delivery (a quarantine reason, a drifted header) has long
digit runs withheld, and the "headers" of a quarantined file are counted, not
shown: a file without its header row would offer a person's data as headers.
"""
from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import duckdb

from sources.home import Home

KIND_LABELS = {"discover": "主动发现", "review": "待复核", "warning": "风险预警", "yellow": "黄灯提示"}
KIND_COLOURS = {"discover": "#2b7bb9", "review": "#d9534f", "warning": "#f0ad4e", "yellow": "#c9b400"}
KINDS = {k: (KIND_LABELS[k], KIND_COLOURS[k]) for k in KIND_LABELS}
DELIVERY_SERIES = {"previous": ("previous delivery", "#b8c4d0"), "tonight": ("tonight", "#2b7bb9")}
PALETTE = ("#d9534f", "#f0ad4e", "#8e6bb8", "#5cb85c", "#2b7bb9", "#c9b400", "#777777")
OPEN_STATUSES = ("new", "dispatched")
SHRINK_WARNING = 0.8  # a snapshot with fewer than 80% of the previous delivery's rows is flagged

_LONG_NUMBER_RE = re.compile(r"\d{11,}[\dXx]?")  # phones (11), ID numbers (15/18); dates are 8


def query_rows(con, sql: str, params=()) -> list[tuple]:
    """Rows of a query, or none when its table does not exist yet (a home before its first night)."""
    try:
        return con.execute(sql, list(params)).fetchall()
    except duckdb.CatalogException:
        return []


def withhold_numbers(text: str | None) -> str:
    """Free text from a delivery, with any run of 11+ digits (a phone, an ID number) withheld."""
    return _LONG_NUMBER_RE.sub("[number withheld]", text or "")


def drift_headers(json_list: str | None, accepted: bool | None) -> str:
    """Drifted headers as shown in a report: counted only for a quarantined file."""
    headers = json.loads(json_list) if json_list else []
    if not headers:
        return ""
    if accepted is False:
        return f"{len(headers)} not shown (file quarantined: its first row may be data)"
    return ", ".join(withhold_numbers(str(h)) for h in headers)


def _contracts() -> dict:
    from sources.contracts import load_contracts

    return load_contracts()


def gather(home: Home, run_date: date) -> dict:
    """Everything the report shows, as plain Python values (counts, codes, file names)."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        deliveries = query_rows(con, """
            SELECT source_code, file_name, extract_date, rows, rows_rejected, accepted, coalesce(reason, '')
            FROM meta.delivery WHERE run_date = ? ORDER BY source_code, extract_date, file_name""", [run_date])
        drift = query_rows(con, """
            SELECT source_code, file_name, accepted, renamed_headers, unknown_headers, missing_columns
            FROM meta.delivery WHERE run_date = ?
              AND (coalesce(unknown_headers, '[]') <> '[]' OR coalesce(missing_columns, '[]') <> '[]'
                   OR coalesce(renamed_headers, '[]') <> '[]')
            ORDER BY source_code, file_name""", [run_date])
        previous = {r[0]: r[1:] for r in query_rows(con, """
            SELECT source_code, arg_max(rows, extract_date), max(extract_date), max(run_date) FROM meta.delivery
            WHERE run_date < ? AND accepted GROUP BY source_code""", [run_date])}
        in_force = dict(query_rows(con, """
            SELECT source_code, max(extract_date) FROM meta.delivery
            WHERE run_date <= ? AND accepted GROUP BY source_code""", [run_date]))
        rejects = query_rows(con, """
            SELECT source_code, value_kind, count(*) FROM meta.reject WHERE run_date = ?
            GROUP BY ALL ORDER BY source_code, value_kind""", [run_date])
        items = query_rows(con, f"""
            SELECT w.township_code, coalesce(d.name, w.township_code), w.kind,
                   count(*) FILTER (WHERE s.dispatched_on = r.run_date),
                   count(*) FILTER (WHERE s.status IN {OPEN_STATUSES}),
                   count(*) FILTER (WHERE s.status IN {OPEN_STATUSES} AND w.overdue)
            FROM marts.worklist w CROSS JOIN ref.run r
            LEFT JOIN meta.worklist_state s USING (item_id)
            LEFT JOIN ref.division d ON d.code = w.township_code
            GROUP BY ALL ORDER BY 1, 3""")
        rules = query_rows(con, """
            SELECT kind, rule_code, coalesce(policy_code, ''), count(*) FROM marts.worklist
            GROUP BY ALL ORDER BY 1, 2, 3""")
        expectations = query_rows(con, """
            SELECT source_code, file_name, expectation, coalesce(column_name, ''),
                   CASE WHEN success THEN 'pass' ELSE 'FAIL' END,
                   coalesce(CAST(round(unexpected_percent, 2) AS VARCHAR), '')
            FROM meta.expectation_result WHERE run_date = ?
            ORDER BY success, source_code, file_name, expectation, column_name""", [run_date])
        run = query_rows(con, """
            SELECT started_at, finished_at, status, stages, sources_ok, sources_failed, items_new, items_open
            FROM meta.run WHERE run_date = ?""", [run_date])
    stale, stale_codes, repeats, feedback, warnings = [], [], [], {}, []
    if run and run[0][3]:  # the night's stage summaries, recorded in meta.run
        stages = json.loads(run[0][3])
        ingest = stages.get("ingest", {})
        repeats = [(code, v["duplicate"]) for code, v in sorted(ingest.get("sources", {}).items())
                   if v.get("duplicate")]
        stale_since = ingest.get("stale_since", {})
        stale = [f"{code} (newest {newest or 'never'})" for code, newest in sorted(stale_since.items())]
        stale_codes = sorted(stale_since)
        if isinstance(stages.get("feedback"), dict):
            feedback = {k: v for k, v in stages["feedback"].items() if isinstance(v, int)}
        # due dates counted through a year no holiday notice confirms; codes missing from divisions
        for stage in ("worklist", "export"):
            if isinstance(stages.get(stage), dict):
                warnings += [w for w in stages[stage].get("warnings") or [] if w not in warnings]
    return dict(run_date=run_date, deliveries=deliveries, drift=drift, repeats=repeats, previous=previous,
                in_force=in_force, rejects=rejects, items=items, rules=rules, expectations=expectations,
                run=run[0] if run else None, stale=stale, stale_codes=stale_codes, feedback=feedback,
                warnings=warnings)


# --- what the page and the artifact show, computed once ---------------------------------


def source_summary(data: dict) -> list[dict]:
    """One row per source of the contracts: tonight's delivery against the previous one."""
    tonight: dict[str, dict] = {}
    for s, f, e, rows, rejected, accepted, reason in data["deliveries"]:
        t = tonight.setdefault(s, dict(files=0, rows=0, rejected=0, accepted=0, quarantined=0, duplicate=0))
        t["files"] += 1
        if accepted:
            t["accepted"] += 1
            t["rows"] += rows or 0
            t["rejected"] += rejected or 0
        elif accepted is False:
            t["quarantined"] += 1
        else:
            t["duplicate"] += 1
    codes = list(_contracts()) + sorted(set(tonight) - set(_contracts()))
    out = []
    for code in codes:
        contract = _contracts().get(code)
        t = tonight.get(code)
        prev_rows, prev_extract, _ = data["previous"].get(code, (None, None, None))
        if t is None:
            status = "nothing delivered"
        elif t["accepted"]:
            status = "accepted"
        elif t["quarantined"]:
            status = "quarantined"
        else:
            status = "repeated file only"
        rows = t["rows"] if t and t["accepted"] else None
        change, note = "", ""
        if rows is not None and contract is not None and contract.mode == "increment":
            note = f"increment: {rows} rows added"
        elif rows is not None and prev_rows is not None:
            change = f"{rows - prev_rows:+d}"
            if prev_rows and rows < SHRINK_WARNING * prev_rows:
                note = f"{100 * (prev_rows - rows) / prev_rows:.0f}% fewer rows than the previous snapshot"
        if t and t["quarantined"]:
            note = (note + "; " if note else "") + f"{t['quarantined']} file(s) quarantined"
        if code in data["stale_codes"]:
            note = (note + "; " if note else "") + "stale"
        out.append(dict(source=code, department=contract.department if contract else "",
                        mode=contract.mode if contract else "", status=status,
                        files=t["files"] if t else 0, rows=rows, rejected=t["rejected"] if t and t["accepted"] else None,
                        previous_rows=prev_rows, previous_extract=prev_extract, change=change,
                        in_force=data["in_force"].get(code), note=note))
    return out


def quarantined(data: dict) -> list[tuple]:
    return [(s, f, withhold_numbers(reason)) for s, f, e, r, rj, a, reason in data["deliveries"] if a is False]


def quality_summary(data: dict) -> list[tuple]:
    """Per source tonight: expectations checked and failed, rows read and rejected."""
    checks: dict[str, list[int]] = {}
    for s, f, expectation, column, success, pct in data["expectations"]:
        c = checks.setdefault(s, [0, 0])
        c[0] += 1
        c[1] += success == "FAIL"
    rows: dict[str, list[int]] = {}
    for s, f, e, n, rejected, accepted, reason in data["deliveries"]:
        if accepted:
            r = rows.setdefault(s, [0, 0])
            r[0] += n or 0
            r[1] += rejected or 0
    out = []
    for code in sorted(set(checks) | set(rows)):
        n, rejected = rows.get(code, [0, 0])
        checked, failed = checks.get(code, [0, 0])
        out.append((code, checked, failed, n, rejected, f"{100 * rejected / n:.2f}" if n else ""))
    return out


def worklist_by_township(data: dict) -> list[tuple]:
    """township, name, then new and open per kind, open total, overdue."""
    table: dict[tuple[str, str], dict[str, list[int]]] = {}
    for code, name, kind, n_new, n_open, n_overdue in data["items"]:
        table.setdefault((code, name), {})[kind] = [n_new, n_open, n_overdue]
    out = []
    for (code, name), kinds in table.items():
        row = [code, name]
        for kind in KIND_LABELS:
            n_new, n_open, _ = kinds.get(kind, [0, 0, 0])
            row.append(f"{n_new} / {n_open}")
        row += [sum(v[1] for v in kinds.values()), sum(v[2] for v in kinds.values())]
        out.append(tuple(row))
    return out


def headline(data: dict) -> list[tuple[str, str]]:
    run = data["run"]
    sources = source_summary(data)
    n_new = sum(r[3] for r in data["items"])
    n_open = sum(r[4] for r in data["items"])
    n_overdue = sum(r[5] for r in data["items"])
    out = [
        ("run", f"{run[2]}, {run[0]} → {run[1]} (UTC)" if run else "not recorded"),
        ("sources", f"{run[4]} ok, {run[5]} failed or stale" if run else ""),
        ("files tonight", f"{sum(s['files'] for s in sources)} "
                          f"({sum(1 for s in sources if s['status'] == 'accepted')} sources accepted, "
                          f"{len(quarantined(data))} files quarantined, {sum(n for _, n in data['repeats'])} repeated)"),
        ("rows read", f"{sum(s['rows'] or 0 for s in sources):,} ({sum(s['rejected'] or 0 for s in sources):,} rejected)"),
        ("worklist", f"{n_new} new tonight, {n_open} open, {n_overdue} overdue"),
        ("stale sources", ", ".join(data["stale"]) or "none"),
    ]
    if data["feedback"]:
        out.append(("feedback", ", ".join(f"{k} {v}" for k, v in sorted(data["feedback"].items()))))
    if data.get("warnings"):
        out.append(("warnings", "; ".join(data["warnings"])))
    return out


# --- charts -----------------------------------------------------------------------------


def _text_width(text: str, size: int = 11) -> float:
    """Rough width of a label in pixels: a CJK character is square, a Latin one about half of it."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def bars_svg(series: dict[str, dict[str, int]], keys: dict[str, tuple[str, str]], title: str,
             stacked: bool = True) -> str:
    """Horizontal bars, one per label: stacked by key, or one thin bar per key side by side.

    keys: key -> (legend text, colour). Inline SVG, text in the page's font.
    """
    labels = list(series)
    if not labels:
        return f'<p class="muted">{html.escape(title)}: none</p>'
    width, left, top = 720, 150, 28
    bar_h = 18 if stacked else 9 * len(keys)
    gap = 6
    height = top + len(labels) * (bar_h + gap) + 30
    if stacked:
        biggest = max(sum(v.values()) for v in series.values()) or 1
    else:
        biggest = max((n for v in series.values() for n in v.values()), default=0) or 1
    scale = (width - left - 70) / biggest
    # No xmlns: inline SVG in HTML needs none, and the page then names no URL at all.
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             f'aria-label="{html.escape(title)}">',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    for i, label in enumerate(labels):
        y = top + i * (bar_h + gap)
        parts.append(f'<text x="{left - 6}" y="{y + bar_h / 2 + 4:.0f}" font-size="12" text-anchor="end">'
                     f'{html.escape(label)}</text>')
        x = left
        for j, (key, (text, colour)) in enumerate(keys.items()):
            n = series[label].get(key, 0)
            if not n:
                continue
            w = max(n * scale, 1)
            if stacked:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                             f'<title>{html.escape(text)} {n}</title></rect>')
                x += w
            else:
                by = y + j * (bar_h / len(keys))
                parts.append(f'<rect x="{left}" y="{by:.1f}" width="{w:.1f}" height="{bar_h / len(keys) - 1:.1f}" '
                             f'fill="{colour}"><title>{html.escape(text)} {n}</title></rect>'
                             f'<text x="{left + w + 4:.1f}" y="{by + 8:.1f}" font-size="9">{n}</text>')
        if stacked:
            parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="11">{sum(series[label].values())}</text>')
    ly, lx = height - 10, left
    for text, colour in keys.values():
        parts.append(f'<rect x="{lx:.0f}" y="{ly - 10}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{lx + 14:.0f}" y="{ly}" font-size="11">{html.escape(text)}</text>')
        lx += 34 + _text_width(text)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_svg(series: dict[str, dict[str, int]], title: str) -> str:
    """Worklist items per label, stacked by kind."""
    return bars_svg(series, KINDS, title)


# --- the page ---------------------------------------------------------------------------


def _table(headers: list[str], rows: list[tuple], numeric_from: int | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)

    def cell(i, c):
        cls = ' class="n"' if numeric_from is not None and i >= numeric_from else ""
        return f"<td{cls}>{html.escape('' if c is None else str(c))}</td>"

    body = "".join("<tr>" + "".join(cell(i, c) for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td colspan=99>none</td></tr>'}</tbody></table>"


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>{body}</details>"


STYLE = """
body{font-family:system-ui,"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}
td{white-space:nowrap}
th{background:#f3f3f3;text-align:left}td.n{text-align:right}.muted{color:#888}h2{margin-top:1.6em}
dl.kpi{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dl.kpi dt{font-weight:bold}dl.kpi dd{margin:0}
details{margin:0.3em 0 1em}summary{cursor:pointer;color:#2b5f8a}
"""


def render_html(data: dict) -> str:
    d = data["run_date"].isoformat()
    status_word = {True: "accepted", False: "quarantined", None: "repeated file"}
    sources = source_summary(data)
    deliveries = [(s, f, e, r, rj, status_word[a], withhold_numbers(reason),
                   "" if s not in data["previous"] or r is None or not a else f"{r - data['previous'][s][0]:+d}")
                  for s, f, e, r, rj, a, reason in data["deliveries"]]
    new_by_township: dict[str, dict[str, int]] = {}
    open_by_township: dict[str, dict[str, int]] = {}
    for code, name, kind, n_new, n_open, _ in data["items"]:
        new_by_township.setdefault(name, {})[kind] = n_new
        open_by_township.setdefault(name, {})[kind] = n_open
    new_by_township = {k: v for k, v in new_by_township.items() if sum(v.values())}
    open_by_township = {k: v for k, v in open_by_township.items() if sum(v.values())}
    # An increment adds rows: only a snapshot is compared with the previous delivery's size.
    delivered = {s["source"]: {"previous": (s["previous_rows"] or 0) if s["mode"] == "snapshot" else 0,
                               "tonight": s["rows"] or 0}
                 for s in sources if s["rows"] is not None}
    kinds = sorted({k for _, k, _ in data["rejects"]})
    reject_keys = {k: (k, PALETTE[i % len(PALETTE)]) for i, k in enumerate(kinds)}
    rejected: dict[str, dict[str, int]] = {}
    for s, kind, n in data["rejects"]:
        rejected.setdefault(s, {})[kind] = n
    failed = [e for e in data["expectations"] if e[4] == "FAIL"]
    kpi = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in headline(data))
    drift = [(s, f, drift_headers(renamed, a), drift_headers(unknown, a), ", ".join(json.loads(missing or "[]")))
             for s, f, a, renamed, unknown, missing in data["drift"]]
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>datapool run report {d}</title>
<style>{STYLE}</style></head><body>
<h1>datapool 夜间运行报告 · run report {d}</h1>
<p>Stale sources (no delivery within their maximum age): <b>{html.escape(", ".join(data["stale"]) or "none")}</b></p>
<dl class="kpi">{kpi}</dl>
<h2>Worklist: new and open items by township and kind</h2>
{bar_chart_svg(new_by_township, "New items tonight by township")}
{bar_chart_svg(open_by_township, "Open items by township")}
{_table(["township", "name"] + [f"{v} new / open" for v in KIND_LABELS.values()] + ["open", "overdue"],
        worklist_by_township(data), numeric_from=2)}
{_details("Items by rule", _table(["kind", "rule", "policy", "items"], data["rules"], numeric_from=3))}
<h2>Deliveries: each source against its previous delivery</h2>
{bars_svg(delivered, DELIVERY_SERIES, "Rows delivered tonight against the previous delivery", stacked=False)}
{_table(["source", "department", "mode", "tonight", "files", "rows", "rejected rows", "previous extract",
         "previous rows", "change", "in force since", "note"],
        [(s["source"], s["department"], s["mode"], s["status"], s["files"], s["rows"], s["rejected"],
          s["previous_extract"], s["previous_rows"], s["change"], s["in_force"], s["note"]) for s in sources])}
{_details("Files read tonight", _table(["source", "file", "extract date", "rows", "rejected rows", "status",
                                         "reason", "rows vs previous"], deliveries))}
<h2>Quarantined</h2>
{_table(["source", "file", "reason"], quarantined(data))}
<h2>Repeated files (same bytes as a delivery already taken; not ingested again)</h2>
{_table(["source", "files"], data["repeats"])}
<h2>Schema drift (renamed headers, headers nobody asked for, columns missing)</h2>
{_table(["source", "file", "renamed headers", "unknown headers", "missing columns"], drift)}
<h2>Data quality</h2>
{bars_svg(rejected, reject_keys, "Rejected values tonight by source and kind")}
{_table(["source", "expectations checked", "failed", "rows read", "rows rejected", "rejected %"],
        quality_summary(data), numeric_from=1)}
<h3>Rejected values</h3>
{_table(["source", "kind", "rows"], data["rejects"], numeric_from=2)}
<h3>Expectations not met</h3>
{_table(["source", "file", "expectation", "column", "success", "unexpected %"], failed)}
{_details(f"All {len(data['expectations'])} expectations checked tonight",
          _table(["source", "file", "expectation", "column", "success", "unexpected %"], data["expectations"]))}
</body></html>
"""


def _md_table(headers: list[str], rows: list[tuple]) -> list[str]:
    def cell(c):
        return "" if c is None else str(c).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    if not rows:
        lines.append("| none |" + " |" * (len(headers) - 1))
    return lines


def render_markdown(data: dict) -> str:
    """The report's summary for the Prefect UI artifact: the same sections, without the charts."""
    sources = source_summary(data)
    lines = [f"# datapool run {data['run_date'].isoformat()}", ""]
    lines += [f"- **{k}**: {v}" for k, v in headline(data)]
    lines += ["", "## Worklist: new / open items by township and kind", ""]
    lines += _md_table(["township", "name"] + list(KIND_LABELS.values()) + ["open", "overdue"],
                       worklist_by_township(data))
    lines += ["", "## Deliveries against the previous delivery", ""]
    lines += _md_table(["source", "tonight", "rows", "previous rows", "change", "in force since", "note"],
                       [(s["source"], s["status"], s["rows"], s["previous_rows"], s["change"], s["in_force"],
                         s["note"]) for s in sources])
    lines += ["", "## Quarantined", ""]
    lines += _md_table(["source", "file", "reason"], quarantined(data))
    lines += ["", "## Data quality", ""]
    lines += _md_table(["source", "expectations", "failed", "rows read", "rows rejected", "rejected %"],
                       quality_summary(data))
    lines += ["", "## Items by rule", ""]
    lines += _md_table(["kind", "rule", "policy", "items"], data["rules"])
    return "\n".join(lines) + "\n"


def write_report(home: Home, run_date: date) -> tuple[Path, str]:
    data = gather(home, run_date)
    path = home.report(run_date.isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(data), encoding="utf-8")
    tmp.replace(path)
    return path, render_markdown(data)
