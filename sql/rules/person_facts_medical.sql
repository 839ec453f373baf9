-- rules.person_facts_medical: the 医保 settlements behind the medical-aid
-- rules (policies.md §3 rows 23-26), one row per person with a settlement in
-- core.medical_settlement (the last WIN_YEAR days). A settlement "still
-- open" for aid is one with 个人自付 > 0 and 医疗救助支付 0; it is dated by
-- 出院日期 (入院日期 when empty).
--
-- med_inpatient_oop / med_inpatient_count: Σ 个人自付 of 住院 settlements of
--   the last WIN_RECENT days still open for aid (MED_INPATIENT);
-- med_outpatient_oop / _count: the same for 门诊慢特病 (MED_OUTPATIENT_CHRONIC);
-- med_crit_oop / med_crit_count: Σ 个人自付 of 是否大病 是 settlements of the
--   last WIN_YEAR days with 大病保险支付 0 and 个人自付 above
--   CRIT_DEDUCTIBLE_HARD (MED_CRITICAL_TILT);
-- med_aided_year: a settlement of the last WIN_YEAR days with 医疗救助支付 > 0
--   (the receipt of MED_ILLNESS_POOR).
-- Each with its `ev_med_*` source rows.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

p AS (
    SELECT
        max(value) FILTER (WHERE name = 'WIN_RECENT')::INTEGER AS win_recent,
        max(value) FILTER (WHERE name = 'CRIT_DEDUCTIBLE_HARD') AS crit_deductible
    FROM ref.parameter
),

s AS (
    SELECT
        m.*,
        {'source': m._source, 'file': m._file, 'row': m._row} AS ev,
        m.settlement_date > run.run_date - p.win_recent AND m.out_of_pocket > 0 AND m.medical_aid_paid = 0
            AS open_recent,
        m.is_critical_illness AND m.critical_insurance_paid = 0 AND m.out_of_pocket > p.crit_deductible
            AS crit_open
    FROM core.medical_settlement AS m
    CROSS JOIN run
    CROSS JOIN p
),

final AS (
    SELECT
        id_number,
        coalesce(sum(out_of_pocket) FILTER (WHERE open_recent AND visit_type = '住院'), 0)::DECIMAL(14, 2)
            AS med_inpatient_oop,
        count(*) FILTER (WHERE open_recent AND visit_type = '住院') AS med_inpatient_count,
        max(settlement_date) FILTER (WHERE open_recent AND visit_type = '住院') AS med_inpatient_last,
        coalesce(sum(out_of_pocket) FILTER (WHERE open_recent AND visit_type = '门诊慢特病'), 0)::DECIMAL(14, 2)
            AS med_outpatient_oop,
        count(*) FILTER (WHERE open_recent AND visit_type = '门诊慢特病') AS med_outpatient_count,
        max(settlement_date) FILTER (WHERE open_recent AND visit_type = '门诊慢特病') AS med_outpatient_last,
        coalesce(sum(out_of_pocket) FILTER (WHERE crit_open), 0)::DECIMAL(14, 2) AS med_crit_oop,
        count(*) FILTER (WHERE crit_open) AS med_crit_count,
        coalesce(bool_or(medical_aid_paid > 0), false) AS med_aided_year,
        coalesce(list(ev ORDER BY _file, _row) FILTER (WHERE open_recent AND visit_type = '住院'), [])
            AS ev_med_inpatient,
        coalesce(list(ev ORDER BY _file, _row) FILTER (WHERE open_recent AND visit_type = '门诊慢特病'), [])
            AS ev_med_outpatient,
        coalesce(list(ev ORDER BY _file, _row) FILTER (WHERE crit_open), []) AS ev_med_crit
    FROM s
    GROUP BY id_number
)

SELECT * FROM final
