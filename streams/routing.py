"""Routing: the topics an enriched event goes to.

Every new story and real update goes to ``wire.enriched``, every duplicate to
``wire.duplicates``. A routes file (versioned data; ``WIRE_ROUTES`` replaces the shipped
``streams/tagging/data/routes.yaml``) adds downstream topics for desks, each chosen by the
event's tags::

    version: 1
    routes:
      - topic: wire.storyline.venezuela-us-pressure
        storylines: [venezuela-us-pressure]
        retention_days: 90
      - topic: wire.region.latin-america
        regions: [m49:419]          # M49 code ("419" works too), desk id or region name
        primary: false              # true: only when the matching tag is the primary one
        min_score: 0.0              # lowest tag score that counts

A route names at least one of storylines, regions, places (ISO 3166-1 alpha-2) or topics
(medtop codes); it matches when any listed tag is on the event. Duplicates are never routed
further. Routed topics are created on start like the pipeline's own (same key, the item uri,
and WIRE_PARTITIONS partitions) and appear in ``schemas/asyncapi.yaml``.

`Router.route` is pure: the worker's tag agent publishes to exactly the topics it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .models import EnrichedEvent, Tag
from .pipeline import route as base_route
from .datafiles import DataFileError, YamlSyntaxError, line_for, load_with_lines
from .topics import DAY_MS, DUPLICATES, ENRICHED, TOPICS, TopicSpec

DEFAULT_ROUTES = Path(__file__).resolve().parent / "tagging" / "data" / "routes.yaml"

# Kafka's legal topic characters; the prefix (WIRE_TOPIC_PREFIX) is added in front.
_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
KINDS = ("storylines", "regions", "places", "topics")


class RouteError(DataFileError):
    """A routes file that cannot be used; the message names the file, line and problem."""


@dataclass(frozen=True)
class RouteVocabulary:
    """What a route may name: the tagger's storylines, regions, countries and topics."""

    storylines: frozenset[str]
    regions: dict[str, str]  # every accepted spelling -> tag code
    countries: frozenset[str]
    topics: frozenset[str]


