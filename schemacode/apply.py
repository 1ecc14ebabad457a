"""Apply a plan: serialized by an advisory lock, one transaction, recorded in history.

Also the history itself (list, rollback): everything that writes to a target database."""
from __future__ import annotations

import getpass
import json
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable

import psycopg

from . import __version__
from .changes import Hazard
from .errors import DatabaseError, SchemacodeError
from .introspect import HISTORY_SCHEMA, introspect
from .model import Catalog, fingerprint
from .plan import Plan, PlannedStatement, script
from .sqltext import literal

LOCK_KEY = 0x5C4E_A0DE  # pg_advisory_lock key shared by every schemacode apply
HISTORY_TABLE = f"{HISTORY_SCHEMA}.schemacode_history"
HISTORY_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {HISTORY_SCHEMA};
CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
    id bigserial PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL DEFAULT 'apply',
    schema_hash text,
    from_fingerprint text NOT NULL,
    to_fingerprint text NOT NULL,
    forward_sql text NOT NULL,
    backward_sql text NOT NULL,
    statements integer NOT NULL,
    duration_ms integer NOT NULL,
    applied_by text NOT NULL,
    tool_version text NOT NULL,
    backward_statements jsonb NOT NULL DEFAULT '[]',
    rolled_back_by bigint
)
"""
HEARTBEAT_SECONDS = 5.0
# Transient failures worth another try: lock timeout, deadlock, serialization.
_RETRYABLE = ("55P03", "40P01", "40001")


class RefusedError(SchemacodeError):
    """The plan needs a permission the caller did not give (e.g. --allow-destructive)."""


class StalePlanError(SchemacodeError):
    """The database changed between plan and apply."""


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    applied: bool
    history_id: int | None
    duration_ms: int
    attempts: int = 1


Progress = Callable[[int, int, PlannedStatement], None]


@dataclass(frozen=True)
class Settings:
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_wait: float = 300.0  # seconds to wait for another deployer's advisory lock
    retries: int = 5  # tries after a lock timeout, deadlock or serialization failure
    backoff: float = 0.5  # first pause between tries, doubled each time


def check_allowed(plan: Plan | list[PlannedStatement], allow_destructive: bool) -> None:
    stmts = plan.forward if isinstance(plan, Plan) else plan
    losses = [(s, h) for s in stmts for h in s.hazards if h.kind == "data-loss"]
    if losses and not allow_destructive:
        lines = "\n".join(f"  - {s.sql.splitlines()[0]}  ({h.message})" for s, h in losses)
        raise RefusedError(f"the plan destroys data; refusing without --allow-destructive:\n{lines}",
                           hint="review the statements above, then apply with --allow-destructive")


def advisory_lock(conn: psycopg.Connection[Any], wait: float) -> None:
    """Wait up to ``wait`` seconds for the deployers' lock: in the server's queue (lock_timeout
    bounds an advisory lock's wait too), so the next deployer starts as soon as one is done."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()
    if row and row[0]:
        return
    if wait > 0:
        conn.execute(f"SET lock_timeout = '{max(1, int(wait * 1000))}ms'")
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            return
        except psycopg.errors.LockNotAvailable:
            pass
        finally:
            conn.execute("RESET lock_timeout")
    raise DatabaseError(
        f"another schemacode apply has held the lock for over {wait:g}s; nothing was applied",
        hint="wait for it to finish, or raise --lock-wait")


def locked_apply(
    conn: psycopg.Connection[Any],
    scope: list[str],
    make: Callable[[Catalog], Plan],
    *,
    allow_destructive: bool = False,
    expected_fingerprint: str | None = None,
    settings: Settings = Settings(),
    kind: str = "apply",
    progress: Progress | None = None,
    current: Catalog | None = None,
) -> ApplyResult:
    """Under the advisory lock: introspect, plan with ``make``, check, apply and record.

    The plan is made again under the lock from what the database is now, so two deployers never
    apply the same change twice; ``expected_fingerprint`` (from the plan a person approved)
    refuses to apply anything else. A transient failure (lock timeout, deadlock) rolls back and
    tries again from the start, after a pause that doubles each time. ``current``: the catalog
    read by the caller under this lock (which it holds already): the first try plans from it.
    """
    if not conn.autocommit:
        raise ValueError("locked_apply needs an autocommit connection")
    advisory_lock(conn, settings.lock_wait)
    try:
        attempt = 0
        while True:
            attempt += 1
            try:
                # Reading the catalog waits for locks too: the same timeout, the same retries.
                conn.execute(f"SET lock_timeout = {literal(settings.lock_timeout)}")
                if current is None or attempt > 1:
                    current = introspect(conn, scope)
            except psycopg.errors.LockNotAvailable:
                if attempt > settings.retries:
                    raise DatabaseError(
                        f"could not read the catalog: a lock was held for longer than "
                        f"{settings.lock_timeout}, {attempt} times", hint="raise --lock-timeout") from None
                time.sleep(settings.backoff * 2 ** (attempt - 1))
                continue
            finally:
                conn.execute("RESET lock_timeout")
            plan = make(current)
            if expected_fingerprint and plan.current_fingerprint != expected_fingerprint:
                raise StalePlanError(
                    "the database changed since the plan was made; nothing was applied",
                    hint="run schemacode plan again and review the new plan")
            if plan.is_empty:
                return ApplyResult(plan, False, None, 0, attempt)
            check_allowed(plan, allow_destructive)
            try:
                result = _run(conn, plan, kind, scope, settings, progress)
                return ApplyResult(plan, True, result[0], result[1], attempt)
            except _Transient as e:
                if attempt > settings.retries:
                    raise e.error from None
                time.sleep(settings.backoff * 2 ** (attempt - 1))
                expected_fingerprint = None  # our own pre-stage steps may have run
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


class _Transient(Exception):
    def __init__(self, error: DatabaseError) -> None:
        self.error = error


def _run(conn: psycopg.Connection[Any], plan: Plan, kind: str, scope: list[str],
         settings: Settings, progress: Progress | None) -> tuple[int, int]:
    started = time.monotonic()

    def record() -> int:
        # The fingerprint of what the transaction made, for rollback's check.
        after = fingerprint(introspect(conn, scope))
        return _record(conn, kind, plan, after, plan.forward, plan.backward,
                       int((time.monotonic() - started) * 1000))

    history_id = execute(conn, plan.forward, settings=settings, progress=progress,
                         in_transaction=record)
    assert history_id is not None
    return history_id, int((time.monotonic() - started) * 1000)


def _record(conn: psycopg.Connection[Any], kind: str, plan: Plan | None, after: str,
            forward: tuple[PlannedStatement, ...] | list[PlannedStatement],
            backward: tuple[PlannedStatement, ...] | list[PlannedStatement], duration: int,
            from_fingerprint: str | None = None) -> int:
    conn.execute(HISTORY_DDL.encode())
    conn.execute(f"ALTER TABLE {HISTORY_TABLE} ADD COLUMN IF NOT EXISTS rolled_back_by bigint")
    row = conn.execute(
        f"INSERT INTO {HISTORY_TABLE} (kind, schema_hash, from_fingerprint, to_fingerprint,"
        " forward_sql, backward_sql, statements, duration_ms, applied_by, tool_version,"
        " backward_statements) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        [kind, plan.schema_hash if plan else None,
         from_fingerprint or (plan.current_fingerprint if plan else ""), after,
         script(forward), script(backward), len(forward), duration, _who(), __version__,
         json.dumps([_statement_json(s) for s in backward])],
    ).fetchone()
    assert row is not None
    return int(row[0])


