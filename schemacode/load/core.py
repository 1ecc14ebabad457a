"""The loader's core: located errors (_Ctx), YAML helpers, SQL parsing, the loader's state.

schema.yaml -> Catalog (the desired schema, as written), with every error located.

Everything is checked here, before any database is touched: keys (with "did you mean"), types,
references between objects, and every SQL fragment, parsed with sqlglot's postgres dialect.
The text of the returned catalog is what the user wrote (quoted where it names something);
PostgreSQL normalizes it later, in the scratch database.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Any, Iterator

import sqlglot
from sqlglot import exp

from ..errors import SchemaError
from ..loaded import LoadedSchema as LoadedSchema  # (its home is loaded.py: read without the loader)
from ..model import (
    Acl, Aggregate, Cast, CompositeType, ForeignDataWrapper, ForeignServer, ForeignTable, RangeType,
    Column, Domain, EnumType, Extension, Function, Namespace, Sequence, Source, Table,
    View,
)
from ..sqltext import ident, literal, qname_ident, qualify, split_path
from ..yamlsource import YList, YMap
from .habits import sql_in_literal, their_word

RESERVED_SCHEMAS = {"schemacode", "pg_catalog", "information_schema", "pg_toast"}
# Options of constraints, by kind (see constraint_options).
KEY_OPTIONS = ("deferrable", "initially_deferred")
CHECK_OPTIONS = ("no_inherit", "not_valid")
FK_OPTIONS = ("deferrable", "initially_deferred", "not_valid")
FK_ACTIONS = {"cascade": "CASCADE", "restrict": "RESTRICT", "no action": "NO ACTION",
              "set null": "SET NULL", "set default": "SET DEFAULT"}
INDEX_METHODS = {"btree", "hash", "gin", "gist", "spgist", "brin", "hnsw", "ivfflat", "bloom"}
VOLATILITY = {"volatile": "VOLATILE", "stable": "STABLE", "immutable": "IMMUTABLE"}
NAME_HINT = ('a name that holds a dot is double-quoted, as in SQL: api."my.table" '
             "(in YAML, single-quote a key that begins with a double quote: '\"my.table\"')")
# The namespaces of a schema a kind's name lives in: relations (pg_class: tables, views,
# sequences, indexes, a composite type's relation) and types (pg_type: enums, domains, composite
# and range types, and the row type of every table and view). Functions are told apart by their
# arguments, constraints, triggers and policies by their table.
NAMESPACES = {"table": ("relation", "type"), "view": ("relation", "type"), "sequence": ("relation",),
              "index": ("relation",), "composite type": ("relation", "type"), "enum": ("type",),
              "domain": ("type",), "range type": ("type",),
              "foreign table": ("relation", "type")}
SHARED = {"relation": "tables, views, sequences, indexes and composite types share the names of a schema",
          "type": "enums, domains, composite and range types, and the row types of tables and views "
                  "share the names of a schema"}


class _Ctx:
    """A position in the YAML document: file, line and dotted path."""

    def __init__(self, file: str, path: str, line: int) -> None:
        self.file, self.path, self.line = file, path, line

    def child(self, node: Any, key: str | int) -> _Ctx:
        line = self.line
        if isinstance(node, YMap) and isinstance(key, str):
            line = node.line_of(key)
        elif isinstance(node, YList) and isinstance(key, int) and key < len(node.lines):
            line = node.lines[key]
        path = f"{self.path}.{key}" if self.path else str(key)
        if isinstance(key, int):
            path = f"{self.path}[{key}]"
        return _Ctx(self.file, path, line)

    def error(self, message: str, hint: str | None = None) -> SchemaError:
        return SchemaError(message, file=self.file, line=self.line, path=self.path, hint=hint)

    def source(self) -> Source:
        return Source(self.file, self.line, self.path)


def _keys(ctx: _Ctx, node: Any, allowed: set[str], what: str) -> None:
    if not isinstance(node, dict):
        raise ctx.error(f"{what} must be a mapping")
    for key in node:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(sorted(allowed))
            hint = their_word(what, key, node[key], allowed) or hint
            if re.fullmatch(r"\s*-?\d+\s*\)?.*", key) or key.endswith(")"):
                hint = ("inside { }, a comma separates entries: quote a value that holds one, "
                        'like type: "numeric(10,2)"')
            raise ctx.child(node, key).error(f"unknown key {key!r} in {what}", hint)


def _items(ctx: _Ctx, node: Any, what: str) -> Iterator[tuple[str, Any, _Ctx]]:
    """Entries of a mapping (name: spec) or of a list of names / one-key mappings."""
    if node is None:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v, ctx.child(node, k)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            c = ctx.child(node, i)
            if isinstance(item, str):
                yield item, None, c
            elif isinstance(item, dict) and "name" in item:
                yield str(item["name"]), item, c
            else:
                raise c.error(f"each item of {what} is a name or a mapping with a name")
    else:
        raise ctx.error(f"{what} must be a mapping of names to definitions")


def _str(ctx: _Ctx, value: Any, what: str) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise ctx.error(f"{what} must be text")
    return str(value)


def _bool(ctx: _Ctx, value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ctx.error(f"{what} must be true or false")
    return value


def _names(ctx: _Ctx, value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise ctx.error(f"{what} must be a name or a list of names")


def parse_sql(ctx: _Ctx, sql: str, what: str) -> Any:
    """Parse one SQL expression; a located error if it does not parse."""
    if not sql.strip():
        raise ctx.error(f"{what} is empty")
    tree, problem, hint = _parse(sql)
    if problem:
        raise ctx.error(f"{what} {problem}", hint)
    return tree


@lru_cache(maxsize=8192)
def _parse(sql: str) -> tuple[Any, str | None, str | None]:
    """(tree, None, None) or (None, problem, hint); the same fragment is parsed once (a schema
    repeats its defaults and checks). Callers only read the tree."""
    if ";" in _strip_strings(sql):
        return None, "must be one expression, without ';'", None
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except sqlglot.errors.ParseError as e:
        detail = e.errors[0]["description"] if e.errors else str(e)
        return None, f"does not parse as SQL: {detail}: {sql!r}", None
    except sqlglot.errors.SqlglotError as e:
        return None, f"does not parse as SQL: {e}: {sql!r}", None
    except RecursionError:  # sqlglot's parser recurses once per level of nesting
        return None, f"does not parse as SQL: nested too deeply: {sql[:60]!r}…", None
    if isinstance(tree, exp.Alias) or tree is None:
        return None, f"does not parse as one SQL expression: {sql!r}", "quote string literals: 'like this'"
    return tree, None, None


def _strip_strings(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def referenced_columns(tree: exp.Expression) -> list[str]:
    return _columns_of(tree)


def _columns_of(tree: Any) -> list[str]:
    return sorted({c.name for c in tree.find_all(exp.Column) if not c.table})


class LoaderBase:
    """The loader's state and what every kind uses: names, comments, columns, defaults."""

    def __init__(self, file: str, data: dict[str, Any]) -> None:
        self.file = file
        self.data = data
        self.root = _Ctx(file, "", 1)
        self.schemas: dict[str, Namespace] = {}
        self.extensions: dict[str, Extension] = {}
        self.unpinned: set[str] = set()
        self.enums: dict[str, EnumType] = {}
        self.domains: dict[str, Domain] = {}
        self.functions: dict[str, Function] = {}
        self.sequences: dict[str, Sequence] = {}
        self.sequence_owners: dict[str, tuple[_Ctx, str]] = {}
        self.tables: dict[str, Table] = {}
        self.views: dict[str, View] = {}
        self.table_renames: dict[str, str] = {}
        self.column_renames: dict[tuple[str, str], str] = {}
        self.value_renames: dict[tuple[str, str], str] = {}
        self.extra_types: set[str] = set()
        self.composites: dict[str, CompositeType] = {}
        self.aggregates: dict[str, Aggregate] = {}
        self.ranges: dict[str, RangeType] = {}
        self.casts: dict[str, Cast] = {}
        self.servers: dict[str, ForeignServer] = {}
        self.wrappers: dict[str, ForeignDataWrapper] = {}
        self.foreign_tables: dict[str, ForeignTable] = {}
        self.names: dict[tuple[str, str], tuple[str, int]] = {}  # (namespace, qname) -> (kind, line)
        self.partition_specs: list[tuple[_Ctx, str, Any]] = []  # (where, qname, spec) of partitions

    # -- names -----------------------------------------------------------------------------
    def qname(self, ctx: _Ctx, name: str) -> str:
        """'schema.name' for a declared name; the schema defaults to public and must be declared.
        A part that holds a dot is double-quoted, as in SQL: ``api."my.table"`` (sqltext.path_part)."""
        if not isinstance(name, str) or not name:
            raise ctx.error("a name must be text")
        parts = split_path(name)
        if parts is None or len(parts) > 2:
            raise ctx.error(f"{name!r} is not a name: use name or schema.name", NAME_HINT)
        schema, rel = parts if len(parts) == 2 else ("public", parts[0])
        if schema in RESERVED_SCHEMAS:
            raise ctx.error(f"schema {schema!r} is reserved")
        if schema not in self.schemas:
            if schema != "public":
                self.schemas[schema] = Namespace(schema, source=ctx.source())
        return qualify(schema, rel)

    def claim(self, ctx: _Ctx, qname: str, kind: str) -> None:
        """Take a name in the namespaces of its schema that PostgreSQL puts it in (see NAMESPACES):
        an index and an enum may share a name, an index and a table may not."""
        spaces = NAMESPACES[kind]
        for space in spaces:
            taken = self.names.get((space, qname))
            if taken is not None:
                other, line = taken
                also = f"also at line {line}" if other == kind else \
                    f"also at line {line}, as a {other}: {SHARED[space]}"
                raise ctx.error(f"{kind} {qname_ident(qname)} is declared twice ({also})")
        for space in spaces:
            self.names[(space, qname)] = (kind, ctx.line)

    def comment(self, ctx: _Ctx, spec: Any) -> str | None:
        if isinstance(spec, dict) and spec.get("comment") is not None:
            return _str(ctx.child(spec, "comment"), spec["comment"], "comment")
        return None

    def include_sql(self, ctx: _Ctx, spec: Any, columns: dict[str, Column], table: str,
                    refs: set[str]) -> str:
        """ INCLUDE (…) of an index or an exclusion constraint; its columns go into refs."""
        if "include" not in spec:
            return ""
        inc = _names(ctx.child(spec, "include"), spec["include"], "include")
        self.check_columns(ctx.child(spec, "include"), columns, inc, table)
        refs |= set(inc)
        return f" INCLUDE ({', '.join(ident(x) for x in inc)})"

    def where_sql(self, ctx: _Ctx, spec: Any, columns: dict[str, Column], table: str,
                  refs: set[str]) -> str:
        """ WHERE (…) of an index or an exclusion constraint; its columns go into refs."""
        if "where" not in spec:
            return ""
        wc = ctx.child(spec, "where")
        where = _str(wc, spec["where"], "where")
        wrefs = referenced_columns(parse_sql(wc, where, "where"))
        self.check_columns(wc, columns, wrefs, table)
        refs |= set(wrefs)
        return f" WHERE ({where})"

    def check_columns(self, ctx: _Ctx, columns: dict[str, Any], names: list[str], table: str) -> None:
        for n in names:
            if n not in columns:
                close = difflib.get_close_matches(n, list(columns), n=1)
                raise ctx.error(f"column {n!r} does not exist in table {qname_ident(table)}",
                                f"did you mean {close[0]!r}?" if close else None)

    def default(self, ctx: _Ctx, value: Any, base: str) -> str:
        if isinstance(value, dict):
            _keys(ctx, value, {"sql"}, "default")
            sql = _str(ctx, value.get("sql"), "default sql")
            parse_sql(ctx, sql, "default")
            return sql
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, list):
            raise ctx.error("a list default needs SQL: {sql: \"'{a,b}'::text[]\"} or {sql: \"ARRAY['a']\"}")
        text = str(value)
        reads_as_sql = sql_in_literal(text, base)  # (a bare default is a literal: SQL is refused)
        if reads_as_sql:
            raise ctx.error(*reads_as_sql)
        return literal(text)

