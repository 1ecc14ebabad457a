"""The backfill of an online rewrite (changes/online.py): the rows a table had when it started,
filled in batches, each its own short transaction.

Batches walk the primary key (``WHERE (key) > last ORDER BY key LIMIT n``: an index range, however
far the walk has gone), or, for a table without one, ranges of its pages by ctid. The rows after
the key the table had at the start are not visited: they were written after the trigger that
keeps them in step was there. Each batch's transaction also records where the walk is (the
``record`` callback writes it to schemacode's history), so a backfill stopped anywhere — killed, a
lost connection, a failed batch — resumes exactly after the last batch that committed: no row is
skipped, none is filled twice. A row that is filled already (the trigger did it) is left alone.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import psycopg

from .changes.online import Backfill
from .sqltext import ident, qname_ident

# Transient failures a batch is tried again after: lock timeout, deadlock, serialization.
RETRYABLE = ("55P03", "40P01", "40001")


@dataclass(frozen=True)
class Position:
    """Where a backfill is: the last key done (its columns as text), the key it stops at, the rows
    visited so far. For ctid ranges: the next page, and the pages the table had."""

    last: tuple[str, ...] | None
    upper: tuple[str, ...] | None
    rows: int = 0
    total: int | None = None  # rows to visit, as estimated when it started
    batches: int = 0

    @property
    def finished(self) -> bool:
        return self.upper is None

    def as_json(self) -> dict[str, Any]:
        return {"last": list(self.last) if self.last is not None else None,
                "upper": list(self.upper) if self.upper is not None else None,
                "rows": self.rows, "total": self.total, "batches": self.batches}

    @staticmethod
    def from_json(d: dict[str, Any]) -> Position:
        return Position(tuple(d["last"]) if d.get("last") is not None else None,
                        tuple(d["upper"]) if d.get("upper") is not None else None,
                        int(d.get("rows", 0)), d.get("total"), int(d.get("batches", 0)))


@dataclass(frozen=True)
class Report:
    """What the progress bar shows."""

    table: str
    rows: int
    total: int | None
    seconds: float  # since this run of it started
    done: bool = False
    resumed_at: int = 0  # rows done before this run (a resumed backfill)

    @property
    def rate(self) -> float:
        """Rows per second in this run."""
        return (self.rows - self.resumed_at) / self.seconds if self.seconds > 0 else 0.0

    @property
    def left(self) -> float | None:
        """Seconds left, at the rate so far (None: nothing to go by yet)."""
        if self.total is None or self.rate <= 0:
            return None
        return max(self.total - self.rows, 0) / self.rate


@dataclass
class Options:
    batch_size: int = 1000
    pause: float = 0.0  # seconds between batches
    retries: int = 30
    backoff: float = 0.1
    after_batch: Callable[[int], None] | None = field(default=None, repr=False)  # (batches done)


def _cols(spec: Backfill) -> str:
    return ", ".join(ident(c) for c, _ in spec.key)


def _params(spec: Backfill) -> str:
    return ", ".join(f"%s::{t}" for _, t in spec.key)


def _set(spec: Backfill) -> str:
    return ", ".join(f"{ident(c)} = {value}" for c, value in spec.assignments)


def batch_sql(spec: Backfill, size: int, first: bool = False) -> str:
    """One batch: the next ``size`` keys up to the upper one, their rows that are still to do
    filled; returns the keys visited, the rows filled and the last key (as text)."""
    t = qname_ident(spec.table)
    if not spec.key:
        return (f"WITH filled AS (UPDATE {t} SET {_set(spec)} WHERE ctid >= %s::tid AND ctid < %s::tid "
                f"AND ({spec.todo}) RETURNING 1)\nSELECT count(*) FROM filled")
    cols = _cols(spec)
    lower = "" if first else f"({cols}) > ({_params(spec)}) AND "
    desc = ", ".join(f"b.{ident(c)} DESC" for c, _ in spec.key)
    last = ", ".join(f"last.{ident(c)}::text" for c, _ in spec.key)
    return (f"WITH batch AS MATERIALIZED (SELECT {cols} FROM {t} WHERE {lower}({cols}) <= ({_params(spec)}) "
            f"ORDER BY {cols} LIMIT {int(size)}),\n"
            f"filled AS (UPDATE {t} SET {_set(spec)} WHERE ({cols}) IN (SELECT {cols} FROM batch) "
            f"AND ({spec.todo}) RETURNING 1)\n"
            f"SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM filled), {last} "
            f"FROM (SELECT {cols} FROM batch AS b ORDER BY {desc} LIMIT 1) AS last")


def shown_sql(spec: Backfill, size: int) -> str:
    """The batch statement as a plan shows it."""
    return batch_sql(spec, size).replace("%s", "$n")


def start(conn: psycopg.Connection[Any], spec: Backfill) -> Position:
    """Where a backfill starts: nothing done, up to the last key (or page) the table has now."""
    from .introspect import query_text

    size = conn.execute(query_text("table_size"), {"table": qname_ident(spec.table)}).fetchone()
    total = int(size[0]) if size and size[2] else None
    t = qname_ident(spec.table)
    if not spec.key:
        blocks = int(size[1]) if size else 0
        return Position(("0",), (str(blocks),) if blocks else None, 0, total)
    # (ORDER BY the table's columns, not the text of them the query returns)
    desc = ", ".join(f"t.{ident(c)} DESC" for c, _ in spec.key)
    last = ", ".join(f"t.{ident(c)}::text" for c, _ in spec.key)
    row = conn.execute(f"SELECT {last} FROM {t} AS t ORDER BY {desc} LIMIT 1".encode()).fetchone()
    return Position(None, tuple(row) if row else None, 0, total)


def run(conn: psycopg.Connection[Any], spec: Backfill, pos: Position, options: Options,
        record: Callable[[Position], None], progress: Callable[[Report], None] | None = None) -> Position:
    """Fill the rows from ``pos`` on, batch by batch; each batch calls ``record`` in its own
    transaction. Returns the finished position."""
    if pos.finished:
        return pos
    started = time.monotonic()
    rows_at_start = pos.rows
    pages = _pages_per_batch(conn, spec, options.batch_size) if not spec.key else 0
    if spec.replica:  # the table's own triggers must not see the backfill as updates
        conn.execute("SET session_replication_role = replica")
    # A policy that hid rows from the backfill would leave them unfilled: an error instead.
    conn.execute("SET row_security = off")
    try:
        while not pos.finished:
            pos = _batch(conn, spec, pos, options, pages, record)
            if options.after_batch:
                options.after_batch(pos.batches)
            if progress:
                progress(Report(spec.table, pos.rows, pos.total, time.monotonic() - started,
                                pos.finished, rows_at_start))
            if options.pause and not pos.finished:
                time.sleep(options.pause)
    finally:
        if not conn.closed:
            conn.execute("RESET row_security")
            if spec.replica:
                conn.execute("RESET session_replication_role")
    return pos


def _pages_per_batch(conn: psycopg.Connection[Any], spec: Backfill, size: int) -> int:
    from .introspect import query_text

    row = conn.execute(query_text("table_size"), {"table": qname_ident(spec.table)}).fetchone()
    per_page = (row[0] / row[1]) if row and row[1] and row[2] and row[0] else 50.0
    return max(1, int(size / max(per_page, 1.0)))


def _batch(conn: psycopg.Connection[Any], spec: Backfill, pos: Position, options: Options, pages: int,
           record: Callable[[Position], None]) -> Position:
    for attempt in range(options.retries + 1):
        try:
            with conn.transaction():
                # Not waiting for the WAL to be flushed (or a standby) at each commit: a crash of the
                # server loses the last batches and their recorded position together, and the
                # backfill resumes before them.
                conn.execute("SET LOCAL synchronous_commit = off")
                nxt = _one_batch(conn, spec, pos, options.batch_size, pages)
                record(nxt)
            return nxt
        except psycopg.Error as e:
            if e.sqlstate not in RETRYABLE or attempt == options.retries:
                raise
            time.sleep(min(options.backoff * 2 ** attempt, 5.0))
    raise AssertionError("unreachable")


def _one_batch(conn: psycopg.Connection[Any], spec: Backfill, pos: Position, size: int, pages: int) -> Position:
    assert pos.upper is not None
    if not spec.key:
        first, end = int(pos.last[0] if pos.last else 0), int(pos.upper[0])
        stop = min(first + pages, end)
        row = conn.execute(batch_sql(spec, size).encode(), [f"({first},0)", f"({stop},0)"]).fetchone()
        filled = int(row[0]) if row else 0
        return Position((str(stop),), None if stop >= end else pos.upper, pos.rows + filled, pos.total,
                        pos.batches + 1)
    params = ([] if pos.last is None else list(pos.last)) + list(pos.upper)
    row = conn.execute(batch_sql(spec, size, first=pos.last is None).encode(), params).fetchone()
    if row is None:  # no key left up to the upper one
        return Position(pos.last, None, pos.rows, pos.total, pos.batches + 1)
    visited, last = int(row[0]), tuple(row[2:])
    done = visited < size or last == pos.upper
    return Position(last, None if done else pos.upper, pos.rows + visited, pos.total, pos.batches + 1)


__all__ = ["Position", "Report", "Options", "batch_sql", "shown_sql", "start", "run"]
