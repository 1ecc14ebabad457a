"""Table constraints: ADD CONSTRAINT beside DROP CONSTRAINT."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Constraint, Source
from ..sqltext import ident, qname_ident
from .base import Change, Hazard, Phase, Statement
from .tables import constraint_comment_sql, constraint_sql

_ADD_PHASE = {"primary_key": Phase.ADD_KEY, "unique": Phase.ADD_KEY, "exclude": Phase.ADD_KEY,
              "check": Phase.ADD_CHECK, "foreign_key": Phase.ADD_FOREIGN_KEY}
_LABEL = {"primary_key": "primary key", "unique": "unique", "foreign_key": "foreign key",
          "check": "check", "exclude": "exclusion constraint"}


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

    def describe(self) -> str:
        name = self.constraint.name or self.constraint.definition
        return f"{_LABEL[self.constraint.kind]} {name} on {self.table}"

    def statements(self) -> list[Statement]:
        c = self.constraint
        hazards: tuple[Hazard, ...] = ()
        if not self.new_table:
            if c.kind in ("primary_key", "unique", "exclude"):
                hazards = (Hazard("lock", f"builds an index on {self.table} under a SHARE lock, blocking writes"),)
            elif c.kind == "check":
                hazards = (Hazard("lock", f"scans {self.table} under an ACCESS EXCLUSIVE lock to validate"),)
            elif c.kind == "foreign_key":
                hazards = (Hazard("lock", f"validates every row of {self.table} while holding locks on it and {c.ref_table}"),)
        out = [Statement(f"ALTER TABLE {qname_ident(self.table)} ADD {constraint_sql(c)}", hazards)]
        if c.comment is not None and c.name:
            out.append(Statement(constraint_comment_sql(self.table, c)))
        return out

    def online_statements(self) -> list[Statement]:
        """A check or foreign key on an existing table: added NOT VALID in the transaction (no
        scan), validated after it under a lock that lets reads and writes go on."""
        c = self.constraint
        if self.new_table or c.kind not in ("check", "foreign_key") or not c.name \
                or c.definition.endswith("NOT VALID"):
            return self.statements()
        table = qname_ident(self.table)
        out = [Statement(f"ALTER TABLE {table} ADD {constraint_sql(c)} NOT VALID"),
               Statement(f"ALTER TABLE {table} VALIDATE CONSTRAINT {ident(c.name)}", stage="post")]
        if c.comment is not None:
            out.append(Statement(constraint_comment_sql(self.table, c)))
        return out


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

    def describe(self) -> str:
        return f"{_LABEL[self.constraint.kind]} {self.constraint.name} on {self.table}"

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
        return f"{_LABEL[self.constraint.kind]} {self.constraint.name} on {self.table} validated"

    def statements(self) -> list[Statement]:
        return [Statement(
            f"ALTER TABLE {qname_ident(self.table)} VALIDATE CONSTRAINT {ident(self.constraint.name or '')}",
            (Hazard("lock", f"scans {self.table} under a SHARE UPDATE EXCLUSIVE lock: reads and writes go on"),),
        )]
