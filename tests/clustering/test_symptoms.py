"""Crafted cases for the symptom detectors (assertions show names/offsets, never text)."""

from __future__ import annotations

import pytest

from clustering import SYMPTOMS, Symptom, detect_symptoms, symptom_names


def names(text: str | None, **kw: object) -> list[str]:
    return symptom_names(detect_symptoms(text, **kw))


def test_thai_inside_english_is_flagged_with_offsets() -> None:
    text = "The function returns the total ครับ and then closes the file."
    found = [s for s in detect_symptoms(text) if s.name == "unexpected_script"]
    assert len(found) == 1
    s = found[0]
    assert (s.start, s.end) == (text.index("ครับ"), text.index("ครับ") + len("ครับ"))
    assert "Thai" in s.reason and "Latin" in s.reason


def test_han_inside_english_code_line() -> None:
    text = 'Config:\n\n```json\n{"id": 这个42}\n```\n'
    assert "unexpected_script" in names(text)


@pytest.mark.parametrize(
    "text",
    [
        "今日は東京でラーメンを食べました。コードはまだ動きません。",  # Japanese throughout
        "El niño comió mañana; ¿por qué la respuesta está mal? Gracias.",  # Spanish
        "这个函数返回了错误的结果。我们需要修复它。",  # Chinese throughout
        "Ответ был неправильный. Пожалуйста, исправьте.",  # Russian throughout
        "สวัสดีครับ ข้อมูลนี้ไม่ถูกต้อง",  # Thai throughout
    ],
)
def test_text_in_one_language_is_not_a_symptom(text: str) -> None:
    assert "unexpected_script" not in names(text)


def test_sentence_level_code_switching_is_not_a_symptom() -> None:
    assert names("答案是错的。 It echoed my earlier question back to me.") == []
    assert names("設定ファイルを更新しました。\n\n```python\nimport json\n```\n") == []


def test_latin_inside_japanese_is_fine_but_thai_inside_japanese_is_not() -> None:
    assert "unexpected_script" not in names("APIキーを設定してからNode.jsを再起動してください。")
    assert "unexpected_script" in names("設定ファイルをครับ更新しました。")


def test_greek_math_letters_are_not_a_symptom() -> None:
    assert names("Set the angle α to π/2 before the loop runs.") == []


def test_placeholders_are_ignored() -> None:
    text = "Hi <PERSON>, your key <SECRET> at <EMAIL_ADDRESS> is rotated."
    assert detect_symptoms(text) == []
    # A placeholder never becomes evidence, even next to a real symptom.
    mixed = "Thanks <PERSON> the result ข้อมูล is ready."
    spans = [(s.start, s.end) for s in detect_symptoms(mixed)]
    ph = (mixed.index("<PERSON>"), mixed.index("<PERSON>") + len("<PERSON>"))
    assert all(e <= ph[0] or s >= ph[1] for s, e in spans), spans


def test_repetition_ngram_and_lines() -> None:
    loop = "Here is the plan. " + "the result is " * 8 + "done."
    assert "repetition" in names(loop)
    lines = "Steps:\n" + "call the service again\n" * 4 + "Finished."
    rep = [s for s in detect_symptoms(lines) if s.name == "repetition"]
    assert len(rep) == 1 and rep[0].start == lines.index("call")
    assert "repetition" in names("ผลลัพธ์" * 7 + ".")


def test_normal_text_has_no_repetition() -> None:
    text = "Very very good. The tests pass and the build is green. Ship it."
    assert "repetition" not in names(text)
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n" + "-" * 40 + "\n"
    assert "repetition" not in names(table)


def test_truncation_mid_sentence_and_unclosed_fence() -> None:
    cut = "Open the settings page. First load the config, then call the handler and"
    t = [s for s in detect_symptoms(cut) if s.name == "truncation"]
    assert len(t) == 1 and t[0].end == len(cut)
    assert t[0].start == cut.index("First")  # the open sentence
    fence = "Use this:\n\n```python\ndef f(x):\n    return x +"
    found = names(fence)
    assert "truncation" in found
    # A block cut off by the excerpt's end is truncation, not a syntax error.
    assert "code_syntax_error" not in found


def test_complete_output_is_not_truncated() -> None:
    assert names("It works now.") == []
    assert names("Options:\n- first item\n- second item") == []
    assert names("Run this:\n\n```bash\nls -la\n```") == []


def test_comment_truncation_can_be_switched_off() -> None:
    text = "It worked yesterday. Now it keeps forgetting what I said"
    assert "truncation" not in names(text, check_truncation=False)
    assert "truncation" in names(text)


def test_a_text_that_never_closes_a_sentence_is_not_called_truncated() -> None:
    # One unterminated line reads like a title or a one-line docstring ("Return the number
    # of items"): nothing in it shows that a terminal is missing (see clustering.truncation).
    assert "truncation" not in names("First load the config, then call the handler and")
    # ... unless it ends on a character that cannot end anything
    assert "truncation" in names("First load the config, then call the handler,")
    assert "truncation" in names("First load the config (see the")


def test_bad_input() -> None:
    assert detect_symptoms(None) == []
    assert detect_symptoms("") == []
    with pytest.raises(TypeError):
        detect_symptoms(123)  # type: ignore[arg-type]


def test_symptom_is_frozen_and_vocabulary_complete() -> None:
    s = Symptom("repetition", 0, 1, "x")
    with pytest.raises(AttributeError):
        s.start = 2  # type: ignore[misc]
    assert set(SYMPTOMS) == {"unexpected_script", "code_syntax_error", "repetition", "truncation"}


def test_deterministic() -> None:
    text = "The answer 数据 is\n" + "same line repeated here\n" * 3 + "and then"
    assert detect_symptoms(text) == detect_symptoms(text)
