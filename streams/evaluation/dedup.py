"""`wirestream eval dedup`: the deduplicator's decisions against a labelled stream of real stories.

The set (``data/dedup/reuters21578.json``; provenance, licence and construction in
``data/dedup/SOURCES.md``) holds real Reuters wire stories of 26 February - 3 March 1987 and a
stream of items made from them, each labelled with the decision an editor expects:

=============== ============================================================ =============
class           items                                                        expected
=============== ============================================================ =============
original        a real story, the first time it is seen                      new
hard_negative   a real story after others of the same day, dateline and      new
                agency (and topic, when it has one)
real_resend     the wire sending a story again (real, found in the corpus)   copy
exact           a story re-typeset: case, markup, quotes, line wrapping      duplicate
republication   an outlet's copy: its own headline and page furniture        copy
light_edit      a trimmed last paragraph, a paraphrase, a changed figure     copy
update          version chains: v2 (same uri), v1 again, v3 (evolvedfrom),   update /
                a correction under a new uri with the agency's signal only   duplicate
=============== ============================================================ =============

A *copy* is `duplicate` or `near_duplicate`; either way it must name the story's first-seen
item. Every item runs through one `Deduplicator` in arrival order, with the clock at the
item's time, so a false match anywhere in the stream counts.

Per class: *recall* is the share of the class's items decided as labelled (status, the story
named, and for updates the version replaced); *precision* is the share of the class's positive
decisions (a copy or an update) that are right. The summary pools copy decisions over the whole
stream: precision counts every item wrongly flagged as a copy, originals and hard negatives
included.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import click

from streams.dedup import Deduplicator
from streams.models import Dateline, DedupInfo, DedupStatus, ItemSource, WireItem

CLASSES = ("original", "hard_negative", "real_resend", "exact", "republication", "light_edit", "update")
# The issue's aims: recall on exact copies and version chains 1.0; near-duplicates recall 0.95;
# precision of copy decisions 0.99.
AIMS = {"exact_recall": 1.0, "update_recall": 1.0, "near_recall": 0.95, "copy_precision": 0.99}
NEAR_CLASSES = ("republication", "light_edit", "real_resend")
_COPY = (DedupStatus.duplicate, DedupStatus.near_duplicate)


def data_path() -> Path:
    return Path(str(resources.files("streams.evaluation") / "data" / "dedup" / "reuters21578.json"))


def load_set(path: str | Path | None = None) -> dict[str, Any]:
    return json.loads(Path(path or data_path()).read_text(encoding="utf-8"))


# ------------------------------------------------------------------ building items


def _retype(kind: str, headline: str, paragraphs: list[str]) -> tuple[str, list[str]]:
    """The same text as another system would typeset it: no word changes."""
    if kind == "upper_headline":
        return headline.upper(), paragraphs
    if kind == "title_headline":
        return headline.title(), paragraphs
    if kind == "html":
        return f"<b>{headline}</b>", [f'<p class="story">{p}</p>' for p in paragraphs]
    if kind == "quotes":
        def curl(p: str) -> str:
            p = re.sub(r'"(\S)', "\u201c\\1", p).replace('"', "\u201d")
            return p.replace("'", "\u2019").replace(" - ", " \u2013 ")

        return headline, [curl(p) for p in paragraphs]
    if kind == "rewrap":
        wrapped = []
        for p in paragraphs:
            lines, line = [], ""
            for word in p.split():
                if len(line) + len(word) > 58:
                    lines.append(line)
                    line = ""
                line = f"{line} {word}".strip()
            wrapped.append("    " + "\n".join([*lines, line]))
        return headline, wrapped
    raise ValueError(f"unknown retype {kind!r}")


def build_item(entry: dict[str, Any], stories: dict[str, Any], index: int) -> WireItem:
    spec = entry["item"]
    story = stories[spec["story"]]
    headline, paragraphs = story["headline"], list(story["paragraphs"])
    for op, *args in spec.get("ops", []):
        if op == "retype":
            headline, paragraphs = _retype(args[0], headline, paragraphs)
        elif op == "headline":
            headline = args[0]
        elif op == "append":
            paragraphs.extend(args[0])
        elif op == "drop_paragraph":
            del paragraphs[args[0]]
        elif op == "replace":
            old, new = args
            pattern = re.compile(rf"(?<![\w.]){re.escape(old)}(?![\w])")
            for i, p in enumerate(paragraphs):
                if pattern.search(p):
                    paragraphs[i] = pattern.sub(new, p, count=1)
                    break
        else:
            raise ValueError(f"unknown op {op!r}")
    at = datetime.strptime(spec["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return WireItem(
        uri=spec["uri"],
        raw_id=f"eval-dedup-{index}",
        format="eval",
        version=spec.get("version"),
        versioncreated=at,
        headline=headline,
        body_text="\n\n".join(paragraphs),
        dateline=Dateline(place=story["dateline"].split(",")[0] or None, text=story["dateline"] or None),
        source=ItemSource(agency=spec.get("agency"), provider=spec.get("provider") or spec.get("agency")),
        signals=spec.get("signals", []),
        evolvedfrom=spec.get("evolvedfrom"),
        received_at=at,
        language="en",
    )


def _sample_items(samples: list[dict[str, Any]], *, after: datetime) -> list[tuple[dict[str, Any], WireItem]]:
    """The bundled samples (the seed among them) through the real normaliser, in order; an
    entry's ``of_file`` names the sample whose item it copies."""
    from datetime import timedelta

    from streams.models import RawItem
    from streams.normalise import normalise

    folder = resources.files("streams") / "samples"
    out: list[tuple[dict[str, Any], WireItem]] = []
    uris: dict[str, str] = {}
    for n, sample in enumerate(samples):
        data = (folder / sample["file"]).read_bytes()
        raw = RawItem.from_bytes(
            data, source="eval", id=f"eval-sample-{n}", filename=sample["file"], received_at=after + timedelta(minutes=n + 1)
        )
        [item] = normalise(raw)
        uris[sample["file"]] = item.uri
        of = uris.get(sample.get("of_file", ""))
        out.append(({"class": sample["class"], "expect": {"status": sample["expect"], "of": of, "replaces": None}}, item))
    return out


