-- labels.person_label: facts about a person, one row per (person, label), in
-- the seven categories of interfaces.md. A label holds only while its fact
-- holds on the run date; `value` is the detail a reader needs (age, grade,
-- disease, amount, date), `as_of` the date the fact dates from, and
-- source_code/_file/_row the source row it rests on.
-- Generated from sql/labels/catalogue.yaml by `python -m transforms.labels`:
-- edit the catalogue and regenerate rather than editing this file
-- (labels.person_label).
--
--   demographic  minor, working_age, aged_60_plus, aged_80_plus, aged_90_plus, deceased,
--                in_prison, community_correction, moved_away, not_in_register
--   disability   disabled, severe_disability, nursing_grade, intellectual_or_mental,
--                physical_or_sensory, disabled_child, disabled_student
--   health       serious_illness, chronic_disease_managed, inpatient_last_year,
--                chronic_outpatient_last_year, critical_illness_settlement,
--                high_out_of_pocket
--   economic     taxed_income, owns_residence, owns_multiple_residences,
--                owns_commercial_property, owns_vehicle, business_owner,
--                business_capital_large, housing_fund_active, housing_fund_above_limit,
--                court_defaulter
--   employment   employed, unemployed_registered, not_employed,
--                employee_pension_insured, resident_pension_insured, pension_uninsured,
--                receives_pension, job_refusals, hardship_worker
--   education    student, preschool, primary_school, junior_school, high_school,
--                vocational_school, college, new_college_student,
--                receives_education_aid, school_age_not_enrolled
--   assistance   receives_db_urban, receives_db_rural, receives_tk_urban,
--                receives_tk_rural, receives_db_edge, receives_orphan,
--                receives_fact_unsupported_child, receives_child_difficulty,
--                receives_temp_expense, receives_high_age, receives_elder_econ,
--                receives_elder_care, receives_dis_living, receives_dis_nursing,
--                receives_college_new_db, receives_public_job, veteran_entitled,
--                disaster_affected
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

-- minor: 未满18周岁的未成年人（按身份证号中的出生日期计算年龄）。
label_minor AS (
    SELECT id_number, age AS value, birth_date AS as_of, _source AS source_code, _file, _row
    FROM core.person
    WHERE age < 18
),

-- working_age: 年满18周岁、未满60周岁的劳动年龄人口。
label_working_age AS (
    SELECT id_number, age AS value, (birth_date + INTERVAL 18 YEAR)::DATE AS as_of,
           _source AS source_code, _file, _row
    FROM core.person
    WHERE age BETWEEN 18 AND 59
),

-- aged_60_plus: 年满60周岁的老年人。
label_aged_60_plus AS (
    SELECT id_number, age AS value, (birth_date + INTERVAL 60 YEAR)::DATE AS as_of,
           _source AS source_code, _file, _row
    FROM core.person
    WHERE age >= 60
),

-- aged_80_plus: 年满80周岁的高龄老人（高龄津贴的年龄条件）。
label_aged_80_plus AS (
    SELECT id_number, age AS value, (birth_date + INTERVAL 80 YEAR)::DATE AS as_of,
           _source AS source_code, _file, _row
    FROM core.person
    WHERE age >= 80
),

-- aged_90_plus: 年满90周岁的老人（高龄津贴按90岁档发放）。
label_aged_90_plus AS (
    SELECT id_number, age AS value, (birth_date + INTERVAL 90 YEAR)::DATE AS as_of,
           _source AS source_code, _file, _row
    FROM core.person
    WHERE age >= 90
),

-- deceased: 已死亡：户籍登记为死亡，或殡葬管理所有其火化记录；值为死亡日期。
label_deceased AS (
    SELECT id_number, strftime(death_date, '%Y-%m-%d') AS value, death_date AS as_of,
           death_source AS source_code, death_file AS _file, death_row AS _row
    FROM core.person
    WHERE is_dead
),

