"""SQLite as a second target: the same schema.yaml planned, applied, re-planned empty, rolled
back; SQLite's table rebuild with rows in the table; BEGIN IMMEDIATE, kill -9 mid-apply; what
SQLite cannot hold a located error; pull and import from SQLite, exact."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemacode import api
from schemacode.apply import RefusedError, Settings
from schemacode.cli import main
from schemacode.errors import DatabaseError, SchemaError
from schemacode.load import load_text
from schemacode.sqlite.catalog import read

ROOT = Path(__file__).resolve().parent.parent
AGENT_LOGS = ROOT / "examples" / "agent_logs" / "schema.yaml"


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def catalog(path: Path) -> object:
    with closing(sqlite3.connect(path)) as conn:
        return read(conn)


def test_agent_logs_plans_applies_replans_empty_and_rolls_back(tmp_path: Path) -> None:
    db = tmp_path / "agent_logs.db"
    planned = api.plan(AGENT_LOGS, url(db)).plan
    summary = [c.summary() for c in planned.changes]
    assert "+ table tasks" in summary and "+ trigger tasks_set_updated_at" in summary
    assert "+ index idx_agent_logs_context" not in summary  # GIN: `sqlite: skip`
    result = api.apply(AGENT_LOGS, url(db))
    assert result.applied and result.history_id == 1
    assert api.plan(AGENT_LOGS, url(db)).plan.is_empty
    # what the translation made, working: enums as CHECK … IN, ISO 8601 times, the trigger
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("INSERT INTO agents (name, agent_type) VALUES ('a', 'writer')")
        conn.execute("INSERT INTO tasks (type, user_id) VALUES ('research', 'u1')")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO tasks (type, user_id) VALUES ('gardening', 'u1')")
        created = conn.execute("SELECT created_at, status FROM tasks").fetchone()
        assert created[1] == "pending" and created[0].endswith("Z") and "T" in created[0]
        conn.execute("UPDATE tasks SET title = 'x' WHERE id = 1")
        conn.commit()
    entries = api.history(url(db))
    assert [e.kind for e in entries] == ["apply"]
    api.rollback(AGENT_LOGS, url(db), allow_destructive=True)
    assert rows(db, "SELECT name FROM sqlite_schema WHERE name NOT LIKE 'schemacode%'") == []
    assert [e.kind for e in api.history(url(db))] == ["rollback", "apply"]


def test_the_cli_on_sqlite(tmp_path: Path) -> None:
    db = url(tmp_path / "a.db")
    r = CliRunner().invoke(main, ["plan", "--schema", str(AGENT_LOGS), "--database-url", db,
                                  "--detailed-exitcode"])
    assert r.exit_code == 2, r.output
    r = CliRunner().invoke(main, ["plan", "--schema", str(AGENT_LOGS), "--database-url", db, "--format", "json"])
    assert r.exit_code == 0 and '"CREATE TABLE \\"tasks\\"' in r.output
    out = tmp_path / "migrations"
    r = CliRunner().invoke(main, ["plan", "--schema", str(AGENT_LOGS), "--database-url", db, "--out", str(out)])
    assert r.exit_code == 0 and sorted(p.name.split(".", 1)[1] for p in out.glob("0001_*")) == ["down.sql", "up.sql"]
    r = CliRunner().invoke(main, ["apply", "--schema", str(AGENT_LOGS), "--database-url", db, "--auto-approve"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["check", "--schema", str(AGENT_LOGS), "--database-url", db])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["history", "--database-url", db])
    assert "apply" in r.output


OLD = """
tables:
  notes:
    columns:
      id: bigserial primary key
      title: varchar(100)
      body: text
      score: integer
      kind: {type: text, default: plain}
    indexes:
      notes_title: [title]
    checks:
      score_positive: score >= 0
