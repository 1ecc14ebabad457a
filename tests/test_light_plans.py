"""Plans as light as PostgreSQL allows: what ALTER COLUMN … TYPE carries is not rebuilt, and a
view that only gains columns is replaced in place."""
from __future__ import annotations

from schemacode import api

from .conftest import Database

OLD = """
tables:
  people:
    columns:
      id: int primary key
      name: {type: varchar(50), unique: true}
      age: int
    indexes:
      people_name: [name]
      people_name_lower: ["lower(name)"]
      people_adults: {columns: [id], where: age >= 18}
views:
  names: {query: "SELECT id, name FROM people", comment: Names only}
  name_count: SELECT count(*) AS n FROM names
"""


def _relfilenode(db: Database, index: str) -> int:
    return int(db.execute(f"SELECT relfilenode FROM pg_class WHERE relname = '{index}'")[0][0])


def test_widening_a_varchar_keeps_its_indexes_and_keys(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    db.execute("INSERT INTO people SELECT g, 'p' || g, g % 90 FROM generate_series(1, 1000) g")
    before = {i: _relfilenode(db, i) for i in ("people_name", "people_name_key", "people_pkey")}
    new = db.load(OLD.replace("varchar(50)", "varchar(100)"))
    planned = api.plan(new, db.url).plan
    sql = [s.sql for s in planned.forward]
    assert not [s for s in sql if "people_name " in s or "people_name_key" in s or "people_pkey" in s], sql
    assert "ALTER TABLE public.people ALTER COLUMN name TYPE character varying(100) USING name::character varying(100)" in sql
    assert not planned.hazards("rewrite") and not planned.hazards("data-loss")
    # the view reading the column cannot stay (PostgreSQL refuses), nor the one reading it
    assert "DROP VIEW public.names" in sql and "DROP VIEW public.name_count" in sql
    api.apply(new, db.url)
    assert {i: _relfilenode(db, i) for i in before} == before  # not rebuilt: a catalog change
    assert db.execute("SELECT obj_description('names'::regclass)") == [("Names only",)]
    assert api.plan(new, db.url).plan.is_empty


def test_an_integer_key_made_bigint_is_rebuilt_by_postgres_not_dropped(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    new = db.load(OLD.replace("id: int primary key", "id: bigint primary key"))
    sql = [s.sql for s in api.plan(new, db.url).plan.forward]
    assert not [s for s in sql if "CONSTRAINT people_pkey" in s], sql
    api.apply(new, db.url)
    assert api.plan(new, db.url).plan.is_empty
    planned_back = api.plan(db.load(OLD), db.url).plan
    assert not [s for s in planned_back.forward if "people_pkey" in s.sql]


def test_a_view_that_gains_a_trailing_column_is_replaced_in_place(db: Database) -> None:
    api.apply(db.load(OLD), db.url)
    oid = db.execute("SELECT 'names'::regclass::oid")
    new = db.load(OLD.replace("SELECT id, name FROM people", "SELECT id, name, age FROM people"))
    planned = api.plan(new, db.url).plan
    assert [c.summary() for c in planned.changes] == ["~ view public.names query"]
    assert planned.forward[0].sql.startswith("CREATE OR REPLACE VIEW public.names AS")
    api.apply(new, db.url)
    assert db.execute("SELECT 'names'::regclass::oid") == oid
    assert api.plan(new, db.url).plan.is_empty
    # Back: a column cannot be taken off a view in place; it is dropped and created again.
    back = [s.sql for s in planned.backward]
    assert "DROP VIEW public.names" in back and "DROP VIEW public.name_count" in back
    db.run_script(planned.backward)
    assert api.plan(db.load(OLD), db.url).plan.is_empty
