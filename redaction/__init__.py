"""Personal-data redaction for feedback triage (plain library: no Beam, no CLI).

- ``Redactor``: Presidio + spaCy NER + the project's recognizers; typed placeholders.
- ``Pseudonymizer`` / ``pseudonym_key_from_env``: keyed HMAC pseudonyms for ids.
- ``audit_texts``: an independent residual-data audit with a budget check.
"""

from redaction.audit import AUDITED_TYPES, RAW_ID, AuditResult, audit_texts
from redaction.entities import ALL_ENTITIES, PRIORITY, placeholder
from redaction.pseudonym import (
    DEMO_KEY,
    KEY_ENV_VAR,
    DemoKeyWarning,
    InvalidPseudonymKeyError,
    MissingPseudonymKeyError,
    Pseudonymizer,
    pseudonym_key_from_env,
)
from redaction.redactor import FAILED, RedactedText, Redactor
from redaction.spans import Span

__all__ = [
    "ALL_ENTITIES",
    "AUDITED_TYPES",
    "DEMO_KEY",
    "FAILED",
    "KEY_ENV_VAR",
    "PRIORITY",
    "RAW_ID",
    "AuditResult",
    "DemoKeyWarning",
    "InvalidPseudonymKeyError",
    "MissingPseudonymKeyError",
    "Pseudonymizer",
    "RedactedText",
    "Redactor",
    "Span",
    "audit_texts",
    "placeholder",
    "pseudonym_key_from_env",
]