def _key_sql(head: str, cols: list[str]) -> str:
    return f"{head} ({', '.join(ident(c) for c in cols)})"


def storage_options(ctx: _Ctx, spec: Any) -> tuple[str, ...]:
    """with: {fillfactor: 70, autovacuum_enabled: false} as PostgreSQL keeps them."""
    if not isinstance(spec, dict) or "with" not in spec:
        return ()
    wc = ctx.child(spec, "with")
    if not isinstance(spec["with"], dict):
        raise wc.error("with is a mapping of storage parameters, like {fillfactor: 70}")
    out = []
    for k, v in spec["with"].items():
        if isinstance(v, (dict, list)) or v is None:
            raise wc.child(spec["with"], k).error(f"{k} takes one value")
        out.append(f"{k}={str(v).lower() if isinstance(v, bool) else v}")
    return tuple(out)


def constraint_options(ctx: _Ctx, spec: Any, allowed: tuple[str, ...]) -> str:
    """The options after a constraint's body, in the order PostgreSQL takes (and prints) them:
    NO INHERIT, DEFERRABLE [INITIALLY DEFERRED], NOT VALID. ``allowed``: which the kind has."""
    if not isinstance(spec, dict):
        return ""
    out = ""
    for key in ("no_inherit", "deferrable", "initially_deferred", "not_valid"):
        if key in spec and key not in allowed:
            raise ctx.child(spec, key).error(f"{key} does not apply to this kind of constraint")
        if key in spec:
            _bool(ctx.child(spec, key), spec[key], key)
    if spec.get("no_inherit"):
        out += " NO INHERIT"
    if spec.get("deferrable"):
        out += " DEFERRABLE"
        if spec.get("initially_deferred"):
            out += " INITIALLY DEFERRED"
    elif spec.get("initially_deferred"):
        raise ctx.child(spec, "initially_deferred").error("initially_deferred needs deferrable: true")
    if spec.get("not_valid"):
        out += " NOT VALID"
    return out


