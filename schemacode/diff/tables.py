"""Tables and their columns: renames, creation, drops, and each table's parts."""
from __future__ import annotations

import re
from dataclasses import replace
from itertools import chain, starmap
from operator import attrgetter, methodcaller
from typing import Iterable

from .. import changes as ch
from ..model import (
    SERIAL_TYPES,
    Column,
    ColumnOptions,
    Table,
    not_null_default,
    same,
    serial_sequence_name,
)
from ..sqltext import ident, name_of, qident, qname_ident, qualify, split_qualified
from .constraints import ConstraintDiffer
from .core import keys_added, keys_common, keys_dropped, regenerated, retyped
from .indexes import IndexDiffer
from .partitions import PartitionDiffer, partition_depths
from .policies import PolicyDiffer
from .privileges import PrivilegeDiffer, acl_unchanged
from .triggers import TriggerDiffer


class TableDiffer(ConstraintDiffer, IndexDiffer, TriggerDiffer, PolicyDiffer, PartitionDiffer, PrivilegeDiffer):
    def rename_tables(self) -> dict[str, Table]:
        """The current tables, with renamed ones under their new names."""
        tables = dict(self.cur.tables)
        for new, old in self.renames.tables.items():
            if old in tables and new not in tables and new in self.des.tables:
                self.emit(ch.RenameTable(old, new))
                schema, name = split_qualified(new)
                self.rename_serial_sequences(new, name_of(old), name,
                                             [(c, c) for c in tables[old].columns], tables[old])
                renamed = retarget(replace(tables.pop(old), schema=schema, name=name), old, new)
                tables[new] = self.rename_named_after(renamed, name_of(old),
                                                      self.des.tables[new])
                for k, other in tables.items():  # foreign keys elsewhere follow the rename
                    if k != new and any(c.ref_table == old for c in other.constraints.values()):
                        tables[k] = retarget(other, old, new, only_references=True)
        return tables

    def rename_serial_sequences(self, table: str, old_table: str, new_table: str,
                                columns: list[tuple[str, str]], current: Table) -> None:
        """Serial columns keep the sequence name serial would give them after a rename."""
        for old_col, new_col in columns:
            col = current.columns.get(old_col)
            if col is None or col.type not in SERIAL_TYPES:
                continue
            before = serial_sequence_name(old_table, old_col)
            after = serial_sequence_name(new_table, new_col)
            if before != after:
                self.emit(ch.RenameSequence(table, before, after))

    def rename_named_after(self, t: Table, old_name: str, des: Table) -> Table:
        """Keys and indexes named after the old table name (users_pkey) are renamed along
        (people_pkey) when the schema names them so: a rename, not a rebuild of the index."""
        def renamed(name: str) -> str | None:
            return t.name + name[len(old_name):] if name.startswith(old_name + "_") else None

        constraints = {}
        for name, con in t.constraints.items():
            new = renamed(name)
            target = des.constraints.get(new or "")
            if new and name not in des.constraints and target and target.definition == con.definition:
                self.emit(ch.RenameConstraint(t.qname, name, new))
                con = replace(con, name=new)
            constraints[con.name or name] = con
        indexes = {}
        for name, idx in t.indexes.items():
            new = renamed(name)
            target_idx = des.indexes.get(new or "")
            if new and name not in des.indexes and target_idx and \
                    target_idx.definition == idx.definition.replace(f" {ident(name)} ON ", f" {ident(new)} ON ", 1):
                self.emit(ch.RenameIndex(t.qname, name, new))
                idx = replace(idx, name=new, definition=target_idx.definition)
            indexes[idx.name] = idx
        return replace(t, constraints=constraints, indexes=indexes)

    def tables(self, cur: dict[str, Table]) -> None:
        created = self.des.tables  # what is created, as declared
        des = own_columns(dict(self.des.tables))  # what is compared
        cur.update(own_columns(cur))
        self.table_depth = partition_depths(self.des.tables)  # a table to be attached counts as under its parent
        rebuilt, cascaded = self.partitioning(cur, des)
        self.index_copies(cur, des, set(keys_added(cur, des)) | rebuilt | cascaded)
        for k in keys_common(cur, des) if self.renames.columns else ():  # first, what changes under dependents
            if k not in rebuilt and k not in cascaded:
                cur[k] = self.rename_columns(cur[k], des[k])
        pairs = [(cur[k], des[k]) for k in keys_common(cur, des) if k not in rebuilt and k not in cascaded]
        equal = list(starmap(same, pairs))  # (asked once: the walk below asks again)
        renamed = {t for t, _ in self.affected_columns}  # (renamed columns, enum columns converted)
        for (a, b), eq in zip(pairs, equal):
            if not (eq and not (renamed and a.qname in renamed)):  # an unchanged table changes no column
                self.mark_affected(a, b)
        for k in rebuilt:  # created again: every column goes, and what reads it
            self.affected_columns |= {(k, c) for c in cur[k].columns}
        depth = partition_depths(des)
        new = set(keys_added(cur, des)) | rebuilt | (cascaded & set(des))
        taken = self.names_taken([created[k] for k in new])
        for k in sorted(new, key=lambda k: (depth.get(k, 0), k)):
            self.create_table(created[k], taken.get(created[k].schema, set()), depth.get(k, 0),
                              parent_new=created[k].partition_of in new)
        self.attached_names(cur, des, set(keys_added(cur, des)) | rebuilt | cascaded)
        dropped = set(keys_dropped(cur, des)) | rebuilt
        gone = dropped | set(keys_dropped(self.cur.views, self.des.views))
        for k in sorted(dropped):
            t = cur[k]
            if t.partition_of and (t.partition_of in dropped or t.partition_of in cascaded):
                continue  # dropped with its parent
            if k in rebuilt:
                self.emit(ch.DropTable(t, rebuilt=True))
            else:
                default = bool(t.partition_of) and any(
                    o.partition_of == t.partition_of and o.bound == "DEFAULT" for o in cur.values())
                self.emit(ch.DropTable(t, parent_has_default=default))
            for pol in t.policies.values():
                if gone & set(pol.reads) or self.calls_recreated_function(f"{pol.using} {pol.with_check}"):
                    self.emit(ch.DropPolicy(k, pol))  # it reads another table that goes: it goes first
            # What calls a function that goes too goes first: that function may name the
            # table's row type, and go before the table (plan.order), while they still call it.
            for idx in t.indexes.values():
                if self.calls_recreated_function(idx.definition):
                    self.emit(ch.DropIndex(k, idx))
            for trg in t.triggers.values():
                if self.calls_recreated_function(trg.definition.partition(" EXECUTE FUNCTION ")[0]):  # WHEN
                    self.emit(ch.DropTrigger(k, trg))
            for con in t.constraints.values():
                # Its foreign keys go first where what they reference goes or changes before
                # the table itself is dropped (dropped tables reference each other in any order).
                if con.kind == "foreign_key" and con.ref_table != k and (
                        con.ref_table in dropped or self.fk_disturbed(con)):
                    self.emit(ch.DropConstraint(k, con))
                elif con.kind in ("check", "exclude") and self.calls_recreated_function(con.definition):
                    self.emit(ch.DropConstraint(k, con))
        # An unchanged table has nothing to say unless what changed elsewhere reaches it (the
        # common case of a plan in CI: comparing keys is cheaper than walking it). The backward
        # plan compares the same objects: their keys are computed once for both. Grants are
        # compared apart (they are not part of a table's equality).
        reaches = self.reaches()
        for (a, b), eq in zip(pairs, equal):
            parent = b.partition_of  # whose column changes may reach a partition
            if not (eq and acl_unchanged(a, b)
                    and (not parent or same(self.cur.tables.get(parent), self.des.tables.get(parent)))) \
                    or reaches(a):
                self.table(a, b, dropped)

    def rename_columns(self, a: Table, b: Table) -> Table:
        if not self.renames.columns or not any(table == b.qname for table, _ in self.renames.columns):
            return a  # (the same object: its key stands)
        cols = dict(a.columns)
        for (table, new), old in self.renames.columns.items():
            if table == b.qname and old in cols and new not in cols and new in b.columns:
                self.emit(ch.RenameColumn(b.qname, old, new))
                self.rename_serial_sequences(b.qname, b.name, b.name, [(old, new)], a)
                cols = {(new if n == old else n): (replace(c, name=new) if n == old else c)
                        for n, c in cols.items()}
                self.affected_columns.add((b.qname, new))  # dependents' text names the column
        return replace(a, columns=cols)

    def mark_affected(self, a: Table, b: Table) -> None:
        for name, col in a.columns.items():
            new = b.columns.get(name)
            if new is None or retyped(col, new) or regenerated(col, new):
                self.affected_columns.add((a.qname, name))
                if new is not None and not regenerated(col, new) and (a.qname, name) not in self.enum_columns:
                    self.retyped_columns.add((a.qname, name))
        for con in a.constraints.values():
            if con.kind in ("primary_key", "unique") and (
                con.name not in b.constraints or b.constraints[con.name].definition != con.definition
                or self.rebuilds(a.qname, con.columns)
            ):
                self.dropped_keys.add((a.qname, tuple(sorted(con.columns))))

    def names_taken(self, tables: list[Table]) -> dict[str, set[str]]:
        """Of the names the NOT NULLs of these tables (to be created) are given, by schema, those
        a constraint of the schema's tables that are there has already: as it is, or as the name
        its NOT NULL is given (a partition-to-be takes its new parent's). Every column of the
        schema is read once, against the few names asked (in C, but where a table has columns
        from its parents)."""
        asked: dict[str, set[str]] = {}
        for t in tables:
            asked.setdefault(t.schema, set()).update(
                c.not_null_name for c in t.columns.values() if c.not_null_name is not None)
        out: dict[str, set[str]] = {}
        for schema, names in asked.items():
            if not names:
                continue
            theirs = [t for t in self.cur.tables.values() if t.schema == schema]
            # (a table the same on both sides has the same NOT NULL names: those of `theirs`)
            theirs_too = [t for k, t in self.des.tables.items() if t.schema == schema and (
                (c := self.cur.tables.get(k)) is not None
                and (t.inherited_columns or c.inherited_columns or not same(c, t)))]
            not_null = names.intersection(_not_null_names(theirs + theirs_too))
            not_null.discard("")
            out[schema] = not_null | names.intersection(chain.from_iterable(map(_CONSTRAINTS, theirs))) \
                | names.intersection(chain.from_iterable(map(_INHERITED_CONSTRAINTS, theirs)))
        return out

    def create_table(self, t: Table, taken: set[str], depth: int = 0, parent_new: bool = True) -> None:
        # A NOT NULL whose usual name a constraint in the schema has already (``taken``, of the
        # names its NOT NULLs are given): named outright (PostgreSQL would choose another,
        # "…_not_null1", and the schemas would differ).
        named = frozenset(n for n, c in t.columns.items()
                          if c.not_null_name is not None and c.not_null_name in taken)
        # A new partition of a parent there already, whose own key is its copy of a parent's
        # index: created as a table, then attached (PostgreSQL then takes the key's index).
        standalone = (not parent_new and bool(t.partition_of) and bool(t.inherited_columns)
                      and any(w[0] == "index" and n in t.constraints for w, n in t.attached)
                      and not any(c.identity or c.generated for c in t.inherited_columns.values()))
        self.emit(ch.CreateTable(t, depth, self.des.tables.get(t.partition_of or ""), named, standalone))
        for col in ([] if t.partition_of else t.columns.values()):
            self.column_options(t.qname, None, col)
            self.sequence_privileges(t.qname, None, col)
        self.privileges("table", qname_ident(t.qname), f"table {qname_ident(t.qname)}", None, t.acl, created=True)
        if t.replica_identity != "default":
            self.emit(ch.SetReplicaIdentity(t.qname, t.replica_identity))
        for con in t.constraints.values():
            if not con.inline:
                self.emit(ch.AddConstraint(t.qname, con, new_table=True))
        for idx in t.indexes.values():
            self.emit(ch.CreateIndex(t.qname, idx, new_table=True, depth=depth))
        for trg in t.triggers.values():
            self.emit(ch.CreateTrigger(t.qname, trg))
        for pol in t.policies.values():
            self.emit(ch.CreatePolicy(t.qname, pol))
        if t.row_security or t.force_row_security:
            self.emit(ch.SetRowSecurity(t.qname, t.row_security or None, t.force_row_security or None))

    def table(self, a: Table, b: Table, dropped_tables: set[str]) -> None:
        q = b.qname
        if a.acl is not None and b.acl is not None:  # (else there is nothing to compare)
            self.privileges("table", qname_ident(q), f"table {qname_ident(q)}", a.acl, b.acl)
        for p in a.inherits:
            if p not in b.inherits:
                self.emit(ch.AlterInherit(q, p, False))
        for p in b.inherits:
            if p not in a.inherits:
                self.emit(ch.AlterInherit(q, p, True))
        if a.inherits != b.inherits:
            # A parent's columns stay in the table that leaves it, as its own (NOT NULL and all);
            # a table taking a parent must have its columns already, and keeps them as its own.
            left = {n for p in set(a.inherits) - set(b.inherits) if (t := self.cur.tables.get(p))
                    for n in t.columns}
            a = replace(a, columns={**{n: c for n, c in a.inherited_columns.items() if n in left},
                                    **a.columns})
            taken = {n: c for p in set(b.inherits) - set(a.inherits) if (t := self.des.tables.get(p))
                     for n, c in t.columns.items()}
            b = replace(b, columns={**{n: c for n, c in taken.items() if n in a.columns}, **b.columns})
        if a.comment != b.comment:
            self.comment(f"TABLE {qname_ident(q)}", f"table {qname_ident(q)}", a.comment, b.comment)
        if sorted(a.options) != sorted(b.options) or a.unlogged != b.unlogged:
            self.emit(ch.AlterTableStorage(a, b))  # (their order is kept where they are created)
        if a.replica_identity != b.replica_identity:
            self.emit(ch.SetReplicaIdentity(q, b.replica_identity))
        for name in keys_added(a.columns, b.columns):
            self.emit(ch.AddColumn(q, b.columns[name]))
            self.column_options(q, None, b.columns[name])
            self.sequence_privileges(q, None, b.columns[name])
        for name in keys_dropped(a.columns, b.columns):
            self.emit(ch.DropColumn(q, a.columns[name]))
        for name in keys_common(a.columns, b.columns):
            x, y = a.columns[name], b.columns[name]
            if x != y:  # (an equal column has nothing to say, but for its sequence's grants)
                self.column(q, x, y)
                self.column_options(q, x, y)
            if y.sequence_acl is not None:
                self.sequence_privileges(q, x, y)

        self.constraints(a, b, dropped_tables)
        self.indexes(a, b)
        self.triggers(q, a.triggers, b.triggers)
        self.policies(a, b)
        if b.partition_of and a.partition_of == b.partition_of:
            self.partition_columns(a, b)

    def column(self, table: str, a: Column, b: Column) -> None:
        if regenerated(a, b):
            self.emit(ch.DropColumn(table, a), ch.AddColumn(table, b))
            return
        if (table, a.name) in self.enum_columns:
            a = replace(a, default=b.default)  # RebuildEnum converts it and sets its default
        if (retyped(a, b) or a.default != b.default or a.not_null != b.not_null
                or a.identity != b.identity or a.identity_options != b.identity_options):
            schema, name = split_qualified(table)
            kept = qualify(schema, serial_sequence_name(name, b.name)) in self.adopted_sequences
            enums = {qident(e.schema, e.name) for e in (*self.cur.enums.values(), *self.des.enums.values())}
            via_text = a.type.removesuffix("[]") in enums or b.type.removesuffix("[]") in enums
            self.emit(ch.AlterColumn(table, a, b, keep_sequence=kept, via_text=via_text))
        if b.not_null and b.not_null_name is not None:
            # PostgreSQL 18's name: kept by a renamed table, a detached partition's is its old
            # parent's, a new NOT NULL takes PostgreSQL's choice
            now = a.not_null_name if a.not_null else not_null_default(name_of(table), b.name)
            if now != b.not_null_name:
                self.emit(ch.NameNotNull(table, b.name, b.not_null_name, depth=self.table_depth.get(table, 0),
                                         early=a.not_null))
        if a.comment != b.comment:  # (the names quoted only then: a large table's columns are many)
            self.comment(f"COLUMN {qname_ident(table)}.{ident(b.name)}",
                         f"column {qname_ident(table)}.{ident(b.name)}", a.comment, b.comment)


    def column_options(self, table: str, a: Column | None, b: Column) -> None:
        """Statistics, n_distinct, storage and compression: a new column's from PostgreSQL's
        defaults; a retyped one's storage and compression too (ALTER COLUMN … TYPE resets them
        to the new type's), a column dropped and added again (generated anew) all of them."""
        before = a.options if a is not None and not regenerated(a, b) else None
        if before is not None and a is not None and retyped(a, b):
            before = replace(before, storage=None, compression=None, type_storage=None)
        if before != b.options and (before or ColumnOptions()) != (b.options or ColumnOptions()):
            self.emit(ch.SetColumnOptions(table, b.name, before, b.options, b.source))


