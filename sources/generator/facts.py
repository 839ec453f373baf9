"""The background county's facts, department by department, at plausible rates.

Only background people (not planted in a case) get random facts here; planted
people get exactly the facts their case says. Facts agree across sources as
in life: the ill have settlements for their illness, the dead have
cremations, students are of school age, pensions go to the old.

Dates are kept out of the run's sensitive windows on purpose (a severe
certificate issued in the last 90 days, a job-seeker registered a year ago, a
prison term ending tonight, a house collapsed last week would each raise a
finding nobody planted), so that the background stays clean for the rules.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .context import days
from .model import County, NaT
from .names import DIAGNOSES_COMMON, SCHOOLS_COUNTY

SERIOUS_ILLNESS = ("恶性肿瘤", "尿毒症", "白血病", "器官移植术后", "精神分裂症", "分裂情感性障碍",
                   "偏执性精神病", "双相情感障碍", "癫痫所致精神障碍", "精神发育迟滞伴发精神障碍")
CRITICAL_DISEASES = ("恶性肿瘤", "尿毒症", "白血病", "器官移植术后")
DISABILITY_TYPES = ("肢体", "视力", "听力", "言语", "智力", "精神", "多重")
DISABILITY_TYPE_P = (0.45, 0.12, 0.14, 0.02, 0.10, 0.12, 0.05)
GRADES = ("一级", "二级", "三级", "四级")
GRADE_P = (0.08, 0.17, 0.30, 0.45)
CN_NUM = "一二三四五六七八九"


def _pick(rng, mask: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask & (rng.random(len(mask)) < p))


def _uniform_dates(rng, start: np.datetime64, end: np.datetime64, n: int) -> np.ndarray:
    span = max(1, int((end - start).astype(int)))
    return start + days(rng.integers(0, span + 1, n))


# --- statuses ------------------------------------------------------------------

def draw_statuses(county: County) -> None:
    """Deaths (with or without a cremation), moves away and cancellations over the
    last three years, for background people."""
    ctx, P = county.ctx, county.P
    rng = ctx.rng("statuses")
    bg = county.background()
    age = P.age.to_numpy()
    q = np.select([age < 40, age < 60, age < 70, age < 80, age < 90], [0.0004, 0.0025, 0.009, 0.025, 0.07], 0.16)
    dead = _pick(rng, bg, np.minimum(0.6, 3 * q))
    D = ctx.D
    # Working-age deaths lie well before the window of W_EARNER_DEATH.
    earliest = D - days(3 * 365)
    death = _uniform_dates(rng, earliest, D - days(45 + ctx.window), len(dead))
    change = np.minimum(death + days(rng.integers(3, 40, len(dead))), ctx.E)
    cremated = rng.random(len(dead)) < 0.85
    P.loc[dead, "status"] = "死亡"
    P.loc[dead, "dead"] = True
    P.loc[dead, "death_date"] = death
    P.loc[dead, "change_date"] = change
    P.loc[dead[cremated], "bzs"] = True
    P.loc[dead[cremated], "cremation_date"] = death[cremated] + days(rng.integers(1, 4, int(cremated.sum())))
    # Some deaths are known to 殡葬 but not yet to the register (old people, weeks ago).
    free = bg & (P.status == "正常").to_numpy() & (age >= 70)
    late = _pick(rng, free, np.full(len(P), 0.0025))
    death = _uniform_dates(rng, D - days(40), D - days(8), len(late))
    P.loc[late, "dead"] = True
    P.loc[late, "death_date"] = death
    P.loc[late, "bzs"] = True
    P.loc[late, "cremation_date"] = death + days(rng.integers(1, 4, len(late)))
    # 迁出 (young adults most) and 注销 (half of them deaths found by 殡葬).
    free = bg & (P.status == "正常").to_numpy() & ~P.dead.to_numpy()
    p_out = np.where((age >= 18) & (age <= 35), 0.03, 0.006)
    out = _pick(rng, free, p_out)
    P.loc[out, "status"] = "迁出"
    P.loc[out, "change_date"] = _uniform_dates(rng, D - days(3 * 365), ctx.E - days(5), len(out))
    free = bg & (P.status == "正常").to_numpy() & ~P.dead.to_numpy()
    cancel = _pick(rng, free, np.full(len(P), 0.003))
    P.loc[cancel, "status"] = "注销"
    P.loc[cancel, "change_date"] = _uniform_dates(rng, D - days(3 * 365), ctx.E - days(5), len(cancel))
    died = cancel[(age[cancel] >= 60) & (rng.random(len(cancel)) < 0.7)]
    death = P.loc[died, "change_date"].to_numpy().astype("datetime64[D]") - days(rng.integers(2, 30, len(died)))
    P.loc[died, "dead"] = True
    P.loc[died, "death_date"] = death
    P.loc[died, "bzs"] = True
    P.loc[died, "cremation_date"] = death + days(2)
    for c in ("change_date", "death_date", "cremation_date"):
        P[c] = P[c].to_numpy().astype("datetime64[D]")


# --- 残联, 卫健, 司法 -------------------------------------------------------------

def draw_disabilities(county: County) -> None:
    ctx, P = county.ctx, county.P
    rng = ctx.rng("clh")
    age = P.age.to_numpy()
    bg = county.background() & P.in_gaj.to_numpy() & (P.status != "迁出").to_numpy()
    # No disabled children of 14 or under in the background: DIS_CHILD_REHAB has
    # no receipt in the data and would raise an item for every one of them.
    p = np.select([age <= 14, age < 40, age < 60, age < 80], [0.0, 0.03, 0.06, 0.10], 0.16)
    p = np.where(P.dead.to_numpy(), p * 1.5, p)
    idx = _pick(rng, bg, p)
    n = len(idx)
    issue = _uniform_dates(rng, ctx.D - days(15 * 365), ctx.D - days(120 + ctx.window), n)
    birth = P.birth.to_numpy()[idx]
    issue = np.maximum(issue, birth + days(15 * 365))
    status = np.where(P.dead.to_numpy()[idx] | (rng.random(n) < 0.04), "注销", "有效")
    county.add("clh_cjr", pd.DataFrame({
        "pid": idx, "disability_type": rng.choice(DISABILITY_TYPES, n, p=DISABILITY_TYPE_P),
        "disability_grade": rng.choice(GRADES, n, p=GRADE_P), "issue_date": issue, "cert_status": status,
    }))


_CHRONIC = (  # disease, minimum age, base rate, rate per year above the minimum, cap
    ("高血压", 35, 0.03, 0.006, 0.35), ("2型糖尿病", 35, 0.02, 0.0025, 0.12), ("冠心病", 50, 0.02, 0.002, 0.08),
    ("脑卒中", 55, 0.01, 0.0015, 0.06), ("慢性阻塞性肺疾病", 55, 0.01, 0.001, 0.05),
    ("恶性肿瘤", 30, 0.002, 0.0003, 0.02), ("精神分裂症", 18, 0.004, 0.0, 0.004),
    ("双相情感障碍", 18, 0.001, 0.0, 0.001), ("尿毒症", 25, 0.001, 0.00003, 0.002),
    ("白血病", 3, 0.0002, 0.0, 0.0002), ("偏执性精神病", 25, 0.0004, 0.0, 0.0004),
    ("分裂情感性障碍", 18, 0.0003, 0.0, 0.0003), ("癫痫所致精神障碍", 10, 0.0003, 0.0, 0.0003),
    ("精神发育迟滞伴发精神障碍", 10, 0.0003, 0.0, 0.0003), ("器官移植术后", 30, 0.0002, 0.0, 0.0002),
)


def draw_illnesses(county: County) -> None:
    ctx, P = county.ctx, county.P
    rng = ctx.rng("wjw")
    age = P.age.to_numpy()
    bg = county.background() & P.in_gaj.to_numpy() & (P.status != "迁出").to_numpy()
    frames = []
    for disease, lo, base, slope, cap in _CHRONIC:
        p = np.where(age >= lo, np.minimum(cap, base + slope * (age - lo)), 0.0)
        if disease in SERIOUS_ILLNESS:
            p = np.where(P.dead.to_numpy(), p * 3, p)
        idx = _pick(rng, bg, p)
        n = len(idx)
        reg = _uniform_dates(rng, ctx.D - days(12 * 365), ctx.E - days(20), n)
        reg = np.maximum(reg, P.birth.to_numpy()[idx] + days(365))
        closed = rng.random(n) < (0.03 if disease in SERIOUS_ILLNESS else 0.07)
        status = np.where(P.dead.to_numpy()[idx], "死亡", np.where(closed, "结案", "在管"))
        frames.append(pd.DataFrame({"pid": idx, "disease": disease, "registered_date": reg,
                                    "management_status": status}))
    county.add("wjw_mb", pd.concat(frames, ignore_index=True))


def draw_corrections(county: County) -> None:
    ctx, P = county.ctx, county.P
    rng = ctx.rng("sfj")
    age = P.age.to_numpy()
    ok = county.background() & county.alive() & (age >= 18) & (age <= 60)
    p = np.where(P.sex.to_numpy() == "男", 0.004, 0.0006)
    idx = _pick(rng, ok, p)
    n = len(idx)
    kind = rng.choice(("服刑", "社区矫正", "刑满释放"), n, p=(0.45, 0.3, 0.25))
    D, W = ctx.D, ctx.window
    start = np.where(kind == "服刑", D - days(rng.integers(60, 5 * 365, n)),
                     np.where(kind == "社区矫正", D - days(rng.integers(30, 2 * 365, n)),
                              D - days(rng.integers(3 * 365, 10 * 365, n))))
    end = np.where(kind == "服刑", np.where(rng.random(n) < 0.4, NaT, D + days(rng.integers(W + 400, 5 * 365, n))),
                   np.where(kind == "社区矫正", D + days(rng.integers(W + 30, 400, n)),
                            D - days(rng.integers(30, 3 * 365, n))))
    end = np.where(kind == "刑满释放", np.maximum(end, start + days(180)), end)
    county.add("sfj_jz", pd.DataFrame({"pid": idx, "correction_type": kind, "start_date": start.astype("datetime64[D]"),
                                       "end_date": end.astype("datetime64[D]")}))


# --- 教体 --------------------------------------------------------------------------

LEVEL_GRADES = {
    "学前": ("小班", "中班", "大班"),
    "小学": tuple(f"{CN_NUM[i]}年级" for i in range(6)),
    "初中": ("七年级", "八年级", "九年级"),
    "高中": ("高一", "高二", "高三"),
    "中职": ("一年级", "二年级", "三年级"),
    "高校": ("大一", "大二", "大三", "大四"),
}


def school_year_start(ctx) -> int:
    return ctx.date.year if ctx.date.month >= 9 else ctx.date.year - 1


def school_age(ctx, births: np.ndarray) -> np.ndarray:
    """Full years on Aug 31 of the current school year (enrolment cut-off)."""
    b = pd.Series(births)
    y0 = school_year_start(ctx)
    after = (b.dt.month > 8).to_numpy()
    return y0 - b.dt.year.to_numpy() - after


def student_row(ctx, level: str, sa: int, town_name: str, rng) -> dict:
    first_age = {"学前": 3, "小学": 6, "初中": 12, "高中": 15, "中职": 15, "高校": 18}[level]
    g = min(len(LEVEL_GRADES[level]), max(1, sa - first_age + 1))
    y0 = school_year_start(ctx)
    if level == "学前":
        school = f"{town_name}中心幼儿园" if rng.random() < 0.7 else SCHOOLS_COUNTY[level][rng.integers(2)]
    elif level == "小学":
        school = f"{town_name}中心小学" if rng.random() < 0.7 else SCHOOLS_COUNTY[level][rng.integers(3)]
    elif level == "初中":
        school = f"{town_name}中学" if rng.random() < 0.6 else SCHOOLS_COUNTY[level][rng.integers(3)]
    else:
        opts = SCHOOLS_COUNTY[level]
        school = opts[rng.integers(len(opts))]
    return {"school_level": level, "grade": LEVEL_GRADES[level][g - 1], "school": school,
            "enrol_year": y0 - (g - 1), "is_new_student": "是" if g == 1 else "否", "aid_programme": ""}


def draw_students(county: County) -> None:
    ctx, P, H = county.ctx, county.P, county.H
    rng = ctx.rng("jtj")
    ok = county.background() & county.alive()
    sa = school_age(ctx, P.birth.to_numpy())
    u = rng.random(len(P))
    level = np.select(
        [(sa >= 3) & (sa <= 5) & (u < 0.85), (sa >= 6) & (sa <= 11) & (u < 0.998),
         (sa >= 12) & (sa <= 14) & (u < 0.995), (sa >= 15) & (sa <= 17) & (u < 0.6),
         (sa >= 15) & (sa <= 17) & (u < 0.9), (sa >= 18) & (sa <= 21) & (u < 0.42)],
        ["学前", "小学", "初中", "高中", "中职", "高校"], "")
    idx = np.flatnonzero(ok & (level != ""))
    town = H.town_name.to_numpy()[P.hid.to_numpy()[idx]]
    rows = [dict(pid=int(i), **student_row(ctx, str(level[i]), int(sa[i]), str(t), rng)) for i, t in zip(idx, town)]
    county.add("jtj_xs", pd.DataFrame(rows))


# --- 人社, 税务 ---------------------------------------------------------------------

def draw_employment(county: County) -> None:
    ctx, P = county.ctx, county.P
    rng = ctx.rng("rsj")
    age = P.age.to_numpy()
    male = (P.sex == "男").to_numpy()
    students = np.zeros(len(P), bool)
    if "jtj_xs" in county.facts:
        students[county.facts["jtj_xs"].pid.to_numpy()] = True
    jailed = np.zeros(len(P), bool)
    if "sfj_jz" in county.facts:
        s = county.facts["sfj_jz"]
        jailed[s.pid[s.correction_type == "服刑"].to_numpy()] = True
    ok = county.background() & county.alive() & (age >= 16) & ~students & ~jailed
    n_all = len(P)
    has_row = ok & (rng.random(n_all) < np.where(age >= 60, 0.95, np.where(age >= 18, 0.9, 0.3)))
    wa = (age >= 16) & (age <= 59)
    u = rng.random(n_all)
    status = np.where(wa, np.select([u < 0.38, u < 0.84, u < 0.96], ["就业", "灵活就业", "未就业"], "失业登记"),
                      np.where(u < 0.15, "灵活就业", "未就业"))
    # Young job-seekers only (older or long-registered ones are EMPLOY_HARD cases).
    too_old = (male & (age >= 50)) | (~male & (age >= 40))
    status = np.where((status == "失业登记") & too_old, "未就业", status)
    # Most working-age households have an earner (else MARK holds for the whole household).
    hid = P.hid.to_numpy()
    emp = has_row & np.isin(status, ("就业", "灵活就业")) & (age >= 18) & (age <= 59)
    wa_adult = has_row & (age >= 18) & (age <= 59)
    hh_emp = np.bincount(hid, weights=emp, minlength=hid.max() + 1) > 0
    hh_wa = np.bincount(hid, weights=wa_adult, minlength=hid.max() + 1) > 0
    flip_hh = hh_wa & ~hh_emp & (rng.random(len(hh_wa)) < 0.9)
    first_wa = pd.Series(np.flatnonzero(wa_adult)).groupby(hid[wa_adult]).first()
    flip = first_wa[flip_hh[first_wa.index]].to_numpy()
    status[flip] = "灵活就业"
    unemp_date = np.where(status == "失业登记",
                          ctx.D - days(rng.integers(100 + ctx.window, 330 - ctx.window, n_all)), NaT)
    v = rng.random(n_all)
    # Old people living alone mostly have a pension they can live on (else
    # 特困 would be due for every one of them).
    alive_member = county.alive() & (hid >= 0)
    size = np.bincount(hid[alive_member], minlength=hid.max() + 1)[np.maximum(hid, 0)]
    staff_share = np.where(size == 1, 0.65, 0.3)
    ptype = np.where(age >= 60, np.select([v < staff_share, v < 0.96], ["职工", "城乡居民"], "未参保"),
                     np.where(status == "就业", np.select([v < 0.75, v < 0.97], ["职工", "城乡居民"], "未参保"),
                              np.where(v < 0.8, "城乡居民", "未参保")))
    retired_staff = (ptype == "职工") & ((age >= 60) | (~male & (age >= 55)))
    pension = np.where(retired_staff, np.round(rng.lognormal(np.log(2700), 0.22, n_all), -1),
                       np.where((ptype == "城乡居民") & (age >= 60), rng.integers(15, 36, n_all) * 10, np.nan))
    seeker = np.isin(status, ("未就业", "失业登记")) & wa
    referrals = np.where(seeker, rng.integers(0, 5, n_all), 0)
    refusals = np.where(seeker, np.minimum(referrals, rng.integers(0, 3, n_all)), 0)
    idx = np.flatnonzero(has_row)
    county.add("rsj_jy", pd.DataFrame({
        "pid": idx, "employment_status": status[idx], "unemployment_date": unemp_date[idx].astype("datetime64[D]"),
        "pension_type": ptype[idx], "monthly_pension": pension[idx], "public_job": "否",
        "referrals": referrals[idx], "refusals": refusals[idx],
    }))


def draw_incomes(county: County) -> None:
    ctx = county.ctx
    rng = ctx.rng("swj")
    r = county.facts["rsj_jy"]
    r = r[county.background()[r.pid.to_numpy()]]
    u = rng.random(len(r))
    take = ((r.employment_status == "就业") & (u < 0.92)) | ((r.employment_status == "灵活就业") & (u < 0.5))
    r = r[take.to_numpy()]
    n = len(r)
    formal = (r.employment_status == "就业").to_numpy()
    income = np.where(formal, rng.lognormal(np.log(42000), 0.45, n), rng.lognormal(np.log(22000), 0.5, n))
    income = np.round(np.clip(income, 6000, 300000), -1)
    rows = [pd.DataFrame({"pid": r.pid.to_numpy(), "tax_year": ctx.tax_year, "income": income})]
    prev = rng.random(n) < 0.85
    rows.append(pd.DataFrame({"pid": r.pid.to_numpy()[prev], "tax_year": ctx.tax_year - 1,
                              "income": np.round(income[prev] * rng.uniform(0.85, 1.05, int(prev.sum())), -1)}))
    df = pd.concat(rows, ignore_index=True)
    df["tax_paid"] = np.round(np.maximum(0, df.income - 60000) * 0.03 + np.maximum(0, df.income - 96000) * 0.07, 2)
    county.add("swj_sr", df)


# --- 医保 ----------------------------------------------------------------------------

def settlement_rows(rng, pids: np.ndarray, dates: np.ndarray, visit: np.ndarray, critical: np.ndarray,
                    diagnosis: np.ndarray) -> pd.DataFrame:
    n = len(pids)
    total = np.where(visit == "住院", rng.lognormal(np.log(9000), 0.6, n),
                     np.where(visit == "门诊慢特病", rng.uniform(200, 3000, n), rng.uniform(60, 900, n)))
    total = np.where(critical, total * 2.5, total)
    ins_share = np.where(visit == "住院", rng.uniform(0.55, 0.72, n),
                         np.where(visit == "门诊慢特病", rng.uniform(0.5, 0.65, n), rng.uniform(0.0, 0.5, n)))
    crit_share = np.where(critical, rng.uniform(0.1, 0.2, n), 0.0)
    total = np.round(total, 2)
    ins = np.round(total * ins_share, 2)
    crit = np.round(total * crit_share, 2)
    oop = np.round(total - ins - crit, 2)
    # A single stay never costs the family more than 8,000 after insurance here.
    cap = np.where(visit == "住院", 8000.0, 1200.0)
    over = np.maximum(0, oop - cap)
    ins = np.round(ins + over, 2)
    oop = np.round(oop - over, 2)
    los = rng.integers(3, 21, n)
    admit = np.where(visit == "住院", dates - days(los), dates)
    discharge = np.where(visit == "门诊", NaT, dates)
    return pd.DataFrame({
        "pid": pids, "visit_type": visit, "admission_date": admit.astype("datetime64[D]"),
        "discharge_date": discharge.astype("datetime64[D]"), "total_cost": total, "insurance_paid": ins,
        "critical_insurance_paid": crit, "medical_aid_paid": 0.0, "out_of_pocket": oop,
        "diagnosis": diagnosis, "is_critical_illness": np.where(critical, "是", "否"),
    })


def draw_settlements(county: County) -> None:
    """Two years of settlements up to the extract date: outpatient for many,
    chronic-disease outpatient for the registered chronic, stays for some,
    and 大病 stays for those with a critical disease (their ILL evidence)."""
    ctx, P = county.ctx, county.P
    rng = ctx.rng("ybj")
    age = P.age.to_numpy()
    ok = county.background() & P.in_gaj.to_numpy() & (P.status != "迁出").to_numpy()
    start, end = ctx.D - days(730), ctx.E
    frames = []

    def emit(pids, visit, critical, diag):
        if len(pids) == 0:
            return
        dates = _uniform_dates(rng, start, end, len(pids))
        frames.append(settlement_rows(rng, pids, dates, np.full(len(pids), visit), critical, diag))

    n_out = rng.poisson(np.where(ok, 2 * (0.15 + 0.004 * age), 0))
    pids = np.repeat(np.arange(len(P)), n_out)
    emit(pids, "门诊", np.zeros(len(pids), bool), rng.choice(DIAGNOSES_COMMON, len(pids)))
    n_in = rng.poisson(np.where(ok, 2 * (0.02 + 0.001 * age), 0))
    n_in = np.minimum(n_in, 2)
    pids = np.repeat(np.arange(len(P)), n_in)
    emit(pids, "住院", np.zeros(len(pids), bool), rng.choice(DIAGNOSES_COMMON, len(pids)))
    w = county.facts["wjw_mb"]
    w = w[county.background()[w.pid.to_numpy()] & (w.management_status != "结案").to_numpy()]
    chronic = w[~w.disease.isin(CRITICAL_DISEASES)]
    n_ch = rng.poisson(np.full(len(chronic), 1.2))
    emit(np.repeat(chronic.pid.to_numpy(), n_ch), "门诊慢特病", np.zeros(int(n_ch.sum()), bool),
         np.repeat(chronic.disease.to_numpy(), n_ch))
    crit = w[w.disease.isin(CRITICAL_DISEASES)]
    n_cr = np.minimum(rng.poisson(np.full(len(crit), 2.0)), 3)
    emit(np.repeat(crit.pid.to_numpy(), n_cr), "住院", np.ones(int(n_cr.sum()), bool),
         np.repeat(crit.disease.to_numpy(), n_cr))
    df = pd.concat(frames, ignore_index=True)
    # Nobody is billed after death.
    death = P.death_date.to_numpy().astype("datetime64[D]")[df.pid.to_numpy()]
    keep = np.isnat(death) | (df.admission_date.to_numpy().astype("datetime64[D]") < death - days(1))
    df = df[keep].reset_index(drop=True)
    df = cap_out_of_pocket(df, 24000.0)
    county.add("ybj_js", df)


def cap_out_of_pocket(df: pd.DataFrame, cap: float) -> pd.DataFrame:
    """Keep each person's two-year out-of-pocket total under `cap` (so no
    365-day window reaches MED_OOP_THRESHOLD): the excess goes to insurance."""
    tot = df.groupby("pid").out_of_pocket.transform("sum").to_numpy()
    factor = np.where(tot > cap, cap / np.maximum(tot, 1), 1.0)
    new = np.round(df.out_of_pocket.to_numpy() * factor, 2)
    df = df.copy()
    df["insurance_paid"] = np.round(df.insurance_paid.to_numpy() + df.out_of_pocket.to_numpy() - new, 2)
    df["out_of_pocket"] = new
    return df


# --- 殡葬, 应急, 乡村振兴 -------------------------------------------------------------

def cremations_from_register(county: County) -> None:
    P = county.P
    idx = np.flatnonzero(P.bzs.to_numpy())
    county.add("bzs_hh", pd.DataFrame({"pid": idx, "death_date": P.death_date.to_numpy()[idx],
                                       "cremation_date": P.cremation_date.to_numpy()[idx]}))


def draw_disasters(county: County) -> None:
    ctx, P, H = county.ctx, county.P, county.H
    rng = ctx.rng("yjj")
    heads = P[(P.rel == "户主").to_numpy() & county.alive() & county.background()]
    rural = heads[~H.urban.to_numpy()[heads.hid.to_numpy()]]
    if len(rural) == 0:
        return
    village = H.village.to_numpy()[rural.hid.to_numpy()]
    n_events = max(3, ctx.people // 4000)
    rows = []
    used: set[tuple[str, int]] = set()
    for k in range(n_events):
        kind = rng.choice(("洪涝", "风雹", "火灾"), p=(0.4, 0.35, 0.25))
        # Houses damaged long enough ago that no 30/90-day rule looks at them.
        when = ctx.D - days(int(rng.integers(120 + ctx.window, 700)))
        v = village[rng.integers(len(village))]
        members = rural.pid.to_numpy()[village == v]
        size = 1 if kind == "火灾" else int(rng.integers(3, 25))
        hit = rng.choice(members, min(size, len(members)), replace=False)
        no = f"ZQ{pd.Timestamp(when).strftime('%Y%m%d')}{k:03d}"
        for pid in hit:
            if kind == "火灾":
                loss = rng.choice(("房屋倒塌", "严重损坏"))
            else:
                loss = rng.choice(("农作物", "严重损坏", "房屋倒塌"), p=(0.78, 0.18, 0.04))
            amount = {"农作物": rng.integers(5, 80) * 100, "严重损坏": rng.integers(50, 400) * 100,
                      "房屋倒塌": rng.integers(300, 1200) * 100}[str(loss)]
            if (no, int(pid)) in used:
                continue
            used.add((no, int(pid)))
            rows.append({"pid": int(pid), "disaster_no": no, "disaster_type": str(kind), "disaster_date": when,
                         "loss_type": str(loss), "estimated_loss": float(amount)})
    county.add("yjj_sz", pd.DataFrame(rows))


def draw_monitoring(county: County) -> None:
    """脱贫户 and monitored households among rural background households."""
    ctx, P, H = county.ctx, county.P, county.H
    rng = ctx.rng("xczx")
    heads = P[(P.rel == "户主").to_numpy() & county.alive() & county.background()]
    heads = heads[~H.urban.to_numpy()[heads.hid.to_numpy()]]
    pick = heads[rng.random(len(heads)) < 0.06]
    n = len(pick)
    htype = rng.choice(("脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"), n, p=(0.68, 0.1, 0.14, 0.08))
    ill = set(county.facts["wjw_mb"].pid.tolist()) if "wjw_mb" in county.facts else set()
    dis = set(county.facts["clh_cjr"].pid.tolist()) if "clh_cjr" in county.facts else set()
    hh_ill = set(P.hid.to_numpy()[list(ill)]) if ill else set()
    hh_dis = set(P.hid.to_numpy()[list(dis)]) if dis else set()
    risk = []
    for hid in pick.hid.to_numpy():
        if hid in hh_ill and rng.random() < 0.7:
            risk.append("因病")
        elif hid in hh_dis and rng.random() < 0.7:
            risk.append("因残")
        else:
            risk.append(str(rng.choice(("因学", "因灾", "因意外", "因失业"))))
    when = np.where(htype == "脱贫户", _uniform_dates(rng, np.datetime64("2014-06-01"), np.datetime64("2019-12-31"), n),
                    _uniform_dates(rng, np.datetime64("2020-03-01"), ctx.D - days(60), n))
    cleared = np.where(htype == "脱贫户", np.where(rng.random(n) < 0.9, "是", "否"),
                       np.where(rng.random(n) < 0.4, "是", "否"))
    county.add("xczx_jc", pd.DataFrame({"pid": pick.pid.to_numpy(), "hid": pick.hid.to_numpy(),
                                        "household_type": htype, "risk_type": risk,
                                        "identified_date": when.astype("datetime64[D]"), "risk_cleared": cleared}))
