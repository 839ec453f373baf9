"""Shared fixtures: one Prefect test harness and one generated county per session."""
from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TEST_DATE = date(2026, 3, 15)  # D of policies.md's worked examples
TEST_PEOPLE = 2000
TEST_SEED = 1


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def county(tmp_path_factory) -> Path:
    """A generated county with two later nights of drops; never run in place."""
    from sources.generator import generate

    root = tmp_path_factory.mktemp("county") / "home"
    generate(root, people=TEST_PEOPLE, date=TEST_DATE, seed=TEST_SEED, nights=2)
    return root


def copy_home(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def first_night(county, prefect_harness, tmp_path_factory) -> Path:
    """The county after its first night ran through the real Prefect flow."""
    from flows.nightly import nightly_flow

    home = copy_home(county, tmp_path_factory.mktemp("night1") / "home")
    nightly_flow(str(home), TEST_DATE)
    return home
