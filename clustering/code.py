"""``code_syntax_error``: code blocks that do not parse in their language.

Blocks are Markdown fenced blocks (```` ```lang ````, language declared or not) and indented
blocks (4 spaces or a tab after a blank line). Each block is parsed with a real parser:

- Python: :mod:`ast` (the interpreter's own parser).
- JavaScript / TypeScript / TSX, SQL: tree-sitter grammars from PyPI; a tree with an ERROR or
  MISSING node does not parse.
- Shell: ``bash -n`` (bash's own parser, nothing is executed); tree-sitter-bash where bash is
  not installed. SQL dialects differ, so a SQL block is an error
  only when tree-sitter-sql *and* sqlglot (a second, independent SQL parser) both reject it.
- JSON: :mod:`json`.

A block whose language is not declared is guessed from its content; a block whose language has
no parser here (Rust, YAML, plain text ...) or cannot be guessed is not judged. A fence that is
never closed (the excerpt ends inside the block) is reported as truncation by the caller, never
as a syntax error: the parser would only see the cut.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import textwrap
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache

import regex

from clustering._text import HeldGilPattern, compile_held

# Opening fence: up to 3 spaces, 3+ backticks or tildes, optional info string.
_FENCE_RE = compile_held(r"^[ ]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$", regex.M)

_LANG_ALIASES: dict[str, str] = {
    "python": "python", "py": "python", "python3": "python", "py3": "python",
    "javascript": "javascript", "js": "javascript", "jsx": "javascript", "node": "javascript",
    "mjs": "javascript", "cjs": "javascript",
    "typescript": "typescript", "ts": "typescript", "tsx": "tsx",
    "json": "json",
    "sql": "sql", "postgresql": "sql", "postgres": "sql", "mysql": "sql", "sqlite": "sql",
    "psql": "sql", "tsql": "sql", "plsql": "sql",
    "bash": "bash", "sh": "bash", "shell": "bash", "zsh": "bash", "shellscript": "bash",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A code block: ``code`` is ``text[start:end]``; ``lang`` is normalised or None.

    ``declared`` is the raw info-string language (lower case, may be ""); ``closed`` is False
    for a fence that the text ends inside.
    """

    start: int
    end: int
    code: str
    lang: str | None
    declared: str
    closed: bool
    fenced: bool


def find_code_blocks(text: str, *, indented: bool = True) -> list[CodeBlock]:
    """Fenced blocks, then (unless ``indented`` is False) indented blocks outside them, in
    text order.

    Offsets are Python str offsets of the code body (without the fence lines). A line of
    tildes, or of four or more backticks, right under a line of text, at least half as long
    and with no info string, is that title's underline (reST, Setext), not a fence.
    """
    blocks: list[CodeBlock] = []
    covered: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _FENCE_RE.search(text, pos)
        if m is None:
            break
        fence = m.group("fence")
        if _is_underline(text, m):
            pos = m.end()
            continue
        declared = (m.group("info").strip().split() or [""])[0].lower()
        body_start = min(m.end() + 1, len(text))
        close_re = compile_held(
            r"^[ ]{0,3}" + regex.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", regex.M
        )
        c = close_re.search(text, body_start)
        if c is None:
            body_end, closed, next_pos = len(text), False, len(text)
        else:
            body_end, closed, next_pos = max(c.start() - 1, body_start), True, c.end()
        code = text[body_start:body_end]
        blocks.append(
            CodeBlock(
                body_start, body_end, code, _LANG_ALIASES.get(declared), declared, closed, True
            )
        )
        covered.append((m.start(), next_pos))
        pos = next_pos
        if pos >= len(text):
            break
    if indented:
        blocks.extend(_indented_blocks(text, covered))
    blocks.sort(key=lambda b: b.start)
    return blocks


def _is_underline(text: str, m: regex.Match) -> bool:
    fence = m.group("fence")
    # (a Markdown fence is three backticks, more only to nest one: a longer line of them
    # under a title is a reST underline)
    if (fence[0] != "~" and len(fence) < 4) or m.group("info").strip() or m.start() == 0:
        return False
    prev_start = text.rfind("\n", 0, m.start() - 1) + 1
    title = text[prev_start : m.start() - 1].strip()
    return bool(title) and len(fence) >= 0.5 * len(title)


