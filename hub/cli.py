"""`python -m engine`: every command opens the database, calls one engine function and prints the result.

Engine errors become a one-line reason on stderr (then the listed problems) and a non-zero exit code;
`--json` prints machine-readable output instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from engine import audit, auth, workspaces
from engine.auth import Actor
from engine.errors import DataError, EngineError, NotFoundError
from engine.roles import ROLES
from engine.schema import Workspace
from engine.schema_load import dump_workspace, load_workspace_file
from engine.storage.store import Store, open_store, resolve_path

# The command line acts with the file owner's authority: whoever can open the file can change it anyway.
CLI_ACTOR = Actor("cli", frozenset({"admin"}))
Handler = Callable[[argparse.Namespace], Any]


def _store(args: argparse.Namespace) -> Store:
    return open_store(resolve_path(args.db))


def _workspace_name(store: Store, requested: str | None) -> str:
    if requested:
        return requested
    names = [w[0] for w in workspaces.list_workspaces(store)]
    if len(names) == 1:
        return names[0]
    if not names:
        raise NotFoundError("the database has no workspace yet: run `python -m engine init --template NAME`")
    raise NotFoundError(f"several workspaces ({', '.join(names)}): choose one with --workspace")


def cmd_init(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(args)
    password = auth.ensure_admin(store)
    ws = workspaces.create_from_template(store, args.template, CLI_ACTOR, name=args.name, label=args.label)
    out: dict[str, Any] = {"workspace": ws.name, "label": ws.label, "template": args.template, "version": 1}
    if password:
        out["admin"] = {"username": "admin", "password": password}
    if args.orders:
        from hub.seed import seed_workspace

        out["seeded"] = seed_workspace(store, ws, CLI_ACTOR, args.orders, args.days, args.seed)
    return out


def cmd_bootstrap(args: argparse.Namespace) -> dict[str, Any]:
    from hub.bootstrap import ensure_ready

    first = ensure_ready(_store(args), args.orders)
    out: dict[str, Any] = {"database": resolve_path(args.db), "demo_workspace": first.demo_workspace}
    if first.admin_password:
        # Said once: in the JSON for a script, else in one line for a person (not again in the summary).
        if args.json:
            out["admin"] = {"username": "admin", "password": first.admin_password}
        else:
            print(f"OrderHub first start: sign in as 'admin' with password {first.admin_password}")
    return out


def cmd_seed(args: argparse.Namespace) -> dict[str, Any]:
    from hub.seed import seed_workspace

    store = _store(args)
    ws = workspaces.get_workspace(store, _workspace_name(store, args.workspace))
    return {
        "workspace": ws.name,
        "seeded": seed_workspace(store, ws, CLI_ACTOR, args.orders, args.days, args.seed),
    }


def cmd_transition(args: argparse.Namespace) -> dict[str, Any]:
    from engine.flow import moves as flow
    from engine.records.single import find_by_key

    store = _store(args)
    ws = workspaces.get_workspace(store, _workspace_name(store, args.workspace))
    actor = auth.get_user(store, args.as_user).actor() if args.as_user else CLI_ACTOR
    record = find_by_key(store, ws, args.table, args.key, actor)
    try:
        values = json.loads(args.values) if args.values else {}
    except json.JSONDecodeError as exc:
        raise DataError(f"--values is not valid JSON: {exc.msg} at column {exc.colno}") from None
    after = flow.transition(
        store, ws, args.table, record["_id"], args.to, record["_version"], actor, values=values, source="cli"
    )
    table = ws.require_table(args.table)
    return {
        "table": args.table,
        "key": args.key,
        "status": after[table.flow.field],
        "version": after["_version"],
    }  # type: ignore[union-attr]


def cmd_schema_show(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(args)
    ws = workspaces.get_workspace(store, _workspace_name(store, args.workspace), args.version)
    return dump_workspace(ws)


def cmd_schema_validate(args: argparse.Namespace) -> dict[str, Any]:
    ws = load_workspace_file(args.file)
    return {"valid": True, "workspace": ws.name, "tables": [t.name for t in ws.tables]}


def cmd_schema_apply(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(args)
    ws = load_workspace_file(args.file)
    known = [w[0] for w in workspaces.list_workspaces(store)]
    if ws.name not in known:
        workspaces.create_workspace(store, ws, CLI_ACTOR, note=f"created from {args.file}")
        return {"workspace": ws.name, "version": 1, "created": True}
    version = workspaces.save_workspace(
        store, ws, CLI_ACTOR, force=args.force, note=args.note or f"applied {args.file}"
    )
    return {"workspace": ws.name, "version": version, "created": False}


def cmd_schema_versions(args: argparse.Namespace) -> list[dict[str, Any]]:
    store = _store(args)
    rows = workspaces.list_versions(store, _workspace_name(store, args.workspace))
    return [
        {
            "version": v.version,
            "saved_at": v.saved_at.isoformat(sep=" "),
            "saved_by": v.saved_by,
            "note": v.note,
            "current": v.current,
        }
        for v in rows
    ]


def cmd_schema_rollback(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(args)
    name = _workspace_name(store, args.workspace)
    version = workspaces.rollback(store, name, args.version, CLI_ACTOR, force=args.force)
    return {"workspace": name, "rolled_back_to": args.version, "version": version}


def cmd_schema_jsonschema(args: argparse.Namespace) -> dict[str, Any]:
    text = json.dumps(Workspace.model_json_schema(by_alias=True), ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        return {"written": args.out}
    return json.loads(text)


def cmd_users_add(args: argparse.Namespace) -> dict[str, Any]:
    password = args.password or os.environ.get("ORDERHUB_PASSWORD") or ""
    user = auth.add_user(_store(args), args.username, password, args.role, CLI_ACTOR, args.display_name or "")
    return {"username": user.username, "roles": list(user.roles)}


def cmd_users_set_password(args: argparse.Namespace) -> dict[str, Any]:
    password = args.password or os.environ.get("ORDERHUB_PASSWORD") or ""
    auth.set_password(_store(args), args.username, password, CLI_ACTOR)
    return {"username": args.username, "password": "changed"}


def cmd_users_roles(args: argparse.Namespace) -> Any:
    store = _store(args)
    if args.username is None:
        return [
            {
                "username": u.username,
                "display_name": u.display_name,
                "roles": list(u.roles),
                "active": u.active,
            }
            for u in auth.list_users(store)
        ]
    auth.set_roles(store, args.username, args.role, CLI_ACTOR)
    return {"username": args.username, "roles": args.role}


def cmd_audit_verify(args: argparse.Namespace) -> dict[str, Any]:
    result = audit.verify(_store(args))
    out = {"ok": result.ok, "entries": result.entries, "items": result.items}
    if not result.ok:
        raise EngineError(f"audit log check failed at entry {result.first_bad_seq}: {result.reason}")
    return out


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DataError(f"--now {text!r} is not an ISO date and time (e.g. 2026-03-15T14:05:00)") from None


def cmd_alerts_run(args: argparse.Namespace) -> dict[str, Any]:
    from engine.alerts.evaluate import run_alerts

    store = _store(args)
    ws = workspaces.get_workspace(store, _workspace_name(store, args.workspace))
    return {"workspace": ws.name, **run_alerts(store, ws, _instant(args.now)).as_dict()}


def _rendered_board(args: argparse.Namespace) -> Any:
    from engine.boards.render import render_board

    store = _store(args)
    ws = workspaces.get_workspace(store, _workspace_name(store, args.workspace))
    actor = auth.get_user(store, args.as_user).actor() if args.as_user else CLI_ACTOR
    return render_board(store, ws, args.name, actor, _instant(args.now), use_cache=False)


def cmd_board_render(args: argparse.Namespace) -> dict[str, Any]:
    from engine.boards.render import as_json

    return as_json(_rendered_board(args))


def cmd_board_export(args: argparse.Namespace) -> dict[str, Any]:
    from engine.boards.render import export_xlsx

    rendered = _rendered_board(args)
    Path(args.xlsx).write_bytes(export_xlsx(rendered))
    return {"board": rendered.board.name, "file": args.xlsx, "sheets": len(rendered.widgets)}


def cmd_board_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    from engine.boards.render import visible_boards

    store = _store(args)
    ws = workspaces.get_workspace(store, _workspace_name(store, args.workspace))
    actor = auth.get_user(store, args.as_user).actor() if args.as_user else CLI_ACTOR
    return [
        {"name": b.name, "title": b.title, "roles": b.roles, "widgets": len(b.widgets)}
        for b in visible_boards(ws, actor)
    ]


def cmd_notify_deliver(args: argparse.Namespace) -> dict[str, Any]:
    from engine.clock import local_now
    from engine.notify.outbox import deliver_due

    return deliver_due(_store(args), _instant(args.now) or local_now()).as_dict()


def cmd_jobs(args: argparse.Namespace) -> list[dict[str, Any]]:
    from engine.jobs import job_status

    return job_status(_store(args))


def cmd_import(args: argparse.Namespace) -> dict[str, Any]:
    from engine.importer.batches import batch_errors, reject, stage
    from engine.importer.commit import commit
    from engine.importer.proposal import propose
    from engine.importer.saved import load_mapping, mapping_for
    from engine.importer.sources import column_values, sheet_layout

    store = _store(args)
    ws = workspaces.get_workspace(store, _workspace_name(store, args.workspace))
    path = Path(args.file)
    if not path.exists():
        raise NotFoundError(f"no file {path}")
    sheets = args.sheet or None
    columns = sheet_layout(path, sheets[0] if sheets else None)[2].columns
    if args.mapping:
        mapping, how = load_mapping(store, ws, args.mapping), f"saved mapping {args.mapping!r}"
    elif (saved := mapping_for(store, ws, columns, args.table)) is not None:
        mapping, how = saved, f"saved mapping {saved.name!r} (same columns)"
    else:
        table = ws.require_table(args.table)
        proposed, platform = propose(ws, table, columns, column_values(path, sheets[0] if sheets else None))
        mapping = proposed
        how = "suggested from the column names and values" + (f" ({platform.label})" if platform else "")
    if mapping.table != args.table:
        raise DataError(f"mapping {mapping.name!r} is for table {mapping.table!r}, not {args.table!r}")
    bad = [f for f in args.fixed if "=" not in f]
    if bad:
        raise DataError(f"--fixed takes FIELD=VALUE, not {bad[0]!r}")
    if args.fixed:
        # Asked for on the command line, a fixed value wins over a column suggested for the same field.
        fixed = dict(f.split("=", 1) for f in args.fixed)
        columns = [c.model_copy(update={"field": None}) if c.field in fixed else c for c in mapping.columns]
        mapping = mapping.model_copy(update={"fixed": {**mapping.fixed, **fixed}, "columns": columns})
    batch = stage(store, ws, path, mapping, CLI_ACTOR, sheets)
    out: dict[str, Any] = {"batch": batch.id, "file": path.name, "mapping": how, **batch.summary}
    errors = batch_errors(store, batch.id)
    out["error_cells"] = errors.head(20).to_dicts()
    if args.commit:
        try:
            out["committed"] = commit(store, ws, batch.id, CLI_ACTOR, valid_only=args.valid_only)
        except EngineError:
            # The command staged this batch only to commit it: a refused commit leaves no batch behind.
            reject(store, ws, batch.id, CLI_ACTOR, "commit refused (command line)")
            raise
    return out


def _ws(args: argparse.Namespace) -> tuple[Store, Workspace]:
    store = _store(args)
    return store, workspaces.get_workspace(store, _workspace_name(store, args.workspace))


def cmd_sync(args: argparse.Namespace) -> dict[str, Any]:
    from connectors.sync import run_sync

    store, ws = _ws(args)
    result = run_sync(store, ws, args.connector, _instant(args.now))
    if not result["ok"]:
        raise DataError(f"sync of {args.connector} failed (run #{result['run']}): {result['error']}")
    return result


def cmd_chat_parse(args: argparse.Namespace) -> dict[str, Any]:
    from connectors.chat_parser import parse

    if args.sample:
        from connectors.chat_accuracy import load_catalog

        catalog, now = load_catalog()
    else:
        from connectors.chat import workspace_catalog

        store, ws = _ws(args)
        catalog = workspace_catalog(store, ws)[0]
        now = datetime.now()
    return parse(args.text, catalog, _instant(args.now) or now, args.sender).as_dict()


def cmd_chat_accuracy(args: argparse.Namespace) -> dict[str, Any]:
    from connectors.chat_accuracy import measure

    result = measure()
    return result if args.misses else {k: v for k, v in result.items() if k != "misses"}


def cmd_connectors_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    from engine.intake.synclog import runs

    store, ws = _ws(args)
    out = []
    for c in ws.connectors:
        last = runs(store, ws, c.name, limit=1)
        entry = {
            "name": c.name,
            "type": c.type,
            "platform": c.platform,
            "source": c.source,
            "enabled": c.enabled,
        }
        if last:
            entry |= {"last_run": last[0]["started_at"], "ok": last[0]["ok"], "counts": last[0]["counts"]}
        out.append(entry)
    return out


def cmd_connectors_add(args: argparse.Namespace) -> dict[str, Any]:
    from connectors.presets import preset

    store, ws = _ws(args)
    conn = preset(ws, args.type, args.platform, args.name, args.source)
    updates = {k: v for k, v in (("url", args.url), ("folder", args.folder)) if v}
    conn = conn.model_copy(update=updates)
    document = dump_workspace(ws)
    document["connectors"] = [c for c in document.get("connectors", []) if c["name"] != conn.name]
    document["connectors"].append(conn.model_dump(mode="json"))
    version = workspaces.save_workspace(store, document, CLI_ACTOR, note=f"connector {conn.name}")
    return {"connector": conn.model_dump(mode="json"), "version": version}


def cmd_connectors_token(args: argparse.Namespace) -> dict[str, Any]:
    from engine.intake.tokens import issue_token

    store, ws = _ws(args)
    token = issue_token(store, ws, args.connector, args.caller, CLI_ACTOR)
    return {
        "connector": args.connector,
        "caller": args.caller,
        "token": token,
        "url": f"/api/hooks/{ws.name}/{args.connector}",
    }


def cmd_intake_status(args: argparse.Namespace) -> list[dict[str, Any]]:
    from engine.intake.queue import queue_status

    return queue_status(_store(args))


def cmd_intake_drain(args: argparse.Namespace) -> dict[str, Any]:
    from connectors.sync import drain_now

    store, ws = _ws(args)
    return drain_now(store, ws, _instant(args.now)).as_dict()


def cmd_conflicts(args: argparse.Namespace) -> list[dict[str, Any]]:
    from engine.intake.trust import open_conflicts

    store, ws = _ws(args)
    return open_conflicts(store, ws, limit=args.limit)


def cmd_import_check(args: argparse.Namespace) -> dict[str, Any]:
    from hub.import_check import import_check

    result = import_check(args.template or None, args.only)
    if not args.details:
        result["per_file"] = [{k: v for k, v in r.items() if k != "wrong"} for r in result["per_file"]]
    return result


def cmd_bench(args: argparse.Namespace) -> dict[str, Any]:
    from hub.bench import run_bench

    return run_bench(args.orders, args.updates, import_rows=args.import_rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="OrderHub engine commands")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $ORDERHUB_DB or data/orderhub.duckdb)")
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")
    common.add_argument("--workspace", help="workspace name (default: the only one)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(subparsers: Any, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = subparsers.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add(sub, "init", cmd_init, "create a workspace from a template (and the first admin user)")
    p.add_argument("--template", required=True, choices=workspaces.template_names())
    p.add_argument("--name", help="workspace name (default: the template's)")
    p.add_argument("--label")
    p.add_argument("--orders", type=int, default=0, help="also generate this many sample orders")
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=7)

    p = add(
        sub, "bootstrap", cmd_bootstrap, "first start: create the admin user and a demo workspace if missing"
    )
    p.add_argument(
        "--orders", type=int, default=None, help="demo orders (default $ORDERHUB_DEMO_ORDERS or 50000)"
    )

    p = add(sub, "seed", cmd_seed, "generate sample orders into a template workspace")
    p.add_argument("--orders", type=int, default=50_000)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=7)

    p = add(
        sub, "transition", cmd_transition, "move one record through its status flow, with the same checks"
    )
    p.add_argument("--table", required=True)
    p.add_argument("--key", required=True, help="the record's business key, e.g. an order number")
    p.add_argument("--to", required=True, help="target state name")
    p.add_argument("--as", dest="as_user", help="act as this user (their roles apply)")
    p.add_argument("--values", help='fields filled in on the way, as JSON: {"tracking_no": "SF1"}')

    schema = sub.add_parser(
        "schema", help="show, validate, apply and roll back workspace schemas"
    ).add_subparsers(dest="action", required=True)
    p = add(schema, "show", cmd_schema_show, "print the workspace schema")
    p.add_argument("--version", type=int)
    p = add(schema, "validate", cmd_schema_validate, "check a schema file without applying it")
    p.add_argument("file")
    p = add(schema, "apply", cmd_schema_apply, "save a schema file as the workspace's next version")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="archive values that the change would drop")
    p.add_argument("--note", default="")
    add(schema, "versions", cmd_schema_versions, "list saved versions")
    p = add(schema, "rollback", cmd_schema_rollback, "make an earlier version current again")
    p.add_argument("version", type=int)
    p.add_argument("--force", action="store_true")
    p = add(
        schema,
        "jsonschema",
        cmd_schema_jsonschema,
        "print or write the JSON Schema of the form-schema language",
    )
    p.add_argument("--out")

    users = sub.add_parser("users", help="manage local users").add_subparsers(dest="action", required=True)
    p = add(users, "add", cmd_users_add, "add a user (password from --password or $ORDERHUB_PASSWORD)")
    p.add_argument("username")
    p.add_argument("--role", action="append", required=True, choices=ROLES)
    p.add_argument("--password")
    p.add_argument("--display-name")
    p = add(users, "set-password", cmd_users_set_password, "change a user's password")
    p.add_argument("username")
    p.add_argument("--password")
    p = add(users, "roles", cmd_users_roles, "list users, or replace one user's roles")
    p.add_argument("username", nargs="?")
    p.add_argument("--role", action="append", choices=ROLES, default=[])

    p = add(
        sub, "import", cmd_import, "stage an .xlsx/.xls/.ods/.csv file as an import batch (and commit it)"
    )
    p.add_argument("file")
    p.add_argument("--table", required=True)
    p.add_argument(
        "--mapping", help="a saved mapping's name (default: one saved for these columns, else suggested)"
    )
    p.add_argument("--sheet", action="append", help="sheet(s) to import (default: the first)")
    p.add_argument(
        "--fixed",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a field no column fills, the same for every row (e.g. channel=淘宝)",
    )
    p.add_argument("--commit", action="store_true", help="commit the batch when it is staged")
    p.add_argument(
        "--valid-only", action="store_true", help="with --commit: import the valid rows, skip the rest"
    )

    alerts_p = sub.add_parser("alerts", help="alert rules").add_subparsers(dest="action", required=True)
    p = add(
        alerts_p, "run", cmd_alerts_run, "one evaluation pass: open, escalate, re-notify and resolve alerts"
    )
    p.add_argument("--now", help="evaluate as of this local time (ISO), default the clock")
    notify_p = sub.add_parser("notify", help="notifications").add_subparsers(dest="action", required=True)
    p = add(notify_p, "deliver", cmd_notify_deliver, "send the due messages of the outbox")
    p.add_argument("--now", help="deliver as of this local time (ISO), default the clock")
    add(sub, "jobs", cmd_jobs, "show each background job's last run")

    board_p = sub.add_parser("board", help="boards").add_subparsers(dest="action", required=True)
    p = add(board_p, "list", cmd_board_list, "the boards you may see")
    p.add_argument("--as", dest="as_user", help="as this user (their roles decide which boards)")
    for action, fn, text in (
        ("render", cmd_board_render, "print every widget's data"),
        ("export", cmd_board_export, "write one sheet per widget to an .xlsx"),
    ):
        p = add(board_p, action, fn, text)
        p.add_argument("name", help="the board's name, e.g. morning_meeting")
        p.add_argument("--as", dest="as_user", help="as this user (the board's roles apply)")
        p.add_argument("--now", help="as of this local time (ISO), default the clock")
        if action == "export":
            p.add_argument("--xlsx", required=True, help="the file to write")

    audit_p = sub.add_parser("audit", help="audit log").add_subparsers(dest="action", required=True)
    add(audit_p, "verify", cmd_audit_verify, "check the hash chain of the audit log")

    p = add(sub, "sync", cmd_sync, "run one sync of a connector (fetch, map, dedupe, apply) and log it")
    p.add_argument("--connector", required=True)
    p.add_argument("--now", help="as of this local time (ISO), default the clock")
    chat_p = sub.add_parser("chat", help="chat orders").add_subparsers(dest="action", required=True)
    p = add(chat_p, "parse", cmd_chat_parse, "what the chat parser makes of one message")
    p.add_argument("text")
    p.add_argument("--sender", help="who sent it (used when the text names no customer)")
    p.add_argument("--now", help="when it was sent (ISO), for relative dates")
    p.add_argument(
        "--sample", action="store_true", help="use the sample catalog instead of the workspace's tables"
    )
    p = add(chat_p, "accuracy", cmd_chat_accuracy, "measure the parser on the labelled messages")
    p.add_argument("--misses", action="store_true", help="list every message with a wrong field")
    conn_p = sub.add_parser("connectors", help="channel connectors").add_subparsers(
        dest="action", required=True
    )
    add(conn_p, "list", cmd_connectors_list, "connectors and their last sync")
    p = add(conn_p, "add", cmd_connectors_add, "add a connector from a type with its mappings filled in")
    p.add_argument(
        "--type",
        required=True,
        choices=["platform_api", "platform_export", "pos_csv", "status_feed", "chat", "webhook"],
    )
    p.add_argument(
        "--platform", default="generic", choices=["taobao", "jd", "douyin", "pdd", "wechat", "generic"]
    )
    p.add_argument("--source", choices=["logistics", "wms", "erp", "pos", "platform", "chat"])
    p.add_argument("--name")
    p.add_argument("--url")
    p.add_argument("--folder")
    p = add(conn_p, "token", cmd_connectors_token, "issue a webhook token for one caller (printed once)")
    p.add_argument("connector")
    p.add_argument("--caller", required=True)
    intake_p = sub.add_parser("intake", help="the intake queue").add_subparsers(dest="action", required=True)
    add(intake_p, "status", cmd_intake_status, "queue depth, lag and deferred fields per workspace")
    p = add(intake_p, "drain", cmd_intake_drain, "apply everything queued now")
    p.add_argument("--now")
    p = add(sub, "conflicts", cmd_conflicts, "open status conflicts between sources")
    p.add_argument("--limit", type=int, default=100)

    p = add(
        sub,
        "import-check",
        cmd_import_check,
        "import every corpus file unaided into fresh workspaces and count rows landed and cells right",
    )
    p.add_argument("--template", action="append", choices=workspaces.template_names())
    p.add_argument("--only", help="only the corpus files whose name contains this")
    p.add_argument("--details", action="store_true", help="list the wrong cells of each file")
    p = add(sub, "bench", cmd_bench, "measure upserts, updates, queries, moves, alerts, imports and memory")
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--updates", type=int, default=1000)
    p.add_argument("--import-rows", type=int, default=100_000, help="rows of the generated .xlsx to import")
    return parser


def _print(result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    elif isinstance(result, list):
        for row in result:
            print("  ".join(f"{k}={v}" for k, v in row.items()) if isinstance(row, dict) else row)
    elif isinstance(result, dict):
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        print(result)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    except EngineError as exc:
        if getattr(args, "json", False):
            print(
                json.dumps(
                    {"error": exc.message, "problems": [str(p) for p in exc.problems]}, ensure_ascii=False
                )
            )
        print(f"error: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    _print(result, args.json)
    return 0
