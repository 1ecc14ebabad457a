"""schema.yaml -> Catalog (the desired schema, as written), with every error located.

One module per kind of object (schemas, typedefs, functions, sequences, tables, indexes,
triggers, views), each a part of the loader; the core (core.py) holds its state and what
every kind uses. ``load`` below reads the document's top-level keys in dependency order.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any, Iterator

from ..model import Renames
from ..loaded import load_file as load_file  # (its home is loaded.py: read without the loader)
from ..model import Catalog
from ..yamlsource import YMap, load_yaml
from .core import (
    FK_ACTIONS, INDEX_METHODS, LoadedSchema, VOLATILITY, _Ctx, _items, _keys, default_privileges, parse_sql,
    referenced_columns,
)
from .schemas import SchemaLoader
from .typedefs import TypeLoader
from .aggregates import AggregateLoader
from .casts import CastLoader
from .foreign import ForeignLoader
from .functions import FunctionLoader
from .privileges import PrivilegeLoader
from .sequences import SequenceLoader
from .tables import TableLoader
from .views import ViewLoader


class _Loader(SchemaLoader, TypeLoader, FunctionLoader, AggregateLoader, CastLoader, SequenceLoader, ForeignLoader,
              TableLoader, ViewLoader, PrivilegeLoader):
    """schema.yaml -> LoadedSchema: every kind's loader, in the order kinds depend on each other."""

    def load(self, text_hash: str) -> LoadedSchema:
        _keys(self.root, self.data, {"schemas", "extensions", "enums", "domains", "types", "functions", "aggregates",
                                     "sequences", "tables", "views", "default_privileges", "privileges", "casts",
                                     "foreign_data_wrappers", "foreign_servers", "foreign_tables"}, "schema.yaml")
        d = self.data
        self.load_schemas(self.root.child(d, "schemas"), d.get("schemas"))
        self.load_extensions(self.root.child(d, "extensions"), d.get("extensions"))
        self.declare_type_names(d)
        self.load_enums(self.root.child(d, "enums"), d.get("enums"))
        self.load_domains(self.root.child(d, "domains"), d.get("domains"))
        self.load_types(self.root.child(d, "types"), d.get("types"))
        self.load_functions(self.root.child(d, "functions"), d.get("functions"))
        self.load_aggregates(self.root.child(d, "aggregates"), d.get("aggregates"))
        self.load_casts(self.root.child(d, "casts"), d.get("casts"))
        self.load_foreign_data_wrappers(self.root.child(d, "foreign_data_wrappers"), d.get("foreign_data_wrappers"))
        self.load_foreign_servers(self.root.child(d, "foreign_servers"), d.get("foreign_servers"))
        self.load_sequences(self.root.child(d, "sequences"), d.get("sequences"))
        tables_ctx = self.root.child(d, "tables")
        raw_tables = list(_items(tables_ctx, d.get("tables"), "tables"))
        for name, spec, ctx in raw_tables:  # names first: foreign keys may point forward
            self.claim(ctx, self.qname(ctx, name), "table")
        for name, spec, ctx in _parents_first(raw_tables, lambda n, c: self.qname(c, n)):
            t = self.load_table(ctx, name, spec)
            self.tables[t.qname] = t
        for name, spec, ctx in raw_tables:
            self.load_foreign_keys(ctx, self.qname(ctx, name), spec)
        for ctx, q, spec in self.partition_specs:
            self.load_foreign_keys(ctx, q, spec)
        self.resolve_sequence_owners()
        self.load_foreign_tables(self.root.child(d, "foreign_tables"), d.get("foreign_tables"))
        self.load_views(self.root.child(d, "views"), d.get("views"))
        catalog = Catalog(self.schemas, self.extensions, self.enums, self.domains, self.functions,
                          self.sequences, self.tables, self.views, composites=self.composites, ranges=self.ranges,
                          aggregates=self.aggregates,
                          default_acl=default_privileges(self.root, self.data, everywhere=True),
                          casts=self.casts, servers=self.servers, foreign_tables=self.foreign_tables,
                          wrappers=self.wrappers)
        catalog = self.manage_privileges(catalog)
        renames = Renames(self.table_renames, self.column_renames, self.value_renames)
        return LoadedSchema(catalog, renames, self.file, text_hash, frozenset(self.unpinned),
                            tuple(catalog.schemas), named_roles=tuple(catalog.named_roles()))


def _overrides(node: Any, path: str) -> Iterator[tuple[str, tuple[Any, int]]]:
    """Every `sqlite:` key in the document: the path of the object it is under → (value, line)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "sqlite":
                yield path, (_plain(value), node.line_of(key) if isinstance(node, YMap) else 0)
            else:
                yield from _overrides(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _overrides(value, f"{path}[{i}]")


def _plain(value: Any) -> Any:
    """A YAML value as plain dicts and lists (what a cache pickles)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _parents_first(raw: list[tuple[str, Any, _Ctx]], qname: Any) -> list[tuple[str, Any, _Ctx]]:
    """Tables in the order written, but each after the tables it inherits from (a table's checks
    and keys may name its parents' columns). A cycle keeps the order written: its error is
    "no table" for the first one."""
    names = {qname(n, c): (n, s, c) for n, s, c in raw}
    out: list[tuple[str, Any, _Ctx]] = []
    done: set[str] = set()

    def parents(q: str) -> list[str]:
        n, s, c = names[q]
        node = s.get("inherits") if isinstance(s, dict) else None
        listed = [node] if isinstance(node, str) else node if isinstance(node, list) else []
        return [p for p in (qname(p, c) for p in listed if isinstance(p, str)) if p in names]

    for n, s, c in raw:  # depth first, without recursion: a chain of inheritance may be long
        start = qname(n, c)
        if start in done:
            continue
        path, todo = [start], [parents(start)]
        while path:
            if todo[-1]:
                p = todo[-1].pop(0)
                if p not in done and p not in path:
                    path.append(p)
                    todo.append(parents(p))
                continue
            q = path.pop()
            todo.pop()
            done.add(q)
            out.append(names[q])
    return out


def load_text(text: str, filename: str = "schema.yaml") -> LoadedSchema:
    data = load_yaml(text, filename)
    if data is None:
        data = YMap()
    ctx = _Ctx(filename, "", 1)
    if not isinstance(data, dict):
        raise ctx.error("schema.yaml must be a mapping with keys like tables:, enums:, functions:")
    loaded = _Loader(filename, data).load(hashlib.sha256(text.encode()).hexdigest())
    if "sqlite" in text:  # (the walk only where there can be something to find)
        loaded = replace(loaded, sqlite=dict(_overrides(data, "")))
    return loaded


__all__ = ["LoadedSchema", "load_file", "load_text", "parse_sql", "referenced_columns", "FK_ACTIONS",
           "INDEX_METHODS", "VOLATILITY", "_Loader"]
