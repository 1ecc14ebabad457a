"""Indexes: CREATE INDEX beside DROP INDEX. A changed index is dropped and created again."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Index, Source
from ..sqltext import ident, qident, qname_ident, schema_of
from .base import Change, Hazard, Phase, Statement, comment_sql, names_used


def index_needs(index: Index) -> frozenset[str]:
    """What its keys and WHERE call or cast to (its name, table and method name nothing)."""
    keys = index.definition_sql.partition(" USING ")[2].partition("(")[2]
    return names_used(keys)


def index_comment_sql(schema: str, index: Index) -> str:
    return comment_sql(f"INDEX {ident(schema)}.{ident(index.name)}", index.comment)


@dataclass(frozen=True)
class CreateIndex(Change):
    table: str
    index: Index
    new_table: bool = False
    on_view: bool = False
    # a partition's own index: after its parents' indexes, which would otherwise take it as
    # their copy on the partition (PostgreSQL attaches a matching index it finds there)
    depth: int = 0
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.CREATE_VIEW_INDEX if self.on_view else Phase.CREATE_INDEX, self.depth, "")

    @property
    def source(self) -> Source | None:
        return self.index.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("index", self.table, self.index.name)

    def needs(self) -> frozenset[str]:
        return index_needs(self.index)

    def describe(self) -> str:
        return f"index {qident(schema_of(self.table), self.index.name)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        hazards: tuple[Hazard, ...] = ()
        if not self.new_table:
            hazards = (Hazard("lock", f"builds the index under a SHARE lock: writes to {qname_ident(self.table)} wait"),)
        out = [Statement(self.index.definition_sql, hazards)]
        if self.index.comment is not None:
            out.append(Statement(index_comment_sql(schema_of(self.table), self.index)))
        return out

    def online_statements(self) -> list[Statement]:
        """On an existing table: built CONCURRENTLY after the transaction, writes go on."""
        if self.new_table:
            return self.statements()
        schema = schema_of(self.table)
        sql = re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX CONCURRENTLY IF NOT EXISTS ",
                     self.index.definition_sql, count=1)
        out = [Statement(sql, stage="post", concurrent_index=f"{ident(schema)}.{ident(self.index.name)}")]
        if self.index.comment is not None:
            out.append(Statement(index_comment_sql(schema, self.index), stage="post"))
        return out


@dataclass(frozen=True)
class DropIndex(Change):
    table: str
    index: Index
    symbol = "-"
    phase = Phase.DROP_CONSTRAINT

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("index", self.table, self.index.name)

    def needs(self) -> frozenset[str]:
        return index_needs(self.index)

    def describe(self) -> str:
        return f"index {qident(schema_of(self.table), self.index.name)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        schema = schema_of(self.table)
        return [Statement(f"DROP INDEX {ident(schema)}.{ident(self.index.name)}")]

    def online_statements(self) -> list[Statement]:
        """Dropped CONCURRENTLY before the transaction: no lock that blocks reads or writes."""
        schema = schema_of(self.table)
        return [Statement(f"DROP INDEX CONCURRENTLY IF EXISTS {ident(schema)}.{ident(self.index.name)}",
                          stage="pre")]


def copy_definition(parent_definition: str, name: str, partition: str) -> str:
    """The CREATE INDEX of a partition's copy of its parent's index: the parent's (printed
    `ON ONLY parent`), named ``name``, on ``partition``."""
    return re.sub(r"^(CREATE (?:UNIQUE )?INDEX )(?:\S+|\"[^\"]+\") ON (?:ONLY )?.+? USING ",
                  lambda m: f"{m.group(1)}{ident(name)} ON {qname_ident(partition)} USING ",
                  parent_definition, count=1)


@dataclass(frozen=True)
class AttachIndexCopy(Change):
    """A partition's copy of its parent's index, where the partition has none (the parent's index
    is then invalid: made ON ONLY, or made again so): an index of the partition that matches is
    attached as it is, else one is built and attached. Once every partition has its copy,
    PostgreSQL marks the parent's index valid."""

    parent: str  # the partitioned table
    index: str  # its index
    table: str  # the partition
    name: str  # the copy
    build: str | None = None  # CREATE INDEX of the copy, when no index of the partition matches
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.CREATE_INDEX, 98, self.table)  # after the parents' indexes, before names

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("index", self.table, self.name)

    def describe(self) -> str:
        return (f"index {qident(schema_of(self.table), self.name)} on {qname_ident(self.table)} as its copy of "
                f"{qname_ident(self.parent)}'s {self.index}")

    def statements(self) -> list[Statement]:
        out = []
        if self.build:
            out.append(Statement(self.build, (Hazard(
                "lock", f"builds the index under a SHARE lock: writes to {qname_ident(self.table)} wait"),)))
        out.append(attach_copy(self.parent, self.index, self.table, self.name))
        return out


def attach_copy(parent: str, index: str, partition: str, copy: str) -> Statement:
    """ALTER INDEX … ATTACH PARTITION: ``copy`` (of ``partition``) as the copy of ``parent``'s
    ``index`` (a key's index too: the two keys are linked with it)."""
    return Statement(f"ALTER INDEX {qident(schema_of(parent), index)} ATTACH PARTITION "
                     f"{qident(schema_of(partition), copy)}")


@dataclass(frozen=True)
class CreateIndexOnly(Change):
    """A partitioned table's index made again on it ONLY, without copies: what a database holds
    whose partitions do not all have one. The copies there are are attached after it."""

    table: str
    index: Index
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.CREATE_INDEX, -1, "")

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("index", self.table, self.index.name)

    def describe(self) -> str:
        return f"index {qident(schema_of(self.table), self.index.name)} on only {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        sql = self.index.definition  # as PostgreSQL prints it: ON ONLY
        if " ON ONLY " not in sql:
            sql = re.sub(r" ON (?!ONLY )", " ON ONLY ", sql, count=1)
        out = [Statement(sql)]
        if self.index.comment is not None:
            out.append(Statement(index_comment_sql(schema_of(self.table), self.index)))
        return out
