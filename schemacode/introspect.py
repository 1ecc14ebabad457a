"""Read a live database's catalog into the model.

Every catalog query lives in ``schemacode/queries/*.sql``; a fixed number of them run whatever
the schema's size. They run with ``search_path = pg_catalog`` so PostgreSQL qualifies every user
object it prints, making the text of two databases comparable.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from collections import defaultdict
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, TypeVar

import psycopg
from psycopg.rows import dict_row, namedtuple_row

from . import cache
from .errors import SchemacodeError
from .sqltext import literal, path_part, qident, qualify
from .model import fingerprint as fingerprint  # (its home is the model: a hash of a catalog)
from .model import (
    SECRET_OPTION, Acl, Aggregate, Cast, Catalog, CompositeType, RangeType, Column, ColumnOptions, Constraint,
    ConstraintKind, Domain, EnumType, Extension, ForeignDataWrapper, ForeignServer, ForeignTable, Function, Index,
    Namespace, Policy, Rule, Sequence, Table, Trigger, Unmanaged, View, serial_sequence,
)

_T = TypeVar("_T")

QUERY_NAMES = (
    "schemas", "extensions", "enums", "domains", "functions", "relations", "columns", "constraints",
    "indexes", "triggers", "view_dependencies", "sequences", "unmanaged", "policies", "privileges", "types", "aggregates", "default_privileges",
    "global_default_privileges", "casts", "rules", "foreign_data_wrappers", "foreign_servers", "foreign_tables",
)
HISTORY_SCHEMA = "schemacode"

_CONSTRAINT_KINDS: dict[str, ConstraintKind] = {
    "p": "primary_key", "u": "unique", "f": "foreign_key", "c": "check", "x": "exclude",
}
_SERIAL = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    return resources.files("schemacode.queries").joinpath(f"{name}.sql").read_text()


def run_queries(conn: psycopg.Connection[Any], schemas: list[str]) -> dict[str, list[Any]]:
    """Run every catalog query in one snapshot; the raw rows, by query name."""
    with _snapshot(conn) as cur:
        return _run(cur, schemas)


@contextmanager
def _snapshot(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Any]]:
    """A cursor in one snapshot of the catalog (REPEATABLE READ, when the connection is not in a
    transaction already), printing names qualified."""
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction():
        # Named tuples: a tenth of the memory of dicts on a catalog of thousands of tables.
        with conn.cursor(row_factory=namedtuple_row) as cur:
            if idle:  # one snapshot for all the queries
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # Names printed qualified; and no JIT: a catalog query is over in milliseconds, and
            # compiling it (on by default where PostgreSQL is built with LLVM, as Debian's is)
            # took longer than running it
            cur.execute("SELECT set_config('search_path', 'pg_catalog', true) AS path, "
                        "set_config('jit', 'off', true) AS jit")
            yield cur


def _run(cur: psycopg.Cursor[Any], schemas: list[str]) -> dict[str, list[Any]]:
    params = {"schemas": schemas, "secret": SECRET_OPTION.pattern}  # (secret: foreign_*.sql)
    out: dict[str, list[Any]] = {}
    for name in QUERY_NAMES:
        cur.execute(query_text(name), params)
        out[name] = cur.fetchall()
    return out


PULL_QUERY_NAMES = ("index_parts", "function_parts", "trigger_parts", "check_parts")


def user_schemas(conn: psycopg.Connection[Any]) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(query_text("user_schemas"))
        return [r[0] for r in cur.fetchall()]


def pull_details(conn: psycopg.Connection[Any], schemas: list[str]) -> dict[str, list[dict[str, Any]]]:
    """What pull needs beyond the catalog: objects taken apart, and what it cannot declare."""
    out: dict[str, list[dict[str, Any]]] = {}
    with conn.transaction():
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SET LOCAL search_path = pg_catalog")
            for name in PULL_QUERY_NAMES:
                cur.execute(query_text(name), {"schemas": schemas})
                out[name] = cur.fetchall()
    return out


@dataclasses.dataclass(frozen=True)
class Kept:
    """Where a live catalog read is kept (a cache folder), and the stamp it is kept under."""

    folder: Path
    target: str  # the database and scope (see `kept`)
    stamp: str

    @property
    def path(self) -> Path:
        return self.folder / f"live-{self.target}-{self.stamp}.pickle"


def kept(conn: psycopg.Connection[Any], schemas: list[str], folder: Path) -> Kept | None:
    """The stamp of the catalog ``conn`` reads now (see `stamp`), and where its reading of
    ``schemas`` is kept in ``folder``; None where no catalog is kept (SCHEMACODE_LIVE_CACHE=off,
    or a connection inside a transaction of its own)."""
    if os.environ.get("SCHEMACODE_LIVE_CACHE", "on") == "off" or \
            conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return None
    scope = sorted(set(schemas) - {HISTORY_SCHEMA})
    info = conn.info
    target = cache.key("live", info.host, str(info.port), info.dbname, info.user, *scope)[:16]
    with _snapshot(conn) as cur:
        return Kept(folder, target, stamp(cur))


def introspect(conn: psycopg.Connection[Any], schemas: list[str], remember: Kept | None = None) -> Catalog:
    """The catalog of the given schemas (extension members and schemacode's own are left out).

    ``remember`` (from `kept`, for plans; apply reads afresh): the catalog read is kept under the
    stamp taken then, and read back instead of running the queries while the stamp is the same.
    The stamp may be a moment older than the queries' snapshot: a catalog changed in between is
    then kept under a stamp the database never shows again (row versions are never made twice),
    which is a miss, never a wrong answer. SCHEMACODE_LIVE_CACHE=verify runs the queries anyway
    and fails if the catalog kept differs (the test suite runs so)."""
    scope = sorted(set(schemas) - {HISTORY_SCHEMA})
    if remember is None:
        return build_catalog(run_queries(conn, scope))
    held = cache.read(remember.path, Catalog)
    if held is not None and os.environ.get("SCHEMACODE_LIVE_CACHE") != "verify":
        return held
    catalog = build_catalog(run_queries(conn, scope))
    if held is not None:
        if held != catalog or fingerprint(held) != fingerprint(catalog):
            raise SchemacodeError(
                f"the catalog kept in {remember.path} differs from the one read under the same stamp "
                "(SCHEMACODE_LIVE_CACHE=verify): a change the stamp does not see",
                hint="report it; SCHEMACODE_LIVE_CACHE=off reads the catalog every time")
        return held
    fingerprint(catalog)  # every object's key computed now, and kept with it
    # (on the reading thread: a plan builds the desired catalog meanwhile); one per database and scope
    cache.replace(remember.path, catalog, list(remember.folder.glob(f"live-{remember.target}-*.pickle")))
    return catalog


def stamp(cur: psycopg.Cursor[Any]) -> str:
    """A digest of everything the catalog queries' answer depends on, read in the caller's
    snapshot: every catalog's rows as versions (queries/catalog_tables.sql), the server, the role
    and the settings output is printed by (queries/catalog_stamp.sql). Equal stamps, equal
    catalogs: a DDL statement, committed, writes new row versions; an aborted one leaves what the
    snapshot sees as it was. Costs a scan of each catalog, about a fifth of reading it."""
    cur.execute(query_text("catalog_tables"), {})
    tables = cur.fetchall()
    cur.execute("SELECT ARRAY[" + ", ".join(t.digest for t in tables) + "]")
    digests = cur.fetchone()
    cur.execute(query_text("catalog_stamp"), {})
    text = repr(([t.name for t in tables], digests, cur.fetchone()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def build_catalog(rows: dict[str, list[Any]]) -> Catalog:
    schemas = {r.name: Namespace(r.name, r.comment) for r in rows["schemas"]}
    extensions = {
        r.name: Extension(r.name, r.schema, r.version) for r in rows["extensions"]
    }
    enums = {}
    for r in rows["enums"]:
        e = EnumType(r.schema, r.name, tuple(r.labels), r.comment)
        enums[e.qname] = e
    domains = {}
    for r in rows["domains"]:
        d = Domain(r.schema, r.name, r.type, r.default, r.not_null,
                   dict(sorted(r.checks.items())), r.comment)
        domains[d.qname] = d
    # What schema.yaml cannot declare is left out of the model: the differ never touches it.
    unmanaged = {}
    for r in rows["unmanaged"]:
        u = Unmanaged(r.kind, _joined(r.path) + r.suffix, r.what,
                      tuple(f"{kind} {qualify(schema, name) if schema is not None else name}{rest}"
                            for kind, schema, name, rest in r.pins))
        unmanaged[str(u)] = u
    hidden_relations = {r.hide_relation for r in rows["unmanaged"] if r.hide_relation}
    hidden_functions = {r.hide_function for r in rows["unmanaged"] if r.hide_function}
    hidden_columns = {(r.objid, r.hide_column) for r in rows["unmanaged"] if r.hide_column}
    functions = {}
    for r in rows["functions"]:
        if r.oid in hidden_functions:
            continue
        f = Function(r.schema, r.name, r.arguments, r.returns,
                     r.definition.strip(), r.comment, reads_relations=r.reads_relations)
        functions[f.key] = f

    relations = {r.oid: r for r in rows["relations"] if r.oid not in hidden_relations}
    # (the objects of the kinds most numerous are made with their grants; with_acl gives the rest theirs)
    acls = {(r.kind, _joined(r.key)): Acl(tuple(r.grants), r.owner) for r in rows["privileges"]}
    seq_options = {r.relid: r for r in rows["sequences"]}
    sequences: dict[str, Sequence] = {}
    for oid, r in relations.items():
        if r.kind == "S" and oid in seq_options:
            o = seq_options[oid]
            owner = (_joined(o.owner_table), o.owner_column) if o.owner_table else None
            q = qualify(r.schema, r.name)
            sequences[q] = Sequence(r.schema, r.name, o.type, o.start, o.increment, o.min_value, o.max_value,
                                    o.cache, o.cycle, r.comment, owned_by=owner, acl=acls.get(("sequence", q)))
    quoted_sequences = {qident(s.schema, s.name): q for q, s in sequences.items()}  # as columns name them
    foreign = {r.oid: r for r in rows["foreign_tables"]}
    columns: dict[int, dict[str, Column]] = defaultdict(dict)
    column_options: dict[int, dict[str, tuple[str, ...]]] = defaultdict(dict)
    inherited_cols: dict[int, dict[str, Column]] = defaultdict(dict)
    as_read: dict[int, dict[str, tuple[Any, ...]]] = defaultdict(dict)  # what a partition compares
    partitioned = {oid for oid, r in relations.items() if r.partition_of or r.partition_by}
    for r in rows["columns"]:
        rel = relations.get(r.relid) or foreign.get(r.relid)
        if rel is None or (hidden_columns and (r.relid, r.num) in hidden_columns):
            continue
        if r.fdw_options:
            column_options[r.relid][r.name] = tuple(r.fdw_options)
        if r.relid in partitioned:
            as_read[r.relid][r.name] = (r.not_null, r.not_null_name, r.default)
        if not r.local and rel.inherits:
            inherited_cols[r.relid][r.name] = _column(r, rel, sequences, quoted_sequences, acls)
            continue  # a parent's column: the parent declares it
        columns[r.relid][r.name] = _column(r, rel, sequences, quoted_sequences, acls)
    constraints: dict[int, dict[str, Constraint]] = defaultdict(dict)
    inherited_constraints: dict[int, dict[str, Constraint]] = defaultdict(dict)
    for r in rows["constraints"]:
        (inherited_constraints if r.inherited else constraints)[r.relid][r.name] = Constraint(
            name=r.name, kind=_CONSTRAINT_KINDS[r.kind], definition=r.definition,
            columns=tuple(r.columns), ref_table=_joined(r.ref_table) if r.ref_table else None,
            ref_columns=tuple(r.ref_columns), comment=r.comment,
        )
    indexes: dict[int, dict[str, Index]] = defaultdict(dict)
    inherited_indexes: dict[int, dict[str, Index]] = defaultdict(dict)
    attached: dict[int, list[tuple[tuple[str, str], str]]] = defaultdict(list)
    for r in rows["constraints"]:
        if r.parent_constraint and r.kind in ("p", "u", "x"):
            attached[r.relid].append((("constraint", r.parent_constraint), r.name))
        elif r.parent_index:
            attached[r.relid].append((("index", r.parent_index), r.name))
    for r in rows["indexes"]:
        if r.parent_index:
            attached[r.relid].append((("index", r.parent_index), r.name))
    for r in rows["indexes"]:
        (inherited_indexes if r.inherited else indexes)[r.relid][r.name] = Index(
            r.name, r.definition, tuple(sorted(r.columns)), r.comment,
        )
    triggers: dict[int, dict[str, Trigger]] = defaultdict(dict)
    for r in rows["triggers"]:
        triggers[r.relid][r.name] = Trigger(
            r.name, r.definition, _joined(r.function), r.enabled,
            tuple(sorted(r.columns)), r.comment,
        )
    policies: dict[int, dict[str, Policy]] = defaultdict(dict)
    for r in rows["policies"]:
        policies[r.relid][r.name] = Policy(
            r.name, r.command, r.permissive, tuple(r.roles), r.using, r.with_check,
            tuple(sorted(r.columns)), r.comment, reads=tuple(sorted(_joined(x) for x in r.reads)),
        )
    rules: dict[int, dict[str, Rule]] = defaultdict(dict)
    for r in rows["rules"]:
        rules[r.relid][r.name] = Rule(r.name, r.definition.strip().removesuffix(";"), r.enabled, r.comment,
                                      depends_on=tuple(sorted(_joined(d) for d in r.depends_on)))
    view_deps: dict[int, set[str]] = defaultdict(set)
    for r in rows["view_dependencies"]:
        view_deps[r.view_relid].add(_joined(r.relation))

    tables: dict[str, Table] = {}
    views: dict[str, View] = {}
    oids = {qualify(r.schema, r.name): oid for oid, r in relations.items()}
    for oid, r in relations.items():
        kind = r.kind
        if kind in ("r", "p"):
            # a partition's columns are its parent's
            partition_of = _joined(r.partition_of) if r.partition_of else None
            q = qualify(r.schema, r.name)
            own_columns = columns.get(oid) or {}  # (each relation's dicts are its own: made for it above)
            t = Table(r.schema, r.name, {} if partition_of else own_columns, constraints.get(oid) or {},
                      indexes.get(oid) or {}, triggers.get(oid) or {}, r.comment, options=tuple(r.options),
                      unlogged=r.unlogged, replica_identity=r.replica_identity,
                      row_security=r.row_security, force_row_security=r.force_row_security,
                      partition_by=r.partition_by, partition_of=partition_of, bound=r.bound,
                      inherits=tuple(_joined(p) for p in r.inherits),
                      attached=tuple(sorted(attached[oid])) if partition_of else (),
                      inherited_constraints=inherited_constraints.get(oid) or {},
                      inherited_indexes=inherited_indexes.get(oid) or {},
                      inherited_columns=own_columns if partition_of else inherited_cols.get(oid) or {},
                      partition_columns=_partition_columns(own_columns, as_read[oid],
                                                           as_read.get(oids.get(partition_of or "", -1)))
                      if partition_of else {},
                      policies=policies.get(oid) or {}, rules=rules.get(oid) or {}, acl=acls.get(("table", q)))
            tables[q] = t
        elif kind in ("v", "m"):
            q = qualify(r.schema, r.name)
            cols = columns.get(oid) or {}
            views[q] = View(r.schema, r.name, r.view_query.strip(), kind == "m",
                            tuple(cols), tuple(c.type for c in cols.values()),
                            tuple(sorted(view_deps[oid])), indexes.get(oid) or {}, triggers.get(oid) or {},
                            r.comment, options=tuple(r.options), grants=tuple(r.grants or ()),
                            owner=r.owner, rules=rules.get(oid) or {}, acl=acls.get(("view", q)))
    for u in _unmanaged_column_options(rows["columns"], relations, tables):
        unmanaged[str(u)] = u
    for q, t in tables.items():
        # A foreign key to a table outside what schemacode manages cannot be declared either:
        # unmanaged with what it references.
        dangling = [k for k, c in t.constraints.items() if c.kind == "foreign_key" and c.ref_table not in tables]
        if dangling:
            for k in dangling:
                c = t.constraints[k]
                u = Unmanaged("foreign key", f"{q}: {k}", f"foreign keys to {c.ref_table}",
                              tuple(f"column {q}.{col}" for col in c.columns))
                unmanaged[str(u)] = u
            tables[q] = dataclasses.replace(
                t, constraints={k: c for k, c in t.constraints.items() if k not in dangling})
    defaults = {r.schema: tuple(r.grants) for r in rows["default_privileges"]}
    schemas = {k: dataclasses.replace(ns, default_acl=defaults.get(k, ())) for k, ns in schemas.items()}

    def with_acl(objs: dict[str, _T], kind: str) -> dict[str, _T]:
        return {k: dataclasses.replace(o, acl=acls.get((kind, k))) for k, o in objs.items()}  # type: ignore[type-var]

    composites = {qualify(r.schema, r.name): CompositeType(r.schema, r.name, tuple((a, t) for a, t in r.attributes),
                                                        r.comment)
                  for r in rows["types"] if r.kind == "composite"}
    ranges = {qualify(r.schema, r.name): RangeType(r.schema, r.name, r.subtype, tuple(r.options), r.comment)
              for r in rows["types"] if r.kind == "range"}
    aggregates = {a.key: a for a in (Aggregate(r.schema, r.name, r.arguments or "*", tuple(r.options), r.comment)
                                     for r in rows["aggregates"])}
    casts = {c.key: c for c in (Cast(r.source, r.target, r.method, r.function, r.context, r.comment, r.schema)
                                for r in rows["casts"])}
    servers = {r.name: ForeignServer(r.name, r.wrapper, r.type, r.version, tuple(r.options), r.comment,
                                     secrets=tuple(r.secrets))
               for r in rows["foreign_servers"]}
    wrappers = {r.name: ForeignDataWrapper(r.name, r.handler, r.validator, tuple(r.options), r.comment,
                                           secrets=tuple(r.secrets))
                for r in rows["foreign_data_wrappers"]}
    foreign_tables = {qualify(r.schema, r.name): ForeignTable(
        r.schema, r.name, r.server, dict(columns[oid]), tuple(r.options), dict(column_options[oid]),
        {k: c for k, c in constraints[oid].items() if c.kind == "check"}, dict(triggers[oid]), r.comment)
        for oid, r in foreign.items()}
    return Catalog(with_acl(schemas, "schema"), extensions, with_acl(enums, "type"), with_acl(domains, "type"),
                   with_acl(functions, "function"), sequences, tables, views, unmanaged,
                   with_acl(composites, "type"), with_acl(ranges, "type"),
                   aggregates, tuple(rows["global_default_privileges"][0].grants), casts,
                   with_acl(servers, "foreign server"), with_acl(foreign_tables, "table"), wrappers)


def _unmanaged_column_options(rows: list[Any], relations: dict[int, Any], tables: dict[str, Table]
                              ) -> list[Unmanaged]:
    """Column options schema.yaml cannot declare: a materialized view's columns', and a
    partition's own where they are not its parent's (a partition's columns are its parent's)."""
    out = []
    for r in rows:
        rel = relations.get(r.relid)
        if rel is None or not (r.statistics is not None or r.storage or r.compression or r.attributes):
            continue
        name = f"{qualify(rel.schema, rel.name)}.{path_part(r.name)}"
        if rel.kind == "m":
            out.append(Unmanaged("column options", name, "a materialized view's column options"))
        elif rel.partition_of:
            t, parent = tables.get(qualify(rel.schema, rel.name)), tables.get(_joined(rel.partition_of))
            mine = t.inherited_columns.get(r.name) if t else None
            theirs = parent.every_column().get(r.name) if parent else None
            if mine is not None and theirs is not None and mine.options != theirs.options:
                out.append(Unmanaged("column options", name, "a partition's own column options"))
    return out


def _joined(path: list[str]) -> str:
    """A name the catalog queries read as its parts (schema, name and, for a function, its
    arguments), as the model keys it."""
    if len(path) == 1:
        return path[0]
    key = qualify(path[0], path[1])
    return f"{key}({path[2]})" if len(path) == 3 else key


def _partition_columns(columns: dict[str, Column], mine: dict[str, tuple[Any, ...]],
                       parents: dict[str, tuple[Any, ...]] | None) -> dict[str, Column]:
    """A partition's columns that are not as its parent's (its parent's as read: a serial
    column's default is there too)."""
    if parents is None:
        return {}
    return {n: c for n, c in columns.items() if n in parents and mine[n] != parents[n]}


def _column(r: Any, rel: Any, sequences: dict[str, Sequence], quoted_sequences: dict[str, str],
            acls: dict[tuple[str, str], Acl]) -> Column:
    type_ = r.type
    default = r.default
    generated = None
    own_sequence = _joined(r.identity_sequence) if r.identity and r.identity_sequence else None  # (its grants: the column's)
    if r.generated == "s":
        generated, default = default, None
    elif r.owned_sequence and type_ in _SERIAL and default == f"nextval({literal(r.owned_sequence)}::regclass)":
        # A serial column, when its sequence is exactly what serial makes (name, options,
        # owner, no comment): the sequence and its default come with the type. Any other
        # owned sequence stays a sequence of its own, OWNED BY the column.
        seq = quoted_sequences.get(r.owned_sequence)
        if seq is not None and sequences[seq] == serial_sequence(rel.schema, rel.name, r.name, _SERIAL[type_]):
            del sequences[seq]
            type_, default, own_sequence = _SERIAL[type_], None, seq
    identity = {"a": "always", "d": "by default"}.get(r.identity or "")
    options = None
    if (r.statistics is not None or r.storage or r.compression or r.attributes) and rel.kind in ("r", "p"):
        options = ColumnOptions(r.statistics, _STORAGE.get(r.storage or ""), _COMPRESSION.get(r.compression or ""),
                                tuple(r.attributes or ()), _STORAGE.get(r.type_storage or ""))
    # (its owner is its table's: PostgreSQL keeps them alike)
    sequence_acl = (own_sequence, Acl((acls.get(("sequence", own_sequence)) or Acl(())).grants)) \
        if own_sequence and rel.kind in ("r", "p") else None
    # Every field, in order (a catalog of 1,000 tables makes 12,000 columns: by name, the call
    # took a third longer); `using`, `source` and `written` are schema.yaml's
    return Column(r.name, type_, r.not_null, default, identity,  # type: ignore[arg-type]
                  r.identity_options if identity else None, generated, r.collation, r.comment,
                  None, None, None, r.not_null_name, r.not_null_inherited, options, sequence_acl)


_STORAGE = {"p": "plain", "e": "external", "x": "extended", "m": "main"}
_COMPRESSION = {"p": "pglz", "l": "lz4"}