def _statement_json(s: PlannedStatement) -> dict[str, Any]:
    return {"sql": s.sql, "stage": s.stage, "change": s.change,
            "hazards": [[h.kind, h.message] for h in s.hazards],
            "concurrent_index": s.concurrent_index}


def _statement_from_json(d: dict[str, Any]) -> PlannedStatement:
    return PlannedStatement(d["sql"], tuple(Hazard(k, m) for k, m in d["hazards"]), d["stage"],
                            d["change"], None, d.get("concurrent_index"))


def execute(conn: psycopg.Connection[Any], stmts: tuple[PlannedStatement, ...] | list[PlannedStatement],
            *, settings: Settings = Settings(), progress: Progress | None = None,
            in_transaction: Callable[[], int] | None = None) -> int | None:
    """Run statements by stage: "pre" ones each on their own, "main" ones in one transaction
    (ending with ``in_transaction``, which records history), then "post" ones.

    A failure in the transaction rolls all of it back and names the statement. A pre or post
    statement is retried on its own after a transient failure; CREATE INDEX CONCURRENTLY clears
    the INVALID index a failed build leaves, so running the plan again picks up where it stopped.
    """
    if not conn.autocommit:
        raise ValueError("execute needs an autocommit connection")
    total = len(stmts)
    numbered = list(enumerate(stmts, 1))
    conn.execute(f"SET lock_timeout = {literal(settings.lock_timeout)}")
    conn.execute(f"SET statement_timeout = {literal(settings.statement_timeout)}")
    conn.execute("SET check_function_bodies = off")
    result = None
    try:
        for i, s in numbered:
            if s.stage == "pre":
                _outside(conn, i, total, s, progress, settings)
        with conn.transaction():
            for i, s in numbered:
                if s.stage == "main":
                    _one(conn, i, total, s, progress, in_tx=True)
            if in_transaction is not None:
                result = in_transaction()
        for i, s in numbered:
            if s.stage == "post":
                _outside(conn, i, total, s, progress, settings)
    finally:
        if not conn.closed:
            conn.execute("RESET lock_timeout")
            conn.execute("RESET statement_timeout")
            conn.execute("RESET check_function_bodies")
    return result


