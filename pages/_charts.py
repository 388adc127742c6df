"""Drawing widget data: one function per widget type, looked up by type. Frames and numbers come from the
engine (engine/boards); nothing here queries or decides — it only draws."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from engine.boards.widgets import WidgetData
from engine.registry import Registry
from pages._ui import t

PNG = {"toImageButtonOptions": {"format": "png", "scale": 2}, "displaylogo": False}
COLORS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}


def record_link(table: str, record_id: Any, key: Any) -> str:
    """A link to the record on the Records page (opens its detail)."""
    return "records?" + urlencode({"table": table, "id": record_id, "key": key or ""})


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _metric(w: WidgetData, key: str) -> None:
    m = w.meta
    value = m.get("value")
    delta = None if m.get("change") is None else f"{m['change']:+,.2f}".rstrip("0").rstrip(".")
    shown = "—" if value is None else (f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}")
    # A rise is shown red where lower is better (more late orders), green where higher is.
    colour = "inverse" if m.get("better") == "lower" else "normal"
    st.metric(w.title, shown, delta, delta_color=colour, help=t("vs_previous", days=m.get("days", "")))


def _table(w: WidgetData, key: str) -> None:
    frame = w.frame
    table = w.meta.get("table", "orders")
    keycol = w.meta.get("key", "_id")
    links = [record_link(table, i, k) for i, k in zip(frame["_id"], frame[keycol], strict=True)]
    headings = w.meta.get("headings", {})
    # A field's label column stands in for its value (淘宝, not taobao), under the field's heading.
    shown = frame.with_columns(pl.Series("link", links)).drop(
        [c for c in frame.columns if f"{c}_label" in frame.columns]
    )
    names = {c: headings.get(c.removesuffix("_label"), c) for c in shown.columns if c not in ("_id", "link")}
    st.dataframe(
        shown.rename(names).to_pandas(),
        hide_index=True,
        column_config={"link": st.column_config.LinkColumn(t("open"), display_text=t("open")), "_id": None},
        key=key,
    )


def _chart(w: WidgetData, key: str) -> None:
    frame = w.frame
    x = "x_label" if "x_label" in frame.columns else "x"
    fig = go.Figure()
    if "split" in frame.columns:
        for name, part in frame.group_by("split_label", maintain_order=True):
            trace = go.Bar if w.type == "bar" else go.Scatter
            fig.add_trace(trace(x=part[x].to_list(), y=part["value"].to_list(), name=str(name[0])))
    else:
        trace = go.Bar if w.type == "bar" else go.Scatter
        fig.add_trace(trace(x=frame[x].to_list(), y=frame["value"].to_list()))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, barmode="stack")
    st.plotly_chart(fig, config=PNG, key=key)


def _funnel(w: WidgetData, key: str) -> None:
    frame = w.frame.filter(pl.col("reached") + pl.col("now_in") > 0)
    fig = go.Figure(go.Funnel(y=frame["label"].to_list(), x=frame["now_in"].to_list(), textinfo="value"))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    st.plotly_chart(fig, config=PNG, key=key)
    st.dataframe(
        frame.select("label", "now_in", "reached", "median_hours")
        .rename(
            {
                "label": t("funnel_state"),
                "now_in": t("funnel_now_in"),
                "reached": t("funnel_reached"),
                "median_hours": t("funnel_median_hours"),
            }
        )
        .to_pandas(),
        hide_index=True,
    )


def _heatmap(w: WidgetData, key: str) -> None:
    """The matrix, with invisible markers over the cell centres: a Plotly heatmap cell click returns nothing,
    a marker click returns its x, y (see STACK.md). The selected cell is kept for the page to list its orders."""
    frame = w.frame
    if frame.height == 0:
        st.info(t("no_data"))
        return
    xs = sorted(frame["x"].unique().to_list())
    ys = sorted(frame["y_label"].unique().to_list())
    value = {(r["x"], r["y_label"]): r["value"] for r in frame.iter_rows(named=True)}
    z = [[value.get((x, y)) for x in xs] for y in ys]
    fig = go.Figure(go.Heatmap(x=[str(x) for x in xs], y=ys, z=z, colorscale="Reds", hoverongaps=False))
    fig.add_trace(
        go.Scatter(
            x=[str(r["x"]) for r in frame.iter_rows(named=True)],
            y=frame["y_label"].to_list(),
            customdata=[[str(r["x"]), r["y"]] for r in frame.iter_rows(named=True)],
            mode="markers",
            marker={"symbol": "square", "size": 24, "opacity": 0},  # a finger-sized target
            hovertemplate="%{x} · %{y}<extra></extra>",
            showlegend=False,
        )
    )
    # Rows of 44 px: the height a finger needs to hit one (a phone is narrow, not short).
    fig.update_layout(height=80 + 44 * len(ys), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    event = st.plotly_chart(fig, config=PNG, key=key, on_select="rerun", selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    if not points and hasattr(event, "selection"):
        points = event.selection.get("points", [])
    if points and points[0].get("customdata"):
        st.session_state[f"{key}_cell"] = points[0]["customdata"]
    # On a phone 24 hours leave cells a few pixels wide: the busiest cells are also offered by name.
    busiest = frame.filter(pl.col("value") > 0).sort("value", descending=True).head(50)
    cells = {
        f"{r['y_label']} · {r['x']} ({r['value']:g})": [str(r["x"]), r["y"]]
        for r in busiest.iter_rows(named=True)
    }
    picked = st.selectbox(t("heatmap_pick"), ["", *cells], key=f"{key}_pick", format_func=lambda c: c or "—")
    if picked and st.session_state.get(f"{key}_picked") != picked:
        st.session_state[f"{key}_picked"] = picked
        st.session_state[f"{key}_cell"] = cells[picked]


def _pareto(w: WidgetData, key: str) -> None:
    frame = w.frame
    fig = go.Figure(go.Bar(x=frame["category_label"].to_list(), y=frame["n"].to_list(), name=t("count")))
    fig.add_trace(
        go.Scatter(
            x=frame["category_label"].to_list(),
            y=(frame["cumulative_share"] * 100).to_list(),
            yaxis="y2",
            name=t("cumulative"),
            mode="lines+markers",
        )
    )
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 100], "ticksuffix": "%"},
    )
    st.plotly_chart(fig, config=PNG, key=key)


def _order_health(w: WidgetData, key: str) -> None:
    m = w.meta
    c1, c2, c3 = st.columns(3)
    c1.metric(t("orders_scored"), f"{m.get('orders', 0):,}")
    c2.metric(t("average_score"), m.get("average"))
    c3.metric(t("review_pool", n=m.get("threshold")), f"{m.get('pool', 0):,}")
    frame = w.frame
    if frame.height:
        links = [record_link("orders", i, k) for i, k in zip(frame["_id"], frame["key"], strict=True)]
        st.dataframe(
            frame.with_columns(pl.Series("link", links)).to_pandas(),
            hide_index=True,
            column_config={
                "link": st.column_config.LinkColumn(t("open"), display_text=t("open")),
                "_id": None,
            },
            key=key,
        )


def _dimensions(w: WidgetData, key: str) -> None:
    cols = st.columns(max(w.frame.height, 1))
    for col, row in zip(cols, w.frame.iter_rows(named=True), strict=False):
        col.metric(row["label"], _pct(row["share"]), help=f"{row['count']:,} / {row['base']:,}")


def _customers(w: WidgetData, key: str) -> None:
    m = w.meta
    c1, c2, c3 = st.columns(3)
    c1.metric(t("red"), m.get("red", 0))
    c2.metric(t("yellow"), m.get("yellow", 0))
    c3.metric(t("green"), m.get("green", 0))
    st.dataframe(
        w.frame.to_pandas().style.map(lambda v: f"color: {COLORS.get(v, 'inherit')}", subset=["color"]),
        hide_index=True,
        key=key,
    )


def _kpi(w: WidgetData, key: str) -> None:
    kind = w.meta.get("kind")
    if kind in ("on_time", "first_time_right"):
        st.metric(
            w.title, _pct(w.meta.get("value")), help=f"{w.meta.get('count', 0):,} / {w.meta.get('base', 0):,}"
        )
        fig = go.Figure(go.Scatter(x=w.frame["week_ending"].to_list(), y=(w.frame["rate"] * 100).to_list()))
        fig.update_layout(height=200, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"ticksuffix": "%"})
        st.plotly_chart(fig, config=PNG, key=key)
    else:
        st.dataframe(w.frame.to_pandas(), hide_index=True, key=key)


DRAW: Registry[Callable[[WidgetData, str], None]] = Registry(
    "widget drawer",
    {
        "metric": _metric,
        "table": _table,
        "bar": _chart,
        "line": _chart,
        "funnel": _funnel,
        "heatmap": _heatmap,
        "pareto": _pareto,
        "order_health": _order_health,
        "health_dimensions": _dimensions,
        "customer_health": _customers,
        "kpi": _kpi,
    },
)


def draw(w: WidgetData, key: str) -> None:
    """A widget with its title; an engine error in its place if it could not be computed."""
    if w.type != "metric":
        st.markdown(f"**{w.title}**")
    if "error" in w.meta:
        st.error(w.meta["error"])
        return
    DRAW[w.type](w, key)
