"""Webhook routes served by the app process (st.App routes): platforms and the WMS push orders or status
events to /api/hooks/{workspace}/{connector} with their own bearer token. A push is accepted into the intake
queue after the cheap format check (202 with counts and the rejected rows' reasons) and applied at once in
the background; the scheduler's intake job applies whatever is left."""

from __future__ import annotations

import json
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.flatten import flatten
from connectors.sync import drain_now
from engine.errors import NotFoundError
from engine.intake.mapping import map_frame
from engine.intake.queue import accept
from engine.intake.tokens import caller_of
from engine.storage.store import Store
from engine.workspaces import get_workspace

MAX_BODY = 20 * 1024 * 1024
MAX_ITEMS = 50_000


def _items(body: Any) -> list[dict[str, Any]]:
    """The pushed orders or events: a list, {"items": [...]}, or one object."""
    if isinstance(body, list):
        items = body
    elif isinstance(body, dict) and isinstance(body.get("items"), list):
        items = body["items"]
    elif isinstance(body, dict):
        items = [body]
    else:
        raise ValueError("the body must be a JSON object or a list of objects")
    if not all(isinstance(i, dict) for i in items):
        raise ValueError("every pushed item must be a JSON object")
    return items


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return (
        auth[7:].strip()
        if auth.lower().startswith("bearer ")
        else request.headers.get("x-orderhub-token", "")
    )


def push(store: Store, workspace: str, connector: str, token: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """Handle one push: (HTTP status, JSON answer). Shared by the route and tests of the logic."""
    try:
        ws = get_workspace(store, workspace)
        conn = ws.connector(connector)
    except NotFoundError as exc:
        return 404, {"error": exc.message}
    caller = caller_of(store, workspace, connector, token) if token else None
    if caller is None:
        return 401, {"error": "missing or wrong token for this connector"}
    if not conn.enabled:
        return 409, {"error": f"connector {connector} is disabled"}
    if len(raw) > MAX_BODY:
        return 413, {"error": f"body larger than {MAX_BODY} bytes"}
    try:
        items = _items(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return 400, {"error": f"body is not JSON: {exc}"}
    except ValueError as exc:
        return 400, {"error": str(exc)}
    if len(items) > MAX_ITEMS:
        return 413, {"error": f"at most {MAX_ITEMS} items per push"}
    table = ws.require_table(conn.table)
    mapped = map_frame(conn, table, flatten(items), ws.timezone)
    kind = "status" if conn.options.get("kind") == "status" else "order"
    queued = accept(store, ws, conn, mapped, kind)  # type: ignore[arg-type]
    threading.Thread(target=drain_now, args=(store, ws), daemon=True).start()
    rejected = [{"id": i, "reason": r} for i, r, _ in mapped.rejects.iter_rows()][:100]
    return 202, {"caller": caller, "accepted": queued, "rejected": rejected}


def routes(store_of: Any) -> list[Route]:
    """The webhook and health routes; `store_of()` gives the process's Store (opened on first use)."""

    async def hook(request: Request) -> JSONResponse:
        raw = await request.body()
        status, answer = push(
            store_of(),
            request.path_params["workspace"],
            request.path_params["connector"],
            _token(request),
            raw,
        )
        return JSONResponse(answer, status_code=status)

    async def health(_: Request) -> JSONResponse:
        from engine.intake.queue import queue_status

        return JSONResponse(
            {"ok": True, "queues": queue_status(store_of())}, headers={"Cache-Control": "no-store"}
        )

    return [
        Route("/api/hooks/{workspace}/{connector}", hook, methods=["POST"]),
        Route("/api/health", health, methods=["GET"]),
    ]
