"""Counterexamples found while the detectors were rebuilt from their definitions (issue 19):
shrunk by hypothesis (tests/clustering/test_symptom_properties.py) or drawn by the seeded
sampler of bench/eval_symptom_properties.py, each reduced to a short synthetic text, plus the
kinds of legitimate repetition and complete endings the installed-docs corpus showed
(bench/eval_symptoms_clean.py). Assertions name spans and kinds, never the text.
"""

from __future__ import annotations

import pytest

from clustering import detect_symptoms
from clustering.english import last_word_cut


def spans(text: str, name: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in detect_symptoms(text) if s.name == name]


def covers(text: str, name: str, run: str) -> bool:
    start = text.index(run)
    return any(a <= start and b >= start + len(run) for a, b in spans(text, name))


# --- repetition -----------------------------------------------------------------------------


def test_copies_glued_without_separator_are_found_whole() -> None:
    # "a b c" x3 glued: the tokens are a, b, ca, b, ca, b, c (period 2 over five tokens)
    run = "spring river glass" * 3
    text = f"The notes end here. {run} and then nothing."
    assert covers(text, "repetition", run)
    run4 = "Spring river glass moon" * 3  # four words: period 3 after fusing
    assert covers(f"The notes end here. {run4} and then nothing.", "repetition", run4)


def test_repeated_code_line_with_a_private_attribute() -> None:
    # "self._x)" used to split at "._" into two segments, so no line repeated
    run = "\n".join(["            self._prefixlen)"] * 3)
    text = f"Compare this.\n\n{run}\n\nThat is all."
    assert covers(text, "repetition", run.strip())


def test_short_sentence_repeated_with_any_separator() -> None:
    for sep in (" ", " | ", "\n", ", ", "; ", " / ", ""):
        run = sep.join(["Thanks!"] * 3)
        text = f"The build passed. {run} Done."
        assert covers(text, "repetition", run.rstrip("!")), repr(sep)


def test_no_space_script_run_of_characters() -> None:
    run = "ผลลัพธ์" * 3
    assert covers(f"The output was {run} again.", "repetition", run)
    run_zh = "我不知道。" * 3
    assert covers(f"回答如下。{run_zh}谢谢。", "repetition", run_zh.rstrip("。"))


def test_near_duplicate_loop_covering_the_text() -> None:
    text = (
        "Sorry.\n\nI apologize for the confusion in my earlier answer about this.\n"
        "I apologize for any confusion in my earlier answer about this.\n"
        "I apologize for the confusion in my previous answer about this.\n"
        "I apologize for the mistake in my earlier answer about this."
    )
    assert spans(text, "repetition")


@pytest.mark.parametrize(
    "text",
    [
        # numbers, single letters, hex escapes: data
        ">>> np.zeros(9)\narray([0., 0., 0., 0., 0., 0., 0., 0., 0.])",
        "cycle('ABCD') gives A B C D A B C D A B C D and so on.",
        'data = b"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"',
        # a list of similar values
        "mask=[False, False, False, False, False, False, False, False, False, True]",
        # a table with repeated cells and similar rows
        "| name | yes | yes | yes |\n|---|---|---|---|\n| a | yes | yes | yes |\n"
        "| b | yes | yes | yes |\n| c | yes | yes | yes |",
        # code whose closing lines repeat at different depths
        "```ruby\nmodule A\n  class B\n    def c\n      1\n    end\n  end\nend\n```",
        "```js\nif (a) {\n  if (b) {\n    if (c) {\n      f();\n    }\n  }\n}\n```",
        # a list of similar items
        ":param name: See `name <api.Base.name>`.\n:param author: See `author <api.Base.author>`.\n"
        ":param version: See `version <api.Base.version>`.\n:param roaming: See `roaming "
        "<api.Base.roaming>`.",
        "- `anyio` - Required by `pip install x['asyncio']`.\n- `trio` - Required by `pip "
        "install x['trio']`.\n- `h2` - Required by `pip install x['http2']`.",
        # doctest output that repeats because the calls do
        ">>> isnormal(inf); isnormal(-inf); isnormal(nan)\nFalse\nFalse\nFalse",
        # a dotted template is not three sentences
        "Converts mask from /xx format to xxx.xxx.xxx.xxx for the caller.",
    ],
)
def test_legitimate_repetition_does_not_fire(text: str) -> None:
    assert spans(text, "repetition") == []


