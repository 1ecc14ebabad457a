"""Partitioning, partitions' copies of their parents' indexes and keys, a partition's own column options."""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from .. import changes as ch
from ..model import (
    SERIAL_TYPES,
    Table,
    attached_default,
    not_null_default,
    serial_sequence_name,
)
from ..sqltext import qident
from .core import DifferBase, keys_common, regenerated
from .indexes import matching


class PartitionDiffer(DifferBase):
    def partitioning(self, cur: dict[str, Table], des: dict[str, Table]) -> tuple[set[str], set[str]]:
        """Tables whose partitioning changes. A table whose PARTITION BY changes (or that gains or
        loses it) is created again: PostgreSQL cannot alter it (a data-loss hazard, never
        silent). A partition that changes parent or bound is detached, and attached again where
        schema.yaml wants it; a table becoming a partition is attached: both keep their rows.
        Returns (tables created again, their partitions that go with them); ``cur`` and ``des``
        are rewritten so that what is detached, or attached, compares as a table of its own."""
        rebuilt = {k for k in keys_common(cur, des) if cur[k].partition_by != des[k].partition_by}
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
        for k in keys_common(cur, des):
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
            own = matching(indexes, lambda n: ch.indexes.copy_definition(p.definition, n, b.qname))
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
                    own = matching(cur[k].indexes, lambda n: ch.indexes.copy_definition(parent_index, n, k))
                    self.emit(ch.AttachIndexCopy(t.partition_of, what[1], k, own or name, None if own else build))
                else:
                    key = des[t.partition_of].constraints[what[1]]
                    own = matching(cur[k].indexes, lambda n: (ch.constraints.key_over_index(
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

    def partition_columns(self, a: Table, b: Table) -> None:
        """A partition's own NOT NULL, its name and its default. Its parent's SET DEFAULT and
        SET or DROP NOT NULL reach it (they recurse): what it has once they have is compared."""
        parent = b.partition_of or ""
        pa = self.cur.tables[parent].every_column() if parent in self.cur.tables else {}
        pb = self.des.tables[parent].every_column() if parent in self.des.tables else {}
        for n, y in b.inherited_columns.items():
            x = had = a.inherited_columns.get(n)
            if x is None or n not in pa or n not in pb or regenerated(pa[n], pb[n]):
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


def partition_depths(tables: Mapping[str, Table]) -> dict[str, int]:
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

    for k, t in tables.items():
        if t.partition_of or t.inherits:
            depth(k, frozenset())
        elif k not in out:
            out[k] = 0  # (most tables: no call)
    return out
