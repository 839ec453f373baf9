"""Identifier arithmetic the generator needs: ID numbers (GB 11643) and
unified social credit codes (GB 32100), computed here so the generator owns
its check digits and imports nothing from transforms/.

The vectorised check digit works on a whole column at once: 500,000 numbers
take a few tens of milliseconds.
"""
from __future__ import annotations

import numpy as np

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK_CHARS = "10X98765432"
_ID_CHECK_ARRAY = np.array(list(ID_CHECK_CHARS))


def id_check_digit(first17: str) -> str:
    """The GB 11643 check digit of 17 ASCII digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * int(w) for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def id_check_digits(first17s: np.ndarray) -> np.ndarray:
    """Check digits for an array of 17-digit strings, in one pass."""
    if len(first17s) == 0:
        return np.array([], dtype="<U1")
    raw = "".join(first17s).encode("ascii")
    digits = (np.frombuffer(raw, dtype=np.uint8).reshape(-1, 17) - 48).astype(np.int64)
    return _ID_CHECK_ARRAY[(digits @ ID_WEIGHTS) % 11]


def id_is_valid(number: str) -> bool:
    return (len(number) == 18 and number[:17].isdigit()
            and id_check_digit(number[:17]) == number[17])


def id_legacy15(number: str) -> str:
    """The pre-1999 15-digit form: no century, no check digit."""
    return number[:6] + number[8:17]


def id_with_wrong_check_digit(number: str, pick: int) -> str:
    """One digit changed so that the check digit no longer fits.

    Every GB 11643 weight is prime to 11, so changing any single one of the
    first 17 digits changes the weighted sum mod 11 and breaks the check. The
    changed digit is one of the sequence digits (positions 15-16), so the birth
    date stays real; the result never ends in 000 (that would read as Excel
    damage instead)."""
    for k in range(20):
        pos = 14 + (pick + k) % 2
        new = (int(number[pos]) + 1 + (pick + k) % 9) % 10
        out = number[:pos] + str(new) + number[pos + 1:]
        if not out.endswith("000"):
            return out
    raise AssertionError(number)


# Unified social credit code (统一社会信用代码), GB 32100-2015, with the
# embedded organisation code check (GB 11714).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(first8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def uscc(prefix8: str, org8: str) -> str:
    """A valid credit code from the 8-character prefix (登记管理部门, 机构类别,
    登记管理机关行政区划码) and 8 characters of organisation code."""
    body = prefix8 + org8 + org_code_check(org8)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]
