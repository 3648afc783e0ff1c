"""The tagging vocabulary: data files read once and compiled into Aho-Corasick automatons.

One automaton covers every name and phrase. It runs over the story folded to lower-case words
(accents removed, punctuation made spaces) with keys written the same way and padded with
spaces, so a match always sits on word boundaries. Each key carries the entries it stands for,
with a case mode checked on the original text ("US" must be upper-case, "Chad" capitalised), so
one scan finds places, people, organisations, topic phrases, context words and storyline
phrases at once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from ._text import key_of, match_key, slug

DATA_DIR = Path(__file__).resolve().parent / "data"

# Entry kinds.
PLACE, AMBIG, BLOCK, PERSON, SURNAME, ORG, TOPIC, CTX, PHRASE, LEGAL = range(10)

# Case modes: ANY matches in any case; TITLE needs a capital first letter in the story;
# EXACT needs the exact case ("US" but not "us").
ANY, TITLE, EXACT = range(3)

# Weights of the ways a place can be mentioned.
W_NAME, W_CAPITAL, W_CITY, W_SUBNATIONAL, W_DEMONYM, W_PERSON, W_ORG = 1.0, 0.9, 0.8, 0.5, 0.6, 0.5, 0.5
# A company named with its legal form ("Fisons Plc") is named formally, once, as a party: it
# says as much as "the British company Fisons" would.
W_LEGAL = W_NAME


@dataclass(frozen=True, slots=True)
class Entry:
    kind: int
    ref: Any
    mode: int = TITLE
    weight: float = 1.0
    prefix: bool = False  # "sanction*": the key may be followed by more letters
    exact: str | None = None  # for EXACT entries: the case-kept form the story must show
    lang: str | None = None  # a local place name ("Deutschland"): only items in this language
    proper: bool = False  # a topic's proper name (a team, a competition): counts in every language


@dataclass(frozen=True)
class Reading:
    place: str | None
    prior: float
    weight: float
    context: tuple[int, ...]  # context-word ids


@dataclass(frozen=True)
class Ambiguous:
    name: str
    readings: tuple[Reading, ...]
    name_guard: bool = False
    person_verbs: bool = False


@dataclass(frozen=True)
class Person:
    code: str
    name: str
    country: str | None
    role: str | None
    surname: str
    surname_alone: bool


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    country: str | None
    kind: str | None


@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    parent: str | None
    min_score: float


@dataclass(frozen=True)
class Region:
    code: str  # "m49:419" or "desk:latam-desk"
    name: str
    parent: str | None = None  # M49 code of the broader region
    level: int = 0  # 0 world, 1 region, 2 sub-region, 3 intermediate region; desks: 9


@dataclass
class Lexicon:
    countries: dict[str, str] = field(default_factory=dict)  # code -> display name
    ambiguous: list[Ambiguous] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    topic_index: dict[str, int] = field(default_factory=dict)
    subject_map: dict[str, str] = field(default_factory=dict)
    max_hits: int = 3
    # (topic, weight) that a pattern is evidence of, by kind: "ticker" (a stock ticker: "<GM>",
    # "(NYSE: GM)") and "scoreline" (a sports result: "beat Argentina 2-1", "7-6 7-5").
    evidence_topics: dict[str, tuple[int, float]] = field(default_factory=dict)
    # Languages the topic phrases are written in (ISO 639-1): other items get only the topics their
    # source supplied ("war" is "was" in German copy).
    phrase_languages: frozenset[str] = frozenset({"en"})
    regions: dict[str, Region] = field(default_factory=dict)  # code -> region
    country_regions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ISO -> m49 codes, narrow first
    country_desks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dateline_places: dict[str, str] = field(default_factory=dict)  # key_of(name) -> country
    dateline_qualifiers: dict[str, str] = field(default_factory=dict)  # "calif." -> US (datelines only)
    dateline_cities: dict[str, str] = field(default_factory=dict)  # the long city list (datelines only)
    currency_words: frozenset[str] = frozenset()  # "dlrs": "U.S. dlrs" names money, not a place
    currency_verbs: frozenset[str] = frozenset()  # "pounds": money only with an amount before it
    hub_cities: dict[str, float] = field(default_factory=dict)  # key_of(city) -> weight factor
    bureau_cities: frozenset[str] = frozenset()  # key_of(city): regional bureaus (datelines only)
    name_words: frozenset[str] = frozenset()  # "Fund" in "the Japan Fund": the name is an organisation's
    # Country names and demonyms per country (key -> weight), to weigh organisation names that hold them.
    country_keys: dict[str, dict[str, float]] = field(default_factory=dict)
    # Words before / after an organisation that make it a source of the story ("analyst with X").
    source_before: tuple[str, ...] = ()
    source_after: frozenset[str] = frozenset()
    # Words before a place that make it where securities are listed or traded ("listed in Luxembourg").
    venue_before: tuple[str, ...] = ()
    venue_last: frozenset[str] = frozenset()  # the last words of venue_before's cues
    meeting_before: tuple[str, ...] = ()  # "talks in", "mediated by": a meeting place or a go-between
    meeting_last: frozenset[str] = frozenset()
    source_last: frozenset[str] = frozenset()  # the last words of source_before's cues
    ctx_words: dict[str, int] = field(default_factory=dict)
    phrases: dict[str, int] = field(default_factory=dict)  # storyline phrase text -> id
    entries: dict[tuple[str, bool], list[Entry]] = field(default_factory=dict)  # (key, prefix) -> entries
    automaton: Any = None

    # ------------------------------------------------------------------ building

    def add(self, phrase: str, entry: Entry) -> None:
        text = phrase.strip()
        prefix = text.endswith("*")
        if prefix:
            text = text.rstrip("*").rstrip()
        key = match_key(text)
        if not key:
            return
        exact = match_key(text, lower=False) if entry.mode == EXACT else None
        entry = Entry(entry.kind, entry.ref, entry.mode, entry.weight, prefix, exact, entry.lang, entry.proper)
        self.entries.setdefault((key, prefix), []).append(entry)

    def ctx_id(self, word: str) -> int:
        mode = EXACT if _is_acronym(word) else ANY
        key = word if mode == EXACT else key_of(word)
        if key not in self.ctx_words:
            self.ctx_words[key] = len(self.ctx_words)
            self.add(word, Entry(CTX, self.ctx_words[key], mode))
        return self.ctx_words[key]

    def phrase_id(self, phrase: str) -> int:
        if phrase not in self.phrases:
            self.phrases[phrase] = len(self.phrases)
            if not phrase.startswith("re:"):
                mode = EXACT if _is_acronym(phrase.rstrip("*")) else ANY
                self.add(phrase, Entry(PHRASE, self.phrases[phrase], mode))
        return self.phrases[phrase]

    def compile(self) -> None:
        """One automaton over space-padded keys: " key " for whole words, " key" for prefixes."""
        self.automaton = ahocorasick.Automaton()
        for (key, prefix), entries in self.entries.items():
            padded = f" {key}" if prefix else f" {key} "
            self.automaton.add_word(padded, (len(padded), prefix, key, tuple(entries)))
        if len(self.automaton):
            self.automaton.make_automaton()


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, faster


def _yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


def _plural(demonym: str) -> str | None:
    """"Venezuelans", "Israelis"; none for "Chinese", "Swiss", "British"-like forms."""
    if demonym.endswith(("ese", "ss", "sh", "ch", "s", "z")):
        return None
    return demonym + "s"


def saturate(raw: float, scale: float) -> float:
    """Map an unbounded evidence sum onto [0, 1)."""
    return round(1.0 - math.exp(-raw / scale), 4)


def load_lexicon(desk_regions_path: str | Path | None = None) -> Lexicon:
    lex = Lexicon()
    _load_places(lex)
    _load_people(lex)
    _load_organisations(lex)
    _load_topics(lex)
    _load_regions(lex, Path(desk_regions_path) if desk_regions_path else DATA_DIR / "desk_regions.yaml")
    return lex


def _load_places(lex: Lexicon) -> None:
    generated = json.loads((DATA_DIR / "places.json").read_text(encoding="utf-8"))
    curated = _yaml(DATA_DIR / "place_aliases.yaml")
    ambiguous_keys = {key_of(n) for n in curated.get("ambiguous") or {}}
    blocker_keys = {key_of(b["text"]) for b in curated.get("blockers") or []}
    reserved = ambiguous_keys | blocker_keys

    def place(name: str, code: str, weight: float, *, exact: bool = False) -> None:
        if not exact and key_of(name) in reserved:
            return
        if weight in (W_NAME, W_DEMONYM):
            keys = lex.country_keys.setdefault(code, {})
            k = match_key(name)
            keys[k] = max(weight, keys.get(k, 0.0))
        mode = EXACT if exact else (TITLE if name[:1].isupper() else ANY)
        lex.add(name, Entry(PLACE, code, mode, weight))
        lex.dateline_places.setdefault(key_of(name), code)

    for code, info in generated["countries"].items():
        extra = (curated.get("countries") or {}).get(code, {})
        lex.countries[code] = extra.get("display") or info["name"]
        exact = set(extra.get("exact", []))
        names = list(dict.fromkeys([*info["names"], *extra.get("names", [])]))
        for name in names:
            place(name, code, W_NAME, exact=name in exact)
        no_plural = set(extra.get("demonyms_no_plural", []))
        for demonym in extra.get("demonyms", []):
            place(demonym, code, W_DEMONYM)
            plural = None if demonym in no_plural else _plural(demonym)
            if plural:
                place(plural, code, W_DEMONYM)
    for city in generated["cities"]:
        place(city["name"], city["country"], W_CAPITAL if city["capital"] else W_CITY)
    for name, code in (curated.get("city_aliases") or {}).items():
        place(name, code, W_CITY)
    for code, names in (curated.get("subnational") or {}).items():
        for name in names:
            place(name, code, W_SUBNATIONAL)

    for name, spec in (curated.get("ambiguous") or {}).items():
        readings = tuple(
            Reading(
                place=r.get("place"),
                prior=float(r.get("prior", 0.0)),
                weight=float(r.get("weight", 1.0)),
                context=tuple(lex.ctx_id(w) for w in r.get("context", [])),
            )
            for r in spec["readings"]
        )
        amb = Ambiguous(name, readings, bool(spec.get("name_guard")), bool(spec.get("person_verbs")))
        lex.ambiguous.append(amb)
        lex.add(name, Entry(AMBIG, len(lex.ambiguous) - 1, TITLE))
        best = max(readings, key=lambda r: r.prior)
        if best.place:
            lex.dateline_places.setdefault(key_of(name), best.place)

    _load_local_places(lex, reserved, curated)

    for code, names in (curated.get("dateline_qualifiers") or {}).items():
        for name in names:
            lex.dateline_qualifiers[key_of(name)] = code
    lex.currency_words = frozenset(key_of(w) for w in curated.get("currency_words") or [])
    lex.currency_verbs = frozenset(key_of(w) for w in curated.get("currency_verbs") or [])
    lex.hub_cities = {key_of(k): float(v) for k, v in (curated.get("hub_cities") or {}).items()}
    lex.name_words = frozenset(key_of(w) for w in curated.get("organisation_name_words") or [])
    lex.bureau_cities = frozenset(key_of(w) for w in curated.get("bureau_cities") or [])
    lex.venue_before = tuple(sorted({match_key(c) for c in curated.get("venue_cues") or []}, key=len, reverse=True))
    lex.venue_last = frozenset(c.split()[-1] for c in lex.venue_before)
    lex.meeting_before = tuple(sorted({match_key(c) for c in curated.get("meeting_cues") or []}, key=len, reverse=True))
    lex.meeting_last = frozenset(c.split()[-1] for c in lex.meeting_before)
    generated_cities = json.loads((DATA_DIR / "dateline_cities.json").read_text(encoding="utf-8"))
    lex.dateline_cities = {key_of(k): v for k, v in generated_cities["cities"].items()}

    for blocker in curated.get("blockers") or []:
        text = blocker["text"]
        mode = TITLE if text[:1].isupper() else ANY
        lex.add(text, Entry(BLOCK, blocker.get("region"), mode))


# Languages that write a place's genitive with a plain -s ("Deutschlands", "Sveriges").
_GENITIVE_S = frozenset({"da", "de", "nb", "sv"})
# Item language tags read as the language of a local name list.
LANGUAGE_ALIASES = {"no": "nb", "nn": "nb"}


def _load_local_places(lex: Lexicon, reserved: set[str], curated: dict[str, Any]) -> None:
    """Country and city names as other languages write them (local_place_names.json, from CLDR)
    and their demonyms (``local_demonyms`` in place_aliases.yaml), each for items in its language
    only. A capitalised name the English gazetteer already has is left to it, whatever it means
    there, and a form is loaded once per language."""
    local = json.loads((DATA_DIR / "local_place_names.json").read_text(encoding="utf-8"))["languages"]
    english = {key for key, _prefix in lex.entries}
    loaded: set[tuple[str, str]] = set()  # (key, language)

    def place(name: str, code: str, weight: float, lang: str, *, genitive: bool = True) -> None:
        forms = [name]
        if genitive and lang in _GENITIVE_S and name[-1:] not in "sxzß":
            forms.append(name + "s")
        for form in forms:
            key = match_key(form)
            # A capitalised form the English gazetteer has is found by its entry already; a
            # lower-case one ("israelí", "china") adds the lower case, in this language only.
            capital = form[:1].isupper()
            if key_of(form) in reserved or (capital and key in english) or (key, lang) in loaded:
                continue
            loaded.add((key, lang))
            lex.add(form, Entry(PLACE, code, TITLE if capital else ANY, weight, lang=lang))
            lex.dateline_places.setdefault(key_of(form), code)

    for lang, spec in local.items():
        for code, names in spec["countries"].items():
            for name in names:
                place(name, code, W_NAME, lang)
        for name, city in spec["cities"].items():
            place(name, city["country"], W_CAPITAL if city["capital"] else W_CITY, lang)
    for lang, by_code in (curated.get("local_demonyms") or {}).items():
        for code, forms in by_code.items():
            for form in forms:
                place(str(form), code, W_DEMONYM, LANGUAGE_ALIASES.get(lang, lang), genitive=False)


def _load_people(lex: Lexicon) -> None:
    for spec in _yaml(DATA_DIR / "people.yaml")["people"]:
        name = spec["name"]
        surname = spec.get("surname") or name.split()[-1]
        person = Person(
            code=f"person:{slug(name)}",
            name=name,
            country=spec.get("country"),
            role=spec.get("role"),
            surname=surname,
            surname_alone=bool(spec.get("surname_alone")),
        )
        lex.people.append(person)
        idx = len(lex.people) - 1
        fulls = list(dict.fromkeys([name, *spec.get("aliases", [])]))
        shorts = [s for s in dict.fromkeys([surname, *spec.get("surnames", [])]) if key_of(s) != key_of(name)]
        for full in fulls:
            lex.add(full, Entry(PERSON, idx, TITLE if full[:1].isupper() else ANY))
        for short in shorts:
            lex.add(short, Entry(SURNAME, idx, TITLE if short[:1].isupper() else ANY))
        known = {match_key(f) for f in fulls + shorts}
        # Spellings of one language ("Poutine", "Selenskyj"): only on items in that language, where
        # the English spelling's checks would not find them and other languages' words might.
        for lang, forms in (spec.get("local") or {}).items():
            for form in forms:
                if match_key(form) in known:  # spelled as in English ("Vladímir Putin"): found already
                    continue
                kind = PERSON if " " in form.strip() else SURNAME
                lex.add(form, Entry(kind, idx, TITLE, lang=LANGUAGE_ALIASES.get(lang, lang)))


def _load_organisations(lex: Lexicon) -> None:
    """Institutions (organisations.yaml) and companies (companies.yaml), one list of organisations.

    An organisation's mention counts for its country with the weight of an organisation
    (W_ORG), or, when its name holds its country's own name or demonym ("Bank of Japan",
    "Indian Oil"), with that name's weight: naming the organisation must not weigh less than
    the name inside it would have.
    """
    companies = _yaml(DATA_DIR / "companies.yaml")
    institutions_file = _yaml(DATA_DIR / "organisations.yaml")
    institutions = institutions_file["organisations"]
    topic_word_kinds = frozenset(institutions_file.get("topic_word_kinds") or ())
    specs = [*((s, False) for s in institutions), *((s, True) for s in companies["companies"])]
    cues = companies.get("source_cues") or {}
    # Legal forms that name a company's country ("Fisons Plc", "Nippon Kokan KK", "Alcan GmbH"):
    # matched with their exact case, counted by the tagger after a capitalised name only.
    for code, forms in (companies.get("legal_forms") or {}).items():
        for form in forms:
            lex.add(form, Entry(LEGAL, str(code), EXACT, W_LEGAL))
    lex.source_before = tuple(sorted({match_key(c) for c in cues.get("before", [])}, key=len, reverse=True))
    lex.source_after = frozenset(match_key(c) for c in cues.get("after", []))
    lex.source_last = frozenset(c.split()[-1] for c in lex.source_before)
    seen: dict[str, str] = {}
    for spec, is_company in specs:
        name = spec["name"]
        code = f"org:{slug(name)}"
        if code in seen:
            raise ValueError(f"organisation {name!r} is listed twice (as {seen[code]!r})")
        seen[code] = name
        country = spec.get("country")
        org = Organisation(code=code, name=name, country=country, kind=spec.get("kind"))
        lex.organisations.append(org)
        idx = len(lex.organisations) - 1
        exact = set(spec.get("exact", []))
        context = spec.get("context") or {}
        own = lex.country_keys.get(country, {}) if country else {}
        # A business's name says what it does ("Chemical Bank", "Mobil Oil", "Korean Air Lines"),
        # and so does an agency's ("Agriculture Department"): the topic words inside them stay
        # topic evidence. Inside other institutions' names ("European Union", "Wagner Group")
        # they do not count.
        keeps_topics = is_company or org.kind in topic_word_kinds
        for alias in dict.fromkeys([name, *spec.get("aliases", [])]):
            needs = tuple(lex.ctx_id(w) for w in context.get(alias, [])) or None
            mode = EXACT if alias in exact else (TITLE if alias[:1].isupper() else ANY)
            lex.add(alias, Entry(ORG, (idx, needs, keeps_topics), mode, _contained_weight(match_key(alias), own)))


def _contained_weight(key: str, own: dict[str, float]) -> float:
    """W_ORG, or the weight of the country's own name or demonym the alias holds, if higher."""
    best = W_ORG
    if own:
        words = key.split()
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + 5) + 1):
                best = max(best, own.get(" ".join(words[i:j]), 0.0))
    return best


