"""The Tagger: loads the vocabulary once, then tags items with places, regions, topics, people,
organisations and storylines."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from streams.models import Evidence, Tag, Tags, WireItem

from . import _build as build
from ._lexicon import (
    AMBIG, BLOCK, DATA_DIR, LANGUAGE_ALIASES, LEGAL, ORG, PERSON, PLACE, SURNAME, W_NAME, W_PERSON, Ambiguous,
    Lexicon, load_lexicon, saturate,
)
from ._rules import Vocabulary, load_rules
from ._scan import Field, resolve_entities, scan_field
from ._storylines import CompiledRules, StoryFacts
from ._text import key_of, slug

DEFAULT_STORYLINES = DATA_DIR / "storylines.yaml"

MAX_EVIDENCE = 8  # per place, person or organisation
MAX_TOPIC_EVIDENCE = 4
MAX_REGION_EVIDENCE = 3
MIN_PLACE_RAW = 0.5
# A country known only from its hub cities (a LONDON dateline, "the London market") is where the
# wire stands, not the story's subject, unless they are named often.
HUB_ONLY_RAW = 1.0
# A place is a subject of the story only when its evidence reaches this share of the strongest
# place's: a passing mention ("following the example of Brazil") is not what a desk files it under.
RELEVANCE_SHARE = 0.35
HEADLINE_FACTOR = 2.0  # a topic phrase in the headline counts this many times
TOPIC_SHARE = 0.4  # a broad topic below this share of the strongest broad topic is dropped
MIN_DISTINCT = 2  # different phrases a topic needs ...
STRONG_PHRASE = 1.5  # ... unless one of them weighs this much
# A narrower topic below this share of its strongest sibling (same broader topic) is dropped
# unless one of its phrases names it outright.
SIBLING_SHARE = 0.5
CURRENCY = 0.1  # "U.S. dlrs", "Swiss francs": a currency named after a country
LISTED = 0.35  # each name in an enumeration of three or more places ("Egypt, Zambia, Zaire and Mali")
# Where the story was filed is usually what it is about (a company's home town, a capital's
# news); the hub cities of place_aliases.yaml (LONDON, BRUSSELS ...) count for much less.
W_DATELINE = 2.0
# The dateline names where the reporter stands; its country's own mentions weigh less than the
# story's subject (a WASHINGTON story says "U.S." a lot whatever it is about).
DATELINE_DISCOUNT = 0.6
ADJECTIVAL = 0.6  # "U.S. sanctions", "China trade": a name used as an adjective
# "The Japan Fund", "the Korea Fund": after "the" and before an organisation word, a country's
# name is part of an organisation's name (of any nationality), not the place itself.
IN_ORG_NAME = 0.1
# A story about two countries' dealings (talks, pressure, a trade dispute) has both as its
# subject: every place whose evidence reaches this share of the strongest one's is primary.
PRIMARY_SHARE = 0.75
# An organisation named as the story's source or service provider ("lead manager Mitsubishi
# Trust", "an analyst with Shearson Lehman"): its country is not a party to the story.
SOURCE = 0.2
# Where securities are listed or traded ("will be listed in Luxembourg") is a venue, not a subject.
VENUE = 0.2
# Where parties meet ("talks in Doha") or who mediates ("mediated by Qatar"): part of the story,
# seldom its subject (place_aliases.yaml: meeting_cues).
MEETING = 0.5
# What may join a place to a cued one before it and share its cue ("mediated by Qatar and Egypt").
_CUE_JOINERS = frozenset({" and ", ", ", ", and ", " or "})
MAX_PRIMARY = 3
# At most this many characters between a country's name and a person of that country make the
# name the person's title ("U.S. Secretary of State Marco Rubio"): one reference, counted once.
TITLE_GAP = 40
# A dateline in a regional bureau city (place_aliases.yaml: bureau_cities) that nothing in the
# story names again (no name, city, person or organisation of its country) is where the story was
# filed from, not its subject ("DUBAI - Iran's rial ...", "BANGKOK - Myanmar's junta ..."), when
# another country has at least this much evidence of its own ...
BUREAU_OTHER = W_DATELINE
# ... and then counts only this share of a dateline.
BUREAU_SHARE = 0.25

# Words that may stand right before an ambiguous place name without making it a person's name.
_PREV_OK = frozenset("""the in from to and of for with across into near neighbouring neighboring central northern
southern eastern western north south east west officials both between against on at by like unlike including
while when as but or where why how what only even also today meanwhile then now if did does will would could
should has had have is was are were do says said after before since under over than until about u.s. us state
president king governor in-state""".split())
# Words that may follow an ambiguous place name.
_NEXT_OK = frozenset("""president prime foreign defence defense army government minister ministry king queen parliament
senate governor state valley river delta lake sea border police military forces embassy central national supreme
islamic republic navy air special election elections officials secretary authorities house legislature
county republicans democrats monday tuesday wednesday thursday friday saturday sunday january february march
april may june july august september october november december""".split())
_SPEECH = frozenset("said says told added scored wrote posted tweeted replied explained argued insisted".split())
# Lower-case words after a country name that show it is not used as an adjective.
_NOT_NOUN = frozenset("""of about to and in on for with is was are were has had have would will could should said says
as at by from that which who or but than into over against after before since if be been being its their
has also did does do government's""".split())


