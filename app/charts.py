"""Altair chart builders for the dashboard pages (no Streamlit, no SQL).

Each takes a frame shaped as the matching `app.queries` function returns and gives a chart.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

MARKER_COLOURS = {
    "deploy start": "#1f77b4",
    "onset": "#d62728",
    "end": "#7f7f7f",
    "rollback": "#2ca02c",
}


def resample(series: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """An hourly rate series summed to ``freq`` bins ("D" = UTC days); rate recomputed."""
    if series.empty or freq == "h":
        return series
    g = series.set_index("hour")[["reports", "requests"]].resample(freq).sum(min_count=1)
    g["rate_per_million"] = g["reports"] * 1e6 / g["requests"].where(g["requests"] > 0)
    return g.reset_index()


def rate_chart(series: pd.DataFrame, markers: pd.DataFrame) -> alt.LayerChart:
    """Reports per million requests over time, with vertical rules for ``markers``."""
    line = (
        alt.Chart(series)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("hour:T", title="hour (UTC)"),
            y=alt.Y("rate_per_million:Q", title="reports per million requests"),
            tooltip=["hour:T", "reports:Q", "requests:Q", "rate_per_million:Q"],
        )
    )
    rules = (
        alt.Chart(markers)
        .mark_rule(strokeWidth=2, strokeDash=[6, 3])
        .encode(
            x="at:T",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=list(MARKER_COLOURS), range=list(MARKER_COLOURS.values())),
                title="marker",
            ),
            tooltip=["label:N", "at:T"],
        )
    )
    return alt.layer(line, rules).properties(height=300)


def lift_bars(attrib: pd.DataFrame, alpha: float = 0.05) -> alt.LayerChart:
    """Lift per `dimension = value`, ranked, with its interval; colour says q < alpha."""
    df = attrib.assign(
        item=attrib["dimension"] + " = " + attrib["value"],
        confidence=(attrib["q_value"] < alpha).map({True: f"q < {alpha}", False: f"q ≥ {alpha}"}),
    )
    order = list(df.sort_values("rank")["item"])
    y = alt.Y("item:N", sort=order, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False))
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("lift:Q", title="lift (reports / expected)"),
            color=alt.Color("confidence:N"),
            tooltip=[
                "item:N",
                "reports:Q",
                "expected:Q",
                "lift:Q",
                "lift_low:Q",
                "lift_high:Q",
                "q_value:Q",
            ],
        )
    )
    ci = (
        alt.Chart(df)
        .mark_errorbar()
        .encode(y=y, x=alt.X("lift_low:Q", title="lift (reports / expected)"), x2="lift_high:Q")
    )
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="gray").encode(x="x:Q")
    return alt.layer(bars, ci, one).properties(
        height=rows_height(len(df), per_row=22), autosize=FIT_WIDTH
    )


def pool_heatmap(df: pd.DataFrame) -> alt.Chart:
    """Reports by server pool (rows) and hour (columns)."""
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X(
                "utcyearmonthdatehours(hour):O",
                title="hour (UTC)",
                axis=alt.Axis(labels=False, ticks=False),
            ),
            y=alt.Y("server_pool:N", title="server pool", axis=alt.Axis(labelLimit=200)),
            color=alt.Color("sum(reports):Q", title="reports", scale=alt.Scale(scheme="reds")),
            tooltip=["server_pool:N", "utcyearmonthdatehours(hour):T", "sum(reports):Q"],
        )
        .properties(height=rows_height(df["server_pool"].nunique()), autosize=FIT_WIDTH)
    )


#: Sizing of the charts with one row or column per category: pixels per row / per column
#: (below this a column's labels collide), and characters shown of a long category label
#: (the full text is in the tooltip).
ROW_PX = 24
COL_PX = 30
LABEL_CHARS = 56
#: Widest a chart may be while still filling the page's container (wide layout, sidebar).
CONTAINER_PX = 1100


def short(text: object, limit: int = LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with "…" (axis labels; tooltips keep the full)."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def row_names(ids: list[str], labels: list[str], limit: int = LABEL_CHARS) -> dict[str, str]:
    """A short, unique axis label per cluster id: two clusters with the same (or the same
    truncated) label get " #2", " #3" appended instead of being drawn as one row."""
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for cid, label in zip(ids, labels, strict=True):
        name = short(label, limit)
        seen[name] = seen.get(name, 0) + 1
        out[cid] = name if seen[name] == 1 else f"{name} #{seen[name]}"
    return out


def rows_height(n_rows: int, minimum: int = 120, per_row: int = ROW_PX) -> int:
    """Plot height for ``n_rows`` categorical rows: ``per_row`` pixels each, at least
    ``minimum`` (so labels never overlap however many rows there are)."""
    return max(minimum, per_row * n_rows)


#: Only the width fits the container; the height is the plot's own, axes come on top of it.
#: (With Vega-Lite's "fit", the default under Streamlit's stretch width, slanted axis labels
#: and the legend are squeezed into the given height: a 30-pool heatmap became a thin strip
#: with its row labels drawn over each other.)
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def fits_container(n_cols: int, per_col: int = COL_PX) -> bool:
    """Whether ``n_cols`` columns of at least ``per_col`` pixels fit the page's width; when
    not, the chart keeps its own width (``width="content"``) and the page scrolls."""
    return n_cols * per_col + 400 <= CONTAINER_PX


def lift_heatmap(df: pd.DataFrame, dimension: str) -> alt.Chart:
    """Lift of each value of ``dimension`` (columns) in each cluster (rows), log colour.

    Sized to its data: ``ROW_PX`` per cluster row and ``COL_PX`` per value column at least,
    row labels cut to ``LABEL_CHARS`` (and kept distinct), column labels slanted when there
    are many; the tooltip has the full label.
    """
    ids = list(dict.fromkeys(df["cluster_id"]))
    first = df.drop_duplicates("cluster_id").set_index("cluster_id")["label"]
    names = row_names(ids, [first[i] for i in ids])
    data = df.assign(row=df["cluster_id"].map(names), value=df["value"].astype(str))
    n_cols = data["value"].nunique()
    slant = n_cols > 8 or data["value"].str.len().max() > 12
    chart = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X(
                "value:N",
                title=dimension,
                axis=alt.Axis(labelAngle=-45 if slant else 0, labelLimit=160, labelOverlap=False),
            ),
            y=alt.Y(
                "row:N",
                title=None,
                sort=[names[i] for i in ids],
                axis=alt.Axis(labelOverlap=False, labelLimit=420),
            ),
            color=alt.Color(
                "lift:Q",
                scale=alt.Scale(type="log", scheme="redblue", reverse=True, domainMid=1.0),
                legend=alt.Legend(format=".2~f"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="cluster"),
                alt.Tooltip("value:N", title=dimension),
                "reports:Q",
                alt.Tooltip("lift:Q", format=".2f"),
            ],
        )
        .properties(height=rows_height(len(ids)), autosize=FIT_WIDTH)
    )
    if not fits_container(n_cols):
        chart = chart.properties(width=COL_PX * n_cols, autosize=alt.AutoSizeParams(type="pad"))
    return chart


def finding_chart(series: pd.DataFrame, markers: pd.DataFrame) -> alt.LayerChart:
    """A finding's reports (or rate per million requests of its value, when the traffic is
    known) by hour, with its onset and suspect deploy's start as vertical rules."""
    rate = bool(series["rate_per_million"].notna().any()) if not series.empty else False
    field, title = (
        ("rate_per_million", "reports per million requests") if rate else ("reports", "reports")
    )
    area = (
        alt.Chart(series)
        .mark_area(interpolate="step-after", opacity=0.35, line=True)
        .encode(
            x=alt.X("hour:T", title="hour (UTC)"),
            y=alt.Y(f"{field}:Q", title=title),
            tooltip=["hour:T", "reports:Q", "requests:Q", "rate_per_million:Q"],
        )
    )
    rules = (
        alt.Chart(markers)
        .mark_rule(strokeWidth=2, strokeDash=[6, 3])
        .encode(
            x="at:T",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=list(MARKER_COLOURS), range=list(MARKER_COLOURS.values())),
                title="marker",
            ),
            tooltip=["label:N", "at:T"],
        )
    )
    return alt.layer(area, rules).properties(height=220)


