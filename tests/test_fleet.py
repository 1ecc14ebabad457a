"""Many databases from one schema.yaml: `--targets` (docs/deploying.md#many-databases)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from click.testing import CliRunner

from schemacode import api, fleet
from schemacode.apply import Settings
from schemacode.cli import main
from schemacode.errors import SchemaError
from schemacode.server import with_database

from .conftest import Database

SCHEMA = """
tables:
  accounts:
    columns:
      id: bigserial primary key
      email: {type: text, null: false}
  notes:
    columns:
      id: bigserial primary key
      account_id: {type: bigint, null: false, references: accounts.id}
      body: text
    indexes:
      notes_account: [account_id]
"""
MORE = SCHEMA.replace("      body: text\n", "      body: text\n      pinned: {type: boolean, null: false, default: false}\n")


class Fleet:
    def __init__(self, admin: str, tmp: Path) -> None:
        self.admin, self.tmp, self.names = admin, tmp, []  # type: ignore[var-annotated]

    def databases(self, n: int) -> list[Database]:
        out = []
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for _ in range(n):
                name = "f_" + uuid.uuid4().hex[:10]
                conn.execute(f'CREATE DATABASE "{name}"')
                self.names.append(name)
                out.append(Database(self.admin, name, self.tmp))
        return out

    def targets(self, dbs: list[Database], extra: str = "") -> Path:
        lines = ["targets:"] + [f"  - {{name: db{i}, url: {json.dumps(d.url)}}}" for i, d in enumerate(dbs)]
        path = self.tmp / f"targets-{uuid.uuid4().hex[:6]}.yaml"
        path.write_text("\n".join(lines) + "\n" + extra)
        return path


@pytest.fixture
def fleet_of(pg_admin: str, tmp_path: Path) -> Iterator[Fleet]:
    f = Fleet(pg_admin, tmp_path)
    yield f
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        for name in f.names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def statuses(result: fleet.FleetResult) -> dict[str, str]:
    return {o.target.name: o.status for o in result.outcomes}


def test_a_fleet_of_databases_is_planned_as_one_plan_and_applied_everywhere(fleet_of: Fleet, tmp_path: Path) -> None:
    dbs = fleet_of.databases(4)
    targets = fleet_of.targets(dbs)
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    planned = api.fleet(schema, targets)
    assert len(planned.groups) == 1 and len(planned.groups[0]) == 4  # four identical plans: one to review
    assert set(statuses(planned).values()) == {"changes"}
    applied = api.fleet(schema, targets, apply=True, options=fleet.Options(parallel=3))
    assert statuses(applied) == {f"db{i}": "applied" for i in range(4)}
    assert all(d.execute("SELECT count(*) FROM schemacode.schemacode_history") == [(1,)] for d in dbs)
    again = api.fleet(schema, targets)
    assert set(statuses(again).values()) == {"up to date"} and again.groups == []

    dbs[2].execute("ALTER TABLE notes ADD COLUMN pinned boolean")  # drift: its plan differs
    schema.write_text(MORE)
    planned = api.fleet(schema, targets)
    assert sorted(len(g) for g in planned.groups) == [1, 3]
    lone = next(g for g in planned.groups if len(g) == 1)
    assert lone[0].target.name == "db2"


def test_a_schema_the_fleet_no_longer_declares_is_dropped_from_each_database(fleet_of: Fleet, tmp_path: Path) -> None:
    dbs = fleet_of.databases(2)
    targets = fleet_of.targets(dbs)
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA + "  legacy.old: {columns: {id: int}}\n")
    api.fleet(schema, targets, apply=True)
    schema.write_text(SCHEMA)
    planned = api.fleet(schema, targets)
    assert [[c.summary() for c in o.plan.changes] for o in planned.outcomes] == [  # type: ignore[union-attr]
        ["- table legacy.old", "- schema legacy"]] * 2
    assert set(statuses(api.fleet(schema, targets, apply=True)).values()) == {"failed"}  # data loss: refused
    applied = api.fleet(schema, targets, apply=True, options=fleet.Options(allow_destructive=True))
    assert set(statuses(applied).values()) == {"applied"}
    assert all(d.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'legacy'") == [(0,)] for d in dbs)


def test_a_schema_per_tenant_from_a_query(db: Database, tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text("schemas: [app]\n" + SCHEMA.replace("  accounts:", "  app.accounts:")
                      .replace("  notes:", "  app.notes:").replace("references: accounts.id", "references: app.accounts.id"))
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"""targets:
  - url: {json.dumps(db.url)}
    query: SELECT 'tenant_' || i AS schema, 'acme-' || i AS name FROM generate_series(1, 3) i
    tenant_of: app
