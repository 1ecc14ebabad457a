"""schemacode generate: typed dataclasses that type-check and read real rows."""
from __future__ import annotations

import datetime
import decimal
import importlib
import ipaddress
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import class_row, dict_row

from schemacode import api, codegen
from schemacode.cli import main
from schemacode.load import load_file, load_text

from .conftest import Database

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = [ROOT / "schema.yaml", *sorted((ROOT / "examples").glob("*/schema.yaml"))]

EVERY_TYPE = """
enums:
  mood: {values: [happy, sad, "so-so"], comment: How it went}
tables:
  samples:
    comment: One row of every type
    columns:
      id: bigserial primary key
      small: {type: smallint, null: false}
      big: bigint
      price: "numeric(12,2)"
      ratio: real
      precise: double precision
      flag: boolean
      title: {type: text, comment: The title}
      code: varchar(10)
      letter: char(1)
      ref: uuid
      doc: json
      data: jsonb
      day: date
      at_time: time
      at: timestamp
      at_tz: timestamptz
      span: interval
      raw: bytea
      address: inet
      network: cidr
      tags: text[]
      scores: "integer[]"
      moods: mood[]
      mood: {type: mood, null: false, default: happy}
views:
  sample_titles: SELECT id, title FROM samples
"""

AWKWARD = """
tables:
  awkward:
    columns:
      class: {type: integer, primary_key: true}
      from: text
      user-id: bigint
      2fa: boolean
      self: text
"""


def generate_into(db: Database, text: str, name: str) -> Any:
    """Generate a package for ``text`` under tmp and import it."""
    pkg = db.tmp / "pkgs" / name
    result = api.generate(load_text(text), pkg)
    assert result.written
    sys.path.insert(0, str(pkg.parent))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(pkg.parent))


def test_repo_generated_package_is_fresh() -> None:
    """generated/ is what `schemacode generate` writes from the repo's pyproject.toml settings."""
    from schemacode.codegen import config

    conf = config.load(ROOT)
    result = api.generate(conf.schema, conf.out, check=True, models=conf.models, queries=list(conf.queries))
    assert result.stale == [], "run `schemacode generate` and commit generated/"


ALL = ["dataclasses", "sqlalchemy", "pydantic"]


def test_mypy_strict_passes_on_every_output(tmp_path: Path, pg_admin: str) -> None:
    """Every output of every example schema (and the typed queries of the repo's), type-checked
    with mypy --strict together with SQLAlchemy's, Pydantic's and psycopg's own types; and code
    that misuses them fails (the oracle can fail). One mypy run: its start-up is most of its time."""
    from .codegen_schemas import RICH

    pytest.importorskip("sqlalchemy")
    pytest.importorskip("pydantic")
    packages = []
    for i, schema in enumerate(SCHEMAS):
        queries = ROOT / "examples" / "queries" if schema == ROOT / "schema.yaml" else None
        api.generate(load_file(schema), tmp_path / f"example{i}", models=ALL, queries=queries)
        packages.append(f"example{i}")
    for i, text in enumerate([EVERY_TYPE, AWKWARD, RICH]):
        api.generate(load_text(text), tmp_path / f"pkg{i}", models=ALL)
        packages.append(f"pkg{i}")
    (tmp_path / "use.py").write_text(
        "import uuid\n"
        "from example0.sqlalchemy_models import TaskManagementRuns\n"
        "from example0.pydantic_models import TaskManagementRunsInsert\n"
        "from example0.queries import Queries\n"
        "def f(q: Queries, r: TaskManagementRuns) -> None:\n"
        "    n: int = r.status\n"
        "    TaskManagementRunsInsert(event_id=uuid.uuid4(), status=3)\n"
        "    q.run_by_id(id='x')\n")
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *packages, "use.py"],
                            capture_output=True, text=True, cwd=tmp_path)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert all(e.startswith("use.py:") for e in errors), result.stdout  # the generated code is clean
    assert [e.split(":")[1] for e in errors] == ["6", "7", "8"], result.stdout
    assert 'Argument "status"' in errors[1] and 'Argument "id"' in errors[2], result.stdout