def _outside(conn: psycopg.Connection[Any], i: int, total: int, s: PlannedStatement,
             progress: Progress | None, settings: Settings) -> None:
    for attempt in range(settings.retries + 1):
        if s.concurrent_index:
            _drop_invalid(conn, s.concurrent_index)
        try:
            _one(conn, i, total, s, progress, in_tx=False)
            return
        except _Transient as e:
            if s.concurrent_index:
                _drop_invalid(conn, s.concurrent_index)
            if attempt == settings.retries:
                raise e.error from None
            time.sleep(settings.backoff * 2 ** attempt)
        except DatabaseError:
            if s.concurrent_index:
                _drop_invalid(conn, s.concurrent_index)
            raise


def _drop_invalid(conn: psycopg.Connection[Any], index: str) -> None:
    row = conn.execute("SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)",
                       [index]).fetchone()
    if row and row[0]:
        conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}".encode())


def _one(conn: psycopg.Connection[Any], i: int, total: int, s: PlannedStatement,
         progress: Progress | None, in_tx: bool) -> None:
    if progress:
        progress(i, total, s)
    beat = _Heartbeat(i, total, s, progress) if progress and s.concurrent_index else None
    try:
        conn.execute(s.sql.encode())
    except psycopg.Error as e:
        reason = (e.diag.message_primary or str(e)).strip()
        detail = f"\n  detail: {e.diag.message_detail}" if e.diag.message_detail else ""
        outcome = ("The transaction was rolled back: the database is exactly as it was." if in_tx
                   else "It ran outside the transaction, on its own: what ran before it stays.")
        error = DatabaseError(
            f"statement {i} of {total} failed: {reason}{detail}\n  statement: {s.sql}\n{outcome}",
            hint=e.diag.message_hint,
        )
        if e.sqlstate in _RETRYABLE:
            raise _Transient(error) from None
        raise error from None
    finally:
        if beat:
            beat.stop()


