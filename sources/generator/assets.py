"""Assets, debts and the registers drawn after the receipts are known.

Cars, property, businesses and provident fund go to households 民政 does not
pay (a paid household with a car is an R_DB_VEHICLE finding, so only planted
cases have one); debtors likewise. Veterans are drawn from households well
above the 低保 edge, so their allowance changes nobody's entitlement. A few
owners live elsewhere: their ID numbers are in no household register.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .context import days
from .idnum import uscc
from .model import County, NaT
from .names import EMPLOYERS, FIRM_KINDS
from .population import OTHER_PREFIXES, birth_dates, given_names, make_ids
from .receipts import Stats

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def add_outsiders(county: County) -> np.ndarray:
    """People who own things here but are registered elsewhere."""
    ctx = county.ctx
    rng = ctx.rng("outsiders")
    n = max(5, ctx.people // 50)
    age = rng.integers(25, 72, n)
    sex = np.where(rng.random(n) < 0.6, "男", "女")
    birth = birth_dates(rng, ctx.D, age, ctx.window)
    years = pd.Series(birth).dt.year.to_numpy()
    prefix = np.where(rng.random(n) < 0.35, np.where(years < 1994, ctx.old_prefix, ctx.new_prefix),
                      rng.choice(np.array(OTHER_PREFIXES), n))
    ids = make_ids(rng, prefix, birth, sex == "男", set(county.P.id.tolist()))
    surname = rng.choice(np.array(list("王李张刘陈杨赵孙马周吴徐高郭朱胡林何")), n)
    name = np.char.add(surname, given_names(rng, birth, sex).astype(str)).astype(object)
    rows = pd.DataFrame({"hid": -1, "rel": "", "sex": sex, "age": age, "birth": birth, "id": ids, "name": name,
                         "status": "", "change_date": NaT, "dead": False, "death_date": NaT, "bzs": False,
                         "cremation_date": NaT, "tag": "", "locked": False, "in_gaj": False,
                         "ethnicity": "汉族", "phone": ""})
    return county.extend_persons(rows)


def _plates(rng, n: int) -> np.ndarray:
    space = 24 * 10000 + 24 * 24 * 1000
    if n > space:  # a county of millions: letter, digit, letter, three digits as well (same draws below)
        space += 24 * 10 * 24 * 1000
    codes = rng.permutation(space)[:n]
    out = []
    for c in codes:
        if c < 240000:
            out.append(f"鲁N{PLATE_LETTERS[c // 10000]}{c % 10000:04d}")
        elif c < 816000:
            c -= 240000
            out.append(f"鲁N{PLATE_LETTERS[c // 24000]}{PLATE_LETTERS[(c // 1000) % 24]}{c % 1000:03d}")
        else:
            c -= 816000
            out.append(f"鲁N{PLATE_LETTERS[c // 240000]}{(c // 24000) % 10}{PLATE_LETTERS[(c // 1000) % 24]}"
                       f"{c % 1000:03d}")
    return np.array(out, dtype=object)


def draw_assets(county: County, stats: Stats, outsiders: np.ndarray) -> None:
    ctx, P, H = county.ctx, county.P, county.H
    D = ctx.D
    rng = ctx.rng("assets")
    hs = stats.household
    pf = stats.person
    hid = P.hid.to_numpy()
    n = len(P)
    in_hh = hid >= 0
    hsafe = np.maximum(hid, 0)
    bg_h = (H.tag == "").to_numpy()
    free_h = bg_h & ~hs.paid.to_numpy() & ~hs.hard.to_numpy()
    alive = pf.alive.to_numpy()
    age = P.age.to_numpy()
    adult = alive & (age >= 20) & (age <= 75) & in_hh
    free_p = in_hh & free_h[hsafe]
    urban_p = H.urban.to_numpy()[hsafe]
    heads = np.flatnonzero((P.rel == "户主").to_numpy() & adult & free_p)

    # 车管所: cars for households nobody pays; old wrecks anywhere; owners from elsewhere.
    u = rng.random(len(heads))
    car = np.where(urban_p[heads], u < 0.35, u < 0.18)
    v = rng.random(len(heads))
    rows = []
    for mask, vtype in ((car, "小型轿车"), (~urban_p[heads] & (v < 0.12), "三轮汽车"),
                        (~urban_p[heads] & (v > 0.95), "低速货车"), (rng.random(len(heads)) < 0.2, "摩托车")):
        owners = heads[mask]
        rows.append(pd.DataFrame({"pid": owners, "vehicle_type": vtype, "status": "正常"}))
    anyone = np.flatnonzero(adult & in_hh & (P.tag == "").to_numpy())
    wrecks = anyone[rng.random(len(anyone)) < 0.02]
    rows.append(pd.DataFrame({"pid": wrecks, "vehicle_type": rng.choice(("小型轿车", "摩托车", "三轮汽车"), len(wrecks)),
                              "status": rng.choice(("报废", "注销"), len(wrecks))}))
    rows.append(pd.DataFrame({"pid": outsiders, "vehicle_type": rng.choice(("小型轿车", "小型轿车", "低速货车"), len(outsiders)),
                              "status": "正常"}))
    cars = pd.concat(rows, ignore_index=True)
    cars["first_registered_date"] = (D - days(rng.integers(200, 15 * 365, len(cars)))).astype("datetime64[D]")
    cars["plate_no"] = _plates(rng, len(cars))
    county.add("cgs_cl", cars)

    # 不动产: a home for most households nobody pays; second homes and shops for a few.
    u = rng.random(len(heads))
    home = np.where(urban_p[heads], u < 0.7, u < 0.55)
    owners = [heads[home], heads[home & (rng.random(len(heads)) < 0.08)]]
    usage = ["住宅", "住宅"]
    shop = heads[rng.random(len(heads)) < 0.02]
    owners.append(shop)
    usage.append("商业")
    owners.append(outsiders[rng.random(len(outsiders)) < 0.3])
    usage.append("住宅")
    prop = pd.concat([pd.DataFrame({"pid": o, "usage": us}) for o, us in zip(owners, usage)], ignore_index=True)
    prop = pd.concat([prop, _homes_for_hard_urban(county, stats)], ignore_index=True)
    prop["floor_area"] = np.where(prop.usage == "住宅", np.round(rng.uniform(60, 180, len(prop)), 2),
                                  np.round(rng.uniform(30, 300, len(prop)), 2))
    prop["registered_date"] = (D - days(rng.integers(60, 20 * 365, len(prop)))).astype("datetime64[D]")
    towns = np.where(prop.pid.to_numpy() < n, H.town.to_numpy()[hsafe[np.minimum(prop.pid.to_numpy(), n - 1)]], "371426001")
    seq = rng.permutation(len(prop))
    prop["unit_no"] = [f"{t}{(s % 997) + 1:03d}{'JC' if i % 3 else 'GB'}{s:05d}F{(s * 7919) % 10**8:08d}"
                       for i, (t, s) in enumerate(zip(towns, seq))]
    county.add("bdc_dj", prop)

    # 市场监管: small businesses and firms.
    reps = np.flatnonzero(adult & free_p & (age <= 65))
    reps = reps[rng.random(len(reps)) < 0.025]
    reps = np.concatenate([reps, outsiders[rng.random(len(outsiders)) < 0.2]])
    k = len(reps)
    firm = rng.random(k) < 0.3
    capital = np.where(firm, rng.integers(10, 1000, k), rng.integers(1, 20, k)).astype(float)
    names = P.name.to_numpy()[reps]
    kinds = rng.choice(FIRM_KINDS, k)
    entity = [f"平原县{nm[:1]}{'记' if not f else '鑫'}{kd}" if not f else f"德州{nm[1:2] or nm[:1]}{['盛', '恒', '信', '源'][i % 4]}{kd}"
              for i, (nm, kd, f) in enumerate(zip(names, kinds, firm))]
    seen = {}
    for i, e in enumerate(entity):
        if e in seen:
            seen[e] += 1
            entity[i] = e.replace("平原县", f"平原县{['东', '西', '南', '北', '新', '永'][seen[e] % 6]}", 1) if "平原县" in e else e + f"{seen[e]}"
        else:
            seen[e] = 0
    org = rng.permutation(10 ** 6)[:k]
    codes = [uscc(("91" if f else "92") + "371426", f"MA{o:06d}") for f, o in zip(firm, org)]
    county.add("scjg_zt", pd.DataFrame({
        "pid": reps, "credit_code": codes, "entity_name": entity, "registered_capital_wan": capital,
        "established_date": (D - days(rng.integers(100, 20 * 365, k))).astype("datetime64[D]"),
        "registration_status": rng.choice(("存续", "注销", "吊销"), k, p=(0.85, 0.1, 0.05)),
    }))

    # 公积金: formal employees of households nobody pays.
    r = county.facts["rsj_jy"]
    staff = r.pid[(r.employment_status == "就业").to_numpy() & (r.pension_type == "职工").to_numpy()].to_numpy()
    staff = staff[free_p[staff] & (rng.random(len(staff)) < 0.6)]
    k = len(staff)
    active = rng.random(k) < 0.85
    last = np.where(active, ctx.E.astype("datetime64[M]") - np.timedelta64(1, "M"),
                    ctx.E.astype("datetime64[M]") - rng.integers(6, 60, k).astype("timedelta64[M]"))
    county.add("gjj_jc", pd.DataFrame({
        "pid": staff, "employer": rng.choice(EMPLOYERS, k), "contribution_base": np.round(rng.uniform(3000, 15000, k), -1),
        "fund_status": np.where(active, "正常", "封存"), "last_paid_month": last.astype("datetime64[D]"),
    }))

    # 法院: dishonest debtors, never in a household on 低保.
    debt = np.flatnonzero(adult & free_p)
    debt = debt[rng.random(len(debt)) < 0.006]
    k = len(debt)
    filed = (D - days(rng.integers(60, 6 * 365, k))).astype("datetime64[D]")
    years = pd.Series(filed).dt.year.to_numpy()
    numbers = rng.permutation(9000 if k <= 9000 else 90000)[:k] + 100  # millions of people: five digits
    case = [f"（{y}）鲁1426执{no}号" for y, no in zip(years, numbers)]
    county.add("fy_sxr", pd.DataFrame({"pid": debt, "case_no": case, "filed_date": filed,
                                       "performance": rng.choice(("未履行", "部分履行"), k, p=(0.7, 0.3))}))

    _housing(county, stats)
    _veterans(county, stats)
    _poor_workers(county, stats)


def _homes_for_hard_urban(county: County, stats: Stats) -> pd.DataFrame:
    """Hard-up town households have a home of their own (60%) or a rent subsidy
    (the rest, in 住建's file); without either, RENT_SUBSIDY would find them."""
    H = county.H
    hs = stats.household
    P = county.P
    rng = county.ctx.rng("urban_homes")
    sel = hs.managed.to_numpy() & hs.hard.to_numpy() & H.urban.to_numpy() & (hs.members.to_numpy() > 0)
    head = P[(P.rel == "户主").to_numpy() & P.in_gaj.to_numpy()].drop_duplicates("hid").set_index("hid").pid
    hids = np.flatnonzero(sel)
    hids = hids[np.isin(hids, head.index.to_numpy())]
    own = rng.random(len(hids)) < 0.6
    county._rent_subsidy_hids = hids[~own]
    return pd.DataFrame({"pid": head[hids[own]].to_numpy(), "usage": "住宅"})


def _housing(county: County, stats: Stats) -> None:
    ctx, P, H = county.ctx, county.P, county.H
    rng = ctx.rng("zjj")
    hs = stats.household
    pf = stats.person
    head = P[(P.rel == "户主").to_numpy() & P.in_gaj.to_numpy()].drop_duplicates("hid").set_index("hid").pid
    bg = (H.tag == "").to_numpy()
    rural = np.flatnonzero(bg & ~H.urban.to_numpy() & (hs.members.to_numpy() > 0))
    rural = rural[np.isin(rural, head.index.to_numpy()) & (rng.random(len(rural)) < 0.5)]
    grade = rng.choice(("A", "B", "C", "D"), len(rural), p=(0.55, 0.38, 0.06, 0.01))
    hid = P.hid.to_numpy()
    sev_h = np.bincount(hid[(hid >= 0) & pf.sev.to_numpy() & pf.alive.to_numpy()], minlength=len(H)) > 0
    risky = hs.hard.to_numpy()[rural] | sev_h[rural]
    grade = np.where(risky & np.isin(grade, ("C", "D")), "B", grade)
    rows = [pd.DataFrame({"pid": head[rural].to_numpy(), "hid": rural, "house_safety_grade": grade,
                          "assessment_date": (ctx.D - days(rng.integers(90, 5 * 365, len(rural)))).astype("datetime64[D]"),
                          "public_rental": "否", "rent_subsidy": "否"})]
    subs = np.asarray(getattr(county, "_rent_subsidy_hids", np.array([], dtype=np.int64)))
    subs = subs[np.isin(subs, head.index.to_numpy())]
    rows.append(pd.DataFrame({"pid": head[subs].to_numpy(), "hid": subs, "house_safety_grade": "",
                              "assessment_date": NaT, "public_rental": "否", "rent_subsidy": "是"}))
    county.add("zjj_zf", pd.concat(rows, ignore_index=True))


def _veterans(county: County, stats: Stats) -> None:
    ctx, P = county.ctx, county.P
    rng = ctx.rng("tyjr")
    hs, pf = stats.household, stats.person
    hid = P.hid.to_numpy()
    hsafe = np.maximum(hid, 0)
    well_off = (hs.pci.to_numpy() > 1.5 * hs["std"].to_numpy() + 100) & ~hs.paid.to_numpy() & (H_tag(county) == "")
    ok = pf.alive.to_numpy() & (hid >= 0) & well_off[hsafe] & (P.age.to_numpy() >= 55) & (hs.oop.to_numpy()[hsafe] < 20000)
    men = ok & (P.sex == "男").to_numpy()
    pick = np.flatnonzero(men & (rng.random(len(P)) < 0.04))
    pick = np.concatenate([pick, np.flatnonzero(ok & ~men & (rng.random(len(P)) < 0.003))])
    k = len(pick)
    age = P.age.to_numpy()[pick]
    women = (P.sex.to_numpy()[pick] == "女")
    cat = np.where(women, "烈士遗属", np.where(age >= 75, rng.choice(("在乡复员军人", "伤残军人"), k, p=(0.7, 0.3)),
                                          rng.choice(("带病回乡退伍军人", "伤残军人", "在乡复员军人"), k, p=(0.4, 0.35, 0.25))))
    amount = np.select([cat == "伤残军人", cat == "在乡复员军人", cat == "带病回乡退伍军人"],
                       [rng.integers(150, 400, k) * 10, rng.integers(90, 130, k) * 10, rng.integers(70, 100, k) * 10],
                       rng.integers(150, 220, k) * 10).astype(float)
    county.add("tyjr_yf", pd.DataFrame({"pid": pick, "veteran_category": cat, "monthly_allowance": amount}))


def H_tag(county: County) -> np.ndarray:
    return county.H.tag.to_numpy()


def _poor_workers(county: County, stats: Stats) -> None:
    """困难职工 files for the workers UNION_POOR_WORKER covers (its receipt is a
    row here), and a few struck by accident."""
    ctx, P = county.ctx, county.P
    rng = ctx.rng("zgh")
    hs, pf = stats.household, stats.person
    r = county.facts["rsj_jy"]
    w = r[(r.employment_status == "就业").to_numpy() & (r.pension_type == "职工").to_numpy()]
    pid = w.pid.to_numpy()
    hid = P.hid.to_numpy()[pid]
    ok = (hid >= 0) & pf.managed.to_numpy()[pid] & pf.alive.to_numpy()[pid]
    h = np.maximum(hid, 0)
    pci = hs.pci.to_numpy()[h]
    deep = ok & (pci <= 900)
    relative = ok & ~deep & (pci <= 1350) & hs.mark.to_numpy()[h]
    accident = ok & ~deep & ~relative & (rng.random(len(pid)) < 0.002)
    sel = deep | relative | accident
    k = int(sel.sum())
    county.add("zgh_knzg", pd.DataFrame({
        "pid": pid[sel], "employer": rng.choice(EMPLOYERS, k),
        "hardship_type": np.where(deep[sel], "深度困难", np.where(relative[sel], "相对困难", "意外致困")),
        "filed_date": (ctx.D - days(rng.integers(30, 5 * 365, k))).astype("datetime64[D]"),
    }))
