"""Read YAML keeping the line of every key and item, so errors can point at it."""
from __future__ import annotations

import re

from array import array
from typing import Any

import yaml

from .errors import SchemaError


class YMap(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key.

    Compact, for a schema of thousands of tables: no ``__dict__``, and the lines of the keys in
    an array in key order (keys are only ever added) rather than a dict of their own."""

    __slots__ = ("line", "_lines")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line, self._lines = line, array("L")

    def add(self, key: str, value: Any, line: int) -> None:
        self[key] = value
        self._lines.append(line)

    def line_of(self, key: str) -> int:
        """The line of ``key``; the mapping's own line for a key it does not have."""
        try:
            return self._lines[list(self).index(key)]
        except (ValueError, IndexError):
            return self.line


class YList(list[Any]):
    __slots__ = ("line", "lines")

    def __init__(self, items: Any = (), line: int = 0) -> None:
        super().__init__(items)
        self.line, self.lines = line, array("L")


# libyaml's parser when PyYAML has it (10x faster on a large schema); same marks either way.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    name: str


def _mapping(loader: Any, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    out = YMap(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise SchemaError("a key must be a plain name", file=loader.name,
                              line=key_node.start_mark.line + 1)
        key = str(key_node.value)  # raw text: `null:` is the key "null", not None
        if key in out:
            raise SchemaError(f"duplicate key {key!r} (first on line {out.line_of(key)})",
                              file=loader.name, line=key_node.start_mark.line + 1)
        out.add(key, loader.construct_object(value_node, deep=True), key_node.start_mark.line + 1)
    return out


def _sequence(loader: Any, node: yaml.SequenceNode) -> YList:
    out = YList((loader.construct_object(child, deep=True) for child in node.value),
                node.start_mark.line + 1)
    out.lines.extend(child.start_mark.line + 1 for child in node.value)
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)


class _NeedsFullLoader(Exception):
    """Anchors, aliases, merge keys or explicit tags: left to PyYAML's constructor."""


def _from_events(text: str, filename: str) -> Any:
    """Build the document straight from the parser's events. PyYAML's constructor first composes
    a node for everything, so a large file is in memory twice; here nodes never exist."""
    parser = _Base(text)
    resolver = yaml.resolver.Resolver()
    # Containers being filled: [container, pending key, its line, is a mapping].
    stack: list[list[Any]] = []
    root: Any = None
    scalar, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    skipped = (yaml.StreamStartEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent)
    try:
        while True:  # one pass per event: dispatch on the exact type (a large file has ~100 per table)
            event = parser.get_event()
            kind = type(event)
            value: Any
            if kind is scalar or kind is map_start or kind is seq_start:
                if event.anchor is not None or event.tag not in (None, "!"):
                    raise _NeedsFullLoader
                line = event.start_mark.line + 1
                if kind is map_start:
                    stack.append([YMap(line), None, 0, True])
                    continue
                if kind is seq_start:
                    stack.append([YList((), line), None, 0, False])
                    continue
                if stack and stack[-1][3] and stack[-1][1] is None:
                    key = str(event.value)  # keys stay text: `null:` is the key "null"
                    if key == "<<":
                        raise _NeedsFullLoader
                    m = stack[-1][0]
                    if key in m:
                        raise SchemaError(f"duplicate key {key!r} (first on line {m.line_of(key)})",
                                          file=filename, line=line)
                    stack[-1][1], stack[-1][2] = key, line
                    continue
                value = _scalar(resolver, event)
            elif kind in ends:
                value = stack.pop()[0]
                line = value.line
            elif kind is yaml.StreamEndEvent:
                break
            elif kind in skipped:
                continue
            else:  # an alias: left to PyYAML's constructor
                raise _NeedsFullLoader
            if not stack:
                root = value
                continue
            top = stack[-1]
            if top[3]:
                top[0].add(top[1], value, top[2])
                top[1] = None
            else:
                top[0].append(value)
                top[0].lines.append(line)
    finally:
        parser.dispose()
    return root


def _scalar(resolver: yaml.resolver.Resolver, event: Any) -> Any:
    if event.style:  # quoted or block: text
        return event.value
    tag = resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag == "tag:yaml.org,2002:str":
        return event.value
    node = yaml.ScalarNode(tag, event.value)
    return yaml.SafeLoader.yaml_constructors[tag](_SCALARS, node)


_SCALARS = yaml.SafeLoader("")  # only its scalar constructors are used


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def load_yaml(text: str, filename: str) -> Any:
    bad = _CONTROL.search(text)
    if bad is not None:  # the reader refuses these before any mark exists: say where
        raise SchemaError(f"invalid YAML: the control character {bad.group()!r} is not allowed",
                          file=filename, line=text.count("\n", 0, bad.start()) + 1,
                          hint="is this a binary file, or text in another encoding?")
    try:
        return _from_events(text, filename)
    except _NeedsFullLoader:
        pass
    except yaml.YAMLError:
        pass  # reported below, by the full loader, with the same marks
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
