-- core.asset: what the county's people own or run, one row per record of the
-- asset registers (不动产 bdc_dj, 车管 cgs_cl, 市场监管 scjg_zt, 公积金 gjj_jc),
-- kept only for people in core.person: these registers cover people far
-- beyond the county.
--
-- asset_kind: residence / commercial_property / other_property (房屋用途),
-- vehicle, business (as 法定代表人), housing_fund. in_force: the record
-- counts today (vehicle 状态 正常, business 登记状态 存续, fund 缴存状态 正常
-- and 最近缴存年月 within GJJ_ACTIVE_MONTHS; property always). over_limit:
-- the record alone fails ASSET_OK of policies.md §2 (a vehicle in force not
-- of a VEHICLE_EXEMPT type, any 商业 property, a business in force with
-- 注册资本 >= BIZ_CAPITAL_MAX, an active fund whose 缴存基数 exceeds
-- GJJ_BASE_FACTOR x STD(h) of the owner's household). The 住宅 count against
-- RESIDENTIAL_MAX is over the household, so no residence is over_limit alone.
-- dated: the date the record states (登记日期, 初次登记日期, 成立日期, 最近缴存年月).
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

parameter AS (
    SELECT name, value, text_value FROM ref.parameter
),

exempt_vehicle AS (
    SELECT DISTINCT trim(unnest(string_split(text_value, '|'))) AS vehicle_type
    FROM parameter
    WHERE name = 'VEHICLE_EXEMPT'
),

county_people AS (
    SELECT id_number FROM core.person
),

household_standard AS (
    -- STD(h) of the household a person lives in (HH(h)), by URBAN/RURAL
    SELECT
        m.id_number,
        CASE h.area
            WHEN 'urban' THEN (SELECT max(value) FROM parameter WHERE name = 'DB_STD_URBAN')
            WHEN 'rural' THEN (SELECT max(value) FROM parameter WHERE name = 'DB_STD_RURAL')
        END AS standard
    FROM core.membership AS m
    JOIN core.household AS h ON h.household_no = m.household_no
    WHERE m.in_hh AND m.id_number IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY m.id_number ORDER BY m._file DESC, m._row DESC) = 1
),

property AS (
    SELECT
        id_number,
        CASE usage WHEN '住宅' THEN 'residence' WHEN '商业' THEN 'commercial_property'
                   ELSE 'other_property' END AS asset_kind,
        unit_no AS asset_no,
        usage AS detail,
        floor_area AS amount,
        '平方米' AS unit,
        true AS in_force,
        coalesce(usage = '商业', false) AS over_limit,
        registered_date AS dated,
        _source, _file, _row
    FROM staging.stg_bdc_dj
),

vehicle AS (
    SELECT
        id_number,
        'vehicle' AS asset_kind,
        plate_no AS asset_no,
        vehicle_type AS detail,
        NULL::DECIMAL(14, 2) AS amount,
        NULL AS unit,
        coalesce(status = '正常', false) AS in_force,
        coalesce(status = '正常' AND vehicle_type NOT IN (SELECT vehicle_type FROM exempt_vehicle), false)
            AS over_limit,
        first_registered_date AS dated,
        _source, _file, _row
    FROM staging.stg_cgs_cl
),

business AS (
    SELECT
        id_number,
        'business' AS asset_kind,
        credit_code AS asset_no,
        entity_name AS detail,
        registered_capital_wan AS amount,
        '万元' AS unit,
        coalesce(registration_status = '存续', false) AS in_force,
        coalesce(registration_status = '存续'
                 AND registered_capital_wan >= (SELECT max(value) FROM parameter WHERE name = 'BIZ_CAPITAL_MAX'),
                 false) AS over_limit,
        established_date AS dated,
        _source, _file, _row
    FROM staging.stg_scjg_zt
),

housing_fund AS (
    SELECT
        g.id_number,
        'housing_fund' AS asset_kind,
        NULL AS asset_no,
        g.employer AS detail,
        g.contribution_base AS amount,
        '元/月' AS unit,
        coalesce(g.fund_status = '正常'
                 AND g.last_paid_month > run.run_date
                     - to_months((SELECT max(value) FROM parameter WHERE name = 'GJJ_ACTIVE_MONTHS')::INTEGER),
                 false) AS in_force,
        NULL::BOOLEAN AS over_limit,
        g.last_paid_month AS dated,
        g._source, g._file, g._row
    FROM staging.stg_gjj_jc AS g
    CROSS JOIN run
),

housing_fund_checked AS (
    SELECT
        f.* EXCLUDE (over_limit),
        coalesce(f.in_force
                 AND f.amount > (SELECT max(value) FROM parameter WHERE name = 'GJJ_BASE_FACTOR') * s.standard,
                 false) AS over_limit
    FROM housing_fund AS f
    LEFT JOIN household_standard AS s ON s.id_number = f.id_number
),

final AS (
    SELECT * FROM property
    UNION ALL BY NAME SELECT * FROM vehicle
    UNION ALL BY NAME SELECT * FROM business
    UNION ALL BY NAME SELECT * FROM housing_fund_checked
)

SELECT
    id_number, asset_kind, asset_no, detail, amount, unit, in_force, over_limit, dated,
    _source, _file, _row
FROM final
WHERE id_number IN (SELECT id_number FROM county_people)
ORDER BY id_number, asset_kind, asset_no, _file, _row
