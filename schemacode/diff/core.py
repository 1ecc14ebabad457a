"""What every kind's differ shares: the two catalogs, the changes found so far, and what
dependents must know of them (columns retyped or dropped, keys dropped, functions made again)."""
from __future__ import annotations

from typing import Callable, Mapping, TypeVar

from .. import changes as ch
from ..model import Catalog, Column, Constraint, Renames, Table

T = TypeVar("T")


def keys_added(cur: Mapping[str, T], des: Mapping[str, T]) -> list[str]:
    return [k for k in des if k not in cur]


def keys_dropped(cur: Mapping[str, T], des: Mapping[str, T]) -> list[str]:
    return [k for k in cur if k not in des]


def keys_common(cur: Mapping[str, T], des: Mapping[str, T]) -> list[str]:
    return [k for k in des if k in cur]


class DifferBase:
    """The differ's state. Each kind's module adds its part (load/ has the same shape)."""

    def __init__(self, current: Catalog, desired: Catalog, renames: Renames) -> None:
        self.cur = current
        self.des = desired
        self.renames = renames
        self.out: list[ch.Change] = []
        # Filled while diffing; what dependents must be dropped and created again around.
        self.table_depth: dict[str, int] = {}  # partitions' depth under their parents
        self._constraint_names: dict[str, set[str]] = {}  # see TableDiffer.constraint_names
        self.affected_columns: set[tuple[str, str]] = set()  # (table, column) retyped or dropped
        # Of those, the ones only retyped: PostgreSQL carries plain indexes and keys on them
        # through ALTER COLUMN … TYPE (rebuilding an index only when it must).
        self.retyped_columns: set[tuple[str, str]] = set()
        self.dropped_keys: set[tuple[str, tuple[str, ...]]] = set()  # (table, key columns)
        self.recreated_functions: set[str] = set()  # qualified names
        self.enum_columns: set[tuple[str, str]] = set()  # columns a RebuildEnum converts
        self.adopted_sequences: set[str] = set()  # a serial's sequence kept as a sequence, or back
        # (A table equal on both sides is walked only where `reaches` says these touch it: a new
        # set here that a table's parts consult belongs there too.)

    def emit(self, *changes: ch.Change) -> None:
        self.out.extend(changes)

    def comment(self, target: str, label: str, before: str | None, after: str | None) -> None:
        if before != after:
            self.emit(ch.SetComment(target, label, after))

    # -- what a change does to its dependents ---------------------------------------------------
    def touches(self, table: str, columns: tuple[str, ...]) -> bool:
        return any((table, c) in self.affected_columns for c in columns)

    def rebuilds(self, table: str, columns: tuple[str, ...]) -> bool:
        """Must a plain index or key on these columns be dropped and built again? Not for a
        column that is only retyped: ALTER COLUMN … TYPE keeps it (a varchar widened keeps its
        index as it is; an integer made bigint has it rebuilt by PostgreSQL, once)."""
        return any((table, c) in self.affected_columns and (table, c) not in self.retyped_columns
                   for c in columns)

    def calls_recreated_function(self, sql: str) -> bool:
        """Does this text call a function that is dropped and created again?"""
        return any(f"{name.partition('.')[2]}(" in sql for name in self.recreated_functions)

    def reaches(self) -> Callable[[Table], bool]:
        """Does what was found so far reach a table that is the same on both sides? Its parts
        (constraints, indexes, triggers, policies) go and come back only where their columns
        are retyped, dropped or renamed (enum columns converted among them), where a foreign
        key's referenced key is dropped or retyped, where a function they may call is made
        again, or where a policy reads a table or view that goes: else it has nothing to say."""
        if self.recreated_functions:  # any text may call one
            return lambda t: True
        touched = {t for t, _ in self.affected_columns}
        gone = {k for k in self.cur.tables if k not in self.des.tables} | \
            {k for k in self.cur.views if k not in self.des.views}

        def reached(t: Table) -> bool:
            return (t.qname in touched
                    or any(c.kind == "foreign_key" and self.fk_disturbed(c) for c in t.constraints.values())
                    or any(r in gone for p in t.policies.values() for r in p.reads))
        return reached

    def fk_disturbed(self, c: Constraint) -> bool:
        """A foreign key whose referenced key is dropped or retyped."""
        if c.kind != "foreign_key" or c.ref_table is None:
            return False
        ref = (c.ref_table, tuple(sorted(c.ref_columns)))
        return ref in self.dropped_keys or self.touches(c.ref_table, c.ref_columns)


def retyped(a: Column, b: Column) -> bool:
    return a.type != b.type or a.collation != b.collation  # serial ↔ integer counts


def regenerated(a: Column, b: Column) -> bool:
    return a.generated != b.generated


def graph_depths(needs: Mapping[str, list[str]]) -> dict[str, int]:
    """How deep each node sits: 0 for what needs nothing, 1 + the deepest need otherwise (a
    cycle is cut where it closes)."""
    depth: dict[str, int] = {}

    def of(k: str, seen: frozenset[str]) -> int:
        if k in depth:
            return depth[k]
        if k in seen:
            return 0
        depth[k] = 1 + max((of(d, seen | {k}) for d in needs[k]), default=-1)
        return depth[k]

    for k in needs:
        of(k, frozenset())
    return depth
