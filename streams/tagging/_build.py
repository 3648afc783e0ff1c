"""Fast construction of the output models from values the tagger already guarantees.

``Tag`` and ``Evidence`` objects are made by the dozen per story; pydantic validation (or even
``model_construct``) would dominate the cost of tagging. The values built here are exactly what
validation would produce (a test checks ``Model.model_validate(x.model_dump()) == x``).
"""

from __future__ import annotations

from typing import Any

from streams.models import Evidence, Tag, Tags

_set = object.__setattr__


def _plain(cls: type) -> bool:
    return not cls.__pydantic_post_init__ and not cls.__pydantic_root_model__


_FAST = all(_plain(c) for c in (Evidence, Tag, Tags))


# Every field is always given, so all instances of a class can share one "fields set" (pydantic
# only ever adds names to it, and all names are already in).
_FIELDS_SET = {cls: set(cls.model_fields) for cls in (Evidence, Tag, Tags)}


def _make(cls: type, values: dict[str, Any]) -> Any:
    if not _FAST:  # pragma: no cover - only if the models grow hooks
        return cls.model_construct(**values)
    m = cls.__new__(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", _FIELDS_SET[cls])
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


def evidence(field: str, start: int, end: int, text: str) -> Evidence:
    return _make(Evidence, {"field": field, "start": start, "end": end, "text": text})


def tag(code: str, name: str, score: float, primary: bool, evidence: list[Evidence], country: str | None) -> Tag:
    return _make(Tag, {"code": code, "name": name, "score": score, "primary": primary,
                       "evidence": evidence, "country": country})


def tags(**lists: list[Tag]) -> Tags:
    return _make(Tags, {k: lists.get(k, []) for k in Tags.model_fields})