-- in_prison: 正在服刑（司法局记录类型为服刑，已开始且未结束）；值为开始日期。
label_in_prison AS (
    SELECT id_number, strftime(start_date, '%Y-%m-%d') AS value, start_date AS as_of,
           _source AS source_code, _file, _row
    FROM core.jail
),

-- community_correction: 正在接受社区矫正（已开始且未结束）；值为矫正起止日期。
label_community_correction AS (
    SELECT s.id_number,
           strftime(s.start_date, '%Y-%m-%d') || '至' || coalesce(strftime(s.end_date, '%Y-%m-%d'), '') AS value,
           s.start_date AS as_of, s._source AS source_code, s._file, s._row
    FROM staging.stg_sfj_jz AS s
    CROSS JOIN run
    WHERE s.correction_type = '社区矫正'
      AND s.start_date <= run.run_date
      AND (s.end_date IS NULL OR s.end_date > run.run_date)
),

-- moved_away: 户籍已迁出，或户籍已注销但并非死亡；值为户籍状态。
label_moved_away AS (
    SELECT id_number, register_status AS value, change_date AS as_of, _source AS source_code, _file, _row
    FROM core.person
    WHERE in_household_register
      AND (register_status = '迁出' OR (register_status = '注销' AND NOT is_dead))
),

-- not_in_register: 其他部门名单中有此人，但本县户籍登记中查无此身份证号；值为最先发现的部门。
label_not_in_register AS (
    SELECT id_number, _source AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.person
    WHERE NOT in_household_register
),

-- disabled: 持有有效的残疾人证（任一等级）；值为残疾类别和等级。
label_disabled AS (
    SELECT id_number, disability_type || disability_grade AS value, issue_date AS as_of,
           _source AS source_code, _file, _row
    FROM core.disability
),

-- severe_disability: 持有一级或二级残疾证（重度残疾）；值为残疾等级。
label_severe_disability AS (
    SELECT id_number, disability_grade AS value, issue_date AS as_of, _source AS source_code, _file, _row
    FROM core.disability
    WHERE is_severe
),

-- nursing_grade: 符合护理补贴的残疾等级：一级、二级，或三级智力、精神残疾。
label_nursing_grade AS (
    SELECT id_number, disability_type || disability_grade AS value, issue_date AS as_of,
           _source AS source_code, _file, _row
    FROM core.disability
    WHERE is_nursing_grade
),

-- intellectual_or_mental: 持有效残疾证，残疾类别为智力或精神残疾。
label_intellectual_or_mental AS (
    SELECT id_number, disability_type || disability_grade AS value, issue_date AS as_of,
           _source AS source_code, _file, _row
    FROM core.disability
    WHERE disability_type IN ('智力', '精神')
),

-- physical_or_sensory: 持有效残疾证，残疾类别为肢体、视力、听力或言语残疾（可申请辅助器具）。
label_physical_or_sensory AS (
    SELECT id_number, disability_type || disability_grade AS value, issue_date AS as_of,
           _source AS source_code, _file, _row
    FROM core.disability
    WHERE disability_type IN ('肢体', '视力', '听力', '言语')
),

-- disabled_child: 持有效残疾证的未满18周岁儿童；值为残疾类别、等级和年龄。
label_disabled_child AS (
    SELECT d.id_number, d.disability_type || d.disability_grade || '，' || p.age || '岁' AS value,
           d.issue_date AS as_of, d._source AS source_code, d._file, d._row
    FROM core.disability AS d
    JOIN core.person AS p ON p.id_number = d.id_number
    WHERE p.age < 18
),

-- disabled_student: 持有效残疾证的在校学生；值为残疾等级和学段。
label_disabled_student AS (
    SELECT d.id_number, d.disability_type || d.disability_grade || '，' || s.school_level AS value,
           d.issue_date AS as_of, d._source AS source_code, d._file, d._row
    FROM core.disability AS d
    JOIN core.student AS s ON s.id_number = d.id_number
),