# --- truncation -----------------------------------------------------------------------------


def test_cut_in_a_numbered_list_after_another_list() -> None:
    # numbering restarts at 1: the list above is another list, not this item's siblings
    text = (
        "Start here. Read this first.\n\n1. ways to begin\n2. fair choices\n\n"
        "1. Personally I would start small!\n2. She offers kno"
    )
    assert spans(text, "truncation")


def test_cut_sentence_after_a_closed_code_block() -> None:
    # the closing fence was taken for a section underline, making the paragraph a definition
    text = (
        "Use the helper.\n\n```py\ndef f(x):\n    return x\n```\n\n"
        "Active arrested seen possibility hundreds golf"
    )
    assert spans(text, "truncation")


def test_cut_inside_the_opening_fence_of_a_second_block() -> None:
    # the backticks of the closed block and of the cut fence were stripped together
    text = "Use it.\n\n```py\nx = 1\n```\n\n``"
    assert spans(text, "truncation")
    assert spans("Use it.\n\n```py\nx = 1\n```", "truncation") == []


def test_cut_in_a_first_list_item_written_as_a_sentence() -> None:
    text = "Others meet the team on Monday.\n\n* Context equival"
    assert spans(text, "truncation")


@pytest.mark.parametrize(
    "text",
    [
        "Check the flags.\n\n:meta private:",
        "Taken from an answer online.\n\nSee https://example.org/a/1094933",
        "Examples\n--------\n>>> f(1)\n90",
        "Returns the thing.\n\nReturns:\n    bool:",
        "Loads the library.\n\n.. versionadded:: 2.1",
        "Interface summary.\n\n    x = copy.copy(y)",
        "Use as follows::\n\n  from a import b\n  b(1)",
        "Project\n=======\n\n- first item\n- second item",
        "See the table.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        "Pick a flavour (see below)",
        "Lexers for the language.\n~~~~~~~~~~~~~~~~~~~~~~~~\n\nThe lexers live here.",
    ],
)
def test_complete_structured_endings_are_not_truncation(text: str) -> None:
    assert spans(text, "truncation") == []


def test_text_longer_than_the_window_is_judged_at_its_end() -> None:
    head = "A sentence that is complete. " * 800  # ~23,000 characters
    assert spans(head.rstrip(), "truncation") == []
    assert spans(head + "and then the", "truncation")
    fence = "Intro.\n\n```python\n" + "x = 1\n" * 5000
    assert spans(fence, "truncation")  # the fence opened before the window never closes


# --- unexpected script ----------------------------------------------------------------------


def test_japanese_word_inside_latin_prose_is_one_span() -> None:
    # Han + Hiragana were two spans, neither covering the word
    text = "Dein familien typ, david wollen お金 gewählt."
    assert covers(text, "unexpected_script", "お金")


def test_kana_on_han_inside_korean_covers_the_word() -> None:
    text = "측면 죽 見る 빌 규정 시절, 유지 진출 설명 마크 고요."
    assert covers(text, "unexpected_script", "見る")


def test_two_letter_greek_word_next_to_a_longer_one() -> None:
    # the 2-letter word was skipped as maths, leaving half of the run uncovered
    text = "Loss reviews σα ιωάννησ permanent showed exactly?"
    assert covers(text, "unexpected_script", "σα ιωάννησ")
    assert spans("Set the angle α to π/2 before the loop runs.", "unexpected_script") == []


# --- code syntax ----------------------------------------------------------------------------


def test_fenced_python_indented_inside_a_list_item_parses() -> None:
    text = "- spaCy v3\n  ```python\n  from a import b\n  b.run(1)\n  ```\n\nDone."
    assert spans(text, "code_syntax_error") == []


