"""Apply a plan: serialized by an advisory lock, one transaction, recorded in history."""
from __future__ import annotations

import getpass
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable

import psycopg

from . import __version__
from .errors import DatabaseError, SchemacodeError
from .introspect import HISTORY_SCHEMA, introspect
from .model import Catalog
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
    tool_version text NOT NULL
)
"""


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


Progress = Callable[[int, int, PlannedStatement], None]


def check_allowed(plan: Plan, allow_destructive: bool) -> None:
    losses = plan.hazards("data-loss")
    if losses and not allow_destructive:
        lines = "\n".join(f"  - {s.sql.splitlines()[0]}  ({h.message})" for s, h in losses)
        raise RefusedError(f"the plan destroys data; refusing without --allow-destructive:\n{lines}",
                           hint="review the statements above, then apply with --allow-destructive")


def locked_apply(
    conn: psycopg.Connection[Any],
    scope: list[str],
    make: Callable[[Catalog], Plan],
    *,
    allow_destructive: bool = False,
    expected_fingerprint: str | None = None,
    lock_timeout: str = "5s",
    statement_timeout: str = "0",
    kind: str = "apply",
    progress: Progress | None = None,
) -> ApplyResult:
    """Under the advisory lock: introspect, plan with ``make``, check, apply and record.

    The plan is made again under the lock from what the database is now, so two deployers never
    apply the same change twice; ``expected_fingerprint`` (from the plan a person approved)
    refuses to apply anything else.
    """
    if not conn.autocommit:
        raise ValueError("locked_apply needs an autocommit connection")
    conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        current = introspect(conn, scope)
        plan = make(current)
        if expected_fingerprint and plan.current_fingerprint != expected_fingerprint:
            raise StalePlanError(
                "the database changed since the plan was made; nothing was applied",
                hint="run schemacode plan again and review the new plan")
        if plan.is_empty:
            return ApplyResult(plan, False, None, 0)
        check_allowed(plan, allow_destructive)
        return _run(conn, plan, kind, lock_timeout, statement_timeout, progress)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _run(conn: psycopg.Connection[Any], plan: Plan, kind: str, lock_timeout: str,
         statement_timeout: str, progress: Progress | None) -> ApplyResult:
    started = time.monotonic()

    def record() -> int:
        duration = int((time.monotonic() - started) * 1000)
        conn.execute(HISTORY_DDL.encode())
        row = conn.execute(
            f"INSERT INTO {HISTORY_TABLE} (kind, schema_hash, from_fingerprint, to_fingerprint,"
            " forward_sql, backward_sql, statements, duration_ms, applied_by, tool_version)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [kind, plan.schema_hash, plan.current_fingerprint, plan.desired_fingerprint,
             script(plan.forward), script(plan.backward), len(plan.forward), duration, _who(),
             __version__],
        ).fetchone()
        assert row is not None
        return int(row[0])

    history_id = execute(conn, plan.forward, lock_timeout=lock_timeout,
                         statement_timeout=statement_timeout, progress=progress, in_transaction=record)
    return ApplyResult(plan, True, history_id, int((time.monotonic() - started) * 1000))


def execute(conn: psycopg.Connection[Any], stmts: tuple[PlannedStatement, ...] | list[PlannedStatement],
            *, lock_timeout: str = "5s", statement_timeout: str = "0",
            progress: Progress | None = None, in_transaction: Callable[[], int] | None = None) -> int | None:
    """Run statements by stage: "pre" ones each on their own, "main" ones in one transaction
    (ending with ``in_transaction``, which records history), then "post" ones.

    A failure in the transaction rolls all of it back and names the statement."""
    if not conn.autocommit:
        raise ValueError("execute needs an autocommit connection")
    total = len(stmts)
    numbered = list(enumerate(stmts, 1))
    conn.execute(f"SET lock_timeout = {literal(lock_timeout)}")
    conn.execute(f"SET statement_timeout = {literal(statement_timeout)}")
    conn.execute("SET check_function_bodies = off")
    result = None
    try:
        for i, s in numbered:
            if s.stage == "pre":
                _one(conn, i, total, s, progress, in_tx=False)
        with conn.transaction():
            for i, s in numbered:
                if s.stage == "main":
                    _one(conn, i, total, s, progress, in_tx=True)
            if in_transaction is not None:
                result = in_transaction()
        for i, s in numbered:
            if s.stage == "post":
                _one(conn, i, total, s, progress, in_tx=False)
    finally:
        conn.execute("RESET lock_timeout")
        conn.execute("RESET statement_timeout")
        conn.execute("RESET check_function_bodies")
    return result


def _one(conn: psycopg.Connection[Any], i: int, total: int, s: PlannedStatement,
         progress: Progress | None, in_tx: bool) -> None:
    if progress:
        progress(i, total, s)
    try:
        conn.execute(s.sql.encode())
    except psycopg.Error as e:
        reason = (e.diag.message_primary or str(e)).strip()
        detail = f"\n  detail: {e.diag.message_detail}" if e.diag.message_detail else ""
        outcome = ("The transaction was rolled back: the database is exactly as it was." if in_tx
                   else "It ran outside the transaction; statements before it are applied.")
        raise DatabaseError(
            f"statement {i} of {total} failed: {reason}{detail}\n  statement: {s.sql}\n{outcome}",
            hint=e.diag.message_hint,
        ) from None


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


def read_history(conn: psycopg.Connection[Any], limit: int | None = None) -> list[HistoryEntry]:
    exists = conn.execute("SELECT to_regclass(%s)", [HISTORY_TABLE]).fetchone()
    if not exists or exists[0] is None:
        return []
    sql = (f"SELECT id, applied_at, kind, schema_hash, from_fingerprint, to_fingerprint, forward_sql,"
           f" backward_sql, statements, duration_ms, applied_by, tool_version FROM {HISTORY_TABLE}"
           " ORDER BY id DESC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [HistoryEntry(*r) for r in conn.execute(sql).fetchall()]