# Irregular past tenses that follow a country acting ("Poland sent aid", "China sold bonds").
_PAST_TENSE = frozenset("""sent took made gave won lost struck began left met held sought fought hit set put cut led
kept spent sold bought brought built paid became came went saw drew threw grew chose rose fell broke spoke wrote
stood ran withdrew overtook shot""".split())


# Stock tickers: "<GM>", "<BP.L>" (Reuters), "(NYSE: GM)", "(Nasdaq: AAPL)", "(AAPL.O)", "(7203.T)".
_TICKER = re.compile(
    r"<[A-Z][A-Z0-9]{0,5}(?:\.[A-Z]{1,2})?>"
    r"|\((?:NYSE|NASDAQ|Nasdaq|AMEX|NYSE American|LSE|TSX|ASX|HKEX|SGX|OTC)\s*:\s*[A-Z0-9][A-Z0-9.]{0,7}\)"
    r"|\([A-Z0-9]{1,6}\.(?:N|O|OQ|L|T|PA|DE|HK|SS|SZ|TO|AX|KS|MI|AS|SW|MC|ST|OL|CO|HE|BR|NS|BO|SA|MX|J)\)")

# Sports results: tennis-style set scores ("7-6 7-5", "6-4, 3-6, 7-6(5)": two or more pairs of
# small numbers in a row), or a score beside a result word ("beat Argentina 2-1", "a 24-17
# win", "drew 0-0"). A lone "6-3" is not one: courts rule and chambers vote by such margins.
# Found from each hyphen between digits outwards: one regex with the result words in front was
# ~250 µs a story, a regex for the number pairs ~17 µs (both try every position); this ~1 µs.
_SCORE_PAIR = re.compile(r"\d{1,3}-\d{1,3}(?:\(\d{1,2}\))?")
_SET_SCORES = re.compile(r"[0-7]-[0-7](?:\(\d{1,2}\))?,? [0-7]-[0-7](?![\d-])")
_RESULT_BEFORE = re.compile(
    r"\b(?:beat|beats|beating|defeated|defeats|thrashed|edged|drew|draws|won|wins|lost|loses|overcame|routed)\b"
    r"[^.;\n\d]{0,40}$", re.IGNORECASE)
_RESULT_AFTER = re.compile(r" (?:win|victory|defeat|draw|loss|home win|away win|rout|thrashing)\b", re.IGNORECASE)


def _tickers(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, key) of each stock ticker: each ticker counts as a phrase of its own."""
    for m in _TICKER.finditer(text):
        yield m.start(), m.end(), m.group(0)


def _scorelines(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, key) of each sports result in the text (see above): all count as one phrase."""
    digits = "0123456789"
    hyphen = text.find("-")
    while hyphen != -1:
        after = text[hyphen + 1 : hyphen + 2]  # "" at the end, and "" is in every string
        if hyphen and after and after in digits and text[hyphen - 1] in digits:
            start = hyphen - 1
            while start > 0 and hyphen - start < 3 and text[start - 1] in digits:
                start -= 1
            # Digits, the hyphen, a digit: always a pair.
            end = _SCORE_PAIR.match(text, start).end()  # type: ignore[union-attr]
            # Not part of a date, a range of years, a model number or a decimal.
            inside = (start and text[start - 1] in "0123456789.-") or text[end : end + 1] in ("-", *digits)
            if not inside and (_SET_SCORES.match(text, start) or _RESULT_AFTER.match(text, end)
                               or _RESULT_BEFORE.search(text, max(0, start - 60), start)):
                yield start, end, "scoreline"
        hyphen = text.find("-", hyphen + 1)


# Evidence of a topic found by pattern rather than phrase (topics.yaml names the topic and weight).
_EVIDENCE = {"ticker": _tickers, "scoreline": _scorelines}

# Evidence is kept as (field order, start, end, field name, field text) until the tags are
# built: plain tuples that sort into text order by themselves.
Span = tuple[int, int, int, str, str]
_HEADLINE, _DATELINE, _BODY = 0, 1, 2


@dataclass
class _Mention:
    raw: float = 0.0
    mentions: int = 0
    evidence: list[Span] = field(default_factory=list)
    hub: float = 0.0  # the part of ``raw`` that comes from hub cities (LONDON, GENEVA ...)

    def add(self, weight: float, ev: Span | None, hub: bool = False) -> None:
        self.raw += weight
        self.mentions += 1
        if hub:
            self.hub += weight
        if ev is not None and len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(ev)


def _language(item: WireItem) -> str:
    """The item's primary language subtag as the data files name languages ("nb" for "no-NO")."""
    language = (item.language or "").split("-")[0].lower()
    return LANGUAGE_ALIASES.get(language, language)