# --- found while taking the installed-docs corpus' truncation false positives apart ---------
# (seeds 3 and 7 of bench/eval_symptoms_clean.py; synthetic texts of the same shapes)


@pytest.mark.parametrize(
    "text",
    [
        # the last sentence is not prose: a date, a header block, a dotted name, a version,
        # a code line, a line wholly in emphasis
        "Return the time as a string.\n\nIt looks like this:\n\n2024-05-01 08:49:37Z",
        "Build the request.\n\nFor example:\n\nGET /items?q=a%20b HTTP/1.1\nHost: example.org",
        "Adds a prefix to the name.\n\nUsed in Frame.__init__",
        "The build was upgraded.\n\n- Raised the upper bound to v1.19.1",
        "Sort the terms of a connector.\n\nx_1 + 2*y -> f(x_1, y) == 0",
        "Clears the markers of this session.\n\n**EXPERIMENTAL**",
        "It loads. It falls back to a known path on 10.16+",
        "These compilers work. The last one is IBM XL C/C++",
        # e.g. / i.e. / an initial close no sentence: one sentence, never closed
        "Holds the state of regions e.g. ancestors and candidate nodes for consideration",
        "Based on the draft by J. Myers from the working group of that year",
        # the author leaves an earlier prose paragraph without its terminal
        "Close the process\n\nThis is called when we scale down. It stops the worker gently",
        # definitions and fields punctuate as they like
        "Insert a filter.\n\n'action' -- one of the actions\n'append' -- if true, append it",
        "Join a command.\n\ncommand (list): The command.\nRETURNS (str): The joined command",
    ],
)
def test_complete_endings_without_a_full_stop(text: str) -> None:
    assert spans(text, "truncation") == []


@pytest.mark.parametrize(
    "text",
    [
        # cut inside a word or after a word, in a text that closes its sentences
        "The first sentence is complete. The second one is cut in the midd",
        "Read the file. Then parse it and",
        # "a." and "o?" close sentences (one-letter words are not abbreviations before ? or !)
        "Record the figure a. Survive straight b funny extended se",
        "It became a truck o? Draw",
        # a Markdown table row cut off (the rows above close with a bar)
        "Here are the numbers.\n\n| a | b |\n|---|---|\n| space | 70",
        "Here are the numbers.\n\n| a | b |\n|--",
        # a sentence list right after a fragment list: its siblings are the items right above
        "Intro here.\n\n- wanna\n- mom\n\n- Taylor hits around.\n- Defeat students stuf",
        # a plus sign with a space before it is an operator
        "Add the two numbers. The result is a +",
    ],
)
def test_cut_endings_are_truncation(text: str) -> None:
    assert spans(text, "truncation") != []


def test_example_after_a_colon_is_judged_when_it_closes_a_sentence_itself() -> None:
    # the colon rule covers an example that closes no sentence; a cut inside prose that
    # closed a sentence after the colon is still found
    text = "Do this:\n\nOpen the file. Then read the second li"
    assert spans(text, "truncation") != []


def test_repeated_sentence_in_any_case_of_greek_and_in_hangul() -> None:
    # upper-casing a Greek word changes a final sigma (σ/ς): case-folded tokens are equal
    run = "ΟΥΡΑΝΌ ΚΑ ΆΝΔΡΕΣ. / ουρανό κα άνδρεσ. / Ουρανό κα άνδρεσ."
    text = f"Το κείμενο τελειώνει εδώ.\n\n{run}"
    assert covers(text, "repetition", run.rstrip("."))
    run_ko = "걔. | 걔. | 걔."  # a one-syllable sentence, three times
    assert covers(f"답변입니다.\n\n{run_ko}", "repetition", "걔. | 걔. | 걔")


def test_foreign_run_in_a_quoted_string_is_shown_not_used() -> None:
    assert spans(">>> width('コンニチハ')\n10", "unexpected_script") == []
    assert spans("The word “λέξις” is Greek.", "unexpected_script") == []
    assert spans('url = URL("http://中国.icom.museum")', "unexpected_script") == []
    # not in quotes, or between apostrophes inside words: still the symptom
    assert spans("The system returns ошибка when it fails.", "unexpected_script") != []
    assert spans("Don't ошибка it's fine.", "unexpected_script") != []


