"""Outlets' HTML article pages: the story extracted with trafilatura, metadata from the page.

The page is parsed once (lxml, no network, entity declarations refused). Metadata comes from
what publishers put there for search engines and social cards, best first:
    JSON-LD ``NewsArticle`` (also inside ``@graph``)  ->  schema.org microdata  ->  ``og:`` /
    ``article:`` meta tags  ->  ``<link rel=canonical>``, ``<html lang>``, ``<h1>``, ``<title>``.
The story text is trafilatura's main-content extraction (navigation, sidebars, "most read" and
related lists, ads, comments dropped) in its fast mode; when it finds nothing (tiny pages,
fragments) the package's own HTML reduction and clutter trimming are used instead.

Attribution: the site (``og:site_name``, the JSON-LD publisher) is the provider; the agency comes
from an organisation credited as author or, as for every format, from the lead's dateline
("TOKYO, Dec 5 (Reuters) -"). Nothing is ever fetched: trafilatura gets the parsed tree.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import trafilatura
from lxml import etree
from lxml import html as lxml_html

from ..models import Association
from . import agencies, plaintext
from .assemble import Draft
from .text import HTML_PARSER, clean_line, html_to_text, is_html_like
from .timezones import parse_iso
from .xml import check_no_entities

NAME = "html"

_ARTICLE_TYPES = frozenset(
    {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
     "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "report", "scholarlyarticle"}
)
_ZONED = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$", re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"\s+(?:[|\-–—:·•]\s+)[^|\-–—:·•]{2,60}$")
_PAGE_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE | re.DOTALL)


def sniff(text: str) -> int:
    """A whole page (doctype or <html> root) is 2; fragments stay plain text with HTML."""
    return 2 if _PAGE_START.match(text[:4096]) else 0


def parse(text: str) -> list[Draft]:
    check_no_entities(text)
    d = Draft(format=NAME)
    try:
        tree = lxml_html.document_fromstring(text, parser=HTML_PARSER)
    except (etree.ParserError, ValueError):
        return plaintext.parse(text) if is_html_like(text) else [Draft(format=NAME)]
    meta = _meta(tree)
    article = _json_ld(tree) or {}
    micro = _microdata(tree)

    d.headline = _str(article.get("headline")) or micro.get("headline") or meta.get("og:title") or _h1(tree) or _title(tree)
    d.description_text = _str(article.get("description")) or meta.get("og:description") or meta.get("description")
    authors = _authors(article.get("author")) or micro.get("authors") or []
    people = [name for name, kind in authors if kind != "organization" and not agencies.canonical(name)]
    orgs = [name for name, kind in authors if name not in people]
    if people:
        d.byline = _join_names(people)
    elif meta.get("author") and not agencies.canonical(meta["author"]) and "://" not in meta["author"]:
        d.byline = meta["author"]
    d.agency = next((agencies.canonical(o) for o in orgs if agencies.canonical(o)), None)
    publisher = article.get("publisher")
    d.provider = meta.get("og:site_name") or (_str(publisher.get("name")) if isinstance(publisher, dict) else _str(publisher)) or _site_name(tree)

    published = _str(article.get("datePublished")) or micro.get("datePublished") or meta.get("article:published_time") or meta.get("parsely-pub-date") or _time_tag(tree)
    modified = _str(article.get("dateModified")) or micro.get("dateModified") or meta.get("article:modified_time") or meta.get("og:updated_time")
    d.firstcreated = parse_iso(published, warnings=d.warnings) if published else None
    d.versioncreated = (parse_iso(modified, warnings=d.warnings) if modified else None) or d.firstcreated

    d.language = _str(article.get("inLanguage")) or tree.get("lang") or (meta.get("og:locale") or "").replace("_", "-") or None
    d.url = _canonical(tree) or _str(article.get("url")) or _entity_id(article.get("mainEntityOfPage")) or _strip_tracking(meta.get("og:url"))
    d.uri = d.url
    d.keywords = _keywords(meta, article)

    d.captions, pictures = _figures(tree)
    for i, pic in enumerate(pictures, 1):
        d.associations[f"picture{i}"] = pic
    # Metadata times without a zone ("2025-12-02T10:14:00") were taken as UTC: a visible time
    # line with its zone above the story ("10:14 AM EST") is better, so let it fill them.
    naive = any(t and not _ZONED.search(t) for t in (published, modified))
    meta_times = (d.firstcreated, d.versioncreated)
    if naive:
        d.firstcreated = d.versioncreated = None
    d.body = _story(tree, d)
    if d.body and d.versioncreated is None:
        _header_above_story(text, d)
    if naive and d.versioncreated is None:
        d.firstcreated, d.versioncreated = meta_times  # no time line above the story either
    if not d.body:
        d.warnings.append("main-content extraction found nothing; whole page reduced to text")
        fallback = plaintext.parse(text)[0]
        d.body = fallback.body
        d.headline = d.headline or fallback.headline
        d.captions = d.captions or fallback.captions
    return [d]


# --------------------------------------------------------------------------- story text


# Never story text, whatever the page: removed before extraction, which then scans a far smaller
# tree (trafilatura's pruning XPaths over the whole page were its largest cost).
_NEVER_STORY = ("script", "style", "noscript", "template", "iframe", "svg", "form", "nav", "footer", "aside", "button", "select")


def _story(tree: etree._Element, d: Draft) -> list[str]:
    etree.strip_elements(tree, *_NEVER_STORY, with_tail=False)
    extracted = trafilatura.extract(
        tree,
        fast=True,  # no readability/justext fallbacks: the main cost, and little gain on news pages
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_precision=True,
        deduplicate=False,
        with_metadata=False,
        output_format="txt",
    )
    if not extracted:
        return []
    lines = plaintext.drop_furniture([clean_line(line) for line in extracted.split("\n")])
    # The extraction can start with the page's visible header (time line, byline, a caption)
    # above the dateline: read as in a plain capture, it fills what the metadata lacked.
    return plaintext.read_story(lines, d, headline_first=False)


_HEADER_LINES = 15


def _header_above_story(page: str, d: Draft) -> None:
    """No time in the metadata nor in the extraction: read the page's own lines just above the
    story's first paragraph (a time line in a byline box the extraction left out). A second
    reduction of the page, paid only by pages without any time metadata."""
    lines = html_to_text(page).paragraphs
    lead = d.body[0]
    at = next((i for i, line in enumerate(lines) if line == lead), None)
    if at:
        header = Draft(format=NAME)
        plaintext.read_header(lines[max(0, at - _HEADER_LINES) : at], header)
        d.versioncreated, d.firstcreated = header.versioncreated, d.firstcreated or header.firstcreated
        d.byline = d.byline or header.byline
        d.captions = d.captions or header.captions
        d.warnings.extend(header.warnings)


def _figures(tree: etree._Element) -> tuple[list[str], list[Association]]:
    scope = next(iter(tree.iter("article")), None)
    if scope is None:
        scope = next(iter(tree.iter("main")), tree)
    captions, pictures = [], []
    for fig in scope.iter("figure"):
        cap = fig.find(".//figcaption")
        text = clean_line(cap.text_content()) if cap is not None else ""
        img = fig.find(".//img")
        src = img.get("src") if img is not None else None
        if text:
            captions.append(text)
            pictures.append(Association(type="picture", uri=src if src and src.startswith(("http://", "https://")) else None, description_text=text))
    return captions, pictures


# --------------------------------------------------------------------------- metadata


def _meta(tree: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    tags: list[str] = []
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        value = (m.get("content") or "").strip()
        if not key or not value:
            continue
        if key in ("article:tag", "news_keywords", "keywords"):
            tags.extend(v.strip() for v in value.split(",") if v.strip())
        out.setdefault(key, value)
    if tags:
        out["__tags"] = "\x1f".join(tags)
    return out


def _json_ld(tree: etree._Element) -> dict[str, Any] | None:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = orjson.loads(script.text.strip().encode("utf-8", "replace"))
        except orjson.JSONDecodeError:
            continue
        found = _find_article(data, 0)
        if found is not None:
            return found
    return None


def _find_article(data: Any, depth: int) -> dict[str, Any] | None:
    if depth > 4:
        return None
    if isinstance(data, list):
        for x in data:
            found = _find_article(x, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(data, dict):
        return None
    kinds = data.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
        return data
    if "@graph" in data:
        return _find_article(data["@graph"], depth + 1)
    return None


def _microdata(tree: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    scope = next((el for el in tree.xpath("//*[@itemscope][@itemtype]")
                  if (el.get("itemtype") or "").rsplit("/", 1)[-1].lower() in _ARTICLE_TYPES), None)
    if scope is None:
        return out
    authors = []
    for el in scope.iter():
        if not isinstance(el.tag, str):
            continue
        prop = el.get("itemprop")
        if not prop or prop in out:
            if prop != "author":
                continue
        if prop == "author":
            name_el = next((x for x in el.iter() if isinstance(x.tag, str) and x.get("itemprop") == "name"), el)
            kind = "organization" if "organization" in (el.get("itemtype") or "").lower() else "person"
            name = clean_line(name_el.get("content") or name_el.text_content())
            if name:
                authors.append((name, kind))
        elif prop in ("datePublished", "dateModified"):
            out[prop] = el.get("datetime") or el.get("content") or clean_line(el.text_content())
        elif prop == "headline":
            out[prop] = el.get("content") or clean_line(el.text_content())
    if authors:
        out["authors"] = authors
    return out


def _authors(value: Any) -> list[tuple[str, str]]:
    items = value if isinstance(value, list) else [value] if value else []
    out = []
    for a in items:
        if isinstance(a, str):
            out.append((a, "person"))
        elif isinstance(a, dict) and _str(a.get("name")):
            kind = str(a.get("@type") or "person").lower()
            out.append((_str(a.get("name")), "organization" if "organization" in kind else "person"))
    return out


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _keywords(meta: dict[str, str], article: dict[str, Any]) -> list[str]:
    words = [w for w in meta.get("__tags", "").split("\x1f") if w]
    kw = article.get("keywords")
    if isinstance(kw, str):
        words += [w.strip() for w in kw.split(",")]
    elif isinstance(kw, list):
        words += [w for w in kw if isinstance(w, str)]
    seen: dict[str, None] = {}
    for w in words:
        if w and w.casefold() not in {s.casefold() for s in seen}:
            seen[w] = None
    return list(seen)


def _str(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _entity_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return _str(value.get("@id")) or _str(value.get("url"))
    return _str(value)


def _canonical(tree: etree._Element) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return link.get("href").strip()
    return None


def _strip_tracking(url: str | None) -> str | None:
    if not url:
        return None
    return re.sub(r"[?&]utm_[^#]*", "", url)


def _h1(tree: etree._Element) -> str | None:
    h1 = next(iter(tree.iter("h1")), None)
    return clean_line(h1.text_content()) or None if h1 is not None else None


def _title(tree: etree._Element) -> str | None:
    title = next(iter(tree.iter("title")), None)
    if title is None or not title.text:
        return None
    return _TITLE_SUFFIX.sub("", clean_line(title.text)) or None


def _site_name(tree: etree._Element) -> str | None:
    title = next(iter(tree.iter("title")), None)
    if title is None or not title.text:
        return None
    m = _TITLE_SUFFIX.search(clean_line(title.text))
    return m.group(0).strip(" |-–—:·•") if m else None


def _time_tag(tree: etree._Element) -> str | None:
    t = next((el for el in tree.iter("time") if el.get("datetime")), None)
    return t.get("datetime") if t is not None else None
