-- rules.person_facts_review: the facts behind the REVIEW rules of policies.md
-- §4 that the main person facts do not carry, one row per person of
-- core.person. Reads core, labels and ref only (rules simulate works without staging).
--
-- rv_homes / rv_shops: the person's 不动产 records of 房屋用途 住宅 / 商业
--   (R_DB_PROPERTY; the 住宅 count against RESIDENTIAL_MAX is the household's
--   `residences`), rv_property_text worded for a reason;
-- rv_firm_text: 存续 entities the person is 法定代表人 of with 注册资本 ≥
--   BIZ_CAPITAL_MAX (R_DB_BUSINESS);
-- rv_gjj_base: the 缴存基数 of a housing-fund account failing the gjj clause
--   of ASSET_OK as core.asset reads it (R_DB_GJJ);
-- rv_debtor: 履行情况 of a 失信被执行人 record 未履行 / 部分履行, the label
--   court_defaulter (R_DEBTOR_DB);
-- rv_newly_emp: EMP with a 失业登记日期 in the last DB_TAPER_MONTHS months
--   (registered unemployed, working now: new employment, 渐退 of R_DB_INCOME);
-- rv_paid: policy -> monthly amount the person is paid (R_EXCLUSIVE compares);
-- rv_exclusive_stop: the received codes an exclusive pair of §3 says to stop
--   (the lower amount of the pair; tie: the higher catalogue number), with
--   rv_exclusive_keep (stop -> the code kept) for the reason;
-- rv_orphan_holds / rv_fuc_holds: parents(c) resolved and both DEAD (ORPHAN's
--   parents criteria) / each FC or DEAD and at least one FC (row 9's parents
--   criteria; FC read on the parent's records whatever their life status).
-- Each with its `ev_rv_*` source rows.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

p AS (
    SELECT
        max(value) FILTER (WHERE name = 'DB_TAPER_MONTHS')::INTEGER AS db_taper_months
    FROM ref.parameter
),

property AS (
    SELECT
        id_number,
        count(*) FILTER (WHERE asset_kind = 'residence') AS rv_homes,
        count(*) FILTER (WHERE asset_kind = 'commercial_property') AS rv_shops,
        list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row)
            FILTER (WHERE asset_kind IN ('residence', 'commercial_property')) AS ev_rv_property
    FROM core.asset
    WHERE asset_kind IN ('residence', 'commercial_property')
    GROUP BY id_number
),

firms AS (
    SELECT
        id_number,
        string_agg(coalesce(detail, '企业') || '（注册资本' || printf('%g', amount) || '万元）', '、'
                   ORDER BY _file, _row) AS rv_firm_text,
        list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row) AS ev_rv_firm
    FROM core.asset
    WHERE asset_kind = 'business' AND over_limit
    GROUP BY id_number
),

-- the gjj clause of ASSET_OK as core.asset reads it (over_limit: 正常, paid
-- within GJJ_ACTIVE_MONTHS, 缴存基数 > GJJ_BASE_FACTOR × STD(h))
funds AS (
    SELECT
        id_number,
        max(amount) AS rv_gjj_base,
        list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row) AS ev_rv_gjj
    FROM core.asset
    WHERE asset_kind = 'housing_fund' AND over_limit
    GROUP BY id_number
),

debtors AS (
    SELECT
        id_number,
        value AS rv_debtor,
        [{'source': source_code, 'file': _file, 'row': _row}] AS ev_rv_debtor
    FROM labels.person_label
    WHERE label = 'court_defaulter'
),

newly_employed AS (
    SELECT
        e.id_number,
        true AS rv_newly_emp,
        [{'source': e._source, 'file': e._file, 'row': e._row}] AS ev_rv_newly_emp
    FROM core.employment AS e
    CROSS JOIN p
    CROSS JOIN run
    WHERE e.is_employed
      AND e.unemployment_date IS NOT NULL
      AND e.unemployment_date > run.run_date - to_months(p.db_taper_months)
      AND e.unemployment_date <= run.run_date
),

paid AS (
    SELECT id_number, map_from_entries(list({'key': policy_code, 'value': monthly_amount} ORDER BY policy_code)) AS rv_paid
    FROM core.benefit
    WHERE policy_code IS NOT NULL
    GROUP BY id_number
),

-- the exclusive pairs of §3 whose receipt R_EXCLUSIVE reviews (the pairs with a
-- rule of their own, DB+TK, TK+DIS_LIVING, ORPHAN+FUC, are left to theirs)
pair_groups (a, b) AS (
    VALUES ('TK', 'DIS_NURSING'), ('TK', 'ELDER_ECON'), ('TK', 'ELDER_CARE'), ('TK', 'ORPHAN'),
           ('TK', 'FACT_UNSUPPORTED_CHILD'), ('TK', 'CHILD_DIFFICULTY'), ('ORPHAN', 'CHILD_DIFFICULTY'),
           ('FACT_UNSUPPORTED_CHILD', 'CHILD_DIFFICULTY'), ('ELDER_ECON', 'DIS_LIVING'),
           ('ELDER_CARE', 'DIS_NURSING'), ('DB_EDGE', 'DB'), ('DB_EDGE', 'TK')
),

