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


# Ten times deeper than any schema.yaml goes; the limit keeps the recursive steps that follow
# (construction here, merges, the loader's walks) far from Python's recursion limit.
MAX_DEPTH = 100
_MERGE = "tag:yaml.org,2002:merge"
# Tags PyYAML's resolver gives plain `<<` and `=` that no constructor takes: where a value goes,
# they are text (as in YAML 1.2, which has neither).
_AS_TEXT = {_MERGE, "tag:yaml.org,2002:value"}


class _Loader(_Base):  # type: ignore[misc]
    name: str
    depth = 0
    flat: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]]  # a merged mapping's entries, by node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's, with what a scalar's constructor raises on values it cannot hold (an
        integer of thousands of digits, a date like 2001-02-30) and nesting deeper than
        MAX_DEPTH turned into located errors."""
        if self.depth >= MAX_DEPTH:
            raise _too_deep(self.name, node.start_mark.line + 1)
        self.depth += 1
        try:
            if isinstance(node, yaml.ScalarNode) and node.tag in _AS_TEXT:
                return node.value
            return super().construct_object(node, deep)
        except Exception as e:
            if not isinstance(node, yaml.ScalarNode) or isinstance(e, (SchemaError, yaml.YAMLError)):
                raise
            # Only scalars' constructors raise these: `!!bool x`, `!!timestamp 2001-13-45`, …
            raise _unreadable(self.name, node.start_mark.line + 1, node.value, node.tag) from None
        finally:
            self.depth -= 1


def _too_deep(filename: str, line: int) -> SchemaError:
    return SchemaError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file=filename, line=line)


def _unreadable(filename: str, line: int, value: str, tag: str) -> SchemaError:
    """A scalar that its type cannot hold: an integer of thousands of digits, a date like
    2001-02-30, an explicit ``!!bool x``."""
    shown = value if len(value) <= 40 else value[:40] + "…"
    kind = tag.rsplit(":", 1)[-1]
    return SchemaError(f"invalid YAML: {shown!r} cannot be read as {'an' if kind[0] in 'aeiou' else 'a'} {kind}",
                       file=filename, line=line, hint="quote it to make it text")


def _mapping(loader: Any, node: yaml.MappingNode) -> YMap:
    out = YMap(node.start_mark.line + 1)
    for key, (key_node, value_node) in _pairs(loader, node, ()).items():
        out.add(key, loader.construct_object(value_node, deep=True), key_node.start_mark.line + 1)
    return out


def _pairs(loader: Any, node: yaml.MappingNode, merging: tuple[yaml.MappingNode, ...]
           ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """The entries of a mapping by key, merge keys (``<<: *base``, ``<<: [*a, *b]``) resolved as
    YAML defines them: the mapping's own keys win over merged ones, and of the merged mappings
    the first listed wins. A merged entry keeps the line where it is written (under the anchor),
    so errors in it point there. Only the mapping's own keys can be duplicates."""
    own: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:  # (errors at the `<<`: an alias's node is marked at its anchor)
            if len(merging) >= MAX_DEPTH:
                raise _too_deep(loader.name, key_node.start_mark.line + 1)
            for source in _merge_sources(loader, key_node, value_node):
                if source in merging or source is node:
                    raise SchemaError("invalid YAML: a mapping merges itself (<<)", file=loader.name,
                                      line=key_node.start_mark.line + 1)
                entries = loader.flat.get(id(source))
                if entries is None:  # (each merged mapping flattened once, however often merged)
                    entries = loader.flat[id(source)] = _pairs(loader, source, (*merging, node))
                for key, pair in entries.items():
                    merged.setdefault(key, pair)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise SchemaError("a key must be a plain name", file=loader.name,
                              line=key_node.start_mark.line + 1)
        key = str(key_node.value)  # raw text: `null:` is the key "null", not None
        if key in own:
            raise SchemaError(f"duplicate key {key!r} (first on line {own[key][0].start_mark.line + 1})",
                              file=loader.name, line=key_node.start_mark.line + 1)
        own[key] = (key_node, value_node)
    if not merged:
        return own
    return {**merged, **own}