def _indented_blocks(text: str, covered: list[tuple[int, int]]) -> list[CodeBlock]:
    """Markdown indented code: lines starting with 4 spaces or a tab, after a blank line."""
    out: list[CodeBlock] = []
    lines = text.splitlines(keepends=True)
    offsets = []
    off = 0
    for line in lines:
        offsets.append(off)
        off += len(line)
    i = 0
    while i < len(lines):
        start_ok = i == 0 or not lines[i - 1].strip()
        if start_ok and _is_indented(lines[i]) and lines[i].strip():
            j = i
            while j < len(lines) and (_is_indented(lines[j]) or not lines[j].strip()):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            start, end = offsets[i], offsets[j - 1] + len(lines[j - 1].rstrip("\n"))
            if not any(a <= start < b for a, b in covered):
                body = textwrap.dedent("".join(lines[i:j]).expandtabs(4)).rstrip("\n")
                out.append(CodeBlock(start, end, body, None, "", True, False))
            i = j
        else:
            i += 1
    return out


def _is_indented(line: str) -> bool:
    return line.startswith("    ") or line.startswith("\t")


# --- language guessing ----------------------------------------------------------------------

_GUESS_RULES: tuple[tuple[str, HeldGilPattern], ...] = (
    ("json", compile_held(r'\A\s*[\[{]\s*(?:"[^"\n]*"\s*:|[\[{\d"]|\]|\})', regex.S)),
    ("python", compile_held(
        r"^\s*(?:def \w+\(|class \w+[(:]|import \w|from [\w.]+ import |print\(|elif |"
        r"if .+:\s*$|for \w+ in .+:\s*$|while .+:\s*$|with .+:\s*$|return\b|@\w+)", regex.M)),
    ("sql", compile_held(
        r"\A\s*(?:SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|"
        r"VIEW)|ALTER\s+TABLE|WITH\s+\w+\s+AS)\b", regex.I)),
    ("typescript", compile_held(
        r"^\s*(?:interface \w+|type \w+\s*=|export (?:interface|type) )|:\s*(?:string|number|"
        r"boolean)\b", regex.M)),
    ("javascript", compile_held(
        r"^\s*(?:const |let |var |function\b|export |import .+ from |module\.exports|"
        r"console\.log\()|=>", regex.M)),
    ("bash", compile_held(
        r"\A\s*(?:#!/bin/(?:ba)?sh|\$ |(?:sudo |pip |npm |git |cd |ls |echo |export |curl |"
        r"docker |kubectl |mkdir |rm |cp |mv |chmod |grep |cat |python3? -m |set -e))"
        r"|^\s*(?:for \w+ in [^\n:]*;\s*do|(?:if|while) \[|done|fi)\s*$", regex.M)),
)  # fmt: skip


def guess_language(code: str) -> str | None:
    """Best guess of a block's language from its content, or None when nothing fits.

    Ordered rules (JSON, Python, SQL, TypeScript, JavaScript, shell); the first match wins.
    """
    for lang, pattern in _GUESS_RULES:
        if pattern.search(code):
            return lang
    return None


# --- parsers --------------------------------------------------------------------------------


@cache
def _ts_parser(lang: str):  # type: ignore[no-untyped-def]
    """A tree-sitter parser per language, built once per process (grammars are C libraries)."""
    import tree_sitter as ts

    if lang == "javascript":
        import tree_sitter_javascript as g

        language = g.language()
    elif lang in ("typescript", "tsx"):
        import tree_sitter_typescript as g

        language = g.language_tsx() if lang == "tsx" else g.language_typescript()
    elif lang == "bash":
        import tree_sitter_bash as g

        language = g.language()
    elif lang == "sql":
        import tree_sitter_sql as g

        language = g.language()
    else:
        raise ValueError(f"no tree-sitter grammar for language {lang!r}")
    return ts.Parser(ts.Language(language))


def _first_ts_error(lang: str, code: str) -> int | None:
    """Character offset of the first ERROR/MISSING node, or None when the tree is clean."""
    data = code.encode("utf-8")
    tree = _ts_parser(lang).parse(data)
    root = tree.root_node
    if not root.has_error:
        return None
    stack = [root]
    best: int | None = None
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_error or node.is_missing:
            byte = node.start_byte
            best = byte if best is None else min(best, byte)
            continue
        stack.extend(node.children)
    if best is None:
        best = 0
    return len(data[:best].decode("utf-8", errors="ignore"))


