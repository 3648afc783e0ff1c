"""Safe XML parsing and namespace-agnostic navigation helpers.

Entity declarations are refused before parsing (billion laughs, XXE); the parser itself never
loads a DTD, never resolves entities, never touches the network and keeps libxml2's size guards.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

from lxml import etree

from .errors import INVALID_XML, XML_ENTITIES, NormaliseError

# Everything before the root element: declaration, comments, PIs, a DOCTYPE (with internal subset).
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_DECLARATION = re.compile(r"<!(?:ENTITY|ELEMENT|ATTLIST|NOTATION)\b", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_ROOT_TAG = re.compile(r"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)([^>]*)>", re.DOTALL)
_PROLOG_SKIP = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>)", re.DOTALL | re.IGNORECASE)
_XMLNS = re.compile(r"""\bxmlns(?::[\w.\-]+)?\s*=\s*["']([^"']*)["']""")

_local = threading.local()


def _parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
            encoding="utf-8",
        )
        _local.parser = parser
    return parser


def root_tag(text: str) -> tuple[str, str, tuple[str, ...]] | None:
    """Cheap sniff of (prefix-less root name, raw tag, namespaces declared on it), or None."""
    pos = 0
    for _ in range(50):
        m = _PROLOG_SKIP.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    while pos < len(text) and text[pos].isspace():
        pos += 1
    m = _ROOT_TAG.match(text, pos)
    if not m:
        return None
    name = m.group(1)
    return name.rsplit(":", 1)[-1], name, tuple(_XMLNS.findall(m.group(2)))


def check_no_entities(text: str) -> None:
    """Refuse a DOCTYPE that declares entities (or anything else) in an internal subset."""
    doctype = _DOCTYPE.search(text, 0, 65536)
    if doctype and _DECLARATION.search(text, doctype.start()):
        raise NormaliseError(XML_ENTITIES, "XML declares entities in its DOCTYPE: refused, nothing expanded or fetched")


def parse(text: str) -> etree._Element:
    """Parse XML text safely. Raises NormaliseError(xml_entities | invalid_xml)."""
    check_no_entities(text)
    body = _XML_DECL.sub("", text, count=1)
    try:
        root = etree.fromstring(body.encode("utf-8"), parser=_parser())
    except etree.XMLSyntaxError as exc:
        if "entity" in str(exc).lower() and "not defined" in str(exc).lower():
            # An undeclared entity such as &nbsp; in a document pointing at an external DTD that we
            # refuse to load: retry with the HTML named entities replaced by characters.
            root = _parse_with_named_entities(body, exc)
        else:
            raise NormaliseError(INVALID_XML, f"not well-formed XML: {exc}") from None
    except ValueError as exc:
        raise NormaliseError(INVALID_XML, f"not parseable XML: {exc}") from None
    if root is None:
        raise NormaliseError(INVALID_XML, "XML has no root element")
    return root


_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})


def _parse_with_named_entities(body: str, first_error: Exception) -> etree._Element:
    from html.entities import name2codepoint

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_PREDEFINED:
            return m.group(0)
        cp = name2codepoint.get(name)
        return f"&#{cp};" if cp else ""

    try:
        return etree.fromstring(_NAMED_ENTITY.sub(repl, body).encode("utf-8"), parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        raise NormaliseError(INVALID_XML, f"not well-formed XML: {first_error}") from None


# --------------------------------------------------------------------------- navigation


def local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def remove_keeping_tail(el: etree._Element) -> None:
    """Removes an element but not the text after it (its tail), which joins the previous
    sibling's tail or, first in its parent, the parent's text."""
    parent = el.getparent()
    if parent is None:
        return
    joined = el.tail or ""
    if joined:
        prev = el.getprevious()
        if prev is None:
            parent.text = (parent.text or "") + joined
        else:
            prev.tail = (prev.tail or "") + joined
    parent.remove(el)


def children(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is None:
        return iter(())
    return (c for c in el if isinstance(c.tag, str) and local(c) == name)


def child(el: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down the given path of local names (direct children at each step)."""
    for name in path:
        if el is None:
            return None
        el = next(children(el, name), None)
    return el


def descendants(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is None:
        return iter(())
    return (d for d in el.iter() if isinstance(d.tag, str) and local(d) == name)


def first(el: etree._Element | None, name: str) -> etree._Element | None:
    return next(descendants(el, name), None)


def text_of(el: etree._Element | None) -> str:
    """All text inside an element, whitespace collapsed."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def attr(el: etree._Element | None, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    return value.strip() if value and value.strip() else None
