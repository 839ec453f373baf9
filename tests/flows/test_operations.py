"""Running the night as an operator does: settings, one run per home, retention, stale sources, serve."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.flows.conftest import NIGHT1, on_server

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env=env)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def duckdb_reports(setting: str, value: str) -> str:
    """How DuckDB shows a value once set (512MB reads back as 488.2 MiB)."""
    with duckdb.connect() as con:
        con.execute(f"SET {setting} = '{value}'")
        return str(con.execute(f"SELECT current_setting('{setting}')").fetchall()[0][0])


# --- settings --------------------------------------------------------------------------------

def test_settings_defaults_file_and_environment(tmp_path, monkeypatch):
    from transforms.config import DEFAULT_RETENTION_DAYS, RETENTION_AREAS, load_settings

    for name in list(os.environ):
        if name.startswith("DATAPOOL_"):
            monkeypatch.delenv(name)
    s = load_settings(tmp_path)
    assert s.retention_days == {a: DEFAULT_RETENTION_DAYS for a in RETENTION_AREAS}
    assert s.duckdb.temp_directory == tmp_path / "tmp" / "duckdb"  # spills stay in the home
    assert s.duckdb.memory_limit is None and s.schedule.cron == "0 2 * * *"

    (tmp_path / "datapool.yaml").write_text(
        "duckdb:\n  memory_limit: 2GB\n  threads: 2\n  temp_directory: /var/tmp/dp\n"
        "retention_days:\n  exports: 30\nschedule:\n  cron: '15 1 * * *'\n  timezone: Asia/Shanghai\n")
    monkeypatch.setenv("DATAPOOL_DUCKDB_THREADS", "1")
    monkeypatch.setenv("DATAPOOL_RETENTION_DAYS_LAKE", "730")
    s = load_settings(tmp_path)
    assert (s.duckdb.memory_limit, s.duckdb.threads, s.duckdb.temp_directory) == ("2GB", 1, Path("/var/tmp/dp"))
    assert s.retention_days["exports"] == 30 and s.retention_days["lake"] == 730
    assert s.retention_days["reports"] == DEFAULT_RETENTION_DAYS
    assert (s.schedule.cron, s.schedule.timezone) == ("15 1 * * *", "Asia/Shanghai")
    assert "environment" in s.source


@pytest.mark.parametrize("text,named", [
    ("duckdb:\n  memory_limt: 2GB\n", "duckdb.memory_limt"),
    ("duckdb:\n  threads: two\n", "duckdb.threads"),
    ("duckdb:\n  memory_limit: lots\n", "duckdb.memory_limit"),
    ("retention_days:\n  exports: -1\n", "retention_days.exports"),
    ("schedule:\n  timezone: Mars/Olympus\n", "schedule.timezone"),
    ("retention:\n  lake: 1\n", "unknown section 'retention'"),
])
def test_bad_setting_named_with_its_file(tmp_path, text, named):
    from transforms.config import ConfigError, load_settings

    (tmp_path / "datapool.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path)
    assert str(tmp_path / "datapool.yaml") in str(err.value) and named in str(err.value)


def test_bad_setting_stops_the_night_with_one_line(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "datapool.yaml").write_text("duckdb:\n  threads: many\n")
    err = one_line_error(cli("nightly", "--home", str(tmp_path), "--date", "2026-03-15"))
    assert "datapool.yaml: duckdb.threads: 'many' is not a whole number" in err


def test_duckdb_settings_reach_every_connection_of_the_night(tmp_path):
    from sources.home import Home
    from transforms import build, config

    home = Home(tmp_path)
    (tmp_path / "datapool.yaml").write_text(
        "duckdb:\n  memory_limit: 512MB\n  threads: 1\n  temp_directory: spill\n")
    build.start_build(home)
    expected = {"memory_limit": duckdb_reports("memory_limit", "512MB"), "threads": "1",
                "temp_directory": str(tmp_path / "spill")}
    with build.connect_build(home) as con:                  # the build every stage opens
        got = config.effective_duckdb_settings(con)
    assert {k: got[k] for k in expected} == expected
    config.activate(tmp_path)
    try:
        with config.connect() as con:                       # the in-memory ones (linkage)
            got = config.effective_duckdb_settings(con)
        assert {k: got[k] for k in expected} == expected
    finally:
        config._ACTIVE = None


def test_a_table_larger_than_the_memory_limit_spills_to_the_temp_directory(tmp_path):
    """With 40 MB, building ~120 MB of sorted strings succeeds by spilling into the home's folder."""
    from transforms import config

    (tmp_path / "datapool.yaml").write_text("duckdb:\n  memory_limit: 40MB\n  threads: 1\n")
    settings = config.load_settings(tmp_path)
    with config.connect(settings=settings) as con:
        con.execute("CREATE TABLE t AS SELECT md5(range::VARCHAR) || md5(range::VARCHAR) AS s "
                    "FROM range(1500000) ORDER BY s")
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(1500000,)]
        spilled = [Path(r[0]) for r in con.execute("SELECT path FROM duckdb_temporary_files()").fetchall()]
    assert spilled and all(p.parent == tmp_path / "tmp" / "duckdb" for p in spilled)


