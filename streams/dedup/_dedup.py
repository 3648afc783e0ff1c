"""The deduplicator: exact, near-duplicate and version decisions over a plain key-value store.

State layout (every key a ``str``, every value JSON-able; see the package README for sizes)::

    m:params             {"k", "n", "b", "r", "h"}  shingle size, permutations, bands, rows, hash version
    s:<sid>              record   one per story uri (sid = 64-bit BLAKE2b of the uri, base64url):
                                  {"u": uri, "r": root uri (absent when == u), "v": version,
                                   "f": fingerprint, "g": signature (base64 of 128 bytes),
                                   "a": agency, "d": dateline place (casefolded, when known),
                                   "n": number of shingles, "t": seen (epoch s), "k": 1 when killed,
                                   "e": delivery token of the item that wrote it (when given),
                                   "p": what it replaces and "y" its similarity (updates only)}
    x:<fingerprint>      [root uri, seen]            a text no current story record holds: an
                                                     earlier version's text (written when a record
                                                     moves to new text)
                         [root uri, seen, token, similarity]   the text of a near copy

A new story writes one key (its record: one changelog message), a near copy one, an update two
(the record and its earlier text). Everything else is derived in memory from the store
(`_Index`): the LSH buckets (from each record's signature), which record holds which
fingerprint, and the expiry order. The index is built by iterating the store once, on first use
and after `reload()` (the workers call it when Faust has recovered the table after a restart or
a rebalance); otherwise only ``store[k]``, ``store.get(k)`` and ``del store[k]`` are used, and a
stored value is never changed in place (a Faust table would not notice): every change writes a
new value.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from streams.models import DedupInfo, DedupStatus, Pubstatus, WireItem, stable_id, utcnow

from ._minhash import (
    _COLLIDE,
    SHINGLE_WORDS,
    MinHasher,
    containment,
    decode_signature,
    encode_signature,
    estimate_similarity,
    lsh_params,
    short_hash,
)
from ._text import canonical_text, fingerprint_canonical

__all__ = ["Deduplicator"]

_HASH_VERSION = "v1"
_KILL = "kill"
# Signals that announce a new version of an earlier story, possibly under a new uri.
_VERSION_SIGNALS = frozenset({"update", "correction", "refile"})
# LSH candidates are searched (and same-agency updates verified) this far below `threshold`.
_CANDIDATE_MARGIN = 0.1
_BUCKET_CAP = 64
# A copy trimmed by a paragraph or two, or a version with paragraphs added on top, shares less
# than `threshold` of the union's shingles but most of the smaller text's. Such a pair counts when
# one text holds at least a share of the other's shingles (estimated from the Jaccard estimate and
# both sizes) and their Jaccard is at least a floor:
# - near_duplicate: the earlier story holds 85% of the item (a trimmed copy keeps its words) at
#   Jaccard >= 0.5 (it keeps at least about half of the story). Only in that direction: an item
#   holding an earlier story *and more* carries news of its own and must not go to duplicates.
# - update (a version signal, same agency): 70% either way at Jaccard >= 0.4.
# Measured on tests/fixtures/dedup_cases and `wirestream eval dedup` (README, "Trimmed copies
# and versions"): the eval keeps copy precision 1.0 down to 0.7/0.3 and 0.5/0.2, not at 0.6/0.2.
_NEAR_CONTAINMENT, _NEAR_FLOOR = 0.85, 0.5
_UPDATE_CONTAINMENT, _UPDATE_FLOOR = 0.7, 0.4
# Recent stories per (agency, dateline place), searched when LSH finds no copy: the banding
# finds pairs at Jaccard 0.5-0.7 only 6-61% of the time, and trimmed copies and versions of an
# agency's story keep its agency and dateline.
_NEIGHBOURS = 64
# Keys of the layout before the in-memory index (LSH buckets, time slots): dropped on rebuild.
_LEGACY_PREFIXES = ("b:", "t:", "m:tmin")
_DIGITS = re.compile(r"\d+")

Record = dict[str, Any]


def _sid(uri: str) -> str:
    return short_hash(uri.encode("utf-8"))


def _cluster(root_uri: str) -> str:
    return stable_id("cluster", root_uri)


def _version_key(version: str | None) -> tuple[int, ...] | None:
    """Numeric versions compare part by part ("1.10" > "1.9"); anything without digits is unknown."""
    if version is None:
        return None
    parts = _DIGITS.findall(version)
    return tuple(int(p) for p in parts) if parts else None


def _ref(record: Record) -> str:
    """What an update `replaces`: ``<uri>@<version>``, or just the uri when it had no version."""
    v = record.get("v")
    return f"{record['u']}@{v}" if v is not None else record["u"]


def _root(record: Record) -> str:
    return record.get("r", record["u"])


class _Text:
    """The parts of an item's text the decisions need; signature and buckets only when asked for."""

    _size = 0  # shingles under the signature (a class default: the dedup bench builds texts bare)

    def __init__(self, item: WireItem, hasher: MinHasher, bands: int, rows: int) -> None:
        headline, body = canonical_text(item.headline), canonical_text(item.body_text)
        self.present = bool(headline or body)
        self.fp = fingerprint_canonical(headline, body) if self.present else None
        self._words = f"{headline} {body}".strip()
        self._hasher = hasher
        self._sig: np.ndarray | None = None
        self._size = 0
        self._sig_done = False
        self._banding = (bands, rows)
        self._buckets: list[str] | None = None

    @property
    def sig(self) -> np.ndarray | None:
        if not self._sig_done:
            self._sig, self._size = self._hasher.signature_and_size(self._words)
            self._sig_done = True
        return self._sig

    @property
    def size(self) -> int:
        """How many shingles the signature was taken over."""
        self.sig  # noqa: B018 - computes both
        return self._size

    @property
    def buckets(self) -> list[int]:
        """The signature's LSH band values, one per band (see `_band_values`)."""
        if self._buckets is None:
            sig = self.sig
            self._buckets = [] if sig is None else _band_values(sig, *self._banding)
        return self._buckets


