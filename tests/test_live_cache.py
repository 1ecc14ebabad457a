"""The live catalog kept under its stamp, and plans kept by what they were made from
(introspect.kept / introspect.stamp, api.plan): a stamp sees every change of the catalog a plan
reads, and nothing else; a kept catalog or plan is the one reading again would give.

The whole suite runs with SCHEMACODE_LIVE_CACHE=verify (conftest.py): every plan that finds a kept
catalog or plan reads and plans again and fails if they differ."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from schemacode import api
from schemacode.errors import SchemacodeError
from schemacode.introspect import Kept, introspect, kept
from schemacode.paths import home

from .conftest import Database

SCHEMA = """\
tables:
  users:
    comment: who signs in
    columns:
      id: bigserial primary key
      email: text not null
      profile: {type: jsonb, default: {sql: "'{}'::jsonb"}}
      created_at: timestamptz not null default now()
    indexes:
      users_email: {columns: [email], unique: true}
      users_profile: {using: gin, columns: [profile]}
  posts:
    columns:
      id: bigserial primary key
      author_id: bigint not null references users(id)
      body: text
      published: {type: date, default: {sql: "'2026-01-01'::date"}}
    checks:
      body_not_empty: length(body) > 0
"""


def stamp_of(db: Database) -> str:
    with psycopg.connect(db.url, autocommit=True) as conn:
        k = kept(conn, ["public"], home() / "cache")
    assert k is not None
    return k.stamp


@pytest.fixture
def role(db: Database) -> Iterator[str]:
    name = "r_" + uuid.uuid4().hex[:10]
    db.execute(f"CREATE ROLE {name}")
    yield name
    for r in (name, name + "_renamed"):
        if db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [r]):
            db.execute(f"DROP OWNED BY {r} CASCADE")
            db.execute(f"DROP ROLE {r}")


# Each changes what a plan reads (the catalog, or how PostgreSQL prints it) and nothing a plan of
# this schema would otherwise notice by itself; {role} is a role of the test's own.
CHANGES = [
    "COMMENT ON COLUMN users.email IS 'where we write'",
    "ALTER TABLE posts ALTER COLUMN body SET DEFAULT 'x'",
    "ALTER TABLE posts ALTER COLUMN body SET STATISTICS 500",
    "ALTER TABLE posts ALTER COLUMN body SET STORAGE EXTERNAL",
    "ALTER TABLE users ALTER COLUMN email TYPE varchar(200)",
    "CREATE INDEX CONCURRENTLY posts_author ON posts (author_id)",
    "DROP INDEX users_profile",
    "ALTER INDEX users_email RENAME TO users_email_key2",
    "ALTER TABLE posts DROP CONSTRAINT body_not_empty",
    "ALTER TABLE posts ADD CONSTRAINT body_short CHECK (length(body) < 1000) NOT VALID",
    "ALTER SEQUENCE users_id_seq INCREMENT BY 10",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "ALTER TABLE posts ENABLE ROW LEVEL SECURITY",
    "GRANT SELECT ON users TO {role}",
    "ALTER TABLE users OWNER TO {role}",
    "CREATE TYPE mood AS ENUM ('ok')",
    "CREATE TEXT SEARCH CONFIGURATION {role}_ts (COPY = english)",
    "ALTER DATABASE {database} SET timezone = 'Asia/Kolkata'",  # a new session prints by it
]


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_of_what_a_plan_reads_changes_the_stamp(db: Database, role: str, change: str) -> None:
    db.execute("GRANT CREATE ON SCHEMA public TO " + role)
    api.apply(db.load(SCHEMA), db.url)
    before = stamp_of(db)
    assert stamp_of(db) == before  # (the same catalog, the same stamp)
    db.execute(change.format(role=role, database=f'"{db.name}"'))
    assert stamp_of(db) != before


def test_a_role_renamed_changes_the_stamp(db: Database, role: str) -> None:
    """Its name prints in owners and grants: pg_authid, which a role that is no superuser may not
    read as a table, is read through pg_roles."""
    db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    before = stamp_of(db)
    db.execute(f"ALTER ROLE {role} RENAME TO {role}_renamed")
    assert stamp_of(db) != before


def test_data_statistics_and_what_rolled_back_leave_the_stamp(db: Database) -> None:
    api.apply(db.load(SCHEMA), db.url)
    before = stamp_of(db)
    db.execute("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 2000) g")
    db.execute("INSERT INTO posts (author_id, body) SELECT id, 'hello' FROM users")
    db.execute("UPDATE users SET profile = '{\"a\": 1}'")
    db.execute("SELECT nextval('users_id_seq')")
    db.execute("ANALYZE")
    db.execute("VACUUM posts")
    with psycopg.connect(db.url) as conn:  # a change made, then rolled back
        conn.execute("ALTER TABLE users ADD COLUMN gone int")
        conn.execute("CREATE INDEX gone ON posts (body)")
        conn.rollback()
    assert stamp_of(db) == before


def test_a_plan_reads_the_catalog_once_while_nothing_changes(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMACODE_LIVE_CACHE", "on")
    loaded = db.load(SCHEMA)
    api.apply(loaded, db.url)
    first = api.plan(loaded, db.url)
    assert first.plan.is_empty and not first.kept
    again = api.plan(loaded, db.url)
    assert again.kept and again.plan == first.plan
    assert again.wanted() == first.desired  # (built on demand, from the cache)
    with psycopg.connect(db.url, autocommit=True) as conn:
        k = kept(conn, ["public"], home() / "cache")
    assert k is not None

    def entries(kind: str) -> int:
        return len(list((home() / "cache").glob(f"{kind}-{k.target}-*.pickle")))

    assert (entries("live"), entries("plan")) == (1, 1)
    db.execute("ALTER TABLE posts ADD COLUMN extra int")  # the database changes
    changed = api.plan(loaded, db.url)
    assert not changed.kept
    assert any("extra" in s.sql for s in changed.plan.forward)
    assert (entries("live"), entries("plan")) == (1, 1)  # the earlier catalog's are dropped

    edited = db.load(SCHEMA.replace("who signs in", "who logs in"))  # schema.yaml changes
    planned = api.plan(edited, db.url)
    assert not planned.kept
    assert any("who logs in" in s.sql for s in planned.plan.forward)
    assert api.plan(loaded, db.url).kept  # (both texts' plans are kept for this catalog)
    assert (entries("live"), entries("plan")) == (1, 2)


def test_a_catalog_kept_wrongly_is_caught_by_verify(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the suite's verify mode proves is worth proving: a kept catalog that is not the
    database's would be found out."""
    loaded = db.load(SCHEMA)
    api.apply(loaded, db.url)
    with psycopg.connect(db.url, autocommit=True) as conn:
        k = kept(conn, ["public"], home() / "cache")
        assert k is not None
        introspect(conn, ["public"], k)  # read and kept
        db.execute("COMMENT ON TABLE users IS 'changed behind the stamp'")
        # the same stamp, now naming a catalog that is not the database's
        monkeypatch.setenv("SCHEMACODE_LIVE_CACHE", "on")
        stale = introspect(conn, ["public"], k)
        assert stale.tables["public.users"].comment == "who signs in"
        monkeypatch.setenv("SCHEMACODE_LIVE_CACHE", "verify")
        with pytest.raises(SchemacodeError, match="differs from the one read under the same stamp"):
            introspect(conn, ["public"], k)


