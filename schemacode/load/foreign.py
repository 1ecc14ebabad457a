"""foreign_servers and foreign_tables: of schema.yaml (CREATE SERVER, CREATE FOREIGN TABLE)."""
from __future__ import annotations

import difflib
from typing import Any

from ..model import SECRET_OPTION, Column, Constraint, ForeignDataWrapper, ForeignServer, ForeignTable
from ..sqltext import split_qualified
from ..yamlsource import YMap
from .core import _Ctx, _items, _keys, _str, parse_sql, privileges, referenced_columns
from .tables import TableLoader


class ForeignLoader(TableLoader):  # (a foreign table's columns and triggers are a table's)
    WRAPPER_KEYS = {"handler", "validator", "options", "comment", "sqlite"}
    SERVER_KEYS = {"wrapper", "type", "version", "options", "comment", "grants", "owner", "sqlite"}
    FOREIGN_TABLE_KEYS = {"server", "options", "columns", "checks", "triggers", "comment", "grants", "owner",
                          "sqlite"}
    # a foreign table's column: no keys (nothing to enforce them), no identity; its own OPTIONS
    FOREIGN_COLUMN_KEYS = {"type", "null", "default", "generated", "collation", "check", "not_null_name",
                           "comment", "options"}

    def load_foreign_data_wrappers(self, ctx: _Ctx, node: Any) -> None:
        """name: {handler: function, validator: function, options: {…}} (none: a wrapper that
        does nothing, as CREATE FOREIGN DATA WRAPPER name makes)."""
        for name, spec, c in _items(ctx, node, "foreign_data_wrappers"):
            spec = spec if spec is not None else {}
            _keys(c, spec, self.WRAPPER_KEYS, f"foreign data wrapper {name}")
            functions = {k: _str(c.child(spec, k), spec[k], k).strip().removesuffix("()")
                         for k in ("handler", "validator") if spec.get(k) is not None}
            self.wrappers[name] = ForeignDataWrapper(name, functions.get("handler"), functions.get("validator"),
                                                     fdw_options(c, spec, secrets=True), self.comment(c, spec),
                                                     c.source())

    def load_foreign_servers(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "foreign_servers"):
            if not isinstance(spec, dict):
                raise c.error(f"server {name} is a mapping: {{wrapper: postgres_fdw, options: {{…}}}}")
            _keys(c, spec, self.SERVER_KEYS, f"server {name}")
            if "wrapper" not in spec:
                raise c.error(f"server {name} needs wrapper: its foreign data wrapper (postgres_fdw, file_fdw, …)",
                              "a wrapper comes with its extension (declared under extensions), or is made by "
                              "hand under foreign_data_wrappers")
            optional = {k: _str(c.child(spec, k), spec[k], k) for k in ("type", "version") if spec.get(k) is not None}
            self.servers[name] = ForeignServer(
                name, _str(c.child(spec, "wrapper"), spec["wrapper"], "wrapper"), optional.get("type"),
                optional.get("version"), fdw_options(c, spec, secrets=True), self.comment(c, spec), c.source(),
                privileges(c, spec, "foreign server"))

    def load_foreign_tables(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "foreign_tables"):
            q = self.qname(c, name)
            self.claim(c, q, "foreign table")
            if not isinstance(spec, dict):
                raise c.error(f"foreign table {name} needs server: and columns:")
            _keys(c, spec, self.FOREIGN_TABLE_KEYS, f"foreign table {name}")
            sc = c.child(spec, "server")
            server = _str(sc, spec.get("server"), "server")
            if server not in self.servers:
                close = difflib.get_close_matches(server, sorted(self.servers), n=1)
                raise sc.error(f"server {server} is not declared under foreign_servers",
                               f"did you mean {close[0]}?" if close else None)
            cols_ctx = c.child(spec, "columns")
            cols_node = spec.get("columns")
            if not isinstance(cols_node, dict):
                raise cols_ctx.error(f"foreign table {name} needs columns: (a mapping of column names)")
            columns: dict[str, Column] = {}
            column_options: dict[str, tuple[str, ...]] = {}
            constraints: dict[str, Constraint] = {}
            for col_name, col_spec in cols_node.items():
                cc = cols_ctx.child(cols_node, col_name)
                if isinstance(col_spec, dict):
                    _keys(cc, col_spec, self.FOREIGN_COLUMN_KEYS, f"column {col_name} of a foreign table")
                    if "options" in col_spec:
                        column_options[col_name] = fdw_options(cc, col_spec)
                        col_spec = _without(col_spec, "options")
                col, flags = self.load_column(cc, q, col_name, col_spec)
                if set(flags) - {"check"}:
                    raise cc.error(f"a foreign table has no keys ({', '.join(sorted(set(flags) - {'check'}))}): "
                                   "the server's table enforces them")
                if flags.get("check"):
                    tree = parse_sql(cc, flags["check"], "check")
                    constraints[f"~check:{flags['check']}"] = Constraint(
                        None, "check", f"CHECK ({flags['check']})", tuple(referenced_columns(tree)), source=cc.source())
                columns[col_name] = col
            chctx = c.child(spec, "checks")
            checks = spec.get("checks")
            if checks is not None and not isinstance(checks, dict):
                raise chctx.error("checks is a mapping of names to expressions")
            for cname, cspec, cc in _items(chctx, checks, "checks"):
                comment = None
                if isinstance(cspec, dict):
                    _keys(cc, cspec, {"expr", "comment"}, f"check {cname}")
                    cspec, comment = cspec.get("expr"), self.comment(cc, cspec)
                expr = _str(cc, cspec, "a check")
                refs = referenced_columns(parse_sql(cc, expr, "check"))
                self.check_columns(cc, columns, refs, q)
                constraints[cname] = Constraint(cname, "check", f"CHECK ({expr})", tuple(refs), comment=comment,
                                                source=cc.source())
            triggers = self.load_triggers(c.child(spec, "triggers"), spec.get("triggers"), q, columns)
            schema, short = split_qualified(q)
            self.foreign_tables[q] = ForeignTable(
                schema, short, server, columns, fdw_options(c, spec), column_options, constraints, triggers,
                self.comment(c, spec), c.source(), privileges(c, spec, "table", columns))


def fdw_options(ctx: _Ctx, spec: Any, secrets: bool = False) -> tuple[str, ...]:
    """options: {host: db.internal, port: 5432} as PostgreSQL keeps them ("host=db.internal"),
    in the order written. ``secrets``: a server's, where a password has no place."""
    if "options" not in spec or spec["options"] is None:
        return ()
    oc = ctx.child(spec, "options")
    node = spec["options"]
    if not isinstance(node, dict):
        raise oc.error("options is a mapping of option names to values, like {host: db.internal}")
    out = []
    for k, v in node.items():
        kc = oc.child(node, k)
        if secrets and SECRET_OPTION.search(k):
            raise kc.error(f"option {k} holds a secret: it does not belong in schema.yaml",
                           "set it on the database itself (ALTER SERVER … OPTIONS (ADD …)), or in a user "
                           "mapping: schemacode leaves those as they are")
        if isinstance(v, (dict, list)) or v is None:
            raise kc.error(f"option {k} takes one value")
        out.append(f"{k}={str(v).lower() if isinstance(v, bool) else v}")
    return tuple(out)


def _without(spec: dict[str, Any], key: str) -> YMap:
    """``spec`` without ``key``, its other keys' lines kept."""
    out = YMap(getattr(spec, "line", 0))
    for k, v in spec.items():
        if k != key:
            out.add(k, v, spec.line_of(k) if isinstance(spec, YMap) else 0)
    return out
