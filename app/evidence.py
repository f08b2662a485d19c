"""Redacted text as HTML with the symptom evidence spans highlighted (no Streamlit).

The text is user-controlled even after redaction, so every character is HTML-escaped; only
the <mark> tags this module adds are markup. Offsets are Python str offsets into the field,
as in ``reports.symptom_evidence``.
"""

from __future__ import annotations

import html

#: Highlight colour per symptom; anything else gets the default.
COLOURS: dict[str, str] = {
    "unexpected_script": "#ffd6a5",
    "code_syntax_error": "#ffadad",
    "repetition": "#caffbf",
    "truncation": "#bdb2ff",
}
DEFAULT_COLOUR = "#fdffb6"


def highlight_html(text: str | None, spans: list[dict]) -> str:
    """``text`` escaped, with each span wrapped in a <mark> titled by its symptom and reason.

    Args:
        text: the redacted field (None gives "").
        spans: dicts with int ``start``/``end`` (str offsets) and optional ``symptom`` and
            ``reason``. Spans outside the text are clipped; overlapping spans are merged into
            the first one (earliest start) so the markup stays well nested.
    Returns:
        An HTML fragment (no enclosing element).
    """
    if not text:
        return ""
    n = len(text)
    clean = sorted(
        (
            (max(0, int(s["start"])), min(n, int(s["end"])), s)
            for s in spans
            if isinstance(s.get("start"), int) and isinstance(s.get("end"), int)
        ),
        key=lambda t: (t[0], -t[1]),
    )
    out, pos = [], 0
    for start, end, s in clean:
        start = max(start, pos)
        if end <= start:
            continue
        out.append(_esc(text[pos:start]))
        symptom = str(s.get("symptom") or "")
        title = html.escape(f"{symptom}: {s.get('reason') or ''}".strip(": "), quote=True)
        colour = COLOURS.get(symptom, DEFAULT_COLOUR)
        out.append(
            f'<mark class="evidence" data-symptom="{html.escape(symptom, quote=True)}" '
            f'title="{title}" style="background:{colour}">{_esc(text[start:end])}</mark>'
        )
        pos = end
    out.append(_esc(text[pos:]))
    return "".join(out)


def _esc(s: str) -> str:
    # Line breaks as <br>: a literal blank line would end the HTML block in Markdown; runs of
    # spaces as "&nbsp; " so code keeps its indentation wherever the renderer collapses them.
    out = html.escape(s).replace("\r\n", "<br>").replace("\n", "<br>")
    return out.replace("  ", "&nbsp; ")


def field_html(text: str | None, evidence: list[dict], field: str) -> str:
    """One field of a report as a <pre> block with that field's evidence highlighted."""
    spans = [s for s in evidence if s.get("field") == field]
    body = highlight_html(text, spans)
    font = "font-family:monospace;" if field == "response_redacted" else ""
    return f'<pre class="report-field" style="white-space:pre-wrap;{font}">{body}</pre>'
