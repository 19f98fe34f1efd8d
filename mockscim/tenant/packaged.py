"""Where the packaged default data lives: inside the wheel, or at the top of a source checkout.

The wheel carries ``fixtures/`` and ``openapi.yaml`` as ``mockscim/_data/`` (pyproject's
force-include); an editable install or a plain checkout reads them from the repository root.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["default_fixtures", "openapi_text"]

_CHECKOUT = Path(__file__).resolve().parents[2]


def _data(name: str) -> Traversable:
    packaged = resources.files("mockscim").joinpath("_data", name)
    if packaged.is_file() or packaged.is_dir():
        return packaged
    return _CHECKOUT / name


def default_fixtures() -> Traversable:
    """The default fixtures directory (directories.json, users.json, clients.json)."""
    return _data("fixtures")


def openapi_text() -> str:
    """The text of ``openapi.yaml``."""
    return _data("openapi.yaml").read_text("utf-8")