def _python_error(code: str) -> int | None:
    # A block indented as a whole (a fence inside a list item) is the same code dedented.
    src = _strip_repl_prompts(code)
    if src[:1] in (" ", "\t"):
        src = textwrap.dedent(src)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc. are not errors
            ast.parse(src)
    except SyntaxError as e:
        return _line_col_offset(src, e.lineno or 1, (e.offset or 1) - 1) if src is code else 0
    except (ValueError, RecursionError, MemoryError):
        return 0  # null bytes / absurd nesting: not valid Python either
    return None


def _strip_repl_prompts(code: str) -> str:
    """A ``>>>`` session: keep the statements, drop the printed output lines. A session may
    open with comment lines (``# Must be run in an async context``)."""
    first = next((ln for ln in code.splitlines() if ln.strip() and ln.lstrip()[0] != "#"), "")
    if not first.lstrip().startswith(">>>"):
        return code
    kept = []
    for line in code.splitlines():
        if line.startswith(">>> ") or line == ">>>":
            kept.append(line[4:])
        elif line.startswith("... ") or line == "...":
            kept.append(line[4:])
    return "\n".join(kept)


def _line_col_offset(code: str, lineno: int, col: int) -> int:
    lines = code.splitlines(keepends=True)
    return min(sum(len(x) for x in lines[: max(lineno - 1, 0)]) + max(col, 0), len(code))


def _json_error(code: str) -> int | None:
    try:
        json.loads(code)
    except json.JSONDecodeError as e:
        return e.pos
    except (ValueError, RecursionError):
        return 0
    return None


def _sql_error(code: str) -> int | None:
    pos = _first_ts_error("sql", code)
    if pos is None:
        return None
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        sqlglot.parse(code, error_level=sqlglot.ErrorLevel.RAISE)
    except SqlglotError:
        return pos
    except (ValueError, RecursionError):
        return pos
    return None  # the second parser accepts it: a dialect the grammar does not know


_BASH_ERROR_LINE_RE = compile_held(rb"line (\d+)")
_BASH_RESERVED_RE = compile_held(r"\b(?:do|done|then|fi|esac|elif|else|in|function)\b")


@lru_cache(maxsize=4096)
def _bash_error(code: str) -> int | None:
    """``bash -n`` (parse without executing) when bash is installed, else tree-sitter-bash.

    tree-sitter-bash recovers from misplaced reserved words (``fr x in y; do``) without an
    ERROR node; the shell's own parser does not. A subprocess costs ~10 ms, so bash is asked
    only when tree-sitter sees an error (to confirm it) or the block uses reserved words
    (where tree-sitter may miss one). Results are memoised per process (in memory only).
    """
    ts_pos = _first_ts_error("bash", code)
    if ts_pos is None and not _BASH_RESERVED_RE.search(code):
        return None
    bash = shutil.which("bash")
    if bash is None:
        return _first_ts_error("bash", code)
    try:
        proc = subprocess.run(
            [bash, "-n"],
            input=code.encode("utf-8", errors="replace"),
            capture_output=True,
            timeout=5,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return _first_ts_error("bash", code)
    if proc.returncode == 0:
        return None
    # "bash: line N: syntax error ..." -> offset of line N; the message itself is not kept.
    m = _BASH_ERROR_LINE_RE.search(proc.stderr)
    line = int(m.group(1)) if m else 1
    return _line_col_offset(code, line, 0)


def syntax_error_offset(lang: str, code: str) -> int | None:
    """Offset into ``code`` of the first syntax error, or None when it parses.

    ``lang`` is a normalised language name (see :func:`guess_language`). Raises ValueError for
    a language with no parser.
    """
    if not code.strip():
        return None
    if lang == "python":
        return _python_error(code)
    if lang == "json":
        return _json_error(code)
    if lang == "sql":
        return _sql_error(code)
    if lang == "bash":
        return _bash_error(code)
    if lang in ("javascript", "typescript", "tsx"):
        return _first_ts_error(lang, code)
    raise ValueError(f"no parser for language {lang!r}")


PARSED_LANGUAGES: frozenset[str] = frozenset(
    {"python", "json", "sql", "javascript", "typescript", "tsx", "bash"}
)
