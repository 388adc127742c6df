"""Import: upload a workbook or CSV, choose sheets, see the detected header on the raw sheet, confirm the
suggested mapping (fields and value maps), stage it to see every problem before anything is written, and
commit, reject or undo batches."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from engine.auth import may
from engine.errors import DataError, EngineError
from engine.forms import label_of
from engine.importer.batches import batch_errors, list_batches, reject, stage
from engine.importer.commit import commit
from engine.importer.layout import find_layout
from engine.importer.mapping import Derived, editor_rows, mapping_from_rows
from engine.importer.pairs import combine_files
from engine.importer.progress import ProgressMeter
from engine.importer.proposal import propose, target_labels
from engine.importer.report import error_report
from engine.importer.saved import load_mapping, mapping_for, mapping_names, save_mapping
from engine.importer.sources import column_values, read_head, sheet_names
from engine.importer.undo import undo
from engine.importer.uploads import keep_upload
from engine.records.repairs import open_repairs, repair
from pages._ui import choose_table, lang, page_context, show_error, t

store, me, ws = page_context()
st.title(t("import"))


def _counts(summary: dict) -> dict:
    return {k: summary.get(k, 0) for k in ("rows", "new", "updated", "unchanged", "errors", "flagged")}


def _derivation(d: Derived, labels: dict[str, str]) -> str:
    state = table.flow and next((st_.label for st_ in table.flow.states if st_.name == d.state), d.state)
    how = f" ÷ {d.by}" if d.kind == "divide" else f" (退款成功 → {state})" if d.kind == "refund" else ""
    return f"{labels.get(d.field, d.field)} ← {d.column}{how}"


SKIP = "-"  # the editor's "not imported": Streamlit shows an empty cell as a grey None


def _shown(row: dict, fields: dict[str, str]) -> dict:
    """An editor row as people read it: no field shown as (不导入), and why the field was suggested."""
    field, fit = row["field"] or SKIP, row["fit"]
    if field == SKIP:
        why = ""
    elif fit is not None:
        why = t("why_values", pct=f"{fit:.0%}", label=fields.get(field, field))
    else:
        why = t("why_name")
    return {**row, "field": field, "reason": why}


def _option_label(name: str, value: str) -> str:
    # A fixed option is shown by its label (淘宝, not taobao); the import reads labels as well as values.
    field = table.field(name)
    return field.label_of(value) if field is not None and hasattr(field, "label_of") else value


def _fresh_folder(upload: Path) -> Path:
    folder = upload.parent / "joined"
    folder.mkdir(exist_ok=True)
    return folder


def _creates(creates: dict[str, int]) -> str:
    return ", ".join(f"{n} × {label_of(ws.require_table(name), lang())}" for name, n in creates.items())


if done := st.session_state.pop("imp_done", None):
    st.success(done)
table = choose_table(ws, "create", "imp_table")
uploads = st.file_uploader(
    t("upload"), type=["xlsx", "xlsm", "xls", "ods", "csv", "tsv"], key="imp_file", accept_multiple_files=True
)
names = " + ".join(u.name for u in uploads or [])
if uploads and st.session_state.get("imp_name") != names:
    try:
        kept = [keep_upload(store.path, u.name, u.getvalue()) for u in uploads]
        # Taobao's order list and 宝贝报表 together are joined; a 宝贝报表 alone has its lines numbered.
        joined = combine_files(kept, _fresh_folder(kept[0]), "+".join(p.stem for p in kept))
        if joined is None and len(kept) > 1:
            raise DataError(t("not_a_pair"))
        if joined is not None:
            kept = [joined[0]]
            st.session_state["imp_joined"] = t(
                "joined" if len(uploads) > 1 else "lines", pair=joined[1].label
            )
        else:
            st.session_state.pop("imp_joined", None)
        st.session_state["imp_path"] = str(kept[0])
        st.session_state["imp_name"] = names
    except EngineError as exc:
        show_error(exc)
if joined_note := st.session_state.get("imp_joined"):
    st.info(joined_note)

path_text = st.session_state.get("imp_path")
if path_text:
    path = Path(path_text)
    try:
        sheets = sheet_names(path)
        chosen = (
            st.multiselect(t("sheets"), sheets, default=sheets[:1], key="imp_sheets", placeholder=t("choose"))
            or sheets[:1]
        )
        head = read_head(path, chosen[0])
        layout = find_layout(head.rows, head.merges)
        samples = column_values(path, chosen[0])
    except (EngineError, ValueError) as exc:
        st.error(str(exc))
        st.stop()
    with st.expander(t("raw_sheet"), expanded=False):
        st.caption(
            t("header_found", row=layout.header_row + 1, depth=layout.depth, start=layout.data_start + 1)
        )
        st.dataframe(
            [{"#": i + 1, **{f"c{j + 1}": v for j, v in enumerate(row)}} for i, row in enumerate(head.rows)],
            hide_index=True,
        )
    saved_names = mapping_names(store, ws)
    same = mapping_for(store, ws, layout.columns, table.name)
    pick = st.selectbox(
        t("saved_mapping"),
        ["", *saved_names],
        index=["", *saved_names].index(same.name) if same and same.name in saved_names else 0,
        format_func=lambda name: name or t("suggested_mapping"),
        key="imp_saved",
    )
    proposed, platform = propose(ws, table, layout.columns, samples)
    mapping = load_mapping(store, ws, pick) if pick else proposed
    st.caption(t("suggested", how=pick or "字段名 / 同义词 / 值 / 模糊匹配"))
    if platform is not None and mapping.fixed.get("channel"):
        st.info(
            t(
                "recognised",
                platform=platform.label,
                channel=_option_label("channel", mapping.fixed["channel"]),
            )
        )
    fields = target_labels(ws, table, lang())
    choices = {SKIP: t("not_imported"), **fields}
    st.markdown(f"**{t('mapping')}**")
    edited = st.data_editor(
        [_shown(row, fields) for row in editor_rows(table, mapping, samples)],
        column_config={
            "column": st.column_config.TextColumn(t("file_column"), disabled=True),
            "field": st.column_config.SelectboxColumn(
                t("field"), options=list(choices), format_func=choices.get, required=False, width="medium"
            ),
            "confidence": st.column_config.ProgressColumn(
                t("confidence"), min_value=0.0, max_value=1.0, format="percent"
            ),
            "fit": st.column_config.ProgressColumn(t("fit"), min_value=0.0, max_value=1.0, format="percent"),
            "reason": st.column_config.TextColumn(t("why"), disabled=True, width="medium"),
            "sample": st.column_config.TextColumn(t("sample"), disabled=True),
            "value_map": st.column_config.TextColumn(t("value_map"), help=t("value_map_help")),
            "date_format": st.column_config.TextColumn(t("date_format"), help="%d/%m/%Y %H:%M"),
        },
        column_order=("column", "field", "reason", "confidence", "fit", "sample", "value_map", "date_format"),
        hide_index=True,
        key=f"imp_map_{pick}_{'|'.join(layout.columns)}",
    )
    st.caption(t("fixed_help"))
    fixed_rows = st.data_editor(
        [{"field": f, "value": _option_label(f, v)} for f, v in mapping.fixed.items()]
        or [{"field": None, "value": ""}],
        column_config={
            "field": st.column_config.SelectboxColumn(
                t("field"), options=list(fields), format_func=fields.get
            ),
            "value": st.column_config.TextColumn(t("fixed_value")),
        },
        num_rows="dynamic",
        hide_index=True,
        key=f"imp_fixed_{pick}",
    )
    derived = mapping.derived  # what the proposal (or the saved mapping) reads out of other columns
    if derived:
        st.caption(t("derived", what="; ".join(_derivation(d, fields) for d in derived)))
    try:
        mapping = mapping_from_rows(
            table, pick, [{**r, "field": None if r["field"] == SKIP else r["field"]} for r in edited]
        )
    except EngineError as exc:
        show_error(exc)
        st.stop()
    mapping = mapping.model_copy(
        update={
            "fixed": {r["field"]: str(r["value"]) for r in fixed_rows if r.get("field") and r.get("value")},
            "derived": [d for d in derived if any(c.column == d.column for c in mapping.columns)],
        }
    )
    c1, c2 = st.columns([3, 1])
    name = c1.text_input(t("mapping_name"), value=pick, key="imp_mapping_name")
    if c2.button(t("save_mapping"), key="imp_save_mapping"):
        try:
            save_mapping(store, ws, mapping.model_copy(update={"name": name.strip()}), me)
        except EngineError as exc:
            show_error(exc)
        else:
            st.success(t("saved"))
    if st.button(t("stage"), type="primary", key="imp_stage"):
        bar = st.progress(0.0)
        meter = ProgressMeter()

        def show(phase: str, done: int, total: int) -> None:
            meter(phase, done, total)
            bar.progress(min(meter.fraction, 1.0), text=meter.line)

        try:
            batch = stage(
                store,
                ws,
                path,
                mapping.model_copy(update={"name": name.strip()}),
                me,
                chosen,
                file_name=st.session_state.get("imp_name"),
                progress=show,
            )
        except EngineError as exc:
            show_error(exc)
        else:
            st.session_state["imp_batch"] = batch.id
            st.success(t("staged", id=batch.id))
            st.info(t("preview_counts", **_counts(batch.summary)))
            if batch.summary.get("creates"):
                st.info(t("will_create", what=_creates(batch.summary["creates"])))
            if batch.summary.get("changed_fields"):
                st.caption(
                    t("changed_fields")
                    + " "
                    + ", ".join(f"{f}: {n}" for f, n in batch.summary["changed_fields"].items())
                )
            if batch.summary.get("skipped_rows"):
                st.caption(
                    t("skipped_rows", n=batch.summary["skipped_rows"])
                    + " "
                    + "; ".join(
                        f"{s['sheet']}!{s['row']} {s['reason']}" for s in batch.summary["skipped"][:20]
                    )
                )

st.subheader(t("batches"))
for batch in list_batches(store, ws, limit=20):
    summary = json.loads(batch["summary"])
    with st.container(border=True):
        st.markdown(
            f"**#{batch['id']}** {batch['file_name']} · {label_of(ws.require_table(batch['table_name']), lang())}"
            f" · {t('batch_' + batch['status'])} · "
            f"{batch['operator']} {batch['created_at']:%Y-%m-%d %H:%M}  \n"
            + t("preview_counts", **_counts(summary))
        )
        if batch["status"] == "staged":
            errors = batch_errors(store, batch["id"])
            if errors.height:
                labels = {f.name: label_of(f, lang()) for f in ws.require_table(batch["table_name"]).fields}
                shown = errors.head(200).with_columns(
                    errors.head(200)["field"].replace_strict(labels, default=errors.head(200)["field"])
                )
                st.dataframe(
                    shown.select("sheet", "source_row", "field", "message", "refuses")
                    .rename(
                        {
                            "sheet": t("col_sheet"),
                            "source_row": t("col_source_row"),
                            "field": t("field"),
                            "message": t("reason"),
                            "refuses": t("col_refuses"),
                        }
                    )
                    .to_pandas(),
                    hide_index=True,
                )
                st.download_button(
                    t("error_report"),
                    error_report(store, ws, batch["id"]),
                    file_name=f"import_{batch['id']}_errors.xlsx",
                    key=f"imp_report_{batch['id']}",
                )
            if may(me, "review_imports"):
                b1, b2, b3 = st.columns(3)
                valid_only = b2.checkbox(t("commit_valid"), key=f"imp_valid_{batch['id']}")
                if b1.button(t("commit"), key=f"imp_commit_{batch['id']}"):
                    try:
                        done = commit(store, ws, batch["id"], me, valid_only=valid_only)
                    except EngineError as exc:
                        show_error(exc)
                    else:
                        st.session_state["imp_done"] = t("committed_counts", **done) + (
                            f" · {t('created_rows', what=_creates(done['created']))}"
                            if done.get("created")
                            else ""
                        )
                        st.rerun()
                if b3.button(t("reject"), key=f"imp_reject_{batch['id']}"):
                    reject(store, ws, batch["id"], me)
                    st.rerun()
        elif (
            batch["status"] == "committed"
            and may(me, "review_imports")
            and st.button(t("undo"), key=f"imp_undo_{batch['id']}")
        ):
            try:
                result = undo(store, ws, batch["id"], me)
            except EngineError as exc:
                show_error(exc)
            else:
                # Said after the rerun, where the batch already shows as undone (and offers no second undo).
                st.session_state["imp_done"] = t(
                    "undone_counts",
                    removed=result["removed"],
                    restored=result["restored"],
                    left=len(result["left_alone"]),
                ) + (
                    f" · {t('removed_created', what=_creates(created))}"
                    if (created := result.get("removed_created"))
                    else ""
                )
                st.rerun()

st.subheader(t("repairs"))
queue = open_repairs(store, ws, me, limit=200)
if not queue:
    st.caption(t("no_repairs"))
else:
    st.caption(t("repairs_help"))
    labels = {tb.name: {f.name: label_of(f, lang()) for f in tb.fields} for tb in ws.tables}

    def _describe(q: dict) -> str:
        record = f"{label_of(ws.require_table(q['table']), lang())} {q['record_key']}"
        return f"{record} · {labels[q['table']].get(q['field'], q['field'])} · {q['raw'] or '—'}"

    st.dataframe(
        [
            {
                t("record"): f"{label_of(ws.require_table(q['table']), lang())} {q['record_key']}",
                t("field"): labels[q["table"]].get(q["field"], q["field"]),
                t("as_written"): q["raw"] or "",
                t("reason"): q["message"],
            }
            for q in queue
        ],
        hide_index=True,
    )
    with st.form("imp_repair_form"):
        pick = st.selectbox(t("repair_cell"), range(len(queue)), format_func=lambda i: _describe(queue[i]))
        value = st.text_input(t("repair_value"), key="imp_repair_value")
        if st.form_submit_button(t("repair_save")):
            q = queue[pick]
            try:
                repair(store, ws, q["table"], q["record_id"], q["field"], value.strip(), me)
            except EngineError as exc:
                show_error(exc)
            else:
                st.session_state["imp_done"] = t("repaired", n=1)
                st.rerun()
