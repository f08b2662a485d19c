"""Answer-like texts built from material nobody in this project wrote, for the symptom
detectors' property tests (tests/clustering/test_symptom_properties.py) and their recall
benchmark (bench/eval_symptom_properties.py).

Material: words are wordfreq's frequency lists (English and 11 other languages), code is real
functions of the standard library's source (``ast.get_source_segment``) and ``json.dumps`` of
random values, Thai syllables are built from the Unicode Thai block (wordfreq has no Thai).
Texts are model-answer shaped: paragraphs of sentences (one line each, or hard-wrapped like a
docstring), lists (items that are sentences, or short fragments, one style per list), closed
fenced code blocks, a heading before a paragraph, Markdown tables. A clean text is complete:
every sentence ends with a terminal, every fence and bracket is closed, no heading is last.

Every random choice goes through a :class:`Source`: :class:`RandomSource` (a seeded
``random.Random``, for the benchmark) or :class:`DataSource` (hypothesis' ``st.data()``, for
the tests, so hypothesis can shrink a failing example). The generators return the text and the
offsets the properties need (the inserted run, the cut); they never call a detector.
"""

from __future__ import annotations

import ast
import json
import random
import sysconfig
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import regex

T = TypeVar("T")


class Source(Protocol):
    cursor: int

    def integer(self, lo: int, hi: int) -> int: ...  # inclusive bounds

    def choice(self, seq: Sequence[T]) -> T: ...

    def chance(self, p: float) -> bool: ...


def pick(src: Source, seq: Sequence[T]) -> T:
    """An element of ``seq`` that differs from the previous picks of this source even when
    every draw is the same (hypothesis shrinks draws toward 0: without the cursor a shrunk
    "clean" text would be "The the the the." and really repeat)."""
    i = (src.integer(0, len(seq) - 1) + src.cursor * 7919) % len(seq)
    src.cursor += 1
    return seq[i]


class RandomSource:
    def __init__(self, seed: int) -> None:
        self._r = random.Random(seed)
        self.cursor = 0

    def integer(self, lo: int, hi: int) -> int:
        return self._r.randint(lo, hi)

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self._r.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self._r.random() < p


class DataSource:
    """Draws through hypothesis (``data`` from ``st.data()``): shrinks toward small choices."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self._data, self._st = data, st
        self.cursor = 0

    def integer(self, lo: int, hi: int) -> int:
        return self._data.draw(self._st.integers(lo, hi))

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self._data.draw(self._st.integers(0, len(seq) - 1))]

    def chance(self, p: float) -> bool:
        # an integer draw shrinks to 0, i.e. to "no"
        return self._data.draw(self._st.integers(0, 999)) >= 1000 - int(p * 1000)


# --- material -------------------------------------------------------------------------------

LANG_SCRIPT = {
    "en": "Latin", "es": "Latin", "de": "Latin", "fr": "Latin", "ru": "Cyrillic",
    "el": "Greek", "ar": "Arabic", "he": "Hebrew", "hi": "Devanagari", "ko": "Hangul",
    "ja": "Japanese", "zh": "Han",
}  # fmt: skip
NO_SPACE_LANGS = ("ja", "zh")
_SCRIPT_RE = {
    "Latin": regex.compile(r"\p{Script=Latin}+"),
    "Cyrillic": regex.compile(r"\p{Script=Cyrillic}+"),
    "Greek": regex.compile(r"\p{Script=Greek}+"),
    "Arabic": regex.compile(r"[\p{Script=Arabic}--\p{M}][\p{Script=Arabic}\p{M}]*", regex.V1),
    "Hebrew": regex.compile(r"\p{Script=Hebrew}+"),
    "Devanagari": regex.compile(r"\p{Script=Devanagari}+"),
    "Hangul": regex.compile(r"\p{Script=Hangul}+"),
    "Japanese": regex.compile(r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+"),
    "Han": regex.compile(r"\p{Script=Han}+"),
}


@cache
def words(lang: str, n: int = 3000) -> tuple[str, ...]:
    """wordfreq's ``n`` most frequent words of ``lang`` written wholly in its script."""
    from wordfreq import top_n_list

    pattern = _SCRIPT_RE[LANG_SCRIPT[lang]]
    return tuple(w for w in top_n_list(lang, n) if pattern.fullmatch(w))