# ------------------------------------------------------------------ scoring


@dataclass
class ClassScore:
    name: str
    items: int = 0
    right: int = 0
    positives: int = 0  # decided as a copy or an update
    right_positives: int = 0

    @property
    def recall(self) -> float:
        return self.right / self.items if self.items else 0.0

    @property
    def precision(self) -> float | None:
        return self.right_positives / self.positives if self.positives else None


def is_right(entry: dict[str, Any], info: DedupInfo) -> bool:
    expect = entry["expect"]
    status = expect["status"]
    if status == "new":
        return info.status == DedupStatus.new
    if status == "copy":
        ok = info.status in _COPY
    else:
        ok = info.status == DedupStatus(status)
    if ok and expect.get("of") is not None:
        ok = info.duplicate_of == expect["of"]
    if ok and expect.get("replaces") is not None:
        ok = info.replaces == expect["replaces"]
    return ok


def evaluate(data: dict[str, Any], *, threshold: float = 0.8) -> dict[str, Any]:
    now = [datetime(1987, 1, 1, tzinfo=UTC)]
    dedup = Deduplicator({}, threshold=threshold, clock=lambda: now[0])
    scores = {name: ClassScore(name) for name in CLASSES}
    mistakes: list[dict[str, Any]] = []
    copies = Counter()

    def score(entry: dict[str, Any], item: WireItem) -> None:
        now[0] = item.received_at
        info = dedup.decide(item)
        s = scores[entry["class"]]
        right = is_right(entry, info)
        s.items += 1
        s.right += right
        if info.status != DedupStatus.new:
            s.positives += 1
            s.right_positives += right
        expected_copy = entry["expect"]["status"] in ("copy", "duplicate")
        if info.status in _COPY:
            copies["flagged"] += 1
            copies["flagged_right"] += right and expected_copy
        if expected_copy:
            copies["expected"] += 1
            copies["found"] += right
        if not right:
            got = info.model_dump(mode="json")
            mistakes.append({"class": entry["class"], "uri": item.uri, "expected": entry["expect"], "got": got})

    for index, entry in enumerate(data["stream"]):
        score(entry, build_item(entry, data["stories"], index))
    for entry, item in _sample_items(data.get("samples", []), after=now[0]):
        score(entry, item)
    near = [scores[c] for c in NEAR_CLASSES]
    summary = {
        "items": sum(s.items for s in scores.values()),
        "copy_precision": copies["flagged_right"] / copies["flagged"] if copies["flagged"] else 0.0,
        "copy_recall": copies["found"] / copies["expected"] if copies["expected"] else 0.0,
        "near_recall": sum(s.right for s in near) / sum(s.items for s in near),
        "exact_recall": scores["exact"].recall,
        "update_recall": scores["update"].recall,
        "threshold": threshold,
    }
    summary["aims_met"] = all(summary[k] >= v for k, v in AIMS.items())
    return {"classes": scores, "summary": summary, "mistakes": mistakes}