class Tagger:
    """Tags WireItems. Build it once with :meth:`load`; :meth:`tag` is pure and cheap."""

    def __init__(self, lexicon: Lexicon, rules: CompiledRules, storylines_path: str):
        self._lex = lexicon
        self._rules = rules
        self.storylines_path = storylines_path
        # Topics deepest first, so children add to parents before the parents are judged.
        depth = {}
        for i, t in enumerate(lexicon.topics):
            d, p = 0, t.parent
            while p is not None and p in lexicon.topic_index:
                d, p = d + 1, lexicon.topics[lexicon.topic_index[p]].parent
            depth[i] = d
        self._topic_order = sorted(depth, key=lambda i: -depth[i])
        self._topic_parent = [lexicon.topic_index.get(t.parent) if t.parent else None for t in lexicon.topics]
        self._topic_ancestors: list[tuple[int, ...]] = []
        for i in range(len(lexicon.topics)):
            chain, p = [], self._topic_parent[i]
            while p is not None:
                chain.append(p)
                p = self._topic_parent[p]
            self._topic_ancestors.append(tuple(chain))
        self._topic_top = [chain[-1] if chain else i for i, chain in enumerate(self._topic_ancestors)]

    @classmethod
    def load(
        cls,
        storylines_path: str | Path | None = None,
        desk_regions_path: str | Path | None = None,
    ) -> Tagger:
        """Read every data file and build the automatons; raises StorylineRuleError for bad rules."""
        lex = load_lexicon(desk_regions_path)
        vocabulary = _vocabulary(lex)
        path = Path(storylines_path) if storylines_path else DEFAULT_STORYLINES
        loaded = load_rules(path, vocabulary)
        rules = CompiledRules.build(loaded.storylines, lex)
        lex.compile()
        return cls(lex, rules, str(path))

    @property
    def storylines(self) -> list[str]:
        return [r.id for r in self._rules.rules]

    @property
    def topic_parents(self) -> dict[str, str | None]:
        """Each topic code's broader topic (None at the top)."""
        return {t.code: t.parent for t in self._lex.topics}

    @property
    def vocabulary(self) -> Vocabulary:
        """The codes and names rule and route files may refer to."""
        return _vocabulary(self._lex)

    # ------------------------------------------------------------------ tagging

    def tag(self, item: WireItem) -> Tags:
        lex = self._lex
        language = _language(item)
        fields = [scan_field(lex, name, text, language) for name, text in (("headline", item.headline), ("body_text", item.body_text)) if text]
        ctx: set[int] = set().union(*(f.ctx for f in fields))
        full_names: set[int] = set().union(*(f.full_names for f in fields))
        skip = _dateline_prefix(item)
        for f in fields:
            resolve_entities(lex, f, ctx, full_names, skip if f.name == "body_text" else 0)

        places: dict[str, _Mention] = defaultdict(_Mention)
        people: dict[int, _Mention] = defaultdict(_Mention)
        orgs: dict[int, _Mention] = defaultdict(_Mention)
        region_mentions: dict[str, _Mention] = defaultdict(_Mention)
        dateline_code = self._dateline(item, places)
        # The dateline country's own mentions are discounted because the dateline already counted
        # for it; a hub city's dateline (LONDON) hardly counted, so its country's are not.
        discounted = dateline_code if dateline_code and places[dateline_code].raw >= W_DATELINE else None
        # Ambiguous names that read as part of a person's name somewhere in the story ("Rep. Jim
        # Jordan"): their bare mentions elsewhere ("Jordan said", "chairman Jordan") are that person.
        personal = _personal_names(lex, fields)

        for f in fields:
            listed = _enumerated_places(f)
            entities = f.entities
            last_org_end, last_org_country = -1, None  # the last organisation with a country
            last_place_end, last_place_country = -1, None  # the last place name counted
            last_cued_end, last_cue = -1, 1.0  # the end of the last place a cue discounted, and by what
            for i, (start, end, entry, key) in enumerate(entities):
                kind, pos = entry.kind, f.position_weight(start)
                ev = (f.order, start, end, f.name, f.text)
                if kind == PLACE or kind == AMBIG:
                    if kind == PLACE:
                        code, weight = entry.ref, entry.weight
                        if weight == W_NAME and _adjectival(f.text, end):
                            weight *= ADJECTIVAL
                    else:
                        reading = self._reading(lex.ambiguous[entry.ref], f, start, end, ctx, dateline_code,
                                                entry.ref in personal)
                        if reading is None:
                            continue
                        code, weight = reading
                    next_word = _next_word(f.text, end)
                    following = key_of(next_word)
                    if following in lex.currency_words and _names_money(lex, f.text, start, end, next_word):
                        weight *= CURRENCY
                    elif following in lex.name_words and key_of(_prev_word(f.text, start)) == "the":
                        weight *= IN_ORG_NAME
                    hub = key in lex.hub_cities
                    if hub:
                        weight *= lex.hub_cities[key]
                    if start in listed:
                        weight *= LISTED
                    cue = _place_cue(lex, f.lower, start)
                    if cue == 1.0 and last_cued_end >= 0 and f.lower[last_cued_end:start] in _CUE_JOINERS:
                        cue = last_cue  # "mediated by Qatar and Egypt"
                    if cue != 1.0:
                        weight *= cue
                        last_cued_end, last_cue = end, cue
                    self._place(places, code, weight * pos, ev, discounted, hub)
                    last_place_end, last_place_country = end, code
                elif kind == PERSON or kind == SURNAME:
                    person = lex.people[entry.ref]
                    people[entry.ref].add(pos, ev)
                    # "Congo President Denis Sassou Nguesso", "Japanese Prime Minister Sanae Takaichi":
                    # the title already named the country, and the two make one reference.
                    if person.country and not (last_place_country == person.country
                                               and start - last_place_end <= TITLE_GAP):
                        self._place(places, person.country, W_PERSON * pos, ev, discounted)
                elif kind == ORG:
                    idx = entry.ref[0]
                    org = lex.organisations[idx]
                    orgs[idx].add(pos, ev)
                    if org.country:
                        last_org_end, last_org_country = end, org.country
                    if org.country and not _subsidiary(entities, i, f.text, org.country):
                        weight = entry.weight
                        if _source_cue(lex, f.lower, start, end):
                            weight *= SOURCE
                        self._place(places, org.country, weight * pos, ev, discounted)
                elif kind == LEGAL:
                    # "Fisons Plc", "Nippon Kokan KK": the legal form after a company's name tells
                    # its country, unless the name itself is a known organisation (counted already).
                    name_start = _name_before(f.text, start)
                    if name_start is None or (last_org_end > name_start and last_org_country == entry.ref):
                        continue
                    weight = entry.weight
                    if _source_cue(lex, f.lower, name_start, end):
                        weight *= SOURCE
                    self._place(places, entry.ref, weight * pos, (f.order, name_start, end, f.name, f.text), discounted)
                elif kind == BLOCK and entry.ref:
                    region_mentions[f"m49:{entry.ref}"].add(pos, ev)

        if dateline_code and item.dateline and item.dateline.place \
                and key_of(item.dateline.place.split(",")[0].strip()) in lex.bureau_cities:
            _bureau_dateline(places, dateline_code)
        cache: dict[tuple[int, int, int], Evidence] = {}
        place_tags = self._place_tags(places, cache)
        region_tags = self._region_tags(places, place_tags, region_mentions, cache)
        topic_tags, topic_mentions = self._topic_tags(fields, item, cache)
        people_tags = self._entity_tags(people, lambda i: lex.people[i], cache)
        org_tags = self._entity_tags(orgs, lambda i: lex.organisations[i], cache)

        facts = StoryFacts(
            fields=fields,
            places={t.code: t for t in place_tags},
            place_mentions={c: m.mentions for c, m in places.items()},
            regions={t.code: t for t in region_tags},
            topics={t.code: t for t in topic_tags},
            topic_mentions=topic_mentions,
            people={t.code: t for t in people_tags},
            person_mentions={lex.people[i].code: m.mentions for i, m in people.items()},
            organisations={t.code: t for t in org_tags},
            org_mentions={lex.organisations[i].code: m.mentions for i, m in orgs.items()},
        )
        storyline_tags = self._rules.evaluate(facts)
        return build.tags(
            places=place_tags,
            regions=region_tags,
            topics=topic_tags,
            people=people_tags,
            organisations=org_tags,
            storylines=storyline_tags,
        )

    # ------------------------------------------------------------------ places

    def _place(self, places: dict[str, _Mention], code: str, weight: float, ev: Span | None,
               discounted: str | None, hub: bool = False) -> None:
        if code == discounted:
            weight *= DATELINE_DISCOUNT
        places[code].add(weight, ev, hub)

    def _dateline(self, item: WireItem, places: dict[str, _Mention]) -> str | None:
        """The country of the dateline, scored once.

        The qualifiers after the city ("PORTLAND, Ore.", "SOWETO, South Africa") are the most
        specific clue and are tried first, last one first; then the city itself, in the main
        gazetteer and then in the long list of cities that only datelines use.
        """
        lex = self._lex
        dl = item.dateline
        place = dl.place if dl and dl.place else None
        text = place or item.located
        if dl and place and dl.text and dl.text.startswith(place):
            for start, part in reversed(_qualifiers(dl.text, len(place))):
                key = key_of(part)
                code = lex.dateline_qualifiers.get(key) or lex.dateline_places.get(key)
                if code:
                    ev = (_DATELINE, start, start + len(part), "dateline_text", dl.text)
                    places[code].add(W_DATELINE * lex.hub_cities.get(key, 1.0), ev, key in lex.hub_cities)
                    return code
        if not text:
            return None
        offset = 0
        for part in text.replace("/", ",").split(","):
            stripped = part.strip()
            key = key_of(stripped) if stripped else ""
            code = (lex.dateline_places.get(key) or lex.dateline_cities.get(key)) if key else None
            if code:
                start = offset + part.index(stripped)
                ev = (_DATELINE, start, start + len(stripped), "dateline", text)
                places[code].add(W_DATELINE * lex.hub_cities.get(key, 1.0), ev, key in lex.hub_cities)
                return code
            offset += len(part) + 1
        return None

    def _reading(self, amb: Ambiguous, f: Field, start: int, end: int, ctx: set[int],
                 dateline_code: str | None = None, personal: bool = False) -> tuple[str, float] | None:
        best, best_score = None, float("-inf")
        for r in amb.readings:
            # Filed from a country, a story's ambiguous names lean to that country's reading
            # ("Georgia" in an ATLANTA story is the state).
            score = r.prior + sum(1 for c in r.context if c in ctx) + (1 if r.place and r.place == dateline_code else 0)
            if score > best_score:
                best, best_score = r, score
        if best is None or best.place is None:
            return None
        place_context = any(c in ctx for c in best.context)
        if amb.name_guard and (_inside_name(f, start, end) or (personal and not place_context)):
            return None
        if amb.person_verbs and not place_context and _next_word(f.text, end).lower() in _SPEECH:
            return None
        return best.place, best.weight

    def _place_tags(self, places: dict[str, _Mention], cache: dict) -> list[Tag]:
        top = max((m.raw for code, m in places.items() if code in self._lex.countries), default=0.0)
        bar = max(MIN_PLACE_RAW, RELEVANCE_SHARE * top)
        kept = [(code, m) for code, m in places.items()
                if m.raw >= bar and code in self._lex.countries
                and (m.raw - m.hub >= MIN_PLACE_RAW or m.raw >= HUB_ONLY_RAW)]
        kept.sort(key=lambda cm: (-cm[1].raw, cm[0]))
        tags = []
        bar = kept[0][1].raw * PRIMARY_SHARE if kept else 0.0
        for i, (code, m) in enumerate(kept):
            tags.append(build.tag(
                code=code, name=self._lex.countries[code], score=saturate(m.raw, 3.0),
                primary=i < MAX_PRIMARY and m.raw >= bar, evidence=_ordered(m.evidence, cache), country=code))
        return tags

    # ------------------------------------------------------------------ regions

    def _region_tags(self, places: dict[str, _Mention], place_tags: list[Tag],
                     mentions: dict[str, _Mention], cache: dict) -> list[Tag]:
        lex = self._lex
        raw: dict[str, _Mention] = defaultdict(_Mention)
        for t in place_tags:
            m = places[t.code]
            for code in (*lex.country_regions.get(t.code, ()), *lex.country_desks.get(t.code, ())):
                r = raw[code]
                r.raw += m.raw
                r.mentions += m.mentions
                for ev in m.evidence[:2]:
                    if len(r.evidence) < MAX_REGION_EVIDENCE:
                        r.evidence.append(ev)
        for code, m in mentions.items():
            chain = [code]
            parent = lex.regions[code].parent if code in lex.regions else None
            while parent and parent != "m49:001":
                chain.append(parent)
                parent = lex.regions[parent].parent
            for c in chain:
                r = raw[c]
                r.raw += m.raw
                r.mentions += m.mentions
                r.evidence.extend(m.evidence[: max(0, MAX_REGION_EVIDENCE - len(r.evidence))])
        # The sub-region (or narrowest region) of each primary place is a primary region.
        primary: set[str] = set()
        for t in place_tags:
            if not t.primary:
                continue
            chain = lex.country_regions.get(t.code, ())
            subregions = [c for c in chain if lex.regions[c].level == 2]
            if subregions or chain:
                primary.add(subregions[0] if subregions else chain[0])
        ordered = sorted(raw.items(), key=lambda cm: (-cm[1].raw, -lex.regions[cm[0]].level, cm[0]))
        return [
            build.tag(code=code, name=lex.regions[code].name, score=saturate(m.raw, 3.0),
                                primary=code in primary, evidence=_ordered(m.evidence, cache), country=None)
            for code, m in ordered if code in lex.regions
        ]

    # ------------------------------------------------------------------ topics

    def _topic_tags(self, fields: list[Field], item: WireItem, cache: dict) -> tuple[list[Tag], dict[str, int]]:
        lex = self._lex
        max_hits = lex.max_hits
        own: dict[int, float] = {}
        counts: dict[tuple[int, str], int] = {}
        evidence: dict[int, list[Span]] = {}
        hits_per_topic: dict[int, int] = {}
        distinct: dict[int, int] = {}  # different phrases found per topic
        strong: set[int] = set()  # topics with a phrase that names them outright
        language = _language(item)
        phrase_fields = fields if not language or language in lex.phrase_languages else []
        claimed = self._claimed_spans(phrase_fields)
        def count(idx: int, key: str, weight: float, factor: float, span: Span) -> None:
            """One hit of a topic's phrase (or ticker): at most `max_hits` per phrase."""
            k = (idx, key)
            seen = counts.get(k, 0)
            if seen >= max_hits:
                return
            counts[k] = seen + 1
            if seen == 0:
                distinct[idx] = distinct.get(idx, 0) + 1
            if weight >= STRONG_PHRASE:
                strong.add(idx)
            own[idx] = own.get(idx, 0.0) + weight * factor
            hits_per_topic[idx] = hits_per_topic.get(idx, 0) + 1
            ev = evidence.setdefault(idx, [])
            if len(ev) < MAX_TOPIC_EVIDENCE:
                ev.append(span)

        # Without English phrases for the item's language, its own language's phrases
        # (topics_local.yaml; the scan kept only those of its language) and a topic's proper
        # names (teams) still count.
        local_only = not phrase_fields
        for f in fields:
            factor = HEADLINE_FACTOR if f.name == "headline" else 1.0
            order, name, text = f.order, f.name, f.text
            for start, end, entry, key in f.topic_hits:
                if local_only and not (entry.proper or entry.lang):
                    continue
                idx = entry.ref
                if claimed:
                    # A phrase that names this topic outright counts whatever branch claimed it.
                    owner = claimed.get((order, start))
                    if owner is not None and owner != self._topic_top[idx] and entry.weight < STRONG_PHRASE:
                        continue
                count(idx, key, entry.weight, factor, (order, start, end, name, text))
        for kind, (idx, weight) in lex.evidence_topics.items():  # tickers, sports results
            find = _EVIDENCE[kind]
            for f in phrase_fields:
                factor = HEADLINE_FACTOR if f.name == "headline" else 1.0
                for start, end, key in find(f.text):
                    count(idx, key, weight, factor, (f.order, start, end, f.name, f.text))
        total = dict(own)
        passed: set[int] = set()
        active = set(own)
        for idx in own:
            active.update(self._topic_ancestors[idx])
        for idx in self._topic_order:
            if idx not in active:
                continue
            t = total.get(idx, 0.0)
            if t <= 0 or t < lex.topics[idx].min_score:
                continue
            # One generic word said three times ("talks", "government") is not a topic: it takes
            # two different phrases, or one that names the topic outright.
            if distinct.get(idx, 0) < MIN_DISTINCT and idx not in strong:
                continue
            passed.add(idx)
            parent = self._topic_parent[idx]
            if parent is not None:
                distinct[parent] = distinct.get(parent, 0) + distinct.get(idx, 0)
                if idx in strong:
                    strong.add(parent)
                total[parent] = total.get(parent, 0.0) + t
                pev = evidence.setdefault(parent, [])
                if len(pev) < MAX_TOPIC_EVIDENCE:
                    pev.extend(evidence.get(idx, [])[: MAX_TOPIC_EVIDENCE - len(pev)])
                hits_per_topic[parent] = hits_per_topic.get(parent, 0) + hits_per_topic.get(idx, 0)
        # A broad topic far weaker than the strongest one is a side remark of the story (debt
        # "talks" in an economy story): it goes, with the narrower topics under it.
        top_total = max((total[i] for i in passed if self._topic_parent[i] is None), default=0.0)
        weak = {i for i in passed if self._topic_parent[i] is None and total[i] < TOPIC_SHARE * top_total}
        if SIBLING_SHARE:
            # Likewise a narrower topic far weaker than its strongest sibling under the same broader
            # topic (a "shares" aside in a central bank story) is a side remark, unless a phrase
            # names it outright ("sanctions" in a diplomacy story).
            best: dict[int, float] = {}
            for i in passed:
                p = self._topic_parent[i]
                if p is not None and total[i] > best.get(p, 0.0):
                    best[p] = total[i]
            for i in passed:
                p = self._topic_parent[i]
                if p is not None and total[i] < SIBLING_SHARE * best[p] and i not in strong:
                    weak.add(i)
        chosen = [i for i in passed if i not in weak and not weak.intersection(self._topic_ancestors[i])]
        tops = [i for i in chosen if lex.topics[i].parent is None]
        primary = max(tops or chosen, key=lambda i: (total[i], -i)) if chosen else None
        chosen.sort(key=lambda i: (-total[i], lex.topics[i].code))
        tags = [
            build.tag(code=lex.topics[i].code, name=lex.topics[i].name, score=saturate(total[i], 4.0),
                                primary=i == primary, evidence=_ordered(evidence.get(i, []), cache), country=None)
            for i in chosen
        ]
        mentions = {lex.topics[i].code: hits_per_topic[i] for i in chosen}
        have = {t.code for t in tags}
        for subject in item.subjects:
            code = self._medtop(subject.code, subject.scheme)
            if code is None or code in have:
                continue
            have.add(code)
            idx = lex.topic_index.get(code)
            name = lex.topics[idx].name if idx is not None else (subject.name or code)
            tags.append(build.tag(code=code, name=name, score=1.0, primary=False, evidence=[], country=None))
            mentions[code] = 1
        return tags, mentions

    def _claimed_spans(self, fields: list[Field]) -> dict[tuple[int, int], int]:
        """The top-level topic each ambiguous phrase is read under. A phrase listed under topics of
        different top-level branches ("troops": armed conflict and, through armed forces, politics)
        counts only for the branch the rest of the story supports most."""
        top = self._topic_top
        branch: dict[int, float] = {}
        spans: dict[tuple[int, int], set[int]] = {}
        for f in fields:
            factor = HEADLINE_FACTOR if f.name == "headline" else 1.0
            for start, _end, entry, _key in f.topic_hits:
                t = top[entry.ref]
                branch[t] = branch.get(t, 0.0) + entry.weight * factor
                spans.setdefault((f.order, start), set()).add(t)
        out = {}
        for span, tops in spans.items():
            if len(tops) > 1:
                best = max(tops, key=lambda t: (branch[t], -t))
                out[span] = best
        return out

    def _medtop(self, code: str | None, scheme: str | None) -> str | None:
        if not code:
            return None
        code = code.strip()
        prefix, _, number = code.rpartition(":")
        prefix = prefix.lower() or (scheme or "").lower()
        if not number.isdigit() or len(number) != 8:
            return None
        if "medtop" in prefix or "mediatopic" in prefix:
            return f"medtop:{number}"
        if "subj" in prefix or "iptc" in prefix or "subject" in prefix:
            mapped = self._lex.subject_map.get(number)
            if mapped:
                return mapped
            if number.endswith("000000"):
                return f"medtop:{number}"
        return None

    # ------------------------------------------------------------------ people, organisations

    def _entity_tags(self, mentions: dict[int, _Mention], get, cache: dict) -> list[Tag]:
        ordered = sorted(((get(i), m) for i, m in mentions.items()), key=lambda om: (-om[1].raw, om[0].code))
        return [
            build.tag(code=o.code, name=o.name, score=saturate(m.raw, 2.0), primary=n == 0,
                      evidence=_ordered(m.evidence, cache), country=o.country)
            for n, (o, m) in enumerate(ordered)
        ]


