"""Rules of tables and views: replaced in place where they stay, made again around what they use."""
from __future__ import annotations

import re
from dataclasses import replace

from .. import changes as ch
from ..model import Catalog, Rule
from ..sqltext import ident, qname_ident
from .core import DifferBase


class RuleDiffer(DifferBase):
    def rules(self) -> None:
        """After tables, foreign tables and views: which relations are made again (their rules
        went with them), renamed, or have columns retyped or dropped is known."""
        remade = {c.table.qname for c in self.out if isinstance(c, (ch.DropTable, ch.DropForeignTable))}
        remade |= {c.view.qname for c in self.out if isinstance(c, ch.DropView)}
        changed = {t for t, _ in self.affected_columns}
        gone = relations(self.cur) - relations(self.des)
        cur = self.rules_of(self.cur)
        des = self.rules_of(self.des)
        renamed = {new: old for new, old in self.renames.tables.items()
                   if any(isinstance(c, ch.RenameTable) and c.new == new for c in self.out)} \
            if self.renames.tables else {}
        now = {old: new for new, old in renamed.items()}  # a renamed table's rules print its new name
        for q, wanted in des.items():
            had = cur.get(renamed.get(q, q))
            if not wanted and not had:
                continue  # (most relations: no rule on either side)
            have = {} if q in remade or not had else {n: moved(r, now) for n, r in had.items()}
            for name, r in wanted.items():
                if name not in have:
                    self.emit(ch.CreateRule(q, r))
            for name, x in have.items():
                y = wanted.get(name)
                disturbed = any(d in remade or d in changed or d in gone
                                for d in x.depends_on) or self.calls_recreated_function(x.definition)
                if y is None:
                    self.emit(ch.DropRule(q, x))
                elif disturbed:
                    self.emit(ch.DropRule(q, x), ch.CreateRule(q, y))
                else:
                    self.rule(q, x, y)
        for q, had in cur.items():  # its relation goes, but another one it uses goes first
            if q in des or q in renamed.values():
                continue
            for x in had.values():
                if any(d != q and (d in remade or d in gone) for d in x.depends_on):
                    self.emit(ch.DropRule(q, x))

    def rule(self, q: str, x: Rule, y: Rule) -> None:
        if x.definition != y.definition:
            self.emit(ch.CreateRule(q, y, replace=True))  # its state and comment stay
        if x.enabled != y.enabled:
            self.emit(ch.EnableRule(q, y.name, y.enabled))
        self.comment(f"RULE {ident(y.name)} ON {qname_ident(q)}", f"rule {y.name} on {q}", x.comment, y.comment)

    @staticmethod
    def rules_of(catalog: Catalog) -> dict[str, dict[str, Rule]]:
        out = {k: t.rules for k, t in catalog.tables.items()}
        out.update({k: v.rules for k, v in catalog.views.items()})
        return out


def moved(r: Rule, now: dict[str, str]) -> Rule:
    """A rule as PostgreSQL prints it once the tables it names are renamed (``now``: old → new)."""
    if not now or not any(old in r.depends_on for old in now):
        return r
    text = r.definition
    for old, new in now.items():
        pattern = re.compile(r"(?<![\w\".])" + re.escape(qname_ident(old)) + r"(?![\w\"])")
        text = pattern.sub(qname_ident(new).replace("\\", "\\\\"), text)
    return replace(r, definition=text, depends_on=tuple(now.get(d, d) for d in r.depends_on))


def relations(catalog: Catalog) -> set[str]:
    return {*catalog.tables, *catalog.views, *catalog.foreign_tables, *catalog.sequences}
