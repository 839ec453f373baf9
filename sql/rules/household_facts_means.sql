-- rules.household_facts_means: household facts of the means-tested and
-- emergency rules (DB_*, DB_EDGE, TEMP_EXPENSE, TEMP_EMERGENCY,
-- DISASTER_LIVING, W_EARNER_DEATH), one row per 户号 of core.household.
--
-- me_tk_n / me_tk_inc: members counted in n who receive TK_* and their
--   yearly income. TK_* excludes DB_* for the same person (policies.md §3
--   row 1: TKP members left out of n), so DB and DB_EDGE read
--   me_n = n − me_tk_n, me_inc = INC − me_tk_inc and me_pci = me_inc / 12 / me_n
--   (unrounded; NULL when me_n = 0). A member eligible for TK tonight (not yet
--   receiving) lives alone, so the rules leave such a household out with
--   eligible('TK_*').
-- me_temp_year / me_temp_emerg: a member's 民政 临时救助 row with 起始年月 in
--   the last WIN_YEAR / WIN_EMERG days (TEMP_EXPENSE / TEMP_EMERGENCY's
--   exclusion; an older 临时救助 does not count).
-- me_house_emerg / me_collapse_emerg: a member's 应急 row 房屋倒塌 or 严重损坏 /
--   房屋倒塌 in the last WIN_EMERG days (W_DISASTER_HOUSE raised for a member:
--   VETERAN_HARDSHIP; with 房屋倒塌: TEMP_EMERGENCY).
-- me_house_recent / me_collapse_recent: a member's 房屋倒塌 or 严重损坏 row /
--   房屋倒塌 row in the last WIN_RECENT days (DISASTER_LIVING; crops only: none).
-- me_earner_death: W_EARNER_DEATH — a working-age person of the 户号 (gaj row)
--   DEAD with a death date in the last WIN_EMERG days, and HH(h) has a minor or
--   a member aged 60+ and no member EMP; me_earner_text words it.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

p AS (
    SELECT
        max(value) FILTER (WHERE name = 'WIN_YEAR')::INTEGER AS win_year,
        max(value) FILTER (WHERE name = 'WIN_RECENT')::INTEGER AS win_recent,
        max(value) FILTER (WHERE name = 'WIN_EMERG')::INTEGER AS win_emerg
    FROM ref.parameter
),

members AS (
    SELECT m.household_no, m.id_number, m.counts_in_n, m.age
    FROM core.membership AS m
    WHERE m.in_hh AND m.id_number IS NOT NULL
),

tk AS (
    SELECT id_number,
           list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row) AS ev
    FROM core.benefit
    WHERE policy_code IN ('TK_URBAN', 'TK_RURAL')
    GROUP BY id_number
),

income AS (
    SELECT id_number, sum(yearly_amount) AS yearly_amount FROM core.income GROUP BY id_number
),

temp_aid AS (
    SELECT
        m.id_number,
        bool_or(m.start_month > run.run_date - p.win_year) AS in_year,
        bool_or(m.start_month > run.run_date - p.win_emerg) AS in_emerg,
        list({'source': m._source, 'file': m._file, 'row': m._row} ORDER BY m._file, m._row)
            FILTER (WHERE m.start_month > run.run_date - p.win_year) AS ev
    FROM staging.stg_mzj_jzdx AS m
    CROSS JOIN run
    CROSS JOIN p
    WHERE m.id_number IS NOT NULL
      AND m.benefit_category = '临时救助'
      AND m.start_month <= run.run_date
    GROUP BY m.id_number
),

disaster AS (
    SELECT
        y.id_number,
        bool_or(y.disaster_date > run.run_date - p.win_emerg) AS house_emerg,
        bool_or(y.loss_type = '房屋倒塌' AND y.disaster_date > run.run_date - p.win_emerg) AS collapse_emerg,
        bool_or(y.loss_type = '房屋倒塌') AS collapse_recent,
        max(y.disaster_date) AS last_date,
        list({'source': y._source, 'file': y._file, 'row': y._row} ORDER BY y._file, y._row) AS ev
    FROM staging.stg_yjj_sz AS y
    CROSS JOIN run
    CROSS JOIN p
    WHERE y.id_number IS NOT NULL
      AND y.loss_type IN ('房屋倒塌', '严重损坏')
      AND y.disaster_date > run.run_date - p.win_recent
      AND y.disaster_date <= run.run_date
    GROUP BY y.id_number
),

employed AS (
    SELECT id_number FROM core.employment WHERE is_employed
),

