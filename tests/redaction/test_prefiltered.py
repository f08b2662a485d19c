"""The pre-filtered recognizers give exactly the stock recognizers' results."""

from __future__ import annotations

import random

import pytest
from faker import Faker
from presidio_analyzer.predefined_recognizers import (
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from redaction.recognizers.contact import CardRecognizer, OfflineEmailRecognizer
from redaction.recognizers.prefiltered import (
    Prefiltered,
    PrefilteredIbanRecognizer,
    PrefilteredIpRecognizer,
    PrefilteredUsSsnRecognizer,
)

EDGE_CASES = [
    "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "de89 3704 0044 0532 0130 00",
    "192.168.1.10", "10.0.0.1/24", "1.2.3", "::", "::1", "fe80::1%eth0", "::ffff:10.0.0.1",
    "2001:db8::8a2e:370:7334", "a:b", "12:30:45", "123-45-6789", "123 45 6789", "123456789",
    "12345-6789", "123-456789", "12345678", "ada@example.com", "a@b", "user@@x.org",
    "4111 1111 1111 1111", "4111-1111-1111-111", "5555555555554444", "",
    "١٢٣-٤٥-٦٧٨٩",  # Arabic-Indic digits
    "ＤＥ８９３７０４００４４０５３２０１３０００",  # fullwidth
]  # fmt: skip


def _corpus(n: int = 600, seed: int = 3) -> list[str]:
    """Synthetic sentences with real-looking values and near misses (cut or joined)."""
    rng = random.Random(seed)
    fake = Faker(["en_US", "de_DE", "en_GB", "fr_FR"])
    fake.seed_instance(seed)
    makers = [fake.ipv4, fake.ipv6, fake.iban, fake.ssn, fake.email, fake.credit_card_number,
              fake.msisdn, fake.date, fake.time, fake.sentence, fake.uri]  # fmt: skip
    texts = list(EDGE_CASES)
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 5)):
            value = rng.choice(makers)()
            if rng.random() < 0.3:  # a near miss: cut off at either end
                cut = rng.randint(1, max(1, len(value) // 3))
                value = value[cut:] if rng.random() < 0.5 else value[:-cut]
            parts += [value, rng.choice(["", ",", ".", ":", " see", "\n", " and"])]
        texts.append(" ".join(parts))
    return texts


RECOGNIZERS = [
    PrefilteredIbanRecognizer(),
    PrefilteredIpRecognizer(),
    PrefilteredUsSsnRecognizer(),
    OfflineEmailRecognizer(),
    CardRecognizer(),
]


def _spans(results) -> list[tuple[int, int, float]]:  # noqa: ANN001
    return sorted((r.start, r.end, r.score) for r in results)


@pytest.mark.parametrize("ours", RECOGNIZERS, ids=lambda r: type(r).__name__)
def test_same_results_as_without_the_filter(ours) -> None:  # noqa: ANN001
    skipped = found = 0
    for text in _corpus():
        # The same recognizer with its patterns run on every text.
        unfiltered = super(Prefiltered, ours).analyze(text, ours.supported_entities)
        assert _spans(ours.analyze(text, ours.supported_entities)) == _spans(unfiltered)
        if not ours.may_match(text):
            skipped += 1
            assert not unfiltered
        found += len(unfiltered)
    assert skipped > 50  # the filter does skip texts
    assert found > 5  # and the corpus has real values


@pytest.mark.parametrize(
    ("stock", "ours"),
    [
        (IbanRecognizer(), PrefilteredIbanRecognizer()),
        (IpRecognizer(), PrefilteredIpRecognizer()),
        (UsSsnRecognizer(), PrefilteredUsSsnRecognizer()),
    ],
    ids=["iban", "ip", "ssn"],
)
def test_same_results_as_presidios_own(stock, ours) -> None:  # noqa: ANN001
    for text in _corpus(200):
        assert _spans(ours.analyze(text, ours.supported_entities)) == _spans(
            stock.analyze(text, stock.supported_entities)
        )


@pytest.mark.parametrize("ours", RECOGNIZERS, ids=lambda r: type(r).__name__)
def test_patterns_match_with_the_gil_held(ours) -> None:  # noqa: ANN001
    from redaction.recognizers.prefiltered import HeldGilRegex

    assert ours.patterns
    for pattern in ours.patterns:
        assert isinstance(pattern.compiled_regex, HeldGilRegex)
        assert pattern.compiled_with_flags == ours.global_regex_flags
    ours.analyze("mail jane.doe@example.com, 078-05-1120, 10.0.0.1", ours.supported_entities)
    # Presidio recompiles a pattern whose flags differ; ours must still be in place.
    assert all(isinstance(p.compiled_regex, HeldGilRegex) for p in ours.patterns)


def test_held_gil_regex_passes_concurrent_false_and_the_timeout() -> None:
    from redaction.recognizers.prefiltered import HeldGilRegex

    seen: dict = {}

    class Compiled:
        def finditer(self, text, **kwargs):  # noqa: ANN001, ANN003, ANN202
            seen.update(kwargs)
            return iter(())

    assert list(HeldGilRegex(Compiled()).finditer("x", timeout=7)) == []  # type: ignore[arg-type]
    assert seen == {"timeout": 7, "concurrent": False}
