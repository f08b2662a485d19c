"""joins: request join, traffic denominators, attribution statistics, deploy suspects.

A plain library (pyarrow / DuckDB / numpy / scipy): no Beam, no Streamlit, no CLI imports.
See docs/attribution.md for the statistics and the evaluation.
"""

from joins.attribution import ATTRIBUTION_SCHEMA, attribute
from joins.columns import dimension_columns
from joins.join import join_reports
from joins.onset import onset_and_end, segment
from joins.sticky import STICKY_SCHEMA, sticky_concentration
from joins.suspects import SUSPECTS_SCHEMA, suspect_deploys
from joins.timeseries import TIMESERIES_SCHEMA, cluster_timeseries

__all__ = [
    "ATTRIBUTION_SCHEMA",
    "STICKY_SCHEMA",
    "SUSPECTS_SCHEMA",
    "TIMESERIES_SCHEMA",
    "attribute",
    "cluster_timeseries",
    "dimension_columns",
    "join_reports",
    "onset_and_end",
    "segment",
    "sticky_concentration",
    "suspect_deploys",
]
