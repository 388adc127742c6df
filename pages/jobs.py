"""Jobs: each background job's last run (when, how long, result, errors) with run-now; the notification
outbox with dead letters to retry; the workspace's notification channels."""

from __future__ import annotations

import streamlit as st

from engine.auth import may
from engine.clock import local_now
from engine.errors import EngineError
from engine.intake.queue import queue_status
from engine.jobs import job_status, run_job_for
from engine.notify.channels import KIND_LABELS, channel_from_form
from engine.notify.outbox import channels, outbox_rows, retry_dead, save_channel
from pages._ui import page_context, show_error, t

store, me, ws = page_context()
st.title(t("jobs"))
queue = next((q for q in queue_status(store) if q["workspace"] == ws.name), None)
if queue is not None:
    q1, q2, q3 = st.columns(3)
    q1.metric(t("queue_depth"), queue["depth"])
    q2.metric(t("queue_lag"), queue["lag_s"])
    q3.metric(t("queue_deferred"), queue["deferred"])
for status in job_status(store):
    with st.container(border=True):
        c1, c2 = st.columns([4, 1])
        ok = {True: ":green-badge[OK]", False: ":red-badge[失败]", None: ":gray-badge[未运行]"}[
            status.get("ok")
        ]
        c1.markdown(
            f"{ok} **{status['label']}** · every {status['every_s']:g}s"
            + (
                f" · {status['last_run']:%Y-%m-%d %H:%M:%S} · {status['duration_ms']} ms · runs {status['runs']}"
                if status.get("last_run")
                else ""
            )
        )
        if status.get("result"):
            c1.json(status["result"], expanded=False)
        if status.get("error"):
            c1.error(status["error"])
        if c2.button(t("run_now"), key=f"run_{status['job']}", disabled=not may(me, "run_jobs")):
            try:
                out = run_job_for(store, status["job"], me)
            except EngineError as exc:
                show_error(exc)
            else:
                if not out["ok"]:
                    st.error(out["error"])
                else:
                    st.rerun()

st.subheader(t("outbox"))
state = st.segmented_control(
    t("kind"), ["pending", "dead", "delivered"], default="pending", key="outbox_state"
)
rows = outbox_rows(store, ws.name, state)
st.dataframe(rows, hide_index=True, width="stretch")
if state == "dead" and rows and st.button(t("retry"), key="retry_dead"):
    try:
        retry_dead(store, [r["id"] for r in rows], local_now(ws.timezone), me)
    except EngineError as exc:
        show_error(exc)
    else:
        st.rerun()

st.subheader(t("channels"))
configured = channels(store, ws.name)
st.dataframe(
    [
        {
            t("col_name"): c.name,
            t("col_kind"): KIND_LABELS.get(c.kind, c.kind),
            t("col_url"): str(c.url),
            t("col_signed"): bool(c.secret),
            t("col_active"): c.active,
        }
        for c in configured.values()
    ],
    hide_index=True,
    width="stretch",
)
if me.is_admin or "builder" in me.roles:
    with st.form("add_channel"):
        st.markdown(f"**{t('add_channel')}**")
        c1, c2 = st.columns(2)
        name = c1.text_input(t("name"), key="ch_name")
        kind = c2.selectbox(t("kind"), list(KIND_LABELS), format_func=KIND_LABELS.get, key="ch_kind")
        url = st.text_input(t("url"), key="ch_url")
        secret = st.text_input(t("secret"), type="password", key="ch_secret")
        if st.form_submit_button(t("save")):
            try:
                save_channel(store, ws.name, channel_from_form(name, kind, url, secret), me)
            except EngineError as exc:
                show_error(exc)
            else:
                st.rerun()
