-- rules.household_facts_housing: facts of the housing rules (HOUSING_RURAL_RENO,
-- RENT_SUBSIDY, PUBLIC_RENTAL, DIS_HOME_ACCESS ...), one row per 户号 of
-- rules.household_facts, joined into rules.v_household (and v_person) by
-- household_no.
--
-- 住建's rows reach a household through the person they name (their 户号 in
-- the register), else through the 户号 written on the row. hs_grade: the
-- latest 房屋安全等级 (by 鉴定日期) with hs_assessment_date; hs_public_rental /
-- hs_rent_subsidy: a row says 公租房 / 租赁补贴 是 (the receipts of
-- PUBLIC_RENTAL and RENT_SUBSIDY); hs_benefits: the 低保/特困/低保边缘 benefits
-- members are paid, worded for a reason; hs_sev_access: a member SEV with a
-- 肢体 or 视力 certificate (DIS_HOME_ACCESS). For MICROCREDIT (the family's
-- household facts live here too): mc_emp_member, a member aged 18-65 EMP;
-- mc_defaulter, a member on 法院's list with 履行情况 未履行. ev_housing,
-- ev_rent, ev_hs_benefit, ev_hs_sev_access, ev_mc_emp, ev_mc_defaulter: their
-- source rows.
WITH housing AS (
    SELECT coalesce(p.household_no, z.household_no) AS household_no, z.*EXCLUDE (household_no)
    FROM staging.stg_zjj_zf AS z
    LEFT JOIN core.person AS p ON p.id_number = z.id_number
    WHERE coalesce(p.household_no, z.household_no) IS NOT NULL
),

grade AS (
    SELECT household_no, house_safety_grade AS hs_grade, assessment_date AS hs_assessment_date,
           [{'source': _source, 'file': _file, 'row': _row}] AS ev_housing
    FROM housing
    WHERE house_safety_grade IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY household_no
                               ORDER BY assessment_date DESC NULLS LAST, _file DESC, _row DESC) = 1
),

rent AS (
    SELECT household_no,
           bool_or(public_rental = '是') AS hs_public_rental,
           bool_or(rent_subsidy = '是') AS hs_rent_subsidy,
           list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row)
               FILTER (WHERE public_rental = '是' OR rent_subsidy = '是') AS ev_rent
    FROM housing
    GROUP BY household_no
),

benefits AS (
    SELECT
        m.household_no,
        string_agg(DISTINCT b.benefit_category, '、' ORDER BY b.benefit_category) AS hs_benefits,
        list({'source': b._source, 'file': b._file, 'row': b._row} ORDER BY b._file, b._row) AS ev_hs_benefit
    FROM core.membership AS m
    JOIN core.benefit AS b ON b.id_number = m.id_number
    WHERE m.in_hh
      AND b.policy_code IN ('DB_URBAN', 'DB_RURAL', 'TK_URBAN', 'TK_RURAL', 'DB_EDGE')
    GROUP BY m.household_no
),

sev_access AS (
    SELECT
        m.household_no,
        string_agg(DISTINCT d.disability_grade || d.disability_type, '、'
                   ORDER BY d.disability_grade || d.disability_type) AS hs_sev_access_text,
        list({'source': d._source, 'file': d._file, 'row': d._row} ORDER BY d._file, d._row) AS ev_hs_sev_access
    FROM core.membership AS m
    JOIN core.disability AS d ON d.id_number = m.id_number
    WHERE m.in_hh AND d.is_severe AND d.disability_type IN ('肢体', '视力')
    GROUP BY m.household_no
),

working AS (
    SELECT
        m.household_no,
        list({'source': e._source, 'file': e._file, 'row': e._row} ORDER BY e._file, e._row) AS ev_mc_emp
    FROM core.membership AS m
    JOIN core.employment AS e ON e.id_number = m.id_number
    WHERE m.in_hh AND m.age BETWEEN 18 AND 65 AND e.is_employed
    GROUP BY m.household_no
),

defaulters AS (
    SELECT
        m.household_no,
        list({'source': f._source, 'file': f._file, 'row': f._row} ORDER BY f._file, f._row) AS ev_mc_defaulter
    FROM core.membership AS m
    JOIN staging.stg_fy_sxr AS f ON f.id_number = m.id_number
    WHERE m.in_hh AND f.performance = '未履行'
    GROUP BY m.household_no
),

final AS (
    SELECT
        h.household_no,
        g.hs_grade,
        g.hs_assessment_date,
        coalesce(r.hs_public_rental, false) AS hs_public_rental,
        coalesce(r.hs_rent_subsidy, false) AS hs_rent_subsidy,
        b.hs_benefits,
        sa.household_no IS NOT NULL AS hs_sev_access,
        sa.hs_sev_access_text,
        w.household_no IS NOT NULL AS mc_emp_member,
        df.household_no IS NOT NULL AS mc_defaulter,
        coalesce(g.ev_housing, []) AS ev_housing,
        coalesce(r.ev_rent, []) AS ev_rent,
        coalesce(b.ev_hs_benefit, []) AS ev_hs_benefit,
        coalesce(sa.ev_hs_sev_access, []) AS ev_hs_sev_access,
        coalesce(w.ev_mc_emp, []) AS ev_mc_emp,
        coalesce(df.ev_mc_defaulter, []) AS ev_mc_defaulter
    FROM rules.household_facts AS h
    LEFT JOIN grade AS g ON g.household_no = h.household_no
    LEFT JOIN rent AS r ON r.household_no = h.household_no
    LEFT JOIN benefits AS b ON b.household_no = h.household_no
    LEFT JOIN sev_access AS sa ON sa.household_no = h.household_no
    LEFT JOIN working AS w ON w.household_no = h.household_no
    LEFT JOIN defaulters AS df ON df.household_no = h.household_no
)

SELECT * FROM final
