"""Masking for what leaves the warehouse (interfaces.md).

Exports show ID numbers and phones masked; the analysts' copy keys persons by
`person_key`, a keyed hash of the ID number that stays the same from night to
night and cannot be reversed without the key (an unkeyed hash of an 18-digit
ID could be, by trying every birth date and sequence number).
"""
from __future__ import annotations

import hashlib
import hmac


def mask_id_number(id_number: str | None) -> str | None:
    """First 6 and last 4 characters, the 8 between as `*`: `371426********001X`.

    Anything that is not 18 characters (should one slip through) keeps only
    what an 18-character ID would show at its ends and never its middle.
    """
    if id_number is None:
        return None
    s = str(id_number).strip()
    if not s:
        return ""
    if len(s) == 18:
        return s[:6] + "*" * 8 + s[-4:]
    if len(s) > 10:
        return s[:6] + "*" * (len(s) - 10) + s[-4:]
    return "*" * len(s)


def mask_phone(phone: str | None) -> str | None:
    """First 3 and last 4 characters kept, each digit between as `*`: `138****5678`.

    Separators between (a landline's `-`) stay; a number too short to keep
    seven characters shows only its last 4 digits.
    """
    if phone is None:
        return None
    s = str(phone).strip()
    if not s:
        return ""
    if len(s) >= 8:
        middle = "".join("*" if ch.isdigit() else ch for ch in s[3:-4])
        return s[:3] + middle + s[-4:]
    keep = 4 if len(s) > 4 else 0
    return "".join("*" if ch.isdigit() else ch for ch in s[: len(s) - keep]) + s[len(s) - keep:]


def person_key(id_number: str, key: bytes) -> str:
    """HMAC-SHA-256 of the normalised ID number under the county's key, hex."""
    if not key:
        raise ValueError("person_key needs a non-empty key")
    return hmac.new(key, str(id_number).encode("utf-8"), hashlib.sha256).hexdigest()
