"""What a deployment costs the application: the longest time a writer waits while a change is
applied to a table with rows.

A table of ROWS rows (default 1,000,000) and a writer inserting and updating it in a loop; one
change at a time, each applied to a fresh copy of the table (a template database) by:
  schemacode apply, schemacode apply --online, Alembic autogenerate, migra
(the last two only when installed: pip install alembic sqlalchemy migra psycopg2-binary).
Per change and tool: the longest write stall the writer saw (ms), the apply time (ms), and
whether the table or its indexes were rebuilt (relfilenode before and after).

    python bench/deploy_cost.py [ROWS]        # prints a Markdown table

Changes PostgreSQL makes by rewriting the table, applied with --online in phases (expand,
backfill, contract) and as the single ALTER schemacode plans without it, on tables of each size
given, with a writer process inserting and updating throughout:

    python bench/deploy_cost.py --rewrites 1000000 10000000

Per change: the longest write stall, the total time, the backfill's rows per second, the
writer's errors, and whether every row is as it was (each row's checksum before, compared after;
the writer's own rows with what it wrote).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import psycopg

from schemacode import api
from schemacode.load import load_text
from schemacode.server import embedded_admin_url, home, with_database

BASE = """
tables:
  orgs:
    columns:
      id: int primary key
      name: text
  accounts:
    columns:
      id: {type: bigint, identity: by default, primary_key: true}
      org_id: int
      name: varchar(50)
      email: text
      score: int
      created_at: {type: timestamptz, default: {sql: now()}}
    indexes:
      accounts_name: [name]
views:
  account_names: SELECT id, name FROM accounts
"""

# (label, old text → new text in BASE)
CHANGES: list[tuple[str, list[tuple[str, str]]]] = [
    ("widen varchar(50) → varchar(100)", [("name: varchar(50)", "name: varchar(100)")]),
    ("varchar → text", [("name: varchar(50)", "name: text")]),
    ("add a column with a default", [("      score: int\n", "      score: int\n      status: {type: text, default: active}\n")]),
    ("add a NOT NULL column (default 0)", [("      score: int\n", "      score: int\n      tier: {type: int, null: false, default: 0}\n")]),
    ("add an index", [("      accounts_name: [name]\n", "      accounts_name: [name]\n      accounts_email: [email]\n")]),
    ("add a foreign key", [("      org_id: int\n", "      org_id: {type: int, references: orgs}\n")]),
    ("add a check", [("      score: int\n", "      score: {type: int, check: score >= 0}\n")]),
    ("set NOT NULL", [("      email: text\n", "      email: {type: text, null: false}\n")]),
    ("add a column to a view", [("SELECT id, name FROM accounts", "SELECT id, name, email FROM accounts")]),
    ("integer → bigint (a true rewrite)", [("      score: int\n", "      score: bigint\n")]),
]


def _apply_text(text: str, changes: list[tuple[str, str]]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


class Writer(threading.Thread):
    """Inserts and updates in a loop, one statement per transaction; records when each ends."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.done: list[float] = []
        self.stop = threading.Event()
        self.errors = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    if n % 2:
                        conn.execute("INSERT INTO accounts (org_id, name, email, score) "
                                     "VALUES (1, 'writer', 'w@example.com', 1)")
                    else:
                        conn.execute("UPDATE accounts SET score = score + 1 WHERE id = %s", (n * 7919 % 100000 + 1,))
                except psycopg.Error:
                    self.errors += 1  # the table being rebuilt under a tool that fails
                self.done.append(time.perf_counter())

    def stall(self, start: float, end: float) -> float:
        """The longest gap between two writes that overlaps [start, end], in ms."""
        times = [start] + [t for t in self.done if start <= t] + [max(end, self.done[-1] if self.done else end)]
        times = sorted(t for t in times if t <= end + 60)
        gaps = [b - a for a, b in zip(times, times[1:]) if b >= start and a <= end]
        return max(gaps, default=0.0) * 1000


