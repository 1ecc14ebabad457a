"""Row-level security: policies and a table's RLS switches."""
from __future__ import annotations

from .. import changes as ch
from ..model import (
    Table,
)
from ..sqltext import ident, qname_ident
from .core import DifferBase, keys_added, keys_common, keys_dropped


class PolicyDiffer(DifferBase):
    def policies(self, a: Table, b: Table) -> None:
        q = b.qname
        for name in keys_dropped(a.policies, b.policies):
            self.emit(ch.DropPolicy(q, a.policies[name]))
        for name in keys_added(a.policies, b.policies):
            self.emit(ch.CreatePolicy(q, b.policies[name]))
        for name in keys_common(a.policies, b.policies):
            x, y = a.policies[name], b.policies[name]
            # PostgreSQL refuses to retype a column a policy reads: it goes and comes back
            gone = self.touches(q, x.columns) or self.calls_recreated_function(
                f"{x.using or ''} {x.with_check or ''}") or any(
                r in self.cur.tables and r not in self.des.tables
                or r in self.cur.views and r not in self.des.views for r in x.reads)
            if gone or not ch.AlterPolicy.possible(x, y):
                text = f"{x.using or ''} {x.with_check or ''}"
                why = self.readded(text, f"{y.using or ''} {y.with_check or ''}",
                                   self.why(q, x.columns, text)) if x.command == y.command \
                    and x.permissive == y.permissive and x.roles == y.roles else None
                self.emit(ch.DropPolicy(q, x, because=why), ch.CreatePolicy(q, y, because=why))
                continue
            if (x.roles, x.using, x.with_check) != (y.roles, y.using, y.with_check):
                self.emit(ch.AlterPolicy(q, x, y))
            if x.comment != y.comment:
                self.comment(f"POLICY {ident(name)} ON {qname_ident(q)}",
                             f"policy {ident(name)} on {qname_ident(q)}", x.comment, y.comment)
        if (a.row_security, a.force_row_security) != (b.row_security, b.force_row_security):
            self.emit(ch.SetRowSecurity(
                q, b.row_security if a.row_security != b.row_security else None,
                b.force_row_security if a.force_row_security != b.force_row_security else None))
