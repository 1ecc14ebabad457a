"""Deploying safely: hazards, online mode, concurrent deployers, kill -9, history, rollback,
drift checks, migration files."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from schemacode import api
from schemacode.apply import LOCK_KEY, Settings, StalePlanError
from schemacode.cli import main
from schemacode.errors import DatabaseError, SchemacodeError
from schemacode.load import load_text

from .conftest import Database

BASE = """
tables:
  events:
    columns:
      id: bigserial primary key
      kind: {type: text, null: false, default: click}
      payload: jsonb
      user_id: bigint
  users:
    columns:
      id: bigserial primary key
"""

def with_index() -> str:
    return BASE.replace("      user_id: bigint\n", "      user_id: bigint\n    indexes:\n      idx_events_kind: [kind, id desc]\n")


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_every_hazard_class_is_shown(db: Database) -> None:
    api.apply(load_text(BASE.replace("      user_id: bigint\n", "      user_id: bigint\n      n: integer\n")), db.url)
    new = BASE.replace("      payload: jsonb\n", "      payload: {type: jsonb, null: false}\n") \
              .replace("      user_id: bigint\n", "      user_id: integer\n")
    planned = api.plan(load_text(new), db.url).plan
    forward = {h.kind for _, h in planned.hazards()}
    backward = {h.kind for s in planned.backward for h in s.hazards}
    assert {"data-loss", "lock"} <= forward  # n dropped, bigint → integer; SET NOT NULL
    assert "rewrite" in forward
    assert "irreversible" in backward  # n comes back empty
    text = run("plan", "--schema", str(db.write(new)), "--database-url", db.url)[1]
    assert "Hazards:" in text and "data-loss" in text and "irreversible" in text


def test_online_plan_uses_concurrently_and_not_valid(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    new = with_index().replace("      user_id: bigint\n",
                               "      user_id: {type: bigint, references: users.id}\n") \
        .replace("      payload: jsonb\n", "      payload: {type: jsonb, null: false}\n")
    db.execute("INSERT INTO events (payload) VALUES ('{}')")
    online = api.plan(load_text(new), db.url, online=True).plan
    sqls = [(s.stage, s.sql) for s in online.forward]
    assert ("post", "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_kind ON public.events "
                    "USING btree (kind, id DESC)") in sqls
    assert any(st == "main" and sql.endswith("NOT VALID") and "FOREIGN KEY" in sql for st, sql in sqls)
    assert ("post", "ALTER TABLE public.events VALIDATE CONSTRAINT events_user_id_fkey") in sqls
    if db.major >= 18:  # the NOT NULL constraint itself, NOT VALID, then validated
        assert ("main", "ALTER TABLE public.events ADD CONSTRAINT events_payload_not_null NOT NULL payload "
                        "NOT VALID") in sqls
        assert ("post", "ALTER TABLE public.events VALIDATE CONSTRAINT events_payload_not_null") in sqls
    else:  # a check proves it, then SET NOT NULL skips its scan
        assert ("post", "ALTER TABLE public.events ALTER COLUMN payload SET NOT NULL") in sqls
    assert not online.hazards("lock")
    result = api.apply(load_text(new), db.url, online=True)
    assert result.applied
    assert api.plan(load_text(new), db.url).plan.is_empty  # same catalog as the offline way
    back = api.plan(load_text(BASE), db.url, online=True).plan
    assert any(s.stage == "pre" and s.sql.startswith("DROP INDEX CONCURRENTLY") for s in back.forward)


def test_online_index_build_does_not_block_writers(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    db.execute("INSERT INTO events (kind, payload) SELECT 'k' || (i % 100), jsonb_build_object('i', i)"
               " FROM generate_series(1, 300000) AS i")
    errors: list[Exception] = []
    writes = 0
    stop = threading.Event()

    def writer() -> None:
        nonlocal writes
        with psycopg.connect(db.url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '200ms'")  # a blocked write fails instead of waiting
            while not stop.is_set():
                try:
                    conn.execute("INSERT INTO events (kind) VALUES ('live')")
                    writes += 1
                except Exception as e:  # pragma: no cover - the assertion reports it
                    errors.append(e)
                    return

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(0.2)
    try:
        result = api.apply(load_text(with_index()), db.url, online=True)
    finally:
        stop.set()
        t.join()
    assert result.applied
    assert errors == [] and writes > 0
    (valid,), = db.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_events_kind'::regclass")
    assert valid


def test_long_concurrent_build_reports_that_it_is_working(db: Database,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import schemacode.apply

    monkeypatch.setattr(schemacode.apply, "HEARTBEAT_SECONDS", 0.02)
    api.apply(load_text(BASE), db.url)
    db.execute("INSERT INTO events (kind) SELECT 'k' || i FROM generate_series(1, 300000) i")
    lines: list[str] = []
    api.apply(load_text(with_index()), db.url, online=True,
              progress=lambda i, n, s: lines.append(f"[{i}/{n}] {s.change}"))
    assert lines[0] == "[1/1] + index public.idx_events_kind on public.events"
    assert any("still building" in line for line in lines[1:])


def test_failed_concurrent_build_is_cleaned_up_and_retried(db: Database) -> None:
    unique = BASE.replace("      user_id: bigint\n",
                          "      user_id: bigint\n    indexes:\n      idx_one_kind: {unique: true, columns: [kind]}\n")
    api.apply(load_text(BASE), db.url)
    db.execute("INSERT INTO events (kind) VALUES ('same'), ('same')")
    with pytest.raises(DatabaseError, match="could not create unique index"):
        api.apply(load_text(unique), db.url, online=True)
    # No INVALID index is left behind; after fixing the data the same apply goes through.
    assert db.execute("SELECT count(*) FROM pg_class WHERE relname = 'idx_one_kind'") == [(0,)]
    db.execute("DELETE FROM events WHERE id = (SELECT max(id) FROM events)")
    assert api.apply(load_text(unique), db.url, online=True).applied
    assert api.plan(load_text(unique), db.url).plan.is_empty


def test_lock_timeout_is_retried_with_backoff(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    new = load_text(BASE.replace("      user_id: bigint\n", "      user_id: bigint\n      n: integer\n"))
    assert not api.plan(new, db.url).plan.is_empty  # materialized and cached before the lock
    ready = threading.Event()

    def blocker() -> None:
        with psycopg.connect(db.url) as conn:
            conn.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
            ready.set()
            time.sleep(1.5)
            conn.rollback()

    t = threading.Thread(target=blocker)
    t.start()
    ready.wait()
    started = time.monotonic()
    result = api.apply(new, db.url, settings=Settings(lock_timeout="100ms", retries=8, backoff=0.1))
    t.join()
    assert result.applied and result.attempts > 1
    assert time.monotonic() - started >= 1.0  # it waited for the blocker, in tries


def test_lock_wait_gives_up_with_a_clear_message(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        with pytest.raises(DatabaseError, match="another schemacode apply has held the lock"):
            api.apply(load_text(BASE), db.url, settings=Settings(lock_wait=0.3))
    assert db.execute("SELECT to_regclass('public.events')") == [(None,)]


APPLY_SCRIPT = """
import sys
from schemacode import api
from schemacode.load import load_file
r = api.apply(load_file(sys.argv[1]), sys.argv[2], allow_destructive=True)
print("applied" if r.applied else "nothing", flush=True)
"""


def _spawn(db: Database, schema: Path) -> subprocess.Popen[str]:
    env = {**os.environ}
    return subprocess.Popen([sys.executable, "-c", APPLY_SCRIPT, str(schema), db.url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_concurrent_applies_apply_once(db: Database) -> None:
    schema = db.write(with_index())
    db.desired(load_text(with_index(), str(schema)))  # warm the cache for both
    procs = [_spawn(db, schema) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(o[0].strip() for o in outs) == ["applied", "nothing"]
    assert db.execute("SELECT count(*) FROM schemacode.schemacode_history") == [(1,)]


def wait_for_backends_to_end(db: Database) -> None:
    """The server notices a killed client and rolls its transaction back; wait until it has."""
    for _ in range(100):
        if db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                      " AND pid <> pg_backend_pid()") == [(0,)]:
            return
        time.sleep(0.05)


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9, 1.5])
def test_kill_9_leaves_before_or_after(db: Database, delay: float) -> None:
    old = load_text(BASE)
    api.apply(old, db.url)
    db.execute("INSERT INTO events (kind, payload) SELECT 'k' || i, '{}' FROM generate_series(1, 200000) i")
    before = db.catalog()
    new_text = with_index().replace("      user_id: bigint\n", "      user_id: bigint\n      extra: {type: text, default: x}\n") \
        .replace("      kind: {type: text,", "      kind: {type: varchar(200),")  # rewrites: a longer window
    schema = db.write(new_text)
    after_catalog = db.desired(load_text(new_text, str(schema)))
    proc = _spawn(db, schema)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    wait_for_backends_to_end(db)
    now = db.catalog()
    (count,), = db.execute("SELECT count(*) FROM schemacode.schemacode_history")
    if now == before:
        assert count == 1  # only the first apply
    else:
        assert now == after_catalog, "neither the before nor the after schema"
        assert count == 2
    # Either way, apply again finishes the job.
    api.apply(load_text(new_text), db.url, allow_destructive=True)
    assert api.plan(load_text(new_text), db.url).plan.is_empty


def test_kill_9_in_the_middle_of_the_transaction_changes_nothing(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    before = db.catalog()
    new_text = with_index().replace("  users:\n    columns:\n", "  users:\n    columns:\n      name: text\n") \
        .replace("      user_id: bigint\n", "      user_id: bigint\n      extra: text\n")
    schema = db.write(new_text)
    db.desired(load_text(new_text, str(schema)))
    with psycopg.connect(db.url) as blocker:
        # SHARE lets the catalog be read but not the table altered: the apply, having altered
        # events already in its transaction, waits on users.
        blocker.execute("LOCK TABLE users IN SHARE MODE")
        proc = _spawn(db, schema)
        for _ in range(200):  # until the apply is inside its transaction, waiting for the lock
            waiting = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                 " AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE public.users%'")
            if waiting != [(0,)]:
                break
            time.sleep(0.05)
        assert waiting != [(0,)], "the apply never reached the locked table"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        blocker.rollback()
    wait_for_backends_to_end(db)
    assert db.catalog() == before  # the index built before the wait is gone too
    assert db.execute("SELECT count(*) FROM schemacode.schemacode_history") == [(1,)]


def test_rollback_returns_to_before_and_is_recorded(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    before = db.catalog()
    new = with_index().replace("      user_id: bigint\n", "      user_id: bigint\n      extra: text\n")
    path = db.write(new)
    assert api.apply(load_text(new), db.url).applied
    code, out, err = run("rollback", "--schema", str(path), "--database-url", db.url, "--auto-approve",
                         "--allow-destructive")
    assert code == 0, err
    assert db.catalog() == before
    code, out, _ = run("history", "--database-url", db.url)
    assert "rollback" in out and "rolled back by" in out
    code, _, err = run("rollback", "--schema", str(path), "--database-url", db.url, "--auto-approve",
                       "--allow-destructive")
    assert code == 0  # the first apply (of BASE) is the next one to undo
    assert db.execute("SELECT to_regclass('public.events')") == [(None,)]


def test_an_online_apply_with_steps_after_its_transaction_rolls_back(db: Database) -> None:
    """An index built concurrently (after the apply's transaction) is part of the state the apply
    recorded: rollback finds the database as the apply left it, and undoes it."""
    api.apply(load_text(BASE), db.url)
    before = db.catalog()
    result = api.apply(load_text(with_index()), db.url, online=True)
    assert any(s.stage == "post" and "CONCURRENTLY" in s.sql for s in result.plan.forward)
    api.rollback(load_text(with_index()), db.url, allow_destructive=True)
    assert db.catalog() == before


def test_rollback_refuses_when_the_database_moved_on(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    db.execute("ALTER TABLE events ADD COLUMN by_hand text")
    with pytest.raises(StalePlanError, match="not in the state apply 1 left it in"):
        api.rollback(load_text(BASE), db.url, allow_destructive=True)
    assert db.execute("SELECT to_regclass('public.events')") != [(None,)]


def test_rollback_of_a_drop_needs_allow_destructive(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    with pytest.raises(SchemacodeError, match="--allow-destructive"):
        api.rollback(load_text(BASE), db.url)


def test_check_reports_drift(db: Database) -> None:
    path = str(db.write(BASE))
    api.apply(load_text(BASE), db.url)
    code, out, _ = run("check", "--schema", path, "--database-url", db.url)
    assert code == 0 and "matches" in out
    db.execute("ALTER TABLE events ADD COLUMN by_hand text")
    code, out, _ = run("check", "--schema", path, "--database-url", db.url)
    assert code == 2 and "- column public.events.by_hand" in out


def test_migration_files_and_their_checksums(db: Database) -> None:
    folder = db.tmp / "migrations"
    path = db.write(BASE)
    code, _, err = run("plan", "--schema", str(path), "--database-url", db.url, "--out", str(folder))
    assert code == 0, err
    api.apply(load_text(BASE), db.url)
    path.write_text(with_index())
    code, _, err = run("plan", "--schema", str(path), "--database-url", db.url, "--online",
                       "--out", str(folder))
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["0001_add_table_events_and_1_more.down.sql", "0001_add_table_events_and_1_more.up.sql",
                     "0002_add_index_idx_events_kind_on_events.down.sql",
                     "0002_add_index_idx_events_kind_on_events.up.sql", "schemacode.sum"]
    up = (folder / "0002_add_index_idx_events_kind_on_events.up.sql").read_text()
    assert "-- runs on its own, after the transaction\nCREATE INDEX CONCURRENTLY" in up
    assert "SET lock_timeout = '5s';\nSET statement_timeout = '0';" in up  # as apply sets them
    # The up files, run by another tool (psql), build the same schema.
    other = Database(db.admin, db.name + "_psql", db.tmp)
    with psycopg.connect(db.admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{other.name}"')
    from schemacode.server import postgres_bin
    for f in sorted(folder.glob("*.up.sql")):
        subprocess.run([str(postgres_bin() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", other.url, "-f", str(f)], check=True)
    assert api.plan(load_text(with_index()), other.url).plan.is_empty
    code, _, _ = run("check", "--schema", str(path), "--database-url", other.url, "--migrations", str(folder))
    assert code == 0
    (folder / "0001_add_table_events_and_1_more.up.sql").write_text("-- edited\n")
    code, _, err = run("check", "--schema", str(path), "--database-url", other.url, "--migrations", str(folder))
    assert code == 1 and "edited after it was generated" in err


def test_rename_hint(db: Database) -> None:
    api.apply(load_text(BASE), db.url)
    renamed = BASE.replace("      payload: jsonb\n", "      body: jsonb\n")
    planned = api.plan(load_text(renamed), db.url)
    assert any("renamed_from: payload" in w for w in planned.warnings)
