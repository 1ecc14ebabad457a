"""Every statement's lock, named as PostgreSQL takes it: each classification is checked against
the lock the statement really holds in a real server (pg_locks, inside a transaction)."""
from __future__ import annotations

import json

import psycopg
import pytest

from schemacode import api
from schemacode.changes import AlterColumn, NameAttached, NameNotNull
from schemacode.model import Column
from schemacode.locks import lock_of

from .conftest import Database

SETUP = """
CREATE TABLE people (id int PRIMARY KEY, name varchar(50), age int, org int, nick varchar(50));
CREATE TABLE orgs (id int PRIMARY KEY);
CREATE INDEX people_age ON people (age);
CREATE UNIQUE INDEX people_name_u ON people (name);
CREATE VIEW names AS SELECT id, name FROM people;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER people_touch BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE people ADD CONSTRAINT people_age_nv CHECK (age > 0) NOT VALID;
CREATE POLICY adults ON people USING (id > 0);
CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE logs_2025 (id int, at date);
CREATE TABLE notes (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE notes_2024 PARTITION OF notes FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX notes_at ON ONLY notes (at);
CREATE INDEX notes_2024_at ON notes_2024 (at);
CREATE INDEX logs_at ON logs (at);
CREATE TABLE counters (id int GENERATED ALWAYS AS IDENTITY, body text);
"""

