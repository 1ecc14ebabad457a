"""Column options (ALTER COLUMN … SET STATISTICS / SET (n_distinct …) / SET STORAGE / SET
COMPRESSION): read, declared, planned in place (the catalog only), pulled."""
from __future__ import annotations

import psycopg
import pytest

from schemacode import api
from schemacode.errors import SchemaError
from schemacode.load import load_text

from .conftest import Database
from .roundtrip import round_trip


def test_column_options_round_trip(db: Database) -> None:
    """Set, changed, reset to PostgreSQL's default, on a retyped column (ALTER COLUMN … TYPE resets
    storage and compression: set again after it), on a new table and a new column."""
    rt = round_trip(db, """
        CREATE TABLE docs (id int PRIMARY KEY, body text, tag varchar(20), amount numeric, big bigint,
                           raw bytea, note text, added text);
        ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL, ALTER COLUMN body SET COMPRESSION pglz;
        ALTER TABLE docs ALTER COLUMN tag SET STATISTICS 500,
                         ALTER COLUMN tag SET (n_distinct = -0.25, n_distinct_inherited = 40);
        ALTER TABLE docs ALTER COLUMN amount SET STORAGE PLAIN, ALTER COLUMN big SET STATISTICS 0;
        ALTER TABLE docs ALTER COLUMN raw SET STORAGE MAIN, ALTER COLUMN added SET STATISTICS 5;
        CREATE TABLE fresh ("Mixed Case" text, n int);
        ALTER TABLE fresh ALTER COLUMN "Mixed Case" SET STORAGE MAIN, ALTER COLUMN n SET (n_distinct = 12);
    """, older="""
        CREATE TABLE docs (id int PRIMARY KEY, body varchar(100), tag varchar(20), amount numeric,
                           big bigint, raw bytea, note text, gone text);
        ALTER TABLE docs ALTER COLUMN body SET STORAGE MAIN;
        ALTER TABLE docs ALTER COLUMN tag SET STATISTICS 50, ALTER COLUMN tag SET (n_distinct = 10);
        ALTER TABLE docs ALTER COLUMN amount SET STATISTICS 10, ALTER COLUMN big SET STATISTICS 100;
        ALTER TABLE docs ALTER COLUMN raw SET STORAGE EXTERNAL, ALTER COLUMN raw SET COMPRESSION pglz;
        ALTER TABLE docs ALTER COLUMN note SET STORAGE EXTERNAL, ALTER COLUMN gone SET STATISTICS 1;
    """)
    assert "body: {type: text, storage: external, compression: pglz}" in rt.text
    assert "tag: {type: varchar(20), statistics: 500, n_distinct: -0.25, n_distinct_inherited: 40}" in rt.text


def test_column_options_plan_in_place(db: Database) -> None:
    """One statement per option, each catalog only, under the lock PostgreSQL takes for it."""
    db.execute("CREATE TABLE t (a text, b int); ALTER TABLE t ALTER COLUMN a SET STORAGE EXTERNAL")
    loaded = db.load("""
tables:
  t:
    columns:
      a: {type: text, statistics: 1000, n_distinct: -1, compression: pglz}
      b: {type: integer, statistics: 0, n_distinct_inherited: 3}
""")
    plan = api.plan(loaded, db.url).plan
    got = {s.sql: (s.lock.level if s.lock else None, s.lock.work if s.lock else None) for s in plan.forward}
    assert got == {
        "ALTER TABLE public.t ALTER COLUMN a SET STATISTICS 1000": ("SHARE UPDATE EXCLUSIVE", "catalog"),
        "ALTER TABLE public.t ALTER COLUMN a SET (n_distinct='-1')": ("SHARE UPDATE EXCLUSIVE", "catalog"),
        "ALTER TABLE public.t ALTER COLUMN a SET STORAGE EXTENDED": ("ACCESS EXCLUSIVE", "catalog"),
        "ALTER TABLE public.t ALTER COLUMN a SET COMPRESSION pglz": ("ACCESS EXCLUSIVE", "catalog"),
        "ALTER TABLE public.t ALTER COLUMN b SET STATISTICS 0": ("SHARE UPDATE EXCLUSIVE", "catalog"),
        "ALTER TABLE public.t ALTER COLUMN b SET (n_distinct_inherited='3')": ("SHARE UPDATE EXCLUSIVE", "catalog"),
    }
    assert not plan.hazards()
    api.apply(loaded, db.url)
    assert api.plan(loaded, db.url).plan.is_empty
    assert db.execute("SELECT attname, attstorage, attcompression, attoptions FROM pg_attribute "
                      "WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum") == \
        [("a", "x", "p", ["n_distinct=-1"]), ("b", "p", "", ["n_distinct_inherited=3"])]


