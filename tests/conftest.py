"""Shared fixtures: one Prefect test harness and one generated county per session."""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TEST_DATE = date(2026, 3, 15)  # D of policies.md's worked examples
TEST_PEOPLE = 2000
TEST_SEED = 1


def shared_root(tmp_path_factory) -> Path:
    """A folder every xdist worker of this session sees (the session's base temp without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def shared_once(tmp_path_factory, name: str, make) -> Path:
    """`make(folder)` run once per session across workers; every caller gets the folder."""
    root = shared_root(tmp_path_factory) / "shared" / name
    with file_lock(root.with_name(name + ".lock")):
        done = root.with_name(name + ".done")
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            make(root)
            done.touch()
    return root


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def county(tmp_path_factory) -> Path:
    """A generated county with two later nights of drops; never run in place. Made once per
    session, shared by the xdist workers (read only)."""
    from sources.generator import generate

    def make(folder: Path) -> None:
        generate(folder / "home", people=TEST_PEOPLE, date=TEST_DATE, seed=TEST_SEED, nights=2)

    return shared_once(tmp_path_factory, "county", make) / "home"


def copy_home(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def first_night(county, prefect_harness, tmp_path_factory) -> Path:
    """The county after its first night ran through the real Prefect flow (shared, read only)."""
    from flows.nightly import nightly_flow

    def make(folder: Path) -> None:
        home = copy_home(county, folder / "home")
        nightly_flow(str(home), TEST_DATE)

    return shared_once(tmp_path_factory, "first-night", make) / "home"
