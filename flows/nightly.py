"""The nightly flow: inbox -> lake -> staging -> core -> labels -> rules -> worklist -> exports.

Thin on purpose: every task calls one function of sources/ or transforms/ and
returns a small summary of counts. No task result holds personal data and none
is persisted; log lines carry counts and codes, never an ID number or a name.
Tasks that move files (ingest, feedback, export, publish, housekeeping) retry
once; a retry repeats the stage from its start, which each of them allows.

Safe to repeat and safe to kill. Everything a night decides is written into
`warehouse.duckdb.building` (a copy of last night's `meta`) and becomes true
only when `publish` renames it over `warehouse.duckdb`. Files leave the inbox
during ingest and feedback, but to `archive/` and `quarantine/`, where a
night that dies before publishing finds them again (unknown to the published
meta) and decides them again; exports are written beside their folder and
renamed in; the analysts' copy is built beside itself and renamed in; what
retention removes is removed only after publishing (transforms/housekeeping.py).
Rerunning a night therefore gives the same warehouse rows, worklist and
export bytes as running it once, whether or not a run died before.

Test hook: `DATAPOOL_FAULT=<point>` (one of `FAULT_POINTS`: a stage name, or
`publish.warehouse` between the warehouse's and the analysts' copy's swap)
SIGKILLs the process right after that point, as a power cut would; the fault
tests (tests/flows/test_faults.py) run a night so at every point, rerun it,
and compare with a night never interrupted.

One run per home at a time (flows/lock.py), taken here, so a run started by
`datapool serve` is held to it as much as one started by hand.
"""
# No `from __future__ import annotations` here: `datapool serve` runs each night in a
# subprocess from a pickle of the flow, which carries the function's globals but not the
# names only its annotations use; pydantic then cannot resolve `date` in string annotations
# and the scheduled run fails validating its parameters.
import os
import shutil
import signal
import time
from datetime import date, datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE as NO_CACHE

from sources.home import Home
from transforms import build, config

TASK_OPTIONS = dict(cache_policy=NO_CACHE, persist_result=False)
IO_RETRIES = dict(retries=1, retry_delay_seconds=5)

STAGES = ("prepare", "ingest", "transform", "feedback", "worklist", "export", "publish", "report",
          "housekeeping")
FAULT_ENV = "DATAPOOL_FAULT"
FAULT_POINTS = ("prepare", "ingest", "transform", "feedback", "worklist", "export", "publish.warehouse",
                "publish", "report", "housekeeping")


def fault_point(name: str) -> None:
    """The test hook: die here, without any cleanup, when DATAPOOL_FAULT names this point."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def check_fault_setting() -> None:
    wanted = os.environ.get(FAULT_ENV)
    if wanted and wanted not in FAULT_POINTS:
        raise ValueError(f"{FAULT_ENV}={wanted!r} names no fault point (one of {', '.join(FAULT_POINTS)})")


def _logger():
    """The run's logger; a plain logger where a stage's function is called outside a run."""
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        import logging

        return logging.getLogger("datapool.nightly")


def _home(home: str) -> Home:
    config.activate(Path(home))  # this process's DuckDB connections get the home's settings
    return Home(Path(home))


@task(name="prepare", **TASK_OPTIONS)
def prepare(home: str) -> dict:
    """A fresh build beside the published warehouse; reports the DuckDB settings it runs with."""
    h = _home(home)
    # The analysts' key first: a night that could not pseudonymise must fail before it swaps anything in.
    from transforms.pseudonym import load_or_create_key
    load_or_create_key(h)
    build.start_build(h)
    with build.connect_build(h) as con:
        resources = config.effective_duckdb_settings(con)
    return {"resources": resources, "settings": config.active().summary()}


@task(name="ingest", **IO_RETRIES, **TASK_OPTIONS)
def ingest(home: str, run_date: date) -> dict:
    """New deliveries into the lake and the manifest; then what retention retires (decided, not yet removed)."""
    from sources.inbox import ingest_inbox
    from transforms.housekeeping import plan_retention

    h = _home(home)
    with build.connect_build(h) as con:
        summary = night_summary(recorded_stage(con, run_date, "ingest"), ingest_inbox(con, h, run_date).as_dict(),
                                INGEST_STATE_KEYS)
        summary["retention"] = plan_retention(con, h, run_date, config.active())
    return summary


# What an ingest summary says about the inbox as it is now, rather than about what a run decided.
INGEST_STATE_KEYS = frozenset({"run_date", "waiting", "partial", "stale", "stale_since", "unknown_files",
                               "retention"})


def recorded_stage(con, run_date: date, stage: str) -> dict | None:
    """This night's summary of `stage` as published by an earlier run of the same night, if any."""
    import json

    import duckdb

    try:
        rows = con.execute("SELECT stages FROM meta.run WHERE run_date = ?", [run_date]).fetchall()
    except duckdb.CatalogException:
        return None
    if not rows or not rows[0][0]:
        return None
    value = json.loads(rows[0][0]).get(stage)
    return value if isinstance(value, dict) else None


