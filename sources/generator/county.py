"""generate(): a whole synthetic county, from people to files and truth."""
from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sources.contracts import SOURCE_ORDER, load_contracts

from .assets import add_outsiders, draw_assets
from .context import Ctx
from .facts import (cremations_from_register, draw_corrections, draw_disabilities, draw_disasters, draw_employment,
                    draw_illnesses, draw_incomes, draw_monitoring, draw_settlements, draw_statuses, draw_students)
from .model import County
from .nights import plan_nights, plant_night_truth, write_drops
from .oracle import evaluate
from .places import COUNTY_CODE, build_places, county_townships
from .planted import plant_all
from .quirks import UNUSABLE_ID_KINDS, damage
from .receipts import Stats, pay
from .tables import Formatter, number_cremations, number_settlements
from .truth import build_truth
from .writers import write_csv, write_delivery

FINDING_COLUMNS = ["night", "kind", "rule_code", "policy_code", "target", "id_number", "household_no", "amount",
                   "amount_period", "example", "note"]
MIN_PEOPLE = 100


def build_county(ctx: Ctx, timings: dict | None = None,
                 guests: Callable[[County], None] | None = None) -> tuple[County, Stats, list]:
    t = time.perf_counter()
    timings = timings if timings is not None else {}

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 2)
        t = now

    places = build_places(ctx.rng("places"), ctx.people, ctx.county)
    county = County(ctx, places)
    planter = plant_all(county)
    county.build()
    planter.students_after_build()
    county.flush()
    lap("population")
    draw_statuses(county)
    draw_disabilities(county)
    draw_illnesses(county)
    draw_corrections(county)
    draw_students(county)
    draw_employment(county)
    draw_incomes(county)
    draw_settlements(county)
    cremations_from_register(county)
    draw_disasters(county)
    draw_monitoring(county)
    lap("facts")
    outsiders = add_outsiders(county)
    if guests is not None:
        # People registered in another county who show up here (city.py): added
        # before the receipts so that every later step and the oracle see them.
        guests(county)
        county.flush()
    stats = pay(county)
    planter.finish_after_receipts()
    county.flush()
    draw_assets(county, stats, outsiders)
    county.facts["ybj_js"] = number_settlements(county.facts["ybj_js"], 1)
    county.facts["bzs_hh"] = number_cremations(county.facts["bzs_hh"], 1)
    plans = plan_nights(county, stats)
    plant_night_truth(county, plans)
    _check_planted(county, stats)
    lap("receipts")
    return county, stats, plans


def _check_planted(county: County, stats: Stats) -> None:
    """The generator's own sanity check of what it planted (not truth-making):
    every planted FACT_UNSUPPORTED_CHILD child is eligible by §2/§3 row 9 as
    receipts.py reads it, and unpaid; every background child so eligible is paid."""
    pf = stats.person
    mzj = county.facts["mzj_jzdx"]
    paid_fuc = set(mzj.pid[mzj.benefit_category.isin(("事实无人抚养儿童", "孤儿"))].tolist())
    for t in county.truth:
        if t.policy_code == "FACT_UNSUPPORTED_CHILD" and not t.example:
            if not pf.fuc.iat[t.pid]:
                raise AssertionError(f"planted FUC child {t.pid} is not eligible")
            if t.pid in paid_fuc:
                raise AssertionError(f"planted FUC child {t.pid} is paid")
    eligible = np.flatnonzero((pf.fuc | pf.orphan).to_numpy() & pf.managed.to_numpy())
    planted = {t.pid for t in county.truth if t.policy_code == "FACT_UNSUPPORTED_CHILD"}
    missing = [p for p in eligible if p not in paid_fuc and p not in planted]
    if missing:
        raise AssertionError(f"{len(missing)} eligible background children unpaid")


