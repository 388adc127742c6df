"""Connectors: add a connector from a type, edit its settings and mappings with a preview on real payloads, sync
now, read the sync log and rejected rows, issue webhook tokens; the status-conflict list; the chat review queue."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from connectors.design import EDITABLE, add_connector, parse_json_parts, remove_connector, update_connector
from connectors.presets import PLATFORM_LABELS, TYPES
from connectors.preview import preview
from connectors.sync import run_sync_for
from engine.auth import may
from engine.clock import local_now
from engine.errors import EngineError
from engine.intake.model import SOURCE_LABELS
from engine.intake.synclog import rejects, runs
from engine.intake.tokens import callers, issue_token
from engine.intake.trust import open_conflicts, source_label
from pages._charts import record_link
from pages._chat_review import chat_review_tab
from pages._ui import heading, lang, page_context, show_error, t

store, me, ws = page_context()
st.title(t("connectors"))
en = lang() == "en"
editor = may(me, "edit_schema")


def _label(pair: tuple[str, str]) -> str:
    return pair[1] if en else pair[0]


def _attempt(action: Any) -> Any:
    try:
        return action()
    except EngineError as exc:
        show_error(exc)
        return None


tab_list, tab_conflicts, tab_chat = st.tabs([t("conn_list"), t("conflicts"), t("chat_review")])

with tab_list:
    summary = []
    for c in ws.connectors:
        last = runs(store, ws, c.name, limit=1)
        entry: dict[str, Any] = {
            "name": c.name,
            "label": c.label,
            "type": _label(TYPES[c.type]),
            "source": c.source,
        }
        entry |= {"every_min": c.every_minutes, "enabled": c.enabled}
        if last:
            entry |= {"last_sync": last[0]["started_at"], "ok": last[0]["ok"]}
            entry |= {
                k: last[0]["counts"].get(k) for k in ("fetched", "new", "updated", "duplicates", "rejected")
            }
        summary.append(entry)
    if summary:
        st.dataframe(
            [{heading(k): v for k, v in e.items()} for e in summary], hide_index=True, width="stretch"
        )
    else:
        st.info(t("conn_none"))

    if editor:
        with (
            st.expander(t("conn_add"), expanded=not ws.connectors),
            st.form("conn_add_form", clear_on_submit=True),
        ):
            c1, c2, c3 = st.columns(3)
            type_ = c1.selectbox(
                t("conn_type"), list(TYPES), format_func=lambda k: _label(TYPES[k]), key="add_type"
            )
            platform = c2.selectbox(
                t("conn_platform"), list(PLATFORM_LABELS), format_func=PLATFORM_LABELS.get, key="add_platform"
            )
            source = c3.selectbox(
                t("conn_source"),
                ["", *SOURCE_LABELS],
                format_func=lambda k: _label(SOURCE_LABELS[k]) if k else "—",
                key="add_source",
            )
            c4, c5, c6 = st.columns(3)
            name = c4.text_input(t("conn_name"), key="add_name")
            url = c5.text_input(t("url"), key="add_url")
            folder = c6.text_input(t("conn_folder"), key="add_folder")
            if st.form_submit_button(t("conn_add")):
                made = _attempt(
                    lambda: add_connector(
                        store,
                        ws,
                        me,
                        type_,
                        platform,
                        name or None,
                        source or None,
                        {"url": url, "folder": folder},
                    )
                )
                if made:
                    st.session_state["conn_chosen"] = made.name
                    st.rerun()

    if ws.connectors:
        names = [c.name for c in ws.connectors]
        chosen = st.session_state.get("conn_chosen")
        index = names.index(chosen) if chosen in names else 0
        conn = ws.connector(st.selectbox(t("conn_choose"), names, index=index, key="conn_pick"))
        st.subheader(f"{conn.label} · {conn.name}")
        c1, c2 = st.columns([3, 1])
        with c1.expander(t("conn_settings"), expanded=False):
            s1, s2, s3 = st.columns(3)
            enabled = s1.toggle(t("conn_enabled"), value=conn.enabled, key=f"en_{conn.name}")
            every = s2.number_input(t("conn_every"), 1, 1440, conn.every_minutes, key=f"ev_{conn.name}")
            prefix = s3.text_input(t("conn_prefix"), conn.key_prefix, key=f"px_{conn.name}")
            url = st.text_input(t("url"), conn.url, key=f"url_{conn.name}")
            folder = st.text_input(t("conn_folder"), conn.folder, key=f"fd_{conn.name}")
            texts = {
                part: st.text_area(
                    t(f"conn_{part}"),
                    json.dumps(getattr(conn, part), ensure_ascii=False, indent=1),
                    height=220 if part in ("fields", "statuses") else 100,
                    key=f"{part}_{conn.name}",
                )
                for part in EDITABLE
            }
            b1, b2, b3 = st.columns(3)
            if b1.button(t("conn_preview"), key=f"pv_{conn.name}"):
                parts = _attempt(lambda: parse_json_parts(texts))
                if parts is not None:
                    edited = conn.model_copy(
                        update=parts | {"url": url, "folder": folder, "key_prefix": prefix}
                    )
                    shown = preview(store, ws, edited, local_now(ws.timezone))
                    st.caption(shown.note)
                    st.markdown(f"**{t('conn_source_rows')}**")
                    st.dataframe(shown.source, hide_index=True)
                    st.markdown(f"**{t('conn_mapped_rows')}**")
                    st.dataframe(shown.mapped, hide_index=True)
                    if not shown.rejects.is_empty():
                        st.markdown(f"**{t('conn_rejected')}**")
                        st.dataframe(shown.rejects, hide_index=True)
            if b2.button(t("save"), key=f"save_{conn.name}", disabled=not editor, type="primary"):
                parts = _attempt(lambda: parse_json_parts(texts))
                if parts is not None:
                    changes = parts | {"enabled": enabled, "every_minutes": int(every), "key_prefix": prefix}
                    changes |= {"url": url, "folder": folder}
                    if _attempt(lambda: update_connector(store, ws, conn.name, changes, me)):
                        st.rerun()
            if b3.button(t("conn_remove"), key=f"rm_{conn.name}", disabled=not editor) and _attempt(
                lambda: remove_connector(store, ws, conn.name, me)
            ):
                st.rerun()
        if conn.type != "webhook" and c2.button(
            t("conn_sync"), key=f"sync_{conn.name}", type="primary", disabled=not may(me, "run_syncs")
        ):
            result = _attempt(lambda: run_sync_for(store, ws, conn.name, me))
            if result is not None:
                (st.success if result["ok"] else st.error)(
                    json.dumps(result["counts"] if result["ok"] else result["error"], ensure_ascii=False)
                )
        if may(me, "issue_tokens"):
            with st.expander(t("conn_tokens")):
                st.dataframe(callers(store, ws, conn.name), hide_index=True)
                caller = st.text_input(t("conn_caller"), key=f"caller_{conn.name}")
                if st.button(t("conn_issue"), key=f"issue_{conn.name}"):
                    token = _attempt(lambda: issue_token(store, ws, conn.name, caller, me))
                    if token:
                        st.code(t("conn_token_once", url=f"/api/hooks/{ws.name}/{conn.name}", token=token))
        st.markdown(f"**{t('conn_log')}**")
        log = runs(store, ws, conn.name, limit=30)
        st.dataframe(
            [
                {
                    t("col_run"): r["id"],
                    t("col_started"): r["started_at"],
                    t("col_finished"): r["finished_at"],
                    t("col_ok"): r["ok"],
                    t("col_error"): r["error"],
                }
                | {heading(k): v for k, v in r["counts"].items() if k != "notes"}
                for r in log
            ],
            hide_index=True,
            width="stretch",
        )
        bad = rejects(store, ws, conn.name, limit=200)
        if not bad.is_empty():
            st.markdown(f"**{t('conn_rejects')}**")
            st.dataframe(bad, hide_index=True, width="stretch")

with tab_conflicts:
    conflicts = open_conflicts(store, ws)
    if not conflicts:
        st.success(t("conflicts_none"))
    for c in conflicts:
        with st.container(border=True):
            st.markdown(
                f"**[{c['record_key']}]({record_link(ws.intake_rules.table, '', c['record_key'])})** · "
                f"{c['effective']} ({source_label(c['effective_source'], lang())}) · "
                f":orange[{c['advice']}]"
            )
            st.dataframe(
                [
                    {
                        t("col_source"): source_label(d["source"], lang()),
                        t("col_connector"): d["connector"],
                        t("col_status"): d["status"],
                        t("col_raw_status"): d["raw_status"],
                        t("col_at"): d["reported_at"],
                    }
                    for d in c["detail"]
                ],
                hide_index=True,
            )

with tab_chat:
    chat_review_tab(store, ws, me)
