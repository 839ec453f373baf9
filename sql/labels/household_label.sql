-- labels.household_label: facts about a household, one row per (household,
-- label), in the seven categories of interfaces.md. A label holds only while
-- its fact holds on the run date; `value` is the detail a reader needs (age,
-- grade, disease, amount, date), `as_of` the date the fact dates from, and
-- source_code/_file/_row the source row it rests on.
-- Generated from sql/labels/catalogue.yaml by `python -m transforms.labels`:
-- edit the catalogue and regenerate rather than editing this file
-- (labels.household_label).
--
--   demographic  size, lives_alone, urban, rural, elderly_only
--   disability   severe_disability_member
--   health       household_high_out_of_pocket
--   economic     per_capita_monthly_income, income_below_dibao_line,
--                income_near_dibao_line, assets_over_limit
--   employment   no_working_member
--   assistance   dibao_household, tekun_member, rural_revitalization_registered,
--                monitored_household, house_unsafe, receives_rent_subsidy
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

parameter AS (
    SELECT name, value, text_value FROM ref.parameter
),

-- a fact without a date of its own dates from the extract that states it
extract_date AS (
    SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_bdc_dj
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_bzs_hh
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_cgs_cl
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_clh_cjr
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_fy_sxr
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_gaj_hjrk
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_gjj_jc
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_jtj_xs
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_mzj_jzdx
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_rsj_jy
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_scjg_zt
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_sfj_jz
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_swj_sr
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_tyjr_yf
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_wjw_mb
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_xczx_jc
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_ybj_js
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_yjj_sz
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_zgh_knzg
    UNION ALL SELECT DISTINCT _source, _file, _extract_date FROM staging.stg_zjj_zf
),

-- size: 户内共同生活人数n：户籍状态正常、未死亡、未服刑的成员数。
label_size AS (
    SELECT household_no, size AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.household
),

-- lives_alone: 独居：户内共同生活人数为1人（服刑成员不计入）。
label_lives_alone AS (
    SELECT household_no, size AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.household
    WHERE size = 1
),

-- urban: 城镇户：户主所在村居代码为社区（第10至12位001至099）；值为村居代码。
label_urban AS (
    SELECT household_no, village_code AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.household
    WHERE area = 'urban'
),

-- rural: 农村户：户主所在村居代码为行政村（第10至12位200至399）；值为村居代码。
label_rural AS (
    SELECT household_no, village_code AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.household
    WHERE area = 'rural'
),

-- elderly_only: 纯老年人户：户内共同生活的成员全部年满60周岁；值为人数。
label_elderly_only AS (
    SELECT household_no, count(*) AS value, NULL::DATE AS as_of,
           first(_source ORDER BY age, _file, _row) AS source_code,
           first(_file ORDER BY age, _file, _row) AS _file,
           first(_row ORDER BY age, _file, _row) AS _row
    FROM core.membership
    WHERE counts_in_n
    GROUP BY household_no
    HAVING min(age) >= 60
),

-- severe_disability_member: 户内有持一级或二级残疾证的共同生活成员；值为重度残疾人数。
label_severe_disability_member AS (
    SELECT m.household_no, count(*) AS value, max(d.issue_date) AS as_of,
           first(d._source ORDER BY d.issue_date DESC, d._file, d._row) AS source_code,
           first(d._file ORDER BY d.issue_date DESC, d._file, d._row) AS _file,
           first(d._row ORDER BY d.issue_date DESC, d._file, d._row) AS _row
    FROM core.membership AS m
    JOIN core.disability AS d ON d.id_number = m.id_number
    WHERE m.in_hh AND d.is_severe
    GROUP BY m.household_no
),

-- household_high_out_of_pocket: 全户共同生活成员近一年医保个人自付合计达到灾难性医疗支出标准（参数MED_OOP_THRESHOLD）；值为合计（元）。
label_household_high_out_of_pocket AS (
    SELECT m.household_no, sum(s.out_of_pocket) AS value, max(s.settlement_date) AS as_of,
           first(s._source ORDER BY s.out_of_pocket DESC, s._file, s._row) AS source_code,
           first(s._file ORDER BY s.out_of_pocket DESC, s._file, s._row) AS _file,
           first(s._row ORDER BY s.out_of_pocket DESC, s._file, s._row) AS _row
    FROM core.membership AS m
    JOIN core.medical_settlement AS s ON s.id_number = m.id_number
    WHERE m.in_hh
    GROUP BY m.household_no
    HAVING sum(s.out_of_pocket) >= (SELECT max(value) FROM parameter WHERE name = 'MED_OOP_THRESHOLD')
),

-- per_capita_monthly_income: 家庭人均月收入：全户年收入（税务收入、养老金、抚恤金）÷12÷共同生活人数（元）。
label_per_capita_monthly_income AS (
    SELECT household_no, per_capita_monthly_income AS value, NULL::DATE AS as_of,
           _source AS source_code, _file, _row
    FROM core.household
    WHERE per_capita_monthly_income IS NOT NULL
),

