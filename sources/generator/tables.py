"""From the county in memory to the tables each department delivers.

A delivery table has the contract's columns in the contract's order (by
canonical name), every cell as the clean text the department would write,
plus `_pid` (whose row it is; -1 for none) and `_lock` (a worked-example row:
no quirk may touch it). quirks.py then damages some cells, and writers.py
puts the table into the file format of the contract.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sources.contracts import load_contracts

from .model import County
from .population import REL_ORDER


def fmt_date(values) -> np.ndarray:
    s = pd.Series(np.asarray(values).astype("datetime64[D]"))
    return s.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)


def fmt_month(values) -> np.ndarray:
    s = pd.Series(np.asarray(values).astype("datetime64[D]"))
    return s.dt.strftime("%Y-%m").fillna("").to_numpy(dtype=object)


def fmt_amount(values, decimals: int = 0) -> np.ndarray:
    """Amounts as a clerk's system writes them: `720`, `41000.00`; empty if missing."""
    v = np.asarray(values, dtype=float)
    fin = np.isfinite(v)
    safe = np.where(fin, v, 0.0)
    two = np.char.mod("%.2f", safe)
    if decimals:
        out = two
    else:
        whole = np.char.mod("%d", np.round(safe).astype(np.int64))
        out = np.where(safe == np.round(safe), whole, two)
    return np.where(fin, out, "").astype(object)


def fmt_int(values) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    fin = np.isfinite(v)
    return np.where(fin, np.char.mod("%d", np.where(fin, v, 0).astype(np.int64)), "").astype(object)


