"""Builds ``reuters21578.json``, the dedup evaluation set (kept for provenance; not installed).

    python streams/evaluation/data/dedup/build_set.py reut2-000.sgm > reuters21578.json

Input: ``reut2-000.sgm`` of Reuters-21578, Distribution 1.0 (see SOURCES.md). Output: the real
stories used, and the labelled stream that ``wirestream eval dedup`` feeds through the
deduplicator. Variants are stored as edit operations on a real story, so the set stays small
and every edit can be read; the evaluator applies them. Every random choice comes from one
seeded generator, so a rebuild gives the same file.
"""

from __future__ import annotations

import html
import itertools
import json
import random
import re
import sys
from datetime import datetime, timedelta

sys.path.insert(0, ".")
from streams.dedup._text import canonical_text  # noqa: E402

SEED = 20250304
MIN_WORDS_VARIANT = 150  # stories long enough to carry a paragraph-level edit
MIN_WORDS_NEGATIVE = 40
VARIANT_BASES = 150
UNRELATED_BELOW = 0.3  # word-3-gram Jaccard under which two real stories count as different

OUTLETS = ["dailyherald.example", "gazette.example", "morningpost.example", "citynews.example", "ledger.example"]
# Page furniture outlets leave around wire copy, in the forms it takes (written for this set).
CLUTTER = [
    "Reporting by {name}; Editing by {editor}",
    "Read more: {other}",
    "Related: {other}",
    "Advertisement",
    "Copyright 1987 {outlet}. All rights reserved.",
    "Click here to subscribe to our business newsletter.",
    "Share this article",
]
NAMES = ["Jane Doe", "Peter Ames", "Rita Gonzales", "Tom Hale", "Ana Lima", "Kenji Mori"]
PARAPHRASES = [(" said ", " told reporters "), (" will ", " would "), (" expected ", " forecast "), (" about ", " around ")]


def parse(path: str) -> list[dict]:
    raw = open(path, encoding="latin-1").read()
    stories = []
    for attrs, doc in re.findall(r"<REUTERS (.*?)>(.*?)</REUTERS>", raw, re.S):
        def tag(name: str) -> str:
            m = re.search(f"<{name}>(.*?)</{name}>", doc, re.S)
            return m.group(1) if m else ""

        body = html.unescape(re.sub(r"&#\d+;", "", tag("BODY")))
        body = re.sub(r"\s*Reuter\s*$", "", body.strip())
        # The wire's paragraphs start with an indent; lines inside a paragraph are wrapped.
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s{3,}", body) if p.strip()]
        stamp = re.search(r"(\d{1,2}-[A-Z]{3}-\d{4})\s+(\d\d:\d\d:\d\d)", tag("DATE"))
        if stamp is None:  # a few dates in the collection are cut short
            continue
        date = datetime.strptime(f"{stamp.group(1)} {stamp.group(2)}", "%d-%b-%Y %H:%M:%S")
        stories.append(
            {
                "id": "reuters21578-" + re.search(r'NEWID="(\d+)"', attrs).group(1),
                "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "dateline": " ".join(html.unescape(tag("DATELINE")).split()).rstrip(" -"),
                "topics": re.findall(r"<D>(.*?)</D>", tag("TOPICS")),
                "headline": " ".join(html.unescape(tag("TITLE")).split()),
                "paragraphs": paragraphs,
            }
        )
    return [s for s in stories if s["paragraphs"] and s["headline"]]


def words(story: dict) -> int:
    return sum(len(p.split()) for p in story["paragraphs"])


