"""Ingest producers: they put `RawItem` envelopes on ``wire.raw``.

    dropfolder.py   files an agency's FTP/SFTP client writes into a folder
    feeds.py        RSS/Atom (and JSON Feed) polling, one item per entry
    http_push.py    an HTTP endpoint agencies and internal systems push to
    replay.py       files, folders, JSON lines and dead-letter dumps for backfills

They share `sink.py` (the producer, record keys and headers, metrics), `journal.py` (the
record of ids already acknowledged by Kafka that makes restarts resend nothing), `health.py`
(their /healthz and /readyz: the worker's probes with a producer's readiness) and `rejects.py`
(dead letters of input they refuse). `cli.py` is the ``wirestream ingest`` command group.
"""
