"""Catalog -> schema.yaml text, in the short forms a person would write.

Used by ``schemacode pull`` and ``import``. The contract: loading the text and building it gives
back the same catalog. Where a short form could change the meaning, the long form is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import __version__
from .changes.privileges import DEFAULT_GRANTS
from .model import Acl, Catalog, attached_default, not_null_default, split_grant, Column, Constraint, Index, Policy, Table, Trigger, View
from .sqltext import closing_bracket, reproducible, split_top_level, unquote_ident

_SHORT_TYPES = [
    (re.compile(r"^character varying(\(\d+\))?"), r"varchar\1"),
    (re.compile(r"^character(\(\d+\))?"), r"char\1"),
    (re.compile(r"^timestamp(\(\d+\))? with time zone"), r"timestamptz\1"),
    (re.compile(r"^timestamp(\(\d+\))? without time zone"), r"timestamp\1"),
    (re.compile(r"^time(\(\d+\))? with time zone"), r"timetz\1"),
    (re.compile(r"^time(\(\d+\))? without time zone"), r"time\1"),
    (re.compile(r"^bit varying"), "varbit"),
]
_INT_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


class _Flow(dict[str, Any]):
    """Written on one line: {type: text, null: false}."""


class _FlowList(list[Any]):
    """Written on one line: [a, b]."""


class _Block(str):
    """Written as a literal block (|)."""


class _Dumper(yaml.SafeDumper):
    pass


def _repr_flow(d: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _repr_flow_list(d: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _repr_block(d: yaml.SafeDumper, data: _Block) -> yaml.Node:
    return d.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


def _repr_dict(d: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(_Flow, _repr_flow)
_Dumper.add_representer(_FlowList, _repr_flow_list)
_Dumper.add_representer(_Block, _repr_block)
_Dumper.add_representer(dict, _repr_dict)


@dataclass
class Details:
    """What pull reads beyond the catalog (see introspect.pull_details), keyed for lookup."""

    indexes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    checks: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: dict[str, list[dict[str, Any]]]) -> Details:
        return cls(
            indexes={(r["relation"], r["name"]): r for r in rows["index_parts"]},
            functions={f"{r['schema']}.{r['name']}({r['identity_arguments']})": r
                       for r in rows["function_parts"]},
            triggers={(r["relation"], r["name"]): r for r in rows["trigger_parts"]},
            checks={(r["relation"], r["name"]): r["expression"] for r in rows["check_parts"]},
        )


@dataclass
class Dumped:
    text: str
    warnings: list[str]


def dump(catalog: Catalog, details: Details, origin: str = "a database",
         privileges_of: str | None = None) -> Dumped:
    """schema.yaml for ``catalog``; with ``privileges_of`` (the role reading it, as SQL names it),
    owners other than that role and grants other than the defaults too (managed from then on)."""
    d = _Dump(catalog, details, privileges_of)
    doc = d.document()
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100_000,
                     default_flow_style=False)
    body = _tidy(body)
    header = (f"# Pulled from {origin} by schemacode {__version__}.\n"
              "# Reference: docs/schema-yaml.md (schemacode)\n")
    warnings = [f"not supported, left out: {u}" for u in catalog.unmanaged.values()]
    warnings += d.warnings
    if warnings:
        header += "# Left out (schema.yaml cannot declare these yet):\n" + "".join(
            f"#   {w.removeprefix('not supported, left out: ')}\n" for w in warnings)
    return Dumped(header + ("\n" + body if doc else ""), warnings)


def _tidy(body: str) -> str:
    """`null:` as people write it, and a blank line between top-level sections and tables."""
    body = re.sub(r"(?<=[{ ])'null': ", "null: ", body)
    out: list[str] = []
    section = ""
    for line in body.splitlines():
        if line and not line.startswith(" "):
            if out:
                out.append("")
            section = line
        elif section == "tables:" and re.match(r"^  \S", line) and not out[-1].endswith("tables:"):
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"


_IN_LIST = [
    re.compile(r"^\(?(\w+)\)?::text = ANY \(\(?ARRAY\[((?:'(?:[^']|'')*'::character varying(?:, )?)+)\]\)?::text\[\]\)$"),
    re.compile(r"^(\w+) = ANY \(ARRAY\[((?:'(?:[^']|'')*'::text(?:, )?)+)\]\)$"),
    re.compile(r"^\(?(\w+)\)?::text = ANY \(ARRAY\[((?:\(?'(?:[^']|'')*'::character varying\)?::text(?:, )?)+)\]\)$"),
]


def readable_check(expr: str) -> str:
    """`status IN ('a', 'b')` for PostgreSQL's `status::text = ANY (ARRAY[...])`."""
    for pattern in _IN_LIST:
        m = pattern.match(expr)
        if m:
            values = re.findall(r"'((?:[^']|'')*)'::", m.group(2))
            return f"{m.group(1)} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
    return expr