def _band_values(sig: np.ndarray, bands: int, rows: int) -> list[int]:
    """Each band's bytes as one int: the band itself, not a hash of it (no collisions, and an
    8-row band of 8-bit values is one 64-bit int)."""
    raw = sig.tobytes()
    return [int.from_bytes(raw[i * rows : (i + 1) * rows], "little") for i in range(bands)]


def _drop_neighbour(entry: tuple[list[str], bytearray], sid: str, width: int) -> bool:
    """Removes a story and its signature from a neighbour list; False when it was not there."""
    sids, sigs = entry
    if sid not in sids:
        return False
    i = sids.index(sid)
    del sids[i]
    del sigs[i * width : (i + 1) * width]
    return True


class _Index:
    """What the store implies, held in memory: rebuilt from the store, never written to it.

    - ``bands[i]``: band value → the sids of story records whose signature has it in band ``i``
      (a bare sid when it is the only one, the common case; a list, oldest first, at most
      `_BUCKET_CAP`), expired records included until `expire()` removes them.
    - ``owner``: fingerprint → (seen, sid) of the newest story record whose text it is.
    - ``due``: a heap of (seen, store key) of every record and ``x:`` entry written, for expiry;
      an entry rewritten later leaves a stale heap item that `expire()` skips.
    """

    __slots__ = ("bands", "owner", "due", "near")

    def __init__(self, bands: int) -> None:
        self.bands: list[dict[int, str | list[str]]] = [{} for _ in range(bands)]
        self.owner: dict[str, tuple[int, str]] = {}
        self.due: list[tuple[int, str]] = []
        # (agency, place) key → (sids oldest first, their signatures' bytes end to end), at most
        # `_NEIGHBOURS`: compared with one vectorised test instead of reading records.
        self.near: dict[str, tuple[list[str], bytearray]] = {}

    def near_add(self, key: str, sid: str, sig: bytes) -> None:
        entry = self.near.get(key)
        if entry is None:
            entry = self.near[key] = ([], bytearray())
        sids, sigs = entry
        width = len(sig)
        _drop_neighbour(entry, sid, width)  # the story's record was rewritten (an update of the same uri)
        sids.append(sid)
        sigs += sig
        if len(sids) > _NEIGHBOURS:
            del sids[0]
            del sigs[:width]

    def near_remove(self, key: str, sid: str, width: int) -> None:
        entry = self.near.get(key)
        if entry is not None and _drop_neighbour(entry, sid, width) and not entry[0]:
            del self.near[key]

    def bucket(self, band: int, value: int) -> list[str] | tuple[str, ...]:
        found = self.bands[band].get(value)
        if found is None:
            return ()
        return (found,) if isinstance(found, str) else found

    def add(self, band: int, value: int, sid: str) -> None:
        table = self.bands[band]
        found = table.get(value)
        if found is None:
            table[value] = sid
        elif isinstance(found, str):
            if found != sid:
                table[value] = [found, sid]
        elif sid not in found:
            found.append(sid)
            if len(found) > _BUCKET_CAP:
                del found[0]

    def remove(self, band: int, value: int, sid: str) -> None:
        table = self.bands[band]
        found = table.get(value)
        if found is None:
            return
        if isinstance(found, str):
            if found == sid:
                del table[value]
        elif sid in found:
            found.remove(sid)
            if len(found) == 1:
                table[value] = found[0]


