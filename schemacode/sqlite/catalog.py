"""Every SQLite catalog read in one place: sqlite_schema, pragma table_xinfo, index_list,
index_xinfo, foreign_key_list, table_list. A table is compared by what it is (its columns,
keys, checks, foreign keys, options), not by how its CREATE TABLE was spelled; an index, a
trigger and a view by their statement, normalized (case of keywords, quoting, spacing)."""
from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot import TokenType

from . import q

HISTORY = "schemacode_history"


@dataclass(frozen=True)
class SColumn:
    name: str
    type: str  # as declared, upper case, spacing normalized
    not_null: bool
    default: str | None  # normalized
    pk: int  # position in the primary key, 0: not in it
    generated: str | None = None  # normalized expression
    stored: bool = False
    collation: str | None = None


@dataclass(frozen=True)
class STable:
    name: str
    columns: tuple[SColumn, ...]
    checks: tuple[tuple[str, str], ...] = ()  # (name or "", normalized expression), sorted
    uniques: tuple[tuple[str, ...], ...] = ()  # column lists of UNIQUE constraints, sorted
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...], str, str], ...] = ()
    without_rowid: bool = False
    strict: bool = False
    autoincrement: bool = False
    sql: str = field(default="", compare=False)  # as stored: what the backward plan runs

    def column(self, name: str) -> SColumn | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class SObject:
    """An index, trigger or view: compared by its normalized statement."""

    name: str
    table: str
    canonical: str
    sql: str = field(default="", compare=False)


@dataclass(frozen=True)
class SCatalog:
    tables: dict[str, STable] = field(default_factory=dict)
    indexes: dict[str, SObject] = field(default_factory=dict)
    triggers: dict[str, SObject] = field(default_factory=dict)
    views: dict[str, SObject] = field(default_factory=dict)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for part in (self.tables, self.indexes, self.triggers, self.views):
            for k in sorted(part):
                h.update(repr((k, part[k])).encode())
        return h.hexdigest()[:16]


