"""Table inheritance (INHERITS): a child declares its own columns only; its parents' columns and
checks are not repeated; created after its parents; INHERIT / NO INHERIT when that changes."""
from __future__ import annotations

import pytest

from schemacode import api
from schemacode.errors import SchemaError

from .acceptance import Case, run_case
from .conftest import Database
from .roundtrip import round_trip

BASE = """
tables:
  capitals:
    columns:
      state: char(2) not null
    checks:
      big_enough: population > 1000
    inherits: cities
  cities:
    columns:
      name: text primary key
      population: real
"""


def test_a_child_declares_its_own_columns_and_names_its_parents(db: Database) -> None:
    loaded = db.load(BASE)  # the child is written first: it is read after its parent
    assert list(loaded.catalog.tables["public.capitals"].columns) == ["state"]
    api.apply(loaded, db.url)
    assert db.execute("SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute "
                      "WHERE attrelid = 'capitals'::regclass AND attnum > 0") == [(["name", "population", "state"],)]
    assert api.plan(loaded, db.url).plan.is_empty
    db.execute("INSERT INTO capitals VALUES ('Paris', 2e6, 'FR')")
    assert db.execute("SELECT count(*) FROM cities") == [(1,)]


NOTES = BASE + """
  notes:
    columns: {body: text}
    inherits: cities
"""
ALONE = BASE + """
  notes:
    columns: {name: text, population: real, body: text}
"""


def test_a_table_leaves_its_parent_and_takes_it_again_keeping_its_rows(db: Database) -> None:
    api.apply(db.load(NOTES), db.url)
    db.execute("INSERT INTO notes VALUES ('x', 1, 'y')")
    planned = api.plan(db.load(ALONE), db.url).plan
    assert "~ table public.notes no longer inherits from public.cities" in [c.summary() for c in planned.changes]
    assert not planned.hazards("data-loss")
    api.apply(db.load(ALONE), db.url)
    assert api.plan(db.load(ALONE), db.url).plan.is_empty
    assert db.execute("SELECT count(*) FROM notes") == [(1,)]
    # and back: NOT NULL the parent's key needs is set first, then INHERIT; the columns stay the
    # table's own (PostgreSQL keeps them so), which is no difference to plan
    back = api.plan(db.load(NOTES), db.url).plan
    assert [s.sql for s in back.forward][-1] == "ALTER TABLE public.notes INHERIT public.cities"
    api.apply(db.load(NOTES), db.url)
    assert api.plan(db.load(NOTES), db.url).plan.is_empty
    assert db.execute("SELECT count(*) FROM cities") == [(1,)]


CASES = [
    Case("a child added and dropped", BASE, BASE + """
  villages:
    columns: {mayor: text}
    inherits: cities
""", expect_summary=("+ table public.villages",)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_inheritance_case(db: Database, case: Case) -> None:
    run_case(db, case)


def test_inheritance_round_trips(db: Database) -> None:
    rt = round_trip(db, """
        CREATE TABLE cities (name text PRIMARY KEY, population real, elevation int CHECK (elevation > -500));
        CREATE TABLE capitals (state char(2) NOT NULL, elevation int) INHERITS (cities);
        ALTER TABLE capitals ADD CONSTRAINT cap_pop CHECK (population > 0);
        CREATE TABLE tagged (tag text);
        CREATE TABLE both_ (note text) INHERITS (capitals, tagged);
    """, older="CREATE TABLE tagged (tag text);")
    assert "inherits: [capitals, tagged]" in rt.text


def test_a_parent_that_is_not_declared_is_a_located_error(db: Database) -> None:
    with pytest.raises(SchemaError) as e:
        db.load("tables:\n  kid:\n    columns: {a: int}\n    inherits: nobody\n")
    assert "inherits nobody: no table public.nobody" in str(e.value) and e.value.line == 4
