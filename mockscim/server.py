"""Serving an app: waitress for the sandbox, a werkzeug server on port 0 in a thread for tests."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from flask import Flask
from waitress.server import create_server
from werkzeug.serving import BaseWSGIServer, make_server

__all__ = ["LiveServer", "waitress_server"]


def waitress_server(app: Flask, host: str, port: int, *, threads: int = 4) -> Any:
    """A waitress server for ``app``, bound (``.effective_port``) but not yet running (``.run()``).

    One process only: the tenant's state is in memory (TOOLCHAIN.md, "Serving").
    """
    # Under load waitress warns about its task queue on every burst; that is noise in a sandbox.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return create_server(app, host=host, port=port, threads=threads, ident="mockscim")


class LiveServer:
    """``app`` on ``host`` and a free port, in a daemon thread; a context manager."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