-- serious_illness: 患重特大疾病：卫健委登记的在管重病（恶性肿瘤、尿毒症、严重精神障碍等），或近一年医保结算为大病；值为病种。
label_serious_illness AS (
    SELECT id_number, disease AS value, evidence_date AS as_of, _source AS source_code, _file, _row
    FROM core.illness
    -- the chronic-disease register names the disease; a settlement only shows it was 大病
    QUALIFY row_number() OVER (
        PARTITION BY id_number ORDER BY illness_source DESC, evidence_date DESC NULLS LAST, _file, _row
    ) = 1
),

-- chronic_disease_managed: 在卫健委慢病或严重精神障碍登记中处于在管状态（未结案、未死亡）；值为病种。
label_chronic_disease_managed AS (
    SELECT id_number, disease AS value, registered_date AS as_of, _source AS source_code, _file, _row
    FROM staging.stg_wjw_mb
    WHERE id_number IS NOT NULL
      AND NOT coalesce(management_status LIKE '%结案%' OR management_status LIKE '%死亡%', false)
),

-- inpatient_last_year: 近一年内有住院医保结算；值为住院次数。
label_inpatient_last_year AS (
    SELECT id_number, count(*) AS value, max(settlement_date) AS as_of,
           first(_source ORDER BY settlement_date DESC, _file, _row) AS source_code,
           first(_file ORDER BY settlement_date DESC, _file, _row) AS _file,
           first(_row ORDER BY settlement_date DESC, _file, _row) AS _row
    FROM core.medical_settlement
    WHERE visit_type = '住院'
    GROUP BY id_number
),

-- chronic_outpatient_last_year: 近一年内有门诊慢特病医保结算；值为结算次数。
label_chronic_outpatient_last_year AS (
    SELECT id_number, count(*) AS value, max(settlement_date) AS as_of,
           first(_source ORDER BY settlement_date DESC, _file, _row) AS source_code,
           first(_file ORDER BY settlement_date DESC, _file, _row) AS _file,
           first(_row ORDER BY settlement_date DESC, _file, _row) AS _row
    FROM core.medical_settlement
    WHERE visit_type = '门诊慢特病'
    GROUP BY id_number
),

-- critical_illness_settlement: 近一年内有医保结算标记为大病；值为主要诊断。
label_critical_illness_settlement AS (
    SELECT id_number, coalesce(diagnosis, '大病') AS value, settlement_date AS as_of,
           _source AS source_code, _file, _row
    FROM core.medical_settlement
    WHERE is_critical_illness
),

-- high_out_of_pocket: 近一年医保结算个人自付合计达到灾难性医疗支出标准（参数MED_OOP_THRESHOLD，3万元）；值为自付合计（元）。
label_high_out_of_pocket AS (
    SELECT id_number, sum(out_of_pocket) AS value, max(settlement_date) AS as_of,
           first(_source ORDER BY out_of_pocket DESC, _file, _row) AS source_code,
           first(_file ORDER BY out_of_pocket DESC, _file, _row) AS _file,
           first(_row ORDER BY out_of_pocket DESC, _file, _row) AS _row
    FROM core.medical_settlement
    GROUP BY id_number
    HAVING sum(out_of_pocket) >= (SELECT max(value) FROM parameter WHERE name = 'MED_OOP_THRESHOLD')
),

-- taxed_income: 税务部门有最近纳税年度的个人收入记录；值为年收入额（元）。
label_taxed_income AS (
    SELECT id_number, yearly_amount AS value, make_date(tax_year, 12, 31) AS as_of,
           _source AS source_code, _file, _row
    FROM core.income
    WHERE income_kind = 'tax_income'
),

-- owns_residence: 名下登记有住宅用途的不动产；值为住宅套数。
label_owns_residence AS (
    SELECT id_number, count(*) AS value, max(dated) AS as_of,
           first(_source ORDER BY dated DESC NULLS LAST, _file, _row) AS source_code,
           first(_file ORDER BY dated DESC NULLS LAST, _file, _row) AS _file,
           first(_row ORDER BY dated DESC NULLS LAST, _file, _row) AS _row
    FROM core.asset
    WHERE asset_kind = 'residence'
    GROUP BY id_number
),

