"""pull and import: a live database (or SQL files) to schema.yaml, and back, exactly."""
from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from schemacode import api
from schemacode.cli import main
from schemacode.load import load_file, load_text
from schemacode.scratch import canonicalize

from .conftest import Database
from .roundtrip import restore

ROOT = Path(__file__).resolve().parent.parent
SQL = ROOT / "tests" / "sql"
EXAMPLES = [ROOT / "schema.yaml", *sorted((ROOT / "examples").glob("*/schema.yaml"))]


def fresh(db: Database, suffix: str) -> Database:
    other = Database(db.admin, f"{db.name}_{suffix}", db.tmp)
    with psycopg.connect(db.admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{other.name}"')
    return other


def assert_round_trip(db: Database, text: str, scope: list[str] | None = None) -> None:
    """pull's text plans empty against db, and builds db's catalog in an empty database."""
    loaded = load_text(text, "pulled.yaml")
    planned = api.plan(loaded, db.url).plan
    assert planned.is_empty, "\n".join(c.summary() for c in planned.changes)
    scope = scope or loaded.scope
    other = fresh(db, "copy")
    api.apply(loaded, other.url)
    original = db.catalog(scope)
    expected = canonicalize(original, scope, db.scratch()) or original  # (printed by db's major)
    assert other.catalog(scope) == expected


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pull_round_trips_the_examples(db: Database, path: Path) -> None:
    api.apply(load_file(path), db.url)
    pulled = api.pull(db.url)
    assert pulled.warnings == []
    assert_round_trip(db, pulled.text)


def test_pull_writes_short_forms(db: Database) -> None:
    api.apply(load_file(ROOT / "schema.yaml"), db.url)
    text = api.pull(db.url).text
    assert "id: serial primary key" in text
    assert "status: {type: varchar(50), null: false, default: initialized," in text
    assert "chk_task_management_runs_status: status IN ('initialized', 'processing', 'completed', 'failed')" in text
    assert "idx_task_mgmt_runs_timestamp: [run_timestamp desc]" in text
    assert "update_task_management_runs_updated_at: {before: update, execute: update_updated_at_column}" in text
    assert "null: true" not in text and "language: plpgsql" not in text and "using: btree" not in text
    assert "_pkey" not in text  # default constraint names are left out
    assert "Event plans created by the planning agent" in text  # comments kept


@pytest.mark.parametrize("sql", [
    [SQL / "add_task_management_tables.sql"],
    [SQL / "agent_logs_postgres.sql"],
    [SQL / "project_contexts_alembic"],
], ids=["seed-000-migration", "seed-003-sqlalchemy", "seed-004-alembic-folder"])
def test_import_hand_written_sql(db: Database, sql: list[Path]) -> None:
    pulled = api.import_sql(list(sql))
    files = sorted(sql[0].glob("*.sql")) if sql[0].is_dir() else sql
    for f in files:
        db.execute("\n".join(line for line in f.read_text().splitlines()
                             if not line.startswith(("ALTER TABLE templates OWNER", "GRANT"))))
    assert_round_trip(db, pulled.text)


def test_import_a_pg_dump(db: Database) -> None:
    from schemacode.server import postgres_bin

    api.apply(load_file(ROOT / "examples" / "agent_logs" / "schema.yaml"), db.url)
    db.execute((SQL / "add_task_management_tables.sql").read_text()
               .replace("CREATE OR REPLACE FUNCTION update_updated_at_column", "CREATE FUNCTION u2")
               .replace("EXECUTE FUNCTION update_updated_at_column", "EXECUTE FUNCTION u2")
               .replace("COMMENT ON FUNCTION update_updated_at_column", "COMMENT ON FUNCTION u2"))
    dump = db.tmp / "dump.sql"
    subprocess.run([str(postgres_bin() / "pg_dump"), "--schema-only", "-d", db.url,
                    "-f", str(dump)], check=True)
    pulled = api.import_sql([dump])
    # What the dump builds, exactly (its varchar IN lists parse as casts of each element) …
    restored = fresh(db, "restored")
    restore(restored, dump.read_text())
    assert_round_trip(restored, pulled.text)
    # … which means what the database it was dumped from holds: no change there either
    assert api.plan(load_text(pulled.text, "pulled.yaml"), db.url).plan.is_empty


def test_pull_several_hundred_tables(db: Database) -> None:
    tables = []
    for i in range(300):
        ref = f"\n      parent_id: {{type: bigint, references: t{i - 1}.id, on_delete: cascade}}" if i else ""
        tables.append(f"""  t{i}:
    comment: table {i}
    columns:
      id: bigserial primary key
      name: {{type: varchar(100), null: false, default: unnamed}}
      data: {{type: jsonb, default: {{sql: "'{{}}'::jsonb"}}}}
      tags: text[]
      created_at: {{type: timestamptz, default: {{sql: now()}}}}{ref}
    checks:
      chk_t{i}_name: length(name) > 0
    indexes:
      idx_t{i}_created: [created_at desc]
      idx_t{i}_data: {{using: gin, columns: [data]}}
      idx_t{i}_named: {{columns: [name], where: "name <> 'unnamed'"}}""")
    api.apply(load_text("tables:\n" + "\n".join(tables)), db.url)
    assert_round_trip(db, api.pull(db.url).text)


def test_unsupported_objects_are_named_not_dropped(db: Database) -> None:
    db.execute("""
        CREATE TABLE docs (id serial PRIMARY KEY, owner text);
        ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
        CREATE POLICY docs_owner ON docs USING (owner = current_user);
        CREATE AGGREGATE my_pct (float8 ORDER BY float8) (SFUNC = float8pl, STYPE = float8);
    """)
    pulled = api.pull(db.url)
    assert "not supported, left out: ordered-set aggregate public.my_pct(double precision ORDER BY " \
           "double precision)" in pulled.warnings
    assert "#   ordered-set aggregate public.my_pct(" in pulled.text
    assert "docs_owner:" in pulled.text and "row_security: enabled" in pulled.text  # declarable now
    assert "docs:" in pulled.text  # the table itself is pulled


def test_pull_and_import_cli(db: Database) -> None:
    api.apply(load_file(ROOT / "schema.yaml"), db.url)
    out = db.tmp / "pulled.yaml"
    r = CliRunner().invoke(main, ["pull", "--database-url", db.url, "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "wrote" in r.stderr and out.read_text().startswith("# Pulled from")
    r = CliRunner().invoke(main, ["import", str(SQL / "project_contexts_alembic")])
    assert r.exit_code == 0 and "project_contexts:" in r.stdout
    r = CliRunner().invoke(main, ["pull", "--database-url", db.url, "--schemas", "nope"])
    assert r.exit_code == 1 and "schema(s) not found" in r.stderr


def test_import_reports_the_failing_file_and_line(db: Database) -> None:
    bad = db.tmp / "bad.sql"
    bad.write_text("CREATE TABLE ok (id int);\nCREATE TABLE broken (id nosuchtype);\n")
    r = CliRunner().invoke(main, ["import", str(bad)])
    assert r.exit_code == 1
    assert f"{bad}:2" in r.stderr and "nosuchtype" in r.stderr and "Traceback" not in r.stderr


def test_database_to_database_diff(db: Database) -> None:
    other = fresh(db, "target")
    api.apply(load_file(ROOT / "schema.yaml"), db.url)
    api.apply(load_file(ROOT / "examples" / "project_contexts" / "schema.yaml"), other.url)
    r = CliRunner().invoke(main, ["diff", "--from-url", db.url, "--to-url", other.url, "--format", "sql"])
    assert r.exit_code == 0, r.stderr
    assert "DROP TABLE public.task_conflicts;" in r.stdout and "CREATE TABLE public.templates" in r.stdout
    plan = api.diff_databases(db.url, other.url)
    db.run_script(plan.forward)
    assert db.catalog() == other.catalog()
    assert api.diff_databases(db.url, other.url).is_empty
