"""The `datapool` command line (interfaces.md).

User errors (a bad date, a missing home, another run holding the lock) print
one line and exit 2; they never print a traceback.
"""
from __future__ import annotations

import os

# Air-gapped by default: no telemetry, no update checks, before Prefect is imported.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # `datapool city run`: no cluster chatter

import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from flows.errors import NightFailed, UserError
from flows.prefect_server import ServerDidNotStart, temporary_prefect_server

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="datapool: the county's social-assistance data pool.")
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

DEMO_HOME = Path("data/demo")
DEFAULT_HOME = Path("data")




def parse_date(text: str | None, what: str = "--date") -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} {text!r} is not a date of the form YYYY-MM-DD") from None


def _check_home(home: Path) -> None:
    if not (home / "inbox").is_dir():
        raise UserError(f"{home} is not a datapool home: it has no inbox/ folder")


@app.command()
def generate(out_dir: Path = typer.Option(..., "--out", help="home folder to write the county into"),
             people: int = typer.Option(2000, help="number of people in the county"),
             run_date: str = typer.Option(..., "--date", help="first night's run date, YYYY-MM-DD"),
             seed: int = typer.Option(1, help="random seed; same seed, same bytes"),
             nights: int = typer.Option(0, help="later nights' drops to write"),
             quirk_rate: float = typer.Option(0.01, help="share of rows showing each quirk")) -> None:
    """Write a synthetic county: inbox, later drops, divisions and truth."""
    d = parse_date(run_date)
    if people < 100:
        raise UserError("--people must be at least 100 (the worked examples alone need 20)")
    from sources.generator import generate as generate_county

    t0 = time.perf_counter()
    with console.status(f"generating {people:,} people ..."):
        summary = generate_county(out_dir, people=people, date=d, seed=seed, nights=nights,
                                  quirk_rate=quirk_rate)
    out.print(f"generated {out_dir} in {time.perf_counter() - t0:.1f} s: "
              + ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, (int, float, str))))


@app.command()
def deliver(home: Path = typer.Option(DEFAULT_HOME, help="home folder"),
            night: str = typer.Option(..., "--date", help="night whose drop to deliver")) -> None:
    """Move a night's drop into the inbox, as the departments would."""
    from sources.generator import deliver as deliver_drop

    d = parse_date(night)
    try:
        moved = deliver_drop(home, d)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    out.print(f"delivered {len(moved)} files into {home / 'inbox'}")


def _settings(home: Path):
    """The home's datapool.yaml and DATAPOOL_* variables, or a one-line error naming the key."""
    from transforms.config import ConfigError, load_settings

    try:
        return load_settings(home.resolve())
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def _check_night_settings(home: Path) -> None:
    """The home's settings and the fault hook, checked before a night starts anything."""
    _settings(home)
    if os.environ.get("DATAPOOL_FAULT"):  # the test hook (flows/nightly.py imports Prefect: only then)
        from flows.nightly import check_fault_setting

        try:
            check_fault_setting()
        except ValueError as exc:
            raise UserError(str(exc)) from None


# What a night imports as it goes (its stages, and Prefect's engine, import lazily), imported up
# front instead while the Prefect server boots on the other core.
NIGHT_MODULES = ("flows.nightly", "prefect.flow_engine", "prefect.task_engine", "prefect.artifacts",
                 "prefect.runtime", "prefect.utilities.visualization", "fastapi.encoders",
                 "anyio._backends._asyncio", "pyarrow.pandas_compat", "sources.inbox", "transforms.reference",
                 "transforms.pseudonym", "transforms.identity", "transforms.labels", "transforms.linkage",
                 "transforms.rules", "transforms.values", "transforms.warehouse", "transforms.feedback",
                 "transforms.worklist", "transforms.exports", "transforms.analytics", "transforms.report",
                 "transforms.housekeeping", "holidays.countries.china")


def _delivery_sizes(home: Path) -> list[int]:
    """Sizes of the files in the inbox that may be deliveries (sources/inbox.py `_list_inbox`)."""
    try:
        return [p.stat().st_size for p in (home / "inbox").iterdir()
                if p.is_file() and not p.name.startswith((".", "~$")) and not p.name.endswith((".part", ".done"))]
    except OSError:
        return []


