"""The key behind `person_key`: a keyed hash (HMAC-SHA-256) of the ID number.

The key is what keeps the analysts' copy pseudonymous: without it nobody can
hash a known ID number and look the person up. It comes from the environment
(`DATAPOOL_PSEUDONYM_KEY`, hex) or from `HOME/secrets/pseudonym.key`, created
on first use with 0600 permissions and kept across nights so keys are stable.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import pyarrow as pa

from sources.home import Home
from transforms.masking import person_key

ENV_VAR = "DATAPOOL_PSEUDONYM_KEY"
KEY_BYTES = 32


def key_path(home: Home) -> Path:
    return home.secrets / "pseudonym.key"


def load_or_create_key(home: Home) -> bytes:
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        try:
            key = bytes.fromhex(from_env.strip())
        except ValueError as exc:
            raise ValueError(f"{ENV_VAR} must be hex, e.g. the output of `openssl rand -hex 32`") from exc
        if len(key) < 16:
            raise ValueError(f"{ENV_VAR} is shorter than 16 bytes")
        return key
    path = key_path(home)
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")
    return bytes.fromhex(path.read_text().strip())


def key_table(values: list[str], key: bytes, prefix: str = "") -> pa.Table:
    """value -> keyed hash, for joining inside DuckDB (the values never leave this process)."""
    distinct = sorted({v for v in values if v is not None})
    return pa.table({"value": distinct, "hashed": [prefix + person_key(v, key) for v in distinct]})
