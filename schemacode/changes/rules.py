"""Rules: CREATE [OR REPLACE] RULE beside DROP RULE, and ENABLE/DISABLE RULE."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Rule, Source
from ..sqltext import ident, qname_ident
from .base import Change, Phase, Statement, comment_sql

# ALTER TABLE … <verb> RULE, by the state a rule is in (tables only: a view's rules always fire)
ENABLE = {"origin": "ENABLE", "disabled": "DISABLE", "replica": "ENABLE REPLICA", "always": "ENABLE ALWAYS"}


def rule_target(relation: str, name: str) -> str:
    return f"RULE {ident(name)} ON {qname_ident(relation)}"


def enable_rule_sql(relation: str, name: str, enabled: str) -> str:
    return f"ALTER TABLE {qname_ident(relation)} {ENABLE[enabled]} RULE {ident(name)}"


@dataclass(frozen=True)
class CreateRule(Change):
    table: str  # the table or view it is on, qualified
    rule: Rule
    replace: bool = False  # CREATE OR REPLACE RULE: in place, its state and comment kept
    phase = Phase.RULE

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return "~" if self.replace else "+"

    @property
    def source(self) -> Source | None:
        return self.rule.source

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return None if self.replace else ("rule", self.table, self.rule.name)

    def describe(self) -> str:
        return f"rule {self.rule.name} on {self.table}"

    def statements(self) -> list[Statement]:
        sql = self.rule.definition_sql
        if self.replace:
            sql = sql.replace("CREATE RULE", "CREATE OR REPLACE RULE", 1)
            return [Statement(sql)]
        out = [Statement(sql)]
        if self.rule.enabled != "origin":
            out.append(Statement(enable_rule_sql(self.table, self.rule.name, self.rule.enabled)))
        if self.rule.comment is not None:
            out.append(Statement(comment_sql(rule_target(self.table, self.rule.name), self.rule.comment)))
        return out


@dataclass(frozen=True)
class DropRule(Change):
    table: str  # or view
    rule: Rule
    symbol = "-"
    phase = Phase.DROP_RULE

    @property
    def object_key(self) -> tuple[str, str, str] | None:
        return ("rule", self.table, self.rule.name)

    def describe(self) -> str:
        return f"rule {self.rule.name} on {self.table}"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP {rule_target(self.table, self.rule.name)}")]


@dataclass(frozen=True)
class EnableRule(Change):
    table: str  # or view
    name: str
    enabled: str  # origin, disabled, replica, always
    phase = Phase.RULE

    def describe(self) -> str:
        return f"rule {self.name} on {self.table} {'enabled' if self.enabled == 'origin' else self.enabled}"

    def statements(self) -> list[Statement]:
        return [Statement(enable_rule_sql(self.table, self.name, self.enabled))]