def _prepare_night(home: Path) -> None:
    """Checks and imports of a night, run while its Prefect server boots.

    great_expectations (seconds to import) where the night would import it:
    in this process when the inbox holds deliveries, none large enough to send
    validation to a worker process (transforms/expectations.py); else in that
    worker, started now. Only a
    head start: a module that fails to import here fails where the night
    imports it, as it would have; GX failing is the night's `gx_error` rows."""
    import importlib

    _check_night_settings(home)
    for name in NIGHT_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001
            pass
    sizes = _delivery_sizes(home)
    if sizes:
        try:
            from transforms.expectations import PROCESS_FROM_BYTES, Validations, prepare_expectations

            if max(sizes) < PROCESS_FROM_BYTES:
                prepare_expectations()
            else:  # the worker the inbox will send validation to, importing GX meanwhile
                Validations().warm_up()
        except Exception:  # noqa: BLE001
            pass


def run_night(home: Path, run_date: date) -> dict:
    """One night under the home's lock (taken before Prefect starts, so a refusal is one line)."""
    from flows.lock import RunLock

    _check_home(home)
    with RunLock(home), _night_server(home):
        from flows.nightly import nightly_flow

        return nightly_flow(str(home.resolve()), run_date)


@contextmanager
def _night_server(home: Path):
    """The night's temporary Prefect server (flows/prefect_server.py), started before Prefect is
    imported; a server that never answers is one line."""
    try:
        with temporary_prefect_server(home, while_it_starts=lambda: _prepare_night(home)):
            yield
    except ServerDidNotStart as exc:
        raise NightFailed(str(exc)) from None


def _print_outputs(home: Path, run_date: date, result: dict) -> None:
    d = run_date.isoformat()
    run = result.get("run", {})
    out.print(f"night {d} published: {run.get('items_new', '?')} new worklist items, "
              f"{run.get('items_open', '?')} open; sources ok {run.get('sources_ok', '?')}, "
              f"failed {run.get('sources_failed', '?')}")
    out.print(f"  worklists : {home / 'exports' / d}")
    out.print(f"  warehouse : {home / 'warehouse.duckdb'} (full) and {home / 'analytics.duckdb'} (analysts)")
    out.print(f"  report    : {home / 'reports' / (d + '.html')}")


@app.command()
def nightly(home: Path = typer.Option(DEFAULT_HOME, help="home folder"),
            run_date: Optional[str] = typer.Option(None, "--date", help="run date (default today)"),
            from_date: Optional[str] = typer.Option(None, "--from", help="first night of a backfill"),
            to_date: Optional[str] = typer.Option(None, "--to", help="last night of a backfill")) -> None:
    """Run the nightly flow on HOME/inbox; exit 0 when the night published.

    A backfill (--from D1 --to D2) replays the nights D1..D2 in order, one run
    per night under one lock. It delivers nothing: each night takes what the
    inbox holds with an extract date before that night, so files that piled
    up while the nights were missed fall into the nights they belong to. It
    stops at the first night that does not publish.
    """
    from flows.lock import RunLock

    if from_date or to_date:
        if not (from_date and to_date) or run_date:
            raise UserError("a backfill takes both --from and --to, and no --date")
        first, last = parse_date(from_date, "--from"), parse_date(to_date, "--to")
        if last < first:
            raise UserError("--to is before --from")
        nights = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    else:
        nights = [parse_date(run_date)]
    _check_home(home)
    # a backfill holds the home, and one Prefect server, from its first night to its last
    with RunLock(home), _night_server(home):
        for i, d in enumerate(nights):
            if len(nights) > 1:
                out.print(f"backfill night {i + 1} of {len(nights)}: {d.isoformat()}")
            try:
                result = run_night(home, d)
            except UserError:
                raise
            except Exception as exc:
                left = f"; nights {d.isoformat()}..{nights[-1].isoformat()} not run" if len(nights) > 1 else ""
                # the type only: the message may quote a value; the Prefect log has the traceback
                raise NightFailed(f"night {d.isoformat()} did not publish ({type(exc).__name__}; "
                                  f"see the Prefect log above){left}") from exc
            _print_outputs(home, d, result)


