"""The sign-in routes of the app server: a fresh sign-in's one-time grant becomes an HttpOnly session cookie
that every tab of the browser sends (engine/sessions.py), and sign-out clears it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine import sessions

# A 1×1 transparent GIF: the page asks for the grant as an image, so no script is needed.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


def _pixel(status: int = 200) -> Response:
    return Response(PIXEL, status_code=status, media_type="image/gif", headers={"Cache-Control": "no-store"})


def routes(store_of: Any) -> list[Route]:
    """/api/session/grant?code=… sets the cookie; /api/session/end ends the session and clears it."""

    async def grant(request: Request) -> Response:
        token = sessions.redeem(store_of(), request.query_params.get("code", ""))
        if token is None:
            return _pixel(403)
        response = _pixel()
        response.set_cookie(
            sessions.COOKIE,
            token,
            max_age=sessions.SESSION_DAYS * 86400,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    async def end(request: Request) -> Response:
        sessions.end(store_of(), request.cookies.get(sessions.COOKIE))
        response = _pixel()
        response.delete_cookie(sessions.COOKIE, path="/")
        return response

    return [
        Route("/api/session/grant", grant, methods=["GET"]),
        Route("/api/session/end", end, methods=["GET"]),
    ]