def inert_people(county: County, stats: Stats, plans: list, findings: pd.DataFrame | None = None) -> np.ndarray:
    """People whose rows may carry unrecoverable ID damage: nothing about them
    or their household can make or hide a finding. Candidates have no
    disability, illness, prison, benefit, death, veteran or poor-worker file,
    are not planted, not a parent, not hard up, not dying in a later night, and
    neither they nor any member of their household is in an oracle finding.
    Then two counterfactuals run the oracle again as if every candidate's rows
    had vanished: from all sources but gaj, and from gaj as well; the members of
    a household whose findings change either way are not inert."""
    P, f = county.P, county.facts
    pf, hs = stats.person, stats.household
    ok = (P.tag == "").to_numpy() & ~P.locked.to_numpy() & ~P.dead.to_numpy()
    ok &= ((P.status == "正常") | ~P.in_gaj).to_numpy()
    for code in ("clh_cjr", "wjw_mb", "sfj_jz", "mzj_jzdx", "bzs_hh", "tyjr_yf", "zgh_knzg", "xczx_jc"):
        if code in f and len(f[code]):
            ok[f[code].pid.to_numpy()] = False
    r = f["rsj_jy"]
    ok[r.pid[r.public_job == "是"].to_numpy()] = False
    for col in ("parent1", "parent2"):
        par = pf[col].to_numpy()
        ok[par[par >= 0]] = False
    hid = P.hid.to_numpy()
    hsafe = np.maximum(hid, 0)
    bad_h = hs.paid.to_numpy() | hs.hard.to_numpy() | ~hs.managed.to_numpy()
    ok &= ~np.where(hid >= 0, bad_h[hsafe], False)
    for plan in plans:
        ok[plan.deceased + plan.deaths] = False
    if findings is None:
        return ok

    def exclude(frame: pd.DataFrame) -> None:
        ok[frame.pid.to_numpy()] = False
        hh = frame.hid.to_numpy()
        hh = np.unique(hh[hh >= 0])
        ok[np.isin(hid, hh) & (hid >= 0)] = False

    exclude(findings)
    keys = ["kind", "rule_code", "policy_code", "target", "pid", "hid", "amount"]
    base = findings[keys].astype(str)
    drop = ok.copy()
    for gaj in (False, True):
        alt = evaluate(county, drop=drop, drop_gaj=drop if gaj else None)[keys].astype(str)
        both = base.merge(alt, how="outer", indicator=True)
        changed = both[both["_merge"] != "both"]
        exclude(pd.DataFrame({"pid": changed.pid.astype(int).to_numpy(), "hid": changed.hid.astype(int).to_numpy()}))
    return ok


