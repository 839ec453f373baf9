-- core.person: the register, one row per normalised ID number.
--
-- 公安's household register is authoritative for identity, household, address
-- and life status: everyone with a usable ID in stg_gaj_hjrk is here with
-- in_household_register = true. Should the register hold an ID twice, one row
-- survives deterministically (newest delivery, then the row with a phone and
-- an address, then the later row). People the register lacks but another
-- department names are added with in_household_register = false and no
-- township (items about them go to the county office): recipients the
-- register lost, and owners of cars, firms or property who live elsewhere.
-- Their name comes from the first department in this order: those about
-- people (民政, 残联, 医保, 卫健, 人社, 教体, 住建, 乡村振兴, 司法, 退役军人,
-- 总工会, 应急, 殡葬), then 税务, 公积金, 不动产, 车管, 市场监管, 法院.
--
-- Life events of policies.md §2 are columns here: DEAD (gaj 死亡, or any
-- bzs_hh row), its date (bzs 死亡日期, else gaj 变动日期) and evidence, JAIL
-- (a core.jail row), GONE (迁出, 注销 and not dead, or absent from gaj).
-- life_status says which, in that order: deceased, not_in_register,
-- moved_out (迁出), cancelled (注销, not dead), incarcerated, alive; with its
-- date (death, 变动日期, sentence start), evidence and the record it rests on.
-- link_method says how the surviving row's ID was known: 'id_number' read from
-- the cell, else the linkage method (transforms/identity.py); a row read from
-- the cell beats a linked one.
-- is_urban reads the person's own 村居代码 (digits 10-12, as URBAN(h) does).
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

register AS (
    SELECT *
    FROM staging.stg_gaj_hjrk
    WHERE id_number IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY id_number
        ORDER BY (id_link_method IS NOT NULL), _extract_date DESC NULLS LAST, _file DESC, (phone IS NULL),
                 (address IS NULL), _row DESC
    ) = 1
),

other_sources AS (
    SELECT id_number, name, id_link_method, _source, _file, _row, 2 AS source_rank FROM staging.stg_mzj_jzdx
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 3 FROM staging.stg_clh_cjr
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 4 FROM staging.stg_ybj_js
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 5 FROM staging.stg_wjw_mb
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 6 FROM staging.stg_rsj_jy
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 7 FROM staging.stg_jtj_xs
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 8 FROM staging.stg_zjj_zf
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 9 FROM staging.stg_xczx_jc
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 16 FROM staging.stg_sfj_jz
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 17 FROM staging.stg_tyjr_yf
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 18 FROM staging.stg_zgh_knzg
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 19 FROM staging.stg_yjj_sz
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 20 FROM staging.stg_bzs_hh
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 21 FROM staging.stg_swj_sr
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 22 FROM staging.stg_gjj_jc
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 23 FROM staging.stg_bdc_dj
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 24 FROM staging.stg_cgs_cl
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 25 FROM staging.stg_scjg_zt
    UNION ALL SELECT id_number, name, id_link_method, _source, _file, _row, 26 FROM staging.stg_fy_sxr
),

outside_register AS (
    SELECT o.*
    FROM other_sources AS o
    WHERE o.id_number IS NOT NULL
      AND o.id_number NOT IN (SELECT id_number FROM register)
    QUALIFY row_number() OVER (
        PARTITION BY o.id_number ORDER BY (o.id_link_method IS NOT NULL), o.source_rank, o._file, o._row
    ) = 1
),

people AS (
    SELECT
        id_number, name, sex, birth_date AS register_birth_date, household_no, relation_to_head,
        township_code, village_code, address, phone, status AS register_status, change_date,
        true AS in_household_register, id_link_method, _source, _file, _row
    FROM register
    UNION ALL
    SELECT
        id_number, name, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL,
        false, id_link_method, _source, _file, _row
    FROM outside_register
),

cremations AS (
    SELECT *
    FROM staging.stg_bzs_hh
    WHERE id_number IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY id_number ORDER BY death_date NULLS LAST, cremation_date NULLS LAST, _file, _row
    ) = 1
),

jailed AS (
    SELECT id_number, start_date, _source, _file, _row
    FROM core.jail
    QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY start_date DESC NULLS LAST, _file, _row) = 1
),

dated AS (
    SELECT
        p.*,
        try_strptime(substr(p.id_number, 7, 8), '%Y%m%d')::DATE AS id_birth_date,
        run.run_date
    FROM people AS p
    CROSS JOIN run
),

