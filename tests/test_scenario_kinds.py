"""The scenario kinds' registry and everything that must agree with it.

One definition per kind (``mockscim/tenant/scenario_kinds.py``): the checks of a scenario, the
matching, the ``mockscim serve`` flags and the dashboard's form read the registry at run time; the
control API's ``Scenario`` schema in ``openapi.yaml`` and the table of ``docs/scenarios.md`` are
held to it here, by checks that name what is missing. A planted kind (a fake definition, in the
registry for one test) shows each consumer picking it up, or the check that names what is missing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import USERS, error_code

from mockscim import Fixtures, Tenant, create_app
from mockscim.cli import build_parser, scenarios_from_args
from mockscim.dialect.errors import ScenarioInvalid, ScimError
from mockscim.tenant.scenario_kinds import REGISTRY, SELECTORS, THE_USER
from mockscim.tenant.scenario_registry import (
    Effect,
    Flag,
    Key,
    Registry,
    RequestInfo,
    RequestKind,
    Scenario,
    TokenHooks,
    TokensKind,
    UserKind,
)
from mockscim.tenant.scenarios import Scenarios, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
#: JSON Schema's type for each key type.
JSON_TYPES = {"text": "string", "method": "string", "integer": "integer", "status": "integer"}


# -- the checks: openapi.yaml and docs/scenarios.md against a registry ----------------------------


def openapi_problems(document: dict[str, Any], registry: Registry) -> list[str]:
    """What ``openapi.yaml``'s ``Scenario`` and ``ScenarioState`` schemas say differently from
    the registry: each kind with its members, which are required, their types, bounds and enums."""
    schemas = document["components"]["schemas"]
    scenario = schemas["Scenario"]
    mapping = scenario["discriminator"]["mapping"]
    problems = []
    if list(mapping) != list(registry.names()):
        problems.append(f"Scenario's discriminator maps {list(mapping)}, not {registry.names()}")
    if [ref["$ref"] for ref in scenario["oneOf"]] != [mapping.get(n) for n in registry.names()]:
        problems.append("Scenario.oneOf is not the discriminator's schemas in the kinds' order")
    state = schemas["ScenarioState"]["properties"]
    if state["kind"]["enum"] != list(registry.names()):
        problems.append(f"ScenarioState.kind's enum is not {list(registry.names())}")
    for kind in registry:
        ref = mapping.get(kind.name)
        if ref is None:
            problems.append(f"kind {kind.name}: no schema in Scenario (openapi.yaml)")
            continue
        node = schemas[ref.rsplit("/", 1)[1]]
        where = f"kind {kind.name} ({ref.rsplit('/', 1)[1]})"
        members = node["properties"]
        if members["kind"].get("enum") != [kind.name]:
            problems.append(f"{where}: kind's enum is not [{kind.name}]")
        wanted = {key.name for key in kind.all_keys} | {"kind"}
        if set(members) != wanted:
            problems.append(f"{where}: members {sorted(members)}, the kind takes {sorted(wanted)}")
        required = {key.name for key in kind.all_keys if key.required} | {"kind"}
        if set(node.get("required", [])) != required:
            problems.append(f"{where}: required {node.get('required')}, not {sorted(required)}")
        if node.get("additionalProperties") is not False:
            problems.append(f"{where}: additionalProperties is not false")
        for key in kind.all_keys:
            if key.name not in members:
                continue  # said above
            problems += [f"{where}: {key.name}: {p}" for p in key_problems(key, members[key.name])]
    # The answer's schema: every member of every kind, of its type (the request's rules, such as
    # an id's pattern, are not repeated there).
    for key in {key.name: key for kind in registry for key in kind.all_keys}.values():
        node = state.get(key.name)
        if node is None:
            problems.append(f"ScenarioState: no member {key.name} (openapi.yaml)")
        elif node.get("enum", node.get("type")) != (
            list(key.choices) if key.type == "choice" else JSON_TYPES[key.type]
        ):
            problems.append(f"ScenarioState: {key.name}: not of the type the key says")
    return problems


def key_problems(key: Key, node: dict[str, Any]) -> list[str]:
    """How a member's schema disagrees with its key's type, bounds, enum and default."""
    problems = []
    if key.type == "choice":
        if node.get("enum") != list(key.choices):
            problems.append(f"enum {node.get('enum')}, not {list(key.choices)}")
        return problems
    if node.get("type") != JSON_TYPES[key.type]:
        problems.append(f"type {node.get('type')}, not {JSON_TYPES[key.type]}")
    if key.type in ("text", "method") and "pattern" not in node:
        problems.append("no pattern (a non-empty string)")
    if key.type in ("integer", "status") and node.get("minimum") != key.minimum:
        problems.append(f"minimum {node.get('minimum')}, not {key.minimum}")
    if key.type == "status" and (node.get("maximum"), node.get("default")) != (599, key.default):
        problems.append(f"maximum/default {node.get('maximum')}/{node.get('default')}")
    return problems


#: A row of the table in docs/scenarios.md ("The kinds"): kind, members, what the client sees.
ROW = re.compile(r"^\| `([a-z_]+)` \| ([^|]*) \| [^|]+ \|$", re.MULTILINE)


def docs_problems(text: str, registry: Registry) -> list[str]:
    """What the table of ``docs/scenarios.md`` says differently from the registry: a row per kind,
    in its order, naming each of its keys; and each kind's ``mockscim serve`` flag on the page."""
    table = text.split("## The kinds", 1)[1].split("\n## ", 1)[0]
    rows = {kind: members for kind, members in ROW.findall(table)}
    problems = []
    if list(rows) != list(registry.names()):
        problems.append(
            f"docs/scenarios.md: the table's kinds {list(rows)}, not {registry.names()}"
        )
    for kind in registry:
        if kind.name not in rows:
            problems.append(f"docs/scenarios.md: no row for kind {kind.name}")
            continue
        named = set(re.findall(r"`([a-z_]+)`", rows[kind.name]))
        for key in kind.keys:
            if key.name not in named and not (key.type == "choice" and set(key.choices) <= named):
                problems.append(f"docs/scenarios.md: kind {kind.name}: key {key.name} not named")
        if kind.flag is not None and kind.flag.option not in text:
            problems.append(f"docs/scenarios.md: kind {kind.name}: flag {kind.flag.option} unsaid")
    return problems


