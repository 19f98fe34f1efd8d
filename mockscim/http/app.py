"""The app factory: the emulated API, the control API and its dashboard, the request pipeline, the
error handler."""

from __future__ import annotations

from typing import Any

from flask import Flask

from mockscim.http import pipeline
from mockscim.http.browser import favicon  # issue 22: /favicon.ico (move into the ops table)
from mockscim.http.context import (
    MAX_BODY,
    SAAS,
    SCIM_BASE,
    TENANT_SAAS,
    TENANT_SCIM_BASE,
    MockState,
    use_tenant,
)
from mockscim.http.control import CONTROL_PREFIX, ControlSettings, control
from mockscim.http.dashboard import DASHBOARD_PATH, dashboard
from mockscim.http.errors import handle_error
from mockscim.http.groups import groups
from mockscim.http.me import me, schemas
from mockscim.http.oidc import oidc
from mockscim.http.service import contract, service
from mockscim.http.users import users
from mockscim.tenant import Tenant

__all__ = ["create_app"]


def create_app(
    current: Tenant,
    *others: Tenant,
    control_settings: ControlSettings | None = None,
) -> Flask:
    """An app serving ``current`` (the default tenant, on the plain paths) and ``others`` (each
    under ``/SAAS/t/{name}``; ``current`` is there too). More tenants can be added later through
    ``app.extensions["mockscim"].tenants``."""
    app = Flask("mockscim", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["mockscim"] = MockState(current, *others)
    settings = control_settings or ControlSettings()
    app.extensions["mockscim.control"] = settings
    app.url_map.strict_slashes = False
    mounts = [
        (users, SCIM_BASE, TENANT_SCIM_BASE),
        (groups, SCIM_BASE, TENANT_SCIM_BASE),
        (me, SCIM_BASE, TENANT_SCIM_BASE),
        (schemas, SCIM_BASE, TENANT_SCIM_BASE),
        (service, SAAS, TENANT_SAAS),
        (oidc, SAAS, TENANT_SAAS),
    ]
    if settings.enabled:
        mounts.append((control, CONTROL_PREFIX, CONTROL_PREFIX + "/t/<tenant>"))
        # The dashboard: the same guard as the control API, so the same switch.
        mounts.append(
            (
                dashboard,
                CONTROL_PREFIX + DASHBOARD_PATH,
                CONTROL_PREFIX + "/t/<tenant>" + DASHBOARD_PATH,
            )
        )
    for blueprint, plain, per_tenant in mounts:
        app.register_blueprint(blueprint, url_prefix=plain)
        app.register_blueprint(blueprint, url_prefix=per_tenant, name=f"{blueprint.name}_tenant")
    app.register_blueprint(contract)
    app.register_blueprint(favicon)  # issue 22: /favicon.ico, 204, never journaled (ops table)
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
    """Every request's tenant, before any hook or view: from the path, the host, or the default."""
    use_tenant((values or {}).pop("tenant", None))
