"""Code blocks: valid and broken code in each language, declared and guessed."""

from __future__ import annotations

import pytest

from clustering import detect_symptoms
from clustering.code import find_code_blocks, guess_language, syntax_error_offset

VALID = {
    "python": "def total(xs):\n    return sum(x.price for x in xs)\n",
    "javascript": "const twice = [1, 2, 3].map((n) => n * 2);\nconsole.log(twice);\n",
    "typescript": "interface User {\n  id: number;\n}\nexport const f = (u: User) => u.id;\n",
    "json": '{"name": "svc", "tags": ["a", "b"], "limits": {"rpm": 60}}\n',
    "sql": "SELECT u.id, COUNT(o.id) AS n\nFROM users u\nLEFT JOIN orders o ON o.uid = u.id\n"
    "GROUP BY u.id;\n",
    "bash": 'for f in *.log; do\n  gzip "$f"\ndone\n',
}
BROKEN = {
    "python": "def total(xs)\n    return sum(x.price for x in xs)\n",
    "javascript": "const twice = [1, 2, 3.map((n) => n * 2);\nconsole.log(twice);\n",
    "typescript": "interface User {\n  id: number;\n\nexport const f = (u: User) => u.id;\n",
    "json": '{"name": "svc", "tags": ["a", "b", "limits": {"rpm": 60}}\n',
    "sql": "SELEC u.id FROM users u WHERE;\n",
    "bash": 'fr f in *.log; do\n  gzip "$f"\ndone\n',
}
FENCE = {"python": "python", "javascript": "js", "typescript": "ts", "json": "json",
         "sql": "sql", "bash": "bash"}  # fmt: skip


def _answer(lang_tag: str, code: str) -> str:
    return f"Here you go.\n\n```{lang_tag}\n{code}```\n\nHope this helps."


@pytest.mark.parametrize("lang", sorted(VALID))
def test_valid_code_parses(lang: str) -> None:
    assert syntax_error_offset(lang, VALID[lang]) is None
    assert "code_syntax_error" not in {
        s.name for s in detect_symptoms(_answer(FENCE[lang], VALID[lang]))
    }


@pytest.mark.parametrize("lang", sorted(BROKEN))
def test_broken_code_is_flagged_with_block_offsets(lang: str) -> None:
    assert syntax_error_offset(lang, BROKEN[lang]) is not None
    text = _answer(FENCE[lang], BROKEN[lang])
    found = [s for s in detect_symptoms(text) if s.name == "code_syntax_error"]
    assert len(found) == 1
    assert found[0].start == text.index(BROKEN[lang]), (found[0].start, found[0].end)
    assert lang in found[0].reason and "declared" in found[0].reason


@pytest.mark.parametrize("lang", sorted(VALID))
def test_language_is_guessed_without_a_tag(lang: str) -> None:
    assert guess_language(VALID[lang]) == lang


def test_undeclared_broken_python_is_flagged_as_guessed() -> None:
    text = "Fix:\n\n```\nimport os\ndef run(:\n    pass\n```\n"
    found = [s for s in detect_symptoms(text) if s.name == "code_syntax_error"]
    assert len(found) == 1 and "guessed" in found[0].reason


def test_indented_block_is_found_but_only_fenced_or_doctest_code_is_judged() -> None:
    # An indented paragraph is as often a definition body, pseudo-code or output as code
    # (issue 19: most false alarms on installed documentation); fenced code is judged.
    text = "Try this:\n\n    SELECT id FROM WHERE x = 1\n\nThat should do it."
    blocks = find_code_blocks(text)
    assert len(blocks) == 1 and not blocks[0].fenced
    assert "code_syntax_error" not in {s.name for s in detect_symptoms(text)}
    fenced = "Try this:\n\n```sql\nSELECT id FROM WHERE x = 1\n```\n\nThat should do it."
    assert "code_syntax_error" in {s.name for s in detect_symptoms(fenced)}
    doctest = "Try this:\n\n    >>> f(1,,2)\n    3\n\nThat should do it."
    assert "code_syntax_error" in {s.name for s in detect_symptoms(doctest)}


def test_language_without_parser_is_not_judged() -> None:
    text = "Rust:\n\n```rust\nfn main() { let x = ; }\n```\n"
    assert detect_symptoms(text) == []


def test_sql_dialect_accepted_by_either_parser_is_not_an_error() -> None:
    # Postgres interval syntax: valid SQL that a single grammar may not know.
    code = "UPDATE accounts SET status = 'closed' WHERE last_login < NOW() - INTERVAL '2 years';"
    assert syntax_error_offset("sql", code) is None


def test_repl_session_python() -> None:
    assert syntax_error_offset("python", ">>> x = 1\n>>> x + 1\n2\n") is None


def test_unknown_language_raises() -> None:
    with pytest.raises(ValueError):
        syntax_error_offset("cobol", "DISPLAY 'X'.")
