"""Evidence highlighting: offsets, escaping, overlaps."""

from __future__ import annotations

from app.evidence import field_html, highlight_html


def test_span_is_marked_at_its_offsets():
    text = "Sure, here is the fix: ตัวอย่าง then more"
    start = text.index("ตัว")
    out = highlight_html(text, [{"start": start, "end": start + 8, "symptom": "unexpected_script"}])
    assert out.count("<mark") == 1
    inner = out.split(">", 1)[1].split("</mark>")[0]
    assert inner == text[start : start + 8]
    assert 'data-symptom="unexpected_script"' in out


def test_text_is_escaped_inside_and_outside_marks():
    text = "<script>alert(1)</script> def f(:\n  return <b>"
    out = highlight_html(
        text,
        [{"start": 26, "end": 34, "symptom": "code_syntax_error", "reason": 'says "no" <here>'}],
    )
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "&lt;b&gt;" in out
    assert 'title="code_syntax_error: says &quot;no&quot; &lt;here&gt;"' in out


def test_overlapping_and_out_of_range_spans():
    text = "abcdefghij"
    out = highlight_html(
        text,
        [
            {"start": 2, "end": 6, "symptom": "repetition"},
            {"start": 4, "end": 8, "symptom": "truncation"},
            {"start": 9, "end": 50, "symptom": "truncation"},
            {"start": 7, "end": 3, "symptom": "truncation"},
        ],
    )
    assert out.count("<mark") == 3
    # Stripping the markup gives the text back unchanged.
    import re

    assert re.sub(r"<[^>]+>", "", out) == text


def test_field_html_uses_only_that_fields_spans():
    ev = [
        {"field": "comment_redacted", "start": 0, "end": 3, "symptom": "truncation"},
        {"field": "response_redacted", "start": 1, "end": 2, "symptom": "repetition"},
    ]
    out = field_html("xyz", ev, "response_redacted")
    assert out.count("<mark") == 1 and 'data-symptom="repetition"' in out
    assert field_html(None, ev, "comment_redacted").endswith("></pre>")


def test_line_breaks_survive_as_br():
    text = "```python\ndef f(:\n\n    pass\n```"
    out = highlight_html(text, [{"start": 10, "end": 17, "symptom": "code_syntax_error"}])
    assert "\n" not in out and out.count("<br>") == 4
    assert '">def f(:</mark><br><br>&nbsp; &nbsp; pass' in out
