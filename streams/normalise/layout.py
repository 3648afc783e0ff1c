"""Layout inside (X)HTML and NITF bodies made readable before a body is reduced to paragraphs.

Every format whose body is markup (NITF, NewsML-G2 XHTML, NewsML 1.2, ninjs ``body_html``, feed
entries, HTML pages) passes its body tree through `prepare_body`, so a results table or a
teletype story's hard wraps read the same whichever envelope carried them.
"""

from __future__ import annotations

import re

from lxml import etree

from .xml import local as local_name, remove_keeping_tail

_COLUMN_GAP = re.compile(r"\S {2,}\S")
_SENTENCE_END = re.compile(r"[.!?:;\"\u201d')]\s*$")
# A cell holding any of these is page layout (a story in a layout table), not a table's datum.
_CELL_BLOCKS = frozenset({"p", "div", "table", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                          "section", "article", "pre", "br", "hr", "dl"})
_CELL_MAX_CHARS = 120  # longer cells are prose, kept as paragraphs of their own


def _local(el: etree._Element) -> str:
    """The lower-case local name; "" for comments and processing instructions."""
    return local_name(el).lower()


def _make_p(parent_tag: str, text: str) -> etree._Element:
    ns = parent_tag.rsplit("}", 1)[0] + "}" if parent_tag.startswith("{") else ""
    el = etree.Element(ns + "p")
    el.text = text
    return el


def _cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if _local(c) in ("td", "th")]


def _is_data_table(table: etree._Element) -> bool:
    """Rows of short cells without blocks inside: a results table, a price list, a timetable."""
    for tr in (el for el in table.iter() if _local(el) == "tr"):
        for cell in _cells(tr):
            if any(_local(el) in _CELL_BLOCKS for el in cell.iterdescendants()):
                return False
            if len(" ".join("".join(cell.itertext()).split())) > _CELL_MAX_CHARS:
                return False
    return True


def tables_to_rows(root: etree._Element) -> None:
    """A data table's row is one line (its cells joined by spaces) instead of a paragraph per
    cell. Tables used for page layout (cells holding paragraphs or prose) are left alone."""
    for table in [el for el in root.iter() if _local(el) == "table"]:
        parent = table.getparent()
        if parent is None or not _is_data_table(table):
            continue
        rows = []
        for tr in (el for el in table.iter() if _local(el) == "tr"):
            line = " ".join(text for text in (" ".join(" ".join(c.itertext()).split()) for c in _cells(tr)) if text)
            if line:
                rows.append(line)
        for line in rows:  # before the table: its tail then follows the last row
            table.addprevious(_make_p(table.tag, line))
        remove_keeping_tail(table)


def aligned_lines_to_paragraphs(root: etree._Element) -> None:
    """A paragraph holding column-aligned lines (a results table typed into a ``<p>``) is one
    paragraph per line instead of one run-on paragraph."""
    for p in [el for el in root.iter() if _local(el) == "p" and len(el) == 0]:
        lines = [ln.strip() for ln in (p.text or "").splitlines() if ln.strip()]
        if len(lines) < 3 or sum(1 for ln in lines if _COLUMN_GAP.search(ln)) * 2 < len(lines):
            continue
        parent = p.getparent()
        if parent is None:
            continue
        index = parent.index(p)
        p.text = lines[0]
        added = [_make_p(p.tag, line) for line in lines[1:]]
        added[-1].tail, p.tail = p.tail, None
        parent[index + 1 : index + 1] = added  # one splice: an insert per line was quadratic


def join_hard_wraps(root: etree._Element) -> None:
    """Teletype copy converted to markup keeps its hard wraps as ``<br/>`` inside a paragraph
    ("... the sale of stakes in <br/>four petrochemical ..."): those breaks are spaces. A paragraph
    is hard-wrapped when its lines are line-length (30+ characters) and most end mid-sentence;
    short lines (addresses, verse, lists) keep their breaks."""
    for p in [el for el in root.iter() if _local(el) == "p"]:
        brs = [el for el in p if _local(el) == "br"]
        if not brs:
            continue
        lines, current = [], [p.text or ""]
        for el in p:
            if _local(el) == "br":
                lines.append("".join(current))
                current = [el.tail or ""]
            else:
                current.append(" ".join(el.itertext()) + (el.tail or ""))
        wrapped = [ln.strip() for ln in lines]
        if not all(len(ln) >= 30 for ln in wrapped):
            continue
        if sum(1 for ln in wrapped if _SENTENCE_END.search(ln)) * 2 > len(wrapped):
            continue
        _drop_breaks(p)


def _drop_breaks(p: etree._Element) -> None:
    """Every ``<br/>`` of `p` becomes a space, in one pass: its tail joins the text before it
    (removing the breaks one by one was quadratic: 51 s for a hostile 30,000-break paragraph)."""
    kept: list[etree._Element] = []
    text = [p.text or ""]
    tails: list[list[str]] = []
    current = text
    for el in p:
        if _local(el) == "br":
            current.append(" " + (el.tail or ""))
        else:
            kept.append(el)
            current = [el.tail or ""]
            tails.append(current)
    p.text = "".join(text)
    for el, tail in zip(kept, tails, strict=True):
        el.tail = "".join(tail)
    p[:] = kept


def prepare_body(root: etree._Element) -> None:
    """Hard wraps joined, data tables as rows, aligned lines as paragraphs (in place)."""
    join_hard_wraps(root)
    tables_to_rows(root)
    aligned_lines_to_paragraphs(root)
