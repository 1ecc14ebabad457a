"""Apply a plan: serialized by an advisory lock, one transaction, recorded in history.

Also the history itself (list, rollback): everything that writes to a target database."""
from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

import psycopg

from . import __version__
from . import backfill as bf
from .changes import Hazard
from .changes.online import Backfill
from .errors import DatabaseError, SchemacodeError
from .introspect import HISTORY_SCHEMA, introspect
from .locks import Lock
from .model import Catalog, fingerprint
from .plan import InProgress, Plan, PlannedStatement, PlannedStep, Program, script
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
    rolled_back_by bigint,
    schemas text[]
)
"""
# Columns added since the first history table: added where they are missing.
HISTORY_COLUMNS = ("rolled_back_by bigint", "schemas text[]", "online jsonb", "online_state jsonb")
HEARTBEAT_SECONDS = 5.0
# A test hook (documented in docs/deploying.md): an online apply stops and waits (to be killed)
# at "expand" (after the first expand transaction), "backfill:N" (after N batches) or "contract"
# (inside the contract transaction, before it commits).
PAUSE_ENV = "SCHEMACODE_ONLINE_PAUSE"
# Transient failures worth another try: lock timeout, deadlock, serialization.
_RETRYABLE = ("55P03", "40P01", "40001")


class RefusedError(SchemacodeError):
    """The plan needs a permission the caller did not give (e.g. --allow-destructive)."""


class StalePlanError(SchemacodeError):
    """The database changed between plan and apply."""


class OnlineInProgressError(SchemacodeError):
    """An online change started and has not finished: it is resumed or aborted first."""


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
    # Online phases: each statement waits this long for its lock (writers queue behind a waiting
    # ALTER, so short), tried again up to phase_retries times; backfill batches and the pause
    # between them.
    phase_lock_timeout: str = "100ms"
    phase_retries: int = 60
    batch_size: int = 1000
    batch_pause: float = 0.0


def check_allowed(plan: Plan | list[PlannedStatement], allow_destructive: bool) -> None:
    stmts = plan.all_forward() if isinstance(plan, Plan) else plan
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
    online: bool = False,
    bar: Callable[[bf.Report], None] | None = None,
) -> ApplyResult:
    """Under the advisory lock: introspect, plan with ``make``, check, apply and record.

    The plan is made again under the lock from what the database is now, so two deployers never
    apply the same change twice; ``expected_fingerprint`` (from the plan a person approved)
    refuses to apply anything else. A transient failure (lock timeout, deadlock) rolls back and
    tries again from the start, after a pause that doubles each time. ``current``: the catalog
    read by the caller under this lock (which it holds already): the first try plans from it.
    ``online``: an online change in progress is resumed first (without it, refused); a plan with
    online rewrites runs them in phases (``bar``: the backfill's progress).
    """
    if not conn.autocommit:
        raise ValueError("locked_apply needs an autocommit connection")
    advisory_lock(conn, settings.lock_wait)
    try:
        running = in_progress(conn)
        if running is not None:
            if not online:
                raise OnlineInProgressError(
                    f"an online change is in progress (history id {running.history_id}, "
                    f"{running.phase}); nothing was applied",
                    hint="`schemacode apply --online` finishes it, `schemacode apply --abort` undoes it")
            started = time.monotonic()
            _resume(conn, running, scope, settings, progress, bar)
            if expected_fingerprint:  # what was approved was finishing it: that is all
                return ApplyResult(_resumed_plan(running), True, running.history_id,
                                   int((time.monotonic() - started) * 1000))
            current = None
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
                if plan.program is not None:
                    result = _run_online(conn, plan, kind, scope, settings, progress, bar)
                else:
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
    if any(s.stage == "post" for s in plan.forward):
        # What the statements after the transaction made (an index built concurrently, a key
        # validated) is part of the state the apply leaves, which rollback checks for: recorded
        # once they are done. (One that fails leaves the record at the transaction's state: the
        # next apply finishes the work and records it.)
        conn.execute(f"UPDATE {HISTORY_TABLE} SET to_fingerprint = %s WHERE id = %s",
                     [fingerprint(introspect(conn, scope)), history_id])
    return history_id, int((time.monotonic() - started) * 1000)


def _ensure_history(conn: psycopg.Connection[Any]) -> None:
    conn.execute(HISTORY_DDL.encode())
    # Columns later versions added, each only where it is missing: ALTER TABLE would hold an
    # ACCESS EXCLUSIVE lock on the history until the apply commits, and plans read it (the schemas)
    have = {r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                                       "AND NOT attisdropped", [HISTORY_TABLE]).fetchall()}
    for column in HISTORY_COLUMNS:
        if column.split()[0] not in have:
            conn.execute(f"ALTER TABLE {HISTORY_TABLE} ADD COLUMN IF NOT EXISTS {column}".encode())


def _record(conn: psycopg.Connection[Any], kind: str, plan: Plan | None, after: str,
            forward: tuple[PlannedStatement, ...] | list[PlannedStatement],
            backward: tuple[PlannedStatement, ...] | list[PlannedStatement], duration: int,
            from_fingerprint: str | None = None) -> int:
    _ensure_history(conn)
    row = conn.execute(
        f"INSERT INTO {HISTORY_TABLE} (kind, schema_hash, from_fingerprint, to_fingerprint,"
        " forward_sql, backward_sql, statements, duration_ms, applied_by, tool_version,"
        " backward_statements, schemas) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        [kind, plan.schema_hash if plan else None,
         from_fingerprint or (plan.current_fingerprint if plan else ""), after,
         script(forward), script(backward), len(forward), duration, _who(), __version__,
         json.dumps([_statement_json(s) for s in backward]),
         list(plan.schemas) if plan is not None and plan.schemas else None],
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
    online: dict[str, Any] | None = None  # an online change: its program, and the one undoing it
    online_state: dict[str, Any] | None = None  # {"status": running|done|aborted, "step": …}

    @property
    def status(self) -> str | None:
        return self.online_state.get("status") if self.online_state else None


def recorded_schemas(conn: psycopg.Connection[Any]) -> list[str]:
    """The schemas the schema.yaml of the latest apply declared (one not rolled back since):
    those schemacode manages in this database. None recorded: no apply yet, or only applies
    older than the record (an apply that has nothing to do records nothing)."""
    if "schemas" not in _history_columns(conn):
        return []
    row = conn.execute(f"SELECT schemas FROM {HISTORY_TABLE} WHERE kind = 'apply' AND rolled_back_by IS NULL "
                       "AND schemas IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()  # (a tenant's records none)
    return list(row[0] or ()) if row else []


def _history_columns(conn: psycopg.Connection[Any]) -> set[str]:
    """The columns of the history table, where this role may read it; none where there is no
    history or the role may not read it (a read-only role checking for drift: nothing known)."""
    rows = conn.execute(
        "SELECT a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = %s AND c.relname = 'schemacode_history' "
        "AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')",
        [HISTORY_SCHEMA]).fetchall()
    return {r[0] for r in rows}


def read_history(conn: psycopg.Connection[Any], limit: int | None = None) -> list[HistoryEntry]:
    have = _history_columns(conn)
    if not have:
        return []
    if any(c.split()[0] not in have for c in HISTORY_COLUMNS):  # (an older version's history)
        _ensure_history(conn)
    sql = (f"SELECT id, applied_at, kind, schema_hash, from_fingerprint, to_fingerprint, forward_sql,"
           f" backward_sql, statements, duration_ms, applied_by, tool_version, backward_statements,"
           f" rolled_back_by, online, online_state FROM {HISTORY_TABLE} ORDER BY id DESC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [HistoryEntry(*r) for r in conn.execute(sql).fetchall()]


def locked_rollback(conn: psycopg.Connection[Any], scope: list[str], target: int | None,
                    *, allow_destructive: bool = False, settings: Settings = Settings(),
                    progress: Progress | None = None,
                    bar: Callable[[bf.Report], None] | None = None) -> tuple[HistoryEntry, int]:
    """Undo one recorded apply (the latest one not undone yet, or ``target``) with its backward
    SQL, after checking the database is exactly as that apply left it. Recorded as 'rollback'.
    An online apply is undone online (its backward phases); one still in progress is aborted
    (or, a rollback in progress, finished)."""
    advisory_lock(conn, settings.lock_wait)
    try:
        running = in_progress(conn)
        if running is not None and target is None:
            entry = _entry(conn, running.history_id)
            if running.kind == "rollback":
                _resume(conn, running, scope, settings, progress, bar)
                return _entry(conn, int((entry.online or {}).get("undoes") or entry.id)), entry.id
            _abort(conn, running, scope, settings, progress)
            return entry, entry.id
        if running is not None:
            raise OnlineInProgressError(
                f"an online change is in progress (history id {running.history_id}); nothing was rolled back",
                hint="`schemacode apply --online` finishes it, `schemacode apply --abort` undoes it")
        entries = [e for e in read_history(conn) if e.kind == "apply" and e.status in (None, "done")]
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
        if entry.online and entry.online.get("backward"):
            back = program_from_json(entry.online["backward"])
            check_allowed(back.statements(), allow_destructive)
            new_id = _start_program(conn, "rollback", entry.schema_hash, now, back, None, undoes=entry.id)
            _run_and_finish(conn, new_id, back, {"status": "running", "step": 0}, scope, settings, progress, bar)
            return entry, new_id
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
            recorded = execute(conn, stmts, settings=settings, progress=progress, in_transaction=record)
        except _Transient as e:
            raise e.error from None
        assert recorded is not None
        return entry, recorded
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _script_record(sql: str) -> list[PlannedStatement]:
    """What a rollback's record keeps as its own backward SQL: the undone apply's forward
    script, as one text (only applies are rolled back, never rollbacks)."""
    return [PlannedStatement(sql, (), "main", "rolled back")]


# -- online changes: phases run step by step, each step recorded (changes/online.py) -----------

def _step_json(step: PlannedStep) -> dict[str, Any]:
    return {"phase": step.phase, "kind": step.kind, "title": step.title,
            "statements": [{**_statement_json(s), "lock": s.lock.as_json() if s.lock else None}
                           for s in step.statements],
            "backfill": asdict(step.backfill) if step.backfill else None}


def program_json(p: Program) -> dict[str, Any]:
    return {"steps": [_step_json(s) for s in p.steps], "abort": [_step_json(s) for s in p.abort],
            "batch_size": p.batch_size}


def _step_from_json(d: dict[str, Any]) -> PlannedStep:
    def stmt(x: dict[str, Any]) -> PlannedStatement:
        lock = x.get("lock")
        return replace(_statement_from_json(x), lock=Lock(lock["level"], tuple(lock["relations"]), lock["work"])
                       if lock else None)

    b = d.get("backfill")
    spec = Backfill(b["table"], tuple((k, t) for k, t in b["key"]), tuple((c, v) for c, v in b["assignments"]),
                    b["todo"], b["replica"], b.get("rows")) if b else None
    return PlannedStep(d["phase"], d["kind"], d["title"], tuple(stmt(x) for x in d["statements"]), spec)


def program_from_json(d: dict[str, Any]) -> Program:
    return Program(tuple(_step_from_json(s) for s in d["steps"]), tuple(_step_from_json(s) for s in d["abort"]),
                   int(d.get("batch_size", 1000)))


def program_script(p: Program | None) -> str:
    """An online change as text for the history: each step, its phase, how it runs."""
    if p is None:
        return ""
    out = []
    for i, step in enumerate(p.steps, 1):
        how = {"transaction": "one transaction", "alone": "on its own",
               "backfill": f"in batches of {p.batch_size}, each its own transaction"}[step.kind]
        out.append(f"-- {i}. {step.phase}: {step.title} ({how})")
        out.append(script(step.statements).rstrip("\n"))
    return "\n".join(out) + "\n"


def in_progress(conn: psycopg.Connection[Any]) -> InProgress | None:
    """The online change that started and has not finished, if any (reads only)."""
    if "online_state" not in _history_columns(conn):
        return None
    found = conn.execute(
        f"SELECT id, kind, applied_at, applied_by, online, online_state FROM {HISTORY_TABLE}"
        f" WHERE online_state->>'status' = 'running' ORDER BY id DESC LIMIT 1").fetchone()
    if found is None:
        return None
    state = found[5]
    position = state.get("backfill") or {}
    return InProgress(found[0], found[1], found[2], found[3], int(state["step"]),
                      program_from_json(found[4]["program"]), int(position.get("rows", 0)), position.get("total"))


def _entry(conn: psycopg.Connection[Any], history_id: int) -> HistoryEntry:
    return next(e for e in read_history(conn) if e.id == history_id)


def _resumed_plan(running: InProgress) -> Plan:
    rest = Program(running.program.steps[running.step:], (), running.program.batch_size)
    return Plan((), (), (), (), "", "", None, True, (), rest)


def _run_online(conn: psycopg.Connection[Any], plan: Plan, kind: str, scope: list[str], settings: Settings,
                progress: Progress | None, bar: Callable[[bf.Report], None] | None) -> tuple[int, int]:
    """The plan's usual changes first, as an apply of their own (one transaction, recorded), then
    its online rewrites in phases, recorded as another: aborting those leaves the first."""
    assert plan.program is not None
    started = time.monotonic()
    from_fingerprint = plan.current_fingerprint
    if plan.forward:
        _run(conn, replace(plan, program=None, backward_program=None), kind, scope, settings, progress)
        from_fingerprint = fingerprint(introspect(conn, scope))
    entry_id = _start_program(conn, kind, plan.schema_hash, from_fingerprint, plan.program, plan.backward_program)
    _run_and_finish(conn, entry_id, plan.program, {"status": "running", "step": 0}, scope, settings, progress, bar)
    return entry_id, int((time.monotonic() - started) * 1000)


def _start_program(conn: psycopg.Connection[Any], kind: str, schema_hash: str | None, from_fingerprint: str,
                   program: Program, backward: Program | None, undoes: int | None = None) -> int:
    _ensure_history(conn)
    online = {"program": program_json(program), "backward": program_json(backward) if backward else None,
              "undoes": undoes}
    row = conn.execute(
        f"INSERT INTO {HISTORY_TABLE} (kind, schema_hash, from_fingerprint, to_fingerprint, forward_sql,"
        " backward_sql, statements, duration_ms, applied_by, tool_version, online, online_state)"
        " VALUES (%s, %s, %s, '', %s, %s, %s, 0, %s, %s, %s, %s) RETURNING id",
        [kind, schema_hash, from_fingerprint, program_script(program), program_script(backward),
         len(program.statements()), _who(), __version__, json.dumps(online),
         json.dumps({"status": "running", "step": 0})]).fetchone()
    assert row is not None
    return int(row[0])


def _run_and_finish(conn: psycopg.Connection[Any], entry_id: int, program: Program, state: dict[str, Any],
                    scope: list[str], settings: Settings, progress: Progress | None,
                    bar: Callable[[bf.Report], None] | None) -> None:
    run_program(conn, entry_id, program, state, settings, progress, bar)
    after = fingerprint(introspect(conn, scope))
    with conn.transaction():
        row = conn.execute(
            f"UPDATE {HISTORY_TABLE} SET to_fingerprint = %s, online_state = %s, duration_ms ="
            " (extract(epoch FROM clock_timestamp() - applied_at) * 1000)::int WHERE id = %s"
            " RETURNING kind, online->>'undoes'",
            [after, json.dumps({"status": "done", "step": len(program.steps)}), entry_id]).fetchone()
        if row and row[0] == "rollback" and row[1]:
            conn.execute(f"UPDATE {HISTORY_TABLE} SET rolled_back_by = %s WHERE id = %s", [entry_id, int(row[1])])


def _resume(conn: psycopg.Connection[Any], running: InProgress, scope: list[str], settings: Settings,
            progress: Progress | None, bar: Callable[[bf.Report], None] | None) -> None:
    state = conn.execute(f"SELECT online_state FROM {HISTORY_TABLE} WHERE id = %s",
                         [running.history_id]).fetchone()
    assert state is not None
    _run_and_finish(conn, running.history_id, running.program, state[0], scope, settings, progress, bar)


def _save_state(conn: psycopg.Connection[Any], entry_id: int, state: dict[str, Any]) -> None:
    conn.execute(f"UPDATE {HISTORY_TABLE} SET online_state = %s WHERE id = %s", [json.dumps(state), entry_id])


def _pause(point: str) -> None:
    print(f"schemacode: paused at {point} ({PAUSE_ENV})", file=sys.stderr, flush=True)
    time.sleep(3600)


def run_program(conn: psycopg.Connection[Any], entry_id: int, program: Program, state: dict[str, Any],
                settings: Settings, progress: Progress | None = None,
                bar: Callable[[bf.Report], None] | None = None) -> None:
    """Run an online change's steps from ``state["step"]`` on, recording each one done in the
    same transaction as its work where it has one (a statement that runs on its own is
    idempotent: run again after a kill, it finds its work done). A failed step stops the change
    where it is, said in the error: running it again resumes there."""
    pause = os.environ.get(PAUSE_ENV, "")
    steps = program.steps
    phase = replace(settings, retries=settings.phase_retries, backoff=min(settings.backoff, 0.2))
    # A statement waiting for a lock that stops writes (expand, contract, a backfill's rows) makes
    # the writers queue behind it: it waits briefly and tries again. One whose lock lets writes
    # go on (a concurrent build, VALIDATE, VACUUM) waits as apply's statements do.
    short = f"SET lock_timeout = {literal(settings.phase_lock_timeout)}"
    usual = f"SET lock_timeout = {literal(settings.lock_timeout)}"
    conn.execute(f"SET statement_timeout = {literal(settings.statement_timeout)}")
    try:
        while int(state["step"]) < len(steps):
            i = int(state["step"])
            step = steps[i]
            label = f"{step.phase}: {step.title}"
            if progress and step.statements:
                progress(i + 1, len(steps), replace(step.statements[0], change=label))
            try:
                conn.execute(usual if step.kind == "alone" else short)
                if step.kind == "transaction":
                    _step_transaction(conn, entry_id, step, i, len(steps), phase,
                                      hold=pause == "contract" and step.phase == "contract")
                elif step.kind == "alone":
                    for s in step.statements:
                        _outside(conn, i + 1, len(steps), s, None, phase)
                    _save_state(conn, entry_id, {"status": "running", "step": i + 1})
                else:
                    _step_backfill(conn, entry_id, step, i, state, settings, pause, bar)
            except (DatabaseError, psycopg.Error) as e:
                message = e.message if isinstance(e, DatabaseError) else (e.diag.message_primary or str(e))
                raise DatabaseError(
                    f"the online change stopped at step {i + 1} of {len(steps)} ({label}): {message}",
                    hint="what ran before it stays; `schemacode apply --online` resumes from this step"
                         + (", `schemacode apply --abort` undoes it" if i < program.contract_at else "")) from None
            state = {"status": "running", "step": i + 1}
            if pause == "expand" and step.phase == "expand" and step.kind == "transaction":
                _pause("expand")
    finally:
        if not conn.closed:
            conn.execute("RESET lock_timeout")
            conn.execute("RESET statement_timeout")


def _step_transaction(conn: psycopg.Connection[Any], entry_id: int, step: PlannedStep, i: int, total: int,
                      settings: Settings, hold: bool = False, save: bool = True) -> None:
    """A step's statements in one transaction, with its record; a lock timeout or a deadlock
    rolls it back and it is tried again, after a pause that grows (to at most 5 s).

    The statements go to the server in one message: once the first lock is taken, nothing waits
    on this client (on a busy machine, round trips between statements would lengthen the time
    the lock is held). Should one fail, they are run again one by one, to name it."""
    batch = ";\n".join(s.sql.rstrip().rstrip(";") for s in step.statements)
    for attempt in range(settings.retries + 1):
        try:
            try:
                with conn.transaction():
                    conn.execute(batch.encode())
                    if hold:
                        _pause("contract")
                    if save:
                        _save_state(conn, entry_id, {"status": "running", "step": i + 1})
                return
            except psycopg.Error as e:
                if e.sqlstate in _RETRYABLE:
                    raise _Transient(DatabaseError(
                        f"step {i + 1} of {total} ({step.title}) could not take its locks: "
                        f"{(e.diag.message_primary or str(e)).strip()}")) from None
                # Which statement: the same work again, one by one, to its failure (never kept).
                with conn.transaction(force_rollback=True):
                    for s in step.statements:
                        _one(conn, i + 1, total, s, None, in_tx=True)
                raise  # (it did not fail again: the first error stands)
        except _Transient as e:
            if attempt == settings.retries:
                raise e.error from None
            time.sleep(min(settings.backoff * 2 ** attempt, 5.0))


def _step_backfill(conn: psycopg.Connection[Any], entry_id: int, step: PlannedStep, i: int,
                   state: dict[str, Any], settings: Settings, pause: str,
                   bar: Callable[[bf.Report], None] | None) -> None:
    spec = step.backfill
    assert spec is not None
    if state.get("backfill"):
        pos = bf.Position.from_json(state["backfill"])
    else:
        with conn.transaction():  # where it stops is fixed once, before the first batch
            pos = bf.start(conn, spec)
            _save_state(conn, entry_id, {"status": "running", "step": i, "backfill": pos.as_json()})

    def after_batch(n: int) -> None:
        if pause == f"backfill:{n}":
            _pause(pause)

    options = bf.Options(settings.batch_size, settings.batch_pause, settings.phase_retries,
                         min(settings.backoff, 0.2), after_batch)
    bf.run(conn, spec, pos, options,
           lambda p: _save_state(conn, entry_id, {"status": "running", "step": i, "backfill": p.as_json()}), bar)
    _save_state(conn, entry_id, {"status": "running", "step": i + 1})


def _abort(conn: psycopg.Connection[Any], running: InProgress, scope: list[str], settings: Settings,
           progress: Progress | None) -> None:
    if not running.abortable:
        raise SchemacodeError(
            f"the online change in progress (history id {running.history_id}) is past its contract: "
            "it can no longer be aborted; nothing was undone",
            hint="`schemacode apply --online` finishes it; `schemacode rollback` then undoes it")
    phase = replace(settings, retries=settings.phase_retries, backoff=min(settings.backoff, 0.2))
    conn.execute(f"SET lock_timeout = {literal(settings.phase_lock_timeout)}")
    try:
        for n, step in enumerate(running.program.abort, 1):
            if progress and step.statements:
                progress(n, len(running.program.abort), replace(step.statements[0], change=f"abort: {step.title}"))
            _step_transaction(conn, running.history_id, step, n - 1, len(running.program.abort), phase, save=False)
    finally:
        conn.execute("RESET lock_timeout")
    after = fingerprint(introspect(conn, scope))
    conn.execute(f"UPDATE {HISTORY_TABLE} SET online_state = %s, to_fingerprint = %s, duration_ms ="
                 " (extract(epoch FROM clock_timestamp() - applied_at) * 1000)::int WHERE id = %s",
                 [json.dumps({"status": "aborted", "step": running.step}), after, running.history_id])


def locked_abort(conn: psycopg.Connection[Any], scope: list[str], settings: Settings = Settings(),
                 progress: Progress | None = None) -> int:
    """Undo the online change in progress (before its contract): its shadow columns and trigger
    go, its tables are as they were. Returns its history id (now marked aborted)."""
    advisory_lock(conn, settings.lock_wait)
    try:
        running = in_progress(conn)
        if running is None:
            raise SchemacodeError("no online change is in progress: nothing to abort",
                                  hint="`schemacode history` lists what was applied; `schemacode rollback` undoes it")
        _abort(conn, running, scope, settings, progress)
        return running.history_id
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
