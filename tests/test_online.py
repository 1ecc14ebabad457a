"""Online rewrites (changes/online.py, backfill.py): a change that would make PostgreSQL rewrite a
table, applied with --online in phases while a writer inserts and updates the table; the rows
after are the rows before, converted (the writer's own included). Killed in any phase, it
resumes; aborted before its contract, the tables are as they were; the backward plan runs
online too."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import psycopg
import pytest

from schemacode import api
from schemacode.apply import Settings, in_progress
from schemacode.changes.online import PREFIX, TRIGGER
from schemacode.errors import DatabaseError, SchemacodeError
from schemacode.render import plan_json, plan_text
from schemacode.sqltext import rename_columns

from .conftest import Database
from .roundtrip import pg_dump

FAST = Settings(batch_size=500)


@dataclass(frozen=True)
class Case:
    id: str
    old: str
    new: str
    fill: str  # SQL: the rows the table starts with
    read: str  # the rows, each column as text, the key first
    insert: str  # an INSERT … RETURNING the columns read (%(n)s: a number)
    update: str  # an UPDATE … WHERE key = %(k)s RETURNING the columns read
    keys: int  # updates pick a key in 1..keys
    expect: tuple[str, ...] = ()  # per column read: its text after, as SQL of x (its text before)
    session: str = ""  # SQL each connection runs first (the database's settings)


FK = Case(
    "integer → bigint on a key a second table references",
    old="""
tables:
  orgs:
    columns:
      id: serial primary key
      name: text
  accounts:
    columns:
      id: {type: integer, identity: by default, primary_key: true}
      org_id: {type: integer, references: orgs, null: false}
      score: {type: integer, check: score >= 0}
    indexes:
      accounts_org: [org_id]
views:
  account_orgs: SELECT a.id, a.org_id, o.name FROM accounts a JOIN orgs o ON o.id = a.org_id
""",
    new="",
    fill="INSERT INTO orgs (name) SELECT 'org ' || g FROM generate_series(1, 50) g;"
         "INSERT INTO accounts (org_id, score) SELECT g % 50 + 1, g FROM generate_series(1, 6000) g",
    read="SELECT id::text, org_id::text, score::text FROM accounts",
    insert="INSERT INTO accounts (org_id, score) VALUES (%(n)s %% 50 + 1, %(n)s) "
           "RETURNING id::text, org_id::text, score::text",
    update="UPDATE accounts SET score = score + 1 WHERE id = %(k)s RETURNING id::text, org_id::text, score::text",
    keys=6000,
)
FK = Case(**{**FK.__dict__, "new": FK.old.replace("serial primary key", "bigserial primary key")
                                          .replace("type: integer, identity", "type: bigint, identity")
                                          .replace("org_id: {type: integer", "org_id: {type: bigint")})

PLAIN = """
tables:
  items:
    columns:
      id: bigint primary key
      n: {type: integer, comment: a count}
      note: text
    indexes:
      items_n: [n]
      items_n_big: {columns: [id], where: n > 100}
