"""Multiple outputs from one step, portable to every Beam runner.

Some runners (Beam's Dask runner among them) hand every consumer of a multi-output ParDo the
whole output, tags and all. A step here yields ``(tag, value)`` pairs instead and
`split_by_tag` selects each stream with a plain FlatMap, which every runner supports.
"""

from __future__ import annotations

import apache_beam as beam


def _select(item, tag: str):
    if item[0] == tag:
        yield item[1]


def split_by_tag(tagged, tags: tuple[str, ...], label: str) -> dict:
    """{tag: PCollection of the values yielded with that tag}."""
    return {tag: tagged | f"{label}:{tag}" >> beam.FlatMap(_select, tag=tag) for tag in tags}
