"""Context enhancement only for score-gated entity types: same spans, less work."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

from redaction.context import ScoreGatedContextEnhancer
from tests.redaction.test_redactor import MIXED

# Synthetic texts where context words sit next to matches of many recognizers.
CONTEXT_TEXTS = [
    MIXED,
    "Call my mobile phone (556) 219-8170 or reach me at +44 7607 357164 tonight.",
    "password=Hunter2Secret! and the api key sk-ant-api03-abcdefghijklmnopqrstuvwx",
    "my ssn is 536228147, the order number is 536228148",
    "ship it to my address: 742 Evergreen Terrace, Springfield; file /home/alice/x.py",
    "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789 header for the database url",
]


class _Untouchable:
    """NLP artifacts that fail the test if anything reads them."""

    def __getattr__(self, name):
        raise AssertionError(f"artifacts.{name} was read for an ungated result")


def test_ungated_results_pass_through_without_reading_the_text():
    enhancer = ScoreGatedContextEnhancer({"US_SSN"})
    phone = RecognizerResult("PHONE_NUMBER", 5, 17, 0.4)
    out = enhancer.enhance_using_context("call 555-0132 now", [phone], _Untouchable(), [])
    assert out == [phone] and out[0].score == 0.4


def test_ssn_context_still_decides_a_weak_match(redactor):
    (with_context,) = redactor.analyze_batch(["my ssn is 536228147 sorry"])
    (without,) = redactor.analyze_batch(["the order number is 536228147 sorry"])
    assert [s.entity_type for s in with_context] == ["US_SSN"]
    assert not [s for s in without if s.entity_type == "US_SSN"]


def test_same_spans_as_enhancing_every_result(redactor, monkeypatch):
    gated = redactor.analyze_batch(CONTEXT_TEXTS)
    monkeypatch.setattr(redactor.analyzer, "context_aware_enhancer", LemmaContextAwareEnhancer())
    full = redactor.analyze_batch(CONTEXT_TEXTS)
    assert gated == full
    assert sum(len(s) for s in gated) >= 20  # the texts do hold many detections


@pytest.mark.parametrize("min_scores, gated", [({"US_SSN": 0.3}, {"US_SSN"}), ({}, set())])
def test_redactor_gates_the_types_that_have_a_minimum_score(min_scores, gated):
    from redaction import Redactor

    enhancer = Redactor(min_scores={**min_scores, "EMAIL_ADDRESS": 0.0}).analyzer
    assert enhancer.context_aware_enhancer.gated_entities == gated