def _nodes(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_relation_filenode(c.oid) FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')").fetchall()
    return {r[0]: r[1] for r in rows}


def _rebuilt(before: dict[str, int], after: dict[str, int]) -> str:
    changed = sorted(k for k in before if k in after and before[k] != after[k])
    if "accounts" in changed:
        return "table rewritten"
    idx = [k for k in changed if k.startswith("accounts")]
    return ("indexes: " + ", ".join(idx)) if idx else "no"


@dataclass
class Result:
    stall_ms: float
    apply_ms: float
    rebuilt: str
    note: str = ""


def _measure(url: str, run: Callable[[], None]) -> Result:
    before = _nodes(url)
    writer = Writer(url)
    writer.start()
    time.sleep(0.3)  # the writer is in its stride
    start = time.perf_counter()
    note = ""
    try:
        run()
    except Exception as e:  # a tool that cannot make the change: say so in the table
        note = f"fails: {str(e).splitlines()[0][:70]}"
    end = time.perf_counter()
    time.sleep(0.2)
    writer.stop.set()
    writer.join()
    return Result(writer.stall(start, end), (end - start) * 1000, _rebuilt(before, _nodes(url)), note)


def _schemacode(new_text: str, online: bool) -> Callable[[str], None]:
    def run(url: str) -> None:
        api.apply(load_text(new_text, "schema.yaml"), url, online=online, allow_destructive=True)
    return run


def _migra(target_url: str) -> Callable[[str], None]:
    exe = shutil.which("migra") or str(Path(sys.executable).parent / "migra")

    def run(url: str) -> None:
        out = subprocess.run([exe, "--unsafe", _uri(url), _uri(target_url)], capture_output=True, text=True)
        if out.returncode not in (0, 2):
            raise RuntimeError(out.stderr.strip().splitlines()[-1])
        with psycopg.connect(url) as conn:  # one transaction, as schemacode applies
            conn.execute(out.stdout.encode())
    return run


def _uri(dsn: str) -> str:
    """A postgresql:// URL for tools that take no libpq key=value string."""
    from urllib.parse import quote, urlencode

    params = psycopg.conninfo.conninfo_to_dict(dsn)
    db = params.pop("dbname", "")
    user = params.pop("user", "")
    host = params.pop("host", "")
    port = params.pop("port", None)
    query = urlencode({"host": host, **({"port": port} if port else {})})
    return f"postgresql://{quote(str(user))}@/{db}?{query}"


def _alembic(target_url: str) -> Callable[[str], None]:
    import sqlalchemy as sa
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from alembic.operations import Operations, ops

    def engine_for(u: str) -> sa.Engine:
        return sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(u))

    target = sa.MetaData()
    engine = engine_for(target_url)
    target.reflect(engine)  # the models, as an application would declare them
    engine.dispose()

    def run(url: str) -> None:
        eng = engine_for(url)
        with eng.begin() as conn:
            mc = MigrationContext.configure(conn, opts={"compare_type": True})
            script = produce_migrations(mc, target)
            op = Operations(mc)

            def invoke(o: ops.MigrateOperation) -> None:
                if isinstance(o, (ops.ModifyTableOps, ops.UpgradeOps)):
                    for x in o.ops:
                        invoke(x)
                else:
                    op.invoke(o)
            assert script.upgrade_ops is not None
            if script.upgrade_ops.is_empty():
                raise RuntimeError("autogenerate finds no change")
            invoke(script.upgrade_ops)
        eng.dispose()
    return run


def main(rows: int) -> None:
    admin = embedded_admin_url()
    tag = uuid.uuid4().hex[:6]
    template = f"deploy_base_{tag}"
    made: list[str] = []

    try:
        base_url = _create(admin, made, template)
        api.apply(load_text(BASE, "schema.yaml"), base_url)
        with psycopg.connect(base_url) as conn:
            conn.execute("INSERT INTO orgs SELECT g, 'org ' || g FROM generate_series(1, 100) g")
            conn.execute("INSERT INTO accounts (org_id, name, email, score) SELECT g %% 100 + 1, 'name ' || g, "
                         "'user' || g || '@example.com', g %% 1000 FROM generate_series(1, %s) g", (rows,))
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        tools: list[str] = ["schemacode", "schemacode --online"]
        try:
            import alembic  # noqa: F401
            tools.append("Alembic autogenerate")
        except ImportError:
            print("(Alembic not installed: pip install alembic sqlalchemy)", file=sys.stderr)
        if shutil.which("migra") or (Path(sys.executable).parent / "migra").exists():
            tools.append("migra")
        else:
            print("(migra not installed: pip install migra psycopg2-binary)", file=sys.stderr)

        print(f"{rows:,} rows; a writer inserting and updating in a loop. Stall: the longest the "
              "writer waited while the change was applied.\n")
        print("| change | tool | longest write stall (ms) | apply (ms) | rebuilt |")
        print("|---|---|---:|---:|---|")
        for label, edits in CHANGES:
            new_text = _apply_text(BASE, edits)
            target_url = _create(admin, made, f"deploy_target_{tag}")
            api.apply(load_text(new_text, "schema.yaml"), target_url)
            runners: dict[str, Callable[[str], None]] = {
                "schemacode": _schemacode(new_text, False),
                "schemacode --online": _schemacode(new_text, True),
            }
            if "Alembic autogenerate" in tools:
                runners["Alembic autogenerate"] = _alembic(target_url)
            if "migra" in tools:
                runners["migra"] = _migra(target_url)
            for tool, run in runners.items():
                name = f"deploy_run_{tag}"
                url = _create(admin, made, name, template)
                r = _measure(url, lambda: run(url))
                print(f"| {label} | {tool} | {r.stall_ms:,.0f} | {r.apply_ms:,.0f} | "
                      f"{r.note or r.rebuilt} |", flush=True)
                _drop(admin, name, made)
            _drop(admin, f"deploy_target_{tag}", made)
    finally:
        for name in list(made):
            _drop(admin, name, made)


