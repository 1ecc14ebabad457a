"""What every kind's differ shares: the two catalogs, the changes found so far, and what
dependents must know of them (columns retyped or dropped, keys dropped, functions made again)."""
from __future__ import annotations

import re
from operator import attrgetter
from typing import Callable, Mapping, TypeVar

from .. import changes as ch
from ..model import Catalog, Column, Constraint, Renames, Table
from ..sqltext import ident, name_of

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
        return any(f"{ident(name_of(name))}(" in sql for name in self.recreated_functions)

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

        # A foreign key can be disturbed only where it references one of these.
        referenced = touched | {t for t, _ in self.dropped_keys}

        names = {name_of(t) for t in touched}  # (asked first: a table's qualified name is made)

        def reached(t: Table) -> bool:
            return ((t.name in names and t.qname in touched)
                    or (not referenced.isdisjoint(map(_REF_TABLE, t.constraints.values()))
                        and any(c.ref_table in referenced and self.fk_disturbed(c) for c in t.constraints.values()))
                    or (bool(t.policies) and any(r in gone for p in t.policies.values() for r in p.reads)))
        return reached

    def fk_disturbed(self, c: Constraint) -> bool:
        """A foreign key whose referenced key is dropped or retyped."""
        if c.kind != "foreign_key" or c.ref_table is None:
            return False
        ref = (c.ref_table, tuple(sorted(c.ref_columns)))
        return ref in self.dropped_keys or self.touches(c.ref_table, c.ref_columns)


    def why(self, table: str, columns: tuple[str, ...], calls: str = "",
            references: Constraint | None = None, function: str | None = None) -> str | None:
        """Why a dependent of these columns (whose text is ``calls``; a foreign key's
        ``references``; a trigger's ``function``) must be dropped and added again, in words
        ("column status retyped"); None where nothing it depends on is changed."""
        for c in columns:
            if (table, c) in self.retyped_columns:
                return f"column {c} retyped"
        for c in columns:
            if (table, c) in self.enum_columns:
                return f"column {c} converted to its enum made again"
        for c in columns:
            if (table, c) in self.affected_columns:
                return f"column {c} made again"
        if references is not None and references.ref_table is not None:
            ref = references.ref_table
            for c in references.ref_columns:
                if (ref, c) in self.retyped_columns:
                    return f"column {ref}.{c} retyped"
                if (ref, c) in self.affected_columns:
                    return f"column {ref}.{c} made again"
            if (ref, tuple(sorted(references.ref_columns))) in self.dropped_keys:
                return f"the key it references on {ref} made again"
        for name in sorted(self.recreated_functions):
            if name == function or f"{name.partition('.')[2]}(" in calls:
                kind = "aggregate" if any(a.qname == name for a in self.cur.aggregates.values()) else "function"
                return f"{kind} {name} made again"
        return None

    def readded(self, before: str, after: str, why: str | None) -> str | None:
        """``why`` where a dependent is added again as it was (its text the same but for the
        casts and brackets PostgreSQL prints around a retyped column), else None: a change of
        its own is listed as a drop and an add."""
        return why if why is not None and same_but_printing(before, after) else None


_REF_TABLE = attrgetter("ref_table")
_STRING = re.compile(r"('(?:[^']|'')*')")
# ::type, as PostgreSQL prints a cast: a name (maybe qualified or quoted), its modifier, the
# words of a multi-word type, array brackets
_CAST = re.compile(r"""::\s*(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)(?:\.(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*))?"""
                   r"(?:\(\d+(?:,\s*\d+)?\))?(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))?"
                   r"(?:\(\d+(?:,\s*\d+)?\))?(?:\[\d*\])*")


def same_but_printing(a: str, b: str) -> bool:
    """Do two printings of an expression differ only by casts, brackets and spaces (what
    PostgreSQL prints differently around a column whose type changed)? Only for what a plan's
    summary says: the statements run the desired text either way."""
    return a == b or _bare(a) == _bare(b)


def _bare(text: str) -> str:
    parts = _STRING.split(text)
    return "".join(p if i % 2 else re.sub(r"[()\s]", "", _CAST.sub("", p)) for i, p in enumerate(parts))


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