# ---------------------------------------------------------------------- helpers

def _ordered(spans: list[Span], cache: dict[tuple[int, int, int], Evidence]) -> list[Evidence]:
    """Evidence objects for the spans, in text order, without repeats (shared between tags)."""
    out = []
    last = None
    for order, start, end, name, text in sorted(spans):
        key = (order, start, end)
        if key == last:
            continue
        last = key
        ev = cache.get(key)
        if ev is None:
            ev = cache[key] = build.evidence(name, start, end, text[start:end])
        out.append(ev)
    return out


_DATELINE_ENDS = (" - ", " \u2013 ", " \u2014 ", " -- ", "(Reuters)", "(AP)", "(AFP)")


def _qualifiers(text: str, after: int) -> list[tuple[int, str]]:
    """The comma-separated parts of a dateline between its city and its date or agency."""
    out = []
    pos = after
    for part in text[after:].split(",")[1:]:
        pos = text.index(part, pos)
        stripped = part.strip()
        if not stripped or any(c.isdigit() for c in stripped) or "(" in stripped or " - " in part:
            break
        out.append((pos + part.index(stripped), stripped))
        pos += len(part)
    return out


def _bureau_dateline(places: dict[str, _Mention], code: str) -> None:
    """Scale down a dateline nothing else in the story points at, when another country is the
    story's own subject: the reporter's bureau (DUBAI, NAIROBI, BANGKOK) is not what it is about."""
    m = places.get(code)
    if m is None or m.mentions != 1:
        return
    if max((x.raw for c, x in places.items() if c != code), default=0.0) >= BUREAU_OTHER:
        m.raw *= BUREAU_SHARE
        m.hub *= BUREAU_SHARE