def _create(admin: str, made: list[str], name: str, template_db: str | None = None) -> str:
    """A database of the benchmark's (from a template: a copy), noted in ``made`` for _drop."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template_db}" if template_db else ""))
    made.append(name)
    return with_database(admin, name)


def _drop(admin: str, name: str, made: list[str]) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if name in made:
        made.remove(name)


# -- rewrites ----------------------------------------------------------------------------------

REWRITE_BASE = """
tables:
  accounts:
    columns:
      id: {type: integer, identity: by default, primary_key: true}
      org_id: integer
      name: varchar(50)
      score: integer
      ref: text
      created_at: {type: timestamptz, default: {sql: now()}}
    indexes:
      accounts_score: [score]
  sessions:
    columns:
      id: {type: bigint, identity: by default, primary_key: true}
      account_id: {type: integer, references: accounts, null: false}
      started: {type: timestamptz, default: {sql: now()}}
    indexes:
      sessions_account: [account_id]
"""

REWRITES: list[tuple[str, list[tuple[str, str]]]] = [
    ("integer → bigint on a primary key referenced by a second table's foreign key", [
        ("id: {type: integer, identity", "id: {type: bigint, identity"),
        ("account_id: {type: integer,", "account_id: {type: bigint,")]),
    ("a plain integer → bigint (indexed)", [("      score: integer\n", "      score: bigint\n")]),
    ("text → integer with using:", [("      ref: text\n", "      ref: {type: integer, using: ref::integer}\n")]),
    ("a uuid column added with gen_random_uuid()", [
        ("      ref: text\n", "      ref: text\n      token: {type: uuid, null: false, default: {sql: gen_random_uuid()}}\n")]),
    ("a stored generated column added", [
        ("      ref: text\n", "      ref: text\n      score2: {type: bigint, generated: score * 2}\n")]),
]

# every row as text, by columns named (a new column and a column's new place change nothing)
ACCOUNT_ROW = "md5(ROW(id, org_id, name, score, ref, created_at)::text)"
SESSION_ROW = "md5(ROW(id, account_id, started)::text)"


def _write_loop(url: str, accounts: int, out: Any, stop: Any, ready: Any) -> None:
    """A writer process (not a thread: the apply's own Python must not stall it): inserts and
    updates, one statement per transaction, and sends back when each ended, its errors, and each
    row it wrote as it wrote it."""
    times: list[float] = []
    errors: list[str] = []
    wrote: dict[tuple[str, int], str] = {}
    # Not prepared: a prepared statement whose result's type changes fails once the column is
    # retyped ("cached plan must not change result type"), online or not; the stall is measured.
    with psycopg.connect(url, autocommit=True, application_name="bench writer", prepare_threshold=None) as conn:
        # Every lock wait of this writer longer than 20 ms is logged by the server, with how long
        # it waited: what the stall owes to locks, apart from what it owes to the machine.
        conn.execute("SET log_lock_waits = on")
        conn.execute("SET deadlock_timeout = '20ms'")
        pid = conn.info.backend_pid
        n = 0
        while not stop.is_set():
            n += 1
            key = n * 7919 % accounts + 1
            try:
                if n % 3 == 0:
                    row = conn.execute(f"INSERT INTO accounts (org_id, name, score, ref) VALUES "
                                       f"(1, 'writer', 1, '7') RETURNING id, {ACCOUNT_ROW}").fetchone()
                    table = "accounts"
                elif n % 3 == 1:
                    row = conn.execute(f"UPDATE accounts SET score = score + 1 WHERE id = %s "
                                       f"RETURNING id, {ACCOUNT_ROW}", [key]).fetchone()
                    table = "accounts"
                else:
                    row = conn.execute(f"INSERT INTO sessions (account_id) VALUES (%s) "
                                       f"RETURNING id, {SESSION_ROW}", [key]).fetchone()
                    table = "sessions"
                if row:
                    wrote[(table, int(row[0]))] = row[1]
            except psycopg.Error as e:
                errors.append(str(e).splitlines()[0])
            times.append(time.perf_counter())
            if n == 200:
                ready.set()
    out.send((times, errors, wrote, pid))


class _Idle(Exception):
    pass


@dataclass
class RewriteResult:
    stall_ms: float
    total_s: float
    rows_per_s: float | None
    errors: int
    identical: str
    note: str = ""
    during: str = ""  # the step the longest stall began in
    lock_wait: str = ""  # the writer's longest wait for a lock, from the server's log ("< 20": none logged)


def _lock_waits(log: Path, start: int, pid: int) -> str:
    """The writer's longest wait for a lock, as the server logged it (log_lock_waits: every wait
    longer than deadlock_timeout, 20 ms here, says how long it took once it got the lock)."""
    import re

    if not log.exists():
        return "?"
    with log.open("rb") as f:
        f.seek(start)
        text = f.read().decode(errors="replace")
    waits = [float(m.group(1)) for m in re.finditer(
        rf"\[{pid}\] LOG:  process {pid} (?:acquired|still waiting for) .*? after ([\d.]+) ms", text)]
    return f"{max(waits):,.0f}" if waits else "< 20"


def _stall_at(times: list[float], start: float, end: float) -> tuple[float, float]:
    """The longest gap between two writes that overlaps [start, end] (ms), and when it began."""
    marks = sorted([start] + [t for t in times if start <= t <= end + 60] + [end])
    gaps = [(b - a, a) for a, b in zip(marks, marks[1:]) if b >= start and a <= end]
    gap, at = max(gaps, default=(0.0, start))
    return gap * 1000, at


def _identical(url: str, wrote: dict[tuple[str, int], str], before: dict[str, int]) -> str:
    """Every row as it was: those the writer did not touch by their checksum before, those it
    wrote as it wrote them; and no row more or less."""
    with psycopg.connect(url) as conn:
        bad = 0
        for table, row in (("accounts", ACCOUNT_ROW), ("sessions", SESSION_ROW)):
            mine = sorted(k for t, k in wrote if t == table)
            bad += int(conn.execute(  # (the table before: bench.before_<table>, id → checksum)
                f"SELECT count(*) FROM {table} a JOIN bench.before_{table} b USING (id) "
                f"WHERE NOT (a.id = ANY(%s)) AND {row.replace('ROW(id', 'ROW(a.id')} <> b.h", [mine]).fetchone()[0])
            for (t, k), h in wrote.items():
                if t == table:
                    now = conn.execute(f"SELECT {row} FROM {table} WHERE id = %s", [k]).fetchone()
                    bad += int(now is None or now[0] != h)
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            new = sum(1 for t, k in wrote if t == table and k > before[table])
            bad += abs(int(count) - (before[f"{table}_count"] + new))
        return "yes" if bad == 0 else f"NO ({bad} rows differ)"


def _rewrite_run(url: str, text: str, online: bool, before: dict[str, int], idle: float = 0.0) -> RewriteResult:
    import multiprocessing as mp

    from schemacode.apply import Settings

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    stop, ready = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=_write_loop, args=(url, before["accounts"], child, stop, ready), daemon=True)
    writer.start()
    ready.wait(120)  # connected, in its stride
    reports: dict[str, Any] = {}
    steps: list[tuple[float, str]] = []  # when each step (or statement) started
    note = ""
    log = home() / "pgdata" / "log"
    log_from = log.stat().st_size if log.exists() else 0
    start = time.perf_counter()
    try:
        if idle:
            time.sleep(idle)
            raise _Idle
        result = api.apply(load_text(text, "schema.yaml"), url, online=online, allow_destructive=True,
                           settings=Settings(), bar=lambda r: reports.__setitem__(r.table, r),
                           progress=lambda i, n, s: steps.append((time.perf_counter(), s.change)))
        if online and result.plan.program is None:
            note = "not online: " + "; ".join(n.split(": ", 1)[-1] for n in result.plan.not_online)[:90]
    except _Idle:
        pass
    except Exception as e:
        note = f"fails: {str(e).splitlines()[0][:70]}"
    end = time.perf_counter()
    time.sleep(0.3)
    stop.set()
    times, errors, wrote, pid = parent.recv()
    writer.join()
    lock_wait = _lock_waits(log, log_from, pid)
    filled = sum(r.rows for r in reports.values())
    seconds = sum(r.seconds for r in reports.values())
    stall, at = _stall_at(times, start, end)
    during = next((name for t, name in reversed(steps) if t <= at), "before the first step")
    if os.environ.get("BENCH_VERBOSE"):
        print(f"    longest stall {stall:,.0f} ms, ending {at - start:.2f}s in, during: {during}; "
              f"longest lock wait {lock_wait}; errors: {sorted(set(errors))[:3]}", file=sys.stderr)
    return RewriteResult(stall, end - start, filled / seconds if seconds else None,
                         len(errors), _identical(url, wrote, before), note, during, lock_wait)


def rewrites(sizes: list[int]) -> None:
    admin = embedded_admin_url()
    tag = uuid.uuid4().hex[:6]
    made: list[str] = []

    print("A writer process inserts accounts and sessions and updates accounts in a loop, one statement "
          "per transaction, throughout. Stall: the longest the writer waited while the change was "
          "applied. Rows identical: each row's checksum before, compared after (the writer's rows with "
          "what it wrote). `sessions` has a tenth of the rows of `accounts`; backfill batches of 1,000 (the default).\n")
    print("| rows | change | apply | longest write stall (ms) | of which waiting for a lock (ms) | "
          "total (s) | backfill rows/s | writer errors | rows identical |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---|")
    try:
        for rows in sizes:
            base = f"rewrite_base_{tag}_{rows}"
            base_url = _create(admin, made, base)
            api.apply(load_text(REWRITE_BASE, "schema.yaml"), base_url)
            with psycopg.connect(base_url, autocommit=True) as conn:
                conn.execute("INSERT INTO accounts (org_id, name, score, ref) SELECT g %% 100, 'name ' || g, "
                             "g %% 1000, g::text FROM generate_series(1, %s) g", [rows])
                conn.execute("INSERT INTO sessions (account_id) SELECT g * 10 FROM generate_series(1, %s) g",
                             [rows // 10])
                conn.execute("CREATE SCHEMA bench")  # (schema.yaml's schema is public: left alone)
                for table, row in (("accounts", ACCOUNT_ROW), ("sessions", SESSION_ROW)):
                    conn.execute(f"CREATE TABLE bench.before_{table} AS SELECT id, {row} AS h FROM {table}")
                    conn.execute(f"ALTER TABLE bench.before_{table} ADD PRIMARY KEY (id)")
                conn.execute("VACUUM ANALYZE")
                before = {"accounts": rows, "sessions": rows // 10 * 1, "accounts_count": rows,
                          "sessions_count": rows // 10}
                before["sessions"] = int(conn.execute("SELECT max(id) FROM sessions").fetchone()[0])
            # What the machine does to the writer with no change at all: the floor of every stall below.
            name = f"rewrite_run_{tag}"
            url = _create(admin, made, name, base)
            idle = _rewrite_run(url, "", False, before, idle=20.0)
            print(f"| {rows:,} | nothing (the writer alone, 20 s) | — | {idle.stall_ms:,.0f} | {idle.lock_wait} | "
                  f"— | — | {idle.errors} | {idle.identical} |", flush=True)
            _drop(admin, name, made)
            for label, edits in REWRITES:
                text = _apply_text(REWRITE_BASE, edits)
                for online in (True, False):
                    name = f"rewrite_run_{tag}"
                    url = _create(admin, made, name, base)
                    r = _rewrite_run(url, text, online, before)
                    rate = f"{r.rows_per_s:,.0f}" if r.rows_per_s else "—"
                    tool = "schemacode apply --online" if online else "schemacode apply (one ALTER)"
                    print(f"| {rows:,} | {label} | {tool} | {r.stall_ms:,.0f} | {r.lock_wait} | "
                          f"{r.total_s:,.1f} | {rate} | "
                          f"{r.errors} | {r.identical}{' — ' + r.note if r.note else ''} |", flush=True)
                    _drop(admin, name, made)
            _drop(admin, base, made)
    finally:
        for name in list(made):
            _drop(admin, name, made)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        if sys.argv[1:2] == ["--rewrites"]:
            rewrites([int(a) for a in sys.argv[2:]] or [1_000_000, 10_000_000])
        else:
            main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
