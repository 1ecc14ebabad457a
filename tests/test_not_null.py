"""NOT NULL constraints' names (PostgreSQL 18 names them) and a partition's own NOT NULL and
default: pulled, declared, planned and applied so that the catalogs come back the same."""
from __future__ import annotations

import pytest

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.model import not_null_default, object_name

from .conftest import Database
from .roundtrip import round_trip


def test_postgresql_s_own_names_are_mirrored() -> None:
    assert not_null_default("orders", "qty") == "orders_qty_not_null"
    long = object_name("t" * 40, "c" * 40, "not_null")  # the longer name gives way first
    assert len(long.encode()) == 63 and long.endswith("_not_null")
    assert long == "t" * 27 + "_" + "c" * 26 + "_not_null"
    # a character is never cut in two
    assert object_name("é" * 40, "c", "not_null").encode().decode() == object_name("é" * 40, "c", "not_null")
    assert len(object_name("é" * 40, "c", "not_null").encode()) <= 63


NAMES = """
    CREATE TABLE orders (id int CONSTRAINT "order id present" NOT NULL, qty int NOT NULL,
                         note text CONSTRAINT note_given NOT NULL);
    CREATE TABLE archive (id int NOT NULL);
    ALTER TABLE archive RENAME TO archived_orders;  -- keeps archive_id_not_null
    CREATE TABLE events (id int NOT NULL, kind text NOT NULL DEFAULT 'x', at date, body text DEFAULT '')
        PARTITION BY LIST (kind);
    -- its own NOT NULL, its own default, no default where the parent has one
    CREATE TABLE events_a PARTITION OF events (at NOT NULL, body DEFAULT 'a', kind DEFAULT NULL)
        FOR VALUES IN ('a');
    -- its own name for the parent's NOT NULL
    CREATE TABLE events_b PARTITION OF events (id WITH OPTIONS CONSTRAINT b_id_here NOT NULL) FOR VALUES IN ('b');
    -- a table attached: its NOT NULL keeps its name, its default stays its own
    CREATE TABLE events_c (id int NOT NULL, kind text NOT NULL DEFAULT 'c', at date, body text);
    ALTER TABLE events ATTACH PARTITION events_c FOR VALUES IN ('c');
    CREATE TABLE events_d PARTITION OF events FOR VALUES IN ('d');
"""


def test_not_null_names_and_partition_columns_round_trip(db: Database) -> None:
    rt = round_trip(db, NAMES, older="""
        CREATE TABLE orders (id int NOT NULL, qty int CONSTRAINT qty_old NOT NULL, note text);
        CREATE TABLE archived_orders (id int NOT NULL);
        CREATE TABLE events (id int NOT NULL, kind text NOT NULL DEFAULT 'x', at date, body text DEFAULT '')
            PARTITION BY LIST (kind);
        CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a');
        CREATE TABLE events_c (id int CONSTRAINT c_id NOT NULL, kind text NOT NULL, at date NOT NULL, body text);
        CREATE TABLE events_d PARTITION OF events (at NOT NULL, body DEFAULT 'd') FOR VALUES IN ('d');
    """)
    if db.major >= 18:
        assert 'constraint "order id present" not null' in rt.text
        assert "constraint archive_id_not_null not null" in rt.text
        assert "qty: integer not null" in rt.text  # PostgreSQL's own name is not written
    assert "events_a:\n        in: [a]\n        columns:" in rt.text
    assert "at: {null: false}" in rt.text and "body: {default: a}" in rt.text
    assert "kind: {default: null}" in rt.text


def test_a_renamed_table_s_not_nulls_are_renamed_with_it(db: Database) -> None:
    db.skip_unless_embedded_major()
    api.apply(db.load("tables:\n  notes:\n    columns: {id: int not null, body: text not null}\n"), db.url)
    renamed = db.load("tables:\n  memos:\n    renamed_from: notes\n    columns: {id: int not null, body: text not null}\n")
    planned = api.plan(renamed, db.url).plan
    summary = "\n".join(c.summary() for c in planned.changes)
    assert "column public.memos.id NOT NULL named memos_id_not_null" in summary
    api.apply(renamed, db.url)
    assert api.plan(renamed, db.url).plan.is_empty
    names = db.execute("SELECT conname FROM pg_constraint WHERE contype = 'n' AND conrelid = 'memos'::regclass "
                       "ORDER BY 1")
    assert names == [("memos_body_not_null",), ("memos_id_not_null",)]
    db.run_script(planned.backward)
    names = db.execute("SELECT conname FROM pg_constraint WHERE contype = 'n' AND conrelid = 'notes'::regclass "
                       "ORDER BY 1")
    assert names == [("notes_body_not_null",), ("notes_id_not_null",)]


