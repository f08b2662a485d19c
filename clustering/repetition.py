"""``repetition``: a unit repeated back to back, the mark of a model stuck in a loop.

Definition (issue 19). A text repeats when

1. a **unit of at least 3 tokens** occurs at least **3 times in a row**. Tokens are words
   (``\\w+``, apostrophes inside kept) compared case-insensitively, and each character of a
   script written without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar, Tibetan) is a token of
   its own, so a "run of characters" in those scripts is a unit as well. Whatever lies between
   tokens (spaces, punctuation, newlines, nothing) is a separator and ignored, so "X. X. X.",
   "X, X, X", "X | X | X", "X\\nX\\nX" and "XXX" (no-space scripts) are all the same repeat.
   A unit whose own tokens repeat (``no no no``) counts through its shortest period: one token
   needs 9 copies, two tokens 12 (three copies of a 3- or 4-token unit). Copies glued
   without a separator fuse the unit's last and first words into one token at each joint;
   such a run counts when that fused token is the word after the run followed by the word
   before it.
2. a **sentence or line** (whatever its length) occurs at least 3 times in a row, compared
   case-insensitively with its whitespace collapsed and separators and list markers stripped
   at its ends; a line keeps its indentation in the comparison. ("Thanks! Thanks! Thanks!",
   ``return x`` on three lines.)
3. **near-duplicate sentences or lines** (each at least 4 words, word-set Jaccard >= 0.6 with
   the previous member) form a chain of at least 3 that covers most (>= 60%) of the text's
   tokens: the loop that rephrases itself ("I apologize for the confusion. I apologize for
   any confusion. ..."). List items, fields, definitions, table rows, directives and tags
   are similar items, not a loop, and do not count here. In scripts without spaces the sets
   hold characters, so a changed word there changes several members of the set.

Legitimate repetition is excluded by what a unit must contain: at least one word of two or
more letters or one character of a no-space script. Numbers, hex escapes, single letters and
punctuation never make a unit (array printouts ``[0, 0, 0, ...]``, ``\\x00\\x00``, ``A B C D A
B C D``, table rules, closing lines ``}`` / ``)``). Lines that only close a construct
(``end``, ``fi``, ``</div>``) repeat legitimately in code at different indentation and are
compared with it. A one- or two-token unit separated by commas or table bars is a list of
similar values (``[True, True, True, ...]``, ``| N/A | N/A |``), not a loop. Doctest sessions
(``>>>`` and the lines after it up to a blank line) are left out: their output repeats when
the calls do, and their statements are similar calls.

Evidence: one span per repeated run (overlapping runs merged), from the first copy's first
token to the last copy's last token; the reason gives the rule, the unit size and the count.
"""

from __future__ import annotations

import re
import string

import numpy as np
import regex

from clustering._text import compile_held

# Scripts written without spaces between words: each character is a token.
NO_SPACE_SCRIPTS: tuple[str, ...] = (
    "Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar", "Tibetan",
)  # fmt: skip
_NS = "".join(rf"\p{{Script={s}}}" for s in NO_SPACE_SCRIPTS)
_TOKEN_RE = compile_held(rf"[{_NS}]|[\w--[{_NS}]]+(?:['’][\w--[{_NS}]]+)*", regex.V1)
# The same tokens for ASCII text, by the standard library's engine (about twice as fast on
# the replay's texts; `re` never releases the GIL, see clustering/_text.py).
_ASCII_TOKEN_RE = re.compile(r"\w+(?:'\w+)*", re.ASCII)
# A word of two letters, or one character of a script whose characters are syllables or
# words (Han, Kana, Thai, ..., a Hangul syllable block).
_TWO_LETTERS_RE = compile_held(r"\p{L}\p{M}*\p{L}|" + rf"[{_NS}\p{{Script=Hangul}}]", regex.V1)

