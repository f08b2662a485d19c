"""Entity types the redactor emits, their placeholders and their overlap priority.

The names match the replay's truth entity types (truth/pii.parquet) and the contract's
placeholders, so evaluation compares like with like.
"""

from __future__ import annotations

PERSON = "PERSON"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
CREDIT_CARD = "CREDIT_CARD"
IP_ADDRESS = "IP_ADDRESS"
SECRET = "SECRET"
IBAN_CODE = "IBAN_CODE"
US_SSN = "US_SSN"
STREET_ADDRESS = "STREET_ADDRESS"
HOME_PATH = "HOME_PATH"
CONNECTION_STRING = "CONNECTION_STRING"

# Highest priority first: when detections overlap, the union of the overlapping spans is
# replaced once, typed by its highest-priority member (a password inside a connection
# string is one <CONNECTION_STRING>; a user name inside /home/jsmith is one <HOME_PATH>).
PRIORITY: tuple[str, ...] = (
    CONNECTION_STRING,
    SECRET,
    HOME_PATH,
    EMAIL_ADDRESS,
    IBAN_CODE,
    CREDIT_CARD,
    US_SSN,
    IP_ADDRESS,
    PHONE_NUMBER,
    STREET_ADDRESS,
    PERSON,
)

ALL_ENTITIES: frozenset[str] = frozenset(PRIORITY)


def placeholder(entity_type: str) -> str:
    """Return the typed placeholder for an entity type, e.g. ``<PERSON>``."""
    return f"<{entity_type}>"


def priority_rank(entity_type: str) -> int:
    """Rank of an entity type in PRIORITY (0 = wins overlaps); unknown types rank last."""
    try:
        return PRIORITY.index(entity_type)
    except ValueError:
        return len(PRIORITY)
