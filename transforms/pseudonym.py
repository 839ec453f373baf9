"""The key behind `person_key`: a keyed hash (HMAC-SHA-256) of the ID number.

The key is what keeps the analysts' copy pseudonymous: without it nobody can
hash a known ID number and look the person up. It comes from the environment
(`DATAPOOL_PSEUDONYM_KEY`, hex) or from `HOME/secrets/pseudonym.key`, created
on first use with 0600 permissions (its folder 0700) and kept across nights so
keys are stable. The file lives in the home, never in the code repository
(`.gitignore` ignores `secrets/` and `*.key` for a home placed inside it).

Changing the key (or switching between the variable and the file) changes
every `person_key` and `household_key`: analysts' saved keys stop matching.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import stat
from pathlib import Path

import pyarrow as pa

from sources.home import Home
from transforms.masking import person_key

ENV_VAR = "DATAPOOL_PSEUDONYM_KEY"
KEY_BYTES = 32
MIN_KEY_BYTES = 16


class PseudonymKeyError(ValueError):
    """The pseudonymisation key is unusable; the message names the variable or file and the fix."""


def key_path(home: Home) -> Path:
    return home.secrets / "pseudonym.key"


def _parse_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise PseudonymKeyError(f"{where}: the key must be hex, e.g. the output of `openssl rand -hex 32`") from None
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"{where}: the key is shorter than {MIN_KEY_BYTES} bytes ({len(key)})")
    return key


def _read_key_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PseudonymKeyError(f"{path}: the pseudonymisation key is readable by others (mode {mode:04o}); "
                        f"run `chmod 600 {path}`")
    return _parse_key(path.read_text(encoding="ascii", errors="replace"), str(path))


def load_or_create_key(home: Home) -> bytes:
    """The county's key: the environment variable, else the home's key file (created on first use)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return _parse_key(from_env, ENV_VAR)
    path = key_path(home)
    if path.exists():
        return _read_key_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    # Written under a temporary name and linked into place, so a reader never
    # sees a half-written key and two first runs agree on one key.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(KEY_BYTES) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if another run created the key first: theirs wins
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read_key_file(path)


def key_table(values: list[str], key: bytes, prefix: str = "") -> pa.Table:
    """value -> keyed hash, for joining inside DuckDB (the values never leave this process)."""
    distinct = sorted({v for v in values if v is not None})
    return pa.table({"value": distinct, "hashed": [prefix + person_key(v, key) for v in distinct]})


HMAC_BLOCK = 64  # bytes, SHA-256's block


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """(outer, inner) keys of HMAC-SHA-256 (RFC 2104): key_table_sql hashes with them in DuckDB."""
    if not key:
        raise ValueError("person_key needs a non-empty key")
    k0 = (hashlib.sha256(key).digest() if len(key) > HMAC_BLOCK else key).ljust(HMAC_BLOCK, b"\0")
    return bytes(b ^ 0x5C for b in k0), bytes(b ^ 0x36 for b in k0)


def key_table_sql(values_sql: str, prefix: str = "") -> str:
    """`key_table` inside DuckDB: value -> prefix + person_key(value) for the distinct non-NULL values
    of the one-column query `values_sql`; run with parameters `hmac_pads(key)`. HMAC spelled out over
    DuckDB's sha256 gives the same hex as `person_key`, for millions of values in seconds."""
    quoted = "'" + prefix.replace("'", "''") + "'"
    return (f"SELECT value, {quoted} || sha256(?::BLOB || unhex(sha256(?::BLOB || encode(value)))) AS hashed\n"
            f"FROM (SELECT DISTINCT CAST(v AS VARCHAR) AS value FROM ({values_sql}) AS t(v) WHERE v IS NOT NULL)")
