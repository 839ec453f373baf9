"""The oracle of the first night's findings: every rule of policies.md,
evaluated on the generator's own clean facts.

`evaluate(county)` returns one row per finding a perfect pipeline raises on
the first night (run date D = `date`, inbox extracts dated D - 1): every
DISCOVER of the 37 discoverable policies (§3, disc Y), every REVIEW (§4),
WARNING (§5) and YELLOW (§6) rule. It reads the county's facts as the
departments deliver them (before quirks; the quirks that would change what a
pipeline reads, unrecoverable ID damage, land only on `inert` people, see
county.inert_people) and never the generator's intentions: planted cases are
found by the same code as the background. It imports nothing from transforms/
(the pipeline's engine is written independently from the same spec).

Frame columns: kind, rule_code, policy_code, target (person | household), pid
(the person; for a household target the head), hid, amount, amount_period,
note.

How the definitions of §2 are read (D = run date; "in last N days" = a date
in (D-N, D]):

- age(p): full years from the ID's birth digits to D. WA = 18..59, minor < 18.
- DEAD: gaj 人员状态 死亡, or any bzs_hh row. Death date: bzs 死亡日期, else gaj
  变动日期. JAIL: a sfj 服刑 row, 开始日期 <= D, 结束日期 empty or > D. GONE:
  迁出, or 注销 and not DEAD, or no gaj row.
- HH(h): gaj rows of 户号 h with 正常 and not DEAD; n = those not JAIL. Persons
  evaluated for person policies are HH members not in JAIL (never DEAD, GONE,
  JAIL); household policies need n >= 1.
- INC(h): sum over HH(h) members (JAIL members included: they are members, only
  n leaves them out) of swj 收入额 of the latest 所属年度 present in the
  snapshot, 12 x rsj 月养老金 and 12 x tyjr 月抚恤金. PCI = INC / 12 / n.
- OOP(p): ybj 个人自付 with 出院日期 (入院日期 if empty) in last 365 days;
  OOP(h) over HH(h). APCI = (INC - OOP(h)) / 12 / n.
- ASSET_OK(h) over HH(h) members; the gjj clause: 缴存状态 正常, 最近缴存年月 at
  most GJJ_ACTIVE_MONTHS (3) calendar months before D's month, 缴存基数 >
  2 x STD(h).
- MARK(h): a member SEV or ILL; OOP(h) >= 30000; at least one WA member and
  none of them EMP; MON(h).
- MON(h): a xczx row for h (by 户号; the generator writes the head's ID beside
  it) with 户类型 脱贫户 (whatever 风险是否消除), or another type with 风险是否消除 否.
- RCV(p, X) for mzj:<label>: a mzj row of p with that 救助类别 and 起始年月 <= D.
  A household policy (DB_*, DB_EDGE) is received when a member of HH(h)
  receives it.
- IN(p, X) = RCV or eligible tonight, where eligible = the criteria of §3 hold
  for a person who could be proposed (HH member, not JAIL); exclusions do not
  enter "eligible". DBH(h) = a member RCV DB_* or h eligible for DB_*; TKP(p)
  = RCV TK_* or eligible for TK_*. HARD(h) = DBH or a member TKP or IN DB_EDGE
  or MON.
- parents(c): gaj rows (any status) of c's 户号; a child of the head: the
  户主 and 配偶 rows, resolved when there are exactly two; a grandchild: the
  only 子女 row and the only 儿媳/女婿 row. "a parent" (DIS_STUDENT,
  HARD_KID) means a resolved parent.
- spouse(p): the other of 户主/配偶 (父亲/母亲) in the same 户号, when each of
  the two relations has exactly one row.

DISCOVER: criteria hold, not RCV, no code in the policy's own exclusions
column RCV. Two candidates of an exclusive pair (pairs of either row of §3):
the higher amount (tie: lower catalogue number), chosen greedily in that order
per person. Household items name the head: the 户主 row of h (any status),
else the member first in 与户主关系 order.

Interpretations chosen where policies.md leaves room (reconcile with the
pipeline's engine):

 1. DB_*: TKP members leave the household for DB and DB_EDGE: n' = n minus
    counted TKP members, INC' = INC minus their income; PCI' = INC'/12/n'
    decides DB / DB_EDGE and the amount (STD - PCI') x n'. R_DB_INCOME uses
    PCI' too. No DB when n' = 0.
 2. Blocking by a received code uses the policy's own exclusions column only
    (DB is not blocked by RCV DB_EDGE; DB_EDGE is blocked by a member RCV
    DB_*). DISCOVER DB_URBAN/DB_RURAL is blocked by a member receiving either
    DB code.
 3. DB_EDGE carries no amount (status only): amount and period empty.
 4. TEMP_EXPENSE / TEMP_EMERGENCY: "received" means a member's 临时救助 row
    whose 起始年月 lies in the exclusion window (365 / 30 days); an older
    临时救助 does not block.
 5. COLLEGE_NEW_DB is blocked by a 大学新生救助 row with 起始年月 on or after
    Sept 1 of 入学年份.
 6. Amounts given as caps are proposed at the cap: DIS_CHILD_REHAB 20000/year,
    VETERAN_HARDSHIP 5000 once. MED_* amounts are `once`: MED_INPATIENT and
    MED_OUTPATIENT_CHRONIC = rate x the sum of qualifying 个人自付 (cap 60000 /
    5000); rate 1.0 if p IN TK/ORPHAN/FUC, 0.7 if DBH, else 0.6;
    MED_CRITICAL_TILT = sum over qualifying settlements of (个人自付 - 7500) x
    0.65; MED_ILLNESS_POOR = 0.5 x OOP(p), cap 60000.
 7. EDU_COMPULSORY at the boarding rate (1000 / 1250 per year). EDU_VOC: 2000
    /year for 一/二年级, amount empty for 三年级 (free tuition only).
    EMPLOY_HARD, MONITOR_AID: amount empty. DISASTER_LIVING: 倒塌 (any member)
    600 x n x 3 once, else 3000 once.
 8. Receipts in the data: EDU_* / DIS_STUDENT / YULU by 资助项目 containing the
    keyword; PENSION_PREMIUM by 养老保险类型 not 未参保 (criterion);
    PUBLIC_JOB by 公益性岗位 是; RENT_SUBSIDY by zjj 租赁补贴 是 (blocked by
    公租房 是); UNION_POOR_WORKER by a zgh row; MED_INPATIENT /
    OUTPATIENT_CHRONIC by 医疗救助支付 > 0 on the settlement (criterion);
    MED_CRITICAL_TILT by 大病保险支付 > 0 on the settlement (criterion);
    MED_ILLNESS_POOR by any settlement of p in the last 365 days with
    医疗救助支付 > 0. Policies with receipt "—" are raised whenever criteria
    hold (the first night has no feedback).
 9. VETERAN_HARDSHIP's W_DISASTER_HOUSE: one raised tonight for a member of
    p's household. MONITOR_AID: a W_* raised tonight for h or a member.
    PUBLIC_JOB is blocked when Y_JOB_REFUSAL is raised for p tonight.
10. REVIEW amounts: the monthly amount paid under the reviewed benefit: a
    person benefit: the person's 月发放金额; a household benefit (DB_*,
    DB_EDGE): the sum over HH(h) members' rows of that 救助类别; PUBLIC_JOB:
    PUBLIC_JOB_MONTHLY; RENT_SUBSIDY: RENT_SUBSIDY_MONTHLY.
11. R_DB_VEHICLE / PROPERTY / BUSINESS / GJJ: one item per (asset-holding
    member, benefit received in h among DB_*, TK_*, DB_EDGE). PROPERTY targets
    the members holding 住宅 when the household's 住宅 total exceeds 1, and the
    members holding 商业. R_DEBTOR_DB is evaluated on recipients: a member of
    a household receiving DB_*.
12. Pair reviews name the benefit the action stops: R_DB_TK -> the DB_* code;
    R_TK_DIS_LIVING -> DIS_LIVING; R_ORPHAN_FUC -> FACT_UNSUPPORTED_CHILD,
    unless FUC's criteria hold and ORPHAN's do not (then ORPHAN); R_EXCLUSIVE
    -> the lower amount of the pair (tie: higher catalogue number);
    PUBLIC_RENTAL + RENT_SUBSIDY (zjj both 是) -> RENT_SUBSIDY, household
    target. The MED_* pair is not reviewed (their receipts are settlements).
13. R_FUC_LAPSED reads "row 9 criteria" as the parents' criteria (each FC or
    DEAD, at least one FC); aging out is R_CHILD_AGED_OUT's.
14. R_AMOUNT: ORPHAN 1380, FUC 920, CHILD_DIFFICULTY 500, HIGH_AGE by the
    person's band (no item under 80: R_* of eligibility are not in §4), ELDER_ECON
    100, ELDER_CARE 200, DIS_LIVING 150, DIS_NURSING 200 with a valid 一级
    certificate else 150.
15. Reviews read receipts of anybody (DEAD, GONE and JAIL included: that is
    what R_DECEASED_PAID, R_MOVED_PAID and R_JAIL_PAID are for); warnings and
    yellow items only HH members. Y_*: the person RCV DB_* and not JAIL.
16. W_EARNER_DEATH: the dead person's gaj row is in h; WA by age on D.
    W_NEW_SEVERE_DIS: a valid 一级/二级 certificate issued in the last 90 days.
17. MED_INPATIENT / MED_OUTPATIENT_CHRONIC are not blocked by a "received"
    MED_ILLNESS_POOR (its receipt, aid on a settlement, cannot be told from
    theirs); both candidates: the greedy choice of the higher amount.
18. Household items name the 户主 row of h whatever its status (a dead head
    included); planted cases keep their head alive.
19. parents(c) of a child of the head: all 户主 and 配偶 rows, resolved when
    there are exactly two of them together. FC(q) is read on the parent's
    rows whatever q's life status (a DEAD parent with a valid 一级 certificate
    is FC too).
20. R_DB_TK, R_JAIL_PAID, R_MOVED_PAID, R_DECEASED_PAID name each received
    code separately (DB_URBAN / DB_RURAL, TK_URBAN / TK_RURAL).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .population import CHILD_IN_LAW, CHILD_OF_HEAD, GRANDCHILD, REL_ORDER

# --- parameters of policies.md §1 (in force from 2026-01-01) -----------------------
DB_STD = (900.0, 720.0)            # urban, rural
TK_STD = (1170.0, 936.0)
DB_EDGE_FACTOR = 1.5
ORPHAN_SCATTERED, FUC_MONTHLY, CHILD_DIFF_MONTHLY = 1380.0, 920.0, 500.0
ELDER_ECON_MONTHLY, ELDER_CARE_MONTHLY, ELDER_CARE_INCOME_FACTOR = 100.0, 200.0, 2.0
DIS_LIVING_MONTHLY, DIS_NURSING_G1, DIS_NURSING_G2 = 150.0, 200.0, 150.0
DIS_REHAB_MAX_AGE, DIS_REHAB_CAP = 14, 20000.0
DIS_STUDENT_HS, DIS_STUDENT_UNI = 1500.0, 3000.0
MED_OOP_THRESHOLD, MED_OOP_INCOME_SHARE = 30000.0, 0.5
MED_AID_CAP, MED_OUTPT_CAP = 60000.0, 5000.0
CRIT_DEDUCTIBLE_HARD, CRIT_RATE_HARD = 7500.0, 0.65
TEMP_OOP_MIN, TEMP_EXPENSE_CAP, TEMP_EMERGENCY_AMOUNT = 5000.0, 12000.0, 3000.0
VEHICLE_EXEMPT = ("三轮汽车", "低速货车", "摩托车")
RESIDENTIAL_MAX, BIZ_CAPITAL_MAX = 1, 10.0
GJJ_BASE_FACTOR, GJJ_ACTIVE_MONTHS = 2.0, 3
SERIOUS_ILLNESS = ("恶性肿瘤", "尿毒症", "白血病", "器官移植术后", "精神分裂症", "分裂情感性障碍",
                   "偏执性精神病", "双相情感障碍", "癫痫所致精神障碍", "精神发育迟滞伴发精神障碍")
EDU_PRESCHOOL, EDU_COMP_PRIMARY, EDU_COMP_JUNIOR = 1000.0, 1000.0, 1250.0
EDU_HS_GRANT, EDU_VOC_GRANT, EDU_COLLEGE_ENTRY = 2000.0, 2000.0, 1000.0
COLLEGE_NEW_GRANT, YULU_YEAR, PENSION_PREMIUM = 5000.0, 3000.0, 100.0
PUBLIC_JOB_MONTHLY, RENT_SUBSIDY_MONTHLY, RENO_D, RENO_C = 700.0, 300.0, 20000.0, 8000.0
UNION_AID, VETERAN_AID_CAP = 2000.0, 5000.0
DISASTER_TRANSITION, DISASTER_REPAIR = 600.0, 3000.0
JOB_REFUSAL_MAX = 3
WIN_YEAR, WIN_RECENT, WIN_EMERG = 365, 90, 30

CATEGORY_POLICY = {
    "城市低保": "DB_URBAN", "农村低保": "DB_RURAL", "城市特困": "TK_URBAN", "农村特困": "TK_RURAL",
    "低保边缘家庭": "DB_EDGE", "孤儿": "ORPHAN", "事实无人抚养儿童": "FACT_UNSUPPORTED_CHILD",
    "困境儿童": "CHILD_DIFFICULTY", "临时救助": "TEMP_EXPENSE", "高龄津贴": "HIGH_AGE",
    "经济困难老年人补贴": "ELDER_ECON", "老年人生活护理救助": "ELDER_CARE", "困难残疾人生活补贴": "DIS_LIVING",
    "重度残疾人护理补贴": "DIS_NURSING", "大学新生救助": "COLLEGE_NEW_DB",
}
CATALOGUE = ("DB_URBAN", "DB_RURAL", "DB_EDGE", "TK_URBAN", "TK_RURAL", "TEMP_EXPENSE", "TEMP_EMERGENCY", "ORPHAN",
             "FACT_UNSUPPORTED_CHILD", "CHILD_DIFFICULTY", "HIGH_AGE", "ELDER_ECON", "ELDER_CARE", "COLLEGE_NEW_DB",
             "FUNERAL_BENEFIT", "DIS_LIVING", "DIS_NURSING", "DIS_CHILD_REHAB", "DIS_ASSISTIVE", "DIS_HOME_ACCESS",
             "DIS_STUDENT", "MED_PREMIUM", "MED_INPATIENT", "MED_OUTPATIENT_CHRONIC", "MED_CRITICAL_TILT",
             "MED_ILLNESS_POOR", "EDU_PRESCHOOL", "EDU_COMPULSORY", "EDU_HIGHSCHOOL", "EDU_VOC", "EDU_COLLEGE",
             "YULU", "PENSION_PREMIUM", "PUBLIC_JOB", "EMPLOY_HARD", "HOUSING_RURAL_RENO", "PUBLIC_RENTAL",
             "RENT_SUBSIDY", "MONITOR_AID", "MICROCREDIT", "UNION_POOR_WORKER", "VETERAN_HARDSHIP",
             "DISASTER_LIVING", "LEGAL_AID")
CAT_NO = {c: i + 1 for i, c in enumerate(CATALOGUE)}
DISCOVERABLE = tuple(c for c in CATALOGUE if c not in (
    "FUNERAL_BENEFIT", "DIS_ASSISTIVE", "DIS_HOME_ACCESS", "MED_PREMIUM", "PUBLIC_RENTAL", "MICROCREDIT", "LEGAL_AID"))
HOUSEHOLD_POLICIES = ("DB_URBAN", "DB_RURAL", "DB_EDGE", "TEMP_EXPENSE", "TEMP_EMERGENCY", "HOUSING_RURAL_RENO",
                      "RENT_SUBSIDY", "MONITOR_AID", "DISASTER_LIVING")
REVIEW_RULES = ("R_DECEASED_PAID", "R_JAIL_PAID", "R_MOVED_PAID", "R_DB_VEHICLE", "R_DB_PROPERTY", "R_DB_BUSINESS",
                "R_DB_GJJ", "R_DB_INCOME", "R_DB_TK", "R_ORPHAN_FUC", "R_TK_DIS_LIVING", "R_EXCLUSIVE",
                "R_CHILD_AGED_OUT", "R_FUC_LAPSED", "R_DIS_CERT", "R_DEBTOR_DB", "R_AMOUNT")
WARNING_RULES = ("W_MED_POVERTY", "W_DISASTER_HOUSE", "W_EARNER_DEATH", "W_UNEMPLOY_MON", "W_DROPOUT",
                 "W_NEW_SEVERE_DIS")
YELLOW_RULES = ("Y_JOB_REFUSAL", "Y_NO_REFERRAL")
# Exclusive pairs of §3 among person codes (either row lists the other).
PERSON_EXCLUSIVE = (
    ("TK", "DIS_LIVING"), ("TK", "DIS_NURSING"), ("TK", "ELDER_ECON"), ("TK", "ELDER_CARE"),
    ("TK", "ORPHAN"), ("TK", "FACT_UNSUPPORTED_CHILD"), ("TK", "CHILD_DIFFICULTY"),
    ("ORPHAN", "FACT_UNSUPPORTED_CHILD"), ("ORPHAN", "CHILD_DIFFICULTY"), ("FACT_UNSUPPORTED_CHILD", "CHILD_DIFFICULTY"),
    ("ELDER_ECON", "DIS_LIVING"), ("ELDER_CARE", "DIS_NURSING"),
    ("MED_INPATIENT", "MED_ILLNESS_POOR"), ("MED_OUTPATIENT_CHRONIC", "MED_ILLNESS_POOR"),
)
# Each person code's own exclusions column (blocking by a received code).
OWN_EXCLUSIONS = {
    "TK": ("DB", "DIS_LIVING", "DIS_NURSING", "ELDER_ECON", "ELDER_CARE"),
    "ORPHAN": ("FACT_UNSUPPORTED_CHILD", "TK", "CHILD_DIFFICULTY"),
    "FACT_UNSUPPORTED_CHILD": ("ORPHAN", "TK", "CHILD_DIFFICULTY"),
    "CHILD_DIFFICULTY": ("ORPHAN", "FACT_UNSUPPORTED_CHILD", "TK"),
    "ELDER_ECON": ("TK", "DIS_LIVING"),
    "ELDER_CARE": ("TK", "DIS_NURSING"),
    "DIS_LIVING": ("TK", "ELDER_ECON"),
    "DIS_NURSING": ("TK", "ELDER_CARE"),
}
# R_EXCLUSIVE: received pairs other than those with their own rule.
RECEIVED_EXCLUSIVE = (
    ("TK", "DIS_NURSING"), ("TK", "ELDER_ECON"), ("TK", "ELDER_CARE"), ("TK", "ORPHAN"),
    ("TK", "FACT_UNSUPPORTED_CHILD"), ("TK", "CHILD_DIFFICULTY"), ("ORPHAN", "CHILD_DIFFICULTY"),
    ("FACT_UNSUPPORTED_CHILD", "CHILD_DIFFICULTY"), ("ELDER_ECON", "DIS_LIVING"), ("ELDER_CARE", "DIS_NURSING"),
    ("DB_EDGE", "DB"), ("DB_EDGE", "TK"),
)
COLUMNS = ["kind", "rule_code", "policy_code", "target", "pid", "hid", "amount", "amount_period", "note"]


def _days(n) -> np.timedelta64:
    return np.timedelta64(int(n), "D")


def _in_last(dates: np.ndarray, D: np.datetime64, n: int) -> np.ndarray:
    d = np.asarray(dates).astype("datetime64[D]")
    return ~np.isnat(d) & (d > D - _days(n)) & (d <= D)


class Facts:
    """The deliveries of the first night as typed arrays by pid / hid.

    `drop` (by pid): the person's rows vanish from every source but gaj;
    `drop_gaj`: their gaj row vanishes too (the counterfactuals of inert_people).
    """

    def __init__(self, county, drop: np.ndarray | None = None, drop_gaj: np.ndarray | None = None):
        ctx, P, H = county.ctx, county.P, county.H
        self.D = D = np.datetime64(ctx.date, "D")
        n = self.n = len(P)
        self.nh = nh = len(H)
        drop = np.zeros(n, bool) if drop is None else drop
        drop_gaj = np.zeros(n, bool) if drop_gaj is None else drop_gaj
        self.f = {}
        for code, df in county.facts.items():
            if df is None or not len(df) or "pid" not in df:
                self.f[code] = df
                continue
            pid = df.pid.to_numpy()
            self.f[code] = df[~drop[pid]] if drop.any() else df
        self.in_gaj = P.in_gaj.to_numpy() & ~drop_gaj
        self.hid = np.where(self.in_gaj, P.hid.to_numpy(), -1)
        self.hsafe = np.maximum(self.hid, 0)
        self.status = P.status.to_numpy(dtype=object)
        self.rel = P.rel.to_numpy(dtype=object)
        self.ids = P.id.to_numpy(dtype=object)
        birth = pd.to_datetime(P.birth.to_numpy().astype("datetime64[D]"))
        d = ctx.date
        self.age = (d.year - birth.year - ((birth.month * 100 + birth.day) > (d.month * 100 + d.day))).to_numpy()
        self.male = np.array([int(i[16]) % 2 == 1 for i in self.ids])
        v = H.village.astype(str).str[9:12].astype(int).to_numpy()
        self.h_urban = (v >= 1) & (v <= 99)
        self.h_rural = (v >= 200) & (v <= 399)
        self.h_std = np.where(self.h_urban, DB_STD[0], np.where(self.h_rural, DB_STD[1], np.nan))
        self.h_tkstd = np.where(self.h_urban, TK_STD[0], np.where(self.h_rural, TK_STD[1], np.nan))
        self.hh_no = H.hh_no.to_numpy(dtype=object)

        # Life status.
        bzs = self.get("bzs_hh")
        self.bzs = np.zeros(n, bool)
        self.bzs[bzs.pid.to_numpy()] = True
        death = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        if len(bzs):
            first = bzs.groupby("pid").death_date.min()
            death[first.index.to_numpy()] = first.to_numpy().astype("datetime64[D]")
        self.dead = (self.in_gaj & (self.status == "死亡")) | self.bzs
        change = P.change_date.to_numpy().astype("datetime64[D]")
        gd = self.in_gaj & (self.status == "死亡") & np.isnat(death)
        death[gd] = change[gd]
        self.death_date = death
        s = self.get("sfj_jz")
        start, end = s.start_date.to_numpy().astype("datetime64[D]"), s.end_date.to_numpy().astype("datetime64[D]")
        j = (s.correction_type == "服刑").to_numpy() & (start <= D) & (np.isnat(end) | (end > D))
        self.jail = np.zeros(n, bool)
        self.jail[s.pid.to_numpy()[j]] = True
        self.gone = ~self.in_gaj | (self.status == "迁出") | ((self.status == "注销") & ~self.dead)
        self.member = self.in_gaj & (self.status == "正常") & ~self.dead
        self.counted = self.member & ~self.jail
        self.person_ok = self.counted  # may be proposed: HH member, not DEAD / GONE / JAIL
        self.wa = (self.age >= 18) & (self.age <= 59)
        self.minor = self.age < 18

        # Disability, illness, employment, school.
        c = self.get("clh_cjr")
        valid = (c.cert_status == "有效").to_numpy()
        cp = c.pid.to_numpy()
        g = c.disability_grade.to_numpy(dtype=object)
        t = c.disability_type.to_numpy(dtype=object)
        self.dis = self._any(cp[valid])
        sev_rows = valid & np.isin(g, ("一级", "二级"))
        self.sev = self._any(cp[sev_rows])
        self.ng = self._any(cp[sev_rows | (valid & (g == "三级") & np.isin(t, ("智力", "精神")))])
        self.grade1 = self._any(cp[valid & (g == "一级")])
        issued = c.issue_date.to_numpy().astype("datetime64[D]")
        self.new_sev = self._any(cp[sev_rows & _in_last(issued, D, WIN_RECENT)])
        w = self.get("wjw_mb")
        a = w.disease.isin(SERIOUS_ILLNESS).to_numpy() & ~w.management_status.isin(("结案", "死亡")).to_numpy()
        self.ill = self._any(w.pid.to_numpy()[a])
        y = self.get("ybj_js")
        self.y = y
        when = y.discharge_date.to_numpy().astype("datetime64[D]")
        when = np.where(np.isnat(when), y.admission_date.to_numpy().astype("datetime64[D]"), when)
        self.y_when = when
        self.y_year = _in_last(when, D, WIN_YEAR)
        self.y_crit = self.y_year & (y.is_critical_illness == "是").to_numpy()
        self.crit_recent = self._any(y.pid.to_numpy()[self.y_crit])
        self.ill |= self.crit_recent
        self.oop = np.bincount(y.pid.to_numpy()[self.y_year], weights=y.out_of_pocket.to_numpy(float)[self.y_year],
                               minlength=n)
        r = self.get("rsj_jy").drop_duplicates("pid", keep="last")
        self.r = r
        rp = r.pid.to_numpy()
        self.has_rsj = self._any(rp)
        self.emp = self._any(rp[r.employment_status.isin(("就业", "灵活就业")).to_numpy()])
        self.emp_status = np.full(n, "", dtype=object)
        self.emp_status[rp] = r.employment_status.to_numpy(dtype=object)
        self.unemp_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        self.unemp_date[rp] = r.unemployment_date.to_numpy().astype("datetime64[D]")
        self.pension_type = np.full(n, "", dtype=object)
        self.pension_type[rp] = r.pension_type.to_numpy(dtype=object)
        self.public_job = self._any(rp[(r.public_job == "是").to_numpy()])
        self.referrals = np.zeros(n)
        self.referrals[rp] = np.nan_to_num(r.referrals.to_numpy(float))
        self.refusals = np.zeros(n)
        self.refusals[rp] = np.nan_to_num(r.refusals.to_numpy(float))
        pension = np.bincount(rp, weights=np.nan_to_num(r.monthly_pension.to_numpy(float)), minlength=n)
        s = self.get("jtj_xs")
        self.s = s
        self.student = self._any(s.pid.to_numpy())
        tax = self.get("swj_sr")
        income = np.zeros(n)
        if len(tax):
            latest = tax.tax_year.max()
            tt = tax[tax.tax_year == latest]
            income = np.bincount(tt.pid.to_numpy(), weights=tt.income.to_numpy(float), minlength=n)
        v = self.get("tyjr_yf")
        self.veteran = self._any(v.pid.to_numpy())
        vet = np.bincount(v.pid.to_numpy(), weights=v.monthly_allowance.to_numpy(float), minlength=n)
        self.income = income + 12 * pension + 12 * vet

        # Households.
        m = self.member
        self.h_members = self.hsum(m)
        self.h_n = self.hsum(self.counted)
        self.h_inc = self.hsum(np.where(m, self.income, 0.0))
        self.h_oop = self.hsum(np.where(m, self.oop, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            self.h_pci = np.where(self.h_n > 0, self.h_inc / 12 / np.maximum(self.h_n, 1), np.nan)
            self.h_apci = np.where(self.h_n > 0, (self.h_inc - self.h_oop) / 12 / np.maximum(self.h_n, 1), np.nan)
        self.head = self._heads(P)
        self.spouse = self._spouses()
        self.p1, self.p2 = self._parents()

        # Assets by person, then household.
        std_p = self.h_std[self.hsafe]
        car = self.get("cgs_cl")
        self.car = self._any(car.pid.to_numpy()[(car.status == "正常").to_numpy()
                                                & ~car.vehicle_type.isin(VEHICLE_EXEMPT).to_numpy()])
        b = self.get("bdc_dj")
        self.homes = np.bincount(b.pid.to_numpy()[(b.usage == "住宅").to_numpy()], minlength=n)
        self.shop = self._any(b.pid.to_numpy()[(b.usage == "商业").to_numpy()])
        z = self.get("scjg_zt")
        self.firm = self._any(z.pid.to_numpy()[(z.registration_status == "存续").to_numpy()
                                               & (z.registered_capital_wan.to_numpy(float) >= BIZ_CAPITAL_MAX)])
        gj = self.get("gjj_jc")
        gp = gj.pid.to_numpy()
        last = gj.last_paid_month.to_numpy().astype("datetime64[D]").astype("datetime64[M]")
        months = (D.astype("datetime64[M]") - last).astype(int)
        self.gjj = self._any(gp[(gj.fund_status == "正常").to_numpy() & ~np.isnat(last) & (months <= GJJ_ACTIVE_MONTHS)
                                & (gj.contribution_base.to_numpy(float) > GJJ_BASE_FACTOR * std_p[gp])])
        self.h_homes = self.hsum(np.where(m, self.homes, 0))
        self.h_car = self.hsum(m & self.car) > 0
        self.h_shop = self.hsum(m & self.shop) > 0
        self.h_firm = self.hsum(m & self.firm) > 0
        self.h_gjj = self.hsum(m & self.gjj) > 0
        self.h_asset_ok = ~self.h_car & (self.h_homes <= RESIDENTIAL_MAX) & ~self.h_shop & ~self.h_firm & ~self.h_gjj

        x = self.get("xczx_jc")
        mon = (x.household_type == "脱贫户").to_numpy() | (x.risk_cleared == "否").to_numpy()
        xh = P.hid.to_numpy()[x.pid.to_numpy()]
        self.h_mon = np.zeros(nh, bool)
        self.h_mon[xh[mon & (xh >= 0)]] = True
        wa_m = m & self.wa
        self.h_mark = ((self.hsum(m & (self.sev | self.ill)) > 0) | (self.h_oop >= MED_OOP_THRESHOLD)
                       | ((self.hsum(wa_m) > 0) & (self.hsum(wa_m & self.emp) == 0)) | self.h_mon)

        # Receipts (mzj) by policy.
        mz = self.get("mzj_jzdx")
        self.mz = mz
        pol = mz.benefit_category.map(CATEGORY_POLICY).to_numpy(dtype=object)
        started = mz.start_month.to_numpy().astype("datetime64[D]") <= D
        self.mz_policy = pol
        self.rcv = {}
        self.paid = {}
        mp = mz.pid.to_numpy()
        amt = mz.monthly_amount.to_numpy(float)
        for code in set(CATEGORY_POLICY.values()):
            sel = (pol == code) & started
            self.rcv[code] = self._any(mp[sel])
            self.paid[code] = np.bincount(mp[pol == code], weights=amt[pol == code], minlength=n)
        self.rcv["DB"] = self.rcv["DB_URBAN"] | self.rcv["DB_RURAL"]
        self.rcv["TK"] = self.rcv["TK_URBAN"] | self.rcv["TK_RURAL"]
        self.paid["DB"] = self.paid["DB_URBAN"] + self.paid["DB_RURAL"]
        self.paid["TK"] = self.paid["TK_URBAN"] + self.paid["TK_RURAL"]
        self.temp_year = self._any(mp[(pol == "TEMP_EXPENSE") & _in_last(mz.start_month.to_numpy(), D, WIN_YEAR)])
        self.temp_emerg = self._any(mp[(pol == "TEMP_EXPENSE") & _in_last(mz.start_month.to_numpy(), D, WIN_EMERG)])
        self.has_mzj = self._any(mp)

    # --- helpers ----------------------------------------------------------------------

    def get(self, code: str) -> pd.DataFrame:
        df = self.f.get(code)
        if df is None:
            return _EMPTY[code]
        return df

    def _any(self, pids) -> np.ndarray:
        out = np.zeros(self.n, bool)
        out[np.asarray(pids, dtype=np.int64)] = True
        return out

    def hsum(self, values) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        ok = self.hid >= 0
        return np.bincount(self.hid[ok], weights=v[ok], minlength=self.nh)

    def hany(self, mask) -> np.ndarray:
        """Per household: a member of HH(h) for whom mask holds."""
        return self.hsum(self.member & mask) > 0

    def per_person(self, hvalues) -> np.ndarray:
        hv = np.asarray(hvalues)
        out = hv[self.hsafe]
        if out.dtype == bool:
            return out & (self.hid >= 0)
        return out

    def _heads(self, P) -> np.ndarray:
        """Per household: the 户主 row (any status), else the member first in relation order."""
        reg = np.flatnonzero(self.in_gaj)
        order = np.array([0 if r == "户主" else 1 + REL_ORDER.get(r, 9) for r in self.rel[reg]])
        df = pd.DataFrame({"pid": reg, "hid": self.hid[reg], "o": order}).sort_values(["hid", "o", "pid"],
                                                                                      kind="stable")
        first = df.drop_duplicates("hid")
        head = np.full(self.nh, -1, dtype=np.int64)
        head[first.hid.to_numpy()] = first.pid.to_numpy()
        return head

    def _spouses(self) -> np.ndarray:
        out = np.full(self.n, -1, dtype=np.int64)
        reg = np.flatnonzero(self.in_gaj)
        df = pd.DataFrame({"pid": reg, "hid": self.hid[reg], "rel": self.rel[reg]})
        for a, b in (("户主", "配偶"), ("父亲", "母亲")):
            x = df[df.rel == a].drop_duplicates("hid", keep=False).set_index("hid").pid
            y = df[df.rel == b].drop_duplicates("hid", keep=False).set_index("hid").pid
            both = x.index.intersection(y.index)
            out[x[both].to_numpy()] = y[both].to_numpy()
            out[y[both].to_numpy()] = x[both].to_numpy()
        return out

    def _parents(self) -> tuple[np.ndarray, np.ndarray]:
        reg = np.flatnonzero(self.in_gaj)
        rel = self.rel[reg]
        kind = np.select([rel == "户主", rel == "配偶", np.isin(rel, CHILD_OF_HEAD), np.isin(rel, GRANDCHILD),
                          np.isin(rel, CHILD_IN_LAW)], [1, 2, 3, 4, 5], 0)
        hid = self.hid[reg]
        nh = self.nh
        cnt = {k: np.bincount(hid[kind == k], minlength=nh) for k in (1, 2, 3, 5)}
        first = {}
        for k in (1, 2, 3, 5):
            f = np.full(nh, -1, dtype=np.int64)
            sel = kind == k
            f[hid[sel][::-1]] = reg[sel][::-1]  # the first row of that kind
            first[k] = f
        other = {}
        # The second 户主/配偶 row when there are two rows of one kind.
        for k in (1, 2):
            f = np.full(nh, -1, dtype=np.int64)
            sel = kind == k
            f[hid[sel]] = reg[sel]  # the last row
            other[k] = f
        p1 = np.full(self.n, -1, dtype=np.int64)
        p2 = np.full(self.n, -1, dtype=np.int64)
        h = hid
        child = (kind == 3) & ((cnt[1][h] + cnt[2][h]) == 2)
        both = child & (cnt[1][h] == 1)
        p1[reg[both]], p2[reg[both]] = first[1][h[both]], first[2][h[both]]
        two_heads = child & (cnt[1][h] == 2)
        p1[reg[two_heads]], p2[reg[two_heads]] = first[1][h[two_heads]], other[1][h[two_heads]]
        two_sp = child & (cnt[2][h] == 2)
        p1[reg[two_sp]], p2[reg[two_sp]] = first[2][h[two_sp]], other[2][h[two_sp]]
        grand = (kind == 4) & (cnt[3][h] == 1) & (cnt[5][h] == 1)
        p1[reg[grand]], p2[reg[grand]] = first[3][h[grand]], first[5][h[grand]]
        return p1, p2


_EMPTY = {
    "bzs_hh": pd.DataFrame({"pid": np.array([], np.int64), "death_date": np.array([], "datetime64[D]")}),
    "sfj_jz": pd.DataFrame({"pid": np.array([], np.int64), "correction_type": [], "start_date": np.array([], "datetime64[D]"),
                            "end_date": np.array([], "datetime64[D]")}),
    "clh_cjr": pd.DataFrame({"pid": np.array([], np.int64), "disability_type": [], "disability_grade": [],
                             "issue_date": np.array([], "datetime64[D]"), "cert_status": []}),
    "wjw_mb": pd.DataFrame({"pid": np.array([], np.int64), "disease": [], "management_status": []}),
    "ybj_js": pd.DataFrame({"pid": np.array([], np.int64), "visit_type": [], "admission_date": np.array([], "datetime64[D]"),
                            "discharge_date": np.array([], "datetime64[D]"), "critical_insurance_paid": np.array([], float),
                            "medical_aid_paid": np.array([], float), "out_of_pocket": np.array([], float),
                            "is_critical_illness": [], "settlement_no": []}),
    "rsj_jy": pd.DataFrame({"pid": np.array([], np.int64), "employment_status": [],
                            "unemployment_date": np.array([], "datetime64[D]"), "pension_type": [],
                            "monthly_pension": np.array([], float), "public_job": [], "referrals": np.array([], float),
                            "refusals": np.array([], float)}),
    "jtj_xs": pd.DataFrame({"pid": np.array([], np.int64), "school_level": [], "grade": [], "school": [],
                            "enrol_year": np.array([], np.int64), "aid_programme": [], "is_new_student": []}),
    "swj_sr": pd.DataFrame({"pid": np.array([], np.int64), "tax_year": np.array([], np.int64), "income": np.array([], float)}),
    "tyjr_yf": pd.DataFrame({"pid": np.array([], np.int64), "monthly_allowance": np.array([], float)}),
    "cgs_cl": pd.DataFrame({"pid": np.array([], np.int64), "vehicle_type": [], "status": []}),
    "bdc_dj": pd.DataFrame({"pid": np.array([], np.int64), "usage": []}),
    "scjg_zt": pd.DataFrame({"pid": np.array([], np.int64), "registration_status": [],
                             "registered_capital_wan": np.array([], float)}),
    "gjj_jc": pd.DataFrame({"pid": np.array([], np.int64), "fund_status": [], "contribution_base": np.array([], float),
                            "last_paid_month": np.array([], "datetime64[D]")}),
    "xczx_jc": pd.DataFrame({"pid": np.array([], np.int64), "household_type": [], "risk_cleared": []}),
    "mzj_jzdx": pd.DataFrame({"pid": np.array([], np.int64), "benefit_category": [], "monthly_amount": np.array([], float),
                              "start_month": np.array([], "datetime64[D]")}),
    "zjj_zf": pd.DataFrame({"pid": np.array([], np.int64), "house_safety_grade": [], "assessment_date": np.array([], "datetime64[D]"),
                            "public_rental": [], "rent_subsidy": []}),
    "fy_sxr": pd.DataFrame({"pid": np.array([], np.int64), "performance": []}),
    "zgh_knzg": pd.DataFrame({"pid": np.array([], np.int64)}),
    "yjj_sz": pd.DataFrame({"pid": np.array([], np.int64), "disaster_date": np.array([], "datetime64[D]"), "loss_type": []}),
}


# --- the rules ---------------------------------------------------------------------------

class _Out:
    def __init__(self, F: Facts):
        self.F = F
        self.parts: list[pd.DataFrame] = []

    def person(self, kind, rule, policy, mask, amount="", period="", note=""):
        pids = np.flatnonzero(mask)
        if not len(pids):
            return
        amt = amount[pids] if isinstance(amount, np.ndarray) else np.full(len(pids), amount, dtype=object)
        self.parts.append(pd.DataFrame({
            "kind": kind, "rule_code": rule, "policy_code": policy, "target": "person", "pid": pids,
            "hid": self.F.hid[pids], "amount": list(amt), "amount_period": period, "note": note}))

    def household(self, kind, rule, policy, hmask, amount="", period="", note=""):
        hids = np.flatnonzero(hmask & (self.F.head >= 0))
        if not len(hids):
            return
        amt = amount[hids] if isinstance(amount, np.ndarray) else np.full(len(hids), amount, dtype=object)
        self.parts.append(pd.DataFrame({
            "kind": kind, "rule_code": rule, "policy_code": policy, "target": "household", "pid": self.F.head[hids],
            "hid": hids, "amount": list(amt), "amount_period": period, "note": note}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=COLUMNS)
        df = pd.concat(self.parts, ignore_index=True)[COLUMNS]
        # One item per (kind, rule, policy, target): R_EXCLUSIVE may name one benefit for two pairs.
        df = df.drop_duplicates(["kind", "rule_code", "policy_code", "target", "pid", "hid"]).reset_index(drop=True)
        df["amount"] = [_money(a) for a in df.amount]
        return df


def _money(a):
    if a == "" or a is None:
        return ""
    a = float(a)
    if not np.isfinite(a):
        return ""
    return round(a, 2)


def _aid(s: pd.DataFrame, kw: str) -> np.ndarray:
    return s.aid_programme.fillna("").astype(str).str.contains(kw, regex=False).to_numpy()


def evaluate(county, drop: np.ndarray | None = None, drop_gaj: np.ndarray | None = None) -> pd.DataFrame:
    """Every first-night finding of policies.md on the county's clean facts."""
    F = Facts(county, drop, drop_gaj)
    D = F.D
    out = _Out(F)
    n = F.n
    ok = F.person_ok
    hs = F.hsafe
    in_hh = F.hid >= 0
    age = F.age
    age60 = age >= 60
    std_p = np.where(in_hh, F.h_std[hs], np.nan)
    tkstd_p = np.where(in_hh, F.h_tkstd[hs], np.nan)
    pci_p = np.where(in_hh, F.h_pci[hs], np.nan)
    apci_p = np.where(in_hh, F.h_apci[hs], np.nan)
    asset_p = F.per_person(F.h_asset_ok)
    urban_p = F.per_person(F.h_urban)
    rural_p = F.per_person(F.h_rural)
    alone_p = F.per_person(F.h_n == 1)
    mon_p = F.per_person(F.h_mon)
    mark_p = F.per_person(F.h_mark)
    rcv = F.rcv
    cand: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}  # person DISCOVER candidates: mask, amount, period
    tk_code = np.where(urban_p, "TK_URBAN", "TK_RURAL")

    def blocked(code: str) -> np.ndarray:
        b = np.zeros(n, bool)
        for x in OWN_EXCLUSIONS.get(code, ()):
            b |= rcv[x]
        return b

    # --- DB / TK / DB_EDGE ------------------------------------------------------------
    tk_el = ok & (age60 | (F.wa & F.ng)) & alone_p & (pci_p < tkstd_p) & asset_p & (urban_p | rural_p)
    tkp = rcv["TK"] | tk_el
    cand["TK"] = (tk_el & ~rcv["TK"] & ~blocked("TK"), tkstd_p, "month")
    n2 = F.h_n - F.hsum(F.counted & tkp)
    inc2 = F.h_inc - F.hsum(np.where(F.member & tkp, F.income, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        pci2 = np.where(n2 > 0, inc2 / 12 / np.maximum(n2, 1), np.nan)
    area = F.h_urban | F.h_rural
    db_el = (n2 >= 1) & area & (pci2 < F.h_std) & F.h_asset_ok & F.h_mark
    edge_el = (n2 >= 1) & area & (pci2 >= F.h_std) & (pci2 <= DB_EDGE_FACTOR * F.h_std) & F.h_asset_ok & F.h_mark
    h_rcv_db = F.hany(rcv["DB"])
    h_rcv_edge = F.hany(rcv["DB_EDGE"])
    dbh_h = h_rcv_db | db_el
    in_edge_h = h_rcv_edge | edge_el
    h_tkp = F.hany(tkp)
    hard_h = dbh_h | h_tkp | in_edge_h | F.h_mon
    dbh_p, in_edge_p, hard_p = F.per_person(dbh_h), F.per_person(in_edge_h), F.per_person(hard_h)
    db_amount = (F.h_std - pci2) * n2
    new_db = db_el & ~h_rcv_db
    out.household("discover", "DISCOVER", "DB_URBAN", new_db & F.h_urban, db_amount, "month")
    out.household("discover", "DISCOVER", "DB_RURAL", new_db & F.h_rural, db_amount, "month")
    out.household("discover", "DISCOVER", "DB_EDGE", edge_el & ~h_rcv_edge & ~h_rcv_db)

    # --- ORPHAN / FUC / CHILD_DIFFICULTY ------------------------------------------------
    p1, p2 = F.p1, F.p2
    res = (p1 >= 0) & (p2 >= 0)
    q1, q2 = np.maximum(p1, 0), np.maximum(p2, 0)
    fc = F.sev | F.jail | F.ill
    d1, d2, f1, f2 = F.dead[q1], F.dead[q2], fc[q1], fc[q2]
    child_ok = ok & F.minor & res
    orphan_el = child_ok & d1 & d2
    fuc_criteria = (f1 | d1) & (f2 | d2) & (f1 | f2)
    fuc_el = child_ok & fuc_criteria
    cd_el = ok & F.minor & (F.sev | F.ill) & hard_p
    cand["ORPHAN"] = (orphan_el & ~rcv["ORPHAN"] & ~blocked("ORPHAN"), np.full(n, ORPHAN_SCATTERED), "month")
    cand["FACT_UNSUPPORTED_CHILD"] = (fuc_el & ~rcv["FACT_UNSUPPORTED_CHILD"] & ~blocked("FACT_UNSUPPORTED_CHILD"),
                                      np.full(n, FUC_MONTHLY), "month")
    cand["CHILD_DIFFICULTY"] = (cd_el & ~rcv["CHILD_DIFFICULTY"] & ~blocked("CHILD_DIFFICULTY"),
                                np.full(n, CHILD_DIFF_MONTHLY), "month")
    in_orphan = rcv["ORPHAN"] | orphan_el
    in_fuc = rcv["FACT_UNSUPPORTED_CHILD"] | fuc_el
    in_cd = rcv["CHILD_DIFFICULTY"] | cd_el
    parent_sev = np.where(res, F.sev[q1] | F.sev[q2], False)
    parent_dis = np.where(res, F.dis[q1] | F.dis[q2], False)

    # --- WARNINGS -------------------------------------------------------------------------
    m = F.member
    w_fired_h = np.zeros(F.nh, bool)
    no_tkp_p = ~F.per_person(h_tkp)
    w_med = (m & (F.oop >= MED_OOP_THRESHOLD)
             & ((F.per_person(F.h_oop) >= MED_OOP_INCOME_SHARE * F.per_person(F.h_inc)) | F.crit_recent)
             & ~dbh_p & no_tkp_p)
    out.person("warning", "W_MED_POVERTY", "", w_med)
    yj = F.get("yjj_sz")
    yp = yj.pid.to_numpy()
    house = yj.loss_type.isin(("房屋倒塌", "严重损坏")).to_numpy()
    ydate = yj.disaster_date.to_numpy().astype("datetime64[D]")
    w_dis = F._any(yp[house & _in_last(ydate, D, WIN_EMERG)]) & m
    w_dis_collapse = F._any(yp[(yj.loss_type == "房屋倒塌").to_numpy() & _in_last(ydate, D, WIN_EMERG)]) & m
    out.person("warning", "W_DISASTER_HOUSE", "", w_dis)
    died = F.in_gaj & F.dead & F.wa & _in_last(F.death_date, D, WIN_EMERG)
    h_died = np.bincount(F.hid[died], minlength=F.nh) > 0 if died.any() else np.zeros(F.nh, bool)
    w_earner_h = h_died & F.hany(F.minor | age60) & ~F.hany(F.emp)
    out.household("warning", "W_EARNER_DEATH", "", w_earner_h)
    w_unemp = (m & (mon_p | in_edge_p) & (F.emp_status == "失业登记") & _in_last(F.unemp_date, D, WIN_RECENT))
    out.person("warning", "W_UNEMPLOY_MON", "", w_unemp)
    w_drop = m & hard_p & (age >= 7) & (age <= 15) & ~F.student
    out.person("warning", "W_DROPOUT", "", w_drop)
    w_sev = m & F.new_sev & ~hard_p
    out.person("warning", "W_NEW_SEVERE_DIS", "", w_sev)
    for mask in (w_med, w_dis, w_unemp, w_drop, w_sev):
        w_fired_h[F.hid[mask & in_hh]] = True
    w_fired_h |= w_earner_h
    h_w_dis = np.zeros(F.nh, bool)
    h_w_dis[F.hid[w_dis & in_hh]] = True
    h_w_collapse = np.zeros(F.nh, bool)
    h_w_collapse[F.hid[w_dis_collapse & in_hh]] = True

    # --- YELLOW (before PUBLIC_JOB, which it blocks) ----------------------------------------
    pop = m & ~F.jail & rcv["DB"] & F.wa & ~F.ng & ~F.student
    y_refusal = pop & (F.refusals >= JOB_REFUSAL_MAX)
    out.person("yellow", "Y_JOB_REFUSAL", "", y_refusal)
    out.person("yellow", "Y_NO_REFERRAL", "", pop & (~F.has_rsj | (F.referrals == 0)))

    # --- household policies ---------------------------------------------------------------
    h_ok = F.h_n >= 1
    temp = h_ok & (F.h_oop >= TEMP_OOP_MIN) & (F.h_apci < F.h_std) & F.h_asset_ok & ~F.hany(F.temp_year)
    temp_amt = np.minimum(TEMP_EXPENSE_CAP, 12 * F.h_n * (F.h_std - F.h_apci))
    out.household("discover", "DISCOVER", "TEMP_EXPENSE", temp, temp_amt, "once")
    emerg = h_ok & (h_w_collapse | w_earner_h) & ~F.hany(F.temp_emerg)
    out.household("discover", "DISCOVER", "TEMP_EMERGENCY", emerg, TEMP_EMERGENCY_AMOUNT, "once")
    z = F.get("zjj_zf")
    zh = county.P.hid.to_numpy()[z.pid.to_numpy()]
    zok = zh >= 0
    grade = np.full(F.nh, "", dtype=object)
    grade[zh[zok]] = z.house_safety_grade.fillna("").to_numpy(dtype=object)[zok]
    rental = np.zeros(F.nh, bool)
    rental[zh[zok & (z.public_rental == "是").to_numpy()]] = True
    subsidy = np.zeros(F.nh, bool)
    subsidy[zh[zok & (z.rent_subsidy == "是").to_numpy()]] = True
    reno = (h_ok & F.h_rural & np.isin(grade, ("C", "D")) & (hard_h | F.hany(F.sev))
            & (F.h_homes <= RESIDENTIAL_MAX))
    out.household("discover", "DISCOVER", "HOUSING_RURAL_RENO", reno, np.where(grade == "D", RENO_D, RENO_C), "once")
    rent = h_ok & F.h_urban & hard_h & (F.h_homes == 0) & ~subsidy & ~rental
    out.household("discover", "DISCOVER", "RENT_SUBSIDY", rent, RENT_SUBSIDY_MONTHLY, "month")
    out.household("discover", "DISCOVER", "MONITOR_AID", h_ok & F.h_rural & ~F.h_mon & w_fired_h)
    recent_house = F._any(yp[house & _in_last(ydate, D, WIN_RECENT)]) & m
    recent_collapse = F._any(yp[(yj.loss_type == "房屋倒塌").to_numpy() & _in_last(ydate, D, WIN_RECENT)]) & m
    h_house = F.hany(recent_house)
    h_collapse = F.hany(recent_collapse)
    dl_amt = np.where(h_collapse, DISASTER_TRANSITION * F.h_n * 3, DISASTER_REPAIR)
    out.household("discover", "DISCOVER", "DISASTER_LIVING", h_ok & h_house, dl_amt, "once")

    # --- other person policies ---------------------------------------------------------------
    band = np.select([age >= 100, age >= 90, age >= 80], [500.0, 200.0, 100.0], 0.0)
    cand["HIGH_AGE"] = (ok & (age >= 80) & ~rcv["HIGH_AGE"], band, "month")
    cand["ELDER_ECON"] = (ok & age60 & (dbh_p | in_edge_p) & ~rcv["ELDER_ECON"] & ~blocked("ELDER_ECON"),
                          np.full(n, ELDER_ECON_MONTHLY), "month")
    sp = F.spouse
    sp_dis = np.where(sp >= 0, F.member[np.maximum(sp, 0)] & F.dis[np.maximum(sp, 0)]
                      & (F.hid[np.maximum(sp, 0)] == F.hid), False)
    care = ok & age60 & F.dis & (sp_dis | (alone_p & F.sev)) & (pci_p <= ELDER_CARE_INCOME_FACTOR * std_p)
    cand["ELDER_CARE"] = (care & ~rcv["ELDER_CARE"] & ~blocked("ELDER_CARE"), np.full(n, ELDER_CARE_MONTHLY), "month")
    cand["DIS_LIVING"] = (ok & F.dis & (dbh_p | (in_edge_p & F.sev)) & ~rcv["DIS_LIVING"] & ~blocked("DIS_LIVING"),
                          np.full(n, DIS_LIVING_MONTHLY), "month")
    cand["DIS_NURSING"] = (ok & F.ng & ~rcv["DIS_NURSING"] & ~blocked("DIS_NURSING"),
                           np.where(F.grade1, DIS_NURSING_G1, DIS_NURSING_G2), "month")
    cand["DIS_CHILD_REHAB"] = (ok & (age <= DIS_REHAB_MAX_AGE) & F.dis, np.full(n, DIS_REHAB_CAP), "year")

    # Students.
    s = F.get("jtj_xs").drop_duplicates("pid", keep="last")
    sp_ = s.pid.to_numpy()
    lvl = np.full(n, "", dtype=object)
    lvl[sp_] = s.school_level.to_numpy(dtype=object)
    new = np.zeros(n, bool)
    new[sp_] = (s.is_new_student == "是").to_numpy()
    grade_s = np.full(n, "", dtype=object)
    grade_s[sp_] = s.grade.to_numpy(dtype=object)
    voc_school = np.zeros(n, bool)
    voc_school[sp_] = s.school.fillna("").astype(str).str.contains("职业", regex=False).to_numpy()
    aid = {kw: np.zeros(n, bool) for kw in ("学前", "生活补助", "助学金", "入学资助", "雨露计划", "残疾")}
    for kw in aid:
        aid[kw][sp_] = _aid(s, kw)
    enrol = np.zeros(n, dtype=np.int64)
    enrol[sp_] = s.enrol_year.to_numpy(dtype=np.int64)
    sept = ((enrol - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(8, "M")).astype("datetime64[D]")
    mz = F.mz
    mzp = mz.pid.to_numpy()
    cn_rows = (F.mz_policy == "COLLEGE_NEW_DB") & (mz.start_month.to_numpy().astype("datetime64[D]") <= D) \
        & (mz.start_month.to_numpy().astype("datetime64[D]") >= sept[mzp])
    college_new = (lvl == "高校") & new
    cand["COLLEGE_NEW_DB"] = (ok & college_new & (dbh_p | tkp | in_edge_p) & ~F._any(mzp[cn_rows]),
                              np.full(n, COLLEGE_NEW_GRANT), "once")
    hs_level = np.isin(lvl, ("高中", "中职", "高校"))
    cand["DIS_STUDENT"] = (ok & hs_level & (F.dis | (parent_dis & hard_p)) & ~aid["残疾"],
                           np.where(lvl == "高校", DIS_STUDENT_UNI, DIS_STUDENT_HS), "year")
    hard_kid = (F.minor | F.student) & (hard_p | in_orphan | in_fuc | in_cd | F.dis | parent_sev)
    cand["EDU_PRESCHOOL"] = (ok & (lvl == "学前") & hard_kid & ~aid["学前"], np.full(n, EDU_PRESCHOOL), "year")
    cand["EDU_COMPULSORY"] = (ok & np.isin(lvl, ("小学", "初中")) & hard_kid & ~aid["生活补助"],
                              np.where(lvl == "初中", EDU_COMP_JUNIOR, EDU_COMP_PRIMARY), "year")
    cand["EDU_HIGHSCHOOL"] = (ok & (lvl == "高中") & hard_kid & ~aid["助学金"], np.full(n, EDU_HS_GRANT), "year")
    voc_grant = np.isin(grade_s, ("一年级", "二年级"))
    cand["EDU_VOC"] = (ok & (lvl == "中职") & hard_kid & ~aid["助学金"],
                       np.where(voc_grant, EDU_VOC_GRANT, np.nan), "year")
    cand["EDU_COLLEGE"] = (ok & college_new & hard_kid & ~aid["入学资助"], np.full(n, EDU_COLLEGE_ENTRY), "once")
    cand["YULU"] = (ok & mon_p & ((lvl == "中职") | ((lvl == "高校") & voc_school)) & ~aid["雨露计划"],
                    np.full(n, YULU_YEAR), "year")

    # Medical.
    y = F.y
    ypid = y.pid.to_numpy()
    oop_r = y.out_of_pocket.to_numpy(float)
    aid_r = y.medical_aid_paid.to_numpy(float)
    crit_r = y.critical_insurance_paid.to_numpy(float)
    visit = y.visit_type.to_numpy(dtype=object)
    recent = _in_last(F.y_when, D, WIN_RECENT)
    top_rate = in_orphan | in_fuc | tkp
    med_ok = ok & (top_rate | hard_p)
    rate = np.where(top_rate, 1.0, np.where(dbh_p, 0.7, 0.6))
    for code, vt, cap in (("MED_INPATIENT", "住院", MED_AID_CAP), ("MED_OUTPATIENT_CHRONIC", "门诊慢特病", MED_OUTPT_CAP)):
        q = (visit == vt) & recent & (oop_r > 0) & (aid_r == 0)
        tot = np.bincount(ypid[q], weights=oop_r[q], minlength=n)
        cand[code] = (med_ok & (tot > 0), np.minimum(cap, rate * tot), "once")
    q = F.y_crit & (crit_r == 0) & (oop_r > CRIT_DEDUCTIBLE_HARD)
    tilt = np.bincount(ypid[q], weights=(oop_r[q] - CRIT_DEDUCTIBLE_HARD) * CRIT_RATE_HARD, minlength=n)
    cand["MED_CRITICAL_TILT"] = (ok & (hard_p | tkp) & F._any(ypid[q]), tilt, "once")
    aided = F._any(ypid[F.y_year & (aid_r > 0)])
    cand["MED_ILLNESS_POOR"] = (ok & ~hard_p & (F.oop >= MED_OOP_THRESHOLD)
                                & (apci_p <= DB_EDGE_FACTOR * std_p) & asset_p & ~aided,
                                np.minimum(MED_AID_CAP, 0.5 * F.oop), "once")

    # Employment.
    unemployed = F.emp_status == "失业登记"
    cand["PENSION_PREMIUM"] = (ok & (age >= 16) & (age <= 59) & ~F.student & (hard_p | F.sev)
                               & (F.pension_type == "未参保"), np.full(n, PENSION_PREMIUM), "year")
    cand["PUBLIC_JOB"] = (ok & F.wa & ~F.sev & ~F.student & unemployed & (hard_p | F.dis) & ~F.public_job & ~y_refusal,
                          np.full(n, PUBLIC_JOB_MONTHLY), "month")
    long_unemp = ~np.isnat(F.unemp_date) & (F.unemp_date <= D - _days(WIN_YEAR))
    cand["EMPLOY_HARD"] = (ok & unemployed & ((~F.male & (age >= 40)) | (F.male & (age >= 50)) | F.dis | dbh_p
                                              | long_unemp), np.full(n, np.nan), "")
    zg = F._any(F.get("zgh_knzg").pid.to_numpy())
    worker = ok & (F.emp_status == "就业") & (F.pension_type == "职工")
    cand["UNION_POOR_WORKER"] = (worker & ((pci_p <= DB_STD[0]) | ((pci_p <= DB_EDGE_FACTOR * DB_STD[0]) & mark_p)) & ~zg,
                                 np.full(n, UNION_AID), "year")
    cand["VETERAN_HARDSHIP"] = (ok & F.veteran & ((pci_p <= DB_EDGE_FACTOR * std_p)
                                                  | (F.per_person(F.h_oop) >= MED_OOP_THRESHOLD)
                                                  | F.per_person(h_w_dis)), np.full(n, VETERAN_AID_CAP), "once")

    # --- resolve exclusive person candidates and emit ------------------------------------------
    chosen = _resolve(cand, n)
    for code in sorted(chosen, key=lambda c: CAT_NO["TK_URBAN" if c == "TK" else c]):
        mask = chosen[code]
        amount, period = cand[code][1], cand[code][2]
        if code == "TK":
            out.person("discover", "DISCOVER", "TK_URBAN", mask & (tk_code == "TK_URBAN"), amount, period)
            out.person("discover", "DISCOVER", "TK_RURAL", mask & (tk_code == "TK_RURAL"), amount, period)
        else:
            out.person("discover", "DISCOVER", code, mask, amount, period)

    # --- REVIEWS --------------------------------------------------------------------------------
    _reviews(F, out, pci2, fuc_criteria & res, orphan_el | (res & d1 & d2), rental, subsidy)
    return out.frame()


def _resolve(cand: dict, n: int) -> dict:
    """Exclusive pairs both proposed: the higher amount, tie the lower catalogue number (greedy)."""
    chosen = {c: v[0].copy() for c, v in cand.items()}
    pairs = [(a, b) for a, b in PERSON_EXCLUSIVE if a in cand and b in cand]
    clash = np.zeros(n, bool)
    for a, b in pairs:
        clash |= chosen[a] & chosen[b]
    for p in np.flatnonzero(clash):
        codes = [c for c in cand if cand[c][0][p]]

        def key(c):
            amt = cand[c][1][p]
            return (-(amt if np.isfinite(amt) else 0.0), CAT_NO["TK_URBAN" if c == "TK" else c])
        kept: list = []
        for c in sorted(codes, key=key):
            if any((c, k) in pairs or (k, c) in pairs for k in kept):
                chosen[c][p] = False
            else:
                kept.append(c)
    return chosen


def _reviews(F: Facts, out: _Out, pci2, fuc_holds, orphan_holds, rental, subsidy) -> None:
    n = F.n
    mz = F.mz
    mp = mz.pid.to_numpy()
    pol = F.mz_policy
    rcv, paid = F.rcv, F.paid
    codes = sorted(set(CATEGORY_POLICY.values()))

    # Person-status reviews: one item per received benefit.
    for code in codes:
        any_row = F._any(mp[pol == code])
        out.person("review", "R_DECEASED_PAID", code, F.dead & any_row, paid[code], "month")
    out.person("review", "R_DECEASED_PAID", "PUBLIC_JOB", F.dead & F.public_job, PUBLIC_JOB_MONTHLY, "month")
    for code in ("DB_URBAN", "DB_RURAL", "TK_URBAN", "TK_RURAL", "DIS_LIVING", "DIS_NURSING", "ELDER_ECON", "ELDER_CARE"):
        out.person("review", "R_JAIL_PAID", code, F.jail & rcv[code], paid[code], "month")
    for code in codes:
        out.person("review", "R_MOVED_PAID", code, F.gone & F._any(mp[pol == code]), paid[code], "month")

    # Household eligibility reviews of DB / TK / DB_EDGE recipients.
    m = F.member
    h_paid = {c: F.hsum(np.where(m, paid[c], 0.0)) for c in ("DB_URBAN", "DB_RURAL", "TK_URBAN", "TK_RURAL", "DB_EDGE")}
    h_rcv = {c: F.hany(rcv[c]) for c in h_paid}
    prop = m & (((F.homes > 0) & F.per_person(F.h_homes > RESIDENTIAL_MAX)) | F.shop)
    for rule, holder in (("R_DB_VEHICLE", m & F.car), ("R_DB_PROPERTY", prop), ("R_DB_BUSINESS", m & F.firm),
                         ("R_DB_GJJ", m & F.gjj)):
        for code in h_paid:
            out.person("review", rule, code, holder & F.per_person(h_rcv[code]), F.per_person(h_paid[code]), "month")
    for code in ("DB_URBAN", "DB_RURAL"):
        out.household("review", "R_DB_INCOME", code, h_rcv[code] & (pci2 >= F.h_std), h_paid[code], "month")
    fy = F.get("fy_sxr")
    debtor = F._any(fy.pid.to_numpy()[fy.performance.isin(("未履行", "部分履行")).to_numpy()]) & m
    for code in ("DB_URBAN", "DB_RURAL"):
        out.person("review", "R_DEBTOR_DB", code, debtor & F.per_person(h_rcv[code]), F.per_person(h_paid[code]),
                   "month")

    # Pairs received by one person.
    for code in ("DB_URBAN", "DB_RURAL"):
        out.person("review", "R_DB_TK", code, rcv[code] & rcv["TK"], paid[code], "month")
    both = rcv["ORPHAN"] & rcv["FACT_UNSUPPORTED_CHILD"]
    stop_orphan = both & fuc_holds & ~orphan_holds
    out.person("review", "R_ORPHAN_FUC", "ORPHAN", stop_orphan, paid["ORPHAN"], "month")
    out.person("review", "R_ORPHAN_FUC", "FACT_UNSUPPORTED_CHILD", both & ~stop_orphan,
               paid["FACT_UNSUPPORTED_CHILD"], "month")
    out.person("review", "R_TK_DIS_LIVING", "DIS_LIVING", rcv["TK"] & rcv["DIS_LIVING"], paid["DIS_LIVING"], "month")
    for a, b in RECEIVED_EXCLUSIVE:
        for ca in (("TK_URBAN", "TK_RURAL") if a == "TK" else ("DB_URBAN", "DB_RURAL") if a == "DB" else (a,)):
            for cb in (("TK_URBAN", "TK_RURAL") if b == "TK" else ("DB_URBAN", "DB_RURAL") if b == "DB" else (b,)):
                pair = rcv[ca] & rcv[cb]
                if not pair.any():
                    continue
                a_lower = (paid[ca] < paid[cb]) | ((paid[ca] == paid[cb]) & (CAT_NO[ca] > CAT_NO[cb]))
                out.person("review", "R_EXCLUSIVE", ca, pair & a_lower, paid[ca], "month")
                out.person("review", "R_EXCLUSIVE", cb, pair & ~a_lower, paid[cb], "month")
    out.household("review", "R_EXCLUSIVE", "RENT_SUBSIDY", rental & subsidy, RENT_SUBSIDY_MONTHLY, "month")

    # Children and certificates.
    for code in ("ORPHAN", "FACT_UNSUPPORTED_CHILD", "CHILD_DIFFICULTY"):
        out.person("review", "R_CHILD_AGED_OUT", code, rcv[code] & (F.age >= 18) & ~F.student, paid[code], "month")
    res = (F.p1 >= 0) & (F.p2 >= 0)
    out.person("review", "R_FUC_LAPSED", "FACT_UNSUPPORTED_CHILD", rcv["FACT_UNSUPPORTED_CHILD"] & res & ~fuc_holds,
               paid["FACT_UNSUPPORTED_CHILD"], "month")
    out.person("review", "R_DIS_CERT", "DIS_LIVING", rcv["DIS_LIVING"] & ~F.dis, paid["DIS_LIVING"], "month")
    out.person("review", "R_DIS_CERT", "DIS_NURSING", rcv["DIS_NURSING"] & ~F.ng, paid["DIS_NURSING"], "month")
    age = F.age
    band = np.select([age >= 100, age >= 90, age >= 80], [500.0, 200.0, 100.0], np.nan)
    fixed = {"ORPHAN": np.full(n, ORPHAN_SCATTERED), "FACT_UNSUPPORTED_CHILD": np.full(n, FUC_MONTHLY),
             "CHILD_DIFFICULTY": np.full(n, CHILD_DIFF_MONTHLY), "HIGH_AGE": band,
             "ELDER_ECON": np.full(n, ELDER_ECON_MONTHLY), "ELDER_CARE": np.full(n, ELDER_CARE_MONTHLY),
             "DIS_LIVING": np.full(n, DIS_LIVING_MONTHLY),
             "DIS_NURSING": np.where(F.grade1, DIS_NURSING_G1, np.where(F.ng, DIS_NURSING_G2, np.nan))}
    for code, want in fixed.items():
        wrong = rcv[code] & np.isfinite(want) & (np.abs(paid[code] - np.nan_to_num(want)) > 0.005)
        out.person("review", "R_AMOUNT", code, wrong, paid[code], "month")
