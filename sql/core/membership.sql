-- core.membership: who belongs to which 户号, one row per register row that
-- survives in core.person, plus register rows whose ID is unusable (they still
-- live there and still count as parents and as household members; keyed by
-- their row). Flags follow policies.md §2: in_hh = HH(h) (人员状态 正常, not
-- DEAD); counts_in_n = in HH(h) and not JAIL.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

identified AS (
    SELECT
        household_no,
        id_number,
        name,
        sex,
        birth_date,
        age,
        relation_to_head,
        register_status,
        village_code,
        township_code,
        phone,
        is_dead,
        is_jailed,
        _source,
        _file,
        _row
    FROM core.person
    WHERE in_household_register
      AND household_no IS NOT NULL
),

unidentified AS (
    SELECT
        g.household_no,
        NULL::VARCHAR AS id_number,
        g.name,
        g.sex,
        g.birth_date,
        CASE WHEN g.birth_date <= run.run_date THEN date_sub('year', g.birth_date, run.run_date) END AS age,
        g.relation_to_head,
        g.status AS register_status,
        g.village_code,
        coalesce(g.township_code, CASE WHEN length(g.village_code) = 12 THEN substr(g.village_code, 1, 9) END),
        g.phone,
        g.status = '死亡' AS is_dead,
        false AS is_jailed,
        g._source,
        g._file,
        g._row
    FROM staging.stg_gaj_hjrk AS g
    CROSS JOIN run
    WHERE g.id_number IS NULL
      AND g.household_no IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY g.household_no, g.name, g.id_number_raw ORDER BY g._file DESC, g._row
    ) = 1
),

final AS (
    SELECT
        *,
        relation_to_head = '户主' AS is_head,
        coalesce(register_status = '正常' AND NOT is_dead, false) AS in_hh,
        coalesce(register_status = '正常' AND NOT is_dead AND NOT is_jailed, false) AS counts_in_n
    FROM (SELECT * FROM identified UNION ALL SELECT * FROM unidentified)
)

SELECT
    household_no, id_number, name, sex, birth_date, age, relation_to_head, is_head,
    register_status, is_dead, is_jailed, in_hh, counts_in_n, village_code, township_code, phone,
    _source, _file, _row
FROM final