"""

CASES = [
    FK,
    Case("a plain integer → bigint, its indexes and comment",
         PLAIN, PLAIN.replace("n: {type: integer", "n: {type: bigint"),
         "INSERT INTO items SELECT g, g % 1000, 'x' FROM generate_series(1, 5000) g",
         "SELECT id::text, n::text, note FROM items",
         "INSERT INTO items (id, n, note) VALUES (%(n)s + 100000, %(n)s, 'w') RETURNING id::text, n::text, note",
         "UPDATE items SET n = n + 1 WHERE id = %(k)s RETURNING id::text, n::text, note", 5000),
    Case("text → integer with using:",
         "tables:\n  codes:\n    columns:\n      id: bigint primary key\n      code: text\n",
         "tables:\n  codes:\n    columns:\n      id: bigint primary key\n"
         "      code: {type: integer, using: trim(code)::integer}\n",
         "INSERT INTO codes SELECT g, ' ' || g FROM generate_series(1, 5000) g",
         "SELECT id::text, code::text FROM codes",
         "INSERT INTO codes (id, code) VALUES (%(n)s + 100000, ' 7') RETURNING id::text, code::text",
         "UPDATE codes SET id = id WHERE id = %(k)s RETURNING id::text, code::text", 5000,
         ("x", "trim(x)::integer::text")),
    Case("timestamp → timestamptz under a TimeZone that is not UTC",
         "tables:\n  events:\n    columns:\n      id: bigint primary key\n      at: timestamp\n",
         "tables:\n  events:\n    columns:\n      id: bigint primary key\n      at: timestamptz\n",
         "INSERT INTO events SELECT g, timestamp '2024-03-30 12:00' + g * interval '1 minute' "
         "FROM generate_series(1, 5000) g",
         "SELECT id::text, at::text FROM events",
         "INSERT INTO events (id, at) VALUES (%(n)s + 100000, timestamp '2024-10-27 02:30') RETURNING id::text, at::text",
         "UPDATE events SET at = at + interval '1 hour' WHERE id = %(k)s RETURNING id::text, at::text", 5000,
         ("x", "x::timestamp::timestamptz::text"), session="SET TimeZone = 'Europe/Paris'"),
    Case("an enum → text",
         "enums:\n  mood: [sad, ok, happy]\ntables:\n  people:\n    columns:\n"
         "      id: bigint primary key\n      mood: mood\n",
         "enums:\n  mood: [sad, ok, happy]\ntables:\n  people:\n    columns:\n"
         "      id: bigint primary key\n      mood: text\n",
         "INSERT INTO people SELECT g, (ARRAY['sad', 'ok', 'happy'])[g % 3 + 1]::mood FROM generate_series(1, 5000) g",
         "SELECT id::text, mood::text FROM people",
         "INSERT INTO people (id, mood) VALUES (%(n)s + 100000, 'ok') RETURNING id::text, mood::text",
         "UPDATE people SET mood = 'happy' WHERE id = %(k)s RETURNING id::text, mood::text", 5000),
    Case("text → an enum, on a table without a primary key (ctid ranges)",
         "enums:\n  mood: [sad, ok, happy]\ntables:\n  moods:\n    columns:\n"
         "      ref: {type: bigint, unique: true}\n      mood: text\n",
         "enums:\n  mood: [sad, ok, happy]\ntables:\n  moods:\n    columns:\n"
         "      ref: {type: bigint, unique: true}\n      mood: mood\n",
         "INSERT INTO moods SELECT g, (ARRAY['sad', 'ok', 'happy'])[g % 3 + 1] FROM generate_series(1, 5000) g",
         "SELECT ref::text, mood::text FROM moods",
         "INSERT INTO moods (ref, mood) VALUES (%(n)s + 100000, 'sad') RETURNING ref::text, mood::text",
         "UPDATE moods SET mood = 'happy' WHERE ref = %(k)s RETURNING ref::text, mood::text", 5000),
    Case("a table whose own trigger stamps updates: the backfill does not fire it",
         """
functions:
  touch:
    returns: trigger
    body: BEGIN NEW.touched = clock_timestamp(); RETURN NEW; END;
tables:
  notes:
    columns:
      id: bigint primary key
      n: integer
      touched: timestamptz
    triggers:
      notes_touch: {before: update, execute: touch}
""", "", "INSERT INTO notes SELECT g, g, '2024-01-01' FROM generate_series(1, 4000) g",
         "SELECT id::text, n::text, touched::text FROM notes",
         "INSERT INTO notes (id, n, touched) VALUES (%(n)s + 100000, 1, '2024-01-01') RETURNING id::text, n::text, touched::text",
         "UPDATE notes SET n = n + 1 WHERE id = %(k)s RETURNING id::text, n::text, touched::text", 4000),
]
CASES[-1] = Case(**{**CASES[-1].__dict__, "new": CASES[-1].old.replace("n: integer", "n: bigint")})


class Writer(threading.Thread):
    """Inserts and updates in a loop, one statement per transaction, and remembers each row as
    it last wrote it (what the table must hold at the end, converted). It names the columns it
    inserts: a rewritten column is the table's last one afterwards."""

    def __init__(self, db: Database, case: Case, rows: dict[str, tuple[str, ...]]) -> None:
        super().__init__(daemon=True)
        self.db, self.case, self.rows = db, case, rows
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.writes = 0

    def run(self) -> None:
        with psycopg.connect(self.db.url, autocommit=True, application_name="writer") as conn:
            if self.case.session:
                conn.execute(self.case.session)
            n = 0
            while not self.stop.is_set():
                n += 1
                sql = self.case.insert if n % 3 == 0 else self.case.update
                try:
                    row = conn.execute(sql, {"n": n, "k": n * 7919 % self.case.keys + 1}).fetchone()
                except psycopg.Error as e:
                    self.errors.append(str(e))
                    continue
                if row:
                    self.rows[row[0]] = tuple(row)
                    self.writes += 1
                time.sleep(0.001)

    def __enter__(self) -> Writer:
        self.start()
        time.sleep(0.1)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.join()


