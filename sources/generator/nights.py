"""Later nights: what each department drops before nights 2..K+1.

Each night's drop holds the increments (new settlements, new cremations
including one newly planted deceased-still-paid case, now and then a crop
disaster), one fresh snapshot of a small source, a late file (a snapshot
older than the one in force), a repeated file (an earlier delivery's exact
bytes under its old name) and a wrong delivery (a reason per night, in turn:
the 救助类别 column missing, a truncated xlsx, a snapshot that shrank by more
than a third, too many invalid ID numbers). truth/deliveries.csv says which is
which.
"""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sources.contracts import load_contracts

from .context import days
from .facts import settlement_rows
from .idnum import id_with_wrong_check_digit
from .model import County
from .names import DIAGNOSES_COMMON
from .planted import POLICY_OF
from .quirks import damage
from .receipts import Stats
from .tables import Formatter, number_cremations, number_settlements
from .writers import write_delivery, write_xlsx, csv_bytes

SMALL_SNAPSHOTS = ("tyjr_yf", "zgh_knzg", "fy_sxr", "sfj_jz", "gjj_jc")
LATE_SOURCES = ("sfj_jz", "zjj_zf", "scjg_zt", "xczx_jc", "fy_sxr")
WRONG_REASONS = ("missing_column", "truncated", "shrank", "invalid_ids")


@dataclass
class NightPlan:
    night: int
    run_date: dt.date
    extract: dt.date
    deceased: list = field(default_factory=list)
    deaths: list = field(default_factory=list)
    settlements: pd.DataFrame | None = None
    repeated: pd.DataFrame | None = None
    disasters: pd.DataFrame | None = None