def test_openapi_yaml_says_what_the_registry_says() -> None:
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text("utf-8"))
    assert openapi_problems(document, REGISTRY) == []


def test_the_docs_table_says_what_the_registry_says() -> None:
    assert docs_problems((ROOT / "docs" / "scenarios.md").read_text("utf-8"), REGISTRY) == []


def test_every_kind_is_defined_whole() -> None:
    """Names, help, where it acts; a flag's option is unique; the selectors of the request kinds."""
    options = [kind.flag.option for kind in REGISTRY if kind.flag is not None]
    assert len(options) == len(set(options))
    for kind in REGISTRY:
        assert re.fullmatch(r"[a-z][a-z_]*", kind.name), kind.name
        assert kind.summary.endswith(".") and "\n" not in kind.summary, kind.name
        assert kind.acts in ("request", "user", "tokens")
        names = [key.name for key in kind.all_keys]
        assert len(names) == len(set(names)) and "kind" not in names, kind.name
        for key in kind.all_keys:
            assert key.help and key.label, (kind.name, key.name)
            assert key.type != "choice" or key.choices, (kind.name, key.name)
    acting = {kind.name: (kind.acts, kind.selectors) for kind in REGISTRY}
    assert acting == {
        "non_local": ("user", ("user",)),
        "missing": ("user", ("user",)),
        "error": ("request", ("user", "method", "path", "times")),
        "latency": ("request", ("user", "method", "path", "times")),
        "fault": ("request", ("user", "method", "path", "times")),
        "token_expiry": ("tokens", ()),
    }


# -- a planted kind -----------------------------------------------------------------------------


def _meteor_hits(scenario: Scenario, effect: Effect) -> bool:
    if effect.answered:
        return False
    error = ScimError(f"meteor of size {scenario.spec['size']}")
    error.status, error.code, error.message = (
        418,
        "meteor.hit",
        f"A {scenario.spec['colour']} meteor",
    )
    effect.error = error
    return True


METEOR = RequestKind(
    name="meteor",
    summary="Matching requests are hit by a meteor (418).",
    keys=(
        *SELECTORS,
        Key("size", "integer", "How big.", "Size", minimum=1),
        Key("colour", "choice", "Its colour.", "Colour", required=True, choices=("red", "blue")),
    ),
    flag=Flag(
        "--meteor",
        "SIZE",
        "a red meteor of SIZE hits every request",
        lambda size: {"size": size, "colour": "red"},
        repeat=True,
        type=int,
    ),
    act=_meteor_hits,
)