def test_off_keeps_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMACODE_LIVE_CACHE", "off")
    loaded = db.load(SCHEMA)
    api.apply(loaded, db.url)
    before = set((home() / "cache").glob("*.pickle"))
    api.plan(loaded, db.url)
    assert not api.plan(loaded, db.url).kept
    made = {p.name for p in set((home() / "cache").glob("*.pickle")) - before}
    assert not {n for n in made if n.startswith(("live-", "plan-"))}, made
    with psycopg.connect(db.url, autocommit=True) as conn:
        assert kept(conn, ["public"], Path("/nonexistent")) is None


def test_a_kept_plan_of_another_scope_or_role_is_not_used(db: Database, role: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMACODE_LIVE_CACHE", "on")
    api.apply(db.load(SCHEMA), db.url)
    with psycopg.connect(db.url, autocommit=True) as conn:
        a = kept(conn, ["public"], home() / "cache")
        b = kept(conn, ["public", "other"], home() / "cache")
    db.execute(f"ALTER ROLE {role} LOGIN")
    db.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    other_role = db.url.replace("user=postgres", f"user={role}") if "user=postgres" in db.url else None
    assert isinstance(a, Kept) and isinstance(b, Kept)
    assert a.target != b.target and a.path != b.path
    if other_role is not None:
        with psycopg.connect(other_role, autocommit=True) as conn:
            c = kept(conn, ["public"], home() / "cache")
        assert c is not None and c.target != a.target and c.stamp != a.stamp


def test_a_kept_plan_renders_as_the_plan_it_keeps(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The markdown summary and the diagram read the desired catalog, which a kept plan did not:
    it is read (or built) for them, and what they show is the same."""
    from click.testing import CliRunner

    from schemacode.cli import main

    monkeypatch.setenv("SCHEMACODE_LIVE_CACHE", "on")
    path = db.write(SCHEMA)
    db.execute("CREATE TABLE users (id bigint PRIMARY KEY)")  # something to do: a summary to show
    args = ["plan", "--schema", str(path), "--database-url", db.url, "--format", "markdown"]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == again.exit_code
    assert "users" in first.output and again.output == first.output
    assert api.plan(path, db.url).kept  # (what the second command did)
