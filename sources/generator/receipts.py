"""Background receipts: who 民政 pays, so that receipts follow eligibility.

The county would not be a fair test if the background were full of people
entitled to a benefit they do not get (every one of them a finding nobody
planted) or paid one they are not entitled to. So after the facts are drawn,
this module pays the background what policies.md says it is entitled to:
低保 by household per-capita income, 特困 to those living alone, 高龄津贴 by age
band, the disability allowances, 孤儿 and 事实无人抚养儿童 exactly as §2 and §3
row 9 define them, and so on; and it tidies the facts other rules read
(student aid for children of hard-up households, 医疗救助 on their bills,
registration of job-seekers). Planted findings are the exceptions: their
(person, 救助类别) pairs are in `county.suppress` and are not paid.

This is not the pipeline's rule engine and it never writes truth; it keeps the
background quiet, a best effort for the rules other than the scored ones and
exact for FACT_UNSUPPORTED_CHILD / ORPHAN and for who is dead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .context import days
from .facts import SERIOUS_ILLNESS, school_age, student_row
from .model import County, NaT
from .population import CHILD_OF_HEAD, CHILD_IN_LAW, GRANDCHILD

DB_STD = {True: 900.0, False: 720.0}
TK_STD = {True: 1170.0, False: 936.0}
HIGH_AGE_BANDS = ((100, 500.0), (90, 200.0), (80, 100.0))


@dataclass
class Stats:
    """Per person (index = pid) and per household (index = hid) flags the later
    stages need: who is hard up, who is paid, whose parents are whom."""
    person: pd.DataFrame
    household: pd.DataFrame


def person_flags(county: County) -> pd.DataFrame:
    ctx, P, f = county.ctx, county.P, county.facts
    n = len(P)
    D = ctx.D
    out = pd.DataFrame(index=P.index)
    out["alive"] = county.alive()
    out["age"] = P.age.to_numpy()
    out["wa"] = (out.age >= 18) & (out.age <= 59)
    out["minor"] = out.age < 18
    dis = np.zeros(n, bool)
    sev = np.zeros(n, bool)
    ng = np.zeros(n, bool)
    grade1 = np.zeros(n, bool)
    if "clh_cjr" in f:
        c = f["clh_cjr"]
        v = (c.cert_status == "有效").to_numpy()
        pid = c.pid.to_numpy()
        dis[pid[v]] = True
        s = v & c.disability_grade.isin(("一级", "二级")).to_numpy()
        sev[pid[s]] = True
        g3 = v & (c.disability_grade == "三级").to_numpy() & c.disability_type.isin(("智力", "精神")).to_numpy()
        ng[pid[s | g3]] = True
        grade1[pid[v & (c.disability_grade == "一级").to_numpy()]] = True
    out["dis"], out["sev"], out["ng"], out["grade1"] = dis, sev, ng, grade1
    jail = np.zeros(n, bool)
    if "sfj_jz" in f:
        s = f["sfj_jz"]
        start = s.start_date.to_numpy().astype("datetime64[D]")
        end = s.end_date.to_numpy().astype("datetime64[D]")
        j = (s.correction_type == "服刑").to_numpy() & (start <= D) & (np.isnat(end) | (end > D))
        jail[s.pid.to_numpy()[j]] = True
    out["jail"] = jail
    ill = np.zeros(n, bool)
    if "wjw_mb" in f:
        w = f["wjw_mb"]
        a = w.disease.isin(SERIOUS_ILLNESS).to_numpy() & ~w.management_status.isin(("结案", "死亡")).to_numpy()
        ill[w.pid.to_numpy()[a]] = True
    oop = np.zeros(n)
    if "ybj_js" in f:
        y = f["ybj_js"]
        when = y.discharge_date.to_numpy().astype("datetime64[D]")
        when = np.where(np.isnat(when), y.admission_date.to_numpy().astype("datetime64[D]"), when)
        recent = (when > D - days(365)) & (when <= D)
        crit = recent & (y.is_critical_illness == "是").to_numpy()
        ill[y.pid.to_numpy()[crit]] = True
        oop = np.bincount(y.pid.to_numpy()[recent], weights=y.out_of_pocket.to_numpy()[recent], minlength=n)
    out["ill"] = ill
    out["oop"] = oop
    emp = np.zeros(n, bool)
    pension = np.zeros(n)
    if "rsj_jy" in f:
        r = f["rsj_jy"]
        e = r.employment_status.isin(("就业", "灵活就业")).to_numpy()
        emp[r.pid.to_numpy()[e]] = True
        pension = np.bincount(r.pid.to_numpy(), weights=np.nan_to_num(r.monthly_pension.to_numpy(dtype=float)),
                              minlength=n)
    out["emp"] = emp
    student = np.zeros(n, bool)
    if "jtj_xs" in f:
        student[f["jtj_xs"].pid.to_numpy()] = True
    out["student"] = student
    income = np.zeros(n)
    if "swj_sr" in f:
        t = f["swj_sr"]
        t = t[t.tax_year == ctx.tax_year]
        income = np.bincount(t.pid.to_numpy(), weights=t.income.to_numpy(dtype=float), minlength=n)
    veteran = np.zeros(n)
    if "tyjr_yf" in f:
        t = f["tyjr_yf"]
        veteran = np.bincount(t.pid.to_numpy(), weights=t.monthly_allowance.to_numpy(dtype=float), minlength=n)
    out["income"] = income + 12 * pension + 12 * veteran
    out["dead"] = P.dead.to_numpy()
    return out


def resolve_parents(county: County) -> pd.DataFrame:
    """parents(c) of policies.md §2 for every registered person: rows of any
    status in c's 户号; a 子女 of the head -> 户主 + 配偶; a grandchild -> the only
    子女 row + the only 儿媳/女婿 row; resolved only when exactly two are found."""
    P = county.P
    reg = P[P.in_gaj.to_numpy()]
    rel = reg.rel.to_numpy()
    kind = np.select([rel == "户主", rel == "配偶", np.isin(rel, CHILD_OF_HEAD), np.isin(rel, GRANDCHILD),
                      np.isin(rel, CHILD_IN_LAW)], ["head", "spouse", "child", "grandchild", "inlaw"], "")
    df = pd.DataFrame({"pid": reg.pid.to_numpy(), "hid": reg.hid.to_numpy(), "kind": kind})
    cnt = df.groupby(["hid", "kind"]).size().unstack(fill_value=0)
    for k in ("head", "spouse", "child", "inlaw"):
        if k not in cnt:
            cnt[k] = 0
    first = df.groupby(["hid", "kind"]).pid.first().unstack()
    for k in ("head", "spouse", "child", "inlaw"):
        if k not in first:
            first[k] = np.nan
    hid = df.hid.to_numpy()
    c = cnt.reindex(hid)
    fp = first.reindex(hid)
    is_child = kind == "child"
    is_grand = kind == "grandchild"
    ok_child = is_child & ((c["head"] + c["spouse"]).to_numpy() == 2) & (c["head"].to_numpy() == 1)
    ok_grand = is_grand & (c["child"].to_numpy() == 1) & (c["inlaw"].to_numpy() == 1)
    p1 = np.where(ok_child, fp["head"].to_numpy(), np.where(ok_grand, fp["child"].to_numpy(), np.nan))
    p2 = np.where(ok_child, fp["spouse"].to_numpy(), np.where(ok_grand, fp["inlaw"].to_numpy(), np.nan))
    out = pd.DataFrame({"parent1": -1, "parent2": -1}, index=P.index)
    res = ~np.isnan(p1) & ~np.isnan(p2)
    out.loc[df.pid.to_numpy()[res], "parent1"] = p1[res].astype(np.int64)
    out.loc[df.pid.to_numpy()[res], "parent2"] = p2[res].astype(np.int64)
    return out


def spouses(county: County) -> np.ndarray:
    """spouse(p): the other of 户主/配偶 (likewise 父亲/母亲) in the same 户号, or -1."""
    P = county.P
    out = np.full(len(P), -1, dtype=np.int64)
    reg = P[P.in_gaj.to_numpy()]
    for a, b in (("户主", "配偶"), ("父亲", "母亲")):
        x = reg[reg.rel == a].drop_duplicates("hid", keep=False).set_index("hid").pid
        y = reg[reg.rel == b].drop_duplicates("hid", keep=False).set_index("hid").pid
        both = x.index.intersection(y.index)
        out[x[both].to_numpy()] = y[both].to_numpy()
        out[y[both].to_numpy()] = x[both].to_numpy()
    return out


def household_stats(county: County, pf: pd.DataFrame) -> pd.DataFrame:
    P, H = county.P, county.H
    hid = P.hid.to_numpy()
    nh = len(H)
    member = pf.alive.to_numpy() & (hid >= 0)
    h = np.where(member, hid, nh)  # non-members to a dump bucket
    counted = member & ~pf.jail.to_numpy()

    def hsum(values):
        return np.bincount(h, weights=values, minlength=nh + 1)[:nh]

    hs = pd.DataFrame(index=H.index)
    hs["n"] = hsum(counted.astype(float)).astype(int)
    hs["members"] = hsum(member.astype(float)).astype(int)
    hs["inc"] = hsum(np.where(member, pf.income.to_numpy(), 0.0))
    hs["oop"] = hsum(np.where(member, pf.oop.to_numpy(), 0.0))
    hs["urban"] = H.urban.to_numpy()
    hs["std"] = np.where(hs.urban, DB_STD[True], DB_STD[False])
    hs["tkstd"] = np.where(hs.urban, TK_STD[True], TK_STD[False])
    with np.errstate(divide="ignore", invalid="ignore"):
        hs["pci"] = np.where(hs.n > 0, hs.inc / 12 / np.maximum(hs.n, 1), np.inf)
        hs["apci"] = np.where(hs.n > 0, (hs.inc - hs.oop) / 12 / np.maximum(hs.n, 1), np.inf)
    sev_ill = hsum((member & (pf.sev.to_numpy() | pf.ill.to_numpy())).astype(float)) > 0
    wa = member & pf.wa.to_numpy()
    wa_emp = wa & pf.emp.to_numpy()
    no_earner = (hsum(wa.astype(float)) > 0) & (hsum(wa_emp.astype(float)) == 0)
    mon = np.zeros(nh, bool)
    if "xczx_jc" in county.facts:
        x = county.facts["xczx_jc"]
        m = (x.household_type == "脱贫户").to_numpy() | (x.risk_cleared == "否").to_numpy()
        mon[x.hid.to_numpy()[m]] = True
    hs["mon"] = mon
    hs["mark"] = sev_ill | (hs.oop >= 30000) | no_earner | mon
    hs["managed"] = ~H.locked.to_numpy()
    return hs


def pay(county: County) -> Stats:
    """Decide the background's receipts; write mzj rows and tidy other facts."""
    ctx, P, H = county.ctx, county.P, county.H
    D = ctx.D
    pf = person_flags(county)
    hs = household_stats(county, pf)
    par = resolve_parents(county)
    sp = spouses(county)
    hid = P.hid.to_numpy()
    n = len(P)
    managed_p = np.where(hid >= 0, hs.managed.to_numpy()[np.maximum(hid, 0)], False)
    alive = pf.alive.to_numpy()
    jail = pf.jail.to_numpy()
    eligible_person = alive & ~jail & managed_p
    hn = hs.n.to_numpy()[np.maximum(hid, 0)]
    pci = hs.pci.to_numpy()[np.maximum(hid, 0)]
    std = hs["std"].to_numpy()[np.maximum(hid, 0)]
    tkstd = hs.tkstd.to_numpy()[np.maximum(hid, 0)]
    age = pf.age.to_numpy()
    sev, ng, dis, ill = pf.sev.to_numpy(), pf.ng.to_numpy(), pf.dis.to_numpy(), pf.ill.to_numpy()
    wa = pf.wa.to_numpy()
    sup = county.suppress

    def not_suppressed(idx: np.ndarray, category: str) -> np.ndarray:
        return np.array([(int(i), category) not in sup for i in idx], dtype=bool) if len(idx) else np.zeros(0, bool)

    # 特困: old (or working-age and nursing-grade disabled), living alone, poor.
    tk = eligible_person & ((age >= 60) | (wa & ng)) & (hn == 1) & (pci < tkstd)
    tk_h = np.bincount(hid[tk], minlength=len(H)) > 0
    # 低保 and 低保边缘 by household.
    hsd = hs["std"].to_numpy()
    db_h = hs.managed.to_numpy() & (hs.n.to_numpy() >= 1) & (hs.pci.to_numpy() < hsd) & hs.mark.to_numpy() & ~tk_h
    edge_h = (hs.managed.to_numpy() & (hs.n.to_numpy() >= 1) & (hs.pci.to_numpy() >= hsd)
              & (hs.pci.to_numpy() <= 1.5 * hsd) & hs.mark.to_numpy() & ~tk_h & ~db_h)
    dbh = db_h[np.maximum(hid, 0)] & (hid >= 0)
    edgeh = edge_h[np.maximum(hid, 0)] & (hid >= 0)
    hard_h = db_h | tk_h | edge_h | hs.mon.to_numpy()
    hard = hard_h[np.maximum(hid, 0)] & (hid >= 0)

    # 孤儿 / 事实无人抚养儿童, exactly as row 9 and row 8 read.
    p1, p2 = par.parent1.to_numpy(), par.parent2.to_numpy()
    resolved = (p1 >= 0) & (p2 >= 0)
    dead = pf.dead.to_numpy()
    fc = sev | jail | ill
    q1d, q2d = dead[np.maximum(p1, 0)], dead[np.maximum(p2, 0)]
    q1f, q2f = fc[np.maximum(p1, 0)], fc[np.maximum(p2, 0)]
    child_ok = alive & ~jail & (age < 18) & resolved
    orphan = child_ok & q1d & q2d
    fuc = child_ok & ~orphan & (q1f | q1d) & (q2f | q2d) & (q1f | q2f)
    child_diff = alive & ~jail & (age < 18) & (sev | ill) & hard & ~orphan & ~fuc

    rows = []
    months = ctx.rng("mzj_start")

    def start_months(idx, earliest=None):
        back = months.integers(60, 6 * 365, len(idx))
        s = D - days(back)
        if earliest is not None:
            s = np.maximum(s, earliest)
        s = np.minimum(s, D - days(20))
        return s.astype("datetime64[M]").astype("datetime64[D]")

    def give(mask, category, amount, earliest=None):
        idx = np.flatnonzero(mask & eligible_person)
        idx = idx[not_suppressed(idx, category)]
        if len(idx) == 0:
            return idx
        amt = amount[idx] if isinstance(amount, np.ndarray) else np.full(len(idx), float(amount))
        rows.append(pd.DataFrame({"pid": idx, "benefit_category": category, "monthly_amount": amt,
                                  "start_month": start_months(idx, None if earliest is None else earliest[idx])}))
        return idx

    birth = P.birth.to_numpy().astype("datetime64[D]")
    urban = H.urban.to_numpy()[np.maximum(hid, 0)]
    tk_paid = np.zeros(n, bool)
    tk_paid[give(tk & urban, "城市特困", tkstd)] = True
    tk_paid[give(tk & ~urban, "农村特困", tkstd)] = True
    share = np.round(np.maximum(1.0, std - np.where(np.isfinite(pci), pci, 0.0)))
    give(dbh & urban, "城市低保", share)
    give(dbh & ~urban, "农村低保", share)
    give(edgeh, "低保边缘家庭", 0.0)
    give(orphan, "孤儿", 1380.0, birth + days(30))
    give(fuc, "事实无人抚养儿童", 920.0, birth + days(30))
    give(child_diff, "困境儿童", 500.0, birth + days(30))
    band = np.select([age >= b for b, _ in HIGH_AGE_BANDS], [a for _, a in HIGH_AGE_BANDS], 0.0)
    band_start = np.select([age >= b for b, _ in HIGH_AGE_BANDS],
                           [birth + days(int(b * 365.25) + 1) for b, _ in HIGH_AGE_BANDS], birth)
    give(age >= 80, "高龄津贴", band, band_start + days(31))
    nursing = np.zeros(n, bool)
    nursing[give(ng & ~tk, "重度残疾人护理补贴", np.where(pf.grade1.to_numpy(), 200.0, 150.0))] = True
    spouse_dis = np.where(sp >= 0, dis[np.maximum(sp, 0)] & alive[np.maximum(sp, 0)], False)
    elder_care = ((age >= 60) & dis & (spouse_dis | ((hn == 1) & sev)) & (pci <= 2 * std) & ~tk & ~nursing)
    give(elder_care, "老年人生活护理救助", 200.0)
    dis_living = np.zeros(n, bool)
    dis_living[give(dis & (dbh | (edgeh & sev)) & ~tk, "困难残疾人生活补贴", 150.0)] = True
    give((age >= 60) & (dbh | edgeh) & ~tk & ~dis_living, "经济困难老年人补贴", 100.0)

    # 支出型临时救助 for households whose bills pushed them under the standard.
    temp_h = hs.managed.to_numpy() & (hs.n.to_numpy() >= 1) & (hs.oop.to_numpy() >= 5000) & (hs.apci.to_numpy() < hsd)
    ep = np.flatnonzero(eligible_person)
    first_member = np.zeros(n, bool)
    if len(ep):
        first_member[pd.Series(ep).groupby(hid[ep]).first().to_numpy()] = True
    temp_idx = np.flatnonzero(first_member & temp_h[np.maximum(hid, 0)])
    temp_idx = temp_idx[not_suppressed(temp_idx, "临时救助")]
    if len(temp_idx):
        h = hid[temp_idx]
        gap = np.maximum(0, hsd[h] - hs.apci.to_numpy()[h])
        amount = np.round(np.minimum(12000, 12 * hs.n.to_numpy()[h] * gap), -1)
        start = (D - days(ctx.rng("temp").integers(40, 300, len(temp_idx)))).astype("datetime64[M]").astype("datetime64[D]")
        rows.append(pd.DataFrame({"pid": temp_idx, "benefit_category": "临时救助", "monthly_amount": amount,
                                  "start_month": start}))

    in_child = orphan | fuc | child_diff  # IN(): eligible counts, paid or not
    _enrol_hard_up_children(county, eligible_person & hard & (age >= 7) & (age <= 15))
    students = county.facts.get("jtj_xs")
    if students is not None and len(students):
        s = students
        spid = s.pid.to_numpy()
        lvl = s.school_level.to_numpy()
        new = (s.is_new_student == "是").to_numpy()
        college_new = (lvl == "高校") & new & (dbh | tk | edgeh)[spid]
        y0 = s.enrol_year.to_numpy().astype(int)
        sept = ((y0 - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(8, "M")).astype("datetime64[D]")
        cn = np.zeros(n, bool)
        cn[spid[college_new]] = True
        earliest = np.full(n, np.datetime64("1900-01-01"), dtype="datetime64[D]")
        earliest[spid] = sept
        give(cn, "大学新生救助", 5000.0, earliest)
        parent_sev = (np.where(p1 >= 0, sev[np.maximum(p1, 0)], False) | np.where(p2 >= 0, sev[np.maximum(p2, 0)], False))
        parent_dis = (np.where(p1 >= 0, dis[np.maximum(p1, 0)], False) | np.where(p2 >= 0, dis[np.maximum(p2, 0)], False))
        hard_kid = hard | in_child | dis | parent_sev
        mon = hs.mon.to_numpy()[np.maximum(hid, 0)]
        aid = []
        for i, (p, level) in enumerate(zip(spid, lvl)):
            if not managed_p[p]:
                aid.append(s.aid_programme.iat[i])
                continue
            items = []
            if hard_kid[p]:
                items.append({"学前": "学前资助", "小学": "义务教育生活补助", "初中": "义务教育生活补助",
                              "高中": "国家助学金", "中职": "国家助学金"}.get(level, "入学资助" if new[i] else ""))
            if level in ("高中", "中职", "高校") and (dis[p] or (parent_dis[p] and hard[p])):
                items.append("残疾学生助学")
            if mon[p] and (level == "中职" or (level == "高校" and "职业" in s.school.iat[i])):
                items.append("雨露计划")
            aid.append("、".join(x for x in items if x))
        students = students.copy()
        students["aid_programme"] = aid
        county.facts["jtj_xs"] = students

    mzj = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["pid", "benefit_category", "monthly_amount", "start_month"])
    county.add("mzj_jzdx", mzj)

    paid_db = np.zeros(n, bool)
    paid_db[mzj.pid[mzj.benefit_category.isin(("城市低保", "农村低保"))].to_numpy()] = True
    _tidy_employment(county, pf, managed_p, hard, paid_db, alive)
    _tidy_settlements(county, managed_p, hard | tk | in_child)

    person = pf.copy()
    person["parent1"], person["parent2"], person["spouse"] = p1, p2, sp
    person["tk"], person["fuc"], person["orphan"], person["hard"] = tk, fuc, orphan, hard
    person["dbh"], person["edgeh"], person["managed"] = dbh, edgeh, managed_p
    household = hs.copy()
    household["db"], household["edge"], household["tk"], household["hard"] = db_h, edge_h, tk_h, hard_h
    paid_h = np.zeros(len(H), bool)
    ph = hid[mzj.pid.to_numpy()]
    paid_h[ph[ph >= 0]] = True
    household["paid"] = paid_h
    return Stats(person, household)


