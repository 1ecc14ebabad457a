"""Triggers: CREATE TRIGGER beside DROP TRIGGER, and ENABLE/DISABLE."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Source, Trigger
from ..sqltext import ident, qname_ident
from .base import Change, Phase, Statement, comment_sql, names_used


def trigger_comment_sql(table: str, trigger: Trigger) -> str:
    return comment_sql(f"TRIGGER {ident(trigger.name)} ON {qname_ident(table)}", trigger.comment)


def trigger_needs(t: Trigger) -> frozenset[str]:
    """Its function, and what its WHEN calls."""
    when = t.definition_sql.partition(" WHEN ")[2].rpartition(" EXECUTE ")[0]
    return names_used(when) | {f"function:{t.function}"}


@dataclass(frozen=True)
class CreateTrigger(Change):
    table: str
    trigger: Trigger
    symbol = "+"
    phase = Phase.TRIGGER

    @property
    def source(self) -> Source | None:
        return self.trigger.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("trigger", self.table, self.trigger.name)

    def needs(self) -> frozenset[str]:
        return trigger_needs(self.trigger)

    def describe(self) -> str:
        return f"trigger {ident(self.trigger.name)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        out = [Statement(self.trigger.definition_sql)]
        if not self.trigger.enabled:
            out.append(Statement(
                f"ALTER TABLE {qname_ident(self.table)} DISABLE TRIGGER {ident(self.trigger.name)}"))
        if self.trigger.comment is not None:
            out.append(Statement(trigger_comment_sql(self.table, self.trigger)))
        return out


@dataclass(frozen=True)
class DropTrigger(Change):
    table: str
    trigger: Trigger
    symbol = "-"
    phase = Phase.DROP_TRIGGER

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("trigger", self.table, self.trigger.name)

    def needs(self) -> frozenset[str]:
        return trigger_needs(self.trigger)

    def describe(self) -> str:
        return f"trigger {ident(self.trigger.name)} on {qname_ident(self.table)}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP TRIGGER {ident(self.trigger.name)} ON {qname_ident(self.table)}")]


@dataclass(frozen=True)
class EnableTrigger(Change):
    table: str
    name: str
    enabled: bool
    phase = Phase.TRIGGER

    def describe(self) -> str:
        return f"trigger {ident(self.name)} on {qname_ident(self.table)} {'enabled' if self.enabled else 'disabled'}"

    def statements(self) -> list[Statement]:
        verb = "ENABLE" if self.enabled else "DISABLE"
        return [Statement(f"ALTER TABLE {qname_ident(self.table)} {verb} TRIGGER {ident(self.name)}")]
