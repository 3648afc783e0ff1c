"""Routing to the dedup stage: every item to one sequencing partition of ``wire.normalised``.

Why one partition (the measurements are in this package's README, "Deduplication across
workers"): copies of one story share no key that can be computed from one copy alone (an
outlet's copy has its own uri, headline and clutter; only the MinHash *bands* of near copies
overlap, and not in a band known in advance). Routing by such a key would leave two copies that
arrive at the same moment on two dedup workers, each deciding "new" before it sees the other.
One partition serialises every decision through one consumer and one table partition, which is
exact, and its capacity is three orders of magnitude above the wire's volume.
"""

from __future__ import annotations

from streams.models import WireItem

__all__ = ["SEQUENCING_KEY", "dedup_partition", "dedup_routing_key", "kafka_default_partition"]

SEQUENCING_KEY = "dedup"


def dedup_routing_key(item: WireItem) -> str:
    """The Kafka key of `item` on ``wire.normalised``: the same for every item, so that the
    default partitioner puts every item on one partition (`dedup_partition`), whose consumer owns
    the whole dedup table."""
    return SEQUENCING_KEY


def dedup_partition(item: WireItem, partitions: int) -> int:
    """The partition of ``wire.normalised`` where `item` must be decided: where Kafka's default
    partitioner puts its routing key. The dedup agent forwards an item found anywhere else (a
    producer with another partitioner, or a replay tool) instead of deciding it there."""
    return kafka_default_partition(dedup_routing_key(item).encode("utf-8"), partitions)


def kafka_default_partition(key: bytes, partitions: int) -> int:
    """Partition of a keyed record under the default partitioner of the Java client and aiokafka:
    murmur2 of the key, sign bit cleared, modulo the partition count."""
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    return (_murmur2(key) & 0x7FFFFFFF) % partitions


def _murmur2(data: bytes) -> int:
    """MurmurHash2, 32 bits, with the seed Kafka uses (org.apache.kafka.common.utils.Utils)."""
    mask = 0xFFFFFFFF
    mult = 0x5BD1E995
    n = len(data)
    h = (0x9747B28C ^ n) & mask
    whole = n - n % 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * mult) & mask
        k ^= k >> 24
        k = (k * mult) & mask
        h = ((h * mult) & mask) ^ k
    tail = data[whole:]
    if tail:
        for j in range(len(tail) - 1, -1, -1):
            h ^= tail[j] << (8 * j)
        h = (h * mult) & mask
    h ^= h >> 13
    h = (h * mult) & mask
    h ^= h >> 15
    return h