def night_summary(previous: dict | None, current: dict, state_keys: frozenset = frozenset()) -> dict:
    """The night's summary from an earlier published run of the night and this one.

    A rerun of a published night finds the files that night took already decided,
    so its own counts would say nothing arrived; the run record (and the report
    and `sources_failed` made from it) describes the night, so counts of what was
    decided add up over the night's runs and lists are joined, while `state_keys`
    (what is waiting in the inbox now, stale sources) are tonight's as they stand.
    """
    if previous is None:
        return current
    merged: dict = {}
    for key in previous.keys() | current.keys():
        old, new = previous.get(key), current.get(key)
        if key in state_keys or old is None:
            merged[key] = new
        elif new is None:
            merged[key] = old
        elif isinstance(old, dict) and isinstance(new, dict):
            merged[key] = night_summary(old, new, state_keys)
        elif isinstance(old, list) and isinstance(new, list):
            merged[key] = old + [v for v in new if v not in old]
        elif isinstance(old, (int, float)) and isinstance(new, (int, float)) \
                and not isinstance(old, bool) and not isinstance(new, bool):
            merged[key] = old + new
        else:
            merged[key] = new
    return {key: merged[key] for key in sorted(merged)}


@task(name="transform", **TASK_OPTIONS)
def transform(home: str, run_date: date) -> dict:
    from sources.inbox import create_lake_views
    from transforms.identity import apply_links
    from transforms.incremental import build_staging
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
        # staging tables whose model, macros and lake files are last night's are copied
        counts, reused = build_staging(con, h, run_date)
        _logger().info("staging: %d of %d tables unchanged since the published night, copied",
                       reused, len(counts))
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


@task(name="feedback", **IO_RETRIES, **TASK_OPTIONS)
def feedback(home: str, run_date: date) -> dict:
    """Returned worklists in inbox/feedback/ move their items' statuses (counts only returned)."""
    from transforms.feedback import apply_feedback

    h = _home(home)
    with build.connect_build(h) as con:
        return night_summary(recorded_stage(con, run_date, "feedback"), apply_feedback(con, h, run_date))


@task(name="worklist", **TASK_OPTIONS)
def worklist(home: str, run_date: date) -> dict:
    from transforms.worklist import update_worklist_state

    with build.connect_build(_home(home)) as con:
        return dict(update_worklist_state(con, run_date) or {})


@task(name="export", **IO_RETRIES, **TASK_OPTIONS)
def export(home: str, run_date: date) -> dict:
    from transforms.exports import write_exports

    h = _home(home)
    final = h.exports(run_date.isoformat())
    staging_dir = final.with_name(final.name + ".tmp")
    old = final.with_name(final.name + ".old")
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir(parents=True)
    with build.connect_build(h) as con:
        result = write_exports(con, staging_dir, run_date)
    # Replace the night's folder whole, by renames: a reader (or a crash) sees the old
    # folder, the new one, or none for an instant, never half of one; a rerun never
    # leaves an earlier run's files beside this one's.
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging_dir.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    result["directory"] = final.relative_to(h.root).as_posix()  # the run record holds no absolute path
    return result


@task(name="publish", **IO_RETRIES, **TASK_OPTIONS)
def publish(home: str, run_date: date, started_at: str, stages: dict) -> dict:
    """Tonight's run row, then the warehouse swapped in, then the analysts' copy built and swapped in."""
    from transforms.analytics import publish_analytics, record_run

    h = _home(home)
    if build.building_path(h.warehouse).exists():
        with build.connect_build(h) as con:
            run = record_run(con, run_date, started_at, stages)
        build.finish_build(h)
        fault_point("publish.warehouse")
    else:
        # A retry after the swap: the warehouse is already tonight's; only the copy is left.
        run = _published_run(h, run_date)
    publish_analytics(h)
    return run


