"""A SQLite database → schema.yaml: types as PostgreSQL names them (the SQLite type kept under
`sqlite:` where translating back would not give it), keys, checks, foreign keys, indexes; a
trigger and a view keep their SQLite statement (`sqlite: {sql: …}`), a view's query is also
transpiled for PostgreSQL. Then the pulled text is built and planned against the database:
whatever would not come back the same is named."""
from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from .. import __version__
from ..dump.core import Dumper, Flow, FlowList, tidy
from ..errors import SchemacodeError
from .catalog import SCatalog, SColumn, STable, read
from . import q
from .translate import sqlite_type

_SERIAL = "bigserial"


def pg_type(declared: str) -> str:
    """The PostgreSQL type for a SQLite declared type (SQLite's affinity rules, with names)."""
    t = declared.strip().upper()
    m = re.fullmatch(r"(VARCHAR|CHARACTER VARYING|NVARCHAR|CHAR|CHARACTER|NCHAR)\s*\((\d+)\)", t)
    if m:
        return f"{'char' if m.group(1) in ('CHAR', 'CHARACTER', 'NCHAR') else 'varchar'}({m.group(2)})"
    m = re.fullmatch(r"(NUMERIC|DECIMAL)\s*\((\d+)\s*(?:,\s*(\d+))?\)", t)
    if m:
        return f"numeric({m.group(2)}{',' + m.group(3) if m.group(3) else ''})"
    if t in ("BOOLEAN", "BOOL"):
        return "boolean"
    if t in ("NUMERIC", "DECIMAL"):
        return "numeric"
    if "INT" in t:
        return "bigint"
    if any(k in t for k in ("CHAR", "CLOB", "TEXT")) or t == "":
        return "text"
    if "BLOB" in t:
        return "bytea"
    if any(k in t for k in ("REAL", "FLOA", "DOUB")):
        return "double precision"
    if t in ("DATE",):
        return "date"
    if t in ("DATETIME", "TIMESTAMP"):
        return "timestamp"
    return "numeric"


def _pg_expr(sql: str) -> str | None:
    try:
        return sqlglot.transpile(sql, read="sqlite", write="postgres")[0]
    except (sqlglot.errors.ParseError, sqlglot.errors.UnsupportedError, IndexError):
        return None