@pytest.mark.parametrize(
    "text",
    [
        # brackets inside string literals of a doctest are content
        "Strip the codes.\n\n>>> width('1\\x1b[10C')\n11\n>>> width('a\\x1b[5D')\n1",
        # CommonMark code spans of any backtick length, a fence line inside a docstring
        "Defaults to ````auto````. If ```0``` is given, nothing is kept (default).",
        "Hide it:\n\nExample:\n    ```python\n    widget.display = False\n    ```",
        # a frame of dashes around a sentence, a rule under a URL
        "Move the disks.\n\n  ----------------\n   Press STOP to exit!\n  ----------------",
        "See more:\n http://example.org/wiki/Tiling\n ---------------------",
        # the body of a reST directive, a class name, a template field
        "It maps tags.\n\n.. code-block:: python\n\n   Integer.tagSet -> Choice",
        "It is used within the class.\n\nSee Also\n--------\nApplyConcatApply",
        "Returns the trimmed mean of the data.\n\n%s",
        # quotes paired across a sentence boundary inside a quotation; quoted quote marks
        'It turns "... foo.\\nBar ..." into [..., "foo.", " ", "Bar", ...] with one space.',
        "Styles are None, '', '\"', \"'\", '|' and '>'.",
    ],
)
def test_complete_endings_with_code_and_markup(text: str) -> None:
    assert spans(text, "truncation") == []


@pytest.mark.parametrize(
    "text",
    [
        ">>> width('abc',\n...     5",  # a bracket open outside the string literal
        'It works. He said "this" and "that is cu',
        "It works. Then call `open",
        "It works. Then E",  # a cut right after a sentence's first letter
        "Boat crime extreme. O details t",  # lone letters count for neither side
    ],
)
def test_cut_inside_code_quotes_and_words_is_still_found(text: str) -> None:
    assert spans(text, "truncation") != []


def test_fenced_doctest_session_opening_with_a_comment_is_judged_as_a_session() -> None:
    ok = "Example:\n```py\n# Must be run in an async loop\n>>> c = Client()\n>>> c.get(1)\n3\n```"
    assert spans(ok, "code_syntax_error") == []
    broken = "Example:\n```py\n# a comment\n>>> c = Client(\n>>> c.get(1)\n```"
    assert spans(broken, "code_syntax_error") != []


# --- truncation: endings the second pass's residue showed ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a bracket or backtick left open before a final full stop: the writer's slip
        "It raises an error (usually a subclass of KeyError.",
        "Call ``reset()` first. Then the value is ``None``, then it is kept.",
        # a '#' line in lower case, or one closed with a full stop, is a comment
        "See the references.\n\n# indirect doctest",
        "Release it at the end of the block.\n\n# Now the lock has been released.",
        # four or more backticks under a title: a reST underline, not a fence
        "Usage\n`````\n\nCall the function with a path.",
    ],
)
def test_complete_endings_slips_comments_and_underlines(text: str) -> None:
    assert spans(text, "truncation") == []


@pytest.mark.parametrize(
    "text",
    [
        # a bracket open at the end with no final full stop; a heading in capitals
        "It raises an error (usually a subclass of KeyError",
        "It works.\n\n# Installation",
        # three backticks under a line are a fence whatever precedes them
        "Run this:\n```\nls -l",
    ],
)
def test_open_brackets_headings_and_fences_are_still_found(text: str) -> None:
    assert spans(text, "truncation") != []


# --- truncation with word knowledge (clustering/english.py, opt-in) -------------------------
# Texts that close their other sentences and leave the last one without its full stop: the
# punctuation calls it open, the words decide whether it may be complete.