-- owns_multiple_residences: 名下住宅超过低保财产标准允许的套数（参数RESIDENTIAL_MAX，1套）；值为套数。
label_owns_multiple_residences AS (
    SELECT id_number, count(*) AS value, max(dated) AS as_of,
           first(_source ORDER BY dated DESC NULLS LAST, _file, _row) AS source_code,
           first(_file ORDER BY dated DESC NULLS LAST, _file, _row) AS _file,
           first(_row ORDER BY dated DESC NULLS LAST, _file, _row) AS _row
    FROM core.asset
    WHERE asset_kind = 'residence'
    GROUP BY id_number
    HAVING count(*) > (SELECT max(value) FROM parameter WHERE name = 'RESIDENTIAL_MAX')
),

-- owns_commercial_property: 名下登记有商业用途的不动产（商铺等）；值为建筑面积（平方米）。
label_owns_commercial_property AS (
    SELECT id_number, amount AS value, dated AS as_of, _source AS source_code, _file, _row
    FROM core.asset
    WHERE asset_kind = 'commercial_property'
),

-- owns_vehicle: 名下有状态正常的机动车，且不是三轮汽车、低速货车、摩托车等豁免车型（参数VEHICLE_EXEMPT）；值为车辆类型。
label_owns_vehicle AS (
    SELECT id_number, detail AS value, dated AS as_of, _source AS source_code, _file, _row
    FROM core.asset
    WHERE asset_kind = 'vehicle' AND over_limit
),

-- business_owner: 担任登记状态为存续的市场主体（企业、个体户）的法定代表人；值为主体名称。
label_business_owner AS (
    SELECT id_number, detail AS value, dated AS as_of, _source AS source_code, _file, _row
    FROM core.asset
    WHERE asset_kind = 'business' AND in_force
),

-- business_capital_large: 担任法定代表人的存续市场主体注册资本达到10万元以上（参数BIZ_CAPITAL_MAX）；值为注册资本（万元）。
label_business_capital_large AS (
    SELECT id_number, amount AS value, dated AS as_of, _source AS source_code, _file, _row
    FROM core.asset
    WHERE asset_kind = 'business' AND over_limit
),

-- housing_fund_active: 住房公积金缴存状态正常且最近3个月内仍在缴存（参数GJJ_ACTIVE_MONTHS）；值为缴存基数（元）。
label_housing_fund_active AS (
    SELECT id_number, amount AS value, dated AS as_of, _source AS source_code, _file, _row
    FROM core.asset
    WHERE asset_kind = 'housing_fund' AND in_force
),

-- housing_fund_above_limit: 正常缴存的住房公积金缴存基数高于本户低保标准的2倍（参数GJJ_BASE_FACTOR），不符合低保财产条件；值为缴存基数（元）。
label_housing_fund_above_limit AS (
    SELECT id_number, amount AS value, dated AS as_of, _source AS source_code, _file, _row
    FROM core.asset
    WHERE asset_kind = 'housing_fund' AND over_limit
),

-- court_defaulter: 被法院列为失信被执行人，且未履行或仅部分履行；值为履行情况。
label_court_defaulter AS (
    SELECT id_number, performance AS value, filed_date AS as_of, _source AS source_code, _file, _row
    FROM staging.stg_fy_sxr
    WHERE id_number IS NOT NULL
      AND performance IN ('未履行', '部分履行')
),

-- employed: 人社登记为就业或灵活就业；值为就业状态。
label_employed AS (
    SELECT id_number, employment_status AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE is_employed
),

