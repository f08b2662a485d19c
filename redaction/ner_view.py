"""What the statistical NER reads of a text: only the sentences that could hold a name.

spaCy's NER is most of the redactor's time, and it costs per token. A model response is
mostly sentences like "The callback is recreated on every render." and code, where no
capitalised word could be a name. :func:`ner_view` blanks those stretches (same length, so
entity offsets hold for the original text) and keeps every sentence or line that has a *name
candidate*: a word of two or more letters that starts with a capital, is not all capitals,
is not an English stop word ("The", "This", "If", ...) and is not a common English word
that is no one's name ("Honestly", "Customer", "Error"; :mod:`redaction.lexicon`, which keeps
"Rose", "Grace", "Jordan" as candidates). en_core_web_sm tags names by
their capitalised shape, so a sentence without such a word gives it nothing to tag;
all-capital words (acronyms, constants) and single capitals are not tagged as people by it
in our replays either. The rule-based recognizers (cues, emails, phones, ...) always read
the whole text; only NER reads the view.

Why: NER is the redactor's largest cost, and most sentences of a report hold no name
candidate; PERSON recall and precision are unchanged. Measured with
``bench/bench_redaction.py --ner-view-only`` (docs/redaction.md).
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

import re

from spacy.lang.en.stop_words import STOP_WORDS

from redaction.lexicon import WORD, load_common_non_names
from redaction.names import TECH, lexicon

# A sentence ends at . ! or ? followed by whitespace, or at a line end.
_SEGMENT = re.compile(r"[^\n]*?(?:[.!?](?=\s)|\n|$)")
_NOT_NAMES = STOP_WORDS | load_common_non_names()


def is_name_candidate(word: str) -> bool:
    """True for a word NER could tag as a person: ``Jane``, ``O'Neil``, ``Al-Sayed``,
    ``Rose``; False for ``the``, ``The``, ``API``, ``T``, ``x1``, ``Honestly``, and for a
    tool or model name of the name lexicon (``Python``, ``Claude``, ``Anthropic``): the
    person recognizers never keep an NER span or a name made of those alone
    (:func:`redaction.recognizers.names.not_a_person_alone`, a tool word ends a name run),
    so NER reading such a sentence could not change the output."""
    if len(word) < 2 or not word[0].isupper() or word.isupper():
        return False
    return word.lower() not in _NOT_NAMES and not lexicon().flags(word) & TECH


def ner_view(text: str, margin: int = 1) -> str | None:
    """``text`` with every sentence or line that has no name candidate replaced by spaces.

    :param text: one chunk of a report (any length; offsets into it are preserved).
    :param margin: sentences kept on either side of a kept one, as context for the model.
    :return: ``text`` itself when every segment is kept, None when none is (no NER needed),
        else a string of the same length with the blanked segments' characters (newlines
        excepted) replaced by spaces.
    """
    segments = [(m.start(), m.end()) for m in _SEGMENT.finditer(text) if m.end() > m.start()]
    has_name = [
        any(is_name_candidate(w) for w in WORD.findall(text, start, end)) for start, end in segments
    ]
    if not any(has_name):
        return None
    if all(has_name):
        return text
    n = len(segments)
    keep = [any(has_name[max(0, i - margin) : i + margin + 1]) for i in range(n)]
    if all(keep):
        return text
    parts: list[str] = []
    cursor = 0
    for (start, end), kept in zip(segments, keep, strict=True):
        if kept:
            continue
        parts.append(text[cursor:start])
        # The segment's last character (its full stop or newline) stays: the next kept
        # sentence then starts after a boundary, as in the text, not after a run of spaces
        # (which made the model miss a name that opens the sentence).
        tail = text[end - 1] if text[end - 1] in ".!?\n" else ""
        parts.append(" " * (end - start - len(tail)) + tail)
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)
