"""Language tags: normalised when given, detected with py3langid when absent."""

from __future__ import annotations

import re
from functools import cache

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_SAMPLE = 300  # enough for news prose; the detector's cost grows with it


def normalise_tag(tag: str | None) -> str | None:
    """'en_us ' -> 'en-US'; 'nb-NO' stays; garbage -> None."""
    if not tag:
        return None
    tag = tag.strip()
    if not _TAG.match(tag):
        return None
    parts = tag.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower())
    return "-".join(out)


@cache
def _identifier():  # loaded on first use: the model takes ~1 s to load
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of the text's language, or (None, 0) for too little text."""
    sample = text[:_SAMPLE]
    if sum(ch.isalpha() for ch in sample) < 12:
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return lang, float(prob)
