"""What a browser gets besides the dashboard's pages: a refusal it can read, and ``/favicon.ico``.

With ``--control-token``, a browser that opens a dashboard page without the token cannot send the
``X-Mockscim-Control-Token`` header; :func:`refusal_page` answers its 403 as an HTML page that
says how to open the dashboard (``/_mockscim/ui?token=TOKEN`` once, or the header for scripts).
Only a client that prefers ``text/html`` to JSON gets it (:func:`asks_for_html`: a browser loading
a page does; ``*/*``, as curl, requests and ``fetch`` send it, does not), and only on the
dashboard's paths (:mod:`mockscim.http.dashboard` calls it); every other client, and the control
API, keeps the JSON envelope.

``GET /favicon.ico``, which a browser asks any server for, is a 204 (the dashboard's pages name
their own icon). Its blueprint, :data:`favicon`, is none of the emulated API's, so the journal and
the scenarios never see it.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from mockscim.dialect.errors import ControlRefused
from mockscim.http.context import host_root
from mockscim.http.control import TOKEN_HEADER

__all__ = ["asks_for_html", "favicon", "refusal_page"]

#: ``/favicon.ico``'s blueprint (no hooks; its row is in :mod:`.operations`).
favicon = Blueprint("favicon", __name__)


def no_icon() -> Response:
    """No content; a browser may keep that answer for a day."""
    return Response(status=204, headers={"Cache-Control": "max-age=86400"})


def asks_for_html() -> bool:
    """Does the client prefer ``text/html`` to ``application/json`` (by its ``Accept``)?"""
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("application/json")


def refusal_page(
    refused: ControlRefused, *, needs_token: bool, wrong_token: bool, open_path: str
) -> Response:
    """The guard's 403 as a page: its message; with ``needs_token``, how to open the dashboard
    at ``open_path`` (``/_mockscim/ui`` or a tenant's) with the token; with ``wrong_token``, that
    the token the address carried is not the control token. The page never shows a token."""
    text = render_template(
        "dashboard/refused.html",
        refused=refused,
        needs_token=needs_token,
        wrong_token=wrong_token,
        open_url=host_root() + open_path,
        token_header=TOKEN_HEADER,
    )
    return Response(text, status=refused.status, mimetype="text/html")
