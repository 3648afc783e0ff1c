"""Synthetic wire items for load, fault and throughput runs.

Every generated story is distinct (random word sequences give near-zero shingle overlap), so
dedup must call each one `new`, and a reconciliation by id can tell lost from repeated items.
The formats rotate through ninjs, NITF and plain-text captures with a dateline, so each run
exercises several parsers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson

from ..models import RawItem, stable_id

_SYLLABLES = (
    "ka", "to", "ri", "ma", "ne", "so", "lu", "va", "de", "pi", "ro", "ta", "mi", "no", "be",
    "sa", "le", "gu", "fa", "zo", "ch", "an", "el", "or", "is", "un", "et", "al", "im", "os",
)
_CITIES = ("WASHINGTON", "LONDON", "PARIS", "TOKYO", "NAIROBI", "BRASILIA", "CANBERRA", "DELHI", "CAIRO", "LIMA")
_AGENCIES = ("Reuters", "AP", "AFP", "Kyodo", "dpa")


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _sentence(rng: random.Random, vocab: list[str]) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(12, 24))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraphs(rng: random.Random, vocab: list[str], count: int) -> list[str]:
    return [" ".join(_sentence(rng, vocab) for _ in range(rng.randint(2, 3))) for _ in range(count)]


def _ninjs(uri: str, headline: str, paragraphs: list[str], when: datetime) -> bytes:
    return orjson.dumps(
        {
            "uri": uri,
            "version": "1",
            "versioncreated": when.isoformat(),
            "pubstatus": "usable",
            "language": "en",
            "headline": headline,
            "body_text": "\n\n".join(paragraphs),
        }
    )


def _nitf(uri: str, headline: str, paragraphs: list[str], when: datetime) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    stamp = when.strftime("%Y%m%dT%H%M%S+0000")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<nitf><head><title>{headline}</title><docdata><doc-id id-string="{uri}"/>'
        f'<date.issue norm="{stamp}"/></docdata></head>'
        f"<body><body.head><hedline><hl1>{headline}</hl1></hedline></body.head>"
        f"<body.content>{body}</body.content></body></nitf>"
    ).encode()


def _text(city: str, agency: str, paragraphs: list[str], when: datetime) -> bytes:
    lead = f"{city}, {when.strftime('%b')} {when.day} ({agency}) - {paragraphs[0]}"
    return "\n\n".join([lead, *paragraphs[1:]]).encode()


def synthetic_items(count: int, *, seed: int = 7, source: str = "synthetic", paragraphs: int = 6) -> Iterator[RawItem]:
    """`count` distinct RawItems with deterministic ids (same seed, same items)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    base = datetime(2025, 12, 6, tzinfo=UTC)
    for n in range(count):
        when = base + timedelta(seconds=n)
        paras = _paragraphs(rng, vocab, paragraphs)
        headline = " ".join(rng.choice(vocab) for _ in range(8)).capitalize()
        uri = f"urn:synthetic:{seed}:{n}"
        kind = n % 3
        if kind == 0:
            payload, hint = _ninjs(uri, headline, paras, when), "ninjs"
        elif kind == 1:
            payload, hint = _nitf(uri, headline, paras, when), "nitf"
        else:
            payload, hint = _text(rng.choice(_CITIES), rng.choice(_AGENCIES), paras, when), "text"
        yield RawItem.from_bytes(payload, id=stable_id(source, str(seed), str(n)), source=source, format_hint=hint)
