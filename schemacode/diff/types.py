"""Enums, composite and range types, domains."""
from __future__ import annotations

from dataclasses import replace

from .. import changes as ch
from ..model import (
    CompositeType,
    EnumType,
)
from ..sqltext import qident, qname_ident
from .core import keys_added, keys_common, keys_dropped
from .privileges import PrivilegeDiffer


class TypeDiffer(PrivilegeDiffer):
    def enums(self) -> None:
        cur, des = self.cur.enums, self.des.enums
        for k in keys_added(cur, des):
            self.emit(ch.CreateEnum(des[k]))
            self.privileges("type", qname_ident(k), f"enum {k}", None, des[k].acl, created=True)
        for k in keys_dropped(cur, des):
            self.emit(ch.DropEnum(cur[k]))
        for k in keys_common(cur, des):
            self.enum_values(cur[k], des[k])
            self.comment(f"TYPE {qname_ident(k)}", f"enum {k}", cur[k].comment, des[k].comment)
            self.privileges("type", qname_ident(k), f"enum {k}", cur[k].acl, des[k].acl)

    def types(self) -> None:
        """Composite and range types."""
        for cur, des in ((self.cur.composites, self.des.composites), (self.cur.ranges, self.des.ranges)):
            for k in keys_added(cur, des):
                self.emit(ch.CreateType(des[k]))
                self.privileges("type", qname_ident(k), f"type {k}", None, des[k].acl, created=True)
            for k in keys_dropped(cur, des):
                self.emit(ch.DropType(cur[k]))
            for k in keys_common(cur, des):
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
        for k in keys_added(cur, des):
            self.emit(ch.CreateDomain(des[k]))
            self.privileges("domain", qname_ident(k), f"domain {k}", None, des[k].acl, created=True)
        for k in keys_dropped(cur, des):
            self.emit(ch.DropDomain(cur[k]))
        for k in keys_common(cur, des):
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
