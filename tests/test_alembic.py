"""Alembic on both sides: a history imported to schema.yaml (the project's own env.py run against a
scratch database), and plans written as revision files that Alembic runs to the same database
schemacode's own apply and rollback make (pg_dump compared)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from schemacode import api
from schemacode import alembic as al
from schemacode.errors import SchemacodeError

from .conftest import Database
from .roundtrip import other_database, pg_dump
from .test_property import schema

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "tests" / "alembic_project"
EXAMPLES = [ROOT / "examples" / "project_contexts" / "schema.yaml", ROOT / "schema.yaml",
            ROOT / "examples" / "agent_logs" / "schema.yaml"]


def project_copy(tmp: Path, url: str | None = None, env_py: str | None = None) -> Path:
    """The test project in ``tmp``: its alembic.ini pointed at ``url``, its env.py replaced."""
    shutil.copytree(PROJECT, tmp / "project")
    ini = tmp / "project" / "alembic.ini"
    if url:
        text = ini.read_text()
        start = text.index("sqlalchemy.url = ")
        end = text.index("\n", start)
        ini.write_text(text[:start] + "sqlalchemy.url = "
                       + al.sqlalchemy_url(url).replace("%", "%%") + text[end:])
    if env_py is not None:
        (tmp / "project" / "migrations" / "env.py").write_text(env_py)
    return tmp / "project"


def alembic_cli(project: Path, *args: str) -> None:
    """The `alembic` command, as a person runs it in the project's folder."""
    result = subprocess.run([sys.executable, "-m", "alembic", *args], cwd=project,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_import_runs_the_history_and_plans_empty_against_what_alembic_built(db: Database,
                                                                            tmp_path: Path) -> None:
    # five revisions: tables, indexes, a check, a renamed column, a dropped table
    pulled = api.import_alembic(PROJECT / "alembic.ini")
    doc = yaml.safe_load(pulled.text)
    tables = doc["tables"]
    assert set(tables) == {"alembic_version", "project_contexts", "modifications"}  # templates dropped
    mods = tables["modifications"]
    assert "summary" in mods["columns"] and "description" not in mods["columns"]  # renamed
    assert set(mods["indexes"]) == {"idx_modifications_project", "idx_modifications_impact",
                                    "idx_modifications_failed"}
    assert "chk_modification_status" in mods["checks"]
    assert not [w for w in pulled.warnings if w.startswith("not exact")]
    assert any("alembic_version" in w for w in pulled.warnings)

    project = project_copy(tmp_path, db.url)
    alembic_cli(project, "upgrade", "head")
    loaded = db.load(pulled.text, "imported.yaml")
    assert api.plan(loaded, db.url).plan.is_empty


def test_import_from_the_folder_of_env_py_and_through_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from schemacode.cli import main

    out = tmp_path / "schema.yaml"
    result = CliRunner().invoke(main, ["import", "--alembic", str(PROJECT / "migrations"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "summary: text" in out.read_text()


ENV_FROM_VARIABLE = '''from alembic import context
from sqlalchemy import create_engine, pool
import os

engine = create_engine(os.environ["PROJECTS_DB"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''


def test_an_env_py_that_reads_its_own_variable_is_named_with_url_env(tmp_path: Path) -> None:
    project = project_copy(tmp_path, env_py=ENV_FROM_VARIABLE)
    with pytest.raises(SchemacodeError) as e:
        api.import_alembic(project)
    assert str(e.value).startswith(str(project / "migrations" / "env.py") + ":5: alembic upgrade head")
    assert "KeyError: 'PROJECTS_DB'" in str(e.value)
    assert "--url-env" in str(e.value)
    pulled = api.import_alembic(project, url_env=("PROJECTS_DB",))
    assert "chk_modification_status" in pulled.text


def test_an_env_py_that_connects_elsewhere_is_stopped_before_it_connects(tmp_path: Path) -> None:
    # a server that is not there: had the guard let the connection through, psycopg would have
    # failed to connect instead (and a real one would have been migrated)
    hard = ENV_FROM_VARIABLE.replace('os.environ["PROJECTS_DB"]',
                                     '"postgresql+psycopg://app:secret@127.0.0.1:1/production"')
    project = project_copy(tmp_path, env_py=hard)
    with pytest.raises(SchemacodeError) as e:
        api.import_alembic(project)
    message = str(e.value)
    assert "code connects to database production on 127.0.0.1:1" in message
    assert "nothing ran there" in message
    assert 'config.get_main_option("sqlalchemy.url")' in message and "--url-env" in message


def test_import_needs_an_alembic_project(tmp_path: Path) -> None:
    with pytest.raises(SchemacodeError, match="no alembic.ini and no env.py"):
        api.import_alembic(tmp_path)


# -- revision files --------------------------------------------------------------------------

class Runner:
    """An Alembic project whose versions folder schemacode writes into, run with Alembic's own
    commands against one database, beside a second database schemacode applies to."""

    def __init__(self, db: Database, tmp: Path) -> None:
        self.db = db
        self.mirror = other_database(db, "apply")
        self.folder = tmp / "versions"
        self.folder.mkdir()
        self.backward: list[Any] = []

    def config(self) -> Any:
        from alembic.config import Config

        config = Config()  # as a program configures it (no ini: no logging set up in the tests)
        config.set_main_option("script_location", str(PROJECT / "migrations"))
        config.set_main_option("version_locations", str(self.folder))
        config.set_main_option("sqlalchemy.url", al.sqlalchemy_url(self.db.url).replace("%", "%%"))
        return config

    def step(self, schema: str | Path | Any, online: bool = False) -> bool:
        """Plan ``schema`` as a revision, `alembic upgrade head`, and apply it with schemacode
        (False: there was nothing to do, no revision)."""
        from alembic import command

        if api.revision(schema, self.folder, self.db.url, online=online).revision is None:
            return False
        command.upgrade(self.config(), "head")
        applied = api.apply(schema, self.mirror.url, allow_destructive=True, online=online)
        self.backward.append(applied.plan.backward)
        assert self.dump(self.db) == self.dump(self.mirror)
        return True

    def back(self, schema: str | Path | Any, rollback: bool = True) -> None:
        """`alembic downgrade -1` beside schemacode's rollback of its latest apply (or, with
        ``rollback`` False, the backward SQL of that apply run as rollback runs it)."""
        from alembic import command

        command.downgrade(self.config(), "-1")
        backward = self.backward.pop()
        if rollback:
            api.rollback(schema, self.mirror.url, allow_destructive=True)
        else:
            self.mirror.run_script(backward)
        assert self.dump(self.db) == self.dump(self.mirror)

    @staticmethod
    def dump(db: Database) -> list[str]:
        return [s for s in pg_dump(db) if "alembic_version" not in s]


def test_revisions_of_the_examples_run_under_alembic_as_apply_and_rollback(db: Database,
                                                                         tmp_path: Path) -> None:
    r = Runner(db, tmp_path)
    for example in EXAMPLES:  # each one's plan from the one before: creations and drops
        assert r.step(example)
    assert api.plan(EXAMPLES[-1], db.url, leave_out=al.leave_out_version_table).plan.is_empty
    assert sorted(p.name[:4] for p in r.folder.glob("*.py")) == ["0001", "0002", "0003"]
    for example in reversed(EXAMPLES[:-1]):
        r.back(example)
    r.back(EXAMPLES[0])
    assert r.dump(db) == r.dump(other_database(db, "empty"))


ONLINE_A = """
enums:
  mood: [ok, meh]
tables:
  notes:
    columns:
      id: bigserial primary key
      label: text
      mood: mood
"""
# an enum value used in the same revision (before the transaction), indexes built CONCURRENTLY
# (after it), and SQL that SQLAlchemy's text() would misread: ":name", a backslash before ":"
ONLINE_B = """
enums:
  mood: [ok, meh, sad]
tables:
  notes:
    columns:
      id: bigserial primary key
      label: text
      mood: {type: mood, default: sad}
      body: {type: jsonb, default: {sql: "'{\\"a\\":1, \\"b\\": \\":c\\"}'::jsonb"}}
    checks:
      label_shape: "label <> ':x' AND label NOT LIKE '%\\\\:%' AND label <> 'a:b'"
    indexes:
      notes_label: [label]
      notes_sad: {columns: [id], where: "mood = 'sad'"}
"""


def test_a_revision_runs_outside_the_transaction_what_postgresql_requires(db: Database,
                                                                           tmp_path: Path) -> None:
    r = Runner(db, tmp_path)
    assert r.step(db.load(ONLINE_A, "a.yaml"))
    assert r.step(db.load(ONLINE_B, "b.yaml"), online=True)
    text = sorted(r.folder.glob("0002_*.py"))[0].read_text()
    upgrade, _, downgrade = text.partition("def downgrade")
    assert upgrade.count("with op.get_context().autocommit_block():") == 2
    assert "DROP INDEX CONCURRENTLY" in downgrade.partition("SET LOCAL lock_timeout")[0]
    before, _, after = upgrade.partition("SET LOCAL lock_timeout")
    assert "ADD VALUE IF NOT EXISTS 'sad'" in before and "CONCURRENTLY" in after
    assert '{"a"\\\\:1, "b": "\\\\:c"}' in text  # kept from text()'s bind parameters
    # rollback refuses an online apply: the fingerprint it records is taken before the steps
    # after the transaction (the indexes built CONCURRENTLY), so the database never matches it
    r.back(db.load(ONLINE_A, "a.yaml"), rollback=False)


@settings(max_examples=int(os.environ.get("SCHEMACODE_EXAMPLES_ALEMBIC", "3")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(a=schema(), b=schema())
def test_random_pair_as_revisions(db: Database, a: dict[str, Any], b: dict[str, Any]) -> None:
    db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
               "COMMENT ON SCHEMA public IS 'standard public schema'")
    with tempfile.TemporaryDirectory() as tmp:
        r = Runner(db, Path(tmp))  # and a new database for schemacode's apply
        done = [s for s in (db.load(yaml.safe_dump(a), "a.yaml"), db.load(yaml.safe_dump(b), "b.yaml"))
                if r.step(s)]  # (an empty schema from an empty database: no revision to write)
        if done:
            r.back(done[-1])


def test_revision_ids_follow_the_head() -> None:
    assert al.next_revision(None) == "0001"
    assert al.next_revision("003") == "004"
    assert al.next_revision("rev_0099") == "rev_0100"
    assert len(al.next_revision("ae1027a6acf")) == 12


def test_a_revision_is_planned_only_from_the_folders_head(db: Database, tmp_path: Path) -> None:
    project = project_copy(tmp_path, db.url)
    versions = project / "migrations" / "versions"
    alembic_cli(project, "upgrade", "003")
    with pytest.raises(SchemacodeError, match="the database is at 003, but .* head is 005"):
        api.revision(ROOT / "schema.yaml", versions, db.url)
    alembic_cli(project, "upgrade", "head")
    fork = (versions / "005_drop_templates.py").read_text().replace('revision = "005"', 'revision = "006"')
    (versions / "006_fork.py").write_text(fork)
    with pytest.raises(SchemacodeError, match=r"has 2 heads \(005, 006\)"):
        api.revision(ROOT / "schema.yaml", versions, db.url)
    (versions / "006_fork.py").unlink()
    with pytest.raises(SchemacodeError, match="no revision"):
        api.revision(ROOT / "schema.yaml", versions, other_database(db, "fresh").url)


def test_op_execute_gets_the_sql_as_it_is() -> None:
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    for sql in ["SELECT '{\"a\":1}'::jsonb", "SELECT ':x', 'a :b', E'\\\\:c', '\\:d'", "SELECT 1::int",
                "SELECT '%(x)s', '%'", "SELECT $$ :e $$"]:
        escaped = al.escape_binds(sql)
        compiled = text(escaped).compile(dialect=postgresql.dialect(paramstyle="named"))
        assert not compiled.params, sql
        assert str(compiled) == sql
        assert eval(al.python_literal(escaped)) == escaped
    multi = "CREATE FUNCTION f() RETURNS int AS $$\nSELECT 1 -- \"\"\" ''' \\\n$$ LANGUAGE sql"
    assert eval(al.python_literal(multi)) == multi


def test_plan_and_apply_never_import_alembic(db: Database) -> None:
    code = ("import sys; from schemacode import api, cli; "
            f"api.apply({str(ROOT / 'schema.yaml')!r}, {db.url!r}); api.plan({str(ROOT / 'schema.yaml')!r}, {db.url!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'sqlalchemy')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
