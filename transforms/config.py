"""A home's operating settings: DuckDB resources, retention, the schedule.

Read from `HOME/datapool.yaml` (or the file `DATAPOOL_CONFIG` names), every
key optional, then overridden by environment variables named
`DATAPOOL_<SECTION>_<KEY>` (`DATAPOOL_DUCKDB_MEMORY_LIMIT=8GB`,
`DATAPOOL_RETENTION_DAYS_LAKE=730`), so a scheduler can change one value
without editing the file. The format, with the defaults:

    duckdb:
      memory_limit: null          # DuckDB's own default (80% of RAM); e.g. 4GB
      threads: null               # all cores
      temp_directory: tmp/duckdb  # relative to the home; where joins and sorts spill
      max_temp_directory_size: null
    retention_days:               # these files hold personal data
      lake: 400                   # lake parquet + archived deliveries no longer in force
      quarantine: 400             # quarantine/<run date>/
      exports: 400                # exports/<date>/
      reports: 400                # reports/<date>.html
      feedback: 400               # archived feedback files (archive/feedback/)
    schedule:
      cron: "0 2 * * *"           # `datapool serve`
      timezone: null              # IANA name; default the server's own zone

Why memory settings matter: DuckDB keeps its working set under
`memory_limit` and writes the rest to `temp_directory`, so a county larger
than the machine's memory spills to disk instead of being killed. Every
connection the night opens goes through `connect` (or `duckdb_config`), so the
setting reaches them all, including the in-memory ones (linkage), whose
default spill folder would otherwise be `.tmp` in whatever directory cron
started in.

A mistake (an unknown key, a word where a number belongs, a memory size
DuckDB cannot read) raises `ConfigError` naming the file and the key.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import duckdb
import yaml

CONFIG_FILE = "datapool.yaml"
CONFIG_ENV = "DATAPOOL_CONFIG"
ENV_PREFIX = "DATAPOOL_"
DEFAULT_RETENTION_DAYS = 400
RETENTION_AREAS = ("lake", "quarantine", "exports", "reports", "feedback")
DEFAULT_CRON = "0 2 * * *"


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class DuckDBSettings:
    memory_limit: str | None = None
    threads: int | None = None
    temp_directory: Path | None = None
    max_temp_directory_size: str | None = None


@dataclass(frozen=True)
class Schedule:
    cron: str = DEFAULT_CRON
    timezone: str | None = None


@dataclass(frozen=True)
class Settings:
    duckdb: DuckDBSettings = field(default_factory=DuckDBSettings)
    retention_days: dict[str, int] = field(
        default_factory=lambda: {area: DEFAULT_RETENTION_DAYS for area in RETENTION_AREAS})
    schedule: Schedule = field(default_factory=Schedule)
    source: str = "defaults"       # where the settings came from, for the run record

    def duckdb_config(self) -> dict[str, Any]:
        """The `config=` of duckdb.connect: only what was set."""
        d = self.duckdb
        config: dict[str, Any] = {}
        if d.memory_limit:
            config["memory_limit"] = d.memory_limit
        if d.threads:
            config["threads"] = d.threads
        if d.temp_directory:
            config["temp_directory"] = str(d.temp_directory)
        if d.max_temp_directory_size:
            config["max_temp_directory_size"] = d.max_temp_directory_size
        return config

    def summary(self) -> dict:
        """Plain values for the run record (no personal data: sizes, counts, a path)."""
        d = self.duckdb
        return {"memory_limit": d.memory_limit, "threads": d.threads,
                "temp_directory": str(d.temp_directory) if d.temp_directory else None,
                "max_temp_directory_size": d.max_temp_directory_size,
                "retention_days": dict(self.retention_days), "source": self.source}


_SECTIONS = {
    "duckdb": {f.name for f in fields(DuckDBSettings)},
    "retention_days": set(RETENTION_AREAS),
    "schedule": {f.name for f in fields(Schedule)},
}


def config_path(home: Path | None) -> Path | None:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(home) / CONFIG_FILE if home is not None else None


def _read_file(path: Path | None) -> dict[str, dict]:
    if path is None or not path.exists():
        if path is not None and os.environ.get(CONFIG_ENV):
            raise ConfigError(f"{path}: no such configuration file ({CONFIG_ENV})")
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not readable as YAML ({type(exc).__name__})") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected sections {', '.join(_SECTIONS)}, found a {type(raw).__name__}")
    out: dict[str, dict] = {}
    for section, values in raw.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{path}: unknown section {section!r} (known: {', '.join(_SECTIONS)})")
        if values is None:
            continue
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: {section}: expected keys, found {values!r}")
        for key, value in values.items():
            if key not in _SECTIONS[section]:
                raise ConfigError(f"{path}: unknown setting {section}.{key} "
                                  f"(known: {', '.join(sorted(_SECTIONS[section]))})")
            out.setdefault(section, {})[key] = (value, f"{path}: {section}.{key}")
    return out


def _read_env(values: dict[str, dict]) -> None:
    for section, keys in _SECTIONS.items():
        for key in keys:
            name = f"{ENV_PREFIX}{section}_{key}".upper()
            if name in os.environ:
                values.setdefault(section, {})[key] = (os.environ[name], f"environment {name}")


def _positive_int(value: Any, where: str, minimum: int = 1) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a whole number") from None
    if number < minimum:
        raise ConfigError(f"{where}: {number} must be at least {minimum}")
    return number


def _size(value: Any, where: str, setting: str) -> str:
    """A size DuckDB reads (e.g. 4GB, 512MiB), checked on a throwaway connection."""
    text = str(value).strip()
    probe = duckdb.connect()
    try:
        probe.execute(f"SET {setting} = '{text.replace(chr(39), '')}'")
    except duckdb.Error:
        raise ConfigError(f"{where}: {text!r} is not a size DuckDB understands (e.g. 4GB, 512MB)") from None
    finally:
        probe.close()
    return text


def _timezone(value: Any, where: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: {text!r} is not an IANA time zone (e.g. Asia/Shanghai)") from None
    return text


def check_cron(value: Any, where: str) -> str:
    text = str(value).strip()
    if len(text.split()) not in (5, 6):
        raise ConfigError(f"{where}: {text!r} is not a cron expression (five fields, e.g. \"0 2 * * *\")")
    return text


def load_settings(home: Path | None) -> Settings:
    """The home's settings: defaults, then the file, then the environment."""
    path = config_path(home)
    values = _read_file(path)
    _read_env(values)

    def get(section: str, key: str):
        return values.get(section, {}).get(key, (None, None))

    memory, where = get("duckdb", "memory_limit")
    memory_limit = _size(memory, where, "memory_limit") if memory not in (None, "") else None
    threads_value, where = get("duckdb", "threads")
    threads = _positive_int(threads_value, where) if threads_value not in (None, "") else None
    temp_value, _ = get("duckdb", "temp_directory")
    temp = Path(str(temp_value)) if temp_value not in (None, "") else Path("tmp/duckdb")
    if not temp.is_absolute():
        temp = (Path(home) / temp) if home is not None else None
    max_temp, where = get("duckdb", "max_temp_directory_size")
    max_temp_size = _size(max_temp, where, "max_temp_directory_size") if max_temp not in (None, "") else None

    retention = {}
    for area in RETENTION_AREAS:
        days, where = get("retention_days", area)
        retention[area] = _positive_int(days, where) if days not in (None, "") else DEFAULT_RETENTION_DAYS

    cron_value, where = get("schedule", "cron")
    cron = check_cron(cron_value, where) if cron_value not in (None, "") else DEFAULT_CRON
    tz_value, where = get("schedule", "timezone")
    timezone = _timezone(tz_value, where) if tz_value not in (None, "") else None

    env_used = any(w.startswith("environment") for s in values.values() for _, w in s.values())
    source = str(path) if path is not None and path.exists() else "defaults"
    if env_used:
        source += " + environment"
    return Settings(duckdb=DuckDBSettings(memory_limit, threads, temp, max_temp_size),
                    retention_days=retention, schedule=Schedule(cron, timezone), source=source)