-- income_below_dibao_line: 家庭人均月收入低于本地（城市或农村）低保标准；值为人均月收入（元）。
label_income_below_dibao_line AS (
    SELECT h.household_no, h.per_capita_monthly_income AS value, NULL::DATE AS as_of,
           h._source AS source_code, h._file, h._row
    FROM core.household AS h
    WHERE h.per_capita_monthly_income < CASE h.area
        WHEN 'urban' THEN (SELECT max(value) FROM parameter WHERE name = 'DB_STD_URBAN')
        WHEN 'rural' THEN (SELECT max(value) FROM parameter WHERE name = 'DB_STD_RURAL') END
),

-- income_near_dibao_line: 家庭人均月收入不低于低保标准、但不超过低保标准的1.5倍（低保边缘收入段，参数DB_EDGE_FACTOR）；值为人均月收入（元）。
label_income_near_dibao_line AS (
    WITH standard AS (
        SELECT h.*, CASE h.area
            WHEN 'urban' THEN (SELECT max(value) FROM parameter WHERE name = 'DB_STD_URBAN')
            WHEN 'rural' THEN (SELECT max(value) FROM parameter WHERE name = 'DB_STD_RURAL') END AS std
        FROM core.household AS h
    )
    SELECT household_no, per_capita_monthly_income AS value, NULL::DATE AS as_of,
           _source AS source_code, _file, _row
    FROM standard
    WHERE per_capita_monthly_income BETWEEN std
          AND std * (SELECT max(value) FROM parameter WHERE name = 'DB_EDGE_FACTOR')
),

-- assets_over_limit: 共同生活成员名下财产超出低保财产标准：非豁免车辆、多于1套住宅、商业用房、注册资本10万元以上的存续企业或高基数公积金，任一即是；值为最近登记的一项超标财产。
label_assets_over_limit AS (
    WITH member_assets AS (
        SELECT m.household_no, a.*
        FROM core.membership AS m
        JOIN core.asset AS a ON a.id_number = m.id_number
        WHERE m.in_hh
    ),
    residences AS (
        SELECT household_no, count(*) AS units
        FROM member_assets
        WHERE asset_kind = 'residence'
        GROUP BY household_no
    ),
    failing AS (
        SELECT a.*
        FROM member_assets AS a
        LEFT JOIN residences AS r ON r.household_no = a.household_no
        WHERE a.over_limit
           OR (a.asset_kind = 'residence'
               AND r.units > (SELECT max(value) FROM parameter WHERE name = 'RESIDENTIAL_MAX'))
    )
    SELECT household_no,
           CASE asset_kind WHEN 'residence' THEN '多套住宅' WHEN 'commercial_property' THEN '商业用房'
                           WHEN 'vehicle' THEN '车辆：' || detail WHEN 'business' THEN '企业：' || detail
                           WHEN 'housing_fund' THEN '公积金' ELSE asset_kind END AS value,
           dated AS as_of, _source AS source_code, _file, _row
    FROM failing
),

-- no_working_member: 户内有18至59周岁的劳动年龄成员，但没有一人就业或灵活就业；值为劳动年龄人数。
label_no_working_member AS (
    SELECT m.household_no, count(*) AS value, NULL::DATE AS as_of,
           first(m._source ORDER BY m._file, m._row) AS source_code,
           first(m._file ORDER BY m._file, m._row) AS _file,
           first(m._row ORDER BY m._file, m._row) AS _row
    FROM core.membership AS m
    LEFT JOIN core.employment AS e ON e.id_number = m.id_number
    WHERE m.counts_in_n AND m.age BETWEEN 18 AND 59
    GROUP BY m.household_no
    HAVING NOT bool_or(coalesce(e.is_employed, false))
),

-- dibao_household: 低保户：户内有共同生活成员正在享受城市或农村低保；值为低保类别编码。
label_dibao_household AS (
    SELECT m.household_no, b.policy_code AS value, b.since AS as_of, b._source AS source_code, b._file, b._row
    FROM core.membership AS m
    JOIN core.benefit AS b ON b.id_number = m.id_number
    WHERE m.in_hh AND m.id_number IS NOT NULL
      AND b.policy_code IN ('DB_URBAN', 'DB_RURAL')
    QUALIFY row_number() OVER (PARTITION BY m.household_no ORDER BY b.policy_code, b._file, b._row) = 1
),

-- tekun_member: 户内有共同生活成员正在享受城市或农村特困人员救助供养；值为特困类别编码。
label_tekun_member AS (
    SELECT m.household_no, b.policy_code AS value, b.since AS as_of, b._source AS source_code, b._file, b._row
    FROM core.membership AS m
    JOIN core.benefit AS b ON b.id_number = m.id_number
    WHERE m.in_hh AND m.id_number IS NOT NULL
      AND b.policy_code IN ('TK_URBAN', 'TK_RURAL')
    QUALIFY row_number() OVER (PARTITION BY m.household_no ORDER BY b.policy_code, b._file, b._row) = 1
),