def generate(out: Path, people: int, date: dt.date, seed: int, nights: int = 0, quirk_rate: float = 0.01,
             county: str = COUNTY_CODE, guests: Callable[[County], None] | None = None) -> dict:
    """Write a synthetic county into `out` (see the package docstring); return counts.

    `county` is the county code (平原县 by default; any county of 德州市, places.py).
    `guests(county)` may add people from elsewhere and their facts before the
    receipts are drawn (city.py plants cross-county cases so)."""
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE}")
    if nights < 0:
        raise ValueError("nights must not be negative")
    if not 0 <= quirk_rate <= 0.2:
        raise ValueError("quirk_rate must be between 0 and 0.2")
    out = Path(out)
    timings: dict = {}
    county_townships(county)  # an unknown county code fails here, before anything is written
    ctx = Ctx(date=date, seed=int(seed), people=int(people), nights=int(nights), quirk_rate=float(quirk_rate),
              county=county)
    county, stats, plans = build_county(ctx, timings, guests)
    t0 = time.perf_counter()
    for sub in ("drops", "truth"):
        shutil.rmtree(out / sub, ignore_errors=True)
    (out / "inbox").mkdir(parents=True, exist_ok=True)
    contracts = load_contracts()

    divisions = county.places.divisions()
    write_csv(out / "reference" / "divisions.csv", divisions[["code", "name", "township_code"]])

    oracle_rows = evaluate(county)
    inert = inert_people(county, stats, plans, oracle_rows)
    fmt = Formatter(county)
    rng = ctx.rng("file_quirks")
    rate = ctx.quirk_rate
    n_rename = max(1, round(100 * rate)) if rate > 0 else 0
    renamed = set(rng.choice(list(SOURCE_ORDER), n_rename, replace=False).tolist()) if n_rename else set()
    titled = {c for c in SOURCE_ORDER if contracts[c].format == "xlsx" and rng.random() < min(1.0, 20 * rate)}
    ybj, bzs = county.facts["ybj_js"], county.facts["bzs_hh"]
    counters = {"ybj": len(ybj) + 1, "bzs": len(bzs) + 1}
    defects: list = []
    deliveries: list = []
    deliveries_by_code = {}
    inbox_files = {}
    clean_tables = {}
    rows = {}
    named = None  # people with a usable gaj row: only their names may vary elsewhere
    for code in SOURCE_ORDER:
        if code == "ybj_js":
            table = fmt.ybj_js(ybj)
        elif code == "bzs_hh":
            table = fmt.bzs_hh(bzs)
        elif code == "yjj_sz":
            table = fmt.yjj_sz(county.facts.get("yjj_sz", _empty_yjj()))
        else:
            table = getattr(fmt, code)()
        d = damage(table, contracts[code], ctx.rng(f"quirks:{code}"), rate, inert,
                   rename=code in renamed, titled=code in titled, named=named)
        if code == "gaj_hjrk":
            named = _usable_people(d, len(county.P))
        clean_tables[code] = table
        path = out / "inbox" / contracts[code].file_name(f"{ctx.extract:%Y%m%d}")
        defects.extend(write_delivery(d, path, ctx.extract))
        deliveries.append((ctx.date.isoformat(), path.name, "normal"))
        deliveries_by_code[code] = d
        inbox_files[code] = path
        rows[code] = len(d.table)
    timings["inbox"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    if plans:
        write_drops(county, plans, fmt, inert, inbox_files, out, deliveries, defects, counters, deliveries_by_code,
                    named=named)
    timings["drops"] = round(time.perf_counter() - t0, 2)

    truth = out / "truth"
    findings = _findings_frame(county, oracle_rows)
    write_csv(truth / "findings.csv", findings)
    dfx = pd.DataFrame(defects, columns=["file", "row", "column", "kind", "recoverable"])
    dfx = dfx.sort_values(["file", "row", "column", "kind"], kind="stable")
    write_csv(truth / "defects.csv", dfx)
    dl = pd.DataFrame(deliveries, columns=["night", "file", "kind"]).sort_values(["night", "file"], kind="stable")
    write_csv(truth / "deliveries.csv", dl)
    t0 = time.perf_counter()
    register = build_truth(county, {c: p.name for c, p in inbox_files.items()}, deliveries_by_code, clean_tables)
    for name, frame in register.items():
        write_csv(truth / name, frame)
    timings["truth"] = round(time.perf_counter() - t0, 2)
    links = register["links.csv"]
    return {
        "people": int(county.P.in_gaj.sum()), "households": int(len(county.H)),
        "villages": int(len(county.places.villages)), "townships": 12, "files": len(SOURCE_ORDER),
        "findings": int(len(findings)), "findings_first_night": int((findings.night == ctx.date.isoformat()).sum()),
        "defects": int(len(dfx)), "nights": int(nights), "drop_files": int(sum(1 for x in deliveries if x[0] != ctx.date.isoformat())),
        "rows": rows, "register": int(len(register["people.csv"])),
        "links": {k: int(v) for k, v in sorted(links.expected.value_counts().items())},
        "conflicts": {k: int(v) for k, v in sorted(register["conflicts.csv"].kind.value_counts().items())},
        "seconds": timings,
    }


def _usable_people(d, n: int) -> np.ndarray:
    """By pid: a row of this delivery carries the person's ID usably."""
    bad = {w for w, _, kind, _ in d.defects if kind in UNUSABLE_ID_KINDS}
    t = d.table
    pid = t["_pid"].to_numpy()
    ok = ~np.isin(t["_rid"].to_numpy(), list(bad)) & (pid >= 0)
    out = np.zeros(n, bool)
    out[pid[ok]] = True
    return out


def _empty_yjj() -> pd.DataFrame:
    return pd.DataFrame({"pid": np.array([], dtype=np.int64), "disaster_no": [], "disaster_type": [],
                         "disaster_date": np.array([], dtype="datetime64[D]"), "loss_type": [], "estimated_loss": []})


def _findings_frame(county: County, oracle_rows: pd.DataFrame) -> pd.DataFrame:
    """truth/findings.csv: the oracle's first-night findings, with the notes and
    example tags of the cases planted for them, and the later nights' planted rows."""
    P, H = county.P, county.H
    first = county.ctx.date
    planted = {}
    for t in county.truth:
        if t.night == first:
            planted[(t.kind, t.rule_code, t.policy_code, int(t.pid))] = t
    rows = []
    seen = set()
    tags = H.tag.to_numpy(dtype=object)
    for r in oracle_rows.itertuples(index=False):
        key = (r.kind, r.rule_code, r.policy_code, int(r.pid))
        seen.add(key)
        t = planted.get(key)
        hid = int(r.hid)
        tag = tags[hid] if hid >= 0 else ""
        example = tag if isinstance(tag, str) and tag[:1] == "E" and tag[1:].isdigit() else ""
        rows.append({"night": first.isoformat(), "kind": r.kind, "rule_code": r.rule_code,
                     "policy_code": r.policy_code, "target": r.target, "id_number": P.id.iat[int(r.pid)],
                     "household_no": H.hh_no.iat[hid] if hid >= 0 else "", "amount": _amount_text(r.amount),
                     "amount_period": r.amount_period if r.amount != "" else "",
                     "example": example, "note": t.note if t is not None else r.note})
    missing = sorted(set(planted) - seen)
    if missing:
        raise AssertionError(f"planted findings the oracle does not raise: {missing[:5]}")
    for t in county.truth:
        if t.night == first:
            continue
        hid = int(P.hid.iat[t.pid])
        night = t.night.isoformat() if hasattr(t.night, "isoformat") else str(t.night)
        rows.append({"night": night, "kind": t.kind, "rule_code": t.rule_code, "policy_code": t.policy_code,
                     "target": t.target, "id_number": P.id.iat[t.pid],
                     "household_no": H.hh_no.iat[hid] if hid >= 0 else "", "amount": _amount_text(t.amount),
                     "amount_period": t.amount_period, "example": t.example, "note": t.note})
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    df["_ex"] = df.example.replace("", "~")
    df = df.sort_values(["night", "_ex", "kind", "rule_code", "policy_code", "household_no", "id_number"],
                        kind="stable")
    return df.drop(columns="_ex").reset_index(drop=True)


def _amount_text(amount) -> str:
    if amount == "" or amount is None:
        return ""
    a = float(amount)
    return str(int(a)) if a.is_integer() else f"{a:.2f}"
