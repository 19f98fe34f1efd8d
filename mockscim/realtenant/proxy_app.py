"""``mockscim proxy`` put together (``docs/proxy.md``): the local tenant and its app (the control
API, the dashboard, the journal of the real traffic), the forwarding middleware in front of it
(:mod:`.proxy`), and, as asked, the shadow (:mod:`.shadow`, with its routes:
:mod:`.proxy_routes`) and the recorder (:mod:`.record`). The command line
(``mockscim/cli_proxy.py``) serves :attr:`Built.app` and calls :meth:`Built.finish` at exit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from mockscim.http.app import create_app
from mockscim.http.control import CONTROL_PREFIX, ControlSettings
from mockscim.http.dashboard import DASHBOARD_PATH
from mockscim.realtenant.proxy import Proxy, Upstream, Watcher
from mockscim.realtenant.proxy_routes import DIFFERENCES_PATH, mount
from mockscim.realtenant.record import Recorder
from mockscim.realtenant.shadow import Shadow
from mockscim.tenant import Tenant
from mockscim.tenant.fixtures import load_fixtures
from mockscim.tenant.packaged import default_fixtures

__all__ = ["Built", "ProxyOptions", "build_proxy"]


@dataclass(frozen=True)
class ProxyOptions:
    upstream: str
    ca_file: str | None = None
    timeout: float = 30.0
    fixtures: str | None = None
    shadow: bool = False
    record: str | None = None
    redact: bool = False
    control_token: str | None = None


@dataclass
class Built:
    """The proxy's app, its local tenant, and what runs beside it."""

    app: Flask
    tenant: Tenant
    proxy: Proxy
    options: ProxyOptions
    shadow: Shadow | None = None
    recorder: Recorder | None = None
    notes: list[str] = field(default_factory=list)

    def banner(self, url: str) -> str:
        lines = [f"mockscim proxy: {url} -> {self.options.upstream}"]
        if self.options.ca_file:
            lines.append(f"  trusting:   {self.options.ca_file}")
        lines.append(f"  dashboard:  {url}{CONTROL_PREFIX}{DASHBOARD_PATH} (the real traffic)")
        lines.append(f"  journal:    {url}{CONTROL_PREFIX}/journal (secrets masked)")
        if self.shadow is not None:
            lines.append(f"  shadow:     {self.options.fixtures or 'the packaged tenant'}")
            lines.append(f"  difference: {url}{DIFFERENCES_PATH}")
        if self.recorder is not None:
            lines.append(f"  record:     {self.options.record} (written at exit)")
        lines.append("  stop:       Ctrl-C (or SIGTERM)")
        return "\n".join(lines)

    def finish(self) -> list[str]:
        """What happens at exit: the record written, the summary's lines (for stderr)."""
        lines = [f"mockscim proxy: {len(self.tenant.journal.entries())} requests journaled"]
        if self.shadow is not None:
            lines += self.shadow.summary()
        if self.recorder is not None:
            try:
                lines += self.recorder.write()
            except Exception as exc:  # the session is over: say why nothing was written
                lines.append(f"mockscim proxy --record: not written: {exc}")
        return lines


def build_proxy(options: ProxyOptions, *, tenant: Tenant | None = None) -> Built:
    """The proxy of ``options`` (``tenant``: the local one, else loaded from the fixtures)."""
    if tenant is None:
        fixtures = Path(options.fixtures) if options.fixtures else default_fixtures()
        tenant = Tenant(load_fixtures(fixtures))
    control = ControlSettings(enabled=True, token=options.control_token)
    app = create_app(tenant, control_settings=control)
    watchers: list[Watcher] = []
    shadow = recorder = None
    if options.shadow:
        shadow = Shadow(tenant)
        mount(app, shadow)
        watchers.append(shadow)
    if options.record is not None:
        recorder = Recorder(Path(options.record), app, redact=options.redact)
        watchers.append(recorder)
    upstream = Upstream(options.upstream, options.ca_file, options.timeout)
    proxy = Proxy(app, tenant, upstream, watchers=watchers)
    app.wsgi_app = proxy  # type: ignore[method-assign]
    return Built(app, tenant, proxy, options, shadow, recorder)
