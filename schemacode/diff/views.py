"""Views and materialized views: replaced in place where PostgreSQL allows, else made again with what reads them."""
from __future__ import annotations

from typing import Mapping

from .. import changes as ch
from ..model import (
    Table,
    View,
)
from ..sqltext import qname_ident
from .core import graph_depths, keys_added, keys_common, keys_dropped
from .indexes import IndexDiffer
from .privileges import PrivilegeDiffer
from .triggers import TriggerDiffer


class ViewDiffer(IndexDiffer, TriggerDiffer, PrivilegeDiffer):
    def views(self, cur_tables: dict[str, Table]) -> None:
        cur, des = self.cur.views, self.des.views
        changed_tables = {t for t, _ in self.affected_columns}
        changed_tables |= {k for k in self.cur.tables if k not in self.des.tables}
        recreate: set[str] = set()
        replace_in_place: set[str] = set()
        why: dict[str, str | None] = {}  # of a view made again only for what it reads
        for k in keys_common(cur, des):
            a, b = cur[k], des[k]
            if any(d in changed_tables for d in a.depends_on) or self.calls_recreated_function(a.query) \
                    or a.materialized != b.materialized:
                recreate.add(k)
                if a.materialized == b.materialized:
                    why[k] = self.view_why(a)
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
            for k in keys_common(cur, des):
                if k not in recreate and any(d in recreate or (d in cur and d not in des)
                                             for d in cur[k].depends_on):
                    recreate.add(k)
                    why[k] = next((f"view {d} made again" for d in sorted(cur[k].depends_on)
                                   if d in recreate and d in des), None)
                    grew = True
        cur_depth = view_depths(cur)
        des_depth = view_depths(des)
        for k in keys_dropped(cur, des):
            self.emit(ch.DropView(cur[k], cur_depth[k]))
        for k in keys_added(cur, des):
            self.create_view(des[k], des_depth[k])
        for k in keys_common(cur, des):
            a, b = cur[k], des[k]
            if k in recreate:
                because = self.readded(a.query, b.query, why.get(k)) if a.columns == b.columns else None
                self.emit(ch.DropView(a, cur_depth[k], because=because))
                # grants and owner are read from the database: the side that has them (the
                # current one going forward, the desired one going back) gives them back
                self.create_view(b, des_depth[k], a if a.grants or a.owner else b, because)
                continue
            kind = "materialized view" if b.materialized else "view"
            self.privileges(kind, qname_ident(k), f"{kind} {qname_ident(k)}", a.acl, b.acl)
            if k in replace_in_place:
                self.emit(ch.CreateView(b, des_depth[k], replace=True))
            self.comment(f"{'MATERIALIZED VIEW' if b.materialized else 'VIEW'} {qname_ident(k)}",
                         f"view {qname_ident(k)}", a.comment, b.comment)
            if sorted(a.options) != sorted(b.options):
                self.emit(ch.AlterViewOptions(a, b))
            self.triggers(k, a.triggers, b.triggers)
            self.view_indexes(a, b)

    def create_view(self, v: View, depth: int, restore: View | None = None, because: str | None = None) -> None:
        if v.acl is not None and restore is not None and restore.acl is None:
            restore = None  # managed: its declared grants are made below
        self.emit(ch.CreateView(v, depth, restore=restore if restore and (restore.grants or restore.owner) else None,
                                because=because))
        kind = "materialized view" if v.materialized else "view"
        if v.acl is not None:
            self.privileges(kind, qname_ident(v.qname), f"{kind} {qname_ident(v.qname)}", None, v.acl, created=True)
        for idx in v.indexes.values():
            self.emit(ch.CreateIndex(v.qname, idx, new_table=True, on_view=True))
        for trg in v.triggers.values():
            self.emit(ch.CreateTrigger(v.qname, trg))


    def view_why(self, v: View) -> str | None:
        """Why a view reading a changed table is made again: the first column changed there."""
        for d in sorted(v.depends_on):
            t = self.cur.tables.get(d)
            if t is None:
                continue
            for c in t.columns:
                if (d, c) in self.retyped_columns:
                    return f"column {d}.{c} retyped"
            for c in t.columns:
                if (d, c) in self.affected_columns:
                    gone = c not in (self.des.tables[d].columns if d in self.des.tables else {})
                    return f"column {d}.{c} {'dropped' if gone else 'made again'}"
        return self.why(v.qname, (), v.query)


def view_depths(views: Mapping[str, View]) -> dict[str, int]:
    return graph_depths({k: [d for d in v.depends_on if d in views] for k, v in views.items()})
