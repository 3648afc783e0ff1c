"""Text canonicalisation, fingerprints, MinHash and LSH parameters: stable and accurate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import html
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.dedup import fingerprint_text
from streams.dedup._minhash import MinHasher, band_keys, encode_signature, estimate_similarity, lsh_params
from streams.dedup._text import _SEP_BMP, _TAG, _fold_astral, canonical_text

ROOT = Path(__file__).resolve().parents[2]


def test_canonical_text_folds_case_markup_punctuation_and_compatibility_forms():
    assert canonical_text("<p>Maduro\u2019s  \u201cGOVERNMENT\u201d &amp; drug-smuggling&nbsp;\u2014 5.2%</p>") == (
        "maduro s government drug smuggling 5 2"
    )
    assert canonical_text("\uff21\uff4e\uff54\uff57\uff45\uff52\uff50 \ufb01nal") == "antwerp final"  # NFKC
    assert canonical_text("Stra\u00dfe STRASSE") == "strasse strasse"  # case folding, not lower()
    assert canonical_text("a < b > c") == "a b c"  # not mistaken for a tag
    assert canonical_text("snake_case \U0001f600emoji") == "snake case emoji"


def _canonical_reference(text: str | None) -> str:
    """canonical_text as first written (one regex substitution for every text): the ASCII fast
    path and the findall form must give exactly this."""
    if not text:
        return ""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _SEP_BMP.sub(" ", text)
    if not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text):
        text = _fold_astral(text)
    return " ".join(text.split())


_TEXT_PIECES = st.sampled_from(
    ["Ships", "QUEUE", "off", "Antwerp", "-", "--", ",", ".", " ", "  ", "\n", "\t", "_", "'", "5.2%", "<p>", "</b>",
     "&amp;", "&nbsp;", "a < b", "\u2019", "\u201c", "\u2014", "\u00a0", "Stra\u00dfe", "\uff21", "\ufb01", "Cafe\u0301",
     "\u0939\u093f\u0928\u094d", "\U0001f600", "\U0001d400", "\x00", "\x7f", "\u3000", "\u0130", "\u212a"]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(_TEXT_PIECES, max_size=30).map("".join), st.text(max_size=200)))
def test_canonical_text_matches_the_reference(text):
    assert canonical_text(text) == _canonical_reference(text)


def test_canonical_text_matches_the_reference_on_the_corpus():
    from streams.bench.pipeline import corpus
    from streams.normalise import normalise

    for raw in corpus(300):
        result = normalise(raw)
        for item in result if isinstance(result, list) else []:
            for text in (item.headline, item.body_text, item.description_text):
                assert canonical_text(text) == _canonical_reference(text)


def test_combining_marks_stay_inside_words():
    assert canonical_text("\u0939\u093f\u0928\u094d\u0926\u0940 \u0938\u092e\u093e\u091a\u093e\u0930").split() == [
        "\u0939\u093f\u0928\u094d\u0926\u0940",
        "\u0938\u092e\u093e\u091a\u093e\u0930",
    ]
    assert canonical_text("Cafe\u0301") == canonical_text("Caf\u00e9")


def test_fingerprint_ignores_presentation_but_not_words():
    fp = fingerprint_text("Ships queue off Antwerp", "Dockworkers walked out on Tuesday.")
    assert fp == fingerprint_text("<h1>SHIPS QUEUE OFF ANTWERP</h1>", "  Dockworkers walked out -- on Tuesday!\n")
    assert fp != fingerprint_text("Ships queue off Antwerp", "Dockworkers walked out on Wednesday.")
    # the headline/body boundary counts
    assert fingerprint_text("a b", "c") != fingerprint_text("a", "b c")
    assert len(fp) == 32 and int(fp, 16) >= 0


def test_hashes_are_pinned():
    """Stored state outlives deployments: a change here invalidates every table. Bump the hash
    version in _dedup.py (m:params) if these must change."""
    assert fingerprint_text("Hello, World!", "Body text.") == "386b0e95f8062057e2c32d4989e03a9e"
    sig = MinHasher(128).signature("the quick brown fox jumps over the lazy dog")
    assert encode_signature(sig)[:24] == "JXTyuWfIHh8XidwJEiSyyhUY"
    assert band_keys(sig, 16, 8)[0] == "b:0:OmMylcxyymI"


def test_hashes_do_not_depend_on_the_process(tmp_path):
    code = (
        "from streams.dedup import fingerprint_text\n"
        "from streams.dedup._minhash import MinHasher, encode_signature\n"
        "print(fingerprint_text('Ships queue', 'Dockworkers walked out on Tuesday.'))\n"
        "print(encode_signature(MinHasher(128).signature('dockworkers walked out on tuesday at antwerp')))\n"
    )
    outputs = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
        outputs.add(run.stdout)
    here = (
        fingerprint_text("Ships queue", "Dockworkers walked out on Tuesday.")
        + "\n"
        + encode_signature(MinHasher(128).signature("dockworkers walked out on tuesday at antwerp"))
        + "\n"
    )
    assert outputs == {here}


def _shingles(text: str, k: int = 3) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def test_estimated_similarity_tracks_exact_jaccard():
    rng = np.random.default_rng(7)
    vocabulary = [f"w{i}" for i in range(3000)]
    hasher = MinHasher(128)
    errors = []
    for _ in range(60):
        base = list(rng.choice(vocabulary, 300))
        other = list(base)
        for _ in range(int(rng.integers(0, 120))):
            other[int(rng.integers(0, 300))] = str(rng.choice(vocabulary))
        a, b = " ".join(base), " ".join(other)
        exact = len(_shingles(a) & _shingles(b)) / len(_shingles(a) | _shingles(b))
        errors.append(estimate_similarity(hasher.signature(a), hasher.signature(b)) - exact)
    errors = np.array(errors)
    assert abs(errors.mean()) < 0.02
    assert errors.std() < 0.06  # theory for 128 permutations: <= 0.044


def test_identical_and_disjoint_texts():
    hasher = MinHasher(128)
    a = hasher.signature("one two three four five six")
    assert estimate_similarity(a, a) == 1.0
    assert estimate_similarity(a, hasher.signature("seven eight nine ten eleven twelve")) < 0.1
    assert hasher.signature("") is None


@pytest.mark.parametrize(("threshold", "expected"), [(0.7, (16, 8)), (0.6, (21, 6))])
def test_lsh_params(threshold, expected):
    bands, rows = lsh_params(threshold, 128)
    assert (bands, rows) == expected
    assert bands * rows <= 128


def _signature_reference(hasher: MinHasher, text: str) -> np.ndarray:
    """The whole shingles x permutations product at once, as the signature was first computed."""
    x = hasher.shingle_hashes(text) + np.uint64(1 << 32)
    with np.errstate(over="ignore"):
        low = np.minimum.reduce(np.multiply.outer(x, hasher._a), axis=0)
    return ((low >> np.uint64(32)) & np.uint64(0xFF)).astype(np.uint8)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=1600), st.integers(min_value=0, max_value=2**32))
def test_signature_in_blocks_equals_the_whole_product(words, seed):
    # Long stories are multiplied in blocks of rows through one reused buffer: the same minima.
    rng = np.random.default_rng(seed)
    text = " ".join(f"w{n}" for n in rng.integers(0, 5000, size=words))
    hasher = MinHasher(128)
    signature, size = hasher.signature_and_size(text)
    assert size == max(1, words - 2)
    assert np.array_equal(signature, _signature_reference(hasher, text))
    # The buffer is reused, never shared: an earlier result is not overwritten by a later call.
    again = signature.copy()
    hasher.signature_and_size("another text entirely " * 300)
    assert np.array_equal(signature, again)