# --- one run per home ------------------------------------------------------------------------

HOLDER = """
import sys, time
from flows.lock import RunLock
with RunLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(120)
"""


def test_second_run_refused_while_one_holds_the_home_and_recovered_when_it_dies(tmp_path):
    from flows.cli import UserError
    from flows.lock import RunLock
    from flows.nightly import run_night_stages

    (tmp_path / "inbox").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        err = one_line_error(cli("nightly", "--home", str(tmp_path), "--date", "2026-03-15"))
        assert f"another datapool run (pid {holder.pid}" in err and str(tmp_path) in err
        # the flow itself refuses too: a run started by `datapool serve` does not pass through the CLI
        with pytest.raises(UserError, match=f"pid {holder.pid}"):
            run_night_stages(str(tmp_path), NIGHT1, logger=None, plain=True)
        assert not (tmp_path / "warehouse.duckdb.building").exists(), "the refused run touched the home"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert str(holder.pid) in (tmp_path / ".datapool.lock").read_text()   # left behind by the dead run
    with RunLock(tmp_path) as lock:
        assert lock.path.read_text().split()[0] == str(os.getpid())
        with RunLock(tmp_path):  # the same process (the CLI, then its flow) may take it again
            pass
        assert lock.path.exists()
    assert not (tmp_path / ".datapool.lock").exists()


def test_lock_of_a_pid_now_worn_by_another_process_is_taken_over(tmp_path):
    from flows.lock import RunLock

    # our parent is alive, but it did not start at clock tick 1: the run that wrote this is gone
    (tmp_path / ".datapool.lock").write_text(f"{os.getppid()} 1 2026-03-15T02:00:00+00:00\n")
    with RunLock(tmp_path) as lock:
        assert lock.path.read_text().split()[0] == str(os.getpid())


def test_temporary_prefect_server_of_a_killed_night_is_stopped_by_the_next(fault_county, tmp_path):
    """`datapool nightly` without a Prefect server starts a temporary one (flows/prefect_server.py);
    killed, it would leave that server running for ever. The next run on the home stops it."""
    from flows.lock import process_alive
    from flows.prefect_server import SERVER_RECORD, reap_temporary_server

    home = shutil.copytree(fault_county, tmp_path / "home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), DATAPOOL_FAULT="prepare", PREFECT_LOGGING_LEVEL="INFO")
    with open(tmp_path / "output.txt", "w") as output:   # not a pipe: the orphan would hold it open
        killed = subprocess.run([sys.executable, "-m", "flows.cli", "nightly", "--home", str(home), "--date",
                                 NIGHT1.isoformat()], cwd=REPO, env=env, stdout=output, stderr=output, timeout=300)
    output = (tmp_path / "output.txt").read_text()
    assert killed.returncode == -signal.SIGKILL, output[-2000:]
    assert "Starting temporary server" not in output, output[-2000:]   # Prefect's client used ours
    server_pid, run_pid = (int(v) for v in (home / SERVER_RECORD).read_text().split()[:2])
    try:
        assert process_alive(server_pid) and not process_alive(run_pid)   # orphaned
        assert reap_temporary_server(Path(home)) is True
        assert not process_alive(server_pid) and not (home / SERVER_RECORD).exists()
        assert reap_temporary_server(Path(home)) is False
    finally:
        if process_alive(server_pid):
            os.kill(server_pid, signal.SIGKILL)


# --- retention ---------------------------------------------------------------------------------

def _delivery(con, home, code, name, extract, accepted=True, sha=None):
    from sources.inbox import archive_file

    sha = sha or (name.encode().hex() + "0" * 64)[:64]
    lake = None
    if accepted:
        lake = f"lake/{code}/{Path(name).stem}.{sha[:8]}.parquet"
        (home.root / lake).parent.mkdir(parents=True, exist_ok=True)
        (home.root / lake).write_bytes(b"parquet")
    archived = archive_file(home, code, name, sha)
    archived.parent.mkdir(parents=True, exist_ok=True)
    archived.write_bytes(b"delivered")
    con.execute("INSERT INTO meta.delivery (source_code, file_name, sha256, extract_date, run_date, accepted, "
                "lake_path, delivery_seq) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "(SELECT coalesce(max(delivery_seq), 0) + 1 FROM meta.delivery))",
                [code, name, sha, extract, extract + timedelta(days=1), accepted, lake])
    return archived, lake


