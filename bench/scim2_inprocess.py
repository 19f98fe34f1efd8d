"""Section ``scim2``: mockscim against scim2-server in process (werkzeug test clients), same users."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from benchlib import (
    Table,
    Timer,
    generated_fixtures,
    median,
    scim2_user,
)
from benchworkers import SCIM_USERS
from harness import SEED, SectionResult, Target, fmt, ratio

from mockscim.http.app import create_app
from mockscim.tenant import Profile, Tenant
from mockscim.tenant.fixtures import load_fixtures
from mockscim.tenant.packaged import default_fixtures

if TYPE_CHECKING:
    from run import Config

METHOD = {
    "scim2": (
        "In process, werkzeug test clients on both sides (Flask's test_client for mockscim with "
        "auth off; werkzeug.test.Client over scim2_server's WSGIApplication with the default "
        "RFC 7643 provider and InMemoryStorage, no auth). The same generated users: ours as "
        "fixtures, the same users in SCIM 2.0 shape (userName, name, displayName, emails, "
        "externalId, active) put into scim2-server's storage with storage.create. Each operation "
        "runs for a time budget over varied users; ops/s = operations / elapsed seconds."
    ),
}


def section_scim2(cfg: Config) -> SectionResult:
    try:
        from scim2_models import Resource
        from scim2_server.applications.wsgi import WSGIApplication
        from scim2_server.memory import InMemoryStorage
        from scim2_server.utils import load_default_provider
        from werkzeug.test import Client
    except ImportError as exc:
        reason = f"scim2-server is not installed ({exc}); `pip install scim2-server` to run it"
        table = Table("scim2: skipped", ["reason"])
        table.add(reason)
        return SectionResult({"skipped": True, "reason": reason}, [table], [])
    try:
        from importlib.metadata import version

        scim2_version = version("scim2-server")
    except Exception:
        scim2_version = "unknown"

    defaults = load_fixtures(default_fixtures())
    fixtures = generated_fixtures(defaults, cfg.scim2_users, seed=SEED)
    users = fixtures.users
    with Timer() as t_ours:
        tenant = Tenant(fixtures, profile=Profile(auth_required=False))
    ours = create_app(tenant).test_client()

    try:
        with Timer() as t_theirs:
            provider = load_default_provider()
            resource_type = next(rt for rt in provider.resource_types if rt.name == "User")
            model = provider.model_for(resource_type)
            if model is None or not issubclass(model, Resource):
                raise RuntimeError("scim2-server's default provider has no User resource model")
            storage = InMemoryStorage()
            their_ids = [
                storage.create(resource_type, model.model_validate(scim2_user(u))).id for u in users
            ]
        theirs = Client(WSGIApplication(storage, provider))
        probe = theirs.get(f"/v2/Users/{their_ids[0]}")
        if probe.status_code != 200:
            raise RuntimeError(f"GET /v2/Users/<id> answered {probe.status_code}")
    except Exception as exc:  # a scim2-server that does not run as expected: say why, go on
        reason = f"scim2-server {scim2_version} could not be run: {exc!r}"
        table = Table("scim2: skipped", ["reason"])
        table.add(reason)
        return SectionResult({"skipped": True, "reason": reason}, [table], [])

    count = len(users)
    step = 7919 % count or 1
    order = [(i * step) % count for i in range(count)]

    def check(reply: Any, *statuses: int) -> Any:
        if reply.status_code not in statuses:
            raise RuntimeError(f"answered {reply.status_code}: {reply.get_data()[:200]!r}")
        return reply

    def ours_search(i: int) -> None:
        u = users[order[i % count]]
        reply = check(
            ours.get(SCIM_USERS, query_string={"filter": f'userName eq "{u["userName"]}"'}), 200
        )
        assert reply.json is not None and reply.json["totalResults"] == 1

    def theirs_search(i: int) -> None:
        u = users[order[i % count]]
        reply = check(
            theirs.get("/v2/Users", query_string={"filter": f'userName eq "{u["userName"]}"'}),
            200,
        )
        assert reply.json is not None and reply.json["totalResults"] == 1

    def ours_get(i: int) -> None:
        check(ours.get(f"{SCIM_USERS}/{users[order[i % count]]['id']}"), 200)

    def theirs_get(i: int) -> None:
        check(theirs.get(f"/v2/Users/{their_ids[order[i % count]]}"), 200)

    def ours_patch(i: int) -> None:
        uid = users[order[i % count]]["id"]
        check(ours.patch(f"{SCIM_USERS}/{uid}", json={"title": f"Title {i}"}), 204)

    def theirs_patch(i: int) -> None:
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": f"Title {i}"}],
        }
        check(theirs.patch(f"/v2/Users/{their_ids[order[i % count]]}", json=body), 200, 204)

    def rate(op: Callable[[int], None]) -> dict[str, float]:
        op(0)
        samples: list[float] = []
        deadline = time.perf_counter() + cfg.scim2_duration
        started = time.perf_counter()
        i = 1
        while time.perf_counter() < deadline and i < 200_000:
            with Timer() as t:
                op(i)
            samples.append(t.seconds)
            i += 1
        elapsed = time.perf_counter() - started
        return {
            "ops": len(samples),
            "ops_per_s": len(samples) / elapsed,
            "median_us": median(samples) * 1e6,
        }

    data: dict[str, Any] = {
        "skipped": False,
        "scim2_server_version": scim2_version,
        "users": count,
        "load_s": {"mockscim": t_ours.seconds, "scim2": t_theirs.seconds},
        "duration_s": cfg.scim2_duration,
        "ops": {},
    }
    table = Table(
        f"scim2: in-process ops/s, mockscim vs scim2-server {scim2_version}, {count:,} users",
        ["operation", "mockscim ops/s", "scim2 ops/s", "mockscim/scim2", "mockscim µs", "scim2 µs"],
    )
    targets: list[Target] = []
    for name, label, mine, other in (
        ("search_username_eq", "search userName eq", ours_search, theirs_search),
        ("get_by_id", "get by id", ours_get, theirs_get),
        ("patch_title", "PATCH title", ours_patch, theirs_patch),
    ):
        a, b = rate(mine), rate(other)
        r = ratio(a["ops_per_s"], b["ops_per_s"])
        data["ops"][name] = {"mockscim": a, "scim2": b, "ratio": r}
        table.add(
            label,
            fmt(a["ops_per_s"]),
            fmt(b["ops_per_s"]),
            fmt(r, 2) + "x",
            fmt(a["median_us"], 0),
            fmt(b["median_us"], 0),
        )
        targets.append(
            Target(f"scim2: {label} mockscim/scim2", r, "> 1", None if r is None else r > 1)
        )
    table.notes.append(
        f"load: mockscim Tenant() {t_ours.seconds:.2f} s; scim2-server validate + "
        f"storage.create {t_theirs.seconds:.2f} s; PATCH bodies: SCIM 1.1 partial "
        '{"title": ...} vs SCIM 2.0 PatchOp replace of title'
    )
    return SectionResult(data, [table], targets)