def _enrol_hard_up_children(county: County, need: np.ndarray) -> None:
    """Every child of 7-15 in a hard-up household is at school (else W_DROPOUT)."""
    s = county.facts.get("jtj_xs")
    have = np.zeros(len(county.P), bool)
    if s is not None and len(s):
        have[s.pid.to_numpy()] = True
    add = np.flatnonzero(need & ~have)
    if not len(add):
        return
    rng = county.ctx.rng("enrol")
    P, H = county.P, county.H
    sa = school_age(county.ctx, P.birth.to_numpy()[add])
    rows = []
    for pid, a in zip(add, sa):
        level = "小学" if a <= 11 else ("初中" if a <= 14 else "高中")
        town = H.town_name.iat[int(P.hid.iat[pid])]
        rows.append(dict(pid=int(pid), **student_row(county.ctx, level, int(a), town, rng)))
    county.add("jtj_xs", pd.DataFrame(rows))


def _tidy_employment(county: County, pf, managed_p, hard, paid_db, alive) -> None:
    """Job-seekers of hard-up households registered as 未就业 (not as new
    失业登记 cases), 低保 recipients registered with 人社 and referred at least
    once, pension insurance for the hard-up."""
    r = county.facts["rsj_jy"].copy()
    n = len(county.P)
    rng = county.ctx.rng("rsj_tidy")
    pid = r.pid.to_numpy()
    m = managed_p[pid]
    dis = pf.dis.to_numpy()
    fix = m & (r.employment_status == "失业登记").to_numpy() & (hard[pid] | dis[pid])
    r.loc[fix, "employment_status"] = "未就业"
    r.loc[fix, "unemployment_date"] = NaT
    student = pf.student.to_numpy()
    age = pf.age.to_numpy()
    need = paid_db & pf.wa.to_numpy() & ~pf.ng.to_numpy() & ~student & managed_p & alive & ~pf.jail.to_numpy()
    have = np.zeros(n, bool)
    have[pid] = True
    add = np.flatnonzero(need & ~have)
    if len(add):
        extra = pd.DataFrame({"pid": add, "employment_status": "未就业", "unemployment_date": NaT,
                              "pension_type": "城乡居民", "monthly_pension": np.nan, "public_job": "否",
                              "referrals": rng.integers(1, 4, len(add)), "refusals": 0})
        r = pd.concat([r, extra], ignore_index=True)
        pid = r.pid.to_numpy()
    sel = need[pid]
    r.loc[sel, "referrals"] = np.maximum(r.loc[sel, "referrals"].to_numpy(), 1)
    r.loc[sel, "refusals"] = np.minimum(r.loc[sel, "refusals"].to_numpy(), np.minimum(2, r.loc[sel, "referrals"].to_numpy()))
    enrol = managed_p[pid] & (age[pid] >= 16) & (age[pid] <= 59) & ~student[pid] & (hard[pid] | pf.sev.to_numpy()[pid])
    r.loc[enrol & (r.pension_type == "未参保").to_numpy(), "pension_type"] = "城乡居民"
    county.facts["rsj_jy"] = r.sort_values("pid", kind="stable").reset_index(drop=True)


def _tidy_settlements(county: County, managed_p, covered) -> None:
    """医疗救助 paid on the bills of the hard-up (their receipt of MED_*)."""
    y = county.facts["ybj_js"].copy()
    pid = y.pid.to_numpy()
    sel = (managed_p[pid] & covered[pid] & y.visit_type.isin(("住院", "门诊慢特病")).to_numpy()
           & (y.out_of_pocket.to_numpy() > 0) & (y.medical_aid_paid.to_numpy() == 0))
    aid = np.round(y.out_of_pocket.to_numpy() * 0.7, 2)
    y.loc[sel, "medical_aid_paid"] = aid[sel]
    y.loc[sel, "total_cost"] = np.round(y.total_cost.to_numpy()[sel] + aid[sel], 2)
    county.facts["ybj_js"] = y