def retarget(t: Table, old: str, new: str, only_references: bool = False) -> Table:
    """A table as PostgreSQL prints it after ALTER TABLE RENAME: its own name in the text of its
    indexes, triggers and (self-referencing) foreign keys is the new one."""

    pattern = re.compile(r"(?<![\w\".])" + re.escape(qname_ident(old)) + r"(?![\w\"])")
    new_text = qname_ident(new)

    def sub(text: str) -> str:
        return pattern.sub(new_text, text)

    constraints = {k: replace(c, definition=sub(c.definition),
                              ref_table=new if c.ref_table == old else c.ref_table)
                   for k, c in t.constraints.items()}
    if only_references:
        return replace(t, constraints=constraints)
    return replace(
        t,
        constraints=constraints,
        indexes={k: replace(i, definition=sub(i.definition)) for k, i in t.indexes.items()},
        triggers={k: replace(g, definition=sub(g.definition)) for k, g in t.triggers.items()},
    )




_CONSTRAINTS = attrgetter("constraints")
_INHERITED_CONSTRAINTS = attrgetter("inherited_constraints")


def _not_null_names(tables: list[Table]) -> Iterable[str | None]:
    """The names of the NOT NULLs of these tables' columns (those from their parents too)."""
    plain = [t for t in tables if not t.inherited_columns]
    columns = chain.from_iterable(map(methodcaller("values"), map(attrgetter("columns"), plain)))
    return chain(map(attrgetter("not_null_name"), columns),
                 (c.not_null_name for t in tables if t.inherited_columns for c in t.every_column().values()))


def own_columns(tables: dict[str, Table]) -> dict[str, Table]:
    """A child table's columns without those its parents have: a column a child declares that its
    parent has too is one column (PostgreSQL merges them), whether or not the child names it."""
    out = dict(tables)
    for k, t in tables.items():
        if t.inherits:
            theirs = {n for p in t.inherits if p in tables for n in tables[p].columns}
            if theirs & set(t.columns):
                out[k] = replace(t, columns={n: c for n, c in t.columns.items() if n not in theirs})
    return out
