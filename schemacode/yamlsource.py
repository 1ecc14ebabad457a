"""Read YAML keeping the line of every key and item, so errors can point at it."""
from __future__ import annotations

from typing import Any

import yaml

from .errors import SchemaError


class YMap(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0
    lines: dict[str, int]


class YList(list[Any]):
    line: int = 0
    lines: list[int]


# libyaml's parser when PyYAML has it (10x faster on a large schema); same marks either way.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    name: str


def _mapping(loader: Any, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    out = YMap()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise SchemaError("a key must be a plain name", file=loader.name,
                              line=key_node.start_mark.line + 1)
        key = str(key_node.value)  # raw text: `null:` is the key "null", not None
        if key in out:
            raise SchemaError(f"duplicate key {key!r} (first on line {out.lines[key]})",
                              file=loader.name, line=key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: Any, node: yaml.SequenceNode) -> YList:
    out = YList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)


def load_yaml(text: str, filename: str) -> Any:
    loader = _Loader(text)
    loader.name = filename
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        problem = e.problem or str(e)
        if e.context:
            problem = f"{problem} ({e.context})"
        raise SchemaError(f"invalid YAML: {problem}", file=filename, line=line) from None
    except yaml.YAMLError as e:
        raise SchemaError(f"invalid YAML: {e}", file=filename) from None
    finally:
        loader.dispose()
