"""Prefect's temporary API server for a run with no PREFECT_API_URL, started by us, early.

Without a Prefect server configured, Prefect's client starts a temporary one
itself (`SubprocessASGIServer`: `python -m uvicorn ... prefect.server.api.server:create_app`
on a free port) the first time a flow needs it, and waits for it: seconds of
the server's own imports on top of ours, one after the other. Here the very
same command is started as a plain subprocess before the run imports Prefect,
so that the server boots on one core while the run imports what it needs on
the other (`while_it_starts`); the run then waits for `/api/health` and talks
to it through PREFECT_API_URL. Prefect's server module is never imported in
this process. The server keeps Prefect's own settings (its database in
PREFECT_HOME, as Prefect's temporary server has).

The rule is Prefect's: a server is started only when the run's Prefect
settings name no API URL and allow ephemeral mode
(`PREFECT_SERVER_ALLOW_EPHEMERAL_MODE`, true in Prefect's default profile).
Before Prefect is imported that is judged from the environment alone, then
confirmed with Prefect's settings once imported (a profile or prefect.toml
may name a server); a server started for nothing is stopped at once.

A run killed outright (SIGKILL, the OOM killer) cannot stop its server, which
would live on, orphaned, holding memory and a port, one more per crash. So
its PID is written to HOME/tmp/prefect-server.pid with the run's, and the
next run on the home stops a server whose run is gone
(`reap_temporary_server`, which knows the server by its command line).

Re-entrant: a backfill starts one server for all its nights.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

SERVER_RECORD = Path("tmp") / "prefect-server.pid"
SERVER_APP = "prefect.server.api.server:create_app"  # how reap_temporary_server knows a server
START_TIMEOUT = 60.0   # seconds for /api/health to answer at least (Prefect's own default is 20)
STOP_TIMEOUT = 2.0     # seconds between SIGTERM and SIGKILL at the end of a run
_FALSE = {"0", "false", "f", "no", "n", "off"}

_active: Optional["TemporaryServer"] = None   # the server of the run in progress in this process


class ServerDidNotStart(RuntimeError):
    """The temporary Prefect server never answered; the message is one line."""


def _prefect_app_dir() -> str:
    """The folder holding the prefect package (uvicorn's --app-dir), without importing prefect."""
    prefect = sys.modules.get("prefect")
    if prefect is not None:
        return str(Path(prefect.__file__).parent.parent)
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    return str(Path(spec.origin).parent.parent)


def server_command(port: int) -> list[str]:
    """Prefect's own command for its temporary server (SubprocessASGIServer._run_uvicorn_command)."""
    return [sys.executable, "-m", "uvicorn", "--app-dir", _prefect_app_dir(), "--factory", SERVER_APP,
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prefect_wants_server() -> bool:
    """Prefect's rule, with its settings: no API URL, and ephemeral mode allowed."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    return not settings.api.url and bool(settings.server.ephemeral.enabled)


def _start_timeout() -> float:
    """Prefect's own (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS) when longer than ours: a
    server creating its database on a busy machine takes a while."""
    from prefect.settings import get_current_settings

    return max(START_TIMEOUT, float(get_current_settings().server.ephemeral.startup_timeout_seconds))


def _wants_server_before_import() -> bool:
    """The same rule before Prefect is imported, from the environment; confirmed after the import."""
    if "prefect.context" in sys.modules:
        return _prefect_wants_server()
    if os.environ.get("PREFECT_API_URL"):
        return False
    for name in ("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "PREFECT_SERVER_EPHEMERAL_ENABLED"):
        if os.environ.get(name, "").strip().lower() in _FALSE:
            return False
    return True


class TemporaryServer:
    def __init__(self) -> None:
        # the server's stdout and stderr: not a pipe (no one drains it while the run works), appended to
        self.output = tempfile.TemporaryFile(mode="a+b")
        self._start()

    def _start(self) -> None:
        self.output.truncate(0)
        self.port = _free_port()
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        if "prefect.context" in sys.modules:   # a run in a process that has Prefect settings of its own
            from prefect.settings import get_current_settings

            env.update(get_current_settings().to_environment_variables(exclude_unset=True))
            env.pop("PREFECT_API_URL", None)
        self.process = subprocess.Popen(server_command(self.port), env=env, stdin=subprocess.DEVNULL,
                                        stdout=self.output, stderr=self.output)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def output_tail(self, lines: int = 5) -> str:
        self.output.seek(0)
        text = self.output.read()[-4000:].decode("utf-8", "replace")
        tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
        return " | ".join(tail) or "(no output)"

    def _healthy(self) -> bool:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/api/health")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Until /api/health answers; a server that lost its port to another process meanwhile is
        started again on another."""
        deadline = time.monotonic() + timeout
        retries = 2
        while not self._healthy():
            code = self.process.poll()
            if code is not None and retries and "address already in use" in self.output_tail().lower():
                retries -= 1
                self._start()
                continue
            if code is not None:
                raise ServerDidNotStart(f"the temporary Prefect server on port {self.port} exited with code "
                                        f"{code} before answering: {self.output_tail()}")
            if time.monotonic() > deadline:
                raise ServerDidNotStart(f"the temporary Prefect server on port {self.port} did not answer "
                                        f"{self.api_url}/health within {timeout:.0f} s: {self.output_tail()}")
            time.sleep(0.05)

    def stop(self, replay: bool = True) -> None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; what it printed goes to our stderr (`replay`)."""
        if self.output.closed:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.seek(0)
        printed = self.output.read()[-20000:]
        self.output.close()
        if replay and printed.strip():
            sys.stderr.write(printed.decode("utf-8", "replace"))


def _record(home: Path, server_pid: int) -> Path:
    from flows.lock import start_ticks

    record = home / SERVER_RECORD
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(f"{server_pid} {os.getpid()} {start_ticks(os.getpid()) or 0}\n")
    return record


@contextmanager
def _pointed_at(url: str) -> Iterator[None]:
    """PREFECT_API_URL = url for this process while the run lasts (every thread of it), then as before."""
    import prefect.context
    from prefect.settings import PREFECT_API_URL, temporary_settings

    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    prefect.context.refresh_global_settings_context()
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            try:
                yield
            finally:
                _drain_prefect_workers()
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
        prefect.context.refresh_global_settings_context()


def _drain_prefect_workers() -> None:
    """Send the run's buffered Prefect logs and events now, while the server is there (at exit
    they would retry against a stopped server), and stop their workers."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=10, at_exit=False)
        except Exception:  # a worker that cannot send has nothing more to lose now
            pass


@contextmanager
def temporary_prefect_server(home: Path | None = None,
                             while_it_starts: Callable[[], None] | None = None) -> Iterator[str | None]:
    """Our temporary Prefect server for the run, when Prefect's settings call for one; yields its
    API URL (None when the run reports elsewhere). `while_it_starts` runs while it boots."""
    global _active
    if home is not None:
        reap_temporary_server(home)
    if _active is not None or not _wants_server_before_import():
        # a backfill's next night (the server of its first), or a run that reports elsewhere
        if while_it_starts:
            while_it_starts()
        yield _active.api_url if _active is not None else None
        return
    server = TemporaryServer()
    record = _record(home, server.process.pid) if home is not None else None
    served = False
    try:
        if while_it_starts:
            while_it_starts()
        if not _prefect_wants_server():   # Prefect's settings (a profile, prefect.toml) name a server
            server.stop(replay=False)
            yield None
            return
        server.wait_healthy(_start_timeout())
        if record is not None:
            _record(home, server.process.pid)   # it may have been started again on another port
        served = True
        _active = server
        try:
            with _pointed_at(server.api_url):
                yield server.api_url
        finally:
            _active = None
    finally:
        server.stop(replay=served)   # a server that never answered: its output is in the error
        if record is not None:
            record.unlink(missing_ok=True)


def reap_temporary_server(home: Path) -> bool:
    """Stop the temporary Prefect server of a run on this home that was killed; True if one was."""
    from flows.lock import process_alive

    record = home / SERVER_RECORD
    try:
        server_pid, run_pid, run_ticks = (int(v) for v in record.read_text().split()[:3])
    except (OSError, ValueError):
        return False
    if run_pid == os.getpid() or process_alive(run_pid, run_ticks or None):
        return False  # this process's own server (a backfill's next night), or its run is alive
    record.unlink(missing_ok=True)
    try:
        cmdline = Path(f"/proc/{server_pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    if b"prefect.server.api.server" not in cmdline:   # SERVER_APP
        return False  # the PID now belongs to another process
    os.kill(server_pid, signal.SIGTERM)
    for _ in range(50):
        if not process_alive(server_pid):
            return True
        time.sleep(0.1)
    os.kill(server_pid, signal.SIGKILL)
    return True
