"""Which member of a user holds its custom values (``mockscim.tenant.custom.custom_key``): some
tenant's extension URN, in any case; the cheap first-letter test in front of it lets no such
member through unseen and takes no other."""

from __future__ import annotations

from typing import Any

import pytest

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE, tenant_extension
from mockscim.tenant.custom import custom_key

ACME = tenant_extension("acme")


@pytest.mark.parametrize(
    ("record", "found"),
    [
        ({"id": "1", "userName": "a", ACME: {}}, ACME),
        ({"id": "1", ACME.upper(): {}}, ACME.upper()),
        ({"id": "1", "Urn" + ACME[3:]: {}}, "Urn" + ACME[3:]),
        ({"userName": "a", "urls": [], WORKSPACE: {}, ENTERPRISE: {}}, None),
        ({"": 1, "u": 2, "U": 3, 7: "not a name"}, None),
        ({"id": "1", ACME: {}, tenant_extension("other"): {}}, ACME),  # the first one
    ],
)
def test_the_custom_member_is_a_tenant_extension_in_any_case(
    record: dict[Any, Any], found: str | None
) -> None:
    assert custom_key(record) == found