def _vocabulary(info: ValidationInfo) -> RouteVocabulary | None:
    return (info.context or {}).get("vocabulary")


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str
    description: str | None = None
    storylines: list[str] | None = None
    regions: list[str] | None = None
    places: list[str] | None = None
    topics: list[str] | None = None
    primary: bool = Field(default=False, description="Only when the matching tag is primary.")
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)
    retention_days: int = Field(default=30, ge=1, le=3650)

    @field_validator("topic")
    @classmethod
    def _topic_name(cls, value: str) -> str:
        if not _TOPIC.match(value):
            raise ValueError(f"bad topic name {value!r}: use letters, digits, '.', '_' and '-' (at most 200)")
        if value in {spec.name for spec in TOPICS}:
            raise ValueError(f"{value!r} is a pipeline topic; a route adds a topic of its own")
        return value

    @field_validator("storylines")
    @classmethod
    def _storylines(cls, values: list[str] | None, info: ValidationInfo) -> list[str] | None:
        vocab = _vocabulary(info)
        if values is not None and vocab is not None:
            for v in values:
                if v not in vocab.storylines:
                    known = ", ".join(sorted(vocab.storylines)) or "none"
                    raise ValueError(f"unknown storyline {v!r} (the storyline rules define: {known})")
        return values

    @field_validator("regions")
    @classmethod
    def _regions(cls, values: list[str] | None, info: ValidationInfo) -> list[str] | None:
        vocab = _vocabulary(info)
        if values is None or vocab is None:
            return values
        out = []
        for v in values:
            text = str(v).strip()
            code = vocab.regions.get(text) or vocab.regions.get(text.lower())
            if code is None:
                raise ValueError(f"unknown region {v!r} (an M49 code such as m49:419, or a desk id)")
            out.append(code)
        return out

    @field_validator("places")
    @classmethod
    def _places(cls, values: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if values is None:
            return values
        vocab = _vocabulary(info)
        out = [str(v).strip().upper() for v in values]
        for v in out:
            if vocab is not None and v not in vocab.countries:
                raise ValueError(f"unknown country code {v!r} (ISO 3166-1 alpha-2 expected)")
        return out

    @field_validator("topics")
    @classmethod
    def _topics(cls, values: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if values is None:
            return values
        vocab = _vocabulary(info)
        out = [v if str(v).startswith("medtop:") else f"medtop:{v}" for v in (str(x).strip() for x in values)]
        for v in out:
            if vocab is not None and v not in vocab.topics:
                raise ValueError(f"unknown topic {v!r} (a medtop code from topics.yaml expected)")
        return out

    @model_validator(mode="after")
    def _some_condition(self) -> Route:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if not given:
            raise ValueError(f"a route needs at least one of {', '.join(KINDS)}")
        for kind in given:
            if not getattr(self, kind):
                raise ValueError(f"empty {kind} list")
        return self

    def spec(self) -> TopicSpec:
        about = "; ".join(f"{k}: {', '.join(getattr(self, k))}" for k in KINDS if getattr(self, k))
        return TopicSpec(
            self.topic,
            EnrichedEvent,
            key="the item's uri",
            description=self.description or f"Enriched events routed by tag ({about}).",
            retention_ms=self.retention_days * DAY_MS,
        )

    def matches(self, event: EnrichedEvent) -> bool:
        tags = event.tags
        for kind, have in (("storylines", tags.storylines), ("regions", tags.regions),
                           ("places", tags.places), ("topics", tags.topics)):
            wanted = getattr(self, kind)
            if wanted and any(self._counts(t) and t.code in wanted for t in have):
                return True
        return False

    def _counts(self, tag: Tag) -> bool:
        return tag.score >= self.min_score and (tag.primary or not self.primary)


class RoutesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    routes: list[Route] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_topics(self) -> RoutesFile:
        seen: set[str] = set()
        for i, r in enumerate(self.routes):
            if r.topic in seen:
                raise _DuplicateTopic(i, r.topic)
            seen.add(r.topic)
        return self


class _DuplicateTopic(ValueError):
    def __init__(self, index: int, topic: str):
        super().__init__(f"topic {topic!r} is routed twice: merge the two routes")
        self.index = index


def load_routes(path: str | Path | None = None, vocabulary: RouteVocabulary | None = None) -> RoutesFile:
    """Read and validate a routes file (against the tagger's vocabulary when given).

    Raises RouteError naming the file, line and problem.
    """
    path = Path(path) if path else DEFAULT_ROUTES
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RouteError(name, None, f"cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RouteError(name, None, f"the file is not UTF-8 text: {exc}") from exc
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise RouteError(name, exc.line, exc.problem) from exc
    if data is None:
        return RoutesFile()
    if not isinstance(data, dict):
        raise RouteError(name, 1, "expected a mapping with a 'routes' list at the top")
    try:
        return RoutesFile.model_validate(data, context={"vocabulary": vocabulary})
    except ValidationError as exc:
        raise _first_error(name, exc, lines) from None


def _first_error(name: str, exc: ValidationError, lines: dict) -> RouteError:
    err = min(exc.errors(include_url=False), key=lambda e: line_for(lines, e["loc"]) or 0)
    loc = tuple(err["loc"])
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _DuplicateTopic):
        loc = ("routes", ctx_error.index, "topic")
    where = ".".join(str(p) for p in loc) or "top level"
    if err["type"] == "extra_forbidden":
        problem = f"unknown key {loc[-1]!r} at {where}"
    elif err["type"] == "missing":
        problem = f"missing required key {loc[-1]!r} at {where}"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        problem = f"{message} (at {where})"
    return RouteError(name, line_for(lines, loc), problem)


def route_topic_specs(path: str | Path | None = None) -> tuple[TopicSpec, ...]:
    """The contracts of the routed topics (the file is checked for its shape only)."""
    return tuple(r.spec() for r in load_routes(path).routes)


def all_topic_specs(path: str | Path | None = None) -> tuple[TopicSpec, ...]:
    """The pipeline's topics followed by the routed ones: what a worker creates on start."""
    return TOPICS + route_topic_specs(path)


@dataclass(frozen=True)
class Router:
    routes: tuple[Route, ...]

    @classmethod
    def load(cls, path: str | Path | None, vocabulary: RouteVocabulary) -> Router:
        return cls(tuple(load_routes(path, vocabulary).routes))

    @property
    def topics(self) -> list[str]:
        return [r.topic for r in self.routes]

    def route(self, event: EnrichedEvent) -> list[str]:
        """Topic names (without prefix) for the event: its main topic first, then routed ones."""
        main = base_route(event)
        if main == DUPLICATES:
            return [DUPLICATES]
        return [ENRICHED, *(r.topic for r in self.routes if r.matches(event))]


def build_router(path: str | Path | None, tagger: Any) -> Router:
    """A Router checked against the tagger's vocabulary (raises RouteError at start)."""
    return Router.load(path, route_vocabulary(tagger))


def route_vocabulary(tagger: Any) -> RouteVocabulary:
    vocab = tagger.vocabulary
    return RouteVocabulary(
        storylines=frozenset(tagger.storylines),
        regions=vocab.regions,
        countries=vocab.countries,
        topics=vocab.topics,
    )