@app.command()
def demo(people: int = typer.Option(2000, help="people in the demo county"),
         seed: int = typer.Option(1, help="random seed"),
         run_date: str = typer.Option("2026-03-15", "--date", help="the demo night (D of the worked examples)")) -> None:
    """Build a small synthetic county in data/demo/, run the night, show the outputs."""
    import shutil

    from sources.generator import generate as generate_county

    d = parse_date(run_date)
    t0 = time.perf_counter()
    if DEMO_HOME.exists():
        shutil.rmtree(DEMO_HOME)
    with console.status(f"generating a county of {people:,} people into {DEMO_HOME} ..."):
        generate_county(DEMO_HOME, people=people, date=d, seed=seed, nights=0)
    with console.status("running the night ..."):
        result = run_night(DEMO_HOME, d)
    _print_outputs(DEMO_HOME, d, result)
    _print_items_by_township(DEMO_HOME)
    out.print(f"demo finished in {time.perf_counter() - t0:.1f} s. Query the analysts' copy: "
              f".venv/bin/python -c \"import duckdb; print(duckdb.connect('{DEMO_HOME / 'analytics.duckdb'}', "
              f"read_only=True).sql('SELECT kind, policy_code, count(*) FROM worklist GROUP BY ALL'))\"")


def _print_items_by_township(home: Path) -> None:
    """Counts only: the terminal is a log, and logs carry no personal data."""
    import duckdb

    from transforms.status import rows_table

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("""
            SELECT coalesce(township_name, township_code), kind,
                   CASE WHEN rule_code = 'DISCOVER' THEN policy_code ELSE rule_code || ' ' || policy_code END,
                   count(*), sum(amount) FILTER (WHERE amount_period = 'month')
            FROM marts.worklist GROUP BY ALL ORDER BY 1, 2, 3""").fetchall()
    table = rows_table("Tonight's worklist by township",
                       ("township", "kind", "rule / policy", "items", "yuan/month"), rows)
    out.print(table)


@app.command()
def status(home: Path = typer.Option(DEFAULT_HOME, help="home folder")) -> None:
    """Last runs, deliveries, quarantined files and worklist counts."""
    from transforms.status import render_status

    _check_home(home)
    render_status(home, out)
    _print_stale_sources(home)


def _print_stale_sources(home: Path) -> None:
    """Sources with no delivery within their maximum age, as of the last night (until they deliver)."""
    import duckdb

    from transforms.status import rows_table

    warehouse = home / "warehouse.duckdb"
    if not warehouse.exists():
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            rows = con.execute("""
                SELECT s.source_code, coalesce(CAST(s.newest_extract AS VARCHAR), 'never delivered'),
                       CAST(r.run_date - s.newest_extract AS INTEGER)
                FROM meta.stale_source s JOIN (SELECT max(run_date) AS run_date FROM meta.run) r USING (run_date)
                ORDER BY s.source_code""").fetchall()
        except duckdb.CatalogException:
            return
    if rows:
        out.print(rows_table("Stale sources (no delivery within their maximum age)",
                             ("source", "newest accepted extract", "days old"), rows))
    else:
        out.print("Stale sources: none")


rules_app = typer.Typer(no_args_is_help=True, help="The policy rules (policies/rules/*.yaml).")
app.add_typer(rules_app, name="rules")


@rules_app.command("explain")
def rules_explain(code: str = typer.Argument(..., help="rule code, e.g. FACT_UNSUPPORTED_CHILD"),
                  on: Optional[str] = typer.Option(None, "--date", help="date of the parameters (default today)")
                  ) -> None:
    """Print a rule, its parameters in force on a date, and the SQL it compiles to."""
    from transforms.rules import RuleError, explain

    d = parse_date(on)
    try:
        text = explain(code, d)
    except (KeyError, RuleError) as exc:
        raise UserError(str(exc).strip("'\"")) from None
    out.print(text, markup=False, highlight=False)


