"""`generate --queries`: named statements prepared against the schema; typed functions that run
(sync and async) on a real database; a query the schema no longer fits fails `generate --check`
at its file and line."""
from __future__ import annotations

import asyncio
import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from schemacode import api
from schemacode.cli import main
from schemacode.codegen.queries import nullable_tables, number_parameters, parse, to_psycopg
from schemacode.errors import SchemaError
from schemacode.load import load_file, load_text

from .codegen_schemas import ROOT
from .conftest import Database

EXAMPLE = ROOT / "examples" / "queries"


def _package(db: Database, name: str) -> Any:
    loaded = load_file(ROOT / "schema.yaml")
    api.apply(loaded, db.url)
    api.generate(loaded, db.tmp / name, models=["dataclasses"], queries=EXAMPLE)
    return _import(db.tmp, name)


def _import(where: Path, name: str) -> Any:
    from .codegen_schemas import import_module

    pkg = import_module(where, name)
    import_module(where, f"{name}.queries")
    return pkg


def test_typed_queries_run(db: Database) -> None:
    pkg = _package(db, "q_sync")
    q = pkg.queries
    with psycopg.connect(db.url) as conn:
        queries = q.Queries(conn)
        plan = queries.create_event_plan(client_name="Acme", event_type=None, event_date=datetime.date(2025, 5, 1))
        assert isinstance(plan, pkg.EventPlans) and plan.plan_id is not None and plan.event_type is None
        run = queries.start_run(event_id=plan.plan_id, summary={"total_tasks": 2})
        assert run is not None and run.status == "initialized" and isinstance(run.id, int)
        conn.execute("INSERT INTO extended_tasks (task_management_run_id, task_id, task_data) "
                     "VALUES (%s, 't1', '{}'), (%s, 't2', '{}')", [run.id, run.id])
        second = queries.start_run(event_id=plan.plan_id, summary=[])
        assert second is not None
        runs = queries.runs_for_event(event_id=plan.plan_id)
        assert [r.id for r in runs] == sorted([run.id, second.id], reverse=True)
        assert runs[-1].processing_summary == {"total_tasks": 2}
        full = queries.run_by_id(id=run.id)
        assert isinstance(full, pkg.TaskManagementRuns) and full.event_id == plan.plan_id  # the table's dataclass
        assert queries.run_by_id(id=-1) is None
        counts = {c.id: (c.tasks, c.open_conflicts, c.last_task) for c in queries.task_counts(event_id=plan.plan_id)}
        assert counts == {run.id: (2, 0, "t2"), second.id: (0, 0, None)}
        assert queries.set_run_status(status="completed", event_id=plan.plan_id) == 2
        assert queries.set_run_status(status="completed", event_id=plan.plan_id) == 0
        assert queries.delete_event_plan(plan_id=plan.plan_id) is None
        assert queries.runs_for_event(event_id=plan.plan_id) == []


def test_typed_queries_run_async(db: Database) -> None:
    pkg = _package(db, "q_async")

    async def go() -> None:
        async with await psycopg.AsyncConnection.connect(db.url) as conn:
            queries = pkg.queries.AsyncQueries(conn)
            plan = await queries.create_event_plan(client_name="Async", event_type="gala", event_date=None)
            assert plan is not None and plan.client_name == "Async"
            run = await queries.start_run(event_id=plan.plan_id, summary=None)
            assert run is not None
            assert [r.id for r in await queries.runs_for_event(event_id=plan.plan_id)] == [run.id]
            assert await queries.set_run_status(status="failed", event_id=plan.plan_id) == 1
            full = await queries.run_by_id(id=run.id)
            assert full is not None and full.status == "failed"

    asyncio.run(go())