codes (grp, code, number) AS (
    VALUES ('DB', 'DB_URBAN', 1), ('DB', 'DB_RURAL', 2), ('DB_EDGE', 'DB_EDGE', 3), ('TK', 'TK_URBAN', 4),
           ('TK', 'TK_RURAL', 5), ('ORPHAN', 'ORPHAN', 8), ('FACT_UNSUPPORTED_CHILD', 'FACT_UNSUPPORTED_CHILD', 9),
           ('CHILD_DIFFICULTY', 'CHILD_DIFFICULTY', 10), ('ELDER_ECON', 'ELDER_ECON', 12),
           ('ELDER_CARE', 'ELDER_CARE', 13), ('DIS_LIVING', 'DIS_LIVING', 16), ('DIS_NURSING', 'DIS_NURSING', 17)
),

pairs AS (
    SELECT ca.code AS code_a, ca.number AS number_a, cb.code AS code_b, cb.number AS number_b
    FROM pair_groups AS g
    JOIN codes AS ca ON ca.grp = g.a
    JOIN codes AS cb ON cb.grp = g.b
),

exclusive AS (
    SELECT
        ba.id_number,
        CASE WHEN coalesce(ba.monthly_amount, 0) < coalesce(bb.monthly_amount, 0)
                  OR (coalesce(ba.monthly_amount, 0) = coalesce(bb.monthly_amount, 0) AND pr.number_a > pr.number_b)
             THEN pr.code_a ELSE pr.code_b END AS stop_code,
        CASE WHEN coalesce(ba.monthly_amount, 0) < coalesce(bb.monthly_amount, 0)
                  OR (coalesce(ba.monthly_amount, 0) = coalesce(bb.monthly_amount, 0) AND pr.number_a > pr.number_b)
             THEN bb.benefit_category ELSE ba.benefit_category END AS keep_category
    FROM pairs AS pr
    JOIN core.benefit AS ba ON ba.policy_code = pr.code_a
    JOIN core.benefit AS bb ON bb.policy_code = pr.code_b AND bb.id_number = ba.id_number
),

exclusive_by_person AS (
    SELECT id_number,
           list(DISTINCT stop_code ORDER BY stop_code) AS rv_exclusive_stop,
           map_from_entries(list({'key': stop_code, 'value': keep_category} ORDER BY stop_code)) AS rv_exclusive_keep
    FROM (SELECT id_number, stop_code, string_agg(DISTINCT keep_category, '、' ORDER BY keep_category) AS keep_category
          FROM exclusive GROUP BY id_number, stop_code)
    GROUP BY id_number
),

-- parents(c): each parent's FC (SEV, JAIL or ILL on their records) and DEAD
parent_rows AS (
    SELECT
        pa.child_id_number,
        pa.resolved,
        coalesce(pa.parent_is_dead, false) OR pa.parent_register_status = '死亡' OR coalesce(pe.is_dead, false)
            AS is_dead,
        coalesce(d.is_severe, false) OR coalesce(pe.is_jailed, false) OR i.id_number IS NOT NULL AS is_fc
    FROM core.parents AS pa
    LEFT JOIN core.person AS pe ON pe.id_number = pa.parent_id_number
    LEFT JOIN core.disability AS d ON d.id_number = pa.parent_id_number
    LEFT JOIN (SELECT DISTINCT id_number FROM core.illness) AS i ON i.id_number = pa.parent_id_number
),

parents AS (
    SELECT
        child_id_number AS id_number,
        bool_and(resolved) AND count(*) = 2 AND bool_and(is_dead) AS rv_orphan_holds,
        bool_and(resolved) AND count(*) = 2 AND bool_and(is_fc OR is_dead) AND bool_or(is_fc) AS rv_fuc_holds
    FROM parent_rows
    GROUP BY child_id_number
),

final AS (
    SELECT
        pe.id_number,
        coalesce(pr.rv_homes, 0) AS rv_homes,
        coalesce(pr.rv_shops, 0) AS rv_shops,
        concat_ws('、',
            CASE WHEN pr.rv_homes > 0 THEN '住宅' || pr.rv_homes::VARCHAR || '套' END,
            CASE WHEN pr.rv_shops > 0 THEN '商业用房' || pr.rv_shops::VARCHAR || '套' END) AS rv_property_text,
        f.rv_firm_text,
        fu.rv_gjj_base,
        de.rv_debtor,
        coalesce(ne.rv_newly_emp, false) AS rv_newly_emp,
        coalesce(pd.rv_paid, MAP {}) AS rv_paid,
        coalesce(ex.rv_exclusive_stop, []) AS rv_exclusive_stop,
        ex.rv_exclusive_keep,
        coalesce(pa.rv_orphan_holds, false) AS rv_orphan_holds,
        coalesce(pa.rv_fuc_holds, false) AS rv_fuc_holds,
        coalesce(pr.ev_rv_property, []) AS ev_rv_property,
        coalesce(f.ev_rv_firm, []) AS ev_rv_firm,
        coalesce(fu.ev_rv_gjj, []) AS ev_rv_gjj,
        coalesce(de.ev_rv_debtor, []) AS ev_rv_debtor,
        coalesce(ne.ev_rv_newly_emp, []) AS ev_rv_newly_emp
    FROM core.person AS pe
    LEFT JOIN property AS pr ON pr.id_number = pe.id_number
    LEFT JOIN firms AS f ON f.id_number = pe.id_number
    LEFT JOIN funds AS fu ON fu.id_number = pe.id_number
    LEFT JOIN debtors AS de ON de.id_number = pe.id_number
    LEFT JOIN newly_employed AS ne ON ne.id_number = pe.id_number
    LEFT JOIN paid AS pd ON pd.id_number = pe.id_number
    LEFT JOIN exclusive_by_person AS ex ON ex.id_number = pe.id_number
    LEFT JOIN parents AS pa ON pa.id_number = pe.id_number
)

SELECT * FROM final
