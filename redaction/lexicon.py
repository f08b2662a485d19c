"""Common English words that are not names: capitalised, they give the NER nothing to tag.

:func:`redaction.ner_view.is_name_candidate` skips a capitalised word whose lower-case form is
in this list ("Honestly", "Customer", "Session", "Error"): such words start a sentence or
title a UI label, and a sentence whose only capitalised words are these is not read by NER.
The list is *common English words minus every known given name and surname*:

- common: Zipf frequency >= :data:`DEFAULT_MIN_ZIPF` in wordfreq's English list (about the
  7,000 most frequent words; "session" 4.7, "customer" 4.6, "binary" 3.9 is not in);
- not a name: not a first name or last name in any of Faker's person locales (~56,000 names
  across ~80 locales), so "Rose", "Mark", "Grace", "Paris", "Jordan" stay name candidates.

The list is generated once and checked in (``redaction/data/common_non_names.txt``), so
redaction does not change when a dependency is upgraded (the extract must be reproducible);
``python -m redaction.lexicon --write`` regenerates it (needs the dev extra's wordfreq).
Why: a sentence without a name candidate is not read by NER at all (`redaction.ner_view`),
which saves time without changing PERSON predictions; the measurement is in
docs/redaction.md (bench/bench_redaction.py).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
from collections.abc import Iterable
from pathlib import Path

#: A word a name candidate could be: a letter, then letters, digits, apostrophes or hyphens.
WORD = re.compile(r"[^\W\d_][\w'’-]*")

LEXICON_FILE = Path(__file__).parent / "data" / "common_non_names.txt"
DEFAULT_MIN_ZIPF = 4.0
_NAME_LISTS = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_nonbinary",
    "last_names",
)


def load_common_non_names(path: Path = LEXICON_FILE) -> frozenset[str]:
    """The checked-in list: lower-case words, one per line; ``#`` lines are its header."""
    if not path.is_file():
        raise RuntimeError(
            f"redaction lexicon {path} is missing; reinstall the package or regenerate it "
            "with `python -m redaction.lexicon --write`"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


def known_names() -> set[str]:
    """Lower-cased first and last names of every Faker person locale."""
    import faker.providers.person as person

    names: set[str] = set()
    for module_info in pkgutil.iter_modules(person.__path__):
        module = importlib.import_module(f"{person.__name__}.{module_info.name}")
        provider = getattr(module, "Provider", None)
        for attr in _NAME_LISTS:
            values = getattr(provider, attr, None)
            # Some locales define these as properties computed per instance; skip them.
            if values is None or isinstance(values, property):
                continue
            names.update(n.lower() for n in values if isinstance(n, str))
    return names


def build_common_non_names(min_zipf: float = DEFAULT_MIN_ZIPF) -> list[str]:
    """Sorted common English words (wordfreq Zipf >= ``min_zipf``) that are not known names."""
    from wordfreq import get_frequency_dict

    floor = 10 ** (min_zipf - 9)  # Zipf = log10(frequency per billion words)
    common = {
        w
        for w, f in get_frequency_dict("en", wordlist="small").items()
        if f >= floor and WORD.fullmatch(w)  # only words a name candidate could be
    }
    return sorted(common - known_names())


def _header(min_zipf: float) -> list[str]:
    from importlib.metadata import version

    return [
        "# Common English words that are not names (redaction/lexicon.py).",
        f"# wordfreq {version('wordfreq')} Zipf >= {min_zipf}, minus Faker {version('Faker')} "
        "person names.",
        "# Regenerate: python -m redaction.lexicon --write",
    ]


def write_lexicon(path: Path = LEXICON_FILE, min_zipf: float = DEFAULT_MIN_ZIPF) -> int:
    """Regenerate the checked-in list; returns the number of words written."""
    words = build_common_non_names(min_zipf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*_header(min_zipf), *words]) + "\n", encoding="utf-8")
    return len(words)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m redaction.lexicon",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--write", action="store_true", help=f"regenerate {LEXICON_FILE.name}")
    parser.add_argument(
        "--min-zipf",
        type=float,
        default=DEFAULT_MIN_ZIPF,
        help="wordfreq Zipf frequency a word needs to count as common (default %(default)s)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.write:
        print(f"wrote {write_lexicon(min_zipf=args.min_zipf)} words to {LEXICON_FILE}")
    else:
        print(f"{len(load_common_non_names())} words in {LEXICON_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
