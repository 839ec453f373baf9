-- core.income: the parts of INC(h) of policies.md §2, one row per record, as
-- yearly yuan: 税务 收入额 of the latest 所属年度 in the snapshot (the same Y
-- for everyone), 12 × 人社 月养老金, 12 × 退役军人 月抚恤金. 民政 benefits are
-- not income. Missing amounts are 0 (they add nothing).
WITH latest_tax_year AS (
    SELECT max(tax_year) AS tax_year FROM staging.stg_swj_sr
),

tax AS (
    SELECT
        s.id_number,
        'tax_income' AS income_kind,
        s.tax_year,
        coalesce(s.income, 0)::DECIMAL(14, 2) AS yearly_amount,
        s._source,
        s._file,
        s._row
    FROM staging.stg_swj_sr AS s
    JOIN latest_tax_year AS y ON s.tax_year = y.tax_year
    WHERE s.id_number IS NOT NULL
),

pensions AS (
    SELECT
        id_number,
        'pension' AS income_kind,
        NULL::INTEGER AS tax_year,
        (12 * monthly_pension)::DECIMAL(14, 2) AS yearly_amount,
        _source,
        _file,
        _row
    FROM staging.stg_rsj_jy
    WHERE id_number IS NOT NULL
      AND coalesce(monthly_pension, 0) <> 0
),

veteran_allowances AS (
    SELECT
        id_number,
        'veteran_allowance' AS income_kind,
        NULL::INTEGER AS tax_year,
        (12 * monthly_allowance)::DECIMAL(14, 2) AS yearly_amount,
        _source,
        _file,
        _row
    FROM staging.stg_tyjr_yf
    WHERE id_number IS NOT NULL
      AND coalesce(monthly_allowance, 0) <> 0
)

SELECT * FROM tax
UNION ALL
SELECT * FROM pensions
UNION ALL
SELECT * FROM veteran_allowances
ORDER BY id_number, income_kind, _file, _row