def _load_topics(lex: Lexicon) -> None:
    spec = _yaml(DATA_DIR / "topics.yaml")
    default_min = float(spec.get("default_min_score", 2.0))
    lex.max_hits = int(spec.get("max_hits", 3))
    lex.phrase_languages = frozenset(str(code).lower() for code in spec.get("phrase_languages", ["en"]))
    lex.subject_map = {str(k): str(v) for k, v in (spec.get("subject_map") or {}).items()}
    for t in spec["topics"]:
        topic = Topic(code=t["code"], name=t["name"], parent=t.get("parent"),
                      min_score=float(t.get("min_score", default_min)))
        lex.topics.append(topic)
        idx = len(lex.topics) - 1
        lex.topic_index[topic.code] = idx
        _add_topic_phrases(lex, idx, t.get("phrases") or {})
    for kind in ("ticker", "scoreline"):
        rule = spec.get(kind) or {}
        if rule.get("topic") in lex.topic_index:
            lex.evidence_topics[kind] = (lex.topic_index[rule["topic"]], float(rule.get("weight", 1.0)))
    _load_teams(lex)
    _load_local_topics(lex)


def _load_local_topics(lex: Lexicon) -> None:
    """Topic phrases of other languages (topics_local.yaml), each for items in its language."""
    spec = _yaml(DATA_DIR / "topics_local.yaml")
    for lang, topics in (spec.get("languages") or {}).items():
        lang = LANGUAGE_ALIASES.get(str(lang), str(lang))
        for code, phrases in topics.items():
            # A KeyError names a code topics.yaml does not have.
            _add_topic_phrases(lex, lex.topic_index[code], phrases, lang=lang)