-- rural_revitalization_registered: 在乡村振兴局脱贫户或监测对象名单中（按户号或户主身份证号对应）；值为户类型。
label_rural_revitalization_registered AS (
    SELECT coalesce(h.household_no, p.household_no) AS household_no, x.household_type AS value,
           x.identified_date AS as_of, x._source AS source_code, x._file, x._row
    FROM staging.stg_xczx_jc AS x
    LEFT JOIN core.household AS h ON h.household_no = x.household_no
    LEFT JOIN core.person AS p ON p.id_number = x.id_number
    WHERE coalesce(h.household_no, p.household_no) IS NOT NULL
),

-- monitored_household: 防止返贫监测对象：脱贫户，或风险尚未消除的脱贫不稳定户、边缘易致贫户、突发严重困难户；值为户类型和风险类型。
label_monitored_household AS (
    SELECT coalesce(h.household_no, p.household_no) AS household_no,
           x.household_type || coalesce('（' || x.risk_type || '）', '') AS value,
           x.identified_date AS as_of, x._source AS source_code, x._file, x._row
    FROM staging.stg_xczx_jc AS x
    LEFT JOIN core.household AS h ON h.household_no = x.household_no
    LEFT JOIN core.person AS p ON p.id_number = x.id_number
    WHERE coalesce(h.household_no, p.household_no) IS NOT NULL
      AND (x.household_type = '脱贫户'
           OR (x.household_type IN ('脱贫不稳定户', '边缘易致贫户', '突发严重困难户') AND x.risk_cleared = '否'))
),

-- house_unsafe: 住房安全鉴定为C级或D级危房；值为安全等级。
label_house_unsafe AS (
    SELECT coalesce(h.household_no, p.household_no) AS household_no, z.house_safety_grade AS value,
           z.assessment_date AS as_of, z._source AS source_code, z._file, z._row
    FROM staging.stg_zjj_zf AS z
    LEFT JOIN core.household AS h ON h.household_no = z.household_no
    LEFT JOIN core.person AS p ON p.id_number = z.id_number
    WHERE coalesce(h.household_no, p.household_no) IS NOT NULL
      AND z.house_safety_grade IN ('C', 'D')
),

-- receives_rent_subsidy: 正在享受公租房租赁补贴（住建局记录租赁补贴为是）。
label_receives_rent_subsidy AS (
    SELECT coalesce(h.household_no, p.household_no) AS household_no, z.rent_subsidy AS value,
           z.assessment_date AS as_of, z._source AS source_code, z._file, z._row
    FROM staging.stg_zjj_zf AS z
    LEFT JOIN core.household AS h ON h.household_no = z.household_no
    LEFT JOIN core.person AS p ON p.id_number = z.id_number
    WHERE coalesce(h.household_no, p.household_no) IS NOT NULL
      AND z.rent_subsidy = '是'
),

labelled AS (
    SELECT 'demographic' AS category, 'size' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_size
    UNION ALL
    SELECT 'demographic' AS category, 'lives_alone' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_lives_alone
    UNION ALL
    SELECT 'demographic' AS category, 'urban' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_urban
    UNION ALL
    SELECT 'demographic' AS category, 'rural' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_rural
    UNION ALL
    SELECT 'demographic' AS category, 'elderly_only' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_elderly_only
    UNION ALL
    SELECT 'disability' AS category, 'severe_disability_member' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_severe_disability_member
    UNION ALL
    SELECT 'health' AS category, 'household_high_out_of_pocket' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_household_high_out_of_pocket
    UNION ALL
    SELECT 'economic' AS category, 'per_capita_monthly_income' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_per_capita_monthly_income
    UNION ALL
    SELECT 'economic' AS category, 'income_below_dibao_line' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_income_below_dibao_line
    UNION ALL
    SELECT 'economic' AS category, 'income_near_dibao_line' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_income_near_dibao_line
    UNION ALL
    SELECT 'economic' AS category, 'assets_over_limit' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_assets_over_limit
    UNION ALL
    SELECT 'employment' AS category, 'no_working_member' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_no_working_member
    UNION ALL
    SELECT 'assistance' AS category, 'dibao_household' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_dibao_household
    UNION ALL
    SELECT 'assistance' AS category, 'tekun_member' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_tekun_member
    UNION ALL
    SELECT 'assistance' AS category, 'rural_revitalization_registered' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_rural_revitalization_registered
    UNION ALL
    SELECT 'assistance' AS category, 'monitored_household' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_monitored_household
    UNION ALL
    SELECT 'assistance' AS category, 'house_unsafe' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_house_unsafe
    UNION ALL
    SELECT 'assistance' AS category, 'receives_rent_subsidy' AS label, household_no,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_rent_subsidy
),

final AS (
    SELECT
        l.household_no,
        l.category,
        l.label,
        coalesce(l.value, '是') AS value,
        l.source_code,
        coalesce(l.as_of, f._extract_date) AS as_of,
        l._file,
        l._row
    FROM labelled AS l
    LEFT JOIN extract_date AS f ON f._source = l.source_code AND f._file = l._file
    WHERE l.household_no IN (SELECT household_no FROM core.household)
    QUALIFY row_number() OVER (
        PARTITION BY l.household_no, l.label
        ORDER BY l.as_of DESC NULLS LAST, l._file NULLS LAST, l._row NULLS LAST, l.value
    ) = 1
)

SELECT * FROM final