class _Heartbeat:
    """Says every few seconds that a long statement (a concurrent index build, which waits for
    every transaction that started before it) is still working, not stuck."""

    def __init__(self, i: int, total: int, s: PlannedStatement, progress: Progress,
                 every: float | None = None) -> None:
        import threading

        self._done = threading.Event()
        started = time.monotonic()
        every = every or HEARTBEAT_SECONDS

        def run() -> None:
            while not self._done.wait(every):
                waited = time.monotonic() - started
                progress(i, total, PlannedStatement(
                    s.sql, s.hazards, s.stage, f"{s.change} — still building ({waited:.0f}s)",
                    s.source, None))

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _who() -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    applied_at: Any
    kind: str
    schema_hash: str | None
    from_fingerprint: str
    to_fingerprint: str
    forward_sql: str
    backward_sql: str
    statements: int
    duration_ms: int
    applied_by: str
    tool_version: str
    backward_statements: list[dict[str, Any]]
    rolled_back_by: int | None


def read_history(conn: psycopg.Connection[Any], limit: int | None = None) -> list[HistoryEntry]:
    exists = conn.execute("SELECT to_regclass(%s)", [HISTORY_TABLE]).fetchone()
    if not exists or exists[0] is None:
        return []
    conn.execute(f"ALTER TABLE {HISTORY_TABLE} ADD COLUMN IF NOT EXISTS rolled_back_by bigint")
    sql = (f"SELECT id, applied_at, kind, schema_hash, from_fingerprint, to_fingerprint, forward_sql,"
           f" backward_sql, statements, duration_ms, applied_by, tool_version, backward_statements,"
           f" rolled_back_by FROM {HISTORY_TABLE} ORDER BY id DESC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [HistoryEntry(*r) for r in conn.execute(sql).fetchall()]


def locked_rollback(conn: psycopg.Connection[Any], scope: list[str], target: int | None,
                    *, allow_destructive: bool = False, settings: Settings = Settings(),
                    progress: Progress | None = None) -> tuple[HistoryEntry, int]:
    """Undo one recorded apply (the latest one not undone yet, or ``target``) with its backward
    SQL, after checking the database is exactly as that apply left it. Recorded as 'rollback'."""
    advisory_lock(conn, settings.lock_wait)
    try:
        entries = [e for e in read_history(conn) if e.kind == "apply"]
        if target is None:
            entries = [e for e in entries if e.rolled_back_by is None]
            if not entries:
                raise SchemacodeError("nothing to roll back: no apply in schemacode_history "
                                      "that was not rolled back already")
            entry = entries[0]
        else:
            found = [e for e in entries if e.id == target]
            if not found:
                raise SchemacodeError(f"no apply with id {target} in schemacode_history")
            entry = found[0]
            if entry.rolled_back_by is not None:
                raise SchemacodeError(f"apply {target} was rolled back already (by {entry.rolled_back_by})")
        now = fingerprint(introspect(conn, scope))
        if now != entry.to_fingerprint:
            raise StalePlanError(
                f"the database is not in the state apply {entry.id} left it in; nothing was rolled back",
                hint="a later change (or a change by hand) came after it; roll that back first")
        stmts = [_statement_from_json(d) for d in entry.backward_statements]
        check_allowed(stmts, allow_destructive)
        started = time.monotonic()

        def record() -> int:
            after = fingerprint(introspect(conn, scope))
            forward_again = _script_record(entry.forward_sql)
            new_id = _record(conn, "rollback", None, after, stmts, forward_again,
                             int((time.monotonic() - started) * 1000), from_fingerprint=now)
            conn.execute(f"UPDATE {HISTORY_TABLE} SET rolled_back_by = %s WHERE id = %s",
                         [new_id, entry.id])
            return new_id

        try:
            new_id = execute(conn, stmts, settings=settings, progress=progress, in_transaction=record)
        except _Transient as e:
            raise e.error from None
        assert new_id is not None
        return entry, new_id
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _script_record(sql: str) -> list[PlannedStatement]:
    """What a rollback's record keeps as its own backward SQL: the undone apply's forward
    script, as one text (only applies are rolled back, never rollbacks)."""
    return [PlannedStatement(sql, (), "main", "rolled back")]
