"""The audit's validators at their edges (found by mutation testing; fast, no models).

Luhn on the standard test card numbers and their one-digit corruptions, card lengths 13 and
19, IBAN lengths 15 and 34 with computed check digits, the nine-digit gate of the numeric
detectors, national phone formats, provider keys, shared home folders, invalid IPs, and the
result's shape. All values are published test numbers or computed here: no personal data.
"""

from __future__ import annotations

import pytest

from redaction.audit import AUDITED_TYPES, RAW_ID, audit_texts

VALID_CARDS = [
    "4111111111111111",  # Visa
    "4012888888881881",  # Visa
    "5555555555554444",  # Mastercard
    "5105105105105100",  # Mastercard
    "378282246310005",  # American Express (15 digits)
    "6011111111111117",  # Discover
    "3530111333300000",  # JCB
]


def _luhn_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled once the check digit is appended
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def _count(text: str, kind: str) -> int:
    return audit_texts([text]).counts[kind]


@pytest.mark.parametrize("card", VALID_CARDS)
def test_luhn_valid_cards_count_and_each_corruption_does_not(card):
    assert _count(f"card {card} thanks", "CREDIT_CARD") == 1
    for pos in range(len(card)):
        for delta in (1, 5):
            digit = str((int(card[pos]) + delta) % 10)
            bad = card[:pos] + digit + card[pos + 1 :]
            assert _count(f"card {bad} thanks", "CREDIT_CARD") == 0, (card, pos, delta)


@pytest.mark.parametrize("length", [13, 19])
def test_card_lengths_13_and_19_count(length):
    body = "4" + "1" * (length - 2)
    card = body + _luhn_check_digit(body)
    assert len(card) == length
    assert _count(f"card {card} thanks", "CREDIT_CARD") == 1


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


@pytest.mark.parametrize(
    ("country", "bban", "counted"),
    [
        ("NO", "86011117947", True),  # 15 characters: the shortest IBAN (Norway)
        ("XK", "ABCD1234EFGH5678IJKL9012MNOP34", True),  # 34 characters: the longest allowed
        ("XK", "ABCD1234EFGH5678IJKL9012MNOP345", False),  # 35: too long, check digits or not
        ("XK", "ABCD123456", False),  # 14: too short
    ],
)
def test_iban_length_bounds(country, bban, counted):
    iban = _iban(country, bban)
    assert _count(f"iban {iban} ok", "IBAN_CODE") == int(counted), (len(iban), iban)


def test_iban_with_wrong_check_digits_does_not_count():
    iban = _iban("NO", "86011117947")
    wrong = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
    assert _count(f"iban {wrong} ok", "IBAN_CODE") == 0


def test_nine_digits_open_the_numeric_detectors():
    # an SSN has exactly nine digits: the gate must let it through
    assert _count("ssn 536-22-8147", "US_SSN") == 1


def test_national_phone_formats_count():
    assert _count("call 020 7946 0018 today", "PHONE_NUMBER") == 1  # GB national format
    assert _count("call 650 253 0000", "PHONE_NUMBER") == 1  # US national format


def test_provider_keys_count_as_secrets():
    assert _count("key sk-ant-" + "a1B2" * 8 + " end", "SECRET") == 1
    assert _count("token hf_" + "Ab3" * 12, "SECRET") == 1


def test_shared_home_folders_do_not_count():
    assert _count("see /home/shared/data and /Users/Public/x", "HOME_PATH") == 0
    assert _count("see /home/SHARED/data", "HOME_PATH") == 0
    assert _count("see /home/jdoe7/data", "HOME_PATH") == 1


def test_not_an_ip_address_does_not_count():
    assert _count("addr 999.1.1.1 and 256.0.0.1", "IP_ADDRESS") == 0
    assert _count("addr 198.51.100.7", "IP_ADDRESS") == 1


def test_every_type_is_reported_even_at_zero_and_empty_texts_are_skipped():
    empty = audit_texts([])
    assert empty.counts == {t: 0 for t in sorted(AUDITED_TYPES)}
    assert list(empty.counts) == sorted(AUDITED_TYPES)
    result = audit_texts([None, "", "mail a.b@example.org", None, "mail c.d@example.org"])
    assert result.counts["EMAIL_ADDRESS"] == 2 and result.texts_scanned == 2


def test_raw_ids_with_other_characters_and_tokens_both_count():
    result = audit_texts(["ids acct_77 and user:9/z"], raw_ids={"acct_77", "user:9/z", ""})
    assert result.counts[RAW_ID] == 2


def test_budget_names_the_total_or_the_types():
    result = audit_texts(["a@example.com", "203.0.113.9"])
    assert result.exceeded_types(1) == ["TOTAL"]
    assert result.exceeded_types(2) == []
    assert result.exceeded_types({"*": 0, "IP_ADDRESS": 1}) == ["EMAIL_ADDRESS"]
    assert result.exceeded_types({"EMAIL_ADDRESS": 1}) == ["IP_ADDRESS"]


def test_wrong_type_error_names_the_type():
    with pytest.raises(TypeError, match="^audit expects str or None, got int$"):
        audit_texts(["ok", 3])  # type: ignore[list-item]
