"""What a scenario kind is: its keys and how each is checked, its CLI flag, where it acts and its
behaviour; and the registry that holds the kinds in definition order.

The kinds themselves are in :mod:`mockscim.tenant.scenario_kinds`; the live scenarios of a tenant
in :mod:`mockscim.tenant.scenarios`. Everything that knows about kinds reads the registry: the
checks of a scenario (:meth:`Registry.parse`), the matching of :class:`~.scenarios.Scenarios`, the
``mockscim serve`` flags, the dashboard's form; tests hold ``openapi.yaml`` and
``docs/scenarios.md`` to it.

A kind acts in one of three places:

* :class:`RequestKind`: before authentication, on every emulated request its selectors match
  (``method``, ``path``, ``user``, ``times``); it adds to the request's :class:`Effect`;
* :class:`UserKind`: inside the tenant, when a request is about the user it names;
* :class:`TokensKind`: on the tenant's tokens, once, when it is added.

The checks of a scenario run in a fixed order, so that the first problem is the one reported:
the kind and unknown members; every text key (the kind's keys in order, then ``name`` and ``id``);
the method; the required keys; the numbers and choices (in the kind's order); the kind's own rule
(:attr:`Kind.check`, for what spans keys).

Pure: the standard library and :mod:`mockscim.dialect` only.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Literal, Protocol

from mockscim.dialect.errors import ScenarioInvalid, ScimError

__all__ = [
    "COMMON_KEYS",
    "Action",
    "Effect",
    "Flag",
    "FlagError",
    "Key",
    "Kind",
    "Registry",
    "RequestInfo",
    "RequestKind",
    "Scenario",
    "TokenHooks",
    "TokensKind",
    "UserKind",
    "invalid",
]

#: How a key's value is checked (:meth:`Key.check`).
KeyType = Literal["text", "method", "integer", "status", "choice"]


def invalid(detail: str) -> ScenarioInvalid:
    """The 400 ``scenario.invalid`` for ``detail`` (what is wrong, as the message ends)."""
    return ScenarioInvalid(detail, message=f"The scenario is invalid: {detail}")


@dataclass(frozen=True)
class Key:
    """One member a kind takes, and how its value is checked.

    ``text``: a string with a character that is not white space (``forbidden`` characters
    refused); ``method``: the same, stored upper-case; ``integer``: an integer >= ``minimum``;
    ``status``: an HTTP error status, 400 to 599 (``default`` when absent); ``choice``: one of
    ``choices``. A member given as null is refused as a value of the wrong type is (no schema of
    ``openapi.yaml`` admits a null member): a member is left out for its default, never null.
    """

    name: str
    type: KeyType
    #: One sentence for people (the dashboard shows it as the field's hint).
    help: str
    #: The dashboard form's label.
    label: str
    required: bool = False
    #: For a required key: what the kind needs, said when it is missing ("an id or a userName").
    needs: str = ""
    minimum: int = 0
    choices: tuple[str, ...] = ()
    default: int | None = None
    forbidden: str = ""
    #: Matches requests (``method``, ``path``, ``user``, ``times``), rather than saying the effect.
    selector: bool = False
    #: An example value (the form's placeholder).
    example: str = ""
    #: Free text (the form spell-checks it); other text keys are names, globs and codes.
    prose: bool = False
    #: Shown in a scenario's one-line summary (the dashboard's list of scenarios).
    listed: bool = True

    def check(self, spec: dict[str, Any], out: dict[str, Any]) -> None:
        """Raise :func:`invalid` when ``spec`` holds a value this key refuses; normalise ``out``."""
        name = self.name
        given = name in spec
        if self.type in ("text", "method"):
            if not given:
                return
            value = spec[name]
            if not isinstance(value, str) or not value.strip():
                raise invalid(f"{name!r} must be a non-empty string")
            if self.forbidden and self.forbidden in value:
                raise invalid(f"{name!r} must not contain {self.forbidden!r}")
            if self.type == "method":
                out[name] = value.strip().upper()
        elif self.type == "choice":
            value = spec.get(name)
            if (given or self.required) and value not in self.choices:
                raise invalid(f"{name!r} must be one of {', '.join(self.choices)}")
        else:
            value = spec[name] if given else self.default
            if (value is not None or (given and self.type == "integer")) and (
                isinstance(value, bool) or not isinstance(value, int) or value < self.minimum
            ):
                raise invalid(f"{name!r} must be an integer >= {self.minimum}")
            if self.type == "status" and (value is None or value > 599):
                raise invalid(f"{name!r} must be an HTTP error status, 400 to 599")


#: Members every kind takes.
COMMON_KEYS = (
    Key("name", "text", "Free text: what the scenario is for.", "Name (optional)", prose=True),
    Key(
        "id",
        "text",
        "The scenario's id (default s1, s2, ...): no '/', so DELETE can name it.",
        "id (optional)",
        forbidden="/",
    ),
)


class FlagError(ValueError):
    """A ``mockscim serve`` flag's value its kind cannot read (the CLI prints it and stops)."""