def test_rows_of_every_type_come_back_typed(db: Database) -> None:
    api.apply(load_text(EVERY_TYPE), db.url)
    models = generate_into(db, EVERY_TYPE, "every_type_models")
    Samples, Mood = models.Samples, models.Mood
    with psycopg.connect(db.url) as conn:
        models.register_types(conn)
        conn.execute(
            "INSERT INTO samples (small, big, price, ratio, precise, flag, title, code, letter, ref,"
            " doc, data, day, at_time, at, at_tz, span, raw, address, network, tags, scores, moods,"
            " mood) VALUES (1, 2, 3.25, 0.5, 0.25, true, 't', 'c', 'x', gen_random_uuid(),"
            " '[1, 2]', '{\"a\": {\"b\": null}}', '2024-02-29', '12:30', '2024-01-01 10:00',"
            " '2024-01-01 10:00+02', '1 day 2 hours', '\\x00ff', '10.0.0.1', '10.0.0.0/8',"
            " '{a,NULL}', '{1,2}', '{happy,so-so}', 'sad')")
        conn.execute("INSERT INTO samples (small) VALUES (7)")  # NULLs everywhere else
        rows = conn.cursor(row_factory=class_row(Samples)).execute(
            "SELECT * FROM samples ORDER BY id").fetchall()
    full, empty = rows
    assert isinstance(full, Samples)
    expected = {
        "id": int, "small": int, "big": int, "price": decimal.Decimal, "ratio": float,
        "precise": float, "flag": bool, "title": str, "code": str, "letter": str,
        "ref": uuid.UUID, "doc": list, "data": dict, "day": datetime.date,
        "at_time": datetime.time, "at": datetime.datetime, "at_tz": datetime.datetime,
        "span": datetime.timedelta, "raw": bytes, "address": ipaddress.IPv4Address,
        "network": ipaddress.IPv4Network, "tags": list, "scores": list, "moods": list, "mood": Mood,
    }
    for name, type_ in expected.items():
        assert isinstance(getattr(full, name), type_), (name, getattr(full, name))
    assert full.at_tz.tzinfo is not None
    assert full.price == decimal.Decimal("3.25")
    assert full.tags == ["a", None]
    assert full.moods == [Mood.HAPPY, Mood.SO_SO]
    assert full.mood is Mood.SAD and full.mood == "sad"
    assert full.data == {"a": {"b": None}}
    assert empty.big is None and empty.tags is None and empty.mood is Mood.HAPPY
    assert Samples.__table__ == "public.samples" and Samples.__primary_key__ == ("id",)
    assert Samples.__columns__[:3] == ("id", "small", "big")
    assert "One row of every type" in (Samples.__doc__ or "")
    # A new row needs only the NOT NULL columns the database does not fill in.
    assert Samples(small=1).id is None
    assert models.SampleTitles.__table__ == "public.sample_titles"


def test_awkward_names_become_valid_fields(db: Database) -> None:
    api.apply(load_text(AWKWARD), db.url)
    models = generate_into(db, AWKWARD, "awkward_models")
    Awkward = models.Awkward
    assert Awkward.__fields__ == {"class": "class_", "from": "from_", "user-id": "user_id",
                                  "2fa": "f_2fa", "self": "self_"}
    with psycopg.connect(db.url) as conn:
        conn.execute("""INSERT INTO awkward VALUES (1, 'x', 5, true, 'me')""")
        row = conn.cursor(row_factory=dict_row).execute("SELECT * FROM awkward").fetchone()
    assert row is not None
    obj = Awkward.from_row(row)
    assert (obj.class_, obj.from_, obj.user_id, obj.f_2fa, obj.self_) == (1, "x", 5, True, "me")


def test_output_is_deterministic(pg_admin: str) -> None:
    reordered = """
tables:
  b_table: {columns: {id: serial primary key}}
  a_table: {columns: {id: serial primary key, name: text}}
"""
    original = """
tables:
  a_table: {columns: {id: serial primary key, name: text}}
  b_table: {columns: {id: serial primary key}}
"""
    one = codegen.render(api.desired_catalog(load_text(original), None)[0])
    two = codegen.render(api.desired_catalog(load_text(reordered), None)[0])
    again = codegen.render(api.desired_catalog(load_text(original), None)[0])
    assert one == two == again


def test_generate_check_cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(db.tmp)  # not the repository's pyproject.toml settings
    schema = db.write("tables:\n  things:\n    columns: {id: serial primary key}\n")
    out = db.tmp / "gen"
    runner = CliRunner()
    r = runner.invoke(main, ["generate", "--schema", str(schema), "--out", str(out), "--check"])
    assert r.exit_code == 1 and "stale:" in r.stderr
    r = runner.invoke(main, ["generate", "--schema", str(schema), "--out", str(out)])
    assert r.exit_code == 0 and "wrote" in r.stdout
    r = runner.invoke(main, ["generate", "--schema", str(schema), "--out", str(out), "--check"])
    assert r.exit_code == 0
    schema.write_text("tables:\n  things:\n    columns: {id: serial primary key, name: text}\n")
    r = runner.invoke(main, ["generate", "--schema", str(schema), "--out", str(out), "--check"])
    assert r.exit_code == 1 and "models.py" in r.stderr


