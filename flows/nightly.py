"""The nightly flow: inbox -> lake -> staging -> core -> labels -> rules -> worklist -> exports.

Thin on purpose: every task calls one function of sources/ or transforms/ and
returns a small summary of counts. No task result holds personal data and none
is persisted; log lines carry counts and codes, never an ID number or a name.
"""
from __future__ import annotations

import shutil
import time
from datetime import date, datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE as NO_CACHE

from sources.home import Home
from transforms import build

TASK_OPTIONS = dict(cache_policy=NO_CACHE, persist_result=False)


def _home(home: str) -> Home:
    return Home(Path(home))


@task(name="prepare", **TASK_OPTIONS)
def prepare(home: str) -> str:
    return str(build.start_build(_home(home)))


@task(name="ingest", retries=1, retry_delay_seconds=5, **TASK_OPTIONS)
def ingest(home: str, run_date: date) -> dict:
    from sources.inbox import ingest_inbox

    h = _home(home)
    with build.connect_build(h) as con:
        summary = ingest_inbox(con, h, run_date)
    return summary.as_dict()


@task(name="transform", **TASK_OPTIONS)
def transform(home: str, run_date: date) -> dict:
    from sources.inbox import create_lake_views
    from transforms.identity import apply_links
    from transforms.labels import comment_labels
    from transforms.linkage import link_records
    from transforms.reference import load_reference
    from transforms.rules import run_rules
    from transforms.values import install_staging_macros
    from transforms.warehouse import run_layers

    h = _home(home)
    with build.connect_build(h) as con:
        load_reference(con, h, run_date)
        install_staging_macros(con)
        create_lake_views(con, h, run_date)
        counts = run_layers(con, ("staging",))
        # Records whose ID was unusable are linked to the register before any
        # core table counts them; confident links fill their staging ID.
        link_records(con)
        apply_links(con)
        # marts come after the worklist state moves (worklist task)
        counts.update(run_layers(con, ("core", "labels")))
        # the policy engine compiles policies/rules/*.yaml over the labels
        counts.update(run_rules(con))
        comment_labels(con)
        for table in ("core.person_link", "core.link_review"):
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        return counts


@task(name="feedback", retries=1, retry_delay_seconds=5, **TASK_OPTIONS)
def feedback(home: str, run_date: date) -> dict:
    """Returned worklists in inbox/feedback/ move their items' statuses (counts only returned)."""
    from transforms.feedback import apply_feedback

    h = _home(home)
    with build.connect_build(h) as con:
        return apply_feedback(con, h, run_date)


@task(name="worklist", **TASK_OPTIONS)
def worklist(home: str, run_date: date) -> dict:
    from transforms.worklist import update_worklist_state

    with build.connect_build(_home(home)) as con:
        return dict(update_worklist_state(con, run_date) or {})


@task(name="export", retries=1, retry_delay_seconds=5, **TASK_OPTIONS)
def export(home: str, run_date: date) -> dict:
    from transforms.exports import write_exports

    h = _home(home)
    final = h.exports(run_date.isoformat())
    staging_dir = final.with_name(final.name + ".tmp")
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir(parents=True)
    with build.connect_build(h) as con:
        result = write_exports(con, staging_dir, run_date)
    # Replace the night's folder whole: a rerun never leaves yesterday's files beside today's.
    if final.exists():
        shutil.rmtree(final)
    staging_dir.rename(final)
    return result


@task(name="publish", **TASK_OPTIONS)
def publish(home: str, run_date: date, started_at: str, stages: dict) -> dict:
    from transforms.analytics import publish_analytics, record_run

    h = _home(home)
    with build.connect_build(h) as con:
        run = record_run(con, run_date, started_at, stages)
    build.finish_build(h)
    publish_analytics(h)
    return run


@task(name="report", **TASK_OPTIONS)
def report(home: str, run_date: date) -> str:
    from prefect.artifacts import create_markdown_artifact

    from transforms.report import write_report

    path, markdown = write_report(_home(home), run_date)
    create_markdown_artifact(markdown=markdown, key="datapool-run-report",
                             description=f"datapool run {run_date.isoformat()}")
    return str(path)


@flow(name="datapool-nightly", persist_result=False, log_prints=False)
def nightly_flow(home: str, run_date: date | None = None) -> dict:
    """One night on `home`; a scheduled run (no run date) takes today's date."""
    return run_night_stages(home, run_date or date.today(), get_run_logger())


def run_night_stages(home: str, run_date: date, logger, plain: bool = False) -> dict:
    """The night's stages in order: the body of `nightly_flow`, and of each county's
    task in the city flow (flows/city.py), where `plain` calls each stage's function
    (`task.fn`) inside that one task instead of as a task run of its own."""
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    stages: dict[str, dict] = {}
    timings: dict[str, float] = {}

    def timed(name, fn, *args):
        t0 = time.perf_counter()
        out = (fn.fn if plain else fn)(*args)
        timings[name] = round(time.perf_counter() - t0, 3)
        logger.info("stage %s finished in %.1f s", name, timings[name])
        return out

    timed("prepare", prepare, home)
    stages["ingest"] = timed("ingest", ingest, home, run_date)
    stages["transform"] = timed("transform", transform, home, run_date)
    stages["feedback"] = timed("feedback", feedback, home, run_date)
    stages["worklist"] = timed("worklist", worklist, home, run_date)
    stages["export"] = timed("export", export, home, run_date)
    stages["timings"] = timings
    stages["run"] = timed("publish", publish, home, run_date, started_at, stages)
    # The night is published by now: a report that cannot be written is a warning,
    # not a failed night (the worklists have already gone out).
    try:
        stages["report"] = timed("report", report, home, run_date)
    except Exception as exc:  # noqa: BLE001 - any report failure, named by type only
        logger.warning("run report not written (%s); the night is published", type(exc).__name__)
        stages["report"] = None
    return stages
