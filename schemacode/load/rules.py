"""rules: of tables and views (CREATE RULE)."""
from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp

from ..model import Column, Rule
from ..sqltext import ident, qname_ident
from .core import LoaderBase, _Ctx, _bool, _items, _keys, _str, parse_sql

EVENTS = ("insert", "update", "delete")  # (ON SELECT is a view's own rule: a view says that)
STATES = {True: "origin", False: "disabled", "replica": "replica", "always": "always"}


class RuleLoader(LoaderBase):
    RULE_KEYS = {"event", "where", "instead", "do", "enabled", "comment"}

    def load_rules(self, ctx: _Ctx, node: Any, q: str, columns: dict[str, Column],
                   view: bool = False) -> dict[str, Rule]:
        """name: {event: insert | update | delete, where: condition on NEW and OLD, instead: true,
        do: nothing | a statement | [statements], enabled: false | replica | always}."""
        out: dict[str, Rule] = {}
        if node is None:
            return out
        if not isinstance(node, dict):
            raise ctx.error("rules is a mapping of rule names to {event: insert, do: statements}")
        for name, spec, c in _items(ctx, node, "rules"):
            _keys(c, spec, self.RULE_KEYS, f"rule {name}")
            if name == "_RETURN":
                raise c.error("_RETURN is a view's own rule: declare a view instead")
            if "event" not in spec:
                raise c.error(f"rule {name} needs event: insert, update or delete")
            oc = c.child(spec, "event")
            event = _str(oc, spec["event"], "event").strip().lower()
            if event not in EVENTS:
                raise oc.error(f"a rule's event is insert, update or delete, not {spec['event']!r}")
            sql = f"CREATE RULE {ident(name)} AS ON {event.upper()} TO {qname_ident(q)}"
            if "where" in spec:
                wc = c.child(spec, "where")
                where = _str(wc, spec["where"], "where")
                for col in parse_sql(wc, where, "where").find_all(exp.Column):
                    if col.table.lower() not in ("new", "old"):
                        raise wc.error(f"a rule's where: reads NEW and OLD only: write NEW.{col.name} or OLD.{col.name}")
                    if columns and not col.is_star:
                        self.check_columns(wc, columns, [col.name], q)
                sql += f" WHERE {where}"
            instead = _bool(c.child(spec, "instead"), spec.get("instead", False), "instead")
            if "do" not in spec:
                raise c.error(f"rule {name} needs do: nothing, a statement or a list of them")
            sql += f" DO {'INSTEAD' if instead else 'ALSO'} {self.rule_actions(c.child(spec, 'do'), spec['do'])}"
            enabled = spec.get("enabled", True)
            ec = c.child(spec, "enabled")
            if not (isinstance(enabled, bool) or enabled in ("replica", "always")):
                raise ec.error("enabled is true, false, replica or always")
            if view and enabled is not True:
                raise ec.error("a view's rules always fire: enabled: is for a table's rules")
            out[name] = Rule(name, sql, STATES[enabled], self.comment(c, spec), c.source())
        return out

    def rule_actions(self, ctx: _Ctx, node: Any) -> str:
        """NOTHING, one statement, or (statement; statement): each parsed here."""
        if isinstance(node, str) and node.strip().lower() == "nothing":
            return "NOTHING"
        items = node if isinstance(node, list) else [node]
        if not items:
            raise ctx.error("do: is nothing, a statement or a list of statements")
        actions = []
        for i, item in enumerate(items):
            ic = ctx.child(node, i) if isinstance(node, list) else ctx
            text = _str(ic, item, "a rule's action").strip().rstrip(";").strip()
            actions.append(text)
            if re.match(r"notify\s", text + " ", re.IGNORECASE):
                continue  # (sqlglot does not know NOTIFY)
            try:
                trees = sqlglot.parse(text, read="postgres")
            except sqlglot.errors.SqlglotError as e:
                raise ic.error(f"a rule's action does not parse: {str(e).splitlines()[0]}: {text!r}") from None
            if len(trees) != 1 or not isinstance(trees[0], (exp.Query, exp.Insert, exp.Update, exp.Delete)):
                raise ic.error("a rule's action is one SELECT, INSERT, UPDATE, DELETE or NOTIFY",
                               "several actions are a list: do: [statement, statement]")
        return actions[0] if len(actions) == 1 else "(" + "; ".join(actions) + ")"