@rules_app.command("list")
def rules_list() -> None:
    """Every rule with its kind, policy, target and name."""
    from transforms.rules import RuleError, load_rules

    try:
        rules = load_rules()
    except RuleError as exc:
        raise UserError(str(exc)) from None
    for r in rules:
        out.print(f"{r.code:<26} {r.kind:<9} {r.target:<10} {r.name}", markup=False, highlight=False)


@app.command()
def simulate(settings: list[str] = typer.Option(..., "--set", help="NAME=VALUE, repeatable"),
             home: Path = typer.Option(DEFAULT_HOME, help="home folder whose warehouse to read (never written)"),
             on: Optional[str] = typer.Option(None, "--date", help="date (default: the warehouse's last night)")
             ) -> None:
    """What if parameters changed: who becomes eligible or stops, by township, and the monthly cost."""
    from transforms.rules import parse_setting
    from transforms.rules import simulate as run_simulation
    from transforms.status import rows_table

    warehouse = home / "warehouse.duckdb"
    if not warehouse.exists():
        raise UserError(f"{home} has no warehouse.duckdb: run `datapool nightly --home {home}` first")
    changes: dict = {}
    for text in settings:
        try:
            name, value = parse_setting(text)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        changes[name] = value
    d = parse_date(on) if on else None
    with console.status("simulating ..."):
        result = run_simulation(warehouse, changes, d)
    shown = ", ".join(f"{k}={'|'.join(v) if isinstance(v, list) else f'{v:g}'}" for k, v in changes.items())
    out.print(f"simulate {shown} on {result['run_date'].isoformat()} ({result['seconds']} s)")
    rows = [(t["township_name"] or t["township_code"], t["households_new"], t["people_new"],
             t["households_lost"], t["people_lost"], f"{t['monthly_cost_change']:+,.2f}")
            for t in result["townships"]]
    total = result["total"]
    rows.append(("total", total["households_new"], total["people_new"], total["households_lost"],
                 total["people_lost"], f"{total['monthly_cost_change']:+,.2f}"))
    out.print(rows_table("Eligibility change by township",
                         ("township", "households new", "people new", "households no longer",
                          "people no longer", "yuan/month change"), rows))
    if result["policies"]:
        out.print(rows_table("By policy", ("policy", "newly eligible", "no longer eligible", "yuan/month change"),
                             [(p["policy_code"], p["new"], p["lost"], f"{p['monthly_cost_change']:+,.2f}")
                              for p in result["policies"]]))
    out.print(f"monthly cost of everyone eligible: {result['monthly_cost_before']:,.2f} -> "
              f"{result['monthly_cost_after']:,.2f} yuan")


@app.command()
def serve(home: Path = typer.Option(DEFAULT_HOME, help="home folder"),
          cron: Optional[str] = typer.Option(None, help='cron schedule (default: datapool.yaml schedule.cron, '
                                                        'else "0 2 * * *")'),
          name: str = typer.Option("datapool-nightly", help="deployment name (one per home on a server)")) -> None:
    """Serve the nightly flow on a cron schedule through a Prefect server (`prefect server start`).

    Registers the deployment and its schedule with the server PREFECT_API_URL
    names, then runs each scheduled night in a process of its own until
    stopped (Ctrl-C). A scheduled night's run date is its scheduled day in the
    schedule's time zone (datapool.yaml schedule.timezone, else the server's).
    """
    from transforms.config import ConfigError, check_cron, local_timezone_name

    _check_home(home)
    settings = _settings(home)
    try:
        cron = check_cron(cron, "--cron") if cron else settings.schedule.cron
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    timezone_name = settings.schedule.timezone or local_timezone_name()
    api_url = _prefect_server()

    from prefect.schedules import Cron

    from flows.nightly import nightly_flow

    out.print(f"serving {name} for {home.resolve()}: cron \"{cron}\" ({timezone_name}) on {api_url}; "
              "Ctrl-C stops")
    nightly_flow.serve(name=name, schedules=[Cron(cron, timezone=timezone_name)],
                       parameters={"home": str(home.resolve()), "run_date": None}, limit=1)


