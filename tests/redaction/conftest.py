"""One Redactor per test session: loading spaCy and Presidio is the slow part."""

from __future__ import annotations

import pytest

from redaction import Redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()
