"""Storyline rules: the YAML schema, its validation and the error that names file and line.

A rules file looks like::

    storylines:
      - id: venezuela-us-pressure
        name: Venezuela/U.S. pressure
        description: optional text
        all:                      # every condition must hold
          - places: [VE, US]
            match: all            # each listed place (default: any one of them)
        any:                      # at least one must hold (when the group is given)
          - phrases: [pressure, sanction*, "re:military (build-?up|action)"]
            min_count: 2
          - topics: [medtop:20000642]
          - near: [Maduro, Trump]   # two terms within `within` words (default 10)
            within: 12
        none:                     # none may hold
          - places: [SS]
            min_score: 0.8
        min_score: 0.3            # optional: drop the tag below this score

Conditions name exactly one of places (ISO alpha-2), regions ("m49:419", "419" or a desk id),
topics (medtop codes), people / organisations (display names or slugs), phrases (matched like
topic phrases; "re:" starts a regular expression) or near. ``min_count`` counts mentions or
phrase hits; ``min_score`` is the lowest tag score that counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from ..datafiles import DataFileError, YamlSyntaxError, line_for, load_with_lines


class StorylineRuleError(DataFileError):
    """A storyline rules file that cannot be used; the message names the file, line and problem."""


@dataclass(frozen=True)
class Vocabulary:
    """What rule files may refer to; built once from the loaded data."""

    countries: frozenset[str]
    regions: dict[str, str]  # every accepted spelling -> tag code ("m49:419", "desk:latam-desk")
    topics: frozenset[str]
    people: dict[str, str]  # key_of(name) / slug -> tag code
    organisations: dict[str, str]


def _vocab(info: ValidationInfo) -> Vocabulary:
    assert info.context is not None and "vocabulary" in info.context
    return info.context["vocabulary"]


def _country(value: str, info: ValidationInfo) -> str:
    code = value.strip().upper()
    if code not in _vocab(info).countries:
        raise ValueError(f"unknown country code {value!r} (ISO 3166-1 alpha-2 expected)")
    return code


def _region(value: str, info: ValidationInfo) -> str:
    regions = _vocab(info).regions
    code = regions.get(value.strip()) or regions.get(value.strip().lower())
    if code is None:
        raise ValueError(f"unknown region {value!r} (an M49 code such as m49:419, or a desk id)")
    return code


def _topic(value: str, info: ValidationInfo) -> str:
    code = value.strip()
    if not code.startswith("medtop:"):
        code = f"medtop:{code}"
    if code not in _vocab(info).topics:
        raise ValueError(f"unknown topic {value!r} (a medtop code from topics.yaml expected)")
    return code


def _lookup(table: dict[str, str], value: str, kind: str) -> str:
    from ._text import key_of, slug

    for key in (key_of(value), slug(value), value.strip()):
        if key in table:
            return table[key]
    raise ValueError(f"unknown {kind} {value!r} (not in the {kind} gazetteer)")


def _person(value: str, info: ValidationInfo) -> str:
    return _lookup(_vocab(info).people, value, "person")


def _organisation(value: str, info: ValidationInfo) -> str:
    return _lookup(_vocab(info).organisations, value, "organisation")


def _phrase(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("empty phrase")
    if text.startswith("re:"):
        pattern = text[3:]
        if not pattern:
            raise ValueError("empty regular expression")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    elif text.rstrip("*").strip() == "":
        raise ValueError(f"phrase {value!r} has no words")
    return text


Country = Annotated[str, AfterValidator(_country)]
Region = Annotated[str, AfterValidator(_region)]
Topic = Annotated[str, AfterValidator(_topic)]
Person = Annotated[str, AfterValidator(_person)]
Organisation = Annotated[str, AfterValidator(_organisation)]
Phrase = Annotated[str, AfterValidator(_phrase)]

KINDS = ("places", "regions", "topics", "people", "organisations", "phrases", "near")


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    places: list[Country] | None = None
    regions: list[Region] | None = None
    topics: list[Topic] | None = None
    people: list[Person] | None = None
    organisations: list[Organisation] | None = None
    phrases: list[Phrase] | None = None
    near: list[Phrase] | None = Field(default=None, description="Two terms that must occur close together.")
    within: int = Field(default=10, ge=1, le=200, description="For near: the most words between the terms.")
    match: Literal["any", "all"] = "any"
    min_count: int = Field(default=1, ge=1)
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            named = ", ".join(given) if given else "none"
            raise ValueError(f"a condition needs exactly one of {', '.join(KINDS)} (found: {named})")
        kind = given[0]
        values = getattr(self, kind)
        if not values:
            raise ValueError(f"empty {kind} list")
        if kind == "near":
            if len(values) != 2:
                raise ValueError("near needs exactly two terms")
            if any(v.startswith("re:") for v in values):
                raise ValueError("near terms are phrases, not regular expressions")
        return self

    @cached_property  # read for every condition of every story: computed once per rule file
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    @property
    def values(self) -> list[str]:
        return getattr(self, self.kind)


_ID = r"^[a-z0-9][a-z0-9-]*$"


class Storyline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID, max_length=80)
    name: str = Field(min_length=1)
    description: str | None = None
    all: list[Condition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)
    none: list[Condition] = Field(default_factory=list)
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _not_empty(self) -> Storyline:
        if not self.all and not self.any:
            raise ValueError("empty rule: give at least one condition under 'all' or 'any'")
        return self


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    storylines: list[Storyline]

    @model_validator(mode="after")
    def _unique_ids(self) -> RulesFile:
        seen: set[str] = set()
        for i, rule in enumerate(self.storylines):
            if rule.id in seen:
                raise _DuplicateId(i, rule.id)
            seen.add(rule.id)
        return self


class _DuplicateId(ValueError):
    def __init__(self, index: int, rule_id: str):
        super().__init__(f"duplicate storyline id {rule_id!r}")
        self.index = index


@dataclass
class LoadedRules:
    path: str
    storylines: list[Storyline] = field(default_factory=list)


def load_rules(path: str | Path, vocabulary: Vocabulary) -> LoadedRules:
    """Read and validate a storyline rules file; raise StorylineRuleError naming file and line."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StorylineRuleError(name, None, f"cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise StorylineRuleError(name, None, f"the file is not UTF-8 text: {exc}") from exc
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise StorylineRuleError(name, exc.line, exc.problem) from exc
    if data is None:
        raise StorylineRuleError(name, 1, "empty file: expected a mapping with a 'storylines' list")
    if not isinstance(data, dict):
        raise StorylineRuleError(name, 1, "expected a mapping with a 'storylines' list at the top")
    try:
        parsed = RulesFile.model_validate(data, context={"vocabulary": vocabulary})
    except ValidationError as exc:
        raise _first_error(name, exc, lines) from None
    except _DuplicateId as exc:  # pragma: no cover - pydantic wraps it; kept for safety
        raise StorylineRuleError(name, line_for(lines, ("storylines", exc.index, "id")), str(exc)) from None
    return LoadedRules(path=name, storylines=list(parsed.storylines))


def _first_error(name: str, exc: ValidationError, lines: dict) -> StorylineRuleError:
    err = min(exc.errors(include_url=False), key=lambda e: line_for(lines, e["loc"]) or 0)
    loc = tuple(err["loc"])
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _DuplicateId):
        loc = ("storylines", ctx_error.index, "id")
    line = line_for(lines, loc)
    where = ".".join(str(p) for p in loc) or "top level"
    if err["type"] == "extra_forbidden":
        problem = f"unknown key {loc[-1]!r} at {where}"
    elif err["type"] == "missing":
        problem = f"missing required key {loc[-1]!r} at {where}"
    else:
        message = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            if message.startswith(prefix):
                message = message[len(prefix):]
        problem = f"{message} (at {where})"
    return StorylineRuleError(name, line, problem)
