"""plan, apply, history and rollback on a SQLite file, with a PostgreSQL apply's safety:
BEGIN IMMEDIATE (one writer: a second apply waits up to the busy timeout, then says why)
instead of the advisory lock, the plan made again under it, the reviewed plan's fingerprint,
the refusal of data loss, foreign keys checked before commit, a row in schemacode_history.
SQLite's journal makes the transaction all or nothing, kill -9 included."""
from __future__ import annotations

import json
import re
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

from .. import __version__
from ..apply import (
    ApplyResult, HistoryEntry, Progress, StalePlanError, _script_record, _statement_from_json, _statement_json,
    _who, check_allowed,
)
from ..changes.base import Change
from ..model import Renames
from ..errors import DatabaseError, SchemacodeError, SchemaError
from ..loaded import LoadedSchema
from ..plan import Plan, PlannedStatement, order, script
from . import path_of
from .catalog import HISTORY, SCatalog, read, read_table
from .diff import diff
from .translate import Object, translate

HISTORY_DDL = f"""CREATE TABLE IF NOT EXISTS {HISTORY} (
    id INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    schema_hash TEXT,
    from_fingerprint TEXT NOT NULL,
    to_fingerprint TEXT NOT NULL,
    forward_sql TEXT NOT NULL,
    backward_sql TEXT NOT NULL,
    statements INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    applied_by TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    backward_statements TEXT NOT NULL DEFAULT '[]',
    rolled_back_by INTEGER
)"""


@dataclass(frozen=True)
class Desired:
    catalog: SCatalog
    tables: dict[str, str]  # CREATE TABLE of each table, as translated
    objects: list[Object]
    enum_columns: dict[tuple[str, str], str]  # (table, column) → its enum (TEXT with a CHECK here)


def connect(url: str, busy_timeout: float = 30.0) -> sqlite3.Connection:
    path = path_of(url)
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()  # not a database: says so now
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"cannot open SQLite database {path}: {e}") from None
    return conn


def build(loaded: LoadedSchema) -> Desired:
    """schema.yaml built in an in-memory SQLite and read back: the desired catalog. An object
    SQLite refuses, or an expression calling a function SQLite lacks, is an error at its line."""
    objects = translate(loaded)
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
        for o in objects:
            try:
                conn.execute(o.sql)
            except sqlite3.Error as e:
                raise _located(o, f"{o.kind} {o.name}: SQLite refuses it: {e}") from None
            if o.kind == "table":
                _check_expressions(conn, o)
        catalog = read(conn)
    enums = set(loaded.catalog.enums)
    enum_columns = {(t.name, c.name): c.type if "." in c.type else f"public.{c.type}"
                    for t in loaded.catalog.tables.values() for c in t.columns.values()
                    if (c.type if "." in c.type else f"public.{c.type}") in enums}
    return Desired(catalog, {o.name: o.sql for o in objects if o.kind == "table"}, objects, enum_columns)


def _located(o: Object, message: str) -> SchemaError:
    src = o.source
    return SchemaError(f"SQLite: {message}\n  statement: {o.sql.splitlines()[0]}…",
                       file=src.file if src else None, line=src.line if src else None,
                       path=src.path if src else None,
                       hint="write it for SQLite under the object: sqlite: {…} (docs/sqlite.md), or `sqlite: skip`")


def _check_expressions(conn: sqlite3.Connection, o: Object) -> None:
    """Defaults, checks and generated columns are compiled only when rows come: compiled here,
    an error pointing at the column or check it is in."""
    t = read_table(conn, o.name)
    table = '"' + o.name.replace('"', '""') + '"'
    parts = dict(o.parts)
    exprs = [(c.name, c.default) for c in t.columns
             if c.default and not re.fullmatch(r"'(?:[^']|'')*'|-?[\d.]+|NULL", c.default)]
    exprs += [(n, e) for n, e in t.checks] + [(c.name, c.generated) for c in t.columns if c.generated]
    for name, e in exprs:
        try:
            conn.execute(f"EXPLAIN SELECT {e} FROM {table}")
        except sqlite3.Error as err:
            src = parts.get(name) or o.source
            raise _located(Object(o.kind, o.name, o.table, o.sql, src),
                           f"table {o.name}{f', {name}' if name else ''}: {e}: {err}") from None


def _statements(changes: list[Change]) -> list[PlannedStatement]:
    return [PlannedStatement(s.sql, s.hazards, "main", c.summary(), c.source)
            for c in changes for s in c.statements()]


def make_plan(current: SCatalog, desired: Desired, schema_hash: str | None = None,
              renames: Renames | None = None) -> Plan:
    renames = renames or Renames()
    forward = order(diff(current, desired.catalog, desired.tables, renames, desired.enum_columns))
    backward = order(diff(desired.catalog, current, {k: t.sql for k, t in current.tables.items()},
                          renames.inverted(), desired.enum_columns))
    return Plan(tuple(forward), tuple(_statements(forward)), tuple(backward), tuple(_statements(backward)),
                current.fingerprint(), desired.catalog.fingerprint(), schema_hash)


def plan(loaded: LoadedSchema, url: str) -> Plan:
    desired = build(loaded)
    with closing(connect(url)) as conn:
        return make_plan(read(conn), desired, loaded.text_hash, loaded.renames)


