"""The detectors' ``regex`` patterns match with the GIL held (``concurrent=False``)."""

from __future__ import annotations

import regex

import clustering._text as text_module
import clustering.code as code_module
import clustering.repetition as repetition_module
import clustering.scripts as scripts_module
import clustering.symptoms as symptoms_module
import clustering.truncation as truncation_module
from clustering._text import HeldGilPattern, compile_held


class _Recorder:
    """Stands in for a compiled pattern and records the keyword arguments of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, name: str):  # noqa: ANN204
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            self.calls.append((name, kwargs))
            return None

        return call


def test_every_match_method_passes_concurrent_false() -> None:
    recorder = _Recorder()
    held = HeldGilPattern(recorder)  # type: ignore[arg-type]
    held.search("a")
    held.match("a", 0)
    held.fullmatch("a")
    held.finditer("a")
    held.findall("a")
    held.sub("x", "a")
    held.split("a")
    assert [name for name, _ in recorder.calls] == [
        "search", "match", "fullmatch", "finditer", "findall", "sub", "split",
    ]  # fmt: skip
    assert all(kwargs.get("concurrent") is False for _, kwargs in recorder.calls)


def test_results_are_those_of_the_plain_pattern() -> None:
    source, flags = r"(\w+)-(\d+)", regex.I
    plain, held = regex.compile(source, flags), compile_held(source, flags)
    text = "Ab-12 cd-3, EF-456 and g-7"
    assert held.pattern == plain.pattern
    assert held.search(text, 3).span() == plain.search(text, 3).span()
    assert held.match(text).groups() == plain.match(text).groups()
    assert held.fullmatch("x-1") is not None and held.fullmatch(text) is None
    assert [m.span() for m in held.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert held.findall(text) == plain.findall(text)
    assert held.sub(r"\2", text) == plain.sub(r"\2", text)
    assert held.split(text) == plain.split(text)


def test_no_detector_module_keeps_a_gil_releasing_pattern() -> None:
    modules = (
        text_module, code_module, scripts_module, symptoms_module, repetition_module,
        truncation_module,
    )  # fmt: skip
    values = [v for m in modules for v in vars(m).values()]
    values += [p for _, p in code_module._GUESS_RULES]
    raw = [v for v in values if isinstance(v, regex.Pattern)]
    held = [v for v in values if isinstance(v, HeldGilPattern)]
    assert raw == []
    assert len(held) >= 12
