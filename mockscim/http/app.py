"""The app factory: the operations (:mod:`.operations`: the emulated API, the control API and its
dashboard), routed with the tenant form as one rule, the request pipeline, the error handler."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Request, Response, request
from flask.ctx import RequestContext
from flask.globals import request_ctx
from flask.sessions import SessionMixin
from werkzeug.exceptions import HTTPException
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
from mockscim.http.lane import HotLane
from mockscim.http.operations import TENANT_ROOTS
from mockscim.http.routes import RouteIndex
from mockscim.tenant import Tenant, caches

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

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


_Hooks = tuple[tuple[Callable[..., Any], ...], ...]


class _Unbound:
    """A request's URL adapter before it is bound: bound (werkzeug's own) on first use."""

    __slots__ = ("_context",)

    def __init__(self, context: _Context) -> None:
        self._context = context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context.bind(), name)


class _Context(RequestContext):
    """Flask's request context, finding the request's rule in the app's :class:`RouteIndex`:
    werkzeug's URL adapter is bound only when something uses it (``url_for``, a path the index
    leaves to werkzeug), not on every request."""

    def __init__(
        self,
        app: Flask,
        environ: WSGIEnvironment,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        # RequestContext's own attributes; the adapter is a stand-in until used.
        self.app = app
        if request is None:
            request = app.request_class(environ)
            request.json_module = app.json
        self.request = request
        self.url_adapter = _Unbound(self)  # type: ignore[assignment]
        self.flashes = None
        self._session = session
        self._after_request_functions = []
        self._cv_tokens = []

    def bind(self) -> MapAdapter | None:
        """Werkzeug's adapter for the request (None when binding refused it, as Flask keeps)."""
        if isinstance(self.url_adapter, _Unbound):
            try:
                self.url_adapter = self.app.create_url_adapter(self.request)
            except HTTPException as e:
                self.request.routing_exception = e
                self.url_adapter = None
        return self.url_adapter

    def match_request(self) -> None:
        req = self.request
        found = None
        # werkzeug splits the tenant form off the path as received (create_url_adapter), where
        # request.path has its leading slashes merged: a path starting "//" is werkzeug's.
        if caches.enabled("routes") and not req.environ.get("PATH_INFO", "").startswith("//"):
            plain, name = split_tenant(req.path, TENANT_ROOTS)
            found = self.app.routes.match(plain, req.method)  # type: ignore[attr-defined]
        if found is None:
            if self.bind() is not None:  # werkzeug decides (a 404, a 405, a redirect...)
                super().match_request()
            return
        if name is not None:
            req.environ[PATH_TENANT] = name
        req.url_rule, req.view_args = found


class _App(Flask):
    """Flask, routing the tenant form of a path as its plain form (one rule for every route),
    with its per-request machinery done once where its inputs do not change (issue 26): a
    request's rule from :class:`RouteIndex`, the hooks of each blueprint chain listed once, a
    coroutine check made once per hook. The hooks, their order and the error handling are Flask's."""

    url_rule_class = _Rule

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        return _Context(self, environ)

    @cached_property
    def routes(self) -> RouteIndex:
        """The index of the URL rules (built on the first request: every rule is added by then,
        and Flask refuses new ones after it)."""
        return RouteIndex(self.url_map)

    @cached_property
    def _hook_chains(self) -> dict[tuple[str, ...], _Hooks]:
        return {}

    def _hooks(self, blueprints: tuple[str, ...]) -> _Hooks:
        """The URL value preprocessors, ``before_request`` and ``after_request`` functions of a
        request in ``blueprints``, in the order Flask calls them."""
        found = self._hook_chains.get(blueprints)
        if found is None:
            names = (None, *reversed(blueprints))
            found = (
                tuple(f for n in names for f in self.url_value_preprocessors.get(n, ())),
                tuple(
                    self.ensure_sync(f) for n in names for f in self.before_request_funcs.get(n, ())
                ),
                tuple(
                    self.ensure_sync(f)
                    for n in chain(blueprints, (None,))
                    for f in reversed(self.after_request_funcs.get(n, ()))
                ),
            )
            self._hook_chains[blueprints] = found
        return found

    def preprocess_request(self) -> Any:
        if not caches.enabled("routes"):
            return super().preprocess_request()
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        preprocessors, befores, _ = self._hooks(tuple(req.blueprints))
        for preprocess in preprocessors:
            preprocess(req.endpoint, req.view_args)
        for before in befores:
            answer = before()
            if answer is not None:
                return answer
        return None

    def process_response(self, response: Response) -> Response:
        if not caches.enabled("routes"):
            return super().process_response(response)
        ctx = _request_context()
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        for after in self._hooks(tuple(ctx.request.blueprints))[2]:
            response = after(response)
        if not self.session_interface.is_null_session(ctx._session):
            self.session_interface.save_session(self, ctx._session, response)  # type: ignore[arg-type]
        return response

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


def _request_context() -> RequestContext:
    found: RequestContext = request_ctx._get_current_object()  # type: ignore[attr-defined]
    return found


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
    lane = HotLane(app, app.wsgi_app)
    app.wsgi_app = pipeline.FaultMiddleware(lane)  # type: ignore[method-assign]
    return app


def _choose_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Every request's tenant, before any hook or view: from the path, the host, or the default.

    A path that matched no route has the host's tenant or the default one, whatever tenant its
    path names (a 404 or 405 is journaled there)."""
    use_tenant(request.environ.get(PATH_TENANT) if endpoint is not None else None)
