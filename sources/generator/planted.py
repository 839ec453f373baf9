"""What the generator plants: the worked examples E1-E7 of policies.md §7,
more cases of the scored rules, a few of the other rules, and near-misses.

The first night's truth is computed by the oracle (oracle.py) from the facts;
the truth rows recorded here as each case is planted are a check on it (each
must be found, county.py) and give the findings their notes; later nights'
rows are recorded here only. `rule_cases` plants locked households so that
every rule of policies.md has a case on the first night. Worked-example households are `locked`: their rows are exactly as §7
writes them (no random facts, no receipts from receipts.py, no quirks).
Other planted households get exactly the facts their case needs; receipts.py
then pays them what they are entitled to, except the planted finding itself
(`county.suppress`); a few cases are finished after the receipts are known
(`finish_after_receipts`).
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from .facts import school_age, student_row
from .model import County

POLICY_OF = {  # policies/receipts.yaml, mzj_benefit_category
    "城市低保": "DB_URBAN", "农村低保": "DB_RURAL", "城市特困": "TK_URBAN", "农村特困": "TK_RURAL",
    "低保边缘家庭": "DB_EDGE", "孤儿": "ORPHAN", "事实无人抚养儿童": "FACT_UNSUPPORTED_CHILD",
    "困境儿童": "CHILD_DIFFICULTY", "临时救助": "TEMP_EXPENSE", "高龄津贴": "HIGH_AGE",
    "经济困难老年人补贴": "ELDER_ECON", "老年人生活护理救助": "ELDER_CARE", "困难残疾人生活补贴": "DIS_LIVING",
    "重度残疾人护理补贴": "DIS_NURSING", "大学新生救助": "COLLEGE_NEW_DB",
}


def _month(d: dt.date) -> dt.date:
    return d.replace(day=1)


class Planter:
    def __init__(self, county: County):
        self.c = county
        self.ctx = county.ctx
        self.rng = county.ctx.rng("planted")
        self.night = county.ctx.date
        self.late: list = []  # cases finished after receipts: (kind, data)
        v = county.places.villages
        self.rural = v.code[~v.urban].tolist()
        self.urban = v.code[v.urban].tolist()

    # --- small helpers ---------------------------------------------------------

    def D(self, days_back: int) -> dt.date:
        return self.ctx.date - dt.timedelta(days=int(days_back))

    def ago(self, lo: int, hi: int) -> dt.date:
        return self.D(int(self.rng.integers(lo, hi)))

    def village(self, urban: bool = False) -> str:
        pool = self.urban if urban and self.urban else self.rural
        return pool[int(self.rng.integers(len(pool)))]

    def mzj(self, pid: int, category: str, amount: float, start: dt.date) -> None:
        self.c.fact("mzj_jzdx", pid, benefit_category=category, monthly_amount=float(amount),
                    start_month=_month(min(start, self.ctx.date - dt.timedelta(days=20))))

    def rsj(self, pid: int, status: str = "未就业", ptype: str = "城乡居民", pension=np.nan, public_job: str = "否",
            referrals: int = 0, refusals: int = 0) -> None:
        self.c.fact("rsj_jy", pid, employment_status=status, unemployment_date=None, pension_type=ptype,
                    monthly_pension=float(pension), public_job=public_job, referrals=referrals, refusals=refusals)

    def clh(self, pid: int, dtype: str, grade: str, issued: dt.date, status: str = "有效") -> None:
        self.c.fact("clh_cjr", pid, disability_type=dtype, disability_grade=grade, issue_date=issued, cert_status=status)

    # --- E1-E7 -----------------------------------------------------------------

    def examples(self) -> None:
        c, s = self.c, self.ctx.shifted
        night = self.night
        # E1: two grade-1 disabled parents, two children (the seed case).
        h = c.household("371426105213", "E1", locked=True)
        a = c.person(h, "户主", id_number="372422198604121017", name="王建国")
        b = c.person(h, "配偶", id_number="372422198809031023", name="李秀梅")
        k1 = c.person(h, "子", id_number="371426201506201039", name="王子涵")
        k2 = c.person(h, "女", id_number="371426201911081042", name="王雨桐")
        self.clh(a, "肢体", "一级", s("2016-05-10"))
        self.clh(b, "精神", "一级", s("2018-03-02"))
        for p in (a, b):
            self.mzj(p, "农村低保", 720, s("2019-07-01"))
            self.mzj(p, "困难残疾人生活补贴", 150, s("2019-07-01"))
            self.mzj(p, "重度残疾人护理补贴", 200, s("2018-06-01"))
            self.rsj(p, "未就业", "城乡居民")
        for k in (k1, k2):
            self.mzj(k, "农村低保", 720, s("2020-01-01"))
        town = c.town_name("371426105")
        self.late.append(("student", (k1, "小学", "义务教育生活补助", town)))
        self.late.append(("student", (k2, "学前", "学前资助", town)))
        for k, kid_id in ((k1, "371426201506201039"), (k2, "371426201911081042")):
            c.plant(night, "discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", k, 920, "month", "E1",
                    "both parents 一级 disabled (SEV); seed case" + self._kept(kid_id, lambda a: a < 18, "a minor"))

        # E2: deceased still paid (cremated, register not yet updated).
        h = c.household("371426103205", "E2", locked=True)
        p = c.person(h, "户主", id_number="372422194002012018", name="孙德福",
                     death_date=s("2026-01-20"), cremation_date=s("2026-01-22"))
        self.mzj(p, "农村特困", 936, s("2019-03-01"))
        self.mzj(p, "高龄津贴", 100, s("2020-03-01"))
        c.plant(night, "review", "R_DECEASED_PAID", "TK_RURAL", p, 936, "month", "E2", "bzs_hh cremation, gaj 正常")
        c.plant(night, "review", "R_DECEASED_PAID", "HIGH_AGE", p, 100, "month", "E2", "bzs_hh cremation, gaj 正常"
                + self._kept("372422194002012018", lambda a: 80 <= a < 90, "in the 80-89 band"))

        # E3: dibao household with a car.
        h = c.household("371426001012", "E3", locked=True)
        a = c.person(h, "户主", id_number="372422197805063015", name="周强")
        b = c.person(h, "配偶", id_number="372422198007193020", name="吴丽")
        k = c.person(h, "子", id_number="371426201003023031", name="周浩")
        for p in (a, b, k):
            self.mzj(p, "城市低保", 400, s("2021-05-01"))
        c.fact("cgs_cl", a, vehicle_type="小型轿车", status="正常", first_registered_date=s("2019-06-18"))
        c.fact("cgs_cl", b, vehicle_type="摩托车", status="正常", first_registered_date=s("2017-04-09"))
        c.fact("swj_sr", a, tax_year=self.ctx.tax_year, income=18000.0, tax_paid=0.0)
        c.fact("bdc_dj", a, usage="住宅", floor_area=86.5, registered_date=s("2012-10-16"))
        self.rsj(a, "灵活就业", "城乡居民", referrals=2, refusals=0)
        self.rsj(b, "未就业", "城乡居民", referrals=1, refusals=0)
        self.late.append(("student", (k, "高中", "国家助学金", c.town_name("371426001"))))
        c.plant(night, "review", "R_DB_VEHICLE", "DB_URBAN", a, 1200, "month", "E3",
                "小型轿车 正常 in a 城市低保 household (摩托车 exempt)")

        # E4: medical-bill warning.
        h = c.household("371426001015", "E4", locked=True)
        a = c.person(h, "户主", id_number="372422197210104017", name="赵明")
        b = c.person(h, "配偶", id_number="372422197401254026", name="钱红")
        c.person(h, "女", id_number="371426200308144040", name="赵琳")
        c.fact("swj_sr", a, tax_year=self.ctx.tax_year, income=72000.0, tax_paid=360.0)
        c.fact("swj_sr", b, tax_year=self.ctx.tax_year, income=48000.0, tax_paid=0.0)
        for adm, dis, total, ins, crit, oop in (("2025-06-10", "2025-06-28", 152000.0, 86000.0, 25000.0, 41000.0),
                                                ("2025-12-05", "2025-12-20", 89000.0, 52000.0, 13000.0, 24000.0)):
            c.fact("ybj_js", a, visit_type="住院", admission_date=s(adm), discharge_date=s(dis), total_cost=total,
                   insurance_paid=ins, critical_insurance_paid=crit, medical_aid_paid=0.0, out_of_pocket=oop,
                   diagnosis="肺恶性肿瘤", is_critical_illness="是")
        c.plant(night, "warning", "W_MED_POVERTY", "", a, "", "", "E4", "OOP 65,000 with 是否大病 是; INC 120,000")

        # E5: job refusals.
        h = c.household("371426107221", "E5", locked=True)
        a = c.person(h, "户主", id_number="372422199002145016", name="刘伟")
        m = c.person(h, "母亲", id_number="37242219580530502X", name="张桂兰")
        self.mzj(a, "农村低保", 720, s("2022-03-01"))
        self.mzj(m, "农村低保", 720, s("2022-03-01"))
        self.mzj(m, "经济困难老年人补贴", 100, s("2022-03-01"))
        self.rsj(a, "未就业", "城乡居民", referrals=5, refusals=3)
        c.plant(night, "yellow", "Y_JOB_REFUSAL", "", a, "", "", "E5", "拒绝推荐次数 3 ≥ JOB_REFUSAL_MAX")

        # E6: orphan already covered (no finding).
        h = c.household("371426107302", "E6", locked=True)
        g = c.person(h, "户主", id_number="372422195811116014", name="马长山")
        c.person(h, "子", id_number="372422198503096035", name="马俊", status="死亡", change_date=s("2021-05-10"))
        c.person(h, "儿媳", id_number="372422198712016046", name="韩雪", status="死亡", change_date=s("2022-08-30"))
        k = c.person(h, "孙女", id_number="371426201709156063", name="马欣怡")
        self.rsj(g, "未就业", "职工", pension=2600)
        self.mzj(k, "孤儿", 1380, s("2022-10-01"))
        self.late.append(("student", (k, "小学", "义务教育生活补助", c.town_name("371426107"))))

        # E7: elderly disabled couple.
        h = c.household("371426104233", "E7", locked=True)
        a = c.person(h, "户主", id_number="372422196208207012", name="陈志刚")
        b = c.person(h, "配偶", id_number="372422196312057026", name="杨秀兰")
        self.clh(a, "肢体", "三级", s("2014-09-12"))
        self.clh(b, "视力", "二级", s("2019-04-01"))
        self.rsj(a, "未就业", "职工", pension=2200)
        self.rsj(b, "未就业", "城乡居民", pension=200)
        self.mzj(b, "重度残疾人护理补贴", 150, s("2019-06-01"))
        c.plant(night, "discover", "DISCOVER", "ELDER_CARE", a, 200, "month", "E7",
                "60+, 三级 肢体, spouse disabled in HH, PCI 1,200 ≤ 1,440"
                + self._kept("372422196208207012", lambda a: a >= 60, "60 or older"))

    def _kept(self, id_number: str, holds, what: str) -> str:
        """A note when the run date moves an example's person across an age line:
        the example's outcome is kept as §7 writes it."""
        b = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        d = self.ctx.date
        age = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
        return "" if holds(age) else f"; NOTE outcome kept as in §7 although on {d} the person is not {what} (age {age})"

    # --- more cases of the scored rules ------------------------------------------

    def kids(self, h: int, mother_age: int, n: int, rels=("子", "女")) -> list[int]:
        out = []
        for _ in range(n):
            age = int(self.rng.integers(max(1, mother_age - 40), min(16, mother_age - 20) + 1))
            male = self.rng.random() < 0.52
            out.append(self.c.person(h, rels[0] if male else rels[1], "男" if male else "女", age))
        return out

    def fuc_cases(self, n: int) -> None:
        c = self.c
        sev_types = ("肢体", "精神", "智力", "视力", "多重")
        for i in range(n):
            variant = i % 4
            urban = self.rng.random() < 0.2
            h = c.household(self.village(urban), "FUC")
            fa_age = int(self.rng.integers(29, 46))
            mo_age = max(24, fa_age - int(self.rng.integers(0, 5)))
            if variant == 3:  # grandchild: the only 子 and the only 儿媳 are the parents
                gpa = c.person(h, "户主", "男", min(75, fa_age + int(self.rng.integers(24, 30))))
                gma = c.person(h, "配偶", "女", c.persons[gpa]["age"] - int(self.rng.integers(0, 4)))
                for g in (gpa, gma):
                    age = c.persons[g]["age"]
                    self.rsj(g, "未就业" if age >= 60 else "灵活就业", "城乡居民",
                             pension=float(self.rng.integers(15, 30) * 10) if age >= 60 else np.nan)
                sub = int(self.rng.integers(3))
                fa_kw = dict(status="死亡", change_date=self.ago(120, 900)) if sub == 2 else {}
                mo_kw = dict(status="死亡", change_date=self.ago(120, 900)) if sub == 0 else {}
                fa = c.person(h, "子", "男", fa_age, **fa_kw)
                mo = c.person(h, "儿媳", "女", mo_age, **mo_kw)
                kids = self.kids(h, mo_age, 1 + int(self.rng.random() < 0.4), ("孙子", "孙女"))
                if sub == 0:
                    self._jail(fa)
                    note = "grandchild: 子 in prison (JAIL), 儿媳 DEAD"
                elif sub == 1:
                    self.clh(fa, sev_types[i % 5], "一级", self.ago(400, 3000))
                    self._ill(mo, i)
                    note = "grandchild: 子 SEV, 儿媳 ILL"
                else:
                    self.clh(mo, sev_types[i % 5], "二级", self.ago(400, 3000))
                    note = "grandchild: 子 DEAD, 儿媳 SEV"
                    self.rsj(mo)
                if sub == 1:
                    self.rsj(fa)
            else:
                fa_kw = dict(status="死亡", change_date=self.ago(120, 900)) if (variant == 1 and i % 8 >= 4) else {}
                mo_kw = dict(status="死亡", change_date=self.ago(120, 900)) if (variant == 1 and i % 8 < 4) else {}
                fa = c.person(h, "户主", "男", fa_age, **fa_kw)
                mo = c.person(h, "配偶", "女", mo_age, **mo_kw)
                kids = self.kids(h, mo_age, 1 + int(self.rng.random() < 0.5))
                if variant == 0:
                    self.clh(fa, sev_types[i % 5], ("一级", "二级")[i % 2], self.ago(400, 4000))
                    self.clh(mo, sev_types[(i + 2) % 5], ("二级", "一级")[i % 2], self.ago(400, 4000))
                    self.rsj(fa)
                    self.rsj(mo)
                    note = "both parents SEV"
                elif variant == 1:
                    alive = fa if mo_kw else mo
                    self.clh(alive, sev_types[i % 5], "一级", self.ago(400, 4000))
                    self.rsj(alive)
                    note = "one parent SEV, the other DEAD (gaj 死亡)"
                    dead = mo if mo_kw else fa
                    if i % 3 == 0:  # cremated too
                        d = c.persons[dead]["change_date"]
                        c.persons[dead]["bzs"] = True
                        c.persons[dead]["death_date"] = d - np.timedelta64(5, "D")
                        c.persons[dead]["cremation_date"] = d - np.timedelta64(3, "D")
                        note += " + bzs_hh"
                else:
                    self._jail(fa)
                    how = self._ill(mo, i)
                    self.rsj(mo, referrals=1)
                    note = f"father in prison (JAIL), mother ILL ({how})"
            town = c.town_name(c.households[h]["village"][:9])
            for k in kids:
                self.late.append(("student", (k, None, None, town)))
                c.suppress.add((k, "事实无人抚养儿童"))
                c.plant(self.night, "discover", "DISCOVER", "FACT_UNSUPPORTED_CHILD", k, 920, "month", "", note)

    def _jail(self, pid: int) -> None:
        start = self.ago(200, 1500)
        end = None if self.rng.random() < 0.5 else self.ctx.date + dt.timedelta(days=int(self.rng.integers(500, 2000)))
        self.c.fact("sfj_jz", pid, correction_type="服刑", start_date=start, end_date=end)

    def _ill(self, pid: int, i: int) -> str:
        if i % 2 == 0:
            disease = ("恶性肿瘤", "精神分裂症", "尿毒症", "双相情感障碍", "白血病")[(i // 2) % 5]
            self.c.fact("wjw_mb", pid, disease=disease, registered_date=self.ago(100, 2000), management_status="在管")
            return f"wjw {disease} 在管"
        dis = self.ago(30, 200)
        total = float(self.rng.integers(30, 60) * 1000)
        oop = float(self.rng.integers(25, 45) * 100)
        crit = round(total * 0.15, 2)
        self.c.fact("ybj_js", pid, visit_type="住院", admission_date=dis - dt.timedelta(days=14), discharge_date=dis,
                    total_cost=total, insurance_paid=total - crit - oop, critical_insurance_paid=crit,
                    medical_aid_paid=0.0, out_of_pocket=oop, diagnosis="恶性肿瘤", is_critical_illness="是")
        return "ybj 是否大病 是"

    def deceased_cases(self, n: int) -> None:
        c = self.c
        for i in range(n):
            variant = i % 5
            urban = self.rng.random() < 0.25
            area = "城市" if urban else "农村"
            h = c.household(self.village(urban), "DEC")
            if variant == 0:  # gaj 死亡, payments not yet stopped; lived alone
                age = int(self.rng.integers(65, 80))
                change = self.ago(20, 150)
                p = c.person(h, "户主", "男" if self.rng.random() < 0.5 else "女", age, status="死亡",
                             change_date=change, death_date=change - dt.timedelta(days=int(self.rng.integers(2, 10))))
                amt = 1170 if urban else 936
                self.mzj(p, f"{area}特困", amt, self.ago(800, 3000))
                self._dec_truth(p, f"{area}特困", amt, "gaj 死亡, not yet stopped")
            elif variant == 1:  # cremated, register still 正常 (as E2)
                age = int(self.rng.integers(80, 96))
                death = self.ago(12, 70)
                p = c.person(h, "户主", "男", age, death_date=death, cremation_date=death + dt.timedelta(days=2))
                c.person(h, "配偶", "女", age - int(self.rng.integers(0, 5)))
                amt = 200 if age >= 90 else 100
                self.mzj(p, "高龄津贴", amt, self.ago(400, 2000))
                self._dec_truth(p, "高龄津贴", amt, "bzs_hh cremation, gaj 正常")
            elif variant == 2:  # gaj 注销 and a cremation
                age = int(self.rng.integers(62, 79))
                death = self.ago(30, 200)
                change = min(death + dt.timedelta(days=int(self.rng.integers(8, 25))), self.ctx.extract)
                p = c.person(h, "户主", "男", age, status="注销", change_date=change, death_date=death,
                             cremation_date=death + dt.timedelta(days=2))
                c.person(h, "配偶", "女", age - int(self.rng.integers(0, 5)))
                self.clh(p, "肢体", "一级", self.ago(800, 4000))
                self.mzj(p, "重度残疾人护理补贴", 200, self.ago(400, 2000))
                self._dec_truth(p, "重度残疾人护理补贴", 200, "gaj 注销 + bzs_hh")
            elif variant == 3:  # a public-welfare job held by someone who died
                age = int(self.rng.integers(40, 58))
                death = self.ago(40, 200)
                p = c.person(h, "户主", "男", age, status="死亡", change_date=min(death + dt.timedelta(days=10), self.ctx.extract),
                             death_date=death, cremation_date=death + dt.timedelta(days=2))
                sp = c.person(h, "配偶", "女", age - int(self.rng.integers(0, 4)))
                kid = c.person(h, "子" if self.rng.random() < 0.5 else "女", None, int(self.rng.integers(20, 24)))
                c.persons[kid]["sex"] = "男" if c.persons[kid]["rel"] == "子" else "女"
                self.rsj(p, "就业", "城乡居民", public_job="是")
                self.rsj(sp, "就业", "职工")
                c.fact("swj_sr", sp, tax_year=self.ctx.tax_year, income=float(self.rng.integers(45, 70) * 1000), tax_paid=0.0)
                self.rsj(kid, "就业", "职工")
                c.fact("swj_sr", kid, tax_year=self.ctx.tax_year, income=float(self.rng.integers(35, 55) * 1000), tax_paid=0.0)
                c.plant(self.night, "review", "R_DECEASED_PAID", "PUBLIC_JOB", p, 700, "month", "",
                        "rsj 公益性岗位 是; gaj 死亡 + bzs_hh")
            else:  # two benefits, two items
                age = int(self.rng.integers(81, 89))
                change = self.ago(30, 160)
                p = c.person(h, "户主", "男", age, status="死亡", change_date=change,
                             death_date=change - dt.timedelta(days=5), cremation_date=change - dt.timedelta(days=3))
                sp = c.person(h, "配偶", "女", int(self.rng.integers(70, 79)))
                self.clh(sp, "肢体", "二级", self.ago(800, 4000))
                self.rsj(sp, "未就业", "城乡居民", pension=200.0)
                share = 720 if not urban else 900
                self.mzj(p, f"{area}低保", share, self.ago(800, 3000))
                self.mzj(p, "高龄津贴", 100, self.ago(300, 1500))
                self._dec_truth(p, f"{area}低保", share, "gaj 死亡 + bzs_hh; two benefits")
                self._dec_truth(p, "高龄津贴", 100, "gaj 死亡 + bzs_hh; two benefits")

    def _dec_truth(self, pid: int, category: str, amount, note: str, night=None) -> None:
        self.c.plant(night or self.night, "review", "R_DECEASED_PAID", POLICY_OF[category], pid, amount, "month", "", note)

    # --- a few cases of other rules --------------------------------------------------

    def other_cases(self, n: int) -> None:
        c = self.c
        for i in range(n):
            # R_DB_VEHICLE: a 低保 household (a member ILL, little income) with a car.
            urban = i % 2 == 0
            h = c.household(self.village(urban), "VEH")
            age = int(self.rng.integers(35, 52))
            a = c.person(h, "户主", "男", age)
            b = c.person(h, "配偶", "女", age - int(self.rng.integers(0, 4)))
            kids = self.kids(h, c.persons[b]["age"], 1)
            self.rsj(a, "灵活就业", "城乡居民", referrals=2)
            self.rsj(b, "未就业", "城乡居民", referrals=1)
            c.fact("swj_sr", a, tax_year=self.ctx.tax_year, income=float(self.rng.integers(10, 16) * 1000), tax_paid=0.0)
            c.fact("wjw_mb", b, disease="精神分裂症", registered_date=self.ago(400, 3000), management_status="在管")
            town = c.town_name(c.households[h]["village"][:9])
            for k in kids:
                self.late.append(("student", (k, None, None, town)))
            self.late.append(("vehicle", (a, "DB_URBAN" if urban else "DB_RURAL", "城市低保" if urban else "农村低保")))

            # W_MED_POVERTY: a well-off town household with large 大病 bills.
            h = c.household(self.village(True), "MED")
            age = int(self.rng.integers(45, 60))
            a = c.person(h, "户主", "男", age)
            b = c.person(h, "配偶", "女", age - int(self.rng.integers(0, 4)))
            k = c.person(h, "女" if self.rng.random() < 0.5 else "子", None, int(self.rng.integers(20, 26)))
            c.persons[k]["sex"] = "女" if c.persons[k]["rel"] == "女" else "男"
            inc_a = float(self.rng.integers(70, 95) * 1000)
            inc_b = float(self.rng.integers(40, 55) * 1000)
            c.fact("swj_sr", a, tax_year=self.ctx.tax_year, income=inc_a, tax_paid=round((inc_a - 60000) * 0.03, 2))
            c.fact("swj_sr", b, tax_year=self.ctx.tax_year, income=inc_b, tax_paid=0.0)
            self.rsj(a, "就业", "职工")
            self.rsj(b, "就业", "职工")
            self.rsj(k, "就业", "城乡居民")
            oops = (float(self.rng.integers(180, 240) * 100), float(self.rng.integers(120, 160) * 100))
            for j, oop in enumerate(oops):
                dis = self.ago(40 + 150 * j, 150 + 150 * j)
                total = round(oop * 3.4, 2)
                crit = round(total * 0.15, 2)
                c.fact("ybj_js", a, visit_type="住院", admission_date=dis - dt.timedelta(days=16), discharge_date=dis,
                       total_cost=total, insurance_paid=round(total - crit - oop, 2), critical_insurance_paid=crit,
                       medical_aid_paid=0.0, out_of_pocket=oop, diagnosis="胃恶性肿瘤", is_critical_illness="是")
            c.plant(self.night, "warning", "W_MED_POVERTY", "", a, "", "", "",
                    f"OOP {sum(oops):,.0f} with 是否大病 是; INC {inc_a + inc_b:,.0f}")

            # Y_JOB_REFUSAL: a 低保 household whose working-age head refused three referrals.
            h = c.household(self.village(False), "JOB")
            age = int(self.rng.integers(26, 48))
            a = c.person(h, "户主", "男", age)
            m = c.person(h, "母亲", "女", min(85, age + int(self.rng.integers(24, 32))))
            self.rsj(a, "未就业", "城乡居民", referrals=5, refusals=3)
            self.rsj(m, "未就业", "城乡居民", pension=float(self.rng.integers(15, 25) * 10))
            self.late.append(("refusals", (a, int(self.rng.integers(4, 7)), int(self.rng.integers(3, 5)))))
            c.plant(self.night, "yellow", "Y_JOB_REFUSAL", "", a, "", "", "", "拒绝推荐次数 ≥ 3 while on 农村低保")

            # ELDER_CARE: an old couple, both disabled, income under twice the standard.
            urban = i % 3 == 2
            h = c.household(self.village(urban), "ELD")
            age = int(self.rng.integers(62, 76))
            a = c.person(h, "户主", "男", age)
            b = c.person(h, "配偶", "女", age - int(self.rng.integers(0, 4)))
            self.clh(a, ("肢体", "听力", "视力")[i % 3], ("三级", "四级")[i % 2], self.ago(800, 5000))
            self.clh(b, ("视力", "肢体")[i % 2], "二级", self.ago(800, 5000))
            std = 900 if urban else 720
            pension_a = float(self.rng.integers(int(2.8 * std / 10), int(3.7 * std / 10)) * 10)
            self.rsj(a, "未就业", "职工", pension=pension_a)
            self.rsj(b, "未就业", "城乡居民", pension=200.0)
            c.suppress.add((a, "老年人生活护理救助"))
            c.plant(self.night, "discover", "DISCOVER", "ELDER_CARE", a, 200, "month", "",
                    "60+, disabled, spouse disabled in HH, PCI ≤ 2 × STD")

    # --- one household or more for every other rule (policies.md §3-§6) -------------------
    #
    # Locked households (no random facts, no receipts from receipts.py, no quirks),
    # each with exactly the rows its case needs. What they raise is what the
    # oracle (oracle.py) finds in them; the comments say what the case is for.

    def ybj(self, pid: int, visit: str, discharge: dt.date, oop: float, critical: bool = False,
            crit_paid: float = 0.0, aid: float = 0.0, diagnosis: str = "肺炎") -> None:
        total = round(oop * 3.0 + crit_paid + aid, 2)
        self.c.fact("ybj_js", pid, visit_type=visit,
                    admission_date=discharge - dt.timedelta(days=9 if visit == "住院" else 0),
                    discharge_date=discharge, total_cost=total, insurance_paid=round(total - oop - crit_paid - aid, 2),
                    critical_insurance_paid=crit_paid, medical_aid_paid=aid, out_of_pocket=oop,
                    diagnosis=diagnosis, is_critical_illness="是" if critical else "否")

    def income(self, pid: int, amount: float) -> None:
        self.c.fact("swj_sr", pid, tax_year=self.ctx.tax_year, income=float(amount), tax_paid=0.0)

    def student(self, pid: int, h: int, level: str, aid: str | None = None, **extra) -> None:
        town = self.c.town_name(self.c.households[h]["village"][:9])
        self.late.append(("student", (pid, level, aid, town, extra)))

    def monitored(self, pid: int, h: int, htype: str = "脱贫户", cleared: str = "是", risk: str = "因病") -> None:
        self.c.fact("xczx_jc", pid, hid=h, household_type=htype, risk_type=risk,
                    identified_date=dt.date(2016, 10, 1) if htype == "脱贫户" else self.ago(200, 600),
                    risk_cleared=cleared)

    def rule_cases(self, k: int) -> None:
        c, D = self.c, self.D
        sfx = f"{k:02d}"

        # DB_RURAL: no earner of working age, a member ILL, little income.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 45)
        b = c.person(h, "配偶", "女", 43)
        self.rsj(a, "未就业", "城乡居民", referrals=1)
        self.income(a, 6000)
        c.fact("wjw_mb", b, disease="精神分裂症", registered_date=self.ago(400, 3000), management_status="在管")

        # DB_URBAN with DIS_LIVING, DIS_NURSING, PENSION_PREMIUM and RENT_SUBSIDY (no home of their own).
        h = c.household(self.village(True), "RULE", locked=True)
        a = c.person(h, "户主", "男", 50)
        b = c.person(h, "配偶", "女", 48)
        self.rsj(a, "灵活就业", "城乡居民", referrals=2)
        self.rsj(b, "未就业", "未参保", referrals=1)
        self.income(a, 9000)
        self.clh(b, "肢体", "二级", self.ago(800, 3000))

        # DB_EDGE; ELDER_ECON; a new job-seeker: W_UNEMPLOY_MON, EMPLOY_HARD, PUBLIC_JOB; MONITOR_AID.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 55)
        b = c.person(h, "配偶", "女", 53)
        m = c.person(h, "母亲", "女", 68)
        self.rsj(a, "就业", "城乡居民")
        self.income(a, 30000)
        c.fact("wjw_mb", a, disease="尿毒症", registered_date=self.ago(400, 2000), management_status="在管")
        c.fact("rsj_jy", b, employment_status="失业登记", unemployment_date=D(30), pension_type="城乡居民",
               monthly_pension=np.nan, public_job="否", referrals=1, refusals=0)
        self.rsj(m, "未就业", "城乡居民", pension=150.0)

        # TK_RURAL: an old woman alone on a small pension.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "女", 72)
        self.rsj(a, "未就业", "城乡居民", pension=150.0)
        # TK_URBAN: a working-age man alone, 智力 三级 (nursing grade), no income; his own home.
        h = c.household(self.village(True), "RULE", locked=True)
        a = c.person(h, "户主", "男", 45)
        self.rsj(a, "未就业", "城乡居民", referrals=1)
        self.clh(a, "智力", "三级", self.ago(800, 4000))
        c.fact("bdc_dj", a, unit_no=f"371426001PL{sfx}001", usage="住宅", floor_area=62.0, registered_date=self.ago(800, 4000))

        # TEMP_EXPENSE: two earners whose bills left them under the standard (no catastrophic spending).
        h = c.household(self.village(True), "RULE", locked=True)
        a = c.person(h, "户主", "男", 40)
        b = c.person(h, "配偶", "女", 38)
        self.rsj(a, "就业", "城乡居民")
        self.rsj(b, "就业", "城乡居民")
        self.income(a, 30000)
        self.income(b, 20000)
        self.ybj(a, "住院", D(150), 15000.0)
        self.ybj(a, "住院", D(260), 14000.0)

        # A house collapsed ten days ago, a veteran's: W_DISASTER_HOUSE, TEMP_EMERGENCY, DISASTER_LIVING,
        # VETERAN_HARDSHIP, MONITOR_AID.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 66)
        c.person(h, "配偶", "女", 63)
        c.fact("tyjr_yf", a, veteran_category="在乡复员军人", monthly_allowance=1000.0)
        when = D(10)
        c.fact("yjj_sz", a, disaster_no=f"ZQ{when:%Y%m%d}8{sfx}", disaster_type="火灾", disaster_date=when,
               loss_type="房屋倒塌", estimated_loss=86000.0)

        # W_EARNER_DEATH: the son died two weeks ago; his father and son are left with no earner
        # (TEMP_EMERGENCY, MONITOR_AID).
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 70)
        c.person(h, "子", "男", 38, status="死亡", change_date=D(10), death_date=D(14), cremation_date=D(12))
        g = c.person(h, "孙子", "男", 10)
        self.rsj(a, "未就业", "城乡居民", pension=200.0)
        self.student(g, h, "小学")

        # ORPHAN not yet paid (both parents dead; grandfather's pension above the edge): EDU_COMPULSORY too.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 70)
        c.person(h, "子", "男", 42, status="死亡", change_date=self.ago(300, 900))
        c.person(h, "儿媳", "女", 40, status="死亡", change_date=self.ago(300, 900))
        g = c.person(h, "孙女", "女", 9)
        self.rsj(a, "未就业", "职工", pension=2600.0)
        self.student(g, h, "小学")

        # CHILD_DIFFICULTY: a 城市低保 household whose boy is severely disabled (DIS_CHILD_REHAB,
        # DIS_LIVING, DIS_NURSING, EDU_COMPULSORY); the father never referred (Y_NO_REFERRAL).
        h = c.household(self.village(True), "RULE", locked=True)
        a = c.person(h, "户主", "男", 42)
        b = c.person(h, "配偶", "女", 40)
        kid = c.person(h, "子", "男", 12)
        self.rsj(a, "未就业", "城乡居民", referrals=0)
        self.rsj(b, "灵活就业", "城乡居民", referrals=2)
        self.income(b, 12000)
        self.clh(kid, "肢体", "二级", self.ago(400, 1500))
        for p in (a, b, kid):
            self.mzj(p, "城市低保", 567, self.ago(300, 900))
        self.student(kid, h, "初中")
        c.fact("bdc_dj", a, unit_no=f"371426001PL{sfx}002", usage="住宅", floor_area=58.0, registered_date=self.ago(800, 4000))

        # HIGH_AGE not yet paid; the husband paid the wrong band (R_AMOUNT).
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 92)
        b = c.person(h, "配偶", "女", 85)
        self.rsj(a, "未就业", "职工", pension=2800.0)
        self.rsj(b, "未就业", "职工", pension=2500.0)
        self.mzj(a, "高龄津贴", 100, self.ago(400, 2000))

        # A 农村低保 脱贫户 household's disabled freshman at a vocational college: COLLEGE_NEW_DB,
        # EDU_COLLEGE, DIS_STUDENT, YULU.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 48)
        b = c.person(h, "配偶", "女", 46)
        kid = c.person(h, "子", "男", 18)
        self.rsj(a, "未就业", "城乡居民", referrals=2)
        self.rsj(b, "未就业", "城乡居民", referrals=1)
        c.fact("wjw_mb", b, disease="尿毒症", registered_date=self.ago(400, 2000), management_status="在管")
        self.clh(kid, "听力", "四级", self.ago(400, 1500))
        for p in (a, b, kid):
            self.mzj(p, "农村低保", 720, self.ago(300, 900))
        self.monitored(a, h)
        from .facts import school_year_start
        self.c.fact("jtj_xs", kid, school_level="高校", grade="大一", school="德州职业技术学院",
                    enrol_year=school_year_start(self.ctx), is_new_student="是", aid_programme="")

        # A monitored household's pupils: EDU_PRESCHOOL, EDU_HIGHSCHOOL, EDU_VOC, YULU; the father a
        # poor worker (UNION_POOR_WORKER); PCI under the standard (DB_RURAL).
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 44)
        b = c.person(h, "配偶", "女", 40)
        k1 = c.person(h, "女", "女", 4)
        k2 = c.person(h, "子", "男", 16)
        k3 = c.person(h, "女", "女", 16)
        self.rsj(a, "就业", "职工")
        self.rsj(b, "灵活就业", "城乡居民")
        self.income(a, 40000)
        self.monitored(a, h, "边缘易致贫户", "否", "因学")
        self.student(k1, h, "学前")
        self.student(k2, h, "高中")
        self.student(k3, h, "中职")

        # Medical aid due on a monitored household's bills: MED_INPATIENT, MED_OUTPATIENT_CHRONIC,
        # MED_CRITICAL_TILT.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 58)
        b = c.person(h, "配偶", "女", 56)
        self.rsj(a, "未就业", "城乡居民")
        self.rsj(b, "就业", "城乡居民")
        self.income(b, 36000)
        self.monitored(a, h, "脱贫不稳定户", "否", "因病")
        self.ybj(a, "住院", D(20), 6000.0)
        self.ybj(a, "门诊慢特病", D(15), 800.0)
        self.ybj(a, "住院", D(200), 9500.0, critical=True, diagnosis="肝恶性肿瘤")

        # MED_ILLNESS_POOR and W_MED_POVERTY (TEMP_EXPENSE too): a town couple, the wife's cancer bills.
        h = c.household(self.village(True), "RULE", locked=True)
        a = c.person(h, "户主", "男", 50)
        b = c.person(h, "配偶", "女", 48)
        self.rsj(a, "就业", "城乡居民")
        self.rsj(b, "未就业", "城乡居民")
        self.income(a, 40000)
        self.ybj(b, "住院", D(100), 16000.0, critical=True, crit_paid=9000.0, diagnosis="乳腺恶性肿瘤")
        self.ybj(b, "住院", D(250), 16000.0, critical=True, crit_paid=9000.0, diagnosis="乳腺恶性肿瘤")
        c.fact("bdc_dj", a, unit_no=f"371426002PL{sfx}003", usage="住宅", floor_area=88.0, registered_date=self.ago(800, 4000))

        # HOUSING_RURAL_RENO: a D-grade house of a couple, the husband blind (一级, paid his nursing allowance).
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 66)
        b = c.person(h, "配偶", "女", 64)
        self.rsj(a, "未就业", "职工", pension=2500.0)
        self.rsj(b, "未就业", "城乡居民", pension=200.0)
        self.clh(a, "视力", "一级", self.ago(800, 4000))
        self.mzj(a, "重度残疾人护理补贴", 200, self.ago(300, 900))
        c.fact("zjj_zf", a, hid=h, house_safety_grade="D", assessment_date=self.ago(60, 300), public_rental="否",
               rent_subsidy="否")

        # R_JAIL_PAID: the husband in prison still paid 农村低保.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 40)
        b = c.person(h, "配偶", "女", 38)
        self.c.fact("sfj_jz", a, correction_type="服刑", start_date=self.ago(300, 600), end_date=D(-800))
        self.rsj(b, "灵活就业", "城乡居民", referrals=1)
        self.income(b, 4000)
        c.fact("wjw_mb", b, disease="双相情感障碍", registered_date=self.ago(400, 2000), management_status="在管")
        for p in (a, b):
            self.mzj(p, "农村低保", 387, self.ago(300, 900))

        # R_MOVED_PAID: moved away, still paid 困难残疾人生活补贴.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 60, status="迁出", change_date=D(60))
        b = c.person(h, "配偶", "女", 58)
        self.clh(a, "肢体", "三级", self.ago(800, 4000))
        self.mzj(a, "困难残疾人生活补贴", 150, self.ago(300, 900))
        self.rsj(b, "就业", "城乡居民")
        self.income(b, 30000)

        # A 城市低保 household grown rich: R_DB_INCOME, R_DB_BUSINESS, R_DB_GJJ, R_DB_PROPERTY, R_DEBTOR_DB.
        h = c.household(self.village(True), "RULE", locked=True)
        a = c.person(h, "户主", "男", 45)
        b = c.person(h, "配偶", "女", 43)
        self.rsj(a, "就业", "职工")
        self.rsj(b, "未就业", "城乡居民", referrals=1)
        self.income(a, 60000)
        for p in (a, b):
            self.mzj(p, "城市低保", 300, self.ago(400, 900))
        from .idnum import uscc
        c.fact("scjg_zt", a, credit_code=uscc("92371426", f"MP{k:06d}"), entity_name=f"平原县城关建材经营部{sfx}",
               registered_capital_wan=50.0, established_date=self.ago(300, 900), registration_status="存续")
        last = (np.datetime64(self.ctx.extract, "M") - np.timedelta64(1, "M")).astype("datetime64[D]")
        c.fact("gjj_jc", a, employer="平原县城市建设投资有限公司", contribution_base=4200.0, fund_status="正常",
               last_paid_month=last)
        for j in (4, 5):
            c.fact("bdc_dj", a, unit_no=f"371426001PL{sfx}00{j}", usage="住宅", floor_area=96.0,
                   registered_date=self.ago(300, 2000))
        c.fact("fy_sxr", a, case_no=f"（{self.ctx.date.year - 1}）鲁1426执{9100 + k}号", filed_date=self.ago(100, 300),
               performance="未履行")

        # One old woman paid everything: R_DB_TK, R_TK_DIS_LIVING, R_EXCLUSIVE, R_DIS_CERT, R_AMOUNT.
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "女", 75)
        self.rsj(a, "未就业", "城乡居民", pension=150.0)
        self.mzj(a, "农村低保", 570, self.ago(300, 900))
        self.mzj(a, "农村特困", 936, self.ago(300, 900))
        self.mzj(a, "困难残疾人生活补贴", 150, self.ago(300, 900))
        self.mzj(a, "经济困难老年人补贴", 80, self.ago(300, 900))

        # A child paid 孤儿 and 事实无人抚养儿童 though the father's term ended (R_ORPHAN_FUC,
        # R_FUC_LAPSED); the elder brother, 19 and out of school, still paid 困境儿童 (R_CHILD_AGED_OUT).
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 45)
        b = c.person(h, "配偶", "女", 43)
        k1 = c.person(h, "子", "男", 19)
        k2 = c.person(h, "女", "女", 12)
        self.c.fact("sfj_jz", a, correction_type="服刑", start_date=self.ago(2000, 2500), end_date=D(200))
        self.rsj(a, "就业", "城乡居民")
        self.rsj(b, "就业", "城乡居民")
        self.rsj(k1, "就业", "城乡居民")
        self.income(b, 30000)
        self.income(a, 20000)
        self.mzj(k2, "孤儿", 1380, self.ago(400, 900))
        self.mzj(k2, "事实无人抚养儿童", 920, self.ago(400, 900))
        self.mzj(k1, "困境儿童", 500, self.ago(1000, 1500))
        self.student(k2, h, "初中", "义务教育生活补助")

        # W_DROPOUT: a 农村低保 household's boy of ten not at school (MONITOR_AID); near-miss of FUC
        # (one parent SEV, the other healthy).
        h = c.household(self.village(False), "RULE", locked=True)
        a = c.person(h, "户主", "男", 38)
        b = c.person(h, "配偶", "女", 36)
        kid = c.person(h, "子", "男", 10)
        self.rsj(a, "未就业", "城乡居民")
        self.rsj(b, "灵活就业", "城乡居民", referrals=1)
        self.income(b, 8000)
        self.clh(a, "肢体", "一级", self.ago(800, 3000))
        for p in (a, b, kid):
            self.mzj(p, "农村低保", 498, self.ago(300, 900))
        self.mzj(a, "困难残疾人生活补贴", 150, self.ago(300, 900))
        self.mzj(a, "重度残疾人护理补贴", 200, self.ago(300, 900))

        # W_NEW_SEVERE_DIS: a certificate 二级 issued a month ago in a household nobody helps (DIS_NURSING).
        h = c.household(self.village(True), "RULE", locked=True)
        a = c.person(h, "户主", "男", 52)
        b = c.person(h, "配偶", "女", 50)
        self.rsj(a, "就业", "职工")
        self.rsj(b, "未就业", "城乡居民")
        self.income(a, 60000)
        self.clh(b, "肢体", "二级", D(30))
        c.fact("bdc_dj", a, unit_no=f"371426001PL{sfx}006", usage="住宅", floor_area=102.0, registered_date=self.ago(800, 4000))

    # --- near-misses: no truth rows ------------------------------------------------

    def near_misses(self, n: int) -> None:
        c = self.c
        for i in range(n):
            # One severely disabled parent, one healthy earning parent: not FUC.
            h = c.household(self.village(False), "NM")
            fa = c.person(h, "户主", "男", int(self.rng.integers(30, 45)))
            mo = c.person(h, "配偶", "女", c.persons[fa]["age"] - 2)
            kids = self.kids(h, c.persons[mo]["age"], 1 + int(self.rng.random() < 0.5))
            self.clh(fa, "肢体", "一级", self.ago(400, 3000))
            self.rsj(fa)
            self.rsj(mo, "就业", "职工")
            c.fact("swj_sr", mo, tax_year=self.ctx.tax_year, income=float(self.rng.integers(28, 40) * 1000), tax_paid=0.0)
            town = c.town_name(c.households[h]["village"][:9])
            for k in kids:
                self.late.append(("student", (k, None, None, town)))
            # A FUC child already receiving it (receipts.py pays it: not suppressed).
            h = c.household(self.village(False), "NM")
            fa = c.person(h, "户主", "男", int(self.rng.integers(30, 45)))
            mo = c.person(h, "配偶", "女", c.persons[fa]["age"] - 1)
            kids = self.kids(h, c.persons[mo]["age"], 1)
            self.clh(fa, "智力", "二级", self.ago(400, 3000))
            self.clh(mo, "肢体", "一级", self.ago(400, 3000))
            self.rsj(fa)
            self.rsj(mo)
            town = c.town_name(c.households[h]["village"][:9])
            for k in kids:
                self.late.append(("student", (k, None, None, town)))
            # A deceased whose payments were stopped in time.
            h = c.household(self.village(i % 2 == 0), "NM")
            change = self.ago(40, 300)
            p = c.person(h, "户主", "男", int(self.rng.integers(70, 90)), status="死亡", change_date=change,
                         death_date=change - dt.timedelta(days=6), cremation_date=change - dt.timedelta(days=4))
            self.clh(p, "肢体", "一级", self.ago(800, 3000), status="注销")
            c.person(h, "配偶", "女", c.persons[p]["age"] - 3)

    # --- after build() and after receipts --------------------------------------------

    def students_after_build(self) -> None:
        """School rows for planted children, once their birth dates exist."""
        c = self.c
        P = c.P
        for kind, data in self.late:
            if kind != "student":
                continue
            pid, level, aid, town, *extra = data
            birth = np.array([P.birth.iat[pid]], dtype="datetime64[D]")
            sa = int(school_age(self.ctx, birth)[0])
            lvl = level or _level_for(sa)
            if not lvl:
                continue
            row = student_row(self.ctx, lvl, sa, town, self.rng)
            if aid is not None:
                row["aid_programme"] = aid
            if extra:
                row.update(extra[0])
            c.fact("jtj_xs", pid, **row)

    def finish_after_receipts(self) -> None:
        """Cases whose last touch depends on what receipts.py paid."""
        c = self.c
        mzj = c.facts["mzj_jzdx"]
        for kind, data in self.late:
            if kind == "vehicle":
                pid, policy, category = data
                paid = mzj[(mzj.pid == pid) & (mzj.benefit_category == category)]
                if paid.empty:
                    raise AssertionError(f"planted R_DB_VEHICLE household not paid {category}")
                c.fact("cgs_cl", pid, vehicle_type="小型轿车", status="正常",
                       first_registered_date=self.ago(200, 3000))
                c.plant(self.night, "review", "R_DB_VEHICLE", policy, pid, float(paid.monthly_amount.iat[0]), "month",
                        "", f"小型轿车 正常 in a {category} household")
            elif kind == "refusals":
                pid, referrals, refusals = data
                r = c.facts["rsj_jy"]
                sel = (r.pid == pid).to_numpy()
                r.loc[sel, "referrals"] = referrals
                r.loc[sel, "refusals"] = refusals
                if not ((mzj.pid == pid) & (mzj.benefit_category == "农村低保")).any():
                    raise AssertionError("planted Y_JOB_REFUSAL household not paid 农村低保")


def _level_for(sa: int) -> str:
    if 3 <= sa <= 5:
        return "学前"
    if 6 <= sa <= 11:
        return "小学"
    if 12 <= sa <= 14:
        return "初中"
    if 15 <= sa <= 17:
        return "高中"
    return ""


def plant_all(county: County) -> Planter:
    people = county.ctx.people
    p = Planter(county)
    p.examples()
    p.fuc_cases(max(4, round(people / 2000)))
    p.deceased_cases(max(5, round(people / 2000)))
    p.other_cases(max(2, people // 20000))
    p.near_misses(max(1, round(people / 6000)))
    for k in range(max(1, people // 100_000)):
        p.rule_cases(k)
    return p
