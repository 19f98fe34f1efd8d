"""A ``requests`` transport that calls a Flask app in-process: a ``requests`` client of the app
without a socket. The test kit's handle uses it (``mockscim_inprocess``), and so does ``mockscim
drift`` for its local side (:mod:`mockscim.realtenant.drift`); it lives here, below both, so that
neither imports the other."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

__all__ = ["INPROCESS_ROOT", "WSGIAdapter"]

#: The host root of the in-process variant: never resolved, never on the network.
INPROCESS_ROOT = "http://mockscim.invalid"


class WSGIAdapter(BaseAdapter):
    """A ``requests`` transport that calls a Flask app in-process (no socket)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        client = self.app.test_client()
        try:
            reply = client.open(
                path,
                method=request.method or "GET",
                headers=dict(request.headers),
                data=body or b"",
                base_url=f"{url.scheme}://{url.netloc}",
            )
        except ConnectionError as exc:  # a `drop` fault, as a real socket would show it
            raise requests.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = reply.status_code
        response.reason = reply.status.partition(" ")[2]
        response.headers = CaseInsensitiveDict(dict(reply.headers.items()))
        response._content = reply.get_data()
        response.url = request.url or ""
        response.request = request
        response.encoding = reply.mimetype_params.get("charset", "utf-8")
        return response

    def close(self) -> None:
        pass
