"""``truncation``: the output stops where something it opened is still open.

Definition (issue 19). A text is cut off when it ends inside

- a **code fence** that is never closed (a complete answer whose last part is a closed code
  block is not truncated);
- a **bracket or quote**: its last paragraph opens more ``( [ {`` (and their full-width and
  CJK forms), ``“ « 「 『`` than it closes (inline code and quoted single characters aside),
  or its last sentence holds an odd number of ``"`` or an unpaired inline-code backtick,
  and the text does not end by closing a sentence (a bracket or backtick left open before a
  final full stop is the writer's slip, or a cut exactly at a sentence end: the text reads
  complete there, like any cut at a sentence boundary);
- a **sentence or word**: the last non-space character is not a sentence terminal (Unicode
  Sentence_Terminal, possibly followed by closing quotes, brackets or markup), an ellipsis,
  a symbol (emoji) or a closing bracket or quote. A character that can only continue a
  sentence (``,``, ``;``, ``:``, a dash, an operator, an opening bracket) is always open. A
  word or digit at the end is open when the text closes a sentence elsewhere (a terminal
  followed by space), unless word knowledge says the sentence may be complete without its
  full stop (``word_knowledge=True`` only, :mod:`clustering.english`: its last word is a
  word, not a cut one, and it parses as a complete English clause ending on a content
  word); a text that never closes a
  sentence (a one-line docstring, a title) gives no such evidence and is not flagged;
- a **list item** (``-``/``*``/``1.`` items): its earlier sibling items of the same list all
  end with a terminal and it does not, or it is the list's first item, written as a sentence
  (capital letter) in a text that closes its sentences. An item of a list that does not
  punctuate its items needs no full stop, nor does a field (``:param x: ...``), a definition
  or a section body (a paragraph under an underlined title, after ``Label:``, indented
  below its first line);
- a **heading** with nothing under it (Markdown ``#`` or an underlined title as last line;
  a ``#`` line that starts in lower case or ends with a full stop is a comment, not a
  heading).

Code at the end (a doctest session, an indented block, a literal block after ``::``) is cut
when it leaves a bracket open or its last line continues (``,``, ``\\``, an opening
bracket). Complete without a full stop: tables (Markdown, reST, columns aligned with
spaces), directives and targets (``.. note::``, ``[x]: url``), fields with no body
(``:meta private:``), lines of links or badges, HTML lines, call signatures and assignments,
lines ending with a URL, names one per line.

Evidence: the span of the unclosed fence, the open bracket or quote to the end, or the last
(partial) sentence or item to the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from clustering._text import compile_held
from clustering.code import CodeBlock
from clustering.english import may_end_without_stop

Span = tuple[int, int, str]

_TERMINAL = r"\p{Sentence_Terminal}…"
# Closing characters that may follow a terminal: quotes, brackets, Markdown emphasis.
_CLOSING = "\"'”’»)）]】}」』*_~`>"
_SENTENCE_END_RE = compile_held(rf"[{_TERMINAL}][{regex.escape(_CLOSING)}]*\Z")
# A symbol or emoji as the last character ("Hope this helps 🙂", "✓").
_SYMBOL_END_RE = compile_held(r"[\p{So}\p{Sk}][\uFE0F\u200d\p{M}]*\Z")
# Characters after which a sentence cannot end.
_CONTINUES = frozenset(",;:-–—(/[{=+&\\（［｛、，：；")
# Evidence that the text closes its sentences: a terminal after a letter, digit or closing
# character, followed by space (not "..." prompts, not "3.14", not "e.g" inside a word).
# A full stop after a letter that follows a full stop ("e.g.", "i.e.", "N.B.") or after a
# capital letter standing alone (an initial: "J. Myers") abbreviates; it closes no sentence.
_TERMINALS = rf"(?:[{_TERMINAL}](?<!\.\p{{L}}\.|(?:[\s(]|\A)\p{{Lu}}\.))+"
_CLOSES_SENTENCES_RE = compile_held(
    rf"(?<=[\p{{L}}\p{{N}}{regex.escape(_CLOSING)}]){_TERMINALS}(?=\s)|[。！？]"
)
_LAST_CLOSE_RE = compile_held(
    rf"(?<=[\p{{L}}\p{{N}}{regex.escape(_CLOSING)}]){_TERMINALS}(?=\s)|[。！？]",
    regex.REVERSE,
)
_LIST_ITEM_RE = compile_held(r"[ \t]*(?:[-*+•]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,3}\))[ \t]+\S")
# An item written as a sentence: its marker, then a capital letter (maybe inside markup).
_SENTENCE_ITEM_RE = compile_held(r"(?:[-*+•]|\d{1,3}[.)])[ \t]+[*_`\"“]{0,2}\p{Lu}")
_MARKER_RE = compile_held(
    r"[ \t]*(?:(?P<num>\d{1,3})(?P<sep>[.)])|[-*+•]|[a-zA-Z][.)]|\(\w{1,3}\))"
)
# Fields and definitions: ":param x:", "x : int", "@raises", "Label:", "'name' -- text",
# "name (type): text" (Google style, unindented).
_FIELD_RE = compile_held(
    r"[ \t]*(?::[^:\n]+:(?:\s|\Z)|[\w.*]+ : \S|@\w+|\w[\w .-]{0,40}:\s*\Z"
    r"|['\"`*]*[\w.*]+['\"`*]* -- \S|\*{0,2}\w+ \([^()\n]{1,40}\):\s)"
)
# Lines that are complete without a full stop: a reST directive or target (".. note::"),
# a reference ("[1] ..."), a Markdown link definition ("[x]: url"), a field with no body
# (":meta private:"), a line of links or badges only, a call signature ("f(a, b=1)"), a line
# that ends with a URL (a full stop after it would break the link).
_COMPLETE_LINE_RE = compile_held(
    r"[ \t]*(?:\.\. |\[[^\]\n]+\](?: |:\s*\S+\Z)|:[^:\n]+:\Z"
    r"|(?:!?\[[^\]\n]*\]\([^)\n]*\)[ \t]*)+\Z|[\w.]+\([^()\n]*\)\Z|<.*>\Z)"
    r"|.*(?:\w+://|www\.)\S+\Z"
    # a line of code: an assignment or a call ("x, y = f(a)", "obj.method(b)")
    r"|[ \t]*[\w.\[\]'\"]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*[-+*/|&]?=[ \t]*\S.*"
    # an indented label with nothing after it (Google style "Returns:\n    bool:")
    r"|[ \t]+\w[\w.\[\], ]*:\Z",
    regex.V1,
)
# Columns aligned with two or more spaces (not the double space after a full stop).
_COLUMNS_RE = compile_held(r"[^\s\p{Sentence_Terminal}]  +\S")
_CLOSERS = frozenset(")]}）］｝\"'”’»」』")
# A paragraph that opens with a label ("Note: ...", "See also: ...", "Returns: ...").
_LABEL_RE = compile_held(r"[ \t]*\w+(?:[ -]\w+){0,2}(?:\([^)\n]*\))?:[ \t]+\S")
# A name on its own line (an identifier, a dotted path, a constant).
_NAME_LINE_RE = compile_held(r"[ \t]*(?:[a-z_][\w.]*|\w*[_.]\w*)[ \t]*")
# (a "#" line whose text starts with a lower-case letter is a comment: "# indirect doctest")
_COMMENT_RE = compile_held(r"[ \t]{0,3}#{1,6}[ \t]+\p{Ll}")
_HEADING_RE = compile_held(r"[ \t]{0,3}#{1,6}[ \t]+(?!\p{Ll})\S")
_UNDERLINE_RE = compile_held(r"[ \t]*([=\-~^*+#\"'])\1{2,}[ \t]*")
_TABLE_RE = compile_held(r"[ \t]*(?:\|.*\||\+[-=+]+\+|=+(?:[ \t]+=+)+)[ \t]*")
# The last line of what comes before is a reST directive (".. code-block:: python").
_DIRECTIVE_RE = compile_held(r"(?:^|\n)[ \t]*\.\. [\w:-]+::[^\n]*\Z")
_URL_RE = compile_held(r"\w+://|www\.")
_DOCTEST_RE = compile_held(r"^[ \t]*>>>", regex.M)
# Searched backwards (regex's REVERSE flag): the last blank line, the last sentence end.
_LAST_BLANK_LINE_RE = compile_held(r"\n[ \t]*\n", regex.REVERSE)
_OPENERS = {"(": ")", "[": "]", "{": "}", "（": "）", "［": "］", "｛": "｝",
            "“": "”", "«": "»", "「": "」", "『": "』"}  # fmt: skip
_BRACKET_CHARS_RE = compile_held(r"[()\[\]{}（）［］｛｝“”«»「」『』\"]")
# Inline code (``x`` or `x`, CommonMark / reST), an old-style `quote', a quoted character.
# (a backtick string opens a span that the next backtick string of the same length closes)
_INLINE_CODE_RE = compile_held(r"(?<!`)(`+)(?!`)[\s\S]+?(?<!`)\1(?!`)|`[^`'\n]+'")
# A string literal on one line (brackets inside it are content: '\x1b[31m').
_STRING_RE = compile_held(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_QUOTED_CHAR_RE = compile_held(r"'[^\s']'|\"[^\s\"]\"")
_STRAY_TICK_RE = compile_held(r"(?<!`)`{1,2}(?!`)")


def truncation_span(
    text: str, blocks: Sequence[CodeBlock] = (), *, word_knowledge: bool = False
) -> Span | None:
    """``(start, end, reason)`` when ``text`` ends inside something still open, else None.

    ``blocks`` are the text's code blocks (``clustering.code.find_code_blocks``).
    ``word_knowledge``: let an English last sentence without its terminal that parses as a
    complete clause end there (:func:`clustering.english.may_end_without_stop`). Off by
    default: in grammatical text a cut at a clause boundary reads the same, so it trades
    recall on cut answers for fewer false alarms on text whose writers drop the last full
    stop (docs/clustering.md has both measurements).
    """
    stripped = text.rstrip()
    end = len(stripped)
    if not end:
        return None
    for b in blocks:
        if b.fenced and not b.closed:
            return (b.start, end, "code fence never closed")
    last_fenced = max((b for b in blocks if b.fenced), key=lambda b: b.end, default=None)
    tail_from = 0
    if last_fenced is not None:
        # the closing fence is the line after the body
        fence_end = stripped.find("\n", last_fenced.end + 1)
        if fence_end < 0:
            return None  # ends with a closed code block
        tail_from = fence_end + 1
    # The last paragraph (after the last blank line or code block).
    last_blank = _LAST_BLANK_LINE_RE.search(stripped, tail_from)
    para_start = last_blank.end() if last_blank else tail_from
    para = stripped[para_start:]
    lines = para.split("\n")
    last = lines[-1]
    last_start = end - len(last)

    if _DOCTEST_RE.search(para):
        return _doctest_tail(lines, para_start, end)
    before = stripped[:para_start].rstrip()
    if _is_indented_block(lines) or (
        (before.endswith("::") or _DIRECTIVE_RE.search(before))
        and all(ln.startswith((" ", "\t")) for ln in lines)
    ):
        return _code_tail(para, para_start, end, last)  # code, a literal block, a definition
    if _table_row_cut(lines):
        return (last_start + _indent(last), end, "table row cut off")
    if _TABLE_RE.fullmatch(last) or (len(lines) >= 2 and _COLUMNS_RE.search(last)):
        return None  # a table (Markdown, reST, or columns aligned with spaces)
    # (a "#" line closed with a full stop is a comment: "# Now the lock has been released.")
    if (_HEADING_RE.match(last) and not last.rstrip().endswith(".")) or (
        len(lines) >= 2 and _UNDERLINE_RE.fullmatch(last) and _is_title(lines[-2])
    ):
        return (last_start + len(last) - len(last.lstrip()), end, "ends on a heading")
    if _UNDERLINE_RE.fullmatch(last) or _COMPLETE_LINE_RE.match(last) or _COMMENT_RE.match(last):
        return None  # a rule, a directive, a link, a signature, a URL, a comment
    if all(_NAME_LINE_RE.fullmatch(ln) for ln in lines):
        return None  # a list of names, one per line
    opened = _open_bracket(para, quotes_from=_sentence_start(stripped, para_start) - para_start)
    if opened is not None and not _SENTENCE_END_RE.search(stripped):
        # (a text that ends by closing its sentence is complete there: a bracket, quote or
        # backtick its author never closed is a slip, not a cut exactly at a sentence end)
        return (para_start + opened, end, "bracket or quote never closed")
    ch = stripped[-1]
    if ch in _CONTINUES and not (ch == "+" and not stripped[-2:-1].isspace()):
        # (a "+" glued to what it follows is a suffix: "C++", "3.8+")
        return (_sentence_start(stripped, para_start), end, "ends mid-sentence")
    if _SENTENCE_END_RE.search(stripped) or _SYMBOL_END_RE.search(stripped):
        return None
    if ch in _CLOSERS:
        return None  # a closed bracket or quote: "(see below)", "... 'x'" (all balanced here)
    start = _sentence_start(stripped, para_start)
    if not _reads_as_prose(stripped, start):
        return None  # a value, a date, code, a name: no sentence to leave open
    if start == para_start and before.endswith(":") and not _starts_item(lines[0]):
        # the example an introducing line announces ("For example:", "like this:"), closing
        # no sentence of its own: a literal, a header block, a date
        return None
    if _leaves_paragraphs_open(stripped, start, blocks):
        return None  # its author ends paragraphs without a terminal: no evidence of a cut
    item = _list_item(lines, stripped, para_start)
    if item is not None:
        item_start, siblings = item
        if siblings == "closed":
            return (item_start, end, "list item cut off")
        if (
            siblings != "lone"
            or not _SENTENCE_ITEM_RE.match(stripped, item_start)
            or not _CLOSES_SENTENCES_RE.search(stripped, 0, item_start)
        ):
            return None  # a field, a definition, or a list that does not punctuate items
        # a list's first item, written as a sentence, in a text that closes its sentences
        return (item_start, end, "list item cut off")
    if _CLOSES_SENTENCES_RE.search(stripped, 0, start):
        if word_knowledge and may_end_without_stop(stripped[start:], stripped[:start]):
            return None  # a complete clause whose writer left the full stop out
        return (start, end, "ends mid-sentence")
    return None  # the text never closes a sentence: no evidence that this one is open


# A word of prose: letters (inner hyphens and apostrophes allowed) between opening and
# closing punctuation or markup; inline code counts as a word.
_PLAIN_WORD_RE = compile_held(
    r"[\"'“‘(\[*_`]*(?:\p{L}[\p{L}\p{M}]+(?:[-'’]\p{L}[\p{L}\p{M}]*)*|`[^`]+`)"
    r"[\"'”’)\],;:*_`]*"
)
# The last token is a name or a number with inner dots or underscores ("numpy.get_include",
# "DataFrame.__init__", "v1.19.1", "8.6", "#37359", "$Id$"): a full stop after it would read as
# part of it, so writers leave it out.
# (also a name with a capital inside: "ApplyConcatApply", "ReadTimeout")
_NAME_END_RE = compile_held(
    r"(?:[\w$#]*(?:[._:/#$]\w|\w\(\))[\w.$()+]*|\d[\d,]*|\w*\d\w*|\w*\p{Ll}\p{Lu}\w*)\Z"
)
_EMPHASIS_RE = compile_held(r"\s*([*_]{1,3})[^*_]+\1\s*")
_ALNUM_RE = compile_held(r"[\p{L}\p{N}]")
_LETTER_RE = compile_held(r"\p{L}")
# A line wholly in emphasis or a label in capitals ("**EXPERIMENTAL**", "*Deprecated*").
_EMPHASIS_LINE_RE = compile_held(r"[ \t]*([*_]{1,3})[^*_\n]+\1[ \t]*")
# Where the text closes a line of prose without a terminal: a letter or digit at the end of a
# line followed by a blank line or by a line that starts a new sentence (a capital letter
# then a lower-case one), e.g. a docstring's summary line ("Close the process\n\nThis...").
_OPEN_LINE_END_RE = compile_held(
    r"(?m)^(?P<line>[ \t]*\S[^\n]*[\p{L}\p{N}])[ \t]*\n(?=[ \t]*\n|\p{Lu}\p{Ll})"
)


def _reads_as_prose(text: str, start: int) -> bool:
    """Whether the last sentence ``text[start:]`` is prose that a cut could leave open: at
    least half of its tokens are plain words, its last token is not a name or number with
    inner punctuation, and it is not a line wholly in emphasis. A date, a header, a code line,
    a version or a dotted name at the end is complete without a full stop."""
    sentence = text[start:]
    # tokens with a letter or digit (list markers and dashes are not words)
    tokens = [t for t in sentence.split() if _ALNUM_RE.search(t)]
    if not tokens:
        return False
    last_line = sentence.rsplit("\n", 1)[-1]
    if _EMPHASIS_LINE_RE.fullmatch(last_line) or _EMPHASIS_RE.fullmatch(sentence):
        return False
    # a lone letter is a word ("a", "I", a cut "O") or a symbol ("x", "C"): it counts for
    # neither side
    counted = [t for t in tokens if not _LETTER_RE.fullmatch(t)]
    if len(counted) >= 2:
        plain = sum(1 for t in counted if _PLAIN_WORD_RE.fullmatch(t))
        if 2 * plain < len(counted):
            return False
    elif counted and not _PLAIN_WORD_RE.fullmatch(counted[0]):
        return False  # one token that is not a word: "%s", "$Id$"
    return not _NAME_END_RE.search(tokens[-1].rstrip("*_`"))


def _leaves_paragraphs_open(text: str, start: int, blocks: Sequence[CodeBlock]) -> bool:
    """Whether an earlier line of prose (before the last sentence, outside code) ends a
    paragraph or a sentence without a terminal: the text's author does not close them, so an
    open last sentence is no evidence of a cut. Headings, underlined titles, list items,
    fields, tables, indented lines and lines ending with ``:`` are not such lines."""
    code = [(b.start, b.end) for b in blocks]
    for m in _OPEN_LINE_END_RE.finditer(text, 0, start):
        line = m.group("line")
        a = m.start()
        if any(lo - 8 <= a <= hi for lo, hi in code) or line[:1] in " \t":
            continue
        nxt = text[m.end() : text.find("\n", m.end()) if "\n" in text[m.end() :] else len(text)]
        if (
            _HEADING_RE.match(line)
            or _UNDERLINE_RE.fullmatch(nxt)
            or _UNDERLINE_RE.fullmatch(line)
            or _starts_item(line)
            or _TABLE_RE.fullmatch(line)
            or _EMPHASIS_LINE_RE.fullmatch(line)
            or _COMPLETE_LINE_RE.match(line)
            or len(line.split()) < 2
            or not _reads_as_prose(line, 0)
        ):
            continue
        return True
    return False


def _is_title(line: str) -> bool:
    """A line that an underline makes a title: not blank, not a sentence closed with ``.`` or
    ``!`` nor a URL (a line of dashes under those is a rule or a frame)."""
    body = line.strip()
    return bool(body) and body[-1] not in ".!" and not _URL_RE.search(body)


def _table_row_cut(lines: list[str]) -> bool:
    """The last line is a Markdown table row that the rows above close with ``|`` and it does
    not (``| space | 70``, ``|---|--``, a lone ``|``)."""
    if len(lines) < 2:
        return False
    last, prev = lines[-1].strip(), lines[-2].strip()
    if not last.startswith("|") or not (prev.startswith("|") and prev.endswith("|")):
        return False
    return not (last.endswith("|") and last.count("|") >= 2)


def _is_indented_block(lines: list[str]) -> bool:
    """The last paragraph is an indented block (code, or an indented definition body:
    neither needs a full stop)."""
    return all(ln.startswith(("    ", "\t")) for ln in lines)


def _doctest_tail(lines: list[str], para_start: int, end: int) -> Span | None:
    """A doctest session: cut when its last statement (``>>>`` / ``...`` lines) leaves a
    bracket open or continues; printed output may be elided and is not judged."""
    stmt: list[str] = []
    stmt_start = None
    pos = para_start
    for ln in lines:
        body = ln.lstrip()
        if body.startswith(">>>"):
            stmt, stmt_start = [body[3:]], pos + len(ln) - len(body)
        elif body.startswith("...") and stmt:
            stmt.append(body[3:])
        pos += len(ln) + 1
    if not stmt or stmt_start is None:
        return None
    code = "\n".join(stmt)
    if _open_bracket(_STRING_RE.sub(_blank, code), quotes=False) is not None or code.rstrip()[
        -1:
    ] in (",", "\\"):
        return (stmt_start, end, "code ends inside a bracket")
    return None


def _code_tail(para: str, para_start: int, end: int, last: str) -> Span | None:
    opened = _open_bracket(_STRING_RE.sub(_blank, para), quotes=False)
    if opened is not None:
        return (para_start + opened, end, "code ends inside a bracket")
    if last.rstrip()[-1:] in (",", "\\", "(", "[", "{"):
        return (end - len(last.lstrip()), end, "code ends mid-statement")
    return None


def _open_bracket(para: str, *, quotes: bool = True, quotes_from: int = 0) -> int | None:
    """Offset in ``para`` of the first bracket or quote left open at its end, or None.

    Inline code spans, old-style ```quotes'`` and quoted single characters (``'['``) are
    content, not brackets. A closing bracket closes the innermost open one whatever its kind
    (intervals such as ``[0, n)``); a closer with nothing open (``1)``) is ignored. Straight
    quotes and unpaired backticks count from ``quotes_from`` on (the last sentence): they do
    not say which side they are on, and one written as content earlier would pair wrongly;
    a straight quote is open only when the paragraph's count is odd as well. String literals
    of code are blanked by the callers that judge code.
    """
    if quotes:
        stray = _STRAY_TICK_RE.search(_INLINE_CODE_RE.sub(_blank, para), quotes_from)
        if stray is not None:
            return stray.start()
    masked = _QUOTED_CHAR_RE.sub(_blank, _INLINE_CODE_RE.sub(_blank, para))
    stack: list[int] = []
    straight: int | None = None
    paragraph_quotes = 0
    for m in _BRACKET_CHARS_RE.finditer(masked):
        c = m.group()
        if c == '"':
            paragraph_quotes += 1
            if quotes and m.start() >= quotes_from:
                straight = None if straight is not None else m.start()
        elif c in _OPENERS:
            if quotes or c in "([{（［｛":
                stack.append(m.start())
        elif stack and (quotes or c in ")]}）］｝"):
            stack.pop()
    candidates = stack[:1]
    # a straight quote is open when the last sentence and the whole paragraph hold an odd
    # number (a sentence boundary inside a quotation, '"foo." and "Bar"', pairs them across)
    if straight is not None and paragraph_quotes % 2:
        candidates.append(straight)
    return min(candidates) if candidates else None


def _blank(m: regex.Match) -> str:
    return " " * (m.end() - m.start())


def _sentence_start(text: str, floor: int) -> int:
    """Start of the last sentence at or after ``floor``: after its last terminal."""
    last = _LAST_CLOSE_RE.search(text, floor)
    start = last.end() if last else floor
    while start < len(text) - 1 and text[start] in " \t\n":
        start += 1
    return start


def _list_item(lines: list[str], text: str, para_start: int) -> tuple[int, str] | None:
    """When the last line belongs to a list item, field or section: (item start, siblings),
    siblings being "closed" (the earlier items of its list all end with a terminal), "open"
    (they do not), "lone" (it is its list's first item) or "structure" (a field, a
    definition, a section body). None when the last line is prose."""
    offsets = []
    pos = para_start
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    # The item the last line belongs to: the nearest line above (in this paragraph) that
    # starts an item or a field; lines in between are its continuation.
    item_idx = next((i for i in range(len(lines) - 1, -1, -1) if _starts_item(lines[i])), None)
    if item_idx is None:
        # A definition or section body: the paragraph opens with a line ending in ':' or an
        # underlined title, the last line is indented below the first, or the paragraph
        # follows a line ending in ':' or an underline.
        first = lines[0]
        if _LABEL_RE.match(first):
            return (offsets[0], "structure")
        if len(lines) >= 2 and (first.rstrip().endswith(":") or _UNDERLINE_RE.fullmatch(lines[1])):
            return (offsets[-1], "structure")
        if len(lines) >= 2 and _indent(lines[-1]) > _indent(first):
            return (offsets[-1], "structure")
        before = text[:para_start].rstrip().rsplit("\n", 2)
        if len(before) >= 2 and _UNDERLINE_RE.fullmatch(before[-1]) and before[-2].strip():
            return (offsets[0], "structure")  # the first paragraph under an underlined title
        return None
    marker_line = lines[item_idx]
    start = offsets[item_idx] + _indent(marker_line)
    if not _LIST_ITEM_RE.match(marker_line):
        return (start, "structure")  # fields (":param x:") punctuate as they like
    above = text[:para_start].split("\n") + lines[:item_idx]
    return (start, _siblings(above, _marker(marker_line)))


def _starts_item(line: str) -> bool:
    return bool(_LIST_ITEM_RE.match(line) or _FIELD_RE.match(line))


def _marker(line: str) -> tuple[str, int]:
    """(kind, number) of a list item's marker: ("-", 0), ("1.", 3) for "3. x", ..."""
    m = _MARKER_RE.match(line)
    if m is None:
        return ("", 0)
    if m.group("num"):
        return ("n" + m.group("sep"), int(m.group("num")))
    return (m.group(0).strip(), 0)


def _siblings(above: list[str], marker: tuple[str, int]) -> str:
    """ "closed" when the items above of the same list (same marker; numbers counting down to
    1; loose lists with blank lines between items included) all end with a terminal, "open"
    when some do not, "lone" when there are none."""
    kind, number = marker
    results: list[bool] = []
    item_last: str | None = None  # last line of the item being read (bottom-up)
    loose = False
    for ln in reversed(above):
        if not ln.strip():
            if item_last is not None:
                break  # a non-item line above a blank: the list's introduction
            if results and not loose:
                break  # the items right above (no blank line between) are its siblings
            loose = not results  # a blank line right above the item: a loose list
            continue
        if _LIST_ITEM_RE.match(ln):
            k, n = _marker(ln)
            if k != kind or (number and n != number - 1 - len(results)):
                break  # another list
            results.append(_item_closed(item_last if item_last is not None else ln))
            item_last = None
            if number and n == 1:
                break
        elif item_last is None:
            item_last = ln
        elif not ln.startswith((" ", "\t")):
            break  # two unindented non-item lines: prose
    if not results:
        return "lone"
    return "closed" if all(results) else "open"


def _item_closed(line: str) -> bool:
    return bool(_SENTENCE_END_RE.search(line.rstrip()))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))