# Sentence / line segmentation for rules 2 and 3: a newline, a full-width CJK terminal, or a
# run of sentence terminals not followed by a digit or a lower-case letter ("3.14", "a.b.c"
# are one token). A terminal right after a list number ("1. ", "12) ") is the list marker.
_SEG_SPLIT_RE = compile_held(
    r"(\n|[。！？｡]+|(?<!(?:^|\n)[ \t]*\d{1,3})\p{Sentence_Terminal}+(?![\p{Ll}\d_]))", regex.V1
)
# Characters stripped from both ends of a segment before comparing: separators and list
# markers are not part of the unit ("Yes. | Yes. | Yes.", "- item").
_EDGE = "".join(sorted(set(string.punctuation + " \t\u3000…—–•·、，；：！？「」『』（）【】")))
_LIST_MARKER_RE = compile_held(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_MARKER_FIRST = frozenset("-*+•0123456789")
# A line that only closes a construct: brackets, a closing tag, a shell/Ruby/Lua/LaTeX end.
_CLOSER_RE = compile_held(
    r"[ \t]*(?:[)\]}>;,]+|</[\w:.-]+>|end\w*|fi|done|esac|\\end\{[^}\n]*\})[ \t;,)\]}]*"
)
_LIST_SEPARATOR_RE = compile_held(r"[,|]")
# A doctest session: a ">>>" line and the lines after it up to a blank line. Its printed
# output repeats legitimately ("False\nFalse\nFalse" for three calls) and its statements are
# similar calls (``f(1)``, ``f(2)``, ...): the whole session is left out.
_DOCTEST_RE = compile_held(r"^[ \t]*>>>.*(?:\n(?![ \t]*$).*)*", regex.M)
# Segments that are list items, fields, definitions ("name: text", "name : type"), table
# rows, directives, tags or prompts: similar items, not a rephrasing loop.
_ITEM_RE = compile_held(
    r"[ \t]*(?:(?:[-*+•]|\d{1,3}[.)]|:\w[^:\n]*:|\$|>|\.\.|[\w.`*]+[ \t]*:)[ \t]|[|<])"
)

MIN_COPIES = 3
MIN_UNIT_TOKENS = 3
NEAR_DUP_JACCARD = 0.6
NEAR_DUP_MIN_WORDS = 4
NEAR_DUP_COVER = 0.6
NEAR_DUP_MIN_CHARS = 12  # key length (indentation prefix included) worth tokenising
# Rule 3 runs only when at least this share of the text's token pairs occurred earlier in it:
# every near-duplicate loop of the property tests has >= 0.29 (two copies that differ in two
# words share most pairs); 3.9% of replay responses and 7.7% of installed docstrings reach
# it (measured while writing this), so the segment comparison is rarely paid.
NEAR_DUP_GATE = 0.2

Span = tuple[int, int, str]


def repetition_spans(text: str) -> list[Span]:
    """``(start, end, reason)`` of every repeated run in ``text`` (see the module docstring)."""
    if ">>>" in text:
        text = _DOCTEST_RE.sub(_blank, text)
    tokens = (_ASCII_TOKEN_RE if text.isascii() else _TOKEN_RE).findall(text)
    n = len(tokens)
    if n < MIN_COPIES:
        return []
    # Equality is all that matters, so each case-folded token is replaced by its hash.
    ids = np.fromiter(map(hash, map(str.casefold, tokens)), dtype=np.int64, count=n)
    eq1 = ids[1:] == ids[:-1]
    eq2 = ids[2:] == ids[:-2]
    periods, recurring = _bigram_recurrence(ids)
    spans = _periodic_spans(text, tokens, ids, eq1, eq2, periods)
    # Rule 2 only adds units of one or two tokens (longer ones are periodic runs already):
    # three copies show as three equal tokens in a row or a two-token period over six.
    short = bool(np.any(eq1[1:] & eq1[:-1])) or bool(
        len(eq2) >= 4 and np.any(eq2[:-3] & eq2[1:-2] & eq2[2:-1] & eq2[3:])
    )
    # Rule 3 is looked for only where word pairs recur (cost bound, see NEAR_DUP_GATE).
    near = recurring >= NEAR_DUP_GATE
    if short or near:
        spans += _segment_spans(text, n, near)
    return _merge(spans)


# --- rule 1: periodic token runs ------------------------------------------------------------


def _runs(eq: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """Maximal runs ``[a, b)`` of True in ``eq`` with ``b - a >= min_len``."""
    padded = np.concatenate(([False], eq, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [
        (int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_len
    ]


def _bigram_recurrence(ids: np.ndarray) -> tuple[list[int], float]:
    """(periods >= 3 worth checking, share of token pairs that occurred earlier in the text).

    In ``k >= 3`` copies of a ``p``-token unit, nearly every token pair of copies 2..k recurs
    exactly ``p`` tokens earlier; ordinary text seldom repeats a pair at a fixed distance, so
    only the distances at which pairs recur often enough are checked.
    """
    n = len(ids)
    if n < 4:
        return [], 0.0
    with np.errstate(over="ignore"):
        bi = ids[:-1] * np.int64(1_000_003) + ids[1:]
    order = np.argsort(bi, kind="stable")
    sb = bi[order]
    same = sb[1:] == sb[:-1]
    repeats = int(np.count_nonzero(same))
    if not repeats:
        return [], 0.0
    dist = order[1:][same] - order[:-1][same]  # stable sort: distance to the previous one
    dist = dist[(dist >= MIN_UNIT_TOKENS) & (dist * 3 <= n + 1)]
    periods: list[int] = []
    if dist.size:
        counts = np.bincount(dist)
        keep = counts >= np.maximum(2, np.arange(len(counts)) - 2)
        periods = [int(p) for p in np.flatnonzero(keep) if p >= MIN_UNIT_TOKENS]
    return periods, repeats / (n - 1)


def _periodic_spans(
    text: str,
    tokens: list[str],
    ids: np.ndarray,
    eq1: np.ndarray,
    eq2: np.ndarray,
    periods: list[int],
) -> list[Span]:
    n = len(ids)
    found: list[tuple[int, int, int]] = []  # (first token, end token, period)
    # One- and two-token periods: 9 / 12 tokens make three copies of a 3- / 4-token unit.
    # Three copies of a 3-token unit glued without a separator ("a b ca b ca b c") have
    # period 2 over 5 tokens; they count when the fused token is the unit's last word
    # followed by its first.
    for p, need, eq in ((1, 8, eq1), (2, 10, eq2)):
        if n <= 2 * p:
            continue
        if np.count_nonzero(eq) < (need if p == 1 else 2 * p - 1):
            continue
        for a, b in _runs(eq, need if p == 1 else 2 * p - 1):
            if b - a >= need or _glued(tokens, a, b + p, p):
                found.append((a, b + p, p))
    # Longer periods: three copies, or three minus one token when copies are glued without a
    # separator (the unit's last and first words then fuse into one token at each joint, and
    # the fused token is the word after the run followed by the word before it).
    for p in periods:
        eq = ids[p:] == ids[:-p]
        for a, b in _runs(eq, 2 * p - 1):
            if b - a >= 2 * p or _glued(tokens, a, b + p, p):
                found.append((a, b + p, p))
    if not found:
        return []
    found.sort(key=lambda f: (f[2], f[0]))
    used = np.zeros(n, dtype=bool)
    matches: list = []
    out: list[Span] = []
    for first, end, p in found:
        if used[first:end].all():
            continue  # the same run at a multiple of its period
        first, end = _extend_glued(tokens, first, end, p)
        unit = tokens[first : first + p]
        if not any(_TWO_LETTERS_RE.search(t) for t in unit):
            continue  # numbers, single letters, escapes: data, not a loop
        if not matches:
            matches = list(_TOKEN_RE.finditer(text))
        if p <= 2 and _is_value_list(text, matches, first, end):
            continue
        used[first:end] = True
        copies = (end - first) / p
        out.append(
            (
                matches[first].start(),
                matches[end - 1].end(),
                f"{p}-token unit repeated x{int(copies) if copies >= 3 else 3}",
            )
        )
    return out


def _glued(tokens: list[str], first: int, end: int, p: int) -> bool:
    """Whether the token before the run and the token after it, joined (last word + first
    word), make one of the run's tokens: copies written without a separator."""
    if first == 0 or end >= len(tokens):
        return False
    fused = (tokens[end] + tokens[first - 1]).casefold()
    return any(t.casefold() == fused for t in tokens[first : first + p])


def _extend_glued(tokens: list[str], first: int, end: int, p: int) -> tuple[int, int]:
    """Take in the first copy's first word and the last copy's last word when copies are
    glued (they are the halves of the fused tokens inside the run)."""
    if first > 0 and first - 1 + p < end:
        fused = tokens[first - 1 + p].casefold()
        head = tokens[first - 1].casefold()
        if len(fused) > len(head) and fused.endswith(head):
            first -= 1
    if end < len(tokens) and end - p >= first:
        fused = tokens[end - p].casefold()
        tail = tokens[end].casefold()
        if len(fused) > len(tail) and fused.startswith(tail):
            end += 1
    return first, end


def _is_value_list(text: str, matches: list, first: int, end: int) -> bool:
    """Every separator in the run holds a comma or a table bar: ``True, True, True, ...``."""
    return all(
        _LIST_SEPARATOR_RE.search(text, matches[i].end(), matches[i + 1].start())
        for i in range(first, end - 1)
    )


# --- rules 2 and 3: sentences and lines -----------------------------------------------------


def _segment_spans(text: str, n_tokens: int, near: bool) -> list[Span]:
    parts = _SEG_SPLIT_RE.split(text)
    # parts alternates segment, delimiter, segment, ...; a segment after "\n" (or first) is a
    # line start and keeps its indentation in its key.
    keys: list[str] = []
    for i in range(0, len(parts), 2):
        seg = parts[i]
        line_start = i == 0 or parts[i - 1] == "\n"
        if line_start and seg.lstrip(" \t")[:1] in _MARKER_FIRST:
            seg = _LIST_MARKER_RE.sub("", seg)  # "1. x", "2. x": the same item
        body = " ".join(seg.split()).strip(_EDGE).casefold()
        if line_start and body:
            indent = len(seg) - len(seg.lstrip(" \t"))
            keys.append(f"{indent}|{body}")
        else:
            keys.append(f"0|{body}" if body else "")
    out: list[Span] = []
    # Rule 2: equal consecutive segments (empty ones are separators).
    nonempty = [i for i, k in enumerate(keys) if k]
    j = 0
    while j < len(nonempty):
        k = j
        while k + 1 < len(nonempty) and keys[nonempty[k + 1]] == keys[nonempty[j]]:
            k += 1
        if k - j + 1 >= MIN_COPIES:
            seg = parts[2 * nonempty[j]]
            if _TWO_LETTERS_RE.search(seg) and not _CLOSER_RE.fullmatch(seg.strip()):
                out.append((nonempty[j], nonempty[k], f"sentence or line repeated x{k - j + 1}"))
        j = k + 1
    # Rule 3: chains of near-duplicate segments covering most of the text.
    if near:
        out += _near_duplicates(parts, keys, n_tokens)
    if not out:
        return []
    offsets = _segment_offsets(parts)
    spans = []
    for a, b, reason in out:
        start = offsets[a] + len(parts[2 * a]) - len(parts[2 * a].lstrip())
        end = offsets[b] + len(parts[2 * b].rstrip())
        spans.append((start, end, reason))
    return spans


def _blank(m: regex.Match) -> str:
    """The match blanked to spaces, newlines kept (offsets unchanged)."""
    return regex.sub(r"[^\n]", " ", m.group())


def _segment_offsets(parts: list[str]) -> list[int]:
    offsets, pos = [], 0
    for i, p in enumerate(parts):
        if i % 2 == 0:
            offsets.append(pos)
        pos += len(p)
    return offsets


def _near_duplicates(
    parts: list[str], keys: list[str], n_tokens: int
) -> list[tuple[int, int, str]]:
    """Rule 3 over the segments' token sets (only texts whose long segments could cover)."""
    long_chars = sum(len(k) for k in keys if len(k) >= NEAR_DUP_MIN_CHARS)
    if long_chars < NEAR_DUP_COVER * sum(len(k) for k in keys):
        return []
    toks: list[list[str] | None] = [None] * len(keys)
    for i, k in enumerate(keys):
        if len(k) >= NEAR_DUP_MIN_CHARS and not _ITEM_RE.match(parts[2 * i]):
            t = _TOKEN_RE.findall(k)
            if len(t) >= NEAR_DUP_MIN_WORDS:
                toks[i] = t
    idx = [i for i, t in enumerate(toks) if t is not None]
    if len(idx) < MIN_COPIES:
        return []
    sets = {i: set(toks[i]) for i in idx}
    out = []
    a = 0
    while a < len(idx):
        b = a
        while b + 1 < len(idx) and _jaccard(sets[idx[b]], sets[idx[b + 1]]) >= NEAR_DUP_JACCARD:
            b += 1
        members = idx[a : b + 1]
        if len(members) >= MIN_COPIES:
            covered = sum(len(toks[m]) for m in members)
            if covered >= NEAR_DUP_COVER * n_tokens:
                out.append((members[0], members[-1], f"near-duplicate sentences x{len(members)}"))
        a = b + 1
    return out


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for s, e, r in sorted(spans):
        if merged and s <= merged[-1][1]:
            ps, pe, pr = merged[-1]
            merged[-1] = (ps, max(pe, e), pr)
        else:
            merged.append((s, e, r))
    return merged
