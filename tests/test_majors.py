"""Targets of another major than the embedded scratch server's (docs/deploying.md).

The desired schema is built on a server of the target's major: the embedded scratch server when
the majors agree, else the target's own server (a temporary database created and dropped there),
or --dev-url. Run with SCHEMACODE_TEST_PG=/usr/lib/postgresql/15/bin, the targets here are a
PostgreSQL 15 and the cross-major tests run; on the embedded server alone, the embedded version
is made to look like another major to reach the same code.
"""
from __future__ import annotations

import uuid
from typing import Iterator

import psycopg
import pytest
from click.testing import CliRunner

from schemacode import api, scratch
from schemacode.cli import main
from schemacode.errors import DatabaseError, SchemaError
from schemacode.server import embedded_admin_url, embedded_version

from .conftest import Database, database_names
from .roundtrip import other_database, pg_dump

SCHEMA = "tables:\n  majors:\n    columns: {id: serial primary key, note: text}\n"


def test_the_tests_run_on_the_server_asked_for(db: Database) -> None:
    """SCHEMACODE_TEST_PG names the programs of the tests' server: its major is the targets'."""
    import os
    import re
    import subprocess

    from .pgserver import ENV

    folder = os.environ.get(ENV)
    if not folder:
        assert db.major == (embedded_version() or 0) // 10000
        return
    shown = subprocess.run([f"{folder}/postgres", "-V"], capture_output=True, text=True).stdout
    m = re.search(r"\) (\d+)", shown)
    assert m and db.major == int(m.group(1))