def test_lz4_compression_round_trips_where_the_server_has_it(db: Database) -> None:
    try:
        db.execute("CREATE TABLE probe (a text COMPRESSION lz4)")
    except psycopg.errors.FeatureNotSupported:
        pytest.skip("this PostgreSQL was built without lz4")
    db.execute("DROP TABLE probe")
    rt = round_trip(db, "CREATE TABLE blobs (body text COMPRESSION lz4, raw bytea);"
                        "ALTER TABLE blobs ALTER COLUMN raw SET COMPRESSION lz4, ALTER COLUMN raw SET STORAGE MAIN",
                    older="CREATE TABLE blobs (body text COMPRESSION pglz, raw bytea)")
    assert "body: {type: text, compression: lz4}" in rt.text


@pytest.mark.parametrize("column,error", [
    ("{type: text, statistics: 20000}", "statistics is a whole number from 0 to 10000"),
    ("{type: text, statistics: true}", "statistics is a whole number from 0 to 10000"),
    ("{type: text, storage: outside}", "storage is one of plain, external, extended, main, not 'outside'"),
    ("{type: text, compression: zstd}", "compression is one of pglz, lz4, not 'zstd'"),
    ("{type: text, n_distinct: [1]}", "n_distinct is a number"),
])
def test_bad_column_options_are_located_errors(column: str, error: str) -> None:
    with pytest.raises(SchemaError) as e:
        load_text(f"tables:\n  t:\n    columns:\n      a: {column}\n")
    assert error in str(e.value) and e.value.line == 4


def test_a_storage_the_type_cannot_have_is_located(db: Database) -> None:
    with pytest.raises(SchemaError) as e:
        api.plan(db.load("tables:\n  t:\n    columns:\n      id: {type: integer, storage: external}\n"), db.url)
    assert "can only have storage PLAIN" in str(e.value) and e.value.line == 4


def test_options_schema_yaml_cannot_declare_are_listed_not_lost(db: Database) -> None:
    """A materialized view's column options, and a partition's own (a partition's columns are its
    parent's): unmanaged, named by pull and the plan, left as they are."""
    db.execute("""
        CREATE TABLE events (at date, body text) PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        ALTER TABLE events ALTER COLUMN body SET STORAGE EXTERNAL;
        ALTER TABLE ONLY events_2024 ALTER COLUMN at SET STATISTICS 300;
        CREATE MATERIALIZED VIEW daily AS SELECT at, count(*) AS n FROM events GROUP BY at;
        ALTER MATERIALIZED VIEW daily ALTER COLUMN n SET STATISTICS 50;
    """)
    pulled = api.pull(db.url)
    assert "#   column options public.daily.n\n" in pulled.text
    assert "#   column options public.events_2024.at\n" in pulled.text
    assert "body: {type: text, storage: external}" in pulled.text  # the parent's: managed
    plan = api.plan(load_text(pulled.text), db.url).plan
    assert plan.is_empty
    assert "column options public.daily.n (schema.yaml cannot declare a materialized view's column options)" \
        in plan.unmanaged