renamed AS (
    SELECT
        d.id_number,
        d.name,
        coalesce(
            d.sex,
            CASE WHEN try_cast(substr(d.id_number, 17, 1) AS INTEGER) % 2 = 1 THEN '男'
                 WHEN try_cast(substr(d.id_number, 17, 1) AS INTEGER) % 2 = 0 THEN '女' END
        ) AS sex,
        CASE
            WHEN d.id_birth_date BETWEEN DATE '1900-01-01' AND d.run_date THEN d.id_birth_date
            ELSE d.register_birth_date
        END AS birth_date,
        d.household_no,
        d.relation_to_head,
        coalesce(
            d.township_code,
            CASE WHEN length(d.village_code) = 12 THEN substr(d.village_code, 1, 9) END
        ) AS township_code,
        d.village_code,
        d.address,
        d.phone,
        d.register_status,
        d.change_date,
        d.in_household_register,
        coalesce(d.id_link_method, 'id_number') AS link_method,
        coalesce(d.register_status = '死亡', false) OR c.id_number IS NOT NULL AS is_dead,
        CASE
            WHEN c.id_number IS NOT NULL THEN coalesce(
                c.death_date,
                CASE WHEN d.register_status IN ('死亡', '注销') THEN d.change_date END,
                c.cremation_date)
            WHEN d.register_status = '死亡' THEN d.change_date
        END AS death_date,
        CASE WHEN c.id_number IS NOT NULL THEN '火化记录'
             WHEN d.register_status = '死亡' THEN '户籍登记死亡' END AS death_evidence,
        CASE WHEN c.id_number IS NOT NULL THEN c._source
             WHEN d.register_status = '死亡' THEN d._source END AS death_source,
        CASE WHEN c.id_number IS NOT NULL THEN c._file
             WHEN d.register_status = '死亡' THEN d._file END AS death_file,
        CASE WHEN c.id_number IS NOT NULL THEN c._row
             WHEN d.register_status = '死亡' THEN d._row END AS death_row,
        j.id_number IS NOT NULL AS is_jailed,
        j.start_date AS jail_start_date,
        j._source AS jail_source,
        j._file AS jail_file,
        j._row AS jail_row,
        d.run_date,
        d._source,
        d._file,
        d._row
    FROM dated AS d
    LEFT JOIN cremations AS c ON c.id_number = d.id_number
    LEFT JOIN jailed AS j ON j.id_number = d.id_number
),

statused AS (
    SELECT
        *,
        NOT in_household_register
            OR register_status = '迁出'
            OR (register_status = '注销' AND NOT is_dead) AS is_gone,
        CASE
            WHEN is_dead THEN 'deceased'
            WHEN NOT in_household_register THEN 'not_in_register'
            WHEN register_status = '迁出' THEN 'moved_out'
            WHEN register_status = '注销' THEN 'cancelled'
            WHEN is_jailed THEN 'incarcerated'
            ELSE 'alive'
        END AS life_status
    FROM renamed
),

final AS (
    SELECT
        id_number,
        name,
        sex,
        birth_date,
        CASE WHEN birth_date <= run_date THEN date_sub('year', birth_date, run_date) END AS age,
        household_no,
        relation_to_head,
        township_code,
        village_code,
        address,
        phone,
        register_status,
        change_date,
        in_household_register,
        link_method,
        is_dead,
        death_date,
        death_evidence,
        death_source,
        death_file,
        death_row,
        is_jailed,
        jail_start_date,
        is_gone,
        life_status,
        CASE life_status
            WHEN 'deceased' THEN death_date
            WHEN 'moved_out' THEN change_date
            WHEN 'cancelled' THEN change_date
            WHEN 'incarcerated' THEN jail_start_date
        END AS life_status_date,
        CASE life_status
            WHEN 'deceased' THEN death_evidence
            WHEN 'not_in_register' THEN '户籍登记中无此人'
            WHEN 'moved_out' THEN '户籍登记迁出'
            WHEN 'cancelled' THEN '户籍登记注销'
            WHEN 'incarcerated' THEN '司法局服刑记录'
            WHEN 'alive' THEN '户籍登记正常'
        END AS life_status_evidence,
        CASE life_status
            WHEN 'deceased' THEN death_source
            WHEN 'incarcerated' THEN jail_source
            ELSE _source
        END AS life_status_source,
        CASE life_status
            WHEN 'deceased' THEN death_file
            WHEN 'incarcerated' THEN jail_file
            ELSE _file
        END AS life_status_file,
        CASE life_status
            WHEN 'deceased' THEN death_row
            WHEN 'incarcerated' THEN jail_row
            ELSE _row
        END AS life_status_row,
        CASE
            WHEN try_cast(substr(village_code, 10, 3) AS INTEGER) BETWEEN 1 AND 99 THEN true
            WHEN try_cast(substr(village_code, 10, 3) AS INTEGER) BETWEEN 200 AND 399 THEN false
        END AS is_urban,
        _source,
        _file,
        _row
    FROM statused
)

SELECT * FROM final