def _published_run(h: Home, run_date: date) -> dict:
    with build.connect_file(h, h.warehouse, read_only=True) as con:
        rows = con.execute("""SELECT run_id, run_date, started_at, finished_at, status, sources_ok,
                                     sources_failed, items_new, items_open
                              FROM meta.run WHERE run_date = ?""", [run_date]).fetchall()
    if not rows:
        raise RuntimeError(f"nothing to publish for {run_date}: no build and no published run")
    names = ("run_id", "run_date", "started_at", "finished_at", "status", "sources_ok", "sources_failed",
             "items_new", "items_open")
    run = dict(zip(names, rows[0]))
    run["run_date"] = run_date.isoformat()
    return run


@task(name="report", **TASK_OPTIONS)
def report(home: str, run_date: date) -> str:
    from prefect.artifacts import create_markdown_artifact

    from transforms.report import write_report

    path, markdown = write_report(_home(home), run_date)
    create_markdown_artifact(markdown=markdown, key="datapool-run-report",
                             description=f"datapool run {run_date.isoformat()}")
    return str(path)


@task(name="housekeeping", **IO_RETRIES, **TASK_OPTIONS)
def housekeeping(home: str) -> dict:
    """Remove what tonight's published meta.retention lists (files past their retention)."""
    from transforms.housekeeping import apply_retention

    return apply_retention(_home(home))


def scheduled_run_date(timezone_name: str | None) -> date:
    """The night a scheduled run is for: its scheduled start, in the schedule's time zone.

    Not the clock at start: a run that waited in the queue past midnight is
    still the night it was scheduled for.
    """
    from zoneinfo import ZoneInfo

    from prefect.runtime import flow_run

    when = flow_run.scheduled_start_time
    zone = ZoneInfo(timezone_name) if timezone_name else None
    return when.astimezone(zone).date()


@flow(name="datapool-nightly", persist_result=False, log_prints=False)
def nightly_flow(home: str, run_date: date | None = None) -> dict:
    """One night on `home`; a scheduled run (no run date) is the night it was scheduled for."""
    if run_date is None:
        run_date = scheduled_run_date(config.load_settings(Path(home)).schedule.timezone
                                      or config.local_timezone_name())
    return run_night_stages(home, run_date, get_run_logger())


def run_night_stages(home: str, run_date: date, logger, plain: bool = False) -> dict:
    """The night's stages in order: the body of `nightly_flow`, and of each county's
    task in the city flow (flows/city.py), where `plain` calls each stage's function
    (`task.fn`) inside that one task instead of as a task run of its own.

    Holds the home's run lock throughout; a second run on the same home is refused."""
    from flows.lock import RunLock

    check_fault_setting()
    with RunLock(Path(home)):
        return _stages(home, run_date, logger, plain)


def _stages(home: str, run_date: date, logger, plain: bool) -> dict:
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    stages: dict[str, dict] = {}
    timings: dict[str, float] = {}

    def timed(name, fn, *args):
        t0 = time.perf_counter()
        out = (fn.fn if plain else fn)(*args)
        timings[name] = round(time.perf_counter() - t0, 3)
        logger.info("stage %s finished in %.1f s", name, timings[name])
        fault_point(name)
        return out

    stages["prepare"] = timed("prepare", prepare, home)
    stages["ingest"] = timed("ingest", ingest, home, run_date)
    stages["transform"] = timed("transform", transform, home, run_date)
    stages["feedback"] = timed("feedback", feedback, home, run_date)
    stages["worklist"] = timed("worklist", worklist, home, run_date)
    stages["export"] = timed("export", export, home, run_date)
    stages["timings"] = timings
    stages["run"] = timed("publish", publish, home, run_date, started_at, stages)
    # The night is published by now: a report that cannot be written, or a file
    # retention could not remove, is a warning, not a failed night (the worklists
    # have already gone out; retention catches up on the next night).
    for name, fn, args in (("report", report, (home, run_date)), ("housekeeping", housekeeping, (home,))):
        try:
            stages[name] = timed(name, fn, *args)
        except Exception as exc:  # noqa: BLE001 - any failure, named by type only
            logger.warning("%s not done (%s); the night is published", name, type(exc).__name__)
            stages[name] = None
    return stages
