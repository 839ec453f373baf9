"""Every rule of the catalogue scored on the first night against truth/: the
generator's oracle evaluates policies.md on the clean facts, the engine on what
the departments delivered. Precision and recall are printed per rule."""
from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TEST_DATE

THRESHOLD = 0.97


def _key(kind, rule, policy, target, id_number, household_no):
    return (kind, rule, policy or "", household_no if target == "household" else id_number)


def _rule_of(kind, rule, policy):
    return policy if rule == "DISCOVER" else rule


def truth_findings(home: Path) -> dict:
    with (home / "truth" / "findings.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["night"] == TEST_DATE.isoformat()]
    return {_key(r["kind"], r["rule_code"], r["policy_code"], r["target"], r["id_number"], r["household_no"]): r
            for r in rows}


def engine_findings(home: Path) -> dict:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        cur = con.execute("SELECT kind, rule_code, policy_code, target, id_number, household_no, amount, "
                          "amount_period FROM rules.finding")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    return {_key(r["kind"], r["rule_code"], r["policy_code"], r["target"], r["id_number"], r["household_no"]): r
            for r in rows}


def implemented_codes() -> set[str]:
    """Rules that can raise an item: an information-only policy (discoverable N) raises none."""
    from transforms.rules import load_rules

    return {r.code for r in load_rules() if r.kind != "discover" or r.discoverable}


@pytest.fixture(scope="module")
def scores(first_night):
    expected, found = truth_findings(first_night), engine_findings(first_night)
    by_rule: dict[str, dict[str, set]] = defaultdict(lambda: {"expected": set(), "found": set()})
    for k in expected:
        by_rule[_rule_of(*k[:3])]["expected"].add(k)
    for k in found:
        by_rule[_rule_of(*k[:3])]["found"].add(k)
    return expected, found, by_rule


def test_every_implemented_rule_scores_against_truth(scores, capsys):
    expected, found, by_rule = scores
    codes = implemented_codes()
    lines, failing = [], []
    for code in sorted(codes):
        e, f = by_rule[code]["expected"], by_rule[code]["found"]
        tp = len(e & f)
        precision = tp / len(f) if f else (1.0 if not e else 0.0)
        recall = tp / len(e) if e else (1.0 if not f else 0.0)
        lines.append(f"{code:28s} planted {len(e):4d}  found {len(f):4d}  precision {precision:.3f}  recall {recall:.3f}")
        if precision < THRESHOLD or recall < THRESHOLD:
            failing.append((code, sorted(f - e)[:3], sorted(e - f)[:3]))
    missing_in_truth = sorted(c for c in codes if not by_rule[c]["expected"])
    with capsys.disabled():  # the scores belong in every test log
        print("\nrules scored against truth (first night):\n  " + "\n  ".join(lines))
    assert not missing_in_truth, f"truth plants no case of {missing_in_truth}"
    assert not failing, failing


def test_amounts_and_periods_agree_with_truth_where_both_find(scores):
    expected, found, _ = scores
    codes = implemented_codes()
    wrong = []
    for k in expected.keys() & found.keys():
        if _rule_of(*k[:3]) not in codes:
            continue
        t, f = expected[k], found[k]
        t_amount = Decimal(t["amount"]) if t["amount"] else None
        f_amount = Decimal(f["amount"]).quantize(Decimal("0.01")) if f["amount"] is not None else None
        if t_amount is not None:
            t_amount = t_amount.quantize(Decimal("0.01"))
        if (t_amount, t["amount_period"] or None) != (f_amount, f["amount_period"] or None):
            wrong.append((k[:3], t["amount"], t["amount_period"], f["amount"], f["amount_period"]))
    assert len(wrong) <= 0.03 * max(len(expected.keys() & found.keys()), 1), wrong[:10]