-- unemployed_registered: 在人社部门办理了失业登记；值为失业登记日期。
label_unemployed_registered AS (
    SELECT id_number, coalesce(strftime(unemployment_date, '%Y-%m-%d'), '失业登记') AS value,
           unemployment_date AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE is_registered_unemployed
),

-- not_employed: 人社记录就业状态为未就业（既未就业也未办理失业登记）。
label_not_employed AS (
    SELECT id_number, employment_status AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE employment_status = '未就业'
),

-- employee_pension_insured: 参加职工基本养老保险。
label_employee_pension_insured AS (
    SELECT id_number, pension_type AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE pension_type = '职工'
),

-- resident_pension_insured: 参加城乡居民基本养老保险。
label_resident_pension_insured AS (
    SELECT id_number, pension_type AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE pension_type = '城乡居民'
),

-- pension_uninsured: 人社记录未参加任何基本养老保险（可由政府代缴城乡居民养老保险）。
label_pension_uninsured AS (
    SELECT id_number, pension_type AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE pension_type = '未参保'
),

-- receives_pension: 正在领取养老金；值为月养老金（元）。
label_receives_pension AS (
    SELECT id_number, monthly_pension AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE monthly_pension > 0
),

-- job_refusals: 无正当理由拒绝人社推荐岗位达到3次（参数JOB_REFUSAL_MAX）；值为拒绝次数。
label_job_refusals AS (
    SELECT id_number, refusals AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.employment
    WHERE refusals >= (SELECT max(value) FROM parameter WHERE name = 'JOB_REFUSAL_MAX')
),

-- hardship_worker: 在总工会建档的困难职工；值为困难类型。
label_hardship_worker AS (
    SELECT id_number, hardship_type AS value, filed_date AS as_of, _source AS source_code, _file, _row
    FROM staging.stg_zgh_knzg
    WHERE id_number IS NOT NULL
),

-- student: 教体局学籍中的在校学生（含幼儿园）；值为学段。
label_student AS (
    SELECT id_number, school_level AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
),

-- preschool: 在读学前教育（幼儿园）；值为学校。
label_preschool AS (
    SELECT id_number, coalesce(school, school_level) AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE school_level = '学前'
),

-- primary_school: 在读小学；值为学校。
label_primary_school AS (
    SELECT id_number, coalesce(school, school_level) AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE school_level = '小学'
),

-- junior_school: 在读初中；值为学校。
label_junior_school AS (
    SELECT id_number, coalesce(school, school_level) AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE school_level = '初中'
),

-- high_school: 在读普通高中；值为学校。
label_high_school AS (
    SELECT id_number, coalesce(school, school_level) AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE school_level = '高中'
),

-- vocational_school: 在读中等职业学校（中职）；值为学校。
label_vocational_school AS (
    SELECT id_number, coalesce(school, school_level) AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE school_level = '中职'
),

-- college: 在读高等学校（大专、本科及以上）；值为学校。
label_college AS (
    SELECT id_number, coalesce(school, school_level) AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE school_level = '高校'
),

-- new_college_student: 本年度新入学的高校学生（大学新生）；值为学校。
label_new_college_student AS (
    SELECT id_number, coalesce(school, school_level) AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE school_level = '高校' AND is_new_student
),

-- receives_education_aid: 学籍中登记了正在享受的学生资助项目；值为资助项目。
label_receives_education_aid AS (
    SELECT id_number, aid_programme AS value, make_date(enrol_year, 9, 1) AS as_of,
           _source AS source_code, _file, _row
    FROM core.student
    WHERE aid_programme IS NOT NULL
),

-- school_age_not_enrolled: 7至15周岁义务教育年龄、户籍在本县且在户，但教体局学籍中没有此人（疑似辍学，需核实）；值为年龄。
label_school_age_not_enrolled AS (
    SELECT id_number, age AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM core.person
    WHERE age BETWEEN 7 AND 15
      AND in_household_register AND register_status = '正常' AND NOT is_dead
      AND id_number NOT IN (SELECT id_number FROM core.student)
),

