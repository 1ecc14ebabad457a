"""tables: of schema.yaml: columns, keys, checks, exclusion constraints, foreign keys."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Iterator

from ..model import Column, ColumnOptions, Constraint, Index, Table, copy_name
from ..sqltext import ident, path_part, qname_ident, qualify, split_path, split_qualified
from ..types import INTEGER_TYPES, SERIAL_TYPES, check_type, type_base
from ..yamlsource import YMap
from .core import (
    NAME_HINT, CHECK_OPTIONS, FK_ACTIONS, FK_OPTIONS, INDEX_METHODS, KEY_OPTIONS, _Ctx, _bool, _items,
    _key_sql, _keys, _names, _parse, _str, constraint_options, parse_sql, privileges, referenced_columns,
    storage_options,
)
from .columndef import ColumnSyntaxError, parse_column, pointer
from .partitions import BOUND_KEYS, PLACEHOLDERS, bound_sql, expand, partition_by_sql
from .indexes import IndexLoader
from .policies import PolicyLoader
from .rules import RuleLoader
from .triggers import TriggerLoader


COLUMN_OPTION_KEYS = ("statistics", "storage", "compression", "n_distinct", "n_distinct_inherited")
STORAGE = ("plain", "external", "extended", "main")
COMPRESSION = ("pglz", "lz4")


def column_options(ctx: _Ctx, spec: Any) -> ColumnOptions | None:
    """statistics:, storage:, compression:, n_distinct: and n_distinct_inherited: of a column
    (ALTER COLUMN … SET …); None where it declares none. PostgreSQL checks the rest (a storage
    its type cannot have, a compression its server was built without) at the key's line."""
    if not any(k in spec for k in COLUMN_OPTION_KEYS):
        return None
    statistics = None
    if "statistics" in spec:
        sc = ctx.child(spec, "statistics")
        statistics = spec["statistics"]
        if not isinstance(statistics, int) or isinstance(statistics, bool) or not 0 <= statistics <= 10000:
            raise sc.error("statistics is a whole number from 0 to 10000 (leave it out for the default)")
    storage = compression = None
    for key, allowed in (("storage", STORAGE), ("compression", COMPRESSION)):
        if key in spec:
            value = str(spec[key]).lower()
            if value not in allowed:
                raise ctx.child(spec, key).error(f"{key} is one of {', '.join(allowed)}, not {spec[key]!r}",
                                                 "leave it out for PostgreSQL's default")
            if key == "storage":
                storage = value
            else:
                compression = value
    attributes = []
    for key in ("n_distinct", "n_distinct_inherited"):  # (ALTER COLUMN … SET (…))
        if key in spec:
            value = spec[key]
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ctx.child(spec, key).error(f"{key} is a number: a count of distinct values, or "
                                                 "minus their share of the rows (-0.5: half of them)")
            attributes.append(f"{key}={value}")
    return ColumnOptions(statistics, storage, compression, tuple(attributes))