def _personal_names(lex: Lexicon, fields: list[Field]) -> set[int]:
    """Ambiguous names (with a name guard) that stand inside a person's name somewhere in the story."""
    out: set[int] = set()
    for f in fields:
        for start, end, entry, _key in f.entities:
            if entry.kind == AMBIG and lex.ambiguous[entry.ref].name_guard and _inside_name(f, start, end):
                out.add(entry.ref)
    return out


_LIST_GLUE = frozenset({",", "and", ", and", "or", ", or", "&"})


def _enumerated_places(f: Field) -> set[int]:
    """Starts of the place names that stand in an enumeration of three or more."""
    out: set[int] = set()
    run: list[int] = []
    last_end = -1
    for start, end, entry, _key in f.entities:
        if entry.kind != PLACE and entry.kind != AMBIG:
            continue
        if run and " ".join(f.text[last_end:start].split()) not in _LIST_GLUE:
            if len(run) >= 3:
                out.update(run)
            run = []
        run.append(start)
        last_end = end
    if len(run) >= 3:
        out.update(run)
    return out


def _dateline_prefix(item: WireItem) -> int:
    """Length of the dateline the body starts with ("WASHINGTON, Dec 5 (Reuters) -"), else 0.

    The dateline is scored once, from ``item.dateline``; names inside its copy at the head of the
    body must not count a second time.
    """
    body = item.body_text
    if not body or item.dateline is None:
        return 0
    text, place = item.dateline.text, item.dateline.place
    if text and body.startswith(text):
        return len(text)
    if place and body[: len(place)].upper() == place.upper():
        head = body[:160]
        ends = [head.find(m) + len(m) for m in _DATELINE_ENDS if head.find(m) != -1]
        return min(ends) if ends else len(place)
    return 0


