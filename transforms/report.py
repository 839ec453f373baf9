"""The run report: one self-contained HTML page, and the same summary in Markdown.

Counts, codes and file names only: no ID number, name, phone or address ever
reaches a report. Charts are inline SVG so the page opens on an air-gapped PC.
"""
from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import duckdb

from sources.home import Home

KIND_LABELS = {"discover": "主动发现", "review": "待复核", "warning": "风险预警", "yellow": "黄灯提示"}
KIND_COLOURS = {"discover": "#2b7bb9", "review": "#d9534f", "warning": "#f0ad4e", "yellow": "#c9b400"}


def query_rows(con, sql: str, params=()) -> list[tuple]:
    """Rows of a query, or none when its table does not exist yet (a home before its first night)."""
    try:
        return con.execute(sql, list(params)).fetchall()
    except duckdb.CatalogException:
        return []


def gather(home: Home, run_date: date) -> dict:
    """Everything the report shows, as plain Python values."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        deliveries = query_rows(con, """
            SELECT source_code, file_name, extract_date, rows, rows_rejected, accepted, coalesce(reason, '')
            FROM meta.delivery WHERE run_date = ? ORDER BY source_code, extract_date, file_name""", [run_date])
        drift = query_rows(con, """
            SELECT source_code, file_name, coalesce(renamed_headers, ''), coalesce(unknown_headers, ''),
                   coalesce(missing_columns, '')
            FROM meta.delivery WHERE run_date = ?
              AND (coalesce(unknown_headers, '[]') <> '[]' OR coalesce(missing_columns, '[]') <> '[]'
                   OR coalesce(renamed_headers, '[]') <> '[]')
            ORDER BY source_code, file_name""", [run_date])
        previous_rows = dict(query_rows(con, """
            SELECT source_code, arg_max(rows, extract_date) FROM meta.delivery
            WHERE run_date < ? AND accepted GROUP BY source_code""", [run_date]))
        rejects = query_rows(con, """
            SELECT source_code, value_kind, count(*) FROM meta.reject WHERE run_date = ?
            GROUP BY ALL ORDER BY source_code, value_kind""", [run_date])
        items = query_rows(con, """
            SELECT w.township_code, coalesce(d.name, w.township_code), w.kind,
                   count(*) FILTER (WHERE s.dispatched_on = r.run_date),
                   count(*) FILTER (WHERE s.status IN ('new', 'dispatched'))
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
            ORDER BY source_code, file_name, success, expectation, column_name""", [run_date])
        run = query_rows(con, "SELECT started_at, finished_at, status, stages FROM meta.run WHERE run_date = ?",
                    [run_date])
        stale, repeats = [], []
        if run and run[0][3]:  # the night's ingest summary, recorded in meta.run
            ingest = json.loads(run[0][3]).get("ingest", {})
            repeats = [(code, v["duplicate"]) for code, v in sorted(ingest.get("sources", {}).items())
                       if v.get("duplicate")]
            stale_since = ingest.get("stale_since", {})
            stale = [(f"{code} (newest {newest or 'never'})",) for code, newest in sorted(stale_since.items())]
    return dict(run_date=run_date, deliveries=deliveries, drift=drift, repeats=repeats, previous_rows=previous_rows, rejects=rejects,
                items=items, rules=rules, expectations=expectations, run=run[0] if run else None,
                stale=[s[0] for s in stale])


def bar_chart_svg(series: dict[str, dict[str, int]], title: str) -> str:
    """Horizontal stacked bars: one bar per label, one colour per kind."""
    labels = list(series)
    if not labels:
        return f'<p class="muted">{html.escape(title)}: none</p>'
    width, bar_h, gap, left = 640, 18, 6, 130
    top = 28
    height = top + len(labels) * (bar_h + gap) + 30
    biggest = max(sum(v.values()) for v in series.values()) or 1
    scale = (width - left - 60) / biggest
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{html.escape(title)}">',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    for i, label in enumerate(labels):
        y = top + i * (bar_h + gap)
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="12" text-anchor="end">{html.escape(label)}</text>')
        x = left
        for kind, colour in KIND_COLOURS.items():
            n = series[label].get(kind, 0)
            if n:
                w = max(n * scale, 1)
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                             f'<title>{KIND_LABELS[kind]} {n}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="11">{sum(series[label].values())}</text>')
    ly = height - 10
    for j, (kind, colour) in enumerate(KIND_COLOURS.items()):
        parts.append(f'<rect x="{left + j * 110}" y="{ly - 10}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + j * 110 + 14}" y="{ly}" font-size="11">{KIND_LABELS[kind]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td colspan=99>none</td></tr>'}</tbody></table>"


def render_html(data: dict) -> str:
    d = data["run_date"].isoformat()
    status_word = {True: "accepted", False: "quarantined", None: "duplicate"}
    deliveries = [(s, f, e, r, rj, status_word[a], reason,
                   "" if s not in data["previous_rows"] or r is None else f"{r - data['previous_rows'][s]:+d}")
                  for s, f, e, r, rj, a, reason in data["deliveries"]]
    quarantined = [(s, f, reason) for s, f, e, r, rj, a, reason in data["deliveries"] if a is False]
    new_by_township: dict[str, dict[str, int]] = {}
    open_by_township: dict[str, dict[str, int]] = {}
    for code, name, kind, n_new, n_open in data["items"]:
        new_by_township.setdefault(name, {})[kind] = n_new
        open_by_township.setdefault(name, {})[kind] = n_open
    new_by_township = {k: v for k, v in new_by_township.items() if sum(v.values())}
    item_rows = [(code, name, KIND_LABELS.get(kind, kind), n_new, n_open)
                 for code, name, kind, n_new, n_open in data["items"]]
    stale = ", ".join(data["stale"]) or "none"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>datapool run report {d}</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2em;max-width:1000px;color:#222}}
table{{border-collapse:collapse;margin:0.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px}}
th{{background:#f3f3f3}}.muted{{color:#888}}h2{{margin-top:1.6em}}
</style></head><body>
<h1>datapool 夜间运行报告 · run report {d}</h1>
<p>Stale sources (no delivery within their maximum age): <b>{html.escape(stale)}</b></p>
<h2>Worklist</h2>
{bar_chart_svg(new_by_township, "New items tonight by township")}
{bar_chart_svg(open_by_township, "Open items by township")}
{_table(["township", "name", "kind", "new tonight", "open"], item_rows)}
<h2>Items by rule</h2>
{_table(["kind", "rule", "policy", "items"], data["rules"])}
<h2>Deliveries tonight</h2>
{_table(["source", "file", "extract date", "rows", "rejected rows", "status", "reason", "rows vs previous"], deliveries)}
<h2>Repeated files (same bytes as a delivery already taken; not ingested again)</h2>
{_table(["source", "files"], data["repeats"])}
<h2>Schema drift (renamed headers, headers nobody asked for, columns missing)</h2>
{_table(["source", "file", "renamed headers", "unknown headers", "missing columns"], data["drift"])}
<h2>Quarantined</h2>
{_table(["source", "file", "reason"], quarantined)}
<h2>Data quality: rejected values</h2>
{_table(["source", "kind", "rows"], data["rejects"])}
<h2>Data quality: expectations</h2>
{_table(["source", "file", "expectation", "column", "success", "unexpected %"], data.get("expectations", []))}
</body></html>
"""


def render_markdown(data: dict) -> str:
    lines = [f"# datapool run {data['run_date'].isoformat()}", "",
             f"Stale sources: {', '.join(data['stale']) or 'none'}", "",
             "| kind | rule | policy | items |", "|---|---|---|---|"]
    lines += [f"| {k} | {r} | {p} | {n} |" for k, r, p, n in data["rules"]]
    quarantined = [(s, f, reason) for s, f, e, r, rj, a, reason in data["deliveries"] if a is False]
    lines += ["", "| quarantined file | reason |", "|---|---|"]
    lines += [f"| {f} | {reason} |" for s, f, reason in quarantined] or ["| none | |"]
    return "\n".join(lines)


def write_report(home: Home, run_date: date) -> tuple[Path, str]:
    data = gather(home, run_date)
    path = home.report(run_date.isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(data), encoding="utf-8")
    tmp.replace(path)
    return path, render_markdown(data)
