"""A table's constraints: keys, checks, foreign keys and exclusions."""
from __future__ import annotations

from .. import changes as ch
from ..model import Constraint, Table
from ..sqltext import ident, qname_ident
from .core import DifferBase, keys_added, keys_common, keys_dropped


class ConstraintDiffer(DifferBase):
    def constraints(self, a: Table, b: Table, dropped_tables: set[str]) -> None:
        q = b.qname

        def recreate_constraint(c: Constraint) -> bool:
            touched = (self.rebuilds(q, c.columns) if c.kind in ("primary_key", "unique")
                       else self.touches(q, c.columns))
            return touched or self.fk_disturbed(c) or self.calls_recreated_function(c.definition)

        for name in keys_dropped(a.constraints, b.constraints):
            con = a.constraints[name]
            if not (con.kind == "foreign_key" and con.ref_table in dropped_tables
                    and a.qname in dropped_tables):
                self.emit(ch.DropConstraint(q, con))
        for name in keys_added(a.constraints, b.constraints):
            self.emit(ch.AddConstraint(q, b.constraints[name]))
        for name in keys_common(a.constraints, b.constraints):
            x, y = a.constraints[name], b.constraints[name]
            if x.not_valid and not y.not_valid and x.definition == y.definition + " NOT VALID" \
                    and not recreate_constraint(x):
                self.emit(ch.ValidateConstraint(q, y))  # the light way: no lock that stops writes
            elif x.definition != y.definition or recreate_constraint(x):
                why = self.readded(x.definition, y.definition, self.why(
                    q, x.columns, x.definition, references=x if x.kind == "foreign_key" else None))
                self.emit(ch.DropConstraint(q, x, because=why), ch.AddConstraint(q, y, because=why))
                continue
            if x.comment != y.comment:
                self.comment(f"CONSTRAINT {ident(name)} ON {qname_ident(q)}",
                             f"constraint {ident(name)} on {qname_ident(q)}", x.comment, y.comment)
