"""One Presidio RecognizerRegistry holding every recognizer the redactor uses."""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

from presidio_analyzer import RecognizerRegistry

from redaction.offline import configure_offline_tldextract
from redaction.recognizers.address import InternationalAddressRecognizer, StreetAddressRecognizer
from redaction.recognizers.coding import ConnectionStringRecognizer, HomePathRecognizer
from redaction.recognizers.contact import (
    PHONE_REGIONS,
    CardRecognizer,
    MultiRegionPhoneRecognizer,
    OfflineEmailRecognizer,
    PhoneFormatRecognizer,
)
from redaction.recognizers.names import LexiconNameRecognizer, NameCueRecognizer
from redaction.recognizers.person import CodeAwarePersonRecognizer
from redaction.recognizers.phones import AnyRegionPhoneRecognizer
from redaction.recognizers.prefiltered import (
    PrefilteredIbanRecognizer,
    PrefilteredIpRecognizer,
    PrefilteredUsSsnRecognizer,
)
from redaction.recognizers.secrets import (
    BearerTokenRecognizer,
    DetectSecretsRecognizer,
    KeywordSecretRecognizer,
    PemPrivateKeyRecognizer,
    ProviderKeyRecognizer,
)


class MemoizedRecognizerRegistry(RecognizerRegistry):
    """Presidio's registry whose ``get_recognizers`` answer is kept per request shape.

    Presidio filters the whole recognizer list by language and entity on every ``analyze``
    (a list copy, one scan per requested entity, a set), about 2% of redaction time; the
    redactor asks only a few dozen distinct entity sets. The answer is the same list in the
    same order as the unmemoized call would build; it is rebuilt when the recognizer list
    changes (compared element by element, so tests that replace or edit it see their change).
    """

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._memo: dict[tuple, list] = {}
        self._memo_of: tuple = ()

    def get_recognizers(  # noqa: D102
        self,
        language: str,
        entities: list[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list | None = None,
    ) -> list:
        if ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        current = tuple(self.recognizers)
        if current != self._memo_of:
            self._memo, self._memo_of = {}, current
        key = (language, all_fields, None if entities is None else tuple(entities))
        found = self._memo.get(key)
        if found is None:
            found = super().get_recognizers(language, entities, all_fields)
            self._memo[key] = found
        return list(found)


def build_registry(
    language: str = "en", phone_regions: tuple[str, ...] = PHONE_REGIONS
) -> RecognizerRegistry:
    """Registry with Presidio's checksum recognizers (Luhn cards, IBAN mod-97, SSN, IP),
    the offline email and multi-region phone recognizers, spaCy PERSON with code filtering,
    and the project's recognizers for secrets, PEM keys, connection strings, home paths and
    street addresses (US and international shapes). No predefined set is loaded implicitly:
    what is here is what runs."""
    configure_offline_tldextract()
    recognizers = [
        CodeAwarePersonRecognizer(supported_language=language),
        LexiconNameRecognizer(supported_language=language),
        NameCueRecognizer(supported_language=language),
        OfflineEmailRecognizer(supported_language=language),
        MultiRegionPhoneRecognizer(supported_regions=phone_regions),
        PhoneFormatRecognizer(supported_language=language),
        AnyRegionPhoneRecognizer(supported_language=language),
        CardRecognizer(supported_language=language),
        PrefilteredIbanRecognizer(supported_language=language),
        PrefilteredIpRecognizer(supported_language=language),
        PrefilteredUsSsnRecognizer(supported_language=language),
        DetectSecretsRecognizer(supported_language=language),
        ProviderKeyRecognizer(supported_language=language),
        KeywordSecretRecognizer(supported_language=language),
        BearerTokenRecognizer(supported_language=language),
        PemPrivateKeyRecognizer(supported_language=language),
        ConnectionStringRecognizer(supported_language=language),
        HomePathRecognizer(supported_language=language),
        StreetAddressRecognizer(supported_language=language),
        InternationalAddressRecognizer(supported_language=language),
    ]
    registry = MemoizedRecognizerRegistry(supported_languages=[language])
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    return registry
