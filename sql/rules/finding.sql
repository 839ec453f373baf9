-- rules.finding: every finding of tonight, one row per (kind, rule, policy,
-- target) — rules.rule_output, which the policy engine (transforms/rules.py)
-- builds from the rules of policies/rules/*.yaml before this table.
--
-- item_id is the finding's stable name on every night: 'WL-' and the first 40
-- bits of md5('kind|rule_code|policy_code|target key') in RFC 4648 base32
-- (8 letters/digits). The target key is the person's ID number, or the 户号
-- for a household target. transforms/worklist.py:item_id computes the same in
-- Python; a test holds the two together.
WITH findings AS (
    SELECT * FROM rules.rule_output
),

keyed AS (
    SELECT
        *,
        md5(kind || '|' || rule_code || '|' || coalesce(policy_code, '') || '|'
            || coalesce(CASE WHEN target = 'household' THEN household_no ELSE id_number END, ''))
            AS content_hash
    FROM findings
),

final AS (
    SELECT
        'WL-' || array_to_string(list_transform(range(8), lambda i: substr(
            'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
            ((('0x' || substr(content_hash, 1, 10))::BIGINT >> (35 - 5 * i)) & 31)::INTEGER + 1,
            1)), '') AS item_id,
        kind,
        rule_code,
        policy_code,
        target,
        id_number,
        household_no,
        amount::DECIMAL(14, 2) AS amount,
        amount_period,
        priority::INTEGER AS priority,
        time_limit,
        reason,
        evidence,
        facts_fingerprint
    FROM keyed
)

SELECT * FROM final
QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY priority, amount DESC NULLS LAST, reason) = 1
ORDER BY priority, item_id
