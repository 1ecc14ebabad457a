"""schema.yaml -> Catalog (the desired schema, as written), with every error located.

Everything is checked here, before any database is touched: keys (with "did you mean"), types,
references between objects, and every SQL fragment, parsed with sqlglot's postgres dialect.
The text of the returned catalog is what the user wrote (quoted where it names something);
PostgreSQL normalizes it later, in the scratch database.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlglot
from sqlglot import exp

from . import cache
from .diff import Renames
from .errors import SchemaError
from .model import (
    MODEL_HASH, Catalog, Column, Constraint, Domain, EnumType, Extension, Function, Index, Namespace, Sequence,
    Source, Table, Trigger, View, qualify,
)
from .sqltext import ident, literal, qident
from .types import BUILTIN_OPCLASSES, EXTENSION_OPCLASSES, EXTENSION_TYPES, INTEGER_TYPES, SERIAL_TYPES, TEXT_TYPES, check_type, type_base
from .yamlsource import YList, YMap, load_yaml

RESERVED_SCHEMAS = {"schemacode", "pg_catalog", "information_schema", "pg_toast"}
# Options of constraints, by kind (see constraint_options).
KEY_OPTIONS = ("deferrable", "initially_deferred")
CHECK_OPTIONS = ("no_inherit", "not_valid")
FK_OPTIONS = ("deferrable", "initially_deferred", "not_valid")
FK_ACTIONS = {"cascade": "CASCADE", "restrict": "RESTRICT", "no action": "NO ACTION",
              "set null": "SET NULL", "set default": "SET DEFAULT"}
INDEX_METHODS = {"btree", "hash", "gin", "gist", "spgist", "brin", "hnsw", "ivfflat", "bloom"}
VOLATILITY = {"volatile": "VOLATILE", "stable": "STABLE", "immutable": "IMMUTABLE"}


@dataclass(frozen=True)
class LoadedSchema:
    """What schema.yaml declares: the catalog as written, plus what is not part of a catalog."""

    written: Catalog | None  # None: kept in ``catalog_file`` until needed (see catalog)
    renames: Renames
    file: str
    text_hash: str
    # Extensions declared without a version: their version is not compared.
    unpinned_extensions: frozenset[str] = field(default_factory=frozenset)
    schemas: tuple[str, ...] = ()
    catalog_file: str | None = None

    @property
    def catalog(self) -> Catalog:
        """The catalog as written. Read from the cache only when needed: a warm plan, whose
        desired catalog is cached too, never reads it."""
        if self.written is not None:
            return self.written
        value = cache.read(self.catalog_file or "", Catalog)
        if value is not None:
            return value
        return load_file(self.file).catalog  # the cache went away: parse the file again

    @property
    def scope(self) -> list[str]:
        """The schemas schemacode manages in a database: those declared, and public."""
        return sorted(set(self.schemas) | {"public"})


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


def load_file(path: str | Path, cache_dir: Path | None = None) -> LoadedSchema:
    """Load schema.yaml; with ``cache_dir``, reuse the result for the same text and path."""
    p = Path(path)
    try:
        text = p.read_text()
    except FileNotFoundError:
        raise SchemaError(f"{p} not found", hint="pass --schema PATH, or run `schemacode init`") from None
    except OSError as e:
        raise SchemaError(f"cannot read {p}: {e.strerror}") from None
    if cache_dir is None:
        return load_text(text, str(p))
    from . import __version__

    key = hashlib.sha256("\0".join([__version__, MODEL_HASH, str(p), text]).encode()).hexdigest()[:32]
    cached = cache_dir / f"loaded-{key}.pickle"
    catalog_file = cache_dir / f"loaded-{key}.catalog.pickle"
    if catalog_file.exists():
        value = cache.read(cached, LoadedSchema)
        if value is not None:
            return value
    loaded = load_text(text, str(p))  # errors are raised before anything is cached
    # The catalog first: an entry never points at a catalog file that is not there yet.
    cache.write_behind((catalog_file, loaded.catalog),
                       (cached, replace(loaded, written=None, catalog_file=str(catalog_file))))
    return loaded


def load_text(text: str, filename: str = "schema.yaml") -> LoadedSchema:
    data = load_yaml(text, filename)
    if data is None:
        data = YMap()
    ctx = _Ctx(filename, "", 1)
    if not isinstance(data, dict):
        raise ctx.error("schema.yaml must be a mapping with keys like tables:, enums:, functions:")
    return _Loader(filename, data).load(hashlib.sha256(text.encode()).hexdigest())


def _keys(ctx: _Ctx, node: Any, allowed: set[str], what: str) -> None:
    if not isinstance(node, dict):
        raise ctx.error(f"{what} must be a mapping")
    for key in node:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(sorted(allowed))
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
    if isinstance(tree, exp.Alias) or tree is None:
        return None, f"does not parse as one SQL expression: {sql!r}", "quote string literals: 'like this'"
    return tree, None, None


def _strip_strings(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def referenced_columns(tree: exp.Expression) -> list[str]:
    return _columns_of(tree)


def _columns_of(tree: Any) -> list[str]:
    return sorted({c.name for c in tree.find_all(exp.Column) if not c.table})


class _Loader:
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
        self.names: dict[str, str] = {}  # relation/type qname -> yaml path, for duplicates

    def load(self, text_hash: str) -> LoadedSchema:
        _keys(self.root, self.data, {"schemas", "extensions", "enums", "domains", "functions",
                                     "sequences", "tables", "views"}, "schema.yaml")
        d = self.data
        self.load_schemas(self.root.child(d, "schemas"), d.get("schemas"))
        self.load_extensions(self.root.child(d, "extensions"), d.get("extensions"))
        self.load_enums(self.root.child(d, "enums"), d.get("enums"))
        self.load_domains(self.root.child(d, "domains"), d.get("domains"))
        self.load_functions(self.root.child(d, "functions"), d.get("functions"))
        self.load_sequences(self.root.child(d, "sequences"), d.get("sequences"))
        tables_ctx = self.root.child(d, "tables")
        raw_tables = list(_items(tables_ctx, d.get("tables"), "tables"))
        for name, spec, ctx in raw_tables:  # names first: foreign keys may point forward
            self.claim(ctx, self.qname(ctx, name), "table")
        for name, spec, ctx in raw_tables:
            t = self.load_table(ctx, name, spec)
            self.tables[t.qname] = t
        for name, spec, ctx in raw_tables:
            self.load_foreign_keys(ctx, self.qname(ctx, name), spec)
        self.resolve_sequence_owners()
        self.load_views(self.root.child(d, "views"), d.get("views"))
        catalog = Catalog(self.schemas, self.extensions, self.enums, self.domains, self.functions,
                          self.sequences, self.tables, self.views)
        renames = Renames(self.table_renames, self.column_renames, self.value_renames)
        return LoadedSchema(catalog, renames, self.file, text_hash, frozenset(self.unpinned),
                            tuple(catalog.schemas))

    # -- names -----------------------------------------------------------------------------
    def qname(self, ctx: _Ctx, name: str) -> str:
        """'schema.name' for a declared name; the schema defaults to public and must be declared."""
        if not isinstance(name, str) or not name:
            raise ctx.error("a name must be text")
        schema, dot, rel = name.partition(".")
        if not dot:
            schema, rel = "public", name
        if "." in rel or not rel or not schema:
            raise ctx.error(f"{name!r} is not a name: use name or schema.name")
        if schema in RESERVED_SCHEMAS:
            raise ctx.error(f"schema {schema!r} is reserved")
        if schema not in self.schemas:
            if schema != "public":
                self.schemas[schema] = Namespace(schema, source=ctx.source())
        return qualify(schema, rel)

    def claim(self, ctx: _Ctx, qname: str, kind: str) -> None:
        if qname in self.names:
            raise ctx.error(f"{kind} {qname} is declared twice (also at {self.names[qname]})")
        self.names[qname] = f"line {ctx.line}"

    # -- schemas, extensions, enums, functions, sequences ----------------------------------
    def load_schemas(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "schemas"):
            if name in RESERVED_SCHEMAS:
                raise c.error(f"schema {name!r} is reserved")
            comment = None
            if spec is not None:
                _keys(c, spec, {"comment", "name"}, f"schema {name}")
                comment = self.comment(c, spec)
            self.schemas[name] = Namespace(name, comment, c.source())

    def load_extensions(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "extensions"):
            schema = version = None
            if spec is not None:
                _keys(c, spec, {"name", "schema", "version"}, f"extension {name}")
                if "schema" in spec:
                    schema = _str(c.child(spec, "schema"), spec["schema"], "schema")
                    self.qname(c.child(spec, "schema"), f"{schema}.x")
                if "version" in spec:
                    version = _str(c.child(spec, "version"), spec["version"], "version")
            if version is None:
                self.unpinned.add(name)
            self.extensions[name] = Extension(name, schema or "public", version, c.source())
            self.extra_types |= EXTENSION_TYPES.get(name, set())

    def load_enums(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "enums"):
            q = self.qname(c, name)
            self.claim(c, q, "enum")
            comment = None
            values_node = spec
            vctx = c
            if isinstance(spec, dict):
                _keys(c, spec, {"values", "comment", "name"}, f"enum {name}")
                comment = self.comment(c, spec)
                values_node = spec.get("values")
                vctx = c.child(spec, "values")
            if not isinstance(values_node, list) or not values_node:
                raise vctx.error(f"enum {name} needs a list of values")
            values: list[str] = []
            for i, v in enumerate(values_node):
                ic = vctx.child(values_node, i)
                if isinstance(v, dict):
                    if len(v) != 1:
                        raise ic.error("an enum value is text, or `new: {renamed_from: old}`")
                    (label, opts), = v.items()
                    _keys(ic, opts, {"renamed_from"}, f"enum value {label}")
                    self.value_renames[(q, label)] = _str(ic, opts["renamed_from"], "renamed_from")
                    v = label
                if isinstance(v, bool) or v is None or isinstance(v, list):
                    raise ic.error("an enum value must be text")
                if str(v) in values:
                    raise ic.error(f"enum value {v!r} is listed twice")
                values.append(str(v))
            schema, _, short = q.partition(".")
            self.enums[q] = EnumType(schema, short, tuple(values), comment, c.source())
            self.extra_types.add(short)

    def load_domains(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "domains"):
            q = self.qname(c, name)
            self.claim(c, q, "domain")
            if isinstance(spec, str):
                spec = {"type": spec}
            _keys(c, spec, {"name", "type", "null", "default", "check", "checks", "comment"},
                  f"domain {name}")
            if "type" not in spec:
                raise c.error(f"domain {name} needs a type")
            tc = c.child(spec, "type")
            type_ = _str(tc, spec["type"], "type")
            problem = check_type(type_, self.extra_types)
            if problem:
                raise tc.error(*problem)
            default = None
            if spec.get("default") is not None:
                default = self.default(c.child(spec, "default"), spec["default"], type_base(type_)[0])
            checks: dict[str, str] = {}
            if "check" in spec:
                cc = c.child(spec, "check")
                expr = _str(cc, spec["check"], "check")
                parse_sql(cc, expr, "check")
                checks["~0"] = f"CHECK ({expr})"
            if "checks" in spec:
                chc = c.child(spec, "checks")
                if not isinstance(spec["checks"], dict):
                    raise chc.error("checks is a mapping of names to expressions")
                for cname, expr in spec["checks"].items():
                    ec = chc.child(spec["checks"], cname)
                    expr = _str(ec, expr, "check")
                    parse_sql(ec, expr, "check")
                    checks[cname] = f"CHECK ({expr})"
            not_null = "null" in spec and not _bool(c.child(spec, "null"), spec["null"], "null")
            schema, _, short = q.partition(".")
            self.domains[q] = Domain(schema, short, type_, default, not_null, checks,
                                     self.comment(c, spec), c.source())
            self.extra_types.add(short)

    FUNCTION_KEYS = {"name", "kind", "arguments", "returns", "language", "body", "sql_body",
                     "volatility", "strict", "security", "parallel", "leakproof", "cost", "rows",
                     "search_path", "set", "comment"}

    def load_functions(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "functions"):
            _keys(c, spec, self.FUNCTION_KEYS, f"function {name}")
            key_args = None
            if isinstance(name, str) and "(" in name and name.endswith(")"):
                # Overloads: the arguments in the key, `add(a integer, b integer):`
                name, _, key_args = name[:-1].partition("(")
                if "arguments" in spec:
                    raise c.child(spec, "arguments").error(
                        f"the arguments of {name} are in its name already")
            q = self.qname(c, name)
            kind = str(spec.get("kind", "function")).lower()
            if kind not in ("function", "procedure"):
                raise c.child(spec, "kind").error("kind is function or procedure")
            if kind == "function" and "returns" not in spec:
                raise c.error(f"function {name} needs returns:",
                              "a procedure returns nothing: say kind: procedure")
            if kind == "procedure" and "returns" in spec:
                raise c.child(spec, "returns").error(f"procedure {name} returns nothing: drop returns:")
            if ("body" in spec) == ("sql_body" in spec):
                raise c.error(f"function {name} needs body: (or sql_body: for a SQL-standard body)"
                              if "body" not in spec else f"function {name} has both body: and sql_body:")
            args = key_args if key_args is not None else \
                _str(c.child(spec, "arguments"), spec.get("arguments", ""), "arguments")
            language = _str(c.child(spec, "language"), spec.get("language", "plpgsql"), "language")
            head = f"CREATE OR REPLACE {kind.upper()} {qident(*q.split('.', 1))}({args})"
            parts = [head]
            returns = ""
            if kind == "function":
                returns = _str(c.child(spec, "returns"), spec["returns"], "returns")
                parts.append(f" RETURNS {returns}")
            parts.append(f" LANGUAGE {ident(language.lower())}")
            if kind == "function":
                vol = str(spec.get("volatility", "volatile")).lower()
                if vol not in VOLATILITY:
                    raise c.child(spec, "volatility").error(
                        f"volatility is one of {', '.join(VOLATILITY)}, not {vol!r}")
                parts.append(f" {VOLATILITY[vol]}")
                if spec.get("strict"):
                    parts.append(" STRICT")
                if spec.get("leakproof"):
                    parts.append(" LEAKPROOF")
                parallel = str(spec.get("parallel", "unsafe")).lower()
                if parallel not in ("safe", "restricted", "unsafe"):
                    raise c.child(spec, "parallel").error("parallel is safe, restricted or unsafe")
                if parallel != "unsafe":
                    parts.append(f" PARALLEL {parallel.upper()}")
                for key in ("cost", "rows"):
                    if key in spec:
                        value = spec[key]
                        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                            raise c.child(spec, key).error(f"{key} is a number")
                        parts.append(f" {key.upper()} {value}")
            security = str(spec.get("security", "invoker")).lower()
            if security not in ("invoker", "definer"):
                raise c.child(spec, "security").error("security is invoker or definer")
            if security == "definer":
                parts.append(" SECURITY DEFINER")
            if "search_path" in spec:
                paths = _names(c.child(spec, "search_path"), spec["search_path"], "search_path")
                parts.append(" SET search_path TO " + ", ".join(ident(p) for p in paths))
            settings = spec.get("set", {})
            if not isinstance(settings, dict):
                raise c.child(spec, "set").error("set is a mapping of settings, like {work_mem: 64MB}")
            for setting, value in settings.items():
                parts.append(f" SET {ident(str(setting))} TO {literal(str(value))}")
            if "sql_body" in spec:
                # SQL-standard: parsed by PostgreSQL at creation, and printed back by it.
                if language.lower() != "sql":
                    raise c.child(spec, "sql_body").error("sql_body: is for language: sql")
                body = _str(c.child(spec, "sql_body"), spec["sql_body"], "sql_body").strip()
                parts.append(f"\n{body.rstrip(';')}")
            else:
                body = _str(c.child(spec, "body"), spec["body"], "body")
                tag = "$schemacode$"
                while tag in body:
                    tag = tag[:-1] + "_$"
                parts.append(f"\nAS {tag}{body}{tag}")  # the body byte for byte
            schema, _, short = q.partition(".")
            f = Function(schema, short, args, returns, "".join(parts), self.comment(c, spec),
                         c.source())
            if f.key in self.functions:
                raise c.error(f"function {q}({args}) is declared twice")
            self.functions[f.key] = f

    def load_sequences(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "sequences"):
            q = self.qname(c, name)
            self.claim(c, q, "sequence")
            spec = spec or {}
            _keys(c, spec, {"name", "type", "start", "increment", "min", "max", "cache", "cycle",
                            "owned_by", "comment"}, f"sequence {name}")
            if "owned_by" in spec:
                oc = c.child(spec, "owned_by")
                self.sequence_owners[q] = (oc, _str(oc, spec["owned_by"], "owned_by"))
            ints = {}
            for key in ("start", "increment", "min", "max", "cache"):
                if key in spec:
                    if not isinstance(spec[key], int) or isinstance(spec[key], bool):
                        raise c.child(spec, key).error(f"{key} must be a whole number")
                    ints[key] = spec[key]
            type_ = str(spec.get("type", "bigint"))
            if type_base(type_)[0] not in INTEGER_TYPES:
                raise c.child(spec, "type").error("a sequence type is smallint, integer or bigint")
            inc = ints.get("increment", 1)
            limits = {"smallint": 32767, "int2": 32767, "integer": 2147483647, "int": 2147483647,
                      "int4": 2147483647}
            maxv = ints.get("max", limits.get(type_base(type_)[0], 9223372036854775807) if inc > 0 else -1)
            minv = ints.get("min", 1 if inc > 0 else -limits.get(type_base(type_)[0], 9223372036854775808))
            start = ints.get("start", minv if inc > 0 else maxv)
            schema, _, short = q.partition(".")
            self.sequences[q] = Sequence(
                schema, short, type_, start, inc, minv, maxv, ints.get("cache", 1),
                _bool(c.child(spec, "cycle"), spec.get("cycle", False), "cycle"),
                self.comment(c, spec), c.source(),
            )

    def resolve_sequence_owners(self) -> None:
        """owned_by: table.column (or schema.table.column), once the tables are known."""
        for q, (ctx, text) in self.sequence_owners.items():
            table, dot, column = text.rpartition(".")
            if not dot or not table:
                raise ctx.error(f"owned_by {text!r}: write table.column or schema.table.column")
            tq = self.qname(ctx, table)
            if tq not in self.tables:
                close = difflib.get_close_matches(tq, list(self.tables), n=1)
                raise ctx.error(f"owned_by names table {tq}, which is not declared",
                                f"did you mean {close[0]}?" if close else None)
            self.check_columns(ctx, self.tables[tq].columns, [column], tq)
            self.sequences[q] = replace(self.sequences[q], owned_by=(tq, column))

    def comment(self, ctx: _Ctx, spec: Any) -> str | None:
        if isinstance(spec, dict) and spec.get("comment") is not None:
            return _str(ctx.child(spec, "comment"), spec["comment"], "comment")
        return None

    # -- tables ----------------------------------------------------------------------------
    TABLE_KEYS = {"name", "columns", "primary_key", "unique", "foreign_keys", "checks", "exclude",
                  "indexes", "triggers", "with", "unlogged", "replica_identity", "comment",
                  "renamed_from"}
    VIEW_KEYS = {"query", "materialized", "check_option", "security_barrier", "security_invoker",
                 "with", "comment", "indexes", "triggers"}
    EXCLUDE_KEYS = {"using", "elements", "include", "where", "comment", *KEY_OPTIONS}
    COLUMN_KEYS = {"type", "null", "default", "primary_key", "unique", "references", "on_delete",
                   "on_update", "deferrable", "initially_deferred", "match", "not_valid", "check", "comment",
                   "identity", "generated", "collation", "using", "renamed_from"}

    def load_table(self, ctx: _Ctx, name: str, spec: Any) -> Table:
        q = self.qname(ctx, name)
        schema, _, short = q.partition(".")
        if spec is None:
            raise ctx.error(f"table {name} needs columns:")
        _keys(ctx, spec, self.TABLE_KEYS, f"table {name}")
        if "renamed_from" in spec:
            old = _str(ctx.child(spec, "renamed_from"), spec["renamed_from"], "renamed_from")
            self.table_renames[q] = self.qname(ctx.child(spec, "renamed_from"), old)
        cols_ctx = ctx.child(spec, "columns")
        cols_node = spec.get("columns")
        if not isinstance(cols_node, dict):  # {} is a table with no columns, as PostgreSQL allows
            raise cols_ctx.error(f"table {name} needs columns: (a mapping of column names)")
        columns: dict[str, Column] = {}
        constraints: dict[str, Constraint] = {}
        pk_cols: list[str] = []

        def add(con: Constraint, c: _Ctx) -> None:
            key = con.name or f"~{con.kind}:{con.definition}"
            if key in constraints:
                raise c.error(f"constraint {con.name or con.definition} is declared twice on {q}")
            constraints[key] = con

        for col_name, col_spec in cols_node.items():
            cc = cols_ctx.child(cols_node, col_name)
            col, flags = self.load_column(cc, q, col_name, col_spec)
            columns[col_name] = col
            if flags.get("primary_key"):
                pk_cols.append(col_name)
            if flags.get("unique"):
                uname = flags["unique"] if isinstance(flags["unique"], str) else None
                add(Constraint(uname, "unique", f"UNIQUE ({ident(col_name)})", (col_name,),
                               source=cc.source()), cc)
            if flags.get("check"):
                expr = flags["check"]
                tree = parse_sql(cc, expr, "check")
                add(Constraint(None, "check", f"CHECK ({expr})", tuple(referenced_columns(tree)),
                               source=cc.source()), cc)

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
            add(Constraint(None, "primary_key", _key_sql("PRIMARY KEY", pk_cols), tuple(pk_cols),
                           source=cols_ctx.source()), cols_ctx)

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
                _keys(cc, cspec, {"expr", "comment", *CHECK_OPTIONS}, f"check {cname}")
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
        return Table(schema, short, columns, constraints, indexes, triggers,
                     self.comment(ctx, spec), ctx.source(),
                     options=storage_options(ctx, spec),
                     unlogged=_bool(ctx.child(spec, "unlogged"), spec.get("unlogged", False), "unlogged"),
                     replica_identity=identity)

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

    def check_columns(self, ctx: _Ctx, columns: dict[str, Any], names: list[str], table: str) -> None:
        for n in names:
            if n not in columns:
                close = difflib.get_close_matches(n, list(columns), n=1)
                raise ctx.error(f"column {n!r} does not exist in table {table}",
                                f"did you mean {close[0]!r}?" if close else None)

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
                v = spec[key]
                if not isinstance(v, (bool, str)):
                    raise ctx.child(spec, key).error(f"{key} is true, false or a constraint name")
                flags[key] = v
        if flags.get("primary_key"):
            not_null = True
        if "check" in spec:
            flags["check"] = _str(ctx.child(spec, "check"), spec["check"], "check")
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
        col = Column(name, type_, not_null, default,
                     identity,  # type: ignore[arg-type]
                     identity_options, generated, collation, self.comment(ctx, spec), using, ctx.source())
        return col, flags

    def short_column(self, ctx: _Ctx, text: str) -> dict[str, Any]:
        """`serial primary key`, `text not null`, `uuid references users.id unique` …"""
        spec: dict[str, Any] = {}
        rest = text.strip()
        patterns: list[tuple[str, Callable[[re.Match[str]], None]]] = [
            (r"\s+primary\s+key$", lambda m: spec.__setitem__("primary_key", True)),
            (r"\s+not\s+null$", lambda m: spec.__setitem__("null", False)),
            (r"\s+null$", lambda m: spec.__setitem__("null", True)),
            (r"\s+unique$", lambda m: spec.__setitem__("unique", True)),
            (r"\s+references\s+(\S+)$", lambda m: spec.__setitem__("references", m.group(1))),
        ]
        changed = True
        while changed:
            changed = False
            for pat, act in patterns:
                m = re.search(pat, rest, re.IGNORECASE)
                if m:
                    act(m)
                    rest = rest[: m.start()].rstrip()
                    changed = True
        if re.search(r"\s(default|check)\s", f" {rest.lower()} "):
            raise ctx.error(f"{text!r}: defaults and checks need the full form",
                            "write {type: ..., default: ...}")
        spec["type"] = rest
        return spec

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
        if re.fullmatch(r"[A-Za-z_][\w.]*\(.*\)", text.strip()) and base not in TEXT_TYPES:
            raise ctx.error(f"default {text!r} is taken as the literal text {text!r}",
                            f"for the SQL expression write default: {{sql: {text}}}")
        return literal(text)

    def load_foreign_keys(self, ctx: _Ctx, q: str, spec: YMap) -> None:
        table = self.tables[q]
        constraints = dict(table.constraints)
        cols_node = spec["columns"]
        cols_ctx = ctx.child(spec, "columns")
        found: list[Constraint] = []
        for col_name in cols_node:
            cspec = cols_node[col_name]
            if isinstance(cspec, str):
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
                raise ctx.error(f"foreign key {con.name or con.definition} is declared twice on {q}")
            constraints[key] = con
        self.tables[q] = replace(table, constraints=constraints)

    def foreign_key(self, ctx: _Ctx, table: str, name: str | None, cols: list[str], target: str,
                    ref_cols: list[str] | None, opts: Any) -> Constraint:
        """`references: table`, `table.column` or `schema.table.column`."""
        parts = target.split(".")
        ref_table: str | None = None
        if ref_cols is None:
            if len(parts) == 1:
                ref_table = self.qname(ctx, parts[0])
            elif len(parts) == 2:
                # table.column, or schema.table when that table exists
                as_table = qualify(parts[0], parts[1])
                if as_table in self.tables and qualify("public", parts[0]) not in self.tables:
                    ref_table = as_table
                else:
                    ref_table, ref_cols = self.qname(ctx, parts[0]), [parts[1]]
            elif len(parts) == 3:
                ref_table, ref_cols = qualify(parts[0], parts[1]), [parts[2]]
            else:
                raise ctx.error(f"references {target!r}: write table, table.column or schema.table.column")
        else:
            ref_table = self.qname(ctx, target)
        if ref_table not in self.tables:
            close = difflib.get_close_matches(ref_table, list(self.tables), n=1)
            raise ctx.error(f"references table {ref_table}, which is not declared",
                            f"did you mean {close[0]}?" if close else None)
        ref = self.tables[ref_table]
        if ref_cols is None:
            pk = ref.primary_key()
            if pk is None:
                raise ctx.error(f"{ref_table} has no primary key; name the referenced column: {ref_table}.column")
            ref_cols = list(pk.columns)
        self.check_columns(ctx, ref.columns, ref_cols, ref_table)
        if len(ref_cols) != len(cols):
            raise ctx.error(f"{len(cols)} column(s) reference {len(ref_cols)} column(s) of {ref_table}")
        sql = (f"FOREIGN KEY ({', '.join(ident(c) for c in cols)}) REFERENCES "
               f"{qident(*ref_table.split('.', 1))} ({', '.join(ident(c) for c in ref_cols)})")
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

    # -- indexes and triggers --------------------------------------------------------------
    def load_indexes(self, ctx: _Ctx, node: Any, q: str, columns: dict[str, Column]
                     ) -> dict[str, Index]:
        out: dict[str, Index] = {}
        if node is not None and not isinstance(node, dict):
            raise ctx.error("indexes is a mapping of index names to definitions")
        for name, spec, c in _items(ctx, node, "indexes"):
            iq = qualify(q.partition(".")[0], name)
            self.claim(c, iq, "index")
            if isinstance(spec, (str, list)):
                spec = {"columns": spec}
            _keys(c, spec, {"columns", "using", "unique", "where", "include", "opclass", "comment",
                            "nulls_not_distinct", "with"}, f"index {name}")
            method = str(spec.get("using", "btree")).lower()
            if method not in INDEX_METHODS:
                close = difflib.get_close_matches(method, sorted(INDEX_METHODS), n=1)
                raise c.child(spec, "using").error(
                    f"unknown index method {method!r}", f"did you mean {close[0]}?" if close else
                    "one of " + ", ".join(sorted(INDEX_METHODS)))
            cols_node = spec.get("columns")
            cc = c.child(spec, "columns")
            if isinstance(cols_node, str):
                cols_node = [cols_node]
            if not isinstance(cols_node, list) or not cols_node:
                raise cc.error(f"index {name} needs columns: a list of columns or expressions")
            default_opclass = spec.get("opclass")
            keys: list[str] = []
            refs: set[str] = set()
            for i, item in enumerate(cols_node):
                key_sql, key_refs = self.index_key(cc.child(cols_node, i), item, default_opclass, columns, q)
                keys.append(key_sql)
                refs |= set(key_refs)
            unique = _bool(c.child(spec, "unique"), spec.get("unique", False), "unique")
            sql = f"CREATE {'UNIQUE ' if unique else ''}INDEX {ident(name)} ON {qident(*q.split('.', 1))}"
            sql += f" USING {method} ({', '.join(keys)})"
            sql += self.include_sql(c, spec, columns, q, refs)
            if spec.get("nulls_not_distinct"):
                sql += " NULLS NOT DISTINCT"
            if "with" in spec:
                wc = c.child(spec, "with")
                if not isinstance(spec["with"], dict):
                    raise wc.error("with is a mapping of storage parameters, like {fillfactor: 70}")
                params = ", ".join(f"{ident(str(k))} = {v}" for k, v in spec["with"].items())
                sql += f" WITH ({params})"
            sql += self.where_sql(c, spec, columns, q, refs)
            out[name] = Index(name, sql, tuple(sorted(refs)), self.comment(c, spec), c.source())
        return out

    _KEY_RE = re.compile(r"^(?P<expr>.+?)(?:\s+(?P<order>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?$",
                         re.IGNORECASE | re.DOTALL)

    def index_key(self, ctx: _Ctx, item: Any, default_opclass: Any, columns: dict[str, Column],
                  q: str) -> tuple[str, list[str]]:
        opclass = default_opclass
        order = nulls = None
        if isinstance(item, dict):
            _keys(ctx, item, {"column", "expr", "order", "nulls", "opclass", "collation"}, "index column")
            if ("column" in item) == ("expr" in item):
                raise ctx.error("an index column has either column: or expr:")
            opclass = item.get("opclass", opclass)
            order = item.get("order")
            nulls = item.get("nulls")
            if order is not None and str(order).lower() not in ("asc", "desc"):
                raise ctx.error("order is asc or desc")
            if nulls is not None and str(nulls).lower() not in ("first", "last"):
                raise ctx.error("nulls is first or last")
            target = item.get("column") or item.get("expr")
            is_expr = "expr" in item
            text = _str(ctx, target, "index column")
        else:
            text = _str(ctx, item, "index column")
            m = self._KEY_RE.match(text.strip())
            assert m is not None
            text, order, nulls = m.group("expr").strip(), m.group("order"), m.group("nulls")
            is_expr = text not in columns
        if is_expr:
            tree = parse_sql(ctx, text, "index expression")
            refs = referenced_columns(tree)
            if isinstance(tree, exp.Column) and not tree.table:
                is_expr = False
                text = tree.name
            else:
                self.check_columns(ctx, columns, refs, q)
        if not is_expr:
            self.check_columns(ctx, columns, [text], q)
            refs = [text]
            key = ident(text)
        else:
            key = f"({text})"
        if isinstance(item, dict) and item.get("collation"):
            schema, dot, name = str(item["collation"]).rpartition(".")
            key += f" COLLATE {qident(schema, name) if dot else ident(name)}"
        if opclass:
            oc = str(opclass)
            if not re.fullmatch(r"[A-Za-z_][\w.]*", oc):
                raise ctx.error(f"{oc!r} is not an operator class name")
            self.check_opclass(ctx, oc)
            key += f" {oc}"
        if order:
            key += f" {str(order).upper()}"
        if nulls:
            key += f" NULLS {str(nulls).upper()}"
        return key, refs

    def check_opclass(self, ctx: _Ctx, opclass: str) -> None:
        if "." in opclass or any(e not in EXTENSION_OPCLASSES for e in self.extensions):
            return  # qualified, or from an extension we know nothing of: the server will tell
        known = set(BUILTIN_OPCLASSES)
        for ext in self.extensions:
            known |= EXTENSION_OPCLASSES.get(ext, frozenset())
        if opclass in known:
            return
        for ext, names in EXTENSION_OPCLASSES.items():
            if opclass in names:
                raise ctx.error(f"operator class {opclass} comes with the extension {ext}",
                                f"declare it: extensions: [{ext}]")
        close = difflib.get_close_matches(opclass, sorted(known), n=1)
        raise ctx.error(f"unknown operator class {opclass!r}",
                        f"did you mean {close[0]}?" if close else None)

    EVENTS = {"insert", "update", "delete", "truncate"}

    TRIGGER_KEYS = {"before", "after", "instead_of", "for_each", "execute", "arguments", "when",
                    "enabled", "constraint", "deferrable", "initially_deferred", "referencing",
                    "comment"}

    def load_triggers(self, ctx: _Ctx, node: Any, q: str, columns: dict[str, Column],
                      view: bool = False) -> dict[str, Trigger]:
        out: dict[str, Trigger] = {}
        if node is not None and not isinstance(node, dict):
            raise ctx.error("triggers is a mapping of trigger names to definitions")
        for name, spec, c in _items(ctx, node, "triggers"):
            _keys(c, spec, self.TRIGGER_KEYS, f"trigger {name}")
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
            fq = fname if "." in fname else f"public.{fname}"
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
                   f"{tkey.replace('_', ' ').upper()} {' OR '.join(events)} ON {qident(*q.split('.', 1))}")
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
            sql += f" EXECUTE FUNCTION {qident(*fq.split('.', 1))}({arg_sql})"
            enabled = _bool(c.child(spec, "enabled"), spec.get("enabled", True), "enabled")
            out[name] = Trigger(name, sql, fq, enabled, tuple(sorted(refs)), self.comment(c, spec),
                                c.source())
        return out

    # -- views -----------------------------------------------------------------------------
    def load_views(self, ctx: _Ctx, node: Any) -> None:
        for name, spec, c in _items(ctx, node, "views"):
            q = self.qname(c, name)
            self.claim(c, q, "view")
            if isinstance(spec, str):
                spec = {"query": spec}
            _keys(c, spec, self.VIEW_KEYS, f"view {name}")
            qc = c.child(spec, "query")
            query = _str(qc, spec.get("query"), "query").strip().rstrip(";")
            try:
                trees = sqlglot.parse(query, read="postgres")
            except sqlglot.errors.SqlglotError as e:
                raise qc.error(f"the query of view {name} does not parse: {str(e).splitlines()[0]}") from None
            if len(trees) != 1 or not isinstance(trees[0], (exp.Query,)):
                raise qc.error(f"the query of view {name} must be one SELECT")
            materialized = _bool(c.child(spec, "materialized"), spec.get("materialized", False),
                                 "materialized")
            indexes: dict[str, Index] = {}
            cols = {col.alias_or_name: Column(col.alias_or_name, "text")
                    for col in trees[0].selects if col.alias_or_name}
            if "*" in cols:
                cols = {}
            if spec.get("indexes"):
                if not materialized:
                    raise c.child(spec, "indexes").error("only a materialized view has indexes")
                indexes = self.load_indexes(c.child(spec, "indexes"), spec["indexes"], q, cols)
            triggers: dict[str, Trigger] = {}
            if spec.get("triggers"):
                tc = c.child(spec, "triggers")
                if materialized:
                    raise tc.error("a materialized view has no triggers")
                triggers = self.load_triggers(tc, spec["triggers"], q, cols, view=True)
            reads = sorted({qualify(t.db or "public", t.name) for t in trees[0].find_all(exp.Table)
                            if t.name})
            schema, _, short = q.partition(".")
            options: list[str] = []  # in the order written: PostgreSQL keeps (and prints) it
            for key in spec:
                if key == "with":
                    options += storage_options(c, spec)
                elif key == "check_option":
                    check = str(spec["check_option"]).lower()
                    if check not in ("local", "cascaded"):
                        raise c.child(spec, "check_option").error("check_option is local or cascaded")
                    options.append(f"check_option={check}")
                elif key in ("security_barrier", "security_invoker"):
                    options.append(f"{key}={str(_bool(c.child(spec, key), spec[key], key)).lower()}")
                else:
                    continue
                if materialized and key != "with":
                    raise c.child(spec, key).error(f"{key} is for views, not materialized views")
            self.views[q] = View(schema, short, query, materialized, depends_on=tuple(reads),
                                 indexes=indexes, triggers=triggers, comment=self.comment(c, spec),
                                 source=c.source(), options=tuple(options))


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

