"""Functions, procedures and aggregates."""
from __future__ import annotations

import re

from .. import changes as ch
from ..model import (
    Aggregate,
    Catalog,
    Function,
)
from ..sqltext import qname_ident
from .core import graph_depths, keys_added, keys_common, keys_dropped
from .privileges import PrivilegeDiffer


class FunctionDiffer(PrivilegeDiffer):
    def functions(self) -> None:
        cur, des = self.cur.functions, self.des.functions
        (cur_depth, cur_late), (des_depth, des_late) = function_order(self.cur), function_order(self.des)

        def routine(f: Function) -> tuple[str, str]:
            return f"{qname_ident(f.qname)}({f.arguments})", f"function {qname_ident(f.qname)}({f.arguments})"

        for k in keys_added(cur, des):
            self.emit(ch.CreateFunction(des[k], depth=des_depth[k], late=k in des_late))
            self.privileges("function", *routine(des[k]), None, des[k].acl, created=True)
        for k in keys_dropped(cur, des):
            self.emit(ch.DropFunction(cur[k], depth=cur_depth[k], late=k in cur_late))
            self.recreated_functions.add(cur[k].qname)
        for k in keys_common(cur, des):
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
                self.comment(ch.functions.function_target(b), f"function {qname_ident(b.qname)}({b.arguments})",
                             a.comment, b.comment)
                self.privileges("function", *routine(b), a.acl, b.acl)

    def aggregates(self) -> None:
        cur, des = self.cur.aggregates, self.des.aggregates
        for k in keys_added(cur, des):
            self.emit(ch.CreateAggregate(des[k]))
        for k in keys_dropped(cur, des):
            self.emit(ch.DropAggregate(cur[k]))
        calls = {qname_ident(q) for q in self.recreated_functions} | self.recreated_functions
        for k in keys_common(cur, des):
            a, b = cur[k], des[k]
            if any(o.partition(" = ")[2] in calls for o in a.options):
                # a function it calls is dropped to be made again: so is the aggregate, before it
                self.emit(ch.DropAggregate(a), ch.CreateAggregate(b))
                self.recreated_functions.add(a.qname)
                continue
            if a.options != b.options:
                def typed(x: Aggregate) -> list[str]:  # what its state and result types come from
                    return [o for o in x.options if o.startswith(("stype = ", "finalfunc = "))]
                if typed(a) == typed(b):  # CREATE OR REPLACE AGGREGATE keeps what uses it
                    self.emit(ch.CreateAggregate(b, replace=True))
                else:  # another result type: made again, and the views calling it with it
                    self.emit(ch.DropAggregate(a, early=True), ch.CreateAggregate(b))
                    self.recreated_functions.add(a.qname)
                    continue
            self.comment(ch.functions.aggregate_target(b), f"aggregate {qname_ident(b.qname)}({b.arguments})",
                         a.comment, b.comment)


def function_order(catalog: Catalog) -> tuple[dict[str, int], set[str]]:
    """Where each function is created, for SQL-standard bodies (which PostgreSQL resolves at
    creation): how deep it sits in their calls (a body naming another function of the catalog
    comes after it), and which are late: a body that reads a relation, or calls a late function,
    comes after the tables; any other comes before them, where a column's default or generated
    expression may call it. Whether a body reads a relation is the catalog's word where it was
    read from a database; for schema.yaml as written, any relation of the catalog it names."""

    functions = catalog.functions
    names = {f.name for f in functions.values()}
    relations: set[str] | None = None  # (made where a body needs it: a catalog has many tables)
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
            if relations is None:
                relations = {r.name for group in (catalog.tables, catalog.views, catalog.sequences)
                             for r in group.values()}
            reads = not relations.isdisjoint(words)
        if reads:
            late.add(k)
    grew = True
    while grew:
        more = {k for k, called in calls.items() if k not in late and late.intersection(called)}
        late |= more
        grew = bool(more)
    return graph_depths(calls), late
