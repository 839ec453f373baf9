-- core.person_conflict: where a department disagrees with the register about
-- who a person is. core.person keeps one value per field (公安's register
-- first, then the ranked sources); every other record that states the same ID
-- with another value is kept here, never silently overwritten.
--
--   name        another department's row names the ID differently (a homophone,
--               a variant character, a different person typed under the ID)
--   birth_date  the register's 出生日期 differs from the ID's digits 7-14 (the
--               ID's date wins in core.person, as policies.md's age(p) says)
--
-- Only rows whose ID was read from the cell take part: a record linked to a
-- person by name and digits (core.person_link) agrees on the name by
-- construction, its disagreements are the link's evidence, not a conflict.
WITH person AS (
    SELECT id_number, name, birth_date, _source, _file, _row FROM core.person
),

stated_names AS (
    SELECT id_number, name, _source, _file, _row FROM staging.stg_gaj_hjrk WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_mzj_jzdx WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_clh_cjr WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_ybj_js WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_wjw_mb WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_rsj_jy WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_jtj_xs WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_zjj_zf WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_xczx_jc WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_sfj_jz WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_tyjr_yf WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_zgh_knzg WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_yjj_sz WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_bzs_hh WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_bdc_dj WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_cgs_cl WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_scjg_zt WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_swj_sr WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_gjj_jc WHERE id_issue IS NULL
    UNION ALL SELECT id_number, name, _source, _file, _row FROM staging.stg_fy_sxr WHERE id_issue IS NULL
),

name_conflicts AS (
    SELECT
        p.id_number,
        'name' AS kind,
        p.name AS register_value,
        s.name AS stated_value,
        p._source AS register_source,
        s._source,
        s._file,
        s._row
    FROM stated_names AS s
    JOIN person AS p ON p.id_number = s.id_number
    WHERE s.name IS NOT NULL
      AND p.name IS NOT NULL
      AND s.name <> p.name
),

birth_date_conflicts AS (
    SELECT
        p.id_number,
        'birth_date' AS kind,
        strftime(p.birth_date, '%Y-%m-%d') AS register_value,
        strftime(g.birth_date, '%Y-%m-%d') AS stated_value,
        'id_number' AS register_source,
        g._source,
        g._file,
        g._row
    FROM staging.stg_gaj_hjrk AS g
    JOIN person AS p ON p.id_number = g.id_number
    WHERE g.id_issue IS NULL
      AND g.birth_date IS NOT NULL
      AND p.birth_date IS NOT NULL
      AND g.birth_date <> p.birth_date
)

SELECT * FROM name_conflicts
UNION ALL
SELECT * FROM birth_date_conflicts
ORDER BY id_number, kind, _source, _file, _row
