"""The key behind person_key: created once with 0600, stable, from the environment when set, never committed."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from sources.home import Home
from transforms.masking import person_key
from transforms.pseudonym import ENV_VAR, PseudonymKeyError, key_path, key_table, load_or_create_key

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_env_key(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_key_file_created_once_with_0600_in_a_0700_folder(tmp_path, no_env_key):
    home = Home(tmp_path)
    first = load_or_create_key(home)
    path = key_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(first) == 32
    # a later night reads the same key: the same ID number gets the same person_key
    assert load_or_create_key(home) == first
    assert person_key("372422198604121017", load_or_create_key(home)) == person_key("372422198604121017", first)
    assert not list(path.parent.glob(".*.tmp")), "no temporary key file left behind"


def test_environment_key_wins_over_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "ab" * 32)
    assert load_or_create_key(Home(tmp_path)) == bytes.fromhex("ab" * 32)
    assert not key_path(Home(tmp_path)).exists(), "no key file is written when the variable is set"


@pytest.mark.parametrize("value,message", [("not-hex", "must be hex"), ("abcd", "shorter than 16 bytes")])
def test_unusable_environment_key_is_named(tmp_path, monkeypatch, value, message):
    monkeypatch.setenv(ENV_VAR, value)
    with pytest.raises(PseudonymKeyError, match=message) as err:
        load_or_create_key(Home(tmp_path))
    assert ENV_VAR in str(err.value)


def test_key_file_readable_by_others_is_refused(tmp_path, no_env_key):
    home = Home(tmp_path)
    load_or_create_key(home)
    os.chmod(key_path(home), 0o644)
    with pytest.raises(PseudonymKeyError, match="chmod 600") as err:
        load_or_create_key(home)
    assert str(key_path(home)) in str(err.value)


def test_key_table_hashes_each_distinct_value_once():
    table = key_table(["372422198604121017", None, "372422198604121017", "0489756321"], b"k" * 32, "P")
    assert table.num_rows == 2
    assert all(h.startswith("P") and len(h) == 65 for h in table.column("hashed").to_pylist())


@pytest.mark.parametrize("key", [b"k" * 32, bytes(range(16)), bytes(range(100))])
def test_key_table_sql_gives_person_key(key):
    import duckdb

    from transforms.masking import person_key
    from transforms.pseudonym import hmac_pads, key_table_sql

    values = ["372422198604121017", "0489756321", "37142219900101002X", "户号 0001"]
    con = duckdb.connect()
    con.execute("CREATE TABLE v AS SELECT * FROM (VALUES (?), (?), (?), (?), (NULL), (?)) AS t(id)", values + [values[0]])
    got = con.execute(f"{key_table_sql('SELECT id FROM v', 'P')} ORDER BY value", list(hmac_pads(key))).fetchall()
    assert got == sorted((v, "P" + person_key(v, key)) for v in values)


def test_key_files_are_never_committed():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert not [f for f in tracked.splitlines() if f.endswith(".key") or "/secrets/" in f or f.startswith("secrets/")]
    # the default home (data/) and any home placed inside the checkout keep their key out of git
    for path in ("data/demo/secrets/pseudonym.key", "county/secrets/pseudonym.key"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO)
        assert ignored.returncode == 0, f"{path} is not ignored by git"
