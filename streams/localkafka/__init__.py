"""An embedded, real Apache Kafka broker for development and tests (no Docker).

    kafka = LocalKafka(default_home())
    bootstrap = kafka.start()      # "127.0.0.1:PORT", once the broker answers metadata requests
    kafka.status()                 # bootstrap while running, else None
    kafka.stop()

Needs ``java`` (17+) and, for the first start of a Kafka version, ``mvn`` (see ``pom.xml``).
"""

from .broker import LocalKafka, default_home
from .jars import DEFAULT_KAFKA_VERSION, LocalKafkaError, cache_root

__all__ = ["DEFAULT_KAFKA_VERSION", "LocalKafka", "LocalKafkaError", "cache_root", "default_home"]
