"""The app factory: the operations (:mod:`.operations`: the emulated API, the control API and its
dashboard), routed with the tenant form as one rule, the request pipeline, the error handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Request, request
from werkzeug.routing import MapAdapter, RequestRedirect, Rule

from mockscim.http import operations, pipeline
from mockscim.http.context import (
    MAX_BODY,
    PATH_TENANT,
    MockState,
    split_tenant,
    use_tenant,
    with_tenant,
)
from mockscim.http.control import ControlSettings
from mockscim.http.errors import handle_error
from mockscim.http.operations import TENANT_ROOTS
from mockscim.tenant import Tenant

__all__ = ["create_app"]


class _Rule(Rule):
    """A URL rule whose two URL builders (``url_for``'s code, compiled when a rule is added) are
    compiled when first used: compiling them was most of :func:`create_app`'s time, and only the
    dashboard builds URLs. The builders are werkzeug's own; the rule matches as any rule does."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, "_build_unknown" if append_unknown else "_build", compiled)
            found: tuple[str, str] = compiled(*args, **kwargs)
            return found

        return build


class _App(Flask):
    """Flask, routing the tenant form of a path as its plain form (one rule for every route)."""

    url_rule_class = _Rule

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        adapter = super().create_url_adapter(request)
        if request is not None and adapter is not None:
            # Routing sees the plain path; the request keeps the path it came with (the journal,
            # the scenarios' path globs and the 404 text see ``/SAAS/t/acme/...``).
            plain, name = split_tenant(adapter.path_info, TENANT_ROOTS)
            if name is not None:
                adapter.path_info = plain
                request.environ[PATH_TENANT] = name
        return adapter

    def raise_routing_exception(self, request: Request) -> NoReturn:
        redirect = request.routing_exception
        name = request.environ.get(PATH_TENANT)
        if isinstance(redirect, RequestRedirect) and name is not None:
            # ``/SAAS/t/acme//x`` is redirected to ``/SAAS/t/acme/x``, not to the plain ``/SAAS/x``.
            parts = urlsplit(redirect.new_url)
            script = request.script_root
            path = parts.path[len(script) :] if parts.path.startswith(script) else parts.path
            for root in TENANT_ROOTS:
                path = with_tenant(path, name, root)  # under one root at most
            redirect.new_url = urlunsplit(parts._replace(path=script + path))
        super().raise_routing_exception(request)


def create_app(
    current: Tenant,
    *others: Tenant,
    control_settings: ControlSettings | None = None,
) -> Flask:
    """An app serving ``current`` (the default tenant, on the plain paths) and ``others`` (each
    under ``/SAAS/t/{name}``; ``current`` is there too). More tenants can be added later through
    ``app.extensions["mockscim"].tenants``."""
    app = _App("mockscim", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["mockscim"] = MockState(current, *others)
    settings = control_settings or ControlSettings()
    app.extensions["mockscim.control"] = settings
    app.url_map.strict_slashes = False
    # The dashboard has the control API's guard, so the same switch.
    operations.register(app, with_control=settings.enabled)
    app.url_value_preprocessor(_choose_tenant)
    for rule in app.url_map.iter_rules():
        # No automatic OPTIONS answers: the service documents none, so OPTIONS is a 405 envelope.
        if rule.methods is not None:
            rule.methods.discard("OPTIONS")
    app.before_request(pipeline.before)
    app.after_request(pipeline.after)
    app.register_error_handler(Exception, handle_error)
    app.wsgi_app = pipeline.FaultMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _choose_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Every request's tenant, before any hook or view: from the path, the host, or the default.

    A path that matched no route has the host's tenant or the default one, whatever tenant its
    path names (a 404 or 405 is journaled there)."""
    use_tenant(request.environ.get(PATH_TENANT) if endpoint is not None else None)