def test_retention_by_run_date_keeps_the_snapshot_in_force_and_deletes_only_after_publishing(tmp_path):
    from sources.home import Home
    from sources.inbox import ensure_meta
    from transforms import build
    from transforms.config import load_settings
    from transforms.housekeeping import apply_retention, plan_retention

    home = Home(tmp_path)
    build.start_build(home)
    d = date.fromisoformat
    with build.connect_build(home) as con:
        ensure_meta(con)
        old_gaj = _delivery(con, home, "gaj_hjrk", "gaj_hjrk_20250101.csv", d("2025-01-01"))
        in_force_gaj = _delivery(con, home, "gaj_hjrk", "gaj_hjrk_20250201.csv", d("2025-02-01"))
        dup_gaj = _delivery(con, home, "gaj_hjrk", "gaj_hjrk_20250102.csv", d("2025-01-02"), accepted=None)
        only_mzj = _delivery(con, home, "mzj_jzdx", "mzj_jzdx_20250101.xlsx", d("2025-01-01"))
        old_ybj = _delivery(con, home, "ybj_js", "ybj_js_20250101.csv", d("2025-01-01"))
        new_ybj = _delivery(con, home, "ybj_js", "ybj_js_20260301.csv", d("2026-03-01"))
        con.execute("INSERT INTO meta.reject (run_date, source_code, file_name, \"row\") VALUES "
                    "('2025-01-02', 'ybj_js', 'ybj_js_20250101.csv', 2), "
                    "('2026-03-02', 'ybj_js', 'ybj_js_20260301.csv', 2)")
    dated = {"quarantine/2025-01-01/x.csv": True, "quarantine/2026-03-01/y.csv": False,
             "exports/2025-01-01/a.csv": True, "exports/2026-03-14/a.csv": False,
             "exports/not-a-night/a.csv": False, "reports/2025-01-01.html": True, "reports/2026-03-14.html": False}
    for rel in dated:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")

    settings = load_settings(tmp_path)   # 400 days everywhere
    with build.connect_build(home) as con:
        # a year earlier nothing is old yet: age is counted from the run date, not the clock (2026 here)
        assert sum(plan_retention(con, home, d("2025-03-01"), settings)["removing"].values()) == 0
        plan = plan_retention(con, home, NIGHT1, settings)        # cutoff 2025-02-08
        lake_paths = dict(((r[0], r[1]) for r in con.execute(
            "SELECT file_name, lake_path FROM meta.delivery").fetchall()))
        rejects = con.execute("SELECT file_name FROM meta.reject").fetchall()
    assert plan["removing"] == {"lake": 5, "quarantine": 1, "exports": 1, "reports": 1, "feedback": 0}
    assert lake_paths["gaj_hjrk_20250101.csv"] is None and lake_paths["ybj_js_20250101.csv"] is None
    assert lake_paths["gaj_hjrk_20250201.csv"] and lake_paths["mzj_jzdx_20250101.xlsx"]  # in force: kept
    assert rejects == [("ybj_js_20260301.csv",)]
    # decided in the build, nothing deleted yet: a night killed now loses nothing
    assert all((tmp_path / rel).exists() for rel in dated) and old_gaj[0].exists()

    build.finish_build(home)
    assert apply_retention(home)["removed"] == {"lake": 5, "quarantine": 1, "exports": 1, "reports": 1}
    for archived, lake in (old_gaj, old_ybj):
        assert not archived.exists() and not (tmp_path / lake).exists()
    assert not dup_gaj[0].exists()
    for archived, lake in (in_force_gaj, only_mzj, new_ybj):
        assert archived.exists() and (tmp_path / lake).exists()
    assert {rel for rel, old in dated.items() if (tmp_path / rel).exists()} == {
        rel for rel, old in dated.items() if not old}
    assert apply_retention(home)["removed"] == {}   # a rerun finds nothing left to do