def plan_nights(county: County, stats: Stats) -> list[NightPlan]:
    ctx, P = county.ctx, county.P
    plans = []
    if ctx.nights <= 0:
        return plans
    rng = ctx.rng("nights")
    pf, hs = stats.person, stats.household
    hid = P.hid.to_numpy()
    hsafe = np.maximum(hid, 0)
    alive = pf.alive.to_numpy() & (hid >= 0)
    bg = (P.tag == "").to_numpy()
    members = hs.members.to_numpy()[hsafe]
    parents = set(pf.parent1[pf.minor & (pf.parent1 >= 0)].tolist()) | set(pf.parent2[pf.minor & (pf.parent2 >= 0)].tolist())
    not_parent = ~np.isin(np.arange(len(P)), list(parents))
    mzj = county.facts["mzj_jzdx"]
    high_age = set(mzj.pid[mzj.benefit_category == "高龄津贴"].tolist())
    paid = set(mzj.pid.tolist())
    cats = mzj.groupby("pid").benefit_category.agg(lambda s: set(s)).to_dict()
    lone_old = [p for p in np.flatnonzero(alive & bg & (members == 1) & not_parent) if p in high_age
                and cats[p] <= {"高龄津贴", "城市特困", "农村特困"}]
    others_old = [p for p in np.flatnonzero(alive & bg & not_parent) if p in high_age]
    pool = list(rng.permutation(lone_old)) + [p for p in rng.permutation(others_old) if p not in set(lone_old)]
    unpaid_h = ~hs.paid.to_numpy()[hsafe]
    rsj = county.facts["rsj_jy"]
    public = set(rsj.pid[rsj.public_job == "是"].tolist())
    vets = set(county.facts["tyjr_yf"].pid.tolist()) if "tyjr_yf" in county.facts else set()
    ordinary = [p for p in np.flatnonzero(alive & bg & unpaid_h & (members == 1) & not_parent & (pf.age.to_numpy() >= 70))
                if p not in paid and p not in public and p not in vets]
    ordinary = list(rng.permutation(ordinary))
    gone: set[int] = set()
    history = county.facts["ybj_js"]
    seeds = np.flatnonzero(alive & bg)
    for k, run_date in enumerate(ctx.night_dates(), start=2):
        extract = run_date - dt.timedelta(days=1)
        plan = NightPlan(k, run_date, extract)
        while pool and pool[0] in gone:
            pool.pop(0)
        if pool:
            p = int(pool.pop(0))
            plan.deceased.append(p)
            gone.add(p)
        for _ in range(1 + ctx.people // 100_000):
            while ordinary and ordinary[0] in gone:
                ordinary.pop(0)
            if ordinary:
                p = int(ordinary.pop(0))
                plan.deaths.append(p)
                gone.add(p)
        # New outpatient settlements dated on the extract date: small bills,
        # never 大病, so no new ILL and no new catastrophic spending.
        cand = seeds[~np.isin(seeds, list(gone))]
        nvis = min(len(cand), max(2, int(rng.poisson(ctx.people * 0.0012))))
        who = rng.choice(cand, nvis, replace=False) if nvis else np.array([], dtype=np.int64)
        dates = np.full(len(who), np.datetime64(extract, "D"))
        s = settlement_rows(rng, who, dates, np.full(len(who), "门诊"), np.zeros(len(who), bool),
                            rng.choice(DIAGNOSES_COMMON, len(who)))
        over = np.maximum(0, s.out_of_pocket.to_numpy() - 400)
        s["insurance_paid"] = np.round(s.insurance_paid + over, 2)
        s["out_of_pocket"] = np.round(s.out_of_pocket - over, 2)
        plan.settlements = s
        plan.repeated = history.iloc[rng.choice(len(history), min(2, len(history)), replace=False)] if len(history) else None
        if k % 2 == 1:
            H = county.H
            heads = np.flatnonzero(alive & bg & (P.rel == "户主").to_numpy() & ~H.urban.to_numpy()[hsafe])
            hit = rng.choice(heads, min(len(heads), int(rng.integers(2, 6))), replace=False) if len(heads) else []
            plan.disasters = pd.DataFrame({
                "pid": hit, "disaster_no": f"ZQ{extract:%Y%m%d}{900 + k:03d}", "disaster_type": "风雹",
                "disaster_date": np.datetime64(extract - dt.timedelta(days=1), "D"), "loss_type": "农作物",
                "estimated_loss": (rng.integers(5, 60, len(hit)) * 100).astype(float)})
        plans.append(plan)
    return plans


def plant_night_truth(county: County, plans: list[NightPlan]) -> None:
    mzj = county.facts["mzj_jzdx"]
    for plan in plans:
        for p in plan.deceased:
            rows = mzj[mzj.pid == p].sort_values("benefit_category")
            for cat, amount in zip(rows.benefit_category, rows.monthly_amount):
                county.plant(plan.run_date, "review", "R_DECEASED_PAID", POLICY_OF[cat], p, float(amount), "month", "",
                             f"cremated {plan.extract - dt.timedelta(days=1)}, delivered on night {plan.night}")


def write_drops(county: County, plans: list[NightPlan], fmt: Formatter, inert: np.ndarray, inbox_files: dict,
                out: Path, deliveries: list, defects: list, counters: dict, snapshot_deliveries: dict,
                named: np.ndarray | None = None) -> None:
    ctx = county.ctx
    contracts = load_contracts()
    prev_drop: dict[str, Path] = {}
    for plan in plans:
        folder = out / "drops" / plan.run_date.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        night = plan.run_date.isoformat()
        rng = ctx.rng(f"drop:{night}")
        E = np.datetime64(plan.extract, "D")

        def put(code, d, extract, kind):
            path = folder / contracts[code].file_name(f"{extract:%Y%m%d}")
            rows = write_delivery(d, path, extract)
            defects.extend(rows)
            deliveries.append((night, path.name, kind))
            return path

        # Increments: settlements (with two records already delivered) and cremations.
        new = number_settlements(plan.settlements, counters["ybj"])
        counters["ybj"] += len(new)
        table = pd.concat([new, plan.repeated], ignore_index=True) if plan.repeated is not None else new
        t = fmt.ybj_js(table)
        rep_rows = np.flatnonzero(np.isin(t.settlement_no.to_numpy(), plan.repeated.settlement_no.to_numpy())) \
            if plan.repeated is not None else []
        d = damage(t, contracts["ybj_js"], rng, ctx.quirk_rate, inert, repeated_rids=rep_rows, named=named)
        prev_drop["ybj_js"] = put("ybj_js", d, plan.extract, "normal")
        dead = plan.deceased + plan.deaths
        cr = pd.DataFrame({"pid": np.array(dead, dtype=np.int64),
                           "death_date": E - days(2), "cremation_date": E - days(1)})
        cr = number_cremations(cr, counters["bzs"])
        counters["bzs"] += len(cr)
        d = damage(fmt.bzs_hh(cr), contracts["bzs_hh"], rng, ctx.quirk_rate, inert, named=named)
        prev_drop["bzs_hh"] = put("bzs_hh", d, plan.extract, "normal")
        if plan.disasters is not None and len(plan.disasters):
            d = damage(fmt.yjj_sz(plan.disasters), contracts["yjj_sz"], rng, ctx.quirk_rate, inert, named=named)
            put("yjj_sz", d, plan.extract, "normal")
        # A fresh snapshot of a small source (same register, new extract date).
        code = SMALL_SNAPSHOTS[(plan.night - 2) % len(SMALL_SNAPSHOTS)]
        put(code, snapshot_deliveries[code].reordered(), plan.extract, "normal")
        # A late snapshot: an older state of a register, dated before the one in force.
        code = LATE_SOURCES[(plan.night - 2) % len(LATE_SOURCES)]
        if code == SMALL_SNAPSHOTS[(plan.night - 2) % len(SMALL_SNAPSHOTS)]:
            code = LATE_SOURCES[(plan.night - 1) % len(LATE_SOURCES)]
        put(code, snapshot_deliveries[code].older(rng), ctx.extract - dt.timedelta(days=2 + plan.night), "late")
        # A repeated file: exact bytes of an earlier delivery under its old name.
        if plan.night % 2 == 0:
            src = inbox_files["bzs_hh"] if plan.night == 2 else prev_repeat_source(out, plans, plan, "bzs_hh")
        else:
            src = prev_repeat_source(out, plans, plan, "ybj_js")
        if src is not None and src.exists():
            shutil.copyfile(src, folder / src.name)
            deliveries.append((night, src.name, "repeat"))
        # A wrong delivery, one reason per night in turn.
        reason = WRONG_REASONS[(plan.night - 2) % len(WRONG_REASONS)]
        wrong_delivery(county, reason, folder, plan.extract, snapshot_deliveries, rng)
        deliveries.append((night, wrong_name(reason, plan.extract), f"wrong_{reason}"))


def prev_repeat_source(out: Path, plans: list[NightPlan], plan: NightPlan, code: str) -> Path | None:
    """The file of `code` delivered on the previous night (or the first inbox)."""
    contracts = load_contracts()
    prev = [p for p in plans if p.night == plan.night - 1]
    if prev:
        p = prev[0]
        return out / "drops" / p.run_date.isoformat() / contracts[code].file_name(f"{p.extract:%Y%m%d}")
    return None


WRONG_SOURCE = {"missing_column": "mzj_jzdx", "truncated": "clh_cjr", "shrank": "cgs_cl", "invalid_ids": "swj_sr"}


def wrong_name(reason: str, extract: dt.date) -> str:
    return load_contracts()[WRONG_SOURCE[reason]].file_name(f"{extract:%Y%m%d}")


def wrong_delivery(county: County, reason: str, folder: Path, extract: dt.date, snaps: dict, rng) -> Path:
    contracts = load_contracts()
    code = WRONG_SOURCE[reason]
    path = folder / contracts[code].file_name(f"{extract:%Y%m%d}")
    d = snaps[code]
    if reason == "missing_column":
        cols = [n for n in contracts[code].names if n != "benefit_category"]
        write_xlsx(d, path, extract, columns=cols)
    elif reason == "truncated":
        write_xlsx(d, path, extract)
        data = path.read_bytes()
        path.write_bytes(data[: max(64, int(len(data) * 0.55))])
    elif reason == "shrank":
        from copy import copy
        small = copy(d)
        keep = np.sort(rng.choice(len(d.table), max(1, int(len(d.table) * 0.5)), replace=False))
        small.table = d.table.iloc[keep].reset_index(drop=True)
        path.write_bytes(csv_bytes(small))
    elif reason == "invalid_ids":
        from copy import copy
        bad = copy(d)
        t = d.table.copy()
        n = len(t)
        pick = rng.choice(n, max(1, int(np.ceil(n * 0.12))), replace=False)
        vals = t["id_number"].to_numpy(dtype=object).copy()
        for j, i in enumerate(pick):
            v = vals[i]
            if isinstance(v, str) and len(v) == 18 and v[:17].isdigit():
                vals[i] = id_with_wrong_check_digit(v, j)
            else:
                vals[i] = "372422" + "0" * 11 + "1"
        t["id_number"] = vals
        bad.table = t
        path.write_bytes(csv_bytes(bad))
    return path