_ARTICLES = frozenset({"the", "a", "an"})


def _word_before(lower: str, start: int) -> tuple[str, int]:
    """The folded word ending right before ``start`` (spaces skipped) and where it starts."""
    k = start - 1
    while k >= 0 and lower[k] == " ":
        k -= 1
    j = k
    while j >= 0 and lower[j] != " ":
        j -= 1
    return lower[j + 1:k + 1], j + 1


def _cue_before(cues: tuple[str, ...], lasts: frozenset[str], lower: str, start: int) -> bool:
    """True when one of ``cues`` (folded word sequences, ``lasts`` their last words) stands
    right before ``start``, an article between them allowed ("according to the Bank of Japan")."""
    word, at = _word_before(lower, start)
    if word in _ARTICLES:
        word, at = _word_before(lower, at)
    if word not in lasts:
        return False
    before = " ".join(lower[max(0, at - 32):at + len(word)].split())
    for cue in cues:
        if before.endswith(cue) and (len(before) == len(cue) or before[-len(cue) - 1] == " "):
            return True
    return False


def _place_cue(lex: Lexicon, lower: str, start: int) -> float:
    """The factor the words before a place name give it: a listing venue (VENUE), a meeting place
    or go-between (MEETING), or 1."""
    if lex.venue_before and _cue_before(lex.venue_before, lex.venue_last, lower, start):
        return VENUE
    if lex.meeting_before and _cue_before(lex.meeting_before, lex.meeting_last, lower, start):
        return MEETING
    return 1.0