def test_the_docs_examples_run(db: Database) -> None:
    """Every Python block of docs/codegen.md runs against schema.yaml applied, with generated/:
    the dataclasses, a SQLAlchemy session, Pydantic at an API edge, typed queries (sync and async)."""
    import re

    pytest.importorskip("sqlalchemy")
    pytest.importorskip("pydantic")
    text = (ROOT / "docs" / "codegen.md").read_text()
    blocks = [(text[: m.start()].count("\n") + 2, m.group(1))
              for m in re.finditer(r"```python\n(.*?)```", text, re.DOTALL)]
    assert len(blocks) == 4
    api.apply(load_file(ROOT / "schema.yaml"), db.url)
    sys.path.insert(0, str(ROOT))
    try:
        for line, code in blocks:
            exec(compile("\n" * (line - 1) + code, "docs/codegen.md", "exec"), {"database_url": db.url})
    finally:
        sys.path.remove(str(ROOT))
    # one plan from each example (the API edge's: two), each written as the example said
    assert db.execute("SELECT client_name, count(*) FROM event_plans GROUP BY 1 ORDER BY 1") == [
        ("Acme", 4), ("Typed", 1)]


def test_generate_settings_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[tool.schemacode.generate]: read from the nearest pyproject.toml, paths relative to it; a
    flag wins; a wrong key or output is an error naming the file."""
    from schemacode.codegen import config
    from schemacode.errors import SchemaError

    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert config.load() == config.GenerateConfig()  # no pyproject.toml: the defaults
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert config.load() == config.GenerateConfig()  # no section: the defaults
    (tmp_path / "pyproject.toml").write_text(
        '[tool.schemacode.generate]\nschema = "db/schema.yaml"\nout = "app/db"\nmodels = "sqlalchemy"\n'
        'queries = ["q/a.sql", "q/b.sql"]\n')
    conf = config.load()
    assert (conf.schema, conf.out, conf.models, conf.queries) == (
        "../db/schema.yaml", "../app/db", ("sqlalchemy",), ("../q/a.sql", "../q/b.sql"))
    for body, message in [('color = "red"', "unknown key 'color'"), ('models = ["orm"]', "models must list"),
                          ("queries = 3", "queries must be")]:
        (tmp_path / "pyproject.toml").write_text(f"[tool.schemacode.generate]\n{body}\n")
        with pytest.raises(SchemaError) as e:
            config.load()
        assert message in e.value.message and e.value.file == str(tmp_path / "pyproject.toml")
    # on the command line: a flag wins over the file
    (tmp_path / "sub" / "schema.yaml").write_text("tables:\n  things:\n    columns: {id: serial primary key}\n")
    (tmp_path / "pyproject.toml").write_text('[tool.schemacode.generate]\nschema = "sub/schema.yaml"\n'
                                             'models = ["dataclasses", "sqlalchemy"]\nout = "gen"\n')
    r = CliRunner().invoke(main, ["generate", "--models", "pydantic", "--out", "mine"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "sub" / "mine").iterdir()) == [
        "__init__.py", "enums.py", "pydantic_models.py"]
    r = CliRunner().invoke(main, ["generate"])
    assert r.exit_code == 0 and (tmp_path / "gen" / "sqlalchemy_models.py").exists(), r.output


def test_generate_needs_neither_sqlalchemy_nor_pydantic(tmp_path: Path, pg_admin: str) -> None:
    """Generating writes text: with both libraries made unimportable, every output is written
    (they are the application's dependencies: the extras schemacode[sqlalchemy], [pydantic])."""
    script = ("import sys; sys.modules['sqlalchemy'] = None; sys.modules['pydantic'] = None; "
              "sys.modules['alembic'] = None; from schemacode.cli import run; run()")
    args = ["generate", "--schema", str(ROOT / "schema.yaml"), "--out", str(tmp_path / "out"),
            "--models", "sqlalchemy", "--models", "pydantic", "--models", "dataclasses",
            "--queries", str(ROOT / "examples" / "queries")]
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "__init__.py", "enums.py", "models.py", "sqlalchemy_models.py", "pydantic_models.py", "queries.py"}