"""


def test_a_rebuild_keeps_every_row(tmp_path: Path) -> None:
    """A type, NOT NULL, a check and a column dropped: SQLite's rebuild, rows copied; the way
    back is a rebuild too, and the rows of the columns both have are still there."""
    db = tmp_path / "n.db"
    api.apply(load_text(OLD), url(db))
    with closing(sqlite3.connect(db)) as conn:
        conn.executemany("INSERT INTO notes (title, body, score) VALUES (?, ?, ?)",
                         [(f"t{i}", f"body {i}", i) for i in range(500)])
        conn.commit()
    before = rows(db, "SELECT id, title, body, score FROM notes ORDER BY id")
    new = load_text(OLD.replace("title: varchar(100)", "title: {type: varchar(200), null: false}")
                    .replace("      body: text\n", "").replace("score >= 0", "score >= 0 AND score < 1000"))
    planned = api.plan(new, url(db)).plan
    assert [c.summary() for c in planned.changes] == [
        "~ table notes rebuilt (drops body; changes title; checks)"]
    assert "data-loss" in {h.kind for _, h in planned.hazards()}
    with pytest.raises(RefusedError):
        api.apply(new, url(db))
    api.apply(new, url(db), allow_destructive=True)
    assert rows(db, "SELECT id, title, score FROM notes ORDER BY id") == [(i, t, s) for i, t, _, s in before]
    assert rows(db, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'notes'") == [
        ("notes_title",)]
    assert api.plan(new, url(db)).plan.is_empty
    api.rollback(new, url(db), allow_destructive=True)  # the way back: a rebuild, body comes back empty
    assert rows(db, "SELECT id, title, score FROM notes ORDER BY id") == [(i, t, s) for i, t, _, s in before]
    assert api.plan(load_text(OLD), url(db)).plan.is_empty


def test_a_column_sqlite_can_add_is_added_without_a_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    api.apply(load_text(OLD), url(db))
    new = load_text(OLD.replace("      kind:", "      flag: {type: boolean, null: false, default: false}\n"
                                             "      note: text\n      kind:").replace(
        "      kind: {type: text, default: plain}\n", "") + "")
    # (columns added at the end only: `kind` stays where it was)
    new = load_text(OLD.replace("    indexes:", "      flag: {type: integer, null: false, default: 0}\n"
                                               "      note: text\n    indexes:"))
    planned = api.plan(new, url(db)).plan
    assert [s.sql for s in planned.forward] == [
        'ALTER TABLE "notes" ADD COLUMN "flag" INTEGER NOT NULL DEFAULT 0',
        'ALTER TABLE "notes" ADD COLUMN "note" TEXT']
    api.apply(new, url(db))
    assert api.plan(new, url(db)).plan.is_empty


@pytest.mark.parametrize("text,line,message", [
    ("tables:\n  t:\n    columns: {id: int, tags: 'text[]'}\n", 3, "type text[] has no SQLite equivalent"),
    ("tables:\n  t:\n    columns: {id: int, doc: jsonb}\n    indexes:\n      t_doc: {using: gin, columns: [doc]}\n",
     5, "SQLite has no gin indexes"),
    ("functions:\n  f:\n    returns: trigger\n    body: BEGIN RETURN NEW; END;\ntables:\n  t:\n    columns: {id: int}\n",
     2, "SQLite has no functions"),
    ("schemas: [app]\ntables:\n  app.t:\n    columns: {id: int}\n", 3, "SQLite has one schema"),
    ("tables:\n  t:\n    columns: {id: int}\n    rules:\n      keep: {event: delete, instead: true, do: nothing}\n",
     2, "SQLite has no rules (rule keep)"),
    ("casts:\n  text AS int: {inout: true}\n", 2, "SQLite has no casts"),
    ("foreign_servers:\n  s: {wrapper: postgres_fdw}\nforeign_tables:\n  ft: {server: s, columns: {a: int}}\n",
     2, "SQLite has no foreign servers"),
    ("tables:\n  t:\n    columns:\n      id:\n        type: int\n        sqlite: {tpye: TEXT}\n", 6,
     "sqlite: of column t.id is `skip` or a mapping of collate, default, type, virtual"),
    ("tables:\n  t:\n    columns:\n      id: int\n      n: {type: int, default: {sql: gen_random_uuid()}}\n",
     5, "n"),
])
def test_what_sqlite_cannot_hold_is_a_located_error(tmp_path: Path, text: str, line: int, message: str) -> None:
    with pytest.raises(SchemaError) as e:
        api.plan(load_text(text), url(tmp_path / "x.db"))
    assert message in str(e.value)
    assert e.value.line == line, str(e.value)
    assert not (tmp_path / "x.db").exists() or rows(tmp_path / "x.db", "SELECT count(*) FROM sqlite_schema") == [(0,)]


def test_a_second_writer_waits_then_says_why(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    api.apply(load_text(OLD), url(db))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another apply (or any writer) in the middle of its work
    try:
        new = load_text(OLD.replace("score: integer", "score: bigint"))
        with pytest.raises(DatabaseError) as e:
            api.apply(new, url(db), settings=Settings(lock_wait=0.3))
        assert "another writer holds the SQLite database" in str(e.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.apply(load_text(OLD.replace("body: text", "body: varchar(10)")), url(db)).applied


KILLED = """
import sys, time
from schemacode import api
from schemacode.load import load_text
def slow(i, total, s):
    if s.sql.startswith("INSERT INTO"):
        print("copying", flush=True)
        time.sleep(60)