_COMPLETE_CLAUSES = [
    # a complete clause, its full stop left out (docstring style)
    "Open the cache file.\n\nThe cache is rebuilt when the index no longer matches the "
    "stored version",
    "Read the settings. It returns nothing when the file is missing",
    # a demonstrative standing alone as the object
    "The loop stops early. The caller has to handle this",
    # an adjective predicate ("Useful when ...")
    "Flush the buffer.\nUseful when the output goes to a slow terminal",
]


def wk_spans(text: str) -> list[tuple[int, int]]:
    found = detect_symptoms(text, truncation_word_knowledge=True)
    return [(s.start, s.end) for s in found if s.name == "truncation"]


@pytest.mark.parametrize("text", _COMPLETE_CLAUSES)
def test_word_knowledge_lets_a_complete_clause_end_without_its_stop(text: str) -> None:
    assert wk_spans(text) == []
    assert spans(text, "truncation") != []  # off by default: the punctuation decides


@pytest.mark.parametrize(
    "text",
    [
        # the same clause cut inside its last word, or before its object
        "Open the cache file.\n\nThe cache is rebuilt when the index no longer matches the "
        "stored vers",
        "Open the cache file.\n\nThe cache is rebuilt when the index no longer matches the",
        "Read the settings. It returns nothing when the file is missing and",
        "Read the settings. It returns nothing when the file is missing from their",
        "Read the settings. The results are sorted before we",  # a subject pronoun
        "Read the settings. I rewrote the paragraph to be",  # a copula
        "Read the settings. The results are sorted by li",  # two-letter lexicon entries
        # content words without the function words of English prose: no clause to trust
        "The plan works. Cells engine gold prepared staff simple",
    ],
)
def test_word_knowledge_still_calls_open_endings_open(text: str) -> None:
    assert wk_spans(text) != []


def test_a_cut_word_is_a_word_when_the_text_uses_it_elsewhere_or_capitalizes_it() -> None:
    assert last_word_cut("It is stored in the vers", "Read it. ")
    assert not last_word_cut("It is stored in the vers", "The vers table. ")  # a term
    assert not last_word_cut("This is the work of Palazzo", "Read it. ")  # a name
    assert not last_word_cut("It exists anymore", "Read it. ")  # a word with a suffix


# A word before the end that still waits for its complement (fourth pass, word knowledge
# only): the replay's answers cut at a word boundary ("... to the last version that", "...
# because the mock") that the third pass's clause check accepted.
@pytest.mark.parametrize(
    "text",
    [
        "Read the settings. Paris is a great",  # an indefinite article without its noun
        "Read the settings. Let me know if you",  # a subordinate clause without its verb
        "Read the settings. The test fails because the mock",
        "Read the settings. Close the file when the caller",
        "Read the settings. Flush the buffer while the caller",
        # a relative pronoun ("that" as WDT, not a demonstrative object)
        "Read the settings. You should pin the dependency to the last version that",
    ],
)
def test_word_knowledge_calls_a_word_waiting_for_its_complement_open(text: str) -> None:
    assert wk_spans(text) != []


@pytest.mark.parametrize(
    "text",
    [
        # elliptical clauses and prepositions: complete without a verb after the conjunction
        "Read the settings. Use the cache if possible",
        "Read the settings. The value is computed when needed",
        "Read the settings. It fails because of the error",
        "Read the settings. Keep the handle until the end",
        # quantities after an indefinite article; a noun after the adjective
        "Read the settings. The loop stops after a few",
        "Read the settings. Paris is a great choice",
    ],
)
def test_word_knowledge_keeps_elliptical_clauses_complete(text: str) -> None:
    assert wk_spans(text) == []
    assert spans(text, "truncation") != []  # off by default: the punctuation decides


def test_word_knowledge_calls_a_final_article_open_whatever_its_tag() -> None:
    # shrunk by hypothesis (test_with_word_knowledge_a_sentence_ending_on_a_function_word_is_
    # truncation): the parser tagged the final "a" of word salad as a noun
    text = (
        "The younger judge power. Passing highest process fruit helping vote experts bear.\n\n"
        "J state focused machine wanted bell the various motor a"
    )
    assert wk_spans(text) == [(text.index("J state"), len(text))]
