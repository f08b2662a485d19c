"""joins: request join, traffic denominators, attribution statistics, deploy suspects.

A plain library (pyarrow / DuckDB / numpy / scipy): no Beam, no Streamlit, no CLI imports.
It also holds the contract's schemas (`joins.schemas`), at the bottom of the import graph so
that every package imports them downward. See docs/attribution.md for the statistics.
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Names are imported from their module on first use (PEP 562), as in `redaction`: scipy costs
# seconds to import, and `joins.schemas` (pyarrow only) must stay light for every reader of
# the contract, the CLI's `--help` included.
_WHERE = {
    "ATTRIBUTION_SCHEMA": "attribution", "attribute": "attribution",
    "ClusterAttributor": "attribution",
    "dimension_columns": "schemas", "join_reports": "join",
    "onset_and_end": "onset", "segment": "onset",
    "STICKY_SCHEMA": "sticky", "sticky_concentration": "sticky",
    "SUSPECTS_SCHEMA": "suspects", "suspect_deploys": "suspects",
    "TIMESERIES_SCHEMA": "timeseries", "cluster_timeseries": "timeseries",
}  # fmt: skip

if TYPE_CHECKING:
    from joins.attribution import ATTRIBUTION_SCHEMA, ClusterAttributor, attribute
    from joins.join import join_reports
    from joins.onset import onset_and_end, segment
    from joins.schemas import dimension_columns
    from joins.sticky import STICKY_SCHEMA, sticky_concentration
    from joins.suspects import SUSPECTS_SCHEMA, suspect_deploys
    from joins.timeseries import TIMESERIES_SCHEMA, cluster_timeseries


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'joins' has no attribute {name!r}")
    value = getattr(import_module(f"joins.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "ATTRIBUTION_SCHEMA",
    "STICKY_SCHEMA",
    "SUSPECTS_SCHEMA",
    "TIMESERIES_SCHEMA",
    "ClusterAttributor",
    "attribute",
    "cluster_timeseries",
    "dimension_columns",
    "join_reports",
    "onset_and_end",
    "segment",
    "sticky_concentration",
    "suspect_deploys",
]
