"""Every recognizer on crafted synthetic values: found, correctly typed, and the span
covers the whole value. Messages name the case, never the value."""

from __future__ import annotations

import pytest

from tests.redaction.helpers import covered, types_at

# (case id, text, value that must be replaced, expected type). All data is synthetic.
POSITIVE = [
    ("email", "reach me at maria.lopez@example.org please", "maria.lopez@example.org",
     "EMAIL_ADDRESS"),
    ("email-cctld", "mail kofi_smit@uni-heidelberg.de now", "kofi_smit@uni-heidelberg.de",
     "EMAIL_ADDRESS"),
    ("phone-us-paren", "Call me on (415) 555-0132 today", "(415) 555-0132", "PHONE_NUMBER"),
    ("phone-unknown-area", "Call me on (556) 219-8170, thanks", "(556) 219-8170",
     "PHONE_NUMBER"),
    ("phone-uk", "my mobile is +44 7595 686071", "+44 7595 686071", "PHONE_NUMBER"),
    ("phone-fr", "appelle +33 6 32 69 20 30 stp", "+33 6 32 69 20 30", "PHONE_NUMBER"),
    ("phone-de", "Tel. +49 151 39826415 bitte", "+49 151 39826415", "PHONE_NUMBER"),
    ("phone-jp", "-- Wei, 090-7212-5338", "090-7212-5338", "PHONE_NUMBER"),
    ("card-visa", "card 4111 1111 1111 1111 was charged", "4111 1111 1111 1111",
     "CREDIT_CARD"),
    ("card-amex", "amex 373312859395111 declined", "373312859395111", "CREDIT_CARD"),
    ("card-mc-2series", "card 2223000048400011 expired", "2223000048400011", "CREDIT_CARD"),
    ("iban-spaced", "IBAN GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32",
     "IBAN_CODE"),
    ("iban-compact", "send to NL91ABNA0417164300 today", "NL91ABNA0417164300", "IBAN_CODE"),
    ("ipv4", "ssh into 203.0.113.45 failed", "203.0.113.45", "IP_ADDRESS"),
    ("ipv4-after-at", "ssh deploy@81.10.238.158 'uptime'", "81.10.238.158", "IP_ADDRESS"),
    ("ssn", "my SSN is 536-22-8147 sorry", "536-22-8147", "US_SSN"),
    ("aws-key", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "SECRET"),
    ("github-token", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked",
     "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "SECRET"),
    ("gitlab-token", "use glpat-n6KIz7pugv0EDvbKH2d0 here", "glpat-n6KIz7pugv0EDvbKH2d0", "SECRET"),
    ("slack-token", "bot xoxb-40074385187-9396995059708-R8GziCz6dYCMww4s8wzLlTUc ok",
     "xoxb-40074385187-9396995059708-R8GziCz6dYCMww4s8wzLlTUc", "SECRET"),
    ("anthropic-key", "ANTHROPIC_API_KEY=sk-ant-api03-AbCdEf0123456789AbCdEf0123456789xyz",
     "sk-ant-api03-AbCdEf0123456789AbCdEf0123456789xyz", "SECRET"),
    ("huggingface", "hf token 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 ok",
     "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", "SECRET"),
    ("jwt", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
     "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U done",
     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
     "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "SECRET"),
    ("password-assignment", 'DB_PASSWORD = "Tiger!Sunset42"', "Tiger!Sunset42", "SECRET"),
    ("password-prose", "my password is hunter2Xy9zzQ8 oops", "hunter2Xy9zzQ8", "SECRET"),
    ("bearer", "Authorization: Bearer abcDEF123456ghiJKL789mno", "abcDEF123456ghiJKL789mno",
     "SECRET"),
    ("pem", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1y2\nq83hZ==\n"
     "-----END RSA PRIVATE KEY-----\nthanks",
     "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1y2\nq83hZ==\n"
     "-----END RSA PRIVATE KEY-----", "SECRET"),
    ("pem-truncated", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n",
     "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA", "SECRET"),
    ("conn-postgres", "DATABASE_URL=postgresql://admin:OrbitVelvet8608*@10.0.3.17:5432/app",
     "postgresql://admin:OrbitVelvet8608*@10.0.3.17:5432/app", "CONNECTION_STRING"),
    ("conn-redis-nouser", "use redis://:FalconCopper8432*@cache.example.com:6379/0 now",
     "redis://:FalconCopper8432*@cache.example.com:6379/0", "CONNECTION_STRING"),
    ("conn-ado", "Server=db1;Database=app;User Id=sa;Password=Xy9!pass;",
     "Server=db1;Database=app;User Id=sa;Password=Xy9!pass;", "CONNECTION_STRING"),
    ("home-linux", "File /home/jsmith/app/main.py line 3", "/home/jsmith", "HOME_PATH"),
    ("home-macos", "open /Users/priya.k/Desktop/x.txt", "/Users/priya.k", "HOME_PATH"),
    ("home-windows", r"saved to C:\Users\Ahmed\Documents\a.docx", r"C:\Users\Ahmed",
     "HOME_PATH"),
    ("home-windows-escaped", r'"path": "C:\\Users\\Olga_Fern\\repo"', r"C:\\Users\\Olga_Fern",
     "HOME_PATH"),
    ("street-us", "I live at 1234 Elm Street, Springfield, IL 62704.",
     "1234 Elm Street, Springfield, IL 62704", "STREET_ADDRESS"),
    ("street-de", "Our office is at 660 Hauptstraße, Portland, OR 97205, ok",
     "660 Hauptstraße, Portland, OR 97205", "STREET_ADDRESS"),
    ("person-ner", "Yesterday John Smith told me the build broke.", "John Smith", "PERSON"),
    ("person-signature", "answers are generic :(\n-- Mei MacLeod, +49 151 06589167",
     "Mei MacLeod", "PERSON"),
    ("person-contact", "Contact: Tomasz Petrova <tp@example.com>", "Tomasz Petrova", "PERSON"),
    ("person-json", '{\n  "name": "Elena Novak",\n  "email": "x"\n}', "Elena Novak", "PERSON"),
]  # fmt: skip


@pytest.mark.parametrize("case,text,value,expected", POSITIVE, ids=[c[0] for c in POSITIVE])
def test_recognizer_finds_and_types_value(redactor, case, text, value, expected):
    found = types_at(redactor, text, value)
    assert expected in found, f"{case}: expected {expected}, got types {sorted(found)}"
    assert covered(redactor, text, value), f"{case}: value only partly covered"


# Text that looks a bit like an entity but is not one.
NEGATIVE = [
    ("version", "upgraded to version 2.13.0 and 1.0.94 of the client"),
    ("max-tokens", "max_tokens=4096 and temperature: 0.7 were set"),
    ("luhn-fail", "order number 4111 1111 1111 1112 is wrong"),
    ("iban-bad-checksum", "reference GB83 WEST 1234 5698 7654 32"),
    ("placeholder-ssn", "the docs use 123-45-6789 as an example"),
    ("password-variable", "password = os.environ['DB_PASSWORD']"),
    ("token-prose", "the token limit is 200k tokens"),
    ("url-no-credentials", "see https://docs.example.com/api/v1?x=1"),
    ("shared-home", "copied to /Users/Shared/build and /home/"),
    ("sk-package", "pip install sk-learn-extra-utilities-package"),
    ("date", "deployed on 2025-08-25 at 14:00 UTC"),
]


@pytest.mark.parametrize("case,text", NEGATIVE, ids=[c[0] for c in NEGATIVE])
def test_non_entities_are_left_alone(redactor, case, text):
    spans = redactor.analyze_batch([text])[0]
    assert spans == [], (
        f"{case}: unexpected spans {[(s.entity_type, s.start, s.end) for s in spans]}"
    )


def test_name_after_a_smiley_is_still_a_name(redactor):
    out = redactor.redact("makes no sense :( Contact: Santiago Yamamoto <s.y@example.org>")
    assert out.counts.get("PERSON") == 1, out.counts
    assert "Yamamoto" not in out.text


def test_international_numbers_libphonenumber_calls_invalid_are_still_phones(redactor):
    # +44 76xx is a pager range libphonenumber rejects; people still write such numbers.
    for text in ('"phone": "+44 7607 357164"', "Call me on +49 151 51820670, please"):
        out = redactor.redact(text)
        assert out.counts.get("PHONE_NUMBER") == 1, out.counts
