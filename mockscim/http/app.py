"""The app factory: the emulated API, the control API, the request pipeline, the error handler."""

from __future__ import annotations

from flask import Flask

from mockscim.http import pipeline
from mockscim.http.context import MAX_BODY, SCIM_BASE, TENANT_SCIM_BASE, MockState
from mockscim.http.control import CONTROL_PREFIX, ControlSettings, control
from mockscim.http.errors import handle_error
from mockscim.http.groups import groups
from mockscim.http.service import service
from mockscim.http.users import users
from mockscim.tenant import Tenant

__all__ = ["create_app"]


def create_app(current: Tenant, *, control_settings: ControlSettings | None = None) -> Flask:
    """An app serving ``current``. One app, one tenant; create another app for another tenant."""
    app = Flask("mockscim", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["mockscim"] = MockState(current)
    settings = control_settings or ControlSettings()
    app.extensions["mockscim.control"] = settings
    app.url_map.strict_slashes = False
    for blueprint in (users, groups):
        app.register_blueprint(blueprint, url_prefix=SCIM_BASE)
        app.register_blueprint(
            blueprint, url_prefix=TENANT_SCIM_BASE, name=f"{blueprint.name}_tenant"
        )
    app.register_blueprint(service)
    if settings.enabled:
        app.register_blueprint(control, url_prefix=CONTROL_PREFIX)
    for rule in app.url_map.iter_rules():
        # No automatic OPTIONS answers: the service documents none, so OPTIONS is a 405 envelope.
        if rule.methods is not None:
            rule.methods.discard("OPTIONS")
    app.before_request(pipeline.before)
    app.after_request(pipeline.after)
    app.register_error_handler(Exception, handle_error)
    app.wsgi_app = pipeline.FaultMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app