def render(result: dict[str, Any]) -> str:
    lines = [
        f"{'class':<14} {'items':>6} {'right':>6} {'recall':>7} {'precision':>9}",
        f"{'-' * 14} {'-' * 6} {'-' * 6} {'-' * 7} {'-' * 9}",
    ]
    for s in result["classes"].values():
        precision = "-" if s.precision is None else f"{s.precision:.3f}"
        lines.append(f"{s.name:<14} {s.items:>6} {s.right:>6} {s.recall:>7.3f} {precision:>9}")
    sm = result["summary"]
    lines += [
        "",
        f"copy decisions over all {sm['items']} items: precision {sm['copy_precision']:.3f}, recall {sm['copy_recall']:.3f}",
        f"near-duplicates (republication, light_edit, real_resend): recall {sm['near_recall']:.3f}",
        f"exact copies: recall {sm['exact_recall']:.3f}; version chains: recall {sm['update_recall']:.3f}",
        "aims (copy precision >= 0.99, near recall >= 0.95, exact and version recall 1.0): "
        + ("met" if sm["aims_met"] else "NOT met"),
    ]
    return "\n".join(lines)


@click.command("dedup")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Another labelled set in the same format (default: the shipped one).")
@click.option("--threshold", default=0.8, show_default=True, help="Near-duplicate threshold (WIRE_DEDUP_THRESHOLD).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
@click.option("--mistakes", is_flag=True, help="Also list every wrong decision.")
@click.option("--check", is_flag=True, help="Exit 1 when an aim is not met.")
def dedup(data_file: Path | None, threshold: float, as_json: bool, mistakes: bool, check: bool) -> None:
    """Precision and recall of the dedup decisions per class, on real wire stories."""
    result = evaluate(load_set(data_file), threshold=threshold)
    if as_json:
        out = {
            "summary": result["summary"],
            "classes": {
                s.name: {"items": s.items, "right": s.right, "recall": s.recall, "precision": s.precision}
                for s in result["classes"].values()
            },
        }
        if mistakes:
            out["mistakes"] = result["mistakes"]
        click.echo(json.dumps(out, indent=2))
    else:
        click.echo(render(result))
        if mistakes:
            for m in result["mistakes"]:
                got = m["got"]
                click.echo(f"{m['class']}: {m['uri']} expected {m['expected']['status']} of {m['expected']['of']}, "
                           f"got {got['status']} of {got['duplicate_of']} ({got['similarity']})")
    if check and not result["summary"]["aims_met"]:
        raise SystemExit(1)