def read(conn: sqlite3.Connection) -> SCatalog:
    """The catalog of a SQLite database (its main schema), the history table left out."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema "
                        "WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> ? ORDER BY type, name",
                        (HISTORY,)).fetchall()
    # (strict, without rowid): table_list's columns are schema, name, type, ncol, wr, strict
    options = {r[1]: (bool(r[5]), bool(r[4])) for r in conn.execute("PRAGMA table_list") if r[0] == "main"}
    out = SCatalog()
    for kind, name, table, sql in rows:
        if kind == "table":
            out.tables[name] = _table(conn, name, sql or "", options.get(name, (False, False)))
        elif kind == "index" and sql:
            out.indexes[name] = SObject(name, table, normalize(sql), sql)
        elif kind == "trigger":
            out.triggers[name] = SObject(name, table, normalize(sql or ""), sql or "")
        elif kind == "view":
            out.views[name] = SObject(name, name, normalize(sql or ""), sql or "")
    return out


def read_table(conn: sqlite3.Connection, name: str) -> STable:
    """One table, as read() reads it."""
    row = conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (name,)).fetchone()
    opts = next(((bool(r[5]), bool(r[4])) for r in conn.execute("PRAGMA table_list")
                 if r[0] == "main" and r[1] == name), (False, False))
    return _table(conn, name, row[0] if row else "", opts)


def _table(conn: sqlite3.Connection, name: str, sql: str, opts: tuple[bool, bool]) -> STable:
    parsed = _parse_table(sql)
    cols = []
    for cid, cname, ctype, notnull, dflt, pk, hidden in conn.execute(f"PRAGMA table_xinfo({q(name)})"):
        gen, stored, coll = parsed["columns"].get(cname, (None, False, None))
        cols.append(SColumn(cname, " ".join(str(ctype).upper().split()).replace("( ", "(").replace(" )", ")"),
                            bool(notnull), _expr(dflt) if dflt is not None else None, pk,
                            gen if hidden in (2, 3) else None, hidden == 3, coll))
    uniques = []
    for seq, iname, unique, origin, partial in conn.execute(f"PRAGMA index_list({q(name)})"):
        if origin == "u":
            uniques.append(tuple(r[2] for r in conn.execute(f"PRAGMA index_info({q(iname)})")))
    fks: dict[int, list[tuple[str, str, str, str, str]]] = {}
    for fid, seq, ref, frm, to, on_update, on_delete, match in conn.execute(
            f"PRAGMA foreign_key_list({q(name)})"):
        fks.setdefault(fid, []).append((frm, ref, to or "", on_update, on_delete))
    foreign = tuple(sorted((tuple(r[0] for r in v), v[0][1], tuple(r[2] for r in v), v[0][3], v[0][4])
                           for v in fks.values()))
    return STable(name, tuple(cols), tuple(sorted(parsed["checks"])), tuple(sorted(uniques)), foreign,
                  without_rowid=opts[1], strict=opts[0],
                  autoincrement=bool(re.search(r"\bAUTOINCREMENT\b", sql, re.I)), sql=sql)


_OPTIONS = re.compile(r"\)\s*((?:WITHOUT\s+ROWID|STRICT)(?:\s*,\s*(?:WITHOUT\s+ROWID|STRICT))*)\s*$", re.I)


@lru_cache(maxsize=4096)
def _parse_table(sql: str) -> dict[str, Any]:
    """What the pragmas do not say: checks (named or not), generated columns, collations."""
    body = _OPTIONS.sub(")", sql.strip())
    out: dict[str, Any] = {"checks": [], "columns": {}}
    try:
        tree = sqlglot.parse_one(body, read="sqlite")
    except sqlglot.errors.ParseError:
        try:  # (a spelling sqlglot does not take: PRIMARY KEY (id AUTOINCREMENT))
            tree = sqlglot.parse_one(re.sub(r"\bAUTOINCREMENT\b", "", body, flags=re.I), read="sqlite")
        except sqlglot.errors.ParseError:
            return out
    schema = tree.this if isinstance(tree, exp.Create) else None
    if not isinstance(schema, exp.Schema):
        return out
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            gen, stored, coll = None, False, None
            for c in item.args.get("constraints") or []:
                kind = c.args.get("kind")
                if isinstance(kind, exp.CheckColumnConstraint):
                    out["checks"].append(("", _norm_tree(kind.this)))
                elif isinstance(kind, exp.ComputedColumnConstraint):
                    gen, stored = _norm_tree(kind.this), bool(kind.args.get("persisted"))
                elif isinstance(kind, exp.CollateColumnConstraint):
                    coll = kind.this.name.upper() if hasattr(kind.this, "name") else str(kind.this).upper()
            out["columns"][item.name] = (gen, stored, coll)
        elif isinstance(item, exp.Constraint):
            for c in item.expressions:
                if isinstance(c, exp.CheckColumnConstraint):
                    out["checks"].append((item.name, _norm_tree(c.this)))
        elif isinstance(item, exp.CheckColumnConstraint):
            out["checks"].append(("", _norm_tree(item.this)))
    return out


def _norm_tree(tree: exp.Expr) -> str:
    t = tree.copy()
    while isinstance(t, exp.Paren):
        t = t.this
    for i in t.find_all(exp.Identifier):
        i.set("quoted", True)
    return t.sql(dialect="sqlite")


def _expr(text: str) -> str:
    """A default as SQLite keeps it ('x', (1), (strftime(…))), normalized."""
    try:
        return _norm_tree(sqlglot.parse_one(text, read="sqlite"))
    except sqlglot.errors.ParseError:
        return " ".join(text.split())


def normalize(sql: str) -> str:
    """A statement, token by token: keywords upper case, identifiers quoted, spacing one."""
    try:
        tokens = sqlglot.tokenize(sql, read="sqlite")
    except sqlglot.errors.TokenError:
        return " ".join(sql.split())
    words = []
    for t in tokens:
        if t.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            words.append('"' + t.text.replace('"', '""') + '"')
        elif t.token_type == TokenType.STRING:
            words.append("'" + t.text.replace("'", "''") + "'")
        else:
            words.append(t.text.upper())
    joined = " ".join(words)
    return re.sub(r"^(CREATE (?:UNIQUE )?(?:INDEX|TRIGGER|VIEW)) IF NOT EXISTS ", r"\1 ", joined)


__all__ = ["SCatalog", "STable", "SColumn", "SObject", "read", "read_table", "normalize", "HISTORY"]