def _source_cue(lex: Lexicon, lower: str, start: int, end: int) -> bool:
    """True when the words around an organisation name make it a source ("analyst with X",
    "lead manager X", "an X economist"); ``lower`` is the field's folded text."""
    if lex.source_before and _cue_before(lex.source_before, lex.source_last, lower, start):
        return True
    if lex.source_after:
        nxt = lower[end:end + 16].split()
        if nxt and nxt[0] in lex.source_after:
            return True
    return False


_SUBSIDIARY_GAP = frozenset({"", " ", " (", "(", " <", " - "})


def _subsidiary(entities: list, i: int, text: str, country: str) -> bool:
    """True when the organisation's name is followed by another country's name or legal form,
    making the mention a local subsidiary's ("Cargill U.K. Ltd", "Sony (U.K.) Ltd", "Nestle
    Canada", "Alcan Aluminiumwerke GmbH")."""
    if i + 1 >= len(entities):
        return False
    start, _end, entry, _key = entities[i + 1]
    if entry.ref == country:
        return False
    gap = text[entities[i][1]:start]
    if entry.kind == LEGAL:
        return len(gap) < 40 and all(w[:1].isupper() or w[:1].isdigit() for w in gap.split())
    if entry.kind != PLACE or entry.weight != W_NAME:
        return False
    return gap in _SUBSIDIARY_GAP