def compare_bars(df: pd.DataFrame) -> alt.Chart:
    """Rate per million before and after the pivot, side by side per cluster (``ROW_PX`` per
    cluster row, short distinct labels, the full one in the tooltip)."""
    data = df.assign(row=df["label"].map(short))
    if "cluster_id" in df:
        data["row"] = df["cluster_id"].map(row_names(list(df["cluster_id"]), list(df["label"])))
    long = data.melt(
        id_vars=["row", "label"],
        value_vars=["rate_before", "rate_after"],
        var_name="window",
        value_name="rate_per_million",
    )
    long["window"] = long["window"].str.removeprefix("rate_")
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("row:N", title=None, sort=list(data["row"]), axis=alt.Axis(labelLimit=420)),
            yOffset="window:N",
            x=alt.X("rate_per_million:Q", title="reports per million requests"),
            color=alt.Color("window:N", sort=["before", "after"]),
            tooltip=[
                alt.Tooltip("label:N", title="cluster"),
                "window:N",
                alt.Tooltip("rate_per_million:Q", format=".2f"),
            ],
        )
        .properties(height=rows_height(len(data), per_row=2 * ROW_PX - 8), autosize=FIT_WIDTH)
    )


def count_bars(df: pd.DataFrame, category: str, value: str, title: str) -> alt.Chart:
    """Horizontal bars of ``value`` per ``category``, largest first."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
            x=alt.X(f"{value}:Q", title=title),
            tooltip=[f"{category}:N", f"{value}:Q"],
        )
        .properties(height=rows_height(df[category].nunique(), minimum=60), autosize=FIT_WIDTH)
    )


def per_user_bars(df: pd.DataFrame) -> alt.Chart:
    """How many users sent 1, 2, ... reports in the cluster."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("reports_per_user:O", title="reports per user"),
            y=alt.Y("users:Q", title="users"),
            tooltip=["reports_per_user:O", "users:Q"],
        )
        .properties(height=200)
    )