def _literal(raw: str) -> Any:
    """A default SQLite keeps as a plain literal, as a YAML value; None when it is an expression."""
    s = raw.strip()
    if re.fullmatch(r"'(?:[^']|'')*'", s):
        return s[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    if re.fullmatch(r"-?\d+\.\d+", s):
        return float(s)
    return None


def _column(t: STable, c: SColumn, raw_default: str | None, rowid: bool) -> dict[str, Any]:
    typ = pg_type(c.type)
    spec: dict[str, Any] = {}
    lite: dict[str, Any] = {}
    if c.type == "TEXT" and raw_default is not None and _is_iso_now(raw_default):
        typ, raw_default = "timestamptz", None  # what schemacode makes of timestamptz … now()
        spec["default"] = {"sql": "now()"}
    if rowid and not c.not_null:
        typ = _SERIAL  # INTEGER PRIMARY KEY: the rowid, numbered by SQLite
    spec = {"type": typ, **spec}
    if (sqlite_type(typ) or "") != c.type:
        lite["type"] = c.type
    if c.not_null and typ != _SERIAL:
        spec["null"] = False
    if raw_default is not None and raw_default.upper() != "NULL":
        value = _literal(raw_default)
        if value is not None and typ not in ("boolean",):
            spec["default"] = value
            if isinstance(value, str) and typ.startswith("timestamp"):
                lite["default"] = raw_default
        else:
            expr = _pg_expr(raw_default.strip())
            if expr is not None:
                spec["default"] = {"sql": expr}
            lite["default"] = raw_default.strip()
    if c.collation:
        lite["collate"] = c.collation
    if c.generated is not None:
        expr = _pg_expr(c.generated)
        spec["generated"] = expr or c.generated
        if not c.stored:
            lite["virtual"] = True
    if lite:
        spec["sqlite"] = Flow(lite)
    return spec


def document(conn: sqlite3.Connection, catalog: SCatalog) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for name, t in sorted(catalog.tables.items()):
        raw = {r[1]: r[4] for r in conn.execute(f"PRAGMA table_xinfo({q(name)})")}  # (defaults as written)
        pk = [c.name for c in sorted((c for c in t.columns if c.pk), key=lambda c: c.pk)]
        rowid = len(pk) == 1 and not t.without_rowid and (t.column(pk[0]) or SColumn("", "", False, None, 0)).type == "INTEGER"
        cols = {c.name: Flow(_column(t, c, raw[c.name], rowid and c.name == pk[0])) for c in t.columns}
        spec: dict[str, Any] = {"columns": cols}
        if pk:
            spec["primary_key"] = FlowList(pk)
        if t.uniques:
            spec["unique"] = [FlowList(u) for u in t.uniques]
        named = {n: e for n, e in t.checks if n}
        for _, e in (c for c in t.checks if not c[0]):
            first = re.search(r'"((?:[^"]|"")+)"', e)
            target = first.group(1) if first and first.group(1) in cols else next(iter(cols))
            cols[target]["check"] = _pg_expr(e) or e
        if named:
            spec["checks"] = {n: _pg_expr(e) or e for n, e in named.items()}
        fks: dict[str, Any] = {}
        for i, (frm, ref, to, on_update, on_delete) in enumerate(t.foreign_keys, 1):
            target_pk = [c.name for c in sorted((c for c in catalog.tables[ref].columns if c.pk),
                                                key=lambda c: c.pk)] if ref in catalog.tables else []
            to_cols = list(to) if any(to) else target_pk
            fk: dict[str, Any] = {"columns": FlowList(frm),
                                  "references": Flow({"table": ref, "columns": FlowList(to_cols)})}
            for action, key in ((on_delete, "on_delete"), (on_update, "on_update")):
                if action and action.upper() != "NO ACTION":
                    fk[key] = action.lower()
            fks[f"{name}_fk{i}"] = Flow(fk)
        if fks:
            spec["foreign_keys"] = fks
        lite: dict[str, Any] = {}
        if t.without_rowid:
            lite["without_rowid"] = True
        if t.strict:
            lite["strict"] = True
        if t.autoincrement:
            lite["autoincrement"] = True
        if lite:
            spec["sqlite"] = Flow(lite)
        indexes = {}
        for iname, idx in sorted(catalog.indexes.items()):
            if idx.table == name:
                indexes[iname] = _index(idx.sql)
        if indexes:
            spec["indexes"] = indexes
        triggers = {n: {"sqlite": Flow({"sql": trg.sql})} for n, trg in sorted(catalog.triggers.items())
                    if trg.table == name}
        if triggers:
            spec["triggers"] = triggers
        tables[name] = spec
    doc: dict[str, Any] = {}
    if tables:
        doc["tables"] = tables
    views = {}
    for name, v in sorted(catalog.views.items()):
        m = re.match(r"\s*CREATE\s+(?:TEMP\w*\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:\"(?:[^\"]|\"\")+\"|\S+)"
                     r"(?:\s*\([^)]*\))?\s+AS\s+(.*)$", v.sql, re.I | re.S)
        query = _pg_expr(m.group(1)) if m else None
        views[name] = {"query": query or (m.group(1) if m else v.sql), "sqlite": Flow({"sql": v.sql})}
    if views:
        doc["views"] = views
    return doc


def _index(sql: str) -> dict[str, Any]:
    """An index: its columns and predicate for PostgreSQL, its statement for SQLite."""
    spec: dict[str, Any] = {}
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
        params = tree.find(exp.IndexParameters)
        cols = []
        for col in (params.args.get("columns") or []) if params else []:
            inner = col.this if isinstance(col, exp.Ordered) else col
            text = inner.sql(dialect="postgres")
            if isinstance(inner, exp.Column):
                text = inner.name
            cols.append(text + (" desc" if isinstance(col, exp.Ordered) and col.args.get("desc") else ""))
        spec["columns"] = FlowList(cols)
        if "UNIQUE" in sql.split("INDEX", 1)[0].upper():
            spec["unique"] = True
        where = params.args.get("where") if params else None
        if where is not None:
            spec["where"] = (where.this if isinstance(where, exp.Where) else where).sql(dialect="postgres")
    except (sqlglot.errors.ParseError, AttributeError):
        spec["columns"] = FlowList([])
    spec["sqlite"] = Flow({"sql": sql})
    return spec


def _is_iso_now(raw: str) -> bool:
    from .catalog import _expr
    from .translate import ISO_NOW

    return _expr(raw) == _expr(f"({ISO_NOW})")


def pull(url: str, origin: str, verify: bool = True) -> tuple[str, list[str]]:
    from .api import build, connect, make_plan

    with closing(connect(url)) as conn:
        catalog = read(conn)
        doc = document(conn, catalog)
    body = yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100_000,
                     default_flow_style=False) if doc else ""
    text = (f"# Pulled from {origin} by schemacode {__version__}.\n"
            "# Reference: docs/schema-yaml.md, docs/sqlite.md (schemacode)\n" + ("\n" + tidy(body) if doc else ""))
    warnings: list[str] = []
    if verify:
        from ..load import load_text

        try:
            p = make_plan(catalog, build(load_text(text, "pulled schema.yaml")))
            warnings += [f"not exact: a plan with the pulled schema.yaml against this database would "
                         f"{c.summary()}" for c in p.changes]
        except SchemacodeError as e:
            warnings.append(f"not exact: what pull wrote does not build as it was read: {e.message}")
    return text, warnings


__all__ = ["pull", "pg_type", "document"]