@dataclass(frozen=True)
class Flag:
    """The ``mockscim serve`` option that adds a scenario of a kind from the command line."""

    option: str
    #: None: argparse's own (the choices, for a flag with choices).
    metavar: str | None
    help: str
    #: The value, as argparse hands it over, as a scenario (raise :class:`FlagError` if bad).
    to_spec: Callable[[Any], dict[str, Any]]
    #: Repeatable (each use adds one scenario), or once.
    repeat: bool = False
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None

    @property
    def dest(self) -> str:
        """The argparse attribute (``--token-ttl``: ``token_ttl``)."""
        return self.option.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class RequestInfo:
    """What a scenario can match on."""

    method: str
    #: The path below the SCIM base (``/Users/abc``), or the whole path outside it.
    path: str
    full_path: str
    #: The user the request is about: the id in the path, or a userName it names (create/search).
    user_id: str | None = None
    user_name: str | None = None


@dataclass
class Scenario:
    """One scenario as added: its checked spec (with its id), the requests it acted on (``hits``)
    and those it let through (``passed``), what is left of ``times``, and the state its kind
    keeps."""

    id: str
    kind: str
    spec: dict[str, Any]
    #: Requests it acted on (answered, delayed, refused, hid the user from).
    hits: int = 0
    remaining: int | None = None
    #: For ``missing``: requests about the user that still succeed before it goes missing.
    grace: int = 0
    #: Requests it matched and let through on purpose (``missing``: its ``after`` grace requests).
    passed: int = 0
    _rng: random.Random | None = field(default=None, repr=False)
    #: Its kind's definition (what the matching asks: where it acts, how).
    definition: Kind | None = field(default=None, repr=False, compare=False, kw_only=True)

    @property
    def spent(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def describe(self) -> dict[str, Any]:
        return {
            **self.spec,
            "id": self.id,
            "hits": self.hits,
            "passed": self.passed,
            "remaining": self.remaining,
            "spent": self.spent,
        }


@dataclass(frozen=True)
class Action:
    """What the request pipeline must do for one request."""

    delay_seconds: float = 0.0
    #: ``drop``, ``truncate`` or None.
    fault: str | None = None
    error: ScimError | None = None
    headers: dict[str, str] = field(default_factory=dict)
    scenario_ids: tuple[str, ...] = ()
    #: The scenario whose fault or error took the request.
    answered_by: str | None = None

    @property
    def fault_note(self) -> str:
        """The journal's note for a ``drop`` or ``truncate`` (no error body says it)."""
        return f"fault: {self.fault} (scenario {self.answered_by})"


@dataclass
class Effect:
    """What the request kinds that matched one request add up to, while they are asked in turn."""

    delay_seconds: float = 0.0
    fault: str | None = None
    error: ScimError | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: The scenario whose fault or error took the request (set by whoever asks the kinds).
    answered_by: str | None = None

    @property
    def answered(self) -> bool:
        """A fault or an error took the request: the next fault or error does not act."""
        return self.fault is not None or self.error is not None

    def action(self, scenario_ids: tuple[str, ...]) -> Action:
        return Action(
            self.delay_seconds, self.fault, self.error, self.headers, scenario_ids, self.answered_by
        )


class TokenHooks(Protocol):
    """What a tokens kind calls: hooks the tenant sets on its scenarios."""

    #: Expire tokens now (None) or cap their lifetime (seconds of mock time).
    on_token_expiry: Callable[[int | None], None] | None


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of scenario: its name, keys, flag and behaviour (see the subclasses)."""

    #: Where it acts: ``request``, ``user`` or ``tokens``.
    acts: ClassVar[str]
    name: str
    #: One line: what a client sees.
    summary: str
    keys: tuple[Key, ...]
    #: A rule over several keys, after each key's own check (raise :func:`invalid`).
    check: Callable[[dict[str, Any]], None] | None = None
    #: Its ``mockscim serve`` option, if the command line can say it.
    flag: Flag | None = None
    #: When a scenario of the kind is added, with the tenant's seed: state it keeps (a seeded
    #: random, a grace count).
    prepare: Callable[[Scenario, int | None], None] | None = None

    @property
    def all_keys(self) -> tuple[Key, ...]:
        """Its keys, then the members every kind takes."""
        return self.keys + COMMON_KEYS

    @property
    def selectors(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys if key.selector)

    def key(self, name: str) -> Key | None:
        return next((key for key in self.all_keys if key.name == name), None)

    @cached_property
    def _order(self) -> tuple[frozenset[str], tuple[Key, ...], tuple[Key, ...], tuple[Key, ...]]:
        """The members it takes; then its keys in the order they are checked: the text keys and
        the method, the required keys (a choice says itself that it is missing), the rest."""
        keys = self.all_keys
        first = [key for key in keys if key.type == "text"]
        first += [key for key in keys if key.type == "method"]
        required = tuple(key for key in keys if key.required and key.type != "choice")
        rest = tuple(key for key in keys if key.type not in ("text", "method"))
        return frozenset(key.name for key in keys) | {"kind"}, tuple(first), required, rest

    def parse(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Check a scenario of this kind (see the module's docstring for the order of checks)
        and return it normalised: ``kind`` as the kind is named, ``method`` upper-case."""
        members, first, required, rest = self._order
        unknown = set(spec) - members
        if unknown:
            raise invalid(f"unknown member(s) for {self.name}: {', '.join(sorted(unknown))}")
        out = dict(spec)
        out["kind"] = self.name
        for key in first:
            key.check(spec, out)
        for key in required:
            if not spec.get(key.name):
                needs = f" ({key.needs})" if key.needs else ""
                raise invalid(f"{self.name} needs a {key.name!r}{needs}")
        for key in rest:
            key.check(spec, out)
        if self.check is not None:
            self.check(spec)
        return out


@dataclass(frozen=True, kw_only=True)
class RequestKind(Kind):
    """Acts before authentication on the requests its selectors match."""

    acts: ClassVar[str] = "request"
    #: Add to the request's effect; False when it did not act (not counted as a hit).
    act: Callable[[Scenario, Effect], bool]


@dataclass(frozen=True, kw_only=True)
class UserKind(Kind):
    """Acts inside the tenant on a request about the user it names (``user``)."""

    acts: ClassVar[str] = "user"
    #: Does it act on this request about its user? (``count``: the request happens, so state such
    #: as a grace count may be used up.)
    act: Callable[[Scenario, bool], bool]
    #: What a search through the API whose page shows the user does to the scenario (``missing``:
    #: uses one of its grace requests); None: a search is not a request about the user for it.
    on_search: Callable[[Scenario], None] | None = None


@dataclass(frozen=True, kw_only=True)
class TokensKind(Kind):
    """Acts on the tenant's tokens once, when it is added."""

    acts: ClassVar[str] = "tokens"
    act: Callable[[Scenario, TokenHooks], None]


class Registry:
    """The kinds, in definition order; :meth:`parse` checks a scenario against them."""

    def __init__(self, kinds: tuple[Kind, ...] = ()) -> None:
        self._kinds: dict[str, Kind] = {}
        for kind in kinds:
            self.add(kind)

    def __iter__(self) -> Iterator[Kind]:
        return iter(tuple(self._kinds.values()))

    def __len__(self) -> int:
        return len(self._kinds)

    def get(self, name: str) -> Kind | None:
        return self._kinds.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def add(self, kind: Kind) -> Kind:
        if kind.name in self._kinds:
            raise ValueError(f"a scenario kind named {kind.name!r} exists")
        self._kinds[kind.name] = kind
        return kind

    def remove(self, name: str) -> None:
        del self._kinds[name]

    @contextmanager
    def planted(self, kind: Kind) -> Iterator[Kind]:
        """``kind`` in the registry for a ``with`` block (tests: does every consumer see it?)."""
        self.add(kind)
        try:
            yield kind
        finally:
            self.remove(kind.name)

    def parse(self, spec: Any) -> dict[str, Any]:
        """Check a scenario dict and return it normalised (kind lower-case, method upper-case)."""
        if not isinstance(spec, dict):
            raise invalid("a scenario is a JSON object with a 'kind'")
        name = spec.get("kind")
        kind = self._kinds.get(name.strip().lower()) if isinstance(name, str) else None
        if kind is None:
            raise invalid(f"'kind' must be one of {', '.join(self._kinds)}")
        return kind.parse(spec)
