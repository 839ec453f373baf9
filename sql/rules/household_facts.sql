-- rules.household_facts: the household terms of policies.md §2, one row per
-- 户号 of core.household, for the policy rules (policies/rules/*.yaml).
--
-- urban / rural (URBAN/RURAL(h)), n, lives_alone (n = 1), inc (INC(h), yuan a
-- year), pci (PCI(h)), std / tkstd (STD(h), TKSTD(h)), oop_h (OOP(h)), apci
-- (APCI(h)), asset_ok (ASSET_OK(h)) with asset_problem naming the first
-- failing asset, mark (MARK(h)) with mark_text, mon (MON(h)), wa_members /
-- wa_employed, paid (policy -> monthly amount the members are paid). Each fact
-- a rule may cite has its `ev_<fact>` list of source rows.
WITH parameter AS (
    SELECT name, value FROM ref.parameter
),

p AS (
    SELECT
        max(value) FILTER (WHERE name = 'DB_STD_URBAN') AS db_std_urban,
        max(value) FILTER (WHERE name = 'DB_STD_RURAL') AS db_std_rural,
        max(value) FILTER (WHERE name = 'TK_BASIC_URBAN') AS tk_basic_urban,
        max(value) FILTER (WHERE name = 'TK_BASIC_RURAL') AS tk_basic_rural,
        max(value) FILTER (WHERE name = 'RESIDENTIAL_MAX') AS residential_max,
        max(value) FILTER (WHERE name = 'MED_OOP_THRESHOLD') AS med_oop_threshold
    FROM parameter
),

members AS (
    SELECT m.*
    FROM core.membership AS m
    WHERE m.in_hh
),

member_facts AS (
    SELECT
        m.household_no,
        count(*) FILTER (WHERE m.counts_in_n AND m.age BETWEEN 18 AND 59) AS wa_members,
        count(*) FILTER (WHERE m.counts_in_n AND m.age BETWEEN 18 AND 59 AND e.is_employed) AS wa_employed,
        bool_or(coalesce(d.is_severe, false)) AS member_sev,
        bool_or(i.id_number IS NOT NULL) AS member_ill,
        list({'source': d._source, 'file': d._file, 'row': d._row}) FILTER (WHERE d.is_severe) AS ev_member_sev,
        list({'source': i.source_code, 'file': i._file, 'row': i._row}) FILTER (WHERE i.id_number IS NOT NULL)
            AS ev_member_ill
    FROM members AS m
    LEFT JOIN core.employment AS e ON e.id_number = m.id_number
    LEFT JOIN core.disability AS d ON d.id_number = m.id_number
    LEFT JOIN labels.person_label AS i ON i.id_number = m.id_number AND i.label = 'serious_illness'
    GROUP BY m.household_no
),

incomes AS (
    SELECT m.household_no,
           list({'source': i._source, 'file': i._file, 'row': i._row} ORDER BY i._file, i._row) AS ev_income
    FROM members AS m
    JOIN core.income AS i ON i.id_number = m.id_number
    WHERE i.yearly_amount <> 0
    GROUP BY m.household_no
),

oop AS (
    SELECT m.household_no, sum(s.out_of_pocket) AS oop_h,
           list({'source': s._source, 'file': s._file, 'row': s._row} ORDER BY s._file, s._row) AS ev_oop_h
    FROM members AS m
    JOIN core.medical_settlement AS s ON s.id_number = m.id_number
    GROUP BY m.household_no
),

member_assets AS (
    SELECT m.household_no, a.*
    FROM members AS m
    JOIN core.asset AS a ON a.id_number = m.id_number
),

residences AS (
    SELECT household_no, count(*) AS residences
    FROM member_assets
    WHERE asset_kind = 'residence'
    GROUP BY household_no
),

failing_assets AS (
    SELECT
        a.household_no,
        first(CASE a.asset_kind WHEN 'residence' THEN '住宅' || r.residences::VARCHAR || '套'
                  WHEN 'commercial_property' THEN '有商业用房'
                  WHEN 'vehicle' THEN '有' || a.detail
                  WHEN 'business' THEN '任存续企业法定代表人（注册资本' || a.amount::VARCHAR || '万元）'
                  WHEN 'housing_fund' THEN '公积金缴存基数' || a.amount::VARCHAR || '元'
                  ELSE a.asset_kind END ORDER BY a.asset_kind, a._file, a._row) AS asset_problem,
        list({'source': a._source, 'file': a._file, 'row': a._row} ORDER BY a._file, a._row) AS ev_assets
    FROM member_assets AS a
    LEFT JOIN residences AS r ON r.household_no = a.household_no
    CROSS JOIN p
    WHERE a.over_limit
       OR (a.asset_kind = 'residence' AND r.residences > p.residential_max)
    GROUP BY a.household_no
),

paid AS (
    SELECT m.household_no, map_from_entries(list({'key': b.policy_code, 'value': b.amount} ORDER BY b.policy_code)) AS paid
    FROM (
        SELECT m.household_no, b.policy_code, sum(b.monthly_amount)::DECIMAL(14, 2) AS amount
        FROM members AS m
        JOIN core.benefit AS b ON b.id_number = m.id_number
        WHERE b.policy_code IS NOT NULL
        GROUP BY m.household_no, b.policy_code
    ) AS b
    JOIN (SELECT DISTINCT household_no FROM members) AS m ON m.household_no = b.household_no
    GROUP BY m.household_no
),

monitored AS (
    SELECT household_no, max(value) AS mon_type,
           list({'source': source_code, 'file': _file, 'row': _row}) AS ev_mon
    FROM labels.household_label
    WHERE label = 'monitored_household'
    GROUP BY household_no
),

base AS (
    SELECT
        h.household_no,
        h.head_id_number,
        h.township_code,
        h.village_code,
        coalesce(h.area = 'urban', false) AS urban,
        coalesce(h.area = 'rural', false) AS rural,
        coalesce(h.size, 0) AS n,
        coalesce(h.size = 1, false) AS lives_alone,
        h.yearly_income::DECIMAL(14, 2) AS inc,
        h.per_capita_monthly_income AS pci,
        CASE h.area WHEN 'urban' THEN p.db_std_urban WHEN 'rural' THEN p.db_std_rural END AS std,
        CASE h.area WHEN 'urban' THEN p.tk_basic_urban WHEN 'rural' THEN p.tk_basic_rural END AS tkstd,
        coalesce(o.oop_h, 0)::DECIMAL(14, 2) AS oop_h,
        CASE WHEN h.size > 0 THEN round((h.yearly_income - coalesce(o.oop_h, 0)) / 12 / h.size, 2) END AS apci,
        fa.household_no IS NULL AS asset_ok,
        fa.asset_problem,
        coalesce(r.residences, 0) AS residences,
        pd.paid,
        mo.household_no IS NOT NULL AS mon,
        mo.mon_type,
        coalesce(mf.wa_members, 0) AS wa_members,
        coalesce(mf.wa_employed, 0) AS wa_employed,
        coalesce(mf.member_sev, false) AS member_sev,
        coalesce(mf.member_ill, false) AS member_ill,
        p.med_oop_threshold,
        [{'source': h._source, 'file': h._file, 'row': h._row}] AS ev_household,
        coalesce(i.ev_income, []) AS ev_income,
        coalesce(o.ev_oop_h, []) AS ev_oop_h,
        coalesce(fa.ev_assets, []) AS ev_assets,
        coalesce(mo.ev_mon, []) AS ev_mon,
        coalesce(mf.ev_member_sev, []) AS ev_member_sev,
        coalesce(mf.ev_member_ill, []) AS ev_member_ill
    FROM core.household AS h
    CROSS JOIN p
    LEFT JOIN oop AS o ON o.household_no = h.household_no
    LEFT JOIN failing_assets AS fa ON fa.household_no = h.household_no
    LEFT JOIN residences AS r ON r.household_no = h.household_no
    LEFT JOIN monitored AS mo ON mo.household_no = h.household_no
    LEFT JOIN paid AS pd ON pd.household_no = h.household_no
    LEFT JOIN member_facts AS mf ON mf.household_no = h.household_no
    LEFT JOIN incomes AS i ON i.household_no = h.household_no
),

final AS (
    SELECT
        * EXCLUDE (med_oop_threshold),
        -- MARK(h): a member SEV or ILL; OOP(h) >= MED_OOP_THRESHOLD; WA members and none EMP; MON
        member_sev OR member_ill OR oop_h >= med_oop_threshold
            OR (wa_members > 0 AND wa_employed = 0) OR mon AS mark,
        concat_ws('、',
            CASE WHEN member_sev THEN '有重度残疾成员' END,
            CASE WHEN member_ill THEN '有重特大疾病成员' END,
            CASE WHEN oop_h >= med_oop_threshold THEN '医疗自付' || oop_h::BIGINT::VARCHAR || '元' END,
            CASE WHEN wa_members > 0 AND wa_employed = 0 THEN '劳动年龄成员均未就业' END,
            CASE WHEN mon THEN '防返贫监测对象' END) AS mark_text
    FROM base
)

SELECT * FROM final
