"""Schemas (namespaces) and extensions."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Extension, Namespace, Source
from ..sqltext import ident, literal
from .base import Change, Hazard, Phase, Statement, comment_sql


@dataclass(frozen=True)
class CreateSchema(Change):
    schema: Namespace
    symbol = "+"
    phase = Phase.CREATE_SCHEMA

    @property
    def source(self) -> Source | None:
        return self.schema.source

    def describe(self) -> str:
        return f"schema {ident(self.schema.name)}"

    def statements(self) -> list[Statement]:
        out = [Statement(f"CREATE SCHEMA {ident(self.schema.name)}")]
        if self.schema.comment is not None:
            out.append(Statement(comment_sql(f"SCHEMA {ident(self.schema.name)}", self.schema.comment)))
        return out


@dataclass(frozen=True)
class DropSchema(Change):
    """Last, once what it held is dropped (never CASCADE: what schemacode does not manage in it
    makes the plan refuse before anything runs, plan.check_unmanaged)."""

    schema: Namespace
    # The last apply's schema.yaml declared it and this one does not: dropped with all it holds
    undeclared: bool = False
    symbol = "-"
    phase = Phase.DROP_SCHEMA

    def describe(self) -> str:
        return f"schema {ident(self.schema.name)}"

    def statements(self) -> list[Statement]:
        hazards = (Hazard("data-loss", f"drops schema {self.schema.name} and everything in it: the last apply's "
                                       "schema.yaml declared it, this one does not"),) if self.undeclared else ()
        return [Statement(f"DROP SCHEMA {ident(self.schema.name)}", hazards)]


@dataclass(frozen=True)
class CreateExtension(Change):
    extension: Extension
    symbol = "+"
    phase = Phase.EXTENSION

    @property
    def source(self) -> Source | None:
        return self.extension.source

    def describe(self) -> str:
        return f"extension {self.extension.name}"

    def statements(self) -> list[Statement]:
        e = self.extension
        sql = f"CREATE EXTENSION {ident(e.name)}"
        if e.schema:
            sql += f" WITH SCHEMA {ident(e.schema)}"
        if e.version:
            sql += f" VERSION {literal(e.version)}"
        return [Statement(sql)]


@dataclass(frozen=True)
class AlterExtension(Change):
    before: Extension
    after: Extension
    phase = Phase.EXTENSION

    def describe(self) -> str:
        b, a = self.before, self.after
        what = []
        if b.version != a.version:
            what.append(f"version {b.version} → {a.version}")
        if b.schema != a.schema:
            what.append(f"schema {b.schema} → {a.schema}")
        return f"extension {a.name} " + ", ".join(what)

    def statements(self) -> list[Statement]:
        b, a = self.before, self.after
        out = []
        if a.schema and b.schema != a.schema:
            out.append(Statement(f"ALTER EXTENSION {ident(a.name)} SET SCHEMA {ident(a.schema)}"))
        if a.version and b.version != a.version:
            out.append(Statement(f"ALTER EXTENSION {ident(a.name)} UPDATE TO {literal(a.version)}"))
        return out


@dataclass(frozen=True)
class DropExtension(Change):
    extension: Extension
    symbol = "-"
    phase = Phase.DROP_EXTENSION

    def describe(self) -> str:
        return f"extension {self.extension.name}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP EXTENSION {ident(self.extension.name)}",
                          (Hazard("data-loss", f"drops extension {self.extension.name} and what it created"),))]
