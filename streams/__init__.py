"""wirestream: an event-driven streaming pipeline for news wire-service feeds.

The public surface is the `wirestream` command line and the topic contracts under
``schemas/``. Inside, each stage package exposes one entry point:
``streams.normalise.normalise``, ``streams.dedup.Deduplicator``, ``streams.tagging.Tagger``;
``streams.pipeline`` composes them.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