def test_the_example_queries_are_typed_by_postgresql(db: Database) -> None:
    text = api.generate(load_file(ROOT / "schema.yaml"), db.tmp / "q_types", models=["dataclasses"],
                        queries=EXAMPLE).files["queries.py"]
    assert "class StartRunRow:\n" in text
    start = text.split("class StartRunRow:")[1].split("\n\n\n")[0]
    assert "    id: int\n" in start and "    status: str\n" in start  # NOT NULL columns of the table
    assert "    run_timestamp: datetime.datetime | None\n" in start  # a nullable column
    counts = text.split("class TaskCountsRow:")[1].split("\n\n\n")[0]
    assert "    tasks: int | None\n" in counts  # an aggregate: nullable
    assert "def run_by_id(self, *, id: int) -> TaskManagementRuns | None:" in text
    assert "def start_run(self, *, event_id: uuid.UUID, summary: JsonValue) -> StartRunRow | None:" in text
    assert "event_type: str | None" in text  # @event_type?


ENUMS = """
enums:
  mood: [happy, sad]
tables:
  people:
    columns:
      id: serial primary key
      name: {type: text, null: false}
      mood: {type: mood, null: false, default: happy}
      moods: mood[]
  pets:
    columns:
      id: serial primary key
      owner_id: {type: integer, null: false, references: people.id}
      name: {type: text, null: false}
"""
ENUM_QUERIES = """-- name: add_person :one
INSERT INTO people (name, mood, moods) VALUES (@name, @mood, @moods) RETURNING id, mood, moods;

-- name: people_with_pets :many
SELECT p.name AS person, x.name AS pet, p.mood
FROM people p LEFT JOIN pets x ON x.owner_id = p.id
WHERE p.mood = @mood AND p.name LIKE 'A%' -- a literal percent sign, and @not_a_parameter in a comment
ORDER BY 1, 2;

-- name: pets_of :many
SELECT x.name, p.name AS owner FROM pets x JOIN people p ON p.id = x.owner_id WHERE x.owner_id = $1;
"""


def test_enums_outer_joins_and_literal_percent(db: Database) -> None:
    loaded = load_text(ENUMS)
    api.apply(loaded, db.url)
    qfile = db.tmp / "people.sql"
    qfile.write_text(ENUM_QUERIES)
    api.generate(loaded, db.tmp / "q_enum", models=["pydantic"], queries=qfile)
    pkg = _import(db.tmp, "q_enum")
    from .codegen_schemas import import_module

    enums = import_module(db.tmp, "q_enum.enums")
    text = (db.tmp / "q_enum" / "queries.py").read_text()
    assert "    pet: str | None\n" in text and "    person: str\n" in text  # the LEFT JOIN's side: nullable
    assert "    owner: str\n" in text  # an inner join keeps NOT NULL
    assert "def pets_of(self, *, p1: int)" in text
    with psycopg.connect(db.url) as conn:
        q = pkg.queries.Queries(conn)
        enums.register_enums(conn)  # arrays of enums come back as lists of them
        row = q.add_person(name="Ann", mood=enums.Mood.SAD, moods=[enums.Mood.HAPPY, None])
        assert row is not None and row.mood is enums.Mood.SAD and row.moods == [enums.Mood.HAPPY, None]
        q.add_person(name="Bob", mood=enums.Mood.SAD, moods=None)
        conn.execute("INSERT INTO pets (owner_id, name) VALUES (%s, 'Rex')", [row.id])
        found = q.people_with_pets(mood=enums.Mood.SAD)
        assert [(r.person, r.pet, r.mood) for r in found] == [("Ann", "Rex", enums.Mood.SAD)]
        assert [(r.name, r.owner) for r in q.pets_of(p1=row.id)] == [("Rex", "Ann")]
    with psycopg.connect(db.url) as conn:  # an enum scalar comes back as the Python enum unregistered too
        assert pkg.queries.Queries(conn).people_with_pets(mood=enums.Mood.SAD)[0].mood is enums.Mood.SAD


