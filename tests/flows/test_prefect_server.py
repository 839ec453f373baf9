"""The night's temporary Prefect server (flows/prefect_server.py), started by us before the flow.

The killed night whose server the next run stops is in test_operations.py; a
whole `datapool nightly` against it runs in the fault tests and `make demo`.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest


@pytest.fixture
def prefect_db(prefect_server, tmp_path_factory, tmp_path) -> Path:
    """A copy of the session server's database (tests/flows/conftest.py), migrated already: a server
    on a new database spends seconds creating its tables."""
    import sqlite3

    from tests.conftest import shared_root

    db = tmp_path / "prefect" / "prefect.db"
    db.parent.mkdir()
    src = sqlite3.connect(shared_root(tmp_path_factory) / "prefect-server" / "server-home" / "prefect.db")
    dst = sqlite3.connect(db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return db


@contextmanager
def no_prefect_server_configured(db: Path):
    """Prefect's settings of a run with no PREFECT_API_URL (whatever the session's fixtures set),
    its server's database `db`."""
    from prefect.settings import (PREFECT_API_DATABASE_CONNECTION_URL, PREFECT_API_URL, PREFECT_HOME,
                                  PREFECT_SERVER_ALLOW_EPHEMERAL_MODE, temporary_settings)

    before = os.environ.pop("PREFECT_API_URL", None)
    try:
        with temporary_settings(updates={PREFECT_HOME: str(db.parent),
                                         PREFECT_API_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{db}",
                                         PREFECT_SERVER_ALLOW_EPHEMERAL_MODE: True},
                                restore_defaults={PREFECT_API_URL}):
            yield
    finally:
        if before is not None:
            os.environ["PREFECT_API_URL"] = before


def test_a_night_reports_to_the_server_started_for_it_one_per_process_and_stopped_after(tmp_path, prefect_db):
    import httpx
    from prefect import flow
    from prefect.context import get_run_context
    from prefect.settings import get_current_settings

    from flows.lock import process_alive
    from flows.prefect_server import SERVER_RECORD, temporary_prefect_server

    @flow(persist_result=False)
    def night() -> str:
        return str(get_run_context().flow_run.id)

    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    imported = []
    with no_prefect_server_configured(prefect_db):
        with temporary_prefect_server(home, while_it_starts=lambda: imported.append(True)) as url:
            assert imported == [True]
            server_pid, run_pid = (int(v) for v in (home / SERVER_RECORD).read_text().split()[:2])
            assert run_pid == os.getpid() and process_alive(server_pid)
            assert url.startswith("http://127.0.0.1:") and get_current_settings().api.url == url
            assert os.environ["PREFECT_API_URL"] == url   # and for the processes the run starts
            with temporary_prefect_server(home) as again:   # a backfill's next night: the same server
                assert again == url and (home / SERVER_RECORD).read_text().split()[0] == str(server_pid)
                run_id = night()
            # the flow run is on our server: Prefect's client started no temporary server of its own
            assert httpx.get(f"{url}/flow_runs/{run_id}", timeout=10).json()["state"]["type"] == "COMPLETED"
        assert not process_alive(server_pid) and not (home / SERVER_RECORD).exists()
        assert "PREFECT_API_URL" not in os.environ and not get_current_settings().api.url


def test_a_server_that_never_answers_is_one_line_naming_its_port(tmp_path, monkeypatch):
    import flows.prefect_server as prefect_server

    monkeypatch.setattr(prefect_server, "server_command", lambda port: [
        sys.executable, "-c", "import sys; print('starting', flush=True); "
                              "sys.exit('sqlite3.OperationalError: unable to open database file')"])
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    with no_prefect_server_configured(tmp_path / "prefect.db"):
        with pytest.raises(prefect_server.ServerDidNotStart) as raised:
            with prefect_server.temporary_prefect_server(home):
                pytest.fail("the run went on without its server")
    message = str(raised.value)
    assert "\n" not in message and "port " in message
    assert "unable to open database file" in message
    assert not (home / prefect_server.SERVER_RECORD).exists()
