"""The city flow: the county night for many counties at once on a Dask cluster, then the city step.

    from flows.city import run_city
    result = run_city("/srv/city", date(2026, 3, 15))                         # a LocalCluster here
    result = run_city("/srv/city", date(2026, 3, 15), scheduler="tcp://10.0.0.5:8786")  # a real cluster

One Prefect task per county (`county-night`), submitted through prefect-dask's
DaskTaskRunner: each runs on a Dask worker the county night's stages
(flows/nightly.py `run_night_stages`, the very function of the county flow,
each stage's function called inside this one task: a task runner runs tasks,
not flows), under the county home's run lock, then writes the county's city
lake (transforms/city.py `export_county`). Every worker reports its task runs
and logs to the one Prefect API of the flow: the flow's settings travel with
each task to the worker. The city step then builds the city warehouse from
the Parquet files in the flow's own process.

The counties' homes and the city lake must be on storage every worker and the
flow's machine see at the same path (README: "A city of counties"). A county
whose night fails is reported and left out of tonight's partition; its last
good Parquet stays in the city lake (city.county_summary.is_current false).

Results are counts only: no ID number, name or address leaves a task.
"""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE as NO_CACHE

from flows.lock import RunLock
from flows.nightly import run_night_stages
from transforms.city import CityHome, build_city, county_code_of, county_codes, export_county

TASK_OPTIONS = dict(cache_policy=NO_CACHE, persist_result=False)
SCHEDULER_ENV = "DATAPOOL_DASK_SCHEDULER"


@task(name="county-night", retries=1, retry_delay_seconds=5, **TASK_OPTIONS)
def county_night(city_home: str, county: str, run_date: date) -> dict:
    """One county's night on whichever worker Dask gives it, then its city lake."""
    logger = get_run_logger()
    city = CityHome(Path(city_home))
    home = city.county(county)
    code = county_code_of(home)
    if code != county:
        raise ValueError(f"{home.root}: its divisions are county {code}, not {county}")
    with RunLock(home.root):
        stages = run_night_stages(str(home.root), run_date, logger, plain=True)
        lake = export_county(home, city, run_date)
    run = stages.get("run") or {}
    logger.info("county %s published: %s new items, %s open", county, run.get("items_new"), run.get("items_open"))
    return {"county": county, "worker": f"{socket.gethostname()}:{os.getpid()}", "items_new": run.get("items_new"), "items_open": run.get("items_open"),
            "sources_ok": run.get("sources_ok"), "sources_failed": run.get("sources_failed"),
            "lake_rows": lake, "seconds": stages.get("timings", {})}


@task(name="city-step", **TASK_OPTIONS)
def city_step(city_home: str, run_date: date) -> dict:
    return build_city(CityHome(Path(city_home)), run_date)


@flow(name="datapool-city", persist_result=False, log_prints=False)
def city_flow(city_home: str, run_date: date | None = None, counties: list[str] | None = None) -> dict:
    """Every county night of CITY_HOME/counties/ in parallel on the flow's task runner, then the city step."""
    logger = get_run_logger()
    run_date = run_date or date.today()
    codes = list(counties or county_codes(CityHome(Path(city_home))))
    if not codes:
        raise ValueError(f"{city_home}: no county homes under counties/")
    futures = {code: county_night.submit(city_home, code, run_date) for code in codes}
    results: dict[str, dict] = {}
    failed: list[str] = []
    for code, future in futures.items():
        future.wait()
        if future.state.is_completed():
            results[code] = future.result()
        else:
            failed.append(code)
            logger.error("county %s: night failed (%s); its last city lake partition stays", code,
                         future.state.name)
    city = city_step(city_home, run_date)
    logger.info("city step: %s cross-county findings over %d counties",
                city.get("city.cross_county_finding"), len(codes))
    return {"run_date": run_date.isoformat(), "counties": results, "failed": failed, "city": city}


def task_runner(scheduler: str | None = None, workers: int = 2, threads_per_worker: int = 1):
    """The Dask task runner: a running cluster's scheduler, or a LocalCluster of `workers` processes.

    One thread per worker: a county night is one DuckDB job that uses the
    machine's cores itself, and the night's settings are per process."""
    from prefect_dask import DaskTaskRunner

    if scheduler:
        return DaskTaskRunner(address=scheduler)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                          cluster_kwargs={"n_workers": workers, "threads_per_worker": threads_per_worker,
                                          "processes": True, "dashboard_address": None})


@contextmanager
def one_prefect_api(remote: bool):
    """Make sure the flow and every worker report to one Prefect API.

    With PREFECT_API_URL set (a `prefect server start` every worker reaches)
    nothing is needed. Without it Prefect would start a temporary server in
    each process; for a LocalCluster one is started here (flows/prefect_server.py)
    and its address given to the workers with the flow's settings. A remote
    cluster needs a real server."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        yield
        return
    if remote:
        raise ValueError("a Dask cluster's workers report to one Prefect server: start one "
                         "(`prefect server start`) and set PREFECT_API_URL here and on every worker")
    from flows.prefect_server import temporary_prefect_server

    with temporary_prefect_server():
        yield


def run_city(city_home: Path | str, run_date: date | None = None, scheduler: str | None = None,
             workers: int = 2, counties: list[str] | None = None) -> dict:
    """The city flow on a Dask cluster: `scheduler` (or $DATAPOOL_DASK_SCHEDULER), else a LocalCluster."""
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    runner = task_runner(scheduler, workers)
    with one_prefect_api(remote=bool(scheduler)):
        return city_flow.with_options(task_runner=runner)(str(Path(city_home).resolve()), run_date, counties)