def test_a_query_the_schema_no_longer_fits_fails_check_at_its_line(db: Database, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.yaml").write_text(ENUMS)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "people.sql").write_text(ENUM_QUERIES)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.schemacode.generate]\nout = "app_db"\nmodels = ["dataclasses", "pydantic"]\nqueries = "queries"\n')
    runner = CliRunner()
    r = runner.invoke(main, ["generate"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "app_db" / "queries.py").exists() and (tmp_path / "app_db" / "pydantic_models.py").exists()
    assert runner.invoke(main, ["generate", "--check"]).exit_code == 0
    # the pets' name column dropped: line 7 of people.sql reads it
    (tmp_path / "schema.yaml").write_text(ENUMS.replace("      owner_id: {type: integer, null: false, references: people.id}\n"
                                                   "      name: {type: text, null: false}\n",
                                                   "      owner_id: {type: integer, null: false, references: people.id}\n"))
    r = runner.invoke(main, ["generate", "--check"])
    assert r.exit_code == 1
    assert "queries/people.sql:5: query people_with_pets does not fit the schema: column x.name does not exist" \
        in r.stderr, r.stderr
    assert "Traceback" not in r.output
    # retyped: a mood that is text now still prepares, and the generated types follow it
    (tmp_path / "schema.yaml").write_text(ENUMS.replace("{type: mood, null: false, default: happy}",
                                                        "{type: text, null: false, default: happy}"))
    r = runner.invoke(main, ["generate", "--check"])
    assert r.exit_code == 1 and "stale: app_db/queries.py" in r.stderr


def test_query_files_are_read_with_their_lines() -> None:
    qs = parse("-- a file comment\n\n-- name: one_thing :one\n-- Its doc.\nSELECT 1\n  + @x;\n"
               "-- name: two :exec\nDELETE FROM t WHERE a = $1 AND b = $2\n", "f.sql")
    assert [(q.name, q.kind, q.line, q.body_line, q.doc, q.params) for q in qs] == [
        ("one_thing", "one", 3, 5, "Its doc.", ("x",)), ("two", "exec", 7, 8, "", ("p1", "p2"))]
    for text, line, message in [
        ("SELECT 1;\n-- name: a :one\nSELECT 1\n", 1, "a statement without a name"),
        ("-- name: a\nSELECT 1\n", 1, "no kind"),
        ("-- name: a :some\nSELECT 1\n", 1, ":some"),
        ("-- name: class :one\nSELECT 1\n", 1, "not a Python identifier"),
        ("-- name: a :one\n\n", 1, "has no statement"),
        ("-- name: a :one\nSELECT @x + $1\n", 2, "both @name and $n"),
    ]:
        with pytest.raises(SchemaError) as e:
            parse(text, "f.sql")
        assert (e.value.file, e.value.line) == ("f.sql", line) and message in e.value.message, text


def test_parameters_outside_strings_comments_and_operators() -> None:
    sql = ("SELECT '@no', \"@no\", $tag$ @no $tag$, data @> @filter, x @@ q, @a + @a, @b?\n"
           "-- @no\n/* @no */ FROM t WHERE n LIKE 'a%'")
    numbered, params = number_parameters(sql, "f.sql", 1)
    assert params == ("filter", "a", "b?")
    assert "data @> $1" in numbered and "$2 + $2" in numbered and "$3\n" in numbered and "'@no'" in numbered
    assert to_psycopg(numbered, params).endswith("LIKE 'a%%'")
    assert "%(filter)s" in to_psycopg(numbered, params) and "%(b)s" in to_psycopg(numbered, params)


def test_outer_joins_make_their_side_nullable() -> None:
    assert nullable_tables("SELECT * FROM a LEFT JOIN b ON true") == {"b"}
    assert nullable_tables("SELECT * FROM a RIGHT JOIN b ON true") == {"a"}
    assert nullable_tables("SELECT * FROM a FULL JOIN b ON true") == {"a", "b"}
    assert nullable_tables("SELECT * FROM a JOIN b ON true") == set()
    assert nullable_tables("SELECT * FROM a LEFT JOIN (SELECT * FROM c JOIN d ON true) s ON true") == {"c", "d"}


def test_the_repo_generated_queries_are_fresh() -> None:
    from schemacode.codegen import config

    conf = config.load(ROOT)
    assert conf.queries and "sqlalchemy" in conf.models
    result = api.generate(conf.schema, conf.out, check=True, models=conf.models, queries=list(conf.queries))
    assert result.stale == [], "run `schemacode generate` and commit generated/"