def apply(loaded: LoadedSchema, url: str, *, allow_destructive: bool = False,
          expected_fingerprint: str | None = None, busy_timeout: float = 30.0,
          progress: Progress | None = None) -> ApplyResult:
    desired = build(loaded)
    with _writing(url, busy_timeout) as conn:
        started = time.monotonic()
        current = read(conn)  # under the write lock: the plan made again
        p = make_plan(current, desired, loaded.text_hash, loaded.renames)
        if expected_fingerprint is not None and p.current_fingerprint != expected_fingerprint:
            raise StalePlanError("the database changed since the plan was made; nothing was applied",
                                 hint="plan again")
        if p.is_empty:
            return ApplyResult(p, False, None, 0)
        check_allowed(p, allow_destructive)
        _execute(conn, p.forward, progress)
        _foreign_key_check(conn)
        after = read(conn).fingerprint()
        history_id = _record(conn, "apply", p.schema_hash, p.current_fingerprint, after,
                             p.forward, p.backward, int((time.monotonic() - started) * 1000))
        conn.execute("COMMIT")
        return ApplyResult(p, True, history_id, int((time.monotonic() - started) * 1000))


@contextmanager
def _writing(url: str, busy_timeout: float) -> Iterator[sqlite3.Connection]:
    """A connection holding SQLite's write lock (BEGIN IMMEDIATE, waiting up to the busy timeout),
    foreign keys off (set before the transaction: the rebuild's first step); whatever was not
    committed is rolled back."""
    with closing(connect(url, busy_timeout)) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise DatabaseError(f"another writer holds the SQLite database ({e}) after {busy_timeout:g}s; "
                                "nothing was applied", hint="wait for it to finish, or raise --lock-wait") from None
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")


def _execute(conn: sqlite3.Connection, stmts: tuple[PlannedStatement, ...] | list[PlannedStatement],
             progress: Progress | None) -> None:
    for i, s in enumerate(stmts, 1):
        if progress:
            progress(i, len(stmts), s)
        try:
            conn.execute(s.sql)
        except sqlite3.Error as e:
            raise DatabaseError(f"statement {i} of {len(stmts)} failed: {e}\n  statement: {s.sql}\n"
                                "The transaction was rolled back: the database is exactly as it was.") from None


def _foreign_key_check(conn: sqlite3.Connection) -> None:
    """Rows whose foreign keys a rebuild or a new table broke: the transaction does not commit."""
    bad = conn.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        first = bad[0]
        raise DatabaseError(f"the change leaves {len(bad)} row(s) whose foreign key points nowhere "
                            f"(first: table {first[0]}, rowid {first[1]}, referencing {first[2]}); "
                            "the transaction was rolled back: the database is exactly as it was")


def _record(conn: sqlite3.Connection, kind: str, schema_hash: str | None, before: str, after: str,
            forward: tuple[PlannedStatement, ...] | list[PlannedStatement],
            backward: tuple[PlannedStatement, ...] | list[PlannedStatement], duration: int) -> int:
    conn.execute(HISTORY_DDL)
    cur = conn.execute(
        f"INSERT INTO {HISTORY} (applied_at, kind, schema_hash, from_fingerprint, to_fingerprint, forward_sql,"
        " backward_sql, statements, duration_ms, applied_by, tool_version, backward_statements)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (datetime.now(timezone.utc).isoformat(), kind, schema_hash, before, after, script(forward),
         script(backward), len(forward), duration, _who(), __version__,
         json.dumps([_statement_json(s) for s in backward])))
    return int(cur.lastrowid or 0)


def history(url: str, limit: int | None = None) -> list[HistoryEntry]:
    with closing(connect(url)) as conn:
        return _history(conn, limit)


def _history(conn: sqlite3.Connection, limit: int | None = None) -> list[HistoryEntry]:
    if not conn.execute("SELECT 1 FROM sqlite_schema WHERE name = ?", (HISTORY,)).fetchone():
        return []
    sql = (f"SELECT id, applied_at, kind, schema_hash, from_fingerprint, to_fingerprint, forward_sql,"
           f" backward_sql, statements, duration_ms, applied_by, tool_version, backward_statements,"
           f" rolled_back_by FROM {HISTORY} ORDER BY id DESC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for r in conn.execute(sql).fetchall():
        row: list[Any] = list(r)
        row[1] = datetime.fromisoformat(row[1])
        row[12] = json.loads(row[12])
        out.append(HistoryEntry(*row))
    return out


def rollback(url: str, target: int | None, *, allow_destructive: bool = False, busy_timeout: float = 30.0,
             progress: Progress | None = None) -> tuple[HistoryEntry, int]:
    """Undo one recorded apply with its backward SQL, if the file is as that apply left it."""
    with _writing(url, busy_timeout) as conn:
        entries = [e for e in _history(conn) if e.kind == "apply"]
        pick = ([e for e in entries if e.id == target] if target is not None
                else [e for e in entries if e.rolled_back_by is None])
        if not pick:
            raise SchemacodeError(f"no apply with id {target} in {HISTORY}" if target is not None else
                                  f"nothing to roll back: no apply in {HISTORY} that was not rolled back already")
        entry = pick[0]
        if entry.rolled_back_by is not None:
            raise SchemacodeError(f"apply {entry.id} was rolled back already (by {entry.rolled_back_by})")
        now = read(conn).fingerprint()
        if now != entry.to_fingerprint:
            raise StalePlanError(f"the database is not in the state apply {entry.id} left it in; "
                                 "nothing was rolled back", hint="roll back what came after it first")
        stmts = [_statement_from_json(d) for d in entry.backward_statements]
        check_allowed(stmts, allow_destructive)
        started = time.monotonic()
        _execute(conn, stmts, progress)
        _foreign_key_check(conn)
        new_id = _record(conn, "rollback", None, now, read(conn).fingerprint(), stmts,
                         _script_record(entry.forward_sql), int((time.monotonic() - started) * 1000))
        conn.execute(f"UPDATE {HISTORY} SET rolled_back_by = ? WHERE id = ?", (new_id, entry.id))
        conn.execute("COMMIT")
        return entry, new_id


__all__ = ["plan", "apply", "history", "rollback", "build", "connect", "make_plan", "Desired"]
