"""The command line, through click's CliRunner, against a real database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import schemacode
from schemacode.cli import main

from .conftest import Database

SCHEMA = """
tables:
  runs:
    comment: Processing runs
    columns:
      id: serial primary key
      status: {type: varchar(50), null: false, default: initialized}
"""


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_plan_apply_and_no_changes(db: Database) -> None:
    path = str(db.write(SCHEMA))
    code, out, _ = run("plan", "--schema", path, "--database-url", db.url)
    assert code == 0
    assert "+ table public.runs" in out
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in out
    assert "-- Forward SQL" in out and "CREATE TABLE public.runs" in out
    assert "-- Backward SQL" in out and "DROP TABLE public.runs;" in out

    code, out, _ = run("apply", "--schema", path, "--database-url", db.url, "--auto-approve")
    assert code == 0, out
    assert "Applied" in out
    history = db.execute("SELECT schema_hash, forward_sql, backward_sql, statements, duration_ms "
                         "FROM schemacode.schemacode_history")
    assert len(history) == 1
    assert "CREATE TABLE public.runs" in history[0][1] and "DROP TABLE" in history[0][2]

    code, out, _ = run("apply", "--schema", path, "--database-url", db.url, "--auto-approve")
    assert code == 0 and "No changes" in out
    assert len(db.execute("SELECT 1 FROM schemacode.schemacode_history")) == 1


def test_detailed_exitcode(db: Database) -> None:
    path = str(db.write(SCHEMA))
    assert run("plan", "--schema", path, "--database-url", db.url, "--detailed-exitcode")[0] == 2
    run("apply", "--schema", path, "--database-url", db.url, "--auto-approve")
    assert run("plan", "--schema", path, "--database-url", db.url, "--detailed-exitcode")[0] == 0
    assert run("plan", "--schema", "missing.yaml", "--database-url", db.url, "--detailed-exitcode")[0] == 1


def test_apply_asks_for_confirmation(db: Database, monkeypatch: object) -> None:
    path = str(db.write(SCHEMA))
    import os
    os.environ["SCHEMACODE_ASSUME_TTY"] = "1"
    try:
        code, out, _ = run("apply", "--schema", path, "--database-url", db.url, input="n\n")
        assert code == 1 and "Nothing applied" in out
        assert db.execute("SELECT to_regclass('public.runs')") == [(None,)]
        code, out, _ = run("apply", "--schema", path, "--database-url", db.url, input="y\n")
        assert code == 0 and "Applied" in out
    finally:
        del os.environ["SCHEMACODE_ASSUME_TTY"]


def test_apply_without_a_terminal_needs_auto_approve(db: Database) -> None:
    path = str(db.write(SCHEMA))
    code, _, err = run("apply", "--schema", path, "--database-url", db.url)
    assert code == 1 and "--auto-approve" in err


def test_json_format(db: Database) -> None:
    path = str(db.write(SCHEMA))
    code, out, _ = run("plan", "--schema", path, "--database-url", db.url, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"] == ["+ table public.runs"]
    assert data["forward"][0]["source"]["line"] == 3
    assert data["backward"][0]["sql"] == "DROP TABLE public.runs"


def test_destructive_change_is_refused(db: Database) -> None:
    path = db.write(SCHEMA)
    run("apply", "--schema", str(path), "--database-url", db.url, "--auto-approve")
    db.execute("INSERT INTO runs DEFAULT VALUES")
    path.write_text("tables: {}\n")
    code, out, err = run("apply", "--schema", str(path), "--database-url", db.url, "--auto-approve")
    assert code == 1
    assert "--allow-destructive" in err and "DROP TABLE public.runs" in err
    assert db.execute("SELECT count(*) FROM runs") == [(1,)]
    code, _, _ = run("apply", "--schema", str(path), "--database-url", db.url, "--auto-approve",
                     "--allow-destructive")
    assert code == 0
    assert db.execute("SELECT to_regclass('public.runs')") == [(None,)]


def test_failed_apply_rolls_back_and_names_the_statement(db: Database) -> None:
    path = db.write(SCHEMA)
    run("apply", "--schema", str(path), "--database-url", db.url, "--auto-approve")
    db.execute("INSERT INTO runs DEFAULT VALUES")
    # The new NOT NULL column fails on the existing row, after audit was created in the plan.
    path.write_text(SCHEMA + "      owner: {type: text, null: false}\n" + """
  audit:
    columns:
      id: serial primary key