class TableLoader(IndexLoader, TriggerLoader, PolicyLoader, RuleLoader):
    TABLE_KEYS = {"name", "columns", "primary_key", "unique", "foreign_keys", "checks", "exclude",
                  "indexes", "triggers", "with", "unlogged", "replica_identity", "comment",
                  "renamed_from", "row_security", "policies", "partition_by", "partitions", "inherits",
                  "grants", "owner", "rules", "sqlite"}
    # A partition is a table whose columns are its parent's, with a bound (load/partitions.py)
    PARTITION_KEYS = (TABLE_KEYS - {"renamed_from"}) | BOUND_KEYS | {"attached_names"}
    # a partition's own options on its parent's columns
    PARTITION_COLUMN_KEYS = {"null", "default", "not_null_name"}
    EXCLUDE_KEYS = {"using", "elements", "include", "where", "comment", *KEY_OPTIONS}
    COLUMN_KEYS = {"type", "null", "default", "primary_key", "unique", "references", "on_delete",
                   "on_update", "deferrable", "initially_deferred", "match", "not_valid", "check", "comment",
                   "identity", "generated", "collation", "using", "renamed_from", "not_null_name", "sqlite",
                   "sequence_grants", *COLUMN_OPTION_KEYS}

    def load_table(self, ctx: _Ctx, name: str, spec: Any, parent: Table | None = None,
                   parent_columns: dict[str, Column] | None = None, bound: str | None = None) -> Table:
        """A table, or (``parent``) a partition of one, whose columns are its parent's."""
        q = self.qname(ctx, name)
        schema, short = split_qualified(q)
        if spec is None:
            raise ctx.error(f"table {name} needs columns:")
        if parent is None:
            _keys(ctx, spec, self.TABLE_KEYS, f"table {name}")
        else:
            _keys(ctx, spec, self.PARTITION_KEYS, f"partition {name}")
        if "renamed_from" in spec:
            old = _str(ctx.child(spec, "renamed_from"), spec["renamed_from"], "renamed_from")
            self.table_renames[q] = self.qname(ctx.child(spec, "renamed_from"), old)
        cols_ctx = ctx.child(spec, "columns")
        cols_node = spec.get("columns") if parent is None else {}
        if not isinstance(cols_node, dict):  # {} is a table with no columns, as PostgreSQL allows
            raise cols_ctx.error(f"table {name} needs columns: (a mapping of column names)")
        columns: dict[str, Column] = dict(parent_columns or {})
        constraints: dict[str, Constraint] = {}
        pk_cols: list[str] = []
        pk_keys: list[tuple[_Ctx, ColumnKey]] = []  # (where, what) of each column's primary_key:

        def add(con: Constraint, c: _Ctx) -> None:
            key = con.name or f"~{con.kind}:{con.definition}"
            if key in constraints:
                raise c.error(f"constraint {con.name or con.definition} is declared twice on {qname_ident(q)}")
            constraints[key] = con

        for col_name, col_spec in cols_node.items():
            cc = cols_ctx.child(cols_node, col_name)
            col, flags = self.load_column(cc, q, col_name, col_spec)
            columns[col_name] = col
            if flags.get("primary_key"):
                pk_cols.append(col_name)
                pk_keys.append((cc, flags["primary_key"]))
            if flags.get("unique"):
                key = flags["unique"]
                add(Constraint(key.name, "unique", _key_sql(key.head, [col_name]) + key.options, (col_name,),
                               comment=key.comment, source=cc.source()), cc)
            for check in flags.get("checks", ()):
                tree = parse_sql(check.ctx, check.expr, "check")
                add(Constraint(check.name, "check", f"CHECK ({check.expr}){check.options}",
                               tuple(referenced_columns(tree)), comment=check.comment,
                               source=cc.source()), cc)
        own = columns
        inherits = self.load_inherits(ctx, spec) if parent is None else ()
        if inherits:  # what the table's keys, checks and indexes may name: its parents' columns too
            columns = {n: c for p in inherits for n, c in self.tables[p].columns.items()} | own

        if "primary_key" in spec:
            pc = ctx.child(spec, "primary_key")
            if pk_cols:
                raise pc.error("primary key declared both on columns and on the table")
            pk = spec["primary_key"]
            pk_name = None
            pk_options = ""
            if isinstance(pk, dict):
                _keys(pc, pk, {"columns", "name", "comment", *KEY_OPTIONS}, "primary_key")
                pk_name = pk.get("name")
                pk_options = constraint_options(pc, pk, KEY_OPTIONS)
                pk = pk.get("columns")
            pk_cols = _names(pc, pk, "primary_key")
            self.check_columns(pc, columns, pk_cols, q)
            add(Constraint(pk_name, "primary_key", _key_sql("PRIMARY KEY", pk_cols) + pk_options, tuple(pk_cols),
                           comment=self.comment(pc, spec["primary_key"]), source=pc.source()), pc)
        elif pk_cols:
            named = [(c, k) for c, k in pk_keys if k.name or k.options or k.comment]
            if named and len(pk_cols) > 1:  # (columns' primary_key: true make one key of them all)
                raise named[0][0].error("a primary key with a name, options or a comment on a column "
                                        "is that column's alone, and this table's key has several",
                                        f"on the table: primary_key: {{columns: [{', '.join(pk_cols)}], …}}")
            key = pk_keys[0][1] if named else ColumnKey(None, "PRIMARY KEY", "", None)
            add(Constraint(key.name, "primary_key", _key_sql("PRIMARY KEY", pk_cols) + key.options,
                           tuple(pk_cols), comment=key.comment, source=cols_ctx.source()), cols_ctx)

        uctx = ctx.child(spec, "unique")
        for uname, ucols, uc, extra in self.named_lists(uctx, spec.get("unique"), "unique"):
            self.check_columns(uc, columns, ucols, q)
            nnd = extra.get("nulls_not_distinct", False)
            head = "UNIQUE NULLS NOT DISTINCT" if nnd else "UNIQUE"
            add(Constraint(uname, "unique", _key_sql(head, ucols) + extra.get("options", ""), tuple(ucols),
                           comment=extra.get("comment"), source=uc.source()), uc)

        chctx = ctx.child(spec, "checks")
        checks = spec.get("checks")
        for cname, cspec, cc in _items(chctx, checks, "checks") if isinstance(checks, dict) else []:
            comment = None
            expr = cspec
            options = ""
            if isinstance(cspec, dict):
                _keys(cc, cspec, {"expr", "comment", "sqlite", *CHECK_OPTIONS}, f"check {cname}")
                expr, comment = cspec.get("expr"), self.comment(cc, cspec)
                options = constraint_options(cc, cspec, CHECK_OPTIONS)
            expr = _str(cc, expr, "a check")
            tree = parse_sql(cc, expr, "check")
            refs = referenced_columns(tree)
            self.check_columns(cc, columns, refs, q)
            add(Constraint(cname, "check", f"CHECK ({expr}){options}", tuple(refs), comment=comment,
                           source=cc.source()), cc)
        if isinstance(checks, list):
            for i, expr in enumerate(checks):
                cc = chctx.child(checks, i)
                expr = _str(cc, expr, "a check")
                refs = referenced_columns(parse_sql(cc, expr, "check"))
                self.check_columns(cc, columns, refs, q)
                add(Constraint(None, "check", f"CHECK ({expr})", tuple(refs), source=cc.source()), cc)
        elif checks is not None and not isinstance(checks, dict):
            raise chctx.error("checks is a mapping of names to expressions, or a list of expressions")

        exctx = ctx.child(spec, "exclude")
        excludes = spec.get("exclude")
        if excludes is not None and not isinstance(excludes, dict):
            raise exctx.error("exclude is a mapping of constraint names to {using:, elements: [...]}")
        for xname, xspec, xc in _items(exctx, excludes, "exclude") if excludes else []:
            add(self.exclusion(xc, q, xname, xspec, columns), xc)

        indexes = self.load_indexes(ctx.child(spec, "indexes"), spec.get("indexes"), q, columns)
        triggers = self.load_triggers(ctx.child(spec, "triggers"), spec.get("triggers"), q, columns)
        identity = str(spec.get("replica_identity", "default"))
        if identity.lower() in ("default", "full", "nothing"):
            identity = identity.lower()
        elif isinstance(spec.get("replica_identity"), dict):
            rc = ctx.child(spec, "replica_identity")
            _keys(rc, spec["replica_identity"], {"index"}, "replica_identity")
            index = _str(rc, spec["replica_identity"].get("index"), "replica_identity.index")
            identity = f"index {ident(index)}"
        else:
            raise ctx.child(spec, "replica_identity").error(
                "replica_identity is default, full, nothing or {index: name}")
        enabled, forced = self.load_row_security(ctx, spec)
        partition_by = None
        if spec.get("partition_by") is not None:
            partition_by = partition_by_sql(ctx.child(spec, "partition_by"), spec["partition_by"])
        elif spec.get("partitions") is not None:
            raise ctx.child(spec, "partitions").error("partitions need the table's partition_by:")
        partition_columns = self.partition_columns(ctx, spec, parent_columns or {}) if parent else {}
        table = Table(schema, short, own, constraints, indexes, triggers,
                      self.comment(ctx, spec), ctx.source(),
                      options=storage_options(ctx, spec),
                      unlogged=_bool(ctx.child(spec, "unlogged"), spec.get("unlogged", False), "unlogged"),
                      replica_identity=identity, row_security=enabled, force_row_security=forced,
                      policies=self.load_policies(ctx.child(spec, "policies"), spec.get("policies"), q),
                      rules=self.load_rules(ctx.child(spec, "rules"), spec.get("rules"), q, columns),
                      partition_by=partition_by, partition_of=parent.qname if parent else None,
                      inherits=inherits, acl=privileges(ctx, spec, "table", columns),
                      attached=self.attached_names(ctx, spec, parent) if parent else (),
                      partition_columns=partition_columns,
                      bound=bound or (bound_sql(ctx, spec, parent.partition_by.split(" ", 1)[0].lower())
                                      if parent and parent.partition_by else None))
        if partition_by:
            for part in self.load_partitions(ctx.child(spec, "partitions"), spec.get("partitions"), table,
                                             partition_by.split(" ", 1)[0].lower(), columns):
                self.tables[part.qname] = part
        return table

    def partition_columns(self, ctx: _Ctx, spec: Any, parents: dict[str, Column]) -> dict[str, Column]:
        """columns: of a partition: its own NOT NULL (and that constraint's name) and its own
        default on its parent's columns, each column whole as the partition will have it."""
        node = spec.get("columns")
        if node is None:
            return {}
        cc = ctx.child(spec, "columns")
        if not isinstance(node, dict):
            raise cc.error("a partition's columns are its parent's: columns: {name: {null: false, "
                           "default: …, not_null_name: …}} gives one its own options")
        out: dict[str, Column] = {}
        for name, opts in node.items():
            oc = cc.child(node, name)
            if name not in parents:
                raise oc.error(f"the parent has no column {name!r}")
            if not isinstance(opts, dict):
                raise oc.error(f"column {name} of a partition takes null:, default: and not_null_name:")
            _keys(oc, opts, self.PARTITION_COLUMN_KEYS, f"column {name}")
            col = replace(parents[name], source=oc.source(), comment=None)
            if "null" in opts:
                nc = oc.child(opts, "null")
                if _bool(nc, opts["null"], "null") and col.not_null:
                    raise nc.error(f"column {name} is NOT NULL in the parent: a partition cannot take it off")
                col = replace(col, not_null=not opts["null"])
            if "default" in opts:
                if col.type in SERIAL_TYPES:
                    raise oc.child(opts, "default").error(f"column {name} is serial: its default is its sequence's")
                default = opts["default"]
                col = replace(col, default=None if default is None else self.default(
                    oc.child(opts, "default"), default, type_base(col.type)[0]), written=None)
            if "not_null_name" in opts:
                col = replace(col, not_null=True, not_null_name=_str(
                    oc.child(opts, "not_null_name"), opts["not_null_name"], "not_null_name"))
            out[str(name)] = col
        return out

    def attached_names(self, ctx: _Ctx, spec: Any, parent: Table) -> tuple[tuple[tuple[str, str], str], ...]:
        """attached_names: {parent's index or key: this partition's name for its copy}."""
        node = spec.get("attached_names")
        if node is None:
            return ()
        ac = ctx.child(spec, "attached_names")
        if not isinstance(node, dict):
            raise ac.error("attached_names is a mapping: {parent's index or key: name}")
        out = []
        known = self.index_and_key_names(parent)
        for obj, name in node.items():
            oc = ac.child(node, obj)
            if obj not in known:
                raise oc.error(f"{qname_ident(parent.qname)} has no index or key {obj!r}")
            kind = "constraint" if isinstance(known[obj], Constraint) else "index"
            out.append(((kind, str(obj)), _str(oc, name, "a name")))
        return tuple(sorted(out))

    def index_and_key_names(self, t: Table) -> dict[str, Index | Constraint]:
        """Name → index or key of a table, a partition's copies of its parent's included (named
        as declared, else as PostgreSQL names them), each as the original it copies."""
        out: dict[str, Index | Constraint] = dict(t.indexes)
        for c in t.constraints.values():
            if c.kind in ("primary_key", "unique", "exclude"):
                out[c.name or copy_name(t.name, c) or ""] = c  # unnamed: as PostgreSQL names it
        parent = self.tables.get(t.partition_of or "")
        if parent is not None:
            declared = dict(t.attached)
            for pname, obj in self.index_and_key_names(parent).items():
                what = ("constraint" if isinstance(obj, Constraint) else "index", pname)
                copy = declared.get(what) or copy_name(t.name, obj)
                if copy:
                    out[copy] = obj
        return out

    def load_inherits(self, ctx: _Ctx, spec: Any) -> tuple[str, ...]:
        """inherits: parent or [parents]: tables schema.yaml declares (loaded before this one)."""
        if spec.get("inherits") is None:
            return ()
        ic = ctx.child(spec, "inherits")
        out = []
        for name in _names(ic, spec["inherits"], "inherits"):
            q = self.qname(ic, name)
            if q not in self.tables:
                raise ic.error(f"inherits {name}: no table {qname_ident(q)} in schema.yaml")
            if self.tables[q].partition_by or self.tables[q].partition_of:
                raise ic.error(f"{qname_ident(q)} is partitioned or a partition: a table cannot inherit from it")
            out.append(q)
        return tuple(out)

    def load_partitions(self, ctx: _Ctx, node: Any, parent: Table, strategy: str,
                        columns: dict[str, Column]) -> list[Table]:
        """The partitions under ``parent`` (and theirs), as tables of their own: each is read as
        a table (keys, checks, indexes, triggers, policies, … of its own) whose columns are its
        parent's."""
        out: list[Table] = []
        if node is None:
            return out
        if not isinstance(node, dict):
            raise ctx.error("partitions is a mapping of partition names to bounds")
        for name, spec, c in _items(ctx, node, "partitions"):
            parts = split_path(name)
            qualified = name if parts is not None and len(parts) == 2 else f"{path_part(parent.schema)}.{name}"
            if any(p in name for p in PLACEHOLDERS):
                for label, bound in expand(c, qualified, spec, strategy):
                    out.append(self.partition(c, label, {}, parent, columns, bound))
                continue
            if spec == "default" or spec is None:
                spec = {"default": True}
            out.append(self.partition(c, qualified, spec, parent, columns))
        return out

    def partition(self, ctx: _Ctx, qname: str, spec: Any, parent: Table, columns: dict[str, Column],
                  bound: str | None = None) -> Table:
        q = self.qname(ctx, qname)
        self.claim(ctx, q, "table")
        self.partition_specs.append((ctx, q, spec))  # their foreign keys are read with the tables'
        return self.load_table(ctx, qname, spec, parent, columns, bound)

    def exclusion(self, ctx: _Ctx, table: str, name: str, spec: Any, columns: dict[str, Column]
                  ) -> Constraint:
        """EXCLUDE USING method (element WITH operator, …) [INCLUDE (…)] [WHERE (…)]."""
        if not isinstance(spec, dict):
            raise ctx.error(f"exclusion constraint {name} is a mapping: {{using: gist, elements: "
                            "[room_id WITH =, during WITH &&]}")
        _keys(ctx, spec, self.EXCLUDE_KEYS, f"exclusion constraint {name}")
        method = str(spec.get("using", "gist")).lower()
        if method not in INDEX_METHODS:
            raise ctx.child(spec, "using").error(f"unknown index method {method!r}")
        ec = ctx.child(spec, "elements")
        elements = spec.get("elements")
        if isinstance(elements, str):
            elements = [elements]
        if not isinstance(elements, list) or not elements:
            raise ec.error("elements is a list of `expression WITH operator`")
        refs: set[str] = set()
        for i, element in enumerate(elements):
            c = ec.child(elements, i)
            text = _str(c, element, "an element")
            key, with_, op = text.rpartition(" WITH ")
            if not with_ or not op.strip() or not key.strip():
                raise c.error(f"{text!r} is not `expression WITH operator`", "like: room_id WITH =")
            tree, error, _ = _parse(key)
            if tree is None:  # an operator class after the expression: PostgreSQL checks it
                tree, error, _ = _parse(key.rsplit(None, 1)[0])
            if tree is None:
                raise c.error(f"the element {key!r} {error}")
            cols = referenced_columns(tree)
            self.check_columns(c, columns, cols, table)
            refs |= set(cols)
        sql = f"EXCLUDE USING {method} ({', '.join(str(e) for e in elements)})"
        sql += self.include_sql(ctx, spec, columns, table, refs)
        sql += self.where_sql(ctx, spec, columns, table, refs)
        sql += constraint_options(ctx, spec, KEY_OPTIONS)
        return Constraint(name, "exclude", sql, tuple(sorted(refs)), comment=self.comment(ctx, spec),
                          source=ctx.source())

    def named_lists(self, ctx: _Ctx, node: Any, what: str
                    ) -> Iterator[tuple[str | None, list[str], _Ctx, dict[str, Any]]]:
        """unique: {name: [cols]} | {name: {columns: [...], ...}} | [[cols], ...]"""
        if node is None:
            return
        if isinstance(node, dict):
            for name, v in node.items():
                c = ctx.child(node, name)
                extra: dict[str, Any] = {}
                if isinstance(v, dict):
                    _keys(c, v, {"columns", "comment", "nulls_not_distinct", *KEY_OPTIONS},
                          f"{what} {name}")
                    extra = {"comment": self.comment(c, v),
                             "nulls_not_distinct": v.get("nulls_not_distinct", False),
                             "options": constraint_options(c, v, KEY_OPTIONS)}
                    v = v.get("columns")
                yield name, _names(c, v, what), c, extra
        elif isinstance(node, list):
            for i, v in enumerate(node):
                c = ctx.child(node, i)
                yield None, _names(c, v, what), c, {}
        else:
            raise ctx.error(f"{what} is a mapping of names to column lists, or a list of column lists")

    def load_column(self, ctx: _Ctx, table: str, name: str, spec: Any
                    ) -> tuple[Column, dict[str, Any]]:
        flags: dict[str, Any] = {}
        short = isinstance(spec, str)
        if short:
            spec = self.short_column(ctx, spec)
        if not isinstance(spec, dict):
            raise ctx.error(f"column {name} needs a type: `{name}: text` or `{name}: {{type: text}}`")
        _keys(ctx, spec, self.COLUMN_KEYS, f"column {name}")
        if "type" not in spec:
            raise ctx.error(f"column {name} needs a type")
        tctx = ctx if short else ctx.child(spec, "type")
        type_ = _str(tctx, spec["type"], "type").strip()
        problem = check_type(type_, self.extra_types)
        if problem:
            raise tctx.error(*problem)
        base, is_array = type_base(type_)
        if base in SERIAL_TYPES and is_array:
            raise tctx.error("serial types cannot be arrays")
        not_null = False
        if "null" in spec:
            not_null = not _bool(ctx.child(spec, "null"), spec["null"], "null")
        for key in ("primary_key", "unique"):
            if key in spec:
                flags[key] = column_key(ctx.child(spec, key), key, spec[key])
        if flags.get("primary_key"):
            not_null = True
        if "check" in spec:
            flags["checks"] = column_checks(ctx.child(spec, "check"), spec["check"])
        default = None
        if "default" in spec and spec["default"] is not None:
            default = self.default(ctx.child(spec, "default"), spec["default"], base)
        identity = identity_options = None
        if "identity" in spec:
            ic = ctx.child(spec, "identity")
            ispec = spec["identity"]
            if isinstance(ispec, dict):
                _keys(ic, ispec, {"generation", "start", "increment", "min", "max", "cache", "cycle"},
                      "identity")
                opts = []
                for key, clause in (("start", "START WITH"), ("increment", "INCREMENT BY"),
                                    ("min", "MINVALUE"), ("max", "MAXVALUE"), ("cache", "CACHE")):
                    if key in ispec:
                        v = ispec[key]
                        if not isinstance(v, int) or isinstance(v, bool):
                            raise ic.child(ispec, key).error(f"{key} must be a whole number")
                        opts.append(f"{clause} {v}")
                if "cycle" in ispec:
                    opts.append("CYCLE" if _bool(ic.child(ispec, "cycle"), ispec["cycle"], "cycle")
                                else "NO CYCLE")
                identity_options = " ".join(opts) or None
                ispec = ispec.get("generation", "by default")
            identity = str(ispec).lower()
            if identity not in ("always", "by default"):
                raise ic.error("identity is `always` or `by default`")
            if base not in INTEGER_TYPES:
                raise ic.error("an identity column is smallint, integer or bigint")
            if default is not None:
                raise ic.error("an identity column cannot also have a default")
            not_null = True
        generated = None
        if "generated" in spec:
            gc = ctx.child(spec, "generated")
            generated = _str(gc, spec["generated"], "generated")
            parse_sql(gc, generated, "generated")
            if default is not None:
                raise gc.error("a generated column cannot also have a default")
        collation = None
        if "collation" in spec:
            collation = ident(_str(ctx.child(spec, "collation"), spec["collation"], "collation"))
        using = None
        if "using" in spec:
            using = _str(ctx.child(spec, "using"), spec["using"], "using")
            parse_sql(ctx.child(spec, "using"), using, "using")
        if "renamed_from" in spec:
            self.column_renames[(table, name)] = _str(ctx.child(spec, "renamed_from"),
                                                      spec["renamed_from"], "renamed_from")
        if "references" in spec:
            flags["references"] = (spec["references"], ctx.child(spec, "references"), spec)
        else:
            for key in ("on_delete", "on_update", "deferrable", "initially_deferred"):
                if key in spec:
                    raise ctx.child(spec, key).error(f"{key} goes with references:")
        not_null_name = None
        if "not_null_name" in spec:
            nc = ctx.child(spec, "not_null_name")
            if "null" in spec and not not_null:
                raise nc.error(f"column {name} is nullable: it has no NOT NULL constraint to name")
            not_null, not_null_name = True, _str(nc, spec["not_null_name"], "not_null_name")
        sequence_acl = None
        if "sequence_grants" in spec:
            if base not in SERIAL_TYPES and identity is None:
                raise ctx.child(spec, "sequence_grants").error(
                    f"column {name} has no sequence of its own: sequence_grants are a serial's or an "
                    "identity's", "grant on a sequence of its own under sequences:")
            acl = privileges(ctx, spec, "sequence", key="sequence_grants")
            sequence_acl = ("", acl) if acl is not None else None
        col = Column(name, type_, not_null, default,
                     identity,  # type: ignore[arg-type]
                     identity_options, generated, collation, self.comment(ctx, spec), using, ctx.source(),
                     not_null_name=not_null_name, options=column_options(ctx, spec), sequence_acl=sequence_acl)
        return col, flags

    def short_column(self, ctx: _Ctx, text: str) -> dict[str, Any]:
        """A PostgreSQL column definition (`bigint generated always as identity primary key`,
        `uuid not null references users (id) on delete cascade`, …) as its long form."""
        try:
            spec = _parsed(text)  # (a schema repeats its columns' definitions)
            if check_type(spec["type"], self.extra_types) is not None:  # say which word is wrong
                spec = parse_column(text, lambda t: check_type(t, self.extra_types) is None)
            return dict(spec)
        except ColumnSyntaxError as e:
            raise ctx.error(f"{e.message}\n{pointer(text, e.position)}", e.hint) from None

    def load_foreign_keys(self, ctx: _Ctx, q: str, spec: YMap) -> None:
        table = self.tables[q]
        constraints = dict(table.constraints)
        cols_node = spec.get("columns") or {}  # (a partition has none of its own)
        cols_ctx = ctx.child(spec, "columns")
        found: list[Constraint] = []
        for col_name in cols_node:
            cspec = cols_node[col_name]
            if isinstance(cspec, str):
                if "references" not in cspec.lower():
                    continue
                cspec = self.short_column(cols_ctx.child(cols_node, col_name), cspec)
            if not isinstance(cspec, dict) or "references" not in cspec:
                continue
            rc = cols_ctx.child(cols_node, col_name)
            ref = cspec["references"]
            name = None
            fk_keys = ("on_delete", "on_update", "match", *FK_OPTIONS)
            opts: dict[str, Any] = {k: cspec[k] for k in fk_keys if k in cspec}
            refc = rc.child(cspec, "references") if isinstance(cspec, YMap) else rc
            if isinstance(ref, dict):
                _keys(refc, ref, {"to", "name", "comment", *fk_keys}, "references")
                name = ref.get("name")
                opts = {**opts, **ref}
                ref = ref.get("to")
            target = _str(refc, ref, "references")
            found.append(self.foreign_key(refc, q, name, [col_name], target, None, opts))
        fctx = ctx.child(spec, "foreign_keys")
        fks = spec.get("foreign_keys")
        if fks is not None and not isinstance(fks, dict):
            raise fctx.error("foreign_keys is a mapping of constraint names to definitions")
        for fname, fspec, fc in _items(fctx, fks, "foreign_keys") if fks else []:
            _keys(fc, fspec, {"columns", "references", "on_delete", "on_update", "match", *FK_OPTIONS,
                              "comment"}, f"foreign key {fname}")
            fcols = _names(fc.child(fspec, "columns"), fspec.get("columns"), "columns")
            self.check_columns(fc.child(fspec, "columns"), table.columns, fcols, q)
            ref = fspec.get("references")
            rc = fc.child(fspec, "references")
            ref_cols = None
            if isinstance(ref, dict):
                _keys(rc, ref, {"table", "columns"}, "references")
                ref_cols = _names(rc, ref.get("columns"), "references.columns") if "columns" in ref else None
                ref = ref.get("table")
            target = _str(rc, ref, "references")
            found.append(self.foreign_key(fc, q, fname, fcols, target, ref_cols, fspec))
        for con in found:
            key = con.name or f"~foreign_key:{con.definition}"
            if key in constraints:
                raise ctx.error(f"foreign key {con.name or con.definition} is declared twice on {qname_ident(q)}")
            constraints[key] = con
        self.tables[q] = replace(table, constraints=constraints)

    def foreign_key(self, ctx: _Ctx, table: str, name: str | None, cols: list[str], target: str,
                    ref_cols: list[str] | None, opts: Any) -> Constraint:
        """`references: table`, `table.column` or `schema.table.column`."""
        parts = split_path(target)
        if parts is None:
            raise ctx.error(f"references {target!r}: write table, table.column or schema.table.column",
                            NAME_HINT)
        ref_table: str | None = None
        if ref_cols is None:
            if len(parts) == 1:
                ref_table = self.qname(ctx, target)
            elif len(parts) == 2:
                # table.column, or schema.table when that table exists
                as_table = qualify(parts[0], parts[1])
                if as_table in self.tables and qualify("public", parts[0]) not in self.tables:
                    ref_table = as_table
                else:
                    ref_table, ref_cols = self.qname(ctx, path_part(parts[0])), [parts[1]]
            elif len(parts) == 3:
                ref_table, ref_cols = self.qname(ctx, qualify(parts[0], parts[1])), [parts[2]]
            else:
                raise ctx.error(f"references {target!r}: write table, table.column or schema.table.column",
                                NAME_HINT)
        else:
            ref_table = self.qname(ctx, target)
        if ref_table not in self.tables:
            close = difflib.get_close_matches(ref_table, list(self.tables), n=1)
            raise ctx.error(f"references table {qname_ident(ref_table)}, which is not declared",
                            f"did you mean {close[0]}?" if close else None)
        ref = self.tables[ref_table]
        if ref_cols is None:
            pk = ref.primary_key()
            if pk is None:
                raise ctx.error(f"{qname_ident(ref_table)} has no primary key; name the referenced column: "
                                f"{ref_table}.column")
            ref_cols = list(pk.columns)
        self.check_columns(ctx, ref.columns, ref_cols, ref_table)
        if len(ref_cols) != len(cols):
            raise ctx.error(f"{len(cols)} column(s) reference {len(ref_cols)} column(s) of {qname_ident(ref_table)}")
        sql = (f"FOREIGN KEY ({', '.join(ident(c) for c in cols)}) REFERENCES "
               f"{qname_ident(ref_table)} ({', '.join(ident(c) for c in ref_cols)})")
        match = str(opts.get("match", "simple")).lower()
        if match not in ("simple", "full"):
            raise ctx.error(f"match is simple or full, not {opts.get('match')!r}")
        if match == "full":
            sql += " MATCH FULL"
        for key, clause in (("on_update", "ON UPDATE"), ("on_delete", "ON DELETE")):
            if opts.get(key) is not None:
                action = str(opts[key]).lower().replace("_", " ")
                if action not in FK_ACTIONS:
                    raise ctx.error(f"{key} is one of {', '.join(FK_ACTIONS)}, not {opts[key]!r}")
                sql += f" {clause} {FK_ACTIONS[action]}"
        sql += constraint_options(ctx, opts, FK_OPTIONS)
        return Constraint(name, "foreign_key", sql, tuple(cols), ref_table, tuple(ref_cols),
                          comment=opts.get("comment") if isinstance(opts.get("comment"), str) else None,
                          source=ctx.source())