def _add_topic_phrases(lex: Lexicon, idx: int, phrases: dict[Any, Any], *, lang: str | None = None) -> None:
    """A topic's phrases ({phrase: weight}): case-insensitive, acronyms ("NBA") in their case."""
    for phrase, weight in phrases.items():
        phrase = str(phrase)
        mode = EXACT if _is_acronym(phrase.rstrip("*")) else ANY
        lex.add(phrase, Entry(TOPIC, idx, mode, float(weight), lang=lang))


def _load_teams(lex: Lexicon) -> None:
    """Teams, clubs and competitions (sports_teams.yaml): proper names, phrases of their topic in
    every language. One already listed as an English phrase of the topic becomes proper, with
    the larger weight, rather than a second entry (which would count every mention twice)."""
    spec = _yaml(DATA_DIR / "sports_teams.yaml")
    idx = lex.topic_index[spec["topic"]]
    names = [(str(n), float(spec["competition_weight"])) for n in spec.get("competitions") or []]
    names += [(str(n), float(spec["team_weight"])) for teams in (spec.get("leagues") or {}).values()
              for team in teams for n in team]
    for name, weight in names:
        mode = EXACT if _is_acronym(name) else (TITLE if name[:1].isupper() else ANY)
        slot = lex.entries.get((match_key(name), False), [])
        same = [e for e in slot if e.kind == TOPIC and e.ref == idx]
        for e in same:
            slot.remove(e)
            weight = max(weight, e.weight)
        lex.add(name, Entry(TOPIC, idx, mode, weight, proper=True))


