"""The synthetic county: 平原县 as its twenty departments would deliver it.

    from sources.generator import generate, deliver
    summary = generate(out, people, date, seed, nights=0, quirk_rate=0.01)
    moved = deliver(home, night)

`generate` writes into `out` (the home layout of docs/architecture.md):

- `inbox/<code>_<YYYYMMDD>.<csv|xlsx>` for all 20 sources, extract date =
  date - 1 day, headers / encodings / formats as in sources/contracts; the
  increments (ybj_js, yjj_sz, bzs_hh) hold their history so far.
- `reference/divisions.csv` (`code,name,township_code`, UTF-8): the 12
  townships and their villages (12 digits; last three 001-099 社区, 200-399 村).
- `drops/<YYYY-MM-DD>/` for nights 2..K+1 (night k runs on date + k - 1).
- `truth/findings.csv` (night,kind,rule_code,policy_code,target,id_number,
  household_no,amount,amount_period,example,note), `truth/defects.csv`
  (file,row,column,kind,recoverable; kinds in quirks.py) and
  `truth/deliveries.csv` (night,file,kind; kind normal / late / repeat /
  wrong_<reason>). The first night's findings are every finding of
  policies.md on the clean facts, by the oracle of oracle.py (whose docstring
  lists how each rule is read); later nights' rows are recorded as planted.
- the first night's register, computed from the deliveries as written
  (truth.py, whose docstring holds the rules): `truth/people.csv`
  (id_number,household_no,in_household_register,life_status),
  `truth/households.csv` (household_no,size), `truth/links.csv`
  (file,row,column,kind,id_number,expected: link / review for every
  unusable ID cell, by the oracle of truth.py) and `truth/conflicts.csv`
  (id_number,kind,file,row,column: planted name and birth-date disagreements).

The same arguments give byte-identical files. `generate` returns a small dict
of counts (no personal data). Modules: population.py (people, households,
IDs), facts.py (background facts), planted.py (E1-E7 and planted cases),
receipts.py (who 民政 pays), oracle.py (the findings' truth), assets.py,
tables.py / quirks.py / writers.py (files), truth.py (the register's truth), nights.py
(drops), deliver.py.
"""
from .county import generate
from .deliver import deliver

__all__ = ["generate", "deliver"]
