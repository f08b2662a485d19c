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
    return alt.layer(bars, ci, one).properties(height=max(120, 22 * len(df)))


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
        .properties(height=max(120, 24 * df["server_pool"].nunique()))
    )


def lift_heatmap(df: pd.DataFrame, dimension: str) -> alt.Chart:
    """Lift of each value of ``dimension`` (columns) in each cluster (rows), log colour."""
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("value:N", title=dimension),
            y=alt.Y("label:N", title="cluster", axis=alt.Axis(labelOverlap=False, labelLimit=300)),
            color=alt.Color(
                "lift:Q", scale=alt.Scale(type="log", scheme="redblue", reverse=True, domainMid=1.0)
            ),
            tooltip=["label:N", "value:N", "reports:Q", "lift:Q"],
        )
        .properties(height=max(150, 30 * df["label"].nunique()))
    )


def compare_bars(df: pd.DataFrame) -> alt.Chart:
    """Rate per million before and after the pivot, side by side per cluster."""
    long = df.melt(
        id_vars=["label"],
        value_vars=["rate_before", "rate_after"],
        var_name="window",
        value_name="rate_per_million",
    )
    long["window"] = long["window"].str.removeprefix("rate_")
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, axis=alt.Axis(labelLimit=300)),
            yOffset="window:N",
            x=alt.X("rate_per_million:Q", title="reports per million requests"),
            color=alt.Color("window:N", sort=["before", "after"]),
            tooltip=["label:N", "window:N", "rate_per_million:Q"],
        )
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
