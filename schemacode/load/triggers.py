"""triggers: of tables and views."""
from __future__ import annotations

import difflib
import re
from typing import Any

from sqlglot import exp

from ..model import Column, Trigger
from ..sqltext import ident, literal, qname_ident, qualify, split_path
from .core import NAME_HINT, LoaderBase, _Ctx, _bool, _items, _keys, _str, parse_sql


class TriggerLoader(LoaderBase):
    EVENTS = {"insert", "update", "delete", "truncate"}

    TRIGGER_KEYS = {"before", "after", "instead_of", "for_each", "execute", "arguments", "when",
                    "enabled", "constraint", "deferrable", "initially_deferred", "referencing",
                    "comment", "sqlite"}

    def load_triggers(self, ctx: _Ctx, node: Any, q: str, columns: dict[str, Column],
                      view: bool = False) -> dict[str, Trigger]:
        out: dict[str, Trigger] = {}
        if node is not None and not isinstance(node, dict):
            raise ctx.error("triggers is a mapping of trigger names to definitions")
        for name, spec, c in _items(ctx, node, "triggers"):
            _keys(c, spec, self.TRIGGER_KEYS, f"trigger {name}")
            if isinstance(spec.get("sqlite"), dict) and "sql" in spec["sqlite"] and "execute" not in spec:
                continue  # a SQLite trigger only (schemacode/sqlite/translate.py makes it there)
            timing = [k for k in ("before", "after", "instead_of") if k in spec]
            if len(timing) != 1:
                raise c.error(f"trigger {name} needs exactly one of before:, after:, instead_of:")
            tkey = timing[0]
            tc = c.child(spec, tkey)
            if view and tkey != "instead_of":
                raise tc.error("a trigger on a view is instead_of: (before/after are for tables)")
            if not view and tkey == "instead_of":
                raise tc.error("instead_of triggers are for views; a table's trigger is before: or after:")
            events_node = spec[tkey]
            if isinstance(events_node, str):
                events_node = re.split(r"\s+or\s+|\s*,\s*(?=insert|update|delete|truncate)",
                                       events_node.strip(), flags=re.IGNORECASE)
            if not isinstance(events_node, list) or not events_node:
                raise tc.error("events: insert, update, delete, truncate (a list, or joined by `or`)")
            events = []
            refs: set[str] = set()
            for ev in events_node:
                ev_text = _str(tc, ev, "event").strip()
                m = re.fullmatch(r"update\s+of\s+(.+)", ev_text, re.IGNORECASE)
                if m:
                    cols = [x.strip() for x in m.group(1).split(",")]
                    if columns or not view:
                        self.check_columns(tc, columns, cols, q)
                    refs |= set(cols)
                    events.append("UPDATE OF " + ", ".join(ident(x) for x in cols))
                    continue
                if ev_text.lower() not in self.EVENTS:
                    close = difflib.get_close_matches(ev_text.lower(), sorted(self.EVENTS), n=1)
                    raise tc.error(f"unknown trigger event {ev_text!r}",
                                   f"did you mean {close[0]}?" if close else None)
                events.append(ev_text.upper())
            for_each = str(spec.get("for_each", "row")).lower()
            if for_each not in ("row", "statement"):
                raise c.child(spec, "for_each").error("for_each is row or statement")
            if "execute" not in spec:
                raise c.error(f"trigger {name} needs execute: the trigger function's name")
            ec = c.child(spec, "execute")
            fname = _str(ec, spec["execute"], "execute").removesuffix("()")
            parts = split_path(fname)
            if parts is None or len(parts) > 2:
                raise ec.error(f"{fname!r} is not a function's name: use name or schema.name", NAME_HINT)
            fq = qualify(*parts) if len(parts) == 2 else qualify("public", parts[0])
            candidates = [f for f in self.functions.values() if f.qname == fq]
            # A built-in trigger function (pg_catalog.tsvector_update_trigger) or one an
            # extension brings is not declared here: PostgreSQL says at the scratch build
            # (pointing at this line) if it does not exist.
            builtin = fq.startswith("pg_catalog.") or (bool(self.extensions) and not candidates)
            if not candidates and not builtin:
                close = difflib.get_close_matches(fq, sorted({f.qname for f in self.functions.values()}), n=1)
                raise ec.error(f"trigger function {fname} is not declared under functions:",
                               f"did you mean {close[0]}?" if close else "declare it with returns: trigger")
            if candidates and not any(f.returns.strip().lower() == "trigger" and not f.arguments.strip()
                                      for f in candidates):
                raise ec.error(f"function {fname} must take no arguments and return trigger")
            args = spec.get("arguments", [])
            if not isinstance(args, list):
                args = [args]
            arg_sql = ", ".join(literal(str(a)) for a in args)
            constraint = _bool(c.child(spec, "constraint"), spec.get("constraint", False), "constraint")
            deferrable = _bool(c.child(spec, "deferrable"), spec.get("deferrable", False), "deferrable")
            deferred = _bool(c.child(spec, "initially_deferred"), spec.get("initially_deferred", False),
                             "initially_deferred")
            if (deferrable or deferred) and not constraint:
                raise c.error(f"only a constraint trigger is deferrable: add constraint: true to {name}")
            if constraint and (tkey != "after" or for_each != "row"):
                raise c.child(spec, "constraint").error("a constraint trigger is after: … for_each: row")
            sql = (f"CREATE {'CONSTRAINT ' if constraint else ''}TRIGGER {ident(name)} "
                   f"{tkey.replace('_', ' ').upper()} {' OR '.join(events)} ON {qname_ident(q)}")
            if constraint:
                sql += " DEFERRABLE INITIALLY DEFERRED" if deferred else (
                    " DEFERRABLE" if deferrable else "")
            if "referencing" in spec:  # transition tables of an AFTER trigger
                rc = c.child(spec, "referencing")
                ref = spec["referencing"]
                if not isinstance(ref, dict) or not ref:
                    raise rc.error("referencing is {old_table: name, new_table: name}")
                _keys(rc, ref, {"old_table", "new_table"}, "referencing")
                sql += " REFERENCING" + "".join(
                    f" {k.split('_')[0].upper()} TABLE AS {ident(_str(rc.child(ref, k), ref[k], k))}"
                    for k in ("old_table", "new_table") if k in ref)
            sql += f" FOR EACH {for_each.upper()}"
            if "when" in spec:
                wc = c.child(spec, "when")
                when = _str(wc, spec["when"], "when")
                tree = parse_sql(wc, when, "when")
                for col in tree.find_all(exp.Column):
                    if col.table.lower() not in ("new", "old"):
                        raise wc.error(f"in when:, write NEW.{col.name} or OLD.{col.name}")
                    if col.is_star:  # OLD.* IS DISTINCT FROM NEW.*: the whole row
                        refs |= set(columns)
                        continue
                    self.check_columns(wc, columns, [col.name], q)
                    refs.add(col.name)
                sql += f" WHEN ({when})"
            sql += f" EXECUTE FUNCTION {qname_ident(fq)}({arg_sql})"
            enabled = _bool(c.child(spec, "enabled"), spec.get("enabled", True), "enabled")
            if view and not enabled:  # (PostgreSQL cannot disable a view's trigger)
                raise c.child(spec, "enabled").error("a view's INSTEAD OF triggers always fire: enabled: is for "
                                                     "a table's triggers")
            out[name] = Trigger(name, sql, fq, enabled, tuple(sorted(refs)), self.comment(c, spec),
                                c.source())
        return out
