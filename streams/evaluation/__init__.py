"""`wirestream eval ...`: quality measured on labelled evaluation sets shipped with the package.

One module per evaluation (`streams/evaluation/<name>.py`), each exposing a click command that
the CLI registers under `wirestream eval`.
"""
