"""Storyline rules compiled against the lexicon, and their evaluation over one story's facts."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from streams.models import Evidence, Tag

from . import _build as build
from ._lexicon import Lexicon
from ._rules import Condition, Storyline
from ._scan import Field
from ._text import word_starts

MAX_EVIDENCE = 16


@dataclass
class StoryFacts:
    """Everything a storyline condition may look at, for one story."""

    fields: list[Field]
    places: dict[str, Tag]
    place_mentions: dict[str, int]
    regions: dict[str, Tag]
    topics: dict[str, Tag]
    topic_mentions: dict[str, int]
    people: dict[str, Tag]
    person_mentions: dict[str, int]
    organisations: dict[str, Tag]
    org_mentions: dict[str, int]
    _phrase_hits: dict[int, list[tuple[Field, int, int]]] | None = None
    _regex_hits: dict[str, list[tuple[Field, int, int]]] = field(default_factory=dict)
    _words: dict[str, list[int]] = field(default_factory=dict)

    def phrase_hits(self, pid: int) -> list[tuple[Field, int, int]]:
        if self._phrase_hits is None:
            hits: dict[int, list[tuple[Field, int, int]]] = {}
            for f in self.fields:
                for start, end, entry, _key in f.phrase_hits:
                    hits.setdefault(entry.ref, []).append((f, start, end))
            self._phrase_hits = hits
        return self._phrase_hits.get(pid, [])

    def regex_hits(self, pattern: re.Pattern[str]) -> list[tuple[Field, int, int]]:
        found = self._regex_hits.get(pattern.pattern)
        if found is None:
            found = [(f, m.start(), m.end()) for f in self.fields for m in pattern.finditer(f.text) if m.end() > m.start()]
            self._regex_hits[pattern.pattern] = found
        return found

    def word_index(self, f: Field, offset: int) -> int:
        starts = self._words.get(f.name)
        if starts is None:
            starts = self._words[f.name] = word_starts(f.lower)
        return bisect_right(starts, offset)

    def tags_for(self, kind: str) -> tuple[dict[str, Tag], dict[str, int]]:
        if kind == "places":
            return self.places, self.place_mentions
        if kind == "regions":
            return self.regions, {c: len(t.evidence) or 1 for c, t in self.regions.items()}
        if kind == "topics":
            return self.topics, self.topic_mentions
        if kind == "people":
            return self.people, self.person_mentions
        return self.organisations, self.org_mentions


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    strength: float = 0.0
    # Evidence objects (from tags) or (field, start, end) spans, turned into Evidence only
    # when the whole rule matches.
    evidence: tuple = ()


@dataclass
class _CompiledCondition:
    cond: Condition
    phrase_ids: list[int | re.Pattern[str]]

    def evaluate(self, facts: StoryFacts) -> _Outcome:
        kind = self.cond.kind
        if kind == "phrases":
            return self._phrases(facts)
        if kind == "near":
            return self._near(facts)
        return self._tags(facts, kind)

    def _tags(self, facts: StoryFacts, kind: str) -> _Outcome:
        c = self.cond
        tags, mentions = facts.tags_for(kind)
        present = [code for code in c.values if code in tags and tags[code].score >= c.min_score]
        if c.match == "all":
            ok = len(present) == len(set(c.values)) and all(mentions.get(code, 0) >= c.min_count for code in present)
        else:
            ok = bool(present) and sum(mentions.get(code, 0) for code in present) >= c.min_count
        if not ok:
            return _Outcome(False)
        strength = sum(tags[code].score for code in present) / len(present)
        evidence = tuple(e for code in present for e in tags[code].evidence[:3])
        return _Outcome(True, strength, evidence)

    def _hits(self, facts: StoryFacts, ref: int | re.Pattern[str]) -> list[tuple[Field, int, int]]:
        return facts.regex_hits(ref) if isinstance(ref, re.Pattern) else facts.phrase_hits(ref)

    def _phrases(self, facts: StoryFacts) -> _Outcome:
        c = self.cond
        per = [self._hits(facts, ref) for ref in self.phrase_ids]
        total = sum(len(h) for h in per)
        if c.match == "all":
            ok = all(len(h) >= c.min_count for h in per)
        else:
            ok = total >= c.min_count and total > 0
        if not ok:
            return _Outcome(False)
        strength = min(1.0, total / (c.min_count + 2))
        evidence = tuple(hit for hits in per for hit in hits[:5])
        return _Outcome(True, strength, evidence)

    def _near(self, facts: StoryFacts) -> _Outcome:
        c = self.cond
        first, second = (self._hits(facts, ref) for ref in self.phrase_ids)
        pairs = []
        for f1, s1, e1 in first:
            w1 = facts.word_index(f1, s1)
            for f2, s2, e2 in second:
                if f2 is not f1 or (s1, e1) == (s2, e2):
                    continue
                if abs(facts.word_index(f2, s2) - w1) <= c.within:
                    pairs.append(((f1, s1, e1), (f2, s2, e2)))
        if len(pairs) < c.min_count:
            return _Outcome(False)
        return _Outcome(True, 1.0, tuple(e for pair in pairs[:4] for e in pair))


def _evidence(item) -> Evidence:
    if isinstance(item, Evidence):
        return item
    f, start, end = item
    return build.evidence(f.name, start, end, f.text[start:end])


@dataclass
class _CompiledRule:
    rule: Storyline
    all: list[_CompiledCondition]
    any: list[_CompiledCondition]
    none: list[_CompiledCondition]

    @property
    def id(self) -> str:
        return self.rule.id

    def evaluate(self, facts: StoryFacts) -> tuple[float, list[Evidence]] | None:
        strengths: list[float] = []
        evidence: list[Evidence] = []
        for cond in self.all:
            out = cond.evaluate(facts)
            if not out.ok:
                return None
            strengths.append(out.strength)
            evidence.extend(out.evidence)
        if self.any:
            matched = [o for o in (cond.evaluate(facts) for cond in self.any) if o.ok]
            if not matched:
                return None
            strengths.extend(o.strength for o in matched)
            for o in matched:
                evidence.extend(o.evidence)
        for cond in self.none:
            if cond.evaluate(facts).ok:
                return None
        score = round(sum(strengths) / len(strengths), 4) if strengths else 0.0
        if score < self.rule.min_score:
            return None
        return score, evidence


@dataclass
class CompiledRules:
    rules: list[_CompiledRule]

    @classmethod
    def build(cls, storylines: list[Storyline], lex: Lexicon) -> CompiledRules:
        def compile_cond(cond: Condition) -> _CompiledCondition:
            refs: list[int | re.Pattern[str]] = []
            if cond.kind in ("phrases", "near"):
                for phrase in cond.values:
                    if phrase.startswith("re:"):
                        refs.append(re.compile(phrase[3:], re.IGNORECASE))
                    else:
                        refs.append(lex.phrase_id(phrase))
            return _CompiledCondition(cond, refs)

        return cls([
            _CompiledRule(rule, [compile_cond(c) for c in rule.all], [compile_cond(c) for c in rule.any],
                          [compile_cond(c) for c in rule.none])
            for rule in storylines
        ])

    def evaluate(self, facts: StoryFacts) -> list[Tag]:
        results = []
        for rule in self.rules:
            out = rule.evaluate(facts)
            if out is None:
                continue
            score, evidence = out
            results.append((score, rule, _unique_sorted([_evidence(e) for e in evidence])[:MAX_EVIDENCE]))
        results.sort(key=lambda r: (-r[0], r[1].id))
        return [
            build.tag(code=rule.id, name=rule.rule.name, score=score, primary=i == 0,
                                evidence=evidence, country=None)
            for i, (score, rule, evidence) in enumerate(results)
        ]


_ORDER = {"headline": 0, "dateline": 1, "body_text": 2}


def _unique_sorted(evidence: list[Evidence]) -> list[Evidence]:
    seen: dict[tuple[str, int, int], Evidence] = {}
    for e in evidence:
        seen.setdefault((e.field, e.start, e.end), e)
    return sorted(seen.values(), key=lambda e: (_ORDER.get(e.field, 3), e.start, e.end))