def _load_regions(lex: Lexicon, desk_path: Path) -> None:
    spec = _yaml(DATA_DIR / "m49.yaml")["regions"]
    parents: dict[str, str | None] = {}
    for code, info in spec.items():
        code = str(code).zfill(3)
        parents[code] = str(info["parent"]).zfill(3) if info.get("parent") else None
    def level(code: str) -> int:
        n, p = 0, parents[code]
        while p is not None:
            n, p = n + 1, parents[p]
        return n
    for code, info in spec.items():
        code = str(code).zfill(3)
        lex.regions[f"m49:{code}"] = Region(f"m49:{code}", info["name"],
                                            f"m49:{parents[code]}" if parents[code] else None, level(code))
        chain = []
        c: str | None = code
        while c is not None and c != "001":
            chain.append(f"m49:{c}")
            c = parents[c]
        for country in info.get("countries", []):
            lex.country_regions[str(country)] = tuple(chain)
    desks = _yaml(desk_path) or {}
    country_desks: dict[str, list[str]] = {}
    for desk in desks.get("desks", []):
        code = f"desk:{desk['id']}"
        lex.regions[code] = Region(code, desk.get("name") or desk["id"], None, 9)
        members: set[str] = set()
        for member in desk.get("members", []):
            member = str(member)
            if member.startswith("m49:") or member.isdigit():
                m49 = member if member.startswith("m49:") else f"m49:{member.zfill(3)}"
                members.update(c for c, chain in lex.country_regions.items() if m49 in chain)
            else:
                members.add(member.upper())
        members -= {str(c).upper() for c in desk.get("exclude", [])}
        for country in members:
            country_desks.setdefault(country, []).append(code)
    lex.country_desks = {c: tuple(sorted(d)) for c, d in country_desks.items()}
