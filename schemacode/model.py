"""The one model of a database schema.

Loading schema.yaml and introspecting a catalog both produce a :class:`Catalog`; diff, DDL
rendering, code generation and pull all consume it. Objects are frozen dataclasses keyed by
qualified name (``schema.name``). Collections are dicts, so equality ignores declaration order
(PostgreSQL cannot reorder columns without a rebuild, so column order is not a difference).

Text fields hold SQL. In a catalog read from PostgreSQL they hold PostgreSQL's own rendering
(``format_type``, ``pg_get_expr``, ``pg_get_constraintdef`` …); in a catalog loaded from YAML they
hold what the user wrote. The two are never compared with each other: the YAML catalog is
rendered, materialized in a scratch database and read back first (see scratch.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

_T = TypeVar("_T", bound=Any)

ConstraintKind = Literal["primary_key", "unique", "foreign_key", "check", "exclude"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where an object was declared: file, line and YAML path."""

    file: str
    line: int
    path: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} ({self.path})"


def _source_hash() -> str:
    from hashlib import sha256
    from pathlib import Path

    return sha256(Path(__file__).read_bytes()).hexdigest()[:12]


# Part of every cache key: a pickled catalog is only read back by the model that wrote it.
MODEL_HASH = _source_hash()


def qualify(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def split_qualified(qname: str) -> tuple[str, str]:
    schema, _, name = qname.partition(".")
    return schema, name


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Extension:
    name: str
    schema: str | None = None
    version: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EnumType:
    schema: str
    name: str
    values: tuple[str, ...]
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Domain:
    schema: str
    name: str
    type: str
    default: str | None = None
    not_null: bool = False
    checks: dict[str, str] = field(default_factory=dict)  # name -> CHECK (...) ; None-named: key "~n"
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Function:
    schema: str
    name: str
    arguments: str  # identity arguments, e.g. "a integer, b text"
    returns: str
    definition: str  # a complete CREATE OR REPLACE FUNCTION statement
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}({self.arguments})"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    identity: Literal["always", "by default"] | None = None
    identity_options: str | None = None  # START WITH … INCREMENT BY … of an identity's sequence
    generated: str | None = None  # expression of a STORED generated column
    collation: str | None = None
    comment: str | None = None
    # Only from YAML: the USING expression for a type change. Not part of the schema.
    using: str | None = field(default=None, compare=False)
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Constraint:
    """A table constraint. ``definition`` is the text after ``CONSTRAINT name``."""

    name: str | None  # None: PostgreSQL chooses the name (YAML only)
    kind: ConstraintKind
    definition: str
    columns: tuple[str, ...] = ()
    ref_table: str | None = None  # qualified, foreign keys only
    ref_columns: tuple[str, ...] = ()
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Index:
    """A standalone index (not one backing a primary key or unique constraint)."""

    name: str
    definition: str  # a complete CREATE INDEX statement
    columns: tuple[str, ...] = ()  # columns the index reads (keys, expressions, predicate)
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Trigger:
    name: str
    definition: str  # a complete CREATE TRIGGER statement
    function: str  # qualified function name
    enabled: bool = True
    columns: tuple[str, ...] = ()  # columns in UPDATE OF and WHEN
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Table:
    schema: str
    name: str
    columns: dict[str, Column]
    constraints: dict[str, Constraint] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)

    def primary_key(self) -> Constraint | None:
        for c in self.constraints.values():
            if c.kind == "primary_key":
                return c
        return None


@dataclass(frozen=True, slots=True)
class View:
    schema: str
    name: str
    query: str
    materialized: bool = False
    columns: tuple[str, ...] = ()
    column_types: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()  # qualified names of tables/views it reads
    indexes: dict[str, Index] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)  # INSTEAD OF triggers
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Sequence:
    schema: str
    name: str
    type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    comment: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def qname(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Catalog:
    schemas: dict[str, Namespace] = field(default_factory=dict)
    extensions: dict[str, Extension] = field(default_factory=dict)
    enums: dict[str, EnumType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.extensions or self.enums or self.domains or self.functions or self.sequences
            or self.tables or self.views
            or any(n != "public" for n in self.schemas)
        )


def attach_sources(catalog: Catalog, written: Catalog) -> Catalog:
    """Give the objects of a catalog read from PostgreSQL the schema.yaml locations of ``written``."""

    def table(t: Table) -> Table:
        w = written.tables.get(t.qname)
        if w is None:
            return t
        named = {c.name: c for c in w.constraints.values() if c.name}
        return replace(
            t, source=w.source,
            columns={n: replace(c, source=w.columns[n].source, using=w.columns[n].using)
                     if n in w.columns else c for n, c in t.columns.items()},
            constraints={n: replace(c, source=named[n].source) if n in named else c
                         for n, c in t.constraints.items()},
            indexes={n: replace(i, source=w.indexes[n].source) if n in w.indexes else i
                     for n, i in t.indexes.items()},
            triggers={n: replace(g, source=w.triggers[n].source) if n in w.triggers else g
                      for n, g in t.triggers.items()},
        )

    def src(objs: dict[str, _T], wobjs: dict[str, _T]) -> dict[str, _T]:
        return {k: replace(o, source=wobjs[k].source) if k in wobjs else o
                for k, o in objs.items()}

    return replace(
        catalog,
        schemas=src(catalog.schemas, written.schemas),
        extensions=src(catalog.extensions, written.extensions),
        enums=src(catalog.enums, written.enums),
        domains=src(catalog.domains, written.domains),
        functions=src(catalog.functions, written.functions),
        sequences=src(catalog.sequences, written.sequences),
        tables={k: table(t) for k, t in catalog.tables.items()},
        views=src(catalog.views, written.views),
    )
