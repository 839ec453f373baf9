"""One real Prefect server (`prefect server start`) for the test session, and work done once.

The suite runs on two pytest-xdist workers. Both may need the server (the
fault tests kill `datapool nightly` runs that report to it; the serve test
registers a schedule with it), so the first worker to ask starts it and
records it in a folder both workers share; the other reuses it; the last one
done stops it (a use count under a flock). Without xdist the same code runs
in one process.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import file_lock, shared_once, shared_root

SERVER_START_TIMEOUT = 180
NIGHT1 = date(2026, 3, 15)
NIGHT2 = NIGHT1 + timedelta(days=1)
PEOPLE, SEED = 300, 11


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url + "/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _start_server(folder: Path) -> dict:
    port = _free_port()
    home = folder / "server-home"
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    env.pop("PREFECT_API_URL", None)
    log = open(folder / "server.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc.pid)
            tail = (folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"prefect server did not start on {url}:\n{tail}")
        time.sleep(0.5)
    return {"pid": proc.pid, "url": url, "users": 0}


def _stop(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 15
    while _alive(pid) and time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it when this process started it
        except ChildProcessError:
            pass
        time.sleep(0.2)
    if _alive(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> str:
    """The API URL of the session's one `prefect server start`."""
    folder = shared_root(tmp_path_factory) / "prefect-server"
    state_file = folder / "state.json"
    with file_lock(folder / "lock"):
        state = json.loads(state_file.read_text()) if state_file.exists() else None
        if not state or not _alive(state["pid"]) or not _healthy(state["url"]):
            state = _start_server(folder)
        state["users"] += 1
        state_file.write_text(json.dumps(state))
    yield state["url"]
    with file_lock(folder / "lock"):
        state = json.loads(state_file.read_text())
        state["users"] -= 1
        if state["users"] <= 0:
            _stop(state["pid"])
            state_file.unlink()
        else:
            state_file.write_text(json.dumps(state))


@pytest.fixture(scope="session")
def prefect_client_env(prefect_server, tmp_path_factory) -> dict:
    """Environment for a `datapool` subprocess reporting to the session's server."""
    client_home = tmp_path_factory.mktemp("prefect-client")
    env = dict(os.environ, PREFECT_API_URL=prefect_server, PREFECT_HOME=str(client_home),
               DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    env.pop("DATAPOOL_FAULT", None)
    return env


@contextmanager
def on_server(url: str):
    """Run in-process flows against the session's server (not a temporary one)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: url}):
        try:
            yield
        finally:
            _drain_prefect_workers()


def _drain_prefect_workers() -> None:
    """Send this process's buffered Prefect logs and events now, while the server is there
    (at exit they would retry against a stopped server for a minute), as Prefect's own
    test harness does."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain():
        try:
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:
            pass
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())


# --- a small county and its first night, for the operations tests -------------------------

@pytest.fixture(scope="session")
def fault_county(tmp_path_factory) -> Path:
    """300 people; the next night's drop already delivered (its files wait for their night).

    The pseudonym key is made here, so every copy keys persons alike (a county keeps its key)."""
    def make(folder: Path) -> None:
        from sources.generator import deliver, generate
        from sources.home import Home
        from transforms.pseudonym import load_or_create_key

        generate(folder / "home", people=PEOPLE, date=NIGHT1, seed=SEED, nights=1)
        deliver(folder / "home", NIGHT2)
        load_or_create_key(Home(folder / "home"))

    return shared_once(tmp_path_factory, "fault-county", make) / "home"


def night_once(tmp_path_factory, name: str, start: Path, night: date, server: dict) -> Path:
    """`start` copied and its `night` run once per session (shared by the workers)."""
    def make(folder: Path) -> None:
        from flows.nightly import nightly_flow

        home = shutil.copytree(start, folder / "home")
        with on_server(server):
            nightly_flow(str(home), night)

    return shared_once(tmp_path_factory, name, make) / "home"


@pytest.fixture(scope="session")
def uninterrupted(fault_county, prefect_server, tmp_path_factory) -> Path:
    """The county after night 1, run once and never interrupted."""
    return night_once(tmp_path_factory, "fault-uninterrupted", fault_county, NIGHT1, prefect_server)


def answer_worklist(night_exports: Path, inbox_feedback: Path) -> dict[str, str]:
    """A township returns its first worklist CSV worked: two answers and a row for no known item."""
    import csv
    import io

    src = sorted(p for p in night_exports.glob("*.csv") if "反馈问题" not in p.name)[0]
    with src.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    words = ["不符合条件", "符合条件已申请"]
    answers = {}
    for row, word in zip(rows[1:], words):
        row[header.index("核实结果")] = word
        answers[row[0]] = word
    unknown = [""] * len(header)
    unknown[0], unknown[header.index("核实结果")] = "WL-ZZZZZZZZ", "不符合条件"
    rows.append(unknown)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    inbox_feedback.mkdir(parents=True, exist_ok=True)
    (inbox_feedback / src.name).write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return answers


@pytest.fixture(scope="session")
def night2_start(uninterrupted, tmp_path_factory) -> Path:
    """After night 1: the next drop waits in the inbox, a township's worked worklist in inbox/feedback/."""
    def make(folder: Path) -> None:
        home = shutil.copytree(uninterrupted, folder / "home")
        answers = answer_worklist(home / "exports" / NIGHT1.isoformat(), home / "inbox" / "feedback")
        assert len(answers) == 2, "night 1 exported too few items to answer"

    return shared_once(tmp_path_factory, "fault-night2-start", make) / "home"


@pytest.fixture(scope="session")
def night2_uninterrupted(night2_start, prefect_server, tmp_path_factory) -> Path:
    """Night 2 run once, never interrupted."""
    return night_once(tmp_path_factory, "fault-night2-uninterrupted", night2_start, NIGHT2, prefect_server)
