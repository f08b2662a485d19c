"""Keep tldextract (used by Presidio's email validation) off the network.

tldextract's default extractor fetches the public-suffix list on first use; on a machine
without internet that logs a network error and stalls. An extractor built with no suffix-list
URLs and no cache directory reads only the snapshot bundled inside the package.
"""

from __future__ import annotations

from functools import lru_cache

import tldextract
import tldextract.tldextract as _tld_module

OFFLINE_EXTRACTOR = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True
)


def configure_offline_tldextract() -> None:
    """Point tldextract's module-level extractor at the bundled snapshot (idempotent).

    Presidio's stock EmailRecognizer calls ``tldextract.extract``, which reads this global;
    the baseline in bench/ uses the stock recognizer, so it needs the patch too.
    """
    _tld_module.TLD_EXTRACTOR = OFFLINE_EXTRACTOR


@lru_cache(maxsize=1024)
def has_public_suffix(domain: str) -> bool:
    """True if ``domain`` ends in a known public suffix (bundled list, no network).

    Kept per domain in memory (a pure function of it; reports repeat a few mail domains):
    tldextract decodes every label's punycode on each call, which was ~3% of redaction time
    on the replay (cProfile)."""
    result = OFFLINE_EXTRACTOR(domain)
    return bool(result.suffix) and bool(result.domain)