def _merge_sources(loader: Any, key: yaml.Node, value: yaml.Node) -> list[yaml.MappingNode]:
    if isinstance(value, yaml.MappingNode):
        return [value]
    if isinstance(value, yaml.SequenceNode) and all(isinstance(v, yaml.MappingNode) for v in value.value):
        return list(value.value)
    raise SchemaError("invalid YAML: a merge key (<<) takes a mapping or a list of mappings, like <<: *base",
                      file=loader.name, line=key.start_mark.line + 1)


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
                if kind is map_start or kind is seq_start:
                    if stack and stack[-1][3] and stack[-1][1] is None:  # `? [a]` or `{[a]: b}`
                        raise SchemaError("a key must be a plain name", file=filename, line=line)
                    if len(stack) >= MAX_DEPTH:
                        raise _too_deep(filename, line)
                    stack.append([YMap(line), None, 0, True] if kind is map_start else [YList((), line), None, 0, False])
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
                value = _scalar(resolver, event, filename, line)
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


def _scalar(resolver: yaml.resolver.Resolver, event: Any, filename: str, line: int) -> Any:
    if event.style:  # quoted or block: text
        return event.value
    tag = resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag == "tag:yaml.org,2002:str" or tag in _AS_TEXT:
        return event.value
    constructor = yaml.SafeLoader.yaml_constructors[tag]
    try:
        return constructor(_SCALARS, yaml.ScalarNode(tag, event.value))
    except Exception:  # as _Loader.construct_object says it
        raise _unreadable(filename, line, event.value, tag) from None


_SCALARS = yaml.SafeLoader("")  # only its scalar constructors are used


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _check_expansion(root: yaml.Node, filename: str) -> None:
    """Refuse a document whose aliases repeat so much ("billion laughs": aliases of lists of
    aliases) that walking what it says would not end: the nodes it holds once every alias is
    read as what it stands for are counted, each distinct node once, without recursion."""
    distinct: set[int] = set()
    todo = [root]
    while todo:
        n = todo.pop()
        if id(n) not in distinct:
            distinct.add(id(n))
            todo.extend(_children(n))
    limit = 100_000 + 20 * len(distinct)
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        n, finished = stack.pop()
        if finished:
            on_path.discard(id(n))
            total = 1 + sum(size.get(id(c), 1) for c in _children(n))  # (a cycle counts once)
            if total > limit:
                raise SchemaError(f"invalid YAML: its aliases make this more than {limit:,} values",
                                  file=filename, line=n.start_mark.line + 1,
                                  hint="an alias (*name) stands for all its anchor holds: aliases of lists "
                                       "of aliases multiply")
            size[id(n)] = total
        elif id(n) not in size and id(n) not in on_path:
            on_path.add(id(n))
            stack.append((n, True))
            stack.extend((c, False) for c in _children(n))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


# What YAML counts as a line break (its marks count lines by these).
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _last_line(text: str) -> int:
    """The number of the last line of ``text`` that holds anything, as YAML counts lines."""
    return len(_BREAKS.findall(text.rstrip("\r\n\x85\u2028\u2029"))) + 1


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
    loader.name, loader.flat = filename, {}
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, filename)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        # At the end of the text, the mark is on the line after the last: say the last.
        line = min(mark.line + 1, _last_line(text)) if mark else 1
        problem = e.problem or str(e)
        if e.context:
            problem = f"{problem} ({e.context})"
        raise SchemaError(f"invalid YAML: {problem}", file=filename, line=line) from None
    except yaml.YAMLError as e:
        raise SchemaError(f"invalid YAML: {e}", file=filename, line=1) from None
    finally:
        loader.dispose()