# (statement, level schemacode names, what it does while holding it)
CASES = [
    ("ALTER TABLE public.people ALTER COLUMN nick TYPE character varying(100)", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN org TYPE bigint", "ACCESS EXCLUSIVE", "rewrite"),
    ("ALTER TABLE public.people ADD COLUMN email text", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people DROP COLUMN age", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN age SET DEFAULT 0", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN age SET NOT NULL", "ACCESS EXCLUSIVE", "scan"),
    ("ALTER TABLE public.people ADD CONSTRAINT adult CHECK (age >= 18)", "ACCESS EXCLUSIVE", "scan"),
    ("ALTER TABLE public.people ADD CONSTRAINT adult CHECK (age >= 18) NOT VALID", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people VALIDATE CONSTRAINT people_age_nv", "SHARE UPDATE EXCLUSIVE", "scan"),
    ("ALTER TABLE public.people ADD CONSTRAINT people_org FOREIGN KEY (org) REFERENCES public.orgs(id)",
     "SHARE ROW EXCLUSIVE", "scan"),
    ("ALTER TABLE public.people ADD CONSTRAINT people_org FOREIGN KEY (org) REFERENCES public.orgs(id) NOT VALID",
     "SHARE ROW EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ADD CONSTRAINT people_name_key UNIQUE (name)", "ACCESS EXCLUSIVE", "build"),
    ("ALTER TABLE public.people ADD CONSTRAINT people_name_key UNIQUE USING INDEX people_name_u",
     "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people DROP CONSTRAINT people_age_nv", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people SET (fillfactor=70)", "SHARE UPDATE EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN age SET STATISTICS 500", "SHARE UPDATE EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people DISABLE TRIGGER people_touch", "SHARE ROW EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people RENAME TO persons", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people REPLICA IDENTITY FULL", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people SET UNLOGGED", "ACCESS EXCLUSIVE", "rewrite"),
    ("CREATE INDEX people_name ON public.people USING btree (name)", "SHARE", "build"),
    ("DROP INDEX public.people_age", "ACCESS EXCLUSIVE", "catalog"),
    ("CREATE TRIGGER t2 AFTER INSERT ON public.people FOR EACH ROW EXECUTE FUNCTION touch()",
     "SHARE ROW EXCLUSIVE", "catalog"),
    ("DROP TRIGGER people_touch ON public.people", "ACCESS EXCLUSIVE", "catalog"),
    ("COMMENT ON TABLE public.people IS 'x'", "SHARE UPDATE EXCLUSIVE", "catalog"),
    ("COMMENT ON COLUMN public.people.age IS 'x'", "SHARE UPDATE EXCLUSIVE", "catalog"),
    ("CREATE OR REPLACE VIEW public.names AS SELECT id, name, age FROM people", "ACCESS EXCLUSIVE", "catalog"),
    ("DROP VIEW public.names", "ACCESS EXCLUSIVE", "catalog"),
    ("DROP TABLE public.orgs", "ACCESS EXCLUSIVE", "catalog"),
    ("CREATE POLICY mine ON public.people FOR SELECT USING (org = 1)", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER POLICY adults ON public.people USING (id > 1)", "ACCESS EXCLUSIVE", "catalog"),
    ("DROP POLICY adults ON public.people", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ENABLE ROW LEVEL SECURITY", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.logs ATTACH PARTITION public.logs_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
     "ACCESS EXCLUSIVE", "scan"),
    ("ALTER TABLE public.logs DETACH PARTITION public.logs_2024", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people FORCE ROW LEVEL SECURITY", "ACCESS EXCLUSIVE", "catalog"),
    ("CREATE TABLE public.pets (id int, owner int REFERENCES public.people(id))", "SHARE ROW EXCLUSIVE", "catalog"),
    ("ALTER INDEX public.notes_at ATTACH PARTITION public.notes_2024_at", "ACCESS SHARE", "catalog"),
    (NameNotNull("public.people", "id", "people id present").statements()[0].sql, "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN nick SET (n_distinct='-0.5')", "SHARE UPDATE EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN nick RESET (n_distinct)", "SHARE UPDATE EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN nick SET STATISTICS -1", "SHARE UPDATE EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN nick SET STORAGE EXTERNAL", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ALTER COLUMN nick SET COMPRESSION pglz", "ACCESS EXCLUSIVE", "catalog"),
    # an identity's new limits, restarting it only where its value falls outside
    (AlterColumn("public.counters", Column("id", "integer", True, identity="always",
                                           identity_options="START WITH 1 INCREMENT BY 1 MINVALUE 1 "
                                           "MAXVALUE 2147483647 CACHE 1 NO CYCLE"),
                 Column("id", "integer", True, identity="always",
                        identity_options="START WITH -1 INCREMENT BY -1 MINVALUE -2147483648 MAXVALUE -1 "
                        "CACHE 1 NO CYCLE")).statements()[0].sql, "ACCESS EXCLUSIVE", "catalog"),
    # what the online phases add (changes/online.py)
    ("LOCK TABLE public.people, public.orgs IN ACCESS EXCLUSIVE MODE", "ACCESS EXCLUSIVE", "catalog"),
    ("ANALYZE public.people (age, name)", "SHARE UPDATE EXCLUSIVE", "scan"),
    ("ALTER TABLE public.people ENABLE ALWAYS TRIGGER people_touch", "SHARE ROW EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ADD CONSTRAINT people_age_nn NOT NULL age NOT VALID", "ACCESS EXCLUSIVE", "catalog"),
    ("ALTER TABLE public.people ADD CONSTRAINT people_age_nn NOT NULL age", "ACCESS EXCLUSIVE", "scan"),
]

# PostgreSQL's lock modes, weakest first
MODES = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
         "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]
NAMES = {"AccessShareLock": "ACCESS SHARE", "RowShareLock": "ROW SHARE", "RowExclusiveLock": "ROW EXCLUSIVE",
         "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE", "ShareLock": "SHARE",
         "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE", "ExclusiveLock": "EXCLUSIVE",
         "AccessExclusiveLock": "ACCESS EXCLUSIVE"}


def _held(conn: psycopg.Connection, relation: str) -> str:
    modes = [r[0] for r in conn.execute(
        "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = %s::regclass",
        (relation,)).fetchall()]
    return NAMES[max(modes, key=MODES.index)]


@pytest.mark.parametrize("sql,level,work", CASES, ids=[c[0][:60] for c in CASES])
def test_the_named_lock_is_the_lock_postgres_takes(db: Database, sql: str, level: str, work: str) -> None:
    if "contype = 'n'" in sql and db.major < 18:
        pytest.skip("NOT NULL constraints have names from PostgreSQL 18 on: the rename does nothing before")
    if " NOT NULL age" in sql and db.major < 18:
        pytest.skip("a NOT NULL constraint is added by name (and NOT VALID) from PostgreSQL 18 on")
    db.execute(SETUP)
    table = "public.notes_2024" if "notes_2024_at" in sql else "public.people" if "INDEX" in sql else None
    lock = lock_of(sql, rewrites=work == "rewrite", table=table)
    assert lock is not None and (lock.level, lock.work) == (level, work)
    with psycopg.connect(db.url) as conn:  # a transaction: its locks are held until rollback
        oids = {r: conn.execute("SELECT %s::regclass::oid", (r,)).fetchone() for r in lock.relations}
        conn.execute(sql.encode())
        for relation, oid in oids.items():
            held = _held(conn, str(oid[0]) if oid else relation)
            assert held == level, (relation, held)
        conn.rollback()


def test_statements_that_lock_no_table_name_none() -> None:
    for sql in ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "CREATE SCHEMA s",
                "ALTER TYPE public.mood ADD VALUE 'ok'", "CREATE TABLE public.t (id int)",
                "CREATE SEQUENCE public.s", "CREATE EXTENSION citext"]:
        assert lock_of(sql) is None, sql
    # an index renamed (a partition's copy of its parent's) locks the index, not its table
    assert lock_of(NameAttached("public.logs_2024", "public.logs", ("index", "logs_at"), "logs_2024_when")
                   .statements()[0].sql) is None
    # names with quotes and schemas other than public
    lock = lock_of('ALTER TABLE "My App"."Orders" ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES "My App".users(id)')
    assert lock is not None and lock.relations == ("My App.Orders", "My App.users")


OLD = """
tables:
  people:
    columns:
      id: int primary key
      name: {type: varchar(50), check: "name <> ''"}
      age: int
"""


def test_a_plan_names_the_lock_of_every_statement_on_existing_tables(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    new = db.load(OLD.replace("varchar(50)", "varchar(100)") + """
    indexes:
      people_age: [age]
  pets:
    columns:
      id: int primary key
      owner: {type: int, references: people}
""")
    plan = api.plan(new, db.url).plan
    locks = {s.sql.split(" (")[0]: s.lock for s in plan.forward}
    create_index = next(lk for sql, lk in locks.items() if sql.startswith("CREATE INDEX"))
    assert create_index and (create_index.level, create_index.work) == ("SHARE", "build")
    retype = next(lk for sql, lk in locks.items() if " TYPE " in sql)
    assert retype and (retype.level, retype.work) == ("ACCESS EXCLUSIVE", "catalog")
    # the new table is locked by no one; the table its foreign key references is
    create = next(s for s in plan.forward if s.sql.startswith("CREATE TABLE"))
    assert create.lock is None
    fk = next(s for s in plan.forward if "FOREIGN KEY" in s.sql)
    assert fk.lock and fk.lock.relations == ("public.people",)
    # every statement that blocks writes while it reads the table is a hazard
    for s in plan.forward:
        if s.lock and s.lock.stalls_writes:
            assert s.hazard_kinds() & {"lock", "rewrite"}, s.sql
    text = api.plan(new, db.url).plan
    from schemacode.render import plan_json, plan_text
    assert "SHARE on public.people: builds an index, blocks writes" in plan_text(text)
    forward = json.loads(plan_json(text))["forward"]
    assert {"level": "SHARE", "relations": ["public.people"], "work": "build", "blocks": "writes"} in \
        [s["lock"] for s in forward]
    # --online: the same changes take no lock that blocks writes while the table is read
    online = api.plan(new, db.url, online=True).plan
    assert [s.sql for s in online.forward if s.lock and s.lock.stalls_writes] == []


def test_renaming_a_partitions_copy_of_an_index_locks_no_table(db: Database) -> None:
    db.execute(SETUP)
    sql = NameAttached("public.logs_2024", "public.logs", ("index", "logs_at"), "logs_2024_when").statements()[0].sql
    with psycopg.connect(db.url) as conn:
        conn.execute(sql.encode())
        held = conn.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
                            "AND relation IN ('logs'::regclass, 'logs_2024'::regclass)").fetchone()
        assert held == (0,)
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'logs_2024_when'").fetchone() == (1,)
        conn.rollback()