api.apply(load_text(sys.argv[2]), "sqlite:///" + sys.argv[1], allow_destructive=True, progress=slow)
"""


def test_kill_9_in_the_middle_of_an_apply_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    api.apply(load_text(OLD), url(db))
    with closing(sqlite3.connect(db)) as conn:
        conn.executemany("INSERT INTO notes (title) VALUES (?)", [(f"t{i}",) for i in range(100)])
        conn.commit()
    before = catalog(db), rows(db, "SELECT * FROM notes ORDER BY id")
    new = OLD.replace("body: text", "body: {type: text, null: false, default: ''}")
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(db), new], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ})
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "copying"  # the new table is made; the rows not yet
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (catalog(db), rows(db, "SELECT * FROM notes ORDER BY id")) == before
    assert api.plan(load_text(OLD), url(db)).plan.is_empty


LEGACY = """
CREATE TABLE users (
  id integer primary key autoincrement,
  email varchar(200) not null unique collate nocase,
  name TEXT,
  created DATETIME DEFAULT CURRENT_TIMESTAMP,
  active boolean not null default 1,
  score real check (score >= 0)
);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id int REFERENCES users(id) ON DELETE CASCADE,
  title text NOT NULL, body blob, CONSTRAINT title_len CHECK (length(title) < 200));
CREATE TABLE tags (post_id integer, tag text, PRIMARY KEY (post_id, tag),
  FOREIGN KEY (post_id) REFERENCES posts (id)) WITHOUT ROWID;
CREATE INDEX posts_user on posts(user_id, title DESC) where title is not null;
CREATE UNIQUE INDEX users_lower_name ON users (lower(name));
CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN UPDATE users SET created = CURRENT_TIMESTAMP WHERE id = new.id; END;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active = 1;
"""


def test_pull_from_sqlite_comes_back_the_same(tmp_path: Path) -> None:
    """A schema nobody here wrote (hand-written SQLite): pulled, planned empty against itself,
    applied to an empty file, which then holds the same catalog, and re-plans empty."""
    src = tmp_path / "legacy.db"
    with closing(sqlite3.connect(src)) as conn:
        conn.executescript(LEGACY)
    pulled = api.pull(url(src))
    assert pulled.warnings == []
    loaded = load_text(pulled.text, "pulled.yaml")
    assert api.plan(loaded, url(src)).plan.is_empty
    dst = tmp_path / "new.db"
    api.apply(loaded, url(dst))
    assert catalog(dst) == catalog(src)
    assert api.plan(loaded, url(dst)).plan.is_empty
    assert "id: {type: bigserial}" in pulled.text or "id: bigserial" in pulled.text


def test_a_dotted_table_name_from_sqlite_comes_back_the_same(tmp_path: Path) -> None:
    src = tmp_path / "dotted.db"
    with closing(sqlite3.connect(src)) as conn:
        conn.executescript('CREATE TABLE "a.b" (id INTEGER PRIMARY KEY, "x.y" text);'
                           'CREATE TABLE c (ref integer REFERENCES "a.b" (id));')
    pulled = api.pull(url(src))
    assert "'\"a.b\"':" in pulled.text
    loaded = load_text(pulled.text, "pulled.yaml")
    assert api.plan(loaded, url(src)).plan.is_empty
    dst = tmp_path / "new.db"
    api.apply(loaded, url(dst))
    assert catalog(dst) == catalog(src)


def test_import_sqlite_sql_files(tmp_path: Path) -> None:
    sql = tmp_path / "schema.sql"
    sql.write_text(LEGACY)
    r = CliRunner().invoke(main, ["import", "--dialect", "sqlite", str(sql), "-o", str(tmp_path / "s.yaml")])
    assert r.exit_code == 0, r.output
    db = tmp_path / "i.db"
    api.apply(tmp_path / "s.yaml", url(db))
    with closing(sqlite3.connect(tmp_path / "ref.db")) as conn:
        conn.executescript(LEGACY)
    assert catalog(db) == catalog(tmp_path / "ref.db")


def test_overrides_for_sqlite(tmp_path: Path) -> None:
    text = textwrap.dedent("""
        tables:
          events:
            columns:
              id: bigserial primary key
              tags: {type: "text[]", sqlite: {type: JSON, default: "'[]'"}}
              at: {type: timestamptz, default: {sql: now()}}
            indexes:
              events_tags: {using: gin, columns: [tags], sqlite: skip}
            triggers:
              events_audit:
                after: insert
                execute: audit
                sqlite: {body: "INSERT INTO audit (what) VALUES ('event ' || NEW.id)"}
          audit:
            columns: {what: text}
            triggers:
              audit_only_here: {sqlite: {sql: "CREATE TRIGGER audit_only_here AFTER DELETE ON audit BEGIN SELECT 1; END"}}
        functions:
          audit:
            returns: trigger
            body: BEGIN INSERT INTO audit VALUES ('event ' || NEW.id); RETURN NEW; END;
            sqlite: skip
    """)
    db = tmp_path / "o.db"
    api.apply(load_text(text), url(db))
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO events DEFAULT VALUES")
        conn.commit()
        assert conn.execute("SELECT tags FROM events").fetchall() == [("[]",)]
        assert conn.execute("SELECT what FROM audit").fetchall() == [("event 1",)]
    assert api.plan(load_text(text), url(db)).plan.is_empty
    assert sorted(catalog(db).triggers) == ["audit_only_here", "events_audit"]  # type: ignore[attr-defined]


def test_views_and_a_changed_index(tmp_path: Path) -> None:
    text = """