class Deduplicator:
    """Decides whether a `WireItem` is new, a copy, a near copy or a new version of a known story.

    All state lives in `store`, any ``MutableMapping[str, JSON-able]``: a dict, or a Faust table
    in the workers. Decisions depend only on the store, the item and the clock, so a new instance
    over the same store (after a restart or a changelog recovery) decides exactly as the old one.
    """

    def __init__(
        self,
        store: MutableMapping[str, Any],
        *,
        threshold: float = 0.8,
        window: timedelta = timedelta(days=7),
        num_perm: int = 128,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not 0.2 <= threshold < 1.0:
            raise ValueError("threshold must be in [0.2, 1)")
        if window <= timedelta(0):
            raise ValueError("window must be positive")
        self._store = store
        self.threshold = threshold
        self.window = window
        self._window_s = int(window.total_seconds())
        self._clock = clock
        self._hasher = MinHasher(num_perm)
        self._candidate_threshold = threshold - _CANDIDATE_MARGIN
        self.bands, self.rows = lsh_params(round(self._candidate_threshold, 4), num_perm)
        self._params = {"k": SHINGLE_WORDS, "n": num_perm, "b": self.bands, "r": self.rows, "h": _HASH_VERSION}
        self._params_checked = False
        self._idx: _Index | None = None
        self._token: str | None = None  # delivery token of the decision in progress

    # ------------------------------------------------------------------ public

    def decide(self, item: WireItem, *, delivery: str | None = None) -> DedupInfo:
        """The dedup decision for `item`, remembering what later decisions need.

        `delivery` names the input the item came from (the workers pass the ``wire.raw`` record's
        partition and offset and the item's index in it). The same input delivered again
        (at-least-once redelivery after a crash or rebalance, faust#596) gets the decision it got
        the first time instead of being judged a duplicate of itself, which would drop a new story
        from ``wire.enriched`` when its first output was lost. Without it, every call is a new
        arrival (``wirestream process``: a file given twice is two arrivals).

        Rules, first match wins (stories older than the window are forgotten):

        1. kill (pubstatus canceled or a "kill" signal): `update`, linked to the story it withdraws
           when known (same uri, evolvedfrom, or a near match from the same agency); never dropped.
        2. known uri: a higher version is an `update` (even with identical text); the same or a
           lower version is a `duplicate`. Without comparable versions, text seen before is a
           `duplicate` and changed text an `update`.
        3. evolvedfrom names a known uri: `update`.
        4. the same canonical text seen before, from any source: `duplicate`, similarity 1.0.
        5. an update/correction/refile signal and a near match from the same agency (estimated
           Jaccard >= threshold - 0.1, or one text holding >= 70% of the other's shingles at
           Jaccard >= 0.4): `update` of the latest version of the best-matching story.
        6. a near match (estimated Jaccard >= threshold, or an earlier story of no other known
           agency holding >= 85% of the item's shingles at Jaccard >= 0.5: a trimmed copy):
           `near_duplicate`; its `similarity` is the Jaccard estimate, so it may be below the
           threshold for a trimmed copy.

        Candidates come from the LSH buckets and, when those hold no copy, from the 64 newest
        stories of the item's agency and dateline place.
        7. otherwise `new`.

        `duplicate_of` is always the uri of the story's first-seen item (the cluster root), also
        for copies of a later version or of a near copy; `cluster_id` is derived from it, and
        `replaces` is ``<uri>@<version>`` (just ``<uri>`` when that item had no version).
        """
        self._check_params()
        self._index()
        now = self._now(None)
        token = _sid(delivery) if delivery is not None else None
        own = self._record(item.uri, now)
        if token is not None and own is not None and own.get("e") == token:
            return _replayed(own)
        self._token = token
        text = _Text(item, self._hasher, self.bands, self.rows)
        signals = {s.strip().lower() for s in item.signals}

        if item.pubstatus == Pubstatus.canceled or _KILL in signals:
            return self._kill(item, own, text, now)
        if own is not None:
            return self._same_uri(item, own, text, now)
        if item.evolvedfrom and item.evolvedfrom != item.uri:
            previous = self._record(item.evolvedfrom, now)
            if previous is not None:
                return self._successor(item, previous, text, now)
        if text.present:
            seen = self._seen_text(text.fp, now)
            if seen is not None:
                root = seen[0]
                if token is not None and len(seen) >= 4 and seen[2] == token:
                    return DedupInfo(
                        status=DedupStatus.near_duplicate, duplicate_of=root, similarity=seen[3], cluster_id=_cluster(root)
                    )
                return DedupInfo(
                    status=DedupStatus.duplicate, duplicate_of=root, similarity=1.0, cluster_id=_cluster(root)
                )
            candidates = self._candidates(item.uri, text, now)
            if not candidates or candidates[0][0] < self.threshold:
                candidates = self._add_neighbours(item, text, candidates, now)
            agency = _agency(item)
            if signals & _VERSION_SIGNALS:
                matches = [
                    (sim, record)
                    for sim, record in candidates
                    if agency is not None
                    and record.get("a") == agency
                    and (
                        sim >= self._candidate_threshold
                        or self._contains(sim, text, record, _UPDATE_CONTAINMENT, _UPDATE_FLOOR, either=True)
                    )
                ]
                if matches:
                    # The best match names the story; the update replaces its latest version
                    # (versions of one story are all similar: the closest may be an older one).
                    root = _root(matches[0][1])
                    sim, record = max((m for m in matches if _root(m[1]) == root), key=lambda m: m[1]["t"])
                    return self._successor(item, record, text, now, similarity=sim)
            near = next(
                (
                    (sim, record)
                    for sim, record in candidates
                    if sim >= self.threshold
                    or (
                        _same_source(agency, record)
                        and self._contains(sim, text, record, _NEAR_CONTAINMENT, _NEAR_FLOOR, either=False)
                    )
                ),
                None,
            )
            if near is not None:
                sim, record = near
                root = _root(record)
                self._put_fingerprint(text.fp, root, now, similarity=sim)
                return DedupInfo(
                    status=DedupStatus.near_duplicate, duplicate_of=root, similarity=sim, cluster_id=_cluster(root)
                )
        self._put_record(item, text, root=item.uri, now=now)
        return DedupInfo(status=DedupStatus.new, cluster_id=_cluster(item.uri))

    def expire(self, now: datetime | None = None) -> int:
        """Remove story records and fingerprints not seen within the window; return how many
        (a story record and the fingerprint of its text count as two).

        Pops the in-memory expiry heap up to the cutoff, never walks the store. An entry
        refreshed since it was written stays.
        """
        self._check_params()
        idx = self._index()
        cutoff = self._now(now) - self._window_s
        removed = 0
        while idx.due and idx.due[0][0] < cutoff:
            seen, key = heapq.heappop(idx.due)
            value = self._store.get(key)
            if value is None:
                continue
            current = value["t"] if key.startswith("s:") else value[1]
            if current != seen:
                continue  # rewritten since: its newer heap item decides
            if key.startswith("s:"):
                removed += 1 + self._unindex(key[2:], value)
            else:
                removed += 1
            del self._store[key]
        return removed

    def reload(self) -> None:
        """Forget the in-memory index: the store changed under us (Faust recovered the table
        after a restart or rebalance). It is rebuilt from the store on next use."""
        self._idx = None

    # ------------------------------------------------------------------ decisions

    def _same_uri(self, item: WireItem, own: Record, text: _Text, now: int) -> DedupInfo:
        root = _root(own)
        new_v, old_v = _version_key(item.version), _version_key(own.get("v"))
        if new_v is not None and old_v is not None:
            # A higher version is an update even when its text is identical to the one it
            # replaces: the source says it supersedes it (a re-send with a new version number
            # may carry changed metadata, or be the refile desks must see). Same or lower: a copy.
            is_update = new_v > old_v
        else:
            # Without comparable versions, the text decides: text seen before is a copy (a
            # re-send, or an old version arriving late); changed text is the newer version.
            is_update = text.fp != own.get("f") and (
                not text.present or self._seen_text(text.fp, now) is None
            )
        sim = self._similarity(text, own)
        if not is_update:
            return DedupInfo(status=DedupStatus.duplicate, duplicate_of=root, similarity=sim, cluster_id=_cluster(root))
        self._put_record(item, text, root=root, now=now, previous=own, replaces=_ref(own), similarity=sim)
        return DedupInfo(
            status=DedupStatus.update, duplicate_of=root, similarity=sim, cluster_id=_cluster(root), replaces=_ref(own)
        )

    def _successor(
        self, item: WireItem, previous: Record, text: _Text, now: int, similarity: float | None = None
    ) -> DedupInfo:
        """A new version of `previous` under a new uri."""
        root = _root(previous)
        if similarity is None:
            similarity = self._similarity(text, previous)
        self._put_record(item, text, root=root, now=now, replaces=_ref(previous), similarity=similarity)
        return DedupInfo(
            status=DedupStatus.update,
            duplicate_of=root,
            similarity=similarity,
            cluster_id=_cluster(root),
            replaces=_ref(previous),
        )

    def _kill(self, item: WireItem, own: Record | None, text: _Text, now: int) -> DedupInfo:
        """A kill or withdrawal always passes on, as an update of the story it withdraws if known.

        It never becomes a duplicate (a repeated kill passes again: harmless, and safer than
        dropping it). Its text is not remembered: it is not the story's text.
        """
        target = own
        if target is None and item.evolvedfrom:
            target = self._record(item.evolvedfrom, now)
        if target is None and text.present:
            agency = _agency(item)
            for sim, record in self._candidates(item.uri, text, now):
                if sim < self._candidate_threshold:
                    break
                if agency is not None and record.get("a") == agency:
                    target = record
                    break
        if target is None:
            return DedupInfo(status=DedupStatus.update, cluster_id=_cluster(item.uri))
        root = _root(target)
        if own is not None:
            new_v, old_v = _version_key(item.version), _version_key(own.get("v"))
            killed = {**own, "k": 1}
            if new_v is not None and (old_v is None or new_v > old_v):
                killed["v"] = item.version
            if killed != own:
                self._store[f"s:{_sid(item.uri)}"] = killed
        return DedupInfo(
            status=DedupStatus.update,
            duplicate_of=root,
            similarity=self._similarity(text, target),
            cluster_id=_cluster(root),
            replaces=_ref(target),
        )

    # ------------------------------------------------------------------ lookups

    def _record(self, uri: str, now: int) -> Record | None:
        record = self._store.get(f"s:{_sid(uri)}")
        if record is None or record["u"] != uri or record["t"] < now - self._window_s:
            return None
        return record

    def _live(self, entry: list[Any] | None, now: int) -> list[Any] | None:
        if entry is None or entry[1] < now - self._window_s:
            return None
        return entry

    def _seen_text(self, fp: str | None, now: int) -> list[Any] | None:
        """[root uri, seen, ...] of a live earlier arrival with this exact text, else None: the
        newest of its ``x:`` entry and the story record holding it."""
        entry = self._store.get(f"x:{fp}")
        owner = self._index().owner.get(fp)  # type: ignore[arg-type]
        if owner is not None and (entry is None or owner[0] > entry[1]):
            record = self._store.get(f"s:{owner[1]}")
            if record is not None:
                entry = [_root(record), record["t"]]
        return self._live(entry, now)

    def _candidates(self, uri: str, text: _Text, now: int) -> list[tuple[float, Record]]:
        """Live stories sharing an LSH bucket with the text, most similar first (ties: oldest)."""
        sig = text.sig
        if sig is None:
            return []
        own = _sid(uri)
        seen: set[str] = {own}
        found: list[tuple[float, int, str, Record]] = []
        idx = self._index()
        for band, value in enumerate(text.buckets):
            for sid in idx.bucket(band, value):
                if sid in seen:
                    continue
                seen.add(sid)
                record = self._store.get(f"s:{sid}")
                if record is None or record["t"] < now - self._window_s or "g" not in record:
                    continue
                sim = estimate_similarity(sig, decode_signature(record["g"]))
                found.append((sim, record["t"], sid, record))
        found.sort(key=lambda f: (-f[0], f[1], f[2]))
        return [(f[0], f[3]) for f in found]

    def _add_neighbours(
        self, item: WireItem, text: _Text, candidates: list[tuple[float, Record]], now: int
    ) -> list[tuple[float, Record]]:
        """`candidates` and the recent stories of the item's agency and dateline place that LSH
        did not offer and whose similarity reaches the lower floor, most similar first."""
        key = _near_key(_agency(item), _place(item))
        sig = text.sig
        entry = self._index().near.get(key) if key is not None else None
        if entry is None or sig is None:
            return candidates
        sids, sigs = entry
        # A view of the bytearray, released before this returns (an exported bytearray cannot grow).
        rows = np.frombuffer(sigs, dtype=np.uint8).reshape(len(sids), len(sig))
        agree = np.count_nonzero(rows == sig, axis=1)
        del rows
        floor = min(_NEAR_FLOOR, _UPDATE_FLOOR)
        # estimate_similarity >= floor, without its rounding: a loose pre-filter
        need = (floor - 0.01) * (1.0 - _COLLIDE) + _COLLIDE
        hits = np.nonzero(agree >= need * len(sig))[0]
        if not len(hits):
            return candidates
        known = {r["u"] for _, r in candidates}
        known.add(item.uri)
        found = list(candidates)
        for i in hits.tolist():
            record = self._store.get(f"s:{sids[i]}")
            if record is None or record["u"] in known or record["t"] < now - self._window_s or "g" not in record:
                continue
            known.add(record["u"])
            found.append((estimate_similarity(sig, decode_signature(record["g"])), record))
        found.sort(key=lambda f: (-f[0], f[1]["t"], f[1]["u"]))
        return found

    def _contains(
        self, sim: float, text: _Text, record: Record, share: float, floor: float, *, either: bool
    ) -> bool:
        """Whether the record's text holds at least `share` of the item's shingles (`either`: or
        the item holds that share of the record's), for a pair at estimated Jaccard `sim` >=
        `floor`. Records written before sizes were stored never qualify."""
        size = record.get("n")
        if sim < floor or size is None:
            return False
        held = containment(sim, text.size, size)
        return held >= share or (either and containment(sim, size, text.size) >= share)

    def _similarity(self, text: _Text, record: Record) -> float | None:
        if text.present and text.fp == record.get("f"):
            return 1.0
        if "g" not in record or text.sig is None:
            return None
        return estimate_similarity(text.sig, decode_signature(record["g"]))

    # ------------------------------------------------------------------ writes

    def _put_record(
        self,
        item: WireItem,
        text: _Text,
        *,
        root: str,
        now: int,
        previous: Record | None = None,
        replaces: str | None = None,
        similarity: float | None = None,
    ) -> None:
        idx = self._index()
        sid = _sid(item.uri)
        key = f"s:{sid}"
        if previous is None:
            # An expired record still in the store (expire() not yet run): its buckets must go.
            previous = self._store.get(key)
        record: Record = {"u": item.uri}
        if root != item.uri:
            record["r"] = root
        if item.version is not None:
            record["v"] = item.version
        sig = text.sig
        if text.present:
            record["f"] = text.fp
        if sig is not None:
            record["g"] = encode_signature(sig)
            record["n"] = text.size
        agency = _agency(item)
        if agency is not None:
            record["a"] = agency
        place = _place(item)
        if place is not None:
            record["d"] = place
        record["t"] = now
        if self._token is not None:
            record["e"] = self._token
        if replaces is not None:
            record["p"] = replaces
            if similarity is not None:
                record["y"] = similarity

        if previous is not None:
            old_fp = previous.get("f")
            if old_fp is not None and old_fp != record.get("f") and idx.owner.get(old_fp) == (previous["t"], sid):
                # The story moves to new text; its earlier text stays known (a late re-send of
                # the earlier version is a copy) until it leaves the window.
                del idx.owner[old_fp]
                if previous["t"] >= now - self._window_s:
                    self._put_fingerprint(old_fp, _root(previous), previous["t"])
        self._store[key] = record
        heapq.heappush(idx.due, (now, key))
        old_values = _band_values(decode_signature(previous["g"]), self.bands, self.rows) if previous and "g" in previous else []
        new_values = text.buckets
        for band, value in enumerate(old_values):
            if band >= len(new_values) or new_values[band] != value:
                idx.remove(band, value, sid)
        for band, value in enumerate(new_values):
            idx.add(band, value, sid)
        old_key = _record_near_key(previous) if previous is not None else None
        new_key = _record_near_key(record)  # None without a signature
        if old_key is not None and old_key != new_key:
            idx.near_remove(old_key, sid, self._hasher.num_perm)
        if new_key is not None and sig is not None:
            idx.near_add(new_key, sid, sig.tobytes())
        if text.present:
            assert text.fp is not None
            idx.owner[text.fp] = (now, sid)
            if self._store.get(f"x:{text.fp}") is not None:
                del self._store[f"x:{text.fp}"]  # the record now holds this text, and is newer

    def _put_fingerprint(self, fp: str | None, root: str, now: int, similarity: float | None = None) -> None:
        assert fp is not None
        if similarity is not None and self._token is not None:
            self._store[f"x:{fp}"] = [root, now, self._token, similarity]
        else:
            self._store[f"x:{fp}"] = [root, now]
        idx = self._index()
        idx.owner.pop(fp, None)  # the newer x: entry speaks for this text now
        heapq.heappush(idx.due, (now, f"x:{fp}"))

    def _unindex(self, sid: str, record: Record) -> int:
        """Drop a record's entries from the in-memory index; 1 when it held its text's fingerprint."""
        idx = self._index()
        if "g" in record:
            for band, value in enumerate(_band_values(decode_signature(record["g"]), self.bands, self.rows)):
                idx.remove(band, value, sid)
        key = _record_near_key(record)
        if key is not None:
            idx.near_remove(key, sid, self._hasher.num_perm)
        fp = record.get("f")
        if fp is not None and idx.owner.get(fp) == (record["t"], sid):
            del idx.owner[fp]
            return 1
        return 0

    def _index(self) -> _Index:
        if self._idx is None:
            self._idx = self._rebuild()
        return self._idx

    def _rebuild(self) -> _Index:
        """The in-memory index from one pass over the store (records oldest first, so bucket
        caps and fingerprint owners come out as the writes made them)."""
        idx = _Index(self.bands)
        records: list[tuple[int, str, Record]] = []
        texts: dict[str, int] = {}  # fingerprint → seen of its x: entry
        legacy: list[str] = []
        for key, value in [(k, v) for k, v in self._store.items()]:  # no len(): copied, then read
            if key.startswith("s:"):
                records.append((value["t"], key[2:], value))
            elif key.startswith("x:"):
                idx.due.append((value[1], key))
                texts[key[2:]] = value[1]
            elif key.startswith(_LEGACY_PREFIXES):
                legacy.append(key)
        records.sort(key=lambda r: (r[0], r[1]))
        for seen, sid, record in records:
            idx.due.append((seen, f"s:{sid}"))
            if "g" in record:
                sig = decode_signature(record["g"])
                for band, value in enumerate(_band_values(sig, self.bands, self.rows)):
                    idx.add(band, value, sid)
                key = _record_near_key(record)
                if key is not None:
                    idx.near_add(key, sid, sig.tobytes())
            if "f" in record and texts.get(record["f"], -1) < seen:
                idx.owner[record["f"]] = (seen, sid)
        heapq.heapify(idx.due)
        for key in legacy:
            del self._store[key]
        return idx

    # ------------------------------------------------------------------ plumbing

    def _now(self, now: datetime | None) -> int:
        now = now if now is not None else self._clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return int(now.timestamp())

    def _check_params(self) -> None:
        """The store must have been built with the same hashing and banding (checked on first
        use, not in __init__: a Faust table can only be written from inside an agent)."""
        if self._params_checked:
            return
        stored = self._store.get("m:params")
        if stored is None:
            self._store["m:params"] = dict(self._params)
        elif stored != self._params:
            raise ValueError(
                f"dedup store was built with {stored}, this deduplicator uses {self._params}: "
                "use the same num_perm and threshold, or a fresh store"
            )
        self._params_checked = True


def _replayed(record: Record) -> DedupInfo:
    """The decision the record's writer got, for that same delivery arriving again."""
    root = _root(record)
    if "p" in record:
        return DedupInfo(
            status=DedupStatus.update,
            duplicate_of=root,
            similarity=record.get("y"),
            cluster_id=_cluster(root),
            replaces=record["p"],
        )
    return DedupInfo(status=DedupStatus.new, cluster_id=_cluster(root))


def _place(item: WireItem) -> str | None:
    """The dateline place (else where the item says it was written), casefolded."""
    dateline = getattr(item, "dateline", None)  # the dedup bench writes records of bare items
    place = (dateline.place if dateline is not None else None) or getattr(item, "located", None)
    if not place:
        return None
    return " ".join(place.casefold().split()) or None


def _near_key(agency: str | None, place: str | None) -> str | None:
    return None if agency is None else f"{agency}\x1f{place or ''}"


def _record_near_key(record: Record) -> str | None:
    return _near_key(record.get("a"), record.get("d")) if "g" in record else None


def _same_source(agency: str | None, record: Record) -> bool:
    """Not two different known agencies (a copy carries its agency's name, when it has one)."""
    other = record.get("a")
    return agency is None or other is None or agency == other


def _agency(item: WireItem) -> str | None:
    agency = item.source.agency
    if agency is None:
        return None
    return " ".join(agency.casefold().split()) or None
