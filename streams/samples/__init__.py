"""Sample wire items shipped with the package: the demo's inputs, the benchmarks' corpus mix and
the worker's warm-up (`streams.warmup`)."""

from __future__ import annotations

from importlib import resources


def shipped() -> list[tuple[str, bytes]]:
    """(name, bytes) of every shipped sample (here and in `streams/normalise/samples`), by name."""
    out = []
    roots = (resources.files("streams.samples"), resources.files("streams.normalise").joinpath("samples"))
    for root in roots:
        stack = [root]
        while stack:
            node = stack.pop()
            for child in node.iterdir():
                if child.is_dir():
                    stack.append(child)
                elif child.is_file() and not child.name.endswith((".md", ".py", ".pyc")):
                    out.append((child.name, child.read_bytes()))
    return sorted(out)
