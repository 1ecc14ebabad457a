"""Indexes of tables and of materialized views."""
from __future__ import annotations

from typing import Callable, Mapping

from .. import changes as ch
from ..model import Index, Table, View
from ..sqltext import closing_bracket, ident, qident
from .core import DifferBase, keys_added, keys_common, keys_dropped


class IndexDiffer(DifferBase):
    def indexes(self, a: Table, b: Table) -> None:
        q, schema = b.qname, b.schema
        for name in keys_dropped(a.indexes, b.indexes):
            self.emit(ch.DropIndex(q, a.indexes[name]))
        for name in keys_added(a.indexes, b.indexes):
            self.emit(ch.CreateIndex(q, b.indexes[name], depth=self.table_depth.get(q, 0)))
        for name in keys_common(a.indexes, b.indexes):
            i, j = a.indexes[name], b.indexes[name]
            # (what rebuilds touches: the text parsed only for an index on a column changed)
            touched = self.touches(q, i.columns) and (self.rebuilds(q, i.columns) if plain_index(i) else True)
            if i.definition != j.definition or touched or self.calls_recreated_function(i.definition):
                why = self.readded(i.definition, j.definition, self.why(q, i.columns, i.definition))
                self.emit(ch.DropIndex(q, i, because=why),
                          ch.CreateIndex(q, j, depth=self.table_depth.get(q, 0), because=why))
            elif i.comment != j.comment:
                self.comment(f"INDEX {ident(schema)}.{ident(name)}", f"index {qident(schema, name)}",
                             i.comment, j.comment)

    def view_indexes(self, a: View, b: View) -> None:
        """A materialized view's indexes (one that is made again brings its own)."""
        k = b.qname
        for name in keys_dropped(a.indexes, b.indexes):
            self.emit(ch.DropIndex(k, a.indexes[name]))
        for name in keys_added(a.indexes, b.indexes):
            self.emit(ch.CreateIndex(k, b.indexes[name], on_view=True))
        for name in keys_common(a.indexes, b.indexes):
            if a.indexes[name].definition != b.indexes[name].definition:
                self.emit(ch.DropIndex(k, a.indexes[name]),
                          ch.CreateIndex(k, b.indexes[name], on_view=True))
            else:
                self.comment(f"INDEX {ident(b.schema)}.{ident(name)}",
                             f"index {qident(b.schema, name)}", a.indexes[name].comment,
                             b.indexes[name].comment)


def plain_index(i: Index) -> bool:
    """Columns only: no expression, no WHERE (whose text a retype may print otherwise)."""
    if " WHERE " in i.definition:
        return False
    keys = i.definition.split(" USING ", 1)[-1]
    start = keys.find("(")
    end = closing_bracket(keys, start) if start >= 0 else -1
    return start >= 0 and "(" not in keys[start + 1:end]


def matching(indexes: Mapping[str, Index], definition: Callable[[str], str]) -> str | None:
    """The first index (by name) whose definition is ``definition(its name)``: a partition's own
    index PostgreSQL would take as a copy, or a key could be made over."""
    return next((n for n, i in sorted(indexes.items()) if i.definition == definition(n)), None)