def test_a_planted_kind_is_checked_matched_flagged_and_in_the_form(
    default_fixtures: Fixtures, capsys: pytest.CaptureFixture[str]
) -> None:
    with REGISTRY.planted(METEOR):
        assert parse_scenario({"kind": " Meteor ", "colour": "blue", "method": "get"}) == {
            "kind": "meteor",
            "colour": "blue",
            "method": "GET",
        }
        for bad, message in (
            ({"kind": "meteor"}, "'colour' must be one of red, blue"),
            ({"kind": "meteor", "colour": "red", "size": 0}, "'size' must be an integer >= 1"),
            ({"kind": "meteor", "colour": "red", "ms": 1}, "unknown member(s) for meteor: ms"),
            ({"kind": "comet"}, "'kind' must be one of non_local, missing, error, latency, "),
        ):
            with pytest.raises(ScenarioInvalid) as caught:
                parse_scenario(bad)
            assert caught.value.message.startswith("The scenario is invalid: " + message), bad
        assert "token_expiry, meteor" in caught.value.message  # the planted kind is listed

        # The command line: its flag, in the kinds' order after the others.
        args = build_parser().parse_args(["serve", "--meteor", "3", "--non-local", "jdoe"])
        specs = scenarios_from_args(args, None)
        assert specs == [
            {"kind": "non_local", "user": "jdoe"},
            {"kind": "meteor", "size": 3, "colour": "red"},
        ]
        with pytest.raises(SystemExit):
            build_parser().parse_args(["serve", "--help"])
        assert "--meteor SIZE" in capsys.readouterr().out

        # A tenant matches it before authentication, counts its hit, the journal names it.
        tenant = Tenant(default_fixtures, scenarios=specs[1:])
        app = create_app(tenant)
        client = app.test_client()
        reply = client.get(USERS)
        assert (reply.status_code, error_code(reply)) == (418, "meteor.hit")
        assert reply.get_json()["errors"][0]["message"] == "A red meteor"
        assert tenant.journal.entries()[-1].scenarios == ["s1"]
        assert [s["hits"] for s in tenant.scenarios.all()] == [1]
        added = client.post("/_mockscim/scenarios", json={"kind": "meteor", "colour": "x"})
        assert (added.status_code, error_code(added)) == (400, "scenario.invalid")

        # The dashboard's form offers it, with exactly its fields.
        text = client.get("/_mockscim/ui/scenarios").get_data(as_text=True)
        form = text.split('id="scenario-form"', 1)[1].split("</form>", 1)[0]
        assert "<option>meteor</option>" in form.split("</select>", 1)[0]
        assert '<p class="help" data-kinds="meteor">Matching requests are hit' in form
        fields = re.findall(
            r'<div class="field"(?: data-kinds="([^"]*)")?>.*?name="([a-z_]+)"', form, re.DOTALL
        )
        offered = {name for kinds, name in fields if not kinds or "meteor" in kinds.split()}
        assert offered == {
            "kind",
            "id",
            "name",
            "user",
            "method",
            "path",
            "times",
            "size",
            "colour",
        }
        assert "<option>red</option><option>blue</option>" in form
        listed = client.get("/_mockscim/ui/scenarios").get_data(as_text=True)
        assert "size 3, colour red" in listed  # the list's summary shows its keys

        # openapi.yaml and the docs have no word of it: their checks say so, by name.
        document = yaml.safe_load((ROOT / "openapi.yaml").read_text("utf-8"))
        assert "kind meteor: no schema in Scenario (openapi.yaml)" in openapi_problems(
            document, REGISTRY
        )
        docs = (ROOT / "docs" / "scenarios.md").read_text("utf-8")
        assert "docs/scenarios.md: no row for kind meteor" in docs_problems(docs, REGISTRY)
    assert REGISTRY.get("meteor") is None  # gone again with the block
    with pytest.raises(ScenarioInvalid):
        parse_scenario({"kind": "meteor", "colour": "red"})


def test_planted_user_and_tokens_kinds_act_where_they_say() -> None:
    """A user kind acts on a request about its user (the tenant asks ``on_user``, as it asks
    ``is_missing``); a tokens kind acts once, when it is added, through the tenant's hooks."""
    asked: list[int | None] = []

    def every_other(scenario: Scenario, count: bool) -> bool:
        if count:
            scenario.grace += 1
        return scenario.grace % 2 == 1

    def expire_twice(scenario: Scenario, hooks: TokenHooks) -> None:
        assert hooks.on_token_expiry is not None
        hooks.on_token_expiry(1)
        hooks.on_token_expiry(2)

    flaky = UserKind(
        name="flaky", summary="Every other request.", keys=(THE_USER,), act=every_other
    )
    twice = TokensKind(name="twice", summary="Expires twice.", keys=(), act=expire_twice)
    registry = Registry((*REGISTRY, flaky, twice))
    scenarios = Scenarios(registry=registry)
    scenarios.on_token_expiry = asked.append
    scenarios.add_all([{"kind": "flaky", "user": "JDoe"}, {"kind": "twice"}])
    assert asked == [1, 2]
    scenarios.start_request()
    assert [scenarios.on_user("flaky", "u1", "jdoe") for _ in range(4)] == ["s1", None, "s1", None]
    assert scenarios.on_user("flaky", "u2", "ann") is None
    assert scenarios.acted() == ["s1", "s1"]
    assert not scenarios.has_request_scenarios()
    assert scenarios.for_request(RequestInfo("GET", "/Users", USERS)).scenario_ids == ()
    assert REGISTRY.get("flaky") is None  # a registry of its own: the default one is untouched
    with pytest.raises(ScenarioInvalid):
        Scenarios().add({"kind": "flaky", "user": "jdoe"})


def test_a_kind_name_is_defined_once() -> None:
    with pytest.raises(ValueError, match="a scenario kind named 'non_local' exists"):
        Registry((*REGISTRY, *REGISTRY))