class Formatter:
    """Formats internal fact tables into delivery tables."""

    def __init__(self, county: County):
        self.c = county
        P = county.P
        self.ids = P.id.to_numpy(dtype=object)
        self.names = P.name.to_numpy(dtype=object)
        self.hid = P.hid.to_numpy()
        H = county.H
        hsafe = np.maximum(self.hid, 0)
        self.hh_no = np.where(self.hid >= 0, H.hh_no.to_numpy(dtype=object)[hsafe], "")
        self.town = np.where(self.hid >= 0, H.town.to_numpy(dtype=object)[hsafe], "")
        self.town_name = np.where(self.hid >= 0, H.town_name.to_numpy(dtype=object)[hsafe], "")
        self.village = np.where(self.hid >= 0, H.village.to_numpy(dtype=object)[hsafe], "")
        self.locked = P.locked.to_numpy()
        self.contracts = load_contracts()

    def frame(self, code: str, pid: np.ndarray, cols: dict) -> pd.DataFrame:
        contract = self.contracts[code]
        df = pd.DataFrame({name: cols[name] for name in contract.names})
        for name in contract.names:
            df[name] = df[name].astype(object)
        df["_pid"] = np.asarray(pid, dtype=np.int64)
        df["_lock"] = np.where(df["_pid"] >= 0, self.locked[np.maximum(df["_pid"].to_numpy(), 0)], False)
        return df.reset_index(drop=True)

    def person_cols(self, pid) -> tuple[np.ndarray, np.ndarray]:
        return self.ids[pid], self.names[pid]

    # --- one method per source -----------------------------------------------------

    def gaj_hjrk(self) -> pd.DataFrame:
        P = self.c.P
        reg = P[P.in_gaj.to_numpy()].copy()
        reg["_hh"] = self.hh_no[reg.pid.to_numpy()]
        reg["_vill"] = self.village[reg.pid.to_numpy()]
        reg["_ord"] = reg.rel.map(REL_ORDER).fillna(9).astype(int)
        reg = reg.sort_values(["_vill", "_hh", "_ord", "birth", "pid"], kind="stable")
        pid = reg.pid.to_numpy()
        return self.frame("gaj_hjrk", pid, {
            "household_no": self.hh_no[pid], "name": reg.name.to_numpy(), "id_number": reg.id.to_numpy(),
            "sex": reg.sex.to_numpy(), "ethnicity": reg.ethnicity.to_numpy(), "birth_date": fmt_date(reg.birth),
            "relation_to_head": reg.rel.to_numpy(), "township_code": self.town[pid], "village_code": self.village[pid],
            "address": self.c.H.address.to_numpy()[reg.hid.to_numpy()], "phone": reg.phone.to_numpy(),
            "status": reg.status.to_numpy(), "change_date": fmt_date(reg.change_date),
        })

    def mzj_jzdx(self) -> pd.DataFrame:
        m = self.c.facts["mzj_jzdx"].copy()
        cats = self.contracts["mzj_jzdx"].column("benefit_category").values
        m["_cat"] = m.benefit_category.map({c: i for i, c in enumerate(cats)})
        m["_town"] = self.town[m.pid.to_numpy()]
        m["_hh"] = self.hh_no[m.pid.to_numpy()]
        m = m.sort_values(["_town", "_hh", "pid", "_cat"], kind="stable")
        pid = m.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("mzj_jzdx", pid, {
            "name": names, "id_number": ids, "benefit_category": m.benefit_category.to_numpy(),
            "monthly_amount": fmt_amount(m.monthly_amount), "start_month": fmt_month(m.start_month),
            "household_no": self.hh_no[pid], "township_name": self.town_name[pid],
        })

    def clh_cjr(self) -> pd.DataFrame:
        f = self.c.facts["clh_cjr"].sort_values(["issue_date", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("clh_cjr", pid, {
            "name": names, "id_number": ids, "disability_type": f.disability_type.to_numpy(),
            "disability_grade": f.disability_grade.to_numpy(), "issue_date": fmt_date(f.issue_date),
            "cert_status": f.cert_status.to_numpy(),
        })

    def ybj_js(self, f: pd.DataFrame) -> pd.DataFrame:
        f = f.sort_values("settlement_no", kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("ybj_js", pid, {
            "settlement_no": f.settlement_no.to_numpy(), "id_number": ids, "name": names,
            "visit_type": f.visit_type.to_numpy(), "admission_date": fmt_date(f.admission_date),
            "discharge_date": fmt_date(f.discharge_date), "total_cost": fmt_amount(f.total_cost, 2),
            "insurance_paid": fmt_amount(f.insurance_paid, 2),
            "critical_insurance_paid": fmt_amount(f.critical_insurance_paid, 2),
            "medical_aid_paid": fmt_amount(f.medical_aid_paid, 2), "out_of_pocket": fmt_amount(f.out_of_pocket, 2),
            "diagnosis": f.diagnosis.to_numpy(), "is_critical_illness": f.is_critical_illness.to_numpy(),
        })

    def wjw_mb(self) -> pd.DataFrame:
        f = self.c.facts["wjw_mb"].sort_values(["registered_date", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("wjw_mb", pid, {
            "id_number": ids, "name": names, "disease": f.disease.to_numpy(),
            "registered_date": fmt_date(f.registered_date), "management_status": f.management_status.to_numpy(),
        })

    def rsj_jy(self) -> pd.DataFrame:
        f = self.c.facts["rsj_jy"].copy()
        f["_town"] = self.town[f.pid.to_numpy()]
        f = f.sort_values(["_town", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("rsj_jy", pid, {
            "id_number": ids, "name": names, "employment_status": f.employment_status.to_numpy(),
            "unemployment_date": fmt_date(f.unemployment_date), "pension_type": f.pension_type.to_numpy(),
            "monthly_pension": fmt_amount(f.monthly_pension), "public_job": f.public_job.to_numpy(),
            "referrals": fmt_int(f.referrals), "refusals": fmt_int(f.refusals),
        })

    def jtj_xs(self) -> pd.DataFrame:
        f = self.c.facts["jtj_xs"].copy()
        order = {k: i for i, k in enumerate(("学前", "小学", "初中", "高中", "中职", "高校"))}
        f["_lvl"] = f.school_level.map(order)
        f = f.sort_values(["_lvl", "school", "grade", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("jtj_xs", pid, {
            "student_no": np.char.add("G", ids.astype(str)).astype(object), "id_number": ids, "name": names,
            "school_level": f.school_level.to_numpy(), "grade": f.grade.to_numpy(), "school": f.school.to_numpy(),
            "enrol_year": fmt_int(f.enrol_year), "aid_programme": f.aid_programme.fillna("").to_numpy(),
            "is_new_student": f.is_new_student.to_numpy(),
        })

    def zjj_zf(self) -> pd.DataFrame:
        f = self.c.facts["zjj_zf"].copy()
        f["_hh"] = self.hh_no[f.pid.to_numpy()]
        f = f.sort_values(["_hh"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("zjj_zf", pid, {
            "id_number": ids, "name": names, "household_no": self.hh_no[pid],
            "house_safety_grade": f.house_safety_grade.fillna("").to_numpy(),
            "assessment_date": fmt_date(f.assessment_date), "public_rental": f.public_rental.to_numpy(),
            "rent_subsidy": f.rent_subsidy.to_numpy(),
        })

    def xczx_jc(self) -> pd.DataFrame:
        f = self.c.facts["xczx_jc"].copy()
        f["_hh"] = self.hh_no[f.pid.to_numpy()]
        f = f.sort_values(["_hh"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("xczx_jc", pid, {
            "household_no": self.hh_no[pid], "id_number": ids, "name": names,
            "household_type": f.household_type.to_numpy(), "risk_type": f.risk_type.to_numpy(),
            "identified_date": fmt_date(f.identified_date), "risk_cleared": f.risk_cleared.to_numpy(),
        })

    def scjg_zt(self) -> pd.DataFrame:
        f = self.c.facts["scjg_zt"].sort_values(["established_date", "credit_code"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("scjg_zt", pid, {
            "credit_code": f.credit_code.to_numpy(), "entity_name": f.entity_name.to_numpy(), "name": names,
            "id_number": ids, "registered_capital_wan": fmt_amount(f.registered_capital_wan),
            "established_date": fmt_date(f.established_date), "registration_status": f.registration_status.to_numpy(),
        })

    def bdc_dj(self) -> pd.DataFrame:
        f = self.c.facts["bdc_dj"].sort_values(["unit_no"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("bdc_dj", pid, {
            "unit_no": f.unit_no.to_numpy(), "name": names, "id_number": ids, "usage": f.usage.to_numpy(),
            "floor_area": fmt_amount(f.floor_area, 2), "registered_date": fmt_date(f.registered_date),
        })

    def cgs_cl(self) -> pd.DataFrame:
        f = self.c.facts["cgs_cl"].sort_values(["first_registered_date", "plate_no"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("cgs_cl", pid, {
            "plate_no": f.plate_no.to_numpy(), "name": names, "id_number": ids, "vehicle_type": f.vehicle_type.to_numpy(),
            "first_registered_date": fmt_date(f.first_registered_date), "status": f.status.to_numpy(),
        })

    def swj_sr(self) -> pd.DataFrame:
        f = self.c.facts["swj_sr"].copy()
        f["_id"] = self.ids[f.pid.to_numpy()]
        f = f.sort_values(["tax_year", "_id"], ascending=[False, True], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("swj_sr", pid, {
            "id_number": ids, "name": names, "tax_year": fmt_int(f.tax_year), "income": fmt_amount(f.income, 2),
            "tax_paid": fmt_amount(f.tax_paid, 2),
        })

    def gjj_jc(self) -> pd.DataFrame:
        f = self.c.facts["gjj_jc"].sort_values(["employer", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("gjj_jc", pid, {
            "id_number": ids, "name": names, "employer": f.employer.to_numpy(),
            "contribution_base": fmt_amount(f.contribution_base, 2), "fund_status": f.fund_status.to_numpy(),
            "last_paid_month": fmt_month(f.last_paid_month),
        })

    def fy_sxr(self) -> pd.DataFrame:
        f = self.c.facts["fy_sxr"].sort_values(["filed_date", "case_no"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("fy_sxr", pid, {
            "case_no": f.case_no.to_numpy(), "name": names, "id_number": ids, "filed_date": fmt_date(f.filed_date),
            "performance": f.performance.to_numpy(),
        })

    def sfj_jz(self) -> pd.DataFrame:
        f = self.c.facts["sfj_jz"].sort_values(["start_date", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("sfj_jz", pid, {
            "id_number": ids, "name": names, "correction_type": f.correction_type.to_numpy(),
            "start_date": fmt_date(f.start_date), "end_date": fmt_date(f.end_date),
        })

    def tyjr_yf(self) -> pd.DataFrame:
        f = self.c.facts["tyjr_yf"].copy()
        f["_town"] = self.town[f.pid.to_numpy()]
        f = f.sort_values(["_town", "veteran_category", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("tyjr_yf", pid, {
            "name": names, "id_number": ids, "veteran_category": f.veteran_category.to_numpy(),
            "monthly_allowance": fmt_amount(f.monthly_allowance),
        })

    def zgh_knzg(self) -> pd.DataFrame:
        f = self.c.facts["zgh_knzg"].sort_values(["filed_date", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("zgh_knzg", pid, {
            "name": names, "id_number": ids, "employer": f.employer.to_numpy(),
            "hardship_type": f.hardship_type.to_numpy(), "filed_date": fmt_date(f.filed_date),
        })

    def yjj_sz(self, f: pd.DataFrame) -> pd.DataFrame:
        f = f.sort_values(["disaster_date", "disaster_no", "pid"], kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("yjj_sz", pid, {
            "disaster_no": f.disaster_no.to_numpy(), "id_number": ids, "name": names,
            "disaster_type": f.disaster_type.to_numpy(), "disaster_date": fmt_date(f.disaster_date),
            "loss_type": f.loss_type.to_numpy(), "estimated_loss": fmt_amount(f.estimated_loss),
        })

    def bzs_hh(self, f: pd.DataFrame) -> pd.DataFrame:
        f = f.sort_values("cremation_no", kind="stable")
        pid = f.pid.to_numpy()
        ids, names = self.person_cols(pid)
        return self.frame("bzs_hh", pid, {
            "cremation_no": f.cremation_no.to_numpy(), "name": names, "id_number": ids,
            "death_date": fmt_date(f.death_date), "cremation_date": fmt_date(f.cremation_date),
        })


def number_settlements(df: pd.DataFrame, start: int) -> pd.DataFrame:
    """结算单号 in date order: 'JS' + settlement date + a county-wide sequence."""
    when = df.discharge_date.to_numpy().astype("datetime64[D]")
    when = np.where(np.isnat(when), df.admission_date.to_numpy().astype("datetime64[D]"), when)
    df = df.assign(_when=when).sort_values(["_when", "pid"], kind="stable")
    if len(df) == 0:
        return df.drop(columns="_when").assign(settlement_no=pd.Series([], dtype=object)).reset_index(drop=True)
    seq = np.arange(start, start + len(df))
    ymd = pd.Series(df._when.to_numpy()).dt.strftime("%Y%m%d").to_numpy().astype(str)
    df["settlement_no"] = np.char.add(np.char.add("JS371426", ymd), np.char.zfill(seq.astype(str), 8)).astype(object)
    return df.drop(columns="_when").reset_index(drop=True)


def number_cremations(df: pd.DataFrame, start: int) -> pd.DataFrame:
    """火化证号: 'PYHH' + cremation year + a sequence in cremation order."""
    df = df.sort_values(["cremation_date", "pid"], kind="stable")
    if len(df) == 0:
        return df.assign(cremation_no=pd.Series([], dtype=object)).reset_index(drop=True)
    seq = np.arange(start, start + len(df))
    years = pd.Series(df.cremation_date.to_numpy().astype("datetime64[D]")).dt.year.to_numpy().astype(str)
    df = df.copy()
    df["cremation_no"] = np.char.add(np.char.add("PYHH", years), np.char.zfill(seq.astype(str), 6)).astype(object)
    return df.reset_index(drop=True)
