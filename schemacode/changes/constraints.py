"""Table constraints: ADD CONSTRAINT beside DROP CONSTRAINT."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Constraint, Source
from ..sqltext import ident, qname_ident, schema_of
from .base import Change, Hazard, Phase, Statement, names_used
from .indexes import attach_copy
from .tables import constraint_comment_sql, constraint_sql

_ADD_PHASE = {"primary_key": Phase.ADD_KEY, "unique": Phase.ADD_KEY, "exclude": Phase.ADD_KEY,
              "check": Phase.ADD_CHECK, "foreign_key": Phase.ADD_FOREIGN_KEY}
_LABEL = {"primary_key": "primary key", "unique": "unique", "foreign_key": "foreign key",
          "check": "check", "exclude": "exclusion constraint"}


def constraint_needs(c: Constraint) -> frozenset[str]:
    """What a check or an exclusion constraint calls or casts to (a key names columns only)."""
    return names_used(c.definition_sql) if c.kind in ("check", "exclude") else frozenset()


@dataclass(frozen=True)
class AddConstraint(Change):
    table: str
    constraint: Constraint
    new_table: bool = False  # added right after CREATE TABLE: no rows to check, no lock to fear
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (_ADD_PHASE[self.constraint.kind], 0, "")

    @property
    def source(self) -> Source | None:
        return self.constraint.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("constraint", self.table, self.constraint.name or "")

    def needs(self) -> frozenset[str]:
        return constraint_needs(self.constraint)

    def describe(self) -> str:
        name = self.constraint.name or self.constraint.definition
        return f"{_LABEL[self.constraint.kind]} {name} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        c = self.constraint
        hazards: tuple[Hazard, ...] = ()
        if not self.new_table:
            if c.kind in ("primary_key", "unique", "exclude"):
                hazards = (Hazard("lock", f"builds an index on {qname_ident(self.table)} under a SHARE lock, blocking writes"),)
            elif c.kind == "check":
                hazards = (Hazard("lock", f"scans {qname_ident(self.table)} under an ACCESS EXCLUSIVE lock to validate"),)
            elif c.kind == "foreign_key":
                hazards = (Hazard("lock", f"validates every row of {qname_ident(self.table)} while holding locks on it and {qname_ident(c.ref_table or '')}"),)
        out = [Statement(f"ALTER TABLE {qname_ident(self.table)} ADD {constraint_sql(c)}", hazards)]
        if c.comment is not None and c.name:
            out.append(Statement(constraint_comment_sql(self.table, c)))
        return out

    def online_statements(self) -> list[Statement]:
        """A check or foreign key on an existing table: added NOT VALID in the transaction (no
        scan), validated after it under a lock that lets reads and writes go on. A primary key
        or unique constraint: its index built CONCURRENTLY after the transaction, then taken
        over by the constraint (USING INDEX: catalog only)."""
        c = self.constraint
        if not self.new_table and c.name and self.online_key_index():
            return self._online_key()
        if self.new_table or c.kind not in ("check", "foreign_key") or not c.name \
                or c.definition.endswith("NOT VALID"):
            return self.statements()
        table = qname_ident(self.table)
        out = [Statement(f"ALTER TABLE {table} ADD {constraint_sql(c)} NOT VALID"),
               Statement(f"ALTER TABLE {table} VALIDATE CONSTRAINT {ident(c.name)}", stage="post")]
        if c.comment is not None:
            out.append(Statement(constraint_comment_sql(self.table, c)))
        return out


    def online_key_index(self) -> str | None:
        """CREATE UNIQUE INDEX CONCURRENTLY … for a primary key or unique constraint that an
        index can become (plain columns; not an exclusion constraint), else None."""
        c = self.constraint
        over = key_over_index(c.kind, c.definition_sql, c.name or "", self.table)
        if over is None or not c.name:
            return None
        return over[0].replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ", 1)

    def _online_key(self) -> list[Statement]:
        c = self.constraint
        over = key_over_index(c.kind, c.definition_sql, c.name or "", self.table)
        assert over and c.name
        schema = schema_of(self.table)
        head = "PRIMARY KEY" if c.kind == "primary_key" else "UNIQUE"
        out = [Statement(self.online_key_index() or "", stage="post",
                         concurrent_index=f"{ident(schema)}.{ident(c.name)}"),
               Statement(f"ALTER TABLE {qname_ident(self.table)} ADD CONSTRAINT {ident(c.name)} "
                         f"{head} USING INDEX {ident(c.name)}{over[1]}", stage="post")]
        if c.comment is not None:
            out.append(Statement(constraint_comment_sql(self.table, c), stage="post"))
        return out


def key_over_index(kind: str, definition: str, name: str, table: str) -> tuple[str, str] | None:
    """A primary key or unique constraint made over an index (ADD CONSTRAINT … USING INDEX): the
    CREATE UNIQUE INDEX of that index, as PostgreSQL prints it, and what follows USING INDEX
    (its DEFERRABLE …); None where no index can back it so (an exclusion constraint)."""
    m = _KEY.match(definition)
    if kind not in ("primary_key", "unique") or not m:
        return None
    nnd = " NULLS NOT DISTINCT" if m.group("nnd") else ""
    return (f"CREATE UNIQUE INDEX {ident(name)} ON {qname_ident(table)} USING btree ({m.group('cols')})"
            f"{m.group('include') or ''}{nnd}{m.group('with') or ''}", m.group("deferrable") or "")


# PRIMARY KEY (a, b) / UNIQUE [NULLS NOT DISTINCT] (a) [INCLUDE (…)] [WITH (…)] [DEFERRABLE …]
_KEY = re.compile(r"^(?:PRIMARY KEY|UNIQUE(?P<nnd> NULLS NOT DISTINCT)?) \((?P<cols>[^()]*)\)"
                  r"(?P<include> INCLUDE \([^()]*\))?(?P<with> WITH \([^()]*\))?"
                  r"(?P<deferrable> DEFERRABLE(?: INITIALLY (?:DEFERRED|IMMEDIATE))?)?$")


@dataclass(frozen=True)
class DropConstraint(Change):
    table: str
    constraint: Constraint
    symbol = "-"

    def sort_key(self) -> tuple[int, int, str]:
        fk = self.constraint.kind == "foreign_key"
        return (Phase.DROP_FOREIGN_KEY if fk else Phase.DROP_CONSTRAINT, 0, "")

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("constraint", self.table, self.constraint.name or "")

    def needs(self) -> frozenset[str]:
        return constraint_needs(self.constraint)

    def describe(self) -> str:
        return f"{_LABEL[self.constraint.kind]} {ident(self.constraint.name or '')} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        return [Statement(
            f"ALTER TABLE {qname_ident(self.table)} DROP CONSTRAINT {ident(self.constraint.name or '')}"
        )]


@dataclass(frozen=True)
class ValidateConstraint(Change):
    """A NOT VALID check or foreign key made valid: a scan that lets reads and writes go on.
    (Its reverse, valid to NOT VALID, has no statement of its own: drop and add NOT VALID.)"""

    table: str
    constraint: Constraint

    def sort_key(self) -> tuple[int, int, str]:
        return (_ADD_PHASE[self.constraint.kind], 1, "")

    @property
    def source(self) -> Source | None:
        return self.constraint.source

    def describe(self) -> str:
        return f"{_LABEL[self.constraint.kind]} {ident(self.constraint.name or '')} on {qname_ident(self.table)} validated"

    def statements(self) -> list[Statement]:
        return [Statement(
            f"ALTER TABLE {qname_ident(self.table)} VALIDATE CONSTRAINT {ident(self.constraint.name or '')}",
            (Hazard("lock", f"scans {qname_ident(self.table)} under a SHARE UPDATE EXCLUSIVE lock: reads and writes go on"),),
        )]


@dataclass(frozen=True)
class AttachKeyCopy(Change):
    """A partition's copy of its parent's primary key or unique constraint, where the partition
    has none (the parent's key was added ON ONLY, or made again so): the partition's key is
    added (over a unique index of its own that matches, USING INDEX, catalog only; else built),
    then its index attached to the parent's, which links the two keys."""

    parent: str  # the partitioned table
    key: Constraint  # its key
    table: str  # the partition
    name: str  # the copy
    index: str | None = None  # the partition's matching unique index, taken over
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.CREATE_INDEX, 97, self.table)  # after the parents' keys, before names

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("constraint", self.table, self.name)

    def describe(self) -> str:
        return f"{_LABEL[self.key.kind]} {ident(self.name or '')} on {qname_ident(self.table)} as its copy of {qname_ident(self.parent)}'s {self.key.name}"

    def statements(self) -> list[Statement]:
        table = qname_ident(self.table)
        over = key_over_index(self.key.kind, self.key.definition, self.name, self.table)
        if self.index and over:
            head = "PRIMARY KEY" if self.key.kind == "primary_key" else "UNIQUE"
            out = [Statement(f"ALTER TABLE {table} ADD CONSTRAINT {ident(self.name)} {head} "
                             f"USING INDEX {ident(self.index)}{over[1]}")]
        else:
            out = [Statement(f"ALTER TABLE {table} ADD CONSTRAINT {ident(self.name)} {self.key.definition_sql}",
                             (Hazard("lock", f"builds an index on {qname_ident(self.table)} under a SHARE lock, blocking writes"),))]
        out.append(attach_copy(self.parent, self.key.name or "", self.table, self.name))
        return out


@dataclass(frozen=True)
class AddKeyOnly(Change):
    """A partitioned table's key made again on it ONLY, without copies: what a database holds
    whose partitions do not all have one. The copies there are are attached after it."""

    table: str
    constraint: Constraint
    symbol = "+"

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.ADD_KEY, -1, "")

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("constraint", self.table, self.constraint.name or "")

    def describe(self) -> str:
        return f"{_LABEL[self.constraint.kind]} {ident(self.constraint.name or '')} on only {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        c = self.constraint
        out = [Statement(f"ALTER TABLE ONLY {qname_ident(self.table)} ADD {constraint_sql(c)}")]
        if c.comment is not None and c.name:
            out.append(Statement(constraint_comment_sql(self.table, c)))
        return out