@pytest.fixture
def other_major(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """``db``, whose major differs from the embedded server's: really (the PostgreSQL 15 pass),
    or as the embedded version is made to say."""
    if db.major == (embedded_version() or 0) // 10000:
        monkeypatch.setattr(scratch, "embedded_version", lambda: (db.major - 1) * 10000)
    return db


def test_a_target_of_another_major_builds_on_its_own_server(other_major: Database) -> None:
    db = other_major
    before = database_names(db.admin)
    planned = api.plan(db.load(SCHEMA), db.url)
    assert planned.warnings == ()  # no warning: nothing to do by hand
    assert "+ table public.majors" in [c.summary() for c in planned.plan.changes]
    api.apply(db.load(SCHEMA), db.url)
    assert api.plan(db.load(SCHEMA), db.url).plan.is_empty
    assert database_names(db.admin) == before  # its temporary databases were dropped


def test_a_role_that_may_not_create_databases_is_told_to_pass_dev_url(other_major: Database) -> None:
    db = other_major
    role = "r_" + uuid.uuid4().hex[:8]
    db.execute(f"CREATE ROLE {role} LOGIN NOCREATEDB")
    try:
        db.execute(f'GRANT ALL ON DATABASE "{db.name}" TO {role}; GRANT ALL ON SCHEMA public TO {role}')
        as_role = f"{db.url} user={role}"
        with pytest.raises(DatabaseError) as e:
            api.plan(db.load(SCHEMA), as_role)
        assert f"role {role} may not create databases there" in e.value.message
        assert "--dev-url" in str(e.value.hint)
        r = CliRunner().invoke(main, ["plan", "--schema", str(db.write(SCHEMA)), "--database-url", as_role])
        assert r.exit_code == 1 and "Traceback" not in r.output and "--dev-url" in r.stderr
        # with --dev-url (here the target's server as its owner), it plans
        assert api.plan(db.load(SCHEMA), as_role, dev_url=db.admin).plan.changes
    finally:
        db.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}")
        with psycopg.connect(db.admin, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")


@pytest.fixture
def embedded_db(db: Database) -> Iterator[Database]:
    """A database on the embedded server, beside ``db`` on a server of another major."""
    if db.major == (embedded_version() or 0) // 10000:
        pytest.skip("needs a target of another major: SCHEMACODE_TEST_PG=/usr/lib/postgresql/15/bin")
    other = other_database(db, "e", embedded_admin_url())
    yield other
    with psycopg.connect(other.admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{other.name}" WITH (FORCE)')


def test_what_the_target_major_lacks_is_a_located_error(db: Database, embedded_db: Database) -> None:
    if db.major >= 18:
        pytest.skip("uuidv7() is new in PostgreSQL 18")
    text = "tables:\n  ids:\n    columns:\n      id: {type: uuid, default: {sql: uuidv7()}}\n"
    with pytest.raises(SchemaError) as e:
        api.plan(db.load(text), db.url)
    assert (e.value.file, e.value.line) == ("schema.yaml", 2) and "uuidv7" in e.value.message
    assert not db.execute("SELECT 1 FROM pg_class WHERE relname = 'ids'")
    assert api.plan(embedded_db.load(text), embedded_db.url).plan.changes  # 18 has it


def test_dev_url_of_another_major_warns(db: Database, embedded_db: Database) -> None:
    planned = api.plan(db.load(SCHEMA), db.url, dev_url=embedded_db.admin)
    assert planned.warnings and "--dev-url server is PostgreSQL" in planned.warnings[0]


# What both majors can express: the kinds schema.yaml declares, with the text each major
# prints for them (SQL-standard bodies, NULLS NOT DISTINCT, partitions, policies, ...).
ACROSS = """
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'running', 'done');
CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
CREATE TYPE app.point2 AS (x float8, y float8);
CREATE TYPE app.span AS RANGE (subtype = float8);
CREATE SEQUENCE app.ticket START 100 INCREMENT 5;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE FUNCTION app.twice(i int) RETURNS int LANGUAGE sql IMMUTABLE RETURN i * 2;
CREATE AGGREGATE app.total(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
CREATE TABLE app.users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}',
  status app.status NOT NULL DEFAULT 'new',
  score app.positive,
  doubled int GENERATED ALWAYS AS (app.twice(coalesce(score, 0))) STORED,
  ticket int DEFAULT nextval('app.ticket'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_lower CHECK (email = lower(email))
);
CREATE UNIQUE INDEX users_email ON app.users (email) NULLS NOT DISTINCT;
CREATE INDEX users_settings ON app.users USING gin (settings jsonb_path_ops);
CREATE INDEX users_running ON app.users (updated_at) WHERE status = 'running';
CREATE INDEX users_email_lower ON app.users (lower(email) text_pattern_ops);
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
COMMENT ON TABLE app.users IS 'who signs in';
COMMENT ON COLUMN app.users.settings IS 'free-form';
CREATE TABLE app.events (
  user_id bigint NOT NULL REFERENCES app.users ON DELETE CASCADE,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  PRIMARY KEY (user_id, at)
) PARTITION BY RANGE (at);
CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE app.events_rest PARTITION OF app.events DEFAULT;
ALTER TABLE app.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.events USING (user_id = current_setting('app.user')::bigint);
CREATE VIEW app.active AS SELECT id, email FROM app.users WHERE status <> 'done';
CREATE MATERIALIZED VIEW app.counts AS SELECT kind, count(*) AS n FROM app.events GROUP BY kind;
"""


def test_pull_from_one_major_apply_to_the_other_and_back(db: Database, embedded_db: Database) -> None:
    """pull from the target's major, apply to the embedded one, pull that and apply it to a new
    database of the first: at each step pg_dump is what the SQL itself builds on that major.
    (Each major prints some things its own way, such as a view's query: a dump is compared with
    one from a server of its own major.)"""
    source, direct = db, embedded_db
    source.execute(ACROSS)
    direct.execute(ACROSS)
    pulled = api.pull(source.url)
    assert pulled.warnings == []
    there = other_database(db, "there", embedded_db.admin)
    back = other_database(db, "back")
    loaded = there.load(pulled.text, "pulled.yaml")
    api.apply(loaded, there.url)
    assert api.plan(loaded, there.url).plan.is_empty
    assert pg_dump(there) == pg_dump(direct)

    again = api.pull(there.url)
    assert again.warnings == []
    loaded_back = back.load(again.text, "again.yaml")
    assert api.plan(loaded_back, source.url).plan.is_empty
    api.apply(loaded_back, back.url)
    assert api.plan(loaded_back, back.url).plan.is_empty
    assert pg_dump(back) == pg_dump(source)


def test_diff_of_two_databases_of_two_majors(db: Database, embedded_db: Database) -> None:
    """The same SQL on 15 and 18 differs only in how each prints it: no difference."""
    db.execute(ACROSS)
    embedded_db.execute(ACROSS)
    assert api.diff_databases(db.url, embedded_db.url).is_empty
    assert api.diff_databases(embedded_db.url, db.url).is_empty
    embedded_db.execute("ALTER TABLE app.users ADD COLUMN nick text")
    p = api.diff_databases(db.url, embedded_db.url)
    assert [c.summary() for c in p.changes] == ["+ column app.users.nick text"]