""")
    code, _, err = run("apply", "--schema", str(path), "--database-url", db.url, "--auto-approve")
    assert code == 1
    assert "failed" in err and "ALTER TABLE public.runs ADD COLUMN owner text NOT NULL" in err
    assert "rolled back" in err
    assert "Traceback" not in err
    assert db.execute("SELECT to_regclass('public.audit')") == [(None,)]  # nothing half-applied
    assert len(db.execute("SELECT 1 FROM schemacode.schemacode_history")) == 1


def test_bad_yaml_is_one_clear_error(db: Database) -> None:
    path = db.write("tables:\n  runs:\n    columns:\n      id: {type: integr}\n")
    code, out, err = run("plan", "--schema", str(path), "--database-url", db.url)
    assert code == 1
    assert f"{path}:4: tables.runs.columns.id.type: unknown type 'integr'" in err
    assert "did you mean integer?" in err
    assert "Traceback" not in err


def test_unreachable_database_names_host_not_password(tmp_path: Path, pg_admin: str) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text(SCHEMA)
    code, _, err = run("plan", "--schema", str(path), "--database-url",
                       "postgresql://app:s3cret@127.0.0.1:1/appdb")
    assert code == 1
    assert "cannot connect to database appdb on 127.0.0.1:1" in err
    assert "s3cret" not in err


def test_missing_extension_suggests_dev_url(db: Database) -> None:
    if db.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'uuid-ossp'"):
        pytest.skip("the test server has uuid-ossp (the embedded one has not)")
    path = db.write('extensions: [uuid-ossp]\ntables:\n  t:\n    columns: {id: uuid}\n')
    code, _, err = run("plan", "--schema", str(path), "--database-url", db.url)
    assert code == 1
    assert f"{path}:1" in err and "uuid-ossp" in err and "--dev-url" in err


def test_default_target_is_the_local_embedded_database(pg_admin: str, tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text("tables:\n  local_only:\n    columns: {id: serial primary key}\n")
    code, out, _ = run("plan", "--schema", str(path))
    assert code == 0 and "+ table public.local_only" in out


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and "schemacode" in out
    code, out, _ = run("plan", "--help")
    assert code == 0 and "--detailed-exitcode" in out and "Example" in out


def test_dev_url_uses_a_temporary_database(db: Database, pg_admin: str) -> None:
    path = str(db.write(SCHEMA.replace("runs:", "dev_url_runs:")))
    before = {r[0] for r in db.execute("SELECT datname FROM pg_database")}
    code, out, _ = run("plan", "--schema", path, "--database-url", db.url, "--dev-url", pg_admin)
    assert code == 0 and "+ table public.dev_url_runs" in out
    after = {r[0] for r in db.execute("SELECT datname FROM pg_database")}
    assert after == before  # created and dropped again


def test_concurrent_materializations_do_not_share_a_scratch_database(pg_admin: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from schemacode.load import load_text
    from schemacode.scratch import materialize

    def build(i: int) -> set[str]:
        loaded = load_text(f"tables:\n  conc_{i}:\n    columns: {{id: serial primary key, n{i}: int}}\n")
        return set(materialize(loaded, use_cache=False).catalog.tables)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(build, range(8)))
    assert results == [{f"public.conc_{i}"} for i in range(8)]


def test_the_installed_program_runs_without_the_cycle_collector() -> None:
    """`schemacode` is cli.run: the click group, with Python's cycle collector off for the
    short-lived process (docs/performance.md); importing the library leaves it on."""
    import subprocess
    import sys
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="schemacode")
    assert script.value == "schemacode.cli:run"
    code = ("import atexit, gc, sys\nimport schemacode.cli\nassert gc.isenabled()\n"
            "atexit.register(lambda: print('collector on:', gc.isenabled()))\n"
            "sys.argv = ['schemacode', '--version']\nschemacode.cli.run()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"schemacode, version {schemacode.__version__}",
                                        "collector on: False"]
