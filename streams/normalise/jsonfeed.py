"""JSON Feed 1.0 / 1.1 (jsonfeed.org): one item per entry.

feedparser reads JSON Feed only from HTTP responses, so the (small, fully specified) format is
read here directly. Its `version` URL makes detection certain, which also keeps it from being
mistaken for ninjs (both are JSON objects with text fields).
"""

from __future__ import annotations

from typing import Any

from ..models import Association
from .assemble import Draft
from .errors import NO_TEXT, NormaliseError
from .feeds import to_paragraphs
from .timezones import parse_iso

NAME = "json-feed"
VERSION_PREFIX = "https://jsonfeed.org/version/"


def sniff_json(data: Any) -> int:
    if isinstance(data, dict) and str(data.get("version", "")).startswith(VERSION_PREFIX):
        return 2
    return 0


def parse(data: dict) -> list[Draft]:
    items = [item for item in data.get("items") or [] if isinstance(item, dict)]
    if not items:
        raise NormaliseError(NO_TEXT, "JSON Feed without items")
    provider = _text(data.get("title"))
    language = _text(data.get("language"))
    feed_authors = _authors(data)
    return [_item(item, provider, language, feed_authors) for item in items]


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _authors(obj: dict) -> str | None:
    # 1.1 has "authors" (a list); 1.0 had a single "author".
    people = obj.get("authors") if isinstance(obj.get("authors"), list) else [obj.get("author")]
    names = [p["name"].strip() for p in people if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"].strip()]
    return ", ".join(names) or None


def _item(item: dict, provider: str | None, language: str | None, feed_authors: str | None) -> Draft:
    d = Draft(format=NAME)
    # The spec makes id a string, but numbers are common in the wild.
    raw_id = item.get("id")
    d.url = _text(item.get("url"))
    d.uri = _text(str(raw_id)) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else d.url
    d.headline = _text(item.get("title"))
    d.byline = _authors(item) or feed_authors
    d.language = _text(item.get("language")) or language
    d.provider = provider
    published = parse_iso(_text(item.get("date_published")), warnings=d.warnings)
    modified = parse_iso(_text(item.get("date_modified")), warnings=d.warnings)
    d.firstcreated = published
    d.versioncreated = modified or published
    html, plain = _text(item.get("content_html")), _text(item.get("content_text"))
    if html:
        d.body, d.captions = to_paragraphs(html, "text/html")
    elif plain:
        d.body, d.captions = to_paragraphs(plain, "text/plain")
    summary = _text(item.get("summary"))
    if summary and d.body and not any(summary[:60] in p for p in d.body[:2]):
        d.description_text = summary
    elif summary and not d.body:
        d.body = [summary]
    for tag in item.get("tags") or []:
        if isinstance(tag, str) and tag.strip():
            d.keywords.append(tag.strip())
    if image := _text(item.get("image")):
        d.associations["picture1"] = Association(type="picture", uri=image)
    if not d.uri:
        d.warnings.append("JSON Feed item without id or url")
    return d