def shingles(story: dict) -> set[tuple[str, ...]]:
    w = canonical_text(story["headline"] + " " + " ".join(story["paragraphs"])).split()
    return {tuple(w[i : i + 3]) for i in range(max(1, len(w) - 2))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / max(1, len(a | b))


def main(path: str) -> None:
    rng = random.Random(SEED)
    stories = parse(path)
    by_id = {s["id"]: s for s in stories}
    sh = {s["id"]: shingles(s) for s in stories}
    candidates = [s for s in stories if words(s) >= MIN_WORDS_NEGATIVE]
    similar = [
        (jaccard(sh[a["id"]], sh[b["id"]]), a["id"], b["id"]) for a, b in itertools.combinations(candidates, 2)
    ]
    similar = [s for s in similar if s[0] >= UNRELATED_BELOW]
    # Real re-sends: the same story sent again by the wire (Jaccard >= 0.9). Pairs between 0.3
    # and 0.9 are rewrites whose label an editor could argue about: those stories stay out.
    resend_of: dict[str, str] = {}
    ambiguous: set[str] = set()
    for j, a, b in sorted(similar, key=lambda s: (by_id[s[1]]["date"], s[1], s[2])):
        if j >= 0.9:
            first = resend_of.get(a, a)
            resend_of.setdefault(b, first)
        else:
            ambiguous.update((a, b))
    ambiguous -= set(resend_of) | set(resend_of.values())
    clean = [s for s in candidates if s["id"] not in ambiguous and s["id"] not in resend_of]

    stream: list[dict] = []

    def add(cls: str, item: dict, expect: str, of: str | None = None, replaces: str | None = None) -> None:
        stream.append({"class": cls, "item": item, "expect": {"status": expect, "of": of, "replaces": replaces}})

    def original(story: dict, cls: str = "original") -> dict:
        item = {"story": story["id"], "uri": f"urn:reuters21578:{story['id']}", "agency": "Reuters", "at": story["date"]}
        add(cls, item, "new")
        return item

    # Every clean real story as the agency sent it; real re-sends after their first copy.
    for story in sorted(clean + [by_id[i] for i in resend_of], key=lambda s: (s["date"], s["id"])):
        if story["id"] in resend_of:
            first = resend_of[story["id"]]
            add(
                "real_resend",
                {"story": story["id"], "uri": f"urn:reuters21578:{story['id']}", "agency": "Reuters", "at": story["date"]},
                "copy",
                of=f"urn:reuters21578:{first}",
            )
        else:
            # Hard negatives: other stories of the same day and dateline, same agency.
            group = [
                o for o in clean
                if o["id"] != story["id"] and o["date"][:10] == story["date"][:10] and o["dateline"] == story["dateline"]
                and o["date"] < story["date"] and (not story["topics"] or set(o["topics"]) & set(story["topics"]))
            ]
            original(story, "hard_negative" if group else "original")

    # Stories the wire itself re-sent stay out of the variants: a made-up version chain on them
    # would change what their real re-send should match.
    resent = set(resend_of.values())
    long_enough = [
        s for s in clean if words(s) >= MIN_WORDS_VARIANT and len(s["paragraphs"]) >= 4 and s["id"] not in resent
    ]
    bases = rng.sample(long_enough, min(VARIANT_BASES, len(long_enough)))
    headlines = [s["headline"] for s in stories]

    def later(story: dict, minutes: int) -> str:
        at = datetime.strptime(story["date"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(minutes=minutes)
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")

    for n, story in enumerate(bases):
        uri = f"urn:reuters21578:{story['id']}"
        outlet = OUTLETS[n % len(OUTLETS)]
        slug = re.sub(r"[^a-z0-9]+", "-", story["headline"].lower()).strip("-")[:60]

        # Exact copies: the same text typeset by someone else.
        retype = rng.choice(["upper_headline", "html", "quotes", "rewrap", "title_headline"])
        add("exact", {"story": story["id"], "uri": f"https://{outlet}/wire/{slug}", "provider": outlet, "agency": "Reuters",
                      "at": later(story, 3), "ops": [["retype", retype]]}, "duplicate", of=uri)

        # Outlet republications: own headline, page furniture around the wire copy.
        lines = rng.sample(CLUTTER, rng.randint(1, 3))
        clutter = [
            c.format(name=rng.choice(NAMES), editor=rng.choice(NAMES), other=rng.choice(headlines), outlet=outlet)
            for c in lines
        ]
        head = rng.choice([f"{story['headline'].title()}", f"{story['headline']} - {outlet.split('.')[0].title()}",
                           f"Reuters: {story['headline'].capitalize()}"])
        add("republication", {"story": story["id"], "uri": f"https://{outlet}/news/{n}/{slug}", "provider": outlet,
                              "agency": "Reuters", "at": later(story, 20),
                              "ops": [["headline", head], ["append", clutter]]}, "copy", of=uri)

        # Lightly edited copies: a trimmed last paragraph, a paraphrase, a changed figure.
        ops: list = []
        last = story["paragraphs"][-1]
        if len(last.split()) <= 0.12 * words(story):
            ops.append(["drop_paragraph", len(story["paragraphs"]) - 1])
        text = " ".join(story["paragraphs"][:-1])
        for old, new in rng.sample(PARAPHRASES, len(PARAPHRASES)):
            if old in text:
                ops.append(["replace", old.strip(), new.strip()])
                break
        numbers = re.findall(r"\b\d+(?:\.\d+)?\b", text)
        if numbers:
            num = rng.choice(numbers)
            ops.append(["replace", num, str(int(float(num)) + 1)])
        if not ops:
            ops.append(["headline", story["headline"].capitalize()])
        add("light_edit", {"story": story["id"], "uri": f"urn:outlet:{outlet}:{story['id']}", "provider": outlet,
                           "agency": "Reuters", "at": later(story, 35), "ops": ops}, "copy", of=uri)

        # Version chains (one base in three): v2 adds a paragraph, v1 arrives again late, v3
        # under a new uri names v2 (evolvedfrom), and a correction under a third uri carries the
        # agency's signal only.
        if n % 3 == 0:
            extra = rng.choice([s for s in stories if s["id"] != story["id"] and len(s["paragraphs"]) >= 2])
            added = extra["paragraphs"][1]
            first = stream.index(next(e for e in stream if e["item"].get("uri") == uri and e["class"] in
                                      ("original", "hard_negative")))
            stream[first]["item"]["version"] = "1"
            add("update", {"story": story["id"], "uri": uri, "agency": "Reuters", "version": "2", "signals": ["update"],
                           "at": later(story, 60), "ops": [["append", [added]]]}, "update", of=uri, replaces=f"{uri}@1")
            add("update", {"story": story["id"], "uri": uri, "agency": "Reuters", "version": "1", "at": later(story, 70)},
                "duplicate", of=uri)
            added2 = extra["paragraphs"][0]
            add("update", {"story": story["id"], "uri": f"{uri}-v3", "agency": "Reuters", "version": "3",
                           "evolvedfrom": uri, "signals": ["update"], "at": later(story, 90),
                           "ops": [["append", [added, added2]]]}, "update", of=uri, replaces=f"{uri}@2")
            # A correction fixes a figure (or, without one, a word) of the latest version.
            figures = re.findall(r"\b\d+(?:\.\d+)?\b", " ".join(story["paragraphs"]))
            fix = ["replace", figures[0], str(int(float(figures[0])) + 2)] if figures else ["replace", "said", "stated"]
            add("update", {"story": story["id"], "uri": f"{uri}-corr", "agency": "Reuters", "signals": ["correction"],
                           "at": later(story, 120), "ops": [["append", [added, added2]], fix]},
                "update", of=uri, replaces=f"{uri}-v3@3")

    stream.sort(key=lambda e: e["item"]["at"])
    used = {e["item"]["story"] for e in stream}
    out = {
        "source": "Reuters-21578, Distribution 1.0, reut2-000.sgm (see SOURCES.md)",
        "stories": {
            i: {k: by_id[i][k] for k in ("date", "dateline", "topics", "headline", "paragraphs")}
            for i in sorted(used, key=lambda i: int(i.rsplit("-", 1)[1]))
        },
        "stream": stream,
        # The bundled samples (streams/samples), normalised by the pipeline itself: the seed (a
        # Reuters story as an outlet republished it), a second outlet's capture of it, and
        # agencies' items in NINJS, NewsML-G2, NITF and NewsML 1.2.
        "samples": [
            {"file": "01-reuters-via-outlet-seed.txt", "class": "original", "expect": "new"},
            {"file": "02-dpa-ninjs.json", "class": "original", "expect": "new"},
            {"file": "03-newsml-g2-item.xml", "class": "original", "expect": "new"},
            {"file": "04-ntb-nitf.xml", "class": "original", "expect": "new"},
            {"file": "05-afp-newsml12.xml", "class": "original", "expect": "new"},
            {"file": "06-reuters-via-second-outlet.txt", "class": "republication", "expect": "copy",
             "of_file": "01-reuters-via-outlet-seed.txt"},
        ],
    }
    json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1])