""")
    planned = api.fleet(schema, targets)
    assert [o.target.name for o in planned.outcomes] == ["acme-1", "acme-2", "acme-3"]
    assert len(planned.groups) == 1, [[s.sql for s in g[0].plan.forward] for g in planned.groups]  # type: ignore[union-attr]
    sql = "\n".join(s.sql for s in planned.outcomes[1].plan.forward)  # type: ignore[union-attr]
    assert "CREATE TABLE tenant_2.notes" in sql and "REFERENCES tenant_2.accounts(id)" in sql
    assert "app." not in sql
    result = api.fleet(schema, targets, apply=True)
    assert set(statuses(result).values()) == {"applied"}
    assert db.execute("SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
                      "WHERE c.contype = 'f' ORDER BY 1") == [
        (f"tenant_{i}.notes", f"tenant_{i}.accounts") for i in (1, 2, 3)]
    assert set(statuses(api.fleet(schema, targets)).values()) == {"up to date"}
    assert db.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'") == [(0,)]


def test_one_broken_target_is_reported_while_the_others_apply(fleet_of: Fleet, tmp_path: Path) -> None:
    good, locked, drifted = fleet_of.databases(3)
    for d in (locked, drifted):
        d.execute("CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL)")
    drifted.execute("ALTER TABLE accounts ADD COLUMN legacy text")  # the plan drops it: refused
    targets = fleet_of.targets([good, locked, drifted], extra=(
        f"  - {{name: nowhere, url: {json.dumps(with_database(fleet_of.admin, 'no_such_database'))}}}\n"))
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    options = fleet.Options(parallel=4, settings=Settings(lock_timeout="200ms", retries=0, lock_wait=5))
    with psycopg.connect(locked.url) as holder:
        holder.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
        result = api.fleet(schema, targets, apply=True, options=options)
    assert statuses(result) == {"db0": "applied", "db1": "failed", "db2": "failed", "nowhere": "failed"}
    errors = {o.target.name: o.error or "" for o in result.failed}
    assert "lock" in errors["db1"]
    assert "refusing without --allow-destructive" in errors["db2"]
    assert "does not exist" in errors["nowhere"]
    assert locked.execute("SELECT count(*) FROM pg_class WHERE relname = 'notes'") == [(0,)]  # untouched
    # a re-run does what is left
    again = api.fleet(schema, targets, apply=True, options=options)
    assert statuses(again) == {"db0": "up to date", "db1": "applied", "db2": "failed", "nowhere": "failed"}


def test_a_failing_canary_stops_the_rest(fleet_of: Fleet, tmp_path: Path) -> None:
    dbs = fleet_of.databases(3)
    dbs[0].execute("CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, legacy text)")
    targets = fleet_of.targets(dbs)
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    result = api.fleet(schema, targets, apply=True, options=fleet.Options(canary=1, parallel=2))
    assert statuses(result) == {"db0": "failed", "db1": "not run", "db2": "not run"}
    assert all(d.execute("SELECT count(*) FROM pg_class WHERE relname = 'notes'") == [(0,)] for d in dbs)
    dbs[0].execute("ALTER TABLE accounts DROP COLUMN legacy")
    result = api.fleet(schema, targets, apply=True, options=fleet.Options(canary=1, parallel=2))
    assert set(statuses(result).values()) == {"applied"}


def test_fail_fast_starts_nothing_after_a_failure(fleet_of: Fleet, tmp_path: Path) -> None:
    dbs = fleet_of.databases(4)
    dbs[0].execute("CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, legacy text)")
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    result = api.fleet(schema, fleet_of.targets(dbs), apply=True, options=fleet.Options(parallel=1, fail_fast=True))
    assert statuses(result) == {"db0": "failed", "db1": "not run", "db2": "not run", "db3": "not run"}


KILLED = """
import sys
from schemacode import api, fleet
api.fleet(sys.argv[1], sys.argv[2], apply=True, options=fleet.Options(parallel=1, allow_destructive=True))
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.4, 0.6, 1.0])
def test_kill_9_mid_fleet_leaves_each_target_applied_or_untouched(fleet_of: Fleet, tmp_path: Path,
                                                                  delay: float) -> None:
    dbs = fleet_of.databases(4)
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    targets = fleet_of.targets(dbs)
    api.fleet(schema, targets, apply=True)
    for d in dbs:
        d.execute("INSERT INTO accounts (email) SELECT 'a' || i FROM generate_series(1, 150000) i")
    before = dbs[0].catalog()
    changed = SCHEMA.replace("email: {type: text, null: false}", "email: {type: varchar(200), null: false}\n"
                             "      extra: {type: text, default: x}")
    schema.write_text(changed)
    after = dbs[0].desired(dbs[0].load(changed))
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(schema), str(targets)], env={**os.environ},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.3)
    for d in dbs:
        for _ in range(100):  # the server notices the client is gone and rolls back
            if d.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND pid <> pg_backend_pid()") == [(0,)]:
                break
            time.sleep(0.05)
        now = d.catalog()
        assert now in (before, after), d.name
        assert d.execute("SELECT count(*) FROM accounts") == [(150000,)]
    result = api.fleet(schema, targets, apply=True, options=fleet.Options(allow_destructive=True))  # a re-run ends it
    assert set(statuses(result).values()) <= {"applied", "up to date"}, [o.error for o in result.failed]