# --- a late night: stale sources, retention and resources through the flow ---------------------

def test_stale_source_named_until_it_delivers_and_retention_applied_by_the_night(uninterrupted, prefect_server,
                                                                               tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app
    from flows.nightly import nightly_flow

    home = shutil.copytree(uninterrupted, tmp_path / "home")
    (home / "datapool.yaml").write_text(
        "duckdb:\n  memory_limit: 1GB\n  threads: 1\n"
        "retention_days:\n  lake: 5\n  quarantine: 5\n  exports: 5\n  reports: 5\n")
    late = date(2026, 4, 15)        # tyjr_yf (max age 31 days) last sent 2026-03-14: 32 days old
    tyjr = home / "inbox" / "tyjr_yf_20260315.xlsx"
    held_back = shutil.move(tyjr, tmp_path / tyjr.name)

    def night() -> tuple[dict, str, str]:
        with on_server(prefect_server):
            nightly_flow(str(home), late)
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
            stages = json.loads(con.execute("SELECT stages FROM meta.run WHERE run_date = ?", [late]).fetchall()[0][0])
        report = (home / "reports" / f"{late.isoformat()}.html").read_text(encoding="utf-8")
        status = CliRunner().invoke(app, ["status", "--home", str(home)], terminal_width=200)
        assert status.exit_code == 0, status.output
        return stages, report, status.output

    stages, report, status = night()
    assert {"tyjr_yf", "gaj_hjrk"} <= set(stages["ingest"]["stale"])
    assert "tyjr_yf (newest 2026-03-14)" in report and "gaj_hjrk (newest 2026-03-14)" in report
    stale_table = status.split("Stale sources")[-1]
    assert "tyjr_yf" in stale_table and "gaj_hjrk" in stale_table
    # the DuckDB settings of datapool.yaml are the ones the night ran with
    resources = stages["prepare"]["resources"]
    assert (resources["memory_limit"], resources["threads"]) == (duckdb_reports("memory_limit", "1GB"), "1")
    # retention, counted from the run date: night 1's worklists and report are gone, tonight's are there
    assert not (home / "exports" / NIGHT1.isoformat()).exists()
    assert not (home / "reports" / f"{NIGHT1.isoformat()}.html").exists()
    assert (home / "exports" / late.isoformat() / "manifest.json").exists()
    # increments older than the cutoff left the lake and the archive, and staging with them;
    # the household register in force stays whatever its age
    assert not list((home / "lake" / "ybj_js").glob("*")) and not list((home / "archive" / "ybj_js").glob("*"))
    assert list((home / "lake" / "gaj_hjrk").glob("*.parquet"))
    registered = "SELECT count(*) FROM core.person WHERE in_household_register"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.stg_ybj_js").fetchall() == [(0,)]
        kept = con.execute(registered).fetchall()
    with duckdb.connect(str(uninterrupted / "warehouse.duckdb"), read_only=True) as con:
        assert kept == con.execute(registered).fetchall()

    shutil.move(held_back, tyjr)      # the department delivers; the night is run again
    stages, report, status = night()
    assert "tyjr_yf" not in stages["ingest"]["stale"] and "gaj_hjrk" in stages["ingest"]["stale"]
    assert "tyjr_yf" not in report.split("Stale sources")[-1].split("</p>")[0]
    assert "gaj_hjrk" in status and "tyjr_yf" not in status.split("Stale sources")[-1]
    # the snapshot it replaced is past retention and no longer in force: gone
    assert [p.name.split(".")[0] for p in (home / "lake" / "tyjr_yf").glob("*.parquet")] == ["tyjr_yf_20260315"]


# --- serve -----------------------------------------------------------------------------------

def test_serve_registers_its_cron_schedule_and_its_runs_keep_to_the_lock(tmp_path, prefect_server,
                                                                         prefect_client_env):
    """`datapool serve` against a real `prefect server start`: the deployment and its cron schedule
    are registered; a run of it starts in a process of its own, takes the night's date from its
    schedule, and is refused while another run holds the home."""
    import asyncio

    from prefect.client.orchestration import get_client

    from flows.lock import RunLock

    (tmp_path / "inbox").mkdir()
    (tmp_path / "datapool.yaml").write_text("schedule:\n  cron: '0 2 * * *'\n  timezone: Asia/Shanghai\n")
    env = dict(prefect_client_env, PREFECT_RUNNER_POLL_FREQUENCY="1")
    serving = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--home", str(tmp_path),
                                "--cron", "30 1 * * *", "--name", "ops-test"],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    async def deployment():
        async with get_client() as client:
            return await client.read_deployment_by_name("datapool-nightly/ops-test")

    async def start_run(deployment_id):
        async with get_client() as client:
            return (await client.create_flow_run_from_deployment(deployment_id)).id

    async def final_state(run_id):
        async with get_client() as client:
            while True:
                state = (await client.read_flow_run(run_id)).state
                if state is not None and state.is_final():
                    return state
                assert time.monotonic() < deadline, f"the served run did not finish: {state}"
                await asyncio.sleep(1)

    try:
        deadline = time.monotonic() + 180
        found = None
        with on_server(prefect_server):
            while found is None:
                assert serving.poll() is None, serving.communicate()[1][-3000:]
                try:
                    found = asyncio.run(deployment())
                except Exception:  # noqa: BLE001 - not registered yet
                    assert time.monotonic() < deadline, "serve registered no deployment in time"
                    time.sleep(1)
            schedules = [s.schedule for s in found.schedules]
            assert [(s.cron, s.timezone) for s in schedules] == [("30 1 * * *", "Asia/Shanghai")]
            assert all(s.active for s in found.schedules)
            assert found.parameters == {"home": str(tmp_path.resolve()), "run_date": None}

            with RunLock(tmp_path):
                state = asyncio.run(final_state(asyncio.run(start_run(found.id))))
        assert state.is_failed() and "another datapool run" in (state.message or ""), state
        assert not (tmp_path / "warehouse.duckdb.building").exists()
    finally:
        serving.send_signal(signal.SIGINT)
        try:
            serving.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serving.kill()
            serving.wait()