tables:
  t:
    columns: {id: int primary key, n: int}
    indexes:
      t_n: [n]
views:
  big: {query: "SELECT id FROM t WHERE n > 10"}
"""
    db = tmp_path / "v.db"
    api.apply(load_text(text), url(db))
    new = text.replace("t_n: [n]", "t_n: [n desc]").replace("n > 10", "n > 20")
    planned = api.plan(load_text(new), url(db)).plan
    assert sorted(c.summary() for c in planned.changes) == [
        "+ index t_n", "+ view big", "- index t_n", "- view big"]
    api.apply(load_text(new), url(db))
    assert api.plan(load_text(new), url(db)).plan.is_empty
    time.sleep(0)


def test_two_applies_at_once_one_applies_the_other_finds_nothing_left(tmp_path: Path) -> None:
    """The second waits for the first's BEGIN IMMEDIATE to end, plans again under it, and finds
    the database already as schema.yaml says."""
    import threading

    db = tmp_path / "c.db"
    api.apply(load_text(OLD), url(db))
    with closing(sqlite3.connect(db)) as conn:
        conn.executemany("INSERT INTO notes (title) VALUES (?)", [(f"t{i}",) for i in range(20000)])
        conn.commit()
    new = load_text(OLD.replace("title: varchar(100)", "title: varchar(300)"))  # a rebuild: it takes a while
    results: list[object] = []

    def run() -> None:
        try:
            results.append(api.apply(new, url(db)).applied)
        except Exception as e:  # pragma: no cover - reported by the assertion below
            results.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [False, True], results
    assert [e.kind for e in api.history(url(db))] == ["apply", "apply"]
    assert rows(db, "SELECT count(*) FROM notes") == [(20000,)]


def test_the_docs_example_builds_on_sqlite(tmp_path: Path) -> None:
    import re as _re

    text = (ROOT / "docs" / "sqlite.md").read_text()
    block = next(b for b in _re.findall(r"```yaml\n(.*?)```", text, _re.DOTALL) if "sqlite: skip" in b)
    db = tmp_path / "d.db"
    api.apply(load_text(block, "sqlite.md"), url(db))
    assert api.plan(load_text(block, "sqlite.md"), url(db)).plan.is_empty
    assert sorted(catalog(db).triggers) == ["tasks_set_updated_at"]  # type: ignore[attr-defined]


def test_renames_keep_the_rows(tmp_path: Path) -> None:
    """renamed_from on a table and a column: ALTER TABLE … RENAME, rows, indexes and the
    foreign keys that point at them kept; the way back renames them back."""
    old = """
tables:
  people:
    columns: {id: bigserial primary key, full_name: text not null, age: integer}
    indexes:
      people_name: [full_name]
  pets:
    columns: {id: bigserial primary key, owner: {type: bigint, references: people.id}}
"""
    new = """
tables:
  persons:
    renamed_from: people
    columns:
      id: bigserial primary key
      name: {type: text, null: false, renamed_from: full_name}
      age: integer
    indexes:
      people_name: [name]
  pets:
    columns: {id: bigserial primary key, owner: {type: bigint, references: persons.id}}
