-- core.parents: parents(c) exactly as policies.md §2 defines it, one row per
-- (child, parent found), with `resolved` = exactly two found.
--
-- Rows of any status in c's 户号 count (a dead parent is still a parent).
-- c a 子女 of the head (子, 女, 儿子, 女儿, 长/次/三…/独生/养/继 子·女 …) ->
-- the 户主 row and the 配偶 row. c a 孙子/孙女/外孙子/外孙女 -> the only 子女
-- row and the only 儿媳/女婿 row of the household (two 子女 rows: none is
-- "the only" one, so unresolved). Anything else, or a count other than two,
-- is left for a home visit.
WITH members AS (
    SELECT
        household_no, id_number, name, sex, relation_to_head, register_status, is_dead,
        _source, _file, _row
    FROM core.membership
),

kinds AS (
    SELECT
        *,
        CASE
            WHEN relation_to_head = '户主' THEN 'head'
            WHEN relation_to_head = '配偶' THEN 'spouse'
            WHEN regexp_full_match(
                relation_to_head,
                '(子|女|儿子|女儿|(长|次|三|四|五|六|七|八|九|十|小|独生|养|继|其他)(子|女|儿子|女儿)|养子或继子|养女或继女)'
            ) THEN 'child'
            WHEN relation_to_head IN ('孙子', '孙女', '外孙子', '外孙女') THEN 'grandchild'
            WHEN relation_to_head IN ('儿媳', '儿媳妇', '女婿') THEN 'child_in_law'
        END AS kind
    FROM members
),

household_counts AS (
    SELECT
        household_no,
        count(*) FILTER (WHERE kind = 'child') AS child_rows,
        count(*) FILTER (WHERE kind = 'child_in_law') AS in_law_rows
    FROM kinds
    GROUP BY household_no
),

children_of_head AS (
    SELECT c.id_number AS child_id_number, c.household_no, c.relation_to_head AS child_relation, p.*
    FROM kinds AS c
    JOIN kinds AS p
      ON p.household_no = c.household_no
     AND p.kind IN ('head', 'spouse')
    WHERE c.kind = 'child'
      AND c.id_number IS NOT NULL
),

grandchildren AS (
    SELECT c.id_number AS child_id_number, c.household_no, c.relation_to_head AS child_relation, p.*
    FROM kinds AS c
    JOIN household_counts AS n ON n.household_no = c.household_no
    JOIN kinds AS p
      ON p.household_no = c.household_no
     AND ((p.kind = 'child' AND n.child_rows = 1)
          OR (p.kind = 'child_in_law' AND n.in_law_rows = 1))
    WHERE c.kind = 'grandchild'
      AND c.id_number IS NOT NULL
),

found AS (
    SELECT * FROM children_of_head
    UNION ALL
    SELECT * FROM grandchildren
),

final AS (
    SELECT
        child_id_number,
        household_no,
        child_relation,
        id_number AS parent_id_number,
        name AS parent_name,
        sex AS parent_sex,
        relation_to_head AS parent_relation,
        register_status AS parent_register_status,
        is_dead AS parent_is_dead,
        CASE sex WHEN '男' THEN '父亲' WHEN '女' THEN '母亲' ELSE relation_to_head END AS parent_role,
        count(*) OVER (PARTITION BY child_id_number, household_no) AS parents_found,
        count(*) OVER (PARTITION BY child_id_number, household_no) = 2 AS resolved,
        _source,
        _file,
        _row
    FROM found
)

SELECT * FROM final
ORDER BY child_id_number, parent_role, _file, _row