-- receives_db_urban: 正在享受城市最低生活保障（城市低保）；值为月发放金额（元）。
label_receives_db_urban AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'DB_URBAN'
),

-- receives_db_rural: 正在享受农村最低生活保障（农村低保）；值为月发放金额（元）。
label_receives_db_rural AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'DB_RURAL'
),

-- receives_tk_urban: 正在享受城市特困人员救助供养；值为月发放金额（元）。
label_receives_tk_urban AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'TK_URBAN'
),

-- receives_tk_rural: 正在享受农村特困人员救助供养；值为月发放金额（元）。
label_receives_tk_rural AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'TK_RURAL'
),

-- receives_db_edge: 已认定为低保边缘家庭成员；值为月发放金额（元，通常为0）。
label_receives_db_edge AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'DB_EDGE'
),

-- receives_orphan: 正在领取孤儿基本生活保障金；值为月发放金额（元）。
label_receives_orphan AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'ORPHAN'
),

-- receives_fact_unsupported_child: 正在领取事实无人抚养儿童基本生活费；值为月发放金额（元）。
label_receives_fact_unsupported_child AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'FACT_UNSUPPORTED_CHILD'
),

-- receives_child_difficulty: 正在领取困境儿童基本生活保障；值为月发放金额（元）。
label_receives_child_difficulty AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'CHILD_DIFFICULTY'
),

-- receives_temp_expense: 在民政临时救助名单中；值为救助金额（元）。
label_receives_temp_expense AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'TEMP_EXPENSE'
),

-- receives_high_age: 正在领取高龄津贴；值为月发放金额（元）。
label_receives_high_age AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'HIGH_AGE'
),

-- receives_elder_econ: 正在领取经济困难老年人补贴；值为月发放金额（元）。
label_receives_elder_econ AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'ELDER_ECON'
),

-- receives_elder_care: 正在领取老年人生活护理救助；值为月发放金额（元）。
label_receives_elder_care AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'ELDER_CARE'
),

-- receives_dis_living: 正在领取困难残疾人生活补贴；值为月发放金额（元）。
label_receives_dis_living AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'DIS_LIVING'
),

-- receives_dis_nursing: 正在领取重度残疾人护理补贴；值为月发放金额（元）。
label_receives_dis_nursing AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'DIS_NURSING'
),

-- receives_college_new_db: 已领取低保家庭大学新生救助；值为救助金额（元）。
label_receives_college_new_db AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'COLLEGE_NEW_DB'
),

-- receives_public_job: 在公益性岗位上安置就业（人社记录公益性岗位为是）；值为岗位月工资（元）。
label_receives_public_job AS (
    SELECT id_number, monthly_amount AS value, since AS as_of, _source AS source_code, _file, _row
    FROM core.benefit WHERE policy_code = 'PUBLIC_JOB'
),

-- veteran_entitled: 退役军人事务局登记的优抚对象（伤残军人、在乡复员军人、带病回乡退伍军人、烈士遗属等）；值为优抚类别。
label_veteran_entitled AS (
    SELECT id_number, veteran_category AS value, NULL::DATE AS as_of, _source AS source_code, _file, _row
    FROM staging.stg_tyjr_yf
    WHERE id_number IS NOT NULL
),

-- disaster_affected: 近一年内在应急管理局受灾人员名单中；值为灾害类型和损失类型。
label_disaster_affected AS (
    SELECT y.id_number, y.disaster_type || '：' || coalesce(y.loss_type, '未注明') AS value,
           y.disaster_date AS as_of, y._source AS source_code, y._file, y._row
    FROM staging.stg_yjj_sz AS y
    CROSS JOIN run
    WHERE y.id_number IS NOT NULL
      AND y.disaster_date > run.run_date - (SELECT max(value) FROM parameter WHERE name = 'WIN_YEAR')::INTEGER
      AND y.disaster_date <= run.run_date
),

