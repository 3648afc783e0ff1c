"""Text clean-up: Unicode NFC, whitespace, paragraphs, and HTML reduced to safe plain text.

The canonical body shape is paragraphs separated by one blank line (``\\n\\n``), each paragraph a
single line with runs of whitespace collapsed to one space. Every function here is idempotent.
Nothing that could execute survives: tags are gone, ``<script``-like fragments are defanged.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from .layout import prepare_body

# C0/C1 controls except tab/newline/CR, plus zero-width and bidi-override characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\ufeff\ufffe\uffff]")
_HSPACE = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Applied after _NEWLINES: every line end is \n by then.
_PARA_BREAK = re.compile(r"\n\s*\n")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_TAGLIKE = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]{0,2000}>")
_DANGER_TAG = re.compile(r"<(?=\s*/?\s*(?:script|style|iframe|object|embed|svg|math|link|meta|base|form)\b)", re.IGNORECASE)
_DANGER_URL = re.compile(r"\b(?:java|vb|live)script\s*:|\bdata\s*:\s*text/html", re.IGNORECASE)
# An event-handler attribute left in text (e.g. from a broken tag): "onload=" loses its "=".
_HANDLER = re.compile(r"(?<![\w-])(on[a-z]{3,})\s*=", re.IGNORECASE)
_HTMLISH = re.compile(
    r"<\s*/?\s*(?:html|head|body|p|div|span|br|script|style|article|section|h[1-6]|ul|ol|li|a|b|i|em|strong|table|tr|td|img|figure|blockquote|iframe)\b[^>]*>",
    re.IGNORECASE,
)


def is_html_like(text: str) -> bool:
    """True when the text carries HTML markup (rather than an occasional '<' in prose)."""
    return _HTMLISH.search(text, 0, 200_000) is not None


def defang(text: str) -> str:
    """Remove anything tag-like and neutralise script URLs in text meant to be plain."""
    if "<" in text:
        text = _TAGLIKE.sub(" ", text)
        text = _DANGER_TAG.sub("", text)
    if ":" in text:
        text = _DANGER_URL.sub("", text)
    if "=" in text:
        text = _HANDLER.sub(r"\1 ", text)
    return text


def clean_line(text: str | None) -> str:
    """One line of text: NFC, no controls or tags, whitespace collapsed, stripped."""
    if not text:
        return ""
    if text.isascii() and text.isprintable():
        # Most lines, and every line cleaned before: printable ASCII is NFC and has no controls,
        # tabs or newlines, so only markup and runs of spaces can need work.
        text = defang(text)
        if "  " in text or text[:1] == " " or text[-1:] == " ":
            return " ".join(text.split())
        return text
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    text = defang(text)
    return " ".join(text.split())


def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    out = []
    for p in paragraphs:
        line = clean_line(p)
        if line:
            out.append(line)
    return out


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(clean_paragraphs(paragraphs))


def split_paragraphs(text: str, *, lines_are_paragraphs: bool = True) -> list[str]:
    """Split plain text into paragraphs: blank lines always separate; single newlines too when
    `lines_are_paragraphs` (captured pages, most wire text), else they are joined (hard wrap)."""
    if "\r" in text or (not text.isascii() and ("\x85" in text or "\u2028" in text or "\u2029" in text)):
        text = _NEWLINES.sub("\n", text)  # only when there is one to replace: the regex is slow
    blocks = _PARA_BREAK.split(text)
    out: list[str] = []
    for block in blocks:
        if lines_are_paragraphs:
            out.extend(block.split("\n"))
        else:
            out.append(block.replace("\n", " "))
    return clean_paragraphs(out)


def normalise_text(text: str | None, *, lines_are_paragraphs: bool = True) -> str:
    """Plain text in the canonical shape (idempotent)."""
    if not text:
        return ""
    return join_paragraphs(split_paragraphs(text, lines_are_paragraphs=lines_are_paragraphs))


# --------------------------------------------------------------------------- HTML

_DROP = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
        "applet", "svg", "math", "canvas", "video", "audio", "source", "track", "head", "title",
        "meta", "link", "base", "form", "input", "button", "select", "textarea", "nav", "footer",
        "aside", "img", "picture", "map", "dialog",
    }
)
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "blockquote", "pre", "ul", "ol", "li",
        "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "h1", "h2", "h3", "h4", "h5",
        "h6", "hl1", "hl2", "hedline", "br", "hr", "address", "center", "body", "html", "block",
        "body.content", "body.head", "body.end", "abstract", "td", "th", "caption", "fieldset",
        "tagline", "byline", "dateline", "media", "nitf-table", "note", "bq", "credit",
    }
)
_CAPTION = frozenset({"figcaption", "media-caption"})
_HEADING = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "hl1", "hl2", "hedline"})
# Label runs: a container holding only short inline labels side by side, e.g. TT's
# <div class="dat"><span>Litteratur</span><span>TT</span></div> (kicker and source).
_LABEL_CONTAINERS = frozenset({"div", "header", "section", "span", "ul", "ol", "li", "p"})
_INLINE = frozenset({"span", "a", "em", "strong", "b", "i", "small", "time", "abbr", "mark", "u", "font", "label", "li"})
_LABEL_MAX_WORDS = 4
_LABEL_PUNCT = re.compile(r"[.!?…:;,]$")
_FIGURE = frozenset({"figure"})


@dataclass
class HtmlText:
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)


HTML_PARSER = lxml_html.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, remove_blank_text=False, default_doctype=False
)


def html_to_text(markup: str) -> HtmlText:
    """Reduce HTML (or XHTML) to paragraphs. Figures' captions are returned apart from the body."""
    markup = _CONTROL.sub("", markup)
    if not markup.strip():
        return HtmlText()
    try:
        root = lxml_html.document_fromstring(markup, parser=HTML_PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return HtmlText(paragraphs=split_paragraphs(html.unescape(_TAGLIKE.sub("\n", markup))))
    prepare_body(root)  # data tables as rows, hard wraps joined: as in NITF and G2 bodies
    return element_to_text(root)


def element_to_text(root: etree._Element) -> HtmlText:
    """Paragraphs of an (X)HTML or NITF element tree, namespace-agnostic."""
    out = HtmlText()
    buf: list[str] = []
    story_started = False  # a paragraph other than a heading has been emitted

    def flush(heading: bool = False) -> None:
        nonlocal story_started
        if buf:
            line = clean_line("".join(buf))
            if line:
                out.paragraphs.append(line)
                story_started = story_started or not heading
            buf.clear()

    def walk(el: etree._Element) -> None:
        tag = el.tag
        if not isinstance(tag, str):  # comment, PI, or an entity reference left unresolved
            if isinstance(el, etree._Entity):
                buf.append(html.unescape(f"&{el.name};") if el.name.isalnum() else " ")
            if el.tail:
                buf.append(el.tail)
            return
        name = tag.rsplit("}", 1)[-1].lower()
        if name in _DROP:
            pass
        elif name in _CAPTION or name in _FIGURE:
            if name in _CAPTION:
                cap = clean_line(" ".join(el.itertext()))
                if cap:
                    out.captions.append(cap)
            else:
                for sub in el.iter():
                    if isinstance(sub.tag, str) and sub.tag.rsplit("}", 1)[-1].lower() in _CAPTION:
                        cap = clean_line(" ".join(sub.itertext()))
                        if cap:
                            out.captions.append(cap)
        elif name in _LABEL_CONTAINERS and (labels := label_run(el)) is not None:
            # Before the story: a kicker/label line, not story. Inside it: labels kept apart.
            if story_started:
                flush()
                buf.append(" ".join(labels))
                flush()
        else:
            block = name in _BLOCK
            if block:
                flush()
            if el.text:
                buf.append(el.text)
            for c in el:
                walk(c)
            if block:
                if name in ("h1", "hl1"):
                    head = clean_line("".join(buf))
                    if head:
                        out.headings.append(head)
                flush(heading=name in _HEADING)
        if el.tail:
            buf.append(el.tail)

    walk(root)
    flush()
    return out


def label_run(el: etree._Element) -> list[str] | None:
    """The labels of a label run (two or more short inline elements side by side, with no text
    of their own container between them), or None when `el` is not one."""
    kids = [c for c in el if isinstance(c.tag, str)]
    if len(kids) < 2 or (el.text and el.text.strip()):
        return None
    labels = []
    for c in kids:
        if c.tag.rsplit("}", 1)[-1].lower() not in _INLINE or len(c) > 1 or (c.tail and c.tail.strip()):
            return None
        text = " ".join("".join(c.itertext()).split())
        if not text or len(text.split()) > _LABEL_MAX_WORDS or _LABEL_PUNCT.search(text):
            return None
        labels.append(text)
    return labels
