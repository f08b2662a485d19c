"""Personal-data redaction for feedback triage (plain library: no Beam, no CLI).

- ``Redactor``: Presidio + spaCy NER + the project's recognizers; typed placeholders.
- ``Pseudonymizer`` / ``pseudonym_key_from_env``: keyed HMAC pseudonyms for ids.
- ``audit_batch``: an independent second line that masks what the redactor left and counts
  it (``audit_texts``: the counts only).
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Names are imported from their module on first use (PEP 562): the key check and the
# pseudonyms need neither Presidio nor spaCy, whose import costs 7-11 s here (Presidio pulls in
# transformers); only code that redacts or audits pays for it.
_WHERE = {
    "AUDITED_TYPES": "audit", "RAW_ID": "audit", "AuditResult": "audit", "audit_texts": "audit",
    "audit_batch": "audit", "AuditedBatch": "audit",
    "ALL_ENTITIES": "entities", "PRIORITY": "entities", "placeholder": "entities",
    "DEMO_KEY": "pseudonym", "KEY_ENV_VAR": "pseudonym", "DemoKeyWarning": "pseudonym",
    "InvalidPseudonymKeyError": "pseudonym", "MissingPseudonymKeyError": "pseudonym",
    "Pseudonymizer": "pseudonym", "pseudonym_key_from_env": "pseudonym",
    "FAILED": "redactor", "RedactedText": "redactor", "Redactor": "redactor",
    "Span": "spans",
}  # fmt: skip

if TYPE_CHECKING:
    from redaction.audit import (
        AUDITED_TYPES,
        RAW_ID,
        AuditedBatch,
        AuditResult,
        audit_batch,
        audit_texts,
    )
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


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'redaction' has no attribute {name!r}")
    value = getattr(import_module(f"redaction.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "ALL_ENTITIES",
    "AUDITED_TYPES",
    "DEMO_KEY",
    "FAILED",
    "KEY_ENV_VAR",
    "PRIORITY",
    "RAW_ID",
    "AuditResult",
    "AuditedBatch",
    "DemoKeyWarning",
    "InvalidPseudonymKeyError",
    "MissingPseudonymKeyError",
    "Pseudonymizer",
    "RedactedText",
    "Redactor",
    "Span",
    "audit_batch",
    "audit_texts",
    "placeholder",
    "pseudonym_key_from_env",
]