def test_a_declared_not_null_name_is_created_and_kept(db: Database) -> None:
    db.skip_unless_embedded_major()
    text = "tables:\n  t:\n    columns:\n      a: {type: int, not_null_name: a_required}\n      b: int\n"
    api.apply(db.load(text), db.url)
    assert db.execute("SELECT conname FROM pg_constraint WHERE contype = 'n' AND conrelid = 't'::regclass") == [
        ("a_required",)]
    assert api.plan(db.load(text), db.url).plan.is_empty
    # a column made NOT NULL takes the declared name
    more = text.replace("b: int", "b: {type: int, not_null_name: b_required}")
    planned = api.plan(db.load(more), db.url).plan
    assert any("NOT NULL named b_required" in c.summary() for c in planned.changes)
    api.apply(db.load(more), db.url)
    assert api.plan(db.load(more), db.url).plan.is_empty


def test_a_partition_s_own_options_are_planned_after_its_parent_s(db: Database) -> None:
    """The parent's SET DEFAULT and SET NOT NULL reach its partitions: a partition's own
    default is set again after them; one that follows its parent is left to them."""
    old = """
tables:
  logs:
    columns: {id: int, kind: text, at: date}
    partition_by: list (kind)
    partitions:
      logs_a: {in: [a]}
      logs_b:
        in: [b]
        columns:
          at: {default: '2000-01-01'}
"""
    new = old.replace("columns: {id: int, kind: text, at: date}",
                      "columns: {id: int not null, kind: text, at: {type: date, default: {sql: CURRENT_DATE}}}")
    api.apply(db.load(old), db.url)
    planned = api.plan(db.load(new), db.url).plan
    sql = [s.sql for s in planned.forward]
    parent = sql.index("ALTER TABLE public.logs ALTER COLUMN at SET DEFAULT CURRENT_DATE")
    own = sql.index("ALTER TABLE public.logs_b ALTER COLUMN at SET DEFAULT '2000-01-01'::date")
    assert parent < own
    assert not any("logs_a" in s for s in sql), sql  # it follows its parent
    api.apply(db.load(new), db.url)
    assert api.plan(db.load(new), db.url).plan.is_empty
    assert db.execute("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'logs_b'::regclass") == [
        ("'2000-01-01'::date",)]
    db.run_script(planned.backward)
    assert api.plan(db.load(old), db.url).plan.is_empty


@pytest.mark.parametrize("spec,error", [
    ("columns: {nope: {null: false}}", "the parent has no column 'nope'"),
    ("columns: {id: {null: true}}", "column id is NOT NULL in the parent: a partition cannot take it off"),
    ("columns: {n: {default: 1}}", "column n is serial: its default is its sequence's"),
    ("columns: {kind: {type: text}}", "unknown key"),
    ("columns: [kind]", "a partition's columns are its parent's"),
])
def test_a_partition_s_bad_column_options_are_located_errors(db: Database, spec: str, error: str) -> None:
    text = f"""
tables:
  logs:
    columns: {{id: int not null, n: serial, kind: text}}
    partition_by: list (kind)
    partitions:
      logs_a:
        in: [a]
        {spec}
"""
    with pytest.raises(SchemaError) as e:
        db.load(text)
    assert error in str(e.value)
    assert e.value.line == 9


def test_a_partition_s_inherited_not_null_keeps_its_name(db: Database) -> None:
    """PostgreSQL renames a NOT NULL a partition has from its parent only with the parent's (and
    only where the names are the same): the plan leaves the name rather than fail, or detach the
    partition to rename it."""
    db.skip_unless_embedded_major()
    db.execute("CREATE TABLE events (id int NOT NULL, kind text) PARTITION BY LIST (kind);"
               "CREATE TABLE events_b PARTITION OF events FOR VALUES IN ('b')")
    wanted = db.load("""
tables:
  events:
    columns: {id: int not null, kind: text}
    partition_by: list (kind)
    partitions:
      events_b:
        in: [b]
        columns:
          id: {not_null_name: b_id_here}
""")
    assert api.plan(wanted, db.url).plan.is_empty
    assert db.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'events_b'::regclass") == [
        ("events_id_not_null",)]
