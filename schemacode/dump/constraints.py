"""A table's keys, checks, foreign keys and exclusions, short where a column can carry them."""
from __future__ import annotations

import re
from typing import Any, Literal

from ..model import Constraint, Table
from ..sqltext import closing_bracket, path_part, reproducible, split_top_level, unquote_ident
from .core import (
    DumperBase, Flow, FlowList, constraint_options, default_name, readable_check, short_name, strip_check,
)


class ConstraintDumper(DumperBase):
    def constraints(self, t: Table, cols: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """A table's constraints as schema.yaml sections (primary_key, unique, checks, foreign_keys,
        exclude), in that order; those a column can carry are put in ``cols`` instead."""
        keys: dict[str, Any] = {}
        constraints = sorted(t.constraints.values(), key=lambda c: c.name or "")
        pk = t.primary_key()
        if pk is not None:
            pk_options = constraint_options(pk.definition)
            plain = pk.name == f"{t.name}_pkey" and not pk.comment and not pk_options
            if len(pk.columns) == 1 and not pk.comment and pk.columns[0] in cols:
                cols[pk.columns[0]]["primary_key"] = column_key(pk.name != f"{t.name}_pkey" and pk.name,
                                                                pk_options)
            else:
                keys["primary_key"] = (FlowList(pk.columns) if plain
                                       else Flow({"columns": FlowList(pk.columns), "name": pk.name,
                                                   **({"comment": pk.comment} if pk.comment else {}),
                                                   **pk_options}))
        unique: dict[str, Any] = {}
        checks: dict[str, Any] = {}
        foreign_keys: dict[str, Any] = {}
        excludes: dict[str, Any] = {}
        for con in constraints:
            name = con.name or ""
            if con.kind == "unique":
                nnd = "NULLS NOT DISTINCT" in con.definition
                key_options = constraint_options(con.definition)
                if len(con.columns) == 1 and con.columns[0] in cols and not con.comment \
                        and "unique" not in cols[con.columns[0]]:
                    default = name == default_name(t.name, con.columns, "key")
                    cols[con.columns[0]]["unique"] = column_key(
                        not default and name, {**({"nulls_not_distinct": True} if nnd else {}), **key_options})
                elif con.comment or nnd or key_options:
                    extra: dict[str, Any] = {"columns": FlowList(con.columns)}
                    if con.comment:
                        extra["comment"] = con.comment
                    if nnd:
                        extra["nulls_not_distinct"] = True
                    extra.update(key_options)
                    unique[name] = Flow(extra)
                else:
                    unique[name] = FlowList(con.columns)
            elif con.kind == "check":
                expr = reproducible(readable_check(self.d.checks.get((t.qname, name)) or strip_check(con.definition)))
                check_options = constraint_options(con.definition)
                if con.comment or check_options:
                    checks[name] = Flow({"expr": expr, **check_options,
                                          **({"comment": con.comment} if con.comment else {})})
                elif len(con.columns) == 1 and con.columns[0] in cols \
                        and name == default_name(t.name, con.columns, "check") and "check" not in cols[con.columns[0]]:
                    cols[con.columns[0]]["check"] = expr
                else:
                    checks[name] = expr
            elif con.kind == "foreign_key":
                self.foreign_key(t, con, cols, foreign_keys)
            elif con.kind == "exclude":
                excludes[name] = Flow({**exclusion(con.definition),
                                        **({"comment": con.comment} if con.comment else {})})
        for section, value in (("unique", unique), ("checks", checks), ("foreign_keys", foreign_keys),
                               ("exclude", excludes)):
            if value:
                keys[section] = value
        return keys

    def foreign_key(self, t: Table, con: Constraint, cols: dict[str, dict[str, Any]],
                    out: dict[str, Any]) -> None:
        m = re.search(r"\)\s*(.*)$", con.definition.split("REFERENCES", 1)[1])
        tail = m.group(1) if m else ""
        opts: dict[str, Any] = {}
        for clause, key in (("ON UPDATE", "on_update"), ("ON DELETE", "on_delete")):
            am = re.search(clause + r" (CASCADE|RESTRICT|SET NULL|SET DEFAULT|NO ACTION)", tail)
            if am:
                opts[key] = am.group(1).lower()
        if "MATCH FULL" in tail:
            opts["match"] = "full"
        opts.update(constraint_options(tail))
        ref_table = con.ref_table or ""
        ref_pk = self.c.tables.get(ref_table)
        pk = ref_pk.primary_key() if ref_pk else None
        if len(con.columns) == 1 and con.columns[0] in cols and not con.comment:
            target = short_name(ref_table) + "." + path_part(con.ref_columns[0])
            col = cols[con.columns[0]]
            if "references" not in col:
                if con.name == default_name(t.name, con.columns, "fkey") and \
                        not ({"match", "not_valid"} & set(opts)):
                    col["references"] = target
                    col.update(opts)
                else:
                    col["references"] = Flow({"to": target, "name": con.name, **opts})
                return
        spec: dict[str, Any] = {"columns": FlowList(con.columns)}
        if pk is not None and tuple(pk.columns) == tuple(con.ref_columns):
            spec["references"] = short_name(ref_table)
        else:
            spec["references"] = Flow({"table": short_name(ref_table), "columns": FlowList(con.ref_columns)})
        spec.update(opts)
        if con.comment:
            spec["comment"] = con.comment
        out[con.name or ""] = Flow(spec)


def exclusion(definition: str) -> dict[str, Any]:
    """EXCLUDE USING m (e WITH op, …) [INCLUDE (…)] [WHERE (…)] [DEFERRABLE …] taken apart."""
    m = re.match(r"EXCLUDE USING (\w+) \(", definition)
    if m is None:  # pragma: no cover - PostgreSQL always prints the method
        raise ValueError(f"unexpected exclusion constraint: {definition}")
    close = closing_bracket(definition, m.end() - 1)
    spec: dict[str, Any] = {}
    if m.group(1) != "gist":
        spec["using"] = m.group(1)
    spec["elements"] = FlowList(reproducible(e) for e in split_top_level(definition[m.end():close]))
    rest = definition[close + 1:]
    inc = re.match(r" INCLUDE \((.*?)\)", rest)
    if inc:
        spec["include"] = FlowList(unquote_ident(x.strip()) for x in split_top_level(inc.group(1)))
        rest = rest[inc.end():]
    if rest.startswith(" WHERE ("):
        end = closing_bracket(rest, len(" WHERE "))
        spec["where"] = reproducible(rest[len(" WHERE ("):end])
        rest = rest[end + 1:]
    spec.update(constraint_options(rest))
    return spec


def column_key(name: str | Literal[False] | None, options: dict[str, Any]) -> Any:
    """A column's primary_key: or unique: true, its name, or {name:, …options}."""
    if not options:
        return name or True
    return Flow({**({"name": name} if name else {}), **options})
