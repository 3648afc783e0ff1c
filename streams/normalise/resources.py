"""Loading of the YAML data files shipped in ``streams/normalise/data`` (once per process)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed data file ``data/<name>.yaml`` (cached: read once per process)."""
    text = resources.files(__package__).joinpath("data").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"data/{name}.yaml must hold a mapping")
    return data