def test_serve_without_a_prefect_server_says_how_to_start_one(tmp_path):
    (tmp_path / "inbox").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    err = one_line_error(cli("serve", "--home", str(tmp_path), env=env))
    assert "prefect server start" in err and "PREFECT_API_URL" in err


# --- the run record of a night run more than once ---------------------------------------------

def test_a_rerun_of_a_published_night_keeps_what_the_night_took_in_its_record():
    """The rerun finds tonight's files already decided; the record still says what the night took."""
    from flows.nightly import INGEST_STATE_KEYS, night_summary

    first = {"sources": {"mzj_jzdx": {"new": 0, "quarantined": 1, "waiting": 2, "refused": ["a.xlsx: bad"]},
                         "ybj_js": {"new": 1, "quarantined": 0, "waiting": 0, "refused": []}},
             "stale": ["tyjr_yf"], "totals": {"new": 1, "quarantined": 1, "waiting": 2}}
    rerun = {"sources": {"mzj_jzdx": {"new": 0, "quarantined": 0, "waiting": 2, "refused": []},
                         "ybj_js": {"new": 1, "quarantined": 0, "waiting": 0, "refused": []}},
             "stale": [], "totals": {"new": 1, "quarantined": 0, "waiting": 2}}
    night = night_summary(first, rerun, INGEST_STATE_KEYS)
    assert night["sources"]["mzj_jzdx"] == {"new": 0, "quarantined": 1, "waiting": 2, "refused": ["a.xlsx: bad"]}
    assert night["sources"]["ybj_js"]["new"] == 2       # a file that arrived for the rerun adds to the night
    assert night["stale"] == [] and night["totals"] == {"new": 2, "quarantined": 1, "waiting": 2}
    assert night_summary(None, rerun, INGEST_STATE_KEYS) == rerun