def read(db: Database, case: Case) -> dict[str, tuple[str, ...]]:
    with psycopg.connect(db.url) as conn:
        if case.session:
            conn.execute(case.session)
        return {r[0]: tuple(r) for r in conn.execute(case.read.encode()).fetchall()}


def expected(db: Database, case: Case, rows: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The rows as they must be after the change: each column converted as the case says."""
    if not case.expect:
        return dict(rows)
    keys = sorted(rows)
    with psycopg.connect(db.url) as conn:
        if case.session:
            conn.execute(case.session)
        columns = []
        for i, expr in enumerate(case.expect):
            values = [rows[k][i] for k in keys]
            columns.append([r[0] for r in conn.execute(
                f"SELECT {expr} FROM unnest(%s::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i".encode(),
                [values]).fetchall()])
    return {k: tuple(col[j] for col in columns) for j, k in enumerate(keys)}


def start(db: Database, case: Case) -> dict[str, tuple[str, ...]]:
    if case.session:
        db.execute(f"ALTER DATABASE {db.name} SET {case.session.removeprefix('SET ')}")
    api.apply(db.load(case.old), db.url)
    db.execute(case.fill)
    db.execute("VACUUM ANALYZE")
    return read(db, case)


def no_leftovers(db: Database) -> None:
    # (an index's own names for its columns are those it was built with: the shadows'; PostgreSQL
    # has no rename for them, and nothing but \d of the index shows them)
    assert db.execute(f"SELECT attrelid::regclass::text, attname FROM pg_attribute a JOIN pg_class c "
                      f"ON c.oid = a.attrelid WHERE attname LIKE '{PREFIX}%%' AND NOT attisdropped "
                      "AND c.relkind IN ('r', 'p', 'v')") == []
    assert db.execute(f"SELECT tgname FROM pg_trigger WHERE tgname = '{TRIGGER}'") == []
    assert db.execute("SELECT proname FROM pg_proc WHERE pronamespace::regnamespace::text = 'schemacode'") == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_rewrite_completes_online_with_every_row_as_it_was(db: Database, case: Case) -> None:
    rows = start(db, case)
    new = db.load(case.new)
    planned = api.plan(new, db.url, online=True).plan
    assert planned.program is not None and not planned.not_online, plan_text(planned)
    # nothing the plan runs holds a lock that stops writes while it reads or writes the table
    assert [s.sql for s in planned.all_forward() if s.lock and s.lock.stalls_writes] == []
    assert not planned.hazards("rewrite")
    with Writer(db, case, rows) as writer:
        result = api.apply(new, db.url, online=True, settings=FAST, allow_destructive=True)
        time.sleep(0.1)
    assert result.applied and writer.errors == [] and writer.writes > 0
    assert read(db, case) == expected(db, case, rows)
    assert api.plan(new, db.url).plan.is_empty
    no_leftovers(db)


def test_the_plan_shows_the_phases_their_locks_and_the_rows(db: Database) -> None:
    start(db, FK)
    planned = api.plan(db.load(FK.new), db.url, online=True).plan
    assert planned.program is not None
    assert [s.phase for s in planned.program.steps][:1] == ["expand"]
    assert {s.phase for s in planned.program.steps} == {"expand", "backfill", "contract"}
    assert planned.program.rows() == 6050  # the estimate: 6,000 accounts and 50 orgs
    text = plan_text(planned)
    assert "Online phases" in text and "~6,000 rows in batches of 1000 over its primary key" in text
    assert "ROW EXCLUSIVE on public.accounts: updates its rows in short batches" in text
    assert "ALTER TABLE public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX _sc_accounts_pkey" in text
    assert "ALTER TABLE public.accounts ADD CONSTRAINT accounts_org_id_fkey FOREIGN KEY (org_id) " \
           "REFERENCES public.orgs(id) NOT VALID" in text
    online = json.loads(plan_json(planned))["online"]
    assert [p["phase"] for p in online["phases"]] == ["expand", "backfill", "contract"]
    backfills = [s["backfill"] for p in online["phases"] for s in p["steps"] if s["backfill"]]
    assert {(b["table"], b["rows"]) for b in backfills} == {("public.accounts", 6000), ("public.orgs", 50)}
    assert online["backward_phases"] and online["in_progress"] is None
    from schemacode.markdown import plan_markdown
    md = plan_markdown(planned)  # the pull-request comment has them too
    assert "**Online phases**" in md and "3. backfill public.accounts: ~6,000 rows" in md
    # offline, the same change is one ALTER that rewrites the table
    offline = api.plan(db.load(FK.new), db.url).plan
    assert offline.program is None and offline.hazards("rewrite")


def test_what_cannot_be_online_says_why(db: Database) -> None:
    old = "tables:\n  t:\n    columns:\n      id: bigint primary key\n      a: integer\n"
    api.apply(db.load(old), db.url)
    new = old + "      b: {type: integer, generated: a * 2}\n"
    planned = api.plan(db.load(new), db.url, online=True).plan
    assert planned.program is None and planned.hazards("rewrite")
    assert any("stored generated column" in n for n in planned.not_online)
    assert "Not online" in plan_text(planned)
    assert json.loads(plan_json(planned))["online"]["not_online"] == list(planned.not_online)


def test_a_column_with_a_volatile_default_is_added_then_backfilled(db: Database) -> None:
    case = CASES[1]
    rows = start(db, case)
    new = db.load(case.old.replace("      note: text\n", "      note: text\n"
                                   "      token: {type: uuid, null: false, default: {sql: gen_random_uuid()}}\n"
                                   "      seen: {type: timestamptz, default: {sql: clock_timestamp()}}\n"))
    planned = api.plan(new, db.url, online=True).plan
    assert planned.program is not None
    sql = [s.sql for s in planned.program.statements()]
    assert "ALTER TABLE public.items ADD COLUMN token uuid" in sql
    assert "ALTER TABLE public.items ALTER COLUMN token SET DEFAULT gen_random_uuid()" in sql
    assert [s.sql for s in planned.all_forward() if s.lock and s.lock.stalls_writes] == []
    with Writer(db, case, rows) as writer:
        api.apply(new, db.url, online=True, settings=FAST)
    assert writer.errors == []
    assert read(db, case) == rows
    # every row its own value, none missing: the writer's as well as the rows that were there
    assert db.execute("SELECT count(*), count(DISTINCT token), count(seen) FROM items") == [(len(rows),) * 3]
    assert api.plan(new, db.url).plan.is_empty


def test_a_primary_key_over_nullable_columns_takes_no_long_lock(db: Database) -> None:
    old = "tables:\n  codes:\n    columns:\n      code: integer\n      name: text\n"
    api.apply(db.load(old), db.url)
    db.execute("INSERT INTO codes SELECT g, 'c' FROM generate_series(1, 2000) g")
    new = db.load(old.replace("code: integer", "code: integer primary key"))
    planned = api.plan(new, db.url, online=True).plan
    sql = [s.sql for s in planned.forward]
    assert [s for s in planned.forward if s.lock and s.lock.stalls_writes] == []
    assert any("CREATE UNIQUE INDEX CONCURRENTLY" in s for s in sql)
    assert "ALTER TABLE public.codes ADD CONSTRAINT codes_pkey PRIMARY KEY USING INDEX codes_pkey" in sql
    if db.major >= 18:  # one short lock for NOT NULL: the constraint itself NOT VALID, then validated
        assert "ALTER TABLE public.codes ADD CONSTRAINT codes_code_not_null NOT NULL code NOT VALID" in sql
        assert not any("CHECK (code IS NOT NULL)" in s for s in sql)
    api.apply(new, db.url, online=True)
    assert api.plan(new, db.url).plan.is_empty


APPLY = [sys.executable, "-m", "schemacode.cli"]


def _spawn(db: Database, schema: str, pause: str) -> subprocess.Popen[str]:
    path = db.write(schema)
    env = {**os.environ, "SCHEMACODE_ONLINE_PAUSE": pause}
    code = "from schemacode.cli import run; run()"
    return subprocess.Popen([sys.executable, "-c", code, "apply", "--online", "--auto-approve", "--batch-size", "500",
                             "--schema", str(path), "--database-url", db.url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _until_paused(proc: subprocess.Popen[str]) -> None:
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "paused at" in line:
            return
    proc.wait()
    raise AssertionError("the apply ended without pausing:\n" + "".join(seen))


def _gone(db: Database) -> None:
    """The server notices a killed client and rolls its transaction back; wait until it has."""
    for _ in range(200):
        if db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid() AND application_name <> 'writer'") == [(0,)]:
            return
        time.sleep(0.05)


@pytest.mark.parametrize("point", ["expand", "backfill:3", "contract"])
def test_killed_in_any_phase_apply_online_again_finishes(db: Database, point: str) -> None:
    rows = start(db, FK)
    api.plan(db.load(FK.new), db.url, online=True)  # the desired schema built and cached
    with Writer(db, FK, rows) as writer:
        proc = _spawn(db, FK.new, point)
        _until_paused(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _gone(db)
        running = in_progress(psycopg.connect(db.url, autocommit=True))
        assert running is not None
        if point == "backfill:3":
            assert running.phase == "backfill" and running.rows == 1500  # three batches, no more
        planned = api.plan(db.load(FK.new), db.url)  # said, not compared
        assert planned.plan.in_progress is not None
        assert "An online change is in progress" in plan_text(planned.plan)
        with pytest.raises(SchemacodeError, match="an online change is in progress"):
            api.apply(db.load(FK.new), db.url)  # not without --online
        api.apply(db.load(FK.new), db.url, online=True, settings=FAST)
        time.sleep(0.1)
    assert writer.errors == []
    assert read(db, FK) == rows
    assert api.plan(db.load(FK.new), db.url).plan.is_empty
    no_leftovers(db)


@pytest.mark.parametrize("point", ["expand", "backfill:2"])
def test_abort_leaves_the_tables_as_they_were(db: Database, point: str) -> None:
    rows = start(db, FK)
    before = pg_dump(db)
    api.plan(db.load(FK.new), db.url, online=True)
    with Writer(db, FK, rows) as writer:
        proc = _spawn(db, FK.new, point)
        _until_paused(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _gone(db)
        path = db.write(FK.new)
        from click.testing import CliRunner
        from schemacode.cli import main
        r = CliRunner().invoke(main, ["apply", "--abort", "--schema", str(path), "--database-url", db.url])
        assert r.exit_code == 0, r.output
        time.sleep(0.1)
    assert writer.errors == []
    assert pg_dump(db) == before
    assert read(db, FK) == rows
    no_leftovers(db)
    assert api.plan(db.load(FK.old), db.url).plan.is_empty
    history = api.history(db.url)
    assert history[0].status == "aborted"
    with pytest.raises(SchemacodeError, match="no online change is in progress"):
        api.abort(db.load(FK.new), db.url)


def test_the_backward_plan_is_applied_online_too(db: Database) -> None:
    rows = start(db, FK)
    api.apply(db.load(FK.new), db.url, online=True, settings=FAST)
    rows = read(db, FK)
    with Writer(db, FK, rows) as writer:
        entry, rollback_id = api.rollback(db.load(FK.new), db.url, allow_destructive=True, settings=FAST)
        time.sleep(0.1)
    assert writer.errors == []
    assert read(db, FK) == rows
    assert api.plan(db.load(FK.old), db.url).plan.is_empty
    history = {e.id: e for e in api.history(db.url)}
    assert history[rollback_id].kind == "rollback" and history[rollback_id].online is not None
    assert history[entry.id].rolled_back_by == rollback_id
    no_leftovers(db)


def test_a_failed_batch_stops_and_resumes_where_it_stopped(db: Database) -> None:
    case = CASES[2]  # text → integer
    start(db, case)
    db.execute("UPDATE codes SET code = 'not a number' WHERE id = 2600")
    new = db.load(case.new)
    with pytest.raises(DatabaseError, match="stopped at step 2 of .*invalid input syntax") as e:
        api.apply(new, db.url, online=True, settings=FAST, allow_destructive=True)
    assert "apply --online` resumes" in str(e.value)
    running = in_progress(psycopg.connect(db.url, autocommit=True))
    assert running is not None and running.rows == 2500  # the batches before the bad row committed
    db.execute("UPDATE codes SET code = '2600' WHERE id = 2600")  # a write the trigger converts
    api.apply(new, db.url, online=True, settings=FAST, allow_destructive=True)
    assert db.execute("SELECT count(*), sum(code) FROM codes") == [(5000, 5000 * 5001 // 2)]
    assert api.plan(new, db.url).plan.is_empty


def test_a_second_deployer_waits_for_the_first_then_finishes_its_change(db: Database) -> None:
    start(db, FK)
    api.plan(db.load(FK.new), db.url, online=True)
    first = _spawn(db, FK.new, "backfill:1")
    _until_paused(first)
    second = subprocess.Popen([sys.executable, "-c", "from schemacode.cli import run; run()", "apply", "--online",
                               "--auto-approve", "--schema", str(db.write(FK.new, "second.yaml")),
                               "--database-url", db.url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    assert second.poll() is None  # waiting for the deployers' lock
    first.send_signal(signal.SIGKILL)
    first.wait()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert api.plan(db.load(FK.new), db.url).plan.is_empty
    entries = [e for e in api.history(db.url) if e.online]
    assert len(entries) == 1 and entries[0].status == "done"  # the first's change, finished by the second


def test_each_phase_statement_takes_the_lock_the_plan_names(db: Database) -> None:
    """Run the phases step by step; in each transaction, after each statement, the strongest lock
    held on each relation it names is the one the plan names."""
    from .test_locks import MODES, NAMES, _held

    start(db, FK)
    planned = api.plan(db.load(FK.new), db.url, online=True).plan
    assert planned.program is not None
    checked = 0
    with psycopg.connect(db.url, autocommit=True) as conn:
        for step in planned.program.steps:
            if step.kind == "backfill":  # a batch takes ROW EXCLUSIVE (and row locks): writes go on
                from schemacode import backfill as bf
                spec = step.backfill
                assert spec is not None and step.statements[0].lock is not None
                assert step.statements[0].lock.level == "ROW EXCLUSIVE"
                with conn.transaction():
                    bf.run(conn, spec, bf.start(conn, spec), bf.Options(batch_size=100_000), lambda p: None)
                    assert _held(conn, spec.table) == "ROW EXCLUSIVE"
                    checked += 1
                continue
            if any("CONCURRENTLY" in s.sql or s.sql.startswith("VACUUM") for s in step.statements):
                for s in step.statements:
                    conn.execute(s.sql.encode())
                continue
            with conn.transaction():
                strongest: dict[str, str] = {}
                for s in step.statements:
                    conn.execute(s.sql.encode())
                    if s.lock is None:
                        continue
                    for rel in s.lock.relations:
                        named = max([strongest.get(rel, "ACCESS SHARE"), s.lock.level],
                                    key=lambda lv: MODES.index(next(k for k, v in NAMES.items() if v == lv)))
                        strongest[rel] = named
                        oid = conn.execute("SELECT to_regclass(%s)::oid", [rel]).fetchone()
                        if oid and oid[0]:
                            assert _held(conn, str(oid[0])) == named, (s.sql, rel)
                            checked += 1
    assert checked > 20
    assert api.plan(db.load(FK.new), db.url).plan.is_empty


def test_renaming_columns_in_sql_leaves_strings_calls_and_types_alone() -> None:
    names = {"org_id": "_sc_org_id", "Org": "_sc_Org", "text": "_sc_text"}
    assert rename_columns("USING btree (org_id, lower(name)) WHERE (org_id > 0 AND x.org_id = 1 AND name = 'org_id')",
                          names) == \
        "USING btree (_sc_org_id, lower(name)) WHERE (_sc_org_id > 0 AND x.org_id = 1 AND name = 'org_id')"
    assert rename_columns('("Org" COLLATE "C", text::text, text(1))', names) == \
        '("_sc_Org" COLLATE "C", _sc_text::text, text(1))'


def test_what_the_old_column_had_beyond_schema_yaml_is_carried(db: Database) -> None:
    """Column privileges and extended statistics are not declared in schema.yaml, and a
    statistics target declared as the database has it is not planned: the old column's go to the
    shadow before it is dropped, and nothing is lost."""
    case = CASES[1]
    start(db, case)
    case = replace(case, new=case.new.replace("n: {type: bigint", "n: {type: bigint, statistics: 500"))
    assert "statistics: 500" in case.new
    role = f"reader_{db.name}"
    db.execute(f"CREATE ROLE {role}; GRANT SELECT (n), UPDATE (n) ON items TO {role};"
               "ALTER TABLE items ALTER COLUMN n SET STATISTICS 500;"
               "CREATE STATISTICS items_n_note (dependencies) ON n, note FROM items;"
               "CREATE STATISTICS items_n_expr ON (n * 2), id FROM items")
    try:
        def carried() -> list[Any]:
            return db.execute(
                "SELECT (SELECT attacl::text FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'n'),"
                " (SELECT coalesce(attstattarget, -1) FROM pg_attribute WHERE attrelid = 'items'::regclass"
                "  AND attname = 'n'),"
                # (the columns of a statistics object are a set: made again, they are listed by position)
                " (SELECT string_agg(stxname || ' ' || array_to_string(stxkind, '') || ' ' || (SELECT string_agg(x, ', '"
                "  ORDER BY x) FROM unnest(string_to_array(pg_get_statisticsobjdef_columns(oid), ', ')) x), '; '"
                "  ORDER BY stxname) FROM pg_statistic_ext)")
        before = carried()
        api.apply(db.load(case.new), db.url, online=True, settings=FAST)
        assert carried() == before
        assert db.execute("SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'items'::regclass "
                          "AND attname = 'n'") == [("bigint",)]
    finally:
        db.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")


def _acceptance_rewrites() -> list[Any]:
    from .test_cases_objects import CASES as OBJECTS
    from .test_cases_tables import CASES as TABLES

    return [c for c in TABLES + OBJECTS if "rewrite" in c.hazards]


@pytest.mark.parametrize("case", _acceptance_rewrites(), ids=str)
def test_the_acceptance_rewrites_end_as_offline_and_come_back_online(db: Database, case: Any) -> None:
    """The acceptance cases that rewrite a table (tests/test_cases_*.py), applied online: the
    catalog is the new schema built directly, as offline; rolled back online, it is the old one."""
    old, new = db.load(case.old, "old.yaml"), db.load(case.new, "new.yaml")
    api.apply(old, db.url, allow_destructive=True)
    scope = sorted(set(old.scope) | set(new.scope))
    before = db.catalog(scope)
    if case.data:
        db.execute(case.data)
    planned = api.plan(new, db.url, online=True).plan
    if planned.program is None:  # what cannot be online says why, and is made as offline
        assert planned.not_online
        return
    api.apply(new, db.url, online=True, allow_destructive=True, settings=FAST)
    if case.check:
        assert db.execute(case.check) == [(True,)], case.check
    assert api.plan(new, db.url).plan.is_empty
    assert db.catalog(scope) == db.desired(new)
    api.rollback(new, db.url, allow_destructive=True, settings=FAST)
    assert db.catalog(scope) == before
    no_leftovers(db)


def test_without_the_privilege_to_quiet_triggers_the_change_is_made_offline_and_says_why(db: Database) -> None:
    from schemacode.changes.online import Target
    from schemacode.plan import make_plan

    case = CASES[-1]  # a table with its own trigger on UPDATE
    api.apply(db.load(case.old), db.url)
    current, desired = db.catalog(), db.desired(db.load(case.new))
    quiet = make_plan(current, desired, online=Target(db.major, "UTC", replica_role=True))
    assert quiet.program is not None and any(s.backfill and s.backfill.replica for s in quiet.program.steps)
    assert "its own triggers kept from firing" in plan_text(quiet)
    loud = make_plan(current, desired, online=Target(db.major, "UTC", replica_role=False))
    assert loud.program is None and loud.hazards("rewrite")
    assert any("would fire its triggers (notes_touch)" in n for n in loud.not_online)


def test_a_sequence_the_column_owns_stays_with_it(db: Database) -> None:
    old = """
tables:
  invoices:
    columns:
      id: {type: integer, default: {sql: "nextval('invoice_numbers')"}, primary_key: true}
      total: integer
sequences:
  invoice_numbers: {start: 1000, owned_by: invoices.id}
"""
    api.apply(db.load(old), db.url)
    db.execute("INSERT INTO invoices (total) SELECT g FROM generate_series(1, 1500) g")
    new = db.load(old.replace("id: {type: integer", "id: {type: bigint"))
    api.apply(new, db.url, online=True, settings=FAST)
    assert api.plan(new, db.url).plan.is_empty
    assert db.execute("SELECT nextval('invoice_numbers')") == [(2500,)]  # it went on, not over
    assert db.execute("SELECT pg_get_serial_sequence('invoices', 'id')") == [("public.invoice_numbers",)]
    no_leftovers(db)
