"""One pass over a story's fields: automaton hits, then entity spans without overlaps.

A hit is a plain tuple ``(start, end, entry, key)`` (offsets into the field's text; ``key`` is
the dictionary key that matched, for prefix phrases the stem): tuples keep the per-hit cost low.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._lexicon import (
    AMBIG, BLOCK, CTX, EXACT, LEGAL, ORG, PERSON, PHRASE, SURNAME, TITLE, TOPIC, Entry, Lexicon,
)
from ._text import is_title_case, lead_end, words, words_lower

Hit = tuple[int, int, Entry, str]
START, END, ENTRY, KEY = range(4)


@dataclass
class Field:
    name: str  # "headline" or "body_text"
    text: str
    lower: str
    title_case: bool
    lead_end: int
    language: str = ""  # the item's primary language subtag: local place names need it
    entity_hits: list[Hit] = field(default_factory=list)
    topic_hits: list[Hit] = field(default_factory=list)
    phrase_hits: list[Hit] = field(default_factory=list)
    ctx: set[int] = field(default_factory=set)
    full_names: set[int] = field(default_factory=set)
    entities: list[Hit] = field(default_factory=list)

    @property
    def order(self) -> int:
        """Sort rank of the field in evidence lists: headline, dateline, body."""
        return 0 if self.name == "headline" else 2

    def position_weight(self, start: int) -> float:
        if self.name == "headline":
            return 2.0
        return 1.5 if start < self.lead_end else 1.0


def scan_field(lex: Lexicon, name: str, text: str, language: str = "") -> Field:
    lower = words_lower(text)
    f = Field(
        name=name,
        text=text,
        lower=lower,
        title_case=name == "headline" and is_title_case(text),
        lead_end=len(text) if name == "headline" else lead_end(text),
        language=language,
    )
    if lex.automaton is not None and len(lex.automaton):
        _run(lex.automaton, f)
    return f


def _run(automaton, f: Field) -> None:
    # The haystack is padded with a space at each end, so haystack index i is text index i - 1
    # and a padded key " key " found ending at `last` covers text[last - len + 1 : last - 1].
    lower, original = f.lower, f.text
    haystack = f" {lower} "
    n = len(lower)
    entity_hits, topic_hits, phrase_hits = f.entity_hits, f.topic_hits, f.phrase_hits
    ctx, full_names, language = f.ctx, f.full_names, f.language
    for last, (padlen, prefix, key, entries) in automaton.iter(haystack):
        start = last - padlen + 1  # text index of the first letter
        if prefix:
            end = last
            while end < n and lower[end] != " ":
                end += 1
        else:
            end = last - 1
            if end < n and original[end] == "." and end >= 2 and original[end - 2] == ".":
                end += 1  # keep the closing point of an abbreviation: "U.S.", "U.N."
        title_ok = original[start].isupper()
        exact_text = None
        for entry in entries:
            if entry.lang is not None and entry.lang != language:
                continue
            mode = entry.mode
            if mode == TITLE:
                if not title_ok:
                    continue
            elif mode == EXACT:
                if exact_text is None:
                    exact_text = " ".join(words(original[start:start + len(key)]).split())
                if exact_text != entry.exact:
                    continue
            kind = entry.kind
            if kind == TOPIC:
                topic_hits.append((start, end, entry, key))
            elif kind == CTX:
                ctx.add(entry.ref)
            elif kind == PHRASE:
                phrase_hits.append((start, end, entry, key))
            else:
                if kind == PERSON:
                    full_names.add(entry.ref)
                entity_hits.append((start, end, entry, key))


def resolve_entities(lex: Lexicon, f: Field, ctx: set[int], full_names: set[int], skip_until: int = 0) -> None:
    """Keep the valid entity hits, leftmost-longest, without overlaps; then drop topic hits
    that sit inside a longer topic phrase or inside a name ("court" in "International Criminal
    Court", "strike" in "carrier strike group")."""
    candidates = []
    text = f.text
    for h in f.entity_hits:
        if h[START] < skip_until:
            continue
        if h[START] > 0 and text[h[START] - 1] == "<" and _in_ticker(text, h[START]):
            continue
        entry = h[ENTRY]
        kind = entry.kind
        if kind == ORG:
            needs = entry.ref[1]
            if needs is not None and not any(c in ctx for c in needs):
                continue
        elif kind == SURNAME:
            if not lex.people[entry.ref].surname_alone and entry.ref not in full_names:
                continue
        candidates.append(h)
    candidates.sort(key=_candidate_order)
    chosen: list[Hit] = []
    taken_until = -1
    for h in candidates:
        if h[START] < taken_until:
            continue
        chosen.append(h)
        taken_until = h[END]
    f.entities = chosen
    _drop_nested_topic_hits(f)


def _in_ticker(text: str, start: int) -> bool:
    """True when the name opens a ticker symbol in angle brackets ("<GE>", "<UN.A>", "<BP.L>"):
    a code, not a mention."""
    close = text.find(">", start, start + 12)
    if close == -1:
        return False
    code = text[start:close]
    return " " not in code and code.upper() == code


def _candidate_order(h: Hit) -> tuple[int, int, int]:
    # Leftmost first, then longest; on equal spans a full name beats a surname, a blocker beats
    # an ambiguous name, and so does the surname of a person named in full in the story ("Jordan"
    # after "Jim Jordan"; a surname is a candidate only then, or when it stands alone in news copy).
    return (h[START], h[START] - h[END], _RANKS.get(h[ENTRY].kind, 5))


_RANKS = {PERSON: 0, ORG: 1, BLOCK: 2, SURNAME: 3, AMBIG: 4, LEGAL: 6}


def _drop_nested_topic_hits(f: Field) -> None:
    if not f.topic_hits:
        return
    spans = {(h[START], h[END]) for h in f.topic_hits}
    spans.update((h[START], h[END]) for h in f.entities
                 if h[ENTRY].kind != BLOCK and not (h[ENTRY].kind == ORG and h[ENTRY].ref[2]))
    contained = set()
    reach = -1
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        # Spans come by start, longest first: an earlier span reaching this far contains it.
        if reach >= end:
            contained.add((start, end))
        elif end > reach:
            reach = end
    if contained:
        f.topic_hits = [h for h in f.topic_hits if (h[START], h[END]) not in contained]