# Privileges each kind can be granted (GRANT's documentation), in schema.yaml's spelling
PRIVILEGES = {
    "table": {"select", "insert", "update", "delete", "truncate", "references", "trigger", "maintain", "all"},
    "view": {"select", "insert", "update", "delete", "truncate", "references", "trigger", "maintain", "all"},
    "sequence": {"usage", "select", "update", "all"},
    "function": {"execute", "all"},
    "schema": {"usage", "create", "all"},
    "type": {"usage", "all"},
    "domain": {"usage", "all"},
    "foreign server": {"usage", "all"},
}
_COLUMN_PRIVILEGE = re.compile(r"^\s*(select|insert|update|references)\s*\((.+)\)\s*$", re.IGNORECASE)


def privileges(ctx: _Ctx, spec: Any, kind: str, columns: dict[str, Any] | None = None,
               key: str = "grants") -> Acl | None:
    """grants: {role: privilege | [privileges] | {privileges: [...], grant_option: true}} and
    owner: role → an Acl (None where neither is declared: privileges not managed there).
    Grants are written as GRANT takes them; the scratch database says what they come to.
    ``key``: where the grants are (a column's sequence_grants: those of its sequence)."""
    if not isinstance(spec, dict) or (key not in spec and (key != "grants" or "owner" not in spec)):
        return None
    owner = None
    if key == "grants" and spec.get("owner") is not None:
        owner = _role(ctx.child(spec, "owner"), spec["owner"])
    grants: list[str] | None = None
    if key in spec:
        gc = ctx.child(spec, key)
        node = spec[key] if spec[key] is not None else {}
        if not isinstance(node, dict):
            raise gc.error(f"{key} is a mapping of roles to privileges, like {{app: [select, insert]}}")
        grants = []
        for role, value in node.items():
            rc = gc.child(node, role)
            grantee = _role(rc, role)
            option = False
            if isinstance(value, dict):
                _keys(rc, value, {"privileges", "grant_option"}, f"grants of {role}")
                option = _bool(rc.child(value, "grant_option"), value.get("grant_option", False), "grant_option")
                value = value.get("privileges", [])
            items = [value] if isinstance(value, str) else value if isinstance(value, list) else None
            if items is None or not all(isinstance(i, str) for i in items):
                raise rc.error(f"the privileges of {role} are a privilege or a list of them")
            if not items:
                grants.append(f"NONE TO {grantee}")  # (none: its defaults revoked)
            for item in items:
                m = _COLUMN_PRIVILEGE.match(item)
                if m and kind in ("table", "view"):
                    cols = [c.strip() for c in m.group(2).split(",")]
                    for c in cols:
                        if columns is not None and c not in columns:
                            raise rc.error(f"column {c!r} does not exist (in {item!r})")
                    privilege = f"{m.group(1).upper()} ({', '.join(ident(c) for c in cols)})"
                elif item.lower() in PRIVILEGES[kind]:
                    privilege = item.upper()
                else:
                    raise rc.error(f"{item!r} is not a privilege of a {kind}",
                                   "one of: " + ", ".join(sorted(PRIVILEGES[kind])))
                grants.append(f"{privilege} TO {grantee}" + (" WITH GRANT OPTION" if option else ""))
    return Acl(tuple(grants) if grants is not None else None, owner)