labelled AS (
    SELECT 'demographic' AS category, 'minor' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_minor
    UNION ALL
    SELECT 'demographic' AS category, 'working_age' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_working_age
    UNION ALL
    SELECT 'demographic' AS category, 'aged_60_plus' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_aged_60_plus
    UNION ALL
    SELECT 'demographic' AS category, 'aged_80_plus' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_aged_80_plus
    UNION ALL
    SELECT 'demographic' AS category, 'aged_90_plus' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_aged_90_plus
    UNION ALL
    SELECT 'demographic' AS category, 'deceased' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_deceased
    UNION ALL
    SELECT 'demographic' AS category, 'in_prison' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_in_prison
    UNION ALL
    SELECT 'demographic' AS category, 'community_correction' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_community_correction
    UNION ALL
    SELECT 'demographic' AS category, 'moved_away' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_moved_away
    UNION ALL
    SELECT 'demographic' AS category, 'not_in_register' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_not_in_register
    UNION ALL
    SELECT 'disability' AS category, 'disabled' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_disabled
    UNION ALL
    SELECT 'disability' AS category, 'severe_disability' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_severe_disability
    UNION ALL
    SELECT 'disability' AS category, 'nursing_grade' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_nursing_grade
    UNION ALL
    SELECT 'disability' AS category, 'intellectual_or_mental' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_intellectual_or_mental
    UNION ALL
    SELECT 'disability' AS category, 'physical_or_sensory' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_physical_or_sensory
    UNION ALL
    SELECT 'disability' AS category, 'disabled_child' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_disabled_child
    UNION ALL
    SELECT 'disability' AS category, 'disabled_student' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_disabled_student
    UNION ALL
    SELECT 'health' AS category, 'serious_illness' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_serious_illness
    UNION ALL
    SELECT 'health' AS category, 'chronic_disease_managed' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_chronic_disease_managed
    UNION ALL
    SELECT 'health' AS category, 'inpatient_last_year' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_inpatient_last_year
    UNION ALL
    SELECT 'health' AS category, 'chronic_outpatient_last_year' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_chronic_outpatient_last_year
    UNION ALL
    SELECT 'health' AS category, 'critical_illness_settlement' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_critical_illness_settlement
    UNION ALL
    SELECT 'health' AS category, 'high_out_of_pocket' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_high_out_of_pocket
    UNION ALL
    SELECT 'economic' AS category, 'taxed_income' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_taxed_income
    UNION ALL
    SELECT 'economic' AS category, 'owns_residence' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_owns_residence
    UNION ALL
    SELECT 'economic' AS category, 'owns_multiple_residences' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_owns_multiple_residences
    UNION ALL
    SELECT 'economic' AS category, 'owns_commercial_property' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_owns_commercial_property
    UNION ALL
    SELECT 'economic' AS category, 'owns_vehicle' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_owns_vehicle
    UNION ALL
    SELECT 'economic' AS category, 'business_owner' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_business_owner
    UNION ALL
    SELECT 'economic' AS category, 'business_capital_large' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_business_capital_large
    UNION ALL
    SELECT 'economic' AS category, 'housing_fund_active' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_housing_fund_active
    UNION ALL
    SELECT 'economic' AS category, 'housing_fund_above_limit' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_housing_fund_above_limit
    UNION ALL
    SELECT 'economic' AS category, 'court_defaulter' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_court_defaulter
    UNION ALL
    SELECT 'employment' AS category, 'employed' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_employed
    UNION ALL
    SELECT 'employment' AS category, 'unemployed_registered' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_unemployed_registered
    UNION ALL
    SELECT 'employment' AS category, 'not_employed' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_not_employed
    UNION ALL
    SELECT 'employment' AS category, 'employee_pension_insured' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_employee_pension_insured
    UNION ALL
    SELECT 'employment' AS category, 'resident_pension_insured' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_resident_pension_insured
    UNION ALL
    SELECT 'employment' AS category, 'pension_uninsured' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_pension_uninsured
    UNION ALL
    SELECT 'employment' AS category, 'receives_pension' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_pension
    UNION ALL
    SELECT 'employment' AS category, 'job_refusals' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_job_refusals
    UNION ALL
    SELECT 'employment' AS category, 'hardship_worker' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_hardship_worker
    UNION ALL
    SELECT 'education' AS category, 'student' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_student
    UNION ALL
    SELECT 'education' AS category, 'preschool' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_preschool
    UNION ALL
    SELECT 'education' AS category, 'primary_school' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_primary_school
    UNION ALL
    SELECT 'education' AS category, 'junior_school' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_junior_school
    UNION ALL
    SELECT 'education' AS category, 'high_school' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_high_school
    UNION ALL
    SELECT 'education' AS category, 'vocational_school' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_vocational_school
    UNION ALL
    SELECT 'education' AS category, 'college' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_college
    UNION ALL
    SELECT 'education' AS category, 'new_college_student' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_new_college_student
    UNION ALL
    SELECT 'education' AS category, 'receives_education_aid' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_education_aid
    UNION ALL
    SELECT 'education' AS category, 'school_age_not_enrolled' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_school_age_not_enrolled
    UNION ALL
    SELECT 'assistance' AS category, 'receives_db_urban' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_db_urban
    UNION ALL
    SELECT 'assistance' AS category, 'receives_db_rural' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_db_rural
    UNION ALL
    SELECT 'assistance' AS category, 'receives_tk_urban' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_tk_urban
    UNION ALL
    SELECT 'assistance' AS category, 'receives_tk_rural' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_tk_rural
    UNION ALL
    SELECT 'assistance' AS category, 'receives_db_edge' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_db_edge
    UNION ALL
    SELECT 'assistance' AS category, 'receives_orphan' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_orphan
    UNION ALL
    SELECT 'assistance' AS category, 'receives_fact_unsupported_child' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_fact_unsupported_child
    UNION ALL
    SELECT 'assistance' AS category, 'receives_child_difficulty' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_child_difficulty
    UNION ALL
    SELECT 'assistance' AS category, 'receives_temp_expense' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_temp_expense
    UNION ALL
    SELECT 'assistance' AS category, 'receives_high_age' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_high_age
    UNION ALL
    SELECT 'assistance' AS category, 'receives_elder_econ' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_elder_econ
    UNION ALL
    SELECT 'assistance' AS category, 'receives_elder_care' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_elder_care
    UNION ALL
    SELECT 'assistance' AS category, 'receives_dis_living' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_dis_living
    UNION ALL
    SELECT 'assistance' AS category, 'receives_dis_nursing' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_dis_nursing
    UNION ALL
    SELECT 'assistance' AS category, 'receives_college_new_db' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_college_new_db
    UNION ALL
    SELECT 'assistance' AS category, 'receives_public_job' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_receives_public_job
    UNION ALL
    SELECT 'assistance' AS category, 'veteran_entitled' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_veteran_entitled
    UNION ALL
    SELECT 'assistance' AS category, 'disaster_affected' AS label, id_number,
           value::VARCHAR AS value, as_of::DATE AS as_of, source_code::VARCHAR AS source_code,
           _file::VARCHAR AS _file, _row::INTEGER AS _row
    FROM label_disaster_affected
),

final AS (
    SELECT
        l.id_number,
        l.category,
        l.label,
        coalesce(l.value, '是') AS value,
        l.source_code,
        coalesce(l.as_of, f._extract_date) AS as_of,
        l._file,
        l._row
    FROM labelled AS l
    LEFT JOIN extract_date AS f ON f._source = l.source_code AND f._file = l._file
    WHERE l.id_number IN (SELECT id_number FROM core.person)
    QUALIFY row_number() OVER (
        PARTITION BY l.id_number, l.label
        ORDER BY l.as_of DESC NULLS LAST, l._file NULLS LAST, l._row NULLS LAST, l.value
    ) = 1
)

SELECT * FROM final
