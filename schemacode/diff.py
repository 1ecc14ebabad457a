"""diff(current, desired) -> [Change]: a pure function of two catalogs.

Both catalogs come from PostgreSQL (the live database and the scratch database holding the
desired schema), so text is compared as PostgreSQL prints it. The backward plan is the same
function called the other way round. Changes are returned in no particular order: plan.py orders
them by phase.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, TypeVar

from . import changes as ch
from .model import (
    SERIAL_TYPES, Acl, Aggregate, Catalog, CompositeType, Column, Constraint, EnumType, Function, Index, Sequence, Table, Trigger, View,
    attached_default, not_null_default, qualify,
    serial_sequence, serial_sequence_name,
)
from .sqltext import closing_bracket, ident, qident, qname_ident

T = TypeVar("T")


@dataclass(frozen=True)
class Renames:
    """Rename hints from schema.yaml (``renamed_from``), keyed by the new name."""

    tables: Mapping[str, str] = field(default_factory=dict)  # new qname -> old qname
    columns: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (table, new) -> old
    enum_values: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (enum, new) -> old

    def inverted(self) -> Renames:
        """The hints for the backward plan: every rename undone."""
        tables = {old: new for new, old in self.tables.items()}
        columns = {(self.tables.get(t, t), old): new for (t, new), old in self.columns.items()}
        values = {(e, old): new for (e, new), old in self.enum_values.items()}
        return Renames(tables, columns, values)


def diff(current: Catalog, desired: Catalog, renames: Renames | None = None) -> list[ch.Change]:
    return _Differ(current, desired, renames or Renames()).run()


def _added(cur: Mapping[str, T], des: Mapping[str, T]) -> list[str]:
    return [k for k in des if k not in cur]


def _dropped(cur: Mapping[str, T], des: Mapping[str, T]) -> list[str]:
    return [k for k in cur if k not in des]


def _common(cur: Mapping[str, T], des: Mapping[str, T]) -> list[str]:
    return [k for k in des if k in cur]


class _Differ:
    def __init__(self, current: Catalog, desired: Catalog, renames: Renames) -> None:
        self.cur = current
        self.des = desired
        self.renames = renames
        self.out: list[ch.Change] = []
        # Filled while diffing; what dependents must be dropped and created again around.
        self.table_depth: dict[str, int] = {}  # partitions' depth under their parents
        self._constraint_names: dict[str, set[str]] = {}  # see constraint_names
        self.affected_columns: set[tuple[str, str]] = set()  # (table, column) retyped or dropped
        # Of those, the ones only retyped: PostgreSQL carries plain indexes and keys on them
        # through ALTER COLUMN … TYPE (rebuilding an index only when it must).
        self.retyped_columns: set[tuple[str, str]] = set()
        self.dropped_keys: set[tuple[str, tuple[str, ...]]] = set()  # (table, key columns)
        self.recreated_functions: set[str] = set()  # qualified names
        self.enum_columns: set[tuple[str, str]] = set()  # columns a RebuildEnum converts
        self.adopted_sequences: set[str] = set()  # a serial's sequence kept as a sequence, or back

    def run(self) -> list[ch.Change]:
        self.schemas()
        self.extensions()
        self.enums()
        self.types()
        self.domains()
        self.sequences()
        self.functions()
        self.aggregates()
        tables = self.rename_tables()
        self.tables(tables)
        self.views(tables)
        return self.out

    def emit(self, *changes: ch.Change) -> None:
        self.out.extend(changes)

    def comment(self, target: str, label: str, before: str | None, after: str | None) -> None:
        if before != after:
            self.emit(ch.SetComment(target, label, after))

    # -- schemas, extensions, types, sequences, functions -------------------------------------
    def privileges(self, kind: str, name: str, label: str, a: Acl | None, b: Acl | None,
                   created: bool = False) -> None:
        """Owner and grants, where both sides manage them (schema.yaml declares them; a database
        always has them), or for an object created with them."""
        if b is None:
            return
        if not created:
            if a is None:
                return
            b = Acl(b.grants if a.grants is not None else None, b.owner if a.owner is not None else None)
            if b.grants is None and b.owner is None:
                return
        change = ch.SetPrivileges(kind, name, label, None if created else a, b)
        if change.statements():
            self.emit(change)

    def schemas(self) -> None:
        cur, des = self.cur.schemas, self.des.schemas
        for k in _added(cur, des):
            self.emit(ch.CreateSchema(des[k]))
            self.privileges("schema", ident(k), f"schema {k}", None, des[k].acl, created=True)
            if des[k].default_acl:
                self.emit(ch.SetDefaultPrivileges(k, (), des[k].default_acl or ()))
        for k in _dropped(cur, des):
            self.emit(ch.DropSchema(cur[k]))
        for k in _common(cur, des):
            self.comment(f"SCHEMA {ident(k)}", f"schema {k}", cur[k].comment, des[k].comment)
            self.privileges("schema", ident(k), f"schema {k}", cur[k].acl, des[k].acl)
            a, b = cur[k].default_acl, des[k].default_acl
            if a is not None and b is not None and set(a) != set(b):
                self.emit(ch.SetDefaultPrivileges(k, a, b))
        a, b = self.cur.default_acl, self.des.default_acl  # in every schema: where declared
        if a is not None and b is not None and set(a) != set(b):
            self.emit(ch.SetDefaultPrivileges(None, a, b))

    def extensions(self) -> None:
        cur, des = self.cur.extensions, self.des.extensions
        for k in _added(cur, des):
            self.emit(ch.CreateExtension(des[k]))
        for k in _dropped(cur, des):
            self.emit(ch.DropExtension(cur[k]))
        for k in _common(cur, des):
            if cur[k] != des[k]:
                self.emit(ch.AlterExtension(cur[k], des[k]))

    def enums(self) -> None:
        cur, des = self.cur.enums, self.des.enums
        for k in _added(cur, des):
            self.emit(ch.CreateEnum(des[k]))
            self.privileges("type", qname_ident(k), f"enum {k}", None, des[k].acl, created=True)
        for k in _dropped(cur, des):
            self.emit(ch.DropEnum(cur[k]))
        for k in _common(cur, des):
            self.enum_values(cur[k], des[k])
            self.comment(f"TYPE {qname_ident(k)}", f"enum {k}", cur[k].comment, des[k].comment)
            self.privileges("type", qname_ident(k), f"enum {k}", cur[k].acl, des[k].acl)

    def types(self) -> None:
        """Composite and range types."""
        for cur, des in ((self.cur.composites, self.des.composites), (self.cur.ranges, self.des.ranges)):
            for k in _added(cur, des):
                self.emit(ch.CreateType(des[k]))
                self.privileges("type", qname_ident(k), f"type {k}", None, des[k].acl, created=True)
            for k in _dropped(cur, des):
                self.emit(ch.DropType(cur[k]))
            for k in _common(cur, des):
                a, b = cur[k], des[k]
                if replace(a, comment=None) != replace(b, comment=None):
                    if isinstance(a, CompositeType) and isinstance(b, CompositeType) \
                            and ch.AlterCompositeType.possible(a, b):
                        self.emit(ch.AlterCompositeType(a, b))
                    else:  # a range's subtype or options, attributes reordered: made again
                        self.emit(ch.DropType(a, early=True), ch.CreateType(b))
                        self.privileges("type", qname_ident(k), f"type {k}", None,
                                        b.acl if b.acl is not None else a.acl, created=True)
                        continue
                self.comment(f"TYPE {qname_ident(k)}", f"type {k}", a.comment, b.comment)
                self.privileges("type", qname_ident(k), f"type {k}", a.acl, b.acl)

    def enum_values(self, before: EnumType, after: EnumType) -> None:
        values = list(before.values)
        for new in after.values:
            old = self.renames.enum_values.get((after.qname, new))
            if old is not None and old in values and new not in values:
                self.emit(ch.RenameEnumValue(after, old, new))
                values[values.index(old)] = new
        kept = [v for v in values if v in after.values]
        if kept != values or kept != [v for v in after.values if v in values]:
            self.emit(ch.RebuildEnum(replace(before, values=tuple(values)), after,
                                     self.enum_usages(after)))
            return
        for i, v in enumerate(after.values):
            if v in values:
                continue
            prev = after.values[i - 1] if i > 0 else None
            if prev is not None:
                self.emit(ch.AddEnumValue(after, v, after=prev))
            else:
                self.emit(ch.AddEnumValue(after, v, before=values[0] if values else None))
            values.insert(i, v)

    def enum_usages(self, enum: EnumType) -> tuple[ch.EnumUsage, ...]:
        name = qident(enum.schema, enum.name)
        usages = []
        for t in self.cur.tables.values():
            kept = self.des.tables.get(t.qname)
            for c in t.columns.values():
                # Columns that stay of this type are converted; dropped ones go before.
                if c.type in (name, name + "[]") and kept is not None and c.name in kept.columns \
                        and kept.columns[c.name].type == c.type:
                    self.affected_columns.add((t.qname, c.name))
                    self.enum_columns.add((t.qname, c.name))
                    des_table = self.des.tables.get(t.qname)
                    des_col = des_table.columns.get(c.name) if des_table else None
                    usages.append(ch.EnumUsage(t.qname, c.name, c.type.endswith("[]"),
                                               des_col.default_sql if des_col else None))
        return tuple(usages)

    def domains(self) -> None:
        cur, des = self.cur.domains, self.des.domains
        for k in _added(cur, des):
            self.emit(ch.CreateDomain(des[k]))
            self.privileges("domain", qname_ident(k), f"domain {k}", None, des[k].acl, created=True)
        for k in _dropped(cur, des):
            self.emit(ch.DropDomain(cur[k]))
        for k in _common(cur, des):
            a, b = cur[k], des[k]
            if a.type != b.type:
                self.emit(ch.DropDomain(a), ch.CreateDomain(b))  # fails while columns use it
                self.privileges("domain", qname_ident(k), f"domain {k}", None,
                                b.acl if b.acl is not None else a.acl, created=True)
                continue
            if replace(a, comment=None) != replace(b, comment=None):
                self.emit(ch.AlterDomain(a, b))
            self.comment(f"DOMAIN {qname_ident(k)}", f"domain {k}", a.comment, b.comment)
            self.privileges("domain", qname_ident(k), f"domain {k}", a.acl, b.acl)

    def sequences(self) -> None:
        cur, des = self.cur.sequences, self.des.sequences
        # A serial column's sequence is part of the column; when the same sequence is declared
        # on its own on the other side, it is kept (its options and owner change), not dropped
        # and created again under the same name.
        added, dropped = _added(cur, des), _dropped(cur, des)
        cur_serial = _serial_sequences(self.cur) if added else {}
        des_serial = _serial_sequences(self.des) if dropped else {}
        for k in added:
            if k in cur_serial:
                self.adopted_sequences.add(k)
                self.sequence(cur_serial[k], des[k])
                continue
            self.emit(ch.CreateSequence(des[k]))
            if des[k].owned_by:
                self.emit(ch.SetSequenceOwner(des[k], des[k].owned_by))
            self.privileges("sequence", qname_ident(k), f"sequence {k}", None, des[k].acl, created=True)
        for k in dropped:
            if k in des_serial:
                self.adopted_sequences.add(k)
                self.sequence(cur[k], des_serial[k])
                continue
            if cur[k].owned_by:
                self.emit(ch.SetSequenceOwner(cur[k], None))
            self.emit(ch.DropSequence(cur[k]))
        for k in _common(cur, des):
            self.sequence(cur[k], des[k])

    def sequence(self, a: Sequence, b: Sequence) -> None:
        if replace(a, comment=None, owned_by=None) != replace(b, comment=None, owned_by=None):
            self.emit(ch.AlterSequence(a, b))
        if a.owned_by != b.owned_by:
            if a.owned_by:
                self.emit(ch.SetSequenceOwner(a, None))
            if b.owned_by:
                self.emit(ch.SetSequenceOwner(b, b.owned_by))
        self.comment(f"SEQUENCE {qname_ident(b.qname)}", f"sequence {b.qname}", a.comment, b.comment)
        self.privileges("sequence", qname_ident(b.qname), f"sequence {b.qname}", a.acl, b.acl)

    def functions(self) -> None:
        cur, des = self.cur.functions, self.des.functions
        (cur_depth, cur_late), (des_depth, des_late) = _function_order(self.cur), _function_order(self.des)

        def routine(f: Function) -> tuple[str, str]:
            return f"{qname_ident(f.qname)}({f.arguments})", f"function {f.qname}({f.arguments})"

        for k in _added(cur, des):
            self.emit(ch.CreateFunction(des[k], depth=des_depth[k], late=k in des_late))
            self.privileges("function", *routine(des[k]), None, des[k].acl, created=True)
        for k in _dropped(cur, des):
            self.emit(ch.DropFunction(cur[k], depth=cur_depth[k], late=k in cur_late))
            self.recreated_functions.add(cur[k].qname)
        for k in _common(cur, des):
            a, b = cur[k], des[k]
            if a.returns != b.returns or a.is_procedure != b.is_procedure:
                self.emit(ch.DropFunction(a, early=True, depth=cur_depth[k], late=k in cur_late),
                          ch.CreateFunction(b, depth=des_depth[k], late=k in des_late))
                self.recreated_functions.add(a.qname)
                self.privileges("function", *routine(b), None, b.acl if b.acl is not None else a.acl,
                                created=True)
            else:
                if a.compared != b.compared:
                    self.emit(ch.CreateFunction(b, replace=True, depth=des_depth[k], late=k in des_late))
                self.comment(ch.functions.function_target(b), f"function {b.qname}({b.arguments})",
                             a.comment, b.comment)
                self.privileges("function", *routine(b), a.acl, b.acl)

    def aggregates(self) -> None:
        cur, des = self.cur.aggregates, self.des.aggregates
        for k in _added(cur, des):
            self.emit(ch.CreateAggregate(des[k]))
        for k in _dropped(cur, des):
            self.emit(ch.DropAggregate(cur[k]))
        for k in _common(cur, des):
            a, b = cur[k], des[k]
            if a.options != b.options:
                def typed(x: Aggregate) -> list[str]:  # what its state and result types come from
                    return [o for o in x.options if o.startswith(("stype = ", "finalfunc = "))]
                if typed(a) == typed(b):  # CREATE OR REPLACE AGGREGATE keeps what uses it
                    self.emit(ch.CreateAggregate(b, replace=True))
                else:  # another result type: made again, and the views calling it with it
                    self.emit(ch.DropAggregate(a, early=True), ch.CreateAggregate(b))
                    self.recreated_functions.add(a.qname)
                    continue
            self.comment(ch.functions.aggregate_target(b), f"aggregate {b.qname}({b.arguments})",
                         a.comment, b.comment)

    # -- tables --------------------------------------------------------------------------------
    def rename_tables(self) -> dict[str, Table]:
        """The current tables, with renamed ones under their new names."""
        tables = dict(self.cur.tables)
        for new, old in self.renames.tables.items():
            if old in tables and new not in tables and new in self.des.tables:
                self.emit(ch.RenameTable(old, new))
                schema, _, name = new.partition(".")
                self.rename_serial_sequences(new, old.partition(".")[2], name,
                                             [(c, c) for c in tables[old].columns], tables[old])
                renamed = _retarget(replace(tables.pop(old), schema=schema, name=name), old, new)
                tables[new] = self.rename_named_after(renamed, old.partition(".")[2],
                                                      self.des.tables[new])
                for k, other in tables.items():  # foreign keys elsewhere follow the rename
                    if k != new and any(c.ref_table == old for c in other.constraints.values()):
                        tables[k] = _retarget(other, old, new, only_references=True)
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

    def partitioning(self, cur: dict[str, Table], des: dict[str, Table]) -> tuple[set[str], set[str]]:
        """Tables whose partitioning changes. A table whose PARTITION BY changes (or that gains or
        loses it) is created again: PostgreSQL cannot alter it (a data-loss hazard, never
        silent). A partition that changes parent or bound is detached, and attached again where
        schema.yaml wants it; a table becoming a partition is attached: both keep their rows.
        Returns (tables created again, their partitions that go with them); ``cur`` and ``des``
        are rewritten so that what is detached, or attached, compares as a table of its own."""
        rebuilt = {k for k in _common(cur, des) if cur[k].partition_by != des[k].partition_by}
        cascaded: set[str] = set()  # partitions dropped with a parent created again

        def under(parent: str) -> list[str]:
            return [k for k, t in cur.items() if t.partition_of == parent]

        for k in sorted(rebuilt):
            stack = under(k)
            while stack:
                child = stack.pop()
                if child in des and des[child].partition_by == cur[child].partition_by:
                    continue  # detached below, kept
                cascaded.add(child)
                stack += under(child)
        for k in _common(cur, des):
            if k in rebuilt or k in cascaded:
                continue
            a, b = cur[k], des[k]
            parent_changes = a.partition_of in rebuilt or b.partition_of in rebuilt
            if a.partition_of and ((a.partition_of, a.bound) != (b.partition_of, b.bound) or parent_changes):
                self.emit(ch.AttachPartition(k, a.partition_of, None))
                parent = cur.get(a.partition_of)
                columns = dict(a.inherited_columns or (parent.columns if parent else {}))
                if parent is not None and (a.partition_of in rebuilt or a.partition_of not in des):
                    # a default that still draws on its old parent's serial sequence would keep
                    # that table from being dropped: it goes first (the plan sets the new one)
                    schema = parent.schema
                    sequences = {qident(schema, serial_sequence_name(parent.name, c))
                                 for c, col in parent.columns.items() if col.type in SERIAL_TYPES}
                    for n, col in columns.items():
                        if col.default and any(f"'{s}'" in col.default for s in sequences):
                            self.emit(ch.DropDefaultEarly(k, n))
                            columns[n] = replace(col, default=None)
                cur[k] = replace(a, partition_of=None, bound=None, columns=columns,
                                 constraints={**a.inherited_constraints, **a.constraints},
                                 indexes={**a.inherited_indexes, **a.indexes})
            if b.partition_of and ((a.partition_of, a.bound) != (b.partition_of, b.bound) or parent_changes):
                self.emit(ch.AttachPartition(k, b.partition_of, b.bound))
                parent = des.get(b.partition_of)
                if parent is not None and not parent_changes:
                    cur[k] = self.adopted(cur[k], b, parent)
                des[k] = replace(b, partition_of=None, bound=None,  # its columns as they will be
                                 columns=dict(b.inherited_columns or (parent.columns if parent else {})))
        return rebuilt, cascaded

    def adopted(self, table: Table, b: Table, parent: Table) -> Table:
        """A table attached as a partition of ``parent``: PostgreSQL takes as its copy of each of
        the parent's indexes an index of the table's own that matches, else builds one (named
        its own way). The copies are named as schema.yaml says right after, before the table's
        own indexes are made; returned, the table as it is once attached."""
        wanted = dict(b.attached)
        indexes, attached = dict(table.indexes), []
        for pname, p in sorted(parent.indexes.items()):
            what = ("index", pname)
            own = _matching(indexes, lambda n: ch.indexes.copy_definition(p.definition, n, b.qname))
            if own is not None:
                del indexes[own]
                attached.append((what, own))
            name = wanted.get(what)
            if name is not None and name != (own or attached_default(b.name, parent, what)):
                self.emit(ch.NameAttached(b.qname, parent.qname, what, name,
                                          depth=self.table_depth.get(b.qname, 0)))
        return replace(table, indexes=indexes, attached=tuple(sorted(attached)))

    def index_copies(self, cur: dict[str, Table], des: dict[str, Table], created: set[str]) -> None:
        """Partitions' copies of their parents' indexes where one side lacks one (the parent's
        index is then invalid: made ON ONLY, a partition's copy never attached).

        A copy schema.yaml has and the database lacks: an index of the partition that matches is
        attached (named as declared after), else the copy is built and attached. A copy the
        database has and schema.yaml lacks: PostgreSQL cannot detach one, so the parent's index is
        dropped (every copy with it) and made again ON ONLY, and the copies schema.yaml has are
        attached again. ``cur`` is updated to what the database holds once these run."""
        def comparable(parent: str, what: tuple[str, str]) -> bool:
            a, b = cur.get(parent), des.get(parent)
            if parent in created or a is None or b is None:
                return False
            mine, theirs = (a.indexes, b.indexes) if what[0] == "index" else (a.constraints, b.constraints)
            return what[1] in mine and what[1] in theirs and mine[what[1]] == theirs[what[1]]

        remade: set[tuple[str, tuple[str, str]]] = set()  # (parent, its index or key) made again ONLY
        for k, t in cur.items():
            if k in des and k not in created and t.partition_of and t.partition_of == des[k].partition_of:
                wanted = dict(des[k].attached)
                for what, _ in t.attached:
                    if what not in wanted and comparable(t.partition_of, what):
                        remade.add((t.partition_of, what))
        for parent, what in sorted(remade):
            if what[0] == "index":
                self.emit(ch.DropIndex(parent, cur[parent].indexes[what[1]]),
                          ch.CreateIndexOnly(parent, des[parent].indexes[what[1]]))
            else:  # a key: the foreign keys that reference it go and come back around it
                key = cur[parent].constraints[what[1]]
                self.emit(ch.DropConstraint(parent, key), ch.AddKeyOnly(parent, des[parent].constraints[what[1]]))
                self.dropped_keys.add((parent, tuple(sorted(key.columns))))
            for k, t in cur.items():  # every copy went with the parent's index
                if t.partition_of == parent:
                    cur[k] = replace(t, attached=tuple(a for a in t.attached if a[0] != what))
        for k, t in des.items():
            if k in created or k not in cur or not t.partition_of or t.partition_of != cur[k].partition_of:
                continue
            have = dict(cur[k].attached)
            for what, name in t.attached:
                if what in have:
                    continue
                if not (comparable(t.partition_of, what) or (t.partition_of, what) in remade):
                    continue  # a parent's index or key new in this plan: PostgreSQL makes the copies
                if what[0] == "index":
                    parent_index = des[t.partition_of].indexes[what[1]].definition
                    build = ch.indexes.copy_definition(parent_index, name, k)
                    own = _matching(cur[k].indexes, lambda n: ch.indexes.copy_definition(parent_index, n, k))
                    self.emit(ch.AttachIndexCopy(t.partition_of, what[1], k, own or name, None if own else build))
                else:
                    key = des[t.partition_of].constraints[what[1]]
                    own = _matching(cur[k].indexes, lambda n: (ch.constraints.key_over_index(
                        key.kind, key.definition, n, k) or ("",))[0])
                    self.emit(ch.AttachKeyCopy(t.partition_of, key, k, name, own))
                part = cur[k]
                cur[k] = replace(part, indexes={n: i for n, i in part.indexes.items() if n != own},
                                 attached=tuple(sorted(part.attached + ((what, own or name),))))

    def attached_names(self, cur: dict[str, Table], des: dict[str, Table], created: set[str]) -> None:
        """Partitions' copies of their parents' indexes and keys named as declared."""
        for k, t in des.items():
            if not t.attached or not t.partition_of or t.partition_of not in des:
                continue
            have = dict(cur[k].attached) if k in cur and k not in created else {}
            parent = des[t.partition_of]
            for what, name in t.attached:
                if have.get(what, "") == name:
                    continue
                if not have and name == attached_default(t.name, parent, what):
                    continue  # PostgreSQL names it so itself
                self.emit(ch.NameAttached(k, t.partition_of, what, name))

    def tables(self, cur: dict[str, Table]) -> None:
        created = self.des.tables  # what is created, as declared
        des = _own_columns(dict(self.des.tables))  # what is compared
        cur.update(_own_columns(cur))
        self.table_depth = _partition_depths(self.des.tables)  # a table to be attached counts as under its parent
        rebuilt, cascaded = self.partitioning(cur, des)
        self.index_copies(cur, des, set(_added(cur, des)) | rebuilt | cascaded)
        for k in _common(cur, des):  # first, what changes under dependents
            if k not in rebuilt and k not in cascaded:
                cur[k] = self.rename_columns(cur[k], des[k])
        pairs = [(cur[k], des[k]) for k in _common(cur, des) if k not in rebuilt and k not in cascaded]
        for a, b in pairs:
            self.mark_affected(a, b)
        for k in rebuilt:  # created again: every column goes, and what reads it
            self.affected_columns |= {(k, c) for c in cur[k].columns}
        depth = _partition_depths(des)
        new = set(_added(cur, des)) | rebuilt | (cascaded & set(des))
        for k in sorted(new, key=lambda k: (depth.get(k, 0), k)):
            self.create_table(created[k], depth.get(k, 0), parent_new=created[k].partition_of in new)
        self.attached_names(cur, des, set(_added(cur, des)) | rebuilt | cascaded)
        dropped = set(_dropped(cur, des)) | rebuilt
        gone = dropped | set(_dropped(self.cur.views, self.des.views))
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
                if gone & set(pol.reads):  # it reads another table that goes: it goes first
                    self.emit(ch.DropPolicy(k, pol))
            for con in t.constraints.values():
                # Its foreign keys go first where what they reference goes or changes before
                # the table itself is dropped (dropped tables reference each other in any order).
                if con.kind == "foreign_key" and con.ref_table != k and (
                        con.ref_table in dropped or self.fk_disturbed(con)):
                    self.emit(ch.DropConstraint(k, con))
        # Nothing retyped, dropped or recreated anywhere: an unchanged table has nothing to say
        # (the common case of a plan in CI; comparing is cheaper than walking it).
        quiet = not (self.affected_columns or self.dropped_keys or self.recreated_functions
                     or self.enum_columns)
        for a, b in pairs:
            parent = b.partition_of or ""  # whose column changes may reach a partition
            if not (quiet and a == b and (b.acl is None or a.acl == b.acl)
                    and self.cur.tables.get(parent) == self.des.tables.get(parent)):
                self.table(a, b, dropped)

    def rename_columns(self, a: Table, b: Table) -> Table:
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
            if new is None or _retyped(col, new) or _regenerated(col, new):
                self.affected_columns.add((a.qname, name))
                if new is not None and not _regenerated(col, new) and (a.qname, name) not in self.enum_columns:
                    self.retyped_columns.add((a.qname, name))
        for con in a.constraints.values():
            if con.kind in ("primary_key", "unique") and (
                con.name not in b.constraints or b.constraints[con.name].definition != con.definition
                or self.rebuilds(a.qname, con.columns)
            ):
                self.dropped_keys.add((a.qname, tuple(sorted(con.columns))))

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

    def constraint_names(self, schema: str) -> set[str]:
        """The names of the constraints of a schema's tables that are there: as they are, and
        the names their NOT NULLs are given (a partition-to-be takes its new parent's)."""
        if schema not in self._constraint_names:
            self._constraint_names[schema] = {
                name for t in self.cur.tables.values() if t.schema == schema
                for name in (*t.constraints, *t.inherited_constraints,
                             *(c.not_null_name for c in t.every_column().values() if c.not_null_name))
            } | {c.not_null_name for k, t in self.des.tables.items() if t.schema == schema and k in self.cur.tables
                 for c in t.every_column().values() if c.not_null_name}
        return self._constraint_names[schema]

    def fk_disturbed(self, c: Constraint) -> bool:
        """A foreign key whose referenced key is dropped or retyped."""
        if c.kind != "foreign_key" or c.ref_table is None:
            return False
        ref = (c.ref_table, tuple(sorted(c.ref_columns)))
        return ref in self.dropped_keys or self.touches(c.ref_table, c.ref_columns)

    def create_table(self, t: Table, depth: int = 0, parent_new: bool = True) -> None:
        # A NOT NULL whose usual name a constraint in the schema has already: named outright
        # (PostgreSQL would choose another, "…_not_null1", and the schemas would differ).
        taken = self.constraint_names(t.schema)
        named = frozenset(n for n, c in t.columns.items()
                          if c.not_null_name is not None and c.not_null_name in taken)
        # A new partition of a parent there already, whose own key is its copy of a parent's
        # index: created as a table, then attached (PostgreSQL then takes the key's index).
        standalone = (not parent_new and bool(t.partition_of) and bool(t.inherited_columns)
                      and any(w[0] == "index" and n in t.constraints for w, n in t.attached)
                      and not any(c.identity or c.generated for c in t.inherited_columns.values()))
        self.emit(ch.CreateTable(t, depth, self.des.tables.get(t.partition_of or ""), named, standalone))
        self.privileges("table", qname_ident(t.qname), f"table {t.qname}", None, t.acl, created=True)
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

    def policies(self, a: Table, b: Table) -> None:
        q = b.qname
        for name in _dropped(a.policies, b.policies):
            self.emit(ch.DropPolicy(q, a.policies[name]))
        for name in _added(a.policies, b.policies):
            self.emit(ch.CreatePolicy(q, b.policies[name]))
        for name in _common(a.policies, b.policies):
            x, y = a.policies[name], b.policies[name]
            # PostgreSQL refuses to retype a column a policy reads: it goes and comes back
            gone = self.touches(q, x.columns) or self.calls_recreated_function(
                f"{x.using or ''} {x.with_check or ''}") or any(
                r in self.cur.tables and r not in self.des.tables
                or r in self.cur.views and r not in self.des.views for r in x.reads)
            if gone or not ch.AlterPolicy.possible(x, y):
                self.emit(ch.DropPolicy(q, x), ch.CreatePolicy(q, y))
                continue
            if (x.roles, x.using, x.with_check) != (y.roles, y.using, y.with_check):
                self.emit(ch.AlterPolicy(q, x, y))
            self.comment(f"POLICY {ident(name)} ON {qname_ident(q)}", f"policy {name} on {q}",
                         x.comment, y.comment)
        if (a.row_security, a.force_row_security) != (b.row_security, b.force_row_security):
            self.emit(ch.SetRowSecurity(
                q, b.row_security if a.row_security != b.row_security else None,
                b.force_row_security if a.force_row_security != b.force_row_security else None))

    def table(self, a: Table, b: Table, dropped_tables: set[str]) -> None:
        q = b.qname
        self.privileges("table", qname_ident(q), f"table {q}", a.acl, b.acl)
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
        self.comment(f"TABLE {qname_ident(q)}", f"table {q}", a.comment, b.comment)
        if sorted(a.options) != sorted(b.options) or a.unlogged != b.unlogged:
            self.emit(ch.AlterTableStorage(a, b))  # (their order is kept where they are created)
        if a.replica_identity != b.replica_identity:
            self.emit(ch.SetReplicaIdentity(q, b.replica_identity))
        for name in _added(a.columns, b.columns):
            self.emit(ch.AddColumn(q, b.columns[name]))
        for name in _dropped(a.columns, b.columns):
            self.emit(ch.DropColumn(q, a.columns[name]))
        for name in _common(a.columns, b.columns):
            self.column(q, a.columns[name], b.columns[name])

        def recreate_constraint(c: Constraint) -> bool:
            touched = (self.rebuilds(q, c.columns) if c.kind in ("primary_key", "unique")
                       else self.touches(q, c.columns))
            return touched or self.fk_disturbed(c) or self.calls_recreated_function(c.definition)

        for name in _dropped(a.constraints, b.constraints):
            con = a.constraints[name]
            if not (con.kind == "foreign_key" and con.ref_table in dropped_tables
                    and a.qname in dropped_tables):
                self.emit(ch.DropConstraint(q, con))
        for name in _added(a.constraints, b.constraints):
            self.emit(ch.AddConstraint(q, b.constraints[name]))
        for name in _common(a.constraints, b.constraints):
            x, y = a.constraints[name], b.constraints[name]
            if x.not_valid and not y.not_valid and x.definition == y.definition + " NOT VALID" \
                    and not recreate_constraint(x):
                self.emit(ch.ValidateConstraint(q, y))  # the light way: no lock that stops writes
                self.comment(f"CONSTRAINT {ident(name)} ON {qname_ident(q)}",
                             f"constraint {name} on {q}", x.comment, y.comment)
            elif x.definition != y.definition or recreate_constraint(x):
                self.emit(ch.DropConstraint(q, x), ch.AddConstraint(q, y))
            else:
                self.comment(f"CONSTRAINT {ident(name)} ON {qname_ident(q)}",
                             f"constraint {name} on {q}", x.comment, y.comment)

        schema = b.schema
        for name in _dropped(a.indexes, b.indexes):
            self.emit(ch.DropIndex(q, a.indexes[name]))
        for name in _added(a.indexes, b.indexes):
            self.emit(ch.CreateIndex(q, b.indexes[name], depth=self.table_depth.get(q, 0)))
        for name in _common(a.indexes, b.indexes):
            i, j = a.indexes[name], b.indexes[name]
            touched = self.rebuilds(q, i.columns) if _plain_index(i) else self.touches(q, i.columns)
            if i.definition != j.definition or touched or self.calls_recreated_function(i.definition):
                self.emit(ch.DropIndex(q, i), ch.CreateIndex(q, j, depth=self.table_depth.get(q, 0)))
            else:
                self.comment(f"INDEX {ident(schema)}.{ident(name)}", f"index {schema}.{name}",
                             i.comment, j.comment)

        self.triggers(q, a.triggers, b.triggers)
        self.policies(a, b)
        if b.partition_of and a.partition_of == b.partition_of:
            self.partition_columns(a, b)

    def partition_columns(self, a: Table, b: Table) -> None:
        """A partition's own NOT NULL, its name and its default. Its parent's SET DEFAULT and
        SET or DROP NOT NULL reach it (they recurse): what it has once they have is compared."""
        parent = b.partition_of or ""
        pa = self.cur.tables[parent].every_column() if parent in self.cur.tables else {}
        pb = self.des.tables[parent].every_column() if parent in self.des.tables else {}
        for n, y in b.inherited_columns.items():
            x = had = a.inherited_columns.get(n)
            if x is None or n not in pa or n not in pb or _regenerated(pa[n], pb[n]):
                continue  # new, or made again: it comes with its parent's
            before, after = pa[n], pb[n]
            if before.default != after.default:  # recursed: its own default where it keeps one
                x = replace(x, default=y.default if n not in b.partition_columns else None)
            if after.not_null and not before.not_null:
                x = replace(x, not_null=True, not_null_name=x.not_null_name if x.not_null else after.not_null_name)
            if (x.default, x.not_null) != (y.default, y.not_null):  # (its type is its parent's)
                self.emit(ch.AlterColumn(b.qname, replace(y, default=x.default, not_null=x.not_null), y, depth=1 + self.table_depth.get(b.qname, 0)))
                if y.not_null and not x.not_null:
                    x = replace(x, not_null_name=not_null_default(b.name, n))
            if y.not_null and y.not_null_name is not None and x.not_null_name != y.not_null_name \
                    and not (x.not_null_inherited and before.not_null):
                # (a NOT NULL it has from its parent keeps its name: PostgreSQL renames it only
                # with the parent's, and only where the two names are the same)
                self.emit(ch.NameNotNull(b.qname, n, y.not_null_name, depth=self.table_depth.get(b.qname, 0),
                                         early=had is not None and had.not_null and before.not_null == after.not_null))

    def triggers(self, q: str, cur: Mapping[str, Trigger], des: Mapping[str, Trigger]) -> None:
        for name in _dropped(cur, des):
            self.emit(ch.DropTrigger(q, cur[name]))
        for name in _added(cur, des):
            self.emit(ch.CreateTrigger(q, des[name]))
        for name in _common(cur, des):
            x, y = cur[name], des[name]
            if (x.definition != y.definition or self.touches(q, x.columns)
                    or x.function in self.recreated_functions):
                self.emit(ch.DropTrigger(q, x), ch.CreateTrigger(q, y))
                continue
            if x.enabled != y.enabled:
                self.emit(ch.EnableTrigger(q, name, y.enabled))
            self.comment(f"TRIGGER {ident(name)} ON {qname_ident(q)}", f"trigger {name} on {q}",
                         x.comment, y.comment)

    def column(self, table: str, a: Column, b: Column) -> None:
        if _regenerated(a, b):
            self.emit(ch.DropColumn(table, a), ch.AddColumn(table, b))
            return
        if (table, a.name) in self.enum_columns:
            a = replace(a, default=b.default)  # RebuildEnum converts it and sets its default
        if (_retyped(a, b) or a.default != b.default or a.not_null != b.not_null
                or a.identity != b.identity or a.identity_options != b.identity_options):
            schema, _, name = table.partition(".")
            kept = qualify(schema, serial_sequence_name(name, b.name)) in self.adopted_sequences
            enums = {qident(e.schema, e.name) for e in (*self.cur.enums.values(), *self.des.enums.values())}
            via_text = a.type.removesuffix("[]") in enums or b.type.removesuffix("[]") in enums
            self.emit(ch.AlterColumn(table, a, b, keep_sequence=kept, via_text=via_text))
        if b.not_null and b.not_null_name is not None:
            # PostgreSQL 18's name: kept by a renamed table, a detached partition's is its old
            # parent's, a new NOT NULL takes PostgreSQL's choice
            now = a.not_null_name if a.not_null else not_null_default(table.partition(".")[2], b.name)
            if now != b.not_null_name:
                self.emit(ch.NameNotNull(table, b.name, b.not_null_name, depth=self.table_depth.get(table, 0),
                                         early=a.not_null))
        self.comment(f"COLUMN {qname_ident(table)}.{ident(b.name)}", f"column {table}.{b.name}",
                     a.comment, b.comment)

    # -- views ---------------------------------------------------------------------------------
    def views(self, cur_tables: dict[str, Table]) -> None:
        cur, des = self.cur.views, self.des.views
        changed_tables = {t for t, _ in self.affected_columns}
        changed_tables |= {k for k in self.cur.tables if k not in self.des.tables}
        recreate: set[str] = set()
        replace_in_place: set[str] = set()
        for k in _common(cur, des):
            a, b = cur[k], des[k]
            if any(d in changed_tables for d in a.depends_on) or self.calls_recreated_function(a.query) \
                    or a.materialized != b.materialized:
                recreate.add(k)
            elif a.query != b.query or a.columns != b.columns or a.column_types != b.column_types:
                # CREATE OR REPLACE VIEW keeps the view (and what depends on it) when its
                # columns keep their names, types and order and new ones only come after them.
                appended = (b.columns[:len(a.columns)] == a.columns
                            and b.column_types[:len(a.column_types)] == a.column_types)
                (replace_in_place if appended and not a.materialized else recreate).add(k)
        # Views reading a view that is dropped or created again go with it.
        grew = True
        while grew:
            grew = False
            for k in _common(cur, des):
                if k not in recreate and any(d in recreate or (d in cur and d not in des)
                                             for d in cur[k].depends_on):
                    recreate.add(k)
                    grew = True
        cur_depth = _depths(cur)
        des_depth = _depths(des)
        for k in _dropped(cur, des):
            self.emit(ch.DropView(cur[k], cur_depth[k]))
        for k in _added(cur, des):
            self.create_view(des[k], des_depth[k])
        for k in _common(cur, des):
            a, b = cur[k], des[k]
            if k in recreate:
                self.emit(ch.DropView(a, cur_depth[k]))
                # grants and owner are read from the database: the side that has them (the
                # current one going forward, the desired one going back) gives them back
                self.create_view(b, des_depth[k], a if a.grants or a.owner else b)
                continue
            kind = "materialized view" if b.materialized else "view"
            self.privileges(kind, qname_ident(k), f"{kind} {k}", a.acl, b.acl)
            if k in replace_in_place:
                self.emit(ch.CreateView(b, des_depth[k], replace=True))
            self.comment(f"{'MATERIALIZED VIEW' if b.materialized else 'VIEW'} {qname_ident(k)}",
                         f"view {k}", a.comment, b.comment)
            if sorted(a.options) != sorted(b.options):
                self.emit(ch.AlterViewOptions(a, b))
            self.triggers(k, a.triggers, b.triggers)
            for name in _dropped(a.indexes, b.indexes):
                self.emit(ch.DropIndex(k, a.indexes[name]))
            for name in _added(a.indexes, b.indexes):
                self.emit(ch.CreateIndex(k, b.indexes[name], on_view=True))
            for name in _common(a.indexes, b.indexes):
                if a.indexes[name].definition != b.indexes[name].definition:
                    self.emit(ch.DropIndex(k, a.indexes[name]),
                              ch.CreateIndex(k, b.indexes[name], on_view=True))
                else:
                    self.comment(f"INDEX {ident(b.schema)}.{ident(name)}",
                                 f"index {b.schema}.{name}", a.indexes[name].comment,
                                 b.indexes[name].comment)

    def create_view(self, v: View, depth: int, restore: View | None = None) -> None:
        if v.acl is not None and restore is not None and restore.acl is None:
            restore = None  # managed: its declared grants are made below
        self.emit(ch.CreateView(v, depth, restore=restore if restore and (restore.grants or restore.owner) else None))
        kind = "materialized view" if v.materialized else "view"
        if v.acl is not None:
            self.privileges(kind, qname_ident(v.qname), f"{kind} {v.qname}", None, v.acl, created=True)
        for idx in v.indexes.values():
            self.emit(ch.CreateIndex(v.qname, idx, new_table=True, on_view=True))
        for trg in v.triggers.values():
            self.emit(ch.CreateTrigger(v.qname, trg))


def _retarget(t: Table, old: str, new: str, only_references: bool = False) -> Table:
    """A table as PostgreSQL prints it after ALTER TABLE RENAME: its own name in the text of its
    indexes, triggers and (self-referencing) foreign keys is the new one."""
    import re

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


def _plain_index(i: Index) -> bool:
    """Columns only: no expression, no WHERE (whose text a retype may print otherwise)."""
    if " WHERE " in i.definition:
        return False
    keys = i.definition.split(" USING ", 1)[-1]
    start = keys.find("(")
    end = closing_bracket(keys, start) if start >= 0 else -1
    return start >= 0 and "(" not in keys[start + 1:end]


def _retyped(a: Column, b: Column) -> bool:
    return a.type != b.type or a.collation != b.collation  # serial ↔ integer counts


def _regenerated(a: Column, b: Column) -> bool:
    return a.generated != b.generated


def _serial_sequences(catalog: Catalog) -> dict[str, Sequence]:
    """The sequences that come with the serial columns of a catalog, by qualified name."""
    out = {}
    for t in catalog.tables.values():
        for c in t.columns.values():
            if c.type in SERIAL_TYPES:
                s = serial_sequence(t.schema, t.name, c.name, c.type)
                out[s.qname] = s
    return out


def _function_order(catalog: Catalog) -> tuple[dict[str, int], set[str]]:
    """Where each function is created, for SQL-standard bodies (which PostgreSQL resolves at
    creation): how deep it sits in their calls (a body naming another function of the catalog
    comes after it), and which are late: a body that reads a relation, or calls a late function,
    comes after the tables; any other comes before them, where a column's default or generated
    expression may call it. Whether a body reads a relation is the catalog's word where it was
    read from a database; for schema.yaml as written, any relation of the catalog it names."""
    import re

    functions = catalog.functions
    names = {f.name for f in functions.values()}
    relations = {r.name for group in (catalog.tables, catalog.views, catalog.sequences) for r in group.values()}
    calls: dict[str, list[str]] = {}
    late = set()
    for k, f in functions.items():
        if not f.standard_body:
            calls[k] = []
            continue
        body = f.definition.split(")", 1)[-1]
        called = {n for n in names if re.search(r"(?<![\w$])\"?" + re.escape(n) + r"\"?\s*\(", body)}
        calls[k] = [g for g, other in functions.items() if g != k and other.name in called]
        reads = f.reads_relations
        if reads is None:
            words = {w[1:-1] if w.startswith('"') else w.lower()
                     for w in re.findall(r"\"[^\"]+\"|[^\W\d][\w$]*", body)}
            reads = not relations.isdisjoint(words)
        if reads:
            late.add(k)
    grew = True
    while grew:
        more = {k for k, called in calls.items() if k not in late and late.intersection(called)}
        late |= more
        grew = bool(more)
    return _graph_depths(calls), late


def _matching(indexes: Mapping[str, Index], definition: Callable[[str], str]) -> str | None:
    """The first index (by name) whose definition is ``definition(its name)``: a partition's own
    index PostgreSQL would take as a copy, or a key could be made over."""
    return next((n for n, i in sorted(indexes.items()) if i.definition == definition(n)), None)


def _own_columns(tables: dict[str, Table]) -> dict[str, Table]:
    """A child table's columns without those its parents have: a column a child declares that its
    parent has too is one column (PostgreSQL merges them), whether or not the child names it."""
    out = dict(tables)
    for k, t in tables.items():
        if t.inherits:
            theirs = {n for p in t.inherits if p in tables for n in tables[p].columns}
            if theirs & set(t.columns):
                out[k] = replace(t, columns={n: c for n, c in t.columns.items() if n not in theirs})
    return out


def _partition_depths(tables: Mapping[str, Table]) -> dict[str, int]:
    """How many parents above each table (partitions, INHERITS): parents are created first."""
    out: dict[str, int] = {}

    def depth(k: str, seen: frozenset[str]) -> int:
        if k in out:
            return out[k]
        t = tables[k]
        parents = [p for p in ((t.partition_of,) if t.partition_of else ()) + t.inherits
                   if p in tables and p not in seen]
        out[k] = 1 + max(depth(p, seen | {k}) for p in parents) if parents else 0
        return out[k]

    for k in tables:
        depth(k, frozenset())
    return out


def _depths(views: Mapping[str, View]) -> dict[str, int]:
    return _graph_depths({k: [d for d in v.depends_on if d in views] for k, v in views.items()})


def _graph_depths(needs: Mapping[str, list[str]]) -> dict[str, int]:
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

