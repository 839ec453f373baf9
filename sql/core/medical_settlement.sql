-- core.medical_settlement: 医保 settlements of the last WIN_YEAR days, the
-- window of OOP(p) in policies.md §2: dated by 出院日期 (入院日期 when empty),
-- in (D - WIN_YEAR, D]. OOP(p) = Σ out_of_pocket over a person's rows.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

window_days AS (
    SELECT max(value)::INTEGER AS days FROM ref.parameter WHERE name = 'WIN_YEAR'
),

final AS (
    SELECT
        y.id_number,
        y.settlement_no,
        y.visit_type,
        y.admission_date,
        y.discharge_date,
        coalesce(y.discharge_date, y.admission_date) AS settlement_date,
        y.total_cost,
        y.insurance_paid,
        y.critical_insurance_paid,
        y.medical_aid_paid,
        coalesce(y.out_of_pocket, 0)::DECIMAL(14, 2) AS out_of_pocket,
        y.diagnosis,
        coalesce(y.is_critical_illness = '是', false) AS is_critical_illness,
        y._source,
        y._file,
        y._row
    FROM staging.stg_ybj_js AS y
    CROSS JOIN run
    CROSS JOIN window_days
    WHERE y.id_number IS NOT NULL
      AND coalesce(y.discharge_date, y.admission_date) > run.run_date - window_days.days
      AND coalesce(y.discharge_date, y.admission_date) <= run.run_date
)

SELECT * FROM final
ORDER BY id_number, settlement_date, settlement_no, _file, _row