def _name_before(text: str, start: int) -> int | None:
    """Start of the capitalised company name right before a legal form ("Coloroll Group Plc"),
    at most five words back; None when no capitalised word precedes it."""
    pos = start
    first = None
    for _ in range(5):
        j = pos
        while j > 0 and text[j - 1] in " ,":
            j -= 1
        if j == pos or j == 0:
            break
        k = j
        while k > 0 and (text[k - 1].isalnum() or text[k - 1] in "&'.-"):
            k -= 1
        word = text[k:j]
        if not word or not (word[0].isupper() or word[0].isdigit() or word[0] == "&"):
            break
        first = k
        pos = k
        if text[k - 1:k] != " ":
            break
    return first


def _next_word(text: str, end: int) -> str:
    if end >= len(text) or text[end] != " ":
        return ""
    j = end + 1
    k = j
    while k < len(text) and (text[k].isalnum() or text[k] in "'.-"):
        k += 1
    return text[j:k].rstrip(".")


def _prev_word(text: str, start: int) -> str:
    if start < 2 or text[start - 1] != " ":
        return ""
    k = start - 1
    j = k
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "'.-"):
        j -= 1
    return text[j:k]


def _inside_name(f: Field, start: int, end: int) -> bool:
    """True when the name reads as part of a person's name ("Denzel Washington", "Jordan Peterson")."""
    if f.title_case:
        return False
    prev = _prev_word(f.text, start)
    if prev and prev[0].isupper() and not prev.endswith(".") and prev.lower() not in _PREV_OK:
        return True
    nxt = _next_word(f.text, end)
    if nxt and nxt[0].isupper() and nxt.lower() not in _NEXT_OK and not nxt.isupper():
        return True
    return False


# Words that open a noun phrase: after "Russia pounds" they make "pounds" a verb with an object.
_DETERMINERS = frozenset("the a an its his her their our this that these those some several".split())
# An amount right before a country's name makes the currency reading certain ("12 mln U.S. dlrs").
_AMOUNT_WORDS = frozenset("""mln million millions bln billion billions trillion trillions thousand thousands
hundred hundreds tens pct""".split())


def _amount_before(text: str, start: int) -> bool:
    """True when a number or an amount word stands within the three words before ``start``."""
    for word in text[max(0, start - 40):start].split()[-3:]:
        w = word.strip("(),$").lower()
        if w in _AMOUNT_WORDS or any(c.isdigit() for c in w):
            return True
    return False


def _names_money(lex: Lexicon, text: str, start: int, end: int, word: str) -> bool:
    """True when the currency word after a country's name (``word``, as written) names money
    ("U.S. dlrs", "Swiss francs") rather than the country acting ("Russia pounds power grid")."""
    if _amount_before(text, start):
        return True
    if key_of(word) in lex.currency_verbs:
        return False
    # "... francs the ..." cannot be money; a currency word followed by a determiner is a verb.
    after_currency = _next_word(text, end + 1 + len(word))
    return key_of(after_currency) not in _DETERMINERS


def _adjectival(text: str, end: int) -> bool:
    nxt = _next_word(text, end)
    if not nxt or not nxt[0].islower() or nxt in _NOT_NOUN or nxt in _PAST_TENSE:
        return False
    # "Iran denied", "Russia launched": a verb in the past tense makes the country the actor.
    return not (nxt.endswith("ed") and len(nxt) > 4)


def _vocabulary(lex: Lexicon) -> Vocabulary:
    regions: dict[str, str] = {}
    for code, region in lex.regions.items():
        regions[code] = code
        kind, _, short = code.partition(":")
        regions[short] = code
        regions[key_of(region.name)] = code
        if kind == "m49":
            regions[short.lstrip("0") or "0"] = code
    people: dict[str, str] = {}
    for p in lex.people:
        people[key_of(p.name)] = people[slug(p.name)] = people[p.code] = p.code
    orgs: dict[str, str] = {}
    for o in lex.organisations:
        orgs[key_of(o.name)] = orgs[slug(o.name)] = orgs[o.code] = o.code
    return Vocabulary(
        countries=frozenset(lex.countries),
        regions=regions,
        topics=frozenset(t.code for t in lex.topics),
        people=people,
        organisations=orgs,
    )
