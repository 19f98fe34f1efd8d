"""mockscim: a faithful mock and contract-test server for the Workspace ONE Access SCIM 1.1 API."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