def short_type(t: str) -> str:
    array = ""
    while t.endswith("[]"):
        t, array = t[:-2], array + "[]"
    for pattern, repl in _SHORT_TYPES:
        if pattern.match(t):
            t = pattern.sub(repl, t, count=1)
            break
    if t.startswith("public.") and '"' not in t:
        t = t[len("public."):]
    return t + array


def _name(qname: str) -> str:
    schema, _, name = qname.partition(".")
    return name if schema == "public" else qname


class _Dump:
    def __init__(self, catalog: Catalog, details: Details, privileges_of: str | None = None) -> None:
        self.c = catalog
        self.d = details
        self.privileges_of = privileges_of
        self.warnings: list[str] = []

    def default_acl(self, lines: tuple[str, ...] | None) -> dict[str, Any]:
        """default_privileges: of a schema, or of schema.yaml's top level (every schema), where
        `role: []` is a built-in default taken away (pull --privileges)."""
        if self.privileges_of is None or not lines:
            return {}
        out: dict[str, dict[str, dict[str, list[str]]]] = {}
        for line in lines:
            creator, objects, grant = line.split("|", 2)
            privilege, grantee, _ = split_grant(grant)
            role = "public" if grantee == "PUBLIC" else unquote_ident(grantee)
            privileges = out.setdefault(unquote_ident(creator), {}).setdefault(objects.lower(), {}).setdefault(role, [])
            if privilege != "NONE":
                privileges.append(privilege.lower())
        return {"default_privileges": _Flow({
            c: _Flow({k: _Flow({r: (p[0] if len(p) == 1 else _FlowList(sorted(p))) for r, p in g.items()})
                      for k, g in sorted(kinds.items())})
            for c, kinds in out.items()})}

    def acl(self, kind: str, what: str, acl: Acl | None) -> dict[str, Any]:
        """owner: and grants: of an object (pull --privileges)."""
        if self.privileges_of is None or acl is None:
            return {}
        out: dict[str, Any] = {}
        if acl.owner and acl.owner != self.privileges_of:
            out["owner"] = unquote_ident(acl.owner)
        defaults = set(DEFAULT_GRANTS.get(kind, ()))
        grants = set(acl.grants or ())
        if grants == defaults:
            return out
        by_role: dict[str, list[tuple[str, bool]]] = {}
        for g in sorted(acl.grants or ()):
            privilege, grantee, option = split_grant(g)
            by_role.setdefault(grantee, []).append((privilege, option))
        for g in sorted(defaults - grants):  # a default taken away
            by_role.setdefault(split_grant(g)[1], [])
        spec: dict[str, Any] = {}
        for grantee, items in by_role.items():
            role = "public" if grantee == "PUBLIC" else unquote_ident(grantee)
            names = [_privilege_name(p) for p, _ in items]
            options = {o for _, o in items}
            if len(options) > 1:
                self.warnings.append(f"not exact: {what} grants {role} some privileges with the grant "
                                     "option and some without; written all with it")
            value: Any = names[0] if len(names) == 1 else _FlowList(names)
            spec[role] = _Flow({"privileges": _FlowList(names), "grant_option": True}) if True in options else value
        out["grants"] = spec
        return out

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = dict(self.default_acl(self.c.default_acl))  # (in every schema)
        schemas = {n: ns for n, ns in self.c.schemas.items()
                   if n != "public" or ns.comment not in (None, "standard public schema")
                   or (self.privileges_of and n != "public" and self.acl("schema", n, ns.acl))
                   or (self.privileges_of and ns.default_acl)}
        if schemas:
            doc["schemas"] = {n: _Flow({**({"comment": ns.comment} if ns.comment else {}),
                                        **(self.acl("schema", f"schema {n}", ns.acl) if n != "public" else {}),
                                        **self.default_acl(ns.default_acl)})
                              for n, ns in sorted(schemas.items())}
        if self.c.extensions:
            exts: list[Any] = []
            for name, e in sorted(self.c.extensions.items()):
                if e.schema in (None, "public"):
                    exts.append(name)
                else:
                    exts.append(_Flow({"name": name, "schema": e.schema}))
            doc["extensions"] = exts
        if self.c.enums:
            enums: dict[str, Any] = {}
            for k, en in sorted(self.c.enums.items()):
                extra = {**({"comment": en.comment} if en.comment else {}),
                         **self.acl("type", f"enum {k}", en.acl)}
                enums[_name(k)] = _Flow({"values": _FlowList(en.values), **extra}) if extra else _FlowList(en.values)
            doc["enums"] = enums
        if self.c.domains:
            doc["domains"] = {_name(k): self.domain(dm) for k, dm in sorted(self.c.domains.items())}
        types: dict[str, Any] = {}
        for k, ct in sorted(self.c.composites.items()):
            types[_name(k)] = {**({"comment": ct.comment} if ct.comment else {}),
                               "attributes": _Flow({a: short_type(t) for a, t in ct.attributes}),
                               **self.acl("type", f"type {k}", ct.acl)}
        for k, rt in sorted(self.c.ranges.items()):
            rspec: dict[str, Any] = {"range": short_type(rt.subtype)}
            for option in rt.options:
                key, _, value = option.partition(" = ")
                rspec[key] = unquote_ident(value) if key == "multirange_type_name" else value
            if rt.comment:
                rspec["comment"] = rt.comment
            rspec.update(self.acl("type", f"type {k}", rt.acl))
            types[_name(k)] = _Flow(rspec)
        if types:
            doc["types"] = dict(sorted(types.items()))
        functions = {}
        for key, f in sorted(self.c.functions.items()):
            spec = self.function(key)
            if spec is None:
                continue
            if _overloads(self.c, f.qname) == 1:
                functions[_name(f.qname)] = spec
            else:  # the arguments in the key tell overloads apart
                functions[f"{_name(f.qname)}({spec.pop('arguments', '')})"] = spec
        if functions:
            doc["functions"] = functions
        if self.c.aggregates:
            doc["aggregates"] = {f"{_name(a.qname)}({a.arguments})": self.aggregate(a.options, a.comment)
                                 for _, a in sorted(self.c.aggregates.items())}
        if self.c.sequences:
            doc["sequences"] = {_name(k): self.sequence(k) for k in sorted(self.c.sequences)}
        if self.c.tables:
            doc["tables"] = {_name(k): self.table(t) for k, t in sorted(self.c.tables.items())
                             if not t.partition_of}  # (written under their parents)
        if self.c.views:
            doc["views"] = {_name(k): self.view(v) for k, v in sorted(self.c.views.items())}
        return doc

    # -- types, functions, sequences -------------------------------------------------------
    def domain(self, dm: Any) -> Any:
        spec: dict[str, Any] = {"type": short_type(dm.type)}
        if dm.not_null:
            spec["null"] = False
        if dm.default is not None:
            spec["default"] = _default(dm.default, dm.type)
        checks = {}
        for name, check in dm.checks.items():
            expr = reproducible(_strip_check(check))
            if name == f"{dm.name}_check" and len(dm.checks) == 1:
                spec["check"] = expr
            else:
                checks[name] = expr
        if checks:
            spec["checks"] = _Flow(checks)
        if dm.comment:
            spec["comment"] = dm.comment
        spec.update(self.acl("domain", f"domain {dm.qname}", dm.acl))
        return _Flow(spec)

    def function(self, key: str) -> dict[str, Any] | None:
        f = self.c.functions[key]
        parts = self.d.functions.get(key)
        if parts is None:  # pragma: no cover - both read the same catalog
            raise ValueError(f"no details for function {key}")
        spec: dict[str, Any] = {}
        procedure = parts["kind"] == "p"
        if procedure:
            spec["kind"] = "procedure"
        if parts["arguments"]:
            spec["arguments"] = parts["arguments"]
        if not procedure:
            spec["returns"] = parts["returns"]
        if parts["language"] != "plpgsql":
            spec["language"] = parts["language"]
        if not procedure:
            vol = {"i": "immutable", "s": "stable", "v": "volatile"}[parts["volatility"]]
            if vol != "volatile":
                spec["volatility"] = vol
            if parts["strict"]:
                spec["strict"] = True
            if parts["leakproof"]:
                spec["leakproof"] = True
            parallel = {"s": "safe", "r": "restricted", "u": "unsafe"}[parts["parallel"]]
            if parallel != "unsafe":
                spec["parallel"] = parallel
            if parts["cost"] != 100:
                spec["cost"] = _number(str(parts["cost"]).removesuffix(".0"))
            if parts["rows"] != (1000 if parts["returns_set"] else 0):
                spec["rows"] = _number(str(parts["rows"]).removesuffix(".0"))
        if parts["security_definer"]:
            spec["security"] = "definer"
        settings: dict[str, Any] = {}
        for setting in parts["config"] or []:
            name, _, value = setting.partition("=")
            if name == "search_path":
                spec["search_path"] = _FlowList(p.strip().strip('"') for p in value.split(","))
            else:
                settings[name] = value
        if settings:
            spec["set"] = _Flow(settings)
        if f.comment:
            spec["comment"] = f.comment
        if parts["sql_body"] is not None:
            spec["sql_body"] = _Block(parts["sql_body"].strip() + "\n")
        else:
            spec["body"] = _body(parts["body"])
        spec.update(self.acl("function", f"function {key}", f.acl))
        return spec

    def sequence(self, key: str) -> Any:
        s = self.c.sequences[key]
        spec: dict[str, Any] = {}
        if s.type != "bigint":
            spec["type"] = s.type
        inc = s.increment
        type_max = _INT_MAX.get(s.type, _INT_MAX["bigint"])
        minv_default = 1 if inc > 0 else -type_max - (1 if s.type == "bigint" else 1)
        maxv_default = type_max if inc > 0 else -1
        if s.start != (s.min_value if inc > 0 else s.max_value):
            spec["start"] = s.start
        if inc != 1:
            spec["increment"] = inc
        if s.min_value != minv_default:
            spec["min"] = s.min_value
        if s.max_value != maxv_default:
            spec["max"] = s.max_value
        if s.cache != 1:
            spec["cache"] = s.cache
        if s.cycle:
            spec["cycle"] = True
        if s.owned_by:
            spec["owned_by"] = f"{_name(s.owned_by[0])}.{s.owned_by[1]}"
        spec.update(self.acl("sequence", f"sequence {s.qname}", s.acl))
        if s.comment:
            spec["comment"] = s.comment
        return _Flow(spec)

    # -- tables ----------------------------------------------------------------------------
    def table(self, t: Table) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if t.comment:
            spec["comment"] = t.comment
        if t.unlogged:
            spec["unlogged"] = True
        if t.options:
            spec["with"] = _options_map(t.options)
        if t.replica_identity.startswith("index "):
            spec["replica_identity"] = _Flow({"index": unquote_ident(t.replica_identity[len("index "):])})
        elif t.replica_identity != "default":
            spec["replica_identity"] = t.replica_identity
        cols: dict[str, dict[str, Any]] = {c.name: self.column(t, c) for c in t.columns.values()}
        constraints = sorted(t.constraints.values(), key=lambda c: c.name or "")
        pk = t.primary_key()
        if pk is not None:
            pk_options = _options(pk.definition)
            plain = pk.name == f"{t.name}_pkey" and not pk.comment and not pk_options
            if len(pk.columns) == 1 and plain and pk.columns[0] in cols:
                cols[pk.columns[0]]["primary_key"] = True
            else:
                spec["primary_key"] = (_FlowList(pk.columns) if plain
                                       else _Flow({"columns": _FlowList(pk.columns), "name": pk.name,
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
                key_options = _options(con.definition)
                if len(con.columns) == 1 and con.columns[0] in cols and not con.comment and not nnd \
                        and not key_options:
                    default = name == _default_name(t.name, con.columns, "key")
                    cols[con.columns[0]]["unique"] = True if default else name
                elif con.comment or nnd or key_options:
                    extra: dict[str, Any] = {"columns": _FlowList(con.columns)}
                    if con.comment:
                        extra["comment"] = con.comment
                    if nnd:
                        extra["nulls_not_distinct"] = True
                    extra.update(key_options)
                    unique[name] = _Flow(extra)
                else:
                    unique[name] = _FlowList(con.columns)
            elif con.kind == "check":
                expr = reproducible(readable_check(self.d.checks.get((t.qname, name)) or _strip_check(con.definition)))
                check_options = _options(con.definition)
                if con.comment or check_options:
                    checks[name] = _Flow({"expr": expr, **check_options,
                                          **({"comment": con.comment} if con.comment else {})})
                elif len(con.columns) == 1 and con.columns[0] in cols \
                        and name == _default_name(t.name, con.columns, "check") and "check" not in cols[con.columns[0]]:
                    cols[con.columns[0]]["check"] = expr
                else:
                    checks[name] = expr
            elif con.kind == "foreign_key":
                self.foreign_key(t, con, cols, foreign_keys)
            elif con.kind == "exclude":
                excludes[name] = _Flow({**_exclusion(con.definition),
                                        **({"comment": con.comment} if con.comment else {})})
        if not t.partition_of:  # (a partition's columns are its parent's)
            spec["columns"] = {n: _column_value(c) for n, c in cols.items()}
        elif own := self.partition_columns(t):
            spec["columns"] = own
        if unique:
            spec["unique"] = unique
        if checks:
            spec["checks"] = checks
        if foreign_keys:
            spec["foreign_keys"] = foreign_keys
        if excludes:
            spec["exclude"] = excludes
        if t.indexes:
            spec["indexes"] = {n: self.index(t.qname, i) for n, i in sorted(t.indexes.items())}
        if t.triggers:
            spec["triggers"] = {n: self.trigger(t.qname, g) for n, g in sorted(t.triggers.items())}
        if t.inherits:
            parents = [_name(p) for p in t.inherits]
            spec["inherits"] = parents[0] if len(parents) == 1 else _FlowList(parents)
        if t.partition_by:
            strategy, _, key = t.partition_by.partition(" ")
            spec["partition_by"] = f"{strategy.lower()} {key}"
            partitions = self.partitions(t)
            if partitions:
                spec["partitions"] = partitions
        if t.row_security or t.force_row_security:
            spec["row_security"] = ("forced" if t.force_row_security else "enabled") if t.row_security \
                else _Flow({"enabled": False, "forced": True})
        if t.policies:
            spec["policies"] = {n: self.policy(p) for n, p in sorted(t.policies.items())}
        spec.update(self.acl("table", f"table {t.qname}", t.acl))
        return spec

    def aggregate(self, options: tuple[str, ...], comment: str | None) -> Any:
        spec: dict[str, Any] = {}
        for option in options:
            key, sep, value = option.partition(" = ")
            if not sep:
                spec[key] = True  # finalfunc_extra, mfinalfunc_extra
            elif key in ("initcond", "minitcond"):
                spec[key] = value[1:-1].replace("''", "'")
            elif key in ("sspace", "msspace"):
                spec[key] = int(value)
            elif key in ("stype", "mstype"):
                spec[key] = short_type(value)
            else:  # a function (or an operator): public's by its name alone
                spec[key] = value.removeprefix("public.")
        if comment:
            spec["comment"] = comment
        return _Flow(spec)

    def partitions(self, parent: Table) -> dict[str, Any]:
        """A parent's partitions, runs of them written once where a name with placeholders and
        a step stand for them exactly (see load/partitions.py)."""
        from .load.partitions import compact_runs

        children = sorted((t for t in self.c.tables.values() if t.partition_of == parent.qname),
                          key=lambda t: t.name)
        out: dict[str, Any] = {}
        plain = {}
        for t in children:
            spec = self.partition(t)
            key = t.name if t.schema == parent.schema else t.qname
            if set(spec) <= {"from", "to", "in", "modulus", "remainder", "default"}:
                plain[key] = (t.bound or "", spec)
            out[key] = spec
        for name, spec, members in compact_runs({k: b for k, (b, _) in plain.items()}):
            first = min(members)
            out = {(name if k == first else k): (_Flow(spec) if k == first else v)
                   for k, v in out.items() if k == first or k not in members}
        return out

    def partition(self, t: Table) -> Any:
        """A partition: its bound, then what is its own, as a table's (no columns: its parent's)."""
        spec: dict[str, Any] = dict(_bound_spec(t.bound or ""))
        spec.update(self.table(t))
        parent = self.c.tables.get(t.partition_of or "")
        names = {what[1]: name for what, name in t.attached
                 if parent is None or name != attached_default(t.name, parent, what)}
        if names:
            spec["attached_names"] = _Flow(names)
        if spec == {"default": True}:
            return "default"
        return _Flow(spec) if set(spec) <= {"from", "to", "in", "modulus", "remainder", "default"} else spec

    def policy(self, p: Policy) -> Any:
        spec: dict[str, Any] = {}
        if p.command != "ALL":
            spec["for"] = p.command.lower()
        if not p.permissive:
            spec["as"] = "restrictive"
        if p.roles != ("public",):
            roles = [unquote_ident(r) for r in p.roles]
            spec["to"] = roles[0] if len(roles) == 1 else _FlowList(roles)
        if p.using is not None:
            spec["using"] = reproducible(p.using)
        if p.with_check is not None:
            spec["with_check"] = reproducible(p.with_check)
        if p.comment:
            spec["comment"] = p.comment
        return spec

    def column(self, t: Table, c: Column) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": short_type(c.type)}
        if c.not_null and not c.identity and c.type not in ("serial", "bigserial", "smallserial"):
            spec["null"] = False
        if c.default is not None:
            spec["default"] = _default(c.default, c.type)
        if c.identity:
            opts = _identity_options(c.identity_options, c.type)
            spec["identity"] = _Flow({"generation": c.identity, **opts}) if opts else c.identity
        if c.generated is not None:
            spec["generated"] = reproducible(c.generated)
        if c.collation:
            spec["collation"] = unquote_ident(c.collation.removeprefix("pg_catalog."))
        if c.not_null and c.not_null_name not in (None, not_null_default(t.name, c.name)):
            spec["not_null_name"] = c.not_null_name
        if c.comment:
            spec["comment"] = c.comment
        return spec

    def partition_columns(self, t: Table) -> dict[str, Any]:
        """A partition's own options on its parent's columns: what differs from the parent's."""
        parent = self.c.tables.get(t.partition_of or "")
        theirs = parent.every_column() if parent else {}
        out: dict[str, Any] = {}
        for n, c in t.partition_columns.items():
            p = theirs.get(n)
            if p is None:
                continue
            spec: dict[str, Any] = {}
            if c.not_null and not p.not_null:
                spec["null"] = False
            if c.default != p.default and p.type not in ("serial", "bigserial", "smallserial"):
                spec["default"] = None if c.default is None else _default(c.default, c.type)
            name = p.not_null_name if p.not_null else not_null_default(t.name, n)
            if c.not_null and c.not_null_name not in (None, name):
                spec["not_null_name"] = c.not_null_name
            if spec:
                out[n] = _Flow(spec)
        return out

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
        opts.update(_options(tail))
        ref_table = con.ref_table or ""
        ref_pk = self.c.tables.get(ref_table)
        pk = ref_pk.primary_key() if ref_pk else None
        if len(con.columns) == 1 and con.columns[0] in cols and not con.comment:
            target = _name(ref_table) + "." + con.ref_columns[0]
            col = cols[con.columns[0]]
            if "references" not in col:
                if con.name == _default_name(t.name, con.columns, "fkey") and \
                        not ({"match", "not_valid"} & set(opts)):
                    col["references"] = target
                    col.update(opts)
                else:
                    col["references"] = _Flow({"to": target, "name": con.name, **opts})
                return
        spec: dict[str, Any] = {"columns": _FlowList(con.columns)}
        if pk is not None and tuple(pk.columns) == tuple(con.ref_columns):
            spec["references"] = _name(ref_table)
        else:
            spec["references"] = _Flow({"table": _name(ref_table), "columns": _FlowList(con.ref_columns)})
        spec.update(opts)
        if con.comment:
            spec["comment"] = con.comment
        out[con.name or ""] = _Flow(spec)

    def index(self, relation: str, idx: Index) -> Any:
        parts = self.d.indexes.get((relation, idx.name))
        if parts is None:  # pragma: no cover - both read the same catalog
            raise ValueError(f"no details for index {idx.name}")
        keys: list[Any] = []
        simple = True
        for key, is_expr, option, opclass, collation in zip(
                parts["keys"], parts["is_expression"], parts["options"], parts["opclasses"],
                parts["collations"]):
            desc, nulls_first = bool(option & 1), bool(option & 2)
            suffix = ""
            if desc:
                suffix += " desc"
                if not nulls_first:
                    suffix += " nulls last"
            elif nulls_first:
                suffix += " nulls first"
            column = unquote_ident(key) if not is_expr else None
            if opclass or collation:
                entry: dict[str, Any] = {"column": column} if column else {"expr": reproducible(key)}
                if collation:
                    entry["collation"] = collation
                if opclass:
                    entry["opclass"] = opclass
                if desc:
                    entry["order"] = "desc"
                if desc != nulls_first:
                    entry["nulls"] = "first" if nulls_first else "last"
                keys.append(_Flow(entry))
                simple = False
            else:
                keys.append((column or reproducible(key)) + suffix)
                simple = simple and not is_expr
        spec: dict[str, Any] = {}
        if parts["is_unique"]:
            spec["unique"] = True
        if parts["method"] != "btree":
            spec["using"] = parts["method"]
        spec["columns"] = _FlowList(keys)
        if parts["include"]:
            spec["include"] = _FlowList(parts["include"])
        if parts["nulls_not_distinct"]:
            spec["nulls_not_distinct"] = True
        if parts["storage"]:
            spec["with"] = _Flow({k: _number(v) for k, _, v in (o.partition("=") for o in parts["storage"])})
        if parts["predicate"]:
            spec["where"] = reproducible(parts["predicate"])
        if idx.comment:
            spec["comment"] = idx.comment
        if simple and list(spec) == ["columns"]:
            return _FlowList(keys)
        return _Flow(spec)

    def trigger(self, relation: str, trg: Trigger) -> Any:
        p = self.d.triggers[(relation, trg.name)]
        events = []
        if p["on_insert"]:
            events.append("insert")
        if p["on_update"]:
            events.append("update of " + ", ".join(p["update_columns"]) if p["update_columns"] else "update")
        if p["on_delete"]:
            events.append("delete")
        if p["on_truncate"]:
            events.append("truncate")
        spec: dict[str, Any] = {p["timing"]: " or ".join(events)}
        fn = trg.function
        spec["execute"] = fn.removeprefix("public.")
        if not p["for_row"]:
            spec["for_each"] = "statement"
        when = _when(trg.definition)
        if when:
            spec["when"] = reproducible(when)
        if p["nargs"]:
            spec["arguments"] = _FlowList(p["args"].split("\\000")[: p["nargs"]])
        referencing = {k: p[k] for k in ("old_table", "new_table") if p[k]}
        if referencing:
            spec["referencing"] = _Flow(referencing)
        if p["is_constraint"]:
            spec["constraint"] = True
            if p["initially_deferred"]:
                spec["initially_deferred"] = True
            elif p["deferrable"]:
                spec["deferrable"] = True
        if not trg.enabled:
            spec["enabled"] = False
        if trg.comment:
            spec["comment"] = trg.comment
        return _Flow(spec)

    def view(self, v: View) -> Any:
        spec: dict[str, Any] = {}
        if v.materialized:
            spec["materialized"] = True
        for option in v.options:  # in the order PostgreSQL keeps them
            name, _, value = option.partition("=")
            if name == "check_option":
                spec["check_option"] = value
            elif name in ("security_barrier", "security_invoker"):
                spec[name] = value.lower() in ("true", "on", "1", "yes")
            else:
                spec.setdefault("with", _Flow()).update(_options_map((option,)))
        if v.comment:
            spec["comment"] = v.comment
        spec["query"] = _Block(reproducible(v.query.strip().rstrip(";")) + "\n")
        if v.indexes:
            spec["indexes"] = {n: self.index(v.qname, i) for n, i in sorted(v.indexes.items())}
        if v.triggers:
            spec["triggers"] = {n: self.trigger(v.qname, g) for n, g in sorted(v.triggers.items())}
        spec.update(self.acl("view", f"view {v.qname}", v.acl))
        return spec


def _privilege_name(privilege: str) -> str:
    """'UPDATE (a, b)' → 'update (a, b)'; 'SELECT' → 'select'."""
    head, _, cols = privilege.partition(" (")
    return head.lower() + (f" ({', '.join(unquote_ident(c.strip()) for c in cols.rstrip(')').split(','))})"
                           if cols else "")


def _overloads(c: Catalog, qname: str) -> int:
    return sum(1 for f in c.functions.values() if f.qname == qname)


_COLUMN_KEYS = ["type", "primary_key", "unique", "null", "default", "identity", "generated",
                "collation", "references", "on_delete", "on_update", "match", "deferrable",
                "initially_deferred", "not_valid", "check", "not_null_name", "comment"]


def _column_value(spec: dict[str, Any]) -> Any:
    """`text`, `serial primary key`, `text not null`, or the long form."""
    spec = {k: spec[k] for k in _COLUMN_KEYS if k in spec}
    if spec.get("primary_key"):
        spec.pop("null", None)  # a key is NOT NULL anyway
    keys = set(spec)
    t = spec["type"]
    if keys <= {"type", "null", "primary_key", "unique"} and spec.get("unique") in (None, True) \
            and "," not in t and ":" not in t and not t.startswith(("{", "[", "'", '"')):
        words = [t]
        if spec.get("null") is False:
            words.append("not null")
        if spec.get("primary_key"):
            words.append("primary key")
        if spec.get("unique"):
            words.append("unique")
        text = " ".join(words)
        if yaml.safe_load(text) == text:  # stays a plain string in YAML
            return text
    return _Flow(spec)


def _default_name(table: str, columns: tuple[str, ...], label: str) -> str:
    name = f"{table}_{'_'.join(columns)}_{label}"
    return name if len(name.encode()) <= 63 else "\0"  # longer: PostgreSQL truncates; stay explicit


def _options(definition: str) -> dict[str, Any]:
    """The options PostgreSQL prints after a constraint's body, as schema.yaml keys."""
    out: dict[str, Any] = {}
    definition = " " + definition
    if " NO INHERIT" in definition:
        out["no_inherit"] = True
    if definition.endswith(" DEFERRABLE") or " DEFERRABLE " in definition:
        out["deferrable"] = True
    if " INITIALLY DEFERRED" in definition:
        out["initially_deferred"] = True
    if definition.endswith(" NOT VALID"):
        out["not_valid"] = True
    return out


def _exclusion(definition: str) -> dict[str, Any]:
    """EXCLUDE USING m (e WITH op, …) [INCLUDE (…)] [WHERE (…)] [DEFERRABLE …] taken apart."""
    m = re.match(r"EXCLUDE USING (\w+) \(", definition)
    if m is None:  # pragma: no cover - PostgreSQL always prints the method
        raise ValueError(f"unexpected exclusion constraint: {definition}")
    close = closing_bracket(definition, m.end() - 1)
    spec: dict[str, Any] = {}
    if m.group(1) != "gist":
        spec["using"] = m.group(1)
    spec["elements"] = _FlowList(reproducible(e) for e in split_top_level(definition[m.end():close]))
    rest = definition[close + 1:]
    inc = re.match(r" INCLUDE \((.*?)\)", rest)
    if inc:
        spec["include"] = _FlowList(unquote_ident(x.strip()) for x in split_top_level(inc.group(1)))
        rest = rest[inc.end():]
    if rest.startswith(" WHERE ("):
        end = closing_bracket(rest, len(" WHERE "))
        spec["where"] = reproducible(rest[len(" WHERE ("):end])
        rest = rest[end + 1:]
    spec.update(_options(rest))
    return spec


def _strip_check(definition: str) -> str:
    """The expression of `CHECK (…) [NO INHERIT] [NOT VALID]` (the options are read by _options)."""
    text = definition.strip().removesuffix(" NOT VALID").removesuffix(" NO INHERIT")
    if text.startswith("CHECK (") and text.endswith(")"):
        text = text[len("CHECK ("):-1]
    return text


_LITERAL = re.compile(r"^'((?:[^']|'')*)'::(.+)$")


def _default(expr: str, type_: str) -> Any:
    """A default as YAML: a literal where it is one of the column's type, else {sql: …}."""
    m = _LITERAL.match(expr)
    if m and m.group(2) == re.sub(r"\(.*?\)", "", type_) and not type_.endswith("[]") \
            and "\\" not in m.group(1) and type_ not in ("json", "jsonb", "bytea"):
        return m.group(1).replace("''", "'")
    if re.fullmatch(r"-?\d+", expr) and type_ in ("smallint", "integer", "bigint", "numeric") or \
            re.fullmatch(r"-?\d+", expr) and type_.startswith("numeric"):
        return int(expr)
    if expr in ("true", "false") and type_ == "boolean":
        return expr == "true"
    return _Flow({"sql": reproducible(expr)})


def _identity_options(text: str | None, type_: str) -> dict[str, Any]:
    if not text:
        return {}
    values = dict(re.findall(r"(START WITH|INCREMENT BY|MINVALUE|MAXVALUE|CACHE) (-?\d+)", text))
    type_max = _INT_MAX.get(type_, _INT_MAX["bigint"])
    inc = int(values.get("INCREMENT BY", 1))
    out: dict[str, Any] = {}
    start = int(values.get("START WITH", 1))
    minv = int(values.get("MINVALUE", 1))
    maxv = int(values.get("MAXVALUE", type_max))
    if start != (minv if inc > 0 else maxv):
        out["start"] = start
    if inc != 1:
        out["increment"] = inc
    if inc > 0 and minv != 1:
        out["min"] = minv
    if inc > 0 and maxv != type_max:
        out["max"] = maxv
    if int(values.get("CACHE", 1)) != 1:
        out["cache"] = int(values["CACHE"])
    if " CYCLE" in text and "NO CYCLE" not in text:
        out["cycle"] = True
    return out


def _body(src: str) -> str | _Block:
    """The body byte for byte: a literal block where YAML keeps every character so (the
    dumper falls back to a quoted string where it would not, say for trailing spaces)."""
    return _Block(src) if src.endswith("\n") and not src.endswith("\n\n") else src


def _when(definition: str) -> str | None:
    marker = " WHEN ("
    start = definition.find(marker)
    end = definition.rfind(") EXECUTE ")
    if start < 0 or end < start:
        return None
    text = definition[start + len(marker):end]
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def _options_map(options: tuple[str, ...]) -> _Flow:
    out = _Flow()
    for option in options:
        name, _, value = option.partition("=")
        out[name] = {"true": True, "false": False}.get(value, _number(value))
    return out


def _number(v: str) -> Any:
    return int(v) if re.fullmatch(r"-?\d+", v) else v


def _bound_value(text: str) -> Any:
    t = text.strip()
    if t.startswith("'") and t.endswith("'"):
        return t[1:-1].replace("''", "'")
    if t.upper() in ("MINVALUE", "MAXVALUE"):
        return t.lower()
    if t.upper() == "NULL":
        return None
    if t in ("true", "false"):
        return t == "true"
    try:
        return int(t)
    except ValueError:
        try:
            return float(t)
        except ValueError:
            return t


def _bound_values(text: str) -> Any:
    vals = [_bound_value(v) for v in split_top_level(text)]
    return vals[0] if len(vals) == 1 else _FlowList(vals)


def _bound_spec(bound: str) -> dict[str, Any]:
    """FOR VALUES … as PostgreSQL prints it → {from:, to:} / {in:} / {modulus:, remainder:} / default."""
    if bound == "DEFAULT":
        return {"default": True}
    m = re.match(r"^FOR VALUES FROM \((.*)\) TO \((.*)\)$", bound, re.DOTALL)
    if m:
        return {"from": _bound_values(m.group(1)), "to": _bound_values(m.group(2))}
    m = re.match(r"^FOR VALUES IN \((.*)\)$", bound, re.DOTALL)
    if m:
        vals = [_bound_value(v) for v in split_top_level(m.group(1))]
        return {"in": _FlowList(vals)}
    m = re.match(r"^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$", bound)
    if m:
        return {"modulus": int(m.group(1)), "remainder": int(m.group(2))}
    raise ValueError(f"a partition bound pull does not know: {bound}")
