"""The chat review queue on the Connectors page: each waiting message with what the parser read; a change or
cancellation shown as the edit of the customer's open order it asks for; candidate SKUs to pick from."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from connectors.chat import decide_review
from connectors.design import parse_json_parts
from engine.auth import Actor
from engine.errors import EngineError
from engine.intake.chat_reviews import review_queue
from engine.schema import Workspace
from engine.storage.store import Store
from pages._ui import show_error, t


def _attempt(action: Any) -> bool:
    try:
        action()
    except EngineError as exc:
        show_error(exc)
        return False
    return True


def _order_line(order: dict[str, Any]) -> str:
    parts = [str(order.get(k)) for k in ("key", "sku", "qty", "status") if order.get(k) is not None]
    return " · ".join(parts) or f"#{order.get('_id')}"


def _changes_line(changes: dict[str, Any], order: dict[str, Any]) -> str:
    old = {"qty": order.get("qty"), "promised_at": order.get("due")}
    return "; ".join(f"{old.get(k, '—')} → {v}" for k, v in changes.items()) or "—"


def _edit_card(store: Store, ws: Workspace, me: Actor, r: dict[str, Any]) -> None:
    parsed = r["parsed"]
    edit = parsed.get("edit")
    if not edit:
        st.info(t("chat_no_match"))
    else:
        orders = [edit["order"], *edit.get("choices", [])]
        picked = st.selectbox(t("chat_target"), orders, format_func=_order_line, key=f"chat_target_{r['id']}")
        line = _order_line(picked)
        if edit["action"] == "cancel":
            st.warning(t("chat_will_cancel", order=line))
        else:
            st.warning(t("chat_will_change", order=line, changes=_changes_line(edit["changes"], picked)))
        label = t("chat_apply_cancel" if edit["action"] == "cancel" else "chat_apply_change")
        if st.button(label, key=f"acc_{r['id']}", type="primary") and _attempt(
            lambda: decide_review(store, ws, r["id"], me, True, None, order_id=picked["_id"])
        ):
            st.rerun()
    if st.button(t("chat_dismiss_msg"), key=f"dis_{r['id']}") and _attempt(
        lambda: decide_review(store, ws, r["id"], me, False)
    ):
        st.rerun()


def _order_card(store: Store, ws: Workspace, me: Actor, r: dict[str, Any]) -> None:
    parsed = dict(r["parsed"])
    names = parsed.get("candidate_names", {})
    items = []
    for n, item in enumerate(parsed.get("items", [])):
        if item.get("candidates") and not item.get("sku"):
            sku = st.selectbox(
                t("chat_pick_sku", product=item.get("product", "")),
                item["candidates"],
                format_func=lambda k: f"{names.get(k) or k} ({k})",
                key=f"chat_sku_{r['id']}_{n}",
            )
            item = item | {"sku": sku}
        items.append(item)
    parsed["items"] = items
    with st.expander(t("chat_edit")):
        edited = st.text_area(
            t("chat_edit"),
            json.dumps(parsed, ensure_ascii=False, indent=1),
            key=f"chat_{r['id']}",
            height=160,
            label_visibility="collapsed",
        )
    a1, a2 = st.columns(2)
    if a1.button(t("chat_accept"), key=f"acc_{r['id']}", type="primary"):
        try:
            corrected = parse_json_parts({"parse": edited})["parse"]
        except EngineError as exc:
            show_error(exc)
        else:
            if _attempt(lambda: decide_review(store, ws, r["id"], me, True, corrected)):
                st.rerun()
    if a2.button(t("chat_dismiss"), key=f"dis_{r['id']}") and _attempt(
        lambda: decide_review(store, ws, r["id"], me, False)
    ):
        st.rerun()


def chat_review_tab(store: Store, ws: Workspace, me: Actor) -> None:
    """Every open chat review as a card a person decides."""
    waiting = review_queue(store, ws)
    if not waiting:
        st.success(t("chat_none"))
    for r in waiting:
        with st.container(border=True):
            st.markdown(f"**{r['sender'] or '—'}** · {r['received_at']:%Y-%m-%d %H:%M} · {r['text']}")
            intent = r["parsed"].get("intent", "order")
            st.caption(
                f"{t('chat_intent', intent=t('intent_' + intent))} · {r['reason']} · {r['confidence']:.2f}"
            )
            if intent in ("change", "cancel"):
                _edit_card(store, ws, me, r)
            else:
                _order_card(store, ws, me, r)
