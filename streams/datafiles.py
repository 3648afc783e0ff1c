"""Versioned data files (storylines, routes, feeds, ...): YAML loading that remembers where every
value came from (1-based line numbers), and the one error type that names file, line and problem."""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[Any, ...]


class DataFileError(ValueError):
    """A data file that cannot be used; the message names the file, line and problem."""

    def __init__(self, path: str, line: int | None, problem: str):
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {problem}")


class YamlSyntaxError(ValueError):
    def __init__(self, line: int | None, problem: str):
        super().__init__(problem)
        self.line = line
        self.problem = problem


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse ``text`` and return the data with a map from value paths to line numbers.

    A mapping entry is recorded at the line of its key, a sequence item at its own line, so an
    error about ``("storylines", 0, "all", 1, "places", 2)`` can name the line it sits on.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(line, f"invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"invalid YAML: {exc}") from exc
    lines: dict[Path_, int] = {}
    if root is None:
        return None, lines
    constructor = yaml.SafeLoader("")
    try:
        data = _build(root, (), lines, constructor)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(mark.line + 1 if mark else None, f"invalid YAML: {exc.problem or exc}") from exc
    finally:
        constructor.dispose()
    return data, lines


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], constructor: yaml.SafeLoader) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                # YAML 1.1 reads NO/yes/on as booleans and 419 as a number: keep the text.
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
            if key in out:
                raise YamlSyntaxError(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, path + (key,), lines, constructor)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            items.append(_build(child, path + (i,), lines, constructor))
        return items
    value = constructor.construct_object(node, deep=True)
    if isinstance(value, bool | int | float) and node.style is None:
        # YAML 1.1 reads the country code NO as false and region 019 as 19: keep the text as
        # written; the pydantic models turn it into a number or boolean where one is wanted.
        return node.value
    return value


def line_for(lines: dict[Path_, int], loc: Path_) -> int | None:
    """The line of the deepest recorded path that is a prefix of ``loc``."""
    loc = tuple(loc)
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None
