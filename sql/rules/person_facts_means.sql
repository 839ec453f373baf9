-- rules.person_facts_means: person facts of the means-tested and emergency
-- rules, one row per person with one of them (keyed by id_number).
--
-- me_house_loss: W_DISASTER_HOUSE — the person's 应急 row with 损失类型 房屋倒塌
--   or 严重损坏 and 受灾日期 in the last WIN_EMERG days; me_house_loss_text
--   words the latest (灾害类型、损失类型、日期), ev_me_house_loss its rows.
-- me_veteran: a 退役军人 优抚 row (VETERAN_HARDSHIP), with ev_me_veteran.
-- me_union_filed: a 总工会 困难职工 row (UNION_POOR_WORKER's receipt).
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

p AS (
    SELECT max(value) FILTER (WHERE name = 'WIN_EMERG')::INTEGER AS win_emerg
    FROM ref.parameter
),

house_loss AS (
    SELECT
        y.id_number,
        true AS me_house_loss,
        first(coalesce(y.disaster_type, '') || '致房屋' || replace(y.loss_type, '房屋', '') || '（'
              || strftime(y.disaster_date, '%Y-%m-%d') || '）' ORDER BY y.disaster_date DESC, y._row)
            AS me_house_loss_text,
        bool_or(y.loss_type = '房屋倒塌') AS me_house_collapse,
        list({'source': y._source, 'file': y._file, 'row': y._row} ORDER BY y._file, y._row) AS ev_me_house_loss
    FROM staging.stg_yjj_sz AS y
    CROSS JOIN run
    CROSS JOIN p
    WHERE y.id_number IS NOT NULL
      AND y.loss_type IN ('房屋倒塌', '严重损坏')
      AND y.disaster_date > run.run_date - p.win_emerg
      AND y.disaster_date <= run.run_date
    GROUP BY y.id_number
),

veteran AS (
    SELECT id_number, true AS me_veteran,
           string_agg(DISTINCT veteran_category, '、' ORDER BY veteran_category) AS me_veteran_category,
           list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row) AS ev_me_veteran
    FROM staging.stg_tyjr_yf
    WHERE id_number IS NOT NULL
    GROUP BY id_number
),

union_filed AS (
    SELECT id_number, true AS me_union_filed,
           list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row) AS ev_me_union
    FROM staging.stg_zgh_knzg
    WHERE id_number IS NOT NULL
    GROUP BY id_number
),

ids AS (
    SELECT id_number FROM house_loss
    UNION SELECT id_number FROM veteran
    UNION SELECT id_number FROM union_filed
),

final AS (
    SELECT
        i.id_number,
        coalesce(h.me_house_loss, false) AS me_house_loss,
        h.me_house_loss_text,
        coalesce(h.me_house_collapse, false) AS me_house_collapse,
        coalesce(v.me_veteran, false) AS me_veteran,
        v.me_veteran_category,
        coalesce(u.me_union_filed, false) AS me_union_filed,
        coalesce(h.ev_me_house_loss, []) AS ev_me_house_loss,
        coalesce(v.ev_me_veteran, []) AS ev_me_veteran,
        coalesce(u.ev_me_union, []) AS ev_me_union
    FROM ids AS i
    LEFT JOIN house_loss AS h ON h.id_number = i.id_number
    LEFT JOIN veteran AS v ON v.id_number = i.id_number
    LEFT JOIN union_filed AS u ON u.id_number = i.id_number
)

SELECT * FROM final