def test_cli_plan_apply_check_across_targets(fleet_of: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dbs = fleet_of.databases(2)
    monkeypatch.setenv("FLEET_DB", dbs[1].url)
    targets = fleet_of.targets(dbs[:1], extra="  - {name: second, url: '${FLEET_DB}'}\n")
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    run = CliRunner().invoke
    r = run(main, ["plan", "--schema", str(schema), "--targets", str(targets), "--detailed-exitcode"])
    assert r.exit_code == 2, r.output
    assert "Plan 1 of 1: 2 target(s): db0, second" in r.stdout and "Targets: 2 changes (of 2)." in r.stdout
    assert "2/2 done, 0 failed, 0 remaining" in r.stderr
    r = run(main, ["check", "--schema", str(schema), "--targets", str(targets)])
    assert r.exit_code == 2
    r = run(main, ["apply", "--schema", str(schema), "--targets", str(targets), "--auto-approve", "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [t["status"] for t in out["targets"]] == ["applied", "applied"] and out["counts"]["applied"] == 2
    assert all(isinstance(t["history_id"], int) for t in out["targets"])
    r = run(main, ["check", "--schema", str(schema), "--targets", str(targets)])
    assert r.exit_code == 0 and "Targets: 2 up to date (of 2)." in r.stdout
    schema.write_text(MORE)
    dbs[0].execute("ALTER TABLE accounts ADD COLUMN legacy text")  # refused there: a drop
    r = run(main, ["apply", "--schema", str(schema), "--targets", str(targets), "--auto-approve"])
    assert r.exit_code == 1
    assert "Applied (1): second" in r.stdout and "Failed (1):\n  db0: the plan destroys data" in r.stdout
    assert "Targets: 1 applied, 1 failed (of 2)." in r.stdout
    r = run(main, ["apply", "--schema", str(schema), "--targets", str(targets), "--database-url", dbs[0].url,
                   "--auto-approve"])
    assert r.exit_code == 1 and "not both" in r.stderr
    r = run(main, ["plan", "--schema", str(schema), "--targets", str(targets), "--out", str(tmp_path / "m")])
    assert r.exit_code == 1 and "use --format json" in r.stderr


def test_passwords_are_never_printed(tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  - postgresql://app:s3cret@127.0.0.1:1/appdb\n")
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    r = CliRunner().invoke(main, ["plan", "--schema", str(schema), "--targets", str(targets), "--format", "json"])
    assert r.exit_code == 1
    assert "s3cret" not in r.output
    out = json.loads(r.stdout)
    assert out["targets"][0]["name"] == "appdb on 127.0.0.1:1" and "cannot connect" in out["targets"][0]["error"]


@pytest.mark.parametrize("text,line,message", [
    ("targets: postgresql://a/b\n", 1, "a targets file holds `targets:`"),
    ("targets:\n  - {url: x, nmae: y}\n", 2, "unknown key 'nmae' in a target"),
    ("targets:\n  - name: y\n", 2, "a target needs url:"),
    ("targets:\n  - url: postgresql://a/b\n  - url: '${NOT_SET_ANYWHERE}'\n", 3, "${NOT_SET_ANYWHERE} is not set"),
    ("targets:\n  - {url: x, schemas: [app]}\n", 2, "schemas: maps schema.yaml's schemas"),
    ("targets:\n  - {url: x, name: a}\n  - {url: y, name: a}\n", None, "two targets are called a"),
    ("targets:\n  - url: postgresql://a/b\n  - url: sqlite:///x.db\n", 3, "a SQLite file is not a target"),
])
def test_a_bad_targets_file_is_a_located_error(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(text)
    with pytest.raises(SchemaError) as e:
        fleet.load_targets(path)
    assert e.value.file == str(path) and e.value.line == line and message in e.value.message


APP = """
schemas: [app]
sequences:
  app.ticket: {start: 100}
enums:
  app.status: [new, done]
functions:
  app.touch:
    returns: trigger
    body: BEGIN NEW.updated_at = now(); RETURN NEW; END;
tables:
  app.accounts:
    columns:
      id: bigserial primary key
      email: {type: text, null: false}
      status: {type: app.status, null: false, default: new}
      ticket: {type: bigint, default: {sql: "nextval('app.ticket')"}}
      updated_at: timestamptz
    indexes:
      accounts_lower: {columns: ["lower(email)"], where: "status = 'new'"}
    triggers:
      accounts_touch: {before: update, execute: app.touch}
  app.notes:
    columns:
      id: bigserial primary key
      account_id: {type: bigint, null: false, references: app.accounts.id}
views:
  app.open_accounts: {query: "SELECT id, email FROM app.accounts WHERE status = 'new'"}
"""


def app_tenants(db: Database, tmp_path: Path, n: int) -> tuple[Path, Path]:
    """schema.yaml holding APP, and a targets file of n tenants of it in ``db``."""
    schema = tmp_path / "schema.yaml"
    schema.write_text(APP)
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"targets:\n  - url: {json.dumps(db.url)}\n    tenant_of: app\n"
                       f"    query: SELECT 'tenant_' || i AS schema FROM generate_series(1, {n}) i\n")
    return schema, targets


@pytest.mark.parametrize("body_names_its_schema", [False, True])
def test_each_tenants_copy_is_what_postgresql_prints_under_its_name(db: Database, body_names_its_schema: bool,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Renamed as text where PostgreSQL agrees for one copy, else by PostgreSQL: either way, each
    copy equals what the database prints after ALTER SCHEMA … RENAME (a body's text included)."""
    from schemacode import scratch
    from schemacode.scratch import materialize, renamed

    read: list[list[str]] = []
    real = scratch.introspect
    monkeypatch.setattr(scratch, "introspect", lambda conn, scope: read.append(scope) or real(conn, scope))

    text = APP if not body_names_its_schema else APP.replace(
        "BEGIN NEW.updated_at = now(); RETURN NEW; END;",
        "BEGIN PERFORM count(*) FROM app.notes; NEW.updated_at = now(); RETURN NEW; END;")
    loaded = db.load(text)
    with psycopg.connect(db.url) as conn:  # built on a server of the database's major
        where = scratch.scratch_for(conn, db.url, None)
    base = materialize(loaded, where).catalog
    read.clear()
    names = ["t_one", "t_two", "Tenant 3", "Tenant 4"]
    copies = renamed(base, ["app"], [{"app": n} for n in names], where)
    # PostgreSQL read the first plain copy, and those SQL quotes; the text did the others, when it
    # agreed with PostgreSQL for the first
    assert read == ([[n] for n in names] if body_names_its_schema else [["t_one"], ["Tenant 3"], ["Tenant 4"]])
    api.apply(loaded, db.url)
    for name, copy in zip(names, copies):
        db.execute(f'ALTER SCHEMA {"app" if name == names[0] else chr(34) + "x" + chr(34)} RENAME TO "{name}"')
        assert copy == db.catalog([name]), name
        db.execute(f'ALTER SCHEMA "{name}" RENAME TO "x"')
    body = next(iter(copies[1].functions.values())).definition
    assert ("app.notes" in body) == body_names_its_schema  # PostgreSQL does not rename inside a string


def test_a_tenant_manages_only_its_own_schemas(db: Database, tmp_path: Path) -> None:
    """Objects schema.yaml declares in a schema no tenant renames (shared by all of them) are an
    error, not something each tenant would fight over; and a tenant's plan leaves public alone."""
    db.execute("CREATE TABLE public.directory (id int)")  # shared: no tenant's to drop
    schema = tmp_path / "schema.yaml"
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"targets:\n  - {{url: {json.dumps(db.url)}, schemas: {{app: tenant_1}}}}\n")
    schema.write_text("schemas: [app]\ntables:\n  app.a: {columns: {id: int}}\n  b: {columns: {id: int}}\n")
    with pytest.raises(SchemaError) as e:
        api.fleet(schema, targets)
    assert "outside the schemas a tenant renames (app)" in e.value.message and e.value.file == str(schema)
    schema.write_text("schemas: [app]\ntables:\n  app.a: {columns: {id: int}}\n")
    result = api.fleet(schema, targets, apply=True)
    assert set(statuses(result).values()) == {"applied"}
    assert result.outcomes[0].target.name.endswith(" (tenant_1)")  # named by database, host, tenant
    assert [c.summary() for c in result.outcomes[0].plan.changes] == [  # type: ignore[union-attr]
        "+ schema tenant_1", "+ table tenant_1.a"]
    assert db.execute("SELECT count(*) FROM public.directory") == [(0,)]


def test_a_schema_that_does_not_build_stops_the_fleet_with_its_line(fleet_of: Fleet, tmp_path: Path) -> None:
    dbs = fleet_of.databases(3)
    schema = tmp_path / "schema.yaml"
    schema.write_text("tables:\n  t:\n    columns:\n      id: {type: int, default: {sql: no_such_function()}}\n")
    with pytest.raises(SchemaError) as e:
        api.fleet(schema, fleet_of.targets(dbs), apply=True)
    assert e.value.line == 2 and "no_such_function" in e.value.message
    assert all(d.execute("SELECT count(*) FROM pg_class WHERE relname = 't'") == [(0,)] for d in dbs)



def test_tenants_planned_together_are_applied_as_reviewed(db: Database, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A database's tenants are read at once for the plan, and one at a time under the lock for
    the apply: the two reads agree (each tenant's fingerprint), so the reviewed plan applies."""
    from schemacode.introspect import fingerprint, introspect
    from schemacode.model import only_schemas

    schema, targets = app_tenants(db, tmp_path, 4)
    api.fleet(schema, targets, apply=True)
    db.execute("CREATE OPERATOR tenant_2.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq)")  # unmanaged
    with psycopg.connect(db.url) as conn:
        everything = introspect(conn, [f"tenant_{i}" for i in range(1, 5)])
        for i in range(1, 5):
            alone = introspect(conn, [f"tenant_{i}"])
            assert only_schemas(everything, {f"tenant_{i}"}) == alone
            assert fingerprint(only_schemas(everything, {f"tenant_{i}"})) == fingerprint(alone)
    schema.write_text(APP.replace("      updated_at: timestamptz\n", "      updated_at: timestamptz\n      nick: text\n"))
    monkeypatch.setenv("SCHEMACODE_ASSUME_TTY", "1")
    r = CliRunner().invoke(main, ["apply", "--schema", str(schema), "--targets", str(targets)], input="y\n")
    assert r.exit_code == 0, r.output
    assert "Plan 1 of 1: 4 target(s)" in r.stdout and "Targets: 4 applied (of 4)." in r.stdout
    assert db.execute("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nick'") == [(4,)]


def test_one_tenant_failing_leaves_the_others_of_its_database_applied(db: Database, tmp_path: Path) -> None:
    schema, targets = app_tenants(db, tmp_path, 3)
    api.fleet(schema, targets, apply=True)
    db.execute("ALTER TABLE tenant_2.notes ADD COLUMN legacy text")  # its plan drops it: refused
    schema.write_text(APP.replace("      updated_at: timestamptz\n", "      updated_at: timestamptz\n      nick: text\n"))
    result = api.fleet(schema, targets, apply=True, options=fleet.Options(parallel=2))
    by_schema = {o.target.mapping["app"]: o for o in result.outcomes}
    assert {k: o.status for k, o in by_schema.items()} == {
        "tenant_1": "applied", "tenant_2": "failed", "tenant_3": "applied"}
    assert "refusing without --allow-destructive" in (by_schema["tenant_2"].error or "")
    assert db.execute("SELECT table_schema FROM information_schema.columns WHERE column_name = 'nick' "
                      "ORDER BY 1") == [("tenant_1",), ("tenant_3",)]
    assert db.execute("SELECT count(*) FROM schemacode.schemacode_history") == [(3 + 2,)]
