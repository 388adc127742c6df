"""Alert inbox: the alerts addressed to me or my roles, most urgent first, with acknowledge / needs more
information (with a note); and my in-app messages."""

from __future__ import annotations

import streamlit as st

from engine.alerts.actions import acknowledge, alerts_for
from engine.errors import EngineError
from engine.notify.inbox import inbox_messages, mark_read
from pages._ui import page_context, show_error, t

# Badges, not emoji: servers without an emoji font would show empty boxes.
LEVEL_BADGES = {"red": ":red-badge[红色]", "yellow": ":orange-badge[黄色]", "info": ":blue-badge[提示]"}

store, me, ws = page_context()
st.title(t("alerts"))
alerts = alerts_for(store, ws, me)
open_alerts = [a for a in alerts if a["status"] == "open"]
if not open_alerts:
    st.info(t("no_alerts"))
for alert in open_alerts[:100]:
    with st.container(border=True):
        st.markdown(
            f"{LEVEL_BADGES.get(alert['level'], '')} **{alert['message']}**  \n"
            f"#{alert['id']} · {alert['rule']} · {alert['table_name']} #{alert['record_id']} · "
            f"{alert['opened_at']:%Y-%m-%d %H:%M}"
            + (f" · ⏰ {alert['due_at']:%H:%M}" if alert["due_at"] else "")
            + (f" · ⬆ {alert['step']}" if alert["step"] else "")
        )
        c1, c2, c3 = st.columns([3, 1, 1])
        note = c1.text_input(t("note"), key=f"note_{alert['id']}", label_visibility="collapsed")
        for column, response in ((c2, "known"), (c3, "needs_info")):
            if column.button(
                t("acknowledge" if response == "known" else "needs_info"), key=f"{response}_{alert['id']}"
            ):
                try:
                    acknowledge(store, ws, alert["id"], me, response, note)  # type: ignore[arg-type]
                except EngineError as exc:
                    show_error(exc)
                else:
                    st.rerun()
acknowledged = [a for a in alerts if a["status"] == "acknowledged"]
if acknowledged:
    st.dataframe(
        [
            {
                k: a[k]
                for k in ("id", "level", "message", "acknowledged_by", "acknowledged_at", "response", "note")
            }
            for a in acknowledged
        ],
        hide_index=True,
        width="stretch",
    )

st.subheader(t("messages"))
messages = inbox_messages(store, ws.name, me)
if messages:
    st.dataframe(
        [{k: m[k] for k in ("created_at", "level", "title", "body", "read")} for m in messages],
        hide_index=True,
        width="stretch",
    )
    if st.button(t("mark_read"), key="mark_read"):
        mark_read(store, ws.name, me, [m["id"] for m in messages])
        st.rerun()