def _prefect_server() -> str:
    """The Prefect server `serve` registers with; a clear error when none is set or none answers."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        raise UserError("datapool serve needs a Prefect server: run `prefect server start`, then "
                        "set PREFECT_API_URL=http://127.0.0.1:4200/api")
    import httpx

    try:
        ok = httpx.get(url.rstrip("/") + "/health", timeout=10).status_code == 200
    except httpx.HTTPError:
        ok = False
    if not ok:
        raise UserError(f"no Prefect server answers at {url} (PREFECT_API_URL): start it with `prefect server start`")
    return url


city_app = typer.Typer(no_args_is_help=True,
                       help="A city of counties: every county's night on a Dask cluster, then the city step.")
app.add_typer(city_app, name="city")


@city_app.command("generate")
def city_generate(out_dir: Path = typer.Option(..., "--out", help="city home to write the counties into"),
                  counties: str = typer.Option("371402,371403,371426", help="county codes of 德州市, comma-separated"),
                  people: int = typer.Option(2000, help="people in each county"),
                  run_date: str = typer.Option(..., "--date", help="first night's run date, YYYY-MM-DD"),
                  seed: int = typer.Option(1, help="random seed; same seed, same bytes")) -> None:
    """Synthetic counties under OUT/counties/<code>/, with cross-county cases planted (OUT/truth/)."""
    d = parse_date(run_date)
    if people < 100:
        raise UserError("--people must be at least 100 (the worked examples alone need 20)")
    from sources.generator.city import generate_city

    codes = [c.strip() for c in counties.split(",") if c.strip()]
    t0 = time.perf_counter()
    try:
        with console.status(f"generating {len(codes)} counties of {people:,} people ..."):
            summary = generate_city(out_dir, codes, people=people, date=d, seed=seed)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    planted = ", ".join(f"{k} {v}" for k, v in summary["cross_county"].items())
    out.print(f"generated {len(codes)} counties into {out_dir / 'counties'} in {time.perf_counter() - t0:.1f} s; "
              f"cross-county cases planted: {planted}")


@city_app.command("run")
def city_run(home: Path = typer.Option(..., help="city home: one county home per counties/<county code>/"),
             run_date: Optional[str] = typer.Option(None, "--date", help="run date (default today)"),
             scheduler: Optional[str] = typer.Option(
                 None, envvar="DATAPOOL_DASK_SCHEDULER",
                 help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)"),
             workers: int = typer.Option(2, help="worker processes of the local cluster (without --scheduler)")
             ) -> None:
    """Every county's night on Dask workers, one Prefect task each, then the city register and marts."""
    from transforms.city import CityHome, county_codes

    d = parse_date(run_date)
    if workers < 1:
        raise UserError("--workers must be at least 1")
    codes = county_codes(CityHome(home))
    if not codes:
        raise UserError(f"{home} is not a city home: it has no county homes under counties/<county code>/")
    from flows.city import run_city

    t0 = time.perf_counter()
    try:
        with console.status(f"running {len(codes)} county nights on "
                            f"{scheduler or f'a local cluster of {workers} workers'} ..."):
            result = run_city(home, d, scheduler=scheduler, workers=workers)
    except ValueError as exc:  # a remote cluster without a Prefect server
        raise UserError(str(exc)) from None
    except FileNotFoundError as exc:  # no county has ever published its city lake
        raise NightFailed(str(exc)) from None
    for code, r in sorted(result["counties"].items()):
        out.print(f"  county {code}: {r['items_new']} new worklist items, {r['items_open']} open "
                  f"(worker {r['worker']})")
    city = result["city"]
    kinds = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in city.items() if k.startswith("finding."))
    out.print(f"city {d.isoformat()}: {city.get('city.cross_county_finding', 0)} cross-county findings"
              f"{' (' + kinds + ')' if kinds else ''} over {len(codes)} counties in "
              f"{time.perf_counter() - t0:.1f} s: {CityHome(home).warehouse}")
    if result["failed"]:
        raise NightFailed(f"the night failed for counties {', '.join(result['failed'])}; "
                          "their last city lake partition stays in the city step")


def main() -> None:
    try:
        app(standalone_mode=False)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except NightFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # click's own usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(2)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
