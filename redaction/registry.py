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
    registry = RecognizerRegistry(supported_languages=[language])
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    return registry
