"""Redactor behaviour: typed placeholders, byte-for-byte preservation, symptoms and code
survive, bad input gets a defined result. Synthetic data only."""

from __future__ import annotations

import logging

import pytest

from redaction import FAILED, RedactedText, Redactor
from tests.redaction.helpers import assert_outside_unchanged

MIXED = (
    "Hi, I am John Smith (john.smith@example.com, +1 415-555-0132). "
    "Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, SSN 536-22-8147, "
    "server 203.0.113.45, key AKIAIOSFODNN7EXAMPLE, home /home/jsmith/app, "
    "db postgres://app:s3cretPw9@db.example.com:5432/prod, "
    "address 1234 Elm Street, Springfield, IL 62704."
)


def test_placeholders_are_typed_and_counted(redactor):
    (out,) = redactor.redact_batch([MIXED])
    expected = {
        "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
        "IP_ADDRESS", "SECRET", "HOME_PATH", "CONNECTION_STRING", "STREET_ADDRESS",
    }  # fmt: skip
    assert set(out.counts) == expected, f"types found: {sorted(out.counts)}"
    for entity in expected:
        assert out.text.count(f"<{entity}>") == out.counts[entity], entity
    assert "<HOME_PATH>/app" in out.text  # only the home prefix is replaced
    assert_outside_unchanged(MIXED, out.text, out.spans)


def test_batch_order_and_none_and_empty(redactor):
    texts = [None, "", "plain text without anything", "mail a.b@example.com", None]
    out = redactor.redact_batch(texts)
    assert [o.text is None for o in out] == [True, False, False, False, True]
    assert out[1] == RedactedText("", {}, ())
    assert out[2].text == texts[2] and out[2].counts == {}
    assert out[3].text == "mail <EMAIL_ADDRESS>"
    assert redactor.redact_batch([]) == []


def test_same_input_same_output(redactor):
    first = redactor.redact_batch([MIXED, "Contact: Ana Silva"])
    second = redactor.redact_batch(["Contact: Ana Silva", MIXED])
    assert first == second[::-1]


@pytest.mark.parametrize(
    "run",
    [
        "ข้อความภาษาไทยที่ไม่ควรอยู่ตรงนี้",
        "模型输出了中文字符",
        "สวัสดีครับ John",  # Thai run touching an English name
    ],
)
def test_foreign_script_runs_survive(redactor, run):
    text = f"The answer was fine until {run} appeared mid-sentence. Thanks, Maria Lopez"
    (out,) = redactor.redact_batch([text])
    thai_or_cjk = "".join(c for c in run if ord(c) > 0x24F)
    assert thai_or_cjk in out.text, "foreign-script run altered"
    assert_outside_unchanged(text, out.text, out.spans)


CODE_SAMPLES = [
    ("python-class", "class Jordan:\n    def parse_smith(self):\n        return Jordan.parse()\n"),
    ("ts-types", "function findById(xs: Jordan[], id: number): Jordan | undefined {\n}\n"),
    ("java", "public class Morgan extends Taylor {\n  new Morgan();\n}\n"),
    (
        "traceback",
        'Traceback (most recent call last):\n  File "app/main.py", line 12, in parse_smith\n'
        "    Jordan.run()\nAttributeError: 'Jordan' object has no attribute 'Wilson'\n",
    ),
    (
        "sql",
        "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id\n"
        "WHERE o.created_at > now() - INTERVAL '2 years' GROUP BY u.name;\n",
    ),
    ("broken-code", "def parse_smith(:\n    return [x for x in range(10)\n"),
]


@pytest.mark.parametrize("case,code", CODE_SAMPLES, ids=[c[0] for c in CODE_SAMPLES])
def test_code_survives(redactor, case, code):
    text = f"It produced this:\n```\n{code}```\nand then stopped."
    (out,) = redactor.redact_batch([text])
    unchanged = out.text == text  # compared outside assert: pytest would print the texts
    assert unchanged, f"{case}: code altered, counts {out.counts}"


def test_pii_inside_code_is_redacted_but_code_kept(redactor):
    code = 'API_KEY = "sk-ant-api03-AbCdEf0123456789AbCdEf0123456789xyz"\nclass Jordan:\n    pass\n'
    (out,) = redactor.redact_batch([code])
    assert out.counts == {"SECRET": 1}
    assert out.text == 'API_KEY = "<SECRET>"\nclass Jordan:\n    pass\n'


def test_overlaps_become_one_typed_span(redactor):
    text = "url mysql://fgarcia:VelvetOrbit6728n@db.example.com:3306/orders end"
    (out,) = redactor.redact_batch([text])
    expected = out.text == "url <CONNECTION_STRING> end"
    assert expected, f"counts {out.counts}"