def _role(ctx: _Ctx, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ctx.error("a role is a name")
    return "PUBLIC" if value.lower() == "public" else ident(value)


DEFAULT_OBJECTS = {"tables": ("TABLES", "table"), "sequences": ("SEQUENCES", "sequence"),
                   "functions": ("FUNCTIONS", "function"), "types": ("TYPES", "type")}


def default_privileges(ctx: _Ctx, spec: Any, everywhere: bool = False) -> tuple[str, ...] | None:
    """default_privileges: {creating role: {tables: grants, sequences: …, functions: …, types: …}}
    → "creator|TABLES|SELECT TO reader" lines; None where not declared (not managed).
    ``everywhere``: schema.yaml's top level (no IN SCHEMA), where `role: []` takes PostgreSQL's
    built-in default privileges away ("creator|FUNCTIONS|NONE TO PUBLIC")."""
    if not isinstance(spec, dict) or "default_privileges" not in spec:
        return None
    dc = ctx.child(spec, "default_privileges")
    node = spec["default_privileges"] or {}
    if not isinstance(node, dict):
        raise dc.error("default_privileges is a mapping: {creating role: {tables: {role: privileges}}}")
    out = []
    for creator, kinds in node.items():
        cc = dc.child(node, creator)
        _keys(cc, kinds, set(DEFAULT_OBJECTS), f"default privileges of {creator}")
        for key, grants in (kinds or {}).items():
            objects, kind = DEFAULT_OBJECTS[key]
            acl = privileges(cc, {"grants": grants}, kind if kind != "type" else "type") if kind != "type" \
                else _type_grants(cc.child(kinds, key), grants)
            for g in (acl.grants if acl else ()) or ():
                if g.startswith("NONE TO ") and not everywhere:
                    raise cc.child(kinds, key).error("default privileges in a schema add grants; [] takes none away",
                                                     "at the top level of schema.yaml (every schema), role: [] "
                                                     "takes PostgreSQL's built-in ones away")
                out.append(f"{_role(cc, creator)}|{objects}|{g}")
    return tuple(sorted(out))


def _type_grants(ctx: _Ctx, grants: Any) -> Acl:
    if not isinstance(grants, dict):
        raise ctx.error("grants are a mapping of roles to privileges")
    out = []
    for role, value in grants.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or any(str(i).lower() not in ("usage", "all") for i in items):
            raise ctx.child(grants, role).error("types are granted usage")
        out += [f"{str(i).upper()} TO {_role(ctx, role)}" for i in items]
    return Acl(tuple(out))
