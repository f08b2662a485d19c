"""Report texts for the replay: a user's comment and the reported response, with their truth.

Texts are assembled from pieces by a `TextBuilder` that records the offsets of every
personal-data value and every injected symptom, so the truth files say exactly where they are.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from pipeline.replay import code_snippets as code
from pipeline.replay import phrases
from pipeline.replay.pii import GENERATORS, private_key

SLOT = re.compile(r"«([A-Z_]+)»")


@dataclass
class TextBuilder:
    parts: list[str] = field(default_factory=list)
    pii: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, type, value
    symptoms: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, name
    length: int = 0

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def add_pii(self, entity: str, value: str) -> None:
        self.pii.append((self.length, self.length + len(value), entity, value))
        self.add(value)

    def add_symptom(self, name: str, s: str, start_in_s: int = 0, end_in_s: int | None = None):
        end_in_s = len(s) if end_in_s is None else end_in_s
        self.symptoms.append((self.length + start_in_s, self.length + end_in_s, name))
        self.add(s)

    def fill(self, template: str, rng: random.Random) -> None:
        """Append ``template`` with each «TYPE» slot replaced by a synthetic value of that type."""
        pos = 0
        for m in SLOT.finditer(template):
            self.add(template[pos : m.start()])
            slot = m.group(1)
            if slot == "PRIVATE_KEY":
                self.add_pii("SECRET", private_key(rng))
            else:
                self.add_pii(slot, GENERATORS[slot](rng))
            pos = m.end()
        self.add(template[pos:])

    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class ReportText:
    comment: str | None
    response: str | None
    pii: list[tuple[str, int, int, str, str]]  # field, start, end, type, value
    symptoms: list[tuple[str, int, int, str]]  # field, start, end, name

    @property
    def symptom_names(self) -> list[str]:
        return sorted({s[3] for s in self.symptoms})


def _typos(rng: random.Random, s: str, rate: float) -> str:
    if rate <= 0:
        return s
    out = []
    for word in s.split(" "):
        if len(word) > 3 and rng.random() < rate:
            i = rng.randrange(len(word) - 1)
            op = rng.randrange(3)
            if op == 0:
                word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            elif op == 1:
                word = word[:i] + word[i + 1 :]
            else:
                word = word[:i] + word[i] + word[i:]
        out.append(word)
    return " ".join(out)


def _comment(rng: random.Random, cause: str, lang: str, with_pii: bool) -> TextBuilder:
    b = TextBuilder()
    if lang != "en":
        b.add(rng.choice(phrases.COMMENTS_INTL[lang][cause]))
    else:
        core = rng.choice(phrases.COMMENTS_EN[cause])
        if rng.random() < 0.3:  # long reports combine two complaints of the same kind
            core += ". Also " + rng.choice(phrases.COMMENTS_EN[cause])
        text = rng.choice(phrases.OPENERS) + core + rng.choice(phrases.CLOSERS)
        text = _typos(rng, text, rng.choice((0.0, 0.0, 0.04, 0.1)))
        if rng.random() < 0.15:
            text = text.upper() if rng.random() < 0.3 else text.lower()
        b.add(text)
    if with_pii:
        b.add(" " if rng.random() < 0.7 else "\n")
        b.fill(rng.choice(phrases.PII_COMMENT_TEMPLATES), rng)
    return b


def _fence(lang: str) -> str:
    return {"text": "```", "typescript": "```ts"}.get(lang, f"```{lang}")


def _response(rng: random.Random, cause: str, lang: str, pii_in_response: bool) -> TextBuilder:
    """The reported answer: prose, maybe a code block; the cause's damage injected."""
    b = TextBuilder()
    prose_lang = lang if lang != "en" and rng.random() < 0.35 else "en"
    prose = (
        rng.choice(phrases.PROSE_INTL[prose_lang])
        if prose_lang != "en"
        else rng.choice(phrases.PROSE_EN)
    )
    has_code = rng.random() < 0.55
    code_lang = rng.choice(tuple(code.SNIPPETS)) if has_code else None
    snippet = code.snippet(rng, code_lang) if code_lang else None

    damage = None
    if cause == "tpu_corruption":
        damage = "code" if (snippet and rng.random() < 0.5) else "prose_script"
    elif cause == "topk_sampler":
        damage = rng.choice(("odd_word", "odd_word", "dropped_word", "code_drop", "repeat"))
    elif cause == "kernel_degenerate":
        damage = rng.choice(("repeat", "repeat", "truncate"))
    elif cause == "kv_garbled":
        damage = rng.choice(("code_drop", "code_drop", "dropped_word", None))
    elif cause == "vague_worse":  # odd words only: no symptom the detectors know
        damage = rng.choice(("odd_word", "odd_word", "odd_word", None, None))
    elif cause == "background":
        r = rng.random()
        damage = (
            "truncate"
            if r < 0.03
            else "repeat"
            if r < 0.045
            else "code_bug"
            if r < 0.053
            else "prose_script"
            if r < 0.054
            else None
        )

    # prose, possibly with the damage inside it
    if damage == "prose_script":
        words = prose.split(" ")
        cut = rng.randint(1, max(1, len(words) - 1))
        script = "thai" if prose_lang in ("ja", "zh") else None
        run = code.foreign_run(rng, script)
        if prose_lang in ("ja", "zh", "ko"):
            head, tail = prose[: len(prose) // 2], prose[len(prose) // 2 :]
        else:
            head, tail = " ".join(words[:cut]) + " ", " " + " ".join(words[cut:])
        b.add(head)
        b.add_symptom("unexpected_script", run)
        b.add(tail)
    elif damage in ("odd_word", "dropped_word") and prose_lang == "en":
        words = prose.split(" ")
        i = rng.randrange(1, len(words))
        if damage == "odd_word":
            words.insert(i, rng.choice(phrases.ODD_WORDS))
        else:
            del words[i]
        b.add(" ".join(words))
    else:
        b.add(prose)

    if damage == "repeat":
        unit = rng.choice(phrases.REPEAT_UNITS)
        b.add(" " if not unit.endswith("\n") else "\n")
        b.add_symptom("repetition", unit * rng.randint(5, 12))

    if snippet is not None:
        fence = _fence(code_lang)
        broken = None
        if damage == "code":
            foreign = code.foreign_run(rng) if rng.random() < 0.7 else None
            broken = code.break_code(rng, snippet, code_lang, foreign)
            if broken is not None:
                body, s, e = broken
                b.add("\n\n" + fence + "\n")
                base = b.length
                b.add(body)
                b.symptoms.append((base + s, base + e, "code_syntax_error"))
                if foreign:
                    i = body.index(foreign, s)
                    b.symptoms.append((base + i, base + i + len(foreign), "unexpected_script"))
                b.add("```")
            else:  # nothing breakable: the corruption lands in the prose instead
                b.add(" ")
                b.add_symptom("unexpected_script", code.foreign_run(rng))
        elif damage in ("code_drop", "code_bug"):
            broken = code.drop_token(rng, snippet, code_lang)
            if broken is not None:
                body, s, e = broken
                b.add("\n\n" + fence + "\n")
                base = b.length
                b.add(body)
                b.symptoms.append((base + s, base + e, "code_syntax_error"))
                b.add("```")
        if broken is None and damage != "code":
            if damage == "truncate" and rng.random() < 0.5:
                cut = rng.randint(len(snippet) // 3, max(len(snippet) // 3 + 1, len(snippet) - 8))
                b.add("\n\n" + fence + "\n")
                b.add_symptom("truncation", snippet[:cut], max(0, cut - 12), cut)
                return b  # cut inside the block: nothing follows
            b.add("\n\n" + fence + "\n" + snippet + "```")

    if pii_in_response:
        lang_pii, template = rng.choice(phrases.PII_RESPONSE_TEMPLATES)
        if lang_pii == "prose":
            b.add("\n\n")
            b.fill(template, rng)
        else:
            b.add("\n\n" + _fence(lang_pii) + "\n")
            b.fill(template, rng)
            b.add("```")

    if damage == "truncate":
        tail = rng.choice(phrases.PROSE_EN)
        cut = rng.randint(len(tail) // 3, len(tail) - 5)
        while cut > 0 and tail[cut - 1] in ".!? ":
            cut -= 1
        b.add("\n\n")
        b.add_symptom("truncation", tail[:cut], max(0, cut - 12), cut)
    elif rng.random() < 0.4:
        b.add("\n\n" + rng.choice(phrases.PROSE_EN))
    return b


def report_text(
    rng: random.Random,
    cause: str,
    lang: str,
    *,
    has_comment: bool,
    has_response: bool,
    pii_rate: float = 0.4,
) -> ReportText:
    """One report's comment and response excerpt with the truth of what is inside them."""
    with_pii = rng.random() < pii_rate
    pii_where = rng.choice(("comment", "response", "both")) if with_pii else None
    if pii_where == "comment" and not has_comment:
        pii_where = "response" if has_response else None
    if pii_where == "response" and not has_response:
        pii_where = "comment" if has_comment else None
    c = _comment(rng, cause, lang, pii_where in ("comment", "both")) if has_comment else None
    r = _response(rng, cause, lang, pii_where in ("response", "both")) if has_response else None
    pii, symptoms = [], []
    for name, b in (("comment", c), ("response_excerpt", r)):
        if b is None:
            continue
        pii += [(name, s, e, t, v) for s, e, t, v in b.pii]
        symptoms += [(name, s, e, n) for s, e, n in b.symptoms]
    return ReportText(
        comment=c.text() if c else None,
        response=r.text() if r else None,
        pii=pii,
        symptoms=symptoms,
    )