@lru_cache(maxsize=4096)
def _parsed(text: str) -> dict[str, Any]:
    """A short form's long form, its type not checked (the caller checks it). Callers only read it."""
    return parse_column(text, lambda t: True)


@dataclass(frozen=True)
class ColumnKey:
    """A column's primary_key: or unique: (true, a name, or a mapping of its options)."""

    name: str | None
    head: str  # PRIMARY KEY, UNIQUE or UNIQUE NULLS NOT DISTINCT
    options: str  # DEFERRABLE …, as constraint_options writes them
    comment: str | None


def column_key(ctx: _Ctx, key: str, value: Any) -> ColumnKey | None:
    """primary_key: / unique: of a column: true, false, the constraint's name, or {name:,
    deferrable:, initially_deferred:, comment:} (unique: also nulls_not_distinct:)."""
    head = "PRIMARY KEY" if key == "primary_key" else "UNIQUE"
    if isinstance(value, bool):
        return ColumnKey(None, head, "", None) if value else None
    if isinstance(value, str):
        return ColumnKey(value, head, "", None)
    if not isinstance(value, dict):
        raise ctx.error(f"{key} is true, false, a constraint name or {{name: …, deferrable: …}}")
    allowed = {"name", "comment", *KEY_OPTIONS} | ({"nulls_not_distinct"} if key == "unique" else set())
    _keys(ctx, value, allowed, key)
    if value.get("nulls_not_distinct") is not None and _bool(
            ctx.child(value, "nulls_not_distinct"), value["nulls_not_distinct"], "nulls_not_distinct"):
        head = "UNIQUE NULLS NOT DISTINCT"
    name = _str(ctx.child(value, "name"), value["name"], "name") if "name" in value else None
    comment = _str(ctx.child(value, "comment"), value["comment"], "comment") if "comment" in value else None
    return ColumnKey(name, head, constraint_options(ctx, value, KEY_OPTIONS), comment)


@dataclass(frozen=True)
class ColumnCheck:
    ctx: _Ctx
    expr: str
    name: str | None = None
    options: str = ""  # NO INHERIT, NOT VALID
    comment: str | None = None


def column_checks(ctx: _Ctx, value: Any) -> list[ColumnCheck]:
    """check: of a column: an expression, {expr:, name:, no_inherit:, not_valid:, comment:}, or
    a list of those."""
    if isinstance(value, list):
        if not value:
            raise ctx.error("check is an expression, a mapping or a list of them")
        return [c for i, v in enumerate(value) for c in column_checks(ctx.child(value, i), v)]
    if not isinstance(value, dict):
        return [ColumnCheck(ctx, _str(ctx, value, "check"))]
    _keys(ctx, value, {"expr", "name", "comment", *CHECK_OPTIONS}, "check")
    if "expr" not in value:
        raise ctx.error("a check needs expr:")
    return [ColumnCheck(ctx, _str(ctx.child(value, "expr"), value["expr"], "expr"),
                        _str(ctx.child(value, "name"), value["name"], "name") if "name" in value else None,
                        constraint_options(ctx, value, CHECK_OPTIONS),
                        _str(ctx.child(value, "comment"), value["comment"], "comment")
                        if "comment" in value else None)]
