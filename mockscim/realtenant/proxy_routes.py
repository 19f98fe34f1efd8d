"""What ``mockscim proxy --shadow`` adds to the control API (``docs/proxy.md``): the
differences its shadow found (:mod:`.shadow`), as JSON at ``GET /_mockscim/differences`` and as a
small page at ``GET /_mockscim/ui/differences``, both behind the control API's guard
(:func:`mockscim.http.control.guard`). A blueprint of its own, mounted on the proxy's local app,
so that the control API's module stays the sandbox's.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response
from markupsafe import escape

from mockscim.http.context import json_response
from mockscim.http.control import CONTROL_PREFIX, guard
from mockscim.realtenant.shadow import Shadow

__all__ = ["DIFFERENCES_PAGE", "DIFFERENCES_PATH", "mount"]

DIFFERENCES_PATH = CONTROL_PREFIX + "/differences"
DIFFERENCES_PAGE = CONTROL_PREFIX + "/ui/differences"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mockscim proxy: differences</title></head>
<body><h1>Differences from the emulated tenant</h1>
<p>{summary} <a href="{ui}">the dashboard</a> (its journal shows each beside its request)</p>
<table><thead><tr><th>#</th><th>request</th><th>aspect</th><th>the tenant</th>
<th>mockscim</th><th>allowed</th></tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""


def mount(app: Flask, shadow: Shadow) -> None:
    """The two routes, on ``app`` (before its first request)."""
    routes = Blueprint("proxy_differences", __name__)
    routes.before_request(lambda: guard())

    @routes.get(DIFFERENCES_PATH)
    def differences() -> Response:
        return json_response(shadow.as_json())

    @routes.get(DIFFERENCES_PAGE)
    def differences_page() -> Response:
        rows = "\n".join(
            "<tr>"
            + "".join(
                f"<td>{escape(str(cell))}</td>"
                for cell in (d.seq, d.request, d.aspect, d.tenant, d.mockscim, d.allowed or "")
            )
            + "</tr>"
            for d in shadow.differences
        )
        summary = escape(shadow.summary()[0])
        page = _PAGE.format(summary=summary, ui=CONTROL_PREFIX + "/ui", rows=rows)
        reply = Response(page, mimetype="text/html")
        # as the dashboard's pages: nothing but this page's own markup runs or loads
        reply.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        reply.headers["X-Content-Type-Options"] = "nosniff"
        reply.headers["Referrer-Policy"] = "no-referrer"
        return reply

    app.register_blueprint(routes)
