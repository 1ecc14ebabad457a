"""schema.yaml (the catalog as written) → the SQLite statements that build it, shown in plans as
they will run.

Types map to SQLite's (serial and identity → INTEGER, the primary key's the rowid; text-like,
uuid, json and time types → TEXT, times as ISO 8601; bytea → BLOB; an enum → TEXT with a
CHECK … IN); defaults, checks, index predicates, generated columns and view queries are
transpiled with sqlglot (postgres → sqlite). What SQLite cannot hold (schemas other than public,
extensions, functions, sequences, domains and custom types, partitions, inheritance, policies,
exclusion constraints, GIN/GiST/BRIN indexes, triggers that run a function, arrays) is an error
naming its line, unless schema.yaml says what to do on SQLite under the object:

    sqlite: skip                     # not on SQLite (any object)
    sqlite: {type: …, default: …}    # a column's type or default written for SQLite (collate:, virtual:)
    sqlite: {expr: …}                # a check's condition
    sqlite: {body: …}                # a trigger's statements (BEGIN … END), same timing and event
    sqlite: {after: insert, body: …} # … with its own timing and event
    sqlite: {query: …}               # a view's query
    sqlite: {sql: …}                 # an index, trigger or view: the whole CREATE statement
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import sqlglot
from sqlglot import exp

from ..sqltext import last_name
from ..errors import SchemaError
from ..loaded import LoadedSchema
from ..model import Column, Constraint, Index, Source, Table, Trigger, View
from . import literal, q

Kind = Literal["table", "index", "trigger", "view"]
ISO_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"  # timestamptz as text, ISO 8601, UTC


@dataclass(frozen=True)
class Object:
    """One SQLite object as schema.yaml makes it."""

    kind: Kind
    name: str
    table: str  # an index's or trigger's table; a table's or view's own name
    sql: str
    source: Source | None = None
    parts: tuple[tuple[str, Source | None], ...] = ()  # a table's columns and checks, by name


_INTEGER = {"smallint", "integer", "int", "int2", "int4", "int8", "bigint", "serial", "bigserial",
            "smallserial", "serial4", "serial8", "serial2"}
_TEXT = {"text", "uuid", "json", "jsonb", "citext", "inet", "cidr", "macaddr", "xml", "date", "time",
         "timestamp", "timestamptz", "interval", "timetz", "tsvector", "name", "money"}
_REAL = {"real", "double precision", "float4", "float8", "float"}


def sqlite_type(pg: str) -> str | None:
    """The SQLite type for a PostgreSQL one, or None where there is none (arrays, custom types)."""
    t = pg.strip().lower()
    if t.endswith("[]"):
        return None
    base = re.sub(r"\s*\(.*\)$", "", t).strip()
    args = t[len(base):].strip()
    if base in _INTEGER:
        return "INTEGER"
    if base in ("varchar", "character varying", "char", "character", "bpchar"):
        return f"VARCHAR{args.replace(' ', '')}" if base in ("varchar", "character varying") else f"CHAR{args}"
    if base.startswith("timestamp") or base.startswith("time ") or base in _TEXT:
        return "TEXT"
    if base in _REAL:
        return "REAL"
    if base in ("numeric", "decimal"):
        return f"NUMERIC{args.replace(' ', '')}"
    if base in ("boolean", "bool"):
        return "BOOLEAN"
    if base == "bytea":
        return "BLOB"
    return None


class _Translator:
    def __init__(self, loaded: LoadedSchema) -> None:
        self.loaded = loaded
        self.c = loaded.catalog
        self.overrides = loaded.sqlite
        self.enums = {k: e.values for k, e in self.c.enums.items()}
        self.enums.update({e.name: e.values for e in self.c.enums.values() if e.schema == "public"})

    # -- overrides ----------------------------------------------------------------------------

    def override(self, src: Source | None) -> Any:
        if src is None:
            return None
        hit = self.overrides.get(src.path)
        return None if hit is None else hit[0]

    def skipped(self, src: Source | None) -> bool:
        return bool(self.override(src) == "skip")

    def error(self, src: Source | None, message: str, hint: str | None = None,
              in_override: bool = False) -> SchemaError:
        """An error at the object's line (``in_override``: at its `sqlite:` key's)."""
        line = src.line if src else None
        if in_override and src is not None and src.path in self.overrides:
            line = self.overrides[src.path][1]
        return SchemaError(f"SQLite: {message}", file=src.file if src else self.loaded.file, line=line,
                           path=f"{src.path}.sqlite" if src and in_override else (src.path if src else None),
                           hint=hint)

    def spec(self, src: Source | None, keys: set[str], what: str) -> dict[str, Any]:
        """The override as a mapping of known keys ({} when there is none)."""
        value = self.override(src)
        if value is None:
            return {}
        if not isinstance(value, dict) or not set(value) <= keys:
            raise self.error(src, f"sqlite: of {what} is `skip` or a mapping of {', '.join(sorted(keys))}",
                             in_override=True)
        return value

    # -- the whole schema ---------------------------------------------------------------------

    def run(self) -> list[Object]:
        skip_hint = "write `sqlite: skip` under it to leave it out of SQLite"
        for kind, objs in (("extension", self.c.extensions), ("function", self.c.functions),
                           ("sequence", self.c.sequences), ("domain", self.c.domains),
                           ("type", self.c.composites), ("type", self.c.ranges),
                           ("aggregate", self.c.aggregates), ("cast", self.c.casts),
                           ("foreign data wrapper", self.c.wrappers), ("foreign server", self.c.servers),
                           ("foreign table", self.c.foreign_tables)):
            for key, o in objs.items():
                src = getattr(o, "source", None)
                if kind == "sequence" and getattr(o, "owned_by", None):
                    continue  # a serial column's
                if not self.skipped(src):
                    raise self.error(src, f"SQLite has no {kind}s: {kind} {key} cannot be created there",
                                     hint=skip_hint)
        out: list[Object] = []
        views_after: list[Object] = []
        for key, t in self.c.tables.items():
            if self.skipped(t.source):
                continue
            self.check_schema(t.schema, f"table {key}", t.source)
            out += self.table(t)
        for key, v in self.c.views.items():
            if self.skipped(v.source):
                continue
            self.check_schema(v.schema, f"view {key}", v.source)
            views_after.append(self.view(v))
        return out + views_after

    def check_schema(self, schema: str, what: str, src: Source | None) -> None:
        if schema != "public":
            raise self.error(src, f"SQLite has one schema: {what} is in schema {schema}",
                             hint="SQLite targets declare their objects in public, or `sqlite: skip` this one")

    # -- tables -------------------------------------------------------------------------------

    def table(self, t: Table) -> list[Object]:
        what = f"table {t.name}"
        if t.partition_by or t.partition_of:
            raise self.error(t.source, f"{what}: SQLite has no partitioned tables", hint="`sqlite: skip` it")
        if t.inherits:
            raise self.error(t.source, f"{what}: SQLite has no table inheritance", hint="`sqlite: skip` it")
        for name, pol in t.policies.items():
            raise self.error(t.source, f"{what}: SQLite has no row-level security (policy {name})",
                             hint="`sqlite: skip` the table, or keep policies to PostgreSQL-only schemas")
        for name in t.rules:
            raise self.error(t.source, f"{what}: SQLite has no rules (rule {name})",
                             hint="`sqlite: skip` the table, or keep rules to PostgreSQL-only schemas")
        pk = t.primary_key()
        opts = self.spec(t.source, {"without_rowid", "strict", "autoincrement"}, what)
        auto = pk.columns[0] if opts.get("autoincrement") and pk and len(pk.columns) == 1 else None
        items = [self.column(t, c, pk) + (" PRIMARY KEY AUTOINCREMENT" if c.name == auto else "")
                 for c in t.columns.values()]
        for con in t.constraints.values():
            sql = self.constraint(t, con)
            if sql and not (con.kind == "primary_key" and auto):  # (AUTOINCREMENT goes on the column)
                items.append(sql)
        body = ",\n    ".join(items)
        tail = ", ".join(k for k, on in (("WITHOUT ROWID", opts.get("without_rowid")), ("STRICT", opts.get("strict")))
                         if on)
        parts = tuple((c.name, c.source) for c in t.columns.values()) + tuple(
            (con.name, con.source) for con in t.constraints.values() if con.kind == "check" and con.name)
        out = [Object("table", t.name, t.name, f"CREATE TABLE {q(t.name)} (\n    {body}\n){' ' + tail if tail else ''}",
                      t.source, parts)]
        for idx in t.indexes.values():
            o = self.index(t, idx)
            if o is not None:
                out.append(o)
        for trg in t.triggers.values():
            o = self.trigger(t, trg)
            if o is not None:
                out.append(o)
        prefix = f"{t.source.path}.triggers." if t.source else None
        for path, (value, line) in sorted(self.overrides.items()) if prefix else ():
            name = path[len(prefix or ""):]
            if path.startswith(prefix or "") and "." not in name and name not in t.triggers \
                    and isinstance(value, dict) and value.get("sql"):  # a SQLite trigger only
                src = Source(t.source.file if t.source else "", line, path)
                out.append(Object("trigger", name, t.name, str(value["sql"]).strip().rstrip(";"), src))
        return out

    def column(self, t: Table, c: Column, pk: Constraint | None) -> str:
        what = f"column {t.name}.{c.name}"
        over = self.spec(c.source, {"type", "default", "collate", "virtual"}, what)
        checks: list[str] = []
        enum = self.enums.get(c.type) or self.enums.get(c.type.removeprefix("public."))
        if "type" in over:
            typ = str(over["type"])
        elif enum is not None:
            typ = "TEXT"
            checks.append(f"CHECK ({q(c.name)} IN ({', '.join(literal(v) for v in enum)}))")
        else:
            mapped = sqlite_type(c.type)
            if mapped is None:
                hint = ("store it as JSON text: sqlite: {type: JSON}" if c.type.endswith("[]")
                        else "give its SQLite type: sqlite: {type: TEXT}")
                raise self.error(c.source, f"{what}: type {c.type} has no SQLite equivalent", hint=hint)
            typ = mapped
        parts = [q(c.name), typ]
        serial = c.type in ("serial", "bigserial", "smallserial", "serial2", "serial4", "serial8") or c.identity
        if serial and not (pk and pk.columns == (c.name,)):
            raise self.error(c.source, f"{what}: SQLite numbers only the primary key's rows (INTEGER PRIMARY KEY)",
                             hint="make it the primary key, or a plain integer on SQLite: sqlite: {type: INTEGER}")
        if c.not_null and not (pk and c.name in pk.columns and serial):
            parts.append("NOT NULL")
        if "default" in over:
            if over["default"] is not None:
                parts.append(f"DEFAULT {_default(str(over['default']))}")
        elif c.default is not None:
            parts.append(f"DEFAULT {_default(self.expr(c.default, c.source, what, timestamp=_is_time(c.type)))}")
        if c.generated is not None:
            kind = "VIRTUAL" if over.get("virtual") else "STORED"
            parts.append(f"GENERATED ALWAYS AS ({self.expr(c.generated, c.source, what)}) {kind}")
        if "collate" in over:
            parts.append(f"COLLATE {over['collate']}")
        elif c.collation:
            coll = c.collation.strip('"').removeprefix('pg_catalog."').strip('"')
            parts.append(f"COLLATE {'BINARY' if coll in ('C', 'POSIX', 'default') else q(coll)}")
        return " ".join(parts + checks)

    def constraint(self, t: Table, con: Constraint) -> str | None:
        what = f"{con.kind.replace('_', ' ')} {con.name or ''} on {t.name}".replace("  ", " ")
        if self.skipped(con.source) and con.kind == "check":
            return None
        head = f"CONSTRAINT {q(con.name)} " if con.name else ""
        cols = ", ".join(q(c) for c in con.columns)
        if con.kind == "primary_key":
            return f"PRIMARY KEY ({cols})"
        if con.kind == "unique":
            return f"{head}UNIQUE ({cols})"
        if con.kind == "check":
            over = self.spec(con.source, {"expr"}, what)
            m = re.match(r"CHECK \((.*)\)(?: NO INHERIT| NOT VALID)*$", con.definition, re.S)
            expr = over.get("expr") or self.expr(m.group(1) if m else con.definition, con.source, what)
            return f"{head}CHECK ({expr})"
        if con.kind == "foreign_key":
            ref = last_name(con.ref_table or "")
            rest = con.definition.split(")", 2)[-1] if con.definition.count(")") >= 2 else ""
            actions = " ".join(m.group(0) for m in re.finditer(
                r"ON (?:DELETE|UPDATE) (?:CASCADE|RESTRICT|SET NULL|SET DEFAULT|NO ACTION)", rest))
            tail = (" " + actions) if actions else ""
            if "DEFERRABLE" in rest and "NOT DEFERRABLE" not in rest:
                tail += " DEFERRABLE INITIALLY DEFERRED" if "INITIALLY DEFERRED" in rest else " DEFERRABLE"
            return (f"{head}FOREIGN KEY ({cols}) REFERENCES {q(ref)} "
                    f"({', '.join(q(c) for c in con.ref_columns)}){tail}")
        raise self.error(con.source or t.source, f"{what}: SQLite has no exclusion constraints",
                         hint="`sqlite: skip` the table, or keep the constraint to PostgreSQL")

    def index(self, t: Table, idx: Index) -> Object | None:
        what = f"index {idx.name}"
        over = self.override(idx.source)
        if over == "skip":
            return None
        if isinstance(over, dict):
            sql = self.spec(idx.source, {"sql"}, what).get("sql")
            if sql:
                return Object("index", idx.name, t.name, str(sql).strip().rstrip(";"), idx.source)
        m = re.search(r" USING (\w+) ", idx.definition)
        if m and m.group(1) not in ("btree", "hash"):
            raise self.error(idx.source, f"{what}: SQLite has no {m.group(1)} indexes",
                             hint="`sqlite: skip` it (or give its SQLite form: sqlite: {sql: CREATE INDEX …})")
        plain = _PLAIN_INDEX.fullmatch(idx.definition)
        if plain:  # plain columns, the common case: no parse needed
            keys = [f"{q(_unquote(k.group(1)))}{' DESC' if k.group(2) else ''}"
                    for k in _KEY.finditer(plain.group(3))]
            return Object("index", idx.name, t.name,
                          f"CREATE {plain.group(1) or ''}INDEX {q(idx.name)} ON {q(t.name)} ({', '.join(keys)})",
                          idx.source)
        try:
            tree = sqlglot.parse_one(idx.definition, read="postgres")
        except sqlglot.errors.ParseError as e:
            raise self.error(idx.source, f"{what}: cannot translate: {e}") from None
        params = tree.find(exp.IndexParameters)
        columns = params.args.get("columns") if params else None
        if not columns:
            raise self.error(idx.source, f"{what}: cannot translate its columns")
        keys = []
        for col in columns:
            desc = isinstance(col, exp.Ordered) and bool(col.args.get("desc"))
            inner = col.this if isinstance(col, exp.Ordered) else col
            if isinstance(inner, exp.Paren):
                inner = inner.this
            if inner.args.get("opclass") if hasattr(inner, "args") else False:
                raise self.error(idx.source, f"{what}: SQLite has no operator classes", hint="`sqlite: skip` it")
            text = self.tree_sql(inner, idx.source, what)
            keys.append(f"{text}{' DESC' if desc else ''}")
        where = params.args.get("where") if params else None
        unique = "UNIQUE " if idx.definition.startswith("CREATE UNIQUE") else ""
        sql = f"CREATE {unique}INDEX {q(idx.name)} ON {q(t.name)} ({', '.join(keys)})"
        if where is not None:
            cond = where.this if isinstance(where, exp.Where) else where
            sql += f" WHERE {self.tree_sql(cond, idx.source, what)}"
        return Object("index", idx.name, t.name, sql, idx.source)

    def trigger(self, t: Table, trg: Trigger) -> Object | None:
        what = f"trigger {trg.name}"
        over = self.override(trg.source)
        if over == "skip" or not trg.enabled:
            return None  # (SQLite cannot disable a trigger: a disabled one is not made there)
        if over is None:
            raise self.error(trg.source, f"{what} runs a PostgreSQL function, which SQLite cannot",
                             hint="give its SQLite statements: sqlite: {body: \"UPDATE …;\"}, or `sqlite: skip`")
        spec = self.spec(trg.source, {"body", "sql", "before", "after", "instead_of", "when"}, what)
        if spec.get("sql"):
            return Object("trigger", trg.name, t.name, str(spec["sql"]).strip().rstrip(";"), trg.source)
        if not spec.get("body"):
            raise self.error(trg.source, f"{what}: sqlite: needs body: (its statements) or sql:")
        m = re.match(r"CREATE (?:CONSTRAINT )?TRIGGER \S+ (BEFORE|AFTER|INSTEAD OF) (.+?) ON \S+"
                     r".*?(?: FOR EACH (ROW|STATEMENT))?(?: WHEN \((.*)\))? EXECUTE", trg.definition, re.S)
        timing, event = (m.group(1), m.group(2)) if m else ("AFTER", "INSERT")
        for key in ("before", "after", "instead_of"):
            if key in spec:
                timing, event = key.replace("_", " ").upper(), str(spec[key]).upper()
        if " OR " in event:
            raise self.error(trg.source, f"{what}: a SQLite trigger has one event ({event.lower()})",
                             hint="one trigger per event on SQLite: sqlite: {after: update, body: …}")
        event = re.sub(r"UPDATE OF (.*)", lambda x: "UPDATE OF " + ", ".join(
            q(c.strip().strip('"')) for c in x.group(1).split(",")), event)
        when = spec.get("when") or (self.expr(m.group(4), trg.source, what) if m and m.group(4) else None)
        body = str(spec["body"]).strip()
        if not body.endswith(";"):
            body += ";"
        sql = (f"CREATE TRIGGER {q(trg.name)} {timing} {event} ON {q(t.name)} FOR EACH ROW"
               f"{f' WHEN {when}' if when else ''}\nBEGIN\n    {body}\nEND")
        return Object("trigger", trg.name, t.name, sql, trg.source)

    def view(self, v: View) -> Object:
        what = f"view {v.name}"
        if v.materialized and self.override(v.source) is None:
            raise self.error(v.source, f"{what}: SQLite has no materialized views",
                             hint="a plain view on SQLite: sqlite: {query: …}, or `sqlite: skip`")
        for name in v.rules:
            raise self.error(v.source, f"{what}: SQLite has no rules (rule {name}): an INSTEAD OF trigger does "
                             "that there", hint="`sqlite: skip` the view, or keep rules to PostgreSQL-only schemas")
        spec = self.spec(v.source, {"query", "sql"}, what)
        if spec.get("sql"):
            return Object("view", v.name, v.name, str(spec["sql"]).strip().rstrip(";"), v.source)
        query = spec.get("query") or self.expr(v.query, v.source, what, statement=True)
        return Object("view", v.name, v.name, f"CREATE VIEW {q(v.name)} AS {str(query).strip().rstrip(';')}",
                      v.source)

    # -- expressions ---------------------------------------------------------------------------

    def expr(self, sql: str, src: Source | None, what: str, timestamp: bool = False,
             statement: bool = False) -> str:
        try:
            tree = sqlglot.parse_one(sql, read="postgres")
        except sqlglot.errors.ParseError as e:
            raise self.error(src, f"{what}: cannot translate {sql!r}: {str(e).splitlines()[0]}") from None
        if timestamp and _is_now(tree):
            return ISO_NOW
        return self.tree_sql(tree, src, what)

    def tree_sql(self, tree: exp.Expr, src: Source | None, what: str) -> str:
        def fix(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Cast) and _text_like(node.to):
                inner: exp.Expr = node.this  # SQLite stores these as text anyway (a cast to JSONB would be NUMERIC)
                return inner
            if isinstance(node, exp.Table) and node.args.get("db"):
                node = node.copy()
                node.set("db", None)
                return node
            if isinstance(node, exp.Column) and node.args.get("db"):
                node = node.copy()
                node.set("db", None)
                return node
            if _is_now(node):
                return sqlglot.parse_one(ISO_NOW, read="sqlite")
            if isinstance(node, exp.Boolean):
                return exp.Literal.number(1 if node.this else 0)
            return node

        out = tree.copy().transform(fix)
        for bad, name in ((exp.Array, "arrays"), (exp.Any, "= ANY"), (exp.Anonymous, None)):
            for node in out.find_all(bad):
                if name is None:
                    continue
                raise self.error(src, f"{what}: SQLite has no {name} ({tree.sql('postgres')})",
                                 hint="write it for SQLite under sqlite: (an IN list, say)")
        try:
            return out.sql(dialect="sqlite")
        except sqlglot.errors.UnsupportedError as e:
            raise self.error(src, f"{what}: cannot translate {tree.sql('postgres')!r}: {e}") from None


def _default(sql: str) -> str:
    """A literal as it is (ALTER TABLE … ADD COLUMN takes only those), an expression in ( )."""
    if re.fullmatch(r"'(?:[^']|'')*'|-?\d+(?:\.\d+)?|NULL", sql.strip(), re.I):
        return sql.strip()
    return f"({sql})"


_NAME = r'(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)'
_PLAIN_INDEX = re.compile(rf"CREATE (UNIQUE )?INDEX {_NAME} ON (?:{_NAME}\.)?{_NAME} USING (btree|hash) "
                          rf"\(((?:{_NAME}(?: DESC)?)(?:, {_NAME}(?: DESC)?)*)\)")
_KEY = re.compile(rf"({_NAME})( DESC)?")


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _is_time(pg_type: str) -> bool:
    return pg_type.strip().lower().startswith(("timestamp", "time"))


def _is_now(node: exp.Expr) -> bool:
    if isinstance(node, exp.CurrentTimestamp):
        return True
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in (
            "now", "clock_timestamp", "transaction_timestamp", "statement_timestamp"):
        return True
    return False


def _text_like(to: exp.DataType) -> bool:
    name = to.sql("postgres").lower()
    base = re.sub(r"\(.*\)", "", name).strip()
    return base in _TEXT or base.startswith(("timestamp", "varchar", "character", "char", "text")) or \
        base in ("json", "jsonb", "uuid")


def translate(loaded: LoadedSchema) -> list[Object]:
    """The SQLite objects schema.yaml makes, tables (with their indexes and triggers) then views."""
    return _Translator(loaded).run()


__all__ = ["Object", "translate", "sqlite_type", "ISO_NOW"]
