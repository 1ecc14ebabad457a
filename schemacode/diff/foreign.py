"""Foreign servers and foreign tables: altered in place where PostgreSQL can, else made again
(which loses nothing: the rows are on the server), with what reads them."""
from __future__ import annotations

from .. import changes as ch
from ..changes.foreign import foreign_differs
from ..model import Acl, ForeignTable
from ..sqltext import ident, qname_ident
from .core import keys_added, keys_common, keys_dropped
from .privileges import PrivilegeDiffer
from .triggers import TriggerDiffer


class ForeignDiffer(TriggerDiffer, PrivilegeDiffer):
    def wrappers(self) -> None:
        cur, des = self.cur.wrappers, self.des.wrappers
        for k in keys_added(cur, des):
            self.emit(ch.CreateWrapper(des[k]))
        for k in keys_dropped(cur, des):
            self.emit(ch.DropWrapper(cur[k]))
        for k in keys_common(cur, des):
            a, b = cur[k], des[k]
            if (a.handler, a.validator) != (b.handler, b.validator) or \
                    dict(o.partition("=")[::2] for o in a.options) != dict(o.partition("=")[::2] for o in b.options):
                self.emit(ch.AlterWrapper(a, b))
            self.comment(f"FOREIGN DATA WRAPPER {ident(k)}", f"foreign data wrapper {k}", a.comment, b.comment)

    def servers(self) -> None:
        cur, des = self.cur.servers, self.des.servers
        for k in keys_added(cur, des):
            self.emit(ch.CreateServer(des[k]))
            self.privileges("foreign server", ident(k), f"server {k}", None, des[k].acl, created=True)
        for k in keys_dropped(cur, des):
            self.emit(ch.DropServer(cur[k]))
        for k in keys_common(cur, des):
            a, b = cur[k], des[k]
            if (a.wrapper, a.type) != (b.wrapper, b.type):  # ALTER SERVER changes neither
                self.emit(ch.DropServer(a, early=True), ch.CreateServer(b))
                self.privileges("foreign server", ident(k), f"server {k}", None,
                                b.acl if b.acl is not None else a.acl, created=True)
                continue
            if a.version != b.version or dict(o.partition("=")[::2] for o in a.options) != \
                    dict(o.partition("=")[::2] for o in b.options):
                self.emit(ch.AlterServer(a, b))
            self.comment(f"SERVER {ident(k)}", f"server {k}", a.comment, b.comment)
            self.privileges("foreign server", ident(k), f"server {k}", a.acl, b.acl)

    def foreign_tables(self) -> None:
        """After servers (a server made again takes its foreign tables with it) and before views
        and rules, which must know what is dropped, retyped or made again here."""
        cur, des = self.cur.foreign_tables, self.des.foreign_tables
        remade = {c.server.name for c in self.out if isinstance(c, ch.DropServer) and c.early}
        for k in keys_added(cur, des):
            self.create_foreign_table(des[k])
        for k in keys_dropped(cur, des):
            self.emit(ch.DropForeignTable(cur[k]))
        for k in keys_common(cur, des):
            a, b = cur[k], des[k]
            if a.server != b.server or a.server in remade:  # no ALTER … SERVER: made again
                self.emit(ch.DropForeignTable(a))
                self.affected_columns |= {(k, n) for n in a.columns}
                # grants read from the database come back where schema.yaml does not manage them
                self.create_foreign_table(b, restore=a.acl if b.acl is None else None)
                continue
            for name, col in a.columns.items():
                new = b.columns.get(name)
                if new is None or (col.type, col.collation, col.generated) != (new.type, new.collation, new.generated):
                    self.affected_columns.add((k, name))
            if foreign_differs(a, b):
                self.emit(ch.AlterForeignTable(a, b))
            self.foreign_comments(a, b)
            self.privileges("foreign table", qname_ident(k), f"foreign table {k}", a.acl, b.acl)
            self.triggers(k, a.triggers, b.triggers)

    def create_foreign_table(self, t: ForeignTable, restore: Acl | None = None) -> None:
        self.emit(ch.CreateForeignTable(t))
        acl = t.acl if t.acl is not None else restore
        self.privileges("foreign table", qname_ident(t.qname), f"foreign table {t.qname}", None, acl, created=True)
        for trg in t.triggers.values():
            self.emit(ch.CreateTrigger(t.qname, trg))

    def foreign_comments(self, a: ForeignTable, b: ForeignTable) -> None:
        """Comments on what stays (what AlterForeignTable adds brings its own)."""
        q = qname_ident(b.qname)
        self.comment(f"FOREIGN TABLE {q}", f"foreign table {qname_ident(b.qname)}", a.comment, b.comment)
        for n, col in b.columns.items():
            old = a.columns.get(n)
            if old is not None and old.generated == col.generated:
                self.comment(f"COLUMN {q}.{ident(n)}", f"column {qname_ident(b.qname)}.{ident(n)}", old.comment, col.comment)
        for n, con in b.constraints.items():
            was = a.constraints.get(n)
            if was is not None and was.definition == con.definition:
                self.comment(f"CONSTRAINT {ident(n)} ON {q}", f"constraint {ident(n)} on {qname_ident(b.qname)}",
                             was.comment, con.comment)