def local_timezone_name() -> str:
    """The server's IANA time zone (TZ, else /etc/timezone or /etc/localtime), UTC when unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else "")
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return _timezone(name, "time zone")
            except ConfigError:
                continue
    return "UTC"


# --- the settings of the night this process runs ------------------------------------------

_ACTIVE: Settings | None = None
_ACTIVE_LOCK = threading.Lock()


def activate(home: Path) -> Settings:
    """Load the home's settings and make them the ones `connect` applies in this process.

    Every stage calls it first, so a stage run on its own (a retry, a Dask
    worker running one county) connects with its home's settings too.
    """
    global _ACTIVE
    settings = load_settings(Path(home))
    with _ACTIVE_LOCK:
        _ACTIVE = settings
    return settings


def active() -> Settings:
    """The activated settings, else the environment's over the defaults (no home)."""
    return _ACTIVE if _ACTIVE is not None else load_settings(None)


def connect(database: str | Path = ":memory:", *, read_only: bool = False,
            settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with the memory limit, threads and spill folder of the night."""
    settings = settings or active()
    config = settings.duckdb_config()
    if settings.duckdb.temp_directory:
        settings.duckdb.temp_directory.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(database), read_only=read_only, config=config)


def effective_duckdb_settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What a connection actually runs with, as DuckDB reports it (for the run record)."""
    names = ("memory_limit", "threads", "temp_directory", "max_temp_directory_size")
    return {n: str(con.execute(f"SELECT current_setting('{n}')").fetchall()[0][0]) for n in names}

