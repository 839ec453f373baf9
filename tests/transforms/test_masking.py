"""Masking of ID numbers and phones (interfaces.md) and the analysts' person key."""
from __future__ import annotations

import pytest

from transforms.masking import mask_id_number, mask_phone, person_key


def test_id_number_keeps_first_six_and_last_four():
    assert mask_id_number("37142619800101001X") == "371426********001X"
    assert mask_id_number("372422198604121017") == "372422********1017"
    assert mask_id_number(None) is None


def test_phone_keeps_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0534-1234567") == "053*-***4567"
    assert mask_phone("1234567") == "***4567"
    assert mask_phone(None) is None and mask_phone("") == ""


def test_odd_lengths_never_show_the_middle():
    assert mask_id_number("372422800101001") == "372422*****1001"
    assert mask_id_number("12345") == "*****"


def test_person_key_is_a_keyed_stable_hash():
    a = person_key("372422198604121017", b"county-secret")
    assert a == person_key("372422198604121017", b"county-secret") and len(a) == 64
    assert a != person_key("372422198604121017", b"other-secret")
    assert "372422198604121017" not in a
    with pytest.raises(ValueError):
        person_key("372422198604121017", b"")
