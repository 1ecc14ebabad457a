"""Functions: CREATE (OR REPLACE) FUNCTION beside DROP FUNCTION."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Aggregate, Function, Source
from ..sqltext import qident, qname_ident
from .base import Change, Phase, Statement, comment_sql, names_used, type_names


def function_target(f: Function) -> str:
    return f"{'PROCEDURE' if f.is_procedure else 'FUNCTION'} {qident(f.schema, f.name)}({f.arguments})"


def function_needs(f: Function) -> frozenset[str]:
    """What its CREATE names: its signature's types, what its argument defaults call, and, a
    SQL-standard body being parsed at creation, what that body names. A quoted body is not read
    (functions are created with check_function_bodies off, as pg_dump does)."""
    return names_used(f.definition_sql, names_are_types=True) - {f"function:{f.qname}"}


@dataclass(frozen=True)
class CreateFunction(Change):
    function: Function
    replace: bool = False  # same signature, new body: CREATE OR REPLACE keeps dependents
    depth: int = 0  # functions its SQL-standard body calls are created first
    late: bool = False  # its SQL-standard body reads relations (or calls a function that does)
    phase = Phase.FUNCTION

    def sort_key(self) -> tuple[int, int, str]:
        # before the tables whose columns may call it, unless it reads tables itself
        phase = Phase.FUNCTION_STANDARD_BODY if self.late else Phase.FUNCTION
        return (phase, self.depth, self.function.key)

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return "~" if self.replace else "+"

    @property
    def source(self) -> Source | None:
        return self.function.source

    def provides(self) -> frozenset[str]:
        return frozenset() if self.replace else frozenset({f"function:{self.function.qname}"})

    def needs(self) -> frozenset[str]:
        return function_needs(self.function)

    def describe(self) -> str:
        f = self.function
        return f"function {qname_ident(f.qname)}({f.arguments})" + (" body" if self.replace else "")

    def statements(self) -> list[Statement]:
        out = [Statement(self.function.definition_sql)]
        if self.function.comment is not None and not self.replace:
            out.append(Statement(comment_sql(function_target(self.function), self.function.comment)))
        return out


@dataclass(frozen=True)
class DropFunction(Change):
    function: Function
    early: bool = False  # dropped to be created again (CREATE OR REPLACE cannot change its result)
    depth: int = 0  # functions calling it in their SQL-standard body go first
    late: bool = False  # see CreateFunction: such a function depends on tables, and goes before them
    symbol = "-"

    def sort_key(self) -> tuple[int, int, str]:
        if self.early:
            phase = Phase.DROP_FUNCTION_EARLY
        elif self.late:
            phase = Phase.DROP_FUNCTION_STANDARD_BODY
        else:
            phase = Phase.DROP_FUNCTION
        return (phase, -self.depth, "")

    def provides(self) -> frozenset[str]:
        return frozenset({f"function:{self.function.qname}"})

    def needs(self) -> frozenset[str]:
        return function_needs(self.function)

    def describe(self) -> str:
        return f"function {qname_ident(self.function.qname)}({self.function.arguments})"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP {function_target(self.function)}")]


def aggregate_needs(a: Aggregate) -> frozenset[str]:
    """The functions and state types its options name, its argument types."""
    out = type_names(a.arguments if a.arguments != "*" else None)
    for key, _, value in (o.partition(" = ") for o in a.options):
        if key.endswith("func"):
            out |= names_used(value + "()")
        elif key.endswith("stype"):
            out |= type_names(value)
    return out


def aggregate_target(a: Aggregate) -> str:
    return f"AGGREGATE {qident(a.schema, a.name)}({a.arguments})"


@dataclass(frozen=True)
class CreateAggregate(Change):
    aggregate: Aggregate
    replace: bool = False  # CREATE OR REPLACE AGGREGATE: what uses it keeps it
    phase = Phase.AGGREGATE

    @property
    def symbol(self) -> str:  # type: ignore[override]
        return "~" if self.replace else "+"

    @property
    def source(self) -> Source | None:
        return self.aggregate.source

    def provides(self) -> frozenset[str]:
        return frozenset() if self.replace else frozenset({f"function:{self.aggregate.qname}"})

    def needs(self) -> frozenset[str]:
        return aggregate_needs(self.aggregate)

    def describe(self) -> str:
        return f"aggregate {qname_ident(self.aggregate.qname)}({self.aggregate.arguments})"

    def statements(self) -> list[Statement]:
        a = self.aggregate
        verb = "CREATE OR REPLACE" if self.replace else "CREATE"
        out = [Statement(f"{verb} AGGREGATE {qident(a.schema, a.name)}({a.arguments}) ({', '.join(a.options)})")]
        if a.comment is not None and not self.replace:
            out.append(Statement(comment_sql(aggregate_target(a), a.comment)))
        return out


@dataclass(frozen=True)
class DropAggregate(Change):
    aggregate: Aggregate
    early: bool = False  # created again: gone before the CREATE
    symbol = "-"
    phase = Phase.DROP_AGGREGATE

    def sort_key(self) -> tuple[int, int, str]:
        return (Phase.DROP_FUNCTION_EARLY if self.early else Phase.DROP_AGGREGATE, 0, self.aggregate.key)

    def provides(self) -> frozenset[str]:
        return frozenset({f"function:{self.aggregate.qname}"})

    def needs(self) -> frozenset[str]:
        return aggregate_needs(self.aggregate)

    def describe(self) -> str:
        return f"aggregate {qname_ident(self.aggregate.qname)}({self.aggregate.arguments})"

    def statements(self) -> list[Statement]:
        return [Statement(f"DROP {aggregate_target(self.aggregate)}")]