_THAI_CONSONANTS = "กขคฆงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ"
_THAI_VOWELS = ("า", "ิ", "ี", "ึ", "ื", "ุ", "ู", "ะ", "")
_THAI_TONES = ("", "", "่", "้")


def thai_word(src: Source) -> str:
    return "".join(
        pick(src, _THAI_CONSONANTS) + src.choice(_THAI_VOWELS) + src.choice(_THAI_TONES)
        for _ in range(src.integer(1, 3))
    )


# Standard-library modules whose small functions make the code pool (plain Python, ASCII).
_CODE_MODULES = (
    "textwrap", "string", "statistics", "fractions", "heapq", "bisect", "shlex", "calendar",
    "colorsys", "difflib", "fnmatch", "glob", "ipaddress", "json/encoder", "json/decoder",
    "operator", "posixpath", "random", "tokenize", "urllib/parse", "uuid", "zipfile",
    "email/utils", "html/__init__", "csv", "configparser", "argparse", "dataclasses",
)  # fmt: skip


@cache
def code_pool() -> tuple[str, ...]:
    """Functions of 3-25 lines from the standard library's source, dedented, that parse."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for mod in _CODE_MODULES:
        path = stdlib / f"{mod}.py"
        if not path.exists():
            continue
        src = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(src)):
            if not isinstance(node, ast.FunctionDef):
                continue
            seg = ast.get_source_segment(src, node)
            if seg is None or not seg.isascii() or not 3 <= seg.count("\n") + 1 <= 25:
                continue
            seg = textwrap.dedent(seg)
            try:
                ast.parse(seg)
            except SyntaxError:
                continue
            out.append(seg)
    return tuple(out)


def json_snippet(src: Source) -> str:
    def value(depth: int) -> Any:
        kind = src.integer(0, 5 if depth < 2 else 3)
        if kind == 0:
            return src.integer(-1000, 1000)
        if kind == 1:
            return pick(src, words("en"))
        if kind == 2:
            return src.choice((True, False, None))
        if kind == 3:
            return src.integer(0, 10**6) / 100
        if kind == 4:
            return [value(depth + 1) for _ in range(src.integer(0, 4))]
        return {pick(src, words("en")): value(depth + 1) for _ in range(src.integer(1, 4))}

    obj = {pick(src, words("en")): value(1) for _ in range(src.integer(1, 5))}
    return json.dumps(obj, indent=src.choice((None, 2, 4)))


# --- texts ----------------------------------------------------------------------------------


@dataclass
class Part:
    """One element of a text: ``kind`` is paragraph, list, code, heading, table; ``units``
    are the (start, end) offsets, within ``text``, of its sentences / items / body."""

    kind: str
    text: str
    units: list[tuple[int, int]] = field(default_factory=list)
    style: str = ""


@dataclass
class Text:
    parts: list[Part]
    lang: str = "en"

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.parts)

    def offset(self, i: int) -> int:
        return sum(len(p.text) + 2 for p in self.parts[:i])


_TERMINALS = {"en": ".", "ja": "。", "zh": "。"}


def sentence(src: Source, lang: str = "en", *, lo: int = 4, hi: int = 16) -> str:
    """Words of ``lang`` with a capital, maybe a comma, inline code or a parenthesis, and a
    terminal (``.`` mostly, ``?`` or ``!``)."""
    vocab = words(lang)
    n = src.integer(lo, hi)
    ws = [pick(src, vocab) for _ in range(n)]
    if lang in NO_SPACE_LANGS:
        return "".join(ws) + src.choice(("。", "。", "？", "！"))
    ws[0] = ws[0][:1].upper() + ws[0][1:]
    if n >= 6 and src.chance(0.25):
        ws[src.integer(1, n - 3)] += ","
    if lang == "en" and n >= 5 and src.chance(0.15):
        i = src.integer(1, n - 2)
        ws[i] = f"`{ws[i]}`"
    if n >= 6 and src.chance(0.12):
        i = src.integer(1, n - 3)
        ws[i] = "(" + ws[i]
        ws[i + 1] = ws[i + 1].rstrip(",") + ")"
    return " ".join(ws) + src.choice((".", ".", ".", ".", "?", "!"))


def paragraph(src: Source, lang: str = "en") -> Part:
    sents = [sentence(src, lang) for _ in range(src.integer(1, 4))]
    sep = "" if lang in NO_SPACE_LANGS else " "
    text = sep.join(sents)
    wrapped = lang not in NO_SPACE_LANGS and src.chance(0.2)
    if wrapped:  # docstring style: hard line breaks at 72 columns
        text = textwrap.fill(text, 72, break_on_hyphens=False, break_long_words=False)
    # sentence offsets (the wrap only turns spaces into newlines)
    units, pos = [], 0
    for s in sents:
        start = pos
        pos += len(s)
        units.append((start, pos))
        pos += len(sep)
    return Part("paragraph", text, units, "wrapped" if wrapped else "")


def bullet_list(src: Source, lang: str = "en") -> Part:
    style = src.choice(("sentences", "fragments"))
    marker = src.choice(("- ", "* ", "1. "))
    items = []
    for i in range(src.integer(2, 5)):
        if style == "sentences":
            body = sentence(src, lang, lo=3, hi=12)
        else:
            ws = [pick(src, words(lang)) for _ in range(src.integer(1, 5))]
            body = ("" if lang in NO_SPACE_LANGS else " ").join(ws)
        m = f"{i + 1}. " if marker == "1. " else marker
        items.append(m + body)
    text = "\n".join(items)
    units, pos = [], 0
    for it in items:
        units.append((pos + it.index(" ") + 1, pos + len(it)))
        pos += len(it) + 1
    return Part("list", text, units, style)


def code_block(src: Source) -> Part:
    if src.chance(0.7):
        body, lang = pick(src, code_pool()), src.choice(("python", "py", ""))
    else:
        body, lang = json_snippet(src), src.choice(("json", ""))
    fence = "```"
    text = f"{fence}{lang}\n{body}\n{fence}"
    start = len(fence) + len(lang) + 1
    return Part("code", text, [(start, start + len(body))], lang or "plain")


def heading_section(src: Source, lang: str = "en") -> Part:
    ws = [pick(src, words(lang)) for _ in range(src.integer(1, 4))]
    title = " ".join(w[:1].upper() + w[1:] for w in ws)
    head = f"{src.choice(('#', '##', '###'))} {title}"
    para = paragraph(src, lang)
    off = len(head) + 1
    return Part(
        "heading",
        f"{head}\n{para.text}",
        [(0, len(head))] + [(a + off, b + off) for a, b in para.units],
    )


def table(src: Source) -> Part:
    cols = src.integer(2, 4)
    head = [pick(src, words("en")) for _ in range(cols)]
    rows = [
        [
            pick(src, words("en")) if src.chance(0.6) else str(src.integer(0, 999))
            for _ in range(cols)
        ]
        for _ in range(src.integer(2, 5))
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * cols]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return Part("table", "\n".join(lines))


def answer(src: Source, lang: str = "en", *, max_parts: int = 6) -> Text:
    """A clean, complete answer in ``lang`` (prose) with English/code elements around it."""
    parts = [paragraph(src, lang)]
    for _ in range(src.integer(0, max_parts - 1)):
        kind = src.integer(0, 9)
        if kind <= 3:
            parts.append(paragraph(src, lang))
        elif kind <= 5:
            parts.append(bullet_list(src, lang))
        elif kind <= 7:
            parts.append(code_block(src))
        elif kind == 8:
            parts.append(heading_section(src, lang))
        else:
            parts.append(table(src))
    return Text(parts, lang)


# --- repetition -----------------------------------------------------------------------------

SEPARATORS = (" ", "\n", ", ", "; ", " | ", " - ", "\n\n", "", " / ", "\t", " — ", "... ", ". ")


@dataclass
class Inserted:
    text: str
    start: int  # first word character of the inserted run
    end: int  # after its last word character
    unit_kind: str
    copies: int
    separator: str


_WORDCHAR = regex.compile(r"\w")


def _case(src: Source, s: str) -> str:
    return src.choice((s, s, s.upper(), s.lower(), s.title()))


def repetition_unit(src: Source, base: Text) -> tuple[str, str]:
    """(kind, unit): a run of >= 3 words, a sentence, a line of code, or a run of >= 3
    characters of a script written without spaces."""
    kind = src.choice(("tokens", "tokens", "sentence", "line", "no_space"))
    if kind == "tokens":
        while True:
            ws = [pick(src, words("en")) for _ in range(src.integer(3, 8))]
            if len(set(ws)) >= 2:  # "no no no" is itself the repeat of a 1-token unit
                return kind, " ".join(ws)
    if kind == "sentence":
        # "X. X. X." in any of the languages (scripts with and without spaces)
        return kind, sentence(src, src.choice(tuple(LANG_SCRIPT)), lo=1, hi=14)
    if kind == "line":
        lines = [
            ln
            for ln in pick(src, code_pool()).splitlines()
            if regex.search(r"[A-Za-z]{2}", ln)
            and len(ln.strip()) > 2
            and not ln.lstrip().startswith((">>>", "..."))  # doctest sessions are left out
        ]
        return kind, src.choice(lines)
    lang = src.choice(("ja", "zh", "th"))
    while True:
        if lang == "th":
            unit = "".join(thai_word(src) for _ in range(src.integer(1, 3)))
        else:
            unit = "".join(pick(src, words(lang)) for _ in range(src.integer(1, 3)))
        if len(unit) >= 3:
            return kind, unit


def insert_repetition(src: Source, base: Text) -> Inserted:
    kind, unit = repetition_unit(src, base)
    copies = src.integer(3, 8)
    if kind == "line":
        sep = "\n"
    elif kind == "no_space":
        sep = src.choice(("", "", " ", "、", "\n", "。"))
    else:
        sep = src.choice(SEPARATORS)
    run = sep.join(
        _case(src, unit) if kind in ("tokens", "sentence") else unit for _ in range(copies)
    )
    # where: as its own paragraph between parts / at the end, or after a sentence of a
    # paragraph (same line)
    text = base.text
    where = src.integer(0, len(base.parts))
    inline = kind != "line" and src.chance(0.5)  # a line of code is repeated as lines
    if where < len(base.parts) and base.parts[where].kind == "paragraph" and inline:
        part = base.parts[where]
        a, b = src.choice(part.units)
        at = base.offset(where) + b
        before, after = text[:at] + " ", " " + text[at:].lstrip(" ")
    else:
        at = base.offset(where) if where < len(base.parts) else len(text) + 2
        before, after = text[:at].rstrip("\n") + "\n\n", "\n\n" + text[at:].lstrip("\n")
        if not before.strip():
            before = ""
    new = before + run + after.rstrip() if after.strip() else before + run
    first = next(i for i, c in enumerate(run) if _WORDCHAR.match(c))
    last = max(i for i, c in enumerate(run) if _WORDCHAR.match(c)) + 1
    return Inserted(new, len(before) + first, len(before) + last, kind, copies, sep)


def near_duplicates(src: Source) -> Inserted:
    """A loop that rephrases itself: 3-8 copies of a sentence of 8-16 distinct words, each
    with one word replaced (so two copies differ in at most two words), making most of the
    text (one short sentence before it)."""
    while True:
        s = sentence(src, "en", lo=8, hi=16)
        ws = s.split(" ")
        if len({w.lower().strip(",.?!()`") for w in ws}) == len(ws):
            break
    copies = []
    for _ in range(src.integer(3, 8)):
        c = list(ws)
        i = src.integer(1, len(c) - 2)
        c[i] = pick(src, words("en"))
        copies.append(" ".join(c))
    sep = src.choice((" ", "\n", "\n\n"))
    run = sep.join(copies)
    intro = sentence(src, "en", lo=3, hi=8)
    new = intro + "\n\n" + run
    start = len(intro) + 2
    last = max(i for i, ch in enumerate(run) if _WORDCHAR.match(ch)) + 1
    return Inserted(new, start, start + last, "near_duplicate", len(copies), sep)


# --- truncation -----------------------------------------------------------------------------


@dataclass
class Cut:
    text: str
    at: int
    kind: str  # word, sentence, block
    part_kind: str
    style: str
    # Whether the text before the cut shows what was left open: False for a cut inside the
    # text's first sentence (nothing before it closes a sentence: it reads like a one-line
    # title or docstring), inside an item of a list whose items are fragments without
    # full stops ("- seen hurt" is as complete as "- seen hurt remaining event") and right
    # after a table row's closing bar (whole rows remain).
    decidable: bool = True


def cut(src: Source, base: Text) -> Cut | None:
    """Cut ``base`` inside a word, a sentence (between its words, or before its terminal), or
    a block: a code block (anywhere from its opening fence to before its closing fence's end)
    or a table (anywhere after its first character, before its last)."""
    text = base.text
    kind = src.choice(("word", "sentence", "block"))
    cands = []
    for i, p in enumerate(base.parts):
        off = base.offset(i)
        if kind == "block" and p.kind in ("code", "table"):
            cands.append((i, off + 1, off + len(p.text) - 1))
        elif kind != "block" and p.kind in ("paragraph", "list", "heading"):
            for a, b in p.units:
                cands.append((i, off + a, off + b))
    if not cands:
        return None
    i, a, b = src.choice(cands)
    part = base.parts[i]
    if kind == "block":
        at = src.integer(a, b)
        # a table cut right after a row's closing bar leaves whole rows: as complete-looking
        # as a cut at a sentence boundary
        row_end = part.kind == "table" and text[:at].rstrip().endswith("|")
        return Cut(text[:at], at, kind, part.kind, part.style, not row_end)
    first_sentence = i == 0 and a == base.offset(0) + part.units[0][0]
    # Markdown joins a list to a list of the same marker right above it (a blank line
    # between): when that one's items are fragments, the joined list does not punctuate them.
    prev = base.parts[i - 1] if i else None
    joins_fragments = (
        part.kind == "list"
        and prev is not None
        and prev.kind == "list"
        and prev.style == "fragments"
        and a == base.offset(i) + part.units[0][0]
        and _marker_kind(prev.text) == _marker_kind(part.text)
    )
    decidable = not first_sentence and part.style != "fragments" and not joins_fragments
    unit = text[a:b]
    if kind == "word":
        spans = [
            (m.start(), m.end()) for m in regex.finditer(r"\w+", unit) if m.end() - m.start() >= 2
        ]
        if not spans:
            return None
        ws, we = src.choice(spans)
        at = a + src.integer(ws + 1, we - 1)
        return Cut(text[:at], at, kind, part.kind, part.style, decidable)
    else:
        # after any word but the unit's last character (a terminal, or the last word's end
        # when the unit has none)
        ends = [m.end() for m in regex.finditer(r"\w+", unit)]
        ends = [e for e in ends if e < len(unit)] or ends[:-1]
        if not ends:
            return None
        at = a + src.choice(ends)
    return Cut(text[:at], at, kind, part.kind, part.style, decidable)


def _marker_kind(list_text: str) -> str:
    head = list_text.split(" ", 1)[0]
    return "1." if head[:1].isdigit() else head


# --- unexpected script ----------------------------------------------------------------------

FOREIGN = ("thai", "ru", "el", "ar", "he", "hi", "ko", "zh", "ja")
_KANA_RE = regex.compile(r"[\p{Script=Hiragana}\p{Script=Katakana}]")


def foreign_run(src: Source, script_lang: str) -> str:
    if script_lang == "thai":
        return thai_word(src)
    n = 1 if script_lang in NO_SPACE_LANGS else src.integer(1, 2)
    sep = "" if script_lang in NO_SPACE_LANGS else " "
    return sep.join(pick(src, words(script_lang)) for _ in range(n))


def compatible(run_lang: str, text_lang: str) -> bool:
    """Whether a run in ``run_lang``'s script is ordinary inside ``text_lang`` prose."""
    if run_lang == text_lang:
        return True
    # Han inside Japanese and Korean (Hanja), Kana next to Han (the detector's families)
    return (
        run_lang in ("ja", "zh")
        and text_lang in ("ja", "zh", "ko")
        and not (run_lang == "ja" and text_lang == "ko")
    )


def insert_foreign(src: Source, lang: str) -> Inserted:
    """A sentence (>= 5 words) of ``lang`` with a run of an incompatible script inside it
    (after its first word, before its terminal), in an answer."""
    base = answer(src, lang, max_parts=3)
    run_lang = src.choice([f for f in FOREIGN if not compatible(f, lang)])
    while True:
        run = foreign_run(src, run_lang)
        if run_lang == "el" and len(run) < 3:
            continue  # one or two Greek letters are maths
        if run_lang == "ja" and lang == "ko" and not _KANA_RE.search(run):
            continue  # Han alone is Hanja inside Korean
        break
    while True:
        s = sentence(src, lang, lo=5, hi=14)
        if lang in NO_SPACE_LANGS:
            body = s[:-1]
            i = src.integer(1, len(body) - 1)
            new_s, at = body[:i] + run + body[i:] + s[-1], i
        else:
            ws = s.split(" ")
            i = src.integer(1, len(ws) - 1)
            new_s = " ".join(ws[:i] + [run] + ws[i:])
            at = len(" ".join(ws[:i])) + 1
        break
    text = base.text + "\n\n" + new_s
    start = len(base.text) + 2 + at
    return Inserted(text, start, start + len(run), run_lang, 1, "")


def mixed_language_answer(src: Source) -> str:
    """Paragraphs (and whole sentences) each written wholly in one language, with English
    code and tables around: ordinary code-switching, not a symptom."""
    parts = []
    for _ in range(src.integer(2, 5)):
        lang = src.choice(tuple(LANG_SCRIPT))
        if src.chance(0.3):
            parts.append(code_block(src).text)
        if src.chance(0.3):  # sentence-level switching inside one paragraph
            other = src.choice(tuple(LANG_SCRIPT))
            sep = "" if lang in NO_SPACE_LANGS else " "
            parts.append(sentence(src, lang) + sep + sentence(src, other))
        else:
            parts.append(paragraph(src, lang).text)
    return "\n\n".join(parts)


# --- code syntax ----------------------------------------------------------------------------


def broken_code(src: Source) -> tuple[str, str]:
    """(fenced block, language) whose body the language's reference parser (Python's ``ast``,
    ``json``) rejects: a bracket, quote or colon deleted, or a stray token inserted."""
    while True:
        if src.chance(0.7):
            body, lang = pick(src, code_pool()), "python"
        else:
            body, lang = json_snippet(src), "json"
        marks = [m.start() for m in regex.finditer(r"[()\[\]{}:\"']", body)]
        if not marks:
            continue
        i = src.choice(marks)
        if src.chance(0.5):
            broken = body[:i] + body[i + 1 :]
        else:
            broken = body[:i] + src.choice((")", "(", "]", "{", ":", " def ", ",,")) + body[i:]
        if not parses(broken, lang):
            return f"```{lang}\n{broken}\n```", lang


def parses(code: str, lang: str) -> bool:
    try:
        if lang == "python":
            ast.parse(code)
        else:
            json.loads(code)
    except (SyntaxError, ValueError):
        return False
    return True
