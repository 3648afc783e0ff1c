"""Deduplication stage: is this item new, a copy, a near copy, or a new version of a story?

Pure and synchronous: no Kafka or Faust here. State lives in the mapping the caller passes (a
dict in ``wirestream process`` and the tests, a changelog-backed Faust table in the workers).

Usage::

    dedup = Deduplicator({})
    info = dedup.decide(item)        # DedupInfo: status, duplicate_of, similarity, cluster_id, replaces
    dedup.expire()                   # run now and then: forget what fell out of the window
"""

from ._dedup import Deduplicator
from ._routing import SEQUENCING_KEY, dedup_partition, dedup_routing_key, kafka_default_partition
from ._text import fingerprint_text

__all__ = [
    "SEQUENCING_KEY",
    "Deduplicator",
    "dedup_partition",
    "dedup_routing_key",
    "fingerprint_text",
    "kafka_default_partition",
]