def test_bad_input_has_defined_results(redactor, caplog):
    huge = ("The build failed again for Maria Lopez at maria@example.com. " * 3400)[:200_000]
    texts = [
        "nul\x00byte and mail a@example.com",
        "lone \ud800 surrogate then b@example.com",
        "مرحبا بالعالم RTL text \u202e reversed \u202c done",
        "emoji 😀🔥 and c@example.com 👍🏽",
        "\x00\x01\x02",
        huge,
    ]
    with caplog.at_level(logging.DEBUG):
        out = redactor.redact_batch(texts)
    assert out[0].text == "nul\x00byte and mail <EMAIL_ADDRESS>"
    assert out[1].text == "lone \ufffd surrogate then <EMAIL_ADDRESS>"
    assert out[1].text.encode("utf-8")  # encodable: safe to write to Parquet
    assert out[2].text == texts[2]
    assert out[3].text == "emoji 😀🔥 and <EMAIL_ADDRESS> 👍🏽"
    assert out[4].text == texts[4]
    assert out[5].counts.get("EMAIL_ADDRESS", 0) >= 3000
    assert "maria@example.com" not in out[5].text
    leaked = "example.com" in caplog.text or "Maria" in caplog.text
    assert not leaked, "raw text reached the log"


def test_wrong_type_raises_without_value(redactor):
    with pytest.raises(TypeError) as info:
        redactor.redact_batch(["ok", b"secret-bytes-value"])
    assert "element 1 is bytes" in str(info.value)
    assert "secret-bytes-value" not in str(info.value)


def test_failure_fails_closed_without_leaking(redactor, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise ValueError("raw text would be here: a@example.com")

    monkeypatch.setattr(redactor.analyzer, "analyze", boom)
    with caplog.at_level(logging.ERROR):
        out = redactor.redact_batch(["Contact a@example.com", None])
    assert out[0] == RedactedText(f"<{FAILED}>", {FAILED: 1}, ())
    assert out[1].text is None
    leaked = "a@example.com" in caplog.text
    assert not leaked and "failed closed" in caplog.text


def test_chunking_keeps_offsets(redactor):
    small = Redactor.__new__(Redactor)
    small.__dict__.update(redactor.__dict__)
    small.max_chunk_chars = 200  # force many chunks through the same engine
    text = "\n".join(f"line {i}: reach ops{i}@example.com now" for i in range(40))
    (out,) = small.redact_batch([text])
    assert out.counts == {"EMAIL_ADDRESS": 40}
    assert_outside_unchanged(text, out.text, out.spans)


def test_ner_view_keeps_only_sentences_near_a_name_candidate_and_keeps_offsets():
    from redaction.ner_view import ner_view

    code = "def f(x):\n    y = x + 1\n    z = y * 2\n    w = z - 3\n    return w\n"
    text = "The fix is below.\n" + code + "It works now. Thanks, Jane Roe"
    view = ner_view(text)
    assert view is not None and len(view) == len(text)
    assert view.count("\n") == text.count("\n")
    lines, vlines = text.split("\n"), view.split("\n")
    assert vlines[0].strip() == "."  # no candidate, and not next to one: only its full stop
    assert vlines[2].strip() == ""  # code far from the name
    assert vlines[-2].strip() == ""  # two sentences before the name's
    assert vlines[-1] == lines[-1]  # the name's sentence and the one before it (context)
    assert ner_view(text, margin=0).split("\n")[-1] == "            . Thanks, Jane Roe"


def test_ner_view_whole_text_or_nothing():
    from redaction.ner_view import ner_view

    every = "Alpha went home.\nBeta stayed."
    assert ner_view(every) is every
    assert ner_view("the build is broken. The API returns 500 IF it is TOO BIG.") is None
    assert ner_view("") is None


@pytest.mark.parametrize(
    "word, candidate",
    [("Jane", True), ("O'Neil", True), ("Al-Sayed", True), ("The", False), ("API", False),
     ("T", False), ("jane", False), ("Élodie", True)],
)  # fmt: skip
def test_name_candidates(word, candidate):
    from redaction.ner_view import is_name_candidate

    assert is_name_candidate(word) is candidate


def test_names_are_found_inside_code_that_ner_partly_skips(redactor, monkeypatch):
    import redaction.redactor as module

    body = "\n".join(f"    step_{i} = compute(step_{i - 1})" for i in range(1, 12))
    text = (
        "```python\ndef pipeline(step_0):\n" + body + '\n    owner = "Margaret Holloway"\n'
        "    return step_11\n```\nThanks to Margaret Holloway for the review."
    )
    assert module.ner_view(text) != text  # part of the block is skipped by NER
    with_view = redactor.analyze_batch([text])[0]
    monkeypatch.setattr(module, "ner_view", lambda t, margin=1: t)
    full = redactor.analyze_batch([text])[0]
    assert with_view == full
    names = [s for s in with_view if s.entity_type == "PERSON"]
    assert len(names) == 2, "both occurrences of the name"
    out = redactor.redact_batch([text])[0]
    assert "step_5 = compute(step_4)" in out.text  # code far from the name is untouched
