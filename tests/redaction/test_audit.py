"""The independent audit: counts per type, placeholders ignored, raw ids, budget."""

from __future__ import annotations

import pytest

from redaction import AUDITED_TYPES, RAW_ID, audit_texts

RESIDUAL = [
    "mail maria.lopez@example.org and card 4111-1111-1111-1111",
    "iban GB82 WEST 1234 5698 7654 32, ssn 536-22-8147, call +1 415-555-0132",
    "key AKIAIOSFODNN7EXAMPLE, ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
    "db postgresql://admin:OrbitVelvet8608*@10.0.3.17:5432/app",
    r"path /home/jsmith/x and C:\Users\Ahmed\y",
    "server 203.0.113.45 and user acct_a72ed5081755c6de",
    None,
    "",
]


def test_counts_each_type():
    result = audit_texts(RESIDUAL, raw_ids={"acct_a72ed5081755c6de", "sess_unused"})
    counts = result.counts
    assert set(counts) == set(AUDITED_TYPES)
    assert result.texts_scanned == 7
    assert counts["EMAIL_ADDRESS"] == 1
    assert counts["CREDIT_CARD"] == 1
    assert counts["IBAN_CODE"] == 1
    assert counts["US_SSN"] == 1
    assert counts["PHONE_NUMBER"] >= 1
    assert counts["SECRET"] >= 3
    assert counts["CONNECTION_STRING"] == 1
    assert counts["HOME_PATH"] == 2
    # the host inside the connection string is masked with it, as one <CONNECTION_STRING>
    assert counts["IP_ADDRESS"] == 1
    assert counts[RAW_ID] == 1


def test_redacted_output_and_placeholders_are_clean():
    redacted = [
        "mail <EMAIL_ADDRESS> and card <CREDIT_CARD>",
        "path <HOME_PATH>/x, db <CONNECTION_STRING>, key <SECRET>, user u_3fa9c0de11aa22bb33cc",
        "version 2.13.0 and 1.0.94; max_tokens=4096; localhost 127.0.0.1",
        "card-like but fails Luhn 4111 1111 1111 1112; sample SSN 000-12-3456",
    ]
    result = audit_texts(redacted, raw_ids={"acct_a72ed5081755c6de"})
    assert result.total == 0, f"residual counts {result.counts}"


def test_raw_id_must_be_exact_token():
    result = audit_texts(["acct_12345 and acct_123456 and xacct_12345"], raw_ids={"acct_12345"})
    assert result.counts[RAW_ID] == 1
    special = audit_texts(["id user:42/a here"], raw_ids={"user:42/a"})
    assert special.counts[RAW_ID] == 1


def test_budget():
    result = audit_texts(["a@example.com", "b@example.com", "203.0.113.9"])
    assert result.counts["EMAIL_ADDRESS"] == 2 and result.total == 3
    assert result.exceeds(0) and result.exceeds(2) and not result.exceeds(3)
    assert result.exceeds({"EMAIL_ADDRESS": 1, "*": 5})
    assert not result.exceeds({"EMAIL_ADDRESS": 2, "IP_ADDRESS": 1})
    assert result.exceeds({"EMAIL_ADDRESS": 2})  # unlisted types default to 0
    assert result.exceeded_types({"*": 1}) == ["EMAIL_ADDRESS"]


def test_result_holds_no_values():
    result = audit_texts(["secret mail z.q@example.com"])
    assert "example" not in repr(result)


def test_non_string_rejected():
    with pytest.raises(TypeError):
        audit_texts([b"bytes"])


def test_audit_does_not_import_presidio():
    """The launcher audits the published labels: that must not cost Presidio's import
    (transformers and torch, seconds per process)."""
    import subprocess
    import sys

    code = (
        "import sys; from redaction import audit_texts; audit_texts(['call 555-0100']); "
        "print(sorted(m for m in ('presidio_analyzer', 'torch', 'spacy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