member_facts AS (
    SELECT
        m.household_no,
        count(*) FILTER (WHERE m.counts_in_n AND tk.id_number IS NOT NULL) AS me_tk_n,
        coalesce(sum(i.yearly_amount) FILTER (WHERE tk.id_number IS NOT NULL), 0) AS me_tk_inc,
        flatten(list(tk.ev) FILTER (WHERE tk.id_number IS NOT NULL)) AS ev_me_tk,
        coalesce(bool_or(t.in_year), false) AS me_temp_year,
        coalesce(bool_or(t.in_emerg), false) AS me_temp_emerg,
        flatten(list(t.ev) FILTER (WHERE t.in_year)) AS ev_me_temp,
        coalesce(bool_or(d.house_emerg), false) AS me_house_emerg,
        coalesce(bool_or(d.collapse_emerg), false) AS me_collapse_emerg,
        bool_or(d.id_number IS NOT NULL) AS me_house_recent,
        coalesce(bool_or(d.collapse_recent), false) AS me_collapse_recent,
        max(d.last_date) AS me_disaster_date,
        flatten(list(d.ev) FILTER (WHERE d.id_number IS NOT NULL)) AS ev_me_disaster,
        bool_or(m.age < 18 OR m.age >= 60) AS me_minor_or_aged,
        bool_or(e.id_number IS NOT NULL) AS me_any_emp
    FROM members AS m
    LEFT JOIN tk ON tk.id_number = m.id_number
    LEFT JOIN income AS i ON i.id_number = m.id_number
    LEFT JOIN temp_aid AS t ON t.id_number = m.id_number
    LEFT JOIN disaster AS d ON d.id_number = m.id_number
    LEFT JOIN employed AS e ON e.id_number = m.id_number
    GROUP BY m.household_no
),

-- a working-age person of the 户号 who died in the last WIN_EMERG days
deaths AS (
    SELECT
        m.household_no,
        min(f.death_date) AS me_death_date,
        string_agg(DISTINCT m.relation_to_head, '、' ORDER BY m.relation_to_head) AS me_death_relation,
        flatten(list(list_concat(
            [{'source': m._source, 'file': m._file, 'row': m._row}], f.ev_dead))) AS ev_me_death
    FROM core.membership AS m
    JOIN rules.person_facts AS f ON f.id_number = m.id_number
    CROSS JOIN run
    CROSS JOIN p
    WHERE f.dead
      AND f.age BETWEEN 18 AND 59
      AND f.death_date > run.run_date - p.win_emerg
      AND f.death_date <= run.run_date
    GROUP BY m.household_no
),

final AS (
    SELECT
        h.household_no,
        coalesce(mf.me_tk_n, 0) AS me_tk_n,
        coalesce(mf.me_tk_inc, 0)::DECIMAL(14, 2) AS me_tk_inc,
        h.size - coalesce(mf.me_tk_n, 0) AS me_n,
        (h.yearly_income - coalesce(mf.me_tk_inc, 0))::DECIMAL(14, 2) AS me_inc,
        CASE WHEN h.size - coalesce(mf.me_tk_n, 0) > 0
             THEN (h.yearly_income - coalesce(mf.me_tk_inc, 0))::DOUBLE / 12 / (h.size - coalesce(mf.me_tk_n, 0))
        END AS me_pci,
        coalesce(mf.me_temp_year, false) AS me_temp_year,
        coalesce(mf.me_temp_emerg, false) AS me_temp_emerg,
        coalesce(mf.me_house_emerg, false) AS me_house_emerg,
        coalesce(mf.me_collapse_emerg, false) AS me_collapse_emerg,
        coalesce(mf.me_house_recent, false) AS me_house_recent,
        coalesce(mf.me_collapse_recent, false) AS me_collapse_recent,
        mf.me_disaster_date,
        d.household_no IS NOT NULL AND coalesce(mf.me_minor_or_aged, false) AND NOT coalesce(mf.me_any_emp, false)
            AS me_earner_death,
        d.me_death_date,
        d.me_death_relation,
        coalesce(mf.ev_me_tk, []) AS ev_me_tk,
        coalesce(mf.ev_me_temp, []) AS ev_me_temp,
        coalesce(mf.ev_me_disaster, []) AS ev_me_disaster,
        coalesce(d.ev_me_death, []) AS ev_me_death
    FROM core.household AS h
    LEFT JOIN member_facts AS mf ON mf.household_no = h.household_no
    LEFT JOIN deaths AS d ON d.household_no = h.household_no
)

SELECT * FROM final
