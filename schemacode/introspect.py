"""Read a live database's catalog into the model.

Every catalog query lives in ``schemacode/queries/*.sql``; a fixed number of them run whatever
the schema's size. They run with ``search_path = pg_catalog`` so PostgreSQL qualifies every user
object it prints, making the text of two databases comparable.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row, namedtuple_row

from .sqltext import literal, qident
from .model import fingerprint as fingerprint  # (its home is the model: a hash of a catalog)
from .model import (
    Acl, Aggregate, Catalog, CompositeType, RangeType, Column, Constraint, ConstraintKind, Domain, EnumType, Extension, Function, Index, Namespace,
    Policy, Sequence, Table, Trigger, Unmanaged, View, serial_sequence,
)

_T = TypeVar("_T")

QUERY_NAMES = (
    "schemas", "extensions", "enums", "domains", "functions", "relations", "columns", "constraints",
    "indexes", "triggers", "view_dependencies", "sequences", "unmanaged", "policies", "privileges", "types", "aggregates", "default_privileges",
    "global_default_privileges",
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
    params = {"schemas": schemas}
    out: dict[str, list[Any]] = {name: [] for name in QUERY_NAMES}
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction():
        # Named tuples: a tenth of the memory of dicts on a catalog of thousands of tables.
        with conn.cursor(row_factory=namedtuple_row) as cur:
            if idle:  # one snapshot for all the queries
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SET LOCAL search_path = pg_catalog")
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


def introspect(conn: psycopg.Connection[Any], schemas: list[str]) -> Catalog:
    """The catalog of the given schemas (extension members and schemacode's own are left out)."""
    scope = sorted(set(schemas) - {HISTORY_SCHEMA})
    return build_catalog(run_queries(conn, scope))


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
    unmanaged = {f"{r.kind} {r.name}": Unmanaged(r.kind, r.name, r.what, tuple(p for p in r.pins if p))
                 for r in rows["unmanaged"]}
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
    seq_options = {r.relid: r for r in rows["sequences"]}
    sequences: dict[str, Sequence] = {}
    for oid, r in relations.items():
        if r.kind == "S" and oid in seq_options:
            o = seq_options[oid]
            owner = (o.owner_table, o.owner_column) if o.owner_table else None
            s = Sequence(r.schema, r.name, o.type, o.start, o.increment,
                         o.min_value, o.max_value, o.cache, o.cycle, r.comment, owned_by=owner)
            sequences[s.qname] = s
    quoted_sequences = {qident(s.schema, s.name): q for q, s in sequences.items()}  # as columns name them
    columns: dict[int, dict[str, Column]] = defaultdict(dict)
    inherited_cols: dict[int, dict[str, Column]] = defaultdict(dict)
    as_read: dict[int, dict[str, tuple[Any, ...]]] = defaultdict(dict)  # what a partition compares
    for r in rows["columns"]:
        rel = relations.get(r.relid)
        if rel is None or (r.relid, r.num) in hidden_columns:
            continue
        as_read[r.relid][r.name] = (r.not_null, r.not_null_name, r.default)
        if not r.local and rel.inherits:
            inherited_cols[r.relid][r.name] = _column(r, rel, sequences, quoted_sequences)
            continue  # a parent's column: the parent declares it
        columns[r.relid][r.name] = _column(r, rel, sequences, quoted_sequences)
    constraints: dict[int, dict[str, Constraint]] = defaultdict(dict)
    inherited_constraints: dict[int, dict[str, Constraint]] = defaultdict(dict)
    for r in rows["constraints"]:
        (inherited_constraints if r.inherited else constraints)[r.relid][r.name] = Constraint(
            name=r.name, kind=_CONSTRAINT_KINDS[r.kind], definition=r.definition,
            columns=tuple(r.columns), ref_table=r.ref_table,
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
            r.name, r.definition, r.function, r.enabled,
            tuple(sorted(r.columns)), r.comment,
        )
    policies: dict[int, dict[str, Policy]] = defaultdict(dict)
    for r in rows["policies"]:
        policies[r.relid][r.name] = Policy(
            r.name, r.command, r.permissive, tuple(r.roles), r.using, r.with_check,
            tuple(sorted(r.columns)), r.comment, reads=tuple(sorted(r.reads)),
        )
    view_deps: dict[int, set[str]] = defaultdict(set)
    for r in rows["view_dependencies"]:
        view_deps[r.view_relid].add(r.relation)

    tables: dict[str, Table] = {}
    views: dict[str, View] = {}
    oids = {f"{r.schema}.{r.name}": oid for oid, r in relations.items()}
    for oid, r in relations.items():
        kind = r.kind
        if kind in ("r", "p"):
            # a partition's columns are its parent's
            t = Table(r.schema, r.name, {} if r.partition_of else dict(columns[oid]), dict(constraints[oid]),
                      dict(indexes[oid]), dict(triggers[oid]), r.comment, options=tuple(r.options),
                      unlogged=r.unlogged, replica_identity=r.replica_identity,
                      row_security=r.row_security, force_row_security=r.force_row_security,
                      partition_by=r.partition_by, partition_of=r.partition_of, bound=r.bound,
                      inherits=tuple(r.inherits),
                      attached=tuple(sorted(attached[oid])) if r.partition_of else (),
                      inherited_constraints=dict(inherited_constraints[oid]),
                      inherited_indexes=dict(inherited_indexes[oid]),
                      inherited_columns=dict(columns[oid]) if r.partition_of else dict(inherited_cols[oid]),
                      partition_columns=_partition_columns(columns[oid], as_read[oid],
                                                           as_read.get(oids.get(r.partition_of or "", -1)))
                      if r.partition_of else {},
                      policies=dict(policies[oid]))
            tables[t.qname] = t
        elif kind in ("v", "m"):
            cols = columns[oid]
            v = View(r.schema, r.name, r.view_query.strip(), kind == "m",
                     tuple(cols), tuple(c.type for c in cols.values()),
                     tuple(sorted(view_deps[oid])), dict(indexes[oid]), dict(triggers[oid]),
                     r.comment, options=tuple(r.options), grants=tuple(r.grants or ()),
                     owner=r.owner)
            views[v.qname] = v
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
    acls = {(r.kind, r.key): Acl(tuple(r.grants), r.owner) for r in rows["privileges"]}
    defaults = {r.schema: tuple(r.grants) for r in rows["default_privileges"]}
    schemas = {k: dataclasses.replace(ns, default_acl=defaults.get(k, ())) for k, ns in schemas.items()}

    def with_acl(objs: dict[str, _T], kind: str) -> dict[str, _T]:
        return {k: dataclasses.replace(o, acl=acls.get((kind, k))) for k, o in objs.items()}  # type: ignore[type-var]

    composites = {f"{r.schema}.{r.name}": CompositeType(r.schema, r.name, tuple((a, t) for a, t in r.attributes),
                                                        r.comment)
                  for r in rows["types"] if r.kind == "composite"}
    ranges = {f"{r.schema}.{r.name}": RangeType(r.schema, r.name, r.subtype, tuple(r.options), r.comment)
              for r in rows["types"] if r.kind == "range"}
    aggregates = {a.key: a for a in (Aggregate(r.schema, r.name, r.arguments or "*", tuple(r.options), r.comment)
                                     for r in rows["aggregates"])}
    return Catalog(with_acl(schemas, "schema"), extensions, with_acl(enums, "type"), with_acl(domains, "type"),
                   with_acl(functions, "function"), with_acl(sequences, "sequence"), with_acl(tables, "table"),
                   with_acl(views, "view"), unmanaged, with_acl(composites, "type"), with_acl(ranges, "type"),
                   aggregates, tuple(rows["global_default_privileges"][0].grants))


def _partition_columns(columns: dict[str, Column], mine: dict[str, tuple[Any, ...]],
                       parents: dict[str, tuple[Any, ...]] | None) -> dict[str, Column]:
    """A partition's columns that are not as its parent's (its parent's as read: a serial
    column's default is there too)."""
    if parents is None:
        return {}
    return {n: c for n, c in columns.items() if n in parents and mine[n] != parents[n]}


def _column(r: Any, rel: Any, sequences: dict[str, Sequence], quoted_sequences: dict[str, str]) -> Column:
    type_ = r.type
    default = r.default
    generated = None
    if r.generated == "s":
        generated, default = default, None
    elif r.owned_sequence and type_ in _SERIAL and default == f"nextval({literal(r.owned_sequence)}::regclass)":
        # A serial column, when its sequence is exactly what serial makes (name, options,
        # owner, no comment): the sequence and its default come with the type. Any other
        # owned sequence stays a sequence of its own, OWNED BY the column.
        seq = quoted_sequences.get(r.owned_sequence)
        if seq is not None and sequences[seq] == serial_sequence(rel.schema, rel.name, r.name, _SERIAL[type_]):
            del sequences[seq]
            type_, default = _SERIAL[type_], None
    identity = {"a": "always", "d": "by default"}.get(r.identity or "")
    return Column(
        name=r.name, type=type_, not_null=r.not_null, default=default, not_null_name=r.not_null_name,
        not_null_inherited=r.not_null_inherited,
        identity=identity,  # type: ignore[arg-type]
        identity_options=r.identity_options if identity else None,
        generated=generated, collation=r.collation, comment=r.comment,
    )