"""
    db = tmp_path / "r.db"
    api.apply(load_text(old), url(db))
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO people (full_name, age) VALUES ('Ada', 36)")
        conn.execute("INSERT INTO pets (owner) VALUES (1)")
        conn.commit()
    planned = api.plan(load_text(new), url(db)).plan
    assert [s.sql for s in planned.forward] == ['ALTER TABLE "people" RENAME TO "persons"',
                                                'ALTER TABLE "persons" RENAME COLUMN "full_name" TO "name"']
    api.apply(load_text(new), url(db))
    assert rows(db, "SELECT id, name, age FROM persons") == [(1, "Ada", 36)]
    assert api.plan(load_text(new), url(db)).plan.is_empty
    api.rollback(load_text(new), url(db))
    assert rows(db, "SELECT id, full_name, age FROM people") == [(1, "Ada", 36)]
    assert api.plan(load_text(old), url(db)).plan.is_empty


def test_a_rebuild_that_rows_break_applies_nothing(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    api.apply(load_text(OLD), url(db))
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO notes (title) VALUES (NULL)")
        conn.commit()
    before = catalog(db)
    new = load_text(OLD.replace("title: varchar(100)", "title: {type: varchar(100), null: false}"))
    planned = api.plan(new, url(db)).plan
    assert any("fails (and nothing is applied) if a row of notes has no value for title, now NOT NULL" in h.message
               for _, h in planned.hazards())
    with pytest.raises(DatabaseError) as e:
        api.apply(new, url(db))
    assert "NOT NULL constraint failed" in str(e.value) and "exactly as it was" in str(e.value)
    assert catalog(db) == before and rows(db, "SELECT count(*) FROM notes") == [(1,)]
    assert api.history(url(db))[0].id == 1  # no history row for what did not happen


def test_what_stays_postgresql_only_says_so(tmp_path: Path) -> None:
    db = url(tmp_path / "x.db")
    for args in (["diagram", "--schema", str(AGENT_LOGS), "--changes", "--database-url", db],
                 ["diff", "--from-url", db, "--to-url", db]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1 and r.output.startswith("Error: "), r.output
        assert "Traceback" not in r.output
    r = CliRunner().invoke(main, ["plan", "--schema", str(AGENT_LOGS), "--database-url", url(tmp_path / "no" / "x.db")])
    assert r.exit_code == 1 and "cannot open SQLite database" in r.output, r.output


def test_pull_generated_strict_and_untyped_columns(tmp_path: Path) -> None:
    src = tmp_path / "g.db"
    with closing(sqlite3.connect(src)) as conn:
        conn.executescript("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, price REAL NOT NULL, qty INTEGER NOT NULL DEFAULT 1,
              total REAL GENERATED ALWAYS AS (price * qty) STORED, label TEXT AS (upper(name)) VIRTUAL,
              name TEXT) STRICT;
            CREATE TABLE pairs (a TEXT PRIMARY KEY, b INT) WITHOUT ROWID;
            CREATE TABLE untyped (x, y DEFAULT 3);
        """)
    pulled = api.pull(url(src))
    assert pulled.warnings == [] and "virtual: true" in pulled.text and "strict: true" in pulled.text
    dst = tmp_path / "copy.db"
    api.apply(load_text(pulled.text), url(dst))
    assert catalog(dst) == catalog(src)
    with closing(sqlite3.connect(dst)) as conn:
        conn.execute("INSERT INTO items (price, qty, name) VALUES (2.5, 2, 'x')")
        assert conn.execute("SELECT total, label FROM items").fetchall() == [(5.0, "X")]


def test_an_enum_value_renamed_rewrites_the_rows(tmp_path: Path) -> None:
    old = "enums:\n  mood: [ok, sad]\ntables:\n  days:\n    columns: {id: bigserial primary key, mood: mood}\n"
    new = old.replace("[ok, sad]", "[ok, {unhappy: {renamed_from: sad}}]")
    db = tmp_path / "e.db"
    api.apply(load_text(old), url(db))
    with closing(sqlite3.connect(db)) as conn:
        conn.executemany("INSERT INTO days (mood) VALUES (?)", [("ok",), ("sad",), (None,)])
        conn.commit()
    planned = api.plan(load_text(new), url(db)).plan
    assert any("CASE \"mood\" WHEN 'sad' THEN 'unhappy' ELSE \"mood\" END" in s.sql for s in planned.forward)
    api.apply(load_text(new), url(db))
    assert rows(db, "SELECT mood FROM days ORDER BY id") == [("ok",), ("unhappy",), (None,)]
    assert api.plan(load_text(new), url(db)).plan.is_empty
    api.rollback(load_text(new), url(db))
    assert rows(db, "SELECT mood FROM days ORDER BY id") == [("ok",), ("sad",), (None,)]
